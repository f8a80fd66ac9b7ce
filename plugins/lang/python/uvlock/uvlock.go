// Package uvlock reads uv.lock, the lock file of uv: a TOML document with one [[package]]
// table per locked package (name, version, source, dependencies, ...), the project itself
// included.
//
// The project and the other members of its workspace are the roots of the dependency
// graph, not dependencies: a package whose source is `virtual` or `editable = "."`, and the
// members [manifest] names. They are not reported. Other packages are, whatever their
// source (an index, git, a URL, a local path).
//
// The graph tells how each package is needed, so the analyzer says it:
//   - Indirect: not a dependency of a root (in its dependencies, optional-dependencies or
//     dev-dependencies).
//   - Dev: reachable from the roots only through their development dependencies:
//     [package.dev-dependencies] (dependency groups, uv's dev-dependencies), or an extra
//     with a conventional development name ("dev", "test", "lint", "docs", ...; see
//     pypi.DevGroup, the rule pdmlock follows too). Other extras are optional production
//     dependencies.
//
// Markers are not evaluated: a dependency counts whatever platform it is for, since the
// lock file serves every platform. Without roots (a lock file cut from its project) the
// analyzer says neither.
package uvlock

import (
	"fmt"
	"io"
	"path"

	"github.com/trawlscan/trawl/plugins/lang/internal/collect"
	"github.com/trawlscan/trawl/plugins/lang/internal/tomltree"
	"github.com/trawlscan/trawl/plugins/lang/python/internal/pypi"
	"github.com/trawlscan/trawl/sdk"
)

// MaxSize is the largest file read (manifest.json). A uv.lock lists every wheel of every
// package (the 316 packages of a real project take 705 KB): 16 MiB is several thousand
// packages.
const MaxSize = 16 << 20

// skip leaves out of the tree what the analyzer never reads: the files and hashes of each
// package and the metadata that repeats its requirements.
func skip(p []string) bool {
	if p[0] != "package" {
		return false
	}
	switch p[1] {
	case "sdist", "wheels", "metadata":
		return true
	}
	return false
}

// pkg is one [[package]] table.
type pkg struct {
	name, version string
	line          int
	table         *tomltree.Value
	root          bool
	// What the graph walk found.
	prod, dev, direct bool
	// problem says why an entry of the array is not a package.
	problem string
}

// dep is one dependency edge: a package name, the version when the lock file pins which
// of several packages of that name is meant, and the extras asked for.
type dep struct {
	name, version string
	extras        []string
}

// Parse reads a uv.lock from r. p is the file's path, used in the packages' locations and
// in problems. The error is for a file that cannot be read or is not a uv.lock (not TOML,
// empty, no version and no [[package]]).
func Parse(p string, r io.Reader) (*collect.Result, error) {
	data, err := collect.ReadAll(p, r, MaxSize)
	if err != nil {
		return nil, err
	}
	root, err := tomltree.ParseFile(p, "a uv.lock", data, tomltree.Options{Skip: skip})
	if err != nil {
		return nil, err
	}
	arr := root.Get("package")
	if arr == nil && root.Get("version") == nil {
		return nil, fmt.Errorf("%s: not a uv.lock: no version and no [[package]]", p)
	}
	if arr != nil && arr.Kind != tomltree.Array {
		return nil, fmt.Errorf("%s:%d: not a uv.lock: package is %s, not an array of tables", p, arr.Line, arr.Describe())
	}
	b := pypi.NewBuilder(p)
	// Entries that are not packages are kept in the list, so that problems come in the
	// order of the file.
	var all, pkgs []*pkg
	if arr != nil {
		for _, t := range arr.Items {
			if t.Kind != tomltree.Table {
				all = append(all, &pkg{line: t.Line, problem: fmt.Sprintf("package entry is %s, not a table; skipped", t.Describe())})
				continue
			}
			name, ok := t.String("name")
			if !ok || name == "" {
				all = append(all, &pkg{line: t.Line, problem: "package without a name, skipped"})
				continue
			}
			version, _ := t.String("version")
			q := &pkg{name: name, version: version, line: t.Get("name").Line, table: t}
			all = append(all, q)
			pkgs = append(pkgs, q)
		}
	}
	g := newGraph(pkgs, root.Get("manifest"))
	g.walk()
	for _, q := range all {
		if q.problem != "" {
			b.Problemf(q.line, "%s", q.problem)
			continue
		}
		if q.root {
			continue
		}
		if q.version == "" {
			b.Unresolved(q.line, q.name, collect.Redact(sourceOf(q.table)+", no version"))
			continue
		}
		b.Add(q.line, sdk.Package{
			Name:     q.name,
			Version:  q.version,
			Dev:      g.hasRoots && q.dev && !q.prod,
			Indirect: g.hasRoots && !q.direct,
		})
	}
	return b.Result(), nil
}

// sourceOf describes where a package comes from, for a message.
func sourceOf(t *tomltree.Value) string {
	src := t.Get("source")
	if src == nil || src.Kind != tomltree.Table || len(src.Keys) == 0 {
		return "no source"
	}
	kind := src.Keys[0]
	if s, ok := src.String(kind); ok {
		return kind + " " + s
	}
	return kind
}

// graph is the dependency graph of the lock file.
type graph struct {
	pkgs     []*pkg
	byName   map[string][]*pkg
	hasRoots bool
	// seen holds the (package, extra) pairs walked, "" standing for the package itself.
	seen map[*pkg]map[string]bool
	// manifestProd and manifestDev are the requirements of a workspace without a root
	// project ([manifest] requirements and dependency-groups).
	manifestProd, manifestDev []dep
}

func newGraph(pkgs []*pkg, manifest *tomltree.Value) *graph {
	g := &graph{pkgs: pkgs, byName: map[string][]*pkg{}}
	for _, q := range pkgs {
		n := pypi.Normalize(q.name)
		g.byName[n] = append(g.byName[n], q)
	}
	members := map[string]bool{}
	for _, m := range manifest.Strings("members") {
		members[pypi.Normalize(m)] = true
	}
	for _, q := range pkgs {
		src := q.table.Get("source")
		if src.Get("virtual") != nil || members[pypi.Normalize(q.name)] {
			q.root = true
		}
		if e, ok := src.String("editable"); ok && path.Clean(e) == "." {
			q.root = true
		}
		g.hasRoots = g.hasRoots || q.root
	}
	if manifest != nil {
		g.manifestProd = deps(manifest.Get("requirements"))
		for _, group := range tables(manifest.Get("dependency-groups")) {
			g.manifestDev = append(g.manifestDev, deps(group)...)
		}
		if len(g.manifestProd)+len(g.manifestDev) > 0 {
			g.hasRoots = true
		}
	}
	return g
}

// walk marks every package reachable from the roots: first through their production
// dependencies, then through their development ones.
func (g *graph) walk() {
	var prod, dev []dep
	prod = append(prod, g.manifestProd...)
	dev = append(dev, g.manifestDev...)
	for _, q := range g.pkgs {
		if !q.root {
			continue
		}
		prod = append(prod, deps(q.table.Get("dependencies"))...)
		opt := q.table.Get("optional-dependencies")
		for i, extra := range keys(opt) {
			if pypi.DevGroup(extra) {
				dev = append(dev, deps(opt.Vals[i])...)
			} else {
				prod = append(prod, deps(opt.Vals[i])...)
			}
		}
		for _, group := range tables(q.table.Get("dev-dependencies")) {
			dev = append(dev, deps(group)...)
		}
	}
	for _, d := range append(prod[:len(prod):len(prod)], dev...) {
		for _, q := range g.resolve(d) {
			q.direct = true
		}
	}
	g.seen = map[*pkg]map[string]bool{}
	g.reach(prod, func(q *pkg) { q.prod = true })
	g.seen = map[*pkg]map[string]bool{}
	g.reach(dev, func(q *pkg) { q.dev = true })
}

// reach marks every package reachable from the given dependencies, following the
// dependencies of each package and of the extras asked of it. It keeps its own work list,
// so that a deep graph cannot exhaust the stack.
func (g *graph) reach(start []dep, mark func(*pkg)) {
	type item struct {
		q     *pkg
		extra string
	}
	var work []item
	push := func(d dep) {
		for _, q := range g.resolve(d) {
			for _, e := range append([]string{""}, d.extras...) {
				if g.seen[q][e] {
					continue
				}
				if g.seen[q] == nil {
					g.seen[q] = map[string]bool{}
				}
				g.seen[q][e] = true
				work = append(work, item{q, e})
			}
		}
	}
	for _, d := range start {
		push(d)
	}
	for len(work) > 0 {
		it := work[len(work)-1]
		work = work[:len(work)-1]
		if it.q.root {
			continue // a workspace member is walked as a root
		}
		mark(it.q)
		var next []dep
		if it.extra == "" {
			next = deps(it.q.table.Get("dependencies"))
		} else {
			next = deps(it.q.table.Get("optional-dependencies").Get(it.extra))
		}
		for _, d := range next {
			push(d)
		}
	}
}

// resolve returns the packages a dependency names: those of its name, narrowed to its
// version when it gives one.
func (g *graph) resolve(d dep) []*pkg {
	cands := g.byName[pypi.Normalize(d.name)]
	if d.version == "" || len(cands) < 2 {
		return cands
	}
	var out []*pkg
	for _, q := range cands {
		if q.version == d.version {
			out = append(out, q)
		}
	}
	return out
}

// deps reads an array of dependency tables ({ name = "x", version = "1", extra = [...] }).
func deps(v *tomltree.Value) []dep {
	if v == nil || v.Kind != tomltree.Array {
		return nil
	}
	var out []dep
	for _, t := range v.Items {
		name, ok := t.String("name")
		if !ok || name == "" {
			continue
		}
		version, _ := t.String("version")
		out = append(out, dep{name: name, version: version, extras: t.Strings("extra")})
	}
	return out
}

// keys returns the keys of a table, nil for anything else.
func keys(v *tomltree.Value) []string {
	if v == nil || v.Kind != tomltree.Table {
		return nil
	}
	return v.Keys
}

// tables returns the values of a table's keys (the groups of a dev-dependencies table).
func tables(v *tomltree.Value) []*tomltree.Value {
	if v == nil || v.Kind != tomltree.Table {
		return nil
	}
	return v.Vals
}
