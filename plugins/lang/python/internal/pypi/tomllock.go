package pypi

import (
	"fmt"
	"io"

	"github.com/trawlscan/trawl/plugins/lang/internal/collect"
	"github.com/trawlscan/trawl/plugins/lang/internal/tomltree"
)

// TOMLLock describes a lock file that lists its packages as an array of tables, as
// poetry.lock, pdm.lock and pylock.toml do.
type TOMLLock struct {
	// What names the format in errors: "poetry.lock".
	What string
	// Packages is the key of the array of package tables; Marker is a key that marks the
	// format when the array is missing (a lock of a project without dependencies).
	Packages, Marker string
	// Missing says what a file of neither has not: "no [[package]] and no [metadata]".
	Missing string
	// MaxSize bounds the file, which is read whole.
	MaxSize int64
	// Skip prunes subtrees the format never needs (hashes, file lists).
	Skip func(path []string) bool
	// Add reads one package table whose name is known to be set; line is the name's line.
	Add func(b *collect.Builder, t *tomltree.Value, name string, line int)
}

// Parse reads a lock file of the format l from r. The error is for a file that cannot be
// read or is not of the format (not TOML, empty, neither the packages array nor the
// marker); a bad package entry is a problem in the result, and the others are kept.
func (l TOMLLock) Parse(path string, r io.Reader) (*collect.Result, error) {
	data, err := collect.ReadAll(path, r, l.MaxSize)
	if err != nil {
		return nil, err
	}
	root, err := tomltree.ParseFile(path, "a "+l.What, data, tomltree.Options{Skip: l.Skip})
	if err != nil {
		return nil, err
	}
	pkgs := root.Get(l.Packages)
	if pkgs == nil && root.Get(l.Marker) == nil {
		return nil, fmt.Errorf("%s: not a %s: %s", path, l.What, l.Missing)
	}
	if pkgs != nil && pkgs.Kind != tomltree.Array {
		return nil, fmt.Errorf("%s:%d: not a %s: %s is %s, not an array of tables", path, pkgs.Line, l.What, l.Packages, pkgs.Describe())
	}
	b := NewBuilder(path)
	if pkgs == nil {
		return b.Result(), nil
	}
	for _, t := range pkgs.Items {
		if t.Kind != tomltree.Table {
			b.Problemf(t.Line, "package entry is %s, not a table; skipped", t.Describe())
			continue
		}
		name, ok := t.String("name")
		if !ok || name == "" {
			b.Problemf(t.Line, "package without a name, skipped")
			continue
		}
		l.Add(b, t, name, t.Get("name").Line)
	}
	return b.Result(), nil
}
