package match_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/trawlscan/trawl/host/match"
	"github.com/trawlscan/trawl/host/osv"
	"github.com/trawlscan/trawl/host/version"
)

var fuzzEcosystems = []string{"npm", "PyPI", "Debian", "Alpine", "Maven", "Go", "RubyGems", "Packagist", "Red Hat", "NuGet"}

// FuzzAffected evaluates arbitrary events ("introduced:1.0 fixed:2.0 ...", see ev) against an
// arbitrary version. Affected must not panic; when it answers, every fixed version it reports
// must sort above the version, and the answer must not depend on the order of the events
// when their versions are distinct.
func FuzzAffected(f *testing.F) {
	f.Add(uint8(0), "introduced:0 fixed:1.0.2", "1.0.1")
	f.Add(uint8(0), "introduced:0 fixed:1.0.0 introduced:2.0.0 fixed:2.5.0 limit:3.0.0", "2.1.0")
	f.Add(uint8(1), "introduced:1.0 last_affected:1.0.post1 limit:*", "1.0+local")
	f.Add(uint8(2), "introduced:0 fixed:1:1.0-1", "2.0~rc1-1")
	f.Add(uint8(3), "introduced:1.2.3_rc1-r0 fixed:1.2.3-r2", "1.2.3-r1")
	f.Add(uint8(4), "introduced:1.0-alpha fixed:1.0.Final", "1.0.0.RC1")
	f.Add(uint8(5), "introduced:0 fixed:0.0.0-20220906165146-f3363e06e74c", "v0.0.0-20220906165145-aaaaaaaaaaaa")
	f.Add(uint8(7), "fixed:v1.0.0-beta1 introduced:0.9", "1.0.0b1")
	f.Fuzz(func(t *testing.T, eco uint8, events, v string) {
		ecosystem := fuzzEcosystems[int(eco)%len(fuzzEcosystems)]
		var evs []osv.Event
		for _, f := range strings.Fields(events) {
			k, val, _ := strings.Cut(f, ":")
			switch k {
			case "introduced":
				evs = append(evs, osv.Event{Introduced: val})
			case "fixed":
				evs = append(evs, osv.Event{Fixed: val})
			case "last_affected":
				evs = append(evs, osv.Event{LastAffected: val})
			case "limit":
				evs = append(evs, osv.Event{Limit: val})
			}
		}
		a := osv.Affected{Ranges: []osv.Range{{Type: osv.RangeEcosystem, Events: evs}}}
		got, fixed, err := match.Affected(ecosystem, a, v)
		if err != nil {
			return
		}
		c, _ := version.For(ecosystem)
		pv, perr := c.Parse(v)
		if perr != nil {
			t.Fatalf("answered for a version that does not parse: %q", v)
		}
		if !got && len(fixed) > 0 {
			t.Fatalf("fixed versions %q for an unaffected version", fixed)
		}
		for _, fx := range fixed {
			fv, err := c.Parse(fx)
			if err != nil || fv.Compare(pv) <= 0 {
				t.Fatalf("fixed version %q does not sort above %q", fx, v)
			}
		}
		if distinctEvents(c, evs) {
			rev := slices.Clone(evs)
			slices.Reverse(rev)
			again, _, err := match.Affected(ecosystem, osv.Affected{Ranges: []osv.Range{{Type: osv.RangeEcosystem, Events: rev}}}, v)
			if err != nil || again != got {
				t.Fatalf("reversed events changed the answer: %v then %v (%v)", got, again, err)
			}
		}
	})
}
