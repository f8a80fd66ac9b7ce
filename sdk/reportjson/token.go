package reportjson

import (
	"fmt"
	"math/bits"
	"unicode/utf16"
	"unicode/utf8"
)

// This file is the tokenizer: direct loops over the input that read one JSON token at a
// time (a string, a number, a literal, punctuation) or skip a whole value, checking the
// same grammar as encoding/json's scanner. decode.go maps the tokens onto the sdk types.

// maxDepth is how deeply arrays and objects may nest, counted as encoding/json counts
// them (its scanner's maxNestingDepth): the report object itself is depth 1.
const maxDepth = 10000

// Error is a syntax or type error, or an error of a value's own decoding (a time that is
// not RFC 3339, a number out of range), at Offset bytes into the input.
type Error struct {
	Offset int
	Msg    string
	Err    error // the underlying error, if any (time or strconv)
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("reportjson: %s at offset %d: %v", e.Msg, e.Offset, e.Err)
	}
	return fmt.Sprintf("reportjson: %s at offset %d", e.Msg, e.Offset)
}

func (e *Error) Unwrap() error { return e.Err }

// decoder holds the input and the read position. The input is copied once into s: a
// string without escapes or invalid UTF-8 decodes to a substring of it, without an
// allocation of its own.
type decoder struct {
	s     string
	pos   int
	depth int    // arrays and objects open around pos
	stack []byte // skip's open containers, '{' or '['
	buf   []byte // scratch for unescaping strings
}

func (d *decoder) errorf(format string, args ...any) error {
	return &Error{Offset: d.pos, Msg: fmt.Sprintf(format, args...)}
}

// unexpected reports the byte at pos (or the end of the input) as a syntax error.
func (d *decoder) unexpected(context string) error {
	if d.pos >= len(d.s) {
		return d.errorf("unexpected end of JSON input")
	}
	return d.errorf("invalid character %s %s", quoteChar(d.s[d.pos]), context)
}

func quoteChar(c byte) string {
	if 0x20 <= c && c < 0x7f {
		return "'" + string(rune(c)) + "'"
	}
	return fmt.Sprintf("byte 0x%02x", c)
}

// ws skips white space.
func (d *decoder) ws() {
	if d.pos < len(d.s) && d.s[d.pos] > ' ' {
		return // the usual case
	}
	for d.pos < len(d.s) {
		switch d.s[d.pos] {
		case ' ', '\t', '\n', '\r':
			d.pos++
		default:
			return
		}
	}
}

// next skips white space and returns the next byte, or 0 at the end of the input.
func (d *decoder) next() byte {
	d.ws()
	if d.pos < len(d.s) {
		return d.s[d.pos]
	}
	return 0
}

// open consumes the '{' or '[' at pos.
func (d *decoder) open() error {
	d.depth++
	if d.depth > maxDepth {
		return d.errorf("exceeded max depth %d", maxDepth)
	}
	d.pos++
	return nil
}

// member advances to the next member of the object opened at depth d.depth, whose
// members read so far n counts: it consumes the ',' before it and leaves pos at its key's
// '"'. At the closing '}' it consumes it and returns false.
func (d *decoder) member(n *int) (bool, error) {
	c := d.next()
	if c == '}' {
		d.pos++
		d.depth--
		return false, nil
	}
	if *n > 0 {
		if c != ',' {
			return false, d.unexpected("after object key:value pair")
		}
		d.pos++
		c = d.next()
	}
	if c != '"' {
		return false, d.unexpected("looking for beginning of object key string")
	}
	*n++
	return true, nil
}

// colon consumes the ':' after a key.
func (d *decoder) colon() error {
	if d.next() != ':' {
		return d.unexpected("after object key")
	}
	d.pos++
	return nil
}

// keyPattern matches a key written as it is, without escapes, in three word compares
// and no branch (every branch is dear in wasm).
type keyPattern struct {
	pat   string    // the name and the closing '"'
	words [3]uint64 // pat in little-endian words, padded with zeros
	masks [3]uint64 // the bytes of pat in each word
}

func newKeyPattern(name string) keyPattern {
	k := keyPattern{pat: name + `"`}
	for j := 0; j < len(k.pat) && j < 24; j++ {
		k.words[j/8] |= uint64(k.pat[j]) << (8 * (j % 8))
		k.masks[j/8] |= 0xff << (8 * (j % 8))
	}
	return k
}

// at reports whether s[i:] starts with the pattern.
func (k *keyPattern) at(s string, i int) bool {
	if i+24 > len(s) || len(k.pat) > 24 {
		return len(s)-i >= len(k.pat) && s[i:i+len(k.pat)] == k.pat
	}
	return (load8(s, i)^k.words[0])&k.masks[0]|
		(load8(s, i+8)^k.words[1])&k.masks[1]|
		(load8(s, i+16)^k.words[2])&k.masks[2] == 0
}

// literal consumes the literal lit (true, false or null) at pos.
func (d *decoder) literal(lit string) error {
	if len(d.s)-d.pos >= len(lit) && d.s[d.pos:d.pos+len(lit)] == lit {
		d.pos += len(lit)
		return nil
	}
	// Point at the first byte that differs.
	for i := 0; i < len(lit); i++ {
		if d.pos >= len(d.s) || d.s[d.pos] != lit[i] {
			return d.unexpected("in literal " + lit + " (expecting " + quoteChar(lit[i]) + ")")
		}
		d.pos++
	}
	return nil
}

// number consumes a number at pos and returns it as written: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func (d *decoder) number() (string, error) {
	s, i := d.s, d.pos
	if i < len(s) && s[i] == '-' {
		i++
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case i < len(s) && '1' <= s[i] && s[i] <= '9':
		i++
		for i < len(s) && '0' <= s[i] && s[i] <= '9' {
			i++
		}
	default:
		d.pos = i
		return "", d.unexpected("in numeric literal")
	}
	if i < len(s) && s[i] == '.' {
		i++
		if i >= len(s) || s[i] < '0' || s[i] > '9' {
			d.pos = i
			return "", d.unexpected("after decimal point in numeric literal")
		}
		for i < len(s) && '0' <= s[i] && s[i] <= '9' {
			i++
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if i >= len(s) || s[i] < '0' || s[i] > '9' {
			d.pos = i
			return "", d.unexpected("in exponent of numeric literal")
		}
		for i < len(s) && '0' <= s[i] && s[i] <= '9' {
			i++
		}
	}
	num := s[d.pos:i]
	d.pos = i
	return num, nil
}

// strPlain marks the bytes a string can hold as they are: printable ASCII but '"' and
// '\\'. A byte from 0x80 needs a UTF-8 check; one below 0x20 is an error.
var strPlain = func() (t [256]bool) {
	for c := 0x20; c < 0x80; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// str consumes the string at pos (its '"' included) and returns its value, unescaped and
// with each byte of invalid UTF-8 replaced by U+FFFD, as encoding/json does.
func (d *decoder) str() (string, error) {
	s := d.s
	start := d.pos + 1
	i := start
	for {
		// The next byte that is not in strPlain, eight bytes at a time (plainRun, inlined).
		for ; i+8 <= len(s); i += 8 {
			if m := strSpecial(load8(s, i)); m != 0 {
				i += bits.TrailingZeros64(m) >> 3
				goto found
			}
		}
		for i < len(s) && strPlain[s[i]] {
			i++
		}
	found:
		if i >= len(s) {
			break
		}
		c := s[i]
		if c == '"' {
			d.pos = i + 1
			return s[start:i], nil
		}
		if c < utf8.RuneSelf {
			break // an escape or a control character
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			break // invalid UTF-8
		}
		i += size
	}
	return d.unescape(start, i)
}

const (
	ones  = 0x0101010101010101
	highs = 0x8080808080808080
)

// load8 returns the 8 bytes of s at i, little-endian (one load where the compiler
// combines them, as for wasm).
func load8(s string, i int) uint64 {
	b := s[i : i+8]
	return uint64(b[0]) | uint64(b[1])<<8 | uint64(b[2])<<16 | uint64(b[3])<<24 |
		uint64(b[4])<<32 | uint64(b[5])<<40 | uint64(b[6])<<48 | uint64(b[7])<<56
}

// strSpecial returns the high bit of each of the 8 bytes in x (little-endian) that is not
// in strPlain ('"', '\\', below 0x20 or from 0x80), possibly with false hits above the
// lowest: for b < 0x80, b-n has its high bit set (and ^b too) iff b < n, and a borrow
// from one byte to the next only comes from a byte that is itself a hit. So the lowest
// bit set, if any, marks the first byte that needs attention.
func strSpecial(x uint64) uint64 {
	q := x ^ (ones * '"')
	e := x ^ (ones * '\\')
	return ((x-ones*0x20)&^x | (q-ones)&^q | (e-ones)&^e | x) & highs
}

// skipSpecial is strSpecial for skipPlain, where bytes from 0x80 need no attention.
func skipSpecial(x uint64) uint64 {
	q := x ^ (ones * '"')
	e := x ^ (ones * '\\')
	return ((x-ones*0x20)&^x | (q-ones)&^q | (e-ones)&^e) & highs
}

// unescape decodes the string that starts at start, whose bytes up to i need no
// decoding (plain, or valid UTF-8).
func (d *decoder) unescape(start, i int) (string, error) {
	s := d.s
	b := append(d.buf[:0], s[start:i]...)
	defer func() { d.buf = b[:0] }()
	for {
		j := plainRun(s, i)
		b = append(b, s[i:j]...)
		i = j
		if i >= len(s) {
			d.pos = i
			return "", d.unexpected("in string literal")
		}
		switch c := s[i]; {
		case c == '"':
			d.pos = i + 1
			return string(b), nil
		case c == '\\':
			if i+1 >= len(s) {
				d.pos = i + 1
				return "", d.unexpected("in string escape code")
			}
			switch e := s[i+1]; e {
			case '"', '\\', '/':
				b = append(b, e)
			case 'b':
				b = append(b, '\b')
			case 'f':
				b = append(b, '\f')
			case 'n':
				b = append(b, '\n')
			case 'r':
				b = append(b, '\r')
			case 't':
				b = append(b, '\t')
			case 'u':
				r, err := d.hex4(i + 2)
				if err != nil {
					return "", err
				}
				i += 6
				if utf16.IsSurrogate(r) {
					// A pair only if a low surrogate escape follows; else U+FFFD, and the
					// next escape stands alone.
					if r2, ok := hex4At(s, i); ok {
						if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
							b = utf8.AppendRune(b, dec)
							i += 6
							continue
						}
					}
					r = utf8.RuneError
				}
				b = utf8.AppendRune(b, r)
				continue
			default:
				d.pos = i + 1
				return "", d.unexpected("in string escape code")
			}
			i += 2
		case c < 0x20:
			d.pos = i
			return "", d.unexpected("in string literal")
		default:
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				b = utf8.AppendRune(b, r) // U+FFFD for a byte of invalid UTF-8
			} else {
				b = append(b, s[i:i+size]...)
			}
			i += size
		}
	}
}

// plainRun returns the index of the first byte from i that is not in strPlain, or
// len(s): str's loop, for unescape.
func plainRun(s string, i int) int {
	for ; i+8 <= len(s); i += 8 {
		if m := strSpecial(load8(s, i)); m != 0 {
			return i + bits.TrailingZeros64(m)>>3
		}
	}
	for i < len(s) && strPlain[s[i]] {
		i++
	}
	return i
}

// hex4 decodes the 4 hexadecimal digits of a \u escape at i, which the scanner requires.
func (d *decoder) hex4(i int) (rune, error) {
	for j := i; j < i+4; j++ {
		if j >= len(d.s) || !isHex(d.s[j]) {
			d.pos = j
			return 0, d.unexpected("in \\u hexadecimal character escape")
		}
	}
	r, _ := hex4At(d.s, i-2)
	return r, nil
}

// hex4At decodes s[i:i+6] if it is \u and 4 hexadecimal digits.
func hex4At(s string, i int) (rune, bool) {
	if i+6 > len(s) || s[i] != '\\' || s[i+1] != 'u' {
		return 0, false
	}
	var r rune
	for _, c := range []byte(s[i+2 : i+6]) {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			c = c - 'A' + 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// skipPlain marks the bytes a string can hold that need no attention when the string is
// only skipped: the scanner accepts any byte from 0x20 but '"' and '\\'.
var skipPlain = func() (t [256]bool) {
	for c := 0x20; c < 0x100; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// skipString consumes the string at pos, checking its escapes.
func (d *decoder) skipString() error {
	s := d.s
	i := d.pos + 1
	for {
		for i+8 <= len(s) {
			if m := skipSpecial(load8(s, i)); m != 0 {
				i += bits.TrailingZeros64(m) >> 3
				break
			}
			i += 8
		}
		for i < len(s) && skipPlain[s[i]] {
			i++
		}
		if i >= len(s) {
			d.pos = i
			return d.unexpected("in string literal")
		}
		switch c := s[i]; {
		case c == '"':
			d.pos = i + 1
			return nil
		case c == '\\':
			if i+1 >= len(s) {
				d.pos = i + 1
				return d.unexpected("in string escape code")
			}
			switch s[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if _, err := d.hex4(i + 2); err != nil {
					return err
				}
				i += 6
			default:
				d.pos = i + 1
				return d.unexpected("in string escape code")
			}
		default: // a control character
			d.pos = i
			return d.unexpected("in string literal")
		}
	}
}

// skip consumes one value of any kind, checking its syntax and its depth; it does not
// recurse, so no input can exhaust the stack.
func (d *decoder) skip() error {
	stack := d.stack[:0]
	defer func() { d.stack = stack[:0] }()
	for {
		// A value.
		switch c := d.next(); c {
		case '{', '[':
			stack = append(stack, c)
			if d.depth+len(stack) > maxDepth {
				return d.errorf("exceeded max depth %d", maxDepth)
			}
			d.pos++
			if c == '{' {
				if d.next() == '}' {
					d.pos++
					stack = stack[:len(stack)-1]
					break
				}
				if err := d.skipKey(); err != nil {
					return err
				}
				continue
			}
			if d.next() == ']' {
				d.pos++
				stack = stack[:len(stack)-1]
				break
			}
			continue
		case '"':
			if err := d.skipString(); err != nil {
				return err
			}
		case 't':
			if err := d.literal("true"); err != nil {
				return err
			}
		case 'f':
			if err := d.literal("false"); err != nil {
				return err
			}
		case 'n':
			if err := d.literal("null"); err != nil {
				return err
			}
		default:
			if c != '-' && (c < '0' || c > '9') {
				return d.unexpected("looking for beginning of value")
			}
			if _, err := d.number(); err != nil {
				return err
			}
		}
		// After a value: close containers, or go on to the next member or element.
		for {
			if len(stack) == 0 {
				return nil
			}
			top := stack[len(stack)-1]
			c := d.next()
			if c == ',' {
				d.pos++
				if top == '{' {
					if err := d.skipKey(); err != nil {
						return err
					}
				}
				break
			}
			if top == '{' && c == '}' || top == '[' && c == ']' {
				d.pos++
				stack = stack[:len(stack)-1]
				continue
			}
			if top == '{' {
				return d.unexpected("after object key:value pair")
			}
			return d.unexpected("after array element")
		}
	}
}

// skipKey consumes an object key and the ':' after it.
func (d *decoder) skipKey() error {
	if d.next() != '"' {
		return d.unexpected("looking for beginning of object key string")
	}
	if err := d.skipString(); err != nil {
		return err
	}
	if d.next() != ':' {
		return d.unexpected("after object key")
	}
	d.pos++
	return nil
}
