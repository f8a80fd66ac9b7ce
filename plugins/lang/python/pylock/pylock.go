// Package pylock reads pylock.toml, the standard Python lock file of PEP 751
// (https://packaging.python.org/en/latest/specifications/pylock-toml/): a TOML document with
// lock-version and one [[packages]] table per package.
//
// The version of a package is optional in the format: it is given for packages from an
// index and may be left out for one built from a source tree, a VCS checkout or an archive.
// A package with a version is reported whatever its source; one without is unresolved,
// except the project's own directory ("."), which is not a dependency.
//
// Which packages are for development is written in their markers ("'dev' in
// dependency_groups"), which would need a marker evaluator to read; the analyzer does not
// set Dev.
package pylock

import (
	"io"
	"path"

	"github.com/trawlscan/trawl/plugins/lang/internal/collect"
	"github.com/trawlscan/trawl/plugins/lang/internal/tomltree"
	"github.com/trawlscan/trawl/plugins/lang/python/internal/pypi"
	"github.com/trawlscan/trawl/sdk"
)

// MaxSize is the largest file read (manifest.json); see poetrylock.MaxSize.
const MaxSize = 16 << 20

// skip leaves out of the tree what the analyzer never reads: the files and their hashes,
// attestations, and tool tables.
func skip(p []string) bool {
	if p[0] == "tool" {
		return true
	}
	if p[0] != "packages" {
		return false
	}
	switch p[1] {
	case "wheels", "sdist", "attestation-identities", "tool":
		return true
	}
	return false
}

// Parse reads a pylock.toml from r. path is the file's path, used in the packages' locations
// and in problems. The error is for a file that cannot be read or is not a pylock.toml (not
// TOML, empty, no lock-version and no [[packages]]).
func Parse(path string, r io.Reader) (*collect.Result, error) {
	return format.Parse(path, r)
}

// format is the shape of the file for the shared TOML lock reader.
var format = pypi.TOMLLock{
	What:     "pylock.toml",
	Packages: "packages",
	Marker:   "lock-version",
	Missing:  "no lock-version and no [[packages]]",
	MaxSize:  MaxSize,
	Skip:     skip,
	Add:      add,
}

// add reads one package table.
func add(b *collect.Builder, t *tomltree.Value, name string, line int) {
	if version, ok := t.String("version"); ok && version != "" {
		b.Add(line, sdk.Package{Name: name, Version: version})
		return
	}
	switch {
	case t.Get("directory") != nil:
		dir, _ := t.Get("directory").String("path")
		if path.Clean(dir) == "." {
			return // the project itself
		}
		b.Unresolved(line, name, "local directory "+dir+", no version")
	case t.Get("vcs") != nil:
		url, _ := t.Get("vcs").String("url")
		b.Unresolved(line, name, collect.Redact("VCS "+url+", no version"))
	case t.Get("archive") != nil:
		where, _ := t.Get("archive").String("url")
		if where == "" {
			where, _ = t.Get("archive").String("path")
		}
		b.Unresolved(line, name, collect.Redact("archive "+where+", no version"))
	default:
		b.Unresolved(line, name, "no version")
	}
}
