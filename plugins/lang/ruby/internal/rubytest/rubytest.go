// Package rubytest holds what the tests of the Ruby analyzers share: the corpus directories
// each one reads, and golden files of their answers.
package rubytest

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/trawlscan/trawl/internal/corpustest"
	"github.com/trawlscan/trawl/plugins/lang/internal/langtest"
	"github.com/trawlscan/trawl/sdk"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

// Ecosystem is the corpus directory of the Ruby fixtures (lockfiles/rubygems).
const Ecosystem = "rubygems"

// Dirs maps each directory of lockfiles/rubygems to the package whose parser reads it.
var Dirs = map[string]string{
	"osv-scanner-v1-bundler": "gemfilelock",
	"scalibr-gemfilelock":    "gemfilelock",
}

// Skipped are the directories of lockfiles/rubygems that no parser reads, and why.
var Skipped = map[string]string{}

// Fixtures returns every file under the corpus directories read by package pkg, walked
// recursively, in name order. Names are relative to lockfiles/rubygems.
func Fixtures(t testing.TB, pkg string) []langtest.Fixture {
	t.Helper()
	var out []langtest.Fixture
	for d, p := range Dirs {
		if p == pkg {
			out = append(out, Walk(t, corpustest.Path(t, "lockfiles", Ecosystem), d)...)
		}
	}
	if len(out) == 0 {
		t.Fatalf("no fixtures for %s", pkg)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Walk returns the files under root/dir, named by their slash path relative to root.
func Walk(t testing.TB, root, dir string) []langtest.Fixture {
	t.Helper()
	var out []langtest.Fixture
	err := filepath.WalkDir(filepath.Join(root, dir), func(p string, e os.DirEntry, err error) error {
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
	return out
}

// Answer is what a golden file holds: a parser's whole answer for one file.
type Answer struct {
	Packages []sdk.Package `json:"packages"`
	Problems []string      `json:"problems,omitempty"`
	Error    string        `json:"error,omitempty"`
}

// Run parses one fixture, named by its path.
func Run(parse langtest.Parse, f langtest.Fixture) Answer {
	res, err := parse(f.Name, bytes.NewReader(f.Data))
	if err != nil {
		return Answer{Packages: []sdk.Package{}, Error: err.Error()}
	}
	a := Answer{Packages: res.Packages}
	if a.Packages == nil {
		a.Packages = []sdk.Package{}
	}
	for _, p := range res.Problems {
		a.Problems = append(a.Problems, p.Error())
	}
	return a
}

// Golden compares the answer for every fixture with its golden file under
// testdata/golden, or rewrites them all with -update (removing those of fixtures that went
// away). The goldens were written with -update and checked by hand against the fixtures.
func Golden(t *testing.T, parse langtest.Parse, fixtures []langtest.Fixture) {
	keep := map[string]bool{}
	for _, f := range fixtures {
		name := strings.ReplaceAll(f.Name, "/", "__") + ".json"
		keep[name] = true
		t.Run(f.Name, func(t *testing.T) {
			got, err := json.MarshalIndent(Run(parse, f), "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			path := filepath.Join("testdata", "golden", name)
			if *update {
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("answer differs from %s (run with -update and review the diff):\n%s", path, got)
			}
		})
	}
	if *update {
		files, _ := filepath.Glob(filepath.Join("testdata", "golden", "*.json"))
		for _, p := range files {
			if !keep[filepath.Base(p)] {
				os.Remove(p)
			}
		}
	}
}
