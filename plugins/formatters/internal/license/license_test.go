package license

import (
	"reflect"
	"testing"
)

func TestID(t *testing.T) {
	for in, want := range map[string]string{"mit": "MIT", "GPL-2.0-ONLY": "GPL-2.0-only", "GPL-2.0": "GPL-2.0", "Zlib": "Zlib"} {
		if got, ok := ID(in); !ok || got != want {
			t.Errorf("ID(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	for _, in := range []string{"", "GPL2", "MIT AND BSD-2-Clause", "LicenseRef-x", "Public Domain"} {
		if got, ok := ID(in); ok {
			t.Errorf("ID(%q) = %q, want none", in, got)
		}
	}
}

func TestParse(t *testing.T) {
	ref := func(s string) string { return "LicenseRef-" + Sanitize(s) }
	for _, tc := range []struct {
		in, out string
		terms   []string
		unknown bool
	}{
		{"MIT", "MIT", []string{"MIT"}, false},
		{"mit and bsd-2-clause", "MIT AND BSD-2-Clause", []string{"MIT", "BSD-2-Clause"}, false},
		{"MIT OR Apache-2.0 AND Zlib", "MIT OR Apache-2.0 AND Zlib", []string{"MIT OR Apache-2.0 AND Zlib"}, false},
		{"(MIT OR Apache-2.0) AND Zlib", "(MIT OR Apache-2.0) AND Zlib", []string{"MIT OR Apache-2.0", "Zlib"}, false},
		{"((MIT))", "((MIT))", []string{"MIT"}, false},
		{"(MIT) AND (Zlib)", "(MIT) AND (Zlib)", []string{"MIT", "Zlib"}, false},
		{"GPL-2.0-or-later WITH classpath-exception-2.0", "GPL-2.0-or-later WITH Classpath-exception-2.0", []string{"GPL-2.0-or-later WITH Classpath-exception-2.0"}, false},
		{"GPL-2.0+ AND GPL2+", "GPL-2.0+ AND LicenseRef-GPL2-", []string{"GPL-2.0+", "LicenseRef-GPL2-"}, true},
		{"LicenseRef-Foo.1 OR DocumentRef-a:LicenseRef-b", "LicenseRef-Foo.1 OR DocumentRef-a:LicenseRef-b", []string{"LicenseRef-Foo.1 OR DocumentRef-a:LicenseRef-b"}, false},
	} {
		e, unknown, ok := Parse(tc.in, ref)
		if !ok || e.String() != tc.out || unknown != tc.unknown {
			t.Errorf("Parse(%q) = %q, %v, %v; want %q, %v", tc.in, e.String(), unknown, ok, tc.out, tc.unknown)
			continue
		}
		var terms []string
		for _, term := range e.Terms() {
			terms = append(terms, term.String())
		}
		if !reflect.DeepEqual(terms, tc.terms) {
			t.Errorf("Terms(%q) = %q, want %q", tc.in, terms, tc.terms)
		}
	}
	for _, in := range []string{"", "(", "MIT AND", "AND MIT", "MIT Zlib", "MIT WITH Foo-exception", "MIT WITH", "()", "MIT)", "LicenseRef-", "LicenseRef-a b", "And MIT", "MIT +"} {
		if e, _, ok := Parse(in, nil); ok {
			t.Errorf("Parse(%q) = %q, want failure", in, e.String())
		}
	}
	deep := ""
	for range 10000 {
		deep += "("
	}
	if _, _, ok := Parse(deep+"MIT", nil); ok {
		t.Error("deep nesting parsed")
	}
}

func TestSanitize(t *testing.T) {
	for in, want := range map[string]string{"GPL2+": "GPL2-", "Public Domain": "Public-Domain", "": "-", "é": "--", "a.b-C9": "a.b-C9"} {
		if got := Sanitize(in); got != want {
			t.Errorf("Sanitize(%q) = %q, want %q", in, got, want)
		}
	}
}
