package pomxml

import (
	"bytes"
	slashpath "path"
	"strings"

	"github.com/trawlscan/trawl/plugins/lang/internal/collect"
)

// File is one POM of a tree.
type File struct {
	Path string
	Data []byte
}

// Answer is what ParseProject made of one file: a result, or the error of a file that is
// not a POM.
type Answer struct {
	Path   string
	Result *collect.Result
	Err    error
}

// maxLineage bounds a chain of parents (Maven has no limit; real ones are a few deep).
const maxLineage = 32

// ParseProject reads the POMs of one tree together, so that each is resolved with what it
// inherits from the others, as Maven builds a multi-module project:
//
//   - A POM's parent is the file its <relativePath> names (a directory means its pom.xml;
//     "../pom.xml" when absent; an empty element means no local parent), if that file has
//     the parent's groupId and artifactId and, when both are literal, its version. Otherwise
//     it is the one POM of the tree with the parent's coordinates, if there is exactly one.
//     Parents of parents follow, until one is missing or has no parent.
//   - Properties and dependencyManagement are inherited (a POM's own win), and a ${...} is
//     resolved in the context of the POM that uses it (project.version is the child's).
//   - A BOM that a dependencyManagement imports (scope import), when the tree holds it,
//     gives its effective entries, resolved in its own context, for the keys left.
//
// Each file reports the dependencies it declares, as Parse does; the ones it inherits are
// reported by the file that declares them. What still comes from a POM outside the tree is
// unresolved, naming the first missing ancestor or BOM.
func ParseProject(files []File) []Answer {
	pj := &project{byPath: map[string]*parser{}, byGA: map[string][]*parser{}, mgmt: map[*parser]map[string]resolved{}, busy: map[*parser]bool{}, versions: map[*parser]string{}}
	answers := make([]Answer, len(files))
	poms := make([]*parser, len(files))
	for i, f := range files {
		answers[i].Path = f.Path
		p, err := read(f.Path, bytes.NewReader(f.Data))
		if err != nil {
			answers[i].Err = err
			continue
		}
		poms[i] = p
		pj.byPath[f.Path] = p
		g, a, _ := coordinates(p)
		pj.byGA[g+":"+a] = append(pj.byGA[g+":"+a], p)
	}
	for i, p := range poms {
		if p != nil {
			answers[i].Result = p.resolve(pj.lineage(p))
		}
	}
	return answers
}

type project struct {
	byPath map[string]*parser
	byGA   map[string][]*parser // by groupId:artifactId as written
	// mgmt caches the effective dependencyManagement of POMs imported as BOMs; busy
	// catches BOMs that import themselves.
	mgmt map[*parser]map[string]resolved
	busy map[*parser]bool
	// versions caches interpolatedVersion.
	versions map[*parser]string
}

// coordinates are a POM's groupId, artifactId and version as written, the groupId and
// version taken from its parent element when it has none of its own.
func coordinates(p *parser) (g, a, v string) {
	g, a, v = p.self[0], p.self[1], p.self[2]
	if g == "" {
		g = p.parent[0]
	}
	if v == "" {
		v = p.parent[2]
	}
	return g, a, v
}

func (pj *project) lineage(p *parser) *lineage {
	lin := &lineage{imported: pj.imported}
	seen := map[*parser]bool{p: true}
	for cur := p; cur.hasParent; {
		next := pj.parentOf(cur)
		if next == nil || seen[next] || len(lin.ancestors) == maxLineage {
			lin.missing = strings.Join(cur.parent[:], ":")
			break
		}
		seen[next] = true
		lin.ancestors = append(lin.ancestors, next)
		cur = next
	}
	return lin
}

// parentOf finds the parent of p in the tree, nil when it is not there.
func (pj *project) parentOf(p *parser) *parser {
	matches := func(q *parser) bool {
		g, a, v := coordinates(q)
		if g != p.parent[0] || a != p.parent[1] {
			return false
		}
		literal := !strings.Contains(v, "${") && !strings.Contains(p.parent[2], "${")
		return !literal || p.parent[2] == "" || v == p.parent[2]
	}
	rel := "../pom.xml"
	if p.hasRelPath {
		rel = p.relPath
	}
	if rel != "" {
		rel = strings.ReplaceAll(rel, "\\", "/")
		if !strings.HasSuffix(rel, ".xml") {
			rel = strings.TrimSuffix(rel, "/") + "/pom.xml"
		}
		// A path that climbs above the tree (or is absolute) is not in it.
		if !slashpath.IsAbs(rel) {
			if q := pj.byPath[slashpath.Join(slashpath.Dir(p.path), rel)]; q != nil && q != p && matches(q) {
				return q
			}
		}
	}
	var found *parser
	for _, q := range pj.byGA[p.parent[0]+":"+p.parent[1]] {
		if q != p && matches(q) {
			if found != nil {
				return nil // ambiguous
			}
			found = q
		}
	}
	return found
}

// imported returns the effective dependencyManagement of the BOM with these coordinates
// (groupId:artifactId:version, resolved) if the tree holds exactly one POM that has them.
func (pj *project) imported(gav string) map[string]resolved {
	g, rest, _ := strings.Cut(gav, ":")
	a, v, _ := strings.Cut(rest, ":")
	var bom *parser
	for _, q := range pj.byGA[g+":"+a] {
		_, _, qv := coordinates(q)
		if qv == v || strings.Contains(qv, "${") && q.interpolatedVersion(pj) == v {
			if bom != nil {
				return nil
			}
			bom = q
		}
	}
	if bom == nil || pj.busy[bom] {
		return nil
	}
	if m, ok := pj.mgmt[bom]; ok {
		return m
	}
	pj.busy[bom] = true
	in, mgmt, _ := bom.effective(pj.lineage(bom))
	delete(pj.busy, bom)
	// The entries are resolved here, in the BOM's context, not in the importer's.
	out := make(map[string]resolved, len(mgmt))
	for k, r := range mgmt {
		v, why := in.expand(r.version, 0)
		s, _ := in.expand(r.scope, 0)
		if why != "" || v == "" {
			continue
		}
		r.version, r.scope = v, s
		out[k] = r
	}
	pj.mgmt[bom] = out
	return out
}

// interpolatedVersion is the POM's version with its properties resolved (CI-friendly
// versions: <version>${revision}</version>), "" when it cannot be.
func (p *parser) interpolatedVersion(pj *project) string {
	if v, ok := pj.versions[p]; ok {
		return v
	}
	_, _, v := coordinates(p)
	if pj.busy[p] {
		return ""
	}
	pj.busy[p] = true
	in, _, _ := p.effective(pj.lineage(p))
	delete(pj.busy, p)
	out, why := in.expand(v, 0)
	if why != "" {
		out = ""
	}
	pj.versions[p] = out
	return out
}
