// Package lines is what the OS analyzers' stanza parsers (apk, dpkg) share: a line reader
// through a bounded buffer, with the line search and value checks made cheap inside wasm,
// the bounds that keep a result acceptable to the host, and the per-stanza problem type.
package lines

import (
	"encoding/binary"
	"fmt"
	"io"
	"math/bits"
)

// Reader splits a stream into lines through a fixed buffer, so that memory stays
// bounded however long a line is. It does what bufio.Reader.ReadSlice does, with its own
// search for the line end: inside wasm, bytes.IndexByte is a byte loop, to which the host's
// runtime adds a cancellation check per iteration, and it was the parser's largest cost; a
// word-at-a-time search measured 1.5-3x faster there.
type Reader struct {
	r     io.Reader
	buf   []byte
	start int // buf[start:end] is read and not yet returned
	end   int
	// searched is how many bytes from start are known to hold no '\n', so that a line
	// arriving in small reads is not searched from its start after each one.
	searched int
	err      error // sticky: the first error of r, io.EOF included
	// skipping is set while the rest of a line longer than buf is discarded.
	skipping bool
}

func NewReader(r io.Reader, size int) *Reader {
	return &Reader{r: r, buf: make([]byte, size)}
}

// next returns the next line without its "\n". The line aliases the buffer: it is valid
// until the next call. A line longer than the buffer comes back cut to the buffer's length,
// with cut set, and the rest of it is read and dropped. After the last line (which may lack
// its "\n") next returns io.EOF, or the error that stopped the reading.
func (lr *Reader) Next() (line []byte, cut bool, err error) {
	empty := 0
	for {
		if i := indexNL(lr.buf[lr.start+lr.searched : lr.end]); i >= 0 {
			line = lr.buf[lr.start : lr.start+lr.searched+i]
			lr.start += lr.searched + i + 1
			lr.searched = 0
			if lr.skipping {
				lr.skipping = false
				continue
			}
			return line, false, nil
		}
		lr.searched = lr.end - lr.start
		switch {
		case lr.skipping:
			lr.start, lr.end, lr.searched = 0, 0, 0
		case lr.end-lr.start == len(lr.buf):
			line = lr.buf[lr.start:lr.end]
			lr.start, lr.end, lr.searched = 0, 0, 0
			lr.skipping = true
			return line, true, nil
		case lr.err != nil:
			if lr.start < lr.end {
				line = lr.buf[lr.start:lr.end]
				lr.start, lr.searched = lr.end, 0
				return line, false, nil
			}
			return nil, false, lr.err
		case lr.start > 0:
			lr.end = copy(lr.buf, lr.buf[lr.start:lr.end])
			lr.start = 0
		}
		if lr.err != nil {
			return nil, false, lr.err
		}
		n, err := lr.r.Read(lr.buf[lr.end:])
		lr.end += n
		if err != nil {
			lr.err = err
		}
		if n == 0 && err == nil {
			// io.Reader allows empty reads; give up on a reader that only does that, as
			// bufio does.
			if empty++; empty == 100 {
				lr.err = io.ErrNoProgress
			}
		}
	}
}

// indexNL returns the index of the first '\n' in b, or -1. It tests eight bytes at a time:
// w has a zero byte where b has a '\n', and (w-0x01..)&^w&0x80.. marks zero bytes, the
// lowest mark always a real one.
func indexNL(b []byte) int {
	const (
		ones  = 0x0101010101010101
		highs = 0x8080808080808080
		nls   = 0x0a0a0a0a0a0a0a0a
	)
	i := 0
	for ; i+8 <= len(b); i += 8 {
		w := binary.LittleEndian.Uint64(b[i:]) ^ nls
		if t := (w - ones) &^ w & highs; t != 0 {
			return i + bits.TrailingZeros64(t)/8
		}
	}
	for ; i < len(b); i++ {
		if b[i] == '\n' {
			return i
		}
	}
	return -1
}

// Bounds the stanza parsers share.
const (
	// MaxValue is the SDK's bound on one field (sdk.Package.Validate). A package that breaks
	// it would make the host drop the whole result, so the parsers enforce it per field.
	MaxValue = 4096
	// BufSize is the line buffer. Longer lines are not an error: what a parser skips is
	// discarded in buffer-sized pieces, so no line is ever held whole, and a value it keeps
	// is refused above MaxValue anyway, so the buffer need only hold that, the key and the
	// line end.
	BufSize = 8 << 10
	// MaxPackages is the most packages a parser returns from one file: the SDK refuses a
	// result with more items, so a larger file is an error rather than a dropped result.
	MaxPackages = 1 << 20
	// MaxInterned bounds the values remembered for sharing: real databases have a few
	// dozen to a few hundred distinct architectures, origins and licenses, garbage may
	// have millions. MaxInternedLen bounds the length of one.
	MaxInterned    = 4096
	MaxInternedLen = 256
	// MaxProblems bounds the problems reported for one file, so that a file of garbage
	// yields one error list of bounded size rather than one entry per line.
	MaxProblems = 100
)

// A StanzaError is a problem with one stanza or one line that did not stop the parse: the
// stanza was skipped (no name, no version, an unreadable status) or one of its fields was
// ignored.
type StanzaError struct {
	// Path is the database file, as given to the parser.
	Path string
	// Line is the 1-based line the problem is on; for a stanza, its first line.
	Line int
	Msg  string
}

func (e *StanzaError) Error() string { return fmt.Sprintf("%s:%d: %s", e.Path, e.Line, e.Msg) }

// PrintableASCII reports whether b is at most MaxValue bytes of printable ASCII
// (0x20-0x7e): a value the SDK always accepts. Nearly every value is, and testing eight
// bytes at a time spares a byte loop, dear inside wasm.
func PrintableASCII(b []byte) bool {
	const (
		ones  = 0x0101010101010101
		highs = 0x8080808080808080
	)
	if len(b) > MaxValue {
		return false
	}
	i := 0
	for ; i+8 <= len(b); i += 8 {
		w := binary.LittleEndian.Uint64(b[i:])
		// (w-0x20..)&^w marks a byte below 0x20; (w+0x01..)|w marks one of 0x7f and above
		// (a carry out of a byte can only come from 0xff, itself marked).
		if ((w-0x20*ones)&^w|(w+ones)|w)&highs != 0 {
			return false
		}
	}
	for ; i < len(b); i++ {
		if b[i] < 0x20 || b[i] >= 0x7f {
			return false
		}
	}
	return true
}
