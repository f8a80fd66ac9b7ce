package zipstream

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/trawlscan/trawl/plugins/lang/java/internal/javatest"
)

// walk reads every entry of an archive, opening those whose names start with "r", and
// returns "name=data" for those, "name" for the others, and the error that ended it.
func walk(data []byte, r io.Reader, budget int64) ([]string, error) {
	if r == nil {
		r = bytes.NewReader(data)
	}
	z := NewReader(r, &Budget{Inflated: budget})
	var out []string
	for {
		e, err := z.Next()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		if !strings.HasPrefix(e.Name, "r") {
			out = append(out, e.Name)
			continue
		}
		body, err := z.Open()
		if err != nil {
			out = append(out, e.Name+": "+err.Error())
			continue
		}
		b, err := io.ReadAll(body)
		if err != nil {
			out = append(out, fmt.Sprintf("%s=%.20s: %v", e.Name, b, err))
			continue
		}
		out = append(out, fmt.Sprintf("%s=%.20s", e.Name, b))
	}
}

func TestLayouts(t *testing.T) {
	big := bytes.Repeat([]byte("0123456789abcdef"), 10000) // 160 kB, more than the buffer
	// A stored payload that holds a fake descriptor signature with wrong sizes.
	tricky := append([]byte("abc PK\x07\x08 wrong sizes PK\x07\x08\x00\x00\x00\x00\x05\x00\x00\x00\x05\x00\x00\x00"), big...)
	for _, sized := range []bool{false, true} {
		for _, store := range []bool{false, true} {
			name := fmt.Sprintf("sized=%v store=%v", sized, store)
			data := javatest.Zip(t,
				javatest.File{Name: "a", Data: big, Store: store, Sized: sized},
				javatest.File{Name: "r1", Data: []byte("one"), Store: store, Sized: sized},
				javatest.File{Name: "r2", Data: big, Store: store, Sized: sized},
				javatest.File{Name: "r3", Data: tricky, Store: store, Sized: sized},
				javatest.File{Name: "r4", Data: nil, Store: store, Sized: sized},
				javatest.File{Name: "dir/", Store: store, Sized: sized},
				javatest.File{Name: "b", Data: tricky, Store: store, Sized: sized},
			)
			want := []string{"a", "r1=one", "r2=0123456789abcdef0123", "r3=abc PK\x07\x08 wrong sizes", "r4=", "dir/", "b"}
			for kind, r := range map[string]io.Reader{
				"whole":    bytes.NewReader(data),
				"one byte": iotest.OneByteReader(bytes.NewReader(data)),
				"half":     iotest.HalfReader(bytes.NewReader(data)),
			} {
				got, err := walk(data, r, 1<<30)
				if err != nil || strings.Join(got, "|") != strings.Join(want, "|") {
					t.Errorf("%s, %s: got %q, %v\nwant %q", name, kind, got, err, want)
				}
			}
		}
	}
}

func TestPrefix(t *testing.T) {
	arch := javatest.Zip(t, javatest.File{Name: "r", Data: []byte("x")})
	script := []byte("#!/bin/bash\n# launch script\n" + strings.Repeat("echo hi\n", 2000))
	got, err := walk(append(script, arch...), nil, 1<<20)
	if err != nil || strings.Join(got, "|") != "r=x" {
		t.Errorf("got %q, %v", got, err)
	}
	// Too long a prefix, and no archive at all.
	for _, data := range [][]byte{
		append(bytes.Repeat([]byte("x"), MaxPrefix+10), arch...),
		[]byte("not a zip"),
		{},
		[]byte("PK"),
	} {
		if _, err := walk(data, nil, 1<<20); err != ErrNotZip {
			t.Errorf("%.10q...: %v, want ErrNotZip", data, err)
		}
	}
	// An empty archive is only its end record.
	empty := javatest.Zip(t)
	if got, err := walk(empty, nil, 1<<20); err != nil || len(got) != 0 {
		t.Errorf("empty archive: %q, %v", got, err)
	}
}

func TestDamage(t *testing.T) {
	good := javatest.Zip(t, javatest.File{Name: "r1", Data: []byte("one"), Store: true, Sized: true}, javatest.File{Name: "r2", Data: bytes.Repeat([]byte("two"), 1000)})
	second := 4 + bytes.Index(good[4:], []byte("PK\x03\x04"))
	for _, tt := range []struct {
		name string
		data []byte
		want string
	}{
		{"cut in the first header", good[:20], "|archive cut short"},
		{"cut in the second entry's data", good[:second+30+2+10], "r1=one|r2=: archive cut short in compressed data|entry \"r2\": archive cut short in compressed data"},
		{"cut after the entries", good[:bytes.Index(good, []byte("PK\x01\x02"))], "r1=one|r2=twotwotwotwotwotwotw|"},
		{"garbage after an entry", append(bytes.Clone(good[:bytes.Index(good, []byte("PK\x01\x02"))]), "garbage"...), "r1=one|r2=twotwotwotwotwotwotw|unexpected bytes \"garb\" where an entry should start"},
		{"bad checksum", bytes.Replace(good, []byte("one"), []byte("One"), 1), "r1=One: checksum mismatch|r2=twotwotwotwotwotwotw|"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := walk(tt.data, nil, 1<<20)
			s := strings.Join(got, "|") + "|"
			if err != nil {
				s += err.Error()
			}
			if s != tt.want {
				t.Errorf("got  %q\nwant %q", s, tt.want)
			}
		})
	}
}

// TestHugeSizes: a header that claims 4 GiB of data in a small file stops at the end of
// the stream, without allocating.
func TestHugeSizes(t *testing.T) {
	h := localHeader("r", 0, 0, 0xfffffff0, 0xfffffff0, nil)
	got, err := walk(append(h, "short"...), nil, 1<<20)
	if err == nil || !strings.Contains(strings.Join(got, "|")+err.Error(), "cut short") {
		t.Errorf("got %q, %v", got, err)
	}
	// zip64: the sizes in the extra field.
	extra := make([]byte, 20)
	binary.LittleEndian.PutUint16(extra, 1)
	binary.LittleEndian.PutUint16(extra[2:], 16)
	binary.LittleEndian.PutUint64(extra[4:], 5)
	binary.LittleEndian.PutUint64(extra[12:], 5)
	h = localHeader("r64", 0, 0, 0xffffffff, 0xffffffff, extra)
	h = append(h, "hello"...)
	h = append(h, localHeader("b", 0, 0, 0, 0, nil)...)
	// The checksum of the header is 0: the data is read, and its checksum refused.
	got, err = walk(h, nil, 1<<20)
	if err != nil || strings.Join(got, "|") != "r64=hello: checksum mismatch|b" {
		t.Errorf("got %q, %v", got, err)
	}
}

func localHeader(name string, flags, method uint16, csize, usize uint32, extra []byte) []byte {
	h := make([]byte, 30)
	le := binary.LittleEndian
	le.PutUint32(h, sigLocal)
	le.PutUint16(h[4:], 20)
	le.PutUint16(h[6:], flags)
	le.PutUint16(h[8:], method)
	le.PutUint32(h[18:], csize)
	le.PutUint32(h[22:], usize)
	le.PutUint16(h[26:], uint16(len(name)))
	le.PutUint16(h[28:], uint16(len(extra)))
	return append(append(h, name...), extra...)
}

// TestBomb: inflating stops at the budget, whether the entry is read or skipped.
func TestBomb(t *testing.T) {
	zeros := make([]byte, 8<<20)
	for _, sized := range []bool{false, true} {
		data := javatest.Zip(t, javatest.File{Name: "r", Data: zeros, Sized: sized}, javatest.File{Name: "x", Data: zeros, Sized: sized})
		if len(data) > 64<<10 {
			t.Fatalf("%d bytes", len(data))
		}
		got, err := walk(data, nil, 1<<20)
		msg := strings.Join(got, "|")
		if err != nil {
			msg += "|" + err.Error()
		}
		if !strings.Contains(msg, ErrBudget.Error()) {
			t.Errorf("sized=%v: %s", sized, msg)
		}
		// Skipped entries are not inflated at all: those of known size are skipped by
		// their size, the others up to their data descriptor.
		z := NewReader(bytes.NewReader(data), &Budget{Inflated: 1})
		for {
			if _, err := z.Next(); err != nil {
				if err != io.EOF {
					t.Errorf("sized=%v: skipping: %v", sized, err)
				}
				break
			}
		}
	}
}

// TestDescriptorWithoutSignature: the signature of data descriptors is optional; without
// it the descriptor is the 12 bytes before the next record.
func TestDescriptorWithoutSignature(t *testing.T) {
	big := bytes.Repeat([]byte("0123456789abcdef"), 10000)
	var files []javatest.File
	for _, store := range []bool{false, true} {
		for _, name := range []string{"a", "r1", "b"} {
			files = append(files, javatest.File{Name: fmt.Sprintf("%s-%v", name, store), Data: big, Store: store})
		}
	}
	data := javatest.Zip(t, files...)
	n := bytes.Count(data, []byte("PK\x07\x08"))
	stripped := bytes.ReplaceAll(data, []byte("PK\x07\x08"), nil)
	if n != len(files) {
		t.Fatalf("%d descriptor signatures for %d entries", n, len(files))
	}
	want := "a-false|r1-false=0123456789abcdef0123|b-false|a-true|r1-true=0123456789abcdef0123|b-true"
	for _, d := range [][]byte{data, stripped} {
		for _, r := range []io.Reader{bytes.NewReader(d), iotest.OneByteReader(bytes.NewReader(d))} {
			got, err := walk(nil, r, 1<<30)
			if err != nil || strings.Join(got, "|") != want {
				t.Errorf("got %q, %v", got, err)
			}
		}
	}
}

// TestManyEntries: a million entries stream through in fixed memory.
func TestManyEntries(t *testing.T) {
	if testing.Short() {
		t.Skip("slow")
	}
	var buf bytes.Buffer
	h := localHeader("x", 0, 0, 0, 0, nil)
	for range 1 << 20 {
		buf.Write(h)
	}
	z := NewReader(bytes.NewReader(buf.Bytes()), &Budget{Inflated: 1})
	n := 0
	for {
		if _, err := z.Next(); err != nil {
			if err != io.EOF {
				t.Fatal(err)
			}
			break
		}
		n++
	}
	if n != 1<<20 {
		t.Errorf("%d entries", n)
	}
}

func FuzzReader(f *testing.F) {
	f.Add(javatest.Zip(f, javatest.File{Name: "r", Data: []byte("hello")}, javatest.File{Name: "x", Data: []byte("hello"), Store: true}))
	f.Add(javatest.Zip(f, javatest.File{Name: "r", Data: []byte("hello"), Sized: true}, javatest.File{Name: "r2", Data: []byte("hello"), Store: true, Sized: true}))
	f.Fuzz(func(t *testing.T, data []byte) {
		a, errA := walk(data, nil, 1<<20)
		b, errB := walk(data, iotest.OneByteReader(bytes.NewReader(data)), 1<<20)
		if fmt.Sprint(a, errA) != fmt.Sprint(b, errB) {
			t.Fatalf("depends on chunking:\n%q %v\n%q %v", a, errA, b, errB)
		}
	})
}
