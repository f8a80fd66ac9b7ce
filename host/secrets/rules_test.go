package secrets_test

import (
	"bytes"
	"fmt"
	"io/fs"
	"sync"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/trawlscan/trawl/host/secrets"
	"github.com/trawlscan/trawl/plugins/secrets/rules"
	"github.com/trawlscan/trawl/sdk"
)

// realRules loads the built-in rule set (plugins/secrets/rules), which imports nothing of
// the host: a test may use it without an import cycle.
func realRules(t testing.TB) []sdk.SecretRule {
	t.Helper()
	rs, err := loadRealRules()
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

var loadRealRules = sync.OnceValues(func() ([]sdk.SecretRule, error) {
	names, err := fs.Glob(rules.Files, "*.yaml")
	if err != nil || len(names) == 0 {
		return nil, fmt.Errorf("no rule files: %v", err)
	}
	var all []sdk.SecretRule
	for _, name := range names {
		raw, err := rules.Files.ReadFile(name)
		if err != nil {
			return nil, err
		}
		var rs []sdk.SecretRule
		if err := yaml.Unmarshal(raw, &rs); err != nil {
			return nil, fmt.Errorf("%s: %v", name, err)
		}
		all = append(all, rs...)
	}
	return all, nil
})

// BenchmarkScanRules is BenchmarkScan with the real rule set.
func BenchmarkScanRules(b *testing.B) {
	e, err := secrets.Compile(realRules(b))
	if err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct {
		name  string
		dense bool
	}{{"sparse", false}, {"dense", true}} {
		b.Run(bc.name, func(b *testing.B) {
			paths, files, _ := secrets.BenchTree(bc.dense)
			var size int64
			for _, f := range files {
				size += int64(len(f))
			}
			b.SetBytes(size)
			b.ReportAllocs()
			found := 0
			for b.Loop() {
				found = 0
				for i, f := range files {
					fs, err := e.Scan(paths[i], bytes.NewReader(f), 0)
					if err != nil {
						b.Fatal(err)
					}
					found += len(fs)
				}
			}
			b.ReportMetric(float64(found), "findings")
		})
	}
}

// TestRealRulesReach checks that the real rules take the fast paths: nearly all anchored
// (anchored.go), the rest by regions (regions.go), none over whole windows.
func TestRealRulesReach(t *testing.T) {
	rs := realRules(t)
	e, err := secrets.Compile(rs)
	if err != nil {
		t.Fatal(err)
	}
	modes := secrets.Modes(e)
	count := map[string]int{}
	for _, r := range rs {
		m := modes[r.ID]
		count[m]++
		if m != "anchored" {
			t.Logf("%s: %s (keywords %q)", r.ID, m, r.Keywords)
		}
	}
	t.Logf("%d rules: %v", len(rs), count)
	if count["whole"] > 0 || count["anchored"] < len(rs)*9/10 {
		t.Errorf("modes %v: want no whole-window rule and 90%% anchored", count)
	}
}
