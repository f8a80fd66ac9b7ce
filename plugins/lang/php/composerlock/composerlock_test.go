package composerlock

import (
	"bytes"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/trawlscan/trawl/internal/corpustest"
	"github.com/trawlscan/trawl/plugins/lang/internal/langtest"
)

const path = "composer.lock"

var dirs = []string{"osv-scanner-v1-composer", "scalibr-composerlock"}

func TestParse(t *testing.T) {
	for _, tt := range []struct {
		name, in       string
		pkgs, problems []string
		err            string
	}{
		{name: "packages and dev packages", in: `{
  "content-hash": "x",
  "packages": [
    {
      "name": "symfony/console",
      "version": "v5.4.0",
      "license": ["MIT"],
      "autoload": {"psr-4": {"Symfony\\Component\\Console\\": ""}}
    },
    {"version": "1.2.3", "name": "monolog/monolog", "license": "MIT"},
    {"name": "drupal/core", "version": "10.4.5", "license": ["GPL-2.0-or-later", "MIT", "", 5]}
  ],
  "packages-dev": [
    {
      "name": "phpunit/phpunit",
      "version": "9.6.0"
    },
    {"name": "Monolog/Monolog", "version": "1.2.3"}
  ],
  "platform": {"php": "^8.1"},
  "aliases": []
}`, pkgs: []string{"symfony/console@5.4.0:5[MIT]", "monolog/monolog@1.2.3:10[MIT]", "drupal/core@10.4.5:11[GPL-2.0-or-later MIT]", "phpunit/phpunit@9.6.0:15+dev"}},
		{name: "branches and damaged entries", in: `{
  "packages": [
    {"name": "a/dev-branch", "version": "dev-main", "source": {"reference": "abc"}},
    {"name": "a/numbered-branch", "version": "1.0.x-dev"},
    {"name": "a/pre", "version": "3.0.0-dev"},
    {"name": "a/noversion"},
    {"name": "a/numver", "version": 1},
    {"version": "1.0.0"},
    {"name": 5, "version": "1.0.0"},
    "a/string",
    [1, [2]],
    {"name": "v/v", "version": "v"}
  ],
  "packages-dev": {"x": [1]}
}`, pkgs: []string{"a/pre@3.0.0-dev:5", "v/v@v:12"},
			problems: []string{
				"3: unresolved: a/dev-branch dev-main (development branch, no release version)",
				"4: unresolved: a/numbered-branch 1.0.x-dev (development branch, no release version)",
				"6: unresolved: a/noversion (no version)",
				"7: unresolved: a/numver (no version)",
				"8: package without a name, skipped",
				"9: package without a name, skipped",
				"10: package entry is a string, not an object; skipped",
				"11: package entry is an array, not an object; skipped",
				"14: packages-dev is an object, not an array of packages; ignored",
			}},
		{name: "minified", in: `{"packages":[{"name":"a/b","version":"1.0.0"}],"packages-dev":[{"name":"c/d","version":"2.0.0"}]}`,
			pkgs: []string{"a/b@1.0.0:1", "c/d@2.0.0:1+dev"}},
		{name: "only dev", in: `{"packages-dev": []}`},
		{name: "empty", in: " \n", err: "composer.lock: empty file, not a composer.lock"},
		{name: "null", in: "null\n", err: "composer.lock: not a composer.lock: the top level is null, not an object"},
		{name: "not JSON", in: "this is not json!", err: "composer.lock:1: not a composer.lock: invalid JSON: invalid character 'h' in literal true (expecting 'r')"},
		{name: "no packages", in: `{"name": "my/project", "require": {}}`, err: "composer.lock: not a composer.lock: no packages or packages-dev"},
		{name: "cut short", in: "{\n\"packages\": [{\"name\": \"a/b\"", err: "composer.lock:2: not a composer.lock: unexpected end of JSON"},
		{name: "trailing data", in: "{\"packages\": []}\n{}", err: "composer.lock:2: not a composer.lock: data after the top-level object"},
		{name: "deep nesting", in: `{"packages": [{"name": "a/b", "extra": ` + strings.Repeat("[", 20000) + strings.Repeat("]", 20000) + `}]}`,
			err: "composer.lock:1: not a composer.lock: "},
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
				if len(p.Licenses) > 0 {
					s += "[" + strings.Join(p.Licenses, " ") + "]"
				}
				if p.Dev {
					s += "+dev"
				}
				pkgs = append(pkgs, s)
			}
			for _, p := range res.Problems {
				problems = append(problems, strings.TrimPrefix(p.Error(), path+":"))
			}
			if !slices.Equal(pkgs, tt.pkgs) {
				t.Errorf("packages:\n got %q\nwant %q", pkgs, tt.pkgs)
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

// fixtures returns the corpus's composer.lock fixtures, checking that every directory of
// lockfiles/packagist is read.
func fixtures(t testing.TB) []langtest.Fixture {
	t.Helper()
	entries, err := os.ReadDir(corpustest.Path(t, "lockfiles", "packagist"))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !slices.Contains(dirs, e.Name()) {
			t.Errorf("corpus directory lockfiles/packagist/%s is not read", e.Name())
		}
	}
	fx := langtest.CorpusOf(t, "packagist", 0, dirs...)
	if len(fx) < 15 {
		t.Fatalf("only %d fixtures", len(fx))
	}
	return fx
}

// TestGolden compares the answer for every composer.lock of the corpus with
// testdata/golden. The goldens were written with -update and checked by hand against the
// fixtures.
func TestGolden(t *testing.T) {
	langtest.GoldenFixtures(t, fixtures(t), func(t *testing.T, f langtest.Fixture) any {
		return langtest.Run(Parse, f.Name, f.Data)
	})
}

func TestCorpus(t *testing.T) {
	for _, f := range fixtures(t) {
		t.Run(f.Name, func(t *testing.T) { langtest.Check(t, Parse, path, "composer", f.Data) })
	}
}

func FuzzParse(f *testing.F) {
	langtest.Seed(f, fixtures(f))
	f.Add([]byte(`{"packages":[{"name":"a/b","version":"v1.0.0","license":["MIT"]},{"name":"c/d","version":"dev-main"}],"packages-dev":[{"name":"e/f","version":"1.x-dev"},3]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		langtest.Check(t, Parse, path, "composer", data)
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

// BenchmarkParseLarge measures a composer.lock of 300 packages of about 1.5 KB each
// (about 450 KB), a large Drupal site's.
func BenchmarkParseLarge(b *testing.B) {
	var sb strings.Builder
	sb.WriteString(`{"_readme": ["x"], "content-hash": "abc", "packages": [`)
	for i := range 300 {
		if i > 0 {
			sb.WriteString(",")
		}
		fmt.Fprintf(&sb, `
    {
      "name": "vendor%d/package%d",
      "version": "v%d.%d.0",
      "source": {"type": "git", "url": "https://github.com/vendor%d/package%d.git", "reference": "%040x"},
      "dist": {"type": "zip", "url": "https://api.github.com/repos/vendor%d/package%d/zipball/%040x", "reference": "%040x", "shasum": ""},
      "require": {"php": ">=8.1", "psr/log": "^3.0", "symfony/console": "^6.4"},
      "type": "library",
      "autoload": {"psr-4": {"Vendor\\Package\\": "src/"}},
      "notification-url": "https://packagist.org/downloads/",
      "license": ["MIT"],
      "authors": [{"name": "Someone", "email": "someone@example.com"}],
      "description": "A package that does something useful for the application, described at some length.",
      "time": "2024-01-02T03:04:05+00:00"
    }`, i, i, i%9, i%20, i, i, i, i, i, i, i)
	}
	sb.WriteString("\n], \"packages-dev\": [], \"platform\": {\"php\": \"^8.1\"}}\n")
	langtest.Bench(b, Parse, []langtest.Fixture{{Name: path, Data: []byte(sb.String())}})
}
