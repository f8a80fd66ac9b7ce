package lines

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"testing"
	"testing/iotest"
)

func TestIndexNL(t *testing.T) {
	for n := 0; n < 40; n++ {
		for at := -1; at < n; at++ {
			b := bytes.Repeat([]byte{'x'}, n)
			if at >= 0 {
				b[at] = '\n'
				// Bytes that trip naive word tricks: 0x0b-0x0a borrows, high bytes.
				for i := at + 1; i < n; i++ {
					b[i] = []byte{'\n', 0x0b, 0x8a, 0x00, 0xff}[i%5]
				}
			}
			for off := 0; off <= min(n, 8); off++ {
				want := bytes.IndexByte(b[off:], '\n')
				if got := indexNL(b[off:]); got != want {
					t.Fatalf("indexNL(%q) = %d, want %d", b[off:], got, want)
				}
			}
		}
	}
}

// TestLineReader compares the reader with a plain split of the whole input, for buffer
// sizes around the line lengths and readers that return data in odd pieces.
func TestLineReader(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	inputs := []string{"", "\n", "\n\n", "a", "a\n", "ab\ncd", "abc\n\ndef\n", strings.Repeat("x", 50) + "\nshort\n"}
	for range 200 {
		var b strings.Builder
		for range rng.IntN(20) {
			b.WriteString(strings.Repeat("y", rng.IntN(30)))
			b.WriteByte('\n')
		}
		if rng.IntN(2) == 0 {
			b.WriteString("tail")
		}
		inputs = append(inputs, b.String())
	}
	readers := map[string]func(string) io.Reader{
		"whole":    func(s string) io.Reader { return strings.NewReader(s) },
		"one byte": func(s string) io.Reader { return iotest.OneByteReader(strings.NewReader(s)) },
		"half":     func(s string) io.Reader { return iotest.HalfReader(strings.NewReader(s)) },
		"data+EOF": func(s string) io.Reader { return iotest.DataErrReader(strings.NewReader(s)) },
	}
	for _, in := range inputs {
		for size := 1; size <= 33; size++ {
			want := splitCut(in, size)
			for name, mk := range readers {
				lr := NewReader(mk(in), size)
				var got []string
				for {
					line, cut, err := lr.Next()
					if err == io.EOF {
						break
					}
					if err != nil {
						t.Fatal(err)
					}
					s := string(line)
					if cut {
						s += "<cut>"
					}
					got = append(got, s)
				}
				if strings.Join(got, "|") != strings.Join(want, "|") || len(got) != len(want) {
					t.Fatalf("%q, buffer %d, %s reader:\n got %q\nwant %q", in, size, name, got, want)
				}
			}
		}
	}
}

// splitCut is what lineReader must return: the lines of s, a line that does not fit in
// size bytes cut to size.
func splitCut(s string, size int) []string {
	if s == "" {
		return nil
	}
	lines := strings.Split(strings.TrimSuffix(s, "\n"), "\n")
	for i, l := range lines {
		if len(l) >= size {
			lines[i] = l[:size] + "<cut>"
		}
	}
	return lines
}

func TestLineReaderErrors(t *testing.T) {
	lr := NewReader(iotest.TimeoutReader(strings.NewReader("first\nsecond\n")), 64)
	if line, _, err := lr.Next(); err != nil || string(line) != "first" {
		t.Fatalf("got %q, %v", line, err)
	}
	if line, _, err := lr.Next(); err != nil || string(line) != "second" {
		t.Fatalf("got %q, %v", line, err)
	}
	if _, _, err := lr.Next(); err != iotest.ErrTimeout {
		t.Fatalf("got %v, want the reader's error", err)
	}
	lr = NewReader(emptyReader{}, 64)
	if _, _, err := lr.Next(); err != io.ErrNoProgress {
		t.Fatalf("got %v, want io.ErrNoProgress", err)
	}
}

type emptyReader struct{}

func (emptyReader) Read([]byte) (int, error) { return 0, nil }

func TestPrintableASCII(t *testing.T) {
	for c := 0; c < 256; c++ {
		for n := 1; n < 20; n++ {
			for at := 0; at < n; at++ {
				b := bytes.Repeat([]byte{'a'}, n)
				b[at] = byte(c)
				want := c >= 0x20 && c < 0x7f
				if got := PrintableASCII(b); got != want {
					t.Fatalf("PrintableASCII(%q) = %v, want %v", b, got, want)
				}
				// The fast path must never pass a value the full check refuses.
				if want && Check(string(b)) != "" {
					t.Fatalf("Check(%q) refuses a printable value", b)
				}
			}
		}
	}
	if PrintableASCII(bytes.Repeat([]byte{'a'}, MaxValue+1)) {
		t.Error("a value over MaxValue passes")
	}
}

func TestProblemsBounded(t *testing.T) {
	var p Problems
	for i := 1; i <= MaxProblems+5; i++ {
		p.Add(&StanzaError{Path: "f", Line: i, Msg: "bad"})
	}
	got := p.List("f")
	if len(got) != MaxProblems+1 || got[MaxProblems].Error() != "f:101: 5 more problems from here on not listed" {
		t.Errorf("%d problems, last %v", len(got), got[len(got)-1])
	}
	var none Problems
	if len(none.List("f")) != 0 {
		t.Error("an empty list gains a summary")
	}
}

func TestInternerBounded(t *testing.T) {
	var in Interner
	a, b := in.Intern([]byte("x86_64")), in.Intern([]byte("x86_64"))
	if a != b || len(in.m) != 1 {
		t.Errorf("not shared: %d entries", len(in.m))
	}
	for i := 0; i < MaxInterned+10; i++ {
		in.Intern([]byte(fmt.Sprint(i)))
	}
	if len(in.m) != MaxInterned {
		t.Errorf("%d entries, cap %d", len(in.m), MaxInterned)
	}
}
