package source

import (
	"archive/tar"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

// fuzzEncoder compresses fuzz inputs for mode 2; EncodeAll is safe for concurrent use.
var fuzzEncoder, _ = zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedFastest), zstd.WithEncoderConcurrency(1))

// FuzzWalkTar feeds arbitrary bytes to the layer walker: as they are (mode 0, so raw gzip or
// zstd in the input is sniffed too), gzip-compressed (1) or zstd-compressed (2). The walk must
// end, without panicking, with entries whose paths stay inside the layer, or an error.
func FuzzWalkTar(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte, mode byte) {
		switch mode % 3 {
		case 1:
			var buf bytes.Buffer
			zw, _ := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
			zw.Write(data)
			zw.Close()
			data = buf.Bytes()
		case 2:
			data = fuzzEncoder.EncodeAll(data, nil)
		}
		var stats WalkStats
		// A small cap keeps a bomb in the input from running long.
		s := stream{name: "fuzz", maxBytes: 16 << 20}
		err := walkTar(context.Background(), bytes.NewReader(data), s, &stats, func(e *Entry) error {
			if e.Path == "" && e.Kind != Opaque || strings.HasPrefix(e.Path, "/") ||
				e.Path != "" && path.Clean(e.Path) != e.Path || e.Path == ".." || strings.HasPrefix(e.Path, "../") {
				t.Fatalf("bad path %q (kind %d)", e.Path, e.Kind)
			}
			if e.Kind == Hardlink && (e.Linkname == "" || path.Clean(e.Linkname) != e.Linkname ||
				strings.HasPrefix(e.Linkname, "/") || strings.HasPrefix(e.Linkname, "../") || e.Linkname == "..") {
				t.Fatalf("bad hard link %q -> %q", e.Path, e.Linkname)
			}
			if (e.Kind == Regular) != (e.Body != nil) {
				t.Fatalf("%q: kind %d with body %v", e.Path, e.Kind, e.Body != nil)
			}
			if e.Kind == Regular {
				n, err := io.Copy(io.Discard, e.Body)
				if err == nil && n != e.Size {
					t.Fatalf("%q: read %d bytes of %d", e.Path, n, e.Size)
				}
				return err
			}
			return nil
		})
		if err == nil && stats.Bytes > 16<<20 {
			t.Fatalf("read %d bytes past the cap", stats.Bytes)
		}
	})
}

// Seeds stay small: the fuzzer minimizes every new interesting input, for up to
// -fuzzminimizetime (60 s by default) each, and the time grows with the input's size.

// TestWriteFuzzSeeds rewrites the seed corpus of FuzzWalkTar under testdata/fuzz when
// TRAWL_WRITE_FUZZ_SEEDS=1; otherwise it checks the seeds are there.
func TestWriteFuzzSeeds(t *testing.T) {
	dir := filepath.Join("testdata", "fuzz", "FuzzWalkTar")
	if os.Getenv("TRAWL_WRITE_FUZZ_SEEDS") != "1" {
		ms, _ := filepath.Glob(filepath.Join(dir, "*"))
		if len(ms) < 10 {
			t.Errorf("%d seeds in %s; regenerate with TRAWL_WRITE_FUZZ_SEEDS=1", len(ms), dir)
		}
		return
	}
	traversal := mkTar(t,
		hdr{name: "../../etc/passwd", body: "root::0:0"},
		hdr{name: "a/../../b", body: "x"},
		hdr{name: "/../abs", body: "x"},
		hdr{name: "/etc/shadow", body: "x"},
		hdr{name: "ok/link", typ: tar.TypeLink, linkname: "../../../etc/passwd"},
		hdr{name: "ok/.wh...", body: ""},
		hdr{name: "./ok/./file", body: "ok"},
	)
	loops := mkTar(t,
		hdr{name: "a", typ: tar.TypeSymlink, linkname: "b"},
		hdr{name: "b", typ: tar.TypeSymlink, linkname: "a"},
		hdr{name: "c", typ: tar.TypeLink, linkname: "d"},
		hdr{name: "d", typ: tar.TypeLink, linkname: "c"},
		hdr{name: "self", typ: tar.TypeSymlink, linkname: "."},
		hdr{name: "dir/up", typ: tar.TypeSymlink, linkname: "../../.."},
	)
	whiteouts := mkTar(t,
		hdr{name: "etc/", typ: tar.TypeDir},
		hdr{name: "etc/.wh..wh..opq"},
		hdr{name: ".wh..wh..opq"},
		hdr{name: "lib/apk/db/.wh.installed"},
		hdr{name: "etc/.wh..wh.plnk"},
		hdr{name: ".wh."},
		hdr{name: "dev/null", typ: tar.TypeChar},
		hdr{name: "fifo", typ: tar.TypeFifo},
	)
	big := strings.Repeat("0123456789", 800)
	withBody := mkTar(t, hdr{name: "a", body: "a"}, hdr{name: "big", body: big}, hdr{name: "z", body: "z"})
	bomb := gz(t, mkTar(t, hdr{name: "zeros", body: string(make([]byte, 1<<20))}))
	seeds := []struct {
		name string
		data []byte
		mode byte
	}{
		{"traversal", traversal, 0},
		{"traversal-gzip", traversal, 1},
		{"symlink-loop", loops, 0},
		{"whiteouts-zstd", whiteouts, 2},
		{"truncated-tar", withBody[:len(withBody)/2], 0},
		{"truncated-gzip", func() []byte { g := gz(t, withBody); return g[:len(g)/2] }(), 0},
		{"truncated-zstd", func() []byte { z := zst(t, withBody); return z[:len(z)/2] }(), 0},
		{"huge-pax-header", rawPAX(t, 8<<10), 1},
		{"long-gnu-name", mkTar(t, hdr{name: strings.Repeat("n/", 300) + "f", body: "f", format: tar.FormatGNU}), 0},
		{"small-bomb", bomb, 0},
		{"empty", nil, 0},
		{"garbage", []byte("this is not a tar stream at all, just words and more words."), 0},
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, s := range seeds {
		b := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\nbyte(%q)\n", s.data, s.mode)
		if err := os.WriteFile(filepath.Join(dir, s.name), []byte(b), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
