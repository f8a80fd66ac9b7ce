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
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/trawlscan/trawl/plugins/lang/internal/collect"
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
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, fmt.Errorf("%s: empty file, not a Pipfile.lock", path)
	}
	p := &parser{path: path, data: data, dec: json.NewDecoder(bytes.NewReader(data)), b: pypi.NewBuilder(path)}
	if err := p.parse(); err != nil {
		return nil, err
	}
	return p.b.Result(), nil
}

type parser struct {
	path string
	data []byte
	dec  *json.Decoder
	b    *collect.Builder
	// lines holds the offset of the start of each line after the first, built on first use.
	lines []int
}

func (p *parser) parse() error {
	tok, err := p.dec.Token()
	if err != nil {
		return p.syntax(err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return fmt.Errorf("%s: not a Pipfile.lock: the top level is %s, not an object", p.path, describe(tok))
	}
	sections := 0
	for p.dec.More() {
		tok, err := p.dec.Token()
		if err != nil {
			return p.syntax(err)
		}
		key, _ := tok.(string)
		line := p.line()
		if key == "_meta" {
			sections++
			if err := p.skip(); err != nil {
				return err
			}
			continue
		}
		tok, err = p.dec.Token()
		if err != nil {
			return p.syntax(err)
		}
		if d, ok := tok.(json.Delim); !ok || d != '{' {
			p.b.Problemf(line, "%s is %s, not a section of packages; ignored", collect.Quote(key), describe(tok))
			if d, ok := tok.(json.Delim); ok && d == '[' {
				if err := p.skipRest(); err != nil {
					return err
				}
			}
			continue
		}
		sections++
		if err := p.section(key == "develop"); err != nil {
			return err
		}
	}
	if _, err := p.dec.Token(); err != nil { // the closing '}'
		return p.syntax(err)
	}
	if _, err := p.dec.Token(); err != io.EOF {
		return fmt.Errorf("%s:%d: not a Pipfile.lock: data after the top-level object", p.path, p.line())
	}
	if sections == 0 {
		return fmt.Errorf("%s: not a Pipfile.lock: no _meta, default or develop section", p.path)
	}
	return nil
}

// section reads the packages of one section, after its '{'.
func (p *parser) section(dev bool) error {
	for p.dec.More() {
		tok, err := p.dec.Token()
		if err != nil {
			return p.syntax(err)
		}
		name, _ := tok.(string)
		line := p.line()
		var e entry
		if err := p.dec.Decode(&e); err != nil {
			var te *json.UnmarshalTypeError
			if errors.As(err, &te) {
				p.b.Problemf(line, "package %s is not an object, skipped", collect.Quote(name))
				continue
			}
			return p.syntax(err)
		}
		p.entry(name, e, dev, line)
	}
	if _, err := p.dec.Token(); err != nil { // the section's '}'
		return p.syntax(err)
	}
	return nil
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

// skip skips the next value.
func (p *parser) skip() error {
	var raw json.RawMessage
	if err := p.dec.Decode(&raw); err != nil {
		return p.syntax(err)
	}
	return nil
}

// skipRest skips the rest of an array or object whose opening delimiter was read.
func (p *parser) skipRest() error {
	for depth := 1; depth > 0; {
		tok, err := p.dec.Token()
		if err != nil {
			return p.syntax(err)
		}
		if d, ok := tok.(json.Delim); ok {
			if d == '{' || d == '[' {
				depth++
			} else {
				depth--
			}
		}
	}
	return nil
}

// syntax turns a decoding error into one that names the file and the line.
func (p *parser) syntax(err error) error {
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return fmt.Errorf("%s:%d: not a Pipfile.lock: unexpected end of JSON", p.path, p.lineAt(len(p.data)))
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Errorf("%s:%d: not a Pipfile.lock: invalid JSON: %v", p.path, p.lineAt(int(se.Offset)), se)
	}
	return fmt.Errorf("%s:%d: not a Pipfile.lock: %v", p.path, p.line(), err)
}

// line is the line of the last token read.
func (p *parser) line() int { return p.lineAt(int(p.dec.InputOffset())) }

// lineAt returns the line of the byte before offset: the decoder's offsets point past the
// token they follow.
func (p *parser) lineAt(off int) int {
	if p.lines == nil {
		p.lines = make([]int, 0, 64)
		for i, c := range p.data {
			if c == '\n' {
				p.lines = append(p.lines, i+1)
			}
		}
	}
	return sort.SearchInts(p.lines, off) + 1
}

func describe(tok json.Token) string {
	switch v := tok.(type) {
	case json.Delim:
		if v == '[' {
			return "an array"
		}
		return "an object"
	case string:
		return "a string"
	case float64:
		return "a number"
	case bool:
		return "a boolean"
	case nil:
		return "null"
	}
	return strings.TrimSpace(fmt.Sprint(tok))
}
