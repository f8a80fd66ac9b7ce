// Package packagelock reads package-lock.json and npm-shrinkwrap.json, the lock files of
// npm (the two have the same format; a shrinkwrap is the one a package may publish). npm
// writes three versions of the format:
//
//   - lockfileVersion 1 (npm 5 and 6): "dependencies" maps each package name to
//     {"version", "resolved", "dev", "optional", "requires", "dependencies"}, the nested
//     "dependencies" being the packages installed under that package's own node_modules.
//   - lockfileVersion 3 (npm 9 and later): "packages" maps the path of each installed
//     package ("node_modules/a/node_modules/@s/b") to {"version", "resolved", "dev",
//     "optional", "devOptional", "link", "name", "dependencies", ...}; the "" entry is the
//     project itself.
//   - lockfileVersion 2 (npm 7 and 8) holds both; "packages" is read and the legacy
//     "dependencies" skipped.
//
// The file says which format it is by having "packages" or not, whatever its
// lockfileVersion (some files in the wild say 2 and hold only "dependencies").
//
// What is reported, for "packages":
//   - Each entry under a node_modules directory is a package, named by the last
//     "node_modules/" element of its path, or by its "name" when it has one (an alias
//     installed as "node_modules/alias" with "name": "real" is the package "real").
//   - Dev is the entry's "dev" flag. "devOptional" (needed in development, and optionally in
//     production) and "optional" are not development-only.
//   - A package is direct (Indirect false) when the project, or one of its workspaces,
//     declares it in dependencies, devDependencies, optionalDependencies or
//     peerDependencies and it resolves to that entry the way Node.js resolves it (the
//     nearest node_modules up from the declaring folder). Every other package is indirect.
//     A file without the "" entry does not say what the project declares: then only the
//     packages nested under another package are indirect.
//   - "link": true entries are symlinks to folders, not packages: skipped. The folders they
//     point to are the project's own code. A workspace (a folder the root's "workspaces"
//     patterns match) is the project itself and is not reported, as the "" entry is not;
//     its own node_modules entries are. Any other folder outside node_modules is a local
//     directory dependency ("file:../lib"): reported under its name with the lock's
//     version, since that is what npm installs; unresolved without a version.
//   - An entry from git, a tarball URL or a local tarball is reported with its version
//     when the lock gives a semantic version; without one it is unresolved.
//
// For "dependencies" (version 1) every entry is a package; the version field of a git,
// tarball or local dependency is its URL or path, so those are unresolved, and an alias's
// is "npm:real@1.2.3", reported as the package "real". Packages nested under another are
// indirect; the top-level ones are not marked, since version 1 does not record what the
// project declares.
//
// A lock file inside a node_modules directory came with an installed package: npm ignores
// a dependency's package-lock.json (it is not installed from), and the packages of a
// dependency's npm-shrinkwrap.json are installed into node_modules, where the installed
// package analyzer finds them. Such a file gives an empty result rather than packages that
// may not be installed.
//
// An empty file, or one that is not a JSON object with "packages", "dependencies" or
// "lockfileVersion", is an error (npm refuses it too); a lock with none of its sections
// filled is an empty result. Each package keeps the line of its key. The file is read whole
// (bounded by MaxSize), checked to be JSON, and taken apart by a scan of its bytes.
package packagelock

import (
	"bytes"
	"fmt"
	"io"
	"path"
	"strings"

	"github.com/trawlscan/trawl/plugins/lang/internal/collect"
	"github.com/trawlscan/trawl/plugins/lang/node/internal/jsonwalk"
	"github.com/trawlscan/trawl/plugins/lang/node/internal/npm"
	"github.com/trawlscan/trawl/sdk"
)

// MaxSize is the largest file read (manifest.json). A package-lock.json lists about 500
// bytes a package (twice that in version 2, which keeps both sections): 32 MiB is tens of
// thousands of packages, several times the largest monorepo locks.
const MaxSize = 32 << 20

// maxDepth bounds the nesting of version 1 "dependencies" that is read. npm nests a
// package only where its version conflicts with the one above, so real trees stay a few
// levels deep.
const maxDepth = 64

const kind = "package-lock file"

// Parse reads a package-lock.json or npm-shrinkwrap.json from r. path is the file's path,
// used in the packages' locations and in problems. The error is for a file that cannot be
// read or is not a package-lock file at all.
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
	p := &parser{w: jsonwalk.New(path, kind, data), b: b}
	if err := p.parse(data); err != nil {
		return nil, err
	}
	return b.Result(), nil
}

type parser struct {
	w *jsonwalk.Walker
	b *collect.Builder

	// v1 holds what the "dependencies" section says, in the order of the file.
	v1 []record
	// entries are the "packages" entries in the order of the file; byKey indexes them.
	entries []*entry
	byKey   map[string]int
	// byParent maps the folder a node_modules directory is in ("" for the project's) to the
	// names installed there and their keys.
	byParent map[string]map[string]string
}

// record is one finding of version 1.
type record struct {
	line          int
	pkg           sdk.Package // Name and Version set: a package
	what, why     string      // an unresolved dependency
	problem       string      // an entry that was skipped
	dev, indirect bool
}

// section is a member of the top-level object: its value and where it is.
type section struct {
	raw          []byte
	line, offset int
}

func (p *parser) parse(data []byte) error {
	// The file is checked once and then taken apart by a scan of its bytes, which copies
	// nothing but keys and matches them exactly (encoding/json's decoder matches them
	// regardless of case).
	if err := p.w.Validate(); err != nil {
		return err
	}
	top, _ := jsonwalk.Members(data)
	var packages, dependencies *section
	formats := 0
	for _, m := range top {
		line := p.w.LineAt(m.Offset + 1)
		// A key given twice: the last one counts, as in JavaScript.
		switch m.Key {
		case "lockfileVersion":
			formats++
			if v := string(m.Value); v != "1" && v != "2" && v != "3" {
				p.b.Problemf(line, "lockfileVersion %s is not 1, 2 or 3; read as the format its sections say", collect.Quote(v))
			}
		case "packages":
			formats++
			packages = &section{m.Value, line, m.ValueOffset}
		case "dependencies":
			formats++
			dependencies = &section{m.Value, line, m.ValueOffset}
		}
	}
	if formats == 0 {
		return fmt.Errorf("%s: not a %s: no lockfileVersion, packages or dependencies", p.b.Path(), kind)
	}
	if packages != nil {
		if members, ok := jsonwalk.Members(packages.raw); ok {
			p.packages(packages.offset, members)
			p.report()
			return nil
		}
		p.b.Problemf(packages.line, "packages is %s, not an object; ignored", jsonwalk.Kind(packages.raw))
	}
	if dependencies != nil {
		members, ok := jsonwalk.Members(dependencies.raw)
		if !ok {
			p.b.Problemf(dependencies.line, "dependencies is %s, not an object; ignored", jsonwalk.Kind(dependencies.raw))
			return nil
		}
		p.dependencies(dependencies.offset, members, 0)
	}
	for _, r := range p.v1 {
		switch {
		case r.problem != "":
			p.b.Problemf(r.line, "%s", r.problem)
		case r.what != "":
			p.b.Unresolved(r.line, r.what, r.why)
		default:
			r.pkg.Dev, r.pkg.Indirect = r.dev, r.indirect
			p.b.Add(r.line, r.pkg)
		}
	}
	return nil
}

// dependencies reads the members of a version 1 "dependencies" object found at offset base
// in the file: the packages installed in one node_modules directory, at the given depth
// below the project's.
func (p *parser) dependencies(base int, members []jsonwalk.Member, depth int) {
	for _, m := range members {
		line := p.w.LineAt(base + m.Offset + 1)
		fields, ok := jsonwalk.Members(m.Value)
		if !ok {
			p.v1 = append(p.v1, record{line: line, problem: fmt.Sprintf("package %s is %s, not an object; skipped", collect.Quote(m.Key), jsonwalk.Kind(m.Value))})
			continue
		}
		var version []byte
		var nested *jsonwalk.Member
		dev := false
		for _, f := range fields {
			switch f.Key {
			case "version":
				version = f.Value
			case "dev":
				dev = string(f.Value) == "true"
			case "dependencies":
				nested = &f
			}
		}
		p.v1 = append(p.v1, v1Record(line, m.Key, version, dev, depth > 0))
		if nested == nil || jsonwalk.Kind(nested.Value) == "null" {
			continue
		}
		line = p.w.LineAt(base + m.ValueOffset + nested.Offset + 1)
		children, ok := jsonwalk.Members(nested.Value)
		switch {
		case !ok:
			p.v1 = append(p.v1, record{line: line, problem: fmt.Sprintf("dependencies of %s are %s, not an object; ignored", collect.Quote(m.Key), jsonwalk.Kind(nested.Value))})
		case depth+1 >= maxDepth:
			p.v1 = append(p.v1, record{line: line, problem: fmt.Sprintf("dependencies of %s nested more than %d deep; not read", collect.Quote(m.Key), maxDepth)})
		default:
			p.dependencies(base+m.ValueOffset+nested.ValueOffset, children, depth+1)
		}
	}
}

// v1Record makes the record of a version 1 package from its raw version.
func v1Record(line int, key string, version []byte, dev, indirect bool) record {
	r := record{line: line, dev: dev, indirect: indirect}
	if msg := npm.CheckName(key); msg != "" {
		r.problem = fmt.Sprintf("package name %s: %s; skipped", collect.Quote(key), msg)
		return r
	}
	v, isString := jsonwalk.String(version)
	switch {
	case version == nil || jsonwalk.Kind(version) == "null" || isString && v == "":
		r.what, r.why = key, "no version"
	case !isString:
		r.problem = fmt.Sprintf("package %s: version is %s, not a string; skipped", collect.Quote(key), jsonwalk.Kind(version))
	default:
		name := key
		if real, rv, ok := npm.Alias(v); ok {
			if msg := npm.CheckName(real); msg != "" {
				r.problem = fmt.Sprintf("package %s: alias of %s: %s; skipped", collect.Quote(key), collect.Quote(real), msg)
				return r
			}
			name, v = real, rv
		}
		if clean, ok := npm.Version(v); ok {
			r.pkg = sdk.Package{Name: name, Version: clean}
			return r
		}
		r.what, r.why = key+"@"+v, npm.Why(v)
	}
	return r
}

// entry is one "packages" entry. The values are kept raw: a value of the wrong type is a
// problem with one package, not with the file.
type entry struct {
	key  string
	line int

	name, version, resolved []byte
	link, dev               bool
	// deps are the raw dependency lists (dependencies, devDependencies,
	// optionalDependencies, peerDependencies) and workspaces the raw workspace patterns,
	// read only for the project and the folders outside node_modules.
	deps       [4][]byte
	workspaces []byte
}

var depFields = map[string]int{"dependencies": 0, "devDependencies": 1, "optionalDependencies": 2, "peerDependencies": 3}

// packages reads the members of the "packages" object, found at offset base in the file.
func (p *parser) packages(base int, members []jsonwalk.Member) {
	p.byKey, p.byParent = map[string]int{}, map[string]map[string]string{}
	for _, m := range members {
		line := p.w.LineAt(base + m.Offset + 1)
		fields, ok := jsonwalk.Members(m.Value)
		if !ok {
			p.b.Problemf(line, "entry %s is %s, not an object; skipped", collect.Quote(m.Key), jsonwalk.Kind(m.Value))
			continue
		}
		e := &entry{key: m.Key, line: line}
		_, under := keyName(m.Key)
		for _, f := range fields {
			switch f.Key {
			case "name":
				e.name = f.Value
			case "version":
				e.version = f.Value
			case "resolved":
				e.resolved = f.Value
			case "link":
				e.link = string(f.Value) == "true"
			case "dev":
				e.dev = string(f.Value) == "true"
			case "workspaces":
				e.workspaces = f.Value
			default:
				if i, ok := depFields[f.Key]; ok && !under {
					e.deps[i] = f.Value
				}
			}
		}
		if name, under := keyName(m.Key); under {
			parent := strings.TrimSuffix(m.Key[:len(m.Key)-len(name)-len("node_modules/")], "/")
			if p.byParent[parent] == nil {
				p.byParent[parent] = map[string]string{}
			}
			p.byParent[parent][name] = m.Key
		}
		// A key given twice: the last one counts, as in JavaScript.
		if i, ok := p.byKey[m.Key]; ok {
			p.entries[i] = e
			continue
		}
		p.byKey[m.Key] = len(p.entries)
		p.entries = append(p.entries, e)
	}
}

// report gives the packages of the "packages" section.
func (p *parser) report() {
	root := p.entry("")
	workspaces := p.workspaces(root)
	direct := p.direct(root, workspaces)
	for _, e := range p.entries {
		if e.key == "" || e.link || workspaces[e.key] {
			continue
		}
		name, under := keyName(e.key)
		if !under {
			// A local directory dependency: its name is its own or, failing that, the
			// folder's.
			name = path.Base(e.key)
		}
		if n, ok := jsonwalk.String(e.name); ok && n != "" {
			name = n
		}
		if msg := npm.CheckName(name); msg != "" {
			p.b.Problemf(e.line, "package name %s: %s; skipped", collect.Quote(name), msg)
			continue
		}
		var indirect bool
		if root != nil {
			indirect = !direct[e.key]
		} else {
			indirect = strings.Count(e.key, "node_modules/") > 1
		}
		p.add(e, name, under, indirect)
	}
}

// add reports the package of an entry, or why it gives none. under says whether the entry
// is in a node_modules directory.
func (p *parser) add(e *entry, name string, under, indirect bool) {
	resolved, _ := jsonwalk.String(e.resolved)
	if e.version != nil && jsonwalk.Kind(e.version) != "null" {
		v, ok := jsonwalk.String(e.version)
		if !ok {
			p.b.Problemf(e.line, "package %s: version is %s, not a string; skipped", collect.Quote(name), jsonwalk.Kind(e.version))
			return
		}
		if clean, ok := npm.Version(v); ok {
			p.b.Add(e.line, sdk.Package{Name: name, Version: clean, Dev: e.dev, Indirect: indirect})
			return
		}
		if v != "" {
			p.b.Unresolved(e.line, name+"@"+v, "not a semantic version")
			return
		}
	}
	switch {
	case resolved != "":
		p.b.Unresolved(e.line, name+"@"+resolved, npm.Why(resolved))
	case !under:
		p.b.Unresolved(e.line, name, "local directory "+e.key+", no version")
	default:
		p.b.Unresolved(e.line, name, "no version")
	}
}

func (p *parser) entry(key string) *entry {
	if i, ok := p.byKey[key]; ok {
		return p.entries[i]
	}
	return nil
}

// workspaces returns the folder entries that the root's "workspaces" patterns match.
func (p *parser) workspaces(root *entry) map[string]bool {
	if root == nil || root.workspaces == nil || jsonwalk.Kind(root.workspaces) == "null" {
		return nil
	}
	raw := root.workspaces
	if members, ok := jsonwalk.Members(raw); ok { // the Yarn form, {"packages": [...]}
		raw = nil
		for _, m := range members {
			if m.Key == "packages" {
				raw = m.Value
			}
		}
	}
	list, ok := jsonwalk.Elements(raw)
	if !ok {
		p.b.Problemf(root.line, "workspaces of the project are %s, not a list of patterns; ignored", jsonwalk.Kind(raw))
		return nil
	}
	var include, exclude []string
	for _, x := range list {
		s, ok := jsonwalk.String(x)
		if !ok || s == "" {
			continue
		}
		if neg, ok := strings.CutPrefix(s, "!"); ok {
			exclude = append(exclude, cleanPattern(neg))
		} else {
			include = append(include, cleanPattern(s))
		}
	}
	out := map[string]bool{}
	budget := globBudget
	for _, e := range p.entries {
		if _, under := keyName(e.key); e.key == "" || under || e.link {
			continue
		}
		in, ok := matchAny(include, e.key, &budget)
		if ok && in {
			in, ok = matchAny(exclude, e.key, &budget)
			in = !in
		}
		if !ok {
			p.b.Problemf(root.line, "workspaces of the project: too many patterns and folders to match; the folders from %s on are not taken for workspaces", collect.Quote(e.key))
			break
		}
		if in {
			out[e.key] = true
		}
	}
	return out
}

// globBudget bounds the work of matching the workspace patterns with the folders of a file,
// in steps of glob, since both come from the file: real projects need thousands of steps.
const globBudget = 10_000_000

func cleanPattern(s string) string {
	s = path.Clean(strings.TrimPrefix(s, "./"))
	return strings.TrimSuffix(s, "/")
}

// matchAny reports whether name matches one of the patterns, taking the work from budget;
// ok is false when the budget ran out.
func matchAny(patterns []string, name string, budget *int) (match, ok bool) {
	elems := strings.Count(name, "/") + 2
	for _, pat := range patterns {
		*budget -= (strings.Count(pat, "/") + 1) * elems
		if *budget < 0 {
			return false, false
		}
		if glob(pat, name) {
			return true, true
		}
	}
	return false, true
}

// glob reports whether the slash-separated name matches pattern, where "*", "?" and
// "[...]" work as in path.Match within one element and a "**" element matches any number
// of elements. It takes time proportional to the product of the element counts whatever the
// pattern, since patterns come from the file.
func glob(pattern, name string) bool {
	pat, nm := strings.Split(pattern, "/"), strings.Split(name, "/")
	// ok[j]: pat[:i] matches nm[:j], for the current i.
	ok := make([]bool, len(nm)+1)
	ok[0] = true
	for _, el := range pat {
		next := make([]bool, len(nm)+1)
		for j := 0; j <= len(nm); j++ {
			if el == "**" {
				next[j] = ok[j] || (j > 0 && next[j-1])
				continue
			}
			if j > 0 && ok[j-1] {
				m, err := path.Match(el, nm[j-1])
				next[j] = err == nil && m
			}
		}
		ok = next
	}
	return ok[len(nm)]
}

// direct returns the keys of the entries that the project or a workspace declares: for
// each name it declares, the entry Node.js resolves it to from its folder, and the folder a
// link there points to.
func (p *parser) direct(root *entry, workspaces map[string]bool) map[string]bool {
	out := map[string]bool{}
	if root == nil {
		return out
	}
	declarers := []*entry{root}
	for _, e := range p.entries {
		if workspaces[e.key] {
			declarers = append(declarers, e)
		}
	}
	for _, d := range declarers {
		// The node_modules directories a name may resolve to, nearest first.
		var dirs []map[string]string
		for _, dir := range ancestors(d.key) {
			if m := p.byParent[dir]; m != nil {
				dirs = append(dirs, m)
			}
		}
		for _, raw := range d.deps {
			if raw == nil || jsonwalk.Kind(raw) == "null" {
				continue
			}
			names, ok := jsonwalk.Members(raw)
			if !ok {
				p.b.Problemf(d.line, "dependencies of %s are %s, not an object; ignored", describeFolder(d.key), jsonwalk.Kind(raw))
				continue
			}
			for _, n := range names {
				for _, m := range dirs {
					key, ok := m[n.Key]
					if !ok {
						continue
					}
					out[key] = true
					if e := p.entry(key); e.link {
						if target, ok := jsonwalk.String(e.resolved); ok {
							out[path.Clean(target)] = true
						}
					}
					break
				}
			}
		}
	}
	return out
}

// maxAncestors bounds the folders up from a workspace where its dependencies are looked
// for, so that the work stays proportional to the file: workspaces are a few folders deep.
const maxAncestors = 16

// ancestors returns the folder dir and the folders above it, up to the project's (""),
// nearest first: where Node.js looks for node_modules.
func ancestors(dir string) []string {
	out := []string{}
	for dir != "" && dir != "." && dir != "/" && !strings.HasSuffix(dir, "..") && len(out) < maxAncestors {
		out = append(out, dir)
		i := strings.LastIndexByte(dir, '/')
		if i < 0 {
			break
		}
		dir = dir[:i]
	}
	return append(out, "")
}

func describeFolder(key string) string {
	if key == "" {
		return "the project"
	}
	return "workspace " + collect.Quote(key)
}

// keyName returns the package name that a "packages" key ends with, after its last
// node_modules element; under is false for a key outside any node_modules directory.
func keyName(key string) (name string, under bool) {
	const nm = "node_modules/"
	for i := len(key); i > 0; {
		i = strings.LastIndex(key[:i], nm)
		if i < 0 {
			break
		}
		if i == 0 || key[i-1] == '/' {
			return key[i+len(nm):], true
		}
	}
	return "", false
}
