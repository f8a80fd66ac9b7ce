// Package pdmlock reads pdm.lock, the lock file of PDM: a TOML document with a [metadata]
// table and one [[package]] table per locked package (name, version, groups, ...).
//
// `groups` lists the dependency groups that need a package. "default" is the project's
// dependencies; every other group is either an optional-dependency group (an extra,
// installed in production when asked for) or a development group, and the lock file does
// not say which. A package is reported as development-only (Dev) when it is not in
// "default" and every group it is in has a conventional development name ("dev", where
// `pdm add -d` puts development dependencies, "test", "lint", "docs", ...; see
// pypi.DevGroup): calling an extra a development dependency could hide it from a scan that
// skips those.
package pdmlock

import (
	"io"
	"slices"

	"github.com/trawlscan/trawl/plugins/lang/internal/collect"
	"github.com/trawlscan/trawl/plugins/lang/internal/tomltree"
	"github.com/trawlscan/trawl/plugins/lang/python/internal/pypi"
	"github.com/trawlscan/trawl/sdk"
)

// MaxSize is the largest file read (manifest.json); see poetrylock.MaxSize.
const MaxSize = 16 << 20

// skip leaves out of the tree what the analyzer never reads: the file lists and hashes.
func skip(path []string) bool {
	return path[0] == "package" && path[1] == "files"
}

// Parse reads a pdm.lock from r. path is the file's path, used in the packages' locations
// and in problems. The error is for a file that cannot be read or is not a pdm.lock (not
// TOML, empty, no [[package]] and no [metadata]).
func Parse(path string, r io.Reader) (*collect.Result, error) {
	return format.Parse(path, r)
}

// format is the shape of the file for the shared TOML lock reader.
var format = pypi.TOMLLock{
	What:     "pdm.lock",
	Packages: "package",
	Marker:   "metadata",
	Missing:  "no [[package]] and no [metadata]",
	MaxSize:  MaxSize,
	Skip:     skip,
	Add:      add,
}

// add reads one package table.
func add(b *collect.Builder, t *tomltree.Value, name string, line int) {
	version, ok := t.String("version")
	if !ok || version == "" {
		why := "no version"
		switch {
		case str(t, "git") != "":
			why = "git " + str(t, "git") + ", no version"
		case str(t, "path") != "":
			why = "local path " + str(t, "path") + ", no version"
		case str(t, "url") != "":
			why = "URL " + str(t, "url") + ", no version"
		}
		b.Unresolved(line, name, collect.Redact(why))
		return
	}
	b.Add(line, sdk.Package{Name: name, Version: version, Dev: dev(t.Strings("groups"))})
}

// dev reports whether the groups of a package are all development groups.
func dev(groups []string) bool {
	if len(groups) == 0 || slices.Contains(groups, "default") {
		return false
	}
	for _, g := range groups {
		if !pypi.DevGroup(g) {
			return false
		}
	}
	return true
}

func str(t *tomltree.Value, key string) string {
	s, _ := t.String(key)
	return s
}
