// Package collect gathers what a language analyzer finds in one file: the packages, and the
// problems that did not stop the parse (an entry skipped, a requirement left unresolved).
//
// Every analyzer of the lang module goes through a Builder, so that all of them give the
// host only packages it accepts (sdk.Package.Validate: UTF-8, no control characters, at most
// 4 KiB a field), report a package listed twice in one file once, and bound the problems of
// a file of garbage to one short list.
package collect

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/trawlscan/trawl/sdk"
)

const (
	// MaxPackages is the most packages one file may give: the SDK refuses a result with more
	// items, so a larger file is an error rather than a result the host would drop.
	MaxPackages = 1 << 20
	// MaxProblems bounds the problems listed for one file; the rest are counted in one more
	// entry.
	MaxProblems = 100

	// maxField and maxLicenses are the SDK's bounds on one field and on the licenses of a
	// package (sdk.Package.Validate).
	maxField    = 4096
	maxLicenses = 64
	// maxQuoted bounds the text of a file quoted in a problem, so that one problem stays
	// readable whatever the file holds.
	maxQuoted = 200
)

// A Problem is something in a file that did not stop the parse: an entry that gave no
// package, a requirement without a pinned version, a field that was dropped.
type Problem struct {
	// Path is the file, as given to the parser.
	Path string
	// Line is the 1-based line the problem is on, or 0 when the format does not say.
	Line int
	Msg  string
}

func (p *Problem) Error() string {
	if p.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", p.Path, p.Line, p.Msg)
	}
	return fmt.Sprintf("%s: %s", p.Path, p.Msg)
}

// Result is what a parser found in one file.
type Result struct {
	Packages []sdk.Package
	Problems []*Problem
}

// Builder collects the packages and problems of one file.
type Builder struct {
	path      string
	typ       string
	normalize func(string) string

	res Result
	// seen maps a package's normalised name and version to its index in res.Packages.
	seen map[string]int

	suppressed      int
	firstSuppressed int
	tooMany         bool
}

// NewBuilder starts collecting for the file at path, whose packages are of purl type typ.
// normalize maps a name to the form under which the ecosystem treats two spellings as one
// package (PEP 503 for PyPI); nil compares names as written.
func NewBuilder(path, typ string, normalize func(string) string) *Builder {
	if normalize == nil {
		normalize = func(s string) string { return s }
	}
	return &Builder{path: path, typ: typ, normalize: normalize}
}

// Path is the file the builder collects for.
func (b *Builder) Path() string { return b.path }

// Add records a package found at line (0 when the format gives none). Name and Version are
// required; Type and Locations are filled in. It returns the index of the package in the
// result, or -1 when the package was not added (a problem then says why).
//
// A package already listed in the file at the same version (names compared normalised) is
// not added again: it is development-only if every listing says so, and indirect if every
// listing says so, and keeps its first location.
func (b *Builder) Add(line int, p sdk.Package) int {
	if msg := Check(p.Name); msg != "" {
		b.Problemf(line, "package name %s: %s, skipped", Quote(p.Name), msg)
		return -1
	}
	if p.Name == "" {
		b.Problemf(line, "package without a name, skipped")
		return -1
	}
	if msg := Check(p.Version); msg != "" {
		b.Problemf(line, "package %s: version %s, skipped", Quote(p.Name), msg)
		return -1
	}
	if p.Version == "" {
		// Callers report unresolved packages themselves; this is the guard that an empty
		// version never reaches the host.
		b.Problemf(line, "package %s has no version, skipped", Quote(p.Name))
		return -1
	}
	key := b.normalize(p.Name) + "\x00" + p.Version
	if i, ok := b.seen[key]; ok {
		q := &b.res.Packages[i]
		q.Dev = q.Dev && p.Dev
		q.Indirect = q.Indirect && p.Indirect
		return i
	}
	if len(b.res.Packages) >= MaxPackages {
		if !b.tooMany {
			b.tooMany = true
			b.Problemf(line, "more than %d packages in one file; the rest are not reported", MaxPackages)
		}
		return -1
	}
	p.Type = b.typ
	p.Licenses = b.licenses(line, p.Name, p.Licenses)
	p.Locations = []sdk.Location{{Path: b.path, Line: line}}
	if b.seen == nil {
		b.seen = map[string]int{}
	}
	b.seen[key] = len(b.res.Packages)
	b.res.Packages = append(b.res.Packages, p)
	return len(b.res.Packages) - 1
}

// licenses keeps the licenses the host accepts, in order and without duplicates.
func (b *Builder) licenses(line int, name string, ls []string) []string {
	var out []string
	for _, l := range ls {
		l = strings.TrimSpace(l)
		if l == "" {
			continue
		}
		if msg := Check(l); msg != "" {
			b.Problemf(line, "package %s: license %s, ignored", Quote(name), msg)
			continue
		}
		dup := false
		for _, o := range out {
			dup = dup || o == l
		}
		if dup {
			continue
		}
		if len(out) == maxLicenses {
			b.Problemf(line, "package %s: more than %d licenses, the rest ignored", Quote(name), maxLicenses)
			break
		}
		out = append(out, l)
	}
	return out
}

// Package returns the package at index i of the result, to set what the file says about it
// after it was added (pip-compile writes whether a requirement is direct on the lines after
// it).
func (b *Builder) Package(i int) *sdk.Package { return &b.res.Packages[i] }

// Len is the number of packages added so far.
func (b *Builder) Len() int { return len(b.res.Packages) }

// Problemf records a problem at line (0 when unknown). Text taken from the file should go
// through Quote, so that the message stays printable.
func (b *Builder) Problemf(line int, format string, args ...any) {
	if len(b.res.Problems) >= MaxProblems {
		if b.suppressed == 0 {
			b.firstSuppressed = line
		}
		b.suppressed++
		return
	}
	b.res.Problems = append(b.res.Problems, &Problem{Path: b.path, Line: line, Msg: printable(fmt.Sprintf(format, args...))})
}

// Unresolved records an entry that names a package without a version that can be matched:
// a requirement that is not pinned, a URL, a local path. It is a problem, never a package
// with a guessed version. what is the entry as written; why says what keeps it unresolved.
func (b *Builder) Unresolved(line int, what, why string) {
	b.Problemf(line, "unresolved: %s (%s)", Quote(Redact(what)), why)
}

// Redact hides the user information of the URLs in s ("https://user:token@host/..." becomes
// "https://***@host/..."): private indexes and repositories are often reached with a token
// in the URL, and a message must not carry it into a report.
func Redact(s string) string {
	if !strings.Contains(s, "://") {
		return s
	}
	var sb strings.Builder
	for {
		i := strings.Index(s, "://")
		if i < 0 {
			sb.WriteString(s)
			return sb.String()
		}
		sb.WriteString(s[:i+3])
		s = s[i+3:]
		end := strings.IndexAny(s, "/ \t?#")
		if end < 0 {
			end = len(s)
		}
		if at := strings.LastIndexByte(s[:end], '@'); at >= 0 {
			sb.WriteString("***")
			s = s[at:]
		}
	}
}

// Result returns what was collected. The builder must not be used afterwards.
func (b *Builder) Result() *Result {
	if b.suppressed > 0 {
		b.res.Problems = append(b.res.Problems, &Problem{Path: b.path, Line: b.firstSuppressed,
			Msg: fmt.Sprintf("%d more problems from here on not listed", b.suppressed)})
		b.suppressed = 0
	}
	return &b.res
}

// Check says why s cannot be a field of a reported package, or returns "". The rules are the
// SDK's (sdk.Package.Validate).
func Check(s string) string {
	if len(s) > maxField {
		return fmt.Sprintf("longer than %d bytes", maxField)
	}
	if !utf8.ValidString(s) {
		return "not UTF-8"
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] == 0x7f {
			return "has control characters"
		}
	}
	return ""
}

// Quote returns text from a file for a message: as it is when it is short, printable UTF-8,
// quoted with Go escapes otherwise, and cut to a couple of hundred bytes either way.
func Quote(s string) string {
	cut := false
	if len(s) > maxQuoted {
		s, cut = s[:maxQuoted], true
		// Do not split a UTF-8 sequence: the cut would read as garbage.
		for i := 0; i < utf8.UTFMax && len(s) > 0 && !utf8.ValidString(s); i++ {
			s = s[:len(s)-1]
		}
	}
	if Check(s) != "" || s == "" {
		s = strconv.Quote(s)
	}
	if cut {
		s += "..."
	}
	return s
}

// Quoted returns text from a file for a message, always quoted with Go escapes (for text
// whose limits a reader must see, such as an invalid requirement), cut like Quote.
func Quoted(s string) string {
	if len(s) > maxQuoted {
		return strconv.Quote(strings.ToValidUTF8(s[:maxQuoted], "")) + "..."
	}
	return strconv.Quote(s)
}

// printable replaces what the host would refuse in a message (invalid UTF-8, control
// characters) with Go escapes. Messages are built from quoted text, so this is the guard,
// not the rule.
func printable(s string) string {
	if Check(s) == "" {
		return s
	}
	var sb strings.Builder
	for i, r := range s {
		switch {
		case r == utf8.RuneError:
			if _, n := utf8.DecodeRuneInString(s[i:]); n == 1 {
				fmt.Fprintf(&sb, `\x%02x`, s[i])
				continue
			}
			sb.WriteRune(r)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&sb, `\x%02x`, r)
		default:
			sb.WriteRune(r)
		}
	}
	out := sb.String()
	if len(out) > maxField {
		// ToValidUTF8 drops a sequence the cut split.
		out = strings.ToValidUTF8(out[:maxField-3], "") + "..."
	}
	return out
}

// ReadAll reads a file that a format needs whole (JSON, TOML), refusing one larger than max
// bytes: the manifest's max_size keeps such files from the analyzer, and this keeps the
// bound when the parser is used on its own.
func ReadAll(path string, r io.Reader, max int64) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if int64(len(data)) > max {
		return nil, fmt.Errorf("%s: larger than %d bytes, not read", path, max)
	}
	return data, nil
}
