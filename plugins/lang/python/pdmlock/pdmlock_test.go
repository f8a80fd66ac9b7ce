package pdmlock

import (
	"fmt"
	"strings"
	"testing"

	"github.com/trawlscan/trawl/plugins/lang/internal/langtest"
)

const path = "pdm.lock"

var dirs = []string{"osv-scanner-v1-pdm", "scalibr-pdmlock"}

func TestParse(t *testing.T) {
	for _, tt := range []struct {
		name, in       string
		pkgs, problems []string
		err            string
	}{
		{name: "groups", in: `
[metadata]
groups = ["default", "dev", "test", "docs", "tmp"]

[[package]]
name = "a"
version = "1"
groups = ["default", "dev"]

[[package]]
name = "b"
version = "2"
groups = ["dev", "test"]

[[package]]
name = "c"
version = "3"
groups = ["tmp"]

[[package]]
name = "d"
version = "4"
groups = ["docs", "tmp"]

[[package]]
name = "e"
version = "5"
`, pkgs: []string{"a@1:6", "b@2:11+dev", "c@3:16", "d@4:21", "e@5:26"}},
		{name: "unresolved", in: "[[package]]\nname = \"g\"\ngit = \"https://u:p@x/g\"\n[[package]]\nname = \"p\"\npath = \"./p\"\n[[package]]\nname = \"u\"\nurl = \"https://x/u.zip\"\n[[package]]\nname = \"n\"\n",
			problems: []string{"2: unresolved: g (git https://***@x/g, no version)", "5: unresolved: p (local path ./p, no version)", "8: unresolved: u (URL https://x/u.zip, no version)", "11: unresolved: n (no version)"}},
		{name: "empty", in: "# comment\n", err: "pdm.lock: empty file, not a pdm.lock"},
		{name: "not a lock", in: "[project]\nname = \"x\"\n", err: "pdm.lock: not a pdm.lock: no [[package]] and no [metadata]"},
		{name: "package not an array", in: "[package]\nname = \"x\"\n", err: "pdm.lock:1: not a pdm.lock: package is a table, not an array of tables"},
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

func FuzzPDMLock(f *testing.F) {
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
