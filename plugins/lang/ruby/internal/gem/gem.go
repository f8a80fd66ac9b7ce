// Package gem holds what the Ruby analyzers share: the package type, and a reader of a file's
// lines through a fixed buffer.
package gem

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/trawlscan/trawl/plugins/lang/internal/collect"
)

// PackageType is the purl type of RubyGems packages.
const PackageType = "gem"

// NewBuilder starts collecting the gems of the file at path. Gem names are compared as
// written: RubyGems and Bundler treat them as case-sensitive.
func NewBuilder(path string) *collect.Builder {
	return collect.NewBuilder(path, PackageType, nil)
}

// Lines reads a file line by line through a buffer of fixed size, so that memory does not
// depend on the file: a line longer than the buffer comes back cut, flagged long, and the
// rest of it is skipped. Line endings ("\n", "\r\n") and a UTF-8 byte order mark on the first
// line are removed. Reading more than max bytes is an error, so that a parser keeps its
// bound when used without the host's size check.
type Lines struct {
	path string
	max  int64
	br   *bufio.Reader
	no   int
	done bool
	err  error
}

// NewLines starts reading r, the file at path, with a buffer of size bytes.
func NewLines(path string, r io.Reader, size int, max int64) *Lines {
	return &Lines{path: path, max: max, br: bufio.NewReaderSize(&limited{r: r, left: max}, size)}
}

// Next returns the next line; ok is false at the end of the file or on an error (see Err).
// long says the line was longer than the buffer and only its start is returned.
func (l *Lines) Next() (line string, long, ok bool) {
	if l.done {
		return "", false, false
	}
	raw, err := l.br.ReadSlice('\n')
	if len(raw) == 0 {
		l.stop(err)
		return "", false, false
	}
	l.no++
	long = err == bufio.ErrBufferFull
	line = string(raw)
	for err == bufio.ErrBufferFull {
		_, err = l.br.ReadSlice('\n')
	}
	if err != nil && err != io.EOF {
		l.stop(err)
		return "", false, false
	}
	if !long {
		line = strings.TrimSuffix(strings.TrimSuffix(line, "\n"), "\r")
	}
	if l.no == 1 {
		line = strings.TrimPrefix(line, "\ufeff")
	}
	return line, long, true
}

// No is the 1-based number of the line last returned.
func (l *Lines) No() int { return l.no }

// Err is the error that stopped the reading, naming the file; nil at the end of the file.
func (l *Lines) Err() error { return l.err }

func (l *Lines) stop(err error) {
	l.done = true
	switch {
	case err == nil || err == io.EOF:
	case errors.Is(err, errTooLarge):
		l.err = fmt.Errorf("%s: larger than %d bytes, not read", l.path, l.max)
	default:
		l.err = fmt.Errorf("%s: line %d: %w", l.path, l.no+1, err)
	}
}

var errTooLarge = errors.New("too large")

// limited reads r and fails once more than left bytes came.
type limited struct {
	r    io.Reader
	left int64
}

func (l *limited) Read(p []byte) (int, error) {
	if l.left < 0 {
		return 0, errTooLarge
	}
	if int64(len(p)) > l.left+1 {
		p = p[:l.left+1]
	}
	n, err := l.r.Read(p)
	l.left -= int64(n)
	if l.left < 0 {
		return n, errTooLarge
	}
	return n, err
}
