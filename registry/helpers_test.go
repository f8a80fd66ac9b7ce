package registry_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	ggcr "github.com/google/go-containerregistry/pkg/registry"

	"github.com/trawlscan/trawl/host/wasm"
	"github.com/trawlscan/trawl/host/wasm/wasmtest"
	"github.com/trawlscan/trawl/registry"
	"github.com/trawlscan/trawl/registry/sign"
	"github.com/trawlscan/trawl/sdk"
)

// mdManifest is the manifest of the Markdown formatter in testdata/mdformat (the cmd/trawl
// tests pack the same one).
func mdManifest() *sdk.Manifest {
	return &sdk.Manifest{
		ABI: "1.0", Name: "md", Version: "1.0.0", Kind: sdk.KindFormatter,
		Description: "the packages of a report as a Markdown table", Formats: []string{"md"},
	}
}

// mdModule builds testdata/mdformat with m packed in (mdManifest when nil).
func mdModule(t *testing.T, m *sdk.Manifest) []byte {
	t.Helper()
	if m == nil {
		m = mdManifest()
	}
	return wasmtest.Build(t, "testdata/mdformat", m)
}

// analyzer builds host/wasm's hostile test analyzer under a name, with version and memory
// request: a payload whose manifest each test chooses.
func analyzer(t *testing.T, name, version string, memoryMiB int) []byte {
	t.Helper()
	return wasmtest.Build(t, "../host/wasm/testdata/hostile", &sdk.Manifest{
		ABI: "1.0", Name: name, Version: version, Kind: sdk.KindAnalyzer,
		Analyzers: []sdk.AnalyzerSpec{{Name: "chaos", Files: []sdk.Selector{{Glob: "chaos/*"}}}},
		Limits:    sdk.Limits{MemoryMiB: memoryMiB},
	})
}

// ociRegistry starts an in-process registry and returns its host:port. handler, when not
// nil, wraps the registry's handler (to tamper with what it serves).
func ociRegistry(t *testing.T, wrap func(http.Handler) http.Handler) string {
	t.Helper()
	var h http.Handler = ggcr.New(ggcr.Logger(log.New(io.Discard, "", 0)))
	if wrap != nil {
		h = wrap(h)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "http://")
}

// testOptions are what most tests use: the registry is plain HTTP, and nothing is compiled
// unless a test asks (compiling a module takes seconds, many under the race detector).
func testOptions() []registry.Option {
	return []registry.Option{registry.WithInsecure(true), registry.WithCompile(false)}
}

func writeFile(t *testing.T, dir, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func push(t *testing.T, wasmBytes []byte, ref string, opts ...registry.Option) *registry.Pushed {
	t.Helper()
	f := writeFile(t, t.TempDir(), "plugin.wasm", wasmBytes)
	p, err := registry.Push(context.Background(), f, ref, append(testOptions(), opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func keys(t *testing.T) (ed25519.PublicKey, ed25519.PrivateKey) {
	t.Helper()
	pub, priv, err := sign.Generate(nil)
	if err != nil {
		t.Fatal(err)
	}
	return pub, priv
}

// mustFail checks that err wraps kind (when not nil) and says every one of want.
func mustFail(t *testing.T, err, kind error, want ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want one saying %q", want)
	}
	if kind != nil && !errors.Is(err, kind) {
		t.Errorf("error %q does not wrap %q", err, kind)
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not say %q", err, w)
		}
	}
}

func readLock(t *testing.T, dir string) *registry.LockFile {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, registry.LockFileName))
	if err != nil {
		t.Fatal(err)
	}
	l, err := registry.ParseLockFile(data)
	if err != nil {
		t.Fatalf("lock file: %v\n%s", err, data)
	}
	return l
}

func digest(b []byte) string { return sign.Digest(b) }

// compilingHost is a host with the tests' shared compilation cache.
func compilingHost(t *testing.T) *wasm.Host {
	t.Helper()
	h, err := wasm.NewHost(wasm.WithCompilationCache(wasmtest.CacheDir(t)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close(context.Background()) })
	return h
}

func jsonOf(v any) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	enc.Encode(v)
	return b.String()
}
