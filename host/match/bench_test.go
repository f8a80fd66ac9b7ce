package match_test

import (
	"testing"

	"github.com/trawlscan/trawl/host/match"
	"github.com/trawlscan/trawl/host/osv"
)

// BenchmarkAffected evaluates a typical three-range advisory (a SEMVER range with two
// intervals, an ECOSYSTEM range and a GIT range, as GHSA and PYSEC records have) for a
// version inside the second interval.
func BenchmarkAffected(b *testing.B) {
	for _, c := range []struct {
		name, ecosystem, version string
		a                        osv.Affected
	}{
		{"npm", "npm", "4.17.12", osv.Affected{Ranges: []osv.Range{
			rng(osv.RangeSemver, "introduced:0 fixed:3.10.0 introduced:4.0.0 fixed:4.17.21"),
			rng(osv.RangeEcosystem, "introduced:5.0.0-alpha.1 fixed:5.0.0-beta.3"),
			{Type: osv.RangeGit, Repo: "https://example.invalid/lodash", Events: ev("introduced:0 fixed:c6e281b878b315c7a10d90f9c2af4cdb112d9625")},
		}}},
		{"PyPI", "PyPI", "4.2.5", osv.Affected{Ranges: []osv.Range{
			rng(osv.RangeEcosystem, "introduced:3.2 fixed:3.2.25 introduced:4.0 fixed:4.2.11"),
			rng(osv.RangeEcosystem, "introduced:5.0a1 fixed:5.0.1"),
			{Type: osv.RangeGit, Repo: "https://example.invalid/django", Events: ev("introduced:0 fixed:c6e281b878b315c7a10d90f9c2af4cdb112d9625")},
		}}},
		{"Debian", "Debian:12", "2.36-9+deb12u3", osv.Affected{Ranges: []osv.Range{
			rng(osv.RangeEcosystem, "introduced:0 fixed:2.36-9+deb12u4"),
			rng(osv.RangeEcosystem, "introduced:2.37-1 fixed:2.37-3"),
			rng(osv.RangeEcosystem, "introduced:1:2.38-1 limit:1:2.39-1"),
		}}},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if ok, _, err := match.Affected(c.ecosystem, c.a, c.version); err != nil || !ok {
					b.Fatal(ok, err)
				}
			}
		})
	}
}
