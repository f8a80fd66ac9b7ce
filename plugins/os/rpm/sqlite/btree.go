package sqlite

import (
	"encoding/binary"
	"fmt"
)

// Table b-tree page types (the first byte of the page header).
const (
	tableInterior = 0x05
	tableLeaf     = 0x0d
	indexInterior = 0x02
	indexLeaf     = 0x0a
)

// varint decodes a SQLite varint from the start of b: big-endian groups of seven bits, the
// high bit of each of the first eight bytes saying another follows, and a ninth byte, if
// reached, contributing all eight of its bits. n is 0 when b ends first.
func varint(b []byte) (v uint64, n int) {
	for i := 0; i < 8; i++ {
		if i >= len(b) {
			return 0, 0
		}
		v = v<<7 | uint64(b[i]&0x7f)
		if b[i] < 0x80 {
			return v, i + 1
		}
	}
	if len(b) < 9 {
		return 0, 0
	}
	return v<<8 | uint64(b[8]), 9
}

// btreePage is the decoded header of a table b-tree page.
type btreePage struct {
	no    uint32
	data  []byte // the usable bytes of the page; cell offsets index into it
	leaf  bool
	cells int
	ptrs  int    // offset of the cell pointer array
	right uint32 // right-most child, on interior pages
}

// loadPage reads the header of table b-tree page no, which the caller has range-checked.
func (db *DB) loadPage(no uint32) (btreePage, error) {
	p := btreePage{no: no, data: db.page(no)}
	hdr := 0
	if no == 1 { // the database header comes first
		hdr = headerSize
	}
	// The page header is at most 12 bytes and usable >= 480, so these reads are in bounds.
	switch t := p.data[hdr]; t {
	case tableLeaf:
		p.leaf = true
		p.ptrs = hdr + 8
	case tableInterior:
		p.ptrs = hdr + 12
		p.right = binary.BigEndian.Uint32(p.data[hdr+8:])
	case indexInterior, indexLeaf:
		return p, fmt.Errorf("sqlite: page %d: index b-tree page (type 0x%02x) where a table b-tree page belongs", no, t)
	default:
		return p, fmt.Errorf("sqlite: page %d: type 0x%02x is not a table b-tree page", no, t)
	}
	p.cells = int(binary.BigEndian.Uint16(p.data[hdr+3:]))
	if end := p.ptrs + 2*p.cells; end > len(p.data) {
		return p, fmt.Errorf("sqlite: page %d: %d cell pointers end at offset %d, beyond usable page size %d", no, p.cells, end, len(p.data))
	}
	return p, nil
}

// cell returns the offset of cell i, checked to lie between the cell pointer array and the
// end of the usable page. It does not check the cell's length, which needs its contents.
func (p *btreePage) cell(i int) (int, error) {
	off := int(binary.BigEndian.Uint16(p.data[p.ptrs+2*i:]))
	if off >= len(p.data) {
		return 0, fmt.Errorf("sqlite: page %d: cell %d offset %d beyond usable page size %d", p.no, i, off, len(p.data))
	}
	if end := p.ptrs + 2*p.cells; off < end {
		return 0, fmt.Errorf("sqlite: page %d: cell %d offset %d inside the page header and cell pointers (which end at %d)", p.no, i, off, end)
	}
	return off, nil
}

// leafCell is one cell of a table leaf page: a row's rowid and its record bytes, or the
// error that stopped reading it.
type leafCell struct {
	page    uint32
	index   int
	rowid   int64
	payload []byte
	// owned says payload was assembled from overflow pages into fresh memory, so values may
	// point into it; otherwise it is part of the file and values must be copied out.
	owned bool
}

// cellFunc receives each leaf cell in order, or an error. It returns false to stop the walk.
type cellFunc func(c leafCell, err error) bool

// walker walks one table b-tree. A walk visits every page at most once, which turns cycles
// (a child or overflow pointer back to a page already seen) into errors rather than
// endless loops, and bounds the walk's work by the size of the file.
type walker struct {
	db       *DB
	seen     []uint64 // bitset over page numbers
	overflow []uint32 // scratch: the pages of the overflow chain being read
}

func (db *DB) newWalker() *walker {
	return &walker{db: db, seen: make([]uint64, db.pages/64+1)}
}

// claim checks that page no exists and has not been visited in this walk, and marks it.
// what names the pointer in errors ("overflow page", "cell 3: child page").
func (w *walker) claim(no uint32, what string) error {
	if no == 0 || no > w.db.pages {
		return fmt.Errorf("%s %d out of range (the database has %d pages)", what, no, w.db.pages)
	}
	word, bit := no/64, uint64(1)<<(no%64)
	if w.seen[word]&bit != 0 {
		return fmt.Errorf("%s %d already visited (a cycle)", what, no)
	}
	w.seen[word] |= bit
	return nil
}

// walkRoot walks the table b-tree rooted at page root, calling fn for each leaf cell in
// rowid order. Errors in one leaf cell are passed to fn and the walk goes on; errors in the
// structure (a bad page, a bad child pointer) are passed to fn and end the walk, since the
// rows below the damage cannot be found.
func (w *walker) walkRoot(root uint32, fn cellFunc) {
	if err := w.claim(root, "root page"); err != nil {
		fn(leafCell{}, fmt.Errorf("sqlite: %w", err))
		return
	}
	w.walk(root, 1, fn)
}

// walk walks the subtree at page no, already claimed, at the given depth (the root is 1).
// It returns false when the walk must end.
func (w *walker) walk(no uint32, depth int, fn cellFunc) bool {
	p, err := w.db.loadPage(no)
	if err != nil {
		fn(leafCell{}, err)
		return false
	}
	if p.leaf {
		// In a sound page the cells do not overlap, so their local payloads add up to less
		// than the page. Counting them stops a hostile page whose thousands of cell pointers
		// all name one big cell from costing the square of the page size.
		budget := len(p.data)
		for i := 0; i < p.cells; i++ {
			c, err := w.leafCell(&p, i, &budget)
			if !fn(c, err) {
				return false
			}
		}
		return true
	}
	if depth >= maxDepth {
		fn(leafCell{}, fmt.Errorf("sqlite: page %d: b-tree deeper than %d levels", no, maxDepth))
		return false
	}
	for i := 0; i <= p.cells; i++ {
		var child uint32
		what := "right-most pointer: child page"
		if i < p.cells {
			off, err := p.cell(i)
			if err != nil {
				fn(leafCell{}, err)
				return false
			}
			if off+4 > len(p.data) {
				fn(leafCell{}, fmt.Errorf("sqlite: page %d: cell %d at offset %d runs past usable page size %d", no, i, off, len(p.data)))
				return false
			}
			// The cell's rowid key only guides searches; a full walk does not need it.
			child = binary.BigEndian.Uint32(p.data[off:])
			what = fmt.Sprintf("cell %d: child page", i)
		} else {
			child = p.right
		}
		if err := w.claim(child, what); err != nil {
			fn(leafCell{}, fmt.Errorf("sqlite: page %d: %w", no, err))
			return false
		}
		if !w.walk(child, depth+1, fn) {
			return false
		}
	}
	return true
}

// leafCell reads cell i of leaf page p: payload size, rowid, the payload's local part and,
// when it does not all fit, the overflow chain. budget is what is left of the page for
// local payloads.
func (w *walker) leafCell(p *btreePage, i int, budget *int) (leafCell, error) {
	c := leafCell{page: p.no, index: i}
	off, err := p.cell(i)
	if err != nil {
		return c, err
	}
	d := p.data
	size, n := varint(d[off:])
	if n == 0 {
		return c, fmt.Errorf("sqlite: page %d: cell %d: payload size runs past the page", p.no, i)
	}
	off += n
	rowid, n := varint(d[off:])
	if n == 0 {
		return c, fmt.Errorf("sqlite: page %d: cell %d: rowid runs past the page", p.no, i)
	}
	off += n
	c.rowid = int64(rowid) // a rowid is a two's complement 64-bit integer
	if size > uint64(len(w.db.data)) {
		return c, fmt.Errorf("sqlite: page %d: cell %d (rowid %d): payload size %d larger than the whole file (%d bytes)", p.no, i, c.rowid, size, len(w.db.data))
	}
	total := int(size)
	local, overflows := w.db.localSize(total)
	end := off + local
	if overflows {
		end += 4
	}
	if end > len(d) {
		return c, fmt.Errorf("sqlite: page %d: cell %d (rowid %d): %d bytes of local payload from offset %d run past usable page size %d", p.no, i, c.rowid, local, off, len(d))
	}
	if *budget -= end - off; *budget < 0 {
		return c, fmt.Errorf("sqlite: page %d: cell %d (rowid %d): cells overlap (their payloads add up to more than the page)", p.no, i, c.rowid)
	}
	if !overflows {
		c.payload = d[off:end]
		return c, nil
	}
	first := binary.BigEndian.Uint32(d[off+local:])
	c.payload, err = w.readOverflow(d[off:off+local], total, first)
	if err != nil {
		return c, fmt.Errorf("sqlite: page %d: cell %d (rowid %d): %w", p.no, i, c.rowid, err)
	}
	c.owned = true
	return c, nil
}

// localSize says how many of a table leaf cell's total payload bytes are stored on the
// leaf page itself, and whether the rest spills onto overflow pages. These are the
// file format's formulas; they decide where the overflow page number sits, so they must
// be exact.
func (db *DB) localSize(total int) (local int, overflows bool) {
	u := db.usable
	x := u - 35
	if total <= x {
		return total, false
	}
	m := (u-12)*32/255 - 23
	k := m + (total-m)%(u-4)
	if k <= x {
		return k, true
	}
	return m, true
}

// readOverflow assembles a payload of total bytes from its local part and the overflow
// chain starting at page next. Each overflow page holds the next page number and then up to
// usable-4 bytes of payload. The chain is followed and checked before anything is
// allocated, so a claimed size is only ever allocated when the pages to fill it exist.
func (w *walker) readOverflow(local []byte, total int, next uint32) ([]byte, error) {
	per := w.db.usable - 4
	w.overflow = w.overflow[:0]
	for need := total - len(local); need > 0; need -= per {
		if next == 0 {
			return nil, fmt.Errorf("overflow chain ends after %d pages, %d bytes short of the %d-byte payload", len(w.overflow), need, total)
		}
		if err := w.claim(next, "overflow page"); err != nil {
			return nil, err
		}
		w.overflow = append(w.overflow, next)
		next = binary.BigEndian.Uint32(w.db.page(next))
	}
	// A chain longer than the payload needs would be damage too, but the payload is whole,
	// so the surplus is left unread like SQLite does.
	buf := make([]byte, total)
	n := copy(buf, local)
	for _, pg := range w.overflow {
		n += copy(buf[n:], w.db.page(pg)[4:])
	}
	return buf, nil
}
