// Package metadata reads the core metadata of an installed Python distribution: the
// METADATA file of a *.dist-info directory (wheels, pip) and the PKG-INFO file of a
// *.egg-info directory (setuptools, eggs). See
// https://packaging.python.org/en/latest/specifications/core-metadata/.
//
// The file is a block of RFC 822 style headers ("Name: requests"), folded onto lines that
// start with white space, then a blank line and the long description. Only the headers are
// read: the analyzer stops at the first blank line, so a long README costs nothing. The
// headers kept are Name, Version and the license: License-Expression (PEP 639, an SPDX
// expression) when present, else License when it is one short line (old packages put the
// whole license text there), else the license classifiers ("License :: OSI Approved ::
// MIT License" gives "MIT License").
package metadata

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/trawlscan/trawl/plugins/lang/internal/collect"
	"github.com/trawlscan/trawl/plugins/lang/python/internal/pypi"
	"github.com/trawlscan/trawl/sdk"
)

// MaxSize is the largest file the analyzer is given (manifest.json). Only the headers are
// read, so the bound is on what the host reads from the layer: metadata files carry the
// project's README, rarely more than a few hundred kilobytes.
const MaxSize = 8 << 20

const (
	// maxLine is the line buffer: a longer line is skipped in pieces, and reported if it is
	// one of the headers kept (a name or version that long could not be reported anyway).
	// It is small because inside WebAssembly clearing a buffer for every file costs time,
	// and an image has hundreds of these files.
	maxLine = 8 << 10
	// maxLicenseLine is the longest License value taken as a license name rather than as
	// license text.
	maxLicenseLine = 100
)

// Parse reads a METADATA or PKG-INFO file from r. path is the file's path, used in the
// package's location and in problems. The error is for a file that cannot be read or gives
// no package: no Name or no Version header.
func Parse(path string, r io.Reader) (*collect.Result, error) {
	br := bufio.NewReaderSize(r, maxLine)
	h := &headers{}
	lineNo := 0
	cut := false // the previous physical line was longer than the buffer
	for {
		raw, err := br.ReadSlice('\n')
		if len(raw) > 0 {
			if !cut {
				lineNo++
			}
			long := err == bufio.ErrBufferFull
			line := strings.TrimSuffix(strings.TrimSuffix(string(raw), "\n"), "\r")
			switch {
			case cut:
				// The rest of a long line: only the start of a line says what it is.
			case line == "" && !long:
				return h.result(path)
			case lineNo == 1:
				h.line(strings.TrimPrefix(line, "\ufeff"), lineNo, long)
			default:
				h.line(line, lineNo, long)
			}
			cut = long
		}
		if err == io.EOF {
			return h.result(path)
		}
		if err != nil && err != bufio.ErrBufferFull {
			return nil, fmt.Errorf("%s: line %d: %w", path, lineNo+1, err)
		}
	}
}

// headers holds the headers kept.
type headers struct {
	name, version     string
	nameLine          int
	licenseExpression string
	license           string
	licenseLines      int // physical lines of the License header
	classifiers       []string
	// cur is the header a continuation line belongs to, "" for one not kept.
	cur string
	// first is the first line, quoted in the error for a file that is not metadata.
	first string
	// problems with single headers, reported if the file gives a package.
	problems []*collect.Problem
}

// line reads one physical line of the header block. long says the line was cut to the
// line buffer.
func (h *headers) line(line string, lineNo int, long bool) {
	if h.first == "" {
		h.first = collect.Quote(line)
	}
	if line == "" {
		return // a first line that was only a byte order mark
	}
	if line[0] == ' ' || line[0] == '\t' {
		// A folded continuation of the header before.
		if h.cur == "license" {
			h.licenseLines++
		}
		return
	}
	key, value, ok := strings.Cut(line, ":")
	if !ok {
		h.cur = ""
		h.problems = append(h.problems, &collect.Problem{Line: lineNo, Msg: fmt.Sprintf("not a header line, ignored: %s", collect.Quote(line))})
		return
	}
	value = strings.TrimSpace(value)
	h.cur = ""
	if long {
		switch strings.ToLower(key) {
		case "name", "version", "license", "license-expression":
			h.problems = append(h.problems, &collect.Problem{Line: lineNo, Msg: fmt.Sprintf("%s longer than %d bytes, ignored", key, maxLine)})
		}
		return
	}
	// Header names are case-insensitive (RFC 822); the first Name and Version count.
	switch strings.ToLower(key) {
	case "name":
		if h.name == "" {
			h.name, h.nameLine = value, lineNo
		}
	case "version":
		if h.version == "" {
			h.version = value
		}
	case "license-expression":
		h.licenseExpression = value
	case "license":
		h.license, h.licenseLines, h.cur = value, 1, "license"
	case "classifier":
		if rest, ok := strings.CutPrefix(value, "License :: "); ok {
			parts := strings.Split(rest, " :: ")
			// "License :: OSI Approved" alone names no license.
			if l := strings.TrimSpace(parts[len(parts)-1]); l != "" && !(len(parts) == 1 && l == "OSI Approved") {
				h.classifiers = append(h.classifiers, l)
			}
		}
	}
}

func (h *headers) result(path string) (*collect.Result, error) {
	switch {
	case h.first == "":
		return nil, fmt.Errorf("%s: empty file, not Python package metadata", path)
	case h.name == "" && h.version == "":
		return nil, fmt.Errorf("%s: not Python package metadata: no Name or Version header; line 1 is %s", path, h.first)
	case h.name == "":
		return nil, fmt.Errorf("%s: Python package metadata without a Name header", path)
	case h.version == "":
		return nil, fmt.Errorf("%s:%d: package %s has no Version header", path, h.nameLine, collect.Quote(h.name))
	}
	b := pypi.NewBuilder(path)
	for _, p := range h.problems {
		b.Problemf(p.Line, "%s", p.Msg)
	}
	b.Add(h.nameLine, sdk.Package{Name: h.name, Version: h.version, Licenses: h.licenses()})
	return b.Result(), nil
}

// licenses picks the licenses to report, best source first.
func (h *headers) licenses() []string {
	if h.licenseExpression != "" {
		return []string{h.licenseExpression}
	}
	l := h.license
	if h.licenseLines == 1 && l != "" && len(l) <= maxLicenseLine && !strings.EqualFold(l, "UNKNOWN") {
		return []string{l}
	}
	return h.classifiers
}
