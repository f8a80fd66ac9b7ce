package rpm

import (
	"bytes"
	"encoding/binary"
	"fmt"
)

// Header tags a scanner needs (rpm's lib/rpmtag.h).
const (
	tagHeaderImage      = 61
	tagHeaderSignatures = 62
	tagHeaderImmutable  = 63
	tagName             = 1000
	tagVersion          = 1001
	tagRelease          = 1002
	tagEpoch            = 1003
	tagVendor           = 1011
	tagLicense          = 1014
	tagArch             = 1022
	tagSourceRPM        = 1044
	tagModularityLabel  = 5096
)

// Header entry types (rpm's rpmTagType).
const (
	typeInt32       = 4
	typeString      = 6
	typeStringArray = 8
	typeI18NString  = 9
)

// Bounds rpm itself puts on a header (lib/header_internal.h: hdrchkTags, hdrchkData).
const (
	maxEntries  = 0xffff
	maxDataSize = 256 << 20
)

// header is the part of one package header that becomes an sdk.Package. A field the header
// does not have is empty; hasEpoch tells an absent epoch from epoch 0.
type header struct {
	name, version, release string
	epoch                  int32
	hasEpoch               bool
	arch, sourceRPM        string
	license, vendor        string
	modularityLabel        string
}

// parseHeader decodes a header blob as rpm stores it in its database: the entry count and
// data size (32-bit big-endian), the index entries of 16 bytes each (tag, type, offset into
// the data, count), then the data. This is the "immutable region" form without the lead and
// signature of a package file. Only the tags in header are decoded; each is checked against
// the data's bounds, and a tag that is malformed is an error, since a header whose name or
// version cannot be trusted is no package.
func parseHeader(blob []byte) (*header, error) {
	if len(blob) < 8 {
		return nil, fmt.Errorf("header of %d bytes, shorter than its 8-byte preamble", len(blob))
	}
	il := binary.BigEndian.Uint32(blob)
	dl := binary.BigEndian.Uint32(blob[4:])
	if il == 0 || il > maxEntries {
		return nil, fmt.Errorf("header has %d entries, want 1 to %d", il, maxEntries)
	}
	if dl > maxDataSize {
		return nil, fmt.Errorf("header data of %d bytes, more than rpm's limit of %d", dl, maxDataSize)
	}
	indexEnd := 8 + 16*uint64(il)
	if end := indexEnd + uint64(dl); end > uint64(len(blob)) {
		return nil, fmt.Errorf("header of %d entries and %d data bytes needs %d bytes, has %d", il, dl, end, len(blob))
	}
	index := blob[8:indexEnd]
	data := blob[indexEnd : indexEnd+uint64(dl)]

	h := &header{}
	for i := range int(il) {
		e := index[16*i : 16*i+16]
		tag := binary.BigEndian.Uint32(e)
		typ := binary.BigEndian.Uint32(e[4:])
		off := binary.BigEndian.Uint32(e[8:])
		count := binary.BigEndian.Uint32(e[12:])
		var dst *string
		switch tag {
		case tagHeaderImage, tagHeaderSignatures, tagHeaderImmutable:
			// Region markers describe the signed part of the header; their trailer is
			// not package data.
			continue
		case tagName:
			dst = &h.name
		case tagVersion:
			dst = &h.version
		case tagRelease:
			dst = &h.release
		case tagArch:
			dst = &h.arch
		case tagSourceRPM:
			dst = &h.sourceRPM
		case tagLicense:
			dst = &h.license
		case tagVendor:
			dst = &h.vendor
		case tagModularityLabel:
			dst = &h.modularityLabel
		case tagEpoch:
			if typ != typeInt32 || count < 1 {
				return nil, fmt.Errorf("EPOCH: type %d count %d, want a 32-bit integer", typ, count)
			}
			if uint64(off)+4 > uint64(len(data)) {
				return nil, fmt.Errorf("EPOCH: offset %d beyond the header's %d data bytes", off, len(data))
			}
			h.epoch = int32(binary.BigEndian.Uint32(data[off:]))
			h.hasEpoch = true
			continue
		default:
			continue
		}
		s, err := entryString(data, typ, off, count)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", tagNames[tag], err)
		}
		*dst = s
	}
	if h.name == "" {
		return nil, fmt.Errorf("header has no NAME")
	}
	if h.version == "" {
		return nil, fmt.Errorf("package %s has no VERSION", h.name)
	}
	if h.epoch < 0 {
		return nil, fmt.Errorf("package %s has a negative EPOCH %d", h.name, h.epoch)
	}
	return h, nil
}

var tagNames = map[uint32]string{
	tagName: "NAME", tagVersion: "VERSION", tagRelease: "RELEASE", tagArch: "ARCH",
	tagSourceRPM: "SOURCERPM", tagLicense: "LICENSE", tagVendor: "VENDOR",
	tagModularityLabel: "MODULARITYLABEL",
}

// entryString reads a string entry: STRING, or the first string of a STRING_ARRAY or
// I18NSTRING (whose first string is the untranslated one, the "C" locale).
func entryString(data []byte, typ, off, count uint32) (string, error) {
	switch typ {
	case typeString, typeStringArray, typeI18NString:
	default:
		return "", fmt.Errorf("type %d, want a string", typ)
	}
	if count == 0 {
		return "", fmt.Errorf("no strings")
	}
	if uint64(off) >= uint64(len(data)) {
		return "", fmt.Errorf("offset %d beyond the header's %d data bytes", off, len(data))
	}
	rest := data[off:]
	end := bytes.IndexByte(rest, 0)
	if end < 0 {
		return "", fmt.Errorf("string at offset %d is not terminated", off)
	}
	return string(rest[:end]), nil
}
