package source

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"

	"github.com/trawlscan/trawl/sdk"
)

const testDiffID = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

// streamLayer is an ImageLayer over a stream made by open.
func streamLayer(open func() (io.ReadCloser, error), opts ...Option) *ImageLayer {
	return &ImageLayer{info: sdk.Layer{DiffID: testDiffID}, open: open, total: -1, opts: makeOptions(opts)}
}

// bytesLayer is an ImageLayer over b.
func bytesLayer(b []byte, opts ...Option) *ImageLayer {
	return streamLayer(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }, opts...)
}

// hdr is a tar member for mkTar.
type hdr struct {
	name     string
	typ      byte
	body     string
	linkname string
	pax      map[string]string
	format   tar.Format
}

// mkTar writes members with archive/tar, ended properly.
func mkTar(t testing.TB, members ...hdr) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, m := range members {
		h := &tar.Header{Name: m.name, Typeflag: m.typ, Linkname: m.linkname, Mode: 0o644,
			PAXRecords: m.pax, Format: m.format, ModTime: time.Unix(1e9, 0)}
		if h.Typeflag == 0 {
			h.Typeflag = tar.TypeReg
		}
		if h.Typeflag == tar.TypeReg {
			h.Size = int64(len(m.body))
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatalf("%q: %v", m.name, err)
		}
		if _, err := io.WriteString(tw, m.body); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func gz(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func zst(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw, err := zstd.NewWriter(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := zw.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// entries walks l and returns "kind path [-> link] [=content]" lines.
func entries(t testing.TB, l Layer) ([]string, error) {
	t.Helper()
	var out []string
	err := l.Walk(context.Background(), func(e *Entry) error {
		s := kindNames[e.Kind] + " " + e.Path
		if e.Linkname != "" {
			s += " -> " + e.Linkname
		}
		if e.Kind == Regular {
			b, err := io.ReadAll(e.Body)
			if err != nil {
				return err
			}
			if int64(len(b)) != e.Size {
				return fmt.Errorf("%s: %d bytes, Size %d", e.Path, len(b), e.Size)
			}
			s += " =" + string(b)
		}
		out = append(out, s)
		return nil
	})
	return out, err
}

var kindNames = map[Kind]string{Regular: "reg", Dir: "dir", Symlink: "sym", Hardlink: "hard",
	Whiteout: "wh", Opaque: "opq", Other: "other"}

func eq(t *testing.T, got, want []string) {
	t.Helper()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("entries:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestCleanName(t *testing.T) {
	for _, tc := range []struct {
		in, out string
		ok      bool
	}{
		{"etc/passwd", "etc/passwd", true},
		{"./etc/passwd", "etc/passwd", true},
		{"/etc/passwd", "etc/passwd", true},
		{"//etc//passwd", "etc/passwd", true},
		{"etc/", "etc", true},
		{"a/./b/../c", "a/c", true},
		{"a/..", "", true},
		{".", "", true},
		{"./", "", true},
		{"/", "", true},
		{"", "", true},
		{"..", "", false},
		{"../etc/passwd", "", false},
		{"../../etc/passwd", "", false},
		{"a/../../b", "", false},
		{"/../etc/passwd", "", false},
		{"./../x", "", false},
		{"a/b/../../../x", "", false},
		{"..a/b", "..a/b", true},
		{"a/..b", "a/..b", true},
	} {
		out, ok := cleanName(tc.in)
		if out != tc.out || ok != tc.ok {
			t.Errorf("cleanName(%q) = %q, %v; want %q, %v", tc.in, out, ok, tc.out, tc.ok)
		}
	}
}

// TestEntryKinds: every tar type maps onto its Kind, whiteouts onto what they delete, and the
// entries fn leaves unread are skipped correctly.
func TestEntryKinds(t *testing.T) {
	b := mkTar(t,
		hdr{name: "./", typ: tar.TypeDir},
		hdr{name: "./etc/", typ: tar.TypeDir},
		hdr{name: "./etc/hostname", body: "box\n"},
		hdr{name: "etc/old", typ: '\x00', body: "v7 file"},
		hdr{name: "etc/localtime", typ: tar.TypeSymlink, linkname: "/usr/share/zoneinfo/UTC"},
		hdr{name: "etc/up", typ: tar.TypeSymlink, linkname: "../../../x"},
		hdr{name: "bin/sh", typ: tar.TypeLink, linkname: "./bin/busybox"},
		hdr{name: "bin/ash", typ: tar.TypeLink, linkname: "/bin/busybox"},
		hdr{name: "dev/null", typ: tar.TypeChar},
		hdr{name: "dev/sda", typ: tar.TypeBlock},
		hdr{name: "run/fifo", typ: tar.TypeFifo},
		hdr{name: "usr/.wh.lib", body: ""},
		hdr{name: ".wh.tmp"},
		hdr{name: "var/.wh..wh..opq"},
		hdr{name: ".wh..wh..opq"},
		hdr{name: "etc/.wh..wh.plnk"},
		hdr{name: "etc/.wh."},
		hdr{name: "a/.wh..."},
		hdr{name: "last", body: "end"},
	)
	l := bytesLayer(b)
	got, err := entries(t, l)
	if err != nil {
		t.Fatal(err)
	}
	eq(t, got, []string{
		"dir etc",
		"reg etc/hostname =box\n",
		"reg etc/old =v7 file",
		"sym etc/localtime -> /usr/share/zoneinfo/UTC",
		"sym etc/up -> ../../../x",
		"hard bin/sh -> bin/busybox",
		"hard bin/ash -> bin/busybox",
		"other dev/null",
		"other dev/sda",
		"other run/fifo",
		"wh usr/lib",
		"wh tmp",
		"opq var",
		"opq ",
		"reg last =end",
	})
	if st := l.Stats(); st != (WalkStats{Entries: 15, Invalid: 3, Bytes: int64(len(b)), Compression: "none"}) {
		t.Errorf("Stats = %+v", st)
	}

	// Reading nothing: the walker still finds every header.
	var paths []string
	if err := bytesLayer(gz(t, b)).Walk(context.Background(), func(e *Entry) error {
		paths = append(paths, e.Path)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(paths) != 15 || paths[14] != "last" {
		t.Errorf("unread walk: %q", paths)
	}
}

// TestHostileNames: names escaping the root are skipped and counted, never rewritten;
// absolute names are rooted at the layer root.
func TestHostileNames(t *testing.T) {
	b := mkTar(t,
		hdr{name: "../../etc/passwd", body: "root::0:0"},
		hdr{name: "a/../../b", body: "x"},
		hdr{name: "/../etc/shadow", body: "x"},
		hdr{name: "..", typ: tar.TypeDir},
		hdr{name: "/etc/passwd", body: "ok"},
		hdr{name: "ok/link", typ: tar.TypeLink, linkname: "../../etc/passwd"},
		hdr{name: "ok/link2", typ: tar.TypeLink, linkname: "/"},
		hdr{name: "../.wh.etc"},
		hdr{name: "c/./d/../e", body: "e"},
	)
	for name, data := range map[string][]byte{"plain": b, "gzip": gz(t, b), "zstd": zst(t, b)} {
		t.Run(name, func(t *testing.T) {
			l := bytesLayer(data)
			got, err := entries(t, l)
			if err != nil {
				t.Fatal(err)
			}
			eq(t, got, []string{"reg etc/passwd =ok", "reg c/e =e"})
			st := l.Stats()
			if st.Escaping != 6 || st.Invalid != 1 || st.Entries != 2 || st.Compression != name && !(name == "plain" && st.Compression == "none") {
				t.Errorf("Stats = %+v", st)
			}
		})
	}
}

// TestTruncated: streams cut short fail with io.ErrUnexpectedEOF and name the layer.
func TestTruncated(t *testing.T) {
	big := strings.Repeat("0123456789abcdef", 64<<10) // 1 MiB, so the cut falls in a body
	b := mkTar(t, hdr{name: "a", body: "a"}, hdr{name: "big", body: big}, hdr{name: "z", body: "z"})
	g := gz(t, b)
	z := zst(t, b)
	for name, data := range map[string][]byte{
		"tar-in-body":   b[:len(b)/2],
		"tar-in-header": b[:512+512+100],
		"gzip":          g[:len(g)/2],
		"gzip-trailer":  g[:len(g)-4],
		"gzip-header":   g[:5],
		"zstd":          z[:len(z)/2],
	} {
		t.Run(name, func(t *testing.T) {
			_, err := entries(t, bytesLayer(data))
			if !errors.Is(err, io.ErrUnexpectedEOF) || !strings.Contains(err.Error(), testDiffID) {
				t.Errorf("err = %v, want io.ErrUnexpectedEOF naming the layer", err)
			}
		})
	}
}

// TestGarbage: bytes that are no tar give an error, whatever the compression.
func TestGarbage(t *testing.T) {
	rnd := make([]byte, 64<<10)
	rand.New(rand.NewSource(1)).Read(rnd)
	bad := append([]byte{0x1f, 0x8b, 8, 0}, rnd...)
	for name, data := range map[string][]byte{
		"random":      rnd,
		"gzip-random": gz(t, rnd),
		"bad-gzip":    bad,
		"bad-zstd":    append([]byte{0x28, 0xb5, 0x2f, 0xfd}, rnd...),
		"bzip2":       []byte("BZh91AY&SY"),
		"text":        []byte(strings.Repeat("hello world\n", 100)),
	} {
		t.Run(name, func(t *testing.T) {
			_, err := entries(t, bytesLayer(data))
			if err == nil || !strings.Contains(err.Error(), "layer "+testDiffID) {
				t.Errorf("err = %v", err)
			}
		})
	}
	// A gzip stream of the right tar followed by junk: the tar is fine, the junk is not.
	good := gz(t, mkTar(t, hdr{name: "a", body: "a"}))
	_, err := entries(t, bytesLayer(append(good, "junk after the gzip stream"...)))
	if err == nil || !strings.Contains(err.Error(), "after the tar end") {
		t.Errorf("trailing junk: err = %v", err)
	}
}

// TestEmptyLayers: an empty stream and a bare end-of-archive are layers without entries.
func TestEmptyLayers(t *testing.T) {
	for name, data := range map[string][]byte{
		"empty":      nil,
		"eoa":        make([]byte, 1024),
		"gzip-eoa":   gz(t, make([]byte, 1024)),
		"gzip-empty": gz(t, nil),
	} {
		got, err := entries(t, bytesLayer(data))
		if err != nil || len(got) != 0 {
			t.Errorf("%s: %v, %v", name, got, err)
		}
	}
}

// rawPAX builds a tar whose first member carries a PAX extended header of n bytes, beyond
// what archive/tar's writer allows.
func rawPAX(t testing.TB, n int) []byte {
	t.Helper()
	return rawPAXRecords(t, []string{"comment=" + strings.Repeat("x", n)}, mkTar(t, hdr{name: "f", body: "f"}))
}

// rawPAXRecords builds a PAX extended header of records ("key=value"), written by hand
// (archive/tar refuses some keys), followed by the tar next.
func rawPAXRecords(t testing.TB, records []string, next []byte) []byte {
	t.Helper()
	var payload string
	for _, r := range records {
		payload += fmt.Sprintf("%d %s", paxLen(r+"\n"), r+"\n")
	}
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	if err := tw.WriteHeader(&tar.Header{Name: "PaxHeaders/f", Size: int64(len(payload)), Typeflag: tar.TypeReg, Mode: 0o644, Format: tar.FormatUSTAR}); err != nil {
		t.Fatal(err)
	}
	if _, err := io.WriteString(tw, payload); err != nil {
		t.Fatal(err)
	}
	if err := tw.Flush(); err != nil {
		t.Fatal(err)
	}
	out := buf.Bytes()
	setType(out[:512], tar.TypeXHeader)
	return append(out, next...)
}

// paxLen is the length of the PAX record "<len> body", which counts its own digits.
func paxLen(body string) int {
	n := len(body) + 2
	for len(fmt.Sprint(n))+1+len(body) != n {
		n++
	}
	return n
}

// setType rewrites a ustar header block's type and checksum.
func setType(block []byte, typ byte) {
	block[156] = typ
	copy(block[148:156], "        ")
	sum := 0
	for _, c := range block[:512] {
		sum += int(c)
	}
	copy(block[148:156], fmt.Sprintf("%06o\x00 ", sum))
}

// TestHugeHeaders: archive/tar caps PAX and GNU long-name headers at 1 MiB; past that the walk
// fails instead of buffering.
func TestHugeHeaders(t *testing.T) {
	small := rawPAX(t, 1000)
	got, err := entries(t, bytesLayer(small))
	if err != nil || len(got) != 1 || got[0] != "reg f =f" {
		t.Fatalf("small PAX header: %v, %v", got, err)
	}
	_, err = entries(t, bytesLayer(gz(t, rawPAX(t, 3<<20))))
	if err == nil || !strings.Contains(err.Error(), "header") {
		t.Errorf("3 MiB PAX header: err = %v", err)
	}
	long := mkTar(t, hdr{name: strings.Repeat("a/", 600<<10) + "f", format: tar.FormatGNU})
	_, err = entries(t, bytesLayer(long))
	if err == nil || !strings.Contains(err.Error(), "header field too long") {
		t.Errorf("1.2 MiB GNU name: err = %v", err)
	}
}

// TestSparseBomb: a GNU sparse file whose header claims 4 EiB of holes is an Other entry
// without content, not an endless stream of zeros.
func TestSparseBomb(t *testing.T) {
	// Sparse format 1.0: the map ("1 entry: offset 0, 1 byte") opens the data, padded to a block.
	sparseMap := "1\n0\n1\n" + strings.Repeat("\x00", 512-6) + "x"
	b := rawPAXRecords(t, []string{
		"GNU.sparse.major=1", "GNU.sparse.minor=0", "GNU.sparse.name=bomb",
		"GNU.sparse.realsize=4611686018427387904",
	}, mkTar(t, hdr{name: "GNUSparseFile.0/bomb", body: sparseMap}, hdr{name: "after", body: "a"}))
	l := bytesLayer(b)
	got, err := entries(t, l)
	if err != nil {
		t.Fatal(err)
	}
	eq(t, got, []string{"other bomb", "reg after =a"})
}

// TestDeepNesting: a path 4000 directories deep is an ordinary entry.
func TestDeepNesting(t *testing.T) {
	deep := strings.Repeat("d/", 4000) + "leaf"
	got, err := entries(t, bytesLayer(gz(t, mkTar(t, hdr{name: deep, body: "x"}))))
	if err != nil || len(got) != 1 || got[0] != "reg "+deep+" =x" {
		t.Errorf("got %d entries, %v", len(got), err)
	}
}

// TestWalkControl: fn's error is returned as is, ctx cancellation stops the walk between
// entries, a Body kept after fn returns reads an error.
func TestWalkControl(t *testing.T) {
	b := gz(t, mkTar(t, hdr{name: "a", body: "a"}, hdr{name: "b", body: "b"}, hdr{name: "c", body: "c"}))
	stop := errors.New("stop")
	n := 0
	err := bytesLayer(b).Walk(context.Background(), func(e *Entry) error {
		n++
		return stop
	})
	if err != stop || n != 1 {
		t.Errorf("fn error: %v after %d calls", err, n)
	}

	ctx, cancel := context.WithCancel(context.Background())
	n = 0
	err = bytesLayer(b).Walk(ctx, func(e *Entry) error {
		n++
		cancel()
		return nil
	})
	if !errors.Is(err, context.Canceled) || n != 1 {
		t.Errorf("cancel: %v after %d calls", err, n)
	}
	if err := bytesLayer(b).Walk(ctx, func(*Entry) error { return nil }); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled before: %v", err)
	}

	var kept io.Reader
	if err := bytesLayer(b).Walk(context.Background(), func(e *Entry) error {
		if kept == nil {
			kept = e.Body
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := kept.Read(make([]byte, 1)); err != errBodyExpired {
		t.Errorf("kept body: %v", err)
	}
}

// blockingReader serves data, then blocks until closed, like a stalled network read.
type blockingReader struct {
	r      io.Reader
	closed chan struct{}
}

func (b *blockingReader) Read(p []byte) (int, error) {
	if n, err := b.r.Read(p); n > 0 || err != io.EOF {
		return n, err
	}
	<-b.closed
	return 0, errors.New("read on closed stream")
}

func (b *blockingReader) Close() error {
	select {
	case <-b.closed:
	default:
		close(b.closed)
	}
	return nil
}

// TestCancelStalledRead: cancelling ctx interrupts a read that would block forever, and the
// walk reports the cancellation, leaving no goroutine behind.
func TestCancelStalledRead(t *testing.T) {
	tarball := mkTar(t, hdr{name: "a", body: "a"}, hdr{name: "b", body: "b"})
	before := runtime.NumGoroutine()
	ctx, cancel := context.WithCancel(context.Background())
	l := streamLayer(func() (io.ReadCloser, error) {
		// Everything but the end-of-archive: the walker waits for more.
		return &blockingReader{r: bytes.NewReader(tarball[:len(tarball)-1024]), closed: make(chan struct{})}, nil
	})
	var got []string
	err := l.Walk(ctx, func(e *Entry) error {
		got = append(got, e.Path)
		if e.Path == "b" {
			time.AfterFunc(50*time.Millisecond, cancel)
		}
		return nil
	})
	if !errors.Is(err, context.Canceled) || len(got) != 2 {
		t.Errorf("err = %v after %v", err, got)
	}
	waitGoroutines(t, before)
}

// waitGoroutines fails if the goroutine count does not come back to n.
func waitGoroutines(t *testing.T, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > n {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			t.Fatalf("%d goroutines, want %d:\n%s", runtime.NumGoroutine(), n, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestMaxLayerBytes: the cap is on the uncompressed stream, exact to the byte.
func TestMaxLayerBytes(t *testing.T) {
	b := mkTar(t, hdr{name: "a", body: strings.Repeat("a", 100000)})
	g := gz(t, b)
	n := int64(len(b))
	for _, tc := range []struct {
		max  int64
		fail bool
	}{{n, false}, {n - 1, true}, {0, false}, {-1, false}, {4096, true}} {
		_, err := entries(t, bytesLayer(g, WithMaxLayerBytes(tc.max)))
		if tc.fail != errors.Is(err, ErrLayerTooLarge) {
			t.Errorf("max %d: err = %v", tc.max, err)
		}
		if tc.fail && !strings.Contains(err.Error(), testDiffID) {
			t.Errorf("max %d: error does not name the layer: %v", tc.max, err)
		}
	}
}

// bombGzip streams a gzip of a tar holding one file of size zeros, made on the fly through a
// pipe, so that neither the test nor the walker ever holds it.
func bombGzip(size int64) io.ReadCloser {
	pr, pw := io.Pipe()
	go func() {
		zw, _ := gzip.NewWriterLevel(pw, gzip.BestSpeed)
		tw := tar.NewWriter(zw)
		err := tw.WriteHeader(&tar.Header{Name: "zeros", Size: size, Mode: 0o644, Typeflag: tar.TypeReg})
		zero := make([]byte, 1<<20)
		for left := size; err == nil && left > 0; left -= int64(len(zero)) {
			_, err = tw.Write(zero[:min(left, int64(len(zero)))])
		}
		if err == nil {
			err = tw.Close()
		}
		if err == nil {
			err = zw.Close()
		}
		pw.CloseWithError(err)
	}()
	return pr
}

// TestGzipBomb: 1 GiB of zeros (about 1 MiB of gzip) is cut by a 64 MiB cap, allocating far
// less than it decompresses; without -race the whole GiB also streams through, bounded.
func TestGzipBomb(t *testing.T) {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	alloc := ms.TotalAlloc
	l := streamLayer(func() (io.ReadCloser, error) { return bombGzip(1 << 30), nil }, WithMaxLayerBytes(64<<20))
	n := 0
	err := l.Walk(context.Background(), func(e *Entry) error {
		n++
		_, err := io.Copy(io.Discard, e.Body)
		return err
	})
	if !errors.Is(err, ErrLayerTooLarge) || n != 1 {
		t.Fatalf("err = %v, %d entries", err, n)
	}
	runtime.ReadMemStats(&ms)
	if got := ms.TotalAlloc - alloc; got > 32<<20 {
		t.Errorf("allocated %d MiB to walk a 64 MiB stream", got>>20)
	}
	if st := l.Stats(); st.Bytes > 64<<20 || st.Bytes < 60<<20 {
		t.Errorf("read %d bytes", st.Bytes)
	}

	if testing.Short() || raceEnabled {
		return
	}
	runtime.ReadMemStats(&ms)
	alloc = ms.TotalAlloc
	l = streamLayer(func() (io.ReadCloser, error) { return bombGzip(1 << 30), nil })
	if err := l.Walk(context.Background(), func(e *Entry) error { return nil }); err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&ms)
	if got := ms.TotalAlloc - alloc; got > 32<<20 {
		t.Errorf("allocated %d MiB to walk a 1 GiB stream", got>>20)
	}
	if st := l.Stats(); st.Bytes != 1<<30+3*512 {
		t.Errorf("read %d bytes", st.Bytes)
	}
}

// TestSerialMatchesReadahead: the two decompression paths give the same entries and counts.
func TestSerialMatchesReadahead(t *testing.T) {
	rnd := rand.New(rand.NewSource(2))
	var members []hdr
	for i := range 200 {
		body := make([]byte, rnd.Intn(100<<10))
		rnd.Read(body[:len(body)/3])
		members = append(members, hdr{name: fmt.Sprintf("d%d/f%d", i%7, i), body: string(body)})
	}
	raw := mkTar(t, members...)
	for name, data := range map[string][]byte{"none": raw, "gzip": gz(t, raw), "zstd": zst(t, raw)} {
		var results [2][]string
		var stats [2]WalkStats
		for i, serial := range []bool{false, true} {
			err := walkTar(context.Background(), bytes.NewReader(data), stream{name: "t", serial: serial}, &stats[i], func(e *Entry) error {
				b, err := io.ReadAll(e.Body)
				results[i] = append(results[i], fmt.Sprintf("%s %d %x", e.Path, len(b), b[:min(len(b), 8)]))
				return err
			})
			if err != nil {
				t.Fatalf("%s serial=%v: %v", name, serial, err)
			}
		}
		if strings.Join(results[0], "\n") != strings.Join(results[1], "\n") || stats[0] != stats[1] || len(results[0]) != 200 {
			t.Errorf("%s: readahead and serial differ: %+v %+v", name, stats[0], stats[1])
		}
		if stats[0].Bytes != int64(len(raw)) || stats[0].Compression != name {
			t.Errorf("%s: Stats = %+v", name, stats[0])
		}
	}
}

// TestProgress: the hook sees the compressed bytes, ending at the total.
func TestProgress(t *testing.T) {
	g := gz(t, mkTar(t, hdr{name: "a", body: strings.Repeat("x", 1<<20)}))
	var last, calls int64
	l := bytesLayer(g, WithProgress(func(layer int, read, total int64) {
		if layer != 3 || read < last {
			t.Errorf("progress(%d, %d, %d)", layer, read, total)
		}
		last = read
		calls++
	}))
	l.index = 3
	if _, err := entries(t, l); err != nil {
		t.Fatal(err)
	}
	if last != int64(len(g)) || calls == 0 {
		t.Errorf("last progress %d of %d after %d calls", last, len(g), calls)
	}
}
