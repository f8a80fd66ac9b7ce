package match

import (
	"fmt"
	"sort"
	"strings"

	"github.com/trawlscan/trawl/host/db"
	"github.com/trawlscan/trawl/host/ecosystem"
	"github.com/trawlscan/trawl/host/osv"
	"github.com/trawlscan/trawl/host/severity"
	"github.com/trawlscan/trawl/sdk"
)

// Source is where the Matcher finds advisories: the vulnerability DB, or a fake in tests.
type Source interface {
	Advisories(ecosystem, name string) ([]*osv.Vulnerability, error)
}

var _ Source = (*db.DB)(nil)

// Matcher finds the vulnerabilities of packages in a Source.
type Matcher struct {
	src Source
}

// NewMatcher returns a Matcher over src.
func NewMatcher(src Source) *Matcher { return &Matcher{src: src} }

// Problem is a package the matcher could not check, and why.
type Problem struct {
	Package sdk.PackageRef
	Reason  string
}

// Match returns one finding per vulnerability per package, in severity order. Packages
// without an ecosystem are skipped; a package whose version does not parse in its
// ecosystem is reported as a Problem rather than guessed about.
func (m *Matcher) Match(pkgs []sdk.Package) ([]sdk.Vulnerability, []Problem, error) {
	var out []sdk.Vulnerability
	var problems []Problem
	for i := range pkgs {
		p := &pkgs[i]
		if p.Ecosystem == "" {
			continue
		}
		vulns, err := m.matchPackage(p)
		if err != nil {
			if _, ok := err.(*versionError); ok {
				problems = append(problems, Problem{Package: ref(p), Reason: err.Error()})
				continue
			}
			return nil, nil, err
		}
		out = append(out, vulns...)
	}
	sort.SliceStable(out, func(i, j int) bool { return findingLess(out[i], out[j]) })
	return out, problems, nil
}

// queryOf returns the name and version a package is matched by: OS packages by their source
// package, which is how Alpine, Debian and Ubuntu key their advisories.
func queryOf(p *sdk.Package) (name, version string) {
	name, version = p.Name, p.Version
	switch p.Type {
	case "apk", "deb":
		// Alpine's secdb and Debian's and Ubuntu's advisories name source packages. The
		// rpm distributions' (Red Hat, AlmaLinux, Rocky, SUSE) name binary packages.
		if p.SourceName != "" {
			name = p.SourceName
		}
		if p.SourceVersion != "" {
			version = p.SourceVersion
		}
	}
	return name, version
}

func ref(p *sdk.Package) sdk.PackageRef {
	r := sdk.PackageRef{Name: p.Name, Version: p.Version, Type: p.Type, Ecosystem: p.Ecosystem, PURL: p.PURL}
	if name, _ := queryOf(p); name != p.Name {
		r.SourceName = name
	}
	return r
}

type versionError struct{ err error }

func (e *versionError) Error() string { return e.err.Error() }

// hit is one advisory that affects the package, with the entry that matched.
type hit struct {
	adv      *osv.Vulnerability
	affected []osv.Affected
	fixed    []string
}

func (m *Matcher) matchPackage(p *sdk.Package) ([]sdk.Vulnerability, error) {
	name, version := queryOf(p)
	advs, err := m.src.Advisories(p.Ecosystem, name)
	if err != nil {
		return nil, err
	}
	norm := ecosystem.NormalizeName(p.Ecosystem, name)
	var hits []*hit
	for _, adv := range advs {
		var h *hit
		for _, a := range adv.Affected {
			if ecosystem.MatchKey(a.Package.Ecosystem) != p.Ecosystem || ecosystem.NormalizeName(p.Ecosystem, a.Package.Name) != norm {
				continue
			}
			affected, fixed, err := Affected(p.Ecosystem, a, version)
			if err != nil {
				return nil, &versionError{fmt.Errorf("%s %s (%s): %w", p.Name, version, p.Ecosystem, err)}
			}
			if !affected {
				continue
			}
			if h == nil {
				h = &hit{adv: adv}
			}
			h.affected = append(h.affected, a)
			h.fixed = append(h.fixed, fixed...)
		}
		if h != nil {
			hits = append(hits, h)
		}
	}
	var out []sdk.Vulnerability
	for _, group := range groupByAlias(hits) {
		out = append(out, finding(p, group))
	}
	return out, nil
}

// ids returns an advisory's own ID and the IDs it says name the same vulnerability.
func ids(v *osv.Vulnerability) []string {
	return append(append([]string{v.ID}, v.Aliases...), v.Upstream...)
}

// groupByAlias joins advisories that share any ID (own, alias or upstream), so that
// GHSA-x, CVE-y and PYSEC-z describing one flaw become one finding.
func groupByAlias(hits []*hit) [][]*hit {
	parent := make([]int, len(hits))
	for i := range parent {
		parent[i] = i
	}
	var find func(int) int
	find = func(i int) int {
		if parent[i] != i {
			parent[i] = find(parent[i])
		}
		return parent[i]
	}
	owner := map[string]int{}
	for i, h := range hits {
		for _, id := range ids(h.adv) {
			if j, ok := owner[id]; ok {
				parent[find(i)] = find(j)
			} else {
				owner[id] = i
			}
		}
	}
	groups := map[int][]*hit{}
	var roots []int
	for i, h := range hits {
		r := find(i)
		if _, ok := groups[r]; !ok {
			roots = append(roots, r)
		}
		groups[r] = append(groups[r], h)
	}
	out := make([][]*hit, 0, len(roots))
	for _, r := range roots {
		out = append(out, groups[r])
	}
	return out
}

// primaryID prefers a CVE, then a GHSA, then the first ID: the names users search for.
func primaryID(all []string) string {
	for _, prefix := range []string{"CVE-", "GHSA-"} {
		for _, id := range all {
			if strings.HasPrefix(id, prefix) {
				return id
			}
		}
	}
	return all[0]
}

func finding(p *sdk.Package, group []*hit) sdk.Vulnerability {
	idSet := map[string]bool{}
	var advisories, fixed, refs []string
	var ratings []severity.Rating
	v := sdk.Vulnerability{Package: ref(p), Locations: p.Locations}
	willNotFix := false
	for _, h := range group {
		advisories = append(advisories, h.adv.ID)
		for _, id := range ids(h.adv) {
			idSet[id] = true
		}
		fixed = append(fixed, h.fixed...)
		ratings = append(ratings, ratingsOf(h)...)
		if v.Summary == "" {
			v.Summary = strings.TrimSpace(h.adv.Summary)
		}
		if v.Details == "" {
			v.Details = truncate(strings.TrimSpace(h.adv.Details), 1000)
		}
		for _, r := range h.adv.References {
			refs = append(refs, r.URL)
		}
		for _, a := range h.affected {
			if s, _ := a.DatabaseSpecific["status"].(string); s == db.StatusWillNotFix {
				willNotFix = true
			}
		}
		if h.adv.Published != nil && !h.adv.Published.IsZero() && (v.Published == nil || h.adv.Published.Before(*v.Published)) {
			t := h.adv.Published.UTC()
			v.Published = &t
		}
		if !h.adv.Modified.IsZero() && (v.Modified == nil || h.adv.Modified.After(*v.Modified)) {
			t := h.adv.Modified.UTC()
			v.Modified = &t
		}
	}
	for id := range idSet {
		v.IDs = append(v.IDs, id)
	}
	sort.Strings(v.IDs)
	sort.Strings(advisories)
	v.ID = primaryID(v.IDs)
	v.Advisories = advisories
	v.FixedVersions = dedupe(fixed)
	v.References = dedupe(refs)
	if len(v.References) > 20 {
		v.References = v.References[:20]
	}
	best := severity.Best(ratings)
	v.Severity = best.Level.String()
	v.SeveritySource = best.Source
	v.CVSSScore = best.Score
	v.CVSSVector = best.Vector
	switch {
	case len(v.FixedVersions) > 0:
		v.Status = sdk.StatusFixed
	case willNotFix:
		v.Status = sdk.StatusWillNotFix
	default:
		v.Status = sdk.StatusNotFixed
	}
	return v
}

// ratingsOf gathers every severity an advisory states: CVSS vectors (top-level and per
// affected package) and a source's own rating (GitHub's database_specific.severity, the
// Debian tracker's urgency, Ubuntu's priority).
func ratingsOf(h *hit) []severity.Rating {
	var out []severity.Rating
	keep := func(r severity.Rating, err error) {
		if err == nil && r.Level != severity.Unknown {
			out = append(out, r)
		}
	}
	add := func(ss []osv.Severity) {
		for _, s := range ss {
			keep(severity.FromOSV(s.Type, s.Score))
		}
	}
	add(h.adv.Severity)
	for _, a := range h.affected {
		add(a.Severity)
		if u, _ := a.DatabaseSpecific["urgency"].(string); u != "" {
			keep(severity.FromSource("Debian", u))
		}
	}
	if s, _ := h.adv.DatabaseSpecific["severity"].(string); s != "" {
		keep(severity.FromSource(sourceName(h.adv.ID), s))
	}
	return out
}

// sourceName names the database an advisory comes from by its ID prefix.
func sourceName(id string) string {
	if i := strings.IndexByte(id, '-'); i > 0 {
		return id[:i]
	}
	return id
}

var severityRank = map[string]int{
	sdk.SeverityCritical: 0, sdk.SeverityHigh: 1, sdk.SeverityMedium: 2,
	sdk.SeverityLow: 3, sdk.SeverityNegligible: 4, sdk.SeverityUnknown: 5,
}

func findingLess(a, b sdk.Vulnerability) bool {
	if ra, rb := severityRank[a.Severity], severityRank[b.Severity]; ra != rb {
		return ra < rb
	}
	if a.Package.Name != b.Package.Name {
		return a.Package.Name < b.Package.Name
	}
	if a.Package.Version != b.Package.Version {
		return a.Package.Version < b.Package.Version
	}
	return a.ID < b.ID
}

func dedupe(ss []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range ss {
		if s != "" && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && s[cut]&0xC0 == 0x80 { // keep whole UTF-8 sequences
		cut--
	}
	return s[:cut] + "…"
}
