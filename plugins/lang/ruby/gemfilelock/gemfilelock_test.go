package gemfilelock

import (
	"fmt"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/trawlscan/trawl/plugins/lang/internal/langtest"
	"github.com/trawlscan/trawl/plugins/lang/ruby/internal/rubytest"
)

const path = "Gemfile.lock"

func TestParse(t *testing.T) {
	for _, tt := range []struct {
		name, in       string
		pkgs, problems []string
		err            string
	}{
		{name: "sources, platforms, direct and indirect", in: `GIT
  remote: https://github.com/o/r.git
  revision: 027dbe2e56397b534e859fc283990cad1b6addd6
  specs:
    from-git (2.0.0.alpha1)
      rack (~> 2.0)

PATH
  remote: vendor/local
  specs:
    local (0.1.0)

GEM
  remote: https://rubygems.org/
  specs:
    nokogiri (1.13.10-x86_64-linux)
      racc (~> 1.4)
    nokogiri (1.13.10-arm64-darwin)
      racc (~> 1.4)
    nokogiri (1.13.10)
    racc (1.6.0)
    rack (2.2.3)
    jruby-openssl (0.9.21-java)

PLUGIN SOURCE
  remote: https://example.org/
  type: custom
  specs:
    plugged (3.0)

PLATFORMS
  arm64-darwin
  x86_64-linux

DEPENDENCIES
  from-git!
  local!
  nokogiri (~> 1.13)
  jruby-openssl

CHECKSUMS
  nokogiri (1.13.10-x86_64-linux) sha256=abc

RUBY VERSION
   ruby 3.2.2p53

BUNDLED WITH
   2.4.10
`,
			pkgs: []string{"from-git@2.0.0.alpha1:5", "local@0.1.0:11", "nokogiri@1.13.10:16", "racc@1.6.0:21+indirect",
				"rack@2.2.3:22+indirect", "jruby-openssl@0.9.21:23", "plugged@3.0:29+indirect", "bundler@2.4.10:48"},
		},
		{name: "no dependencies says nothing", in: "GEM\n  specs:\n    a (1.0)\n    b (2.0.pre.1)\n\nDEPENDENCIES\n",
			pkgs: []string{"a@1.0:3", "b@2.0.pre.1:4"}},
		{name: "bad specs", in: "GEM\n  specs:\n    noversion\n    bad (x.1)\n    empty ()\n    open (1.0\n    spaced name\n     five (1.0)\n        eight\n\tTAB\nlower case\nFUTURE SECTION\n  whatever\nDEPENDENCIES\n  a\n",
			problems: []string{
				"3: gem noversion has no version, skipped",
				"4: gem bad: x.1 is not a gem version, skipped",
				`5: gem empty: "" is not a gem version, skipped`,
				`6: spec open (1.0 is not "name (version)", skipped`,
				`7: spec spaced name is not "name (version)", skipped`,
				"8: unexpected indentation of 5 spaces in a source section, ignored: five (1.0)",
				"9: unexpected indentation of 8 spaces in a source section, ignored: eight",
				`10: not a section header nor an indented line, ignored: "\tTAB"`,
				"11: not a section header nor an indented line, ignored: lower case",
			}},
		{name: "merge conflict", in: "GEM\n  specs:\n<<<<<<< HEAD\n    a (1.0)\n=======\n    a (1.1)\n>>>>>>> branch\n",
			pkgs: []string{"a@1.0:4", "a@1.1:6"},
			problems: []string{
				"3: merge conflict marker <<<<<<<: Bundler refuses the file until the conflict is resolved",
				"5: merge conflict marker =======: Bundler refuses the file until the conflict is resolved",
				"7: merge conflict marker >>>>>>>: Bundler refuses the file until the conflict is resolved",
			}},
		{name: "CRLF, BOM and trailing spaces", in: "\ufeffGEM \r\n  specs:\r\n    a (1.0)\r\n\r\nBUNDLED WITH\r\n   2.3.5\r\n",
			pkgs: []string{"a@1.0:3", "bundler@2.3.5:6"}},
		{name: "bundler also a spec", in: "GEM\n  specs:\n    bundler (2.3.5)\nDEPENDENCIES\n  x\nBUNDLED WITH\n   2.3.5\n   9.9\n",
			pkgs: []string{"bundler@2.3.5:3"}},
		{name: "bad bundler", in: "BUNDLED WITH\n   two\n", problems: []string{"2: BUNDLED WITH two is not a version, ignored"}},
		{name: "empty", in: ""},
		{name: "blank", in: "\n  \n\n"},
		{name: "not a lock file", in: "{\"a\": 1}\n", err: `Gemfile.lock: not a Gemfile.lock: no GEM, GIT, PATH, DEPENDENCIES, PLATFORMS or BUNDLED WITH section; first line "{\"a\": 1}"`},
		{name: "credentials not quoted", in: "  remote: https://user:tok@gems.example.com/\n", err: "Gemfile.lock: not a Gemfile.lock: no GEM, GIT, PATH, DEPENDENCIES, PLATFORMS or BUNDLED WITH section; first line \"  remote: https://***@gems.example.com/\""},
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
				if p.Indirect {
					s += "+indirect"
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

func TestLongLine(t *testing.T) {
	in := "GEM\n  specs:\n    " + strings.Repeat("x", 2*maxLine) + " (1.0)\n    a (1.0)\n"
	res, err := Parse(path, iotest.HalfReader(strings.NewReader(in)))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Packages) != 1 || res.Packages[0].Locations[0].Line != 4 || len(res.Problems) != 1 ||
		res.Problems[0].Error() != fmt.Sprintf("%s:3: line longer than %d bytes, skipped", path, maxLine) {
		t.Errorf("got %+v %v", res.Packages, res.Problems)
	}
}

func TestTooLarge(t *testing.T) {
	_, err := Parse(path, strings.NewReader("GEM\n"+strings.Repeat("x", MaxSize-3)))
	if err == nil || err.Error() != fmt.Sprintf("%s: larger than %d bytes, not read", path, MaxSize) {
		t.Errorf("got %v", err)
	}
	if _, err := Parse(path, strings.NewReader("GEM\n"+strings.Repeat("x", MaxSize-4))); err != nil {
		t.Errorf("a file of MaxSize bytes: %v", err)
	}
}

func TestGolden(t *testing.T) {
	rubytest.Golden(t, Parse, rubytest.Fixtures(t, "gemfilelock"))
}

func TestCorpus(t *testing.T) {
	for _, f := range rubytest.Fixtures(t, "gemfilelock") {
		t.Run(f.Name, func(t *testing.T) { langtest.Check(t, Parse, path, "gem", f.Data) })
	}
}

func FuzzParse(f *testing.F) {
	langtest.Seed(f, rubytest.Fixtures(f, "gemfilelock"))
	f.Add([]byte("GEM\n  specs:\n    a (1.0-x)\n      b\nDEPENDENCIES\n  a!\nBUNDLED WITH\n   2.0\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		langtest.Check(t, Parse, path, "gem", data)
	})
}

func BenchmarkParse(b *testing.B) {
	var ok []langtest.Fixture
	for _, f := range rubytest.Fixtures(b, "gemfilelock") {
		if _, err := Parse(f.Name, strings.NewReader(string(f.Data))); err == nil {
			ok = append(ok, f)
		}
	}
	langtest.Bench(b, Parse, ok)
}

// BenchmarkParseLarge measures a Gemfile.lock of 1000 gems with three requirements each
// (about 100 KB), a large application.
func BenchmarkParseLarge(b *testing.B) {
	var sb strings.Builder
	sb.WriteString("GEM\n  remote: https://rubygems.org/\n  specs:\n")
	for i := range 1000 {
		fmt.Fprintf(&sb, "    gem-%d (%d.%d.%d)\n", i, i%7, i%13, i)
		for j := range 3 {
			fmt.Fprintf(&sb, "      dep-%d (~> %d.0)\n", j, j)
		}
	}
	sb.WriteString("\nPLATFORMS\n  ruby\n\nDEPENDENCIES\n")
	for i := range 100 {
		fmt.Fprintf(&sb, "  gem-%d\n", i*10)
	}
	sb.WriteString("\nBUNDLED WITH\n   2.4.10\n")
	langtest.Bench(b, Parse, []langtest.Fixture{{Name: path, Data: []byte(sb.String())}})
}
