package ndb

import (
	"bytes"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"hash/adler32"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/trawlscan/trawl/internal/corpustest"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata")

// readCorpus returns a file of the shared corpus, under os-pkgdb/rpm.
func readCorpus(t testing.TB, elem ...string) []byte {
	t.Helper()
	b, err := os.ReadFile(corpustest.Path(t, append([]string{"os-pkgdb", "rpm"}, elem...)...))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// result is everything Headers yielded.
type result struct {
	blobs [][]byte
	errs  []error
}

// collect runs Headers to the end and checks its contract: an error wrapping ErrFormat
// comes first and alone; every other yield is a blob or a per-package error, never both.
func collect(t testing.TB, data []byte) result {
	t.Helper()
	var r result
	n := 0
	for blob, err := range Headers(data) {
		n++
		switch {
		case err != nil && blob != nil:
			t.Fatalf("yield %d: both a blob and an error %v", n, err)
		case err == nil && blob == nil:
			t.Fatalf("yield %d: neither a blob nor an error", n)
		case errors.Is(err, ErrFormat) && n != 1:
			t.Fatalf("yield %d: format error %v after other yields", n, err)
		case err != nil:
			if !strings.HasPrefix(err.Error(), "ndb: ") {
				t.Errorf("error %q lacks the ndb: prefix", err)
			}
			r.errs = append(r.errs, err)
		default:
			r.blobs = append(r.blobs, blob)
		}
	}
	if len(r.errs) > 0 && errors.Is(r.errs[0], ErrFormat) && n != 1 {
		t.Fatalf("format error %v did not end the iteration (%d yields)", r.errs[0], n)
	}
	return r
}

// nvr decodes the NAME, VERSION and RELEASE tags of an rpm header blob, checking that the
// blob is exactly one header: il and dl account for every byte.
func nvr(blob []byte) (string, error) {
	if len(blob) < 8 {
		return "", fmt.Errorf("header blob of %d bytes", len(blob))
	}
	il := binary.BigEndian.Uint32(blob)
	dl := binary.BigEndian.Uint32(blob[4:])
	if want := 8 + 16*uint64(il) + uint64(dl); want != uint64(len(blob)) {
		return "", fmt.Errorf("header blob of %d bytes, il %d and dl %d say %d", len(blob), il, dl, want)
	}
	store := blob[8+16*il:]
	tags := map[uint32]string{}
	for i := range il {
		e := blob[8+16*i:]
		tag, typ, off := binary.BigEndian.Uint32(e), binary.BigEndian.Uint32(e[4:]), binary.BigEndian.Uint32(e[8:])
		if tag < 1000 || tag > 1002 {
			continue
		}
		if typ != 6 {
			return "", fmt.Errorf("tag %d of type %d, want 6 (string)", tag, typ)
		}
		if off >= uint32(len(store)) {
			return "", fmt.Errorf("tag %d at offset %d beyond the %d data bytes", tag, off, len(store))
		}
		s, _, ok := bytes.Cut(store[off:], []byte{0})
		if !ok {
			return "", fmt.Errorf("tag %d not NUL-terminated", tag)
		}
		tags[tag] = string(s)
	}
	if len(tags) != 3 {
		return "", fmt.Errorf("header lacks NAME, VERSION or RELEASE: %v", tags)
	}
	return tags[1000] + "-" + tags[1001] + "-" + tags[1002], nil
}

// TestFixture reads the SLE 15 SP3 BCI database: 35 packages, listed sorted in
// testdata/sle15-bci.golden (go test -update rewrites it).
func TestFixture(t *testing.T) {
	data := readCorpus(t, "go-rpmdb", "sle15-bci", "Packages.db")
	if !Is(data) {
		t.Error("Is = false")
	}
	r := collect(t, data)
	if len(r.errs) > 0 {
		t.Fatalf("errors: %v", r.errs)
	}
	if len(r.blobs) != 35 {
		t.Errorf("%d blobs, want 35", len(r.blobs))
	}
	var got []string
	for _, b := range r.blobs {
		s, err := nvr(b)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, s)
	}
	slices.Sort(got)
	golden := filepath.Join("testdata", "sle15-bci.golden")
	text := strings.Join(got, "\n") + "\n"
	if *update {
		if err := os.WriteFile(golden, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if text != string(want) {
		t.Errorf("packages:\n%s\nwant (%s):\n%s", text, golden, want)
	}
}

// builder writes an NDB database as rpmpkg.c lays it out, for tests.
type builder struct {
	data []byte
}

// newBuilder starts a database of pages slot pages, every slot free.
func newBuilder(pages int) *builder {
	d := make([]byte, pages*slotPageLen)
	copy(d, magic)
	binary.LittleEndian.PutUint32(d[8:], 1) // generation
	binary.LittleEndian.PutUint32(d[12:], uint32(pages))
	binary.LittleEndian.PutUint32(d[16:], 1) // next package index
	for o := headerLen; o < len(d); o += slotLen {
		copy(d[o:], slotMagic)
	}
	return &builder{data: d}
}

// setSlot writes slot no.
func (b *builder) setSlot(no int, pkg, off, count uint32) {
	e := b.data[no*slotLen:]
	binary.LittleEndian.PutUint32(e[4:], pkg)
	binary.LittleEndian.PutUint32(e[8:], off)
	binary.LittleEndian.PutUint32(e[12:], count)
}

// add appends the blob of package pkg at the end of the file and points slot no at it. It
// returns the blob's first block.
func (b *builder) add(no int, pkg uint32, blob []byte) uint32 {
	off := uint32(len(b.data) / blockLen)
	count := uint32((blobHeadLen + len(blob) + blobTailLen + blockLen - 1) / blockLen)
	start := len(b.data)
	b.data = append(b.data, headMagic...)
	b.data = binary.LittleEndian.AppendUint32(b.data, pkg)
	b.data = binary.LittleEndian.AppendUint32(b.data, 1700000000) // timestamp
	b.data = binary.LittleEndian.AppendUint32(b.data, uint32(len(blob)))
	b.data = append(b.data, blob...)
	for (len(b.data)-start)%blockLen != blockLen-blobTailLen {
		b.data = append(b.data, 0)
	}
	b.data = binary.LittleEndian.AppendUint32(b.data, adler32.Checksum(b.data[start:]))
	b.data = binary.LittleEndian.AppendUint32(b.data, uint32(len(blob)))
	b.data = append(b.data, tailMagic...)
	b.setSlot(no, pkg, off, count)
	if n := binary.LittleEndian.Uint32(b.data[16:]); pkg >= n {
		binary.LittleEndian.PutUint32(b.data[16:], pkg+1)
	}
	return off
}

// testValue is a distinct value of n bytes.
func testValue(seed byte, n int) []byte {
	v := make([]byte, n)
	for i := range v {
		v[i] = seed + byte(i*7)
	}
	return v
}

// small builds a database of three packages in slots 2, 3 and 5 (slot 4 free), stored in
// the file in the order of slots 5, 2, 3. It returns the file and the values in storage
// order.
func small() ([]byte, [][]byte) {
	b := newBuilder(1)
	v := [][]byte{testValue(1, 100), testValue(2, 4), testValue(3, 5000)}
	b.add(5, 7, v[0])
	b.add(2, 1, v[1])
	b.add(3, 2, v[2])
	return b.data, v
}

func TestSynthetic(t *testing.T) {
	data, want := small()
	if !Is(data) {
		t.Error("Is = false")
	}
	r := collect(t, data)
	if len(r.errs) > 0 {
		t.Fatalf("errors: %v", r.errs)
	}
	if len(r.blobs) != len(want) {
		t.Fatalf("%d blobs, want %d", len(r.blobs), len(want))
	}
	for i := range want {
		if !bytes.Equal(r.blobs[i], want[i]) {
			t.Errorf("blob %d: %d bytes, want %d", i, len(r.blobs[i]), len(want[i]))
		}
		if cap(r.blobs[i]) != len(r.blobs[i]) {
			t.Errorf("blob %d has capacity %d beyond its length %d", i, cap(r.blobs[i]), len(r.blobs[i]))
		}
	}
	// The first blob sits right after the slot page; it is handed out in place.
	if &r.blobs[0][0] != &data[slotPageLen+blobHeadLen] {
		t.Error("blob is a copy, want a sub-slice of data")
	}
}

// TestRepacked stores the fixture's blobs in a new database, two slot pages, newest
// first: the result must not depend on where rpm happened to put things.
func TestRepacked(t *testing.T) {
	var blobs [][]byte
	for blob, err := range Headers(readCorpus(t, "go-rpmdb", "sle15-bci", "Packages.db")) {
		if err != nil {
			t.Fatal(err)
		}
		blobs = append(blobs, blob)
	}
	b := newBuilder(2)
	for i, blob := range slices.Backward(blobs) {
		b.add(300+i, uint32(100+i), blob)
	}
	r := collect(t, b.data)
	if len(r.errs) > 0 {
		t.Fatal(r.errs)
	}
	slices.Reverse(r.blobs)
	if !slices.EqualFunc(r.blobs, blobs, bytes.Equal) {
		t.Error("repacked blobs differ")
	}
}

func TestEmpty(t *testing.T) {
	r := collect(t, newBuilder(1).data)
	if len(r.blobs) != 0 || len(r.errs) != 0 {
		t.Errorf("%d blobs, errors %v", len(r.blobs), r.errs)
	}
}

func TestEarlyStop(t *testing.T) {
	data, want := small()
	binary.LittleEndian.PutUint32(data[4*slotLen:], 0) // a slot error first
	for stop := 1; stop <= len(want)+1; stop++ {
		n := 0
		for range Headers(data) {
			n++
			if n == stop {
				break
			}
		}
	}
}

func TestIs(t *testing.T) {
	for _, tc := range []struct {
		data []byte
		want bool
	}{
		{nil, false},
		{[]byte("Rpm"), false},
		{[]byte("RpmP"), true},
		{[]byte("PmpR\x00\x00\x00\x00"), false},
		{append(make([]byte, 12), 0x61, 0x15, 0x06, 0), false}, // Berkeley DB hash
		{[]byte("SQLite format 3\x00"), false},
	} {
		if got := Is(tc.data); got != tc.want {
			t.Errorf("Is(%q) = %v, want %v", tc.data, got, tc.want)
		}
	}
}

// TestHostile damages databases in the ways a hostile or broken file might and checks the
// error each gives, and that the undamaged packages still come out.
func TestHostile(t *testing.T) {
	le := binary.LittleEndian
	// In small(), slot 5 (package 7) has blocks [256, 264), slot 2 (package 1) [264, 266),
	// slot 3 (package 2) [266, 581): 9296 bytes in all.
	for _, tc := range []struct {
		name   string
		data   func() []byte
		format string   // the error that ends the iteration at once, if any
		errs   []string // per-package errors, in order
		blobs  int
	}{
		{
			name:   "empty",
			data:   func() []byte { return nil },
			format: `ndb: not a readable rpm NDB database: magic "", want "RpmP"`,
		},
		{
			name:   "not a database",
			data:   func() []byte { return []byte("SQLite format 3\x00") },
			format: `magic "SQLi", want "RpmP"`,
		},
		{
			name:   "truncated header",
			data:   func() []byte { d, _ := small(); return d[:20] },
			format: "header truncated: file is 20 bytes, the header 32",
		},
		{
			name: "version",
			data: func() []byte {
				d, _ := small()
				le.PutUint32(d[4:], 1)
				return d
			},
			format: "version 1, want 0",
		},
		{
			name: "no slot pages",
			data: func() []byte {
				d, _ := small()
				le.PutUint32(d[12:], 0)
				return d
			},
			format: "header says there are no slot pages",
		},
		{
			name: "slot page count huge",
			data: func() []byte {
				d, _ := small()
				le.PutUint32(d[12:], 0xffffffff)
				return d
			},
			format: "header says there are 4294967295 slot pages (17592186040320 bytes), the file is only 9296 bytes",
		},
		{
			name:   "slot page cut short",
			data:   func() []byte { d, _ := small(); return d[:4000] },
			format: "header says there are 1 slot pages (4096 bytes), the file is only 4000 bytes",
		},
		{
			name: "slot pointing past the end",
			data: func() []byte {
				d, _ := small()
				le.PutUint32(d[2*slotLen+8:], 0xfffffff0)
				return d
			},
			errs:  []string{"ndb: slot 2 (package 1): blob at blocks [4294967280, 4294967282) lies past the end of the file (581 blocks)"},
			blobs: 2,
		},
		{
			name:  "truncated file",
			data:  func() []byte { d, _ := small(); return d[:len(d)-16] },
			errs:  []string{"ndb: slot 3 (package 2): blob at blocks [266, 581) lies past the end of the file (580 blocks)"},
			blobs: 2,
		},
		{
			name: "blob inside the slot pages",
			data: func() []byte {
				d, _ := small()
				le.PutUint32(d[2*slotLen+8:], 10)
				return d
			},
			errs:  []string{"ndb: slot 2 (package 1): blob at block 10 lies inside the slot pages, which end at block 256"},
			blobs: 2,
		},
		{
			name: "too few blocks",
			data: func() []byte {
				d, _ := small()
				le.PutUint32(d[2*slotLen+12:], 1)
				return d
			},
			errs:  []string{"ndb: slot 2 (package 1): blob of 1 blocks is too short for a blob head and tail"},
			blobs: 2,
		},
		{
			name: "slot magic",
			data: func() []byte {
				d, _ := small()
				copy(d[3*slotLen:], "Slut")
				return d
			},
			errs:  []string{`ndb: slot 3: magic "Slut", want "Slot"`},
			blobs: 2,
		},
		{
			name: "used slot without a package",
			data: func() []byte {
				d, _ := small()
				le.PutUint32(d[2*slotLen+4:], 0)
				return d
			},
			errs:  []string{"ndb: slot 2 (package 0): used slot (block 264) has package index 0"},
			blobs: 2,
		},
		{
			name: "package without a blob",
			data: func() []byte {
				d, _ := small()
				le.PutUint32(d[4*slotLen+4:], 9)
				return d
			},
			errs:  []string{"ndb: slot 4 (package 9): no blob (block offset 0)"},
			blobs: 3,
		},
		{
			name: "blob head with wrong magic",
			data: func() []byte {
				d, _ := small()
				copy(d[264*blockLen:], "BlbX")
				return d
			},
			errs:  []string{`ndb: slot 2 (package 1): blob at block 264: head magic "BlbX", want "BlbS"`},
			blobs: 2,
		},
		{
			name: "pkgIdx mismatch",
			data: func() []byte {
				d, _ := small()
				le.PutUint32(d[2*slotLen+4:], 3)
				return d
			},
			errs:  []string{"ndb: slot 2 (package 3): blob at block 264 belongs to package 1"},
			blobs: 2,
		},
		{
			name: "huge blobLen",
			data: func() []byte {
				d, _ := small()
				le.PutUint32(d[264*blockLen+12:], 0xffffffff)
				return d
			},
			errs:  []string{"ndb: slot 2 (package 1): blob at block 264: length 4294967295 needs 268435458 blocks, the slot has 2"},
			blobs: 2,
		},
		{
			name: "tail magic",
			data: func() []byte {
				d, _ := small()
				copy(d[266*blockLen-4:], "BlbZ")
				return d
			},
			errs:  []string{`ndb: slot 2 (package 1): blob at block 264: tail magic "BlbZ", want "BlbE"`},
			blobs: 2,
		},
		{
			name: "tail length",
			data: func() []byte {
				d, _ := small()
				le.PutUint32(d[266*blockLen-8:], 5)
				return d
			},
			errs:  []string{"ndb: slot 2 (package 1): blob at block 264: head says length 4, tail says 5"},
			blobs: 2,
		},
		{
			name: "checksum",
			data: func() []byte {
				d, _ := small()
				d[264*blockLen+17]++
				return d
			},
			errs:  []string{"ndb: slot 2 (package 1): blob at block 264: Adler-32 checksum 0x2b5a0345, the tail says 0x2b570344"},
			blobs: 2,
		},
		{
			name: "two slots, one blob",
			data: func() []byte {
				d, _ := small()
				copy(d[4*slotLen:], d[3*slotLen:4*slotLen])
				return d
			},
			errs:  []string{"ndb: slot 4 (package 2): blob at blocks [266, 581) overlaps the blob of slot 3 (package 2) at [266, 581)"},
			blobs: 3,
		},
		{
			name: "blob over the next",
			data: func() []byte {
				// Slot 5's blob claims the blocks of slot 2's too; its own length no longer
				// fits, so it does not hide slot 2's blob.
				d, _ := small()
				le.PutUint32(d[5*slotLen+12:], 10)
				return d
			},
			errs:  []string{"ndb: slot 5 (package 7): blob at block 256: length 100 needs 8 blocks, the slot has 10"},
			blobs: 2,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := collect(t, tc.data())
			if tc.format != "" {
				if len(r.errs) != 1 || !errors.Is(r.errs[0], ErrFormat) || !strings.Contains(r.errs[0].Error(), tc.format) {
					t.Fatalf("errors %q, want one format error containing %q", r.errs, tc.format)
				}
				return
			}
			var got []string
			for _, err := range r.errs {
				if errors.Is(err, ErrFormat) {
					t.Errorf("per-package error %v wraps ErrFormat", err)
				}
				got = append(got, err.Error())
			}
			if !slices.Equal(got, tc.errs) {
				t.Errorf("errors\n %q\nwant\n %q", got, tc.errs)
			}
			if len(r.blobs) != tc.blobs {
				t.Errorf("%d blobs, want %d", len(r.blobs), tc.blobs)
			}
		})
	}
}

// yields lists what Headers yields: "blob N" (N bytes) or the error text.
func yields(data []byte) []string {
	var out []string
	for blob, err := range Headers(data) {
		if err != nil {
			out = append(out, err.Error())
		} else {
			out = append(out, fmt.Sprintf("blob %d", len(blob)))
		}
	}
	return out
}

// TestHeldErrors checks that a bad slot or a damaged first blob does not make the first
// yield an error when a later package can be read.
func TestHeldErrors(t *testing.T) {
	d, _ := small()
	copy(d[4*slotLen:], "Slut")    // a bad slot, met before any blob
	copy(d[256*blockLen:], "BlbX") // the first blob in storage order, slot 5's
	got := yields(d)
	want := []string{
		"blob 4",
		`ndb: slot 4: magic "Slut", want "Slot"`,
		`ndb: slot 5 (package 7): blob at block 256: head magic "BlbX", want "BlbS"`,
		"blob 5000",
	}
	if !slices.Equal(got, want) {
		t.Errorf("yields %q, want %q", got, want)
	}
	// With every slot of the page bad, there are more errors than are held back.
	d, _ = small()
	for no := 6; no < slotPageLen/slotLen; no++ {
		copy(d[no*slotLen:], "Slut")
	}
	got = yields(d)
	if len(got) != 3+250 || !strings.HasPrefix(got[0], "ndb: slot 6: magic") || !slices.Contains(got, "blob 5000") {
		t.Errorf("%d yields, %q...", len(got), got[:3])
	}
}

// TestNestedBlobs is the quadratic case: thousands of slots whose blobs nest inside one
// another, each with a valid head and tail but a bad checksum. Only the outermost may be
// checksummed; the rest overlap it and are refused unread.
func TestNestedBlobs(t *testing.T) {
	const n = 4000
	const blocks = 2*n + 2
	b := newBuilder(16)
	first := len(b.data) / blockLen
	b.data = append(b.data, make([]byte, blocks*blockLen)...)
	for i := range n {
		off := first + i
		count := blocks - 2*i
		blen := uint32(count*blockLen - blobHeadLen - blobTailLen)
		h := b.data[off*blockLen:]
		copy(h, headMagic)
		binary.LittleEndian.PutUint32(h[4:], uint32(i+1))
		binary.LittleEndian.PutUint32(h[12:], blen)
		tail := b.data[(off+count)*blockLen-blobTailLen:]
		binary.LittleEndian.PutUint32(tail[4:], blen)
		copy(tail[8:], tailMagic)
		b.setSlot(2+i, uint32(i+1), uint32(off), uint32(count))
	}
	start := time.Now()
	r := collect(t, b.data)
	if el := time.Since(start); el > 5*time.Second {
		t.Errorf("took %v", el)
	}
	if len(r.blobs) != 0 || len(r.errs) != n {
		t.Fatalf("%d blobs, %d errors", len(r.blobs), len(r.errs))
	}
	for _, err := range r.errs[1:] {
		if !strings.Contains(err.Error(), "overlaps the blob of slot 2") {
			t.Fatalf("error %v, want an overlap with slot 2", err)
		}
	}
}

func BenchmarkHeaders(b *testing.B) {
	data := readCorpus(b, "go-rpmdb", "sle15-bci", "Packages.db")
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		for _, err := range Headers(data) {
			if err != nil {
				b.Fatal(err)
			}
		}
	}
}
