package bdb

import (
	"encoding/binary"
	"errors"
	"testing"

	"github.com/trawlscan/trawl/plugins/os/rpm/internal/hold"
)

// FuzzHeaders feeds Headers arbitrary bytes. Seeds are small synthetic databases, one
// holding the real header blob of the hello fixture, and the two corpus fixtures. Besides
// not panicking or hanging, Headers must keep its contract: a format error comes first and
// alone, and the blobs it yields add up to no more than the file, since no byte of data
// belongs to two values.
//
// The engine's mutations that insert or remove bytes nearly always break the meta page or
// shift the pages, so few raw inputs get past the meta page. Each input is therefore also
// tried fixed up (see fixUp), which sends mutations to the hash and overflow pages.
//
// While it runs, the engine's "execs" count moves only when a worker reports back, which
// with these seeds can take tens of seconds: a flat count is not a hang.
func FuzzHeaders(f *testing.F) {
	for _, order := range []byteOrder{binary.LittleEndian, binary.BigEndian} {
		for _, chksum := range []bool{false, true} {
			d, _ := small(order, 512, chksum)
			f.Add(d)
		}
		f.Add(repack(order, 512, fixtureBlobs(f)[0]))
	}
	f.Add(readCorpus(f, "scalibr", "Packages_epoch"))
	f.Add(readCorpus(f, "go-rpmdb", "libuuid", "Packages"))
	f.Fuzz(func(t *testing.T, data []byte) {
		check(t, data)
		check(t, fixUp(data))
	})
}

// fixUp returns a copy of data made into the frame of a database: a meta page with the
// hash magic (in the byte order the input's magic suggests, little-endian if none),
// version 9, no encryption, a page size from 512 to 65536 (the input's if valid, else
// 512), the meta page type, and a last page number that covers the file, padded to whole
// pages. The checksum flag and all other pages are kept, so a valid database comes out
// unchanged.
func fixUp(data []byte) []byte {
	var order binary.ByteOrder = binary.LittleEndian
	if len(data) >= 16 && binary.BigEndian.Uint32(data[12:]) == hashMagic {
		order = binary.BigEndian
	}
	pageSize := minPageSize
	if len(data) >= 24 {
		if n := order.Uint32(data[20:]); n >= minPageSize && n <= maxPageSize && n&(n-1) == 0 {
			pageSize = int(n)
		}
	}
	d := make([]byte, max(pageSize, (len(data)+pageSize-1)/pageSize*pageSize))
	copy(d, data)
	order.PutUint32(d[12:], hashMagic)
	order.PutUint32(d[16:], 9)
	order.PutUint32(d[20:], uint32(pageSize))
	d[24] = 0
	d[25] = pHashMeta
	order.PutUint32(d[32:], uint32(len(d)/pageSize-1))
	return d
}

// check runs Headers on data, with its capacity clipped so that reading past its end
// panics, and checks the contract.
func check(t *testing.T, data []byte) {
	data = data[:len(data):len(data)]
	total, n, before := 0, 0, 0 // before: errors before the first blob
	seenBlob := false
	for blob, err := range Headers(data) {
		n++
		if err != nil && !seenBlob {
			before++
		}
		if blob != nil && !seenBlob {
			seenBlob = true
			if before > 0 && before < hold.MaxHeld {
				t.Fatalf("%d errors yielded before the first blob, fewer than the %d held back", before, hold.MaxHeld)
			}
		}
		switch {
		case (err == nil) == (blob == nil):
			t.Fatalf("yield %d: blob of %d bytes with error %v", n, len(blob), err)
		case errors.Is(err, ErrFormat) && n != 1:
			t.Fatalf("yield %d: format error %v after other yields", n, err)
		}
		if n == 1 && !Is(data) && !errors.Is(err, ErrFormat) {
			t.Fatalf("Is = false, but Headers yielded %d bytes, %v", len(blob), err)
		}
		total += len(blob)
	}
	if total > len(data) {
		t.Fatalf("blobs add up to %d bytes, more than the %d of the file", total, len(data))
	}
	// Stopping early must not make Headers call yield again (range-over-func panics).
	for range Headers(data) {
		break
	}
}
