package registry

import (
	"context"
	"errors"
	"io"
	"log"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	ggcr "github.com/google/go-containerregistry/pkg/registry"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/trawlscan/trawl/host/wasm/wasmtest"
	"github.com/trawlscan/trawl/sdk"
)

func TestParseSource(t *testing.T) {
	dir := t.TempDir()
	existing := filepath.Join(dir, "registry.example.com", "p")
	os.MkdirAll(filepath.Dir(existing), 0o755)
	os.WriteFile(existing+":1", []byte("x"), 0o644)
	wd, _ := os.Getwd()
	defer os.Chdir(wd)
	os.Chdir(dir)
	for in, want := range map[string]source{
		"oci://reg.io/p/x:1":                 {kindOCI, "reg.io/p/x:1", "oci://reg.io/p/x:1"},
		"OCI://reg.io/p/x@sha256:ab":         {kindOCI, "reg.io/p/x@sha256:ab", "OCI://reg.io/p/x@sha256:ab"},
		"reg.io/p/x:1":                       {kindOCI, "reg.io/p/x:1", "oci://reg.io/p/x:1"},
		"localhost:5000/x":                   {kindOCI, "localhost:5000/x", "oci://localhost:5000/x"},
		"localhost/x:1":                      {kindOCI, "localhost/x:1", "oci://localhost/x:1"},
		"registry.example.com/p:1":           {kindFile, "registry.example.com/p:1", "registry.example.com/p:1"}, // exists here
		"plugins/x.wasm":                     {kindFile, "plugins/x.wasm", "plugins/x.wasm"},
		"./dist/x.wasm":                      {kindFile, "./dist/x.wasm", "./dist/x.wasm"},
		"x.wasm":                             {kindFile, "x.wasm", "x.wasm"},
		"https://u:p@example.com/x.wasm?t=1": {kindURL, "https://u:p@example.com/x.wasm?t=1", "https://example.com/x.wasm"},
		"file:///tmp/x.wasm":                 {kindFile, "/tmp/x.wasm", "/tmp/x.wasm"},
	} {
		got, err := parseSource(in)
		if err != nil || got != want {
			t.Errorf("parseSource(%q) = %+v, %v; want %+v", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "ftp://x/y", "file://host/x"} {
		if _, err := parseSource(bad); err == nil {
			t.Errorf("parseSource(%q): no error", bad)
		}
	}
}

// TestConfigMustMatchModule: an artifact whose config shows another manifest than its
// module carries is refused, since a registry UI, search and info would show the config.
func TestConfigMustMatchModule(t *testing.T) {
	srv := httptest.NewServer(ggcr.New(ggcr.Logger(log.New(io.Discard, "", 0))))
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")
	m := &sdk.Manifest{ABI: "1.0", Name: "md", Version: "1.0.0", Kind: sdk.KindFormatter, Formats: []string{"md"}}
	mod := wasmtest.Build(t, "testdata/mdformat", m)
	shown := *m
	shown.Version, shown.Description = "1.0.0", "harmless"
	img, err := newArtifact(mod, &shown, nil, "md")
	if err != nil {
		t.Fatal(err)
	}
	ref, _ := name.ParseReference(host + "/p/liar:1")
	if err := remote.Write(ref, img); err != nil {
		t.Fatal(err)
	}
	_, err = Open(t.TempDir(), WithInsecure(true), WithCompile(false)).Install(context.Background(), "oci://"+host+"/p/liar:1")
	if !errors.Is(err, ErrNotPlugin) || !strings.Contains(err.Error(), "config manifest (md 1.0.0) differs from the manifest in its module") {
		t.Errorf("error %v", err)
	}
}

func TestLockFileChecks(t *testing.T) {
	for doc, want := range map[string]string{
		`{}`:                      "no lockfile_version",
		`{"lockfile_version": 2}`: "version 2, this trawl reads version 1",
		`[`:                       "not JSON",
		`{"lockfile_version": 1, "plugins": [{"name": "a", "digest": "x"}]}`: `digest "x"`,
		`{"lockfile_version": 1, "plugins": [{"name": "a", "digest": "sha256:` + strings.Repeat("0", 64) + `"}, {"name": "a", "digest": "sha256:` + strings.Repeat("0", 64) + `"}]}`: `repeated name "a"`,
	} {
		_, err := ParseLockFile([]byte(doc))
		if !errors.Is(err, ErrLockFile) || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", doc, err, want)
		}
	}
}
