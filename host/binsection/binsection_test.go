package binsection_test

import (
	"bytes"
	"encoding/binary"
	"os"
	"strings"
	"testing"

	"github.com/trawlscan/trawl/host/binsection"
	"github.com/trawlscan/trawl/host/binsection/binsectiontest"
)

func TestFind(t *testing.T) {
	data := []byte("compressed dependency list")
	other := []byte("other section")
	for _, tt := range []struct {
		name   string
		file   []byte
		format binsection.Format
	}{
		{"elf", binsectiontest.ELF(binsectiontest.Section{Name: ".text", Data: other}, binsectiontest.Section{Name: ".dep-v0", Data: data}), binsection.ELF},
		{"pe", binsectiontest.PE(binsectiontest.Section{Name: ".text", Data: other}, binsectiontest.Section{Name: ".dep-v0", Data: data}), binsection.PE},
		{"macho", binsectiontest.MachO(binsectiontest.Section{Name: "__data", Data: other}, binsectiontest.Section{Name: ".dep-v0", Data: data}), binsection.MachO},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := binsection.Detect(tt.file); got != tt.format {
				t.Fatalf("Detect = %q, want %q", got, tt.format)
			}
			s, ok, err := binsection.Find(bytes.NewReader(tt.file), int64(len(tt.file)), ".dep-v0")
			if err != nil || !ok {
				t.Fatalf("Find = %v, %v, %v", s, ok, err)
			}
			if got := tt.file[s.Offset : s.Offset+s.Size]; !bytes.Equal(got, data) {
				t.Errorf("section = %q, want %q", got, data)
			}
			if _, ok, err := binsection.Find(bytes.NewReader(tt.file), int64(len(tt.file)), ".absent"); ok || err != nil {
				t.Errorf("absent section: ok %v, err %v", ok, err)
			}
		})
	}
}

// TestRealBinaries: executables built by cargo-auditable (see the README beside them), where
// readelf puts .dep-v0.
func TestRealBinaries(t *testing.T) {
	for _, tt := range []struct {
		file       string
		off, bytes int64
	}{
		{"no_deps", 0x550b1, 0x51},
		{"uses_serde_json", 0x6b0c1, 0xed},
	} {
		data, err := os.ReadFile("../../plugins/lang/rust/auditable/testdata/scalibr/" + tt.file)
		if err != nil {
			t.Fatal(err)
		}
		s, ok, err := binsection.Find(bytes.NewReader(data), int64(len(data)), ".dep-v0")
		if err != nil || !ok || s.Offset != tt.off || s.Size != tt.bytes {
			t.Errorf("%s: Find = %+v, %v, %v; want {%#x %#x}", tt.file, s, ok, err, tt.off, tt.bytes)
		}
	}
}

// TestHostile: damaged objects are errors (or have no section), never panics, and a
// section is never reported past the end of the file.
func TestHostile(t *testing.T) {
	elf := binsectiontest.ELF(binsectiontest.Section{Name: ".dep-v0", Data: []byte("data")})
	for _, tt := range []struct {
		name string
		file []byte
		want string // in the error; "" for no error and no section
	}{
		{"not an object", []byte("#!/bin/sh\necho hi\n"), "not an ELF"},
		{"empty", nil, "not an ELF"},
		{"elf truncated in the header", elf[:20], "malformed elf"},
		{"elf without its section headers", elf[:len(elf)-64], "malformed elf"},
		{"elf section past the end", patch(elf, int(binary.LittleEndian.Uint64(elf[40:]))+64+32, 0xff, 0xff, 0xff, 0x0f), "malformed elf"},
		{"pe truncated", binsectiontest.PE(binsectiontest.Section{Name: ".dep-v0", Data: []byte("x")})[:70], "malformed pe"},
		{"java class file (fat Mach-O magic)", []byte{0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 0x34, 0, 1}, "malformed macho-fat"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, ok, err := binsection.Find(bytes.NewReader(tt.file), int64(len(tt.file)), ".dep-v0")
			if tt.want == "" {
				if err != nil || ok {
					t.Fatalf("ok %v, err %v; want neither", ok, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func patch(b []byte, at int, with ...byte) []byte {
	out := bytes.Clone(b)
	copy(out[at:], with)
	return out
}

func FuzzFind(f *testing.F) {
	sec := binsectiontest.Section{Name: ".dep-v0", Data: []byte("x\x9cdata")}
	f.Add(binsectiontest.ELF(sec))
	f.Add(binsectiontest.PE(sec))
	f.Add(binsectiontest.MachO(sec))
	for _, name := range []string{"no_deps", "uses_serde_json"} {
		if data, err := os.ReadFile("../../plugins/lang/rust/auditable/testdata/scalibr/" + name); err == nil {
			// The headers and the last pages hold what Find reads.
			f.Add(append(bytes.Clone(data[:4096]), data[len(data)-8192:]...))
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s, ok, err := binsection.Find(bytes.NewReader(data), int64(len(data)), ".dep-v0")
		if ok && (err != nil || s.Offset < 0 || s.Size < 0 || s.Offset+s.Size > int64(len(data))) {
			t.Fatalf("section %+v of a %d-byte file, err %v", s, len(data), err)
		}
	})
}
