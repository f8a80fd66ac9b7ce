// Package gobinary reads the build information that the Go linker embeds in the
// executables it builds: the Go release that built it and the modules linked in, which
// `go version -m` prints.
//
// Since Go 1.18 the information is a 32-byte header, then two strings:
//
//	"\xff Go buildinf:"  14 bytes of magic
//	pointer size         1 byte (4 or 8)
//	flags                1 byte; 0x2: the strings follow inline (Go 1.18 on)
//	padding              to 32 bytes
//	runtime version      uvarint length, then the bytes ("go1.22.3")
//	module information   uvarint length, then the bytes: text between two 16-byte
//	                     sentinels, one line per item ("path", "mod", "dep", "=>",
//	                     "build", tab-separated)
//
// Earlier releases stored two pointers into the binary's data instead, which only the
// executable's sections resolve: a stream from such a header is an error.
//
// The host finds the magic in a binary itself and hands the parser the file from there,
// so Parse reads the header and the two strings from the start of the stream and
// returns without reading further. It also accepts a stream that does not start with the
// magic (a whole file, in tests and for other callers) by scanning for it through a
// sliding window of bounded size; a magic not followed by a valid header is skipped (the
// magic is also a string constant of every program that reads build information).
//
// Without a header, the module information may still be in the data, between its
// sentinels: WebAssembly binaries have no header (the wasm linker writes a fixed list of
// sections, without .go.buildinfo), and binaries of Go before 1.18 keep it apart from
// theirs. When the stream holds it (the whole file, or the file from the first sentinel),
// the modules are reported and a problem says that the Go version, and so stdlib, is
// unknown.
//
// What is reported: the main module (the "mod" line) at its version; a main module built
// from a source tree has version "(devel)", which is not a version, and is unresolved;
// every dependency ("dep"), under its replacement when a "=>" line follows (a replacement
// by a local directory is unresolved); and the Go standard library as package "stdlib"
// (the Go vulnerability database's name) at the runtime version ("go1.22.3" is 1.22.3;
// a development toolchain, "devel ...", is unresolved). A binary does not say which
// dependencies are direct, nor anything about lines: packages are at line 0. Build
// settings ("build" lines: flags, VCS revision) are not read.
package gobinary

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"strings"

	"golang.org/x/mod/semver"

	"github.com/trawlscan/trawl/plugins/lang/golang/internal/stdlib"
	"github.com/trawlscan/trawl/plugins/lang/internal/collect"
	"github.com/trawlscan/trawl/sdk"
)

// MaxSize is the largest file the host hands the analyzer (manifest.json). It bounds only
// what is read: the parser stops at the build information, and keeps a fixed window
// while it looks for it. Go binaries of 100-300 MB exist.
const MaxSize = 512 << 20

var magic = []byte("\xff Go buildinf:")

const (
	headerSize = 32
	// flagsInline is the flag of Go 1.18 on: the strings follow the header.
	flagsInline = 0x2
	// maxVersion bounds the runtime version, which is short ("go1.22.3 X:boringcrypto",
	// "devel go1.23-abcdef Tue Jan 2 15:04:05 2024 +0000").
	maxVersion = 1 << 10
	// maxModInfo bounds the module information: about 100 bytes a module, so 4 MiB is
	// tens of thousands of modules; the largest binaries list a few thousand.
	maxModInfo = 4 << 20
	// chunk is how much is read at a time.
	chunk = 32 << 10
)

// The module information is wrapped in two sentinels (cmd/go/internal/modload).
var (
	infoStart = []byte("0w\xaf\x0c\x92t\b\x02A\xe1\xc1\a\xe6\xd6\x18\xe6")
	infoEnd   = []byte("\xf92C1\x86\x18 r\x00\x82B\x10A\x16\xd8\xf2")
)

// Parse reads the build information of a Go binary from r, which starts at the magic or
// before it. path is the file's path, used in the packages' locations and in problems.
// The error is for a stream without readable build information: no magic, only the
// pre-1.18 format, or information cut short.
func Parse(path string, r io.Reader) (*collect.Result, error) {
	s := &stream{r: io.LimitReader(r, MaxSize)}
	version, modinfo, note, err := s.find()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	b := collect.NewBuilder(path, "golang", nil)
	if note != "" {
		b.Problemf(0, "Go build information: %s: the Go version is unknown, stdlib not reported", note)
	} else if v, ok := stdlib.Version(version); ok {
		b.Add(0, sdk.Package{Name: stdlib.Name, Version: v})
	} else if strings.HasPrefix(version, "devel") {
		b.Unresolved(0, stdlib.Name+" "+version, "development toolchain, no release version")
	} else {
		b.Unresolved(0, stdlib.Name+" "+version, "not a Go release version")
	}
	modules(b, modinfo)
	return b.Result(), nil
}

// stream is a sliding window over the input.
type stream struct {
	r   io.Reader
	buf []byte // buf[pos:] is unread
	pos int
	// base is the offset in the input of buf[0].
	base int64
	eof  bool
	err  error
}

// fill reads until n bytes are unread or the input ends, and reports whether there are.
// The window grows with what is read, not with n, so a length read from the input asks
// for no more memory than the input holds; and consumed bytes are dropped only once they
// are half the window, so that moving the rest costs no more than reading it did.
func (s *stream) fill(n int) bool {
	for len(s.buf)-s.pos < n && !s.eof {
		if cap(s.buf)-len(s.buf) < chunk {
			unread := len(s.buf) - s.pos
			if s.pos >= unread && cap(s.buf)-unread >= chunk {
				s.buf = s.buf[:copy(s.buf, s.buf[s.pos:])]
			} else {
				nb := make([]byte, unread, 2*cap(s.buf)+chunk)
				copy(nb, s.buf[s.pos:])
				s.buf = nb
			}
			s.base += int64(s.pos)
			s.pos = 0
		}
		m, err := s.r.Read(s.buf[len(s.buf):cap(s.buf)])
		s.buf = s.buf[:len(s.buf)+m]
		if err == io.EOF {
			s.eof = true
		} else if err != nil {
			s.eof, s.err = true, err
		}
	}
	return len(s.buf)-s.pos >= n
}

// find looks for the build information and returns its two strings. Without a readable
// header it falls back on module information found on its own, with an empty version
// and a note saying why the version is missing.
func (s *stream) find() (version, modinfo, note string, err error) {
	old := false // a header in the format before Go 1.18 was seen
	bad := ""    // why the last header that looked valid was not read
	// info is the first module information found apart from a header; infoTried stops
	// the search after one, read or not, so that no text is searched twice.
	var info *string
	infoTried := false
	keep := max(len(magic), len(infoStart)) - 1
	for {
		window := s.buf[s.pos:]
		i := bytes.Index(window, magic)
		if !infoTried {
			// Only up to the magic: what follows is searched once the magic is passed.
			upto := window
			if i >= 0 {
				upto = window[:min(len(window), i+len(infoStart)-1)]
			}
			if j := bytes.Index(upto, infoStart); j >= 0 {
				s.pos += j
				infoTried = true
				if m, ok := s.modinfo(); ok {
					if s.base+int64(s.pos) == 0 {
						// The caller handed the module information itself.
						return "", m, "no header before the module information", nil
					}
					info = &m
				}
				s.pos++
				continue
			}
		}
		if i < 0 {
			// Keep what may be the start of a magic cut by the end of the window.
			if len(window) > keep {
				s.pos = len(s.buf) - keep
			}
			if s.eof {
				break
			}
			s.fill(len(s.buf) - s.pos + chunk)
			continue
		}
		s.pos += i
		v, m, why, isOld := s.header()
		if why == "" {
			return v, m, "", nil
		}
		old = old || isOld
		if !isOld && why != "no header" {
			bad = why
		}
		if why == "cut short" {
			break
		}
		s.pos++ // look past this magic
	}
	switch {
	case s.err != nil:
		return "", "", "", s.err
	case info != nil && bad != "":
		return "", *info, "the header is damaged (" + bad + ")", nil
	case info != nil && old:
		return "", *info, "the header is in the format before Go 1.18 (pointers into the binary)", nil
	case info != nil:
		return "", *info, "no header (a WebAssembly binary: its linker leaves the header out)", nil
	case bad != "":
		return "", "", "", fmt.Errorf("not a Go binary, or damaged: Go build information %s", bad)
	case old:
		return "", "", "", fmt.Errorf("Go build information in the format before Go 1.18 (pointers into the binary), not read")
	}
	return "", "", "", fmt.Errorf("not a Go binary: no Go build information")
}

// modinfo reads module information that starts at the window's position: the text up to
// the end sentinel, bounded by maxModInfo.
func (s *stream) modinfo() (string, bool) {
	from := len(infoStart) // where the end sentinel is looked for, from the position
	for {
		if k := bytes.Index(s.buf[s.pos+from:], infoEnd); k >= 0 {
			return string(s.buf[s.pos+len(infoStart) : s.pos+from+k]), true
		}
		// The end may be cut by the end of the window: look again from there.
		from = max(from, len(s.buf)-s.pos-len(infoEnd)+1)
		if s.eof || from > len(infoStart)+maxModInfo {
			return "", false
		}
		s.fill(len(s.buf) - s.pos + chunk)
	}
}

// header reads the build information at the magic under the window's position. why says
// what is wrong, "" when nothing is: "no header" for a magic not followed by a header
// (the magic as a string constant of a program); old is set for a header of the format
// before Go 1.18.
func (s *stream) header() (version, modinfo, why string, old bool) {
	if !s.fill(headerSize) {
		return "", "", "cut short", false
	}
	h := s.buf[s.pos : s.pos+headerSize]
	ptrSize, flags := h[len(magic)], h[len(magic)+1]
	if ptrSize != 4 && ptrSize != 8 {
		return "", "", "no header", false
	}
	if flags&flagsInline == 0 {
		return "", "", "old format", true
	}
	v, off, why := s.str(headerSize, maxVersion)
	if why != "" {
		return "", "", "runtime version: " + why, false
	}
	version = string(v)
	if !strings.HasPrefix(version, "go") && !strings.HasPrefix(version, "devel") || collect.Check(version) != "" {
		return "", "", "runtime version " + collect.Quoted(version) + " is not a Go version", false
	}
	m, _, why := s.str(off, maxModInfo)
	if why != "" {
		return "", "", "module information: " + why, false
	}
	switch {
	case len(m) == 0:
		// Built without modules (GOPATH mode): the runtime version alone.
	case len(m) >= len(infoStart)+len(infoEnd) && bytes.HasPrefix(m, infoStart) && bytes.HasSuffix(m, infoEnd):
		modinfo = string(m[len(infoStart) : len(m)-len(infoEnd)])
	default:
		return "", "", "module information without its sentinels", false
	}
	return version, modinfo, "", false
}

// str reads a uvarint length and that many bytes at offset off from the window's
// position, and returns the bytes (in the window: valid until the next fill) and the
// offset after them.
func (s *stream) str(off, max int) ([]byte, int, string) {
	size := 0
	for {
		if !s.fill(off + size + 1) {
			return nil, 0, "cut short"
		}
		size++
		if s.buf[s.pos+off+size-1] < 0x80 || size == binary.MaxVarintLen64 {
			break
		}
	}
	l, k := binary.Uvarint(s.buf[s.pos+off : s.pos+off+size])
	if k <= 0 {
		return nil, 0, "invalid length"
	}
	if l > uint64(max) {
		return nil, 0, fmt.Sprintf("length %d larger than %d", l, max)
	}
	n := int(l)
	off += size
	if !s.fill(off + n) {
		return nil, 0, "cut short"
	}
	return s.buf[s.pos+off : s.pos+off+n], off + n, ""
}

// entry is a module of the build information, with its replacement.
type entry struct {
	path, version string
	repl          *entry
	replBad       bool
}

// modules reads the module information: tab-separated lines
//
//	path	example.com/cmd/x
//	mod	example.com/m	v1.0.0	h1:...
//	dep	example.com/d	v1.2.3	h1:...
//	dep	example.com/r	v1.0.0
//	=>	example.com/fork	v1.1.0	h1:...
//	build	-trimpath=true
func modules(b *collect.Builder, info string) {
	var mods []*entry
	var last *entry // the mod or dep line a "=>" line replaces
	for line := range strings.SplitSeq(info, "\n") {
		f := strings.Split(line, "\t")
		switch f[0] {
		case "", "path", "build", "go":
			last = nil
		case "mod", "dep":
			if len(f) < 3 || len(f) > 4 || f[1] == "" {
				b.Problemf(0, "build information line %s not understood, ignored", collect.Quoted(line))
				last = nil
				continue
			}
			last = &entry{path: f[1], version: f[2]}
			mods = append(mods, last)
		case "=>":
			if last == nil || len(f) < 3 || len(f) > 4 || f[1] == "" {
				b.Problemf(0, "build information line %s not understood, ignored", collect.Quoted(line))
				if last != nil {
					last.replBad = true // replaced, by what is not known
				}
				last = nil
				continue
			}
			last.repl = &entry{path: f[1], version: f[2]}
			last = nil
		default:
			b.Problemf(0, "build information line %s not understood, ignored", collect.Quoted(line))
			last = nil
		}
	}
	for _, m := range mods {
		what := m.path + " " + m.version
		if m.replBad {
			b.Unresolved(0, what, "replacement not understood")
			continue
		}
		if m.repl == nil {
			add(b, m, what)
			continue
		}
		what += " => " + strings.TrimSpace(m.repl.path+" "+m.repl.version)
		if isDirectory(m.repl.path) || m.repl.version == "" || m.repl.version == "(devel)" {
			b.Unresolved(0, what, "replaced by local path")
			continue
		}
		add(b, m.repl, what)
	}
}

func add(b *collect.Builder, m *entry, what string) {
	switch {
	case m.version == "(devel)":
		// The main module of a build in a source tree, or a module of the workspace.
		b.Unresolved(0, what, "built from a source tree, no module version")
	case !semver.IsValid(m.version):
		b.Unresolved(0, what, "not a module version")
	default:
		b.Add(0, sdk.Package{Name: m.path, Version: m.version})
	}
}

// isDirectory reports whether a replacement is a directory rather than a module path.
func isDirectory(s string) bool {
	return s == "." || s == ".." || strings.HasPrefix(s, "./") || strings.HasPrefix(s, `.\`) ||
		strings.HasPrefix(s, "../") || strings.HasPrefix(s, `..\`) ||
		strings.HasPrefix(s, "/") || strings.HasPrefix(s, `\`) ||
		len(s) >= 2 && (s[0] >= 'A' && s[0] <= 'Z' || s[0] >= 'a' && s[0] <= 'z') && s[1] == ':'
}
