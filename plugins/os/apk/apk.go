// Package apk reads the packages installed on an Alpine system from its apk database,
// lib/apk/db/installed.
//
// The database is a list of stanzas separated by blank lines. Each line is a one-letter key,
// a colon and a value ("P:musl"); see https://wiki.alpinelinux.org/wiki/Apk_spec. Only the
// keys a scanner needs are kept: P (name), V (version), A (architecture), o (origin, the
// source package) and L (license). Everything else, notably the file lists and checksums
// (F:, R:, Z:) that make up most of the file, is skipped as it streams past.
package apk

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/trawlscan/trawl/plugins/os/internal/license"
	"github.com/trawlscan/trawl/plugins/os/internal/lines"

	"github.com/trawlscan/trawl/sdk"
)

// PackageType is the purl type of the packages Parse returns.
const PackageType = "apk"

// MaxPackages is the most packages Parse returns from one file.
const MaxPackages = lines.MaxPackages

const (
	bufSize  = lines.BufSize
	maxValue = lines.MaxValue
	// maxLicenses is the SDK's bound on the licenses of a package (sdk.Package.Validate).
	maxLicenses = 64
)

// A StanzaError is a problem with one stanza or one line that did not stop the parse.
type StanzaError = lines.StanzaError

// Parse reads an apk installed database from r. path is the file's path, used in the
// packages' locations and in errors.
//
// Stanzas without a name or a version are skipped and reported in problems, as are fields
// that cannot be reported (not UTF-8, control characters, too long); the other packages are
// returned. Problems are listed up to 100, then summed up in one more entry. The error is
// for a file that cannot be read or is not an apk database at all: content without a single
// P: line. An empty file is an empty database (`apk --initdb` writes one), not an error.
func Parse(path string, r io.Reader) (pkgs []sdk.Package, problems []*StanzaError, err error) {
	p := &parser{path: path}
	lr := lines.NewReader(r, bufSize)
	for {
		line, cut, err := lr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, nil, fmt.Errorf("%s: line %d: %w", path, p.lineNo+1, err)
		}
		// Most lines are file names and checksums (F:, R:, Z:, a:) inside a stanza: skip
		// them here, without a call, which is dear inside wasm.
		if !cut && len(line) >= 2 && line[1] == ':' && p.cur.start != 0 && !kept(line[0]) {
			p.lineNo++
			continue
		}
		if err := p.line(line, cut); err != nil {
			return nil, nil, err
		}
	}
	if err := p.endStanza(); err != nil {
		return nil, nil, err
	}
	if !p.sawName && p.sawContent {
		return nil, nil, fmt.Errorf("%s: not an apk installed database: no package (P:) line; line %d is %q", path, p.firstLineNo, p.firstLine)
	}
	return p.pkgs, p.problems.List(path), nil
}

// kept reports whether the parser keeps the value of key.
func kept(key byte) bool {
	switch key {
	case 'P', 'V', 'A', 'o', 'L':
		return true
	}
	return false
}

// parser holds the state of one Parse call.
type parser struct {
	path       string
	lineNo     int
	sawName    bool // some stanza had a P: line
	sawContent bool // some line was not blank
	// firstLine, the head of the first non-blank line, tells what a file that is not a
	// database is instead.
	firstLine   string
	firstLineNo int
	pkgs        []sdk.Package
	problems    lines.Problems

	// strs interns repeated values; licenses caches the parse of each L: value.
	strs     lines.Interner
	licenses map[string]parsedLicense
	// locs is a block of locations handed out one per package, to allocate them in bulk.
	locs []sdk.Location

	cur stanza
}

type parsedLicense struct {
	list    []string
	problem string
}

// stanza is the stanza being read. Values are copied out of the line buffer only for the
// keys that are kept.
type stanza struct {
	start                          int // first line; 0 when no stanza is open
	name, version, arch, origin    string
	license                        string
	nameLine, versionLine, licLine int
	// skip says why the stanza cannot give a package, if it cannot.
	skip *StanzaError
	// notes are problems with single fields, reported only if the package is kept: when the
	// stanza is skipped, its reason is the one worth reading.
	notes []*StanzaError
}

// line reads one line, without its "\n". A cut line is longer than the line buffer and
// holds only its first bufSize bytes.
func (p *parser) line(line []byte, cut bool) error {
	p.lineNo++
	if !cut {
		line = lines.TrimCR(line)
	}
	if len(line) == 0 && !cut {
		return p.endStanza()
	}
	if !p.sawContent {
		p.sawContent, p.firstLine, p.firstLineNo = true, lines.Head(line), p.lineNo
	}
	if p.cur.start == 0 {
		p.cur.start = p.lineNo
	}
	if len(line) < 2 || line[1] != ':' {
		p.note(fmt.Sprintf("malformed line ignored: want a one-letter key and a colon, got %q", lines.Head(line)))
		return nil
	}
	key, value := line[0], line[2:]
	if !kept(key) {
		// Unknown and unneeded keys (F:, R:, Z:, D:, ...) are skipped, however long.
		return nil
	}
	if key == 'P' {
		p.sawName = true
	}
	if cut {
		p.field(key, "", fmt.Sprintf("%c: value longer than %d bytes", key, maxValue))
		return nil
	}
	if !lines.PrintableASCII(value) {
		if problem := lines.Check(string(value)); problem != "" {
			p.field(key, "", fmt.Sprintf("%c: %s", key, problem))
			return nil
		}
	}
	var s string
	if key == 'P' || key == 'V' {
		s = string(value)
	} else {
		s = p.strs.Intern(value)
	}
	p.field(key, s, "")
	return nil
}

// field records one kept key of the current stanza; problem, if not empty, says why its
// value cannot be used.
func (p *parser) field(key byte, value, problem string) {
	c := &p.cur
	switch key {
	case 'P', 'V':
		if problem != "" {
			if c.skip == nil {
				c.skip = p.errorf("%s, stanza skipped", problem)
			}
			return
		}
		if key == 'P' {
			if c.nameLine != 0 {
				p.note(fmt.Sprintf("second P: line in one stanza (first on line %d); the last one wins", c.nameLine))
			}
			c.name, c.nameLine = value, p.lineNo
		} else {
			if c.versionLine != 0 {
				p.note(fmt.Sprintf("second V: line in one stanza (first on line %d); the last one wins", c.versionLine))
			}
			c.version, c.versionLine = value, p.lineNo
		}
	case 'A', 'o', 'L':
		if problem != "" {
			p.note(problem + ", ignored")
			return
		}
		switch key {
		case 'A':
			c.arch = value
		case 'o':
			c.origin = value
		case 'L':
			c.license, c.licLine = value, p.lineNo
		}
	}
}

// note records a problem with the current line, reported if the stanza's package is kept.
func (p *parser) note(msg string) {
	p.cur.notes = append(p.cur.notes, p.errorf("%s", msg))
}

func (p *parser) errorf(format string, args ...any) *StanzaError {
	return &StanzaError{Path: p.path, Line: p.lineNo, Msg: fmt.Sprintf(format, args...)}
}

// endStanza turns the current stanza into a package, or into a problem.
func (p *parser) endStanza() error {
	c := p.cur
	p.cur = stanza{}
	if c.start == 0 {
		return nil // a run of blank lines
	}
	switch {
	case c.skip != nil:
		p.problems.Add(c.skip)
		return nil
	case c.name == "":
		p.problems.Add(&StanzaError{Path: p.path, Line: c.start, Msg: "stanza without a package name (P:), skipped"})
		return nil
	case c.version == "":
		p.problems.Add(&StanzaError{Path: p.path, Line: c.start, Msg: fmt.Sprintf("package %q has no version (V:), skipped", c.name)})
		return nil
	}
	if len(p.pkgs) == MaxPackages {
		return fmt.Errorf("%s:%d: more than %d packages", p.path, c.start, MaxPackages)
	}
	for _, n := range c.notes {
		n.Msg = fmt.Sprintf("package %q: %s", c.name, n.Msg)
		p.problems.Add(n)
	}
	if len(p.locs) == 0 {
		// Blocks grow with the database, so that a small one does not pay for a big block.
		p.locs = make([]sdk.Location, min(max(len(p.pkgs), 16), 256))
	}
	p.locs[0].Path = p.path
	pkg := sdk.Package{
		Name:    c.name,
		Version: c.version,
		Type:    PackageType,
		Arch:    c.arch,
		// Capacity 1: appending to one package's locations must not write into the next's.
		Locations: p.locs[:1:1],
	}
	p.locs = p.locs[1:]
	if c.origin != "" {
		// An apk origin is the aport the package was built from, always at the same
		// version: there is no separate source version in the database.
		pkg.SourceName, pkg.SourceVersion = c.origin, c.version
	}
	if c.license != "" {
		lic, ok := p.licenses[c.license]
		if !ok {
			lic.list, lic.problem = Licenses(c.license)
			if p.licenses == nil {
				p.licenses = map[string]parsedLicense{}
			}
			if len(p.licenses) < lines.MaxInterned && len(c.license) <= lines.MaxInternedLen {
				p.licenses[c.license] = lic
			}
		}
		if lic.problem != "" {
			p.problems.Add(&StanzaError{Path: p.path, Line: c.licLine, Msg: fmt.Sprintf("package %q: L: %s", c.name, lic.problem)})
		}
		// Each package gets its own slice, so that a caller may edit one package's licenses.
		pkg.Licenses = slices.Clone(lic.list)
	}
	p.pkgs = append(p.pkgs, pkg)
	return nil
}

// Licenses turns the value of an apk L: line into license entries. A value that maps to an
// SPDX expression as a whole is one entry, in SPDX form: Alpine writes SPDX ids since 3.9
// ("GPL-2.0-or-later WITH Bison-exception-2.2"), older packages the legacy names that
// package license maps ("GPL2+"), and a space-separated list whose every word maps means
// all of them ("MIT BSD-2-Clause GPL2+" becomes "MIT AND BSD-2-Clause AND
// GPL-2.0-or-later"). Otherwise an expression (one with AND, OR, WITH or parentheses) is
// one entry as written, since splitting it would change its meaning, and a list is one
// entry per word, each in SPDX form where it maps, where a bare version number belongs to
// the word before it ("MPL 2.0", as older packages wrote it). Duplicates are dropped.
// problem says what was left out, if anything: entries that break the SDK's bounds on a
// field.
func Licenses(value string) (licenses []string, problem string) {
	words := strings.Fields(value)
	if len(words) == 0 {
		return nil, ""
	}
	whole := strings.Join(words, " ")
	if isExpression(words) {
		if expr, ok := license.Normalize(whole); ok {
			return one(expr)
		}
		return one(whole)
	}
	for _, w := range words {
		if len(licenses) > 0 && isVersion(w) {
			licenses[len(licenses)-1] += " " + w
			continue
		}
		licenses = append(licenses, w)
	}
	all := true
	for i, l := range licenses {
		expr, ok := license.Normalize(l)
		if ok {
			licenses[i] = expr
		}
		all = all && ok
	}
	licenses = dedup(licenses)
	if all && len(licenses) > 1 && len(licenses) <= maxLicenses {
		return one(strings.Join(licenses, " AND "))
	}
	if len(licenses) > maxLicenses {
		// A list this long is no list of licenses; keep it as the packager wrote it.
		return one(whole)
	}
	kept := licenses[:0]
	for _, l := range licenses {
		if msg := lines.Check(l); msg != "" {
			problem = msg + ", ignored"
			continue
		}
		kept = append(kept, l)
	}
	if len(kept) == 0 {
		kept = nil
	}
	return kept, problem
}

func one(s string) ([]string, string) {
	if msg := lines.Check(s); msg != "" {
		return nil, msg + ", ignored"
	}
	return []string{s}, ""
}

// isExpression reports whether words form an SPDX license expression rather than a list.
// SPDX writes its operators in upper case; lower-case "and"/"or" from hand-written license
// strings ("GPL2 or Artistic") mean the same and must not be split either.
func isExpression(words []string) bool {
	for _, w := range words {
		if strings.EqualFold(w, "AND") || strings.EqualFold(w, "OR") || strings.EqualFold(w, "WITH") {
			return true
		}
		if strings.ContainsAny(w, "()") {
			return true
		}
	}
	return false
}

// isVersion reports whether w is a bare version number such as "2.0", "3" or "2+".
func isVersion(w string) bool {
	if w[0] < '0' || w[0] > '9' {
		return false
	}
	for i := 0; i < len(w); i++ {
		c := w[i]
		if (c < '0' || c > '9') && c != '.' && c != '+' {
			return false
		}
	}
	return true
}

func dedup(ss []string) []string {
	if len(ss) > 8 {
		// A map keeps a long list (garbage, most likely) from costing n² comparisons.
		seen := make(map[string]bool, len(ss))
		out := ss[:0]
		for _, s := range ss {
			if !seen[s] {
				seen[s] = true
				out = append(out, s)
			}
		}
		return out
	}
	out := ss[:0]
	for i, s := range ss {
		dup := false
		for _, prev := range ss[:i] {
			if prev == s {
				dup = true
				break
			}
		}
		if !dup {
			out = append(out, s)
		}
	}
	return out
}
