// Package installed reads the package.json of a package installed in a node_modules
// directory (node_modules/<name>/package.json, node_modules/@scope/<name>/package.json, at
// any depth: nested node_modules are the packages installed for one dependency). npm,
// pnpm, Bun and Yarn (but with Plug'n'Play, which keeps packages in zip files) all extract a
// package's tarball there, so the file is the one the author published, and its "name" and "version" are those the registry has: the package is
// name@version, whatever the folder is called (an alias is installed under its alias's
// folder with the real name in package.json).
//
// A package.json outside node_modules is a project's manifest, with version ranges, not an
// installed package: the analyzer's selectors do not select it, and the parser does not look
// at the path.
//
// Exactly one package comes from a file that has a valid name and version. The file does not
// say whether the package is a development or a transitive dependency, so neither is marked.
// Without a name, or with a name but no version, the file gives no package and a problem
// says why. A package with "private": true was never published (npm refuses to): it is a
// local package copied into node_modules, whose name may be anyone's on the registry, so it
// is not reported either. Other fields (dependencies, licenses, ...) are not read.
//
// An empty file, or one that is not a JSON object, is an error: Node.js and npm refuse it
// too. The file is read whole (bounded by MaxSize); the package keeps the line of its
// "name".
package installed

import (
	"bytes"
	"fmt"
	"io"

	"github.com/trawlscan/trawl/plugins/lang/internal/collect"
	"github.com/trawlscan/trawl/plugins/lang/node/internal/jsonwalk"
	"github.com/trawlscan/trawl/plugins/lang/node/internal/npm"
	"github.com/trawlscan/trawl/sdk"
)

// MaxSize is the largest file read (manifest.json). Published package.json files are a few
// kilobytes, the largest (long "contributes" or "exports" maps) a few hundred.
const MaxSize = 1 << 20

const kind = "package.json"

// Parse reads the package.json of an installed package from r. path is the file's path,
// used in the package's location and in problems. The error is for a file that cannot be
// read or is not a JSON object.
func Parse(path string, r io.Reader) (*collect.Result, error) {
	data, err := collect.ReadAll(path, r, MaxSize)
	if err != nil {
		return nil, err
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, fmt.Errorf("%s: empty file, not a %s", path, kind)
	}
	// The file is checked once and its top-level members found by a scan of its bytes,
	// several times as fast as a token walk (a node_modules tree has thousands of these
	// files). Keys match exactly, as in JavaScript (encoding/json's decoder would take
	// "Name" for "name"), and a key given twice counts for its last value.
	w := jsonwalk.New(path, kind, data)
	if err := w.Validate(); err != nil {
		return nil, err
	}
	top, _ := jsonwalk.Members(data)
	var name, version field
	private := false
	for _, m := range top {
		switch m.Key {
		case "name":
			name = field{m.Value, lineOf(data, m.Offset)}
		case "version":
			version = field{m.Value, lineOf(data, m.Offset)}
		case "private":
			private = string(m.Value) == "true"
		}
	}
	b := npm.NewBuilder(path)
	add(b, name, version, private)
	return b.Result(), nil
}

// lineOf returns the line of the byte at off. Counting the line breaks before it is cheaper
// than the walker's index of lines for the two lines a package.json needs.
func lineOf(data []byte, off int) int {
	return bytes.Count(data[:off], []byte("\n")) + 1
}

// field is the raw value of a member of the file and the line of its key; a nil value is
// a member that is not there.
type field struct {
	raw  []byte
	line int
}

func add(b *collect.Builder, name, version field, private bool) {
	if name.raw == nil || jsonwalk.Kind(name.raw) == "null" {
		b.Problemf(name.line, "no package name; not the package.json of an installed package")
		return
	}
	n, ok := jsonwalk.String(name.raw)
	switch {
	case !ok:
		b.Problemf(name.line, "name is %s, not a string; no package", jsonwalk.Kind(name.raw))
		return
	case n == "":
		b.Problemf(name.line, "no package name; not the package.json of an installed package")
		return
	}
	if msg := npm.CheckName(n); msg != "" {
		b.Problemf(name.line, "package name %s: %s; no package", collect.Quote(n), msg)
		return
	}
	v, ok := jsonwalk.String(version.raw)
	switch {
	case version.raw == nil || jsonwalk.Kind(version.raw) == "null" || ok && v == "":
		line := version.line // the empty version's, or the name's when there is none
		if line == 0 {
			line = name.line
		}
		b.Unresolved(line, n, "no version")
		return
	case !ok:
		b.Problemf(version.line, "package %s: version is %s, not a string; no package", collect.Quote(n), jsonwalk.Kind(version.raw))
		return
	}
	clean, ok := npm.Version(v)
	if !ok {
		b.Unresolved(version.line, n+"@"+v, "not a semantic version")
		return
	}
	if private {
		b.Problemf(name.line, "private package %s@%s (never published to a registry); not reported", collect.Quote(n), collect.Quote(clean))
		return
	}
	b.Add(name.line, sdk.Package{Name: n, Version: clean})
}
