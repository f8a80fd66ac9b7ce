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
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/trawlscan/trawl/plugins/lang/internal/collect"
	"github.com/trawlscan/trawl/plugins/lang/internal/jsonwalk"
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
	p := &parser{w: jsonwalk.New(path, "composer.lock", data), b: collect.NewBuilder(path, "composer", strings.ToLower)}
	sections := 0
	err = p.w.Top(func(key string, line int) error {
		if key != "packages" && key != "packages-dev" {
			return p.w.Skip()
		}
		sections++
		return p.section(key, line)
	})
	if err != nil {
		return nil, err
	}
	if sections == 0 {
		return nil, fmt.Errorf("%s: not a composer.lock: no packages or packages-dev", path)
	}
	return p.b.Result(), nil
}

type parser struct {
	w *jsonwalk.Walker
	b *collect.Builder
}

// skip is a value that is read and thrown away: the decoder checks its syntax, and
// nothing is copied or allocated for it.
type skip struct{}

func (*skip) UnmarshalJSON([]byte) error { return nil }

// section reads the packages of the array under key, on line.
func (p *parser) section(key string, line int) error {
	isArray, tok, err := p.w.Array(func() error {
		tok, err := p.w.Token()
		if err != nil {
			return err
		}
		start := p.w.Line()
		if d, ok := tok.(json.Delim); !ok || d != '{' {
			p.b.Problemf(start, "package entry is %s, not an object; skipped", jsonwalk.Describe(tok))
			return p.w.SkipFrom(tok)
		}
		return p.entry(key == "packages-dev", start)
	})
	if err != nil {
		return err
	}
	if !isArray {
		p.b.Problemf(line, "%s is %s, not an array of packages; ignored", key, jsonwalk.Describe(tok))
	}
	return nil
}

// entry reads one package object, after its '{' on line start.
func (p *parser) entry(dev bool, start int) error {
	var name, version any
	var licenses []any
	nameLine := start
	for p.w.More() {
		tok, err := p.w.Token()
		if err != nil {
			return err
		}
		key, _ := tok.(string)
		switch key {
		case "name":
			nameLine = p.w.Line()
			err = p.w.Decode(&name)
		case "version":
			err = p.w.Decode(&version)
		case "license":
			var l any
			err = p.w.Decode(&l)
			switch l := l.(type) {
			case []any:
				licenses = l
			case string:
				licenses = []any{l}
			}
		default:
			err = p.w.Decode(&skip{})
		}
		if err != nil {
			return err
		}
	}
	if _, err := p.w.Token(); err != nil { // the object's '}'
		return err
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
