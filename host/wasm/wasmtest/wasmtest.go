// Package wasmtest builds plugin modules for tests: it compiles a Go package to a wasip1
// reactor module with the machine's Go toolchain and packs a manifest into it.
package wasmtest

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"testing"

	"github.com/trawlscan/trawl/sdk"
	"github.com/trawlscan/trawl/sdk/pack"
)

var (
	mu    sync.Mutex
	built = map[string][]byte{}
)

// Build compiles the Go main package in dir (a path relative to the test's working
// directory) to WebAssembly, once per test binary, and returns the module with m packed in.
// A nil m returns the module without a manifest.
func Build(t testing.TB, dir string, m *sdk.Manifest) []byte {
	t.Helper()
	abs, err := filepath.Abs(dir)
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	wasm, ok := built[abs]
	mu.Unlock()
	if !ok {
		out := filepath.Join(os.TempDir(), "trawl-wasmtest-"+hash(abs)+".wasm")
		cmd := exec.Command(filepath.Join(runtime.GOROOT(), "bin", "go"), "build", "-buildmode=c-shared", "-trimpath", "-ldflags=-s -w", "-o", out, ".")
		cmd.Dir = abs
		cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm")
		if msg, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("building %s for wasip1: %v\n%s", dir, err, msg)
		}
		wasm, err = os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		os.Remove(out)
		mu.Lock()
		built[abs] = wasm
		mu.Unlock()
	}
	if m == nil {
		return wasm
	}
	packed, err := pack.Embed(wasm, m)
	if err != nil {
		t.Fatal(err)
	}
	return packed
}

func hash(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:8])
}

// CacheDir returns a compilation cache directory that outlives the test run, so that each
// module is compiled by wazero once per machine rather than once per test binary (compiling
// is slow, and ten times slower under the race detector). TRAWL_TEST_CACHE overrides it.
func CacheDir(t testing.TB) string {
	t.Helper()
	dir := os.Getenv("TRAWL_TEST_CACHE")
	if dir == "" {
		base, err := os.UserCacheDir()
		if err != nil {
			base = os.TempDir()
		}
		dir = filepath.Join(base, "trawl-test", "wasm")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}
