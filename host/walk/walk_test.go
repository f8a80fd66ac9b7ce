package walk

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/trawlscan/trawl/host/binsection/binsectiontest"
	"github.com/trawlscan/trawl/host/source"
	"github.com/trawlscan/trawl/sdk"
)

// recorder is an analyzer that keeps what each session received.
type recorder struct {
	begun []sdk.FileRequest
	got   []*bytes.Buffer
	limit int // Wants turns false once a session holds this many bytes; 0: never
}

func (r *recorder) BeginFile(_ context.Context, req sdk.FileRequest) (Session, error) {
	r.begun = append(r.begun, req)
	b := &bytes.Buffer{}
	r.got = append(r.got, b)
	return &recording{b: b, limit: r.limit}, nil
}

func (r *recorder) Usable() bool { return true }

type recording struct {
	b     *bytes.Buffer
	limit int
}

func (s *recording) Wants() bool { return s.limit == 0 || s.b.Len() < s.limit }
func (s *recording) Write(_ context.Context, chunk []byte) error {
	s.b.Write(chunk)
	return nil
}
func (s *recording) End(context.Context) (*sdk.AnalysisResult, error) {
	return &sdk.AnalysisResult{}, nil
}
func (s *recording) Abort() {}

// TestSeek: a Want that seeks bytes gets the file from their first occurrence on, wherever
// chunk boundaries fall (inside the bytes sought too), with the offset in the request; a
// file without them never reaches the plugin; a Want without seek gets the whole file.
func TestSeek(t *testing.T) {
	needle := []byte("\xff Go buildinf:")
	for _, chunk := range []int{1, 2, 3, 5, 7, 13, 14, 15, 16, 64, 4096} {
		for _, at := range []int{0, 1, 6, 13, 14, 15, 100, 250} {
			content := bytes.Repeat([]byte("x"), at)
			content = append(content, needle...)
			content = append(content, []byte("rest of the binary, and the bytes sought once more: \xff Go buildinf:")...)
			rec := &recorder{}
			w := New(nil, []Analyzer{rec}, chunk)
			e := &source.Entry{Path: "usr/bin/app", Kind: source.Regular, Size: int64(len(content)), Mode: 0o755, Body: bytes.NewReader(content)}
			res := w.file(context.Background(), e, []Want{{Plugin: 0, Analyzers: []string{"a"}, Seek: needle}, {Plugin: 0, Analyzers: []string{"b"}}}, &scratch{buf: make([]byte, chunk)}, nil)
			name := fmt.Sprintf("chunk %d, at %d", chunk, at)
			if len(res) != 2 || len(rec.begun) != 2 {
				t.Fatalf("%s: %d results, %d sessions", name, len(res), len(rec.begun))
			}
			// The whole-file session begins first; the seeking one when it finds the bytes.
			if rec.begun[0].Offset != 0 || rec.got[0].String() != string(content) {
				t.Errorf("%s: whole file: offset %d, %q", name, rec.begun[0].Offset, rec.got[0])
			}
			if rec.begun[1].Offset != int64(at) || rec.got[1].String() != string(content[at:]) {
				t.Errorf("%s: seek: offset %d, %q", name, rec.begun[1].Offset, rec.got[1])
			}
		}
	}

	rec := &recorder{}
	w := New(nil, []Analyzer{rec}, 4)
	content := strings.Repeat("\xff Go buildinf", 20) // never the whole bytes sought
	e := &source.Entry{Path: "usr/bin/sh", Kind: source.Regular, Size: int64(len(content)), Mode: 0o755, Body: strings.NewReader(content)}
	if res := w.file(context.Background(), e, []Want{{Plugin: 0, Analyzers: []string{"a"}, Seek: needle}}, &scratch{buf: make([]byte, 4)}, nil); len(res) != 0 || len(rec.begun) != 0 {
		t.Errorf("file without the bytes sought: %d results, %d sessions", len(res), len(rec.begun))
	}

	// A plugin that has read enough stops the reading, seeking or not.
	rec = &recorder{limit: 20}
	w = New(nil, []Analyzer{rec}, 8)
	big := append(append([]byte("head"), needle...), bytes.Repeat([]byte("y"), 1<<20)...)
	body := &countingReader{r: bytes.NewReader(big)}
	e = &source.Entry{Path: "usr/bin/big", Kind: source.Regular, Size: int64(len(big)), Mode: 0o755, Body: body}
	w.file(context.Background(), e, []Want{{Plugin: 0, Analyzers: []string{"a"}, Seek: needle}}, &scratch{buf: make([]byte, 8)}, nil)
	if body.n > 64 {
		t.Errorf("read %d bytes of a file whose plugin wanted 20", body.n)
	}
}

type countingReader struct {
	r *bytes.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

// TestSection: a Want of a section gets only that section of an executable, with its
// offset and length in the request, whatever the chunk size and also past the in-memory
// part of the spool; a file without the section, or that is no executable, never reaches
// the plugin; a damaged executable is the plugin's error.
func TestSection(t *testing.T) {
	data := []byte("x\x9c compressed dependency list")
	small := binsectiontest.ELF(binsectiontest.Section{Name: ".text", Data: bytes.Repeat([]byte{0x90}, 1000)}, binsectiontest.Section{Name: ".dep-v0", Data: data})
	large := binsectiontest.ELF(binsectiontest.Section{Name: ".text", Data: bytes.Repeat([]byte{0x90}, spoolMemory+12345)}, binsectiontest.Section{Name: ".dep-v0", Data: data})
	without := binsectiontest.ELF(binsectiontest.Section{Name: ".text", Data: []byte("code")})
	damaged := large[:len(large)-10]
	want := Want{Plugin: 0, Analyzers: []string{"cargo"}, Section: ".dep-v0"}
	for _, tt := range []struct {
		name    string
		content []byte
		chunk   int
		sent    bool
		err     string
	}{
		{"small, chunk 7", small, 7, true, ""},
		{"small, chunk 4096", small, 4096, true, ""},
		{"spooled to disk", large, 1 << 20, true, ""},
		{"without the section", without, 64, false, ""},
		{"a script", []byte("#!/bin/sh\nexec app \"$@\"\n"), 64, false, ""},
		{"two bytes", []byte("MZ"), 64, false, ""},
		{"damaged", damaged, 1 << 20, false, "malformed elf"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rec := &recorder{}
			w := New(nil, []Analyzer{rec}, tt.chunk)
			e := &source.Entry{Path: "usr/bin/app", Kind: source.Regular, Size: int64(len(tt.content)), Mode: 0o755, Body: bytes.NewReader(tt.content)}
			res := w.file(context.Background(), e, []Want{want}, &scratch{buf: make([]byte, tt.chunk)}, nil)
			if tt.err != "" {
				if len(res) != 1 || res[0].Err == nil || !strings.Contains(res[0].Err.Error(), tt.err) || len(rec.begun) != 0 {
					t.Fatalf("results %+v, begun %d; want the error %q", res, len(rec.begun), tt.err)
				}
				return
			}
			if !tt.sent {
				if len(res) != 0 || len(rec.begun) != 0 {
					t.Fatalf("results %+v, begun %+v; want nothing", res, rec.begun)
				}
				return
			}
			if len(res) != 1 || res[0].Err != nil || len(rec.begun) != 1 {
				t.Fatalf("results %+v, begun %+v", res, rec.begun)
			}
			req := rec.begun[0]
			if req.Section != ".dep-v0" || req.Length != int64(len(data)) || !bytes.Equal(tt.content[req.Offset:req.Offset+req.Length], data) {
				t.Errorf("request %+v", req)
			}
			if !bytes.Equal(rec.got[0].Bytes(), data) {
				t.Errorf("sent %q, want %q", rec.got[0].Bytes(), data)
			}
		})
	}
}

// secretBuffer is a SecretBuffer whose buffer offers at most room bytes at a time and
// holds cap bytes; writes past it are kept apart.
type secretBuffer struct {
	buf     []byte
	room    int
	written []byte // what came through Write
	ended   bool
}

func (s *secretBuffer) Wants() bool         { return true }
func (s *secretBuffer) Write(chunk []byte)  { s.written = append(s.written, chunk...) }
func (s *secretBuffer) End(context.Context) { s.ended = true }
func (s *secretBuffer) Room(n int) []byte {
	return s.buf[len(s.buf):min(len(s.buf)+n, len(s.buf)+s.room, cap(s.buf))]
}
func (s *secretBuffer) Filled(n int) { s.buf = s.buf[:len(s.buf)+n] }

// TestSecretBuffer: the walker reads a file straight into a SecretBuffer's room, whatever
// its size, hands the same bytes to the file's plugins, and past a full buffer (a file
// longer than it said) goes back to its own buffer and Write.
func TestSecretBuffer(t *testing.T) {
	content := []byte(strings.Repeat("line of a text file\n", 50))
	for _, chunk := range []int{1, 7, 64, 4096} {
		for _, room := range []int{1, 5, 64, 4096} {
			for _, capacity := range []int{len(content), len(content) - 33} {
				rec := &recorder{}
				w := New(nil, []Analyzer{rec}, chunk)
				ss := &secretBuffer{buf: make([]byte, 0, capacity), room: room}
				e := &source.Entry{Path: "app/config.txt", Kind: source.Regular, Size: int64(len(content)), Mode: 0o644, Body: bytes.NewReader(content)}
				w.file(context.Background(), e, []Want{{Plugin: 0, Analyzers: []string{"a"}}}, &scratch{buf: make([]byte, chunk)}, ss)
				name := fmt.Sprintf("chunk %d, room %d, capacity %d", chunk, room, capacity)
				if got := string(ss.buf) + string(ss.written); got != string(content) {
					t.Errorf("%s: the secret scan got %d bytes in its buffer and %d written, not the file", name, len(ss.buf), len(ss.written))
				}
				if len(ss.buf) != capacity {
					t.Errorf("%s: %d bytes read into the buffer, want %d", name, len(ss.buf), capacity)
				}
				if rec.got[0].String() != string(content) {
					t.Errorf("%s: the plugin got %q", name, rec.got[0])
				}
			}
		}
	}
}
