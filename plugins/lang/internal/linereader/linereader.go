// Package linereader reads the text files of the lang analyzers line by line with memory
// that does not depend on the file (Lines), and bounds what a streaming parser reads of a
// file (Limit), so that the parsers keep their bounds when used without the host's size
// check.
package linereader

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Lines reads a file line by line through a buffer of fixed size, so that memory does not
// depend on the file: a line longer than the buffer comes back cut, flagged long, and the
// rest of it is skipped. Line endings ("\n", "\r\n") and a UTF-8 byte order mark on the
// first line are removed. Reading more than max bytes is an error.
type Lines struct {
	path string
	br   *bufio.Reader
	no   int
	done bool
	err  error
}

// New starts reading r, the file at path, with a buffer of size bytes; reading more than
// max bytes is an error.
func New(path string, r io.Reader, size int, max int64) *Lines {
	return &Lines{path: path, br: bufio.NewReaderSize(Limit(r, max), size)}
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
	var tl *TooLarge
	switch {
	case err == nil || err == io.EOF:
	case errors.As(err, &tl):
		l.err = fmt.Errorf("%s: %v", l.path, tl)
	default:
		l.err = fmt.Errorf("%s: line %d: %w", l.path, l.no+1, err)
	}
}

// TooLarge is the error of a reader from Limit that was asked for more than its bound.
type TooLarge struct{ Max int64 }

func (e *TooLarge) Error() string { return fmt.Sprintf("larger than %d bytes, not read", e.Max) }

// Limit returns a reader of r that fails with *TooLarge once more than max bytes came,
// so that a streaming parser keeps its bound when used without the host's size check.
func Limit(r io.Reader, max int64) io.Reader { return &limited{r: r, left: max, max: max} }

type limited struct {
	r         io.Reader
	left, max int64
}

func (l *limited) Read(p []byte) (int, error) {
	if l.left < 0 {
		return 0, &TooLarge{l.max}
	}
	if int64(len(p)) > l.left+1 {
		p = p[:l.left+1]
	}
	n, err := l.r.Read(p)
	l.left -= int64(n)
	if l.left < 0 {
		return n, &TooLarge{l.max}
	}
	return n, err
}
