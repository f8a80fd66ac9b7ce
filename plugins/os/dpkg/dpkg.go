// Package dpkg reads the packages installed on a Debian-based system (Debian, Ubuntu,
// distroless images) from the dpkg database: var/lib/dpkg/status, or the files under
// var/lib/dpkg/status.d/ that distroless images carry instead, each holding the stanzas of
// one or a few packages.
//
// Both are deb822 files (see deb822(5) and dpkg-query(1)): stanzas separated by blank lines,
// each line a field name, a colon and a value ("Package: libc6") or, when it starts with a
// space or a tab, a continuation of the field before it (Description, Conffiles). Field
// names are case-insensitive. Only the fields a scanner needs are kept: Package, Version,
// Architecture, Source and Status. Everything else, notably the descriptions and conffile
// lists that make up most of the file, is skipped as it streams past.
//
// dpkg also keeps stanzas for packages that are not installed (removed with their
// configuration files left, half-installed, unpacked, ...); only installed ones are
// returned. dpkg records no licenses: Debian keeps them in usr/share/doc/<package>/copyright,
// which this package does not read.
package dpkg

import (
	"fmt"
	"io"
	"strings"

	"github.com/trawlscan/trawl/plugins/os/internal/lines"

	"github.com/trawlscan/trawl/sdk"
)

// PackageType is the purl type of the packages Parse returns.
const PackageType = "deb"

// MaxPackages is the most packages Parse returns from one file.
const MaxPackages = lines.MaxPackages

const (
	bufSize  = lines.BufSize
	maxValue = lines.MaxValue
)

// A StanzaError is a problem with one stanza or one line that did not stop the parse.
type StanzaError = lines.StanzaError

// Ignored reports whether a file that the status.d selector chose is not a database: next to
// each package's stanza file, distroless status.d directories hold the package's md5sums
// list ("base-files.md5sums"), one checksum and path per line.
func Ignored(path string) bool { return strings.HasSuffix(path, ".md5sums") }

// Parse reads a dpkg status file, or one file of a status.d directory, from r. path is the
// file's path, used in the packages' locations and in errors.
//
// A stanza is a package when its Status says it is installed (its third word is
// "installed", whatever the wanted action: "deinstall ok installed" is still on disk) or
// when it has no Status at all, as in distroless status.d files. Stanzas of packages that
// are not installed are skipped silently: they are a normal part of the database.
// SourceName and SourceVersion come from Source ("glibc (2.36-9+deb12u4)"); without a
// version there, the source version is the package's, and without Source the source
// package is the package itself, as dpkg-query's ${source:Package} and ${source:Version}
// say.
//
// Stanzas without a name or a version, or with a Status that cannot be read, are skipped
// and reported in problems, as are fields that cannot be reported (not UTF-8, control
// characters, too long) and lines that are not fields; the other packages are returned.
// Problems are listed up to 100, then summed up in one more entry. The error is for a file
// that cannot be read or is not a dpkg database at all: content without a single Package
// field. An empty file is an empty database, not an error.
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
		// Most lines continue a field we skip (Description, Conffiles): skip them here,
		// without a call, which is dear inside wasm.
		if len(line) > 0 && (line[0] == ' ' || line[0] == '\t') && p.cur.last == fieldOther {
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
		return nil, nil, fmt.Errorf("%s: not a dpkg status file: no Package field; line %d is %q", path, p.firstLineNo, p.firstLine)
	}
	return p.pkgs, p.problems.List(path), nil
}

// parser holds the state of one Parse call.
type parser struct {
	path       string
	lineNo     int
	sawName    bool // some stanza had a Package field
	sawContent bool // some line was not blank
	// firstLine, the head of the first non-blank line, tells what a file that is not a
	// database is instead.
	firstLine   string
	firstLineNo int
	pkgs        []sdk.Package
	problems    lines.Problems

	// strs interns repeated values: architectures and source package names.
	strs lines.Interner
	// locs is a block of locations handed out one per package, to allocate them in bulk.
	locs []sdk.Location

	cur stanza
}

// stanza is the stanza being read. Values are copied out of the line buffer only for the
// fields that are kept.
type stanza struct {
	start int // first line; 0 when no stanza is open
	// last is the field of the latest field line, which continuation lines extend:
	// fieldNone before the first one.
	last field
	// lines holds the line of each kept field seen, to report duplicates.
	lines                     [numFields]int
	name, version, arch       string
	sourceName, sourceVersion string
	installed                 bool // Status says installed; meaningless without Status
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
	if line[0] == ' ' || line[0] == '\t' {
		p.continuation(line, cut)
		return nil
	}
	p.open(line)
	i := nameEnd(line)
	if i < 0 {
		p.note(fmt.Sprintf("malformed line ignored: want a field name and a colon, got %q", lines.Head(line)))
		// Lines that continue it go with it.
		p.cur.last = fieldOther
		return nil
	}
	f := kept(line[:i])
	p.cur.last = f
	if f == fieldOther {
		return nil
	}
	if f == fieldPackage {
		p.sawName = true
	}
	if cut {
		p.field(f, nil, fmt.Sprintf("%s: value longer than %d bytes", fieldNames[f], maxValue))
		return nil
	}
	value := trimSpace(line[i+1:])
	// Status is read, not reported: installed accepts only dpkg's words.
	if f != fieldStatus && !lines.PrintableASCII(value) {
		if problem := lines.Check(string(value)); problem != "" {
			p.field(f, nil, fmt.Sprintf("%s: %s", fieldNames[f], problem))
			return nil
		}
	}
	p.field(f, value, "")
	return nil
}

// open notes the first line of the file with content and of the stanza.
func (p *parser) open(line []byte) {
	if !p.sawContent {
		p.sawContent, p.firstLine, p.firstLineNo = true, lines.Head(line), p.lineNo
	}
	if p.cur.start == 0 {
		p.cur.start = p.lineNo
	}
}

// continuation reads a line that starts with a space or a tab, which belongs to the field
// before it. The fast path in Parse takes those of the fields we skip; here come the rest.
func (p *parser) continuation(line []byte, cut bool) {
	if !cut && len(trimSpace(line)) == 0 {
		// Whitespace alone carries nothing, between stanzas or inside one; deb822 forbids
		// it, but it is no reason to doubt the fields around it.
		return
	}
	p.open(line)
	switch p.cur.last {
	case fieldNone:
		p.note(fmt.Sprintf("continuation line without a field before it ignored: %q", lines.Head(line)))
		p.cur.last = fieldOther
	case fieldOther:
	default:
		// Package, Version, Architecture, Source and Status are one-line fields: the value
		// is the first line, and this one is noise dpkg itself would refuse.
		p.note(fmt.Sprintf("continuation of one-line field %s ignored: %q", fieldNames[p.cur.last], lines.Head(line)))
	}
}

// field records one kept field of the current stanza; problem, if not empty, says why its
// value cannot be used.
func (p *parser) field(f field, value []byte, problem string) {
	c := &p.cur
	if first := c.lines[f]; first != 0 {
		p.note(fmt.Sprintf("second %s field in one stanza (first on line %d); the last one wins", fieldNames[f], first))
	}
	c.lines[f] = p.lineNo
	switch f {
	case fieldPackage, fieldVersion, fieldStatus:
		// Without these the stanza cannot be judged: it is skipped.
		if problem == "" && f == fieldStatus {
			var ok bool
			if c.installed, ok = installed(value); !ok {
				problem = fmt.Sprintf("Status: want three words (wanted action, flag, state), the state one of dpkg's, got %q", lines.Head(value))
			}
		}
		if problem != "" {
			if c.skip == nil {
				c.skip = p.errorf("%s, stanza skipped", problem)
			}
			return
		}
		if f == fieldPackage {
			c.name = string(value)
		} else if f == fieldVersion {
			c.version = string(value)
		}
	case fieldArchitecture:
		if problem != "" {
			p.note(problem + ", ignored")
			return
		}
		c.arch = p.strs.Intern(value)
	case fieldSource:
		if problem != "" {
			p.note(problem + ", ignored")
			return
		}
		name, version, ok := source(value)
		if !ok {
			p.note(fmt.Sprintf("Source: want a name and an optional (version), got %q, ignored", lines.Head(value)))
			return
		}
		c.sourceName, c.sourceVersion = p.strs.Intern(name), string(version)
	}
}

// note records a problem with the current line, reported if the stanza's package is kept.
func (p *parser) note(msg string) {
	p.cur.notes = append(p.cur.notes, p.errorf("%s", msg))
}

func (p *parser) errorf(format string, args ...any) *StanzaError {
	return &StanzaError{Path: p.path, Line: p.lineNo, Msg: fmt.Sprintf(format, args...)}
}

// endStanza turns the current stanza into a package, into a problem, or into nothing when
// it describes a package that is not installed.
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
		p.problems.Add(&StanzaError{Path: p.path, Line: c.start, Msg: "stanza without a package name (Package), skipped"})
		return nil
	case c.lines[fieldStatus] != 0 && !c.installed:
		return nil
	case c.version == "":
		p.problems.Add(&StanzaError{Path: p.path, Line: c.start, Msg: fmt.Sprintf("package %q has no version (Version), skipped", c.name)})
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
		// Without Source, the package is its own source, at its own version.
		SourceName:    c.name,
		SourceVersion: c.version,
		// Capacity 1: appending to one package's locations must not write into the next's.
		Locations: p.locs[:1:1],
	}
	p.locs = p.locs[1:]
	if c.sourceName != "" {
		pkg.SourceName = c.sourceName
		// dpkg writes the source version only when it differs from the package's (a
		// binary-only rebuild: util-linux-extra 2.38.1-5+b1 from util-linux 2.38.1-5), so
		// "Source: glibc" alone means the source is at the package's version.
		if c.sourceVersion != "" {
			pkg.SourceVersion = c.sourceVersion
		}
	}
	p.pkgs = append(p.pkgs, pkg)
	return nil
}
