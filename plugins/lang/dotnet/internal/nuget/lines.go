package nuget

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

// NewLines starts reading r, the file at path, with a buffer of size bytes.
func NewLines(path string, r io.Reader, size int, max int64) *Lines {
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
