package ndb

import (
	"cmp"
	"encoding/binary"
	"errors"
	"slices"
	"testing"

	"github.com/trawlscan/trawl/plugins/os/rpm/internal/hold"
)

// compact returns a database of the n smallest header blobs of the SLE fixture, a real
// seed small enough for the fuzzing engine to mutate quickly.
func compact(t testing.TB, n int) []byte {
	t.Helper()
	var blobs [][]byte
	for blob, err := range Headers(readCorpus(t, "go-rpmdb", "sle15-bci", "Packages.db")) {
		if err != nil {
			t.Fatal(err)
		}
		blobs = append(blobs, blob)
	}
	slices.SortFunc(blobs, func(a, b []byte) int { return cmp.Compare(len(a), len(b)) })
	b := newBuilder(1)
	for i, blob := range blobs[:n] {
		b.add(2+i, uint32(i+1), blob)
	}
	return b.data
}

// FuzzHeaders feeds Headers arbitrary bytes. Seeds are the synthetic databases of the tests,
// a compact database of real blobs and the corpus fixture. Besides not panicking or
// hanging, Headers must keep its contract: a format error comes first and alone, and the
// blobs it yields add up to no more than the file, since blobs do not overlap.
//
// The engine's mutations that insert or remove bytes nearly always break the header or cut
// the 4096-byte slot page, so few raw inputs get past the header. Each input is therefore
// also tried fixed up (see fixUp), which sends mutations to the slots and blobs.
//
// While it runs, the engine's "execs" count moves only when a worker reports back, which
// with these seeds can take the whole run: a flat count is not a hang.
func FuzzHeaders(f *testing.F) {
	d, _ := small()
	f.Add(d)
	f.Add(newBuilder(1).data)
	f.Add(compact(f, 3))
	f.Add(readCorpus(f, "go-rpmdb", "sle15-bci", "Packages.db"))
	f.Fuzz(func(t *testing.T, data []byte) {
		check(t, data)
		check(t, fixUp(data))
	})
}

// fixUp returns a copy of data made into the frame of a database: a valid header, and
// slot pages that are whole and carry the slot magic in every slot. The slot page count
// is kept if the file holds that many pages, else it is 1. Slot contents and everything
// after the slot pages are kept, so a valid database comes out unchanged.
func fixUp(data []byte) []byte {
	pages := 1
	if len(data) >= headerLen {
		if n := binary.LittleEndian.Uint32(data[12:]); n > 1 && uint64(n)*slotPageLen <= uint64(len(data)) {
			pages = int(n)
		}
	}
	d := make([]byte, max(len(data), pages*slotPageLen))
	copy(d, data)
	copy(d, magic)
	binary.LittleEndian.PutUint32(d[4:], 0)
	binary.LittleEndian.PutUint32(d[12:], uint32(pages))
	for o := headerLen; o < pages*slotPageLen; o += slotLen {
		copy(d[o:], slotMagic)
	}
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
