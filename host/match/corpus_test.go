package match_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/trawlscan/trawl/host/match"
	"github.com/trawlscan/trawl/host/osv"
	"github.com/trawlscan/trawl/host/version"
	"github.com/trawlscan/trawl/internal/corpustest"
)

// corpusDir returns the shared advisory corpus: $TRAWL_CORPUS/advisories, or
// ../shared/corpus/advisories beside the repository root (the directory with go.mod). The
// test fails when it is missing.
func corpusDir(t testing.TB) string {
	t.Helper()
	return corpustest.Path(t, "advisories")
}

func loadAdvisory(t testing.TB, path string) *osv.Vulnerability {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var v osv.Vulnerability
	if strings.HasSuffix(path, ".yaml") {
		err = yaml.Unmarshal(b, &v)
	} else {
		err = json.Unmarshal(b, &v)
	}
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return &v
}

func entryFor(t *testing.T, v *osv.Vulnerability, name string) osv.Affected {
	t.Helper()
	for _, a := range v.Affected {
		if a.Package.Name == name {
			return a
		}
	}
	t.Fatalf("%s: no affected entry for %s", v.ID, name)
	return osv.Affected{}
}

// TestRealAdvisories checks named advisories at versions just below, at and just above each
// of their events.
func TestRealAdvisories(t *testing.T) {
	dir := corpusDir(t)
	for _, c := range []struct {
		file, pkg string
		versions  map[string]bool
	}{
		// Two intervals: [0, 1.18.6) and [1.19.0-0, 1.19.1).
		{"osv/go/GO-2022-0969.json", "stdlib", map[string]bool{
			"0.0.1": true, "v1.18.5": true, "1.18.6": false, "1.18.7": false, "1.18.99": false,
			"1.19.0-0": true, "1.19.0-rc.1": true, "1.19.0": true, "1.19.1": false, "1.19.2": false, "1.20.0": false,
		}},
		// A pseudo-version fix.
		{"osv/go/GO-2022-0969.json", "golang.org/x/net", map[string]bool{
			"v0.0.0-20220906165145-aaaaaaaaaaaa": true, "v0.0.0-20220906165146-f3363e06e74c": false,
			"v0.0.0-20220906165147-aaaaaaaaaaaa": false, "v0.1.0": false,
		}},
		{"osv/go/GO-2021-0113.json", "golang.org/x/text", map[string]bool{
			"v0.3.6": true, "v0.3.7-0.20210101000000-abcdefabcdef": true, "v0.3.7": false, "v0.3.8": false,
		}},
		// Four intervals, pre-release lower bounds.
		{"osv/crates.io/RUSTSEC-2018-0003.json", "smallvec", map[string]bool{
			"0.3.1": false, "0.3.2": true, "0.3.3": true, "0.3.4": false, "0.3.5": false,
			"0.4.0-0": true, "0.4.0": true, "0.4.4": true, "0.4.5": false,
			"0.5.0": true, "0.5.1": false, "0.5.2": false, "0.6.0-alpha": true, "0.6.2": true, "0.6.3": false, "1.0.0": false,
		}},
		// Eight intervals, seven of them holding only the pre-releases of a patch version.
		{"osv/crates.io/RUSTSEC-2020-0071.json", "time", map[string]bool{
			"0.0.0-0": true, "0.1.45": true, "0.2.0": false, "0.2.1-beta": true, "0.2.1": false,
			"0.2.6": false, "0.2.7-0": true, "0.2.7": true, "0.2.22": true, "0.2.23": false, "0.3.0": false,
		}},
		// YAML; two ECOSYSTEM intervals beside a GIT range and a versions list.
		{"osv-yaml/pypi/accesscontrol/PYSEC-2021-335.yaml", "accesscontrol", map[string]bool{
			"3.9": false, "4.0": true, "4.0.0": true, "4.2.9": true, "4.3": false, "4.3.0": false, "4.9": false,
			"5.0": true, "5.1.5": true, "5.2rc1": true, "5.2": false, "5.2.1": false,
		}},
		{"osv-yaml/pypi/aiohttp/PYSEC-2023-120.yaml", "aiohttp", map[string]bool{
			"0.1": true, "3.8.4": true, "3.8.4.post1": true, "3.8.5rc1": true, "3.8.5": false, "3.8.6": false, "4.0.0a1": false,
		}},
		// The fixed event "0.2.0-n653" is no PEP 440 version: skipped, the range stays open.
		{"osv-yaml/pypi/binderhub/PYSEC-2021-371.yaml", "binderhub", map[string]bool{
			"0.1.0": true, "0.2.0": true, "1.0.0": true,
		}},
	} {
		adv := loadAdvisory(t, filepath.Join(dir, c.file))
		a := entryFor(t, adv, c.pkg)
		for v, want := range c.versions {
			got, _, err := match.Affected(a.Package.Ecosystem, a, v)
			if err != nil {
				t.Errorf("%s %s %s: %v", adv.ID, c.pkg, v, err)
			} else if got != want {
				t.Errorf("%s %s %s: affected = %v, want %v", adv.ID, c.pkg, v, got, want)
			}
		}
	}
}

// TestCorpusEvents sweeps every advisory of the Go, crates.io and PyPI corpora: each range on
// its own must hold its introduced and last_affected versions and not its fixed ones
// (ranges whose events are not distinct versions are left out, as their intervals may be
// empty), and evaluating never fails on a version the range itself carries.
func TestCorpusEvents(t *testing.T) {
	dir := corpusDir(t)
	var files []string
	for _, pattern := range []string{"osv/go/*.json", "osv/crates.io/*.json", "osv-yaml/pypi/*/*.yaml"} {
		m, err := filepath.Glob(filepath.Join(dir, pattern))
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	if len(files) < 1000 {
		t.Fatalf("only %d advisories in %s", len(files), dir)
	}
	if testing.Short() || raceEnabled {
		var some []string
		for i := 0; i < len(files); i += 5 {
			some = append(some, files[i])
		}
		files = some
	}
	checked := 0
	for _, f := range files {
		adv := loadAdvisory(t, f)
		for _, a := range adv.Affected {
			c, err := version.For(a.Package.Ecosystem)
			if err != nil {
				t.Errorf("%s: %v", adv.ID, err)
				continue
			}
			for _, r := range a.Ranges {
				if r.Type == osv.RangeGit {
					continue
				}
				if r.Type == osv.RangeSemver {
					c = version.Semver
				}
				if !distinctEvents(c, r.Events) {
					continue
				}
				one := osv.Affected{Package: a.Package, Ranges: []osv.Range{r}}
				for _, e := range r.Events {
					v, want := e.Introduced, true
					switch {
					case e.Fixed != "":
						v, want = e.Fixed, false
					case e.LastAffected != "":
						v = e.LastAffected
					case e.Introduced == "0" || e.Limit != "":
						continue
					}
					got, _, err := match.Affected(a.Package.Ecosystem, one, v)
					if err != nil {
						t.Errorf("%s %s at %s: %v", adv.ID, a.Package.Name, v, err)
					} else if got != want {
						t.Errorf("%s %s at its event %s: affected = %v, want %v", adv.ID, a.Package.Name, v, got, want)
					}
					checked++
				}
			}
		}
	}
	t.Logf("%d advisories, %d events checked", len(files), checked)
}

// distinctEvents reports whether every event version parses and no two compare equal.
func distinctEvents(c version.Comparator, events []osv.Event) bool {
	var vs []version.Version
	for _, e := range events {
		s := e.Introduced + e.Fixed + e.LastAffected + e.Limit
		if s == "0" && e.Introduced == "0" {
			continue
		}
		v, err := c.Parse(s)
		if err != nil {
			return false
		}
		for _, w := range vs {
			if v.Compare(w) == 0 {
				return false
			}
		}
		vs = append(vs, v)
	}
	return true
}
