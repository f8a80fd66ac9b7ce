// Package cargolock reads Cargo.lock, the lock file Cargo writes for a Rust package or
// workspace: a TOML document with one [[package]] table per package of the build (name,
// version, source, checksum, dependencies), in every lock file version (1 to 4; version 1
// keeps its checksums in a [metadata] table, and very old files hold the root package in
// a [root] table).
//
// What is reported: every package with a source, at the line of its name; the registry
// (crates.io, or another registry, such as a mirror of it) is not checked, nor is git
// (source = "git+https://...#commit"): a git package is reported at the version its
// Cargo.toml declares at the locked commit, which advisories for the crate then match,
// although a fork may carry a fix its version does not show. Packages without a source
// are the workspace's own members, or crates of the project reached by a local path: the
// project itself, not a dependency, so they are not reported.
//
// A package is Indirect when none of those local packages lists it among its
// dependencies (Cargo.lock merges normal, build and dev dependencies into one list, so
// Dev is never set); in a file without local packages nothing is marked. A package
// without a version is unresolved.
//
// The file is read whole (bounded by MaxSize) and parsed with the TOML expression parser
// of internal/tomltree, which keeps lines. An empty file is an error (Cargo always writes
// at least its header), as is a TOML document with none of the keys of a Cargo.lock.
package cargolock

import (
	"fmt"
	"io"
	"strings"

	"github.com/trawlscan/trawl/plugins/lang/internal/collect"
	"github.com/trawlscan/trawl/plugins/lang/internal/tomltree"
	"github.com/trawlscan/trawl/sdk"
)

// MaxSize is the largest file read (manifest.json). A package takes about 300 bytes, so
// 16 MiB is tens of thousands of packages; large workspaces lock about a thousand.
const MaxSize = 16 << 20

// skip leaves out of the tree the version 1 checksums, which can be most of the file.
func skip(path []string) bool { return path[0] == "metadata" }

// Parse reads a Cargo.lock from r. path is the file's path, used in the packages'
// locations and in problems. The error is for a file that cannot be read or is not a
// Cargo.lock (not TOML, empty, none of [[package]], version, [metadata] or [root]); a
// bad package entry is a problem in the result, and the others are kept.
func Parse(path string, r io.Reader) (*collect.Result, error) {
	data, err := collect.ReadAll(path, r, MaxSize)
	if err != nil {
		return nil, err
	}
	root, err := tomltree.ParseFile(path, "a Cargo.lock", data, tomltree.Options{Skip: skip})
	if err != nil {
		return nil, err
	}
	pkgs := root.Get("package")
	if pkgs == nil && root.Get("version") == nil && root.Get("metadata") == nil && root.Get("root") == nil {
		return nil, fmt.Errorf("%s: not a Cargo.lock: no [[package]], version, [metadata] or [root]", path)
	}
	if pkgs != nil && pkgs.Kind != tomltree.Array {
		return nil, fmt.Errorf("%s:%d: not a Cargo.lock: package is %s, not an array of tables", path, pkgs.Line, pkgs.Describe())
	}
	b := collect.NewBuilder(path, "cargo", nil)
	var tables []*tomltree.Value
	if pkgs != nil {
		for _, t := range pkgs.Items {
			if t.Kind != tomltree.Table {
				b.Problemf(t.Line, "package entry is %s, not a table; skipped", t.Describe())
				continue
			}
			tables = append(tables, t)
		}
	}
	// The local packages' dependencies are the project's direct ones.
	// direct holds "name\x00version" for each dependency listed, "name\x00" for one
	// listed by name alone.
	direct := map[string]bool{}
	local := false
	if rt := root.Get("root"); rt != nil && rt.Kind == tomltree.Table {
		local = true
		dependencies(rt, direct)
	}
	for _, t := range tables {
		if name, _ := t.String("name"); name != "" && t.Get("source") == nil {
			local = true
			dependencies(t, direct)
		}
	}
	for _, t := range tables {
		add(b, t, local, direct)
	}
	return b.Result(), nil
}

// dependencies records the dependencies a package lists: "name", "name version" or
// "name version (source)", the shortest that is unambiguous in the file.
func dependencies(t *tomltree.Value, direct map[string]bool) {
	for _, d := range t.Strings("dependencies") {
		f := strings.Fields(d)
		switch len(f) {
		case 0:
		case 1:
			direct[f[0]+"\x00"] = true
		default:
			direct[f[0]+"\x00"+f[1]] = true
		}
	}
}

func add(b *collect.Builder, t *tomltree.Value, local bool, direct map[string]bool) {
	nv := t.Get("name")
	if nv == nil || nv.Kind != tomltree.String || nv.Str == "" {
		b.Problemf(t.Line, "package without a name, skipped")
		return
	}
	name, line := nv.Str, nv.Line
	src := t.Get("source")
	if src == nil {
		return // a member of the workspace, or a crate of the project reached by a path
	}
	if src.Kind != tomltree.String {
		b.Problemf(src.Line, "package %s: source is %s, not a string; skipped", collect.Quote(name), src.Describe())
		return
	}
	version, ok := t.String("version")
	if !ok || version == "" {
		b.Unresolved(line, name, "no version")
		return
	}
	indirect := local && !direct[name+"\x00"] && !direct[name+"\x00"+version]
	b.Add(line, sdk.Package{Name: name, Version: version, Indirect: indirect})
}
