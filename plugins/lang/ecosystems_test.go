package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/trawlscan/trawl/host/binsection"
	"github.com/trawlscan/trawl/internal/corpustest"
	"github.com/trawlscan/trawl/plugins/lang/rust/auditable"
	"github.com/trawlscan/trawl/sdk"
)

// ecosystemDirs maps each analyzer of the non-Python ecosystems to corpus directories
// (under lockfiles/) of its format, for the comparisons of the module with the native
// parsers. Each parser's own package checks every fixture against a golden file.
var ecosystemDirs = map[string][]string{
	analyzerNpmLock:            {"npm/scalibr-packagelockjson"},
	analyzerBunLock:            {"npm/scalibr-bunlock"},
	analyzerNpmInstalled:       {"npm/scalibr-packagejson/deps"},
	analyzerYarnLock:           {"npm/scalibr-yarnlock", "npm/osv-scanner-v1-yarn"},
	analyzerPnpmLock:           {"npm/scalibr-pnpmlock", "npm/osv-scanner-v1-pnpm"},
	analyzerPomXML:             {"maven/scalibr-pomxml", "maven/osv-scanner-v1-maven"},
	analyzerGradleLock:         {"maven/scalibr-gradlelockfile", "maven/osv-scanner-v1-gradle"},
	analyzerGradleVerification: {"maven/scalibr-gradleverificationmetadataxml"},
	analyzerGoMod:              {"go/scalibr-gomod", "go/osv-scanner-v1-go"},
	analyzerGoVendor:           {"go/scalibr-vendormodules/valid/vendor", "go/scalibr-vendormodules/invalid/vendor"},
	analyzerCargoLock:          {"crates.io/scalibr-cargolock", "crates.io/osv-scanner-v1-cargo"},
	analyzerComposerLock:       {"packagist/scalibr-composerlock", "packagist/osv-scanner-v1-composer"},
	analyzerGemfileLock:        {"rubygems/scalibr-gemfilelock", "rubygems/osv-scanner-v1-bundler"},
	analyzerNuGetLock:          {"nuget/scalibr-packageslockjson", "nuget/osv-scanner-v1-nuget"},
	analyzerPackagesConfig:     {"nuget/scalibr-packagesconfig"},
	analyzerDepsJSON:           {"nuget/scalibr-depsjson"},
	analyzerProjectAssets:      {"nuget/scalibr-projectassetsjson"},
	analyzerMSBuild:            {"nuget/scalibr-csproj", "nuget/scalibr-nugetcpm"},
	analyzerPaketLock:          {"nuget/scalibr-paketlock"},
}

type ecosystemFixture struct {
	analyzer, name string
	data           []byte
}

func ecosystemFixtures(t testing.TB) []ecosystemFixture {
	t.Helper()
	var out []ecosystemFixture
	for analyzer, dirs := range ecosystemDirs {
		for _, d := range dirs {
			root := corpustest.Path(t, "lockfiles", filepath.FromSlash(d))
			entries, err := os.ReadDir(root)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range entries {
				if e.IsDir() {
					continue
				}
				data, err := os.ReadFile(filepath.Join(root, e.Name()))
				if err != nil {
					t.Fatal(err)
				}
				out = append(out, ecosystemFixture{analyzer, d + "/" + e.Name(), data})
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

// auditableFixtures are the .dep-v0 sections of the real cargo-auditable binaries, as the
// host hands them to the analyzer.
func auditableFixtures(t testing.TB) []ecosystemFixture {
	var out []ecosystemFixture
	for _, name := range []string{"no_deps", "uses_serde_json"} {
		data, err := os.ReadFile("rust/auditable/testdata/scalibr/" + name)
		if err != nil {
			t.Fatal(err)
		}
		s, ok, err := binsection.Find(bytes.NewReader(data), int64(len(data)), auditable.Section)
		if err != nil || !ok {
			t.Fatalf("%s: %v", name, err)
		}
		out = append(out, ecosystemFixture{analyzerCargoAudit, "usr/local/bin/" + name, data[s.Offset : s.Offset+s.Size]})
	}
	return out
}

// TestWasmEcosystems runs the fixtures of every non-Python ecosystem through the built
// module and checks that it answers as the native analyzer does.
func TestWasmEcosystems(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("builds and compiles a WebAssembly module")
	}
	p := loadModule(t)
	ctx := context.Background()
	for _, f := range append(ecosystemFixtures(t), auditableFixtures(t)...) {
		got, err := analyzeWasm(ctx, p, fixture{rel: f.name, analyzer: f.analyzer}, f.data, 4096)
		if err != nil {
			t.Fatalf("%s: %v", f.name, err)
		}
		want, err := (analyzer{}).Analyze(sdk.FileRequest{Path: f.name, Analyzers: []string{f.analyzer}}, bytes.NewReader(f.data))
		if err != nil {
			want = &sdk.AnalysisResult{Errors: []sdk.FileError{{Analyzer: f.analyzer, Path: f.name, Message: err.Error()}}}
		}
		for i := range want.Packages {
			want.Packages[i].Analyzer = f.analyzer
		}
		if !reflect.DeepEqual(normalize(got), normalize(want)) {
			t.Errorf("%s: module and native analyzer differ:\n wasm   %+v\n native %+v", f.name, got, want)
		}
	}
}

// nodeModules generates the package.json files of a node_modules tree of n packages, a
// fifth of them scoped, each about 1.5 KB as npm leaves them.
func nodeModules(n int) []ecosystemFixture {
	var out []ecosystemFixture
	for i := range n {
		name := fmt.Sprintf("pkg-%d", i)
		if i%5 == 0 {
			name = fmt.Sprintf("@scope%d/pkg-%d", i%7, i)
		}
		body := fmt.Sprintf(`{
  "name": %q,
  "version": "%d.%d.%d",
  "description": "A package of a generated tree, padded to the size of a real package.json: %s",
  "main": "index.js",
  "types": "index.d.ts",
  "files": ["index.js", "index.d.ts", "lib/"],
  "scripts": {"test": "node test.js", "build": "tsc -p ."},
  "repository": {"type": "git", "url": "git+https://github.com/example/%d.git"},
  "keywords": ["generated", "benchmark", "node_modules"],
  "author": "Example Author <author@example.com>",
  "license": "MIT",
  "dependencies": {"dep-a": "^1.0.0", "dep-b": "~2.3.4", "dep-c": "3.x"},
  "devDependencies": {"typescript": "^5.0.0", "mocha": "^10.0.0"},
  "engines": {"node": ">=14"}
}
`, name, i%10, i%100, i, strings.Repeat("x", 700), i)
		out = append(out, ecosystemFixture{analyzerNpmInstalled, "node_modules/" + name + "/package.json", []byte(body)})
	}
	return out
}

// BenchmarkWasmVsNative measures each analyzer on its corpus fixtures (and the npm-installed
// analyzer on a generated node_modules tree of 2,000 packages) through the module, as trawl
// runs it, and natively: files/s and MB/s, whose ratio is the cost of the sandbox.
func BenchmarkWasmVsNative(b *testing.B) {
	p := loadModule(b)
	ctx := context.Background()
	sets := map[string][]ecosystemFixture{"npm-installed/node_modules-2000": nodeModules(2000), analyzerCargoAudit: auditableFixtures(b)}
	for _, f := range ecosystemFixtures(b) {
		sets[f.analyzer] = append(sets[f.analyzer], f)
	}
	names := make([]string, 0, len(sets))
	for n := range sets {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		files := sets[name]
		total := 0
		for _, f := range files {
			total += len(f.data)
		}
		for _, mode := range []string{"wasm", "native"} {
			b.Run(name+"/"+mode, func(b *testing.B) {
				run := func(f ecosystemFixture) {
					if mode == "wasm" {
						if _, err := analyzeWasm(ctx, p, fixture{rel: f.name, analyzer: f.analyzer}, f.data, 256<<10); err != nil {
							b.Fatal(err)
						}
						return
					}
					(analyzer{}).Analyze(sdk.FileRequest{Path: f.name, Analyzers: []string{f.analyzer}}, bytes.NewReader(f.data))
				}
				run(files[0]) // compiles and instantiates the module: not measured
				b.SetBytes(int64(total))
				n := 0
				for b.Loop() {
					for _, f := range files {
						run(f)
						n++
					}
				}
				b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "files/s")
			})
		}
	}
}
