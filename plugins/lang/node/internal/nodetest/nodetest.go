// Package nodetest holds what the tests of the Node.js analyzers share: the corpus fixtures
// of lockfiles/npm with those in subdirectories, the golden files, and the compact form of
// a result that table tests compare.
package nodetest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/trawlscan/trawl/internal/corpustest"
	"github.com/trawlscan/trawl/plugins/lang/internal/collect"
	"github.com/trawlscan/trawl/plugins/lang/internal/langtest"
	"github.com/trawlscan/trawl/sdk"
)

// Fixtures returns every file under the given directories of the corpus's lockfiles/npm,
// subdirectories included, in name order; names are paths relative to lockfiles/npm.
func Fixtures(t testing.TB, dirs ...string) []langtest.Fixture {
	t.Helper()
	root := corpustest.Path(t, "lockfiles", "npm")
	var out []langtest.Fixture
	for _, d := range dirs {
		err := filepath.WalkDir(filepath.Join(root, d), func(p string, e fs.DirEntry, err error) error {
			if err != nil || e.IsDir() {
				return err
			}
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(root, p)
			out = append(out, langtest.Fixture{Name: filepath.ToSlash(rel), Data: data})
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Golden is what a golden file holds: a parser's whole answer for one file.
type Golden struct {
	Packages []sdk.Package `json:"packages"`
	Problems []string      `json:"problems,omitempty"`
	Error    string        `json:"error,omitempty"`
}

// Run parses data as the file at path and returns the answer as a golden holds it.
func Run(parse langtest.Parse, path string, data []byte) Golden {
	res, err := parse(path, bytes.NewReader(data))
	if err != nil {
		return Golden{Packages: []sdk.Package{}, Error: err.Error()}
	}
	g := Golden{Packages: res.Packages}
	if g.Packages == nil {
		g.Packages = []sdk.Package{}
	}
	for _, p := range res.Problems {
		g.Problems = append(g.Problems, p.Error())
	}
	return g
}

// CheckGolden compares the answer of parse for each fixture with the golden file
// testdata/golden/<fixture name, '/' as "__">.json of the calling package, or rewrites the
// goldens (and removes those of fixtures that went away) when update is set. pathOf gives
// the path the parser is handed for a fixture.
func CheckGolden(t *testing.T, parse langtest.Parse, fixtures []langtest.Fixture, pathOf func(name string) string, update bool) {
	t.Helper()
	keep := map[string]bool{}
	for _, f := range fixtures {
		name := strings.ReplaceAll(f.Name, "/", "__") + ".json"
		keep[name] = true
		t.Run(f.Name, func(t *testing.T) {
			got, err := json.MarshalIndent(Run(parse, pathOf(f.Name), f.Data), "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			goldenPath := filepath.Join("testdata", "golden", name)
			if update {
				if err := os.MkdirAll(filepath.Dir(goldenPath), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(goldenPath, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(goldenPath)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("output differs from %s (run with -update and review the diff):\n%s", goldenPath, got)
			}
		})
	}
	if update {
		files, _ := filepath.Glob(filepath.Join("testdata", "golden", "*.json"))
		for _, p := range files {
			if !keep[filepath.Base(p)] {
				os.Remove(p)
			}
		}
	}
}

// Compact returns the packages of a result as "name@version:line" with "+dev" and
// "+indirect" as the file says, and its problems without the path, for table tests.
func Compact(res *collect.Result, path string) (pkgs, problems []string) {
	for _, p := range res.Packages {
		s := fmt.Sprintf("%s@%s:%d", p.Name, p.Version, p.Locations[0].Line)
		if p.Dev {
			s += "+dev"
		}
		if p.Indirect {
			s += "+indirect"
		}
		pkgs = append(pkgs, s)
	}
	for _, p := range res.Problems {
		problems = append(problems, strings.TrimPrefix(p.Error(), path+":"))
	}
	return pkgs, problems
}
