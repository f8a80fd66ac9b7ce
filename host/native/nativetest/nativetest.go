// Package nativetest builds the test native plugin (host/native/testdata/acme) for tests.
package nativetest

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
)

// Names the test plugin answers to (see testdata/acme).
var Names = []string{"acme", "acme-format", "acme-abi2", "acme-bad"}

var (
	once     sync.Once
	dir      string
	buildErr error
)

// Build compiles the test plugin once per test binary and returns the directory that holds
// it under each of its Names. The directory is stable (one per checkout), so runs do not
// leave executables behind, and each name is replaced by a rename, so that test binaries
// running at once do not disturb each other's plugins.
func Build(t testing.TB) string {
	t.Helper()
	once.Do(func() { dir, buildErr = build() })
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return dir
}

func build() (string, error) {
	_, self, _, _ := runtime.Caller(0)
	src := filepath.Join(filepath.Dir(self), "..", "testdata", "acme")
	sum := sha256.Sum256([]byte(src))
	out := filepath.Join(os.TempDir(), "trawl-nativetest-"+hex.EncodeToString(sum[:6]))
	if err := os.MkdirAll(out, 0o755); err != nil {
		return "", err
	}
	tmp := filepath.Join(out, fmt.Sprintf(".build-%d", os.Getpid()))
	cmd := exec.Command(filepath.Join(runtime.GOROOT(), "bin", "go"), "build", "-trimpath", "-o", tmp, ".")
	cmd.Dir = src
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if msg, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("building the test native plugin: %v\n%s", err, msg)
	}
	defer os.Remove(tmp)
	for _, name := range Names {
		// A hard link per name, renamed into place: the plugin tells its name from argv[0].
		link := tmp + "-" + name
		if err := os.Link(tmp, link); err != nil {
			return "", err
		}
		if err := os.Rename(link, filepath.Join(out, name)); err != nil {
			os.Remove(link)
			return "", err
		}
	}
	return out, nil
}
