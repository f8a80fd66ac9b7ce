// Package gemspec reads the specification of an installed gem: the
// specifications/<name>-<version>[-<platform>].gemspec file that RubyGems writes when it
// installs a gem (under GEM_HOME, /usr/lib/ruby/gems/<ruby version>/, /var/lib/gems/...;
// default gems, those that ship with Ruby itself, under specifications/default/), and that
// Debian's gem2deb writes the same way under /usr/share/rubygems-integration/.
//
// The file is Ruby code that RubyGems generates (Gem::Specification#to_ruby), one
// attribute a line:
//
//	# stub: nokogiri 1.13.10 x86_64-linux lib
//
//	Gem::Specification.new do |s|
//	  s.name = "nokogiri".freeze
//	  s.version = "1.13.10"
//	  s.platform = "x86_64-linux".freeze
//	  s.licenses = ["MIT".freeze]
//	  ...
//
// It is never evaluated: a line scanner reads the name, version, platform and licenses
// (s.licenses, or s.license of older RubyGems) from assignments of string literals in the
// forms RubyGems has written ("..." with escapes, '...', %q{...}, optionally .freeze). The
// "# stub:" comment, which RubyGems itself reads to list gems without loading their specs,
// stands in for a missing s.name or s.version, and is checked against them; so is the file
// name. Dependencies of the gem (add_dependency lines) are not packages: they are whatever
// else is installed, each with its own specification. Nothing says whether a gem is a
// direct dependency of an application, nor a development one.
//
// A file that gives no name or no version fails: it is not an installed gemspec (a
// project's own *.gemspec, which computes its version in Ruby, is not selected). The file
// streams through a fixed line buffer; long lines (the file lists) are skipped.
package gemspec

import (
	"fmt"
	"io"
	"path"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/trawlscan/trawl/plugins/lang/internal/collect"
	"github.com/trawlscan/trawl/plugins/lang/internal/linereader"
	"github.com/trawlscan/trawl/plugins/lang/ruby/internal/gem"
	"github.com/trawlscan/trawl/sdk"
)

// MaxSize is the largest file the analyzer is given (manifest.json). The file streams
// through a fixed buffer, so the bound is on time: the specification of a gem that lists
// thousands of files is a few hundred kilobytes.
const MaxSize = 8 << 20

// maxLine is the line buffer. Lines that matter are short; longer ones (file lists,
// certificates, descriptions) are skipped. It is small because an image holds hundreds of
// these files and clearing a large buffer for each costs time inside WebAssembly.
const maxLine = 8 << 10

// field is a value read from the file, with its line.
type field struct {
	value string
	line  int
}

type spec struct {
	name, version, platform field
	licenses                []string
	stub                    [3]string // name, version, platform of the first "# stub:" line
	stubLine                int
	problems                []*collect.Problem
}

// Parse reads an installed gemspec from r. path is the file's path, used in the package's
// location, in problems, and to check the file name. The error is for a file that cannot
// be read or gives no gem name or version.
func Parse(path string, r io.Reader) (*collect.Result, error) {
	s := &spec{}
	lines := linereader.New(path, r, maxLine, MaxSize)
	for {
		line, long, ok := lines.Next()
		if !ok {
			break
		}
		s.line(line, lines.No(), long)
	}
	if err := lines.Err(); err != nil {
		return nil, err
	}
	return s.result(path)
}

func (s *spec) problemf(line int, format string, args ...any) {
	s.problems = append(s.problems, &collect.Problem{Line: line, Msg: fmt.Sprintf(format, args...)})
}

func (s *spec) line(line string, no int, long bool) {
	text := strings.TrimLeft(line, " \t")
	if rest, ok := strings.CutPrefix(text, "# stub: "); ok {
		if s.stubLine == 0 && !long {
			// "# stub: name version platform require_paths"; a second stub line lists
			// extensions.
			f := strings.Fields(rest)
			if len(f) >= 3 {
				s.stubLine = no
				copy(s.stub[:], f)
			}
		}
		return
	}
	recv, rest, ok := strings.Cut(text, ".")
	if !ok || !ident(recv) {
		return
	}
	attr, value, ok := strings.Cut(rest, " = ")
	var dst *field
	switch attr {
	case "name":
		dst = &s.name
	case "version":
		dst = &s.version
	case "platform":
		dst = &s.platform
	case "license", "licenses":
	default:
		return
	}
	if !ok {
		return
	}
	if long {
		s.problemf(no, "%s.%s longer than %d bytes, ignored", recv, attr, maxLine)
		return
	}
	if dst == nil {
		ls, ok := stringList(value)
		if !ok {
			s.problemf(no, "%s.%s is not a list of string literals, ignored: %s", recv, attr, collect.Quote(value))
			return
		}
		s.licenses = append(s.licenses, ls...)
		return
	}
	v, rest, ok := literal(value)
	if !ok || strings.TrimSpace(rest) != "" {
		s.problemf(no, "%s.%s is not a string literal, ignored: %s", recv, attr, collect.Quote(value))
		return
	}
	// Ruby keeps the last assignment.
	*dst = field{strings.TrimSpace(v), no}
}

func (s *spec) result(p string) (*collect.Result, error) {
	b := gem.NewBuilder(p)
	for _, pr := range s.problems {
		b.Problemf(pr.Line, "%s", pr.Msg)
	}
	stub := func(f *field, i int, what string) {
		switch {
		case s.stubLine == 0:
		case f.value == "":
			*f = field{s.stub[i], s.stubLine}
		case f.value != s.stub[i]:
			b.Problemf(f.line, "%s %s, but the stub line %d says %s", what, collect.Quote(f.value), s.stubLine, collect.Quote(s.stub[i]))
		}
	}
	stub(&s.name, 0, "name")
	stub(&s.version, 1, "version")
	if s.platform.value == "" && s.stubLine > 0 {
		s.platform.value = s.stub[2]
	}
	if s.name.value == "" {
		return nil, fmt.Errorf("%s: not an installed gemspec: no s.name", p)
	}
	if s.version.value == "" {
		return nil, fmt.Errorf("%s: not an installed gemspec: gem %s has no s.version", p, collect.Quote(s.name.value))
	}
	if base := path.Base(p); strings.HasSuffix(base, ".gemspec") {
		full := s.name.value + "-" + s.version.value
		if s.platform.value != "" && s.platform.value != "ruby" {
			full += "-" + s.platform.value
		}
		if base != full+".gemspec" {
			b.Problemf(s.name.line, "the file name %s does not match the spec, %s", collect.Quote(base), collect.Quote(full))
		}
	}
	b.Add(s.name.line, sdk.Package{Name: s.name.value, Version: s.version.value, Licenses: s.licenses})
	return b.Result(), nil
}

func ident(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || i > 0 && c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// stringList reads `["a".freeze, "b".freeze]` or a single literal.
func stringList(s string) ([]string, bool) {
	s = strings.TrimSpace(s)
	rest, ok := strings.CutPrefix(s, "[")
	if !ok {
		v, rest, ok := literal(s)
		if !ok || strings.TrimSpace(rest) != "" {
			return nil, false
		}
		return []string{v}, true
	}
	var out []string
	for {
		rest = strings.TrimLeft(rest, " ")
		if r, ok := strings.CutPrefix(rest, "]"); ok {
			return out, strings.TrimSpace(r) == ""
		}
		if len(out) > 0 {
			if rest, ok = strings.CutPrefix(rest, ","); !ok {
				return nil, false
			}
			rest = strings.TrimLeft(rest, " ")
		}
		var v string
		if v, rest, ok = literal(rest); !ok {
			return nil, false
		}
		out = append(out, v)
	}
}

// literal reads a Ruby string literal at the start of s, as RubyGems writes them, followed
// by an optional .freeze, and returns its value and what follows. A string with
// interpolation ("#{...}") is not a literal.
func literal(s string) (value, rest string, ok bool) {
	switch {
	case strings.HasPrefix(s, `"`):
		value, rest, ok = doubleQuoted(s[1:], '"')
	case strings.HasPrefix(s, "'"):
		value, rest, ok = singleQuoted(s[1:], '\'', '\'')
	case strings.HasPrefix(s, "%q") && len(s) > 2:
		value, rest, ok = singleQuoted(s[3:], s[2], closing(s[2]))
	case strings.HasPrefix(s, "%Q") && len(s) > 2 && closing(s[2]) != 0:
		value, rest, ok = percentQ(s[3:], s[2])
	}
	if !ok {
		return "", "", false
	}
	rest = strings.TrimPrefix(rest, ".freeze")
	return value, rest, true
}

// closing returns the delimiter that closes a %q string opened with c, or 0 when c cannot
// open one.
func closing(c byte) byte {
	switch c {
	case '{':
		return '}'
	case '(':
		return ')'
	case '[':
		return ']'
	case '<':
		return '>'
	}
	if c > ' ' && c < 0x7f && !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
		return c
	}
	return 0
}

// singleQuoted reads the rest of a string without interpolation whose delimiters are open
// and close (equal for quotes); a backslash escapes only a delimiter or a backslash, and
// bracket delimiters nest.
func singleQuoted(s string, open, close byte) (string, string, bool) {
	if close == 0 {
		return "", "", false
	}
	var sb strings.Builder
	depth := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' && i+1 < len(s) && (s[i+1] == '\\' || s[i+1] == open || s[i+1] == close):
			i++
			c = s[i]
		case c == close && depth == 0:
			return sb.String(), s[i+1:], true
		case c == close:
			depth--
		case c == open && open != close:
			depth++
		}
		sb.WriteByte(c)
	}
	return "", "", false
}

// percentQ reads a %Q string, which has the escapes of a double-quoted one, with bracket
// delimiters only: RubyGems never writes these, so only the plain case is taken.
func percentQ(s string, open byte) (string, string, bool) {
	v, rest, ok := doubleQuoted(s, closing(open))
	if !ok || strings.IndexByte(v, open) >= 0 {
		return "", "", false
	}
	return v, rest, true
}

// doubleQuoted reads the rest of a double-quoted string as String#dump writes it, up to
// the closing quote.
func doubleQuoted(s string, quote byte) (string, string, bool) {
	var sb strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == quote:
			return sb.String(), s[i+1:], true
		case c == '#' && i+1 < len(s) && (s[i+1] == '{' || s[i+1] == '$' || s[i+1] == '@'):
			return "", "", false // interpolation
		case c != '\\':
			sb.WriteByte(c)
			continue
		}
		i++
		if i == len(s) {
			return "", "", false
		}
		switch c = s[i]; c {
		case 'n':
			sb.WriteByte('\n')
		case 't':
			sb.WriteByte('\t')
		case 'r':
			sb.WriteByte('\r')
		case 'e':
			sb.WriteByte(0x1b)
		case 's':
			sb.WriteByte(' ')
		case 'a':
			sb.WriteByte(7)
		case 'b':
			sb.WriteByte(8)
		case 'f':
			sb.WriteByte(0xc)
		case 'v':
			sb.WriteByte(0xb)
		case 'u':
			n, ok := unicodeEscape(s[i+1:], &sb)
			if !ok {
				return "", "", false
			}
			i += n
		case 'x':
			n := hexDigits(s[i+1:], 2)
			if n == 0 {
				return "", "", false
			}
			v, _ := strconv.ParseUint(s[i+1:i+1+n], 16, 8)
			sb.WriteByte(byte(v))
			i += n
		default:
			if c >= '0' && c <= '7' {
				n := 1
				for n < 3 && i+n < len(s) && s[i+n] >= '0' && s[i+n] <= '7' {
					n++
				}
				v, _ := strconv.ParseUint(s[i:i+n], 8, 16)
				sb.WriteByte(byte(v))
				i += n - 1
				continue
			}
			sb.WriteByte(c) // \\ \" \# and any other character stand for themselves
		}
	}
	return "", "", false
}

// unicodeEscape reads the XXXX of \uXXXX or the {X...} of \u{X Y}, writing the characters,
// and returns how many bytes it read.
func unicodeEscape(s string, sb *strings.Builder) (int, bool) {
	if !strings.HasPrefix(s, "{") {
		if hexDigits(s, 4) != 4 {
			return 0, false
		}
		v, _ := strconv.ParseUint(s[:4], 16, 32)
		return 4, writeRune(sb, rune(v))
	}
	end := strings.IndexByte(s, '}')
	if end < 0 {
		return 0, false
	}
	for _, h := range strings.Fields(s[1:end]) {
		if len(h) > 6 || hexDigits(h, 6) != len(h) {
			return 0, false
		}
		v, _ := strconv.ParseUint(h, 16, 32)
		if !writeRune(sb, rune(v)) {
			return 0, false
		}
	}
	return end + 1, true
}

func writeRune(sb *strings.Builder, r rune) bool {
	if !utf8.ValidRune(r) {
		return false
	}
	sb.WriteRune(r)
	return true
}

// hexDigits counts the hexadecimal digits at the start of s, up to max.
func hexDigits(s string, max int) int {
	n := 0
	for n < max && n < len(s) && strings.IndexByte("0123456789abcdefABCDEF", s[n]) >= 0 {
		n++
	}
	return n
}
