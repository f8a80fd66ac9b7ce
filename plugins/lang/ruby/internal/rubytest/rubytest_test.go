package rubytest

import (
	"os"
	"testing"

	"github.com/trawlscan/trawl/internal/corpustest"
)

// TestCoverage checks that every directory of lockfiles/rubygems is read by a parser or
// skipped with a reason, so that a fixture added to the corpus is not silently ignored.
func TestCoverage(t *testing.T) {
	entries, err := os.ReadDir(corpustest.Path(t, "lockfiles", Ecosystem))
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, e := range entries {
		seen[e.Name()] = true
		_, read := Dirs[e.Name()]
		_, skipped := Skipped[e.Name()]
		if read == skipped {
			t.Errorf("lockfiles/%s/%s: read %v, skipped %v", Ecosystem, e.Name(), read, skipped)
		}
	}
	for d := range Dirs {
		if !seen[d] {
			t.Errorf("lockfiles/%s/%s is gone", Ecosystem, d)
		}
	}
}
