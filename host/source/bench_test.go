package source

import (
	"archive/tar"
	"bufio"
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/klauspost/compress/gzip"
)

// BenchmarkWalkGzipLayer walks a gzip layer of about 256 MB of mixed content (source-like
// text, incompressible binaries, small configs) made once per run, and reports MB/s of
// uncompressed tar. Sub-benchmarks compare the read-ahead with decompressing on the consumer's
// goroutine, under consumers that only read the bodies, hash them with sha256 (cheap with
// SHA-NI), or spend a few ns per byte as analysis does. TRAWL_BENCH_LAYER=path keeps the layer there (reused if it exists), for
// comparing with `gzip -dc path | tar -t`.
func BenchmarkWalkGzipLayer(b *testing.B) {
	p := os.Getenv("TRAWL_BENCH_LAYER")
	if p == "" {
		p = filepath.Join(b.TempDir(), "layer.tar.gz")
	}
	if _, err := os.Stat(p); err != nil {
		writeBenchLayer(b, p, 256<<20)
	}
	raw := benchRawSize(b, p)
	consumers := map[string]func(*Entry) error{
		"read": func(e *Entry) error {
			if e.Kind == Regular {
				_, err := io.Copy(io.Discard, e.Body)
				return err
			}
			return nil
		},
		"sha256": func(e *Entry) error {
			if e.Kind == Regular {
				_, err := io.Copy(sha256.New(), e.Body)
				return err
			}
			return nil
		},
		"analyze": func(e *Entry) error {
			if e.Kind == Regular {
				_, err := io.Copy(&analyzer{}, e.Body)
				return err
			}
			return nil
		},
	}
	for _, consumer := range []string{"read", "sha256", "analyze"} {
		for _, mode := range []string{"readahead", "serial"} {
			b.Run(consumer+"/"+mode, func(b *testing.B) {
				b.SetBytes(raw)
				for b.Loop() {
					f, err := os.Open(p)
					if err != nil {
						b.Fatal(err)
					}
					var st WalkStats
					err = walkTar(context.Background(), f, stream{name: "bench", serial: mode == "serial"}, &st, consumers[consumer])
					f.Close()
					if err != nil || st.Bytes != raw {
						b.Fatalf("%v, %d bytes", err, st.Bytes)
					}
				}
			})
		}
	}
}

// analyzer stands in for what the walker does with content (selectors, the secrets keyword
// prefilter, analyzers): a few nanoseconds per byte, some 200 to 300 MB/s on one core.
type analyzer struct{ h uint64 }

func (a *analyzer) Write(p []byte) (int, error) {
	h := a.h
	for _, c := range p {
		h = (h ^ uint64(c)) * 1099511628211
		h ^= h >> 29
	}
	a.h = h
	return len(p), nil
}

// benchRawSize is the uncompressed size of the gzip file p.
func benchRawSize(b *testing.B, p string) int64 {
	f, err := os.Open(p)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(bufio.NewReader(f))
	if err != nil {
		b.Fatal(err)
	}
	n, err := io.Copy(io.Discard, zr)
	if err != nil {
		b.Fatal(err)
	}
	return n
}

// writeBenchLayer writes a gzip'd tar of about size bytes of files like a language runtime
// image holds: many small text files, some larger ones, a few big binaries.
func writeBenchLayer(b *testing.B, p string, size int64) {
	b.Helper()
	rnd := rand.New(rand.NewSource(42))
	words := strings.Fields(`func return if else for range var const type struct interface map
		chan go defer select case default package import error nil true false string int
		byte len append make new context ctx err fmt Errorf Println config handler request
		response server client buffer reader writer path name value key index count total`)
	var text strings.Builder
	for text.Len() < 4<<20 {
		indent := rnd.Intn(4)
		text.WriteString(strings.Repeat("\t", indent))
		for n := 3 + rnd.Intn(9); n > 0; n-- {
			text.WriteString(words[rnd.Intn(len(words))])
			if rnd.Intn(5) == 0 {
				fmt.Fprintf(&text, "(%d)", rnd.Intn(100000))
			}
			text.WriteByte(' ')
		}
		text.WriteByte('\n')
	}
	textPool := text.String()
	// Binaries compress about 2.5x, like real ones: runs of code-like bytes from a skewed
	// alphabet, strings, zero padding and some incompressible data.
	binPool := make([]byte, 0, 8<<20)
	for len(binPool) < 8<<20 {
		n := 256 + rnd.Intn(4096)
		switch r := rnd.Intn(10); {
		case r < 5:
			for range n {
				binPool = append(binPool, byte(rnd.ExpFloat64()*24))
			}
		case r < 7:
			off := rnd.Intn(len(textPool) - n)
			binPool = append(binPool, textPool[off:off+n]...)
		case r < 8:
			binPool = append(binPool, make([]byte, n)...)
		default:
			b := make([]byte, n)
			rnd.Read(b)
			binPool = append(binPool, b...)
		}
	}

	f, err := os.Create(p)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	bw := bufio.NewWriterSize(f, 1<<20)
	zw, err := gzip.NewWriterLevel(bw, gzip.DefaultCompression)
	if err != nil {
		b.Fatal(err)
	}
	tw := tar.NewWriter(zw)
	var written int64
	for i := 0; written < size; i++ {
		dir := fmt.Sprintf("usr/lib/pkg%03d/sub%d", i/200, i%7)
		var name string
		var body []byte
		switch r := rnd.Intn(100); {
		case r < 1: // a big binary
			n := 1<<20 + rnd.Intn(5<<20)
			off := rnd.Intn(len(binPool) - n)
			name, body = fmt.Sprintf("%s/lib%d.so", dir, i), binPool[off:off+n]
		case r < 11: // a medium text file
			n := 64<<10 + rnd.Intn(512<<10)
			off := rnd.Intn(len(textPool) - n)
			name, body = fmt.Sprintf("%s/module%d.go", dir, i), []byte(textPool[off:off+n])
		default: // a small text file
			n := 200 + rnd.Intn(24<<10)
			off := rnd.Intn(len(textPool) - n)
			name, body = fmt.Sprintf("%s/file%d.txt", dir, i), []byte(textPool[off:off+n])
		}
		if err := tw.WriteHeader(&tar.Header{Name: name, Size: int64(len(body)), Mode: 0o644, Typeflag: tar.TypeReg}); err != nil {
			b.Fatal(err)
		}
		if _, err := tw.Write(body); err != nil {
			b.Fatal(err)
		}
		written += int64(len(body))
	}
	if err := tw.Close(); err != nil {
		b.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		b.Fatal(err)
	}
	if err := bw.Flush(); err != nil {
		b.Fatal(err)
	}
}
