package pnpmlock

import (
	"bytes"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/trawlscan/trawl/plugins/lang/internal/collect"
	"github.com/trawlscan/trawl/plugins/lang/internal/langtest"
	"github.com/trawlscan/trawl/sdk"
)

const path = "pnpm-lock.yaml"

var dirs = []string{"osv-scanner-v1-pnpm", "scalibr-pnpmlock"}

// summary lists packages as "name@version:line" with "+dev" and "+indirect" as they apply,
// and problems without the path.
func summary(res *collect.Result) (pkgs, problems []string) {
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

func TestParse(t *testing.T) {
	for _, tt := range []struct {
		name, in       string
		pkgs, problems []string
		err            string
	}{
		{name: "v5 single project", in: `lockfileVersion: 5.4

specifiers:
  a: ^1.0.0
  b: ^2.0.0

dependencies:
  a: 1.0.0
  pp: 3.0.0_a@1.0.0

devDependencies:
  b: 2.0.0

packages:

  /a/1.0.0:
    resolution: {integrity: sha512-x}
    dependencies:
      c: 1.1.0
    dev: false

  /b/2.0.0:
    resolution: {integrity: sha512-x}
    dev: true

  /c/1.1.0:
    resolution: {integrity: sha512-x}

  /pp/3.0.0_a@1.0.0:
    resolution: {integrity: sha512-x}
    dev: false

  /@s/d/4.0.0-rc.1_@types+x@1.0.0:
    resolution: {integrity: sha512-x}
    dev: true

  registry.example.com/e/5.0.0:
    resolution: {integrity: sha512-x}
`,
			pkgs: []string{"a@1.0.0:16", "b@2.0.0:22+dev", "c@1.1.0:26+indirect", "pp@3.0.0:29", "@s/d@4.0.0-rc.1:33+dev+indirect", "e@5.0.0:37+indirect"}},
		{name: "v6 with peers and importers", in: `lockfileVersion: '6.0'

importers:

  .:
    dependencies:
      react-dom:
        specifier: ^18.2.0
        version: 18.2.0(react@18.2.0)
      ws:
        specifier: workspace:*
        version: link:packages/ws

  packages/ws:
    devDependencies:
      alias:
        specifier: npm:real@^1
        version: /real@1.0.0

packages:

  /react-dom@18.2.0(react@18.2.0):
    resolution: {integrity: sha512-x}
    dependencies:
      react: 18.2.0
    dev: false

  /react@18.2.0:
    resolution: {integrity: sha512-x}
    dev: false

  /real@1.0.0:
    resolution: {integrity: sha512-x}
    dev: true
`,
			pkgs: []string{"react-dom@18.2.0:22", "react@18.2.0:28+indirect", "real@1.0.0:32+dev"}},
		{name: "v9 dev walk", in: `lockfileVersion: '9.0'

importers:
  .:
    dependencies:
      a:
        specifier: ^1
        version: 1.0.0(p@1.0.0)
    devDependencies:
      d:
        specifier: ^1
        version: 1.0.0
      s:
        specifier: npm:shared@^1
        version: shared@2.0.0

packages:
  a@1.0.0:
    resolution: {integrity: sha512-x}
  d@1.0.0:
    resolution: {integrity: sha512-x}
  shared@2.0.0:
    resolution: {integrity: sha512-x}
  both@1.0.0:
    resolution: {integrity: sha512-x}
  devonly@1.0.0:
    resolution: {integrity: sha512-x}
  p@1.0.0:
    resolution: {integrity: sha512-x}
  orphan@1.0.0:
    resolution: {integrity: sha512-x}

snapshots:
  a@1.0.0(p@1.0.0):
    dependencies:
      both: 1.0.0
      p: 1.0.0
  d@1.0.0:
    dependencies:
      both: 1.0.0
      devonly: 1.0.0
  shared@2.0.0:
    optionalDependencies:
      devonly: 1.0.0
  both@1.0.0: {}
  devonly@1.0.0:
    dependencies:
      d: 1.0.0
  p@1.0.0: {}
  orphan@1.0.0: {}
`,
			pkgs: []string{"a@1.0.0:18", "d@1.0.0:20+dev", "shared@2.0.0:22+dev", "both@1.0.0:24+indirect", "devonly@1.0.0:26+dev+indirect", "p@1.0.0:28+indirect", "orphan@1.0.0:30+indirect"}},
		{name: "non-registry sources", in: `lockfileVersion: '9.0'
importers:
  .:
    dependencies:
      g:
        specifier: github:o/g
        version: https://codeload.github.com/o/g/tar.gz/abc
packages:
  g@https://codeload.github.com/o/g/tar.gz/abc:
    resolution: {tarball: https://codeload.github.com/o/g/tar.gz/abc}
    version: 1.0.0
  h@git+https://github.com/o/h.git#0123456:
    resolution: {commit: 0123456, repo: https://tok@github.com/o/h.git, type: git}
    version: 2.0.0
  l@file:../l:
    resolution: {directory: ../l, type: directory}
    version: 3.0.0
  t@file:t.tgz:
    resolution: {integrity: sha512-x, tarball: file:t.tgz}
    version: 4.0.0
  '@o/r@https://npm.example.com/@o/r/-/r-5.0.0.tgz':
    resolution: {tarball: https://npm.example.com/@o/r/-/r-5.0.0.tgz}
    version: 5.0.0
  nothing:
    resolution: {integrity: sha512-x}
snapshots:
  g@https://codeload.github.com/o/g/tar.gz/abc: {}
`,
			pkgs: []string{"@o/r@5.0.0:21+indirect"},
			problems: []string{
				"9: unresolved: g (version 1.0.0 from tarball https://codeload.github.com/o/g/tar.gz/abc, not a registry release)",
				"12: unresolved: h (version 2.0.0 from git repository https://***@github.com/o/h.git at commit 0123456, not a registry release)",
				"15: unresolved: l (version 3.0.0 from local directory ../l, not a registry release)",
				"18: unresolved: t (version 4.0.0 from local tarball t.tgz, not a registry release)",
				"24: package nothing is neither name and version nor from a known source; skipped",
			}},
		{name: "v5 exotic keys", in: `lockfileVersion: 5.3
dependencies:
  missing: 5.13.0
  gone: github.com/o/gone/abc
packages:
  /foo/1.0.0:
  registry.npmjs.org/@foo/bar/1.1.0:
  github.com/kevva/is-positive:
  /foo/1.4.0_@types+babel__core@7.1.14:
  /foo/bar:
  axios@1.2.5:
    dev: true
`,
			pkgs: []string{"foo@1.0.0:6+indirect", "@foo/bar@1.1.0:7+indirect", "foo@1.4.0:9+indirect", "axios@1.2.5:11+dev+indirect"},
			problems: []string{
				"3: dependency missing 5.13.0 has no entry in packages",
				"8: unresolved: github.com/kevva/is-positive (git repository github.com/kevva/is-positive, no version)",
				"10: package /foo/bar is neither name and version nor from a known source; skipped",
			}},
		{name: "env document and project document", in: `---
lockfileVersion: '9.0'

importers:
  .:
    configDependencies: {}
    packageManagerDependencies:
      pnpm:
        specifier: 12.3.4
        version: 12.3.4

packages:
  pnpm@12.3.4:
    resolution: {integrity: sha512-x}

snapshots:
  pnpm@12.3.4: {}

---
lockfileVersion: '9.0'

importers:
  .:
    dependencies:
      a:
        specifier: ^1
        version: 1.0.0

packages:
  a@1.0.0:
    resolution: {integrity: sha512-x}

snapshots:
  a@1.0.0: {}
`,
			pkgs: []string{"pnpm@12.3.4:13+dev", "a@1.0.0:30"}},
		{name: "damaged entries", in: `lockfileVersion: 5.4
packages:
  /a/1.0.0:
    resolution: {integrity: [}
  /b/1.0.0: [1, 2]
  /c/1.0.0:
    dev: true
  /c/1.0.0:
    dev: false
`,
			pkgs: []string{"b@1.0.0:5", "c@1.0.0:6+dev"},
			problems: []string{
				"3: invalid YAML, entry skipped: did not find expected node content",
				"5: package /b/1.0.0 is a sequence, not a mapping; only its key is read",
				"8: package /c/1.0.0 listed twice; the first entry is kept",
			}},
		// Anchors reach within an entry only: each entry is parsed on its own.
		{name: "aliases", in: `lockfileVersion: '6.0'
packages:
  /a@1.0.0:
    x: &t true
    dev: *t
  /b@1.0.0:
    dev: *t
  /c@1.0.0:
    resolution: {integrity: x}
  - y
`,
			pkgs: []string{"a@1.0.0:3+dev"},
			problems: []string{
				"6: invalid YAML, entry skipped: unknown anchor 't' referenced",
				"9: invalid YAML, entry skipped: did not find expected key",
			}},
		{name: "unknown lockfile version", in: "lockfileVersion: '10.0'\npackages:\n  a@1.0.0: {}\n",
			pkgs:     []string{"a@1.0.0:3"},
			problems: []string{`1: lockfileVersion 10.0 is not one this reader knows (5 to 9); read as 9`}},
		{name: "flow style", in: `{"lockfileVersion": "6.0", "packages": {"/a@1.0.0": {"dev": true}}}`,
			pkgs: []string{"a@1.0.0:1+dev"}},
		{name: "CRLF", in: "lockfileVersion: '6.0'\r\npackages:\r\n\r\n  /a@1.0.0:\r\n    dev: true\r\n",
			pkgs: []string{"a@1.0.0:4+dev"}},
		{name: "only version", in: "lockfileVersion: '6.0'\n"},
		{name: "empty", in: ""},
		{name: "comments", in: "# nothing\n\n"},
		{name: "not YAML", in: "a: b: c\n", err: "pnpm-lock.yaml:1: not a pnpm-lock.yaml: invalid YAML: mapping values are not allowed in this context"},
		{name: "scalar", in: "this is not valid yaml!\n", err: "pnpm-lock.yaml: not a pnpm-lock.yaml: the document is a scalar, not a mapping"},
		{name: "sequence", in: "- a\n- b\n", err: "pnpm-lock.yaml: not a pnpm-lock.yaml: the document is a sequence, not a mapping"},
		{name: "no version", in: "packages:\n  /a/1.0.0: {}\n", err: "pnpm-lock.yaml: not a pnpm-lock.yaml: no lockfileVersion"},
		{name: "JSON without version", in: `{"name": "x", "dependencies": {}}`, err: "pnpm-lock.yaml: not a pnpm-lock.yaml: no lockfileVersion"},
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
			pkgs, problems := summary(res)
			if strings.Join(pkgs, " ") != strings.Join(tt.pkgs, " ") {
				t.Errorf("packages:\n got %q\nwant %q", pkgs, tt.pkgs)
			}
			if strings.Join(problems, "\n") != strings.Join(tt.problems, "\n") {
				t.Errorf("problems:\n got %q\nwant %q", problems, tt.problems)
			}
		})
	}
}

// TestBillionLaughs checks that aliases are not expanded: a document whose expansion would
// hold 10^9 strings parses in a moment, and gives nothing.
func TestBillionLaughs(t *testing.T) {
	var sb strings.Builder
	sb.WriteString("lockfileVersion: '6.0'\nsettings:\n  lol0: &a0 [\"lol\"]\n")
	for i := 1; i <= 9; i++ {
		fmt.Fprintf(&sb, "  lol%d: &a%d [", i, i)
		for j := 0; j < 10; j++ {
			if j > 0 {
				sb.WriteString(",")
			}
			fmt.Fprintf(&sb, "*a%d", i-1)
		}
		sb.WriteString("]\n")
	}
	// The same inside one entry, where the anchors are in reach of the aliases.
	sb.WriteString("packages:\n  /a@1.0.0:\n    x0: &b0 [\"lol\"]\n")
	for i := 1; i <= 9; i++ {
		fmt.Fprintf(&sb, "    x%d: &b%d [*b%d,*b%d,*b%d,*b%d,*b%d,*b%d,*b%d,*b%d,*b%d,*b%d]\n", i, i, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1)
	}
	sb.WriteString("    dependencies: *b9\n    resolution: *b9\n    dev: *b9\n")
	start := time.Now()
	res, err := Parse(path, strings.NewReader(sb.String()))
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("took %v", d)
	}
	pkgs, problems := summary(res)
	if strings.Join(pkgs, " ") != "a@1.0.0:14" || len(problems) != 0 {
		t.Errorf("got %q %q", pkgs, problems)
	}
}

// TestHostile parses files of the largest size read that are built to be slow or to take
// memory: millions of tiny entries, top-level keys or documents, deep nesting, one huge
// line or entry, a snapshot with a hundred thousand dependencies. Each must end quickly
// with a sensible answer (the times are logged; yaml.v3 alone took minutes on some).
func TestHostile(t *testing.T) {
	if testing.Short() {
		t.Skip("slow")
	}
	n := MaxSize - 64
	fill := func(head, unit string) string {
		return head + strings.Repeat(unit, (n-len(head))/len(unit))
	}
	var deep, wide strings.Builder
	deep.WriteString("lockfileVersion: '9.0'\npackages:\n  a@1.0.0:\n")
	for ind := 4; deep.Len() < n-20000; ind++ {
		deep.WriteString(strings.Repeat(" ", ind) + "k:\n")
	}
	wide.WriteString("lockfileVersion: '9.0'\nimporters:\n  .:\n    dependencies:\n      a: {version: 1.0.0}\nsnapshots:\n  a@1.0.0:\n    dependencies:\n")
	for j := 0; wide.Len() < n-100; j++ {
		fmt.Fprintf(&wide, "      d%d: 1.0.0\n", j)
	}
	for _, tt := range []struct {
		name, in string
		pkgs     int
	}{
		{"tiny entries", fill("lockfileVersion: 5.4\npackages:\n", "  /a/1.0.0: {}\n"), 1},
		{"top-level keys", fill("lockfileVersion: 5.4\n", "a: 1\n"), 0},
		{"documents", fill("", "---\nlockfileVersion: 5.4\n"), 0},
		{"comments", fill("lockfileVersion: 5.4\n", "#\n"), 0},
		{"one line", fill("lockfileVersion: 5.4\npackages: [", "1,"), 0},
		{"deep flow", fill("lockfileVersion: 5.4\nx: ", "["), 0},
		{"deep block", deep.String(), 0},
		{"wide snapshot", wide.String(), 0},
		{"realistic", string(large(55000)), 55000},
	} {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			res, err := Parse(path, strings.NewReader(tt.in))
			t.Logf("%.1f MB in %v", float64(len(tt.in))/1e6, time.Since(start))
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Packages) != tt.pkgs || len(res.Problems) > collect.MaxProblems+1 {
				t.Errorf("%d packages, %d problems", len(res.Packages), len(res.Problems))
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

// golden is what a golden file holds: the parser's whole answer for one fixture.
type golden struct {
	Packages []sdk.Package `json:"packages"`
	Problems []string      `json:"problems,omitempty"`
	Error    string        `json:"error,omitempty"`
}

// TestGolden runs every fixture of the corpus directories through the parser and compares
// the whole answer with testdata/golden. The goldens were written with -update and then
// checked by hand against the fixtures.
func TestGolden(t *testing.T) {
	fx := langtest.CorpusOf(t, "npm", 0, dirs...)
	if len(fx) < 60 {
		t.Fatalf("only %d fixtures found", len(fx))
	}
	langtest.GoldenFixtures(t, fx, func(t *testing.T, f langtest.Fixture) any {
		return langtest.Run(Parse, path, f.Data)
	})
}

func TestCorpus(t *testing.T) {
	for _, f := range langtest.CorpusOf(t, "npm", 0, dirs...) {
		t.Run(f.Name, func(t *testing.T) { langtest.Check(t, Parse, path, "npm", f.Data) })
	}
}

// TestMemory checks that a large lock file is parsed entry by entry: the memory in use
// after parsing 8 MB stays a small multiple of the input, where one yaml.v3 tree of the
// whole file would take about twelve times its size.
func TestMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("slow")
	}
	data := large(20000)
	runtime.GC()
	var m0 runtime.MemStats
	runtime.ReadMemStats(&m0)
	peak := m0.HeapInuse
	done := make(chan bool)
	go func() {
		var m runtime.MemStats
		for {
			select {
			case <-done:
				done <- true
				return
			default:
			}
			runtime.ReadMemStats(&m)
			peak = max(peak, m.HeapInuse)
			time.Sleep(time.Millisecond)
		}
	}()
	res, err := Parse(path, bytes.NewReader(data))
	done <- true
	<-done
	if err != nil || len(res.Packages) != 20000 || len(res.Problems) != 0 {
		t.Fatalf("%d packages, %v, %v", len(res.Packages), res.Problems, err)
	}
	used := float64(peak-m0.HeapInuse) / float64(len(data))
	t.Logf("%.1f MB file: peak heap %.1f times its size", float64(len(data))/1e6, used)
	// Parsed whole, the same file takes 14.5 times its size.
	if used > 8 {
		t.Errorf("peak heap %.1f times the file", used)
	}
}

// large returns a lockfile 9 of n packages, each depending on the next two.
func large(n int) []byte {
	var b bytes.Buffer
	b.WriteString("lockfileVersion: '9.0'\n\nimporters:\n\n  .:\n    dependencies:\n      package-0:\n        specifier: ^1.0.0\n        version: 1.0.0\n\npackages:\n\n")
	for i := range n {
		fmt.Fprintf(&b, "  package-%d@1.0.%d:\n    resolution: {integrity: sha512-%088x}\n    engines: {node: '>=14'}\n\n", i, i%7, i)
	}
	b.WriteString("snapshots:\n\n")
	for i := range n {
		fmt.Fprintf(&b, "  package-%d@1.0.%d:\n    dependencies:\n", i, i%7)
		for _, j := range []int{i + 1, i + 2} {
			if j < n {
				fmt.Fprintf(&b, "      package-%d: 1.0.%d\n", j, j%7)
			}
		}
		b.WriteString("\n")
	}
	return b.Bytes()
}

func FuzzParse(f *testing.F) {
	langtest.Seed(f, langtest.CorpusOf(f, "npm", 64<<10, dirs...))
	f.Add([]byte("---\nlockfileVersion: 5.4\ndependencies:\n  a: 1.0.0\npackages:\n  /a/1.0.0:\n    dev: false\n---\nlockfileVersion: '9.0'\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		langtest.Check(t, Parse, path, "npm", data)
	})
}

func BenchmarkParse(b *testing.B) {
	var files []langtest.Fixture
	for _, f := range langtest.CorpusOf(b, "npm", 0, dirs...) {
		if _, err := Parse(f.Name, bytes.NewReader(f.Data)); err == nil {
			files = append(files, f)
		}
	}
	langtest.Bench(b, Parse, files)
}

// BenchmarkParseLarge measures a lockfile 9 of 5000 packages (about 1.3 MB), a large
// workspace.
func BenchmarkParseLarge(b *testing.B) {
	langtest.Bench(b, Parse, []langtest.Fixture{{Name: path, Data: large(5000)}})
}
