// Package binsection finds a named section in an executable (ELF, PE or Mach-O), so that the
// host can hand an analyzer one section of a binary instead of all of it: cargo-auditable's
// dependency list in ".dep-v0", for example, which only the section headers at the end of
// the file locate.
package binsection

import (
	"bytes"
	"debug/elf"
	"debug/macho"
	"debug/pe"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// ErrNotObject is returned for a file that is not an ELF, PE or Mach-O object.
var ErrNotObject = errors.New("not an ELF, PE or Mach-O file")

// Format names the object formats Find reads.
type Format string

const (
	ELF   Format = "elf"
	PE    Format = "pe"
	MachO Format = "macho"
	// Fat is a universal Mach-O holding one object per architecture.
	Fat Format = "macho-fat"
)

// MagicLen is how many leading bytes Detect needs.
const MagicLen = 4

// Detect tells the object format from the first bytes of a file, "" for none. A fat Mach-O
// shares its magic with Java class files; Find tells them apart.
func Detect(head []byte) Format {
	if len(head) < MagicLen {
		return ""
	}
	switch {
	case bytes.HasPrefix(head, []byte("\x7fELF")):
		return ELF
	case head[0] == 'M' && head[1] == 'Z':
		return PE
	}
	switch binary.BigEndian.Uint32(head) {
	case macho.Magic32, macho.Magic64, 0xcefaedfe, 0xcffaedfe:
		return MachO
	case macho.MagicFat:
		return Fat
	}
	return ""
}

// Section is where a section's bytes lie in the file.
type Section struct {
	Offset, Size int64
}

// Find returns the first section named name in the object r of size bytes; ok is false when
// the object has none, or has it only as a placeholder without content in the file (a
// NOBITS or zero-fill section). A malformed object is an error, never a panic: the standard
// library's readers are robust against most damage, and a recover catches the rest.
func Find(r io.ReaderAt, size int64, name string) (s Section, ok bool, err error) {
	head := make([]byte, MagicLen)
	if _, err := r.ReadAt(head, 0); err != nil {
		return Section{}, false, ErrNotObject
	}
	format := Detect(head)
	if format == "" {
		return Section{}, false, ErrNotObject
	}
	defer func() {
		if p := recover(); p != nil {
			s, ok, err = Section{}, false, fmt.Errorf("malformed %s file: %v", format, p)
		}
	}()
	switch format {
	case ELF:
		s, ok, err = findELF(r, name)
	case PE:
		s, ok, err = findPE(r, name)
	case MachO:
		s, ok, err = findMachO(r, name)
	case Fat:
		s, ok, err = findFat(r, name)
	}
	if err != nil {
		return Section{}, false, fmt.Errorf("malformed %s file: %w", format, err)
	}
	if ok && (s.Offset < 0 || s.Size < 0 || s.Offset > size || s.Size > size-s.Offset) {
		return Section{}, false, fmt.Errorf("malformed %s file: section %s at %d+%d lies past the end (%d bytes)", format, name, s.Offset, s.Size, size)
	}
	return s, ok, nil
}

func findELF(r io.ReaderAt, name string) (Section, bool, error) {
	f, err := elf.NewFile(r)
	if err != nil {
		return Section{}, false, err
	}
	sec := f.Section(name)
	if sec == nil || sec.Type == elf.SHT_NOBITS || sec.Flags&elf.SHF_COMPRESSED != 0 {
		return Section{}, false, nil
	}
	return Section{Offset: int64(sec.Offset), Size: int64(sec.FileSize)}, true, nil
}

func findPE(r io.ReaderAt, name string) (Section, bool, error) {
	f, err := pe.NewFile(r)
	if err != nil {
		return Section{}, false, err
	}
	sec := f.Section(name)
	if sec == nil || sec.Size == 0 {
		return Section{}, false, nil
	}
	n := sec.Size
	// The raw size is rounded up to the file alignment; the virtual size, when smaller, is
	// what the section holds.
	if sec.VirtualSize != 0 && sec.VirtualSize < n {
		n = sec.VirtualSize
	}
	return Section{Offset: int64(sec.Offset), Size: int64(n)}, true, nil
}

func findMachO(r io.ReaderAt, name string) (Section, bool, error) {
	f, err := macho.NewFile(r)
	if err != nil {
		return Section{}, false, err
	}
	return machOSection(f, 0, name)
}

func findFat(r io.ReaderAt, name string) (Section, bool, error) {
	f, err := macho.NewFatFile(r)
	if err != nil {
		return Section{}, false, err
	}
	// Each architecture carries its own copy of the data; the first is enough.
	for _, arch := range f.Arches {
		if s, ok, err := machOSection(arch.File, int64(arch.Offset), name); err != nil || ok {
			return s, ok, err
		}
	}
	return Section{}, false, nil
}

// machOSection looks in an object that starts at byte base of the file, which is not 0
// inside a fat file.
func machOSection(f *macho.File, base int64, name string) (Section, bool, error) {
	for _, sec := range f.Sections {
		// Zero-fill sections (BSS) have no bytes in the file.
		if sec.Name != name || sec.Offset == 0 || sec.Flags&0xff == 0x1 {
			continue
		}
		return Section{Offset: base + int64(sec.Offset), Size: int64(sec.Size)}, true, nil
	}
	return Section{}, false, nil
}
