// Package ndb extracts the rpm package header blobs from an rpm NDB database: the
// var/lib/rpm/Packages.db file of rpm's own "ndb" backend (lib/backend/ndb/rpmpkg.c), the
// default of SUSE Linux Enterprise from 15 SP3 and of openSUSE since 2020.
//
// All numbers are 32-bit little-endian. The file starts with a 32-byte header: magic
// "RpmP", version 0, generation, the number of 4096-byte slot pages and the next package
// index. The slot pages follow from offset 0 (the header takes the first two slots of page
// 0): 16-byte slots of magic "Slot", package index, block offset and block count. A slot
// with block offset 0 is free. The rest of the file is 16-byte blocks; a used slot's blob
// starts at block offset × 16 and spans block count blocks: a 16-byte head (magic "BlbS",
// package index, timestamp, blob length), the rpm header blob, zero padding, and a 12-byte
// tail (Adler-32 of everything before it in the blob's blocks, blob length, magic "BlbE").
//
// Headers checks each used slot and its blob as rpm does when it reads and verifies them:
// the slot's block range lies after the slot pages and inside the file, the head's magic
// and package index match, the length fits the block count, the tail repeats the length
// and carries the end magic, and the Adler-32 checksum matches (rpm checks it when it
// verifies a blob rather than on every read). Blobs are yielded in the order of their
// block offsets, the order rpm lists them in; blobs may not overlap.
//
// Not supported: blobs compressed with LZO (rpm built with RPMPKG_LZO, a compile-time
// option that is off by default; such a blob is yielded as stored and will not parse as
// a header)
// and the index databases next to Packages.db (Index.db: names, files, provides...), which
// hold nothing a package list needs. The header's generation and next package index are
// not used.
package ndb

import (
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/adler32"
	"iter"
	"slices"

	"github.com/trawlscan/trawl/plugins/os/rpm/internal/hold"
)

// ErrFormat is wrapped by the error that ends Headers at once: data is not an rpm NDB
// database, or its header is damaged. Errors about one package do not wrap it.
var ErrFormat = errors.New("ndb: not a readable rpm NDB database")

const (
	headerLen   = 32
	slotLen     = 16
	blockLen    = 16
	slotPageLen = 4096
	blobHeadLen = 16
	blobTailLen = 12
	// minBlobBlocks is the fewest blocks a blob takes: its head and tail.
	minBlobBlocks = (blobHeadLen + blobTailLen + blockLen - 1) / blockLen

	magic     = "RpmP"
	slotMagic = "Slot"
	headMagic = "BlbS"
	tailMagic = "BlbE"
)

// Is reports whether data starts like an rpm NDB database: the magic "RpmP". It looks at
// nothing else.
func Is(data []byte) bool {
	return len(data) >= 4 && string(data[:4]) == magic
}

// Headers yields the rpm header blob of each package in the database, in storage order. A
// first error means the data is not a database of this format (or its header is damaged)
// and ends the iteration; that error wraps ErrFormat. Per-package damage yields (nil, err)
// and the iteration goes on with the next package; the blob is a sub-slice of data where
// it is contiguous, else a new slice.
//
// Blobs are always contiguous, so always sub-slices of data, capped so that appending to
// one does not write into data. Storage order is the order of the blobs in the file, the
// order rpm lists them in. Errors about the slots themselves are met first, in slot order;
// per-package errors met before the first blob are held back (up to 64) and yielded right
// after it, so that a first error is one about the whole file; errors.Is(err, ErrFormat)
// tells for sure. Slots are numbered as rpm does, by file offset / 16, so the first is
// slot 2. Work and memory are linear in len(data): blobs that overlap an earlier one are
// refused, unread.
func Headers(data []byte) iter.Seq2[[]byte, error] {
	return func(yield func([]byte, error) bool) {
		slots, err := readHeader(data)
		if err != nil {
			yield(nil, err)
			return
		}
		h := hold.New(yield)
		used, ok := readSlots(data, slots, h.Put)
		if ok && readBlobs(data, used, h.Put) {
			h.Flush()
		}
	}
}

func formatErr(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrFormat}, args...)...)
}

// readHeader checks the header and returns the number of slots in the slot pages, header
// slots included.
func readHeader(data []byte) (int, error) {
	if !Is(data) {
		head := data[:min(len(data), 4)]
		return 0, formatErr("magic %q, want %q", head, magic)
	}
	if len(data) < headerLen {
		return 0, formatErr("header truncated: file is %d bytes, the header %d", len(data), headerLen)
	}
	if v := binary.LittleEndian.Uint32(data[4:]); v != 0 {
		return 0, formatErr("version %d, want 0", v)
	}
	pages := binary.LittleEndian.Uint32(data[12:])
	if pages == 0 {
		return 0, formatErr("header says there are no slot pages")
	}
	if size := uint64(pages) * slotPageLen; size > uint64(len(data)) {
		return 0, formatErr("header says there are %d slot pages (%d bytes), the file is only %d bytes", pages, size, len(data))
	}
	return int(pages) * (slotPageLen / slotLen), nil
}

// slot is a used slot.
type slot struct {
	no, pkg, off, count uint32 // slot number, package index, first block, block count
}

func (s slot) errorf(format string, args ...any) error {
	return fmt.Errorf("ndb: slot %d (package %d): "+format, append([]any{s.no, s.pkg}, args...)...)
}

// readSlots yields an error for each bad slot and returns the used slots that point at a
// block range inside the file. It returns false when yield does.
func readSlots(data []byte, nslots int, yield func([]byte, error) bool) ([]slot, bool) {
	fileBlocks := uint64(len(data) / blockLen)
	firstBlock := uint64(nslots) * slotLen / blockLen // the first block after the slot pages
	var used []slot
	for no := headerLen / slotLen; no < nslots; no++ {
		e := data[no*slotLen : (no+1)*slotLen]
		if string(e[:4]) != slotMagic {
			if !yield(nil, fmt.Errorf("ndb: slot %d: magic %q, want %q", no, e[:4], slotMagic)) {
				return nil, false
			}
			continue
		}
		s := slot{
			no:    uint32(no),
			pkg:   binary.LittleEndian.Uint32(e[4:]),
			off:   binary.LittleEndian.Uint32(e[8:]),
			count: binary.LittleEndian.Uint32(e[12:]),
		}
		var err error
		switch end := uint64(s.off) + uint64(s.count); {
		case s.off == 0 && s.pkg == 0:
			continue // free
		case s.off == 0:
			err = s.errorf("no blob (block offset 0)")
		case s.pkg == 0:
			err = s.errorf("used slot (block %d) has package index 0", s.off)
		case s.count < minBlobBlocks:
			err = s.errorf("blob of %d blocks is too short for a blob head and tail", s.count)
		case uint64(s.off) < firstBlock:
			err = s.errorf("blob at block %d lies inside the slot pages, which end at block %d", s.off, firstBlock)
		case end > fileBlocks:
			err = s.errorf("blob at blocks [%d, %d) lies past the end of the file (%d blocks)", s.off, end, fileBlocks)
		default:
			used = append(used, s)
			continue
		}
		if !yield(nil, err) {
			return nil, false
		}
	}
	return used, true
}

// readBlobs yields the blobs of the used slots, in the order of their block offsets. It
// returns false when yield does.
func readBlobs(data []byte, used []slot, yield func([]byte, error) bool) bool {
	slices.SortStableFunc(used, func(a, b slot) int { return cmp.Compare(a.off, b.off) })
	var prev slot // the last blob that was placed; its count is 0 before the first
	for _, s := range used {
		if prevEnd := uint64(prev.off) + uint64(prev.count); prev.count > 0 && uint64(s.off) < prevEnd {
			err := s.errorf("blob at blocks [%d, %d) overlaps the blob of slot %d (package %d) at [%d, %d)",
				s.off, uint64(s.off)+uint64(s.count), prev.no, prev.pkg, prev.off, prevEnd)
			if !yield(nil, err) {
				return false
			}
			continue
		}
		blob, placed, err := readBlob(data, s)
		if placed {
			prev = s
		}
		if !yield(blob, err) {
			return false
		}
	}
	return true
}

// readBlob returns the header blob of slot s, whose block range readSlots checked. placed
// says whether the blob's head and tail are in place, its length agreeing with its block
// count: only then does it take up its blocks, so that a slot with a bad block count does
// not hide the blobs after it.
func readBlob(data []byte, s slot) (blob []byte, placed bool, err error) {
	start := int(s.off) * blockLen
	end := start + int(s.count)*blockLen
	b := data[start:end:end]
	if m := b[:4]; string(m) != headMagic {
		return nil, false, s.errorf("blob at block %d: head magic %q, want %q", s.off, m, headMagic)
	}
	if pkg := binary.LittleEndian.Uint32(b[4:]); pkg != s.pkg {
		return nil, false, s.errorf("blob at block %d belongs to package %d", s.off, pkg)
	}
	n := binary.LittleEndian.Uint32(b[12:])
	if want := (blobHeadLen + uint64(n) + blobTailLen + blockLen - 1) / blockLen; want != uint64(s.count) {
		return nil, false, s.errorf("blob at block %d: length %d needs %d blocks, the slot has %d", s.off, n, want, s.count)
	}
	tail := b[len(b)-blobTailLen:]
	if m := tail[8:12]; string(m) != tailMagic {
		return nil, false, s.errorf("blob at block %d: tail magic %q, want %q", s.off, m, tailMagic)
	}
	if tn := binary.LittleEndian.Uint32(tail[4:]); tn != n {
		return nil, false, s.errorf("blob at block %d: head says length %d, tail says %d", s.off, n, tn)
	}
	if sum, want := adler32.Checksum(b[:len(b)-blobTailLen]), binary.LittleEndian.Uint32(tail); sum != want {
		return nil, true, s.errorf("blob at block %d: Adler-32 checksum %#08x, the tail says %#08x", s.off, sum, want)
	}
	return b[blobHeadLen : blobHeadLen+n : blobHeadLen+n], true, nil
}
