package policy

import (
	"slices"
	"time"

	"github.com/trawlscan/trawl/host/severity"
	"github.com/trawlscan/trawl/sdk"
)

// Kinds of finding, the values of finding.kind.
const (
	KindVulnerability = "vulnerability"
	KindSecret        = "secret"
)

// Finding is one finding as policy expressions see it. Its own fields are the CEL variable
// `finding`; Package and Secret are the variables `package` and `secret`. The cel tags are
// the names expressions use; the type checker knows them, which is what turns a misspelt
// field into a load error.
//
// Build it with [FromVulnerability] or [FromSecret], which normalise severities and never
// leave a list nil.
type Finding struct {
	Kind          string    `cel:"kind"`
	ID            string    `cel:"id"`
	IDs           []string  `cel:"ids"`
	Severity      string    `cel:"severity"`
	SeverityLevel int64     `cel:"severity_level"`
	CVSSScore     float64   `cel:"cvss_score"`
	FixAvailable  bool      `cel:"fix_available"`
	FixedVersions []string  `cel:"fixed_versions"`
	Status        string    `cel:"status"`
	Published     time.Time `cel:"published"`
	// AgeDays is computed by Evaluate from Published and its now, since a finding outlives
	// one evaluation time; a value set here is ignored.
	AgeDays    int64  `cel:"age_days"`
	Layer      string `cel:"layer"`
	Path       string `cel:"path"`
	SecretRule string `cel:"secret_rule"`

	// Hidden from `finding` because expressions reach them as variables of their own.
	Package Package `cel:"-"`
	Secret  Secret  `cel:"-"`
}

// Package is the CEL variable `package`: the affected package, empty for a secret.
type Package struct {
	Name      string   `cel:"name"`
	Version   string   `cel:"version"`
	Type      string   `cel:"type"`
	Ecosystem string   `cel:"ecosystem"`
	PURL      string   `cel:"purl"`
	Licenses  []string `cel:"licenses"`
	Indirect  bool     `cel:"indirect"`
	Dev       bool     `cel:"dev"`
}

// Secret is the CEL variable `secret`: the leaked credential, empty for a vulnerability.
type Secret struct {
	RuleID      string `cel:"rule_id"`
	Category    string `cel:"category"`
	Title       string `cel:"title"`
	Severity    string `cel:"severity"`
	Path        string `cel:"path"`
	Fingerprint string `cel:"fingerprint"`
	Deleted     bool   `cel:"deleted"`
}

// FromVulnerability builds the finding of a vulnerability in pkg, the full package it was
// found in. pkg may be nil, when the caller holds only the vulnerability; the package is
// then described by v.Package, and has no licenses and is neither indirect nor dev.
func FromVulnerability(v sdk.Vulnerability, pkg *sdk.Package) Finding {
	name, level := normSeverity(v.Severity)
	f := Finding{
		Kind:          KindVulnerability,
		ID:            v.ID,
		IDs:           withID(v.ID, v.IDs),
		Severity:      name,
		SeverityLevel: level,
		CVSSScore:     v.CVSSScore,
		// A database may list a fixed version without the matcher having set the status
		// (or the reverse, in a hand-built report): either says a fix exists.
		FixAvailable:  len(v.FixedVersions) > 0 || v.Status == sdk.StatusFixed,
		FixedVersions: cloneList(v.FixedVersions),
		Status:        v.Status,
		AgeDays:       -1,
		Package: Package{
			Name:      v.Package.Name,
			Version:   v.Package.Version,
			Type:      v.Package.Type,
			Ecosystem: v.Package.Ecosystem,
			PURL:      v.Package.PURL,
			Licenses:  []string{},
		},
	}
	if v.Published != nil {
		f.Published = *v.Published
	}
	locs := v.Locations
	if pkg != nil {
		// The package record is the fuller one; the vulnerability's reference only fills
		// what it leaves empty.
		p := &f.Package
		p.Name = first(pkg.Name, p.Name)
		p.Version = first(pkg.Version, p.Version)
		p.Type = first(pkg.Type, p.Type)
		p.Ecosystem = first(pkg.Ecosystem, p.Ecosystem)
		p.PURL = first(pkg.PURL, p.PURL)
		p.Licenses = cloneList(pkg.Licenses)
		p.Indirect = pkg.Indirect
		p.Dev = pkg.Dev
		if len(locs) == 0 {
			locs = pkg.Locations
		}
	}
	if len(locs) > 0 {
		f.Path = locs[0].Path
		f.Layer = locs[0].LayerDiffID
	}
	return f
}

// FromSecret builds the finding of a leaked secret. Its id is the rule id: a secret has no
// advisory, and the rule is what a policy accepts or rejects (secret.fingerprint names one
// particular secret).
func FromSecret(s sdk.Secret) Finding {
	name, level := normSeverity(s.Severity)
	return Finding{
		Kind:          KindSecret,
		ID:            s.RuleID,
		IDs:           withID(s.RuleID, nil),
		Severity:      name,
		SeverityLevel: level,
		FixedVersions: []string{},
		AgeDays:       -1,
		Layer:         s.Location.LayerDiffID,
		Path:          s.Location.Path,
		SecretRule:    s.RuleID,
		Package:       Package{Licenses: []string{}},
		Secret: Secret{
			RuleID:      s.RuleID,
			Category:    s.Category,
			Title:       s.Title,
			Severity:    name,
			Path:        s.Location.Path,
			Fingerprint: s.Fingerprint,
			Deleted:     s.Deleted,
		},
	}
}

// normSeverity maps any spelling a source uses ("Moderate", "important") to the report's
// names, so that expressions compare against six known words; a word not understood is
// UNKNOWN rather than passed through, since a rule could never name it.
func normSeverity(s string) (string, int64) {
	l, _ := severity.ParseLevel(s)
	switch l {
	case severity.Critical:
		return sdk.SeverityCritical, 4
	case severity.High:
		return sdk.SeverityHigh, 3
	case severity.Medium:
		return sdk.SeverityMedium, 2
	case severity.Low:
		return sdk.SeverityLow, 1
	case severity.Negligible:
		return sdk.SeverityNegligible, 0
	}
	return sdk.SeverityUnknown, 0
}

// withID returns ids with id in it, so that `finding.ids.exists(...)` alone finds every
// name of the finding even when a producer left the preferred id out of the list.
func withID(id string, ids []string) []string {
	out := make([]string, 0, len(ids)+1)
	if id != "" && !slices.Contains(ids, id) {
		out = append(out, id)
	}
	return append(out, ids...)
}

// cloneList copies so that a finding shares no memory with the report it came from, and so
// that a nil list becomes an empty one.
func cloneList(l []string) []string {
	return append(make([]string, 0, len(l)), l...)
}

func first(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// ageDays is the whole number of days from published to now: -1 when published is unknown,
// 0 when it lies after now (a clock or feed skew is not a negative age).
func ageDays(published, now time.Time) int64 {
	if published.IsZero() {
		return -1
	}
	d := now.Sub(published)
	if d < 0 {
		return 0
	}
	return int64(d / (24 * time.Hour))
}
