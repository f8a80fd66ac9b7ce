package nuget

import (
	"encoding/xml"
	"strings"
	"testing"
	"testing/iotest"
)

func TestPin(t *testing.T) {
	for in, want := range map[string]string{
		"1.2.3":             "1.2.3",
		" 1.0 ":             "1.0",
		"1.0.0-beta.1+meta": "1.0.0-beta.1+meta",
		"[1.2.3]":           "1.2.3",
		"[ 1.2.3 ]":         "1.2.3",
		"":                  "!empty version",
		"1.*":               "!floating version",
		"*-*":               "!floating version",
		"[1.0,2.0)":         "!version range",
		"(,2.0]":            "!version range",
		"[1.0, )":           "!version range",
		"[x]":               "!not a NuGet version",
		"v1.0":              "!not a NuGet version",
		"1.0 2.0":           "!not a NuGet version",
		"$(V)":              "!not a NuGet version",
	} {
		v, why := Pin(in)
		got := v
		if why != "" {
			got = "!" + why
		}
		if got != want {
			t.Errorf("Pin(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestLatin1(t *testing.T) {
	d := NewXMLDecoder(iotest.OneByteReader(strings.NewReader("<?xml version=\"1.0\" encoding=\"windows-1252\"?><a b=\"caf\xe9\xff\"/>")))
	for {
		tok, err := d.Token()
		if err != nil {
			t.Fatal(err)
		}
		if e, ok := tok.(xml.StartElement); ok {
			if e.Attr[0].Value != "café\u00ff" {
				t.Errorf("got %q", e.Attr[0].Value)
			}
			return
		}
	}
}
