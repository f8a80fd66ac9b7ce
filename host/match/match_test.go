package match_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/trawlscan/trawl/host/match"
	"github.com/trawlscan/trawl/host/osv"
	"github.com/trawlscan/trawl/host/version"
)

// ev builds events from "introduced:1.0 fixed:2.0 last_affected:3.0 limit:4.0".
func ev(s string) []osv.Event {
	var out []osv.Event
	for _, f := range strings.Fields(s) {
		k, v, _ := strings.Cut(f, ":")
		switch k {
		case "introduced":
			out = append(out, osv.Event{Introduced: v})
		case "fixed":
			out = append(out, osv.Event{Fixed: v})
		case "last_affected":
			out = append(out, osv.Event{LastAffected: v})
		case "limit":
			out = append(out, osv.Event{Limit: v})
		default:
			panic("bad event " + f)
		}
	}
	return out
}

func rng(typ, events string) osv.Range { return osv.Range{Type: typ, Events: ev(events)} }

// ruleCase is one version checked against one affected entry.
type ruleCase struct {
	rule      string
	ecosystem string
	affected  osv.Affected
	versions  map[string]bool // version → affected
}

func TestAffectedRules(t *testing.T) {
	eco := func(events string) osv.Affected {
		return osv.Affected{Ranges: []osv.Range{rng(osv.RangeEcosystem, events)}}
	}
	for _, c := range []ruleCase{
		{"introduced 0 means from the beginning", "npm", eco("introduced:0 fixed:1.0.2"),
			map[string]bool{"0.0.0": true, "0.0.0-alpha": true, "1.0.1": true, "1.0.2-rc.1": true, "1.0.2": false, "1.0.3": false}},
		{"[introduced, fixed)", "npm", eco("introduced:1.0.0 fixed:1.0.2"),
			map[string]bool{"0.9.9": false, "1.0.0-rc.1": false, "1.0.0": true, "1.0.1": true, "1.0.2": false, "2.0.0": false}},
		{"[introduced, last_affected]", "npm", eco("introduced:1.0.0 last_affected:1.0.2"),
			map[string]bool{"0.9.9": false, "1.0.0": true, "1.0.2": true, "1.0.3-alpha": false, "1.0.3": false}},
		{"introduced alone: every later version", "npm", eco("introduced:1.0.0"),
			map[string]bool{"0.9.0": false, "1.0.0": true, "99.0.0": true}},
		{"several intervals in one range", "npm", eco("introduced:0 fixed:1.0.0 introduced:2.0.0 fixed:2.5.0"),
			map[string]bool{"0.5.0": true, "1.0.0": false, "1.5.0": false, "2.0.0": true, "2.4.9": true, "2.5.0": false, "3.0.0": false}},
		{"events are sorted before the walk", "npm", eco("fixed:2.5.0 introduced:2.0.0 fixed:1.0.0 introduced:0"),
			map[string]bool{"0.5.0": true, "1.5.0": false, "2.1.0": true, "2.5.0": false}},
		{"limit bounds the range", "npm", eco("introduced:1.0.0 limit:1.5.0"),
			map[string]bool{"0.9.0": false, "1.0.0": true, "1.4.9": true, "1.5.0": false, "2.0.0": false}},
		{"a version below any limit is in", "npm", eco("introduced:1.0.0 limit:1.5.0 limit:3.0.0"),
			map[string]bool{"1.6.0": true, "2.9.9": true, "3.0.0": false}},
		{"limit * is infinity", "npm", eco("introduced:1.0.0 limit:*"),
			map[string]bool{"0.1.0": false, "1.0.0": true, "100.0.0": true}},
		{"limit with fixed", "npm", eco("introduced:0 fixed:1.0.0 introduced:2.0.0 limit:2.5.0"),
			map[string]bool{"0.1.0": true, "1.0.0": false, "2.0.0": true, "2.5.0": false, "3.0.0": false}},
		{"introduced and fixed at one version: an empty interval", "npm", eco("introduced:1.0.0 fixed:1.0.0"),
			map[string]bool{"0.9.0": false, "1.0.0": false, "1.1.0": false}},
		{"fixed then introduced at one version: reopened there", "npm", eco("introduced:0 fixed:1.0.0 introduced:1.0.0 fixed:2.0.0"),
			map[string]bool{"0.9.0": true, "1.0.0": true, "2.0.0": false}},
		{"an unparseable fixed is skipped: the range stays open", "npm", eco("introduced:1.0.0 fixed:not-a-version"),
			map[string]bool{"0.9.0": false, "1.0.0": true, "9.0.0": true}},
		{"an unparseable introduced is skipped", "npm", eco("introduced:bogus fixed:2.0.0 introduced:3.0.0"),
			map[string]bool{"1.0.0": false, "2.5.0": false, "3.0.0": true}},
		{"an unparseable limit is skipped", "npm", eco("introduced:1.0.0 limit:nope"),
			map[string]bool{"1.0.0": true, "5.0.0": true}},
		{"introduced 0 sorts before everything, even dpkg's 0~", "Debian:12", eco("introduced:0 fixed:0~1"),
			map[string]bool{"0~0": true, "0~1": false, "0": false}},
		{"ECOSYSTEM ranges use the ecosystem's ordering: dpkg epochs", "Debian:12", eco("introduced:0 fixed:1:1.0-1"),
			map[string]bool{"2.0-1": true, "1:0.9-1": true, "1:1.0-1": false}},
		{"ECOSYSTEM ranges use the ecosystem's ordering: PEP 440", "PyPI", eco("introduced:1.0 fixed:1.0.post1"),
			map[string]bool{"1.0rc1": false, "1.0": true, "1.0.0": true, "1.0+local": true, "1.0.post1.dev0": true, "1.0.post1": false}},
		{"ECOSYSTEM ranges use the ecosystem's ordering: apk", "Alpine:v3.20", eco("introduced:0 fixed:1.2.3-r2"),
			map[string]bool{"1.2.3_rc1-r0": true, "1.2.3-r1": true, "1.2.3-r2": false, "1.2.3a-r0": false}},
		{"SEMVER ranges compare by SemVer whatever the ecosystem", "PyPI",
			// PEP 440 reads 1.0.0-post1 as a post-release after 1.0.0; SemVer as a pre-release.
			osv.Affected{Ranges: []osv.Range{rng(osv.RangeSemver, "introduced:0 fixed:1.0.0")}},
			map[string]bool{"1.0.0-post1": true, "1.0.0": false}},
		{"SEMVER ranges tolerate a v prefix", "Go",
			osv.Affected{Ranges: []osv.Range{rng(osv.RangeSemver, "introduced:v1.2.0 fixed:1.3.0")}},
			map[string]bool{"v1.1.9": false, "v1.2.0": true, "1.2.5": true, "v1.3.0": false, "v1.2.9+incompatible": true}},
		{"SEMVER ranges read a missing patch as 0, as osv.dev does", "Go",
			osv.Affected{Ranges: []osv.Range{rng(osv.RangeSemver, "introduced:0 fixed:1.18.6 introduced:1.19.0-0 fixed:1.19.1")}},
			map[string]bool{"1.18": true, "1.19": true, "1.20": false}},
		{"explicit versions only", "PyPI", osv.Affected{Versions: []string{"1.0", "1.1"}},
			map[string]bool{"1.0": true, "1.1": true, "1.0.0": false, "1.2": false}},
		{"versions and ranges are OR'ed", "npm",
			osv.Affected{Versions: []string{"5.0.0"}, Ranges: []osv.Range{rng(osv.RangeEcosystem, "introduced:0 fixed:1.0.0")}},
			map[string]bool{"0.5.0": true, "5.0.0": true, "4.0.0": false}},
		{"several ranges are OR'ed", "npm",
			osv.Affected{Ranges: []osv.Range{rng(osv.RangeSemver, "introduced:0 fixed:1.0.0"), rng(osv.RangeEcosystem, "introduced:3.0.0 fixed:3.1.0")}},
			map[string]bool{"0.5.0": true, "2.0.0": false, "3.0.5": true, "3.1.0": false}},
		{"GIT ranges are skipped", "npm",
			osv.Affected{Ranges: []osv.Range{{Type: osv.RangeGit, Repo: "https://example.invalid/x", Events: ev("introduced:0 fixed:abcdef")}}},
			map[string]bool{"1.0.0": false}},
		{"a Go versions list matches with or without v", "Go", osv.Affected{Versions: []string{"1.2.3"}},
			map[string]bool{"v1.2.3": true, "1.2.3": true, "v1.2.4": false}},
		{"a listed version needs no parsing", "npm",
			osv.Affected{Versions: []string{"weird"}, Ranges: []osv.Range{rng(osv.RangeEcosystem, "introduced:0")}},
			map[string]bool{"weird": true}},
	} {
		for v, want := range c.versions {
			got, _, err := match.Affected(c.ecosystem, c.affected, v)
			if err != nil {
				t.Errorf("%s: %s %s: %v", c.rule, c.ecosystem, v, err)
				continue
			}
			if got != want {
				t.Errorf("%s: %s %s: affected = %v, want %v", c.rule, c.ecosystem, v, got, want)
			}
		}
	}
}

func TestAffectedFixed(t *testing.T) {
	a := osv.Affected{Ranges: []osv.Range{
		rng(osv.RangeEcosystem, "introduced:0 fixed:1.0.0 introduced:2.0.0 fixed:2.5.0"),
		rng(osv.RangeSemver, "introduced:0 fixed:2.5.0 fixed:3.0.0"),
	}}
	for v, want := range map[string][]string{
		"0.5.0": {"1.0.0", "2.5.0", "3.0.0"}, // each fixed version above v, deduplicated
		"2.1.0": {"2.5.0", "3.0.0"},
		"2.7.0": nil, // not affected
	} {
		_, fixed, err := match.Affected("npm", a, v)
		if err != nil || !slices.Equal(fixed, want) {
			t.Errorf("%s: fixed = %q, %v; want %q", v, fixed, err, want)
		}
	}
}

func TestAffectedErrors(t *testing.T) {
	eco := osv.Affected{Ranges: []osv.Range{rng(osv.RangeEcosystem, "introduced:0 fixed:1.0.0")}}
	semver := osv.Affected{Ranges: []osv.Range{rng(osv.RangeSemver, "introduced:0 fixed:1.0.0")}}

	_, _, err := match.Affected("npm", eco, "not.a.version")
	if !errors.Is(err, version.ErrInvalid) || !strings.Contains(err.Error(), "not.a.version") || !strings.Contains(err.Error(), "npm") {
		t.Errorf("unparseable package version: %v", err)
	}
	if _, _, err := match.Affected("PyPI", semver, "1.0.post1"); !errors.Is(err, version.ErrInvalid) {
		t.Errorf("a version SemVer rejects in a SEMVER range: %v", err)
	}
	if _, _, err := match.Affected("Linux", eco, "5.10"); !errors.Is(err, version.ErrUnknownEcosystem) {
		t.Errorf("ECOSYSTEM range of an unknown ecosystem: %v", err)
	}
	if got, _, err := match.Affected("Linux", semver, "0.5.0"); err != nil || !got {
		t.Errorf("SEMVER range of an unknown ecosystem: %v, %v", got, err)
	}
	bad := osv.Affected{Ranges: []osv.Range{{Type: "DATE", Events: ev("introduced:0")}}}
	if _, _, err := match.Affected("npm", bad, "1.0.0"); !errors.Is(err, match.ErrUnknownRangeType) {
		t.Errorf("unknown range type: %v", err)
	}
	// GIT ranges never need the version.
	git := osv.Affected{Ranges: []osv.Range{{Type: osv.RangeGit, Events: ev("introduced:0")}}}
	if got, _, err := match.Affected("npm", git, "???"); err != nil || got {
		t.Errorf("GIT only: %v, %v", got, err)
	}
}

// TestAffectedDoesNotMutate checks that the advisory's events keep their order: the
// matcher sorts a copy, as the same advisory is shared between packages.
func TestAffectedDoesNotMutate(t *testing.T) {
	a := osv.Affected{Ranges: []osv.Range{rng(osv.RangeEcosystem, "fixed:2.0.0 introduced:1.0.0")}}
	if _, _, err := match.Affected("npm", a, "1.5.0"); err != nil {
		t.Fatal(err)
	}
	if a.Ranges[0].Events[0].Fixed != "2.0.0" {
		t.Errorf("events reordered: %+v", a.Ranges[0].Events)
	}
}
