package main

import (
	"context"
	"encoding/json"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/trawlscan/trawl/host/wasm"
	"github.com/trawlscan/trawl/host/wasm/wasmtest"
	"github.com/trawlscan/trawl/internal/corpustest"
	"github.com/trawlscan/trawl/sdk"
)

// loadModule builds this package as a WebAssembly module, with manifest.json packed in,
// and loads it in a host as trawl would, with the limits the manifest asks for.
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
	p, err := h.Load(wasmtest.Build(t, ".", &m), "os.wasm")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close(context.Background()) })
	return p
}

// analyzeWasm streams content into the module in 256 KiB chunks, as the walker does.
func analyzeWasm(ctx context.Context, p *wasm.Plugin, path, analyzer string, content []byte) (*sdk.AnalysisResult, error) {
	s, err := p.BeginFile(ctx, sdk.FileRequest{Path: path, Size: int64(len(content)), Analyzers: []string{analyzer}})
	if err != nil {
		return nil, err
	}
	const chunk = 256 << 10
	for off := 0; off < len(content) && s.Wants(); off += chunk {
		if err := s.Write(ctx, content[off:min(off+chunk, len(content))]); err != nil {
			return nil, err
		}
	}
	return s.End(ctx)
}

// database is a real package database of the corpus and the path the host hands the
// analyzer for it.
type database struct {
	name     string
	corpus   []string // under the corpus root
	path     string
	analyzer string
	packages int
}

var databases = []database{
	{"alpine-3.20.3", []string{"os-pkgdb", "apk", "real-minirootfs-3.20.3", "installed"}, "lib/apk/db/installed", analyzerApk, 14},
	{"debian-12", []string{"os-pkgdb", "dpkg", "real-debian-12-langflow-backend-image", "var", "lib", "dpkg", "status"}, "var/lib/dpkg/status", analyzerDpkg, 140},
	{"ubuntu-18.04", []string{"os-pkgdb", "dpkg", "real-ubuntu-18.04-guestbook_img", "var", "lib", "dpkg", "status"}, "var/lib/dpkg/status", analyzerDpkg, 89},
	{"mariner-2.0-sqlite", []string{"os-pkgdb", "rpm", "go-rpmdb", "cbl-mariner-2.0", "rpmdb.sqlite"}, "var/lib/rpm/rpmdb.sqlite", analyzerRPM, 129},
	{"sle-15-ndb", []string{"os-pkgdb", "rpm", "go-rpmdb", "sle15-bci", "Packages.db"}, "usr/lib/sysimage/rpm/Packages.db", analyzerRPM, 35},
	{"rhel-8-bdb", []string{"os-pkgdb", "rpm", "go-rpmdb", "libuuid", "Packages"}, "var/lib/rpm/Packages", analyzerRPM, 1},
}

func (d database) read(t testing.TB) []byte {
	t.Helper()
	data, err := os.ReadFile(corpustest.Path(t, d.corpus...))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// TestWasm runs the real databases through the built module and checks that it answers
// exactly as the same code does natively: the wasip1 build (the SQLite, Berkeley DB and NDB
// readers included) behaves the same under the host's limits.
func TestWasm(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and compiles the module")
	}
	p := loadModule(t)
	ctx := context.Background()
	for _, d := range databases {
		t.Run(d.name, func(t *testing.T) {
			data := d.read(t)
			want, err := analyze(t, d.path, d.analyzer, string(data))
			if err != nil {
				t.Fatal(err)
			}
			got, err := analyzeWasm(ctx, p, d.path, d.analyzer, data)
			if err != nil {
				t.Fatal(err)
			}
			// The host names the analyzer on each package; natively nobody does.
			for i := range got.Packages {
				if got.Packages[i].Analyzer != d.analyzer {
					t.Fatalf("package %d: analyzer %q", i, got.Packages[i].Analyzer)
				}
				got.Packages[i].Analyzer = ""
			}
			if len(got.Packages) != d.packages || !reflect.DeepEqual(got.Packages, want.Packages) || !reflect.DeepEqual(got.Errors, want.Errors) {
				t.Errorf("wasm: %d packages, errors %v; native: %d packages, errors %v", len(got.Packages), got.Errors, len(want.Packages), want.Errors)
			}
		})
	}
	// A damaged database is a file error through the plugin too, not a failed call.
	res, err := analyzeWasm(ctx, p, "var/lib/rpm/rpmdb.sqlite", analyzerRPM, []byte("SQLite format 3\x00 but nothing else"))
	if err != nil || len(res.Errors) != 1 || !strings.Contains(res.Errors[0].Message, "var/lib/rpm/rpmdb.sqlite: sqlite") {
		t.Errorf("damaged sqlite: %+v, %v", res, err)
	}
}

// BenchmarkWasmVsNative measures packages per second for each package database analyzer on
// the real databases, through the plugin host (256 KiB chunks, module compiled and
// instantiated beforehand) and natively (the same Analyze, compiled for the host), so that
// their ratio is the cost of the sandbox.
func BenchmarkWasmVsNative(b *testing.B) {
	p := loadModule(b)
	ctx := context.Background()
	for _, d := range databases {
		data := d.read(b)
		name := d.analyzer + "/" + d.name
		b.Run(name+"/wasm", func(b *testing.B) {
			run := func() {
				res, err := analyzeWasm(ctx, p, d.path, d.analyzer, data)
				if err != nil || len(res.Packages) != d.packages {
					b.Fatalf("%v, %d packages", err, len(res.Packages))
				}
			}
			run() // compiles and instantiates: not measured
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				run()
			}
			b.ReportMetric(float64(b.N*d.packages)/b.Elapsed().Seconds(), "packages/s")
		})
		b.Run(name+"/native", func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				res, err := (analyzer{}).Analyze(sdk.FileRequest{Path: d.path, Size: int64(len(data)), Analyzers: []string{d.analyzer}}, strings.NewReader(string(data)))
				if err != nil || len(res.Packages) != d.packages {
					b.Fatalf("%v, %d packages", err, len(res.Packages))
				}
			}
			b.ReportMetric(float64(b.N*d.packages)/b.Elapsed().Seconds(), "packages/s")
		})
	}
}
