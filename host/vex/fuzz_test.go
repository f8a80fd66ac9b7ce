package vex_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/trawlscan/trawl/host/vex"
	"github.com/trawlscan/trawl/sdk"
)

// FuzzParse checks that no input panics Parse or matching, and that what Parse accepts
// holds the invariants matching relies on.
func FuzzParse(f *testing.F) {
	var seeds []string
	for _, pattern := range []string{"*.json", "invalid/*.json"} {
		m, err := filepath.Glob(filepath.Join("testdata", filepath.FromSlash(pattern)))
		if err != nil {
			f.Fatal(err)
		}
		seeds = append(seeds, m...)
	}
	if len(seeds) == 0 {
		f.Fatal("no seeds in testdata")
	}
	for _, p := range seeds {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := vex.Parse("fuzz.json", data)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "fuzz.json: ") {
				t.Fatalf("error %q does not name the source", err)
			}
			return
		}
		if d.Version < 1 || d.Timestamp.IsZero() || len(d.Statements) == 0 {
			t.Fatalf("accepted an invalid document: %+v", d)
		}
		var docs []*vex.Document
		docs = append(docs, d, d)
		ix := vex.NewIndex(docs...)
		for _, s := range d.Statements {
			if s.Vulnerability.Name == "" || s.Timestamp.IsZero() {
				t.Fatalf("accepted an invalid statement: %+v", s)
			}
			if s.Status == vex.StatusNotAffected && s.Justification == "" && s.ImpactStatement == "" {
				t.Fatalf("accepted not_affected without a reason: %+v", s)
			}
			for _, p := range s.Products {
				for _, purl := range []string{p.ID, p.Identifiers.PURL} {
					ix.Match(sdk.Vulnerability{ID: s.Vulnerability.Name, IDs: s.Vulnerability.Aliases, Package: sdk.PackageRef{PURL: purl}})
				}
			}
		}
	})
}
