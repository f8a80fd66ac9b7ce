package main

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/trawlscan/trawl/host/binsection/binsectiontest"
	"github.com/trawlscan/trawl/host/source/sourcetest"
	"github.com/trawlscan/trawl/host/wasm/wasmtest"
	"github.com/trawlscan/trawl/plugins/builtin"
	"github.com/trawlscan/trawl/sdk"
	"github.com/trawlscan/trawl/sdk/schema"
)

var alpineVersions = []string{"3.10.9", "3.12.12", "3.18.9", "3.20.3"}

// trawl runs the CLI in-process and returns its exit status, stdout and stderr.
func trawl(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	return testEnv().runTest(t, args...)
}

// testEnv is the environment of an in-process run: no terminal, a fixed clock, an empty
// environment; tests may change it before runTest.
func testEnv() *env {
	return &env{
		isTerminal: func(io.Writer) bool { return false },
		now:        func() time.Time { return time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC) },
	}
}

// runTest runs the CLI in e, with the tests' compilation cache, and returns its exit
// status, stdout and stderr.
func (e *env) runTest(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	if len(builtin.Modules()) == 0 {
		t.Fatal("no built-in plugins embedded: run `make plugins` (make test does) before go test")
	}
	var stdout, stderr bytes.Buffer
	e.stdout, e.stderr = &stdout, &stderr
	args = append(args, "--cache-dir", filepath.Dir(wasmtest.CacheDir(t)))
	// Scans that name no database list packages only.
	if len(args) > 0 && (args[0] == "image" || args[0] == "fs") && !slices.Contains(args, "--db") {
		args = append(args, "--skip-db")
	}
	code := e.run(args)
	return code, stdout.String(), stderr.String()
}

// reportOf decodes a JSON report and validates it against the report schema.
func reportOf(t *testing.T, out string) *sdk.Report {
	t.Helper()
	var rep sdk.Report
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("report is not JSON: %v\n%s", err, out)
	}
	validateReport(t, []byte(out))
	// The json format is the document the formatters get, as the host encodes it: the
	// formatter writes it as it comes (sdk/plugin.RawFormatter).
	if doc, err := reportDocument(&rep); err != nil || string(doc) != out {
		t.Errorf("the JSON report is not the report document as the host encodes it (%v)", err)
	}
	return &rep
}

// scanJSON scans and decodes the JSON report, requiring the given exit status.
func scanJSON(t *testing.T, wantCode int, args ...string) *sdk.Report {
	t.Helper()
	code, out, errOut := trawl(t, append(args, "-f", "json")...)
	if code != wantCode {
		t.Fatalf("trawl %s: exit %d, want %d\nstderr: %s", strings.Join(args, " "), code, wantCode, errOut)
	}
	return reportOf(t, out)
}

var (
	reportSchemaOnce sync.Once
	reportSchema     *jsonschema.Schema
)

// validateReport checks a report against sdk/schema/report.schema.json.
func validateReport(t *testing.T, raw []byte) {
	t.Helper()
	reportSchemaOnce.Do(func() {
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(schema.Report))
		if err != nil {
			t.Fatal(err)
		}
		c := jsonschema.NewCompiler()
		if err := c.AddResource(schema.ReportID, doc); err != nil {
			t.Fatal(err)
		}
		if reportSchema, err = c.Compile(schema.ReportID); err != nil {
			t.Fatal(err)
		}
	})
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	if err := reportSchema.Validate(doc); err != nil {
		t.Errorf("report does not match the report schema: %v", err)
	}
}

// apkInstalled reads name@version of every package in the lib/apk/db/installed of an Alpine
// minirootfs tarball, with a plain line scan independent of the analyzer under test.
func apkInstalled(t *testing.T, version string) []string {
	t.Helper()
	f, err := os.Open(sourcetest.AlpineTarball(t, version))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(zr)
	for {
		h, err := tr.Next()
		if err != nil {
			t.Fatalf("no lib/apk/db/installed in alpine %s: %v", version, err)
		}
		if strings.TrimPrefix(h.Name, "./") != "lib/apk/db/installed" {
			continue
		}
		var out []string
		name := ""
		s := bufio.NewScanner(tr)
		for s.Scan() {
			line := s.Text()
			switch {
			case strings.HasPrefix(line, "P:"):
				name = line[2:]
			case strings.HasPrefix(line, "V:"):
				out = append(out, name+"@"+line[2:])
			}
		}
		sort.Strings(out)
		return out
	}
}

func packageSet(rep *sdk.Report) []string {
	var out []string
	for _, p := range rep.Packages {
		out = append(out, p.Name+"@"+p.Version)
	}
	sort.Strings(out)
	return out
}

func diffID(t *testing.T, l v1.Layer) string {
	t.Helper()
	d, err := l.DiffID()
	if err != nil {
		t.Fatal(err)
	}
	return d.String()
}

// checkAlpine asserts a report of an Alpine image: the exact packages of its apk database,
// the OS, the ecosystem, and that every package came from the base layer.
func checkAlpine(t *testing.T, rep *sdk.Report, version, baseDiffID string) {
	t.Helper()
	want := apkInstalled(t, version)
	if got := packageSet(rep); !reflect.DeepEqual(got, want) {
		t.Errorf("packages:\n got  %d %v\n want %d %v", len(got), got, len(want), want)
	}
	if rep.OS == nil || rep.OS.Family != "alpine" || rep.OS.Version != version {
		t.Errorf("os = %+v, want alpine %s", rep.OS, version)
	}
	eco := "Alpine:v" + version[:strings.LastIndexByte(version, '.')]
	for _, p := range rep.Packages {
		if p.Ecosystem != eco || p.Type != "apk" || !strings.HasPrefix(p.PURL, "pkg:apk/alpine/"+p.Name+"@") || p.Analyzer != "os/apk" {
			t.Errorf("package %+v: want ecosystem %s, type apk, an apk purl, analyzer os/apk", p, eco)
		}
		if len(p.Locations) != 1 || p.Locations[0].Path != "lib/apk/db/installed" || p.Locations[0].LayerDiffID != baseDiffID {
			t.Errorf("package %s locations = %+v, want lib/apk/db/installed in %s", p.Name, p.Locations, baseDiffID)
		}
	}
	for _, st := range rep.Plugins {
		if st.Name == "os" && st.Status != sdk.PluginOK {
			t.Errorf("os plugin: %+v", st)
		}
	}
}

func TestScanAlpineImages(t *testing.T) {
	versions := alpineVersions
	if raceEnabled {
		versions = versions[len(versions)-1:] // the others repeat the same concurrency
	}
	for _, version := range versions {
		t.Run(version, func(t *testing.T) {
			base := sourcetest.AlpineLayer(t, version)
			app := sourcetest.Layer(t, sourcetest.Dir("srv/"), sourcetest.File("srv/app.txt", "app\n"))
			one := sourcetest.Image(t, base)
			two := sourcetest.Image(t, base, app)
			for _, tc := range []struct {
				shape string
				input string
			}{
				{"one layer, docker-archive", sourcetest.WriteDockerArchive(t, one)},
				{"one layer, OCI layout", sourcetest.WriteLayout(t, one)},
				{"two layers, docker-archive", sourcetest.WriteDockerArchive(t, two)},
				{"two layers, OCI layout", sourcetest.WriteLayout(t, two)},
				{"two layers, OCI tar", sourcetest.WriteOCITar(t, two)},
			} {
				t.Run(tc.shape, func(t *testing.T) {
					rep := scanJSON(t, exitOK, "image", "--input", tc.input)
					checkAlpine(t, rep, version, diffID(t, base))
					if rep.Artifact.Type != sdk.ArtifactImage {
						t.Errorf("artifact type %q", rep.Artifact.Type)
					}
				})
			}
		})
	}
}

func TestScanRegistryAndPlatforms(t *testing.T) {
	host := sourcetest.Registry(t)
	base := sourcetest.AlpineLayer(t, "3.20.3")
	sourcetest.Push(t, host+"/library/alpine:3.20", sourcetest.Image(t, base))
	rep := scanJSON(t, exitOK, "image", host+"/library/alpine:3.20")
	checkAlpine(t, rep, "3.20.3", diffID(t, base))

	arm := sourcetest.AlpineLayer(t, "3.18.9")
	sourcetest.PushIndex(t, host+"/library/multi:1", sourcetest.Index(t, map[string]v1.Image{
		"linux/amd64": sourcetest.ImageFor(t, "linux/amd64", base),
		"linux/arm64": sourcetest.ImageFor(t, "linux/arm64", arm),
	}))
	rep = scanJSON(t, exitOK, "image", host+"/library/multi:1")
	checkAlpine(t, rep, "3.20.3", diffID(t, base))
	if rep.Artifact.Platform != "linux/amd64" {
		t.Errorf("platform %q, want the default linux/amd64", rep.Artifact.Platform)
	}
	rep = scanJSON(t, exitOK, "image", "--platform", "linux/arm64", host+"/library/multi:1")
	checkAlpine(t, rep, "3.18.9", diffID(t, arm))
	if rep.Artifact.Platform != "linux/arm64" {
		t.Errorf("platform %q, want linux/arm64", rep.Artifact.Platform)
	}
	code, _, errOut := trawl(t, "image", "--platform", "linux/s390x", host+"/library/multi:1")
	if code != exitScanError || !strings.Contains(errOut, "linux/arm64") {
		t.Errorf("missing platform: exit %d, stderr %q: want %d and the platforms available", code, errOut, exitScanError)
	}
}

func TestWhiteouts(t *testing.T) {
	base := sourcetest.AlpineLayer(t, "3.20.3")
	musl := "C:Q1\nP:musl\nV:1.2.5-r99\nA:x86_64\no:musl\nL:MIT\n\n"
	for _, tc := range []struct {
		name  string
		upper []sourcetest.TarEntry
		want  []string
		// fromUpper: the packages are attributed to the upper layer.
		fromUpper bool
	}{
		{"database deleted", []sourcetest.TarEntry{sourcetest.Whiteout("lib/apk/db/installed")}, nil, false},
		{"database directory deleted", []sourcetest.TarEntry{sourcetest.Whiteout("lib/apk")}, nil, false},
		{"database replaced", []sourcetest.TarEntry{sourcetest.File("lib/apk/db/installed", musl)}, []string{"musl@1.2.5-r99"}, true},
		{"opaque directory with a new database", []sourcetest.TarEntry{sourcetest.Opaque("lib/apk/db"), sourcetest.File("lib/apk/db/installed", musl)}, []string{"musl@1.2.5-r99"}, true},
		{"unrelated whiteout", []sourcetest.TarEntry{sourcetest.Whiteout("lib/apk/db/installed.bak"), sourcetest.Whiteout("lib/ap")}, apkInstalled(t, "3.20.3"), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			upper := sourcetest.Layer(t, tc.upper...)
			rep := scanJSON(t, exitOK, "image", "--input", sourcetest.WriteDockerArchive(t, sourcetest.Image(t, base, upper)))
			if got := packageSet(rep); !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("packages = %v, want %v", got, tc.want)
			}
			wantLayer := diffID(t, base)
			if tc.fromUpper {
				wantLayer = diffID(t, upper)
			}
			for _, p := range rep.Packages {
				if p.Locations[0].LayerDiffID != wantLayer {
					t.Errorf("%s in layer %s, want %s", p.Name, p.Locations[0].LayerDiffID, wantLayer)
				}
			}
			if rep.OS == nil || rep.OS.Version != "3.20.3" {
				t.Errorf("os = %+v", rep.OS)
			}
		})
	}
}

// hostileManifest selects the files whose names make testdata/hostile misbehave.
func hostileManifest(abi string, timeoutMS int64) *sdk.Manifest {
	return &sdk.Manifest{
		ABI: abi, Name: "hostile", Version: "6.6.6", Kind: sdk.KindAnalyzer,
		Analyzers: []sdk.AnalyzerSpec{{Name: "chaos", Files: []sdk.Selector{{Glob: "chaos/*"}}}},
		Limits:    sdk.Limits{TimeoutMS: timeoutMS, MemoryMiB: 96},
	}
}

// TestFailingPluginFailsAlone runs a hostile plugin beside the built-in ones, one
// misbehaviour per scan: each scan still reports every Alpine package, names the plugin and
// why it failed, and exits 4 (incomplete).
func TestFailingPluginFailsAlone(t *testing.T) {
	base := sourcetest.AlpineLayer(t, "3.20.3")
	for _, tc := range []struct {
		name, file, abi string
		status          string
		errWant         []string
	}{
		{"infinite loop", "loop", "1.0", sdk.PluginFailed, []string{"exceeded its deadline of 500ms"}},
		{"memory bomb", "oom", "1.0", sdk.PluginFailed, []string{"exceeded its memory limit of 96 MiB"}},
		{"trap", "panic", "1.0", sdk.PluginFailed, []string{"trawl_analyze_end trapped"}},
		{"garbage output", "garbage", "1.0", sdk.PluginFailed, []string{"not a valid analysis result"}},
		{"oversized output", "flood", "1.0", sdk.PluginFailed, []string{"more than its limit of 1048576 bytes"}},
		{"repeated failures", "", "1.0", sdk.PluginFailed, []string{"exceeded its deadline", "(and 2 more failed calls)"}},
		{"another ABI major", "fine", "2.0", sdk.PluginRefused, []string{"ABI 2.0", fmt.Sprintf("ABI %d.%d", sdk.ABIMajor, sdk.ABIMinor)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			files := []sourcetest.TarEntry{sourcetest.File("chaos/"+tc.file, "x")}
			if tc.file == "" {
				files = []sourcetest.TarEntry{
					sourcetest.File("chaos/loop", "x"), sourcetest.File("chaos/garbage", "x"),
					sourcetest.File("chaos/panic", "x"), sourcetest.File("chaos/fine", "x"),
				}
			}
			img := sourcetest.WriteDockerArchive(t, sourcetest.Image(t, base, sourcetest.Layer(t, files...)))
			m := hostileManifest(tc.abi, 500)
			m.Limits.OutputBytes = 1 << 20
			plugin := filepath.Join(t.TempDir(), "hostile.wasm")
			if err := os.WriteFile(plugin, wasmtest.Build(t, "../../host/wasm/testdata/hostile", m), 0o644); err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			code, out, errOut := trawl(t, "image", "--input", img, "--plugin", plugin, "-f", "json")
			if code != exitIncomplete {
				t.Fatalf("exit %d, want %d (incomplete)\n%s", code, exitIncomplete, errOut)
			}
			if d := time.Since(start); d > 60*time.Second {
				t.Errorf("took %s", d)
			}
			var rep sdk.Report
			if err := json.Unmarshal([]byte(out), &rep); err != nil {
				t.Fatalf("no report written: %v", err)
			}
			validateReport(t, []byte(out))
			checkAlpine(t, &rep, "3.20.3", diffID(t, base))
			var st *sdk.PluginStatus
			for i := range rep.Plugins {
				if rep.Plugins[i].Name == "hostile" {
					st = &rep.Plugins[i]
				}
			}
			if st == nil || st.Status != tc.status {
				t.Fatalf("hostile plugin status = %+v, want %s", st, tc.status)
			}
			for _, w := range tc.errWant {
				if !strings.Contains(st.Error, w) {
					t.Errorf("status error %q does not say %q", st.Error, w)
				}
			}
			if !strings.Contains(errOut, "plugin hostile "+tc.status) {
				t.Errorf("stderr does not name the plugin: %s", errOut)
			}
		})
	}
}

func TestScanDirectory(t *testing.T) {
	dir := t.TempDir()
	write := func(p, body string) {
		full := filepath.Join(dir, p)
		os.MkdirAll(filepath.Dir(full), 0o755)
		if err := os.WriteFile(full, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("etc/os-release", "ID=alpine\nVERSION_ID=3.20.3\nNAME=\"Alpine Linux\"\n")
	write("lib/apk/db/installed", "P:musl\nV:1.2.5-r0\nA:x86_64\n\nP:zlib\nV:1.3.1-r1\nA:x86_64\n")
	rep := scanJSON(t, exitOK, "fs", dir)
	if got := packageSet(rep); !reflect.DeepEqual(got, []string{"musl@1.2.5-r0", "zlib@1.3.1-r1"}) {
		t.Errorf("packages %v", got)
	}
	if rep.Artifact.Type != sdk.ArtifactFilesystem || len(rep.Artifact.Layers) != 0 {
		t.Errorf("artifact %+v: want a filesystem without layers", rep.Artifact)
	}
	for _, p := range rep.Packages {
		if p.Locations[0].LayerDiffID != "" || p.Ecosystem != "Alpine:v3.20" {
			t.Errorf("%+v", p)
		}
	}
}

func TestTableIsTheDefault(t *testing.T) {
	code, out, _ := trawl(t, "image", "--input", "../../testdata/images/alpine-3.10-demo.tar")
	if code != exitOK {
		t.Fatalf("exit %d", code)
	}
	for _, want := range []string{"Alpine Linux v3.10", "musl", "1.1.22-r4", "flask", "0.12.2", "27 packages (apk: 14, pypi: 13)"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "\x1b[") {
		t.Error("colour escapes in output that is not a terminal")
	}
}

func TestReportFiles(t *testing.T) {
	dir := t.TempDir()
	jsonPath, tablePath := filepath.Join(dir, "r.json"), filepath.Join(dir, "r.txt")
	code, out, errOut := trawl(t, "image", "--input", "../../testdata/images/alpine-3.10-demo.tar", "-f", "json="+jsonPath, "-f", "table", "-o", tablePath)
	if code != exitOK || out != "" {
		t.Fatalf("exit %d, stdout %q, stderr %s", code, out, errOut)
	}
	var rep sdk.Report
	b, _ := os.ReadFile(jsonPath)
	if err := json.Unmarshal(b, &rep); err != nil || len(rep.Packages) != 27 {
		t.Errorf("json report: %v, %d packages", err, len(rep.Packages))
	}
	if b, _ := os.ReadFile(tablePath); !bytes.Contains(b, []byte("27 packages")) {
		t.Errorf("table report: %s", b)
	}
}

func TestUsageAndInputErrors(t *testing.T) {
	demo := "../../testdata/images/alpine-3.10-demo.tar"
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"image"}, exitUsage, "give an image reference, or --input"},
		{[]string{"image", "a", "--input", demo}, exitUsage, "not both"},
		{[]string{"image", "--input", demo, "-f", "yaml"}, exitUsage, `no formatter writes "yaml"`},
		{[]string{"image", "--input", demo, "-f", "json", "-f", "table"}, exitUsage, "2 reports would go to stdout"},
		{[]string{"image", "--input", demo, "--no-such-flag"}, exitUsage, "unknown flag"},
		{[]string{"image", "--input", "/nonexistent/image.tar"}, exitScanError, "/nonexistent/image.tar"},
		{[]string{"image", "--input", "e2e_test.go"}, exitScanError, "e2e_test.go"},
		{[]string{"fs", "/nonexistent/dir"}, exitScanError, "/nonexistent/dir"},
		{[]string{"fs", "e2e_test.go"}, exitScanError, "not a directory"},
		{[]string{"fs"}, exitUsage, "accepts 1 arg"},
		{[]string{"image", "--input", demo, "--plugin", "/nonexistent.wasm"}, exitUsage, "/nonexistent.wasm"},
	} {
		code, out, errOut := trawl(t, tc.args...)
		if code != tc.code || !strings.Contains(errOut, tc.want) {
			t.Errorf("trawl %s: exit %d, stderr %q; want exit %d and %q", strings.Join(tc.args, " "), code, errOut, tc.code, tc.want)
		}
		if code != exitOK && out != "" {
			t.Errorf("trawl %s: wrote %q to stdout on failure", strings.Join(tc.args, " "), out)
		}
	}
}

func TestPluginListAndVersion(t *testing.T) {
	code, out, _ := trawl(t, "plugin", "list")
	if code != exitOK {
		t.Fatalf("exit %d", code)
	}
	for _, want := range []string{"NAME", "os ", "analyzer", "formatters", "formatter", "builtin", "sha256:", "apk", "table"} {
		if !strings.Contains(out, want) {
			t.Errorf("plugin list lacks %q:\n%s", want, out)
		}
	}
	code, out, _ = trawl(t, "version")
	if code != exitOK || !strings.Contains(out, fmt.Sprintf("plugin ABI: %d.%d", sdk.ABIMajor, sdk.ABIMinor)) || !strings.Contains(out, "wazero") {
		t.Errorf("version: %d %q", code, out)
	}
}

// demoDB builds the demo database from the advisories shipped in testdata.
func demoDB(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "demo.db")
	code, out, errOut := trawl(t, "db", "import", "--db", path, "../../testdata/advisories/alpine-secdb", "../../testdata/advisories/pypi")
	if code != exitOK || !strings.Contains(out, "advisories: 1351") {
		t.Fatalf("db import: exit %d\n%s\n%s", code, out, errOut)
	}
	return path
}

func TestScanFindsVulnerabilities(t *testing.T) {
	dbFile := demoDB(t)
	// The real Alpine 3.10.9 has every fix of its secdb; an upper layer that installs an
	// older musl (as a pinned package would) must be reported.
	base := sourcetest.AlpineLayer(t, "3.10.9")
	old := "P:musl\nV:1.1.22-r2\nA:x86_64\no:musl\nL:MIT\n\nP:musl-utils\nV:1.1.22-r2\nA:x86_64\no:musl\nL:MIT BSD GPL2+\n\n"
	upper := sourcetest.Layer(t, sourcetest.File("lib/apk/db/installed", old))
	img := sourcetest.WriteDockerArchive(t, sourcetest.Image(t, base, upper))
	rep := scanJSON(t, exitOK, "image", "--input", img, "--db", dbFile)
	if rep.Database == nil || rep.Database.Advisories != 1351 {
		t.Fatalf("database info %+v", rep.Database)
	}
	var got []string
	for _, v := range rep.Vulnerabilities {
		got = append(got, fmt.Sprintf("%s %s %s %s %s %v %v", v.Package.Name, v.Package.Version, v.ID, v.Status, strings.Join(v.FixedVersions, ","), v.IDs, v.Locations[0].LayerDiffID == diffID(t, upper)))
	}
	want := []string{
		"musl 1.1.22-r2 CVE-2019-14697 fixed 1.1.22-r3 [ALPINE-CVE-2019-14697 CVE-2019-14697] true",
		"musl-utils 1.1.22-r2 CVE-2019-14697 fixed 1.1.22-r3 [ALPINE-CVE-2019-14697 CVE-2019-14697] true",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("findings:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	code, out, _ := trawl(t, "image", "--input", img, "--db", dbFile)
	if code != exitOK || !strings.Contains(out, "Total: 2 (CRITICAL: 0, HIGH: 0, MEDIUM: 0, LOW: 0, NEGLIGIBLE: 0, UNKNOWN: 2)") || !strings.Contains(out, "CVE-2019-14697") {
		t.Errorf("table:\n%s", out)
	}
	// The demo image: its Alpine packages carry every fix of their branch's secdb; its
	// Python app (osv-scanner's vulnerable requirements.txt fixture) does not.
	rep = scanJSON(t, exitOK, "image", "--input", "../../testdata/images/alpine-3.10-demo.tar", "--db", dbFile)
	got = nil
	for _, v := range rep.Vulnerabilities {
		got = append(got, fmt.Sprintf("%s %s %s %s %s %s", v.Package.Name, v.Package.Version, v.ID, v.Severity, strings.Join(v.Advisories, ","), v.Locations[0].Path))
	}
	want = []string{
		"idna 2.7 CVE-2024-3651 HIGH PYSEC-2024-60 srv/app/requirements.txt",
		"urllib3 1.24.3 CVE-2023-43804 HIGH PYSEC-2023-192 srv/app/requirements.txt",
		"urllib3 1.24.3 CVE-2023-45803 MEDIUM PYSEC-2023-212 srv/app/requirements.txt",
		"django 1.11.29 CVE-2021-33203 UNKNOWN PYSEC-2021-98 srv/app/requirements.txt",
		"flask 0.12.2 CVE-2018-1000656 UNKNOWN PYSEC-2018-66 srv/app/requirements.txt",
		"flask 0.12.2 CVE-2019-1010083 UNKNOWN PYSEC-2019-179 srv/app/requirements.txt",
		"flask 0.12.2 CVE-2023-30861 UNKNOWN PYSEC-2023-62 srv/app/requirements.txt",
		"requests 2.20.0 CVE-2023-32681 UNKNOWN PYSEC-2023-74 srv/app/requirements.txt",
		"urllib3 1.24.3 CVE-2020-26137 UNKNOWN PYSEC-2020-148 srv/app/requirements.txt",
		"urllib3 1.24.3 CVE-2021-33503 UNKNOWN PYSEC-2021-108 srv/app/requirements.txt",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("demo image findings:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestDBCommands(t *testing.T) {
	dbFile := demoDB(t)
	code, out, _ := trawl(t, "db", "info", "--db", dbFile)
	if code != exitOK || !strings.Contains(out, "advisories: 1351") || !strings.Contains(out, "alpine-secdb") || !strings.Contains(out, "Alpine:v3.10") {
		t.Errorf("db info: %d\n%s", code, out)
	}
	host := sourcetest.Registry(t)
	ref := host + "/security/trawl-db:latest"
	if code, out, errOut := trawl(t, "db", "push", "--db", dbFile, ref); code != exitOK || !strings.Contains(out, "@sha256:") {
		t.Fatalf("db push: %d %s %s", code, out, errOut)
	}
	pulled := filepath.Join(t.TempDir(), "pulled.db")
	if code, out, errOut := trawl(t, "db", "pull", "--db", pulled, ref); code != exitOK || !strings.Contains(out, "advisories: 1351") {
		t.Fatalf("db pull: %d %s %s", code, out, errOut)
	}
	for _, args := range [][]string{{"db", "update", "--offline"}, {"db", "pull", "--offline", ref}, {"image", "--offline", "alpine:3.20"}} {
		if code, _, errOut := trawl(t, args...); code == exitOK || !strings.Contains(errOut, "offline") {
			t.Errorf("%v: exit %d, %s", args, code, errOut)
		}
	}
	code, _, errOut := trawl(t, "image", "--input", "../../testdata/images/alpine-3.10-demo.tar", "--db", filepath.Join(t.TempDir(), "none.db"))
	if code != exitUsage || !strings.Contains(errOut, "--skip-db") {
		t.Errorf("missing DB: exit %d, %s", code, errOut)
	}
}

// TestScanDebianImage scans the real Debian 12 minbase image of the corpus (a 47 MB gzip
// layer): the 88 installed packages Syft also reads, as dpkg packages of Debian:12.
func TestScanDebianImage(t *testing.T) {
	rep := scanJSON(t, exitOK, "image", "--input", filepath.Join(sourcetest.Corpus(t), "images/debian-bookworm-minbase.tar"))
	if len(rep.Packages) != 88 || rep.OS == nil || rep.OS.Family != "debian" || rep.OS.Version != "12" {
		t.Fatalf("%d packages, os %+v", len(rep.Packages), rep.OS)
	}
	sources := map[string]string{}
	for _, p := range rep.Packages {
		if p.Type != "deb" || p.Ecosystem != "Debian:12" || p.Analyzer != "os/dpkg" || !strings.HasPrefix(p.PURL, "pkg:deb/debian/") {
			t.Errorf("%+v", p)
		}
		sources[p.Name] = p.SourceName + " " + p.SourceVersion
	}
	for name, want := range map[string]string{"libc6": "glibc 2.36-9+deb12u14", "login": "shadow 1:4.13+dfsg1-1+deb12u2", "bash": "bash 5.2.15-2"} {
		if got := sources[name]; got != want {
			t.Errorf("%s: source %q, want %q", name, got, want)
		}
	}
}

// distroDB builds a database from the corpus's real Debian and Ubuntu advisories: the
// Debian security tracker sample, osv.dev's Debian records and Ubuntu's OSV records (of
// standard and Pro streams).
func distroDB(t *testing.T) string {
	t.Helper()
	corpus := sourcetest.Corpus(t)
	path := filepath.Join(t.TempDir(), "distro.db")
	code, out, errOut := trawl(t, "db", "import", "--db", path,
		filepath.Join(corpus, "advisories/distro-samples"),
		filepath.Join(corpus, "advisories/osv/osv-scanner-offline-dbs-sample/Debian"))
	if code != exitOK {
		t.Fatalf("db import: exit %d\n%s\n%s", code, out, errOut)
	}
	return path
}

// TestScanDebianFamilyFindings scans Debian-family root filesystems end to end against real
// distribution advisories. The Ubuntu 18.04 image is built from the corpus's real files of
// a committed container (dpkg status, os-release, lsb-release, debian_version): its glibc
// 2.27-3ubuntu1.4 (binaries libc6 and libc-bin) is affected by CVE-2016-20013, which
// Ubuntu files for 18.04 under its Pro stream (every 18.04 advisory since standard support
// ended), with no fix. Debian 12 minbase meets no advisory of
// the corpus (its Debian records are for Debian 9 and packages minbase lacks), and must
// report none rather than match another release's.
func TestScanDebianFamilyFindings(t *testing.T) {
	dbFile := distroDB(t)
	dir := filepath.Join(sourcetest.Corpus(t), "os-pkgdb/dpkg/real-ubuntu-18.04-guestbook_img")
	files := map[string]string{}
	for _, name := range []string{"etc/os-release", "etc/lsb-release", "etc/debian_version", "var/lib/dpkg/status"} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		files[name] = string(b)
	}
	img := sourcetest.WriteDockerArchive(t, sourcetest.Image(t, sourcetest.LayerFromFiles(t, files)))
	rep := scanJSON(t, exitOK, "image", "--input", img, "--db", dbFile)
	if rep.OS == nil || rep.OS.Family != "ubuntu" || rep.OS.Version != "18.04" || len(rep.Packages) != 89 {
		t.Fatalf("os %+v, %d packages", rep.OS, len(rep.Packages))
	}
	var got []string
	for _, v := range rep.Vulnerabilities {
		got = append(got, fmt.Sprintf("%s %s (%s %s) %s %s %s %s", v.Package.Name, v.Package.Version, v.Package.SourceName, v.Package.Ecosystem,
			v.ID, v.Status, strings.Join(v.FixedVersions, ","), v.Locations[0].Path))
	}
	want := []string{
		"libc-bin 2.27-3ubuntu1.4 (glibc Ubuntu:18.04:LTS) CVE-2016-20013 not_fixed  var/lib/dpkg/status",
		"libc6 2.27-3ubuntu1.4 (glibc Ubuntu:18.04:LTS) CVE-2016-20013 not_fixed  var/lib/dpkg/status",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Ubuntu 18.04 findings:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	rep = scanJSON(t, exitOK, "image", "--input", filepath.Join(sourcetest.Corpus(t), "images/debian-bookworm-minbase.tar"), "--db", dbFile)
	if len(rep.Packages) != 88 || len(rep.Vulnerabilities) != 0 || rep.Database == nil {
		t.Errorf("Debian 12 minbase: %d packages, %d findings, database %+v", len(rep.Packages), len(rep.Vulnerabilities), rep.Database)
	}
}

// rpmImage builds an image of one layer holding a real rpm database of the corpus at dbPath,
// and the os-release its distribution ships.
func rpmImage(t *testing.T, corpusDB, dbPath, osRelease string) string {
	t.Helper()
	db, err := os.ReadFile(filepath.Join(sourcetest.Corpus(t), "os-pkgdb/rpm", corpusDB))
	if err != nil {
		t.Fatal(err)
	}
	return sourcetest.WriteDockerArchive(t, sourcetest.Image(t, sourcetest.LayerFromFiles(t, map[string]string{
		"etc/os-release": osRelease,
		dbPath:           string(db),
	})))
}

// TestScanRPMImages scans images holding the corpus's real rpm databases of two formats,
// with the os-release of their distributions (as the mariner-release and sles-release
// packages in those databases install it): every package, as an rpm of the distribution's
// OSV ecosystem, with its purl. A damaged database next to a good one is a warning and an
// entry in the report's errors; the scan goes on and exits 0.
func TestScanRPMImages(t *testing.T) {
	mariner := rpmImage(t, "go-rpmdb/cbl-mariner-2.0/rpmdb.sqlite", "var/lib/rpm/rpmdb.sqlite", `NAME="Common Base Linux Mariner"
VERSION="2.0.20220226"
ID=mariner
VERSION_ID="2.0"
PRETTY_NAME="CBL-Mariner/Linux"
ANSI_COLOR="1;34"
HOME_URL="https://aka.ms/cbl-mariner"
`)
	rep := scanJSON(t, exitOK, "image", "--input", mariner)
	if rep.OS == nil || rep.OS.Family != "mariner" || len(rep.Packages) != 129 {
		t.Fatalf("os %+v, %d packages", rep.OS, len(rep.Packages))
	}
	for _, p := range rep.Packages {
		if p.Type != "rpm" || p.Ecosystem != "Azure Linux:2" || p.Analyzer != "os/rpm" || p.Locations[0].Path != "var/lib/rpm/rpmdb.sqlite" || p.Vendor != "Microsoft Corporation" {
			t.Errorf("%+v", p)
		}
		if p.Name == "openssl-libs" && p.PURL != "pkg:rpm/mariner/openssl-libs@1.1.1k-7.cm2?arch=x86_64&distro=mariner-2.0&upstream=openssl" {
			t.Errorf("purl %s", p.PURL)
		}
	}

	sle := rpmImage(t, "go-rpmdb/sle15-bci/Packages.db", "usr/lib/sysimage/rpm/Packages.db", `NAME="SLES"
VERSION="15-SP3"
VERSION_ID="15.3"
PRETTY_NAME="SUSE Linux Enterprise Server 15 SP3"
ID="sles"
ID_LIKE="suse"
CPE_NAME="cpe:/o:suse:sles:15:sp3"
`)
	rep = scanJSON(t, exitOK, "image", "--input", sle)
	if len(rep.Packages) != 35 {
		t.Fatalf("%d packages", len(rep.Packages))
	}
	for _, p := range rep.Packages {
		if p.Ecosystem != "SUSE:Linux Enterprise Server 15 SP3" || !strings.HasPrefix(p.PURL, "pkg:rpm/suse/") {
			t.Errorf("%s: %s %s", p.Name, p.Ecosystem, p.PURL)
		}
	}

	damaged := sourcetest.WriteDockerArchive(t, sourcetest.Image(t, sourcetest.AlpineLayer(t, "3.20.3"),
		sourcetest.LayerFromFiles(t, map[string]string{"var/lib/rpm/Packages": "\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x61\x15\x06\x00 truncated"})))
	code, out, errOut := trawl(t, "image", "--input", damaged, "-f", "json")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var r sdk.Report
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	if len(r.Packages) != 14 || len(r.Errors) != 1 || r.Errors[0].Analyzer != "os/rpm" || !strings.Contains(r.Errors[0].Message, "var/lib/rpm/Packages: bdb") {
		t.Errorf("%d packages, errors %+v", len(r.Packages), r.Errors)
	}
	if !strings.Contains(errOut, "trawl: warning: os/rpm: var/lib/rpm/Packages: bdb") {
		t.Errorf("stderr: %s", errOut)
	}
}

// buildGoBinary builds a small Go program with the machine's toolchain: a real binary whose
// build information names its main module and the Go release that built it.
func buildGoBinary(t *testing.T) []byte {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module example.com/hello\n\ngo 1.22\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte("package main\n\nfunc main() { println(\"hello\") }\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(filepath.Join(runtime.GOROOT(), "bin", "go"), "build", "-trimpath", "-ldflags=-s -w", "-o", "hello", ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOPROXY=off", "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	b, err := os.ReadFile(filepath.Join(dir, "hello"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// languageFiles are real lock files of the corpus, under the names their tools give them:
// a go.mod (osv-scanner's fixture, with golang.org/x/sys of 2021), osv-scanner's Cargo.lock
// with net2 0.2.33, and the demo app's requirements.txt (osv-scanner's vulnerable Python
// fixture).
func languageFiles(t *testing.T) map[string]string {
	t.Helper()
	corpus := sourcetest.Corpus(t)
	files := map[string]string{}
	for name, src := range map[string]string{
		"srv/app/go.mod":          filepath.Join(corpus, "lockfiles/go/osv-scanner-v1-go/indirect-packages.mod"),
		"srv/rust/Cargo.lock":     filepath.Join(corpus, "expected/osv-scanner/scan/source/testdata/exp-plugins-pkgdeprecate/deprecated-vuln/Cargo.lock"),
		"srv/py/requirements.txt": "../../testdata/app/requirements.txt",
	} {
		b, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		files[name] = string(b)
	}
	return files
}

// TestScanLanguageFindings scans a source tree and an image holding real lock files of Go,
// Rust and Python, and a Go binary, against a database of the corpus's real Go, crates.io
// and PyPI advisories: the same findings from both, and the binary's Go release as the
// stdlib package.
func TestScanLanguageFindings(t *testing.T) {
	corpus := sourcetest.Corpus(t)
	dbFile := filepath.Join(t.TempDir(), "lang.db")
	if code, out, errOut := trawl(t, "db", "import", "--db", dbFile, filepath.Join(corpus, "advisories/osv/go"),
		filepath.Join(corpus, "advisories/osv/crates.io"), "../../testdata/advisories/pypi"); code != exitOK {
		t.Fatalf("db import: %d\n%s\n%s", code, out, errOut)
	}
	files := languageFiles(t)
	want := []string{
		"golang.org/x/sys v0.0.0-20210630005230-0f9fa26af87c CVE-2022-29526 srv/app/go.mod",
		"golang.org/x/sys v0.0.0-20210630005230-0f9fa26af87c CVE-2026-39824 srv/app/go.mod",
		"idna 2.7 CVE-2024-3651 srv/py/requirements.txt",
		"net2 0.2.33 CVE-2020-35919 srv/rust/Cargo.lock",
		"net2 0.2.33 RUSTSEC-2020-0016 srv/rust/Cargo.lock",
		"urllib3 1.24.3 CVE-2023-43804 srv/py/requirements.txt",
	}
	findings := func(rep *sdk.Report) []string {
		var got []string
		for _, v := range rep.Vulnerabilities {
			if v.Package.Name == "django" || v.Package.Name == "flask" || v.Package.Name == "requests" || v.Package.Name == "urllib3" && v.ID != "CVE-2023-43804" {
				continue // the Python fixture's other findings: TestScanFindsVulnerabilities has them all
			}
			got = append(got, fmt.Sprintf("%s %s %s %s", v.Package.Name, v.Package.Version, v.ID, v.Locations[0].Path))
		}
		sort.Strings(got)
		return got
	}

	tree := t.TempDir()
	for name, body := range files {
		p := filepath.Join(tree, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	rep := scanJSON(t, exitOK, "fs", tree, "--db", dbFile)
	if got := findings(rep); !reflect.DeepEqual(got, want) {
		t.Errorf("source tree findings:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	// Rust executables: one built by cargo-auditable (real), and one whose .dep-v0 section
	// lists a vulnerable smallvec, in an ELF file written by the test.
	serdeJSON, err := os.ReadFile("../../plugins/lang/rust/auditable/testdata/scalibr/uses_serde_json")
	if err != nil {
		t.Fatal(err)
	}
	var deps bytes.Buffer
	zw := zlib.NewWriter(&deps)
	zw.Write([]byte(`{"format":1,"packages":[{"name":"rusty","version":"0.1.0","source":"local","root":true,"dependencies":[1]},{"name":"smallvec","version":"0.6.13","source":"crates.io"}]}`))
	zw.Close()
	rusty := binsectiontest.ELF(binsectiontest.Section{Name: ".text", Data: []byte("code")}, binsectiontest.Section{Name: ".dep-v0", Data: deps.Bytes()})
	entries := []sourcetest.TarEntry{
		{Name: "usr/local/bin/hello", Body: string(buildGoBinary(t)), Mode: 0o755},
		{Name: "usr/local/bin/rusty", Body: string(rusty), Mode: 0o755},
		{Name: "usr/local/bin/uses_json", Body: string(serdeJSON), Mode: 0o755},
	}
	// RUSTSEC-2021-0003 is reported by its CVE alias.
	want = append(want, "smallvec 0.6.13 CVE-2021-25900 usr/local/bin/rusty")
	sort.Strings(want)
	for name, body := range files {
		entries = append(entries, sourcetest.File(name, body))
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].Name < entries[j].Name })
	img := sourcetest.WriteDockerArchive(t, sourcetest.Image(t, sourcetest.AlpineLayer(t, "3.20.3"), sourcetest.Layer(t, entries...)))
	rep = scanJSON(t, exitOK, "image", "--input", img, "--db", dbFile)
	if got := findings(rep); !reflect.DeepEqual(got, want) {
		t.Errorf("image findings:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	var stdlib *sdk.Package
	for i, p := range rep.Packages {
		if p.Name == "stdlib" {
			stdlib = &rep.Packages[i]
		}
	}
	var serde []string
	for _, p := range rep.Packages {
		if p.Locations[0].Path == "usr/local/bin/uses_json" && p.Analyzer == "lang/cargo-auditable" {
			serde = append(serde, p.Name+"@"+p.Version)
		}
	}
	sort.Strings(serde)
	if wantSerde := []string{"itoa@1.0.14", "memchr@2.7.4", "proc-macro2@1.0.92", "quote@1.0.38", "ryu@1.0.18", "serde@1.0.217", "serde_derive@1.0.217", "serde_json@1.0.135", "syn@2.0.95", "unicode-ident@1.0.14"}; !reflect.DeepEqual(serde, wantSerde) {
		t.Errorf("packages of the cargo-auditable binary: %q, want %q", serde, wantSerde)
	}
	wantVersion := strings.TrimPrefix(runtime.Version(), "go")
	if stdlib == nil || stdlib.Version != wantVersion || stdlib.Ecosystem != "Go" || stdlib.Analyzer != "lang/go-binary" || stdlib.Locations[0].Path != "usr/local/bin/hello" {
		t.Errorf("stdlib of the Go binary: %+v, want version %s", stdlib, wantVersion)
	}
}

// TestScanMavenProject: the POMs of a multi-module project, in a source tree and in an
// image layer, reach the plugin together, so that versions from the parent POM, its
// properties and a BOM of the tree are resolved; the dependency whose version comes from
// a parent outside the tree is a warning.
func TestScanMavenProject(t *testing.T) {
	root := "../../plugins/lang/java/pomxml/testdata/project"
	want := []string{
		"app/pom.xml:11 com.example:example-lib 1.4.0",
		"app/pom.xml:16 com.fasterxml.jackson.core:jackson-databind 2.9.8",
		"app/pom.xml:20 com.google.guava:guava 30.0-jre",
		"app/pom.xml:24 org.apache.logging.log4j:log4j-core 2.14.1",
		"lib/pom.xml:15 com.fasterxml.jackson.core:jackson-databind 2.10.0",
		"lib/pom.xml:19 junit:junit 4.12",
		"pom.xml:53 org.slf4j:slf4j-api 1.7.30",
		"tools/pom.xml:12 junit:junit 4.12",
		"tools/pom.xml:16 com.example:example-app 1.4.0",
	}
	packages := func(rep *sdk.Report, prefix string) []string {
		var got []string
		for _, p := range rep.Packages {
			if p.Analyzer == "lang/pom-xml" {
				got = append(got, fmt.Sprintf("%s:%d %s %s", strings.TrimPrefix(p.Locations[0].Path, prefix), p.Locations[0].Line, p.Name, p.Version))
			}
		}
		sort.Strings(got)
		return got
	}
	unresolved := func(rep *sdk.Report) bool {
		for _, e := range rep.Errors {
			if strings.HasSuffix(e.Path, "app/pom.xml") && strings.Contains(e.Message, "spring-boot-starter-web (version from parent org.springframework.boot:spring-boot-starter-parent:2.5.0") {
				return true
			}
		}
		return false
	}
	sort.Strings(want)
	rep := scanJSON(t, exitOK, "fs", root, "--skip-db")
	if got := packages(rep, ""); !reflect.DeepEqual(got, want) {
		t.Errorf("source tree:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if !unresolved(rep) {
		t.Errorf("source tree: no error for spring-boot-starter-web: %+v", rep.Errors)
	}

	var entries []sourcetest.TarEntry
	for _, name := range []string{"pom.xml", "app/pom.xml", "bom/pom.xml", "lib/pom.xml", "tools/pom.xml"} {
		body, err := os.ReadFile(filepath.Join(root, name))
		if err != nil {
			t.Fatal(err)
		}
		entries = append(entries, sourcetest.File("srv/"+name, string(body)))
	}
	img := sourcetest.WriteDockerArchive(t, sourcetest.Image(t, sourcetest.AlpineLayer(t, "3.20.3"), sourcetest.Layer(t, entries...)))
	rep = scanJSON(t, exitOK, "image", "--input", img, "--skip-db")
	if got := packages(rep, "srv/"); !reflect.DeepEqual(got, want) {
		t.Errorf("image:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if !unresolved(rep) {
		t.Errorf("image: no error for spring-boot-starter-web: %+v", rep.Errors)
	}
}
