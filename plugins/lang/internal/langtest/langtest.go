// Package langtest holds what the tests of the lang analyzers share: reading corpus
// fixtures (CorpusOf, Walk), golden files of whole answers with the one -update flag that
// rewrites them (Golden, GoldenFixtures), the invariants every parse result must keep (for
// fuzzing), and the benchmark loop.
package langtest

import (
	"bytes"
	"encoding/json"
	"flag"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/trawlscan/trawl/internal/corpustest"
	"github.com/trawlscan/trawl/plugins/lang/internal/collect"
	"github.com/trawlscan/trawl/sdk"
)

// Parse is the signature of every parser of the module.
type Parse func(path string, r io.Reader) (*collect.Result, error)

// Fixture is one test input.
type Fixture struct {
	Name string
	Data []byte
}

// Corpus returns the files of the given directories of the corpus's lockfiles/pypi, in
// name order, skipping those larger than max bytes (0: no limit).
func Corpus(t testing.TB, max int, dirs ...string) []Fixture {
	t.Helper()
	return CorpusOf(t, "pypi", max, dirs...)
}

// CorpusOf returns the files directly in the given directories of the corpus's
// lockfiles/<ecosystem> (lockfiles/npm, lockfiles/maven, ...), in name order, skipping
// those larger than max bytes (0: no limit). Fixture names are "<dir>/<file>".
func CorpusOf(t testing.TB, ecosystem string, max int, dirs ...string) []Fixture {
	t.Helper()
	var out []Fixture
	for _, d := range dirs {
		root := corpustest.Path(t, "lockfiles", ecosystem, d)
		entries, err := os.ReadDir(root)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			if e.IsDir() {
				continue
			}
			data, err := os.ReadFile(filepath.Join(root, e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			if max > 0 && len(data) > max {
				continue
			}
			out = append(out, Fixture{Name: d + "/" + e.Name(), Data: data})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Seed adds the fixtures to a fuzz target's seed corpus.
func Seed(f *testing.F, fixtures []Fixture) {
	for _, fx := range fixtures {
		f.Add(fx.Data)
	}
}

// Check runs parse on data, whole and one byte at a time, and fails t unless both give the
// same answer and the answer keeps the invariants of the module: an error comes alone and
// names the file; packages have a name, a version, the given type and one location in the
// file, and the host accepts them; problems name the file and stay bounded.
func Check(t *testing.T, parse Parse, path, typ string, data []byte) {
	t.Helper()
	res, err := parse(path, bytes.NewReader(data))
	res1, err1 := parse(path, iotest.OneByteReader(bytes.NewReader(data)))
	if errString(err) != errString(err1) || !reflect.DeepEqual(res, res1) {
		t.Fatalf("answer depends on chunking:\n whole %+v %v\n bytes %+v %v", res, err, res1, err1)
	}
	if err != nil {
		if res != nil {
			t.Fatalf("error %v with a result", err)
		}
		if !strings.HasPrefix(err.Error(), path+":") {
			t.Fatalf("error %q does not start with the path", err)
		}
		return
	}
	ar := sdk.AnalysisResult{Packages: res.Packages}
	if err := ar.Validate(); err != nil {
		t.Fatalf("result the host would refuse: %v", err)
	}
	for _, p := range res.Packages {
		if p.Name == "" || p.Version == "" || p.Type != typ || len(p.Locations) != 1 || p.Locations[0].Path != path || p.Locations[0].Line < 0 {
			t.Fatalf("bad package %+v", p)
		}
	}
	if len(res.Problems) > collect.MaxProblems+1 {
		t.Fatalf("%d problems", len(res.Problems))
	}
	for _, p := range res.Problems {
		if p.Path != path || collect.Check(p.Msg) != "" {
			t.Fatalf("bad problem %+v", p)
		}
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// Bench measures parse over a set of files, reporting files/s besides the MB/s of
// b.SetBytes. Every file must parse.
func Bench(b *testing.B, parse Parse, files []Fixture) {
	total := 0
	for _, f := range files {
		total += len(f.Data)
	}
	b.SetBytes(int64(total))
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		for _, f := range files {
			if _, err := parse(f.Name, bytes.NewReader(f.Data)); err != nil {
				b.Fatal(err)
			}
			n++
		}
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "files/s")
}

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

// Update reports whether the tests run with -update, which rewrites the golden files
// instead of comparing with them. The flag is registered here once for every test binary
// of the lang analyzers.
func Update() bool { return *update }

// Walk returns every file under the given directories of root, subdirectories included,
// in name order; names are slash paths relative to root.
func Walk(t testing.TB, root string, dirs ...string) []Fixture {
	t.Helper()
	var out []Fixture
	for _, d := range dirs {
		err := filepath.WalkDir(filepath.Join(root, d), func(p string, e os.DirEntry, err error) error {
			if err != nil || e.IsDir() {
				return err
			}
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(root, p)
			out = append(out, Fixture{Name: filepath.ToSlash(rel), Data: data})
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Answer is what a golden file of a parser holds: its whole answer for one file.
type Answer struct {
	Packages []sdk.Package `json:"packages"`
	Problems []string      `json:"problems,omitempty"`
	Error    string        `json:"error,omitempty"`
}

// Run parses data as the file at path and returns the answer as a golden file holds it.
func Run(parse Parse, path string, data []byte) Answer {
	res, err := parse(path, bytes.NewReader(data))
	if err != nil {
		return Answer{Packages: []sdk.Package{}, Error: err.Error()}
	}
	a := Answer{Packages: res.Packages}
	if a.Packages == nil {
		a.Packages = []sdk.Package{}
	}
	for _, p := range res.Problems {
		a.Problems = append(a.Problems, p.Error())
	}
	return a
}

// Golden compares got, as indented JSON ending in a newline, with the golden file at path,
// or writes it there when the tests run with -update.
func Golden(t *testing.T, path string, got any) {
	t.Helper()
	data, err := json.MarshalIndent(got, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	data = append(data, '\n')
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(data, want) {
		t.Errorf("output differs from %s (run with -update and review the diff):\n%s", path, data)
	}
}

// GoldenName is the name of the golden file of a fixture: its name with '/' as "__", then
// ".json".
func GoldenName(fixture string) string {
	return strings.ReplaceAll(fixture, "/", "__") + ".json"
}

// GoldenFixtures checks each fixture in a subtest of its name: answer gives what the
// fixture's golden file, testdata/golden/<GoldenName>, holds. With -update it rewrites the
// goldens and removes those of fixtures that went away.
func GoldenFixtures(t *testing.T, fixtures []Fixture, answer func(t *testing.T, f Fixture) any) {
	t.Helper()
	keep := map[string]bool{}
	for _, f := range fixtures {
		name := GoldenName(f.Name)
		keep[name] = true
		t.Run(f.Name, func(t *testing.T) {
			Golden(t, filepath.Join("testdata", "golden", name), answer(t, f))
		})
	}
	if *update {
		files, _ := filepath.Glob(filepath.Join("testdata", "golden", "*.json"))
		for _, p := range files {
			if !keep[filepath.Base(p)] {
				os.Remove(p)
			}
		}
	}
}
