package uvlock

import (
	"bytes"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/trawlscan/trawl/internal/corpustest"
	"github.com/trawlscan/trawl/plugins/lang/internal/langtest"
)

const file = "uv.lock"

var dirs = []string{"scalibr-uvlock"}

// render gives "name@version:line" for each package, with "+dev" and "+indirect".
func render(t *testing.T, in string) (pkgs, problems []string) {
	t.Helper()
	res, err := Parse(file, strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
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
		problems = append(problems, strings.TrimPrefix(p.Error(), file+":"))
	}
	return pkgs, problems
}

// lock builds a uv.lock from short package descriptions, one [[package]] each, so that the
// graph tests read as graphs.
func lock(pkgs ...string) string {
	var b strings.Builder
	b.WriteString("version = 1\nrequires-python = \">=3.10\"\n")
	for _, p := range pkgs {
		b.WriteString("\n[[package]]\n" + p + "\n")
	}
	return b.String()
}

func TestGraph(t *testing.T) {
	for _, tt := range []struct {
		name string
		in   string
		want []string
	}{
		{
			name: "direct, transitive and dev",
			in: lock(
				`name = "app"
version = "0.1.0"
source = { editable = "." }
dependencies = [{ name = "a" }]
[package.dev-dependencies]
dev = [{ name = "pytest" }]
lint = [{ name = "ruff" }, { name = "a" }]`,
				`name = "a"
version = "1"
source = { registry = "https://pypi.org/simple" }
dependencies = [{ name = "b" }]`,
				`name = "b"
version = "2"
source = { registry = "https://pypi.org/simple" }`,
				`name = "pytest"
version = "8"
source = { registry = "https://pypi.org/simple" }
dependencies = [{ name = "pluggy" }, { name = "b" }]`,
				`name = "pluggy"
version = "1"
source = { registry = "https://pypi.org/simple" }`,
				`name = "ruff"
version = "0.1"
source = { registry = "https://pypi.org/simple" }`,
			),
			want: []string{"a@1:14", "b@2:20+indirect", "pytest@8:25+dev", "pluggy@1:31+dev+indirect", "ruff@0.1:36+dev"},
		},
		{
			name: "extras: dev-like names are dev, others production; extras of dependencies are followed",
			in: lock(
				`name = "app"
version = "0.1.0"
source = { virtual = "." }
dependencies = [{ name = "web", extra = ["async"] }]
[package.optional-dependencies]
test = [{ name = "pytest" }]
server = [{ name = "gunicorn" }]`,
				`name = "web"
version = "1"
source = { registry = "https://pypi.org/simple" }
[package.optional-dependencies]
async = [{ name = "anyio" }]
unused = [{ name = "never" }]`,
				`name = "anyio"
version = "4"
source = { registry = "https://pypi.org/simple" }`,
				`name = "never"
version = "1"
source = { registry = "https://pypi.org/simple" }`,
				`name = "pytest"
version = "8"
source = { registry = "https://pypi.org/simple" }`,
				`name = "gunicorn"
version = "22"
source = { registry = "https://pypi.org/simple" }`,
			),
			want: []string{"web@1:14", "anyio@4:22+indirect", "never@1:27+indirect", "pytest@8:32+dev", "gunicorn@22:37"},
		},
		{
			name: "two versions of a name, told apart by the dependency's version",
			in: lock(
				`name = "app"
version = "0.1.0"
source = { editable = "." }
dependencies = [{ name = "x", version = "1.0" }]
[package.dev-dependencies]
dev = [{ name = "x", version = "2.0" }]`,
				`name = "x"
version = "1.0"
source = { registry = "https://pypi.org/simple" }`,
				`name = "x"
version = "2.0"
source = { registry = "https://pypi.org/simple" }`,
			),
			want: []string{"x@1.0:13", "x@2.0:18+dev"},
		},
		{
			name: "workspace members from the manifest are roots",
			in: `version = 1

[manifest]
members = ["app", "lib"]

[[package]]
name = "app"
version = "0.1.0"
source = { editable = "." }
dependencies = [{ name = "lib" }]

[[package]]
name = "lib"
version = "0.2.0"
source = { editable = "packages/lib" }
dependencies = [{ name = "six" }]

[[package]]
name = "six"
version = "1.17.0"
source = { registry = "https://pypi.org/simple" }

[[package]]
name = "vendored"
version = "3.0"
source = { directory = "vendor/x" }
`,
			want: []string{"six@1.17.0:19", "vendored@3.0:24+indirect"},
		},
		{
			name: "a workspace without a root project: manifest requirements",
			in: `version = 1

[manifest]
requirements = [{ name = "a" }]

[manifest.dependency-groups]
dev = [{ name = "b" }]

[[package]]
name = "a"
version = "1"
source = { registry = "https://pypi.org/simple" }
dependencies = [{ name = "c" }]

[[package]]
name = "b"
version = "2"
source = { registry = "https://pypi.org/simple" }

[[package]]
name = "c"
version = "3"
source = { registry = "https://pypi.org/simple" }
`,
			want: []string{"a@1:10", "b@2:16+dev", "c@3:21+indirect"},
		},
		{
			name: "no root: nothing said",
			in: lock(`name = "a"
version = "1"
source = { registry = "https://pypi.org/simple" }
dependencies = [{ name = "b" }]`, `name = "b"
version = "2"
source = { registry = "https://pypi.org/simple" }`),
			want: []string{"a@1:5", "b@2:11"},
		},
		{
			name: "cycles end",
			in: lock(`name = "app"
version = "0"
source = { virtual = "." }
dependencies = [{ name = "a" }]`, `name = "a"
version = "1"
source = { registry = "https://pypi.org/simple" }
dependencies = [{ name = "b" }]`, `name = "b"
version = "2"
source = { registry = "https://pypi.org/simple" }
dependencies = [{ name = "a" }, { name = "app" }]`),
			want: []string{"a@1:11", "b@2:17+indirect"},
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			pkgs, problems := render(t, tt.in)
			if strings.Join(pkgs, " ") != strings.Join(tt.want, " ") {
				t.Errorf("packages:\n got %q\nwant %q", pkgs, tt.want)
			}
			if len(problems) > 0 {
				t.Errorf("problems: %q", problems)
			}
		})
	}
}

func TestProblems(t *testing.T) {
	pkgs, problems := render(t, lock(
		`name = "dyn"
source = { directory = "../dyn" }`,
		`name = "g"
source = { git = "https://tok@github.com/o/g" }`,
		`version = "1"`,
		`name = "ok"
version = "1"`,
	)+"\n[[package]]\nname = \"nosrc\"\n")
	wantPkgs := []string{"ok@1:16"}
	wantProblems := []string{
		"5: unresolved: dyn (directory ../dyn, no version)",
		"9: unresolved: g (git https://***@github.com/o/g, no version)",
		"12: package without a name, skipped",
		"20: unresolved: nosrc (no source, no version)",
	}
	if strings.Join(pkgs, " ") != strings.Join(wantPkgs, " ") {
		t.Errorf("packages:\n got %q\nwant %q", pkgs, wantPkgs)
	}
	if strings.Join(problems, "\n") != strings.Join(wantProblems, "\n") {
		t.Errorf("problems:\n got %q\nwant %q", problems, wantProblems)
	}
}

func TestErrors(t *testing.T) {
	for in, want := range map[string]string{
		"":                          "uv.lock: empty file, not a uv.lock",
		"requires-python = \"3\"\n": "uv.lock: not a uv.lock: no version and no [[package]]",
		"version = 1\npackage = 3":  "uv.lock:2: not a uv.lock: package is an integer, not an array of tables",
		"version = 1\n[[package]\n": "uv.lock:2: not a uv.lock: invalid TOML: expected ']]' to close array table name",
	} {
		if _, err := Parse(file, strings.NewReader(in)); err == nil || err.Error() != want {
			t.Errorf("Parse(%q) = %v, want %q", in, err, want)
		}
	}
}

func TestCorpus(t *testing.T) {
	for _, f := range langtest.Corpus(t, 0, dirs...) {
		t.Run(f.Name, func(t *testing.T) { langtest.Check(t, Parse, file, "pypi", f.Data) })
	}
}

func FuzzUVLock(f *testing.F) {
	langtest.Seed(f, langtest.Corpus(f, 64<<10, dirs...))
	f.Add([]byte(lock(`name = "app"
version = "0"
source = { virtual = "." }
dependencies = [{ name = "a", extra = ["x"] }]
[package.dev-dependencies]
dev = [{ name = "b", version = "2" }]`, `name = "a"
version = "1"
[package.optional-dependencies]
x = [{ name = "b" }]`, `name = "b"
version = "2"`)))
	f.Fuzz(func(t *testing.T, data []byte) {
		langtest.Check(t, Parse, file, "pypi", data)
	})
}

// BenchmarkParse measures the corpus fixtures, small files.
func BenchmarkParse(b *testing.B) {
	var ok []langtest.Fixture
	for _, f := range langtest.Corpus(b, 0, dirs...) {
		if _, err := Parse(f.Name, bytes.NewReader(f.Data)); err == nil {
			ok = append(ok, f)
		}
	}
	langtest.Bench(b, Parse, ok)
}

// BenchmarkParseReal measures the real 705 KB uv.lock of the corpus (316 packages).
func BenchmarkParseReal(b *testing.B) {
	data, err := os.ReadFile(corpustest.Path(b, "lockfiles", "pypi", "real-world", "langflow-base", "uv.lock"))
	if err != nil {
		b.Fatal(err)
	}
	langtest.Bench(b, Parse, []langtest.Fixture{{Name: file, Data: data}})
}
