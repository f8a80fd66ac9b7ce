package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/trawlscan/trawl/internal/corpustest"
	"github.com/trawlscan/trawl/plugins/lang/internal/langtest"
	"github.com/trawlscan/trawl/sdk"
)

// pypiDirs maps each fixture directory of the corpus (lockfiles/pypi) to the analyzer that
// reads its files. The fixtures' names do not follow the selectors ("two-packages.toml" is
// a pdm.lock), so the directory says the format.
var pypiDirs = map[string]string{
	"osv-scanner-v1-pdm":    analyzerPDMLock,
	"osv-scanner-v1-pip":    analyzerRequirements,
	"osv-scanner-v1-pipenv": analyzerPipfileLock,
	"osv-scanner-v1-poetry": analyzerPoetryLock,
	"real-world":            "", // by file name, below
	"scalibr-pdmlock":       analyzerPDMLock,
	"scalibr-pipfilelock":   analyzerPipfileLock,
	"scalibr-poetrylock":    analyzerPoetryLock,
	"scalibr-pylock":        analyzerPylock,
	"scalibr-requirements":  analyzerRequirements,
	"scalibr-uvlock":        analyzerUVLock,
}

// skippedDirs are corpus directories of formats the module does not read, and why.
var skippedDirs = map[string]string{
	// conda-meta/*.json describes packages conda installed: the conda ecosystem, not PyPI.
	"scalibr-condameta": "conda packages, not PyPI",
	// pyproject.toml declares version ranges; nothing in it is resolved.
	"scalibr-pyprojecttoml": "declares ranges, not resolved versions",
}

// fixture is one corpus file and the analyzer that reads it.
type fixture struct {
	rel      string // path relative to lockfiles/pypi, also the path given to the analyzer
	analyzer string
}

func fixtures(t testing.TB) []fixture {
	t.Helper()
	root := corpustest.Path(t, "lockfiles", "pypi")
	dirs, err := os.ReadDir(root)
	if err != nil {
		t.Fatal(err)
	}
	var out []fixture
	for _, d := range dirs {
		name, mapped := pypiDirs[d.Name()]
		if _, skipped := skippedDirs[d.Name()]; skipped {
			continue
		}
		if !mapped {
			t.Errorf("corpus directory lockfiles/pypi/%s is neither read nor skipped by the tests", d.Name())
			continue
		}
		err := filepath.WalkDir(filepath.Join(root, d.Name()), func(p string, e os.DirEntry, err error) error {
			if err != nil || e.IsDir() {
				return err
			}
			rel, _ := filepath.Rel(root, p)
			rel = filepath.ToSlash(rel)
			a := name
			if a == "" {
				switch filepath.Base(p) {
				case "uv.lock":
					a = analyzerUVLock
				case "pyproject.toml":
					return nil // see skippedDirs
				default:
					t.Errorf("corpus file %s has no analyzer in the tests", rel)
					return nil
				}
			}
			out = append(out, fixture{rel: rel, analyzer: a})
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].rel < out[j].rel })
	return out
}

// golden is what a golden file holds: the analyzer's whole answer for one file.
type golden struct {
	Packages []sdk.Package `json:"packages"`
	// Errors are the messages of the result's errors (their analyzer and path are those of
	// the request, checked in TestAnalyze).
	Errors []string `json:"errors,omitempty"`
	// Error is the error that failed the file.
	Error string `json:"error,omitempty"`
}

func run(t testing.TB, f fixture, r io.Reader) golden {
	t.Helper()
	res, err := (analyzer{}).Analyze(sdk.FileRequest{Path: f.rel, Analyzers: []string{f.analyzer}}, r)
	if err != nil {
		return golden{Packages: []sdk.Package{}, Error: err.Error()}
	}
	if err := res.Validate(); err != nil {
		t.Errorf("%s: result the host would refuse: %v", f.rel, err)
	}
	g := golden{Packages: res.Packages}
	if g.Packages == nil {
		g.Packages = []sdk.Package{}
	}
	for _, e := range res.Errors {
		if e.Analyzer != f.analyzer || e.Path != f.rel {
			t.Errorf("%s: error %+v names the wrong analyzer or path", f.rel, e)
		}
		g.Errors = append(g.Errors, e.Message)
	}
	return g
}

// TestGolden runs every Python fixture of the corpus through the analyzer and compares the
// whole answer with testdata/golden. The goldens were written with -update and then checked
// by hand against the fixtures.
func TestGolden(t *testing.T) {
	root := corpustest.Path(t, "lockfiles", "pypi")
	fx := fixtures(t)
	if len(fx) < 90 {
		t.Fatalf("only %d fixtures found", len(fx))
	}
	for _, f := range fx {
		t.Run(f.rel, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join(root, f.rel))
			if err != nil {
				t.Fatal(err)
			}
			got, err := json.MarshalIndent(run(t, f, bytes.NewReader(data)), "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			goldenPath := filepath.Join("testdata", "golden", strings.ReplaceAll(f.rel, "/", "__")+".json")
			if langtest.Update() {
				if err := os.WriteFile(goldenPath, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(goldenPath)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("output differs from %s (run with -update and review the diff):\n%s", goldenPath, got)
			}
		})
	}
	if langtest.Update() {
		// Remove goldens of fixtures that went away.
		files, _ := filepath.Glob(filepath.Join("testdata", "golden", "*.json"))
		keep := map[string]bool{}
		for _, f := range fx {
			keep[strings.ReplaceAll(f.rel, "/", "__")+".json"] = true
		}
		for _, p := range files {
			if !keep[filepath.Base(p)] {
				os.Remove(p)
			}
		}
	}
}

// TestStreaming checks that no answer depends on how the content is chunked: the host
// streams a file in chunks of its choosing.
func TestStreaming(t *testing.T) {
	root := corpustest.Path(t, "lockfiles", "pypi")
	for _, f := range fixtures(t) {
		data, err := os.ReadFile(filepath.Join(root, f.rel))
		if err != nil {
			t.Fatal(err)
		}
		if len(data) > 64<<10 {
			continue // the real uv.lock: one byte at a time is slow, and adds nothing
		}
		want := run(t, f, bytes.NewReader(data))
		for kind, r := range map[string]io.Reader{
			"one byte": iotest.OneByteReader(bytes.NewReader(data)),
			"half":     iotest.HalfReader(bytes.NewReader(data)),
			"data+EOF": iotest.DataErrReader(bytes.NewReader(data)),
		} {
			if got := run(t, f, r); !reflect.DeepEqual(got, want) {
				t.Errorf("%s, %s reader:\n got %+v\nwant %+v", f.rel, kind, got, want)
			}
		}
	}
}

// TestRealUVLock checks the real 705 KB uv.lock of the corpus against a count made without
// the parser: the [[package]] headers of the file, less the project's own entry (the one
// whose source is editable "." or virtual), with the name and version lines that follow
// each header, in order.
func TestRealUVLock(t *testing.T) {
	path := corpustest.Path(t, "lockfiles", "pypi", "real-world", "langflow-base", "uv.lock")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	type entry struct{ name, version, source string }
	var entries []*entry
	var cur *entry
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "[[package]]":
			cur = &entry{}
			entries = append(entries, cur)
		case strings.HasPrefix(line, "["):
			cur = nil
		case cur != nil && strings.HasPrefix(line, "name = "):
			cur.name = strings.Trim(strings.TrimPrefix(line, "name = "), `"`)
		case cur != nil && strings.HasPrefix(line, "version = "):
			cur.version = strings.Trim(strings.TrimPrefix(line, "version = "), `"`)
		case cur != nil && strings.HasPrefix(line, "source = "):
			cur.source = strings.TrimPrefix(line, "source = ")
		}
	}
	var want []string
	self := 0
	for _, e := range entries {
		if e.source == `{ editable = "." }` || strings.HasPrefix(e.source, "{ virtual = ") {
			self++
			continue
		}
		want = append(want, e.name+"@"+e.version)
	}
	if len(entries) != 316 || self != 1 {
		t.Fatalf("the fixture has %d [[package]] tables, %d of them the project: it changed", len(entries), self)
	}

	res, err := (analyzer{}).Analyze(sdk.FileRequest{Path: "uv.lock", Analyzers: []string{analyzerUVLock}}, bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Errors) > 0 {
		t.Errorf("errors: %+v", res.Errors)
	}
	var got []string
	dev, indirect := 0, 0
	lines := strings.Split(string(data), "\n")
	for _, p := range res.Packages {
		got = append(got, p.Name+"@"+p.Version)
		if p.Dev {
			dev++
		}
		if p.Indirect {
			indirect++
		}
		if p.Type != "pypi" || len(p.Locations) != 1 || p.Locations[0].Line == 0 {
			t.Errorf("incomplete package %+v", p)
		}
		// The line points at the package's name.
		if l := p.Locations[0].Line; l > len(lines) || lines[l-1] != `name = "`+p.Name+`"` {
			t.Errorf("%s: line %d is not its name", p.Name, l)
		}
	}
	if len(res.Packages) != 315 {
		t.Errorf("got %d packages, want 315 (316 [[package]] tables less the project)", len(res.Packages))
	}
	if !slices.Equal(got, want) {
		t.Errorf("packages differ from the file's [[package]] tables:\n got %v\nwant %v", got, want)
	}
	t.Logf("%d packages, %d development-only, %d indirect", len(res.Packages), dev, indirect)
}
