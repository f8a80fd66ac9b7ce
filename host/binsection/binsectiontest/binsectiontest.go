// Package binsectiontest writes minimal ELF, PE and Mach-O files with chosen sections, for
// tests of the code that looks for sections in executables: real toolchains are not on
// every machine that runs the tests, and hostile variants start from a valid file.
package binsectiontest

import (
	"bytes"
	"encoding/binary"
)

// Section is a named section and its content.
type Section struct {
	Name string
	Data []byte
}

// ELF returns a little-endian 64-bit ELF executable holding the sections, laid out as a
// linker does: the sections' data after the header, then the section name table, then the
// section headers at the end.
func ELF(sections ...Section) []byte {
	var body bytes.Buffer
	const ehsize, shentsize = 64, 64
	body.Write(make([]byte, ehsize))
	type placed struct{ name, off, size int }
	shstrtab := []byte{0}
	var ps []placed
	for _, s := range sections {
		ps = append(ps, placed{name: len(shstrtab), off: body.Len(), size: len(s.Data)})
		shstrtab = append(append(shstrtab, s.Name...), 0)
		body.Write(s.Data)
	}
	strName := len(shstrtab)
	shstrtab = append(append(shstrtab, ".shstrtab"...), 0)
	strOff := body.Len()
	body.Write(shstrtab)
	for body.Len()%8 != 0 {
		body.WriteByte(0)
	}
	shoff := body.Len()
	le := binary.LittleEndian
	sh := func(name, typ, off, size int) {
		h := make([]byte, shentsize)
		le.PutUint32(h[0:], uint32(name))
		le.PutUint32(h[4:], uint32(typ))
		le.PutUint64(h[24:], uint64(off))
		le.PutUint64(h[32:], uint64(size))
		le.PutUint64(h[48:], 1) // alignment
		body.Write(h)
	}
	sh(0, 0, 0, 0) // the null section
	for _, p := range ps {
		sh(p.name, 1 /* PROGBITS */, p.off, p.size)
	}
	sh(strName, 3 /* STRTAB */, strOff, len(shstrtab))
	out := body.Bytes()
	copy(out, "\x7fELF")
	out[4], out[5], out[6] = 2, 1, 1 // 64-bit, little-endian, version 1
	le.PutUint16(out[16:], 2)        // ET_EXEC
	le.PutUint16(out[18:], 62)       // x86-64
	le.PutUint32(out[20:], 1)
	le.PutUint64(out[40:], uint64(shoff))
	le.PutUint16(out[52:], ehsize)
	le.PutUint16(out[58:], shentsize)
	le.PutUint16(out[60:], uint16(len(sections)+2))
	le.PutUint16(out[62:], uint16(len(sections)+1))
	return out
}

// PE returns a PE (Windows) executable holding the sections, whose names must be at most
// 8 bytes.
func PE(sections ...Section) []byte {
	le := binary.LittleEndian
	const peOff, coff, secHdr = 0x40, 20, 40
	hdrEnd := peOff + 4 + coff + secHdr*len(sections)
	out := make([]byte, hdrEnd)
	copy(out, "MZ")
	le.PutUint32(out[0x3c:], peOff)
	copy(out[peOff:], "PE\x00\x00")
	c := out[peOff+4:]
	le.PutUint16(c[0:], 0x8664) // AMD64
	le.PutUint16(c[2:], uint16(len(sections)))
	le.PutUint16(c[18:], 0x0002) // executable image
	for i, s := range sections {
		h := out[peOff+4+coff+secHdr*i:]
		copy(h[0:8], s.Name)
		le.PutUint32(h[8:], uint32(len(s.Data)))  // virtual size
		le.PutUint32(h[16:], uint32(len(s.Data))) // raw size
		le.PutUint32(h[20:], uint32(len(out)))    // raw offset
		out = append(out, s.Data...)
	}
	return out
}

// MachO returns a 64-bit little-endian Mach-O executable whose sections are all in one
// __DATA segment; names must be at most 16 bytes.
func MachO(sections ...Section) []byte {
	le := binary.LittleEndian
	const hdr, seg, sect = 32, 72, 80
	cmdSize := seg + sect*len(sections)
	out := make([]byte, hdr+cmdSize)
	le.PutUint32(out[0:], 0xfeedfacf)
	le.PutUint32(out[4:], 0x01000007) // x86-64
	le.PutUint32(out[12:], 2)         // MH_EXECUTE
	le.PutUint32(out[16:], 1)         // one load command
	le.PutUint32(out[20:], uint32(cmdSize))
	c := out[hdr:]
	le.PutUint32(c[0:], 0x19) // LC_SEGMENT_64
	le.PutUint32(c[4:], uint32(cmdSize))
	copy(c[8:24], "__DATA")
	le.PutUint32(c[64:], uint32(len(sections)))
	off := len(out)
	for i, s := range sections {
		h := c[seg+sect*i:]
		copy(h[0:16], s.Name)
		copy(h[16:32], "__DATA")
		le.PutUint64(h[40:], uint64(len(s.Data)))
		le.PutUint32(h[48:], uint32(off))
		off += len(s.Data)
	}
	for _, s := range sections {
		out = append(out, s.Data...)
	}
	return out
}
