package vex

import (
	"strings"

	packageurl "github.com/package-url/packageurl-go"

	"github.com/trawlscan/trawl/sdk"
)

// Index finds the statement that applies to a finding among the statements of several
// documents. It is immutable once built, so one Index serves concurrent scans.
type Index struct {
	// byID maps each upper-cased vulnerability identifier of a statement (name, aliases,
	// @id) to the statements that carry it.
	byID map[string][]*entry
}

type entry struct {
	s Statement
	// seq orders statements as given to NewIndex, to break timestamp ties.
	seq int
}

// NewIndex indexes the statements of docs. Nil documents are skipped.
func NewIndex(docs ...*Document) *Index {
	ix := &Index{byID: map[string][]*entry{}}
	seq := 0
	for _, d := range docs {
		if d == nil {
			continue
		}
		for _, s := range d.Statements {
			e := &entry{s: s, seq: seq}
			seq++
			seen := map[string]bool{}
			for _, id := range append([]string{s.Vulnerability.Name, s.Vulnerability.ID}, s.Vulnerability.Aliases...) {
				k := strings.ToUpper(id)
				if id == "" || seen[k] {
					continue
				}
				seen[k] = true
				ix.byID[k] = append(ix.byID[k], e)
			}
		}
	}
	return ix
}

// Match returns the statement that applies to v, or nil.
//
// A statement applies when one of its vulnerability's identifiers (name, aliases, @id)
// equals one of v's (ID and IDs, case-insensitively), and one of its products is v's
// package: the product's purl (in @id or identifiers.purl) names the package, or one of
// the product's subcomponents does. A purl names the package when type, namespace and
// name are equal, and so are the version and qualifiers it gives: one without a version
// covers all versions, as the specification says, and one without qualifiers all
// architectures and distributions. When the package is a subcomponent, the product itself
// is not checked: it is usually the image (pkg:oci/...) being scanned, which a finding
// does not name. A statement without products applies to nothing: its products would come
// from an enclosing document trawl has not read.
//
// When several statements apply, the one with the latest Timestamp wins, since OpenVEX
// statements are a history in which newer ones override older ones; on a tie, the later
// statement in the order given to NewIndex wins. The result may say the finding is
// affected: use Statement.Suppresses to decide.
func (ix *Index) Match(v sdk.Vulnerability) *Statement {
	if ix == nil || v.Package.PURL == "" {
		return nil
	}
	pkg, err := packageurl.FromString(v.Package.PURL)
	if err != nil {
		return nil
	}
	var best *entry
	seen := map[*entry]bool{}
	for _, id := range append([]string{v.ID}, v.IDs...) {
		if id == "" {
			continue
		}
		for _, e := range ix.byID[strings.ToUpper(id)] {
			if seen[e] {
				continue
			}
			seen[e] = true
			if !e.s.appliesTo(&pkg) {
				continue
			}
			if best == nil || e.s.Timestamp.After(best.s.Timestamp) ||
				(e.s.Timestamp.Equal(best.s.Timestamp) && e.seq > best.seq) {
				best = e
			}
		}
	}
	if best == nil {
		return nil
	}
	s := best.s
	return &s
}

func (s *Statement) appliesTo(pkg *packageurl.PackageURL) bool {
	for i := range s.Products {
		p := &s.Products[i]
		if p.names(pkg) {
			return true
		}
		for j := range p.Subcomponents {
			if p.Subcomponents[j].names(pkg) {
				return true
			}
		}
	}
	return false
}

func (c *Component) names(pkg *packageurl.PackageURL) bool {
	for i := range c.purls {
		if purlCovers(&c.purls[i], pkg) {
			return true
		}
	}
	return false
}

// purlCovers reports whether the purl p, as a product, covers the package pkg: equal type,
// namespace and name, and equal version, qualifiers and subpath where p gives them.
func purlCovers(p, pkg *packageurl.PackageURL) bool {
	if p.Type != pkg.Type || p.Namespace != pkg.Namespace || p.Name != pkg.Name {
		return false
	}
	if p.Version != "" && p.Version != pkg.Version {
		return false
	}
	if p.Subpath != "" && p.Subpath != pkg.Subpath {
		return false
	}
	if len(p.Qualifiers) == 0 {
		return true
	}
	have := pkg.Qualifiers.Map()
	for _, q := range p.Qualifiers {
		if v, ok := have[q.Key]; !ok || v != q.Value {
			return false
		}
	}
	return true
}
