package pylock

import (
	"fmt"
	"strings"
	"testing"

	"github.com/trawlscan/trawl/plugins/lang/internal/langtest"
)

const file = "pylock.toml"

var dirs = []string{"scalibr-pylock"}

func TestParse(t *testing.T) {
	for _, tt := range []struct {
		name, in       string
		pkgs, problems []string
		err            string
	}{
		{name: "sources", in: `lock-version = "1.0"
created-by = "test"

[[packages]]
name = "a"
version = "1"
wheels = [{ url = "https://x/a.whl", hashes = { sha256 = "00" } }]

[[packages]]
name = "self"
directory = { path = ".", editable = true }

[[packages]]
name = "local"
directory = { path = "../local" }

[[packages]]
name = "v"
vcs = { type = "git", url = "https://tok@github.com/o/v", commit-id = "abc" }

[[packages]]
name = "vv"
version = "2.0"
vcs = { type = "git", url = "https://github.com/o/vv", commit-id = "abc" }

[[packages]]
name = "ar"
archive = { url = "https://x/ar.tar.gz", hashes = { sha256 = "00" } }

[[packages]]
name = "ap"
archive = { path = "dist/ap.whl" }

[[packages]]
name = "bare"

[[packages.attestation-identities]]
kind = "GitHub"

[tool.x]
y = 1
`,
			pkgs: []string{"a@1:5", "vv@2.0:22"},
			problems: []string{
				"14: unresolved: local (local directory ../local, no version)",
				"18: unresolved: v (VCS https://***@github.com/o/v, no version)",
				"27: unresolved: ar (archive https://x/ar.tar.gz, no version)",
				"31: unresolved: ap (archive dist/ap.whl, no version)",
				"35: unresolved: bare (no version)",
			}},
		{name: "inline packages", in: "lock-version = \"1.0\"\npackages = [\n  { name = \"self\", directory = { path = \".\", editable = true } },\n  { name = \"a\", version = \"1\" },\n  \"junk\",\n  { version = \"1\" },\n]\n",
			pkgs:     []string{"a@1:4"},
			problems: []string{"5: package entry is a string, not a table; skipped", "6: package without a name, skipped"}},
		{name: "no packages", in: "lock-version = \"1.0\"\n"},
		{name: "empty", in: "", err: "pylock.toml: empty file, not a pylock.toml"},
		{name: "not a lock", in: "[project]\nname = \"x\"\n", err: "pylock.toml: not a pylock.toml: no lock-version and no [[packages]]"},
		{name: "packages not an array", in: "[packages]\nname = \"x\"\n", err: "pylock.toml:1: not a pylock.toml: packages is a table, not an array of tables"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res, err := Parse(file, strings.NewReader(tt.in))
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
				pkgs = append(pkgs, fmt.Sprintf("%s@%s:%d", p.Name, p.Version, p.Locations[0].Line))
			}
			for _, p := range res.Problems {
				problems = append(problems, strings.TrimPrefix(p.Error(), file+":"))
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
		t.Run(f.Name, func(t *testing.T) { langtest.Check(t, Parse, file, "pypi", f.Data) })
	}
}

func FuzzPylock(f *testing.F) {
	langtest.Seed(f, langtest.Corpus(f, 64<<10, dirs...))
	f.Fuzz(func(t *testing.T, data []byte) {
		langtest.Check(t, Parse, file, "pypi", data)
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
