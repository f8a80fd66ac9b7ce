// Package composerlock reads composer.lock, the lock file of Composer, PHP's package
// manager: a JSON object whose "packages" array holds the packages installed for
// production and "packages-dev" those installed only for development (require-dev),
// each an object with "name", "version", "source", "dist", "license" and more.
//
// Each package is reported at the line of its name, with its licenses; the packages of
// "packages-dev" are Dev. A version is reported without the "v" that many tags carry
// ("v5.4.0" is 5.4.0): Packagist advisories in OSV, and Composer itself when it compares
// versions, do without it. A package locked to a branch ("dev-main", "1.0.x-dev") has no
// release version and is unresolved. The file does not say which packages the project
// requires itself, so Indirect is never set; "platform" (PHP and its extensions) and
// "aliases" are not packages and are not read.
//
// The file is read whole (bounded by MaxSize) and walked token by token, so that each
// package keeps its line and the long fields (autoload, descriptions, authors) are never
// decoded. An empty file is an error: Composer refuses it too.
package composerlock

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/trawlscan/trawl/plugins/lang/internal/collect"
	"github.com/trawlscan/trawl/sdk"
)

// MaxSize is the largest file read (manifest.json). A package takes 1-3 KB, so 16 MiB
// is thousands of packages; large Drupal sites lock a few hundred.
const MaxSize = 16 << 20

// Parse reads a composer.lock from r. path is the file's path, used in the packages'
// locations and in problems. The error is for a file that cannot be read or is not a
// composer.lock at all (not JSON, not an object, neither packages nor packages-dev); a
// bad package entry is a problem in the result, and the others are kept.
func Parse(path string, r io.Reader) (*collect.Result, error) {
	data, err := collect.ReadAll(path, r, MaxSize)
	if err != nil {
		return nil, err
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, fmt.Errorf("%s: empty file, not a composer.lock", path)
	}
	p := &parser{path: path, data: data, dec: json.NewDecoder(bytes.NewReader(data)),
		b: collect.NewBuilder(path, "composer", strings.ToLower)}
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

// skip is a value that is read and thrown away: the decoder checks its syntax, and
// nothing is copied or allocated for it.
type skip struct{}

func (*skip) UnmarshalJSON([]byte) error { return nil }

func (p *parser) parse() error {
	tok, err := p.dec.Token()
	if err != nil {
		return p.syntax(err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return fmt.Errorf("%s: not a composer.lock: the top level is %s, not an object", p.path, describe(tok))
	}
	sections := 0
	for p.dec.More() {
		tok, err := p.dec.Token()
		if err != nil {
			return p.syntax(err)
		}
		key, _ := tok.(string)
		line := p.line()
		if key != "packages" && key != "packages-dev" {
			if err := p.dec.Decode(&skip{}); err != nil {
				return p.syntax(err)
			}
			continue
		}
		sections++
		tok, err = p.dec.Token()
		if err != nil {
			return p.syntax(err)
		}
		if d, ok := tok.(json.Delim); !ok || d != '[' {
			p.b.Problemf(line, "%s is %s, not an array of packages; ignored", key, describe(tok))
			if d, ok := tok.(json.Delim); ok && d == '{' {
				if err := p.skipRest(); err != nil {
					return err
				}
			}
			continue
		}
		if err := p.section(key == "packages-dev"); err != nil {
			return err
		}
	}
	if _, err := p.dec.Token(); err != nil { // the closing '}'
		return p.syntax(err)
	}
	if _, err := p.dec.Token(); err != io.EOF {
		return fmt.Errorf("%s:%d: not a composer.lock: data after the top-level object", p.path, p.line())
	}
	if sections == 0 {
		return fmt.Errorf("%s: not a composer.lock: no packages or packages-dev", p.path)
	}
	return nil
}

// section reads the packages of one array, after its '['.
func (p *parser) section(dev bool) error {
	for p.dec.More() {
		tok, err := p.dec.Token()
		if err != nil {
			return p.syntax(err)
		}
		line := p.line()
		if d, ok := tok.(json.Delim); !ok || d != '{' {
			p.b.Problemf(line, "package entry is %s, not an object; skipped", describe(tok))
			if d, ok := tok.(json.Delim); ok && d == '[' {
				if err := p.skipRest(); err != nil {
					return err
				}
			}
			continue
		}
		if err := p.entry(dev, line); err != nil {
			return err
		}
	}
	if _, err := p.dec.Token(); err != nil { // the array's ']'
		return p.syntax(err)
	}
	return nil
}

// entry reads one package object, after its '{' on line start.
func (p *parser) entry(dev bool, start int) error {
	var name, version any
	var licenses []any
	nameLine := start
	for p.dec.More() {
		tok, err := p.dec.Token()
		if err != nil {
			return p.syntax(err)
		}
		key, _ := tok.(string)
		switch key {
		case "name":
			nameLine = p.line()
			err = p.dec.Decode(&name)
		case "version":
			err = p.dec.Decode(&version)
		case "license":
			var l any
			err = p.dec.Decode(&l)
			switch l := l.(type) {
			case []any:
				licenses = l
			case string:
				licenses = []any{l}
			}
		default:
			err = p.dec.Decode(&skip{})
		}
		if err != nil {
			return p.syntax(err)
		}
	}
	if _, err := p.dec.Token(); err != nil { // the object's '}'
		return p.syntax(err)
	}
	n, _ := name.(string)
	if n == "" {
		p.b.Problemf(start, "package without a name, skipped")
		return nil
	}
	v, _ := version.(string)
	switch {
	case v == "":
		p.b.Unresolved(nameLine, n, "no version")
		return nil
	case strings.HasPrefix(v, "dev-") || strings.HasSuffix(v, "-dev") && strings.ContainsAny(v, "x*"):
		p.b.Unresolved(nameLine, n+" "+v, "development branch, no release version")
		return nil
	}
	if len(v) > 1 && (v[0] == 'v' || v[0] == 'V') && v[1] >= '0' && v[1] <= '9' {
		v = v[1:]
	}
	var ls []string
	for _, l := range licenses {
		if s, ok := l.(string); ok {
			ls = append(ls, s)
		}
	}
	p.b.Add(nameLine, sdk.Package{Name: n, Version: v, Dev: dev, Licenses: ls})
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
		return fmt.Errorf("%s:%d: not a composer.lock: unexpected end of JSON", p.path, p.lineAt(len(p.data)))
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Errorf("%s:%d: not a composer.lock: invalid JSON: %v", p.path, p.lineAt(int(se.Offset)), se)
	}
	return fmt.Errorf("%s:%d: not a composer.lock: %v", p.path, p.line(), err)
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
