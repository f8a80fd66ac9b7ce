package collect

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/trawlscan/trawl/sdk"
)

func TestBuilder(t *testing.T) {
	b := NewBuilder("f", "pypi", strings.ToLower)
	if i := b.Add(3, sdk.Package{Name: "A", Version: "1", Dev: true, Indirect: true}); i != 0 {
		t.Fatalf("first package at %d", i)
	}
	// The same package again, listed as production and direct: it is neither any more.
	if i := b.Add(9, sdk.Package{Name: "a", Version: "1"}); i != 0 {
		t.Fatalf("duplicate added at %d", i)
	}
	// Another version is another package.
	b.Add(10, sdk.Package{Name: "a", Version: "2", Dev: true})
	b.Add(11, sdk.Package{Name: "bad\xff", Version: "1"})
	b.Add(12, sdk.Package{Name: "b", Version: "1\x00"})
	b.Add(13, sdk.Package{Name: "", Version: "1"})
	b.Add(14, sdk.Package{Name: "c", Version: ""})
	b.Add(15, sdk.Package{Name: "d", Version: "1", Licenses: []string{"MIT", " MIT ", "", "x\x01"}})
	b.Unresolved(16, "git+https://user:token@example.com/x.git#egg=x", "URL")
	res := b.Result()

	want := []sdk.Package{
		{Name: "A", Version: "1", Type: "pypi", Locations: []sdk.Location{{Path: "f", Line: 3}}},
		{Name: "a", Version: "2", Type: "pypi", Dev: true, Locations: []sdk.Location{{Path: "f", Line: 10}}},
		{Name: "d", Version: "1", Type: "pypi", Licenses: []string{"MIT"}, Locations: []sdk.Location{{Path: "f", Line: 15}}},
	}
	if fmt.Sprint(res.Packages) != fmt.Sprint(want) {
		t.Errorf("packages:\n got %+v\nwant %+v", res.Packages, want)
	}
	wantProblems := []string{
		`f:11: package name "bad\xff": not UTF-8, skipped`,
		`f:12: package b: version has control characters, skipped`,
		`f:13: package without a name, skipped`,
		`f:14: package c has no version, skipped`,
		`f:15: package d: license has control characters, ignored`,
		`f:16: unresolved: git+https://***@example.com/x.git#egg=x (URL)`,
	}
	var got []string
	for _, p := range res.Problems {
		got = append(got, p.Error())
	}
	if strings.Join(got, "\n") != strings.Join(wantProblems, "\n") {
		t.Errorf("problems:\n got %q\nwant %q", got, wantProblems)
	}
	if err := (&sdk.AnalysisResult{Packages: res.Packages}).Validate(); err != nil {
		t.Error(err)
	}
}

func TestProblemsAreBounded(t *testing.T) {
	b := NewBuilder("f", "pypi", nil)
	for i := 1; i <= 1000; i++ {
		b.Problemf(i, "problem %d", i)
	}
	res := b.Result()
	if len(res.Problems) != MaxProblems+1 {
		t.Fatalf("got %d problems", len(res.Problems))
	}
	if got := res.Problems[MaxProblems].Error(); got != "f:101: 900 more problems from here on not listed" {
		t.Errorf("last problem %q", got)
	}
}

func TestProblemWithoutLine(t *testing.T) {
	if got := (&Problem{Path: "f", Msg: "m"}).Error(); got != "f: m" {
		t.Errorf("got %q", got)
	}
}

func TestQuote(t *testing.T) {
	long := strings.Repeat("é", 150) // 300 bytes
	for _, tt := range []struct{ in, quote, quoted string }{
		{"flask>=2", "flask>=2", `"flask>=2"`},
		{"", `""`, `""`},
		{"a\tb", `"a\tb"`, `"a\tb"`},
		{"\xff", `"\xff"`, `"\xff"`},
		{long, strings.Repeat("é", 100) + "...", `"` + strings.Repeat("é", 100) + `"...`},
		{long[:201], strings.Repeat("é", 100) + "...", `"` + strings.Repeat("é", 100) + `"...`},
	} {
		if got := Quote(tt.in); got != tt.quote {
			t.Errorf("Quote(%q) = %q, want %q", tt.in, got, tt.quote)
		}
		if got := Quoted(tt.in); got != tt.quoted {
			t.Errorf("Quoted(%q) = %q, want %q", tt.in, got, tt.quoted)
		}
	}
}

func TestRedact(t *testing.T) {
	for in, want := range map[string]string{
		"no url":                "no url",
		"https://example.com/x": "https://example.com/x",
		"https://tok@example.com/x and ftp://u:p@h/y": "https://***@example.com/x and ftp://***@h/y",
		"git+ssh://git@github.com:org/repo.git":       "git+ssh://***@github.com:org/repo.git",
		"https://example.com/path@v1":                 "https://example.com/path@v1",
		"https://a@b@host":                            "https://***@host",
	} {
		if got := Redact(in); got != want {
			t.Errorf("Redact(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestPrintable(t *testing.T) {
	b := NewBuilder("f", "pypi", nil)
	b.Problemf(1, "raw %s", "a\x00b\xffc\u00e9")
	b.Problemf(2, "%s", strings.Repeat("x", 5000))
	res := b.Result()
	if got := res.Problems[0].Msg; got != `raw a\x00b\xffcé` {
		t.Errorf("got %q", got)
	}
	if n := len(res.Problems[1].Msg); n > maxField {
		t.Errorf("message of %d bytes", n)
	}
	for _, p := range res.Problems {
		if Check(p.Msg) != "" {
			t.Errorf("message %q is not printable", p.Msg)
		}
	}
}

func TestReadAll(t *testing.T) {
	if _, err := ReadAll("f", strings.NewReader("12345"), 4); err == nil || err.Error() != "f: larger than 4 bytes, not read" {
		t.Errorf("got %v", err)
	}
	if b, err := ReadAll("f", strings.NewReader("1234"), 4); err != nil || string(b) != "1234" {
		t.Errorf("got %q, %v", b, err)
	}
	if _, err := ReadAll("f", iotest.ErrReader(errors.New("boom")), 4); err == nil || err.Error() != "f: boom" {
		t.Errorf("got %v", err)
	}
}
