package db

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/trawlscan/trawl/host/osv"
)

// debianReleases maps the codenames the security tracker uses to the release numbers of
// OSV's Debian ecosystems. sid and experimental have none and are skipped.
var debianReleases = map[string]string{
	"wheezy": "7", "jessie": "8", "stretch": "9", "buster": "10", "bullseye": "11",
	"bookworm": "12", "trixie": "13", "forky": "14", "duke": "15",
}

// Finding statuses carried by converted advisories in affected[].database_specific.status.
const (
	StatusFixed      = "fixed"
	StatusNotFixed   = "not_fixed"
	StatusWillNotFix = "will_not_fix"
)

type trackerCVE struct {
	Description string                     `json:"description"`
	Releases    map[string]json.RawMessage `json:"releases"`
}

type trackerRelease struct {
	Status       string `json:"status"`
	FixedVersion string `json:"fixed_version"`
	Urgency      string `json:"urgency"`
	NoDSA        string `json:"nodsa"`
	NoDSAReason  string `json:"nodsa_reason"`
}

// readDebianTracker converts the Debian security tracker's JSON
// (security-tracker.debian.org/tracker/data/json), which is large, one source package at a
// time. Each CVE becomes "DEBIAN-CVE-...", as osv.dev names them, with one affected entry
// per release: fixed in a version, not fixed yet, or not to be fixed (the tracker's
// "ignored" no-DSA decisions, unimportant issues and releases at end of life).
func readDebianTracker(ctx context.Context, file string, br *bufio.Reader, s sink) error {
	dec := json.NewDecoder(br)
	if _, err := dec.Token(); err != nil {
		s.reject(file, "", ReasonParse, err.Error())
		return nil
	}
	for dec.More() {
		if err := ctx.Err(); err != nil {
			return err
		}
		tok, err := dec.Token()
		if err != nil {
			s.reject(file, "", ReasonParse, err.Error())
			return nil
		}
		pkg, _ := tok.(string)
		var cves map[string]json.RawMessage
		if err := dec.Decode(&cves); err != nil {
			s.reject(file, "", ReasonParse, fmt.Sprintf("package %s: %v", pkg, err))
			return nil // the stream is out of step: nothing after this can be trusted
		}
		for _, cve := range slices.Sorted(maps.Keys(cves)) {
			if err := convertTrackerCVE(file, pkg, cve, cves[cve], s); err != nil {
				return err
			}
		}
	}
	return nil
}

func convertTrackerCVE(file, pkg, cve string, raw json.RawMessage, s sink) error {
	id := "DEBIAN-" + cve
	if !strings.HasPrefix(cve, "CVE-") {
		s.reject(file, id, ReasonTemporaryID, pkg)
		return nil
	}
	var c trackerCVE
	if err := json.Unmarshal(raw, &c); err != nil {
		s.reject(file, id, ReasonParse, fmt.Sprintf("package %s: %v", pkg, err))
		return nil
	}
	v := &osv.Vulnerability{
		ID:               id,
		Upstream:         []string{cve},
		Details:          c.Description,
		DatabaseSpecific: map[string]any{"source": convertedBy, "feed": "debian-tracker"},
	}
	for _, codename := range slices.Sorted(maps.Keys(c.Releases)) {
		number, ok := debianReleases[codename]
		if !ok {
			continue
		}
		var r trackerRelease
		if err := json.Unmarshal(c.Releases[codename], &r); err != nil {
			s.reject(file, id, ReasonParse, fmt.Sprintf("package %s, release %s: %v", pkg, codename, err))
			continue
		}
		a := osv.Affected{
			Package: osv.Package{Ecosystem: "Debian:" + number, Name: pkg, PURL: "pkg:deb/debian/" + pkg + "?arch=source"},
		}
		urgency := strings.TrimRight(r.Urgency, "*")
		status := StatusNotFixed
		events := []osv.Event{{Introduced: "0"}}
		switch {
		case r.Status == "resolved" && (r.FixedVersion == "0" || r.FixedVersion == ""):
			continue // never affected in this release
		case r.Status == "resolved":
			status = StatusFixed
			events = append(events, osv.Event{Fixed: r.FixedVersion})
		case r.NoDSAReason == "ignored" || urgency == "unimportant" || urgency == "end-of-life":
			status = StatusWillNotFix
		}
		a.Ranges = []osv.Range{{Type: osv.RangeEcosystem, Events: events}}
		a.DatabaseSpecific = map[string]any{"status": status, "urgency": urgency}
		if r.NoDSAReason != "" {
			a.DatabaseSpecific["nodsa_reason"] = r.NoDSAReason
		}
		v.Affected = append(v.Affected, a)
	}
	if len(v.Affected) == 0 {
		s.reject(file, id, ReasonNotAffected, pkg)
		return nil
	}
	return s.advisory(file, v, true)
}
