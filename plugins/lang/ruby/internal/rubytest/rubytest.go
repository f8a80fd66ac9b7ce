// Package rubytest holds what the tests of the Ruby analyzers share: the corpus directories
// each one reads, and golden files of their answers.
package rubytest

import (
	"sort"
	"testing"

	"github.com/trawlscan/trawl/internal/corpustest"
	"github.com/trawlscan/trawl/plugins/lang/internal/langtest"
)

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

// Walk returns the files under root/dir, named by their slash path relative to root, in
// name order.
func Walk(t testing.TB, root, dir string) []langtest.Fixture {
	t.Helper()
	return langtest.Walk(t, root, dir)
}

// Answer is what a golden file holds: a parser's whole answer for one file.
type Answer = langtest.Answer

// Run parses one fixture, named by its path.
func Run(parse langtest.Parse, f langtest.Fixture) Answer {
	return langtest.Run(parse, f.Name, f.Data)
}

// Golden compares the answer for every fixture with its golden file under
// testdata/golden, or rewrites them all with -update (removing those of fixtures that went
// away). The goldens were written with -update and checked by hand against the fixtures.
func Golden(t *testing.T, parse langtest.Parse, fixtures []langtest.Fixture) {
	t.Helper()
	langtest.GoldenFixtures(t, fixtures, func(t *testing.T, f langtest.Fixture) any {
		return Run(parse, f)
	})
}
