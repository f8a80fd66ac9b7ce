// Package nodetest holds what the tests of the Node.js analyzers share: the corpus fixtures
// of lockfiles/npm with those in subdirectories, the golden files, and the compact form of
// a result that table tests compare.
package nodetest

import (
	"fmt"
	"strings"
	"testing"

	"github.com/trawlscan/trawl/internal/corpustest"
	"github.com/trawlscan/trawl/plugins/lang/internal/collect"
	"github.com/trawlscan/trawl/plugins/lang/internal/langtest"
)

// Fixtures returns every file under the given directories of the corpus's lockfiles/npm,
// subdirectories included, in name order; names are paths relative to lockfiles/npm.
func Fixtures(t testing.TB, dirs ...string) []langtest.Fixture {
	t.Helper()
	return langtest.Walk(t, corpustest.Path(t, "lockfiles", "npm"), dirs...)
}

// Golden is what a golden file holds: a parser's whole answer for one file.
type Golden = langtest.Answer

// Run parses data as the file at path and returns the answer as a golden holds it.
func Run(parse langtest.Parse, path string, data []byte) Golden {
	return langtest.Run(parse, path, data)
}

// CheckGolden compares the answer of parse for each fixture with the golden file
// testdata/golden/<fixture name, '/' as "__">.json of the calling package, or rewrites the
// goldens (and removes those of fixtures that went away) with -update. pathOf gives the
// path the parser is handed for a fixture.
func CheckGolden(t *testing.T, parse langtest.Parse, fixtures []langtest.Fixture, pathOf func(name string) string) {
	t.Helper()
	langtest.GoldenFixtures(t, fixtures, func(t *testing.T, f langtest.Fixture) any {
		return Run(parse, pathOf(f.Name), f.Data)
	})
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
