package walk

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

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
			res := w.file(context.Background(), e, []Want{{Plugin: 0, Analyzers: []string{"a"}, Seek: needle}, {Plugin: 0, Analyzers: []string{"b"}}}, make([]byte, chunk))
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
	if res := w.file(context.Background(), e, []Want{{Plugin: 0, Analyzers: []string{"a"}, Seek: needle}}, make([]byte, 4)); len(res) != 0 || len(rec.begun) != 0 {
		t.Errorf("file without the bytes sought: %d results, %d sessions", len(res), len(rec.begun))
	}

	// A plugin that has read enough stops the reading, seeking or not.
	rec = &recorder{limit: 20}
	w = New(nil, []Analyzer{rec}, 8)
	big := append(append([]byte("head"), needle...), bytes.Repeat([]byte("y"), 1<<20)...)
	body := &countingReader{r: bytes.NewReader(big)}
	e = &source.Entry{Path: "usr/bin/big", Kind: source.Regular, Size: int64(len(big)), Mode: 0o755, Body: body}
	w.file(context.Background(), e, []Want{{Plugin: 0, Analyzers: []string{"a"}, Seek: needle}}, make([]byte, 8))
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
