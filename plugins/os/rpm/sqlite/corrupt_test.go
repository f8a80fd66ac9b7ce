package sqlite

import (
	"encoding/binary"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// corrupt opens a copy of a testdata database after change has damaged it.
func corrupt(t *testing.T, name string, change func(db *DB, data []byte) []byte) *DB {
	t.Helper()
	data := slices.Clone(readTestdata(t, name))
	data = change(open(t, data), data)
	db, err := Open(data)
	if err != nil {
		t.Fatal(err)
	}
	return db
}

// expect checks the outcome of Rows on a damaged table: the rowids that still arrive and
// one substring for each error, in order.
func expect(t *testing.T, db *DB, table string, rowids []int64, errs ...string) {
	t.Helper()
	rows, gotErrs := collect(db, table)
	var got []int64
	for _, r := range rows {
		got = append(got, r.RowID)
	}
	if !slices.Equal(got, rowids) {
		t.Errorf("rowids %v, want %v", got, rowids)
	}
	if len(gotErrs) != len(errs) {
		t.Fatalf("errors %q, want %d", gotErrs, len(errs))
	}
	for i, err := range gotErrs {
		if !strings.Contains(err.Error(), errs[i]) {
			t.Errorf("error %q, want it to say %q", err, errs[i])
		}
	}
}

func put32(b []byte, v uint32) { binary.BigEndian.PutUint32(b, v) }

func TestOverflowCycle(t *testing.T) {
	var first uint32
	db := corrupt(t, "ps512.db", func(db *DB, data []byte) []byte {
		pages := overflowPages(t, db, findCell(t, db, "big", 1))
		first = pages[0]
		put32(data[int(first-1)*512:], first) // the first overflow page names itself as next
		return data
	})
	expect(t, db, "big", []int64{2, 3, 4}, "cell 0 (rowid 1): overflow page "+itoa(first)+" already visited (a cycle)")
}

func TestOverflowShort(t *testing.T) {
	db := corrupt(t, "ps512.db", func(db *DB, data []byte) []byte {
		pages := overflowPages(t, db, findCell(t, db, "big", 3))
		put32(data[int(pages[1]-1)*512:], 0) // the chain ends after two of its four pages
		return data
	})
	expect(t, db, "big", []int64{1, 2, 4}, "(rowid 3): overflow chain ends after 2 pages, 1016 bytes short of the 2503-byte payload")
}

// TestOverflowShared points one row's overflow chain into another's: the second reader of
// the shared pages gets an error, not a payload stitched from someone else's pages.
func TestOverflowShared(t *testing.T) {
	db := corrupt(t, "ps512.db", func(db *DB, data []byte) []byte {
		one := overflowPages(t, db, findCell(t, db, "big", 1))
		three := overflowPages(t, db, findCell(t, db, "big", 3))
		put32(data[int(three[0]-1)*512:], one[1])
		return data
	})
	expect(t, db, "big", []int64{1, 2, 4}, "(rowid 3): overflow page")
}

func TestInteriorCycle(t *testing.T) {
	var root uint32
	db := corrupt(t, "ps512.db", func(db *DB, data []byte) []byte {
		tb, err := db.lookup("deep")
		if err != nil {
			t.Fatal(err)
		}
		root = tb.root
		p, err := db.loadPage(root)
		if err != nil || p.leaf {
			t.Fatal("deep's root is not an interior page", err)
		}
		off, _ := p.cell(0)
		put32(data[int(root-1)*512+off:], root) // the first child is the page itself
		return data
	})
	expect(t, db, "deep", nil, "sqlite: page "+itoa(root)+": cell 0: child page "+itoa(root)+" already visited (a cycle)")
}

func TestRightPointerOutOfRange(t *testing.T) {
	db := corrupt(t, "ps512.db", func(db *DB, data []byte) []byte {
		tb, _ := db.lookup("big")
		put32(data[int(tb.root-1)*512+8:], 1<<31)
		return data
	})
	rows, errs := collect(db, "big")
	if len(rows) == 0 || len(errs) != 1 || !strings.Contains(errs[0].Error(), "right-most pointer: child page 2147483648 out of range (the database has 64 pages)") {
		t.Errorf("%d rows, errors %v", len(rows), errs)
	}
}

// TestTooDeep chains 70 interior pages, each with only a right-most child, each distinct:
// no cycle, but deeper than any real b-tree.
func TestTooDeep(t *testing.T) {
	const extra = 70
	db := corrupt(t, "ps512.db", func(db *DB, data []byte) []byte {
		tb, _ := db.lookup("deep")
		first := db.pages + 1
		data = append(data, make([]byte, extra*512)...)
		put32(data[28:], db.pages+extra)
		chain := append([]uint32{tb.root}, make([]uint32, extra)...)
		for i := range extra {
			chain[i+1] = first + uint32(i)
		}
		for i, no := range chain {
			p := data[int(no-1)*512:]
			if i == len(chain)-1 {
				p[0] = tableLeaf
				continue
			}
			p[0] = tableInterior
			p[3], p[4] = 0, 0 // no cells
			put32(p[8:], chain[i+1])
		}
		return data
	})
	expect(t, db, "deep", nil, "b-tree deeper than 64 levels")
}

func TestCellOffsetPastPage(t *testing.T) {
	var c cellRef
	db := corrupt(t, "ps512.db", func(db *DB, data []byte) []byte {
		c = findCell(t, db, "big", 2)
		binary.BigEndian.PutUint16(data[c.ptr:], 9000)
		return data
	})
	expect(t, db, "big", []int64{1, 3, 4}, "sqlite: page "+itoa(c.page)+": cell "+itoa(c.index)+" offset 9000 beyond usable page size 512")
}

// TestOverlappingCells gives the leaf holding big's rows 1 and 2 five cell pointers, all to
// row 1's big cell: the first reading succeeds and the rest are refused, since together
// they would hold more than the page does.
func TestOverlappingCells(t *testing.T) {
	var c cellRef
	db := corrupt(t, "ps512.db", func(db *DB, data []byte) []byte {
		c = findCell(t, db, "big", 1)
		p, _ := db.loadPage(c.page)
		if p.cells != 2 || findCell(t, db, "big", 2).page != c.page {
			t.Fatal("rows 1 and 2 of big are not alone on a leaf")
		}
		base := int(c.page-1) * 512
		binary.BigEndian.PutUint16(data[base+3:], 5)
		for i := range 5 {
			copy(data[base+p.ptrs+2*i:], data[c.ptr:c.ptr+2])
		}
		return data
	})
	overlap := "cells overlap (their payloads add up to more than the page)"
	expect(t, db, "big", []int64{1, 3, 4}, overlap, overlap, overlap, overlap)
}

func TestHugePayload(t *testing.T) {
	db := corrupt(t, "types.db", func(db *DB, data []byte) []byte {
		// Write a new cell, payload size 2^62 and rowid 5, into the free space above the
		// cell content of intpk's only leaf and point its one cell at it.
		c := findCell(t, db, "intpk", 1)
		base := int(c.page-1) * 1024
		content := int(binary.BigEndian.Uint16(data[base+5:]))
		cell := append(putVarint9(1<<62), 5)
		off := content - len(cell)
		copy(data[base+off:], cell)
		binary.BigEndian.PutUint16(data[c.ptr:], uint16(off))
		return data
	})
	expect(t, db, "intpk", nil, "(rowid 5): payload size 4611686018427387904 larger than the whole file (19456 bytes)")
}

// putVarint9 encodes v in the nine-byte varint form.
func putVarint9(v uint64) []byte {
	b := make([]byte, 9)
	b[8] = byte(v)
	v >>= 8
	for i := 7; i >= 0; i-- {
		b[i] = byte(v&0x7f) | 0x80
		v >>= 7
	}
	return b
}

func TestRecordHeaderTooLong(t *testing.T) {
	db := corrupt(t, "types.db", func(db *DB, data []byte) []byte {
		c := findCell(t, db, "vals", 4) // (NULL, 127): header 03 00 01, body 7f
		data[c.payload] = 0x7f
		return data
	})
	var want []int64
	for i := range int64(24) {
		if i+1 != 4 {
			want = append(want, i+1)
		}
	}
	expect(t, db, "vals", append([]int64{-5}, want...), "(rowid 4): record header size 127 larger than the 4-byte payload")
}

func TestBadValues(t *testing.T) {
	for _, tc := range []struct {
		rowid  int64
		header []byte
		err    string
	}{
		{4, []byte{3, 0, 10}, "column 1: reserved serial type 10"},
		{4, []byte{3, 0, 6}, "column 1: serial type 6 needs 8 bytes, 1 left in the payload"},
		{4, []byte{3, 0, 0x81}, "column 1: serial type runs past the record header"},
		{4, []byte{1, 0, 0}, "record has 0 values, too few for the INTEGER PRIMARY KEY column 1"},
		{4, []byte{0, 0, 0}, "record header size 0 smaller than its own 1-byte varint"},
		{20, []byte{4, 0, 0x81, 0x00}, "column 1: serial type 128 needs 58 bytes, 13 left in the payload"},
	} {
		db := corrupt(t, "types.db", func(db *DB, data []byte) []byte {
			c := findCell(t, db, "vals", tc.rowid)
			copy(data[c.payload:], tc.header)
			return data
		})
		rows, errs := collect(db, "vals")
		if len(rows) != 24 || len(errs) != 1 || !strings.Contains(errs[0].Error(), "(rowid "+itoa(tc.rowid)+"): "+tc.err) {
			t.Errorf("% x: %d rows, errors %v; want %q", tc.header, len(rows), errs, tc.err)
		}
	}
}

func TestBadPageType(t *testing.T) {
	db := corrupt(t, "ps512.db", func(db *DB, data []byte) []byte {
		tb, _ := db.lookup("big")
		data[int(tb.root-1)*512] = 0x0a
		return data
	})
	expect(t, db, "big", nil, "index b-tree page (type 0x0a) where a table b-tree page belongs")
	db = corrupt(t, "ps512.db", func(db *DB, data []byte) []byte {
		tb, _ := db.lookup("big")
		data[int(tb.root-1)*512] = 0x42
		binary.BigEndian.PutUint16(data[int(tb.root-1)*512+3:], 300)
		return data
	})
	expect(t, db, "big", nil, "type 0x42 is not a table b-tree page")
	db = corrupt(t, "ps512.db", func(db *DB, data []byte) []byte {
		tb, _ := db.lookup("big")
		binary.BigEndian.PutUint16(data[int(tb.root-1)*512+3:], 300)
		return data
	})
	expect(t, db, "big", nil, "300 cell pointers end at offset 612, beyond usable page size 512")
}

func TestDamagedSchema(t *testing.T) {
	var c cellRef
	db := corrupt(t, "types.db", func(db *DB, data []byte) []byte {
		// Break the schema row of the view; the tables stay readable.
		c = findCell(t, db, "sqlite_schema", 17)
		data[c.payload] = 0xff
		return data
	})
	where := "sqlite: page " + itoa(c.page) + ": cell " + itoa(c.index) + " (rowid 17): schema: record header size"
	tables, err := db.Tables()
	if len(tables) != 12 || err == nil || !strings.Contains(err.Error(), where) {
		t.Errorf("Tables() = %q, %v", tables, err)
	}
	if rows, errs := collect(db, "vals"); len(rows) != 25 || len(errs) != 0 {
		t.Errorf("vals: %d rows, %v", len(rows), errs)
	}
	expect(t, db, "v", nil, `no table "v" in the readable part of a damaged schema: `+where)

	db = corrupt(t, "types.db", func(db *DB, data []byte) []byte {
		c = findCell(t, db, "sqlite_schema", 17)
		data[c.payload+1] = 1 // type is now a one-byte integer
		return data
	})
	_, err = db.Tables()
	if err == nil || !strings.Contains(err.Error(), "(rowid 17): schema row is not (type, name, tbl_name, rootpage, sql): (int64, string, ") {
		t.Errorf("Tables(): %v", err)
	}
}

func TestOpenErrors(t *testing.T) {
	good := readTestdata(t, "ps512.db")
	for _, tc := range []struct {
		name   string
		change func([]byte) []byte
		err    string
	}{
		{"short", func(b []byte) []byte { return b[:50] }, "sqlite: file is 50 bytes, shorter than the 100-byte header"},
		{"magic", func(b []byte) []byte { copy(b, "SQLite format 2\x00"); return b }, `not a SQLite 3 database (header starts "SQLite format 2\x00")`},
		{"page size", func(b []byte) []byte { b[16], b[17] = 0x03, 0xe8; return b }, "page size 1000 is not a power of two"},
		{"page size 256", func(b []byte) []byte { b[16], b[17] = 1, 0; return b }, "page size 256 is not a power of two from 512 to 65536"},
		{"read version", func(b []byte) []byte { b[19] = 3; return b }, "unsupported file format read version 3"},
		{"reserved", func(b []byte) []byte { b[20] = 64; return b }, "64 reserved bytes leave 448 usable bytes of a 512-byte page, fewer than 480"},
		{"fractions", func(b []byte) []byte { b[21] = 63; return b }, "payload fractions 63/32/32, want 64/32/32"},
		{"encoding", func(b []byte) []byte { b[59] = 4; return b }, "unknown text encoding 4"},
		{"truncated", func(b []byte) []byte { return b[:len(b)/2] }, "sqlite: file truncated: header says 64 pages of 512 bytes (32768 bytes) but the file has 16384 bytes"},
		{"under a page", func(b []byte) []byte { b[24] = 9; return b[:300] }, "file is 300 bytes, shorter than one 512-byte page"},
	} {
		_, err := Open(tc.change(slices.Clone(good)))
		if err == nil || !strings.Contains(err.Error(), tc.err) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.err)
		}
	}

	// A stale page count (the change counter differs from version-valid-for) is replaced
	// by the file's size, like SQLite does.
	b := slices.Clone(good)
	b[24]++
	put32(b[28:], 1000)
	if db, err := Open(b); err != nil || db.pages != 64 {
		t.Errorf("stale page count: %v", err)
	}
}

func itoa[T int | uint32 | int64](n T) string { return strconv.FormatInt(int64(n), 10) }
