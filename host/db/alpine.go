package db

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"sigs.k8s.io/yaml"

	"github.com/trawlscan/trawl/host/osv"
)

// secdb is Alpine's security database (secdb.alpinelinux.org, YAML or JSON): per release
// branch and repository, each package's fixed versions and the IDs they fix.
type secdb struct {
	DistroVersion string `json:"distroversion"`
	RepoName      string `json:"reponame"`
	Packages      []struct {
		Pkg struct {
			Name     string           `json:"name"`
			Secfixes map[string][]any `json:"secfixes"`
		} `json:"pkg"`
	} `json:"packages"`
}

// secdbFields are the top-level keys of a secdb document.
var secdbFields = map[string]bool{"apkurl": true, "archs": true, "reponame": true, "urlprefix": true, "distroversion": true, "packages": true}

func isAlpineSecdb(raw []byte) bool {
	var head map[string]json.RawMessage
	js := raw
	if !bytes.HasPrefix(bytes.TrimSpace(raw), []byte("{")) {
		var err error
		if js, err = yaml.YAMLToJSON(raw); err != nil {
			return false
		}
	}
	if json.Unmarshal(js, &head) != nil {
		return false
	}
	_, dv := head["distroversion"]
	_, pk := head["packages"]
	return dv && pk
}

// readAlpineSecdb converts a secdb document to OSV advisories, one part per package and fix,
// with the IDs osv.dev gives Alpine advisories ("ALPINE-CVE-..."), so that both sources of
// the same data meet under one ID. A fix version of "0" means the package was never
// affected: counted, not stored.
func readAlpineSecdb(file string, raw []byte, s sink) error {
	js := raw
	if !bytes.HasPrefix(bytes.TrimSpace(raw), []byte("{")) {
		var err error
		if js, err = yaml.YAMLToJSON(raw); err != nil {
			s.reject(file, "", ReasonParse, err.Error())
			return nil
		}
	}
	var db secdb
	if err := json.Unmarshal(js, &db); err != nil {
		s.reject(file, "", ReasonParse, err.Error())
		return nil
	}
	branch := strings.TrimSpace(db.DistroVersion)
	if !strings.HasPrefix(branch, "v") || len(branch) < 2 {
		s.reject(file, "", ReasonParse, fmt.Sprintf("distroversion %q is not a release branch such as v3.20", db.DistroVersion))
		return nil
	}
	eco := "Alpine:" + branch
	for _, p := range db.Packages {
		name := strings.TrimSpace(p.Pkg.Name)
		if name == "" {
			s.reject(file, "", ReasonParse, "package without a name")
			continue
		}
		// Sorted, so that the parts of an advisory join in the same order on every import.
		for _, fixedKey := range slices.Sorted(maps.Keys(p.Pkg.Secfixes)) {
			entries := p.Pkg.Secfixes[fixedKey]
			fixed := strings.TrimSpace(fixedKey)
			for _, e := range entries {
				str, ok := e.(string)
				if !ok {
					continue
				}
				for _, id := range secfixIDs(str) {
					if fixed == "0" {
						s.reject(file, "ALPINE-"+id, ReasonNotAffected, name+" in "+eco)
						continue
					}
					v := &osv.Vulnerability{
						ID:       "ALPINE-" + id,
						Upstream: []string{id},
						Affected: []osv.Affected{{
							Package: osv.Package{Ecosystem: eco, Name: name, PURL: "pkg:apk/alpine/" + name + "?arch=source"},
							Ranges: []osv.Range{{Type: osv.RangeEcosystem, Events: []osv.Event{
								{Introduced: "0"}, {Fixed: fixed},
							}}},
						}},
						DatabaseSpecific: map[string]any{"source": convertedBy, "feed": "alpine-secdb"},
						Modified:         time.Time{},
					}
					if err := s.advisory(file, v, true); err != nil {
						return err
					}
				}
			}
		}
	}
	return nil
}

// secfixIDs picks the advisory IDs out of a secfixes entry, which may hold several
// separated by spaces and comments in parentheses ("CVE-2018-1 CVE-2018-2 (partial)").
func secfixIDs(entry string) []string {
	var out []string
	for _, tok := range strings.Fields(entry) {
		if isAdvisoryID(tok) {
			out = append(out, tok)
		}
	}
	return out
}

// isAdvisoryID accepts PREFIX-rest, PREFIX upper-case letters, rest letters, digits, '-', '.'.
func isAdvisoryID(s string) bool {
	i := strings.IndexByte(s, '-')
	if i <= 0 || i == len(s)-1 {
		return false
	}
	for _, r := range s[:i] {
		if r < 'A' || r > 'Z' {
			return false
		}
	}
	for _, r := range s[i+1:] {
		if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r == '-' || r == '.') {
			return false
		}
	}
	return true
}
