// Package auditable reads the dependency list that cargo-auditable embeds in the Rust
// executables it builds: Zlib-compressed JSON in a section named ".dep-v0" (ELF, PE and
// Mach-O alike), in the format cargo-auditable publishes as its JSON schema
// (https://rustsec.org/schemas/cargo-auditable.json):
//
//	{"format": 1, "packages": [
//	  {"name": "serde", "version": "1.0.217", "source": "crates.io", "dependencies": [3]},
//	  {"name": "app", "version": "0.1.0", "source": "local", "root": true, "kind": "runtime"}]}
//
// A package refers to its dependencies by index in the array; "kind" is "build" for a
// package used only at build time (build scripts, procedural macros from format 1 on) and
// absent or "runtime" otherwise; "source" is "crates.io", "registry", "git", "local", or
// another string for sources cargo-auditable does not know yet.
//
// The host finds the section (a selector with "section") and hands the parser only its
// bytes, so Parse reads a Zlib stream. What is reported, as for Cargo.lock
// (../cargolock): every package whose source is not "local" (local packages are the
// project's own crates: the binary's root, workspace members, path dependencies) — a
// binary installed from crates.io has a crates.io root, which is reported. Build-only
// packages are Dev: they ran at build time and are not linked in. A package that neither a local
// package nor the root depends on is Indirect. Binaries have no lines: packages are at line 0.
//
// Hostile input: the compressed section is at most MaxSize, the JSON it inflates to at
// most MaxJSON (cargo-auditable's own readers stop at 8 MiB too), and dependency indices
// are checked.
package auditable

import (
	"bytes"
	"compress/zlib"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/trawlscan/trawl/plugins/lang/internal/collect"
	"github.com/trawlscan/trawl/sdk"
)

// Section is the name of the section cargo-auditable writes, in every object format.
const Section = ".dep-v0"

// MaxSize is the largest section the host hands the analyzer (manifest.json); real ones
// are a few kilobytes (about 20 bytes a package, compressed).
const MaxSize = 8 << 20

// MaxJSON bounds what the section inflates to: a decompression bomb stops there.
const MaxJSON = 8 << 20

// MaxBinary is the largest executable the host keeps to look for the section
// (manifest.json max_size).
const MaxBinary = 512 << 20

type versionInfo struct {
	Format   *uint32   `json:"format"`
	Packages []pkgInfo `json:"packages"`
}

type pkgInfo struct {
	Name         string          `json:"name"`
	Version      string          `json:"version"`
	Source       json.RawMessage `json:"source"`
	Kind         string          `json:"kind"`
	Dependencies []int           `json:"dependencies"`
	Root         bool            `json:"root"`
}

// Parse reads the content of a ".dep-v0" section from r. path is the executable's path, used
// in the packages' locations and in problems. The error is for a section that is not
// Zlib, inflates past MaxJSON, or is not cargo-auditable's JSON; a bad package entry is a
// problem in the result, and the others are kept.
func Parse(path string, r io.Reader) (*collect.Result, error) {
	compressed, err := collect.ReadAll(path, r, MaxSize)
	if err != nil {
		return nil, err
	}
	zr, err := zlib.NewReader(bytes.NewReader(compressed))
	if err != nil {
		return nil, fmt.Errorf("%s: section %s is not Zlib-compressed: %w", path, Section, err)
	}
	data, err := io.ReadAll(io.LimitReader(zr, MaxJSON+1))
	if err != nil {
		return nil, fmt.Errorf("%s: section %s: inflating: %w", path, Section, err)
	}
	if len(data) > MaxJSON {
		return nil, fmt.Errorf("%s: section %s inflates to more than %d bytes, not read", path, Section, MaxJSON)
	}
	var info versionInfo
	if err := json.Unmarshal(data, &info); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return nil, fmt.Errorf("%s: section %s is not cargo-auditable data: %s is %s, not %s", path, Section, te.Field, te.Value, te.Type)
		}
		return nil, fmt.Errorf("%s: section %s is not cargo-auditable data: %w", path, Section, err)
	}
	if info.Packages == nil {
		return nil, fmt.Errorf("%s: section %s is not cargo-auditable data: no \"packages\"", path, Section)
	}

	b := collect.NewBuilder(path, "cargo", nil)
	sources := make([]string, len(info.Packages))
	direct := make([]bool, len(info.Packages))
	// The project's packages: the local ones, and the root (a crate installed from a
	// registry is a root that is not local).
	hasProject := false
	for i, p := range info.Packages {
		sources[i] = source(p.Source)
		if sources[i] != "local" && !p.Root {
			continue
		}
		hasProject = true
		for _, d := range p.Dependencies {
			if d < 0 || d >= len(info.Packages) {
				b.Problemf(0, "package %s: dependency index %d out of range (%d packages)", collect.Quote(p.Name), d, len(info.Packages))
				continue
			}
			direct[d] = true
		}
	}
	for i, p := range info.Packages {
		switch {
		case sources[i] == "local":
			continue
		case p.Name == "":
			b.Problemf(0, "package %d has no name, skipped", i)
			continue
		case p.Version == "":
			b.Unresolved(0, p.Name, "no version")
			continue
		}
		b.Add(0, sdk.Package{
			Name:     p.Name,
			Version:  p.Version,
			Dev:      p.Kind == "build",
			Indirect: hasProject && !direct[i] && !p.Root,
		})
	}
	return b.Result(), nil
}

// source returns a package's source as cargo-auditable writes it: a string, or an object
// {"Other": "..."} in the serialisation of its schema's enum.
func source(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var other struct{ Other string }
	if json.Unmarshal(raw, &other) == nil {
		return other.Other
	}
	return ""
}
