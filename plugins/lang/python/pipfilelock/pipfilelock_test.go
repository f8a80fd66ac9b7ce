package pipfilelock

import (
	"fmt"
	"strings"
	"testing"

	"github.com/trawlscan/trawl/plugins/lang/internal/langtest"
)

const path = "Pipfile.lock"

var dirs = []string{"osv-scanner-v1-pipenv", "scalibr-pipfilelock"}

func TestParse(t *testing.T) {
	for _, tt := range []struct {
		name, in       string
		pkgs, problems []string
		err            string
	}{
		{name: "sections and categories", in: `{
  "_meta": {"hash": {"sha256": "x"}},
  "default": {"a": {"version": "==1.0"}, "b": {"version": "===2"}},
  "develop": {"c": {"version": "==3", "markers": "x"}, "a": {"version": "==1.0"}},
  "docs": {"d": {"version": "==4"}}
}`,
			pkgs: []string{"a@1.0:3", "b@2:3", "c@3:4+dev", "d@4:5"}},
		{name: "unresolved and odd entries", in: `{
  "default": {
    "git": {"git": "https://tok@github.com/o/r", "ref": "x", "editable": true},
    "path": {"path": "./lib"},
    "file": {"file": "https://x/y.zip"},
    "none": {},
    "range": {"version": ">=1"},
    "star": {"version": "*"},
    "num": {"version": 1},
    "str": "==1",
    "arr": [1]
  },
  "other": 5,
  "list": [1, [2], {"a": 3}]
}`,
			problems: []string{
				"3: unresolved: git (editable git https://***@github.com/o/r, no version)",
				"4: unresolved: path (local path ./lib, no version)",
				"5: unresolved: file (file https://x/y.zip, no version)",
				"6: unresolved: none (no version)",
				"7: unresolved: range>=1 (not pinned)",
				`8: package star: version "*": expected a version operator at "*"`,
				"9: unresolved: num (no version)",
				"10: package str is not an object, skipped",
				"11: package arr is not an object, skipped",
				"13: other is a number, not a section of packages; ignored",
				"14: list is an array, not a section of packages; ignored",
			}},
		{name: "minified", in: `{"default":{"a":{"version":"==1"}},"develop":{"b":{"version":"==2"}}}`,
			pkgs: []string{"a@1:1", "b@2:1+dev"}},
		{name: "empty sections", in: `{"_meta": {}, "default": {}, "develop": {}}`},
		{name: "empty", in: " \n", err: "Pipfile.lock: empty file, not a Pipfile.lock"},
		{name: "not JSON", in: "this is not json", err: "Pipfile.lock:1: not a Pipfile.lock: invalid JSON: invalid character 'h' in literal true (expecting 'r')"},
		{name: "array", in: "[1]", err: "Pipfile.lock: not a Pipfile.lock: the top level is an array, not an object"},
		{name: "string", in: `"x"`, err: "Pipfile.lock: not a Pipfile.lock: the top level is a string, not an object"},
		{name: "no section", in: `{}`, err: "Pipfile.lock: not a Pipfile.lock: no _meta, default or develop section"},
		{name: "cut short", in: "{\n\"default\": {\"a\": {\"version\": \"==1\"}", err: "Pipfile.lock:2: not a Pipfile.lock: unexpected end of JSON"},
		{name: "trailing data", in: "{\"default\": {}}\n{}", err: "Pipfile.lock:2: not a Pipfile.lock: data after the top-level object"},
		{name: "syntax error inside", in: "{\n\"default\": {\n\"a\": {\"version\": \"==1\",}}}", err: "Pipfile.lock:3: not a Pipfile.lock: invalid JSON: invalid character '}' looking for beginning of object key string"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res, err := Parse(path, strings.NewReader(tt.in))
			if tt.err != "" {
				if err == nil || err.Error() != tt.err {
					t.Fatalf("err = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var pkgs, problems []string
			for _, p := range res.Packages {
				s := fmt.Sprintf("%s@%s:%d", p.Name, p.Version, p.Locations[0].Line)
				if p.Dev {
					s += "+dev"
				}
				pkgs = append(pkgs, s)
			}
			for _, p := range res.Problems {
				problems = append(problems, strings.TrimPrefix(p.Error(), path+":"))
			}
			if strings.Join(pkgs, " ") != strings.Join(tt.pkgs, " ") {
				t.Errorf("packages:\n got %q\nwant %q", pkgs, tt.pkgs)
			}
			if strings.Join(problems, "\n") != strings.Join(tt.problems, "\n") {
				t.Errorf("problems:\n got %q\nwant %q", problems, tt.problems)
			}
		})
	}
}

func TestTooLarge(t *testing.T) {
	_, err := Parse(path, strings.NewReader(strings.Repeat(" ", MaxSize+1)))
	if err == nil || err.Error() != fmt.Sprintf("%s: larger than %d bytes, not read", path, MaxSize) {
		t.Errorf("got %v", err)
	}
}

func TestCorpus(t *testing.T) {
	for _, f := range langtest.Corpus(t, 0, dirs...) {
		t.Run(f.Name, func(t *testing.T) { langtest.Check(t, Parse, path, "pypi", f.Data) })
	}
}

func FuzzPipfileLock(f *testing.F) {
	langtest.Seed(f, langtest.Corpus(f, 64<<10, dirs...))
	f.Add([]byte(`{"default":{"a":{"version":"==1"},"b":{"git":"x"},"c":1},"develop":{"a":{"version":"==1"}},"x":[{}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		langtest.Check(t, Parse, path, "pypi", data)
	})
}

func BenchmarkParse(b *testing.B) {
	langtest.Bench(b, Parse, valid(b))
}

// BenchmarkParseLarge measures a Pipfile.lock of 500 packages with 20 hashes each (about
// 1 MB), a large application.
func BenchmarkParseLarge(b *testing.B) {
	var sb strings.Builder
	sb.WriteString(`{"_meta": {"pipfile-spec": 6}, "default": {`)
	for i := range 500 {
		if i > 0 {
			sb.WriteString(",")
		}
		fmt.Fprintf(&sb, "\n  \"package-%d\": {\n    \"hashes\": [", i)
		for j := range 20 {
			if j > 0 {
				sb.WriteString(",")
			}
			fmt.Fprintf(&sb, "\n      \"sha256:%064x\"", i*20+j)
		}
		fmt.Fprintf(&sb, "\n    ],\n    \"markers\": \"python_version >= '3.8'\",\n    \"version\": \"==%d.%d\"\n  }", i, i%10)
	}
	sb.WriteString("\n}, \"develop\": {}}\n")
	langtest.Bench(b, Parse, []langtest.Fixture{{Name: path, Data: []byte(sb.String())}})
}

// valid returns the corpus fixtures that parse.
func valid(b *testing.B) []langtest.Fixture {
	var out []langtest.Fixture
	for _, f := range langtest.Corpus(b, 0, dirs...) {
		if _, err := Parse(f.Name, strings.NewReader(string(f.Data))); err == nil {
			out = append(out, f)
		}
	}
	return out
}
