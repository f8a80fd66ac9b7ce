// Package bdb extracts the rpm package header blobs from a Berkeley DB hash database: the
// var/lib/rpm/Packages file that rpm before 4.16 wrote through libdb (RHEL and CentOS up to
// 8, Amazon Linux 2, older SUSE and Fedora before 33).
//
// The file is a sequence of fixed-size pages (dbinc/db_page.h in Berkeley DB). Page 0 is the
// hash metadata page: the generic header (LSN, page number, magic 0x061561, version, page
// size, encryption algorithm, page type 8, meta flags, free list, last page number, ...)
// followed by the hash fields. Every other page starts with a 26-byte header (LSN, page
// number, previous and next page, entry count, high free offset, level, type). Hash pages
// (type 13, or 2 for the unsorted pages of databases written before 4.6) hold an index
// array of 16-bit item offsets after the header, the items themselves packed at the end
// of the page; items go in key/data pairs. An item is either inline (H_KEYDATA: a type
// byte, then the bytes, up to the previous item) or a reference to an overflow chain
// (H_OFFPAGE: type byte, 3 bytes padding, first page, total length). Overflow pages (type
// 7) each carry hf_offset bytes after the page header and link to the next by next_pgno.
// Numbers are in the byte order of the machine that wrote the file, told by the magic.
//
// In rpm's Packages, each key is a 4-byte header number and each data item one header
// blob. rpm keeps its header-number counter under key 0, with a 4-byte value (both corpus
// fixtures, RHEL 8 and an rpm 4.x test database, have it); that record is skipped. Hash pages are read in page order, ignoring the bucket structure
// (max_bucket, spares), so every live pair is found whatever the hashing; pages of other
// types (free, overflow, meta) are passed over.
//
// Not supported, each reported as an error: the btree, recno, queue and heap access
// methods (rpm's Packages is always a hash database; a btree file is named as such in the
// error), encrypted databases (encrypt_alg set), and duplicate items (H_DUPLICATE,
// H_OFFDUP: rpm never stores duplicates in Packages). Databases with page checksums (meta
// flag DBMETA_CHKSUM) are read, their 32-byte page header skipped, but the checksums are
// not verified. Hash versions 8 to 10 are accepted, as by rpm's own read-only reader
// (bdb_ro): 8 is the unsorted-page layout of Berkeley DB 4.x before 4.6, 9 that of 4.6
// and later. Version 7 and older files kept last_pgno unreliably and are refused; so are
// files whose meta page is not type 8. The hash function, buckets and spares are never
// used, so neither is the meta page's hash data, and nothing is written.
package bdb

import (
	"encoding/binary"
	"errors"
	"fmt"
	"iter"

	"github.com/trawlscan/trawl/plugins/os/rpm/internal/hold"
)

// ErrFormat is wrapped by the error that ends Headers at once: data is not a Berkeley DB
// hash database, or its meta page is damaged or asks for a feature this package lacks.
// Errors about one package do not wrap it.
var ErrFormat = errors.New("bdb: not a readable Berkeley DB hash database")

const (
	hashMagic  = 0x061561
	btreeMagic = 0x053162
	queueMagic = 0x042253
	heapMagic  = 0x074582

	// metaLen is the part of page 0 that is read: the generic meta header up to last_pgno.
	metaLen = 36
	// minPageSize and maxPageSize bound a Berkeley DB page size, a power of two.
	minPageSize = 512
	maxPageSize = 65536

	pageHeaderLen = 26 // SIZEOF_PAGE
	// chksumHeaderLen is the page header when the database keeps page checksums: 2 bytes
	// of padding and 4 of checksum follow the 26 (PG_CHKSUM).
	chksumHeaderLen = 32

	pHashUnsorted = 2
	pOverflow     = 7
	pHashMeta     = 8
	pHash         = 13

	hKeyData   = 1
	hDuplicate = 2
	hOffPage   = 3
	hOffDup    = 4

	hOffPageLen = 12 // HOFFPAGE: type, 3 unused, pgno, tlen

	dbmetaChksum = 0x01 // metaflags: pages carry a checksum
)

// Is reports whether data starts like a Berkeley DB hash database: the hash magic at
// offset 12 in either byte order. It looks at nothing else.
func Is(data []byte) bool {
	if len(data) < 16 {
		return false
	}
	return binary.LittleEndian.Uint32(data[12:]) == hashMagic || binary.BigEndian.Uint32(data[12:]) == hashMagic
}

// Headers yields the rpm header blob of each package in the database, in storage order. A
// first error means the data is not a database of this format (or its header is damaged)
// and ends the iteration; that error wraps ErrFormat. Per-package damage yields (nil, err)
// and the iteration goes on with the next package; the blob is a sub-slice of data where
// it is contiguous, else a new slice.
//
// Storage order is page order, and item order within a page. Per-package errors met
// before the first blob are held back (up to 64) and yielded right after it, so that a
// first error is one about the whole file; errors.Is(err, ErrFormat) tells for sure. Errors
// name the page and item. Sub-slices are capped (their capacity is their length), so
// appending to one does not write into data. Work and memory are linear in len(data): no
// overflow page is read twice and no blob is longer than the file's pages can hold.
func Headers(data []byte) iter.Seq2[[]byte, error] {
	return func(yield func([]byte, error) bool) {
		db, err := open(data)
		if err != nil {
			yield(nil, err)
			return
		}
		h := hold.New(yield)
		if db.walk(h.Put) {
			h.Flush()
		}
	}
}

// db is an opened database.
type db struct {
	data     []byte
	order    binary.ByteOrder
	pageSize int
	// overhead is the page header length: where the index array (hash pages) or the data
	// (overflow pages) starts.
	overhead int
	// npages is the number of pages read: pages 0 to npages-1, all whole in data.
	npages int
	// lastPgno is the meta page's last page number; more than npages-1 if data is short.
	lastPgno uint32
	// owner maps an overflow page to the overflow item that read it (numbered from 1), so
	// that a chain that loops or runs into another item's chain is caught. Allocated on the
	// first overflow item.
	owner []uint32
	// items counts the overflow items read.
	items uint32
}

func formatErr(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrFormat}, args...)...)
}

// open checks the meta page.
func open(data []byte) (*db, error) {
	if len(data) < 16 {
		return nil, formatErr("file is %d bytes, too short for a meta page", len(data))
	}
	var order binary.ByteOrder
	switch m := binary.LittleEndian.Uint32(data[12:]); {
	case m == hashMagic:
		order = binary.LittleEndian
	case binary.BigEndian.Uint32(data[12:]) == hashMagic:
		order = binary.BigEndian
	case m == btreeMagic || binary.BigEndian.Uint32(data[12:]) == btreeMagic:
		return nil, formatErr("a btree database: only the hash access method (rpm's Packages) is supported")
	case m == queueMagic || binary.BigEndian.Uint32(data[12:]) == queueMagic,
		m == heapMagic || binary.BigEndian.Uint32(data[12:]) == heapMagic:
		return nil, formatErr("a queue or heap database: only the hash access method (rpm's Packages) is supported")
	default:
		return nil, formatErr("magic %#08x at offset 12 is not the hash magic %#06x", m, hashMagic)
	}
	if len(data) < metaLen {
		return nil, formatErr("meta page truncated: file is %d bytes", len(data))
	}
	version := order.Uint32(data[16:])
	pageSize := order.Uint32(data[20:])
	encrypt := data[24]
	typ := data[25]
	metaFlags := data[26]
	lastPgno := order.Uint32(data[32:])
	if version < 8 || version > 10 {
		return nil, formatErr("meta page: hash version %d, want 8 to 10 (Berkeley DB 4.6 or later)", version)
	}
	if pageSize < minPageSize || pageSize > maxPageSize || pageSize&(pageSize-1) != 0 {
		return nil, formatErr("meta page: page size %d is not a power of two from %d to %d", pageSize, minPageSize, maxPageSize)
	}
	if typ != pHashMeta {
		return nil, formatErr("meta page: page type %d, want %d (hash meta)", typ, pHashMeta)
	}
	if encrypt != 0 {
		return nil, formatErr("meta page: encrypted database (algorithm %d) is not supported", encrypt)
	}
	if len(data) < int(pageSize) {
		return nil, formatErr("meta page truncated: file is %d bytes, page size %d", len(data), pageSize)
	}
	d := &db{
		data:     data,
		order:    order,
		pageSize: int(pageSize),
		overhead: pageHeaderLen,
		lastPgno: lastPgno,
	}
	if metaFlags&dbmetaChksum != 0 {
		d.overhead = chksumHeaderLen
	}
	d.npages = len(data) / d.pageSize
	if uint64(lastPgno)+1 < uint64(d.npages) {
		d.npages = int(lastPgno) + 1
	}
	return d, nil
}

// page returns page n, which must be below d.npages.
func (d *db) page(n int) []byte {
	return d.data[n*d.pageSize : (n+1)*d.pageSize : (n+1)*d.pageSize]
}

// walk yields the data items of every hash page, then an error if the file is shorter than
// the meta page says. It returns false when yield does.
func (d *db) walk(yield func([]byte, error) bool) bool {
	for n := 1; n < d.npages; n++ {
		p := d.page(n)
		if t := p[25]; t != pHash && t != pHashUnsorted {
			continue
		}
		if !d.hashPage(n, p, yield) {
			return false
		}
	}
	if uint64(d.lastPgno) >= uint64(d.npages) {
		return yield(nil, fmt.Errorf("bdb: file truncated: the meta page says the last page is %d, the file holds %d whole pages of %d bytes", d.lastPgno, d.npages, d.pageSize))
	}
	return true
}

// hashPage yields the data items of hash page n. It returns false when yield does.
func (d *db) hashPage(n int, p []byte, yield func([]byte, error) bool) bool {
	if pgno := d.order.Uint32(p[8:]); pgno != uint32(n) {
		return yield(nil, fmt.Errorf("bdb: page %d: hash page header says it is page %d", n, pgno))
	}
	entries := int(d.order.Uint16(p[20:]))
	inpEnd := d.overhead + 2*entries
	if inpEnd > d.pageSize {
		return yield(nil, fmt.Errorf("bdb: page %d: %d entries do not fit in a %d-byte page", n, entries, d.pageSize))
	}
	if entries%2 != 0 {
		if !yield(nil, fmt.Errorf("bdb: page %d: odd number of entries (%d): the last key has no data", n, entries)) {
			return false
		}
	}
	// item returns the bounds of item i: from its offset to the previous item's (or the
	// end of the page for item 0), items being packed downwards from the page end.
	item := func(i int) (int, int, error) {
		off := int(d.order.Uint16(p[d.overhead+2*i:]))
		end := d.pageSize
		if i > 0 {
			end = int(d.order.Uint16(p[d.overhead+2*(i-1):]))
		}
		if off < inpEnd || off >= end || end > d.pageSize {
			return 0, 0, fmt.Errorf("bdb: page %d: item %d at offset %d (ending at %d) lies outside the page's item area [%d, %d)", n, i, off, end, inpEnd, d.pageSize)
		}
		return off, end, nil
	}
	for i := 0; i+1 < entries; i += 2 {
		koff, kend, err := item(i)
		if err != nil {
			if !yield(nil, err) {
				return false
			}
			continue
		}
		// Key 0 is rpm's header-number counter, not a package.
		if p[koff] == hKeyData && kend-koff == 5 && d.order.Uint32(p[koff+1:]) == 0 {
			continue
		}
		blob, err := d.value(n, p, i+1, item)
		if !yield(blob, err) {
			return false
		}
	}
	return true
}

// value returns data item i of hash page n.
func (d *db) value(n int, p []byte, i int, item func(int) (int, int, error)) ([]byte, error) {
	off, end, err := item(i)
	if err != nil {
		return nil, err
	}
	switch t := p[off]; t {
	case hKeyData:
		start := n*d.pageSize + off + 1
		stop := n*d.pageSize + end
		return d.data[start:stop:stop], nil
	case hOffPage:
		if end-off < hOffPageLen {
			return nil, fmt.Errorf("bdb: page %d: item %d: overflow reference is %d bytes, want %d", n, i, end-off, hOffPageLen)
		}
		pgno := d.order.Uint32(p[off+4:])
		tlen := d.order.Uint32(p[off+8:])
		blob, err := d.overflow(pgno, tlen)
		if err != nil {
			return nil, fmt.Errorf("bdb: page %d: item %d: %w", n, i, err)
		}
		return blob, nil
	case hDuplicate, hOffDup:
		return nil, fmt.Errorf("bdb: page %d: item %d: duplicate data items (type %d) are not supported", n, i, t)
	default:
		return nil, fmt.Errorf("bdb: page %d: item %d: unknown item type %d", n, i, t)
	}
}

// overflow reads the overflow item of tlen bytes starting on page first.
func (d *db) overflow(first, tlen uint32) ([]byte, error) {
	room := d.pageSize - d.overhead
	if tlen == 0 {
		return nil, fmt.Errorf("overflow item on page %d has length 0", first)
	}
	// Bound the allocation by what the file's pages can hold.
	if most := uint64(d.npages-1) * uint64(room); uint64(tlen) > most {
		return nil, fmt.Errorf("overflow item length %d exceeds the %d bytes the file's %d pages can hold", tlen, most, d.npages)
	}
	if first == 0 {
		return nil, fmt.Errorf("overflow item of %d bytes points to page 0, the meta page", tlen)
	}
	if d.owner == nil {
		d.owner = make([]uint32, d.npages)
	}
	d.items++
	id := d.items
	var (
		buf  []byte
		head []byte // the data of the first page, returned as is if it is all of it
		got  uint64
		prev uint32 // the page that pointed to pg; 0 for the item itself
	)
	// from names what pointed to the page being read, for errors.
	from := func() string {
		if prev == 0 {
			return fmt.Sprintf("overflow chain starting at page %d", first)
		}
		return fmt.Sprintf("overflow page %d", prev)
	}
	for pg := first; pg != 0; {
		if uint64(pg) >= uint64(d.npages) {
			return nil, fmt.Errorf("%s points to page %d, beyond the last page %d", from(), pg, d.npages-1)
		}
		switch o := d.owner[pg]; {
		case o == id:
			return nil, fmt.Errorf("%s loops back to page %d", from(), pg)
		case o != 0:
			return nil, fmt.Errorf("%s points to page %d, already part of another item's overflow chain", from(), pg)
		}
		d.owner[pg] = id
		p := d.page(int(pg))
		if t := p[25]; t != pOverflow {
			return nil, fmt.Errorf("%s points to page %d of type %d, not an overflow page", from(), pg, t)
		}
		if h := d.order.Uint32(p[8:]); h != pg {
			return nil, fmt.Errorf("overflow page %d: header says it is page %d", pg, h)
		}
		n := int(d.order.Uint16(p[22:]))
		if n > room {
			return nil, fmt.Errorf("overflow page %d: holds %d bytes, more than the %d a page has room for", pg, n, room)
		}
		if got+uint64(n) > uint64(tlen) {
			return nil, fmt.Errorf("overflow page %d: the chain holds more than the item's %d bytes", pg, tlen)
		}
		chunk := p[d.overhead : d.overhead+n : d.overhead+n]
		switch {
		case prev == 0:
			head = chunk
		case buf == nil:
			buf = make([]byte, 0, tlen)
			buf = append(append(buf, head...), chunk...)
		default:
			buf = append(buf, chunk...)
		}
		got += uint64(n)
		prev = pg
		pg = d.order.Uint32(p[16:])
	}
	if got != uint64(tlen) {
		return nil, fmt.Errorf("overflow chain starting at page %d holds %d bytes, the item says %d", first, got, tlen)
	}
	if buf == nil {
		return head, nil
	}
	return buf, nil
}
