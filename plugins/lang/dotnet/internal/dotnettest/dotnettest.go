// Package dotnettest holds what the tests of the .NET analyzers share: the corpus directories
// each one reads, and golden files of their answers.
package dotnettest

import (
	"bytes"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/trawlscan/trawl/internal/corpustest"
	"github.com/trawlscan/trawl/plugins/lang/internal/langtest"
)

// Ecosystem is the corpus directory of the .NET fixtures (lockfiles/nuget).
const Ecosystem = "nuget"

// Dirs maps each directory of lockfiles/nuget to the package whose parser reads it. The
// fixtures' names do not follow the analyzers' selectors ("valid", "one-package.v1.json"),
// so the directory says the format.
var Dirs = map[string]string{
	"osv-scanner-v1-nuget":      "packageslock",
	"scalibr-packageslockjson":  "packageslock",
	"scalibr-packagesconfig":    "packagesconfig",
	"scalibr-depsjson":          "depsjson",
	"scalibr-projectassetsjson": "projectassets",
	"scalibr-csproj":            "msbuild",
	"scalibr-nugetcpm":          "msbuild",
	"scalibr-paketlock":         "paketlock",
}

// Skipped are the directories of lockfiles/nuget that no parser reads, and why.
var Skipped = map[string]string{
	// paket.dependencies lists what a Paket project asks for: ranges ("~> 2.6.3", ">= 4.0"),
	// bare names and GitHub files, nothing resolved.
	// The versions it resolves are in paket.lock (package paketlock).
	"scalibr-paketdependencies": "Paket manifest: declares ranges, not resolved versions",
}

// Fixtures returns every file under the corpus directories read by package pkg, walked
// recursively, in name order. Names are relative to lockfiles/nuget.
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

// Case is one table test of a parser: the input, and the packages ("name@version:line",
// then "+dev", "+indirect" where set), problems (without the path) or error expected.
type Case struct {
	Name, In       string
	Pkgs, Problems []string
	Err            string
}

// Table runs the cases through parse, giving each the file path.
func Table(t *testing.T, parse langtest.Parse, path string, cases []Case) {
	t.Helper()
	for _, tt := range cases {
		t.Run(tt.Name, func(t *testing.T) {
			res, err := parse(path, strings.NewReader(tt.In))
			if tt.Err != "" {
				if err == nil || err.Error() != tt.Err {
					t.Fatalf("err = %v, want %q", err, tt.Err)
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
				if p.Indirect {
					s += "+indirect"
				}
				pkgs = append(pkgs, s)
			}
			for _, p := range res.Problems {
				problems = append(problems, strings.TrimPrefix(p.Error(), path+":"))
			}
			if strings.Join(pkgs, " ") != strings.Join(tt.Pkgs, " ") {
				t.Errorf("packages:\n got %q\nwant %q", pkgs, tt.Pkgs)
			}
			if strings.Join(problems, "\n") != strings.Join(tt.Problems, "\n") {
				t.Errorf("problems:\n got %q\nwant %q", problems, tt.Problems)
			}
		})
	}
}

// Valid returns the fixtures that parse without an error, for benchmarks.
func Valid(parse langtest.Parse, fixtures []langtest.Fixture) []langtest.Fixture {
	var out []langtest.Fixture
	for _, f := range fixtures {
		if _, err := parse(f.Name, bytes.NewReader(f.Data)); err == nil {
			out = append(out, f)
		}
	}
	return out
}
