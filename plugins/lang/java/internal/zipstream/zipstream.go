// Package zipstream reads a zip archive (a JAR, WAR or EAR) as a stream, entry by entry,
// from the local file headers, the way java.util.zip.ZipInputStream does, rather than
// from the central directory at the end as archive/zip does.
//
// Why a stream: the analyzer gets a file as a stream of chunks inside a WebAssembly
// sandbox whose memory is capped (256 MiB by default) and never shrinks once grown. A
// random-access reader must hold the whole archive, up to the largest size accepted, and
// archive/zip also builds a record for every entry of the central directory (about 250
// bytes each, with no bound on their number: a hostile archive of tiny entries makes
// several times its own size of them). Read as a stream, an archive costs a fixed buffer
// and one inflater per level of nesting, whatever its size and entry count; an archive
// nested in another is read as the stream of that entry, with no copy.
//
// An entry that is not read is skipped without inflating it: by its compressed size when
// the local header gives it, else up to the data descriptor that follows its data (the
// JDK's jar tool, recent Maven archivers and Go's archive/zip write sizes there; more than
// half the JARs of a Debian system have such entries), found by searching for one whose
// compressed size is the length searched, to the byte, and that a record follows.
// Inflating every class file just to find its end would cost far more. A stored entry of
// that kind is read up to its descriptor in the same way.
//
// What a stream cannot see: an entry that only the central directory lists, or one whose
// local header lies (a hostile archive can show a different listing to each kind of
// reader).
//
// Inflating is github.com/klauspost/compress/flate rather than compress/flate: reading a
// *bufio.Reader without an interface call per byte, it inflates a WAR's libraries about
// four times as fast here, which matters more inside WebAssembly, for 0.1 MB more code.
//
// Bounds: inflated bytes are counted against a Budget shared by an archive and those
// nested in it, so that a compression bomb, or a bomb of nested archives, stops at the
// budget; names and extra fields are at most 64 KiB each by the format.
package zipstream

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"io"

	"github.com/klauspost/compress/flate"
)

// Signatures of the records of a zip archive.
const (
	sigLocal      = 0x04034b50
	sigCentral    = 0x02014b50
	sigEnd        = 0x06054b50
	sigEnd64      = 0x06064b50
	sigEnd64Loc   = 0x07064b50
	sigDescriptor = 0x08074b50
	sigExtraData  = 0x08064b50
	sigDigital    = 0x05054b50
	sigSpan       = 0x30304b50 // "PK00", before the first entry of a split archive
)

const (
	// MaxPrefix is how far into a stream the first entry is looked for: executable JARs
	// (Spring Boot's "fully executable" ones) start with a launch script of a few
	// kilobytes, self-extracting archives with a small program.
	MaxPrefix = 1 << 20
	// bufSize is the read buffer of one archive. Small, since every nested archive has
	// its own and clearing memory is not free inside WebAssembly; reads larger than the
	// buffer bypass it.
	bufSize = 8 << 10
)

// Errors of the package.
var (
	// ErrNotZip is returned by the first Next when no entry starts within MaxPrefix bytes.
	ErrNotZip = errors.New("not a zip archive")
	// ErrBudget is returned once the Budget of inflated bytes is spent.
	ErrBudget = errors.New("decompression budget spent")
)

// Budget bounds the work of reading an archive and those nested in it, and keeps the
// inflaters of the readers closed, for the next ones (an inflater is some 40 KB: a WAR of
// a hundred libraries would make a hundred of them).
type Budget struct {
	// Inflated is how many more bytes may be inflated.
	Inflated int64
	spare    []io.ReadCloser
}

// Entry is one local file header.
type Entry struct {
	Name   string
	Method uint16
	Flags  uint16
	// CRC32 and the sizes are those of the local header; with a data descriptor
	// (HasDescriptor) they are zero there, and known only once the data is read.
	CRC32            uint32
	CompressedSize   uint64
	UncompressedSize uint64
	zip64            bool
}

// HasDescriptor reports whether the sizes and checksum follow the data.
func (e *Entry) HasDescriptor() bool { return e.Flags&0x8 != 0 }

// Encrypted reports whether the data is encrypted.
func (e *Entry) Encrypted() bool { return e.Flags&0x1 != 0 }

// Reader reads the entries of one archive.
type Reader struct {
	br      *bufio.Reader
	budget  *Budget
	started bool
	err     error // sticky: io.EOF at the end of the entries, or what stopped the reading

	cur  *Entry
	body *body // the data of cur; nil once skipped

	// The current entry and its data live here, so that an entry costs no allocation
	// but its name.
	entry Entry
	data  body

	fl  io.ReadCloser // inflater, reused from entry to entry
	crc hash.Hash32
	hdr [30]byte
	buf []byte
}

// NewReader returns a reader of the archive in r, which inflates no more than budget
// allows (the budget is shared with the readers of nested archives).
func NewReader(r io.Reader, budget *Budget) *Reader {
	return &Reader{br: bufio.NewReaderSize(r, bufSize), budget: budget}
}

// Close gives the reader's inflater back to the budget, for the next reader. The reader
// must not be used afterwards.
func (z *Reader) Close() {
	if z.fl != nil && len(z.budget.spare) < 8 {
		z.budget.spare = append(z.budget.spare, z.fl)
	}
	z.fl = nil
	z.err = errors.New("reader closed")
}

// Next skips what is left of the current entry and returns the next one, valid until the
// next call. It returns
// io.EOF after the last entry (at the central directory, or at the end of the stream
// right after an entry); ErrNotZip if the stream has no entry where one should start.
func (z *Reader) Next() (*Entry, error) {
	if z.err != nil {
		return nil, z.err
	}
	if z.cur != nil {
		if err := z.finish(); err != nil {
			z.err = fmt.Errorf("entry %q: %w", z.cur.Name, err)
			return nil, z.err
		}
		z.cur = nil
	}
	if !z.started {
		z.started = true
		if err := z.findStart(); err != nil {
			z.err = err
			return nil, err
		}
	}
	e, err := z.header()
	if err != nil {
		z.err = err
		return nil, err
	}
	z.cur = e
	z.data = body{z: z, e: e}
	z.body = &z.data
	return e, nil
}

// findStart skips what comes before the first entry: nothing in most archives, a launch
// script in executable ones.
func (z *Reader) findStart() error {
	skipped := 0
	for {
		b, err := z.br.Peek(z.br.Size())
		if len(b) >= 4 {
			switch binary.LittleEndian.Uint32(b) {
			case sigLocal, sigEnd:
				return nil
			case sigSpan:
				z.br.Discard(4)
				continue
			}
		}
		i := bytes.Index(b, []byte("PK\x03\x04"))
		if i >= 0 && skipped+i <= MaxPrefix {
			z.br.Discard(i)
			return nil
		}
		if err != nil || len(b) < 4 {
			if err != nil && err != io.EOF && err != bufio.ErrBufferFull {
				return err
			}
			return ErrNotZip
		}
		n := len(b) - 3 // a signature may straddle two peeks
		skipped += n
		if skipped > MaxPrefix {
			return ErrNotZip
		}
		z.br.Discard(n)
	}
}

// header reads the next local file header, or returns io.EOF at the records that follow
// the entries.
func (z *Reader) header() (*Entry, error) {
	b, err := z.br.Peek(4)
	if len(b) < 4 {
		if len(b) == 0 && err == io.EOF {
			// The stream ends right after an entry: a truncated archive, or one read
			// from a source that stops at the central directory. Nothing more to read.
			return nil, io.EOF
		}
		return nil, truncated(err)
	}
	switch sig := binary.LittleEndian.Uint32(b); sig {
	case sigLocal:
	case sigCentral, sigEnd, sigEnd64, sigEnd64Loc, sigExtraData, sigDigital:
		return nil, io.EOF
	default:
		return nil, fmt.Errorf("unexpected bytes %q where an entry should start", b)
	}
	h := z.hdr[:]
	if _, err := io.ReadFull(z.br, h); err != nil {
		return nil, truncated(err)
	}
	le := binary.LittleEndian
	e := &z.entry
	*e = Entry{
		Flags:            le.Uint16(h[6:]),
		Method:           le.Uint16(h[8:]),
		CRC32:            le.Uint32(h[14:]),
		CompressedSize:   uint64(le.Uint32(h[18:])),
		UncompressedSize: uint64(le.Uint32(h[22:])),
	}
	nameLen, extraLen := int(le.Uint16(h[26:])), int(le.Uint16(h[28:]))
	if cap(z.buf) < nameLen+extraLen {
		z.buf = make([]byte, nameLen+extraLen)
	}
	b = z.buf[:nameLen+extraLen]
	if _, err := io.ReadFull(z.br, b); err != nil {
		return nil, truncated(err)
	}
	e.Name = string(b[:nameLen])
	z.zip64(e, b[nameLen:])
	return e, nil
}

// zip64 reads the 64-bit sizes of the zip64 extra field. In a local header the field holds
// both sizes, uncompressed first, when either does not fit in 32 bits.
func (z *Reader) zip64(e *Entry, extra []byte) {
	le := binary.LittleEndian
	for len(extra) >= 4 {
		id, n := le.Uint16(extra), int(le.Uint16(extra[2:]))
		extra = extra[4:]
		if n > len(extra) {
			return
		}
		if id == 0x0001 {
			e.zip64 = true
			f := extra[:n]
			if len(f) >= 8 && e.UncompressedSize == 0xffffffff {
				e.UncompressedSize = le.Uint64(f)
			}
			if len(f) >= 8 {
				f = f[8:]
			}
			if len(f) >= 8 && e.CompressedSize == 0xffffffff {
				e.CompressedSize = le.Uint64(f)
			}
			return
		}
		extra = extra[n:]
	}
}

// Open returns the data of the current entry, decompressed. Reading it to its end checks
// the length and the CRC-32 of the data; the rest of the entry is skipped by Next whether
// or not it was read.
func (z *Reader) Open() (io.Reader, error) {
	if z.cur == nil || z.body == nil {
		return nil, errors.New("no entry to open")
	}
	return z.body, z.body.open()
}

// finish moves past the current entry: the rest of its data, and its data descriptor.
func (z *Reader) finish() error {
	b := z.body
	if b == nil {
		return nil
	}
	z.body = nil
	return b.skip()
}

// body is the data of one entry.
type body struct {
	z *Reader
	e *Entry

	raw    io.Reader   // the compressed data, up to its end
	known  *limited    // raw when the compressed size is known
	out    io.Reader   // the data, decompressed and counted
	crc    hash.Hash32 // of what was read of out, if it was read from the start
	n      uint64      // bytes read of out
	opened bool
	// scanned is set when out is the compressed data of a deflated entry, skipped
	scanned bool
	done    bool  // read to its end, descriptor included
	err     error // what Read returns from now on
	// lost is an error after which the stream's position is unknown: the archive cannot
	// be read further. A bad checksum leaves the position right; corrupt data of an entry
	// of known size too, since its end is known.
	lost error
}

// setup prepares the compressed data of the entry.
func (b *body) setup() error {
	if b.raw != nil {
		return nil
	}
	z, e := b.z, b.e
	switch {
	case !e.HasDescriptor() || e.Method == 0 && e.CompressedSize > 0:
		b.known = &limited{br: z.br, n: e.CompressedSize}
		b.raw = b.known
	case e.Encrypted():
		return errors.New("encrypted, with its size after the data: the entry's end cannot be found")
	case e.Method == 8:
		// The deflate stream ends itself; bufio.Reader is a ByteReader, so the inflater
		// reads no byte past it and the descriptor is next.
		b.raw = z.br
	case e.Method == 0:
		b.raw = &descScan{br: z.br, stored: true}
	default:
		return fmt.Errorf("compression method %d with its size after the data: the entry's end cannot be found", e.Method)
	}
	return nil
}

func (b *body) open() error {
	if b.opened {
		return b.err
	}
	b.opened = true
	if err := b.setup(); err != nil {
		b.err, b.lost = err, err
		return err
	}
	switch {
	case b.e.Encrypted():
		b.err = errors.New("encrypted")
	case b.e.Method == 0:
		b.out = b.raw
	case b.e.Method == 8:
		src := b.raw
		if b.known != nil && b.known.n > 4096 {
			// The inflater reads a *bufio.Reader without an interface call per byte.
			src = bufio.NewReaderSize(b.known, 4096)
		}
		b.out = &counted{r: b.z.inflater(src), budget: b.z.budget}
	default:
		b.err = fmt.Errorf("compression method %d is not supported", b.e.Method)
	}
	if b.err == nil {
		if b.z.crc == nil {
			b.z.crc = crc32.NewIEEE()
		}
		b.crc = b.z.crc
		b.crc.Reset()
	}
	return b.err
}

func (b *body) Read(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	n, err := b.out.Read(p)
	b.n += uint64(n)
	if b.crc != nil {
		b.crc.Write(p[:n])
	}
	switch {
	case err == io.EOF:
		if err = b.end(); err == nil {
			err = io.EOF
		}
	case err != nil && b.known == nil:
		b.lost = err
	}
	b.err = err
	return n, err
}

// end checks the entry once its data is read: what is left of the compressed data (a
// deflate stream may stop before the size the header gives), the descriptor, the length
// and the checksum.
func (b *body) end() error {
	b.done = true
	if b.known != nil {
		if err := b.known.discard(); err != nil {
			b.lost = err
			return err
		}
	}
	crc, size := b.e.CRC32, b.e.UncompressedSize
	if b.e.HasDescriptor() {
		var err error
		if crc, size, err = b.z.descriptor(b.e); err != nil {
			b.lost = err
			return err
		}
	}
	if b.scanned {
		return nil // compressed bytes, skipped: nothing to check them against
	}
	if size != b.n {
		return fmt.Errorf("%d bytes of data where the archive says %d", b.n, size)
	}
	if b.crc != nil && b.crc.Sum32() != crc {
		return errors.New("checksum mismatch")
	}
	return nil
}

// skip moves past the rest of the entry.
func (b *body) skip() error {
	if b.done || b.lost != nil {
		return b.lost
	}
	if err := b.setup(); err != nil {
		return err
	}
	if b.known != nil {
		// The compressed size is known: skip the bytes without inflating them.
		if err := b.known.discard(); err != nil {
			return err
		}
		b.done = true
		if b.e.HasDescriptor() {
			_, _, err := b.z.descriptor(b.e)
			return err
		}
		return nil
	}
	// The end is found by reading through the data: through the compressed bytes to the
	// descriptor that follows them, or, once the inflater has read some, on through it.
	if b.out == nil {
		b.out = b.raw
		if b.e.Method == 8 {
			b.out = &descScan{br: b.z.br}
			b.scanned = true
		}
	}
	b.crc = nil // what was not read cannot be checked
	b.err = nil
	if _, err := io.Copy(io.Discard, b); err != nil && b.lost == nil {
		b.lost = err
	}
	return b.lost
}

// descriptor reads the data descriptor after an entry's data: an optional signature, the
// CRC-32 and both sizes, 4 bytes each, or 8 for zip64 entries. Whether the sizes are of 4
// or 8 bytes is told by where the next record starts, the zip64 mark being the fallback.
func (z *Reader) descriptor(e *Entry) (crc uint32, size uint64, err error) {
	b, _ := z.br.Peek(28)
	off := 0
	if len(b) >= 4 && binary.LittleEndian.Uint32(b) == sigDescriptor {
		off = 4
	}
	wide := e.zip64
	if isRecord(b, off+12) {
		wide = false
	} else if isRecord(b, off+20) {
		wide = true
	}
	n := off + 12
	if wide {
		n = off + 20
	}
	if len(b) < n {
		return 0, 0, truncated(io.ErrUnexpectedEOF)
	}
	le := binary.LittleEndian
	crc = le.Uint32(b[off:])
	if wide {
		size = le.Uint64(b[off+12:])
	} else {
		size = uint64(le.Uint32(b[off+8:]))
	}
	z.br.Discard(n)
	return crc, size, nil
}

// isRecord reports whether a record of the archive starts at b[i:].
func isRecord(b []byte, i int) bool {
	if len(b) < i+4 {
		return false
	}
	switch binary.LittleEndian.Uint32(b[i:]) {
	case sigLocal, sigCentral, sigEnd, sigEnd64, sigDigital, sigExtraData:
		return true
	}
	return false
}

// inflater returns the reader's inflater, reset to read r.
func (z *Reader) inflater(r io.Reader) io.Reader {
	if z.fl == nil {
		if n := len(z.budget.spare); n > 0 {
			z.fl = z.budget.spare[n-1]
			z.budget.spare = z.budget.spare[:n-1]
		} else {
			z.fl = flate.NewReader(r)
			return z.fl
		}
	}
	z.fl.(flate.Resetter).Reset(r, nil)
	return z.fl
}

func truncated(err error) error {
	if err == io.EOF || err == io.ErrUnexpectedEOF || err == nil {
		return errors.New("archive cut short")
	}
	return err
}

// limited reads the n bytes of an entry whose size is known. It is a ByteReader, so the
// inflater uses it as it is rather than through a buffer of its own.
type limited struct {
	br *bufio.Reader
	n  uint64
}

func (l *limited) Read(p []byte) (int, error) {
	if l.n == 0 {
		return 0, io.EOF
	}
	if uint64(len(p)) > l.n {
		p = p[:l.n]
	}
	n, err := l.br.Read(p)
	l.n -= uint64(n)
	if err == io.EOF && l.n > 0 {
		err = io.ErrUnexpectedEOF
	}
	return n, err
}

func (l *limited) ReadByte() (byte, error) {
	if l.n == 0 {
		return 0, io.EOF
	}
	c, err := l.br.ReadByte()
	if err != nil {
		return 0, truncated(err)
	}
	l.n--
	return c, nil
}

// discard skips the rest.
func (l *limited) discard() error {
	for l.n > 0 {
		step := min(l.n, 1<<30)
		n, err := l.br.Discard(int(step))
		l.n -= uint64(n)
		if err != nil {
			return truncated(err)
		}
	}
	return nil
}

// counted charges what it reads to the budget.
type counted struct {
	r      io.Reader
	budget *Budget
}

func (c *counted) Read(p []byte) (int, error) {
	if c.budget.Inflated <= 0 {
		return 0, ErrBudget
	}
	if int64(len(p)) > c.budget.Inflated {
		p = p[:c.budget.Inflated]
	}
	n, err := c.r.Read(p)
	c.budget.Inflated -= int64(n)
	if err == io.ErrUnexpectedEOF {
		err = errors.New("archive cut short in compressed data")
	}
	return n, err
}

// descScan reads the data of an entry whose sizes follow it, up to the data descriptor
// whose compressed size is the length read: the data of a stored entry, or the compressed
// data of a deflated one skipped without inflating it (the JDK's jar tool, recent Maven
// archivers and Go's archive/zip all write descriptors; inflating every class file to
// find its end would cost far more than the search). A descriptor starts with its
// signature, or, where a writer left it out, is the 12 or 20 bytes before the next record;
// either way its size must match the length to the byte, and a record must follow it.
type descScan struct {
	br     *bufio.Reader
	n      uint64 // bytes delivered
	stored bool   // the uncompressed size must match too
	done   bool
}

// scanKeep is what is held back at the end of a buffer: a descriptor and the signature
// after it are decided only when all of them can be seen.
const scanKeep = 28

func (s *descScan) Read(p []byte) (int, error) {
	if s.done {
		return 0, io.EOF
	}
	b, err := s.br.Peek(s.br.Size())
	atEOF := err != nil && err != bufio.ErrBufferFull
	if len(b) == 0 {
		return 0, truncated(err)
	}
	avail, found := len(b), false
	if e := s.end(b, atEOF); e >= 0 {
		avail, found = e, true
	} else if !atEOF {
		avail = max(len(b)-scanKeep, 0)
	}
	if avail == 0 && !found {
		if atEOF {
			return 0, truncated(io.ErrUnexpectedEOF)
		}
		avail = 1 // a full buffer cannot hold back everything
	}
	n := copy(p, b[:avail])
	s.br.Discard(n)
	s.n += uint64(n)
	if found && n == avail {
		s.done = true
		return n, io.EOF
	}
	return n, nil
}

// end returns the offset in b of the first descriptor that ends the data, or -1.
func (s *descScan) end(b []byte, atEOF bool) int {
	best := -1
	for k := 0; ; k++ {
		i := bytes.Index(b[k:], []byte("PK"))
		if i < 0 {
			return best
		}
		k += i
		if best >= 0 && k-20 > best {
			return best
		}
		if k+4 > len(b) {
			return best
		}
		var cands [2]int
		switch binary.LittleEndian.Uint32(b[k:]) {
		case sigDescriptor:
			cands = [2]int{k, -1}
		case sigLocal, sigCentral, sigEnd, sigEnd64, sigDigital, sigExtraData:
			cands = [2]int{k - 20, k - 12}
		default:
			continue
		}
		for _, e := range cands {
			if e >= 0 && (best < 0 || e < best) && s.valid(b, e, atEOF) {
				best = e
			}
		}
	}
}

// valid reports whether a descriptor for the data read so far starts at b[e:].
func (s *descScan) valid(b []byte, e int, atEOF bool) bool {
	le := binary.LittleEndian
	d := e
	if len(b) >= e+4 && le.Uint32(b[e:]) == sigDescriptor {
		d += 4
	}
	size := s.n + uint64(e)
	follows := func(at int) bool { return isRecord(b, at) || atEOF && at == len(b) }
	if d+12 <= len(b) && uint64(le.Uint32(b[d+4:])) == size&0xffffffff &&
		(!s.stored || uint64(le.Uint32(b[d+8:])) == size&0xffffffff) && follows(d+12) {
		return true
	}
	return d+20 <= len(b) && le.Uint64(b[d+4:]) == size && (!s.stored || le.Uint64(b[d+12:]) == size) && follows(d+20)
}
