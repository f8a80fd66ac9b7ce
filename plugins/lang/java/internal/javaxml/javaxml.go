// Package javaxml reads the XML files of the Java analyzers (pom.xml, Gradle's
// verification-metadata.xml) token by token with encoding/xml, within bounds.
//
// A token walk rather than xml.Unmarshal into a model: it keeps the line of each element,
// skips what is not needed without building it, and adds far less code to the WebAssembly
// module than the reflection of a full model would.
//
// Untrusted input: encoding/xml does not expand entities a document declares (a DOCTYPE is
// one opaque token, and a reference to an entity it does not know is a syntax error in
// strict mode), so entity expansion cannot blow up; the entities it knows are XML's and
// HTML's character entities, as Maven's reader. Element nesting is bounded here, since
// the decoder's own stack is not, and so is the size read.
package javaxml

import (
	"bufio"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// MaxDepth bounds the nesting of elements. POMs nest about ten deep; plugin configuration
// may hold arbitrary XML, still far from this.
const MaxDepth = 256

// Decoder walks one document.
type Decoder struct {
	d     *xml.Decoder
	lim   limitReader
	max   int64
	depth int
	start int // line where the last token starts
	// Root is the local name of the document element, once it has been read.
	Root string
}

// NewDecoder returns a strict decoder over r that reads at most max bytes (Token fails
// with ErrTooLarge past them). Besides UTF-8 it reads documents declared in ISO-8859-1
// (Maven's archetypes wrote many such POMs), US-ASCII and windows-1252.
func NewDecoder(r io.Reader, max int64) *Decoder {
	dec := &Decoder{lim: limitReader{r: r, left: max}, max: max}
	dec.d = xml.NewDecoder(bufio.NewReaderSize(&dec.lim, 16<<10))
	dec.d.CharsetReader = charsetReader
	// Maven's reader knows the character entities of HTML (&nbsp; &copy; in a
	// <description>); their values are single characters, fixed here, so they expand to
	// nothing larger.
	dec.d.Entity = xml.HTMLEntity
	return dec
}

// ErrTooLarge is the error of a document longer than the decoder's limit.
var ErrTooLarge = errors.New("document larger than the limit")

// limitReader fails once more than its limit is read, so that the decoder stops there
// rather than at the end of an overlong file. It also tells an empty file (nothing but
// white space) from one of text.
type limitReader struct {
	r    io.Reader
	left int64
	text bool
}

func (l *limitReader) Read(p []byte) (int, error) {
	if l.left < 0 {
		return 0, ErrTooLarge
	}
	if int64(len(p)) > l.left+1 {
		p = p[:l.left+1]
	}
	n, err := l.r.Read(p)
	l.left -= int64(n)
	for _, b := range p[:n] {
		if l.text {
			break
		}
		l.text = b != ' ' && b != '\t' && b != '\r' && b != '\n'
	}
	if l.left < 0 {
		return 0, ErrTooLarge
	}
	return n, err
}

// Blank reports whether what was read is nothing but white space.
func (d *Decoder) Blank() bool { return !d.lim.text }

// TooLarge reports whether the document is longer than the limit.
func (d *Decoder) TooLarge() bool { return d.lim.left < 0 }

// Token returns the next token, or io.EOF after the end of the document element. Tokens
// are those of xml.Decoder.Token (copies, safe to keep); a document nested deeper than
// MaxDepth is an error.
func (d *Decoder) Token() (xml.Token, error) {
	// Text, comments and markup are tokens of their own, so the last one ended where this
	// one starts.
	d.start, _ = d.d.InputPos()
	t, err := d.d.Token()
	if err != nil {
		return nil, err
	}
	switch t := t.(type) {
	case xml.StartElement:
		if d.depth == 0 {
			if d.Root != "" {
				return nil, &xml.SyntaxError{Msg: "more than one document element", Line: d.Line()}
			}
			d.Root = t.Name.Local
		}
		d.depth++
		if d.depth > MaxDepth {
			return nil, &xml.SyntaxError{Msg: fmt.Sprintf("elements nested deeper than %d", MaxDepth), Line: d.Line()}
		}
	case xml.EndElement:
		d.depth--
	}
	return t, nil
}

// Depth is the number of elements open after the last token.
func (d *Decoder) Depth() int { return d.depth }

// Line is the line where the last token read starts: for an element written over several
// lines, the line of its name.
func (d *Decoder) Line() int { return d.start }

// EndLine is the line where the last token read ends.
func (d *Decoder) EndLine() int {
	l, _ := d.d.InputPos()
	return l
}

// Error turns a decoding error into one that names the file and the line, saying the file
// is not of its format (what: "a pom.xml").
func (d *Decoder) Error(path, what string, err error) error {
	var se *xml.SyntaxError
	switch {
	case d.TooLarge():
		return fmt.Errorf("%s: larger than %d bytes, not read", path, d.max)
	case errors.As(err, &se):
		msg := strings.TrimPrefix(se.Msg, "xml: ")
		if msg == "unexpected EOF" {
			msg = "unexpected end of the document"
		}
		return fmt.Errorf("%s:%d: not %s: invalid XML: %s", path, se.Line, what, msg)
	case err == io.EOF || err == io.ErrUnexpectedEOF:
		return fmt.Errorf("%s:%d: not %s: unexpected end of the document", path, d.EndLine(), what)
	}
	return fmt.Errorf("%s:%d: not %s: %v", path, d.EndLine(), what, strings.TrimPrefix(err.Error(), "xml: "))
}

// charsetReader converts the single-byte encodings a POM may declare to UTF-8.
func charsetReader(charset string, r io.Reader) (io.Reader, error) {
	switch strings.ToLower(strings.ReplaceAll(charset, "_", "-")) {
	case "iso-8859-1", "iso8859-1", "latin1", "latin-1", "l1", "iso-latin-1", "us-ascii", "ascii":
		return &singleByte{r: r}, nil
	case "windows-1252", "cp1252":
		return &singleByte{r: r, cp1252: true}, nil
	}
	return nil, errors.New("not supported")
}

// cp1252 maps bytes 0x80-0x9f of windows-1252 to runes; 0 marks the five undefined ones,
// read as ISO-8859-1 does.
var cp1252 = [32]rune{
	0x20ac, 0, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0, 0x017d, 0,
	0, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0, 0x017e, 0x0178,
}

// singleByte decodes ISO-8859-1 (every byte is the rune of its value) or windows-1252.
type singleByte struct {
	r      io.Reader
	cp1252 bool
	in     [2048]byte
	buf    []byte // decoded bytes; out is what is left of them
	out    []byte
}

func (s *singleByte) Read(p []byte) (int, error) {
	if len(s.out) == 0 {
		n, err := s.r.Read(s.in[:])
		if n == 0 {
			return 0, err
		}
		s.buf = s.buf[:0]
		for _, c := range s.in[:n] {
			r := rune(c)
			if s.cp1252 && c >= 0x80 && c < 0xa0 && cp1252[c-0x80] != 0 {
				r = cp1252[c-0x80]
			}
			s.buf = utf8.AppendRune(s.buf, r)
		}
		s.out = s.buf
	}
	n := copy(p, s.out)
	s.out = s.out[n:]
	return n, nil
}
