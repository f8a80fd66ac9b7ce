// Package bunlock reads bun.lock, the text lock file of Bun (the default since Bun 1.2; the
// older binary bun.lockb is not read). It is JSONC: JSON with comments and trailing commas.
//
// "workspaces" maps the folder of the project ("") and of each workspace to what its
// package.json declares: name, dependencies, devDependencies, optionalDependencies,
// peerDependencies. "packages" maps the install path of each package to an array whose
// first element says where it comes from: "name@1.2.3" for the registry (then the
// registry, the dependency info and the integrity), "name@github:user/repo#sha",
// "name@git+...", "name@file:dir", "name@link:dir", "name@https://...tgz",
// "name@workspace:dir" or "name@root:". The install path is the package's folder name
// under node_modules, after the path of the package it is nested under ("chalk/ansi-styles"
// is ansi-styles installed under chalk); a package installed under an alias has the alias
// as its path and its real name in the first element, and is reported under the real name.
//
// What is reported:
//   - every registry package, with the line of its key;
//   - git, tarball and local packages as unresolved: the lock gives them no version;
//   - workspaces and the root are the project's own code and are not reported.
//
// A package is direct when a workspace declares it and it resolves to that entry the way
// Bun lays out node_modules (the nearest path up from the declaring package); every other
// package is indirect. Dev marks the packages that only development dependencies lead to:
// the lock gives each package's dependencies, so the packages reachable from the
// workspaces' dependencies, optionalDependencies and peerDependencies are production ones,
// and those reachable only from devDependencies are development-only. A file without
// "workspaces" does not say what the project declares: then only nested packages are
// indirect and none is development-only.
//
// A bun.lock inside a node_modules directory came with an installed package and is not
// what Bun installed from: such a file gives an empty result. An empty file, or one that is
// not a JSON object with "lockfileVersion", "workspaces" or "packages", is an error, as it
// is for Bun. The file is read whole (bounded by MaxSize), its comments and trailing commas
// blanked in place (lines are kept), checked to be JSON, and taken apart by a scan of its
// bytes.
package bunlock

import (
	"bytes"
	"fmt"
	"io"
	"strings"

	"github.com/trawlscan/trawl/plugins/lang/internal/collect"
	"github.com/trawlscan/trawl/plugins/lang/node/internal/jsonwalk"
	"github.com/trawlscan/trawl/plugins/lang/node/internal/npm"
	"github.com/trawlscan/trawl/sdk"
)

// MaxSize is the largest file read (manifest.json). bun.lock gives a package one line of
// about 250 bytes: 16 MiB is over sixty thousand packages, several times the largest
// monorepos.
const MaxSize = 16 << 20

const kind = "bun.lock file"

// maxDepth bounds the nesting of install paths that is read, so that resolving a name takes
// a bounded number of steps. Bun nests a package only where its version conflicts with the
// one above, so real paths are a few packages deep.
const maxDepth = 32

// Parse reads a bun.lock from r. path is the file's path, used in the packages' locations
// and in problems. The error is for a file that cannot be read or is not a bun.lock at all.
func Parse(path string, r io.Reader) (*collect.Result, error) {
	data, err := collect.ReadAll(path, r, MaxSize)
	if err != nil {
		return nil, err
	}
	b := npm.NewBuilder(path)
	if npm.InNodeModules(path) {
		return b.Result(), nil
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, fmt.Errorf("%s: empty file, not a %s", path, kind)
	}
	jsonwalk.StripJSONC(data)
	p := &parser{w: jsonwalk.New(path, kind, data), data: data, b: b, nodes: []tnode{{}}, nodeIDs: map[string]int{}}
	if err := p.parse(); err != nil {
		return nil, err
	}
	p.report()
	return b.Result(), nil
}

type parser struct {
	w    *jsonwalk.Walker
	data []byte
	b    *collect.Builder

	workspaces []*workspace
	// hasWS says whether the file has a "workspaces" object, that is, whether it says what
	// the project declares.
	hasWS bool
	pkgs  []*pkg
	// nodes is the install tree, node 0 its top; nodeIDs indexes it by install path.
	nodes   []tnode
	nodeIDs map[string]int
}

// workspace is what one workspace declares.
type workspace struct {
	line int
	name string
	// prod are the names of its dependencies, optionalDependencies and peerDependencies;
	// dev those of its devDependencies.
	prod, dev []string
}

// pkg is one entry of "packages".
type pkg struct {
	line int
	// node is the package's folder in the install tree, last its name there (the
	// alias, for a package installed under one).
	node int
	last string
	// name and version are set for a registry package.
	name, version string
	// deps are the names the package depends on (dependencies, optionalDependencies,
	// peerDependencies).
	deps []string
	// reach says which kinds of dependency of the workspaces lead to the package.
	reach uint8
	// direct is set when a workspace declares the package.
	direct bool
}

const (
	reachProd = 1 << iota
	reachDev
)

func (p *parser) parse() error {
	// The file is checked once and then taken apart by a scan of its bytes, which is faster
	// than encoding/json's token API and copies nothing but keys.
	if err := p.w.Validate(); err != nil {
		return err
	}
	top, _ := jsonwalk.Members(p.data)
	sections := 0
	for _, m := range top {
		line := p.w.LineAt(m.Offset + 1)
		switch m.Key {
		case "lockfileVersion":
			sections++
			if v := string(m.Value); v != "0" && v != "1" && v != "2" {
				p.b.Problemf(line, "lockfileVersion %s is not 0, 1 or 2; read as version 1", collect.Quote(v))
			}
		case "workspaces":
			sections++
			p.readWorkspaces(line, m.ValueOffset, m.Value)
		case "packages":
			sections++
			p.readPackages(line, m.ValueOffset, m.Value)
		}
	}
	if sections == 0 {
		return fmt.Errorf("%s: not a %s: no lockfileVersion, workspaces or packages", p.b.Path(), kind)
	}
	return nil
}

// depGroups are the fields of a workspace that declare dependencies, and whether they are
// development ones.
var depGroups = []struct {
	field string
	dev   bool
}{{"dependencies", false}, {"devDependencies", true}, {"optionalDependencies", false}, {"peerDependencies", false}}

// readWorkspaces reads the "workspaces" section, raw, found at offset base in the file.
func (p *parser) readWorkspaces(line, base int, raw []byte) {
	members, ok := jsonwalk.Members(raw)
	if !ok {
		p.b.Problemf(line, "workspaces is %s, not an object; ignored", jsonwalk.Kind(raw))
		return
	}
	p.hasWS = true
	for _, m := range members {
		line := p.w.LineAt(base + m.Offset + 1)
		fields, ok := jsonwalk.Members(m.Value)
		if !ok {
			p.b.Problemf(line, "workspace %s is %s, not an object; ignored", collect.Quote(m.Key), jsonwalk.Kind(m.Value))
			continue
		}
		ws := &workspace{line: line}
		for _, f := range fields {
			if f.Key == "name" {
				ws.name, _ = jsonwalk.String(f.Value)
				continue
			}
			for _, g := range depGroups {
				if f.Key != g.field || jsonwalk.Kind(f.Value) == "null" {
					continue
				}
				deps, ok := jsonwalk.Members(f.Value)
				if !ok {
					p.b.Problemf(line, "%s of workspace %s are %s, not an object; ignored", g.field, collect.Quote(m.Key), jsonwalk.Kind(f.Value))
				}
				for _, d := range deps {
					if g.dev {
						ws.dev = append(ws.dev, d.Key)
					} else {
						ws.prod = append(ws.prod, d.Key)
					}
				}
			}
		}
		p.workspaces = append(p.workspaces, ws)
	}
}

// readPackages reads the "packages" section, raw, found at offset base in the file.
func (p *parser) readPackages(line, base int, raw []byte) {
	members, ok := jsonwalk.Members(raw)
	if !ok {
		p.b.Problemf(line, "packages is %s, not an object; ignored", jsonwalk.Kind(raw))
		return
	}
	for _, m := range members {
		line := p.w.LineAt(base + m.Offset + 1)
		arr, ok := jsonwalk.Elements(m.Value)
		if !ok || len(arr) == 0 {
			p.b.Problemf(line, "package %s is not an array of its resolution and info; skipped", collect.Quote(m.Key))
			continue
		}
		p.entry(m.Key, line, arr)
	}
}

// depFields are the fields of a package's info that lead to other packages.
var depFields = map[string]bool{"dependencies": true, "optionalDependencies": true, "peerDependencies": true}

// entry reads one package's array, keeping what the report needs.
func (p *parser) entry(key string, line int, arr [][]byte) {
	ident, ok := jsonwalk.String(arr[0])
	if !ok {
		p.b.Problemf(line, "package %s: the first element is not a \"name@resolution\" string; skipped", collect.Quote(key))
		return
	}
	name, spec, ok := npm.SplitSpec(ident)
	if !ok || spec == "" {
		p.b.Problemf(line, "package %s: %s is not \"name@resolution\"; skipped", collect.Quote(key), collect.Quoted(ident))
		return
	}
	segs := segments(key)
	if len(segs) == 0 || len(segs) > maxDepth {
		p.b.Problemf(line, "package %s: install path empty or nested more than %d deep; skipped", collect.Quote(key), maxDepth)
		return
	}
	e := &pkg{line: line, last: segs[len(segs)-1]}
	// The info object follows the resolution, after the registry for a registry package.
	for _, raw := range arr[1:] {
		if info, ok := jsonwalk.Members(raw); ok {
			for _, m := range info {
				if !depFields[m.Key] {
					continue
				}
				deps, _ := jsonwalk.Members(m.Value)
				for _, d := range deps {
					e.deps = append(e.deps, d.Key)
				}
			}
			break
		}
	}
	switch {
	case strings.HasPrefix(spec, "workspace:") || strings.HasPrefix(spec, "root:"):
		// The project's own code; kept so that what it depends on resolves.
	case npm.CheckName(name) != "":
		p.b.Problemf(line, "package name %s: %s; skipped", collect.Quote(name), npm.CheckName(name))
		return
	default:
		v, ok := npm.Version(spec)
		if !ok {
			p.b.Unresolved(line, ident, npm.Why(spec))
			break
		}
		e.name, e.version = name, v
	}
	e.node = p.node(key)
	parent := &p.nodes[p.nodes[e.node].parent]
	if i, dup := parent.children[e.last]; dup {
		p.pkgs[i] = e // a key given twice: the last one counts, as in JavaScript
		return
	}
	if parent.children == nil {
		parent.children = map[string]int{}
	}
	parent.children[e.last] = len(p.pkgs)
	p.pkgs = append(p.pkgs, e)
}

// report marks what the workspaces lead to and adds the registry packages.
func (p *parser) report() {
	if p.hasWS {
		p.walk()
	}
	for _, e := range p.pkgs {
		if e.version == "" {
			continue
		}
		indirect := !e.direct
		if !p.hasWS {
			indirect = p.nodes[e.node].parent != 0
		}
		p.b.Add(e.line, sdk.Package{Name: e.name, Version: e.version, Indirect: indirect, Dev: e.reach == reachDev})
	}
}

// walk marks the packages the workspaces declare as direct, and every package with the
// kinds of dependency that lead to it, breadth first: each package is queued at most once
// for each kind, so the walk is linear in the dependencies listed (times the depth of the
// tree, at most maxDepth).
func (p *parser) walk() {
	type item struct {
		i    int
		kind uint8
	}
	var queue []item
	mark := func(i int, kind uint8) {
		if p.pkgs[i].reach&kind == 0 {
			p.pkgs[i].reach |= kind
			queue = append(queue, item{i, kind})
		}
	}
	for _, ws := range p.workspaces {
		// A workspace's own dependencies are installed under its name.
		from := p.nodeIDs[ws.name]
		for _, names := range []struct {
			list []string
			kind uint8
		}{{ws.prod, reachProd}, {ws.dev, reachDev}} {
			for _, n := range names.list {
				if i, ok := p.resolve(from, n); ok {
					p.pkgs[i].direct = true
					mark(i, names.kind)
				}
			}
		}
	}
	for len(queue) > 0 {
		it := queue[0]
		queue = queue[1:]
		e := p.pkgs[it.i]
		for _, n := range e.deps {
			if j, ok := p.resolve(e.node, n); ok {
				mark(j, it.kind)
			}
		}
	}
}

// resolve returns the package that name resolves to from the folder of node: name
// installed under it, or under each of its parents in turn, or at the top.
func (p *parser) resolve(node int, name string) (int, bool) {
	for {
		n := &p.nodes[node]
		if i, ok := n.children[name]; ok {
			return i, true
		}
		if node == 0 {
			return 0, false
		}
		node = n.parent
	}
}

// tnode is a folder of the install tree: the top (node 0) or a package's install path.
type tnode struct {
	parent int
	// children are the packages installed directly under the folder, by name.
	children map[string]int
}

// node returns the node of an install path, making it and its parents as needed.
func (p *parser) node(key string) int {
	if key == "" {
		return 0
	}
	if id, ok := p.nodeIDs[key]; ok {
		return id
	}
	segs := segments(key)
	parent := strings.TrimSuffix(key[:len(key)-len(segs[len(segs)-1])], "/")
	pid := p.node(parent)
	id := len(p.nodes)
	p.nodes = append(p.nodes, tnode{parent: pid})
	p.nodeIDs[key] = id
	return id
}

// segments splits an install path into the package names it is made of: "a/@s/b/c" is
// "a", "@s/b", "c".
func segments(key string) []string {
	if key == "" {
		return nil
	}
	parts := strings.Split(key, "/")
	out := parts[:0]
	for i := 0; i < len(parts); i++ {
		s := parts[i]
		if strings.HasPrefix(s, "@") && i+1 < len(parts) {
			s += "/" + parts[i+1]
			i++
		}
		out = append(out, s)
	}
	return out
}
