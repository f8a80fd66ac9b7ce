// Package pipfilelock reads Pipfile.lock, the lock file of Pipenv: a JSON object whose
// "default" section holds the production packages and "develop" the development ones, each
// a map from name to {"version": "==1.2.3", "hashes": [...], ...}.
//
// Packages without a pinned version (a git, path or file dependency, often editable) are
// reported as unresolved. Sections other than "_meta", "default" and "develop" are the
// package categories of newer Pipenv versions; their packages are reported as production
// packages, since the file does not say how they are used.
//
// The file is read whole (bounded by MaxSize) and walked token by token, so that each
// package keeps the line of its name and the sections stay in the order of the file.
package pipfilelock

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/trawlscan/trawl/plugins/lang/internal/collect"
	"github.com/trawlscan/trawl/plugins/lang/internal/jsonwalk"
	"github.com/trawlscan/trawl/plugins/lang/python/internal/pep508"
	"github.com/trawlscan/trawl/plugins/lang/python/internal/pypi"
	"github.com/trawlscan/trawl/sdk"
)

// MaxSize is the largest file read (manifest.json). Pipfile.lock lists about 2 KB of
// hashes per package: 16 MiB is several thousand packages.
const MaxSize = 16 << 20

// entry is one package of a section. Fields are decoded loosely (any) so that a value of
// the wrong type is a problem with one package, not with the file.
type entry struct {
	Version  any `json:"version"`
	Git      any `json:"git"`
	Path     any `json:"path"`
	File     any `json:"file"`
	Editable any `json:"editable"`
}

// Parse reads a Pipfile.lock from r. path is the file's path, used in the packages'
// locations and in problems. The error is for a file that cannot be read or is not a
// Pipfile.lock at all (not JSON, not an object, no section).
func Parse(path string, r io.Reader) (*collect.Result, error) {
	data, err := collect.ReadAll(path, r, MaxSize)
	if err != nil {
		return nil, err
	}
	p := &parser{w: jsonwalk.New(path, "Pipfile.lock", data), b: pypi.NewBuilder(path)}
	sections := 0
	err = p.w.Top(func(key string, line int) error {
		if key == "_meta" {
			sections++
			return p.w.Skip()
		}
		isObject, tok, err := p.w.Object(func(name string, line int) error {
			var e entry
			if err := p.w.Decode(&e); err != nil {
				var te *json.UnmarshalTypeError
				if errors.As(err, &te) {
					p.b.Problemf(line, "package %s is not an object, skipped", collect.Quote(name))
					return nil
				}
				return err
			}
			p.entry(name, e, key == "develop", line)
			return nil
		})
		if err != nil {
			return err
		}
		if !isObject {
			p.b.Problemf(line, "%s is %s, not a section of packages; ignored", collect.Quote(key), jsonwalk.Describe(tok))
			return nil
		}
		sections++
		return nil
	})
	if err != nil {
		return nil, err
	}
	if sections == 0 {
		return nil, fmt.Errorf("%s: not a Pipfile.lock: no _meta, default or develop section", path)
	}
	return p.b.Result(), nil
}

type parser struct {
	w *jsonwalk.Walker
	b *collect.Builder
}

func (p *parser) entry(name string, e entry, dev bool, line int) {
	spec, _ := e.Version.(string)
	if spec == "" {
		why := "no version"
		switch {
		case str(e.Git) != "":
			why = "git " + str(e.Git) + ", no version"
		case str(e.Path) != "":
			why = "local path " + str(e.Path) + ", no version"
		case str(e.File) != "":
			why = "file " + str(e.File) + ", no version"
		}
		if e.Editable == true {
			why = "editable " + why
		}
		p.b.Unresolved(line, name, collect.Redact(why))
		return
	}
	clauses, err := pep508.ParseClauses(spec)
	if err != nil {
		p.b.Problemf(line, "package %s: version %s: %v", collect.Quote(name), collect.Quoted(spec), err)
		return
	}
	version, why := pep508.Pin(clauses)
	if why != "" {
		p.b.Unresolved(line, name+spec, why)
		return
	}
	p.b.Add(line, sdk.Package{Name: name, Version: version, Dev: dev})
}

func str(v any) string {
	s, _ := v.(string)
	return s
}
