package pep508

import (
	"fmt"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"requests", "requests"},
		{"requests==2.31.0", "requests ==2.31.0"},
		{"  requests == 2.31.0  ", "requests ==2.31.0"},
		{"Twisted[http2]==20.3.0", "Twisted [http2] ==20.3.0"},
		{"celery [redis, pytest] == 4.4.7", "celery [redis pytest] ==4.4.7"},
		{"requests [security] >= 2.8.1, == 2.8.* ; python_version < \"2.7\"", `requests [security] >=2.8.1 ==2.8.* ; python_version < "2.7"`},
		{"foo5==1.0; python_version < \"2.7\"", `foo5 ==1.0 ; python_version < "2.7"`},
		{"name (>=1.0, <2)", "name >=1.0 <2"},
		{"yolo===1.0+anything_goes", "yolo ===1.0+anything_goes"},
		{"pkg.dot.name==5.0.0", "pkg.dot.name ==5.0.0"},
		{"foo17--hash==1.0", "foo17--hash ==1.0"},
		{"PyCrypto==1.2-alpha", "PyCrypto ==1.2-alpha"},
		{"v==1!2.0.post1.dev3+local.7", "v ==1!2.0.post1.dev3+local.7"},
		{"urllib3 @ https://github.com/urllib3/urllib3/archive/refs/tags/1.26.8.zip", "urllib3 @ https://github.com/urllib3/urllib3/archive/refs/tags/1.26.8.zip"},
		{"pip @ file:///x/pip.whl ; python_version >= '3'", "pip @ file:///x/pip.whl ; python_version >= '3'"},
		{"a ; extra == 'b'", "a ; extra == 'b'"},
	} {
		r, err := Parse(tt.in)
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.in, err)
			continue
		}
		if got := show(r); got != tt.want {
			t.Errorf("Parse(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func show(r Requirement) string {
	parts := []string{r.Name}
	if len(r.Extras) > 0 {
		parts = append(parts, "["+strings.Join(r.Extras, " ")+"]")
	}
	for _, c := range r.Clauses {
		parts = append(parts, c.Op+c.Version)
	}
	if r.URL != "" {
		parts = append(parts, "@ "+r.URL)
	}
	if r.Marker != "" {
		parts = append(parts, "; "+r.Marker)
	}
	return strings.Join(parts, " ")
}

func TestParseErrors(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"", "empty requirement"},
		{"==1.0", `no project name at "==1.0"`},
		{"asdf==", `no version after "=="`},
		{"asdf 1.0", `unexpected "1.0" after the name`},
		{"foo7==1.0 text", `unexpected "text" after the version`},
		{"a[b", `expected ',' or ']' in extras at ""`},
		{"a[,]", `expected an extra name at ",]"`},
		{"a (>=1", `expected ')' at ""`},
		{"a @", "no URL after '@'"},
		{"a==1;", "empty marker after ';'"},
		{"a==1.0$", `version "1.0$" has a character PEP 440 does not allow: '$'`},
		{"a=>1", `expected a version operator at "=>1"`},
		{"-a", `no project name at "-a"`},
		{"a-==1", `unexpected "-==1" after the name`},
	} {
		_, err := Parse(tt.in)
		if err == nil || err.Error() != tt.want {
			t.Errorf("Parse(%q) = %v, want %q", tt.in, err, tt.want)
		}
	}
}

func TestPin(t *testing.T) {
	for _, tt := range []struct{ spec, version, why string }{
		{"==1.2.3", "1.2.3", ""},
		{"===1.0", "1.0", ""},
		{"==1.2, !=1.1", "1.2", ""},
		{">=1.0, ==1.2", "1.2", ""},
		{"==1.2, ==1.2", "1.2", ""},
		{"==1.2, ==1.3", "", "pinned to two versions"},
		{"==1.*", "", "not pinned: wildcard"},
		{">=1.0", "", "not pinned"},
		{"~=1.1", "", "not pinned"},
	} {
		cl, err := ParseClauses(tt.spec)
		if err != nil {
			t.Fatalf("%s: %v", tt.spec, err)
		}
		if v, why := Pin(cl); v != tt.version || why != tt.why {
			t.Errorf("Pin(%s) = %q, %q; want %q, %q", tt.spec, v, why, tt.version, tt.why)
		}
	}
	if v, why := Pin(nil); v != "" || why != "no version" {
		t.Errorf("Pin(nil) = %q, %q", v, why)
	}
	if _, err := ParseClauses("==1.0 x"); err == nil {
		t.Error("ParseClauses with trailing text: no error")
	}
}

func TestValidName(t *testing.T) {
	for s, want := range map[string]bool{
		"a": true, "zope.interface": true, "a-b_c.d": true, "A1": true,
		"": false, "-a": false, "a-": false, "a b": false, "a==1": false, ".a": false,
	} {
		if got := ValidName(s); got != want {
			t.Errorf("ValidName(%q) = %v", s, got)
		}
	}
}

func FuzzPEP508(f *testing.F) {
	for _, s := range []string{"requests[security]>=2.8.1,==2.8.*;python_version<'2.7'", "a @ https://x", "a (==1)", "===", "a[", "x==1.0+local"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := Parse(s)
		if err != nil {
			return
		}
		if !ValidName(r.Name) {
			t.Fatalf("Parse(%q) gave the invalid name %q", s, r.Name)
		}
		for _, c := range r.Clauses {
			if c.Version == "" || c.Op == "" {
				t.Fatalf("Parse(%q) gave the clause %+v", s, c)
			}
		}
		if v, why := Pin(r.Clauses); (v == "") == (why == "") {
			t.Fatalf("Pin(%v) = %q, %q", r.Clauses, v, why)
		}
		_ = fmt.Sprint(r)
	})
}
