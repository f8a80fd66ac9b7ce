package gomod

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"golang.org/x/mod/modfile"

	"github.com/trawlscan/trawl/plugins/lang/golang/internal/stdlib"
	"github.com/trawlscan/trawl/plugins/lang/internal/langtest"
	"github.com/trawlscan/trawl/sdk"
)

const path = "go.mod"

var dirs = []string{"osv-scanner-v1-go", "scalibr-gomod"}

// skipped are corpus files of the directories above that are not go.mod files, and why.
var skipped = map[string]string{
	// go.sum lists the hashes of every module version the go command ever checked, not the
	// versions a build uses; it is not read.
	"scalibr-gomod/indirect-1.16.sum": "go.sum: hashes, not the build list",
	"scalibr-gomod/indirect-1.23.sum": "go.sum: hashes, not the build list",
}

func show(res []sdk.Package) []string {
	var out []string
	for _, p := range res {
		s := fmt.Sprintf("%s@%s:%d", p.Name, p.Version, p.Locations[0].Line)
		if p.Indirect {
			s += "+indirect"
		}
		out = append(out, s)
	}
	return out
}

func TestParse(t *testing.T) {
	for _, tt := range []struct {
		name, in       string
		pkgs, problems []string
		err            string
	}{
		{name: "requires, indirect and toolchain", in: `module example.com/m // the module itself

go 1.22.1

toolchain go1.22.3

require (
	github.com/a/b v1.2.3
	github.com/c/d v0.0.0-20210630005230-0f9fa26af87c // indirect
	"github.com/e/f" v2.0.0+incompatible // indirect; needed by x
	github.com/g/h v1.0.0 // not indirect
)

require github.com/i/j/v2 v2.1.0 // indirect

exclude github.com/a/b v1.2.2
retract v0.9.0
tool example.com/m/cmd/gen
godebug default=go1.21
ignore ./node_modules
`, pkgs: []string{"stdlib@1.22.3:5", "github.com/a/b@v1.2.3:8", "github.com/c/d@v0.0.0-20210630005230-0f9fa26af87c:9+indirect",
			"github.com/e/f@v2.0.0+incompatible:10+indirect", "github.com/g/h@v1.0.0:11", "github.com/i/j/v2@v2.1.0:14+indirect"}},
		{name: "go directive as toolchain", in: "module m\ngo 1.21.0\n", pkgs: []string{"stdlib@1.21.0:2"}},
		{name: "go directive release candidate", in: "go 1.22rc1\n", pkgs: []string{"stdlib@1.22.0-rc.1:1"}},
		{name: "language version only", in: "module m\ngo 1.16\nrequire a.b/c v1.0.0\n", pkgs: []string{"a.b/c@v1.0.0:3"}},
		{name: "language version 1.21", in: "go 1.21\n"},
		{name: "toolchain default", in: "go 1.21.5\ntoolchain default\n", pkgs: []string{"stdlib@1.21.5:1"}},
		{name: "toolchain language version falls back", in: "go 1.21.5\ntoolchain go1.21\n", pkgs: []string{"stdlib@1.21.5:1"}},
		{name: "toolchain with suffix", in: "go 1.21\ntoolchain go1.21.3-bigcorp\n", pkgs: []string{"stdlib@1.21.3:2"}},
		{name: "replacements", in: `require (
	a.b/one v1.0.0
	a.b/two v1.0.0 // indirect
	a.b/two v2.0.0
	a.b/local v1.0.0
	a.b/win v1.0.0
	a.b/branch v1.0.0
	a.b/none v1.0.0
)
replace (
	a.b/one => x.y/one v1.1.0
	a.b/two v1.0.0 => x.y/two v1.0.1
	a.b/two => x.y/any v9.0.0
	a.b/local v1.0.0 => ../local
	a.b/win => C:\src\win
	a.b/branch => x.y/branch master
	a.b/unused v1.0.0 => x.y/unused v1.0.0
	a.b/none v0.1.0 => x.y/none v1.0.0
)
replace a.b/one => x.y/later v1.0.0
`, pkgs: []string{"x.y/one@v1.1.0:11", "x.y/two@v1.0.1:12+indirect", "x.y/any@v9.0.0:13", "a.b/none@v1.0.0:8"},
			problems: []string{
				"14: unresolved: a.b/local v1.0.0 => ../local (replaced by local path)",
				`15: unresolved: a.b/win v1.0.0 => C:\src\win (replaced by local path)`,
				"16: unresolved: a.b/branch v1.0.0 => x.y/branch master (not a canonical module version)",
			}},
		{name: "not canonical", in: "require (\n\ta v1.2\n\tb master\n\tc v1.2.3+meta\n\td v1.2.3-pre\n)\n",
			pkgs: []string{"d@v1.2.3-pre:5"},
			problems: []string{
				"2: unresolved: a v1.2 (not a canonical module version)",
				"3: unresolved: b master (not a canonical module version)",
				"4: unresolved: c v1.2.3+meta (not a canonical module version)",
			}},
		{name: "damaged lines", in: `module m
go 1.2x
go 1.21.1
go 1.22.0
toolchain 1.22
require a v1.0.0 extra
require "b v1.0.0
require c` + "`v1`" + `
require 'd' v1.0.0
frobnicate x
require /* c */ e v1.0.0
replace f v1.0.0 => g
replace f v1 => g v1.0.0
replace f => ./g v1.0.0
replace f => g v1.0.0 extra
require h v1.0.0
)
require "\q" v1.0.0
require ok v1.0.0
foo (
	bar
)
require x (
)
go ( )
require (
	in v1.0.0 ) x
	y v1.0.0
) trailing
require ( )
require a` + "\x01" + ` v1.0.0
module n
require (
	z v1.0.0
`, pkgs: []string{"stdlib@1.21.1:3", "h@v1.0.0:16", "ok@v1.0.0:19", "y@v1.0.0:28", "z@v1.0.0:34"},
			problems: []string{
				`2: invalid go version 1.2x: must match format 1.23.0, ignored`,
				`4: repeated go statement, ignored`,
				`5: invalid toolchain version 1.22: must match format go1.23.0 or default, ignored`,
				`6: usage: require module/path v1.2.3, line ignored`,
				`7: unexpected newline in string, line ignored`,
				"8: usage: require module/path v1.2.3, line ignored",
				`9: require: unquoted string 'd' cannot contain quote, line ignored`,
				`10: unknown directive frobnicate, line ignored`,
				`11: mod files must use // comments (not /* */ comments), line ignored`,
				`12: replace f: replacement module without version must be directory path (rooted or starting with . or ..), line ignored`,
				`13: replace f: version v1 is not a canonical module version, line ignored`,
				`14: replace f: replacement directory ./g cannot have a version, line ignored`,
				`15: usage: replace module/path [v1.2.3] => other/module v1.4 or ../local/directory, line ignored`,
				`17: syntax error: closing paren outside a block, ignored`,
				`18: require: invalid quoted string "\q", line ignored`,
				`20: unknown block type foo, block ignored`,
				`23: unknown block type require x, block ignored`,
				`25: unknown block type go, ignored`,
				`27: usage: require module/path v1.2.3, line ignored`,
				`29: syntax error: text after the closing paren of a block, ignored`,
				`31: unexpected input character "\x01", line ignored`,
				`32: repeated module statement, ignored`,
				`33: syntax error: block not closed before the end of the file`,
			}},
		{name: "comments only", in: "// just a comment\n\n   // another\n"},
		{name: "empty", in: ""},
		{name: "CRLF", in: "module m\r\ngo 1.21.0\r\nrequire a v1.0.0 // indirect\r\n", pkgs: []string{"stdlib@1.21.0:2", "a@v1.0.0:3+indirect"}},
		{name: "not a go.mod", in: "this is not a go.mod file!\n", err: `go.mod:1: not a go.mod file: unknown directive this, line ignored`},
		{name: "binary", in: "\x00\x01\x02", err: `go.mod:1: not a go.mod file: unexpected input character "\x00", line ignored`},
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
			var problems []string
			for _, p := range res.Problems {
				problems = append(problems, strings.TrimPrefix(p.Error(), path+":"))
			}
			if got := show(res.Packages); !slices.Equal(got, tt.pkgs) {
				t.Errorf("packages:\n got %q\nwant %q", got, tt.pkgs)
			}
			if !slices.Equal(problems, tt.problems) {
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

// fixtures returns the corpus files that are go.mod files, checking that every other one
// is listed in skipped.
func fixtures(t testing.TB) []langtest.Fixture {
	t.Helper()
	var out []langtest.Fixture
	seen := map[string]bool{}
	for _, f := range langtest.CorpusOf(t, "go", 0, dirs...) {
		if _, ok := skipped[f.Name]; ok {
			seen[f.Name] = true
			continue
		}
		out = append(out, f)
	}
	for name := range skipped {
		if !seen[name] {
			t.Errorf("skipped file %s is not in the corpus", name)
		}
	}
	if len(out) < 25 {
		t.Fatalf("only %d fixtures", len(out))
	}
	return out
}

// TestGolden compares the answer for every go.mod of the corpus with testdata/golden. The
// goldens were written with -update and checked by hand against the fixtures.
func TestGolden(t *testing.T) {
	langtest.GoldenFixtures(t, fixtures(t), func(t *testing.T, f langtest.Fixture) any {
		return langtest.Run(Parse, f.Name, f.Data)
	})
}

func TestCorpus(t *testing.T) {
	for _, f := range fixtures(t) {
		t.Run(f.Name, func(t *testing.T) {
			langtest.Check(t, Parse, path, "golang", f.Data)
			agree(t, f.Data)
		})
	}
}

// agree checks the parser against golang.org/x/mod/modfile, the go command's own reader:
// on every file modfile accepts, the parser reports no problem other than unresolved
// replacements, and the same packages. modfile is given a version fixer that refuses
// versions that are not canonical, as the parser does (without one it would turn "v1.2"
// into "v1.2.0", where the go command resolves "v1.2" to the latest v1.2.x).
func agree(t *testing.T, data []byte) {
	t.Helper()
	f, err := modfile.Parse(path, data, func(_, v string) (string, error) {
		if !canonical(v) {
			return "", errors.New("not canonical")
		}
		return v, nil
	})
	if err != nil {
		return
	}
	res, err := Parse(path, bytes.NewReader(data))
	if err != nil {
		t.Fatalf("modfile accepts the file, the parser does not: %v", err)
	}
	var want []string
	if f.Toolchain != nil && f.Toolchain.Name != "default" {
		if v, ok := stdlib.Version(f.Toolchain.Name); ok {
			want = append(want, fmt.Sprintf("stdlib@%s:%d", v, f.Toolchain.Syntax.Start.Line))
		}
	}
	if len(want) == 0 && f.Go != nil && (strings.Count(f.Go.Version, ".") == 2 || strings.ContainsAny(f.Go.Version, "abcdefghijklmnopqrstuvwxyz")) {
		if v, ok := stdlib.Version(f.Go.Version); ok {
			want = append(want, fmt.Sprintf("stdlib@%s:%d", v, f.Go.Syntax.Start.Line))
		}
	}
	var unresolved []string
	seen := map[string]bool{}
	for _, r := range f.Require {
		mod, line := r.Mod, r.Syntax.Start.Line
		var rep *modfile.Replace
		for _, x := range f.Replace {
			if x.Old.Path == mod.Path && x.Old.Version == mod.Version {
				rep = x
				break
			}
		}
		if rep == nil {
			for _, x := range f.Replace {
				if x.Old.Path == mod.Path && x.Old.Version == "" {
					rep = x
					break
				}
			}
		}
		if rep != nil {
			if rep.New.Version == "" {
				unresolved = append(unresolved, fmt.Sprintf("%d: unresolved", rep.Syntax.Start.Line))
				continue
			}
			mod, line = rep.New, rep.Syntax.Start.Line
		}
		if mod.Path == "" {
			// modfile takes a quoted empty path (`""`); no package can be named so.
			unresolved = append(unresolved, fmt.Sprintf("%d: package without a name, skipped", line))
			continue
		}
		key := mod.Path + "@" + mod.Version
		if seen[key] || !utf8Valid(key) {
			continue
		}
		seen[key] = true
		s := fmt.Sprintf("%s:%d", key, line)
		if r.Indirect {
			s += "+indirect"
		}
		want = append(want, s)
	}
	var got, problems []string
	for _, p := range res.Packages {
		got = append(got, p.Name+"@"+p.Version+fmt.Sprintf(":%d", p.Locations[0].Line)+map[bool]string{true: "+indirect"}[p.Indirect])
	}
	for _, p := range res.Problems {
		problems = append(problems, fmt.Sprintf("%d: %s", p.Line, strings.SplitN(p.Msg, ":", 2)[0]))
	}
	// Duplicates keep the first listing's line but are indirect only if every listing is;
	// compare without the flag where a package is listed twice.
	if !slices.Equal(stripDupFlags(got), stripDupFlags(want)) {
		t.Fatalf("packages differ from modfile's:\n got %q\nwant %q", got, want)
	}
	if !slices.Equal(problems[:min(len(problems), len(unresolved))], unresolved) || len(problems) > len(unresolved) && !invalidText(data) {
		t.Fatalf("problems on a file modfile accepts:\n got %q\nwant %q", problems, unresolved)
	}
}

func stripDupFlags(s []string) []string {
	out := make([]string, len(s))
	for i, x := range s {
		out[i] = strings.TrimSuffix(x, "+indirect")
	}
	return out
}

// invalidText reports whether modfile accepted text the host refuses (invalid UTF-8 in
// a path): the builder then reports a problem rather than the package.
func invalidText(data []byte) bool { return !utf8Valid(string(data)) }

func utf8Valid(s string) bool { return strings.ToValidUTF8(s, "\x00") == s }

func FuzzParse(f *testing.F) {
	for _, fx := range fixtures(f) {
		f.Add(fx.Data)
	}
	f.Add([]byte("module m\ngo 1.21.0\ntoolchain go1.22.1\nrequire (\n\ta v1.0.0 // indirect\n\t\"b\" v2.0.0+incompatible\n)\nreplace a => ../a\nreplace b v2.0.0 => c v1.0.0\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		langtest.Check(t, Parse, path, "golang", data)
		agree(t, data)
	})
}

func BenchmarkParse(b *testing.B) {
	var files []langtest.Fixture
	for _, f := range fixtures(b) {
		if _, err := Parse(f.Name, bytes.NewReader(f.Data)); err == nil {
			files = append(files, f)
		}
	}
	langtest.Bench(b, Parse, files)
}

// BenchmarkParseLarge measures a go.mod of 2,000 requirements (about 120 KB), several
// times Kubernetes'.
func BenchmarkParseLarge(b *testing.B) {
	var sb strings.Builder
	sb.WriteString("module example.com/big\n\ngo 1.22.0\n\ntoolchain go1.22.4\n\nrequire (\n")
	for i := range 2000 {
		fmt.Fprintf(&sb, "\tgithub.com/owner%d/repo%d v1.%d.%d", i, i, i%50, i%7)
		if i%3 == 0 {
			sb.WriteString(" // indirect")
		}
		sb.WriteString("\n")
	}
	sb.WriteString(")\n\nreplace github.com/owner1/repo1 => github.com/fork/repo1 v1.0.0\n")
	langtest.Bench(b, Parse, []langtest.Fixture{{Name: path, Data: []byte(sb.String())}})
}
