package poetrylock

import (
	"fmt"
	"strings"
	"testing"

	"github.com/trawlscan/trawl/plugins/lang/internal/langtest"
)

const path = "poetry.lock"

var dirs = []string{"osv-scanner-v1-poetry", "scalibr-poetrylock"}

func TestParse(t *testing.T) {
	for _, tt := range []struct {
		name, in       string
		pkgs, problems []string
		err            string
	}{
		{name: "categories and groups", in: `
[[package]]
name = "a"
version = "1"
category = "main"
optional = true

[[package]]
name = "b"
version = "2"
category = "dev"

[[package]]
name = "c"
version = "3"
groups = ["dev", "test"]

[[package]]
name = "d"
version = "4"
groups = ["main", "dev"]

[[package]]
name = "e"
version = "5"

[package.source]
type = "git"
url = "https://github.com/o/e"

[package.dependencies]
a = ">=1"

[metadata]
lock-version = "2.1"

[metadata.files]
a = []
`, pkgs: []string{"a@1:3", "b@2:9+dev", "c@3:14+dev", "d@4:19", "e@5:24"}},
		{name: "inline array of packages", in: "package = [{ name = \"a\", version = \"1\" }, { name = \"b\" }, 5, { version = \"2\" }]\n",
			pkgs:     []string{"a@1:1"},
			problems: []string{"1: unresolved: b (no version)", "1: package entry is an integer, not a table; skipped", "1: package without a name, skipped"}},
		{name: "metadata only", in: "[metadata]\nlock-version = \"2.0\"\n"},
		{name: "empty", in: "\n", err: "poetry.lock: empty file, not a poetry.lock"},
		{name: "not a lock", in: "[tool.poetry]\nname = \"x\"\n", err: "poetry.lock: not a poetry.lock: no [[package]] and no [metadata]"},
		{name: "package not an array", in: "package = \"x\"\n", err: "poetry.lock:1: not a poetry.lock: package is a string, not an array of tables"},
		{name: "not TOML", in: "[[package]]\nname = \"a\"\nversion = \n", err: "poetry.lock:3: not a poetry.lock: invalid TOML: "},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res, err := Parse(path, strings.NewReader(tt.in))
			if tt.err != "" {
				if err == nil || !strings.HasPrefix(err.Error(), tt.err) {
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

func TestCorpus(t *testing.T) {
	for _, f := range langtest.Corpus(t, 0, dirs...) {
		t.Run(f.Name, func(t *testing.T) { langtest.Check(t, Parse, path, "pypi", f.Data) })
	}
}

func FuzzPoetryLock(f *testing.F) {
	langtest.Seed(f, langtest.Corpus(f, 64<<10, dirs...))
	f.Fuzz(func(t *testing.T, data []byte) {
		langtest.Check(t, Parse, path, "pypi", data)
	})
}

func BenchmarkParse(b *testing.B) {
	var ok []langtest.Fixture
	for _, f := range langtest.Corpus(b, 0, dirs...) {
		if _, err := Parse(f.Name, strings.NewReader(string(f.Data))); err == nil {
			ok = append(ok, f)
		}
	}
	langtest.Bench(b, Parse, ok)
}
