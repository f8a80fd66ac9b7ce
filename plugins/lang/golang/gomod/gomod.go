// Package gomod reads go.mod, the file in which a Go module declares its path, the Go
// version it needs and the modules it requires. The go command writes it (go mod tidy,
// go get); since Go 1.17 it lists every module the main module's packages need, the ones
// only needed through others marked "// indirect".
//
// What is reported:
//   - each require directive, Indirect when marked "// indirect", at its line;
//   - replace directives applied to the requirements they match (an exact "path version"
//     replacement before a "path" one): the requirement is reported under the
//     replacement's path and version, at the replace line; a replacement by a local
//     directory ("=> ../fork") is unresolved ("replaced by local path"), since no module
//     version names it;
//   - the Go standard library, as package "stdlib" (the Go vulnerability database's name)
//     at the version of the toolchain directive ("toolchain go1.22.3" is 1.22.3), or
//     else of the go directive when it names a release ("go 1.21.0", "go 1.22rc1"). A
//     bare "go 1.16" or "go 1.21" is a language version, not a toolchain, and gives no
//     stdlib package. Either is the least toolchain the module builds with; the one that
//     built a given binary may be newer, which only the binary says (package gobinary).
//
// What is not: the module itself (the module directive: the project, not a dependency),
// exclude and retract directives (they remove versions, they add none), tool, ignore and
// godebug directives. A required version that is not canonical ("v1.2", a branch name)
// is unresolved: the go command resolves such a query the next time it updates the file,
// and any version given here would be a guess.
//
// The file is read whole (bounded by MaxSize) by a lexer written after the go.mod
// reference (https://go.dev/ref/mod#go-mod-file-grammar) rather than with
// golang.org/x/mod/modfile: modfile brings golang.org/x/mod/module and with it package
// regexp, about 410 KB of the WebAssembly module, and it rejects a whole file for one bad
// line, where the analyzer reports the line and reads the rest. The tests check the two
// agree on every file modfile accepts. An empty file, or one of only comments, gives an
// empty result (modfile reads it as a go.mod without directives); a file in which no line
// is a go.mod directive is not a go.mod.
package gomod

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/mod/semver"

	"github.com/trawlscan/trawl/plugins/lang/golang/internal/stdlib"
	"github.com/trawlscan/trawl/plugins/lang/internal/collect"
	"github.com/trawlscan/trawl/sdk"
)

// MaxSize is the largest file read (manifest.json). Large go.mod files (Kubernetes) are
// tens of KB: 4 MiB is a hundred times that.
const MaxSize = 4 << 20

// Parse reads a go.mod from r. path is the file's path, used in the packages' locations
// and in problems. The error is for a file that cannot be read or holds no go.mod
// directive at all; a line that cannot be read is a problem, and the others are kept.
func Parse(path string, r io.Reader) (*collect.Result, error) {
	data, err := collect.ReadAll(path, r, MaxSize)
	if err != nil {
		return nil, err
	}
	p := &parser{b: collect.NewBuilder(path, "golang", nil)}
	p.statements(string(data))
	if p.directives == 0 && p.firstProblem != "" {
		return nil, fmt.Errorf("%s:%d: not a go.mod file: %s", path, p.firstLine, p.firstProblem)
	}
	p.report()
	return p.b.Result(), nil
}

// A statement is one directive: a line outside a block, or a line of a block with the
// block's verb.
type statement struct {
	line int
	verb string
	args []string
	// comment is the text of a comment ending the line, after "//".
	comment string
}

type require struct {
	line          int
	path, version string
	indirect      bool
}

type replace struct {
	line              int
	old, oldVersion   string // oldVersion "" matches every version
	repl, replVersion string // replVersion "" for a directory
	// isDir is a replacement by a directory; badVersion one by a version that is not
	// canonical (a branch, "v1.2"), which the go command resolves to one.
	isDir, badVersion bool
}

type parser struct {
	b *collect.Builder

	// directives counts the lines that were go.mod directives, even faulty ones.
	directives   int
	firstProblem string
	firstLine    int

	module    bool
	goVersion *statement
	toolchain *statement
	requires  []require
	replaces  []replace
}

func (p *parser) problem(line int, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if p.firstProblem == "" {
		p.firstProblem, p.firstLine = msg, line
	}
	p.b.Problemf(line, "%s", msg)
}

// blockVerbs are the directives that may open a block: "require (".
var blockVerbs = map[string]bool{
	"module": true, "godebug": true, "require": true, "exclude": true, "replace": true,
	"retract": true, "tool": true, "ignore": true,
}

// statements lexes the file line by line and hands each directive to directive.
func (p *parser) statements(data string) {
	// block is the verb of the open block, and blockLine its line.
	block, blockLine := "", 0
	for n := 1; data != ""; n++ {
		text := data
		if i := strings.IndexByte(data, '\n'); i >= 0 {
			text, data = data[:i], data[i+1:]
		} else {
			data = ""
		}
		toks, comment, err := lex(text)
		if err != "" {
			p.problem(n, "%s, line ignored", err)
			continue
		}
		if len(toks) == 0 {
			continue
		}
		if block != "" {
			if toks[0] == ")" {
				if len(toks) > 1 {
					p.problem(n, "syntax error: text after the closing paren of a block, ignored")
				}
				block = ""
				continue
			}
			p.directive(statement{line: n, verb: block, args: toks, comment: comment})
			continue
		}
		last := len(toks) - 1
		switch {
		case last >= 1 && toks[last] == "(":
			// "verb (" opens a block.
			if last > 1 || !blockVerbs[toks[0]] {
				p.directives += btoi(known(toks[0]))
				p.problem(n, "unknown block type %s, block ignored", collect.Quote(strings.Join(toks[:last], " ")))
				block, blockLine = "\x00", n
				continue
			}
			p.directives++
			block, blockLine = toks[0], n
		case last >= 2 && toks[last-1] == "(" && toks[last] == ")":
			// "verb ( )": an empty block.
			p.directives += btoi(known(toks[0]))
			if last > 2 || !blockVerbs[toks[0]] {
				p.problem(n, "unknown block type %s, ignored", collect.Quote(strings.Join(toks[:last-1], " ")))
			}
		case toks[0] == ")":
			p.problem(n, "syntax error: closing paren outside a block, ignored")
		default:
			p.directive(statement{line: n, verb: toks[0], args: toks[1:], comment: comment})
		}
	}
	if block != "" {
		p.problem(blockLine, "syntax error: block not closed before the end of the file")
	}
}

func known(verb string) bool { return blockVerbs[verb] || verb == "go" || verb == "toolchain" }

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// directive reads one statement.
func (p *parser) directive(s statement) {
	if s.verb == "\x00" {
		return // a line of a block already reported
	}
	if !known(s.verb) {
		p.problem(s.line, "unknown directive %s, line ignored", collect.Quote(s.verb))
		return
	}
	p.directives++
	switch s.verb {
	case "module":
		if p.module {
			p.problem(s.line, "repeated module statement, ignored")
			return
		}
		p.module = true
		if len(s.args) != 1 {
			p.problem(s.line, "usage: module module/path")
		}
	case "go":
		if p.goVersion != nil {
			p.problem(s.line, "repeated go statement, ignored")
			return
		}
		if len(s.args) != 1 || !goVersionOK(s.args[0]) {
			p.problem(s.line, "invalid go version %s: must match format 1.23.0, ignored", collect.Quote(strings.Join(s.args, " ")))
			return
		}
		p.goVersion = &s
	case "toolchain":
		if p.toolchain != nil {
			p.problem(s.line, "repeated toolchain statement, ignored")
			return
		}
		if len(s.args) != 1 || !toolchainOK(s.args[0]) {
			p.problem(s.line, "invalid toolchain version %s: must match format go1.23.0 or default, ignored", collect.Quote(strings.Join(s.args, " ")))
			return
		}
		p.toolchain = &s
	case "require":
		p.require(s)
	case "replace":
		p.replace(s)
	}
	// exclude, retract, godebug, tool and ignore add no package.
}

func (p *parser) require(s statement) {
	if len(s.args) != 2 {
		p.problem(s.line, "usage: require module/path v1.2.3, line ignored")
		return
	}
	path, err := unquote(s.args[0])
	if err != "" {
		p.problem(s.line, "require: %s, line ignored", err)
		return
	}
	version, err := unquote(s.args[1])
	if err != "" {
		p.problem(s.line, "require %s: version: %s, line ignored", collect.Quote(path), err)
		return
	}
	p.requires = append(p.requires, require{line: s.line, path: path, version: version, indirect: indirect(s.comment)})
}

func (p *parser) replace(s statement) {
	// replace old [version] => new [version]
	args := s.args
	arrow := 2
	if len(args) >= 2 && args[1] == "=>" {
		arrow = 1
	}
	if len(args) < arrow+2 || len(args) > arrow+3 || args[arrow] != "=>" {
		p.problem(s.line, "usage: replace module/path [v1.2.3] => other/module v1.4 or ../local/directory, line ignored")
		return
	}
	r := replace{line: s.line}
	var err string
	for _, f := range []struct {
		dst *string
		i   int
	}{{&r.old, 0}, {&r.oldVersion, 1}, {&r.repl, arrow + 1}, {&r.replVersion, arrow + 2}} {
		if f.i == arrow || f.i >= len(args) {
			continue
		}
		if *f.dst, err = unquote(args[f.i]); err != "" {
			p.problem(s.line, "replace: %s, line ignored", err)
			return
		}
	}
	if arrow == 2 && !canonical(r.oldVersion) {
		// The go command rejects this: only a version can be replaced.
		p.problem(s.line, "replace %s: version %s is not a canonical module version, line ignored", collect.Quote(r.old), collect.Quote(r.oldVersion))
		return
	}
	r.isDir = isDirectory(r.repl)
	withVersion := len(args) == arrow+3
	switch {
	case !withVersion && !r.isDir:
		p.problem(s.line, "replace %s: replacement module without version must be directory path (rooted or starting with . or ..), line ignored", collect.Quote(r.old))
		return
	case withVersion && r.isDir:
		p.problem(s.line, "replace %s: replacement directory %s cannot have a version, line ignored", collect.Quote(r.old), collect.Quote(r.repl))
		return
	}
	r.badVersion = withVersion && !canonical(r.replVersion)
	p.replaces = append(p.replaces, r)
}

// report adds the packages once every replacement is known: a replace directive may
// follow the requirement it applies to.
func (p *parser) report() {
	if v, line, ok := p.stdlib(); ok {
		p.b.Add(line, sdk.Package{Name: stdlib.Name, Version: v})
	}
	for _, r := range p.requires {
		what := r.path + " " + r.version
		if rp := p.replacement(r.path, r.version); rp != nil {
			what += " => " + rp.repl
			switch {
			case rp.isDir:
				p.b.Unresolved(rp.line, what, "replaced by local path")
			case rp.badVersion:
				p.b.Unresolved(rp.line, what+" "+rp.replVersion, "not a canonical module version")
			default:
				p.b.Add(rp.line, sdk.Package{Name: rp.repl, Version: rp.replVersion, Indirect: r.indirect})
			}
			continue
		}
		if !canonical(r.version) {
			p.b.Unresolved(r.line, what, "not a canonical module version")
			continue
		}
		p.b.Add(r.line, sdk.Package{Name: r.path, Version: r.version, Indirect: r.indirect})
	}
}

// replacement returns the replace directive that applies to a module version: one for
// that version, else one for every version of the module.
func (p *parser) replacement(path, version string) *replace {
	var any *replace
	for i := range p.replaces {
		r := &p.replaces[i]
		if r.old != path {
			continue
		}
		if r.oldVersion == version {
			return r
		}
		if r.oldVersion == "" && any == nil {
			any = r
		}
	}
	return any
}

// stdlib returns the version of the standard library the file names, and the line.
func (p *parser) stdlib() (string, int, bool) {
	if t := p.toolchain; t != nil && t.args[0] != "default" {
		if v, ok := stdlib.Version(t.args[0]); ok {
			return v, t.line, true
		}
	}
	if g := p.goVersion; g != nil {
		v := g.args[0]
		// "1.21" or "1.16" is a language version; "1.21.0" and "1.21rc1" are toolchains.
		if strings.Count(v, ".") < 2 && strings.IndexFunc(v, unicode.IsLower) < 0 {
			return "", 0, false
		}
		if v, ok := stdlib.Version(v); ok {
			return v, g.line, true
		}
	}
	return "", 0, false
}

// indirect reports whether a line's comment marks an indirect requirement: "// indirect",
// or "// indirect; other text".
func indirect(comment string) bool {
	f := strings.Fields(comment)
	return len(f) == 1 && f[0] == "indirect" || len(f) > 1 && f[0] == "indirect;"
}

// canonical reports whether v is a module version as the go command writes it:
// SemVer with a "v", major, minor and patch, no build metadata but "+incompatible".
func canonical(v string) bool {
	c := semver.Canonical(v)
	if semver.Build(v) == "+incompatible" {
		c += "+incompatible"
	}
	return c != "" && c == v
}

// goVersionOK reports whether v is a go directive's version: 1.21, 1.21.0, 1.21rc1.
func goVersionOK(v string) bool {
	n, rest := digits(v)
	if n == "" || n[0] == '0' || rest == "" || rest[0] != '.' {
		return false
	}
	for i := 0; i < 2 && rest != "" && rest[0] == '.'; i++ {
		n, rest = digits(rest[1:])
		if n == "" || len(n) > 1 && n[0] == '0' {
			return false
		}
	}
	if rest == "" {
		return true
	}
	i := 0
	for i < len(rest) && rest[i] >= 'a' && rest[i] <= 'z' {
		i++
	}
	n, rest = digits(rest[i:])
	return i > 0 && n != "" && rest == ""
}

func digits(s string) (string, string) {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	return s[:i], s[i:]
}

// toolchainOK reports whether v names a toolchain: "default" or "go1..."
func toolchainOK(v string) bool {
	return v == "default" || v == "go1" || strings.HasPrefix(v, "go1.")
}

// isDirectory reports whether a replacement is a directory rather than a module path, in
// the syntax of any system (a go.mod moves between them).
func isDirectory(s string) bool {
	return s == "." || s == ".." || strings.HasPrefix(s, "./") || strings.HasPrefix(s, `.\`) ||
		strings.HasPrefix(s, "../") || strings.HasPrefix(s, `..\`) ||
		strings.HasPrefix(s, "/") || strings.HasPrefix(s, `\`) ||
		len(s) >= 2 && (s[0] >= 'A' && s[0] <= 'Z' || s[0] >= 'a' && s[0] <= 'z') && s[1] == ':'
}

// unquote returns the value of a token: an interpreted string literal unquoted, other
// text as it is. Other quotes are reserved by the go command, so they are errors.
func unquote(t string) (string, string) {
	if strings.HasPrefix(t, `"`) {
		s, err := strconv.Unquote(t)
		if err != nil {
			return "", "invalid quoted string " + collect.Quote(t)
		}
		return s, ""
	}
	if strings.ContainsAny(t, "\"'`") {
		return "", "unquoted string " + collect.Quote(t) + " cannot contain quote"
	}
	return t, ""
}

// lex splits one line into tokens: identifiers (runs of printable characters other than
// space and ()[]{},), quoted strings kept with their quotes, and the punctuation
// ()[]{}, as single tokens. A "//" comment ends the line; its text is returned apart.
func lex(line string) (toks []string, comment, err string) {
	for i := 0; i < len(line); {
		c := line[i]
		switch {
		case c == ' ' || c == '\t' || c == '\r':
			i++
		case strings.HasPrefix(line[i:], "//"):
			return toks, line[i+2:], ""
		case strings.HasPrefix(line[i:], "/*"):
			return nil, "", "mod files must use // comments (not /* */ comments)"
		case strings.IndexByte("()[]{},", c) >= 0:
			toks = append(toks, line[i:i+1])
			i++
		case c == '"' || c == '`':
			j := i + 1
			for ; j < len(line) && line[j] != c; j++ {
				if line[j] == '\\' && c == '"' {
					j++
				}
			}
			if j >= len(line) {
				return nil, "", "unexpected newline in string"
			}
			toks = append(toks, line[i:j+1])
			i = j + 1
		default:
			j := i
			for j < len(line) {
				r, size := rune(line[j]), 1
				if r >= utf8.RuneSelf {
					r, size = utf8.DecodeRuneInString(line[j:])
				}
				if !isIdent(r) || r == '/' && strings.HasPrefix(line[j:], "//") {
					break
				}
				if r == '/' && strings.HasPrefix(line[j:], "/*") {
					return nil, "", "mod files must use // comments (not /* */ comments)"
				}
				j += size
			}
			if j == i {
				r, _ := utf8.DecodeRuneInString(line[i:])
				return nil, "", fmt.Sprintf("unexpected input character %s", collect.Quoted(string(r)))
			}
			toks = append(toks, line[i:j])
			i = j
		}
	}
	return toks, "", ""
}

func isIdent(r rune) bool {
	switch r {
	case ' ', '(', ')', '[', ']', '{', '}', ',':
		return false
	}
	if r < utf8.RuneSelf {
		return r > ' ' && r < 0x7f
	}
	return !unicode.IsSpace(r) && unicode.IsPrint(r)
}
