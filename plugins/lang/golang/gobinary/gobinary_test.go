package gobinary

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/iotest"

	"golang.org/x/mod/module"
	modzip "golang.org/x/mod/zip"

	"github.com/trawlscan/trawl/plugins/lang/golang/internal/stdlib"
	"github.com/trawlscan/trawl/plugins/lang/internal/collect"
	"github.com/trawlscan/trawl/plugins/lang/internal/langtest"
)

const path = "usr/local/bin/app"

// blob returns build information as the linker lays it out: the header, then the runtime
// version and the module information, each after its uvarint length.
func blob(ptrSize, flags byte, version, modinfo string) []byte {
	h := make([]byte, headerSize)
	copy(h, magic)
	h[len(magic)], h[len(magic)+1] = ptrSize, flags
	h = binary.AppendUvarint(h, uint64(len(version)))
	h = append(h, version...)
	h = binary.AppendUvarint(h, uint64(len(modinfo)))
	return append(h, modinfo...)
}

// wrap puts module information between its sentinels.
func wrap(s string) string { return string(infoStart) + s + string(infoEnd) }

const appInfo = "path\texample.com/app/cmd/app\n" +
	"mod\texample.com/app\tv1.4.0\th1:abc=\n" +
	"dep\tgithub.com/a/b\tv1.2.3\th1:def=\n" +
	"dep\tgithub.com/c/d\tv0.1.0\n=>\tgithub.com/fork/d\tv0.1.1\th1:ghi=\n\n" +
	"dep\tgithub.com/e/f\tv1.0.0\n=>\t../f\t\n\n" +
	"build\t-compiler=gc\nbuild\tCGO_ENABLED=0\nbuild\tvcs.revision=abc\n"

var appPkgs = []string{"stdlib@1.22.3", "example.com/app@v1.4.0", "github.com/a/b@v1.2.3", "github.com/fork/d@v0.1.1"}

func show(res *collect.Result) (pkgs, problems []string) {
	for _, p := range res.Packages {
		pkgs = append(pkgs, p.Name+"@"+p.Version)
		if p.Locations[0].Line != 0 || p.Indirect || p.Dev {
			pkgs[len(pkgs)-1] += "!"
		}
	}
	for _, p := range res.Problems {
		problems = append(problems, strings.TrimPrefix(p.Error(), path+": "))
	}
	return pkgs, problems
}

func TestParse(t *testing.T) {
	valid := blob(8, 2, "go1.22.3", wrap(appInfo))
	literal := append([]byte("\xff Go buildinf:\x01\x02 some other string data"), make([]byte, 40)...)
	for _, tt := range []struct {
		name           string
		in             []byte
		pkgs, problems []string
		err            string
	}{
		{name: "at the start", in: valid, pkgs: appPkgs,
			problems: []string{"unresolved: github.com/e/f v1.0.0 => ../f (replaced by local path)"}},
		{name: "after other data", in: append(bytes.Repeat([]byte("\x7fELF\x00"), 30000), valid...), pkgs: appPkgs,
			problems: []string{"unresolved: github.com/e/f v1.0.0 => ../f (replaced by local path)"}},
		{name: "after the magic as a string constant", in: slices.Concat(literal, blob(8, 0, "", ""), []byte("xx"), valid), pkgs: appPkgs,
			problems: []string{"unresolved: github.com/e/f v1.0.0 => ../f (replaced by local path)"}},
		{name: "4-byte pointers, big endian flag", in: blob(4, 3, "go1.21.0", wrap("mod\tm\tv1.0.0\t\n")), pkgs: []string{"stdlib@1.21.0", "m@v1.0.0"}},
		{name: "experiments in the version", in: blob(8, 2, "go1.22.3 X:boringcrypto", ""), pkgs: []string{"stdlib@1.22.3"}},
		{name: "release candidate", in: blob(8, 2, "go1.23rc2", ""), pkgs: []string{"stdlib@1.23.0-rc.2"}},
		{name: "devel toolchain, devel main module", in: blob(8, 2, "devel go1.23-abcdef Tue Jan 2 15:04:05 2024 +0000",
			wrap("path\tx\nmod\texample.com/x\t(devel)\t\ndep\texample.com/y\tv1.0.0\th1:x=\n")),
			pkgs: []string{"example.com/y@v1.0.0"},
			problems: []string{
				"unresolved: stdlib devel go1.23-abcdef Tue Jan 2 15:04:05 2024 +0000 (development toolchain, no release version)",
				"unresolved: example.com/x (devel) (built from a source tree, no module version)",
			}},
		{name: "odd lines", in: blob(8, 2, "go1.20", wrap("mod\tm\n=>\tx\tv1.0.0\t\ndep\ta\tnope\t\ndep\tb\tv1.0.0\n=>\tc\n"+
			"=>\td\tv1.0.0\t\nfrob\tx\ndep\td\tv1.0.0\t\n=>\t/abs/dir\tv1.0.0\t\ndep\te\tv1.0.0\t\n=>\tf\t(devel)\t\n")),
			pkgs: []string{"stdlib@1.20.0"},
			problems: []string{
				`build information line "mod\tm" not understood, ignored`,
				`build information line "=>\tx\tv1.0.0\t" not understood, ignored`,
				`build information line "=>\tc" not understood, ignored`,
				`build information line "=>\td\tv1.0.0\t" not understood, ignored`,
				`build information line "frob\tx" not understood, ignored`,
				"unresolved: a nope (not a module version)",
				"unresolved: b v1.0.0 (replacement not understood)",
				"unresolved: d v1.0.0 => /abs/dir v1.0.0 (replaced by local path)",
				"unresolved: e v1.0.0 => f (devel) (replaced by local path)",
			}},
		{name: "version not a release", in: blob(8, 2, "go1.21", ""), problems: []string{"unresolved: stdlib go1.21 (not a Go release version)"}},
		{name: "empty", in: nil, err: "not a Go binary: no Go build information"},
		{name: "no magic", in: bytes.Repeat([]byte("\x00 Go buildinf"), 10000), err: "not a Go binary: no Go build information"},
		{name: "magic at the end", in: []byte("xx\xff Go buildinf:\x08\x02"), err: "not a Go binary, or damaged: Go build information cut short"},
		{name: "module information cut short", in: valid[:45], err: "not a Go binary, or damaged: Go build information module information: cut short"},
		{name: "version cut short", in: valid[:35], err: "not a Go binary, or damaged: Go build information runtime version: cut short"},
		{name: "huge length", in: slices.Concat(valid[:headerSize], binary.AppendUvarint(nil, 1<<62), []byte("go1.2")),
			err: fmt.Sprintf("not a Go binary, or damaged: Go build information runtime version: length %d larger than %d", uint64(1<<62), maxVersion)},
		{name: "huge module information", in: slices.Concat(blob(8, 2, "go1.22.0", "")[:headerSize+9], binary.AppendUvarint(nil, maxModInfo+1)),
			err: fmt.Sprintf("not a Go binary, or damaged: Go build information module information: length %d larger than %d", maxModInfo+1, maxModInfo)},
		{name: "invalid varint", in: slices.Concat(valid[:headerSize], bytes.Repeat([]byte{0xff}, 12)),
			err: "not a Go binary, or damaged: Go build information runtime version: invalid length"},
		{name: "not a version", in: blob(8, 2, "hello", ""), err: `not a Go binary, or damaged: Go build information runtime version "hello" is not a Go version`},
		{name: "no sentinels", in: blob(8, 2, "go1.22.0", "mod\tm\tv1.0.0\t\n"), err: "not a Go binary, or damaged: Go build information module information without its sentinels"},
		{name: "before Go 1.18", in: slices.Concat(blob(8, 0, "", "")[:headerSize], make([]byte, 64)),
			err: "Go build information in the format before Go 1.18 (pointers into the binary), not read"},
		{name: "only the string constant", in: literal, err: "not a Go binary: no Go build information"},
		{name: "module information without a header (WebAssembly)", in: slices.Concat([]byte("data"), []byte(wrap("mod\tm\tv1.0.0\t\ndep\td\tv0.1.0\th1:x=\n")), literal),
			pkgs:     []string{"m@v1.0.0", "d@v0.1.0"},
			problems: []string{"Go build information: no header (a WebAssembly binary: its linker leaves the header out): the Go version is unknown, stdlib not reported"}},
		{name: "module information handed alone", in: slices.Concat([]byte(wrap("mod\tm\tv1.0.0\t\n")), make([]byte, 100)),
			pkgs:     []string{"m@v1.0.0"},
			problems: []string{"Go build information: no header before the module information: the Go version is unknown, stdlib not reported"}},
		{name: "module information and a header before Go 1.18", in: slices.Concat([]byte("x"), []byte(wrap("mod\tm\tv1.0.0\t\n")), make([]byte, 7), blob(4, 1, "", "")[:headerSize], make([]byte, 16)),
			pkgs:     []string{"m@v1.0.0"},
			problems: []string{"Go build information: the header is in the format before Go 1.18 (pointers into the binary): the Go version is unknown, stdlib not reported"}},
		{name: "module information and a valid header", in: slices.Concat([]byte("x"), []byte(wrap("mod\tother\tv9.0.0\t\n")), valid), pkgs: appPkgs,
			problems: []string{"unresolved: github.com/e/f v1.0.0 => ../f (replaced by local path)"}},
		{name: "module information and a header cut short", in: slices.Concat([]byte("x"), []byte(wrap("mod\tm\tv1.0.0\t\n")), valid[:40]),
			pkgs:     []string{"m@v1.0.0"},
			problems: []string{"Go build information: the header is damaged (runtime version: cut short): the Go version is unknown, stdlib not reported"}},
		{name: "module information without its end", in: slices.Concat([]byte("x"), infoStart, bytes.Repeat([]byte("mod\tm\tv1.0.0\t\n"), 1000)),
			err: "not a Go binary: no Go build information"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			langtest.Check(t, Parse, path, "golang", tt.in)
			res, err := Parse(path, bytes.NewReader(tt.in))
			if tt.err != "" {
				if err == nil || err.Error() != path+": "+tt.err {
					t.Fatalf("err = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			pkgs, problems := show(res)
			if !slices.Equal(pkgs, tt.pkgs) {
				t.Errorf("packages:\n got %q\nwant %q", pkgs, tt.pkgs)
			}
			if !slices.Equal(problems, tt.problems) {
				t.Errorf("problems:\n got %q\nwant %q", problems, tt.problems)
			}
		})
	}
}

// countingReader counts what is read through it.
type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

// TestStopsReading checks that the parser does not read the rest of a file after the
// build information: the host hands it a binary from the magic on.
func TestStopsReading(t *testing.T) {
	data := append(blob(8, 2, "go1.22.3", wrap(appInfo)), make([]byte, 10<<20)...)
	c := &countingReader{r: bytes.NewReader(data)}
	if _, err := Parse(path, c); err != nil {
		t.Fatal(err)
	}
	if c.n > 4*chunk {
		t.Errorf("read %d bytes", c.n)
	}
}

// Real binaries, built by the test with the go command from a module proxy in a
// directory (GOPROXY=file://...), so that the build needs no network: a program with a
// dependency, a dependency replaced by another module and one replaced by a directory,
// built plain, with -trimpath, stripped, for WebAssembly and for Windows on 386; and a
// program installed with `go install module@version`, whose main module has a version.

var (
	buildOnce sync.Once
	built     map[string][]byte
	buildErr  error
	goVersion string
)

func TestMain(m *testing.M) {
	code := m.Run()
	if tmp != "" {
		os.RemoveAll(tmp)
	}
	os.Exit(code)
}

var tmp string

func write(t testing.TB, name, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(name, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// publish puts the module in dir on the proxy at version.
func publish(t testing.TB, proxy, dir, path, version string) {
	t.Helper()
	at := filepath.Join(proxy, path, "@v")
	gomod, err := os.ReadFile(filepath.Join(dir, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(at, version+".mod"), string(gomod))
	write(t, filepath.Join(at, version+".info"), fmt.Sprintf(`{"Version":%q,"Time":"2024-01-02T03:04:05Z"}`, version))
	write(t, filepath.Join(at, "list"), version+"\n")
	f, err := os.Create(filepath.Join(at, version+".zip"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := modzip.CreateFromDir(f, module.Version{Path: path, Version: version}, dir); err != nil {
		t.Fatal(err)
	}
}

func goCmd(t testing.TB, dir string, env []string, args ...string) {
	t.Helper()
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// binaries builds the test programs once and returns them by name.
func binaries(t *testing.T) map[string][]byte {
	t.Helper()
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command to build test binaries")
	}
	buildOnce.Do(func() {
		var err error
		if tmp, err = os.MkdirTemp("", "gobinary-test"); err != nil {
			buildErr = err
			return
		}
		// A failed build must fail every test that needs it, not only the first.
		ok := false
		t.Cleanup(func() {
			if !ok {
				buildErr = fmt.Errorf("building the test binaries failed")
			}
		})
		built = build(t, tmp)
		ok = true
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return built
}

func build(t *testing.T, tmp string) map[string][]byte {
	proxy := filepath.Join(tmp, "proxy")
	env := []string{
		"GOPROXY=file://" + filepath.ToSlash(proxy), "GOSUMDB=off", "GONOSUMDB=", "GOPRIVATE=", "GOFLAGS=-mod=mod -modcacherw -buildvcs=false",
		"GOTOOLCHAIN=local", "GOWORK=off", "GO111MODULE=on", "CGO_ENABLED=0",
		"GOMODCACHE=" + filepath.Join(tmp, "modcache"), "GOBIN=" + filepath.Join(tmp, "bin"),
	}
	out, err := exec.Command("go", "env", "GOVERSION").Output()
	if err != nil {
		t.Fatal(err)
	}
	goVersion = strings.TrimSpace(string(out))

	dep := filepath.Join(tmp, "src", "dep")
	write(t, filepath.Join(dep, "go.mod"), "module example.com/dep\n\ngo 1.21\n")
	write(t, filepath.Join(dep, "dep.go"), "package dep\n\nfunc Name() string { return \"dep\" }\n")
	publish(t, proxy, dep, "example.com/dep", "v1.2.3")
	// A fork keeps the path of the module it forks in its go.mod.
	fork := filepath.Join(tmp, "src", "fork")
	write(t, filepath.Join(fork, "go.mod"), "module example.com/replaced\n\ngo 1.21\n")
	write(t, filepath.Join(fork, "r.go"), "package replaced\n\nfunc Name() string { return \"fork\" }\n")
	publish(t, proxy, fork, "example.com/fork", "v1.5.0")

	tool := filepath.Join(tmp, "src", "tool")
	write(t, filepath.Join(tool, "go.mod"), "module example.com/tool\n\ngo 1.21\n\nrequire example.com/dep v1.2.3\n")
	write(t, filepath.Join(tool, "main.go"), "package main\n\nimport \"example.com/dep\"\n\nfunc main() { println(dep.Name()) }\n")
	goCmd(t, tool, env, "mod", "tidy")
	publish(t, proxy, tool, "example.com/tool", "v1.0.0")

	app := filepath.Join(tmp, "src", "app")
	write(t, filepath.Join(app, "go.mod"), `module example.com/app

go 1.21

require (
	example.com/dep v1.2.3
	example.com/local v0.0.0
	example.com/replaced v1.0.0
)

replace example.com/replaced v1.0.0 => example.com/fork v1.5.0

replace example.com/local => ./local
`)
	write(t, filepath.Join(app, "local", "go.mod"), "module example.com/local\n\ngo 1.21\n")
	write(t, filepath.Join(app, "local", "l.go"), "package local\n\nfunc Name() string { return \"local\" }\n")
	// debug/buildinfo holds the magic as a string constant: the parser must pass it by.
	write(t, filepath.Join(app, "main.go"), `package main

import (
	"debug/buildinfo"
	"os"

	"example.com/dep"
	"example.com/local"
	"example.com/replaced"
)

func main() {
	println(dep.Name(), local.Name(), replaced.Name())
	if len(os.Args) > 1 {
		buildinfo.ReadFile(os.Args[1])
	}
}
`)
	goCmd(t, app, env, "mod", "tidy")

	out2 := map[string][]byte{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	variants := map[string][]string{
		"plain":    {"GOOS=linux", "GOARCH=amd64"},
		"trimpath": {"GOOS=linux", "GOARCH=amd64", "-trimpath"},
		"stripped": {"GOOS=linux", "GOARCH=amd64", "-ldflags=-s -w"},
		"wasip1":   {"GOOS=wasip1", "GOARCH=wasm"},
	}
	if !testing.Short() {
		variants["windows-386"] = []string{"GOOS=windows", "GOARCH=386"}
	}
	errs := make(chan error, len(variants)+1)
	for name, v := range variants {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var e, flags []string
			for _, x := range v {
				if strings.HasPrefix(x, "-") {
					flags = append(flags, x)
				} else {
					e = append(e, x)
				}
			}
			exe := filepath.Join(tmp, "out", name)
			cmd := exec.Command("go", append(append([]string{"build", "-o", exe}, flags...), ".")...)
			cmd.Dir = app
			cmd.Env = append(append(os.Environ(), env...), e...)
			if o, err := cmd.CombinedOutput(); err != nil {
				errs <- fmt.Errorf("build %s: %v\n%s", name, err, o)
				return
			}
			data, err := os.ReadFile(exe)
			if err != nil {
				errs <- err
				return
			}
			mu.Lock()
			out2[name] = data
			mu.Unlock()
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	goCmd(t, tmp, append(env, "GOOS=linux", "GOARCH=amd64"), "install", "example.com/tool@v1.0.0")
	data, err := os.ReadFile(filepath.Join(tmp, "bin", "tool"))
	if err != nil {
		t.Fatal(err)
	}
	out2["installed"] = data
	return out2
}

func TestBinaries(t *testing.T) {
	bins := binaries(t)
	std, ok := stdlib.Version(goVersion)
	if !ok {
		t.Skipf("toolchain %s is not a release", goVersion)
	}
	total := 0
	for name, data := range bins {
		total += len(data)
		t.Run(name, func(t *testing.T) {
			wantPkgs := []string{"stdlib@" + std, "example.com/dep@v1.2.3", "example.com/fork@v1.5.0"}
			wantProblems := []string{
				"unresolved: example.com/app (devel) (built from a source tree, no module version)",
				"unresolved: example.com/local v0.0.0 => ./local (devel) (replaced by local path)",
			}
			if name == "installed" {
				wantPkgs = []string{"stdlib@" + std, "example.com/tool@v1.0.0", "example.com/dep@v1.2.3"}
				wantProblems = nil
			}
			check := func(what string, r io.Reader, note string) {
				t.Helper()
				res, err := Parse(path, r)
				if err != nil {
					t.Fatalf("%s: %v", what, err)
				}
				pkgs, problems := show(res)
				wp, wpr := wantPkgs, wantProblems
				if note != "" {
					// Without the header, the Go version is unknown.
					wp = wantPkgs[1:]
					wpr = append([]string{"Go build information: " + note + ": the Go version is unknown, stdlib not reported"}, wantProblems...)
				}
				if !slices.Equal(pkgs, wp) || !slices.Equal(problems, wpr) {
					t.Errorf("%s:\n got %q %q\nwant %q %q", what, pkgs, problems, wp, wpr)
				}
			}
			if name == "wasip1" {
				// The WebAssembly linker writes no header (cmd/link/internal/wasm writes a
				// fixed list of sections, without .go.buildinfo), but the module
				// information is in the data.
				for off := 0; ; off++ {
					i := bytes.Index(data[off:], magic)
					if i < 0 {
						break
					}
					off += i
					if p := data[off+len(magic)]; (p == 4 || p == 8) && data[off+len(magic)+1]&flagsInline != 0 {
						t.Error("the WebAssembly binary has a header now: the parser can say more")
					}
				}
				check("whole file", bytes.NewReader(data), "no header (a WebAssembly binary: its linker leaves the header out)")
				off := bytes.Index(data, infoStart)
				check("from the module information", bytes.NewReader(data[off:]), "no header before the module information")
				return
			}
			check("whole file", bytes.NewReader(data), "")
			// What the host sends: the file from a magic. Every magic up to the header's
			// must do (a program's string constant may come first in other layouts).
			offs := []int{}
			header := -1
			for off := 0; header < 0; off++ {
				i := bytes.Index(data[off:], magic)
				if i < 0 {
					break
				}
				off += i
				offs = append(offs, off)
				if p := data[off+len(magic)]; (p == 4 || p == 8) && data[off+len(magic)+1]&flagsInline != 0 {
					header = off
				}
			}
			if header < 0 {
				t.Fatal("no header")
			}
			if n := bytes.Count(data, magic); name == "plain" && n != 2 {
				t.Errorf("the program holds the magic %d times, want 2 (header and constant): the test lost a case", n)
			}
			for _, off := range offs {
				c := &countingReader{r: bytes.NewReader(data[off:])}
				check(fmt.Sprintf("from offset %d", off), c, "")
				if c.n > 4*chunk && off == header {
					t.Errorf("read %d bytes after the build information's magic", c.n)
				}
				check(fmt.Sprintf("from offset %d, one byte at a time", off), iotest.OneByteReader(bytes.NewReader(data[off:min(len(data), off+64<<10)])), "")
			}
		})
	}
	t.Logf("%d binaries, %d bytes", len(bins), total)
}

// seeds returns build information to seed the fuzzer with: synthetic, and the region
// after the magic of the test binary itself.
func seeds(f *testing.F) [][]byte {
	out := [][]byte{
		blob(8, 2, "go1.22.3", wrap(appInfo)),
		blob(4, 3, "devel go1.23-abc", wrap("mod\tm\t(devel)\t\n")),
		blob(8, 0, "", ""),
		slices.Concat([]byte("junk\xff Go buildinf:\x01\x02"), blob(8, 2, "go1.21.0", "")),
	}
	if exe, err := os.Executable(); err == nil {
		if data, err := os.ReadFile(exe); err == nil {
			if i := bytes.LastIndex(data, magic); i >= 0 {
				out = append(out, data[i:min(len(data), i+8<<10)])
			}
		}
	}
	return out
}

func FuzzParse(f *testing.F) {
	for _, s := range seeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		langtest.Check(t, Parse, path, "golang", data)
	})
}

// BenchmarkParse reads the build information of a real binary, handed from the magic as
// the host does.
func BenchmarkParse(b *testing.B) {
	exe, err := os.Executable()
	if err != nil {
		b.Fatal(err)
	}
	data, err := os.ReadFile(exe)
	if err != nil {
		b.Fatal(err)
	}
	i := bytes.LastIndex(data, magic)
	if i < 0 {
		b.Fatal("the test binary has no build information")
	}
	langtest.Bench(b, Parse, []langtest.Fixture{{Name: path, Data: data[i:min(len(data), i+8<<10)]}})
}

// BenchmarkScan reads a whole 8 MB binary-like file whose build information is near the
// end: the cost when the stream does not start at the magic.
func BenchmarkScan(b *testing.B) {
	data := slices.Concat(bytes.Repeat([]byte("\x00\x01 Go build\xff"), 8<<20/13), blob(8, 2, "go1.22.3", wrap(appInfo)))
	langtest.Bench(b, Parse, []langtest.Fixture{{Name: path, Data: data}})
}
