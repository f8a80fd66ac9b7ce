package javaxml

import (
	"encoding/xml"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

// text returns the text of a document, or the error that stopped it.
func text(in string, max int64, oneByte bool) string {
	var r io.Reader = strings.NewReader(in)
	if oneByte {
		r = iotest.OneByteReader(r)
	}
	d := NewDecoder(r, max)
	var sb strings.Builder
	for {
		t, err := d.Token()
		if err == io.EOF {
			return sb.String()
		}
		if err != nil {
			return d.Error("f", "a test", err).Error()
		}
		if c, ok := t.(xml.CharData); ok {
			sb.Write(c)
		}
	}
}

func TestDecoder(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"<?xml version='1.0' encoding='ISO-8859-1'?><a>caf\xe9 \x80</a>", "café \u0080"},
		{"<?xml version='1.0' encoding='windows-1252'?><a>\x80\x81\x9f\xe9</a>", "€\u0081Ÿé"},
		{"<?xml version='1.0' encoding='US-ASCII'?><a>x</a>", "x"},
		{"<?xml version='1.0' encoding='Shift_JIS'?><a>x</a>", `f:1: not a test: opening charset "Shift_JIS": not supported`},
		{"<a>&copy;&amp;&#65;</a>", "©&A"},
		{"<a>&bogus;</a>", "f:1: not a test: invalid XML: invalid character entity &bogus;"},
		{"<a/><b/>", "f:1: not a test: invalid XML: more than one document element"},
		{strings.Repeat("<a>", MaxDepth+1), "f:1: not a test: invalid XML: elements nested deeper than 256"},
		{"<a>" + strings.Repeat("x", 100) + "</a>", "f: larger than 50 bytes, not read"},
	} {
		for _, one := range []bool{false, true} {
			if got := text(tt.in, 50+int64(len(tt.in))*boolInt(!strings.Contains(tt.want, "larger")), one); got != tt.want {
				t.Errorf("%.40q (one byte: %v): got %q, want %q", tt.in, one, got, tt.want)
			}
		}
	}
}

func boolInt(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

func TestLines(t *testing.T) {
	d := NewDecoder(strings.NewReader("<a>\n  <b\n    x='1'\n  />\n</a>"), 1<<20)
	for {
		tok, err := d.Token()
		if err != nil {
			t.Fatal(err)
		}
		if s, ok := tok.(xml.StartElement); ok && s.Name.Local == "b" {
			if d.Line() != 2 || d.EndLine() != 4 {
				t.Errorf("<b> on lines %d-%d, want 2-4", d.Line(), d.EndLine())
			}
			return
		}
	}
}
