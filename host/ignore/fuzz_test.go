package ignore_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/trawlscan/trawl/host/ignore"
	"github.com/trawlscan/trawl/sdk"
)

// FuzzParse checks that no input panics Parse or the matchers, and that what Parse accepts
// holds its invariants: a reason and at least one matching field per entry.
func FuzzParse(f *testing.F) {
	seeds, err := filepath.Glob(filepath.Join("testdata", "*.yaml"))
	if err != nil || len(seeds) == 0 {
		f.Fatalf("no seeds in testdata: %v", err)
	}
	for _, p := range seeds {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte("ignores:\n  - path: '**/**/a/**'\n    reason: r\n"))
	f.Add([]byte("ignores: &a [*a]\n"))

	at := time.Date(2027, 1, 31, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, data []byte) {
		l, err := ignore.Parse("fuzz.yaml", data)
		if err != nil {
			var e *ignore.Error
			if !errors.As(err, &e) || e.Source != "fuzz.yaml" {
				t.Fatalf("error %q is not an *ignore.Error naming the source", err)
			}
			return
		}
		for _, e := range l.Entries {
			if strings.TrimSpace(e.Reason) == "" || (e.ID == "" && e.PURL == "" && e.Path == "") || e.Line <= 0 {
				t.Fatalf("accepted an invalid entry %+v", e)
			}
			// Match each entry's own fields against findings built from them.
			v := sdk.Vulnerability{ID: e.ID, IDs: []string{e.ID}, Package: sdk.PackageRef{PURL: e.PURL},
				Locations: []sdk.Location{{Path: e.Path}, {Path: strings.Repeat("a/", 50)}}}
			l.MatchVulnerability(v, at)
			l.MatchSecret(sdk.Secret{RuleID: e.ID, Location: sdk.Location{Path: e.Path}}, at)
		}
		l.Expired(at)
	})
}
