package bdb

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/trawlscan/trawl/internal/corpustest"
	"github.com/trawlscan/trawl/plugins/os/rpm/internal/hold"
)

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
			if !strings.HasPrefix(err.Error(), "bdb: ") {
				t.Errorf("error %q lacks the bdb: prefix", err)
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

func TestFixtures(t *testing.T) {
	for _, tc := range []struct {
		path []string
		want []string // sorted NAME-VERSION-RELEASE
	}{
		// rpm --dbpath DIR --define '_db_backend bdb_ro' -qa gives the same list.
		{[]string{"go-rpmdb", "libuuid", "Packages"}, []string{"libuuid-2.32.1-42.el8_8"}},
		{[]string{"scalibr", "Packages_epoch"}, []string{"hello-0.0.1-rls"}},
	} {
		t.Run(strings.Join(tc.path, "/"), func(t *testing.T) {
			data := readCorpus(t, tc.path...)
			if !Is(data) {
				t.Error("Is = false")
			}
			r := collect(t, data)
			if len(r.errs) > 0 {
				t.Fatalf("errors: %v", r.errs)
			}
			if len(r.blobs) != len(tc.want) {
				t.Fatalf("%d blobs, want %d", len(r.blobs), len(tc.want))
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
			if !slices.Equal(got, tc.want) {
				t.Errorf("packages %q, want %q", got, tc.want)
			}
		})
	}
}

// builder writes a Berkeley DB hash database page by page, in the layout of
// dbinc/db_page.h, for tests.
type builder struct {
	order    byteOrder
	pageSize int
	chksum   bool
	pages    [][]byte // pages[0] is the meta page, filled in by bytes
	// hash lists the hash pages: bytes makes them the chain of bucket 0, the only bucket.
	hash []uint32
}

// byteOrder is binary.LittleEndian or binary.BigEndian.
type byteOrder interface {
	binary.ByteOrder
	binary.AppendByteOrder
}

func newBuilder(order byteOrder, pageSize int) *builder {
	return &builder{order: order, pageSize: pageSize, pages: [][]byte{make([]byte, pageSize)}}
}

func (b *builder) overhead() int {
	if b.chksum {
		return chksumHeaderLen
	}
	return pageHeaderLen
}

// newPage appends an empty page of type typ and returns its number.
func (b *builder) newPage(typ byte) uint32 {
	n := uint32(len(b.pages))
	p := make([]byte, b.pageSize)
	b.order.PutUint32(p[8:], n)
	b.order.PutUint16(p[22:], uint16(b.pageSize)) // hf_offset: nothing stored yet
	p[24] = 1
	p[25] = typ
	b.pages = append(b.pages, p)
	return n
}

// overflow stores v in a chain of overflow pages and returns the first.
func (b *builder) overflow(v []byte) uint32 {
	room := b.pageSize - b.overhead()
	var first, prev uint32
	for len(v) > 0 || first == 0 {
		n := min(len(v), room)
		pg := b.newPage(pOverflow)
		p := b.pages[pg]
		copy(p[b.overhead():], v[:n])
		b.order.PutUint16(p[20:], 1) // OV_REF
		b.order.PutUint16(p[22:], uint16(n))
		if prev != 0 {
			b.order.PutUint32(b.pages[prev][16:], pg)
			b.order.PutUint32(p[12:], prev)
		} else {
			first = pg
		}
		prev = pg
		v = v[n:]
	}
	return first
}

// key is an H_KEYDATA key item holding header number k.
func (b *builder) key(k uint32) []byte {
	return b.order.AppendUint32([]byte{hKeyData}, k)
}

// inline is an H_KEYDATA data item.
func inline(v []byte) []byte { return append([]byte{hKeyData}, v...) }

// offPage is an H_OFFPAGE item for an overflow chain.
func (b *builder) offPage(pgno, tlen uint32) []byte {
	it := []byte{hOffPage, 0, 0, 0}
	it = b.order.AppendUint32(it, pgno)
	return b.order.AppendUint32(it, tlen)
}

// hashPage appends a hash page holding items (key, data, key, data...), packed downwards
// from the end of the page as Berkeley DB does.
func (b *builder) hashPage(items ...[]byte) uint32 {
	pg := b.newPage(pHash)
	p := b.pages[pg]
	off := b.pageSize
	for i, it := range items {
		off -= len(it)
		if off < b.overhead()+2*len(items) {
			panic("items do not fit on the page")
		}
		copy(p[off:], it)
		b.order.PutUint16(p[b.overhead()+2*i:], uint16(off))
	}
	b.order.PutUint16(p[20:], uint16(len(items)))
	b.order.PutUint16(p[22:], uint16(off))
	b.hash = append(b.hash, pg)
	return pg
}

// bytes fills in the meta page and returns the file.
func (b *builder) bytes() []byte {
	m := b.pages[0]
	b.order.PutUint32(m[12:], hashMagic)
	b.order.PutUint32(m[16:], 9)
	b.order.PutUint32(m[20:], uint32(b.pageSize))
	m[25] = pHashMeta
	if b.chksum {
		m[26] = dbmetaChksum
	}
	b.order.PutUint32(m[32:], uint32(len(b.pages)-1))
	// One bucket, 0 (max_bucket, high_mask and low_mask 0), on the first hash page: spares[0]
	// maps bucket 0 to it. Further hash pages hang off it through next_pgno, as the
	// overflow pages of a full bucket do.
	if len(b.hash) > 0 {
		b.order.PutUint32(m[96:], b.hash[0])
	}
	for i := 1; i < len(b.hash); i++ {
		b.order.PutUint32(b.pages[b.hash[i-1]][16:], b.hash[i])
		b.order.PutUint32(b.pages[b.hash[i]][12:], b.hash[i-1])
	}
	return slices.Concat(b.pages...)
}

// testValue is a distinct value of n bytes.
func testValue(seed byte, n int) []byte {
	v := make([]byte, n)
	for i := range v {
		v[i] = seed + byte(i*7)
	}
	return v
}

// small builds a database with the key-0 counter, one inline value and one value spread
// over a chain of three overflow pages. It returns the file and the two values.
func small(order byteOrder, pageSize int, chksum bool) ([]byte, [][]byte) {
	b := newBuilder(order, pageSize)
	b.chksum = chksum
	room := pageSize - b.overhead()
	inl := testValue(1, 100)
	big := testValue(2, 2*room+17) // three pages
	first := b.overflow(big)
	counter := make([]byte, 4)
	order.PutUint32(counter, 3)
	b.hashPage(b.key(0), inline(counter), b.key(1), inline(inl), b.key(2), b.offPage(first, uint32(len(big))))
	b.newPage(0) // a free page
	return b.bytes(), [][]byte{inl, big}
}

func TestSynthetic(t *testing.T) {
	for _, order := range []byteOrder{binary.LittleEndian, binary.BigEndian} {
		for _, pageSize := range []int{512, 4096, 65536} {
			for _, chksum := range []bool{false, true} {
				t.Run(fmt.Sprintf("%v/%d/chksum=%v", order, pageSize, chksum), func(t *testing.T) {
					data, want := small(order, pageSize, chksum)
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
							t.Errorf("blob %d: %d bytes %x..., want %d bytes %x...", i, len(r.blobs[i]), r.blobs[i][:8], len(want[i]), want[i][:8])
						}
					}
					// The inline value is part of data; appending to it must not write into data.
					// Page 4 ends with the items key 0, counter, key 1 (5 bytes each), then the
					// inline value's type byte.
					if off := 5*pageSize - 3*5 - len(want[0]); &r.blobs[0][0] != &data[off] {
						t.Error("inline value is a copy, want a sub-slice of data")
					}
					if cap(r.blobs[0]) != len(r.blobs[0]) {
						t.Errorf("inline value has capacity %d beyond its length %d", cap(r.blobs[0]), len(r.blobs[0]))
					}
				})
			}
		}
	}
}

// fixtureBlobs returns the header blobs of the two fixtures, hello's first.
func fixtureBlobs(t testing.TB) [][]byte {
	t.Helper()
	var blobs [][]byte
	for _, p := range [][]string{{"scalibr", "Packages_epoch"}, {"go-rpmdb", "libuuid", "Packages"}} {
		for blob, err := range Headers(readCorpus(t, p...)) {
			if err != nil {
				t.Fatal(err)
			}
			blobs = append(blobs, blob)
		}
	}
	return blobs
}

// repack builds a database holding blobs under header numbers 1, 2...: each inline if it
// fits on a page, else through an overflow chain, on hash pages of bucket 0, one pair each,
// the first page also holding the key-0 counter. rpm 4.18 (rpm --dbpath DIR --define
// '_db_backend bdb_ro' -qa) reads these files in both byte orders and with 512- and
// 4096-byte pages, which checks builder against an independent reader.
func repack(order byteOrder, pageSize int, blobs ...[]byte) []byte {
	b := newBuilder(order, pageSize)
	for i, blob := range blobs {
		item := inline(blob)
		if len(item)+5+2*5+b.overhead()+8 > pageSize {
			item = b.offPage(b.overflow(blob), uint32(len(blob)))
		}
		if i == 0 {
			b.hashPage(b.key(0), inline(order.AppendUint32(nil, uint32(len(blobs)+1))), b.key(1), item)
		} else {
			b.hashPage(b.key(uint32(i+1)), item)
		}
	}
	return b.bytes()
}

func TestRepacked(t *testing.T) {
	want := []string{"hello-0.0.1-rls", "libuuid-2.32.1-42.el8_8"}
	for _, order := range []byteOrder{binary.LittleEndian, binary.BigEndian} {
		for _, pageSize := range []int{512, 4096} {
			t.Run(fmt.Sprintf("%v/%d", order, pageSize), func(t *testing.T) {
				r := collect(t, repack(order, pageSize, fixtureBlobs(t)...))
				if len(r.errs) > 0 {
					t.Fatal(r.errs)
				}
				var got []string
				for _, blob := range r.blobs {
					s, err := nvr(blob)
					if err != nil {
						t.Fatal(err)
					}
					got = append(got, s)
				}
				if !slices.Equal(got, want) {
					t.Errorf("packages %q, want %q", got, want)
				}
			})
		}
	}
}

// TestSinglePageOverflow checks that an overflow item on one page is handed out in place.
func TestSinglePageOverflow(t *testing.T) {
	b := newBuilder(binary.LittleEndian, 4096)
	v := testValue(3, 3000)
	first := b.overflow(v)
	b.hashPage(b.key(1), b.offPage(first, uint32(len(v))))
	data := b.bytes()
	r := collect(t, data)
	if len(r.errs) > 0 || len(r.blobs) != 1 || !bytes.Equal(r.blobs[0], v) {
		t.Fatalf("got %d blobs, errors %v", len(r.blobs), r.errs)
	}
	if off := 4096 + pageHeaderLen; &r.blobs[0][0] != &data[off] {
		t.Error("single-page overflow value is a copy, want a sub-slice of data")
	}
}

// TestEarlyStop stops the iteration after each yield: Headers must not call yield again.
func TestEarlyStop(t *testing.T) {
	data, want := small(binary.LittleEndian, 512, false)
	for stop := 1; stop <= len(want); stop++ {
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
		{make([]byte, 15), false},
		{append(make([]byte, 12), 0x61, 0x15, 0x06, 0), true},
		{append(make([]byte, 12), 0, 0x06, 0x15, 0x61), true},
		{append(make([]byte, 12), 0x62, 0x31, 0x05, 0), false}, // btree
		{[]byte("RpmP" + strings.Repeat("\x00", 60)), false},
		{[]byte("SQLite format 3\x00"), false},
	} {
		if got := Is(tc.data); got != tc.want {
			t.Errorf("Is(%q) = %v, want %v", tc.data, got, tc.want)
		}
	}
}

// TestHostile damages databases in the ways a hostile or broken file might and checks the
// error each gives, and that the undamaged values still come out where they can.
func TestHostile(t *testing.T) {
	le := binary.LittleEndian
	for _, tc := range []struct {
		name string
		data func() []byte
		// format is the error that ends the iteration at once, if any.
		format string
		// errs are the per-package errors, in order; blobs the number of values.
		errs  []string
		blobs int
	}{
		{
			name:   "empty",
			data:   func() []byte { return nil },
			format: "bdb: not a readable Berkeley DB hash database: file is 0 bytes, too short for a meta page",
		},
		{
			name:   "truncated meta page",
			data:   func() []byte { d, _ := small(le, 4096, false); return d[:300] },
			format: "meta page truncated: file is 300 bytes, page size 4096",
		},
		{
			name:   "meta header cut short",
			data:   func() []byte { d, _ := small(le, 4096, false); return d[:20] },
			format: "meta page truncated: file is 20 bytes",
		},
		{
			name: "btree",
			data: func() []byte {
				d, _ := small(le, 4096, false)
				le.PutUint32(d[12:], btreeMagic)
				return d
			},
			format: "a btree database: only the hash access method",
		},
		{
			name:   "not a database",
			data:   func() []byte { return []byte(strings.Repeat("garbage!", 100)) },
			format: "is not the hash magic",
		},
		{
			name: "bad page size",
			data: func() []byte {
				d, _ := small(le, 4096, false)
				le.PutUint32(d[20:], 4095)
				return d
			},
			format: "page size 4095 is not a power of two",
		},
		{
			name: "old version",
			data: func() []byte {
				d, _ := small(le, 4096, false)
				le.PutUint32(d[16:], 7)
				return d
			},
			format: "hash version 7, want 8 to 10",
		},
		{
			name: "encrypted",
			data: func() []byte {
				d, _ := small(le, 4096, false)
				d[24] = 1
				return d
			},
			format: "encrypted database (algorithm 1) is not supported",
		},
		{
			name: "wrong meta page type",
			data: func() []byte {
				d, _ := small(le, 4096, false)
				d[25] = 9
				return d
			},
			format: "page type 9, want 8",
		},
		{
			name: "overflow chain cycle",
			data: func() []byte {
				d, _ := small(le, 512, false)
				// Pages 1-3 are the chain; point page 3 back at page 2.
				le.PutUint32(d[3*512+16:], 2)
				return d
			},
			errs:  []string{"bdb: page 4: item 5: overflow page 3 loops back to page 2"},
			blobs: 1,
		},
		{
			name: "overflow chain self loop",
			data: func() []byte {
				d, _ := small(le, 512, false)
				le.PutUint32(d[1*512+16:], 1)
				return d
			},
			errs:  []string{"bdb: page 4: item 5: overflow page 1 loops back to page 1"},
			blobs: 1,
		},
		{
			name: "overflow page beyond the file",
			data: func() []byte {
				d, _ := small(le, 512, false)
				le.PutUint32(d[2*512+16:], 99)
				return d
			},
			errs:  []string{"bdb: page 4: item 5: overflow page 2 points to page 99, beyond the last page 5"},
			blobs: 1,
		},
		{
			name: "overflow reference beyond the file",
			data: func() []byte {
				b := newBuilder(le, 512)
				b.hashPage(b.key(1), b.offPage(0xffffffff, 100), b.key(2), inline([]byte("ok")))
				return b.bytes()
			},
			errs:  []string{"bdb: page 1: item 1: overflow chain starting at page 4294967295 points to page 4294967295, beyond the last page 1"},
			blobs: 1,
		},
		{
			name: "overflow reference to the meta page",
			data: func() []byte {
				b := newBuilder(le, 512)
				b.hashPage(b.key(1), b.offPage(0, 100))
				return b.bytes()
			},
			errs: []string{"bdb: page 1: item 1: overflow item of 100 bytes points to page 0, the meta page"},
		},
		{
			name: "huge tlen",
			data: func() []byte {
				d, _ := small(le, 512, false)
				// The H_OFFPAGE item is the last on page 4: its tlen is at hf_offset+8.
				p := d[4*512:]
				le.PutUint32(p[le.Uint16(p[22:])+8:], 0xfffffff0)
				return d
			},
			errs:  []string{"bdb: page 4: item 5: overflow item length 4294967280 exceeds the 2430 bytes the file's 6 pages can hold"},
			blobs: 1,
		},
		{
			name: "tlen shorter than the chain",
			data: func() []byte {
				d, _ := small(le, 512, false)
				p := d[4*512:]
				le.PutUint32(p[le.Uint16(p[22:])+8:], 500)
				return d
			},
			errs:  []string{"bdb: page 4: item 5: overflow page 2: the chain holds more than the item's 500 bytes"},
			blobs: 1,
		},
		{
			name: "tlen longer than the chain",
			data: func() []byte {
				d, _ := small(le, 512, false)
				p := d[4*512:]
				le.PutUint32(p[le.Uint16(p[22:])+8:], 1500)
				return d
			},
			errs:  []string{"bdb: page 4: item 5: overflow chain starting at page 1 holds 989 bytes, the item says 1500"},
			blobs: 1,
		},
		{
			name: "overflow page of the wrong type",
			data: func() []byte {
				d, _ := small(le, 512, false)
				d[2*512+25] = 0
				return d
			},
			errs:  []string{"bdb: page 4: item 5: overflow page 1 points to page 2 of type 0, not an overflow page"},
			blobs: 1,
		},
		{
			name: "overflow page too full",
			data: func() []byte {
				d, _ := small(le, 512, false)
				le.PutUint16(d[2*512+22:], 600)
				return d
			},
			errs:  []string{"bdb: page 4: item 5: overflow page 2: holds 600 bytes, more than the 486 a page has room for"},
			blobs: 1,
		},
		{
			name: "two items share an overflow chain",
			data: func() []byte {
				b := newBuilder(le, 512)
				v := testValue(5, 1000)
				first := b.overflow(v)
				b.hashPage(b.key(1), b.offPage(first, 1000), b.key(2), b.offPage(first, 1000))
				return b.bytes()
			},
			errs:  []string{"bdb: page 4: item 3: overflow chain starting at page 1 points to page 1, already part of another item's overflow chain"},
			blobs: 1,
		},
		{
			name: "item offset beyond the page",
			data: func() []byte {
				d, _ := small(le, 512, false)
				// Item 3 is the inline value.
				le.PutUint16(d[4*512+pageHeaderLen+2*3:], 600)
				return d
			},
			// Item 4 ends where item 3 starts, so it is lost too.
			errs: []string{
				"bdb: page 4: item 3 at offset 600 (ending at 497) lies outside the page's item area [38, 512)",
				"bdb: page 4: item 4 at offset 391 (ending at 600) lies outside the page's item area [38, 512)",
			},
		},
		{
			name: "item offset inside the index",
			data: func() []byte {
				d, _ := small(le, 512, false)
				le.PutUint16(d[4*512+pageHeaderLen+2*2:], 30) // the key of the inline value
				return d
			},
			errs:  []string{"bdb: page 4: item 2 at offset 30 (ending at 502) lies outside the page's item area [38, 512)"},
			blobs: 1,
		},
		{
			name: "items out of order",
			data: func() []byte {
				d, _ := small(le, 512, false)
				le.PutUint16(d[4*512+pageHeaderLen+2*3:], 510) // after the item before it
				return d
			},
			errs:  []string{"bdb: page 4: item 3 at offset 510 (ending at 497) lies outside the page's item area [38, 512)"},
			blobs: 1,
		},
		{
			name: "too many entries",
			data: func() []byte {
				d, _ := small(le, 512, false)
				le.PutUint16(d[4*512+20:], 0xffff)
				return d
			},
			errs: []string{"bdb: page 4: 65535 entries do not fit in a 512-byte page"},
		},
		{
			name: "odd entries",
			data: func() []byte {
				b := newBuilder(le, 512)
				b.hashPage(b.key(1), inline([]byte("v")), b.key(2))
				return b.bytes()
			},
			errs:  []string{"bdb: page 1: odd number of entries (3): the last key has no data"},
			blobs: 1,
		},
		{
			name: "unknown item type",
			data: func() []byte {
				b := newBuilder(le, 512)
				b.hashPage(b.key(1), []byte{9, 1, 2})
				return b.bytes()
			},
			errs: []string{"bdb: page 1: item 1: unknown item type 9"},
		},
		{
			name: "duplicates",
			data: func() []byte {
				b := newBuilder(le, 512)
				b.hashPage(b.key(1), []byte{hDuplicate, 1, 0, 'x', 1, 0})
				return b.bytes()
			},
			errs: []string{"bdb: page 1: item 1: duplicate data items (type 2) are not supported"},
		},
		{
			name: "short overflow reference",
			data: func() []byte {
				b := newBuilder(le, 512)
				b.hashPage(b.key(1), []byte{hOffPage, 0, 0, 0, 1})
				return b.bytes()
			},
			errs: []string{"bdb: page 1: item 1: overflow reference is 5 bytes, want 12"},
		},
		{
			name: "hash page with a wrong page number",
			data: func() []byte {
				d, _ := small(le, 512, false)
				le.PutUint32(d[4*512+8:], 7)
				return d
			},
			errs: []string{"bdb: page 4: hash page header says it is page 7"},
		},
		{
			name: "truncated file",
			data: func() []byte {
				d, _ := small(le, 512, false)
				return d[:4*512+100]
			},
			errs: []string{"bdb: file truncated: the meta page says the last page is 5, the file holds 4 whole pages of 512 bytes"},
		},
		{
			name: "last page number beyond the file",
			data: func() []byte {
				d, _ := small(le, 512, false)
				le.PutUint32(d[32:], 0xffffffff)
				return d
			},
			errs:  []string{"bdb: file truncated: the meta page says the last page is 4294967295, the file holds 6 whole pages of 512 bytes"},
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

// TestHeldErrors checks that a damaged first package does not make the first yield an
// error when a later package can be read.
func TestHeldErrors(t *testing.T) {
	le := binary.LittleEndian
	t.Run("first package damaged", func(t *testing.T) {
		b := newBuilder(le, 512)
		b.hashPage(b.key(1), []byte{9, 9}, b.key(2), inline([]byte("good")))
		b.hashPage(b.key(3), []byte{8})
		got := yields(b.bytes())
		want := []string{"blob 4", "bdb: page 1: item 1: unknown item type 9", "bdb: page 2: item 1: unknown item type 8"}
		if !slices.Equal(got, want) {
			t.Errorf("yields %q, want %q", got, want)
		}
	})
	t.Run("no package readable", func(t *testing.T) {
		b := newBuilder(le, 512)
		b.hashPage(b.key(1), []byte{9, 9})
		b.hashPage(b.key(3), []byte{8})
		got := yields(b.bytes())
		want := []string{"bdb: page 1: item 1: unknown item type 9", "bdb: page 2: item 1: unknown item type 8"}
		if !slices.Equal(got, want) {
			t.Errorf("yields %q, want %q", got, want)
		}
	})
	t.Run("too many to hold", func(t *testing.T) {
		b := newBuilder(le, 4096)
		var items [][]byte
		for k := range hold.MaxHeld + 10 {
			items = append(items, b.key(uint32(k+1)), []byte{9})
		}
		b.hashPage(items...)
		b.hashPage(b.key(1000), inline([]byte("good")))
		got := yields(b.bytes())
		if len(got) != hold.MaxHeld+11 || got[len(got)-1] != "blob 4" || !strings.Contains(got[0], "item 1: unknown item type 9") {
			t.Errorf("yields %q", got)
		}
	})
}

// TestManyItemsOneChain is the quadratic case: every item on many pages points at the same
// long overflow chain. Only the first may read it.
func TestManyItemsOneChain(t *testing.T) {
	b := newBuilder(binary.LittleEndian, 4096)
	v := testValue(6, 200*4070)
	first := b.overflow(v)
	ref := b.offPage(first, uint32(len(v)))
	for range 50 {
		var items [][]byte
		for k := range 150 {
			items = append(items, b.key(uint32(k+1)), ref)
		}
		b.hashPage(items...)
	}
	r := collect(t, b.bytes())
	if len(r.blobs) != 1 || len(r.errs) != 50*150-1 {
		t.Fatalf("%d blobs, %d errors", len(r.blobs), len(r.errs))
	}
}

func BenchmarkHeaders(b *testing.B) {
	data := readCorpus(b, "go-rpmdb", "libuuid", "Packages")
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
