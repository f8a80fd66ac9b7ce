// Package sqlite reads the rows of a table out of a SQLite 3 database file held in memory.
//
// It exists so that the rpm analyzer can read rpmdb.sqlite (rpm 4.16 and later keep the
// package headers in `CREATE TABLE 'Packages' (hnum INTEGER PRIMARY KEY AUTOINCREMENT, blob
// BLOB NOT NULL)`) inside a WebAssembly sandbox, where neither cgo nor the SQLite library is
// available. It implements just enough of the file format
// (https://www.sqlite.org/fileformat2.html) to walk the b-tree of any rowid table and decode
// its records, and nothing that writes.
//
// What it does not do:
//   - Read a write-ahead log. Only the main database file is given to us, so changes still
//     sitting in a -wal file that was never checkpointed are not seen. SQLite checkpoints
//     the log into the main file when the last connection closes cleanly, so an image's
//     rpmdb.sqlite is normally complete on its own.
//   - Read WITHOUT ROWID tables, indexes or views, run SQL, or honour a rollback journal.
//   - Fill in the default of a column added by ALTER TABLE ADD COLUMN for rows written
//     before it: such rows have fewer Values than the table has columns.
//
// The input is untrusted (it comes out of container images), so every offset is checked
// against its page, each page is visited at most once per walk (which also bounds the work
// and the memory to a small multiple of the file's size), the b-tree depth is bounded, and
// damage is reported as an error naming the page, never as a panic.
package sqlite

import (
	"bytes"
	"encoding/binary"
	"fmt"
)

const (
	// headerSize is the size of the database header at the start of page 1.
	headerSize = 100
	// maxDepth bounds the b-tree depth. SQLite itself gives up at 20 levels; a real
	// database of 2^32 pages of 512 bytes is nowhere near that, so deeper means damage.
	maxDepth = 64
	// maxColumns is SQLite's hard limit on the columns of a table; a record with more
	// fields is damaged, and refusing it early stops a tiny payload of one-byte NULL serial
	// types from growing into a huge []any.
	maxColumns = 32767
	// minUsable is the smallest usable page size the format allows; the payload formulas
	// assume it (below it the minimum local payload would not fit a cell).
	minUsable = 480
)

// magic starts every SQLite 3 database file.
const magic = "SQLite format 3\x00"

// DB is an open database: the file's bytes and the geometry read from its header. It is
// read-only and holds no state besides, so it may be used from several goroutines.
type DB struct {
	data     []byte
	pageSize int    // bytes per page, 512 to 65536
	usable   int    // pageSize minus the bytes reserved at the end of each page
	pages    uint32 // pages in the database, each wholly inside data
	// utf16 is the byte order of TEXT values, or nil when they are UTF-8.
	utf16 binary.ByteOrder
}

// Row is one row of a table: its rowid and the values of its record, in the order the
// columns are stored (declared order, less any VIRTUAL generated columns, which SQLite
// computes rather than stores). A value is nil for NULL, int64, float64, string for TEXT or
// []byte for BLOB.
type Row struct {
	RowID  int64
	Values []any
}

// Open checks the 100-byte database header (magic string, page size, reserved bytes, page
// count against the file's length) and returns a DB reading data, which must not be
// modified while the DB is in use. The values Rows returns never share memory with data.
func Open(data []byte) (*DB, error) {
	if len(data) < headerSize {
		return nil, fmt.Errorf("sqlite: file is %d bytes, shorter than the %d-byte header", len(data), headerSize)
	}
	if !bytes.Equal(data[:len(magic)], []byte(magic)) {
		return nil, fmt.Errorf("sqlite: not a SQLite 3 database (header starts %q)", data[:len(magic)])
	}
	ps := int(binary.BigEndian.Uint16(data[16:]))
	if ps == 1 { // 65536 does not fit the 16-bit field
		ps = 65536
	}
	if ps < 512 || ps > 65536 || ps&(ps-1) != 0 {
		return nil, fmt.Errorf("sqlite: page size %d is not a power of two from 512 to 65536", ps)
	}
	// 1 is a rollback-journal database, 2 a WAL one; both keep the same main file format.
	// A higher read version means a format this reader does not know.
	if rv := data[19]; rv < 1 || rv > 2 {
		return nil, fmt.Errorf("sqlite: unsupported file format read version %d", rv)
	}
	usable := ps - int(data[20])
	if usable < minUsable {
		return nil, fmt.Errorf("sqlite: %d reserved bytes leave %d usable bytes of a %d-byte page, fewer than %d", data[20], usable, ps, minUsable)
	}
	// The payload fractions are fixed by the format; the overflow formulas depend on them.
	if data[21] != 64 || data[22] != 32 || data[23] != 32 {
		return nil, fmt.Errorf("sqlite: payload fractions %d/%d/%d, want 64/32/32", data[21], data[22], data[23])
	}
	inFile := uint64(len(data) / ps)
	pages := uint64(binary.BigEndian.Uint32(data[28:]))
	// The header's page count is only trusted when the change counter matches the
	// version-valid-for number: a writer before SQLite 3.7.0 did not keep it up to date, and
	// SQLite then goes by the file size, as we do.
	if pages == 0 || !bytes.Equal(data[24:28], data[92:96]) {
		pages = inFile
	} else if pages > inFile {
		return nil, fmt.Errorf("sqlite: file truncated: header says %d pages of %d bytes (%d bytes) but the file has %d bytes", pages, ps, pages*uint64(ps), len(data))
	}
	if pages == 0 {
		return nil, fmt.Errorf("sqlite: file is %d bytes, shorter than one %d-byte page", len(data), ps)
	}
	if pages > 0xFFFFFFFE { // page numbers are 32-bit and 0 means none
		pages = 0xFFFFFFFE
	}
	db := &DB{data: data, pageSize: ps, usable: usable, pages: uint32(pages)}
	switch enc := binary.BigEndian.Uint32(data[56:]); enc {
	case 0, 1: // 0: no schema written yet, so nothing is encoded; treat as UTF-8
	case 2:
		db.utf16 = binary.LittleEndian
	case 3:
		db.utf16 = binary.BigEndian
	default:
		return nil, fmt.Errorf("sqlite: unknown text encoding %d", enc)
	}
	return db, nil
}

// page returns the usable bytes of page n: everything a b-tree or overflow page may use.
func (db *DB) page(n uint32) []byte {
	off := int(n-1) * db.pageSize
	return db.data[off : off+db.usable]
}
