package vendormodules

import (
	"bytes"
	"fmt"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/trawlscan/trawl/internal/corpustest"
	"github.com/trawlscan/trawl/plugins/lang/internal/langtest"
)

const path = "vendor/modules.txt"

// dirs are the corpus directories holding a modules.txt (lockfiles/go/...).
var dirs = []string{
	"scalibr-vendormodules/empty/vendor",
	"scalibr-vendormodules/invalid/vendor",
	"scalibr-vendormodules/valid/vendor",
}

func TestParse(t *testing.T) {
	for _, tt := range []struct {
		name, in       string
		pkgs, problems []string
		err            string
	}{
		{name: "modules", in: `# github.com/a/b v1.2.3
## explicit; go 1.21
github.com/a/b
github.com/a/b/sub
# github.com/c/d v0.1.0
## go 1.18
github.com/c/d
# github.com/e/f v1.0.0 => github.com/g/f v1.0.1
## explicit
github.com/g/f/x
# github.com/h/i v1.0.0 => ../i
github.com/h/i
# github.com/only/explicit v1.0.0
## explicit; go 1.22
# github.com/not/built v1.0.0 => github.com/x/y v2.0.0
# github.com/any => ../any
# github.com/wild => github.com/wild-fork v0.2.0
github.com/wild-fork/pkg
# github.com/a/b v1.2.3
## explicit
github.com/a/b/other
`, pkgs: []string{"github.com/a/b@v1.2.3:1", "github.com/c/d@v0.1.0:5+indirect", "github.com/g/f@v1.0.1:8",
			"github.com/only/explicit@v1.0.0:13", "github.com/wild-fork@v0.2.0:17+indirect"},
			problems: []string{"11: unresolved: github.com/h/i v1.0.0 => ../i (replaced by local path)"}},
		{name: "before Go 1.14: no annotations", in: "# a.b/c v1.0.0\na.b/c\n# a.b/d v1.1.0\na.b/d/e\n",
			pkgs: []string{"a.b/c@v1.0.0:1", "a.b/d@v1.1.0:3"}},
		{name: "damaged", in: "## explicit\na.b/orphan\n# \n# a.b/noversion\nignored/pkg\n#a.b/c v1\n" +
			"# a.b/bad nope\na.b/bad\n# a.b/r v1.0.0 => not understood\na.b/r\n# a.b/s v1.0.0 extra\na.b/s\n" +
			"# a.b/ok v1.0.0\n#a.b/c v1\na.b/ok\n# a.b/t v1.0.0 => x.y/t nope\n## explicit\n",
			pkgs: []string{"a.b/ok@v1.0.0:13+indirect"},
			problems: []string{
				"1: annotation ## explicit before any module line, ignored",
				"2: package a.b/orphan before any module line, ignored",
				`3: module line "# " without a version, ignored`,
				`4: module line "# a.b/noversion" without a version, ignored`,
				"7: unresolved: a.b/bad nope (not a module version)",
				"9: unresolved: a.b/r v1.0.0 => not understood (replacement not understood)",
				"11: unresolved: a.b/s v1.0.0 extra (replacement not understood)",
				"14: line #a.b/c v1 is neither a module, an annotation nor a package, ignored",
				"16: unresolved: a.b/t v1.0.0 => x.y/t nope (replacement not understood)",
			}},
		{name: "CRLF", in: "# a.b/c v1.0.0\r\n## explicit\r\na.b/c\r\n", pkgs: []string{"a.b/c@v1.0.0:1"}},
		{name: "no final newline", in: "# a.b/c v1.0.0\n## explicit", pkgs: []string{"a.b/c@v1.0.0:1"}},
		{name: "empty", in: ""},
		{name: "blank", in: "\n\n  \n"},
		{name: "long line", in: "# a.b/c v1.0.0\n## explicit\n" + strings.Repeat("x", maxLine+10) + "\n# d.e/f v1.0.0\nd.e/f\n",
			pkgs:     []string{"a.b/c@v1.0.0:1", "d.e/f@v1.0.0:4+indirect"},
			problems: []string{fmt.Sprintf("3: line longer than %d bytes, ignored", maxLine)}},
		{name: "not a modules.txt", in: "hello\nworld\n", err: `vendor/modules.txt: not a vendor/modules.txt: no "# module version" line`},
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
			if !slices.Equal(pkgs, tt.pkgs) {
				t.Errorf("packages:\n got %q\nwant %q", pkgs, tt.pkgs)
			}
			if !slices.Equal(problems, tt.problems) {
				t.Errorf("problems:\n got %q\nwant %q", problems, tt.problems)
			}
		})
	}
}

// fixtures returns the corpus's modules.txt files, checking that dirs holds them all.
func fixtures(t testing.TB) []langtest.Fixture {
	t.Helper()
	fx := langtest.CorpusOf(t, "go", 0, dirs...)
	n := 0
	root := corpustest.Path(t, "lockfiles", "go", "scalibr-vendormodules")
	err := filepath.WalkDir(root, func(_ string, e fs.DirEntry, err error) error {
		if err == nil && !e.IsDir() {
			n++
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if n != len(fx) || len(fx) != 3 {
		t.Fatalf("%d files under %s, %d read", n, root, len(fx))
	}
	return fx
}

// TestGolden compares the answer for every modules.txt of the corpus with testdata/golden.
// The goldens were written with -update and checked by hand against the fixtures.
func TestGolden(t *testing.T) {
	langtest.GoldenFixtures(t, fixtures(t), func(t *testing.T, f langtest.Fixture) any {
		return langtest.Run(Parse, f.Name, f.Data)
	})
}

func TestCorpus(t *testing.T) {
	for _, f := range fixtures(t) {
		t.Run(f.Name, func(t *testing.T) { langtest.Check(t, Parse, path, "golang", f.Data) })
	}
}

func FuzzParse(f *testing.F) {
	langtest.Seed(f, fixtures(f))
	f.Add([]byte("# a v1.0.0 => b v1.1.0\n## explicit\na/x\n# c => ../c\n# d v1.0.0\nd\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		langtest.Check(t, Parse, path, "golang", data)
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

// BenchmarkParseLarge measures a modules.txt of 1,000 modules with 5 packages each
// (about 250 KB), the size of a large project's.
func BenchmarkParseLarge(b *testing.B) {
	var sb strings.Builder
	for i := range 1000 {
		fmt.Fprintf(&sb, "# github.com/owner%d/repo%d v1.%d.0\n## explicit; go 1.21\n", i, i, i%40)
		for j := range 5 {
			fmt.Fprintf(&sb, "github.com/owner%d/repo%d/pkg%d\n", i, i, j)
		}
	}
	langtest.Bench(b, Parse, []langtest.Fixture{{Name: path, Data: []byte(sb.String())}})
}
