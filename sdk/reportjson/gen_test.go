package reportjson

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/trawlscan/trawl/sdk"
)

// This file generates test input: random reports, filled by reflection so that a field
// added to the sdk types is filled (and so tested) without touching the tests, and
// random rewritings of their JSON that keep it valid but exercise escapes, key folding,
// unknown members, duplicate keys and nulls.

var timeType = reflect.TypeFor[time.Time]()

// gen fills values with random data.
type gen struct {
	rng *rand.Rand
	// full makes every field non-zero, so that a field the decoder misses shows.
	full bool
}

// fill fills v, which must be settable; path names it in failures.
func (g *gen) fill(t testing.TB, v reflect.Value, path string) {
	t.Helper()
	if v.Type() == timeType {
		v.Set(reflect.ValueOf(g.time()))
		return
	}
	switch v.Kind() {
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			f := v.Type().Field(i)
			if !f.IsExported() || f.Tag.Get("json") == "-" {
				continue
			}
			if !g.full && g.rng.IntN(5) == 0 {
				continue // left zero: omitted, or written as zero
			}
			g.fill(t, v.Field(i), path+"."+f.Name)
		}
	case reflect.Pointer:
		p := reflect.New(v.Type().Elem())
		g.fill(t, p.Elem(), path)
		v.Set(p)
	case reflect.Slice:
		n := 1 + g.rng.IntN(3)
		if !g.full && g.rng.IntN(6) == 0 {
			n = 0
		}
		s := reflect.MakeSlice(v.Type(), n, n)
		for i := 0; i < n; i++ {
			g.fill(t, s.Index(i), fmt.Sprintf("%s[%d]", path, i))
		}
		v.Set(s)
	case reflect.Map:
		if v.Type().Key().Kind() != reflect.String {
			t.Fatalf("%s: the test generator has no case for %s: add one, and decode the field in decode.go", path, v.Type())
		}
		m := reflect.MakeMap(v.Type())
		for i := 1 + g.rng.IntN(3); i > 0; i-- {
			k := reflect.New(v.Type().Key()).Elem()
			k.SetString(g.str())
			e := reflect.New(v.Type().Elem()).Elem()
			g.fill(t, e, fmt.Sprintf("%s[%q]", path, k))
			m.SetMapIndex(k, e)
		}
		v.Set(m)
	case reflect.String:
		v.SetString(g.str())
	case reflect.Bool:
		v.SetBool(g.full || g.rng.IntN(2) == 0)
	case reflect.Int, reflect.Int64:
		v.SetInt(g.int())
	case reflect.Float64:
		v.SetFloat(g.float())
	default:
		t.Fatalf("%s: the test generator has no case for %s (kind %s): add one, and decode the field in decode.go", path, v.Type(), v.Kind())
	}
}

var sampleStrings = []string{
	"trawl", "1.0", "alpine", "sha256:" + strings.Repeat("ab", 32), "pkg:npm/%40scope/x@1.0.0",
	"é ü ñ", "日本語", "emoji 😀 🎉", "quote \" backslash \\ slash /", "tab\tnew\nline\r",
	"ctrl \x00\x01\x1f", "<html>&amp;</html>", "line\u2028sep\u2029", "\ufffd", "a b", "CVE-2024-0001",
}

func (g *gen) str() string {
	if g.rng.IntN(3) == 0 {
		// Random runes, invalid UTF-8 included (json.Marshal writes it as \ufffd).
		var b strings.Builder
		for n := 1 + g.rng.IntN(12); n > 0; n-- {
			switch g.rng.IntN(6) {
			case 0:
				b.WriteByte(byte(g.rng.IntN(0x20)))
			case 1:
				b.WriteByte(byte(0x80 + g.rng.IntN(0x80)))
			case 2:
				b.WriteRune(rune(0x80 + g.rng.IntN(0x800)))
			case 3:
				b.WriteRune(rune(0x10000 + g.rng.IntN(0x10000)))
			default:
				b.WriteByte(byte(0x20 + g.rng.IntN(0x5f)))
			}
		}
		if s := b.String(); s != "" {
			return s
		}
	}
	return sampleStrings[g.rng.IntN(len(sampleStrings))]
}

func (g *gen) int() int64 {
	switch g.rng.IntN(5) {
	case 0:
		return math.MaxInt64
	case 1:
		return math.MinInt64
	case 2:
		return -1 - g.rng.Int64N(1000)
	default:
		return 1 + g.rng.Int64N(100000)
	}
}

func (g *gen) float() float64 {
	switch g.rng.IntN(6) {
	case 0:
		return math.MaxFloat64
	case 1:
		return math.SmallestNonzeroFloat64
	case 2:
		return -g.rng.Float64() * 1e30
	case 3:
		return 1e21 + g.rng.Float64() // written with an exponent
	default:
		return float64(1+g.rng.IntN(100)) / 10
	}
}

func (g *gen) time() time.Time {
	sec := g.rng.Int64N(253402300799) // years 1970-9999
	if g.rng.IntN(4) == 0 {
		sec = -g.rng.Int64N(62135596800) // back to year 1
	}
	t := time.Unix(sec, int64(g.rng.IntN(1e9)))
	switch g.rng.IntN(4) {
	case 0:
		t = t.In(time.FixedZone("", (g.rng.IntN(48)-24)*1800))
	case 1:
		t = t.Truncate(time.Second).UTC()
	default:
		t = t.UTC()
	}
	return t
}

// randomReport is a random report; full fills every field.
func randomReport(t testing.TB, rng *rand.Rand, full bool) *sdk.Report {
	var r sdk.Report
	(&gen{rng: rng, full: full}).fill(t, reflect.ValueOf(&r).Elem(), "Report")
	return &r
}

// ---- Rewriting JSON. ----

// jnode is a parsed JSON value that keeps the order of members.
type jnode struct {
	kind byte // '{', '[', '"', '0' (number), 't', 'f', 'n'
	text string
	keys []string // members' keys, for '{'
	vals []*jnode // members' values or elements
}

func parseTree(data []byte) (*jnode, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var parse func() (*jnode, error)
	parse = func() (*jnode, error) {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		switch tok := tok.(type) {
		case json.Delim:
			n := &jnode{kind: byte(tok)}
			for dec.More() {
				if tok == '{' {
					k, err := dec.Token()
					if err != nil {
						return nil, err
					}
					n.keys = append(n.keys, k.(string))
				}
				v, err := parse()
				if err != nil {
					return nil, err
				}
				n.vals = append(n.vals, v)
			}
			_, err := dec.Token() // the closing delimiter
			return n, err
		case string:
			return &jnode{kind: '"', text: tok}, nil
		case json.Number:
			return &jnode{kind: '0', text: string(tok)}, nil
		case bool:
			if tok {
				return &jnode{kind: 't'}, nil
			}
			return &jnode{kind: 'f'}, nil
		default:
			return &jnode{kind: 'n'}, nil
		}
	}
	return parse()
}

// rewriter writes a jnode back as JSON, randomly rewritten.
type rewriter struct {
	rng *rand.Rand
	b   bytes.Buffer
	// p is the probability of each rewriting, per chance.
	p float64
}

func (w *rewriter) chance() bool { return w.rng.Float64() < w.p }

func (w *rewriter) space() {
	if w.chance() {
		w.b.WriteString([]string{" ", "\n", "\t", "\r\n  ", " \t "}[w.rng.IntN(5)])
	}
}

// str writes s as a JSON string, escaping at random what may be escaped.
func (w *rewriter) str(s string) {
	w.b.WriteByte('"')
	for _, r := range s { // s is valid UTF-8 here: it came from encoding/json
		switch {
		case r == '"' || r == '\\':
			w.b.WriteByte('\\')
			w.b.WriteRune(r)
		case r < 0x20 || w.chance():
			if r > 0xffff {
				r1, r2 := utf16.EncodeRune(r)
				w.u4(r1)
				w.u4(r2)
				break
			}
			short := map[rune]string{'\b': `\b`, '\f': `\f`, '\n': `\n`, '\r': `\r`, '\t': `\t`, '/': `\/`}[r]
			if short != "" && w.rng.IntN(2) == 0 {
				w.b.WriteString(short)
				break
			}
			w.u4(r)
		default:
			w.b.WriteRune(r)
		}
	}
	w.b.WriteByte('"')
}

func (w *rewriter) u4(r rune) {
	h := fmt.Sprintf(`\u%04x`, r)
	if w.rng.IntN(2) == 0 {
		h = `\u` + strings.ToUpper(h[2:])
	}
	w.b.WriteString(h)
}

// key writes an object key, its case changed at random, with the two non-ASCII runes
// that fold to ASCII letters (ſ to s, the Kelvin sign to k) now and then.
func (w *rewriter) key(k string) {
	if w.chance() {
		var b strings.Builder
		for _, r := range k {
			switch {
			case r == 's' && w.rng.IntN(4) == 0:
				r = 'ſ'
			case r == 'k' && w.rng.IntN(2) == 0:
				r = '\u212a'
			case 'a' <= r && r <= 'z' && w.rng.IntN(2) == 0:
				r -= 'a' - 'A'
			}
			b.WriteRune(r)
		}
		k = b.String()
	}
	w.str(k)
}

// junk is a random value of any kind, depth levels deep at most.
func (w *rewriter) junk(depth int) *jnode {
	switch n := w.rng.IntN(8); {
	case n == 0 && depth > 0:
		o := &jnode{kind: '{'}
		for i := w.rng.IntN(3); i > 0; i-- {
			o.keys = append(o.keys, []string{"name", "x", "packages", "é", ""}[w.rng.IntN(5)])
			o.vals = append(o.vals, w.junk(depth-1))
		}
		return o
	case n == 1 && depth > 0:
		a := &jnode{kind: '['}
		for i := w.rng.IntN(3); i > 0; i-- {
			a.vals = append(a.vals, w.junk(depth-1))
		}
		return a
	case n == 2:
		return &jnode{kind: '0', text: []string{"0", "-1", "1.5e300", "-0.0E-7", "123456789012345678901234567890"}[w.rng.IntN(5)]}
	case n == 3:
		return &jnode{kind: 't'}
	case n == 4:
		return &jnode{kind: 'n'}
	default:
		return &jnode{kind: '"', text: sampleStrings[w.rng.IntN(len(sampleStrings))]}
	}
}

// variant is another value of the same kind as n, for a duplicate member written before
// n's own: for arrays, more elements (whose leftovers encoding/json keeps in the backing
// array), for objects some of the members.
func (w *rewriter) variant(n *jnode) *jnode {
	switch n.kind {
	case '[':
		v := &jnode{kind: '['}
		v.vals = append(v.vals, n.vals...)
		for i := w.rng.IntN(3); i > 0 && len(n.vals) > 0; i-- {
			v.vals = append(v.vals, n.vals[w.rng.IntN(len(n.vals))])
		}
		w.rng.Shuffle(len(v.vals), func(i, j int) { v.vals[i], v.vals[j] = v.vals[j], v.vals[i] })
		return v
	case '{':
		v := &jnode{kind: '{'}
		for i := range n.keys {
			if w.rng.IntN(2) == 0 {
				v.keys = append(v.keys, n.keys[i])
				v.vals = append(v.vals, w.variant(n.vals[i]))
			}
		}
		return v
	case '"':
		if isTime(n.text) {
			return n
		}
		return &jnode{kind: '"', text: n.text + "-old"}
	}
	return n
}

func isTime(s string) bool {
	_, err := time.Parse(time.RFC3339Nano, s)
	return err == nil
}

func (w *rewriter) value(n *jnode) {
	w.space()
	switch n.kind {
	case '{':
		w.b.WriteByte('{')
		first := true
		member := func(k string, v *jnode) {
			if !first {
				w.space()
				w.b.WriteByte(',')
			}
			first = false
			w.space()
			w.key(k)
			w.space()
			w.b.WriteByte(':')
			w.value(v)
		}
		for i, k := range n.keys {
			if w.chance() {
				member(fmt.Sprintf("unknown_%d", w.rng.IntN(100)), w.junk(3))
			}
			v := n.vals[i]
			switch {
			case w.chance():
				member(k, w.variant(v)) // a duplicate before
			case w.chance() && w.rng.IntN(2) == 0:
				v = &jnode{kind: 'n'} // a null instead
			}
			member(k, v)
			if w.chance() && w.rng.IntN(2) == 0 {
				member(k, &jnode{kind: 'n'}) // a null after
			}
		}
		w.space()
		w.b.WriteByte('}')
	case '[':
		w.b.WriteByte('[')
		for i, v := range n.vals {
			if i > 0 {
				w.space()
				w.b.WriteByte(',')
			}
			w.value(v)
		}
		w.space()
		w.b.WriteByte(']')
	case '"':
		if isTime(n.text) && w.rng.IntN(20) != 0 {
			// time.Time decodes its string without unescaping it: mostly keep times
			// decodable.
			w.b.WriteByte('"')
			w.b.WriteString(n.text)
			w.b.WriteByte('"')
			break
		}
		w.str(n.text)
	case '0':
		num := n.text
		if strings.ContainsAny(num, ".eE") && w.chance() {
			// A float field: the same number with another exponent.
			f, _ := strconv.ParseFloat(num, 64)
			num = strconv.FormatFloat(f, []byte("eEg")[w.rng.IntN(3)], -1, 64)
		}
		w.b.WriteString(num)
	case 't':
		w.b.WriteString("true")
	case 'f':
		w.b.WriteString("false")
	case 'n':
		w.b.WriteString("null")
	}
	w.space()
}

// rewrite returns data, which must be valid JSON, randomly rewritten with probability p
// per chance.
func rewrite(t testing.TB, rng *rand.Rand, data []byte, p float64) []byte {
	t.Helper()
	n, err := parseTree(data)
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	w := &rewriter{rng: rng, p: p}
	w.value(n)
	if !utf8.Valid(w.b.Bytes()) || !json.Valid(w.b.Bytes()) {
		t.Fatalf("rewrite produced invalid JSON: %s", w.b.Bytes())
	}
	return w.b.Bytes()
}
