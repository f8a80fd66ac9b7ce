package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/trawlscan/trawl/host/wasm"
	"github.com/trawlscan/trawl/host/wasm/wasmtest"
	"github.com/trawlscan/trawl/internal/corpustest"
	"github.com/trawlscan/trawl/sdk"
)

// loadModule builds this package as a WebAssembly module, with manifest.json packed in,
// and loads it in a host as trawl would.
func loadModule(t testing.TB) *wasm.Plugin {
	t.Helper()
	raw, err := os.ReadFile("manifest.json")
	if err != nil {
		t.Fatal(err)
	}
	var m sdk.Manifest
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	h, err := wasm.NewHost(wasm.WithCompilationCache(wasmtest.CacheDir(t)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close(context.Background()) })
	p, err := h.Load(wasmtest.Build(t, ".", &m), "lang.wasm")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close(context.Background()) })
	return p
}

// analyzeWasm streams content into the module in chunks, as the walker does.
func analyzeWasm(ctx context.Context, p *wasm.Plugin, f fixture, content []byte, chunk int) (*sdk.AnalysisResult, error) {
	s, err := p.BeginFile(ctx, sdk.FileRequest{Path: f.rel, Size: int64(len(content)), Analyzers: []string{f.analyzer}})
	if err != nil {
		return nil, err
	}
	for off := 0; off < len(content) && s.Wants(); off += chunk {
		if err := s.Write(ctx, content[off:min(off+chunk, len(content))]); err != nil {
			return nil, err
		}
	}
	return s.End(ctx)
}

// TestWasm runs every corpus fixture through the built module and checks that it answers
// as the native analyzer does: the module is what trawl runs.
func TestWasm(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("builds and compiles a WebAssembly module")
	}
	p := loadModule(t)
	root := corpustest.Path(t, "lockfiles", "pypi")
	ctx := context.Background()
	for _, f := range fixtures(t) {
		data, err := os.ReadFile(filepath.Join(root, f.rel))
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		got, err := analyzeWasm(ctx, p, f, data, 4096)
		if err != nil {
			t.Fatalf("%s: %v", f.rel, err)
		}
		if len(data) > 100<<10 {
			t.Logf("%s: %d KB in %v", f.rel, len(data)>>10, time.Since(start).Round(time.Millisecond))
		}
		want, err := (analyzer{}).Analyze(sdk.FileRequest{Path: f.rel, Analyzers: []string{f.analyzer}}, bytes.NewReader(data))
		if err != nil {
			// The SDK turns a failed file into one error of the result.
			want = &sdk.AnalysisResult{Errors: []sdk.FileError{{Analyzer: f.analyzer, Path: f.rel, Message: err.Error()}}}
		}
		for i := range want.Packages {
			want.Packages[i].Analyzer = f.analyzer // set by the SDK
		}
		if !reflect.DeepEqual(normalize(got), normalize(want)) {
			t.Errorf("%s: module and native analyzer differ:\n wasm   %+v\n native %+v", f.rel, got, want)
		}
	}
}

// normalize makes empty and nil lists equal, as JSON does.
func normalize(r *sdk.AnalysisResult) *sdk.AnalysisResult {
	out := *r
	if len(out.Packages) == 0 {
		out.Packages = nil
	}
	if len(out.Errors) == 0 {
		out.Errors = nil
	}
	return &out
}

// BenchmarkWasm measures the module as trawl runs it (256 KiB chunks, compiled and
// instantiated beforehand): the real 705 KB uv.lock, read whole; a pip-compile output with
// hashes for 1,000 packages (about 400 KB), streamed; and the fixed cost of a file, with a
// two-line requirements file and the METADATA of pip.
func BenchmarkWasm(b *testing.B) {
	p := loadModule(b)
	uv, err := os.ReadFile(corpustest.Path(b, "lockfiles", "pypi", "real-world", "langflow-base", "uv.lock"))
	if err != nil {
		b.Fatal(err)
	}
	var req strings.Builder
	for i := range 1000 {
		fmt.Fprintf(&req, "package-%d==%d.%d \\\n", i, i%7, i)
		for j := range 3 {
			fmt.Fprintf(&req, "    --hash=sha256:%064x \\\n", i*3+j)
		}
		fmt.Fprintf(&req, "    # via -r requirements.in\n")
	}
	meta, err := os.ReadFile(filepath.Join("python", "metadata", "testdata", "dist", "pip-24.2.METADATA"))
	if err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct {
		name string
		f    fixture
		data []byte
		pkgs int
	}{
		{"uv.lock-real", fixture{rel: "uv.lock", analyzer: analyzerUVLock}, uv, 315},
		{"requirements-1000", fixture{rel: "requirements.txt", analyzer: analyzerRequirements}, []byte(req.String()), 1000},
		{"requirements-small", fixture{rel: "requirements.txt", analyzer: analyzerRequirements}, []byte("flask==2.0.1\nrequests==2.31.0 # via flask\n"), 2},
		{"metadata-pip", fixture{rel: "pip-24.2.dist-info/METADATA", analyzer: analyzerPythonDist}, meta, 1},
	} {
		b.Run(bc.name, func(b *testing.B) {
			ctx := context.Background()
			run := func() {
				res, err := analyzeWasm(ctx, p, bc.f, bc.data, 256<<10)
				if err != nil || len(res.Packages) != bc.pkgs {
					b.Fatalf("%v, %d packages, errors %v", err, len(res.Packages), res.Errors)
				}
			}
			run() // compiles the module and instantiates it: not what is measured
			b.SetBytes(int64(len(bc.data)))
			for b.Loop() {
				run()
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "files/s")
		})
	}
}
