// Package corpustest locates the shared test corpus: real advisories, root filesystems,
// package databases, lockfiles and images that live beside the repository rather than in
// it (../shared/corpus from the directory holding go.mod), or wherever TRAWL_CORPUS says.
package corpustest

import (
	"os"
	"path/filepath"
	"testing"
)

// Dir returns the corpus directory. A missing corpus fails the test, saying where it was
// looked for: skipping would let `make test` pass without the tests that matter most.
func Dir(t testing.TB) string {
	t.Helper()
	if d := os.Getenv("TRAWL_CORPUS"); d != "" {
		return d
	}
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for d := wd; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			c := filepath.Join(d, "..", "shared", "corpus")
			if _, err := os.Stat(c); err != nil {
				t.Fatalf("test corpus not found next to the repository (set TRAWL_CORPUS): %v", err)
			}
			return c
		}
		if filepath.Dir(d) == d {
			t.Fatalf("no go.mod above %s; set TRAWL_CORPUS", wd)
		}
	}
}

// Path returns a path inside the corpus.
func Path(t testing.TB, elem ...string) string {
	t.Helper()
	return filepath.Join(append([]string{Dir(t)}, elem...)...)
}
