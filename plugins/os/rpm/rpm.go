// Package rpm reads the packages installed on an rpm-based system (Red Hat Enterprise Linux
// and its rebuilds, Fedora, Amazon Linux, SUSE and openSUSE, Azure Linux / CBL-Mariner,
// Photon ...) from the rpm database, in each of the three formats rpm has written:
//
//   - SQLite, var/lib/rpm/rpmdb.sqlite (rpm ≥ 4.16: RHEL 9, Fedora 33+, CBL-Mariner 2,
//     Amazon Linux 2023), read by package sqlite;
//   - Berkeley DB hash, var/lib/rpm/Packages (RHEL ≤ 8, CentOS, Amazon Linux 2, older SUSE),
//     read by package bdb;
//   - NDB, var/lib/rpm/Packages.db (SUSE and openSUSE since 2020), read by package ndb.
//
// All three store the same thing: one header blob per installed package, the header of the
// package file as rpm installed it. The format is told by the file's first bytes, not its
// name, since distributions have renamed and relocated the files (usr/lib/sysimage/rpm).
//
// The three formats need random access (b-tree pages, overflow chains, slot tables), so Parse
// reads the file into memory whole, as rpm itself maps it: MaxSize bounds it.
package rpm

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"iter"
	"strconv"
	"strings"

	"github.com/trawlscan/trawl/plugins/os/internal/license"
	"github.com/trawlscan/trawl/plugins/os/internal/lines"
	"github.com/trawlscan/trawl/plugins/os/rpm/bdb"
	"github.com/trawlscan/trawl/plugins/os/rpm/ndb"
	"github.com/trawlscan/trawl/plugins/os/rpm/sqlite"
	"github.com/trawlscan/trawl/sdk"
)

// PackageType is the purl type of the packages Parse returns.
const PackageType = "rpm"

// MaxSize is the largest database Parse reads. An image of a few hundred packages has a
// database of 5 to 20 MiB; a full Fedora workstation's is about 150 MiB.
const MaxSize = 256 << 20

// A Problem is damage to one package's header that did not stop the parse: the package was
// skipped, or one of its optional fields was left out.
type Problem struct {
	// Path is the database file, as given to Parse.
	Path string
	// Package is the header's position in the database's storage order, from 1.
	Package int
	Msg     string
}

func (p *Problem) Error() string {
	return fmt.Sprintf("%s: package header %d: %s", p.Path, p.Package, p.Msg)
}

// Format names the database formats Parse reads, for messages and tests.
type Format string

const (
	FormatSQLite     Format = "sqlite"
	FormatBerkeleyDB Format = "bdb"
	FormatNDB        Format = "ndb"
)

// sqliteMagic starts every SQLite 3 database file.
var sqliteMagic = []byte("SQLite format 3\x00")

// Detect names the format of a database from its first bytes, or "" for none of them.
func Detect(data []byte) Format {
	switch {
	case bytes.HasPrefix(data, sqliteMagic):
		return FormatSQLite
	case ndb.Is(data):
		return FormatNDB
	case bdb.Is(data):
		return FormatBerkeleyDB
	}
	return ""
}

// Parse reads an rpm database of size bytes from r. path is the file's path, used in the
// packages' locations and in errors.
//
// A file that is no rpm database of a known format, or whose structure is damaged beyond
// reading, is an error. A damaged package header is skipped and reported in problems, and
// the other packages are returned. gpg-pubkey entries, which rpm keeps for imported signing
// keys, are not packages and are left out. An empty file is an empty database.
func Parse(path string, r io.Reader, size int64) (pkgs []sdk.Package, problems []*Problem, err error) {
	data, err := readAll(r, size)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(data) == 0 {
		return nil, nil, nil
	}
	headers, err := headersOf(data)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}

	p := parser{path: path}
	n, read := 0, 0
	var first error
	for blob, err := range headers {
		n++
		if err != nil {
			if errors.Is(err, bdb.ErrFormat) || errors.Is(err, ndb.ErrFormat) {
				// The file as a whole is not a database of the format its magic claims.
				return nil, nil, fmt.Errorf("%s: %w", path, err)
			}
			if first == nil {
				first = err
			}
			p.problem(n, err.Error())
			continue
		}
		read++
		if len(p.pkgs) >= lines.MaxPackages {
			return nil, nil, fmt.Errorf("%s: more than %d packages", path, lines.MaxPackages)
		}
		p.header(n, blob)
	}
	if read == 0 && first != nil {
		// Nothing could be read: the database is damaged as a whole, not in places.
		return nil, nil, fmt.Errorf("%s: no package could be read: %w", path, first)
	}
	return p.pkgs, p.problems, nil
}

// headersOf yields the header blobs of a database in whichever format it is.
func headersOf(data []byte) (iter.Seq2[[]byte, error], error) {
	switch Detect(data) {
	case FormatSQLite:
		return sqliteHeaders(data)
	case FormatBerkeleyDB:
		return bdb.Headers(data), nil
	case FormatNDB:
		return ndb.Headers(data), nil
	}
	return nil, fmt.Errorf("not an rpm database: starts with %q, which is none of SQLite, Berkeley DB hash or NDB", lines.Head(data[:min(len(data), 16)]))
}

// readAll reads the whole database, allocating once from the size the host announced.
func readAll(r io.Reader, size int64) ([]byte, error) {
	if size > MaxSize {
		return nil, fmt.Errorf("database of %d bytes is larger than the %d bytes read", size, MaxSize)
	}
	buf := bytes.NewBuffer(make([]byte, 0, max(size, 0)+bytes.MinRead))
	n, err := buf.ReadFrom(io.LimitReader(r, MaxSize+1))
	if err != nil {
		return nil, err
	}
	if n > MaxSize {
		return nil, fmt.Errorf("database larger than the %d bytes read", MaxSize)
	}
	return buf.Bytes(), nil
}

// sqliteHeaders yields the blobs of the Packages table, where rpm keeps one header per row
// (the other tables are its indexes).
func sqliteHeaders(data []byte) (iter.Seq2[[]byte, error], error) {
	db, err := sqlite.Open(data)
	if err != nil {
		return nil, err
	}
	return func(yield func([]byte, error) bool) {
		for row, err := range db.Rows("Packages") {
			if err != nil {
				if !yield(nil, err) {
					return
				}
				continue
			}
			blob, ok := blobColumn(row.Values)
			if !ok {
				if !yield(nil, fmt.Errorf("sqlite: Packages row %d has no blob column", row.RowID)) {
					return
				}
				continue
			}
			if !yield(blob, nil) {
				return
			}
		}
	}, nil
}

// blobColumn finds the header in a Packages row: rpm's table is (hnum, blob).
func blobColumn(values []any) ([]byte, bool) {
	for _, v := range values {
		if b, ok := v.([]byte); ok {
			return b, true
		}
	}
	return nil, false
}

type parser struct {
	path     string
	pkgs     []sdk.Package
	problems []*Problem
	interned lines.Interner
	licenses map[string][]string
}

func (p *parser) problem(n int, msg string) {
	if len(p.problems) < lines.MaxProblems {
		p.problems = append(p.problems, &Problem{Path: p.path, Package: n, Msg: msg})
	}
}

// header turns the n-th header blob into a package.
func (p *parser) header(n int, blob []byte) {
	h, err := parseHeader(blob)
	if err != nil {
		p.problem(n, err.Error())
		return
	}
	if h.name == "gpg-pubkey" {
		return
	}
	for _, f := range []struct{ what, value string }{{"NAME", h.name}, {"VERSION", h.version}, {"RELEASE", h.release}} {
		if msg := lines.Check(f.value); msg != "" {
			p.problem(n, fmt.Sprintf("%s: %s, package skipped", f.what, msg))
			return
		}
	}
	pkg := sdk.Package{
		Name:      h.name,
		Version:   evr(h.hasEpoch, h.epoch, h.version, h.release),
		Type:      PackageType,
		Locations: []sdk.Location{{Path: p.path}},
	}
	optional := func(what, value string) string {
		if msg := lines.Check(value); msg != "" {
			p.problem(n, fmt.Sprintf("package %s: %s: %s, ignored", h.name, what, msg))
			return ""
		}
		return p.interned.Intern([]byte(value))
	}
	pkg.Arch = optional("ARCH", h.arch)
	pkg.Vendor = optional("VENDOR", h.vendor)
	pkg.ModularityLabel = optional("MODULARITYLABEL", h.modularityLabel)
	if src := optional("SOURCERPM", h.sourceRPM); src != "" {
		name, version, ok := splitSourceRPM(src)
		if ok {
			pkg.SourceName = p.interned.Intern([]byte(name))
			pkg.SourceVersion = evr(h.hasEpoch, h.epoch, version, "")
		} else {
			p.problem(n, fmt.Sprintf("package %s: SOURCERPM %q is not name-version-release.src.rpm, ignored", h.name, lines.Head([]byte(src))))
		}
	}
	if lic := optional("LICENSE", h.license); lic != "" {
		pkg.Licenses = p.license(lic)
	}
	p.pkgs = append(p.pkgs, pkg)
}

// license maps a LICENSE tag to an SPDX expression where it maps, once per distinct tag:
// a database repeats a few dozen tags over hundreds of packages.
func (p *parser) license(tag string) []string {
	if l, ok := p.licenses[tag]; ok {
		return l
	}
	expr, _ := license.Normalize(tag)
	l := []string{expr}
	if expr == "" {
		l = nil
	}
	if p.licenses == nil {
		p.licenses = map[string][]string{}
	}
	if len(p.licenses) < lines.MaxInterned {
		p.licenses[tag] = l
	}
	return l
}

// evr formats a version the way rpm compares it: [epoch:]version[-release]. An absent epoch
// and epoch 0 compare equal, so only a positive epoch is written, as rpm -q does.
func evr(hasEpoch bool, epoch int32, version, release string) string {
	var b strings.Builder
	if hasEpoch && epoch > 0 {
		b.WriteString(strconv.Itoa(int(epoch)))
		b.WriteByte(':')
	}
	b.WriteString(version)
	if release != "" {
		b.WriteByte('-')
		b.WriteString(release)
	}
	return b.String()
}

// splitSourceRPM splits a source package's file name ("glibc-2.34-2.cm2.src.rpm") into its
// name ("glibc") and version-release ("2.34-2.cm2"). Names may hold dashes, versions and
// releases may not, so the last two dashes split it.
func splitSourceRPM(file string) (name, versionRelease string, ok bool) {
	base, found := strings.CutSuffix(file, ".src.rpm")
	if !found {
		base, found = strings.CutSuffix(file, ".nosrc.rpm")
	}
	if !found {
		return "", "", false
	}
	r := strings.LastIndexByte(base, '-')
	if r <= 0 {
		return "", "", false
	}
	v := strings.LastIndexByte(base[:r], '-')
	if v <= 0 || v+1 == r || r+1 == len(base) {
		return "", "", false
	}
	return base[:v], base[v+1:], true
}
