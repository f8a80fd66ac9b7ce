package integrations

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/trawlscan/trawl/host/wasm/wasmtest"
)

var update = flag.Bool("update", false, "rewrite the copies of scripts/trawl-ci.sh that the integrations carry")

// Paths in the repository, relative to this package's directory.
const (
	scriptPath     = "scripts/trawl-ci.sh"
	demoImage      = "../testdata/images/alpine-3.10-demo.tar"
	demoApp        = "../testdata/app"
	actionPath     = "../action.yml"
	gitlabTemplate = "gitlab/trawl.gitlab-ci.yml"
	azureTemplate  = "azure/templates/trawl-scan.yml"
	azureTaskDir   = "azure/task"
	jenkinsStep    = "jenkins/vars/trawlScan.groovy"
)

// TestMain removes the fixture (a trawl binary and a database) after the tests.
func TestMain(m *testing.M) {
	flag.Parse()
	if raceEnabled {
		// The tests run shell scripts and a trawl binary built without the detector:
		// there is nothing for it to watch here, and make test-unit runs them all.
		fmt.Println("integrations: skipped under the race detector")
		os.Exit(0)
	}
	code := m.Run()
	if fixtureBase != "" {
		os.RemoveAll(fixtureBase)
	}
	os.Exit(code)
}

// repoRoot is the repository's directory.
func repoRoot(t testing.TB) string {
	t.Helper()
	d, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(d, "go.mod")); err != nil {
		t.Fatalf("no go.mod in %s: %v", d, err)
	}
	return d
}

func abs(t testing.TB, p string) string {
	t.Helper()
	a, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// fixture is what the scans need, built once per test binary: trawl from this checkout
// and the demo database from testdata/advisories.
type fixture struct {
	dir   string // holds trawl (and only it, so that it can be put on a PATH)
	trawl string
	db    string
	// cache is trawl's cache directory shared with the other tests of the repository
	// (its wasm/ is the compilation cache, warm after the first scan).
	cache string
}

var (
	fixtureOnce sync.Once
	theFixture  *fixture
	fixtureErr  string
	fixtureBase string // removed by TestMain
)

func getFixture(t testing.TB) *fixture {
	t.Helper()
	fixtureOnce.Do(func() { theFixture, fixtureErr = buildFixture(t) })
	if fixtureErr != "" {
		t.Fatal(fixtureErr)
	}
	return theFixture
}

func buildFixture(t testing.TB) (*fixture, string) {
	root := repoRoot(t)
	mods, _ := filepath.Glob(filepath.Join(root, "plugins", "builtin", "wasm", "*.wasm"))
	if len(mods) == 0 {
		return nil, "plugins/builtin/wasm holds no plugin modules: run `make plugins` (make test does) before go test ./integrations/"
	}
	// The directory outlives a single test: every test of the binary uses it.
	base, err := os.MkdirTemp("", "trawl-integrations-")
	if err != nil {
		return nil, err.Error()
	}
	fixtureBase = base
	f := &fixture{dir: filepath.Join(base, "bin"), db: filepath.Join(base, "demo.db")}
	f.trawl = filepath.Join(f.dir, "trawl")
	f.cache = filepath.Dir(wasmtest.CacheDir(t))
	build := exec.Command(filepath.Join(runtime.GOROOT(), "bin", "go"), "build", "-o", f.trawl, "./cmd/trawl")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		return nil, "go build ./cmd/trawl: " + err.Error() + "\n" + string(out)
	}
	imp := exec.Command(f.trawl, "db", "import", "--db", f.db, "--cache-dir", f.cache,
		filepath.Join(root, "testdata", "advisories", "alpine-secdb"), filepath.Join(root, "testdata", "advisories", "pypi"))
	if out, err := imp.CombinedOutput(); err != nil {
		return nil, "trawl db import: " + err.Error() + "\n" + string(out)
	}
	// One scan first, so that the compilation cache is warm before the tests scan in
	// parallel (a cold compile of every module takes seconds of every core).
	warm := exec.Command(f.trawl, "image", "--input", filepath.Join(root, "testdata", "images", "alpine-3.10-demo.tar"),
		"--db", f.db, "--offline", "--cache-dir", f.cache, "--format", "json", "--output", os.DevNull)
	if out, err := warm.CombinedOutput(); err != nil {
		return nil, "trawl image (warming the compilation cache): " + err.Error() + "\n" + string(out)
	}
	return f, ""
}

// baseEnv is the environment of a CI job in the tests: none of the host's (the tests may
// run in a CI job themselves, whose variables would change what the script detects), but
// PATH, HOME and what python3 needs, and a TMPDIR of the test's.
func baseEnv(t testing.TB, path ...string) map[string]string {
	t.Helper()
	env := map[string]string{
		"PATH":   strings.Join(append(path, os.Getenv("PATH")), string(os.PathListSeparator)),
		"HOME":   os.Getenv("HOME"),
		"LANG":   "C.UTF-8",
		"TMPDIR": t.TempDir(),
	}
	for _, k := range []string{"PYENV_ROOT", "PYENV_VERSION", "GOCACHE", "GOPATH", "GOMODCACHE", "GOFLAGS", "GOPROXY"} {
		if v, ok := os.LookupEnv(k); ok {
			env[k] = v
		}
	}
	return env
}

func envList(env map[string]string) []string {
	var l []string
	for k, v := range env {
		l = append(l, k+"="+v)
	}
	sort.Strings(l)
	return l
}

type result struct {
	code           int
	stdout, stderr string
}

func (r result) String() string {
	return "exit status " + strconv.Itoa(r.code) + "\nstdout:\n" + r.stdout + "\nstderr:\n" + r.stderr
}

// run runs a command in dir with exactly env and returns its exit status and output.
func run(t testing.TB, dir string, env map[string]string, name string, args ...string) result {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = envList(env)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	r := result{stdout: stdout.String(), stderr: stderr.String()}
	if err != nil {
		ee, ok := err.(*exec.ExitError)
		if !ok {
			t.Fatalf("%s %s: %v", name, strings.Join(args, " "), err)
		}
		r.code = ee.ExitCode()
	}
	return r
}

// script runs trawl-ci.sh with the arguments, in dir, with env.
func script(t testing.TB, dir string, env map[string]string, args ...string) result {
	t.Helper()
	return run(t, dir, env, "sh", append([]string{abs(t, scriptPath)}, args...)...)
}

// scanEnv is the environment of a scan of the demo image or a tree: the fixture's trawl
// and database, offline, the shared compilation cache.
func scanEnv(t testing.TB, f *fixture, platform string, settings map[string]string) map[string]string {
	t.Helper()
	env := baseEnv(t)
	env["TRAWL_CI_PLATFORM"] = platform
	env["TRAWL_CI_TRAWL"] = f.trawl
	env["TRAWL_CI_DB"] = f.db
	env["TRAWL_CI_OFFLINE"] = "true"
	env["TRAWL_CI_CACHE_DIR"] = f.cache
	for k, v := range settings {
		env[k] = v
	}
	return env
}

// record reads the KEY=value lines trawl-ci.sh writes to <output-dir>/trawl-ci.env.
func record(t testing.TB, file string) map[string]string {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("the scan's record: %v", err)
	}
	return parseKV(string(b))
}

func parseKV(s string) map[string]string {
	m := map[string]string{}
	for _, line := range strings.Split(s, "\n") {
		if k, v, ok := strings.Cut(line, "="); ok && k != "" {
			m[k] = v
		}
	}
	return m
}

// sourceTree makes a source directory: the demo app's requirements.txt (13 PyPI
// packages, 10 findings in the demo database) and, when secret is set, a file holding a
// GitHub token (made up here, so that no file of the repository holds one).
func sourceTree(t testing.TB, secret bool) string {
	t.Helper()
	dir := t.TempDir()
	req, err := os.ReadFile(filepath.Join(demoApp, "requirements.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "requirements.txt"), req, 0o644); err != nil {
		t.Fatal(err)
	}
	if secret {
		token := "gh" + "p_" + "WCzAbbbWoQoEyJT8UPgzunzF2vSHHkJfLPUf"
		if err := os.WriteFile(filepath.Join(dir, "deploy.env"), []byte("GITHUB_TOKEN="+token+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func readFile(t testing.TB, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// wantCode fails t unless r exited with want.
func wantCode(t testing.TB, r result, want int) {
	t.Helper()
	if r.code != want {
		t.Fatalf("exit status %d, want %d\n%s", r.code, want, r)
	}
}
