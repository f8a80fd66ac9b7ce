// Package gemfilelock reads Gemfile.lock (and gems.locked, its other name), the lock file
// that Bundler writes next to a Gemfile: https://bundler.io/guides/gemfile_lock.html.
//
// The file is a list of sections, each a header at the start of a line followed by
// indented lines:
//
//	GEM                          a source of gems: GEM (a gem server), GIT, PATH and
//	  remote: https://rubygems.org/    PLUGIN SOURCE; each lists under "specs:" the gems
//	  specs:                           resolved from it
//	    nokogiri (1.13.10-x86_64-linux)    4 spaces: a gem, its version and platform
//	      racc (~> 1.4)                    6 spaces: a requirement of that gem
//	DEPENDENCIES                 the gems the Gemfile names ("rails!" when pinned to a
//	  rails (~> 7.0)                   GIT or PATH source)
//	BUNDLED WITH                 the Bundler version that wrote the file
//	   2.4.10
//
// Every gem of a source section is a package, at the line of its spec, with its version
// and without its platform ("1.13.10-x86_64-linux" is version 1.13.10: RubyGems writes a
// prerelease with dots, never a '-', so the first '-' starts the platform). Gems of GIT
// and PATH sources are reported too: their version is the one their gemspec declares,
// which is what advisories are matched against, though the code may differ from the
// release of that version. A gem listed under several platforms is one package.
//
// A gem named in DEPENDENCIES is direct, every other gem is Indirect; a file whose
// DEPENDENCIES section lists nothing (cut short, or hand-made) says nothing, and no gem is
// marked. The version of BUNDLED WITH is reported as the package "bundler", not indirect:
// it is the Bundler that installs the bundle, and Bundler has advisories of its own.
// Gemfile.lock does not record Gemfile groups, so no gem is marked Dev. Not read:
// requirements between gems (6-space lines), PLATFORMS, RUBY VERSION (Ruby itself is not a
// gem), CHECKSUMS and the options of sources.
//
// An empty file is an empty result: Bundler treats an empty lock file as no lock file. A
// file with none of Bundler's section headers is not a Gemfile.lock and fails. Merge
// conflict markers, which make Bundler refuse the file, are problems: the gems of both
// sides are reported. The file streams through a fixed line buffer.
package gemfilelock

import (
	"fmt"
	"io"
	"strings"

	"github.com/trawlscan/trawl/plugins/lang/internal/collect"
	"github.com/trawlscan/trawl/plugins/lang/internal/linereader"
	"github.com/trawlscan/trawl/plugins/lang/ruby/internal/gem"
	"github.com/trawlscan/trawl/sdk"
)

// MaxSize is the largest file read (manifest.json). The gems are kept until the end of the
// file, since DEPENDENCIES may come after them, so the bound is on memory too: the
// Gemfile.lock of a large Rails application is about 50 KB.
const MaxSize = 8 << 20

// maxLine bounds a line: the longest real lines are remotes and requirement lists, well
// under a kilobyte.
const maxLine = 4 << 10

type section int

const (
	none section = iota
	source
	dependencies
	bundledWith
	other // PLATFORMS, RUBY VERSION, CHECKSUMS, and sections of later Bundler versions
)

// headers maps Bundler's section headers to what they hold.
var headers = map[string]section{
	"GEM": source, "GIT": source, "PATH": source, "PLUGIN SOURCE": source,
	"DEPENDENCIES": dependencies,
	"BUNDLED WITH": bundledWith,
	"PLATFORMS":    other, "RUBY VERSION": other, "CHECKSUMS": other,
}

type spec struct {
	name, version string
	line          int
	bundler       bool
}

type parser struct {
	b       *collect.Builder
	sec     section
	known   int // section headers of Bundler's seen
	specs   []spec
	direct  map[string]bool
	bundled bool
}

// Parse reads a Gemfile.lock from r. path is the file's path, used in the packages'
// locations and in problems. The error is for a file that cannot be read or has none of
// Bundler's sections.
func Parse(path string, r io.Reader) (*collect.Result, error) {
	p := &parser{b: gem.NewBuilder(path), direct: map[string]bool{}}
	lines := linereader.New(path, r, maxLine, MaxSize)
	first, nonBlank := "", false
	for {
		line, long, ok := lines.Next()
		if !ok {
			break
		}
		if strings.TrimSpace(line) == "" {
			continue
		}
		if !nonBlank {
			nonBlank, first = true, line
		}
		if long {
			p.b.Problemf(lines.No(), "line longer than %d bytes, skipped", maxLine)
			continue
		}
		p.line(line, lines.No())
	}
	if err := lines.Err(); err != nil {
		return nil, err
	}
	if nonBlank && p.known == 0 {
		return nil, fmt.Errorf("%s: not a Gemfile.lock: no GEM, GIT, PATH, DEPENDENCIES, PLATFORMS or BUNDLED WITH section; first line %s", path, collect.Quoted(collect.Redact(first)))
	}
	for _, s := range p.specs {
		// Without a DEPENDENCIES entry the file says nothing about what is direct.
		indirect := len(p.direct) > 0 && !s.bundler && !p.direct[s.name]
		p.b.Add(s.line, sdk.Package{Name: s.name, Version: s.version, Indirect: indirect})
	}
	return p.b.Result(), nil
}

func (p *parser) line(line string, no int) {
	for _, m := range []string{"<<<<<<<", "=======", ">>>>>>>", "|||||||"} {
		if strings.HasPrefix(line, m) {
			p.b.Problemf(no, "merge conflict marker %s: Bundler refuses the file until the conflict is resolved", m)
			return
		}
	}
	if line[0] != ' ' {
		line = strings.TrimRight(line, " \t")
		sec, ok := headers[line]
		switch {
		case ok:
			p.known++
		case !header(line):
			p.b.Problemf(no, "not a section header nor an indented line, ignored: %s", collect.Quote(collect.Redact(line)))
		}
		// An unknown header in capitals is a section of a later Bundler: skipped, as
		// Bundler skips it.
		p.sec = sec
		return
	}
	indent := len(line) - len(strings.TrimLeft(line, " "))
	text := line[indent:]
	switch p.sec {
	case source:
		switch indent {
		case 2: // "specs:" and options such as "remote: ..."
		case 4:
			p.spec(text, no)
		case 6: // a requirement of the gem above
		default:
			p.b.Problemf(no, "unexpected indentation of %d spaces in a source section, ignored: %s", indent, collect.Quote(collect.Redact(text)))
		}
	case dependencies:
		if indent != 2 {
			return
		}
		// "name", "name (~> 1.0)", "name!" (pinned to a GIT or PATH source).
		name, _, _ := strings.Cut(text, " ")
		p.direct[strings.TrimSuffix(name, "!")] = true
	case bundledWith:
		if p.bundled {
			return
		}
		p.bundled = true
		v := strings.TrimSpace(text)
		if !version(v) {
			p.b.Problemf(no, "BUNDLED WITH %s is not a version, ignored", collect.Quote(v))
			return
		}
		p.specs = append(p.specs, spec{name: "bundler", version: v, line: no, bundler: true})
	}
}

// spec reads "name (version)" or "name (version-platform)".
func (p *parser) spec(text string, no int) {
	name, rest, ok := strings.Cut(text, " (")
	if !ok || !strings.HasSuffix(rest, ")") {
		if ok || strings.ContainsAny(text, " ()") {
			p.b.Problemf(no, "spec %s is not \"name (version)\", skipped", collect.Quote(text))
			return
		}
		p.b.Problemf(no, "gem %s has no version, skipped", collect.Quote(text))
		return
	}
	v, _, _ := strings.Cut(strings.TrimSuffix(rest, ")"), "-")
	if !version(v) {
		p.b.Problemf(no, "gem %s: %s is not a gem version, skipped", collect.Quote(name), collect.Quote(rest[:len(rest)-1]))
		return
	}
	p.specs = append(p.specs, spec{name: name, version: v, line: no})
}

// version reports whether v has the shape of a gem version as RubyGems writes it: a
// number, then segments of letters and digits separated by dots ("1.2.3", "2.0.0.rc1").
func version(v string) bool {
	if v == "" || v[0] < '0' || v[0] > '9' || v[len(v)-1] == '.' {
		return false
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '.' && v[i-1] != '.') {
			return false
		}
	}
	return true
}

// header reports whether line looks like a section header: capital letters and spaces.
func header(line string) bool {
	for i := 0; i < len(line); i++ {
		if c := line[i]; !(c >= 'A' && c <= 'Z' || c == ' ' || c == '_') {
			return false
		}
	}
	return true
}
