// Package vendormodules reads vendor/modules.txt, the list of vendored modules that
// `go mod vendor` writes next to the vendored code, and that the go command then reads
// instead of go.mod's build list when it builds from the vendor directory.
//
// The file is a list of modules, each a header line followed by its annotations and the
// packages vendored from it:
//
//	# golang.org/x/net v0.5.6 => example.com/fork/net v1.4.5
//	## explicit; go 1.20
//	golang.org/x/net/http2
//
// A module is reported when the build uses it: it has packages vendored, or is marked
// "## explicit" (required by go.mod, which since Go 1.17 lists every module of the build).
// A header without either only repeats a replace directive of go.mod, as does a header
// without a version ("# example.com/m => ../m"), and gives no package unless packages
// follow it. A replaced module is reported under its replacement; a replacement by a
// local directory is unresolved ("replaced by local path"), as is a header whose version
// or replacement is not understood. Package lines are not modules and are not reported.
//
// "## explicit" means required by go.mod, and since Go 1.17 go.mod requires the modules
// only needed through others too (marked "// indirect" there, which modules.txt does not
// copy): a module without the mark is certainly indirect, one with it may be either. So
// Indirect is set on the modules without the mark, in files that use it at all (Go 1.14
// on); the file never says which module is only needed for tests, so Dev is never set.
// The main module and the Go version are not in the file. An empty file gives an empty
// result; a file with lines but no module header is not a modules.txt.
//
// The file is read line by line through a fixed buffer.
package vendormodules

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"

	"golang.org/x/mod/semver"

	"github.com/trawlscan/trawl/plugins/lang/internal/collect"
	"github.com/trawlscan/trawl/sdk"
)

// MaxSize is the largest file the host hands the analyzer (manifest.json). It bounds only
// what is read, not memory: the file streams through a fixed buffer. Large projects'
// modules.txt are hundreds of KB.
const MaxSize = 8 << 20

// maxLine bounds one line; module paths are at most a few hundred bytes.
const maxLine = 64 << 10

// module is one header line and what follows it.
type module struct {
	line          int
	text          string // the header as written, for messages
	path, version string
	// repl and replVersion are the replacement; replDir is set for a directory, and
	// replBad for a replacement that is neither a directory nor a module version.
	repl, replVersion string
	replDir, replBad  bool
	explicit          bool
	packages          int
}

// Parse reads a vendor/modules.txt from r. path is the file's path, used in the packages'
// locations and in problems. The error is for a file that cannot be read or has lines but
// no module header.
func Parse(path string, r io.Reader) (*collect.Result, error) {
	b := collect.NewBuilder(path, "golang", nil)
	br := bufio.NewReaderSize(r, maxLine)
	var cur *module
	// skipping is set after a header that was not understood: the lines under it
	// belong to no module, and were reported with it.
	skipping := false
	marked := false        // some module is marked "## explicit"
	headers, other := 0, 0 // module lines, and other non-empty lines
	for n := 1; ; n++ {
		line, err := br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			b.Problemf(n, "line longer than %d bytes, ignored", maxLine)
			for errors.Is(err, bufio.ErrBufferFull) {
				_, err = br.ReadSlice('\n')
			}
			line = nil
		}
		if err != nil && err != io.EOF {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		text := strings.TrimRight(string(line), "\r\n")
		switch {
		case strings.TrimSpace(text) == "":
		case strings.HasPrefix(text, "# "):
			headers++
			report(b, cur)
			cur = header(b, n, text)
			skipping = cur == nil
		case strings.HasPrefix(text, "## "):
			other++
			if cur == nil {
				if !skipping {
					b.Problemf(n, "annotation %s before any module line, ignored", collect.Quote(text))
				}
				break
			}
			for _, a := range strings.Split(text[3:], ";") {
				if strings.TrimSpace(a) == "explicit" {
					cur.explicit, marked = true, true
				}
			}
		default:
			other++
			switch {
			case cur == nil && !skipping:
				b.Problemf(n, "package %s before any module line, ignored", collect.Quote(text))
			case cur == nil:
			case len(strings.Fields(text)) != 1:
				b.Problemf(n, "line %s is neither a module, an annotation nor a package, ignored", collect.Quote(text))
			default:
				cur.packages++
			}
		}
		if err == io.EOF {
			break
		}
	}
	if headers == 0 && other > 0 {
		return nil, fmt.Errorf("%s: not a vendor/modules.txt: no \"# module version\" line", path)
	}
	report(b, cur)
	if !marked {
		// Before Go 1.14 no module is marked: the file does not say which are direct.
		for i := range b.Len() {
			b.Package(i).Indirect = false
		}
	}
	return b.Result(), nil
}

// header reads a module line: "# path version", "# path version => new version",
// "# path version => ../dir", or "# path => ..." for a replacement of every version.
// It returns nil for a line that names no module.
func header(b *collect.Builder, n int, text string) *module {
	f := strings.Fields(text[2:])
	if len(f) < 2 {
		b.Problemf(n, "module line %s without a version, ignored", collect.Quoted(text))
		return nil
	}
	m := &module{line: n, text: strings.TrimSpace(text[2:]), path: f[0]}
	rest := f[1:]
	if rest[0] != "=>" {
		m.version, rest = rest[0], rest[1:]
	}
	switch {
	case len(rest) == 0:
	case rest[0] != "=>":
		m.replBad = true
	case len(rest) == 2:
		m.repl, m.replDir = rest[1], true
	case len(rest) == 3 && semver.IsValid(rest[2]):
		m.repl, m.replVersion = rest[1], rest[2]
	default:
		m.replBad = true
	}
	return m
}

// report adds the package of a module the build uses, once its lines are read. It is
// indirect unless marked explicit; Parse clears the flag in a file without marks.
func report(b *collect.Builder, m *module) {
	if m == nil || m.packages == 0 && !m.explicit {
		return // no module, or one that only records a replacement
	}
	indirect := !m.explicit
	switch {
	case m.replBad:
		b.Unresolved(m.line, m.text, "replacement not understood")
	case m.version != "" && !semver.IsValid(m.version):
		b.Unresolved(m.line, m.text, "not a module version")
	case m.replDir:
		b.Unresolved(m.line, m.text, "replaced by local path")
	case m.repl != "":
		b.Add(m.line, sdk.Package{Name: m.repl, Version: m.replVersion, Indirect: indirect})
	default:
		b.Add(m.line, sdk.Package{Name: m.path, Version: m.version, Indirect: indirect})
	}
}
