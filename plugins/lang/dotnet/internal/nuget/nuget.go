// Package nuget holds what the .NET analyzers share: the package type, the rule under which
// two spellings of a package id are one package, how a NuGet version string pins a
// version, an XML decoder for the formats written by Visual Studio and MSBuild, and the
// "libraries" entries of the JSON files the .NET SDK writes.
package nuget

import (
	"bufio"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/trawlscan/trawl/plugins/lang/internal/collect"
	"github.com/trawlscan/trawl/plugins/lang/internal/jsonwalk"
	"github.com/trawlscan/trawl/plugins/lang/internal/linereader"
)

// PackageType is the purl type of NuGet packages.
const PackageType = "nuget"

// NewBuilder starts collecting the NuGet packages of the file at path. Package ids are
// case-insensitive (nuget.org keeps one casing per id), so two spellings are one package;
// a package keeps the name as first written.
func NewBuilder(path string) *collect.Builder {
	return collect.NewBuilder(path, PackageType, strings.ToLower)
}

// Pin returns the version a NuGet version string selects, or why it selects none
// (https://learn.microsoft.com/nuget/concepts/package-versioning#version-ranges). "1.2.3" is
// a minimum version that restore resolves to 1.2.3 itself when it exists, so it is taken
// as that version, as every tool that reads project files does; "[1.2.3]" is exactly
// 1.2.3. Ranges ("[1.0,2.0)", "(,2.0]") and floating versions ("1.*", "*-*") select
// nothing until restore runs.
func Pin(v string) (version, why string) {
	v = strings.TrimSpace(v)
	switch {
	case v == "":
		return "", "empty version"
	case strings.Contains(v, "*"):
		return "", "floating version"
	case strings.HasPrefix(v, "[") && strings.HasSuffix(v, "]") && !strings.Contains(v, ","):
		inner := strings.TrimSpace(v[1 : len(v)-1])
		if Valid(inner) {
			return inner, ""
		}
		return "", "not a NuGet version"
	case strings.HasPrefix(v, "[") || strings.HasPrefix(v, "("):
		return "", "version range"
	case Valid(v):
		return v, ""
	}
	return "", "not a NuGet version"
}

// Entry is a dependency as a message quotes it: the name, then the version as written.
func Entry(name, version string) string {
	if strings.TrimSpace(version) == "" {
		return name
	}
	return name + " " + version
}

// Valid reports whether v has the shape of a NuGet version: numbers separated by dots,
// then an optional "-prerelease" and "+metadata" of letters, digits, dots and dashes.
func Valid(v string) bool {
	if v == "" || v[0] < '0' || v[0] > '9' || len(v) > 256 {
		return false
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '.' || c == '-' || c == '+') {
			return false
		}
	}
	return true
}

// NewXMLDecoder returns a decoder for an XML file of NuGet or MSBuild. Besides UTF-8 (with
// or without a byte order mark, which the decoder passes as text before the root), it
// reads the single-byte encodings older Visual Studio versions declared; a name or
// version is ASCII in all of them. UTF-16 files fail: the decoder needs ASCII-compatible
// bytes.
func NewXMLDecoder(r io.Reader) *xml.Decoder {
	d := xml.NewDecoder(r)
	d.CharsetReader = func(charset string, in io.Reader) (io.Reader, error) {
		switch strings.ToLower(charset) {
		case "us-ascii", "ascii", "iso-8859-1", "latin1", "windows-1252", "cp1252":
			return &latin1{r: bufio.NewReader(in)}, nil
		}
		return nil, errors.New("not supported")
	}
	return d
}

// latin1 turns ISO 8859-1 into UTF-8. Windows-1252 differs in 0x80-0x9f, which only text
// that the analyzers do not report holds.
type latin1 struct {
	r   *bufio.Reader
	buf [utf8.UTFMax]byte
	n   int // pending bytes of buf
	off int
}

func (l *latin1) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		if l.off < l.n {
			c := copy(p[n:], l.buf[l.off:l.n])
			n += c
			l.off += c
			continue
		}
		b, err := l.r.ReadByte()
		if err != nil {
			if n > 0 {
				return n, nil
			}
			return 0, err
		}
		if b < 0x80 {
			p[n] = b
			n++
			continue
		}
		l.n, l.off = utf8.EncodeRune(l.buf[:], rune(b)), 0
	}
	return n, nil
}

// XMLError turns an error of the XML decoder into one that names the file, the line and
// what the file is not ("a packages.config").
func XMLError(path, what string, d *xml.Decoder, err error) error {
	var tl *linereader.TooLarge
	if errors.As(err, &tl) {
		return fmt.Errorf("%s: %v", path, tl)
	}
	var se *xml.SyntaxError
	if errors.As(err, &se) {
		return fmt.Errorf("%s:%d: not %s: invalid XML: %s", path, se.Line, what, se.Msg)
	}
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		line, _ := d.InputPos()
		return fmt.Errorf("%s:%d: not %s: unexpected end of XML", path, line, what)
	}
	line, _ := d.InputPos()
	return fmt.Errorf("%s:%d: not %s: %v", path, line, what, err)
}

// NameVersion splits a "Name/Version" library key of deps.json and project.assets.json.
func NameVersion(key string) (name, version string, ok bool) {
	name, version, ok = strings.Cut(key, "/")
	return strings.TrimSpace(name), strings.TrimSpace(version), ok && strings.TrimSpace(name) != "" && strings.TrimSpace(version) != ""
}

// Library is one entry of the "libraries" object of a deps.json or project.assets.json:
// its key ("Name/Version") and its type ("package", "project", ...), at its line.
type Library struct {
	Key, Type string
	Line      int
}

// ReadLibrary reads the value of the "libraries" entry key, at line, from w. A value that
// is not an object, or whose type is not a string, is a problem recorded in b; ok is false
// when the entry is to be skipped.
func ReadLibrary(w *jsonwalk.Walker, b *collect.Builder, key string, line int) (lib Library, ok bool, err error) {
	lib = Library{Key: key, Line: line}
	isObj, tok, err := w.Object(func(field string, fl int) error {
		if field != "type" {
			return w.Skip()
		}
		s, what, ok, err := w.String()
		if err == nil && !ok {
			b.Problemf(fl, "library %s: type is %s, not a string", collect.Quote(key), what)
		}
		lib.Type = s
		return err
	})
	if err != nil {
		return Library{}, false, err
	}
	if !isObj {
		b.Problemf(line, "library %s is %s, not an object; skipped", collect.Quote(key), jsonwalk.Describe(tok))
		return Library{}, false, nil
	}
	return lib, true, nil
}
