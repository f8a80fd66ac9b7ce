// Package poetrylock reads poetry.lock, the lock file of Poetry: a TOML document with one
// [[package]] table per locked package (name, version, source, ...).
//
// A package is development-only (Dev) when the file says so: `category = "dev"` in lock
// files before Poetry 1.5 (lock-version < 2.1), or a `groups` list without "main" from
// Poetry 2 on. Optional packages (extras, `optional = true`) belong to "main" and are not
// development packages. Poetry does not lock the project itself, so every package is
// reported, whatever its source (PyPI, another index, git, a URL, a local path).
package poetrylock

import (
	"io"
	"slices"

	"github.com/trawlscan/trawl/plugins/lang/internal/collect"
	"github.com/trawlscan/trawl/plugins/lang/internal/tomltree"
	"github.com/trawlscan/trawl/plugins/lang/python/internal/pypi"
	"github.com/trawlscan/trawl/sdk"
)

// MaxSize is the largest file read (manifest.json). poetry.lock lists every wheel of every
// package with its hash, about 1-10 KB per package: 16 MiB is thousands of packages.
const MaxSize = 16 << 20

// skip leaves out of the tree what the analyzer never reads: the file lists (most of the
// file), the extras and the old [metadata.files] table.
func skip(path []string) bool {
	switch path[0] {
	case "package":
		return path[1] == "files" || path[1] == "extras"
	case "metadata":
		return path[1] == "files"
	}
	return false
}

// Parse reads a poetry.lock from r. path is the file's path, used in the packages'
// locations and in problems. The error is for a file that cannot be read or is not a
// poetry.lock (not TOML, empty, no [[package]] and no [metadata]).
func Parse(path string, r io.Reader) (*collect.Result, error) {
	return format.Parse(path, r)
}

// format is the shape of the file for the shared TOML lock reader.
var format = pypi.TOMLLock{
	What:     "poetry.lock",
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
		b.Unresolved(line, name, "no version")
		return
	}
	b.Add(line, sdk.Package{Name: name, Version: version, Dev: dev(t)})
}

// dev reports whether the file says a package is for development only.
func dev(t *tomltree.Value) bool {
	if c, ok := t.String("category"); ok {
		return c == "dev"
	}
	if t.Get("groups") != nil {
		return !slices.Contains(t.Strings("groups"), "main")
	}
	return false
}
