package gemspec

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/trawlscan/trawl/plugins/lang/internal/langtest"
	"github.com/trawlscan/trawl/plugins/lang/ruby/internal/rubytest"
)

const specPath = "usr/lib/ruby/gems/3.1.0/specifications/rack-2.2.3.gemspec"

func TestParse(t *testing.T) {
	for _, tt := range []struct {
		name, path, in string
		pkg            string
		problems       []string
		err            string
	}{
		{name: "RubyGems 3", in: `# -*- encoding: utf-8 -*-
# stub: rack 2.2.3 ruby lib

Gem::Specification.new do |s|
  s.name = "rack".freeze
  s.version = "2.2.3"

  s.metadata = { "bug_tracker_uri" => "https://github.com/rack/rack/issues" } if s.respond_to? :metadata=
  s.licenses = ["MIT".freeze]
  s.add_development_dependency(%q<minitest>.freeze, ["~> 5.0"])
end
`, pkg: "rack@2.2.3:5 [MIT]"},
		{name: "old RubyGems", in: "Gem::Specification.new do |s|\n  s.name = %q{rack}\n  s.version = \"2.2.3\"\n  s.license = %q<MIT>\nend\n", pkg: "rack@2.2.3:2 [MIT]"},
		{name: "quotes and escapes", in: "s.name = 'rack'\ns.version = '2.2.3'.freeze\ns.licenses = [\"M\\u00CDT\".freeze, %q(a (b)), \"\\x41\\101\\u{42 43}\\#\\\"\", %Q{Q}]\n",
			pkg: `rack@2.2.3:1 [MÍT a (b) AABC#" Q]`},
		{name: "platform", path: "specifications/nokogiri-1.13.10-x86_64-linux.gemspec",
			in:  "# stub: nokogiri 1.13.10 x86_64-linux lib\n  s.name = \"nokogiri\".freeze\n  s.version = \"1.13.10\"\n  s.platform = \"x86_64-linux\".freeze\n",
			pkg: "nokogiri@1.13.10:2 []"},
		{name: "stub only", path: "specifications/a-1.0-java.gemspec", in: "# stub: a 1.0 java lib\n# stub: b 2.0 ruby lib\n", pkg: "a@1.0:1 []"},
		{name: "stub disagrees", in: "# stub: rack 2.2.4 ruby lib\ns.name = \"rack\"\ns.version = \"2.2.3\"\n", pkg: "rack@2.2.3:2 []",
			problems: []string{"3: version 2.2.3, but the stub line 1 says 2.2.4"}},
		{name: "file name disagrees", path: "specifications/rack.gemspec", in: "s.name = \"rack\"\ns.version = \"2.2.3\"\n", pkg: "rack@2.2.3:1 []",
			problems: []string{"1: the file name rack.gemspec does not match the spec, rack-2.2.3"}},
		{name: "not literals", in: "s.name = \"rack\"\ns.version = Rack::VERSION\ns.version = \"2.2.3\"\ns.licenses = [\"#{x}\"]\ns.license = \"a\" \"b\"\ns.platform = \"x\" if y\n", pkg: "rack@2.2.3:1 []",
			problems: []string{
				"2: s.version is not a string literal, ignored: Rack::VERSION",
				`4: s.licenses is not a list of string literals, ignored: ["#{x}"]`,
				`5: s.license is not a list of string literals, ignored: "a" "b"`,
				`6: s.platform is not a string literal, ignored: "x" if y`,
			}},
		{name: "long line", in: "s.name = \"rack\"\ns.version = \"2.2.3\"\ns.files = [\"" + strings.Repeat("x", 3*maxLine) + "\"]\ns.licenses = [\"" + strings.Repeat("y", maxLine) + "\"]\n",
			pkg: "rack@2.2.3:1 []", problems: []string{fmt.Sprintf("4: s.licenses longer than %d bytes, ignored", maxLine)}},
		{name: "no version", in: "s.name = \"rack\"\n", err: specPath + ": not an installed gemspec: gem rack has no s.version"},
		{name: "empty", in: "", err: specPath + ": not an installed gemspec: no s.name"},
		{name: "project gemspec", in: "Gem::Specification.new do |spec|\n  spec.name = \"x\"\n  spec.version = X::VERSION\nend\n",
			err: specPath + ": not an installed gemspec: gem x has no s.version"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := tt.path
			if p == "" {
				p = specPath
			}
			res, err := Parse(p, strings.NewReader(tt.in))
			if tt.err != "" {
				if err == nil || err.Error() != tt.err {
					t.Fatalf("err = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Packages) != 1 {
				t.Fatalf("packages %+v", res.Packages)
			}
			pk := res.Packages[0]
			if got := fmt.Sprintf("%s@%s:%d %v", pk.Name, pk.Version, pk.Locations[0].Line, pk.Licenses); got != tt.pkg {
				t.Errorf("package %s, want %s", got, tt.pkg)
			}
			var problems []string
			for _, pr := range res.Problems {
				problems = append(problems, strings.TrimPrefix(pr.Error(), p+":"))
			}
			if strings.Join(problems, "\n") != strings.Join(tt.problems, "\n") {
				t.Errorf("problems:\n got %q\nwant %q", problems, tt.problems)
			}
		})
	}
}

// TestMachine reads the installed specifications of the machine the tests run on, when it
// has Ruby: every one must give its package without problems, and the one the file name
// says.
func TestMachine(t *testing.T) {
	var files []string
	for _, g := range []string{
		"/usr/lib/ruby/gems/*/specifications/*.gemspec",
		"/usr/lib/ruby/gems/*/specifications/default/*.gemspec",
		"/usr/share/rubygems-integration/all/specifications/*.gemspec",
		"/var/lib/gems/*/specifications/*.gemspec",
	} {
		m, _ := filepath.Glob(g)
		files = append(files, m...)
	}
	if len(files) == 0 {
		t.Skip("no installed gems on this machine")
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		res, err := Parse(f, strings.NewReader(string(data)))
		if err != nil {
			t.Errorf("%v", err)
			continue
		}
		if len(res.Problems) > 0 || len(res.Packages) != 1 {
			t.Errorf("%s: %+v %v", f, res.Packages, res.Problems)
		}
	}
	t.Logf("%d installed specifications read", len(files))
}

func fixtures(t testing.TB) []langtest.Fixture {
	fx := rubytest.Walk(t, "testdata", "specifications")
	if len(fx) < 6 {
		t.Fatalf("only %d fixtures", len(fx))
	}
	return fx
}

func TestGolden(t *testing.T) {
	rubytest.Golden(t, Parse, fixtures(t))
}

func TestFixtures(t *testing.T) {
	for _, f := range fixtures(t) {
		t.Run(f.Name, func(t *testing.T) { langtest.Check(t, Parse, f.Name, "gem", f.Data) })
	}
}

func TestTooLarge(t *testing.T) {
	_, err := Parse(specPath, strings.NewReader(strings.Repeat("x", MaxSize+1)))
	if err == nil || err.Error() != fmt.Sprintf("%s: larger than %d bytes, not read", specPath, MaxSize) {
		t.Errorf("got %v", err)
	}
}

func FuzzParse(f *testing.F) {
	langtest.Seed(f, fixtures(f))
	f.Add([]byte("# stub: a 1 b c\ns.name = %q{a}\ns.version = \"\\u{41}\\101\"\ns.licenses = ['x', \"y\".freeze]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		langtest.Check(t, Parse, specPath, "gem", data)
	})
}

func BenchmarkParse(b *testing.B) {
	langtest.Bench(b, Parse, fixtures(b))
}
