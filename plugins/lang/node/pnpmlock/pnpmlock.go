// Package pnpmlock reads pnpm-lock.yaml, the lock file pnpm writes next to package.json (or
// at the root of a workspace): a YAML mapping whose "packages" section lists every package
// installed, keyed by its dependency path, and whose "importers" (or, for a single project
// before lockfile v9, top-level "dependencies", "devDependencies" and
// "optionalDependencies") list what each project of the workspace asks for directly.
//
// Lockfile versions read:
//   - 5.x (pnpm 3 to 7): keys "/name/1.2.3", with a peer suffix "_react@18.2.0+..." or a
//     hash after "_"; registry hosts may prefix the name ("registry.npmjs.org/name/1.2.3").
//     Direct dependencies map names to versions.
//   - 6.x (pnpm 8): keys "/name@1.2.3", peers in parentheses "(react@18.2.0)"; direct
//     dependencies map names to {specifier, version}.
//   - 9.x (pnpm 9 and later): "packages" keyed "name@1.2.3" and "snapshots" keyed by the
//     same with the peer suffix, holding each instance's dependencies; "importers" always.
//     pnpm 11 and later may write two YAML documents, an "env" document (the pnpm version
//     the project pins and config dependencies, both under the importers) before the
//     project's: every document is read, and what they list is reported together.
//
// Each package is reported once with the line of its key in "packages". A key that names a
// registry package (a name and an exact semver version) gives the package; its peer suffix
// is dropped. Other keys (git repositories, tarballs, local directories and files) carry the
// version of the package.json found there, not a registry release: they are reported as
// unresolved, except a tarball whose URL is a registry's tarball of that very name and
// version. Workspace packages linked with "link:" are the project's own and are not listed.
//
// Indirect is false for the packages a project depends on directly, true for the others
// (false everywhere when the file has no importers at all). Dev comes from each package's
// "dev: true" in lockfiles 5 and 6 (pnpm writes "dev: false" for production-only packages
// and nothing for packages used by both). Lockfile 9 no longer says it: the snapshot graph
// is walked from the importers' dependencies and optionalDependencies, then from their
// devDependencies, and a package reached only by the second walk is development-only. The
// pnpm version and config dependencies of an env document count as development
// dependencies: they are tools of the build, not part of what is built. The walk visits
// each snapshot once per kind, so its cost is linear in the file.
//
// An empty file, or one holding only comments, lists nothing (pnpm treats it as no lock
// file). A file that is not YAML, or whose document is not a mapping with a lockfileVersion,
// is an error. The file is read whole (MaxSize) but parsed a few entries at a time (package
// yamlblocks), so that memory stays bounded; an entry that is not valid YAML is a problem
// and the rest is read. Top-level sections the parser does not use (settings, overrides,
// time...) are skipped unparsed. YAML aliases are never expanded. At most maxDocs YAML
// documents are read.
package pnpmlock

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/trawlscan/trawl/plugins/lang/internal/collect"
	"github.com/trawlscan/trawl/plugins/lang/node/internal/npm"
	"github.com/trawlscan/trawl/plugins/lang/node/internal/yamlblocks"
	"github.com/trawlscan/trawl/sdk"
)

// MaxSize is the largest file read (manifest.json). The largest monorepos' pnpm-lock.yaml
// files are a few megabytes. Inside the WebAssembly sandbox a 15 MB lock file parses in
// about 6 s (yaml.v3 alone took 30 s), within an analyzer call's time limit.
const MaxSize = 16 << 20

// maxDocs bounds the YAML documents read: pnpm writes one or two, and each costs a little
// even when empty.
const maxDocs = 8

// Parse reads a pnpm-lock.yaml from r. path is the file's path, used in the packages'
// locations and in problems.
func Parse(path string, r io.Reader) (*collect.Result, error) {
	data, err := collect.ReadAll(path, r, MaxSize)
	if err != nil {
		return nil, err
	}
	p := &parser{path: path, b: collect.NewBuilder(path, "npm", nil)}
	i := 0
	for document := range yamlblocks.Documents(data) {
		if i == maxDocs {
			p.b.Problemf(document.Line, "more than %d YAML documents; the rest are not read", maxDocs)
			break
		}
		d := &doc{p: p, first: i == 0, packages: map[string]int{}, snapshots: map[string][]dep{}}
		if err := d.read(document); err != nil {
			return nil, err
		}
		if d.version == "" {
			if i == 0 {
				return nil, fmt.Errorf("%s: not a pnpm-lock.yaml: no lockfileVersion", path)
			}
			p.b.Problemf(document.Line, "YAML document without a lockfileVersion, read as version %s", p.version)
			d.version, d.major = p.version, p.major
		}
		p.version, p.major = d.version, d.major
		d.resolve()
		i++
	}
	return p.b.Result(), nil
}

type parser struct {
	path string
	b    *collect.Builder
	// version and major are the lockfileVersion of the last document read, for a
	// document that has none.
	version string
	major   int
}

// doc is what one YAML document of the file says.
type doc struct {
	p     *parser
	first bool
	// version is the lockfileVersion, as written.
	version string
	major   int
	// hasImporters is set when the document says which dependencies are direct.
	hasImporters bool
	direct       []directDep
	// packages maps the keys of "packages" to their entries, in the order of the file.
	packages map[string]int
	order    []pkg
	// snapshots maps the keys of "snapshots" (lockfile 9), the instances of packages, to
	// their dependencies.
	snapshots map[string][]dep
}

// directDep is a dependency of an importer (a project of the workspace).
type directDep struct {
	name, ref string
	dev       bool
	line      int
}

// pkg is an entry of "packages". It is kept small: a lock file may list a great many.
type pkg struct {
	key  string
	line int32
	dev  bool // "dev: true"
	// other is what an entry says beyond an integrity: set for non-registry packages.
	other *other
}

// other holds the fields of a package entry that say where a non-registry package comes
// from.
type other struct {
	name, version string
	res           resolution
}

// resolution is where pnpm gets a package from.
type resolution struct {
	tarball, commit, repo, typ, directory string
}

// dep is a dependency of a snapshot: a name and the version or key it resolves to.
type dep struct{ name, ref string }

// Sections of a document that are cut into entries rather than parsed whole: they hold
// one entry per package or project and make up almost all of the file.
var bigSections = map[string]bool{"packages": true, "snapshots": true, "importers": true}

// read collects what a YAML document says.
func (d *doc) read(document yamlblocks.Block) error {
	var failed error
	// Top-level entries other than the big sections are parsed in batches; first counts
	// the blocks before the batch, so that a file whose very first entry is not YAML fails.
	top := yamlblocks.NewBatcher(func(first int, root *yaml.Node, err error) {
		var ye *yamlblocks.Error
		switch {
		case failed != nil:
		case err != nil && first == 0 && d.first && errors.As(err, &ye):
			failed = fmt.Errorf("%s:%d: not a pnpm-lock.yaml: invalid YAML: %s", d.p.path, ye.Line, ye.Msg)
		case err != nil:
			d.yamlProblem(err)
		case root == nil:
		case root.Kind != yaml.MappingNode && first == 0 && d.first:
			failed = fmt.Errorf("%s: not a pnpm-lock.yaml: the document is %s, not a mapping", d.p.path, kindOf(root))
		case root.Kind != yaml.MappingNode:
			d.p.b.Problemf(root.Line, "top-level entry is %s, not a key and value; skipped", kindOf(root))
		default:
			for j := 0; j+1 < len(root.Content); j += 2 {
				if k, v := root.Content[j], root.Content[j+1]; bigSections[k.Value] {
					d.section(k, v)
				} else {
					d.top(k, v)
				}
			}
		}
	})
	seen := 0
	for blk := range document.Entries() {
		if failed != nil {
			return failed
		}
		seen++
		head := blk.Head()
		if seen > 1 || !d.first {
			// Sections the parser does not read (settings, overrides, time, ...) are not
			// parsed at all; the first block is, to tell a pnpm-lock.yaml.
			if name, ok := plainKey(head); ok && !wanted[name] {
				continue
			}
		}
		if !bigHead(head) {
			top.Add(blk)
			continue
		}
		key, children, ok := blk.Children()
		if !ok {
			top.Add(blk) // parsed whole
			continue
		}
		top.Flush()
		entries := yamlblocks.NewBatcher(func(_ int, root *yaml.Node, err error) {
			switch {
			case err != nil:
				d.yamlProblem(err)
			case root == nil:
			case root.Kind != yaml.MappingNode:
				d.p.b.Problemf(root.Line, "%s: entry is %s, not a key and value; skipped", key.Value, kindOf(root))
			default:
				d.section(key, root)
			}
		})
		for c := range children {
			entries.Add(c)
		}
		entries.Flush()
		d.section(key, nil)
	}
	top.Flush()
	return failed
}

// wanted are the top-level keys the parser reads.
var wanted = map[string]bool{
	"lockfileVersion": true, "importers": true, "packages": true, "snapshots": true,
	"dependencies": true, "devDependencies": true, "optionalDependencies": true,
}

// plainKey returns the key of a line "key:" or "key: value" whose key is a plain word.
func plainKey(line []byte) (string, bool) {
	for i, c := range line {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '_', c == '-' && i > 0:
		case c == ':' && i > 0 && (i+1 == len(line) || line[i+1] == ' '):
			return string(line[:i]), true
		default:
			return "", false
		}
	}
	return "", false
}

// bigHead says whether a top-level line may start one of the big sections.
func bigHead(line []byte) bool {
	for name := range bigSections {
		if bytes.HasPrefix(line, []byte(name+":")) {
			return true
		}
	}
	return false
}

func (d *doc) yamlProblem(err error) {
	var ye *yamlblocks.Error
	if errors.As(err, &ye) {
		d.p.b.Problemf(ye.Line, "invalid YAML, entry skipped: %s", ye.Msg)
		return
	}
	d.p.b.Problemf(0, "invalid YAML, entry skipped: %v", err)
}

// top reads a top-level entry other than the big sections.
func (d *doc) top(k, v *yaml.Node) {
	switch k.Value {
	case "lockfileVersion":
		s, ok := scalar(v)
		if !ok || s == "" {
			d.p.b.Problemf(k.Line, "lockfileVersion is %s, not a version", kindOf(v))
			return
		}
		d.version = s
		n := 0
		for n < len(s) && s[n] >= '0' && s[n] <= '9' {
			n++
		}
		d.major, _ = strconv.Atoi(s[:n])
		if n == 0 || d.major > 9 {
			d.p.b.Problemf(k.Line, "lockfileVersion %s is not one this reader knows (5 to 9); read as 9", collect.Quote(s))
			d.major = 9
		}
	case "dependencies", "devDependencies", "optionalDependencies":
		// A single project's direct dependencies, before lockfile 9.
		d.hasImporters = true
		d.deps(k, v, k.Value == "devDependencies")
	}
}

// section reads the big sections, one entry at a time: v is a mapping of some of the
// section's entries (all of them when the section was parsed whole), or nil once the
// section is over.
func (d *doc) section(k, v *yaml.Node) {
	if k.Value == "importers" {
		d.hasImporters = true
	}
	if v == nil || isNull(v) {
		return
	}
	if v.Kind != yaml.MappingNode {
		d.p.b.Problemf(k.Line, "%s is %s, not a mapping; ignored", k.Value, kindOf(v))
		return
	}
	for j := 0; j+1 < len(v.Content); j += 2 {
		ek, ev := v.Content[j], v.Content[j+1]
		key, ok := scalar(ek)
		if !ok {
			d.p.b.Problemf(ek.Line, "%s: key is %s, not a string; entry skipped", k.Value, kindOf(ek))
			continue
		}
		switch k.Value {
		case "importers":
			d.importer(key, ek, ev)
		case "packages":
			d.pkg(key, ek.Line, ev)
		case "snapshots":
			d.snapshot(key, ek.Line, ev)
		}
	}
}

// importer reads a project of the workspace.
func (d *doc) importer(key string, k, v *yaml.Node) {
	if isNull(v) {
		return
	}
	if v.Kind != yaml.MappingNode {
		d.p.b.Problemf(k.Line, "importer %s is %s, not a mapping; ignored", collect.Quote(key), kindOf(v))
		return
	}
	for j := 0; j+1 < len(v.Content); j += 2 {
		sk, sv := v.Content[j], v.Content[j+1]
		switch sk.Value {
		case "dependencies", "optionalDependencies":
			d.deps(sk, sv, false)
		case "devDependencies", "configDependencies", "packageManagerDependencies":
			d.deps(sk, sv, true)
		}
	}
}

// deps reads a mapping of direct dependencies: name to version (lockfile 5) or to
// {specifier, version} (later).
func (d *doc) deps(k, v *yaml.Node, dev bool) {
	if isNull(v) {
		return
	}
	if v.Kind != yaml.MappingNode {
		d.p.b.Problemf(k.Line, "%s is %s, not a mapping; ignored", k.Value, kindOf(v))
		return
	}
	for j := 0; j+1 < len(v.Content); j += 2 {
		nk, nv := v.Content[j], v.Content[j+1]
		name, _ := scalar(nk)
		ref, ok := scalar(nv)
		if nv.Kind == yaml.MappingNode {
			ref, ok = scalar(field(nv, "version"))
		}
		if !ok || name == "" || ref == "" {
			d.p.b.Problemf(nk.Line, "%s: dependency %s has no version; ignored", k.Value, collect.Quote(name))
			continue
		}
		d.direct = append(d.direct, directDep{name: name, ref: ref, dev: dev, line: nk.Line})
	}
}

// pkg reads an entry of "packages".
func (d *doc) pkg(key string, line int, v *yaml.Node) {
	if _, dup := d.packages[key]; dup {
		d.p.b.Problemf(line, "package %s listed twice; the first entry is kept", collect.Quote(key))
		return
	}
	d.packages[key] = len(d.order)
	d.order = append(d.order, pkg{key: key, line: int32(line)})
	p := &d.order[len(d.order)-1]
	if isNull(v) {
		return
	}
	if v.Kind != yaml.MappingNode {
		d.p.b.Problemf(line, "package %s is %s, not a mapping; only its key is read", collect.Quote(key), kindOf(v))
		return
	}
	dev, _ := scalar(field(v, "dev"))
	p.dev = dev == "true"
	var o other
	o.name, _ = scalar(field(v, "name"))
	o.version, _ = scalar(field(v, "version"))
	if r := field(v, "resolution"); r != nil && r.Kind == yaml.MappingNode {
		o.res.tarball, _ = scalar(field(r, "tarball"))
		o.res.commit, _ = scalar(field(r, "commit"))
		o.res.repo, _ = scalar(field(r, "repo"))
		o.res.typ, _ = scalar(field(r, "type"))
		o.res.directory, _ = scalar(field(r, "directory"))
	}
	if o != (other{}) {
		p.other = &o
	}
}

// snapshot reads an entry of "snapshots": the dependencies of one instance of a package.
func (d *doc) snapshot(key string, line int, v *yaml.Node) {
	if _, dup := d.snapshots[key]; dup {
		d.p.b.Problemf(line, "snapshot %s listed twice; the first entry is kept", collect.Quote(key))
		return
	}
	d.snapshots[key] = nil
	if isNull(v) {
		return
	}
	if v.Kind != yaml.MappingNode {
		d.p.b.Problemf(line, "snapshot %s is %s, not a mapping; its dependencies are not known", collect.Quote(key), kindOf(v))
		return
	}
	for _, f := range []string{"dependencies", "optionalDependencies"} {
		m := field(v, f)
		if m == nil || m.Kind != yaml.MappingNode {
			continue
		}
		for j := 0; j+1 < len(m.Content); j += 2 {
			name, ok1 := scalar(m.Content[j])
			ref, ok2 := scalar(m.Content[j+1])
			if ok1 && ok2 {
				d.snapshots[key] = append(d.snapshots[key], dep{name, ref})
			}
		}
	}
}

// Reachability bits of a snapshot in the walk of lockfile 9.
const (
	reachProd = 1 << iota
	reachDev
)

// resolve reports the packages of the document, once everything in it is known.
func (d *doc) resolve() {
	graph := len(d.snapshots) > 0
	target := func(name, ref string) (string, bool) {
		if graph {
			return lookup(d.snapshots, name, ref)
		}
		return lookup(d.packages, name, ref)
	}
	direct := map[string]bool{}
	var prodRoots, devRoots []string
	for _, dd := range d.direct {
		if strings.HasPrefix(dd.ref, "link:") {
			continue // a project of the workspace
		}
		key, ok := target(dd.name, dd.ref)
		if !ok {
			if npm.IsExactVersion(cutPeers(dd.ref)) {
				d.p.b.Problemf(dd.line, "dependency %s %s has no entry in packages", collect.Quote(dd.name), collect.Quote(dd.ref))
			}
			continue
		}
		direct[cutPeers(key)] = true
		direct[key] = true
		if dd.dev {
			devRoots = append(devRoots, key)
		} else {
			prodRoots = append(prodRoots, key)
		}
	}
	var reach map[string]uint8
	if graph {
		reach = map[string]uint8{}
		d.walk(prodRoots, reachProd, reach)
		d.walk(devRoots, reachDev, reach)
		// A package's instances differ only in their peers: together they say how the
		// package is used.
		byPkg := map[string]uint8{}
		for key, bits := range reach {
			byPkg[cutPeers(key)] |= bits
		}
		reach = byPkg
	}
	for i := range d.order {
		p := &d.order[i]
		dev := p.dev
		if graph {
			dev = reach[p.key] == reachDev
		}
		indirect := d.hasImporters && !direct[p.key]
		d.report(p, dev, indirect)
	}
}

// walk marks with bit every snapshot reachable from roots.
func (d *doc) walk(roots []string, bit uint8, reach map[string]uint8) {
	queue := append([]string(nil), roots...)
	for len(queue) > 0 {
		key := queue[len(queue)-1]
		queue = queue[:len(queue)-1]
		if reach[key]&bit != 0 {
			continue
		}
		reach[key] |= bit
		for _, dp := range d.snapshots[key] {
			if next, ok := lookup(d.snapshots, dp.name, dp.ref); ok && reach[next]&bit == 0 {
				queue = append(queue, next)
			}
		}
	}
}

// lookup finds the entry a dependency name: ref points to. The ref is a version with its
// peer suffix ("1.2.3(react@18.2.0)", "1.2.3_react@18.2.0"), the dependency path of an
// aliased package ("/real-name/1.2.3", "real-name@1.2.3") or of a non-registry one
// ("github.com/o/r/sha", "file:../x"); each lockfile version builds keys its own way.
func lookup[V any](m map[string]V, name, ref string) (string, bool) {
	for _, k := range [...]string{name + "@" + ref, "/" + name + "@" + ref, "/" + name + "/" + ref, ref, "/" + ref} {
		if _, ok := m[k]; ok {
			return k, true
		}
	}
	return "", false
}

// report adds a package of "packages", or says why it is not one of the registry.
func (d *doc) report(p *pkg, dev, indirect bool) {
	line := int(p.line)
	o := p.other
	if o == nil {
		o = &other{}
	}
	name, version, ok := parseKey(p.key, d.major)
	src := o.res.source()
	// A registry package's resolution may give its tarball's URL too (registries that
	// serve tarballs elsewhere): the key says it is the registry's.
	remote := strings.HasPrefix(o.res.tarball, "https://") || strings.HasPrefix(o.res.tarball, "http://")
	if ok && (src == "" || remote && o.res.typ == "" && o.res.commit == "") {
		d.p.b.Add(line, sdk.Package{Name: name, Version: version, Dev: dev, Indirect: indirect})
		return
	}
	// Not a registry package by its key: the name and version fields say what it is.
	if o.name != "" {
		name = o.name
	} else if !ok {
		name = keyName(p.key)
	}
	version = o.version
	if src == "" {
		src = keySource(p.key)
	}
	if src == "" {
		d.p.b.Problemf(line, "package %s is neither name and version nor from a known source; skipped", collect.Quote(p.key))
		return
	}
	if o.res.tarball != "" && npm.RegistryTarball(o.res.tarball, name, version) && npm.IsLockName(name) && npm.IsExactVersion(version) {
		d.p.b.Add(line, sdk.Package{Name: name, Version: version, Dev: dev, Indirect: indirect})
		return
	}
	what := name
	if what == "" {
		what = p.key
	}
	why := src + ", no version"
	if version != "" {
		why = "version " + version + " from " + src + ", not a registry release"
	}
	d.p.b.Unresolved(line, what, collect.Redact(why))
}

// source describes where a non-registry package comes from, or returns "" for the
// registry (no resolution but an integrity).
func (r resolution) source() string {
	switch {
	case r.typ == "git" || r.commit != "":
		s := "git repository " + r.repo
		if r.commit != "" {
			s += " at commit " + r.commit
		}
		return s
	case r.typ == "directory" || r.directory != "":
		return "local directory " + r.directory
	case strings.HasPrefix(r.tarball, "file:"):
		return "local tarball " + strings.TrimPrefix(r.tarball, "file:")
	case r.tarball != "":
		return "tarball " + r.tarball
	case r.typ != "":
		return r.typ + " source"
	}
	return ""
}

// keySource describes the source of a package whose key is not name and version and whose
// resolution does not say.
func keySource(key string) string {
	s := strings.TrimPrefix(key, "/")
	if _, rest, ok := npm.SplitSpec(s); ok && npm.IsLockName(keyName(key)) {
		s = rest
	}
	switch {
	case strings.HasPrefix(s, "file:"):
		return "local path " + strings.TrimPrefix(s, "file:")
	case strings.HasPrefix(s, "link:"):
		return "linked directory " + strings.TrimPrefix(s, "link:")
	case gitHost(s):
		return "git repository " + s
	case strings.HasPrefix(s, "https://"), strings.HasPrefix(s, "http://"):
		return "tarball " + s
	}
	return ""
}

// keyName is the package name at the start of a lockfile 9 key ("name@https://..."), or "".
func keyName(key string) string {
	name, _, ok := npm.SplitSpec(strings.TrimPrefix(key, "/"))
	if !ok || !npm.IsLockName(name) {
		return ""
	}
	return name
}

func gitHost(s string) bool {
	for _, h := range [...]string{"github.com/", "gitlab.com/", "bitbucket.org/", "git+", "git@", "git://", "ssh://"} {
		if strings.HasPrefix(s, h) {
			return true
		}
	}
	return false
}

// parseKey reads the name and exact version of a registry package from its dependency
// path: "/name/1.2.3_peers" (lockfile 5), "/name@1.2.3(peers)" (6), "name@1.2.3" (9). The
// form of the file's lockfile version is tried first, then the other, since hand-edited and
// converted files mix them.
func parseKey(key string, major int) (name, version string, ok bool) {
	s := strings.TrimPrefix(key, "/")
	for _, at := range [2]bool{major >= 6, major < 6} {
		if at {
			name, version, ok = npm.SplitSpec(s)
		} else if i := strings.LastIndexByte(s, '/'); i > 0 {
			name, version, ok = s[:i], s[i+1:], true
		}
		if !ok {
			continue
		}
		name, version = stripHost(name), cutPeers(version)
		if npm.IsLockName(name) && npm.IsExactVersion(version) {
			return name, version, true
		}
		ok = false
	}
	return "", "", false
}

// stripHost drops the registry host lockfile 5 puts before the names of packages from
// registries other than the default one ("registry.npmjs.org/name").
func stripHost(name string) string {
	if npm.IsLockName(name) {
		return name
	}
	host, rest, ok := strings.Cut(name, "/")
	if !ok || !strings.Contains(host, ".") || strings.HasPrefix(host, "@") || gitHost(name) {
		return name
	}
	return rest
}

// cutPeers drops the peer suffix of a version or key: "(peer@1.0.0)..." (lockfile 6 and
// later) or "_peer@1.0.0+..." (lockfile 5, where it may also be a hash). Semantic versions
// hold neither '(' nor '_'; a '_' is cut only after a version, since URLs and paths of
// non-registry keys may hold one.
func cutPeers(s string) string {
	if i := strings.IndexByte(s, '('); i >= 0 {
		s = s[:i]
	}
	if i := strings.IndexByte(s, '_'); i >= 0 {
		head := s[:i]
		if npm.IsExactVersion(head[strings.LastIndexAny(head, "/@")+1:]) {
			return head
		}
	}
	return s
}

// field returns the value of key in mapping m, or nil.
func field(m *yaml.Node, key string) *yaml.Node {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	for j := 0; j+1 < len(m.Content); j += 2 {
		if k := m.Content[j]; k.Kind == yaml.ScalarNode && k.Value == key {
			return m.Content[j+1]
		}
	}
	return nil
}

// scalar returns the text of a scalar node, following an alias to a scalar (which expands
// nothing).
func scalar(n *yaml.Node) (string, bool) {
	if n != nil && n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	if n == nil || n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		return "", false
	}
	return n.Value, true
}

func isNull(n *yaml.Node) bool {
	return n == nil || n.Kind == yaml.ScalarNode && n.Tag == "!!null"
}

func kindOf(n *yaml.Node) string {
	if n == nil {
		return "missing"
	}
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a sequence"
	case yaml.AliasNode:
		return "an alias"
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return "empty"
		}
		return "a scalar"
	}
	return "empty"
}
