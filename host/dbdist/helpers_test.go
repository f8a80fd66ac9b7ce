package dbdist_test

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"hash/crc32"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/trawlscan/trawl/host/db"
	"github.com/trawlscan/trawl/internal/corpustest"
)

// corpusDir returns the shared advisory corpus: $TRAWL_CORPUS/advisories, or
// ../shared/corpus/advisories beside the repository root (the directory with go.mod).
func corpusDir(t testing.TB) string {
	t.Helper()
	return corpustest.Path(t, "advisories")
}

var (
	zipOnce  sync.Once
	zipCache map[string][]byte
)

// corpusZips returns osv.dev-style all.zip archives built from the first 30 advisories of
// the corpus's Go and crates.io directories, keyed by URL path ("/Go/all.zip"), plus an
// Alpine secdb file at "/secdb/v3.10/main.yaml".
func corpusZips(t testing.TB) map[string][]byte {
	t.Helper()
	zipOnce.Do(func() {
		root := corpusDir(t)
		zipCache = map[string][]byte{
			"/Go/all.zip":        zipDir(t, filepath.Join(root, "osv", "go"), 30),
			"/crates.io/all.zip": zipDir(t, filepath.Join(root, "osv", "crates.io"), 30),
		}
		secdb, err := os.ReadFile(filepath.Join(root, "alpine-secdb-yaml", "v3.10", "main.yaml"))
		if err != nil {
			t.Fatal(err)
		}
		zipCache["/secdb/v3.10/main.yaml"] = secdb
	})
	if zipCache == nil {
		t.Fatal("corpus zips were not built")
	}
	return zipCache
}

func zipDir(t testing.TB, dir string, n int) []byte {
	t.Helper()
	names, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil || len(names) < n {
		t.Fatalf("%s: want %d advisories, found %d (%v)", dir, n, len(names), err)
	}
	sort.Strings(names)
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, name := range names[:n] {
		raw, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		w, err := zw.Create(filepath.Base(name))
		if err != nil {
			t.Fatal(err)
		}
		w.Write(raw)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// fixedClock stamps test DBs, so that their Meta is predictable.
var fixedClock = func() time.Time { return time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC) }

// seedDB builds the "old" DB at <tmp>/trawl.db from a few corpus files and returns its path
// and bytes.
func seedDB(t testing.TB) (string, []byte) {
	t.Helper()
	dst := filepath.Join(t.TempDir(), "trawl.db")
	in := filepath.Join(corpusDir(t), "osv", "osv-scanner-offline-dbs-sample", "Go")
	if _, err := db.Import(context.Background(), dst, []string{in}, db.WithClock(fixedClock)); err != nil {
		t.Fatal(err)
	}
	old, err := os.ReadFile(dst)
	if err != nil {
		t.Fatal(err)
	}
	return dst, old
}

// assertUnchanged checks that dst still holds old, opens as a DB, and that nothing else
// (downloads, temporary files) was left beside it.
func assertUnchanged(t testing.TB, dst string, old []byte) {
	t.Helper()
	now, err := os.ReadFile(dst)
	if err != nil {
		t.Fatalf("old DB gone: %v", err)
	}
	if !bytes.Equal(now, old) {
		t.Errorf("old DB changed: %d bytes, was %d", len(now), len(old))
	}
	d, err := db.Open(dst)
	if err != nil {
		t.Errorf("old DB does not open: %v", err)
	} else {
		d.Close()
	}
	assertOnly(t, filepath.Dir(dst), filepath.Base(dst))
}

// assertOnly checks that dir holds exactly the named entries.
func assertOnly(t testing.TB, dir string, names ...string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.Name())
	}
	sort.Strings(got)
	sort.Strings(names)
	if strings.Join(got, ",") != strings.Join(names, ",") {
		t.Errorf("%s holds %q, want only %q (temporary files left?)", dir, got, names)
	}
}

// files serves content by URL path, with a "<path>.sha256" sibling when sha256 is set and
// Google Cloud Storage's x-goog-hash header when googHash is set. It counts requests.
type files struct {
	content  map[string][]byte
	sha256   bool
	googHash bool

	mu   sync.Mutex
	hits map[string]int
}

func (f *files) hit(path string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.hits == nil {
		f.hits = map[string]int{}
	}
	f.hits[path]++
	return f.hits[path]
}

func (f *files) count(path string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.hits[path]
}

func (f *files) total() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, c := range f.hits {
		n += c
	}
	return n
}

func (f *files) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.hit(r.URL.Path)
	if base, ok := strings.CutSuffix(r.URL.Path, ".sha256"); ok {
		b, found := f.content[base]
		if !f.sha256 || !found {
			http.NotFound(w, r)
			return
		}
		sum := sha256.Sum256(b)
		w.Write([]byte(hex.EncodeToString(sum[:]) + "  all.zip\n"))
		return
	}
	b, ok := f.content[r.URL.Path]
	if !ok {
		http.NotFound(w, r)
		return
	}
	if f.googHash {
		w.Header().Set("X-Goog-Hash", googHash(b))
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.Write(b)
}

func googHash(b []byte) string {
	m := md5.Sum(b)
	c := crc32.Checksum(b, crc32.MakeTable(crc32.Castagnoli))
	return "crc32c=" + base64.StdEncoding.EncodeToString(binary.BigEndian.AppendUint32(nil, c)) +
		",md5=" + base64.StdEncoding.EncodeToString(m[:])
}

// deadAddr returns the address of a listener that was closed: connecting to it is refused.
func deadAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// testLogger writes to a buffer the test can search (for leaked secrets).
func testLogger() (*slog.Logger, *syncBuffer) {
	buf := &syncBuffer{}
	return slog.New(slog.NewTextHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug})), buf
}

type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
