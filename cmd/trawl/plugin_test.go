package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	ggcr "github.com/google/go-containerregistry/pkg/registry"

	"github.com/trawlscan/trawl/host/wasm/wasmtest"
	"github.com/trawlscan/trawl/plugins/builtin"
	"github.com/trawlscan/trawl/registry"
	"github.com/trawlscan/trawl/sdk"
	"github.com/trawlscan/trawl/sdk/pack"
)

// mdPlugin is the third-party formatter of registry/testdata/mdformat, with the manifest
// the registry tests pack.
func mdPlugin(t *testing.T) []byte {
	t.Helper()
	return wasmtest.Build(t, "../../registry/testdata/mdformat", &sdk.Manifest{
		ABI: "1.0", Name: "md", Version: "1.0.0", Kind: sdk.KindFormatter,
		Description: "the packages of a report as a Markdown table", Formats: []string{"md"},
	})
}

func pluginFile(t *testing.T, name string, wasmBytes []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, wasmBytes, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// pluginRun runs trawl and requires exit status want.
func pluginRun(t *testing.T, want int, args ...string) (string, string) {
	t.Helper()
	code, out, errOut := trawl(t, args...)
	if code != want {
		t.Fatalf("trawl %s: exit %d, want %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), code, want, out, errOut)
	}
	return out, errOut
}

func pluginSays(t *testing.T, what, text string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(text, w) {
			t.Errorf("%s does not say %q:\n%s", what, w, text)
		}
	}
}

// TestPluginInstallFormatterFromOCI publishes a signed third-party formatter to a
// registry, installs it by reference into a plugin directory, and scans with its format;
// then lists, inspects, reinstalls from the lock file alone, and removes it.
func TestPluginInstallFormatterFromOCI(t *testing.T) {
	srv := httptest.NewServer(ggcr.New(ggcr.Logger(log.New(io.Discard, "", 0))))
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")
	ref := host + "/plugins/md:1.0.0"
	dir := filepath.Join(t.TempDir(), "plugins")
	keys := filepath.Join(t.TempDir(), "acme")
	module := pluginFile(t, "md.wasm", mdPlugin(t))

	out, _ := pluginRun(t, exitOK, "plugin", "keygen", "-o", keys)
	pluginSays(t, "keygen", out, keys+".key", keys+".pub", "key sha256:")
	pluginRun(t, exitUsage, "plugin", "keygen", "-o", keys) // never overwrites a key

	out, _ = pluginRun(t, exitOK, "plugin", "push", module, ref, "--sign-key", keys+".key", "--insecure")
	pluginSays(t, "push", out, "pushed md 1.0.0 (formatter) to "+ref, "signed    ed25519", "trawl plugin install oci://"+ref+" --digest sha256:")

	out, _ = pluginRun(t, exitOK, "plugin", "info", "oci://"+ref, "--insecure")
	pluginSays(t, "info of the reference", out, "md", "Markdown table", "signed       true")

	out, _ = pluginRun(t, exitOK, "plugin", "install", "oci://"+ref, "--plugin-dir", dir, "--insecure", "--key", keys+".pub", "--require-signature")
	pluginSays(t, "install", out, "installed md 1.0.0 (formatter) from oci://"+ref, "signature  ed25519, key sha256:", "memory 256 MiB (host default)")

	out, _ = pluginRun(t, exitOK, "plugin", "list", "--plugin-dir", dir)
	pluginSays(t, "list", out, "SIGNED", "installed:oci://"+ref, "ed25519:", "builtin")

	out, _ = pluginRun(t, exitOK, "plugin", "info", "md", "--plugin-dir", dir)
	pluginSays(t, "info", out, "origin       installed", "source       oci://"+ref, "resolved     "+host+"/plugins/md@sha256:", "verified when installed")

	// A scan uses the installed format.
	out, _ = pluginRun(t, exitOK, "image", "--input", "../../testdata/images/alpine-3.10-demo.tar", "-f", "md", "--plugin-dir", dir)
	pluginSays(t, "the md report", out, "# trawl report: 27 packages", "| musl | 1.1.22-r4 | apk |", "| flask | 0.12.2 | pypi |")

	// The lock file alone, on another machine, gives the same plugin.
	dir2 := filepath.Join(t.TempDir(), "plugins")
	os.MkdirAll(dir2, 0o755)
	lock, _ := os.ReadFile(filepath.Join(dir, registry.LockFileName))
	os.WriteFile(filepath.Join(dir2, registry.LockFileName), lock, 0o644)
	pluginRun(t, exitOK, "plugin", "install", "--locked", "--plugin-dir", dir2, "--insecure", "--key", keys+".pub", "--on-tag-change", "fail")
	if got, _ := os.ReadFile(filepath.Join(dir2, registry.LockFileName)); string(got) != string(lock) {
		t.Errorf("the locked install changed the lock file:\n%s\nwas\n%s", got, lock)
	}

	// The tag is republished (here with another plugin altogether): a locked install
	// notices, warns or fails as asked, and installs the locked module either way; an
	// upgrade refuses a module that is not the same plugin.
	m := hostileManifest("1.0", 500)
	m.Limits.OutputBytes = 1 << 20
	pluginRun(t, exitOK, "plugin", "push", pluginFile(t, "x.wasm", wasmtest.Build(t, "../../host/wasm/testdata/hostile", m)), ref, "--insecure")
	_, errOut := pluginRun(t, exitScanError, "plugin", "install", "--locked", "--plugin-dir", dir2, "--insecure", "--on-tag-change", "fail")
	pluginSays(t, "locked install, moved tag", errOut, "tag changed: tag oci://"+ref+" now points to manifest sha256:")
	_, errOut = pluginRun(t, exitOK, "plugin", "install", "--locked", "--plugin-dir", dir2, "--insecure")
	pluginSays(t, "locked install, moved tag", errOut, "trawl: warning: md: tag oci://"+ref+" now points to manifest sha256:", "(installed the locked one)")
	_, errOut = pluginRun(t, exitScanError, "plugin", "upgrade", "--plugin-dir", dir2, "--insecure", "--key", keys+".pub")
	pluginSays(t, "upgrade", errOut, "upgrading md (oci://"+ref+")", "the module is plugin hostile, want md")
	if got, _ := os.ReadFile(filepath.Join(dir2, registry.LockFileName)); string(got) != string(lock) {
		t.Errorf("refused upgrades changed the lock file:\n%s", got)
	}

	out, _ = pluginRun(t, exitOK, "plugin", "remove", "md", "--plugin-dir", dir)
	pluginSays(t, "remove", out, "removed md 1.0.0")
	_, errOut = pluginRun(t, exitUsage, "image", "--input", "../../testdata/images/alpine-3.10-demo.tar", "-f", "md", "--plugin-dir", dir)
	pluginSays(t, "a scan after remove", errOut, `no formatter writes "md"`)
	_, errOut = pluginRun(t, exitUsage, "plugin", "remove", "md", "--plugin-dir", dir)
	pluginSays(t, "removing twice", errOut, "not installed")

	// From an index: the name, the reference and the digest it lists, which is pinned.
	index := filepath.Join(t.TempDir(), "index.yaml")
	os.WriteFile(index, []byte(fmt.Sprintf(`apiVersion: trawl.dev/v1
kind: PluginIndex
plugins:
  - name: md
    kind: formatter
    versions:
      - {version: 1.0.0, ref: "oci://%s/plugins/md:stable", digest: "%s"}
`, host, pluginDigest(mdPlugin(t)))), 0o644)
	pluginRun(t, exitOK, "plugin", "push", module, host+"/plugins/md:stable", "--insecure")
	out, _ = pluginRun(t, exitOK, "plugin", "install", "md@1.0.0", "--index", index, "--plugin-dir", dir, "--insecure")
	pluginSays(t, "install from the index", out, "installed md 1.0.0 (formatter) from oci://"+host+"/plugins/md:stable")
	out, _ = pluginRun(t, exitOK, "plugin", "info", "md", "--plugin-dir", dir)
	pluginSays(t, "info", out, "pinned       "+pluginDigest(mdPlugin(t)))
}

func pluginDigest(b []byte) string {
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// TestPluginInstallAnalyzerFromFile installs an analyzer module from a file, signed with
// `trawl plugin sign`, and a scan runs it; a module altered in the plugin directory is
// then refused by the scan, which says why and exits 4.
func TestPluginInstallAnalyzerFromFile(t *testing.T) {
	m := hostileManifest("1.0", 500)
	m.Limits.OutputBytes = 1 << 20 // as TestFailingPluginFailsAlone: the same module, compiled once
	module := pluginFile(t, "hostile.wasm", wasmtest.Build(t, "../../host/wasm/testdata/hostile", m))
	dir := t.TempDir()
	keys := filepath.Join(t.TempDir(), "k")
	pluginRun(t, exitOK, "plugin", "keygen", "-o", keys)
	out, _ := pluginRun(t, exitOK, "plugin", "sign", module, "--key", keys+".key")
	pluginSays(t, "sign", out, "signed hostile 6.6.6", module+".sig")

	out, _ = pluginRun(t, exitOK, "plugin", "install", module, "--plugin-dir", dir, "--key", keys+".pub", "--name", "hostile")
	pluginSays(t, "install", out, "installed hostile 6.6.6 (analyzer) from "+module, "memory 96 MiB (as asked)", "timeout 500ms per call (as asked)", "ed25519")

	tree := t.TempDir()
	os.MkdirAll(filepath.Join(tree, "chaos"), 0o755)
	os.WriteFile(filepath.Join(tree, "chaos", "fine"), []byte("x"), 0o644)
	out, _ = pluginRun(t, exitOK, "fs", tree, "-f", "json", "--plugin-dir", dir)
	rep := reportOf(t, out)
	found := false
	for _, p := range rep.Packages {
		found = found || (p.Name == "chaos/fine" && p.Analyzer == "hostile")
	}
	if !found {
		t.Errorf("the installed analyzer found nothing: %+v", rep.Packages)
	}
	for _, st := range rep.Plugins {
		if st.Name == "hostile" && st.Status != sdk.PluginOK {
			t.Errorf("hostile: %+v", st)
		}
	}

	entries, _ := registry.Open(dir).List()
	p := registry.Open(dir).ModulePath(entries[0].Digest)
	data, _ := os.ReadFile(p)
	data[len(data)/2] ^= 1
	os.WriteFile(p, data, 0o644)
	code, out, errOut := trawl(t, "fs", tree, "-f", "json", "--plugin-dir", dir)
	if code != exitIncomplete {
		t.Fatalf("scan with an altered module: exit %d, want %d\n%s", code, exitIncomplete, errOut)
	}
	pluginSays(t, "stderr", errOut, "plugin hostile refused", "was altered")
	var r sdk.Report
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	validateReport(t, []byte(out))
}

// TestPluginVerificationFailures: what install refuses, with the cause named and exit 3,
// and its usage errors, exit 2.
func TestPluginVerificationFailures(t *testing.T) {
	dir := t.TempDir()
	md := mdPlugin(t)
	future := &sdk.Manifest{ABI: "2.0", Name: "md", Version: "2.0.0", Kind: sdk.KindFormatter, Formats: []string{"md"}}
	futureFile := pluginFile(t, "future.wasm", wasmtest.Build(t, "../../registry/testdata/mdformat", future))
	mdFile := pluginFile(t, "md.wasm", md)
	other := "sha256:" + strings.Repeat("0", 64)

	for _, tc := range []struct {
		args []string
		code int
		want []string
	}{
		{[]string{"plugin", "install", futureFile}, exitScanError, []string{"speaks ABI 2.0", fmt.Sprintf("this trawl speaks ABI %d.%d", sdk.ABIMajor, sdk.ABIMinor)}},
		{[]string{"plugin", "install", mdFile, "--digest", other}, exitScanError, []string{"digest mismatch", "the pinned digest (--digest) is " + other}},
		{[]string{"plugin", "install", mdFile, "--require-signature"}, exitScanError, []string{"is not signed (--require-signature)"}},
		{[]string{"plugin", "install", mdFile, "--name", "other"}, exitScanError, []string{"the module is plugin md, want other (--name)"}},
		{[]string{"plugin", "install", mdFile, "--digest", "sha1:abc"}, exitUsage, []string{"want sha256:<64 hex digits>"}},
		{[]string{"plugin", "install", mdFile, "--on-tag-change", "panic"}, exitUsage, []string{"want warn, fail or ignore"}},
		{[]string{"plugin", "install", mdFile, "--locked"}, exitUsage, []string{"accepts 0 arg"}},
		{[]string{"plugin", "install", mdFile, "--key", "/nonexistent.pub"}, exitUsage, []string{"/nonexistent.pub"}},
		{[]string{"plugin", "install", "oci://localhost:1/x:1", "--offline"}, exitUsage, []string{"offline"}},
		{[]string{"plugin", "upgrade", "nope"}, exitUsage, []string{"not installed"}},
		{[]string{"plugin", "info", "nope"}, exitUsage, []string{"no plugin named nope"}},
		{[]string{"plugin", "search", "x"}, exitUsage, []string{"no plugin index"}},
	} {
		code, out, errOut := trawl(t, append(tc.args, "--plugin-dir", dir)...)
		if code != tc.code {
			t.Errorf("trawl %s: exit %d, want %d\n%s%s", strings.Join(tc.args, " "), code, tc.code, out, errOut)
		}
		pluginSays(t, strings.Join(tc.args, " "), errOut, tc.want...)
	}
	// The test environment is empty: no user config dir, so no default plugin directory.
	_, errOut := pluginRun(t, exitUsage, "plugin", "install", mdFile)
	pluginSays(t, "no plugin dir", errOut, "no plugin directory: give --plugin-dir or set TRAWL_PLUGIN_DIR")
	if entries, _ := registry.Open(dir).List(); len(entries) != 0 {
		t.Errorf("refused plugins were installed: %v", entries)
	}

	// A plugin asking for more memory than the host allows gets the cap, and says so.
	greedy := hostileManifest("1.0", 500)
	greedy.Name, greedy.Limits.MemoryMiB = "greedy", 4096
	out, _ := pluginRun(t, exitOK, "plugin", "install", pluginFile(t, "greedy.wasm", wasmtest.Build(t, "../../host/wasm/testdata/hostile", greedy)), "--plugin-dir", dir)
	pluginSays(t, "install", out, "memory 1024 MiB (asks for 4096 MiB; capped at 1024 MiB)")
	out, _ = pluginRun(t, exitOK, "plugin", "info", "greedy", "--plugin-dir", dir, "--json")
	var info struct {
		Limits struct {
			MemoryMiB int  `json:"memory_mib"`
			Capped    bool `json:"capped"`
		} `json:"limits"`
	}
	if err := json.Unmarshal([]byte(out), &info); err != nil || info.Limits.MemoryMiB != 1024 || !info.Limits.Capped {
		t.Errorf("info --json: %v\n%s", err, out)
	}
	// TRAWL_PLUGIN_DIR names the directory when --plugin-dir does not.
	e := testEnv()
	e.getenv = func(k string) string { return map[string]string{"TRAWL_PLUGIN_DIR": dir}[k] }
	if code, out, errOut := e.runTest(t, "plugin", "list"); code != exitOK || !strings.Contains(out, "greedy") {
		t.Errorf("TRAWL_PLUGIN_DIR: exit %d\n%s%s", code, out, errOut)
	}
	// A built-in plugin's name cannot be installed.
	_, errOut = pluginRun(t, exitScanError, "plugin", "install", pluginFile(t, "os.wasm", wasmtest.Build(t, "../../host/wasm/testdata/hostile", &sdk.Manifest{
		ABI: "1.0", Name: "os", Version: "9", Kind: sdk.KindAnalyzer,
		Analyzers: []sdk.AnalyzerSpec{{Name: "chaos", Files: []sdk.Selector{{Glob: "chaos/*"}}}},
	})), "--plugin-dir", dir)
	pluginSays(t, "install os", errOut, "plugin name os is taken by a built-in plugin")
}

func TestPluginSearch(t *testing.T) {
	index := filepath.Join(t.TempDir(), "index.yaml")
	os.WriteFile(index, []byte(`apiVersion: trawl.dev/v1
kind: PluginIndex
plugins:
  - name: conan
    description: C and C++ packages from conan.lock
    kind: analyzer
    handles: [conan]
    versions: [{version: 1.0.0, ref: "oci://ghcr.io/acme/trawl-conan:1.0.0"}]
  - name: md
    description: the packages of a report as a Markdown table
    kind: formatter
    handles: [md, markdown]
    versions: [{version: 1.0.0, ref: "oci://example.com/md:1.0.0"}]
`), 0o644)
	out, _ := pluginRun(t, exitOK, "plugin", "search", "markdown", "--index", index)
	pluginSays(t, "search", out, "md", "formatter", "oci://example.com/md:1.0.0")
	if strings.Contains(out, "conan") {
		t.Errorf("search for markdown found conan:\n%s", out)
	}
	_, errOut := pluginRun(t, exitOK, "plugin", "search", "cobol", "--index", index)
	pluginSays(t, "empty search", errOut, `no plugin in the index matches "cobol"`)
	_, errOut = pluginRun(t, exitUsage, "plugin", "search", "x", "--index", "/nonexistent/index.yaml")
	pluginSays(t, "missing index", errOut, "/nonexistent/index.yaml")
}

// The built-in plugins are listed and described from manifests read apart from their code;
// their digests are still those of the modules embedded.
func TestBuiltinPluginInfo(t *testing.T) {
	mods := builtin.Modules()
	digests := map[string]string{}
	for _, m := range mods {
		b, err := m.Bytes()
		if err != nil {
			t.Fatal(err)
		}
		man, err := pack.Manifest(b)
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(b)
		digests[man.Name] = "sha256:" + hex.EncodeToString(sum[:])
	}
	list, _ := pluginRun(t, exitOK, "plugin", "list", "--plugin-dir", t.TempDir())
	for name, digest := range digests {
		out, _ := pluginRun(t, exitOK, "plugin", "info", name, "--plugin-dir", t.TempDir())
		pluginSays(t, "plugin info "+name, out, "name         "+name, "digest       "+digest)
		pluginSays(t, "plugin list", list, digest)
	}
	if len(digests) != 4 {
		t.Errorf("%d built-in plugins, want os, lang, secrets and formatters", len(digests))
	}
}
