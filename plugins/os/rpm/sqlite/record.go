package sqlite

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"unicode/utf16"
)

// decodeRecord decodes a record: a header (its own size as a varint, then one serial type
// per column) followed by the column values in the same order. When owned is false, p is
// part of the file and BLOBs are copied so that callers cannot alias or alter it.
func (db *DB) decodeRecord(p []byte, owned bool) ([]any, error) {
	hsize, n := varint(p)
	if n == 0 {
		return nil, fmt.Errorf("record header size runs past the %d-byte payload", len(p))
	}
	if hsize > uint64(len(p)) {
		return nil, fmt.Errorf("record header size %d larger than the %d-byte payload", hsize, len(p))
	}
	if hsize < uint64(n) {
		return nil, fmt.Errorf("record header size %d smaller than its own %d-byte varint", hsize, n)
	}
	hdr, body := p[n:hsize], p[hsize:]
	// Every serial type takes at least one header byte, so this is an upper bound that
	// is rarely far off.
	vals := make([]any, 0, min(len(hdr), maxColumns))
	for len(hdr) > 0 {
		if len(vals) == maxColumns {
			return nil, fmt.Errorf("record has more than %d columns", maxColumns)
		}
		st, n := varint(hdr)
		if n == 0 {
			return nil, fmt.Errorf("column %d: serial type runs past the record header", len(vals))
		}
		hdr = hdr[n:]
		size := serialSize(st)
		if size > uint64(len(body)) {
			return nil, fmt.Errorf("column %d: serial type %d needs %d bytes, %d left in the payload", len(vals), st, size, len(body))
		}
		v := body[:size]
		body = body[size:]
		switch {
		case st == 0:
			vals = append(vals, nil)
		case st <= 6:
			vals = append(vals, bigEndianInt(v))
		case st == 7:
			vals = append(vals, math.Float64frombits(binary.BigEndian.Uint64(v)))
		case st == 8:
			vals = append(vals, int64(0))
		case st == 9:
			vals = append(vals, int64(1))
		case st == 10 || st == 11:
			return nil, fmt.Errorf("column %d: reserved serial type %d", len(vals), st)
		case st%2 == 0:
			if owned {
				vals = append(vals, v[:len(v):len(v)])
			} else {
				vals = append(vals, bytes.Clone(v))
			}
		default:
			vals = append(vals, db.text(v))
		}
	}
	return vals, nil
}

// serialSize is the number of body bytes a value of serial type st occupies.
func serialSize(st uint64) uint64 {
	switch {
	case st <= 4:
		return st // 0 is NULL, 1 to 4 are integers of that many bytes
	case st == 5:
		return 6
	case st == 6 || st == 7:
		return 8
	case st < 12:
		return 0 // the constants 0 and 1, and the reserved 10 and 11
	default:
		return (st - 12) / 2 // BLOB when even, TEXT when odd
	}
}

// bigEndianInt sign-extends a big-endian two's complement integer of 1 to 8 bytes.
func bigEndianInt(b []byte) int64 {
	v := int64(int8(b[0]))
	for _, c := range b[1:] {
		v = v<<8 | int64(c)
	}
	return v
}

// text converts a TEXT value in the database's encoding to a Go string.
func (db *DB) text(b []byte) string {
	if db.utf16 == nil {
		return string(b)
	}
	u := make([]uint16, len(b)/2) // an odd trailing byte is not a character; drop it
	for i := range u {
		u[i] = db.utf16.Uint16(b[2*i:])
	}
	return string(utf16.Decode(u))
}
