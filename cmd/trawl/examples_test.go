package main

import (
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"

	ggcr "github.com/google/go-containerregistry/pkg/registry"

	"github.com/trawlscan/trawl/sdk"
	"github.com/trawlscan/trawl/sdk/pack"
)

// exampleNames are the third-party example plugins under sdk/examples, each a Go module of
// its own that depends only on the SDK module.
var exampleNames = []string{"conan", "junit", "markdown"}

var (
	examplesOnce  sync.Once
	exampleMods   map[string][]byte
	examplesSkip  string
	examplesError error
)

// examplePlugins builds each example module to WebAssembly as a plugin author would (go
// build in the module's directory, then its manifest.json packed in), once per test binary.
// It skips the test only when this Go toolchain cannot build wasip1 modules at all.
func examplePlugins(t *testing.T) map[string][]byte {
	t.Helper()
	examplesOnce.Do(func() {
		goBin := filepath.Join(runtime.GOROOT(), "bin", "go")
		if _, err := os.Stat(goBin); err != nil {
			if goBin, err = exec.LookPath("go"); err != nil {
				examplesSkip = "no Go toolchain to build the example plugins with"
				return
			}
		}
		if out, err := exec.Command(goBin, "tool", "dist", "list").Output(); err != nil || !slices.Contains(strings.Fields(string(out)), "wasip1/wasm") {
			examplesSkip = fmt.Sprintf("the Go toolchain %s cannot build wasip1/wasm modules (%v)", goBin, err)
			return
		}
		dir, err := os.MkdirTemp("", "trawl-examples-")
		if err != nil {
			examplesError = err
			return
		}
		defer os.RemoveAll(dir)
		exampleMods = map[string][]byte{}
		for _, name := range exampleNames {
			src, err := filepath.Abs(filepath.Join("..", "..", "sdk", "examples", name))
			if err != nil {
				examplesError = err
				return
			}
			out := filepath.Join(dir, name+".wasm")
			cmd := exec.Command(goBin, "build", "-buildmode=c-shared", "-trimpath", "-ldflags=-s -w", "-o", out, ".")
			cmd.Dir = src
			cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm")
			if msg, err := cmd.CombinedOutput(); err != nil {
				examplesError = fmt.Errorf("building sdk/examples/%s for wasip1: %v\n%s", name, err, msg)
				return
			}
			wasm, err := os.ReadFile(out)
			if err != nil {
				examplesError = err
				return
			}
			raw, err := os.ReadFile(filepath.Join(src, "manifest.json"))
			if err != nil {
				examplesError = err
				return
			}
			var m sdk.Manifest
			if err := json.Unmarshal(raw, &m); err != nil {
				examplesError = fmt.Errorf("sdk/examples/%s/manifest.json: %w", name, err)
				return
			}
			if exampleMods[name], err = pack.Embed(wasm, &m); err != nil {
				examplesError = fmt.Errorf("packing sdk/examples/%s: %w", name, err)
				return
			}
		}
	})
	if examplesSkip != "" {
		t.Skip(examplesSkip)
	}
	if examplesError != nil {
		t.Fatal(examplesError)
	}
	return exampleMods
}

// conanAdvisory is an OSV record for ConanCenter's zlib. The host has no version ordering for
// ConanCenter, so the matcher can use only an advisory's explicit versions list, which
// this one has (and no ranges, which it could not evaluate).
const conanAdvisory = `{
  "schema_version": "1.6.0",
  "id": "CVE-2023-45853",
  "modified": "2024-01-24T00:00:00Z",
  "published": "2023-10-14T02:15:09Z",
  "summary": "Integer overflow and heap-based buffer overflow in MiniZip's zipOpenNewFileInZip4_64",
  "details": "MiniZip in zlib through 1.3 has an integer overflow and resultant heap-based buffer overflow in zipOpenNewFileInZip4_64 via a long filename, comment, or extra field.",
  "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],
  "affected": [{
    "package": {"ecosystem": "ConanCenter", "name": "zlib"},
    "versions": ["1.2.11", "1.2.12", "1.2.13", "1.3"]
  }],
  "references": [{"type": "ADVISORY", "url": "https://nvd.nist.gov/vuln/detail/CVE-2023-45853"}]
}
`

// junitDoc is what the test reads of the JUnit XML, independently of the plugin's code.
type junitDoc struct {
	XMLName  xml.Name `xml:"testsuites"`
	Tests    int      `xml:"tests,attr"`
	Failures int      `xml:"failures,attr"`
	Suites   []struct {
		Name  string `xml:"name,attr"`
		Cases []struct {
			Name      string `xml:"name,attr"`
			Classname string `xml:"classname,attr"`
			Failure   *struct {
				Message string `xml:"message,attr"`
				Type    string `xml:"type,attr"`
			} `xml:"failure"`
		} `xml:"testcase"`
	} `xml:"testsuite"`
}

// TestExamplePlugins is issue 9's end to end: the example plugins of sdk/examples are built,
// signed and pushed to a registry, installed by reference, and used by trawl as it ships
// (the in-process CLI is the binary's code): the Conan analyzer's packages are matched
// against a ConanCenter advisory, and the JUnit and Markdown formatters write the findings.
func TestExamplePlugins(t *testing.T) {
	mods := examplePlugins(t)
	srv := httptest.NewServer(ggcr.New(ggcr.Logger(log.New(io.Discard, "", 0))))
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")
	tmp := t.TempDir()
	dir := filepath.Join(tmp, "plugins")
	keys := filepath.Join(tmp, "acme")
	pluginRun(t, exitOK, "plugin", "keygen", "-o", keys)

	kinds := map[string]string{"conan": sdk.KindAnalyzer, "junit": sdk.KindFormatter, "markdown": sdk.KindFormatter}
	files := map[string]string{}
	for _, name := range exampleNames {
		files[name] = pluginFile(t, name+".wasm", mods[name])
		ref := host + "/plugins/" + name + ":1.0.0"
		out, _ := pluginRun(t, exitOK, "plugin", "push", files[name], ref, "--sign-key", keys+".key", "--insecure")
		pluginSays(t, "push "+name, out, fmt.Sprintf("pushed %s 1.0.0 (%s) to %s", name, kinds[name], ref), "signed    ed25519")
		out, _ = pluginRun(t, exitOK, "plugin", "install", "oci://"+ref, "--plugin-dir", dir, "--insecure", "--key", keys+".pub", "--require-signature")
		pluginSays(t, "install "+name, out, fmt.Sprintf("installed %s 1.0.0 (%s) from oci://%s", name, kinds[name], ref), "signature  ed25519")
	}
	out, _ := pluginRun(t, exitOK, "plugin", "list", "--plugin-dir", dir)
	for _, name := range exampleNames {
		pluginSays(t, "list", out, "installed:oci://"+host+"/plugins/"+name+":1.0.0")
	}

	// A database holding one ConanCenter advisory.
	advisories := filepath.Join(tmp, "advisories")
	os.MkdirAll(advisories, 0o755)
	os.WriteFile(filepath.Join(advisories, "CVE-2023-45853.json"), []byte(conanAdvisory), 0o644)
	dbFile := filepath.Join(tmp, "conan.db")
	out, _ = pluginRun(t, exitOK, "db", "import", "--db", dbFile, advisories)
	pluginSays(t, "db import", out, "advisories: 1")

	// A source tree with a Conan 2.x lock file at its root and a Conan 1.x one below.
	tree := filepath.Join(tmp, "src")
	copyFile(t, "../../sdk/examples/conan/testdata/nested-dependencies.v2.json", filepath.Join(tree, "conan.lock"))
	copyFile(t, "../../sdk/examples/conan/testdata/one-package.v1.revisions.json", filepath.Join(tree, "third_party", "legacy", "conan.lock"))

	junitFile, mdFile := filepath.Join(tmp, "trawl-junit.xml"), filepath.Join(tmp, "trawl.md")
	// get-report mode: the verdict fails on the CRITICAL finding but is not enforced.
	code, stdout, stderr := trawl(t, "fs", tree, "--db", dbFile, "--plugin-dir", dir, "--max-critical", "0",
		"-f", "json", "-f", "junit="+junitFile, "-f", "markdown="+mdFile)
	if code != exitOK {
		t.Fatalf("scan: exit %d\nstderr: %s", code, stderr)
	}
	rep := reportOf(t, stdout)

	// The Conan analyzer's packages, as the host completes them.
	var got []string
	for _, p := range rep.Packages {
		if p.Type != "conan" {
			continue
		}
		got = append(got, fmt.Sprintf("%s %s %s %s %s %s:%d", p.Name, p.Version, p.Ecosystem, p.PURL, p.Analyzer, p.Locations[0].Path, p.Locations[0].Line))
	}
	slices.Sort(got)
	want := []string{
		"brotli 1.0.9 ConanCenter pkg:conan/brotli@1.0.9 conan/conan conan.lock:8",
		"bzip2 1.0.8 ConanCenter pkg:conan/bzip2@1.0.8 conan/conan conan.lock:7",
		"freetype 2.12.1 ConanCenter pkg:conan/freetype@2.12.1 conan/conan conan.lock:6",
		"libpng 1.6.39 ConanCenter pkg:conan/libpng@1.6.39 conan/conan conan.lock:5",
		"zlib 1.2.11 ConanCenter pkg:conan/zlib@1.2.11 conan/conan third_party/legacy/conan.lock:14",
		"zlib 1.2.13 ConanCenter pkg:conan/zlib@1.2.13 conan/conan conan.lock:4",
	}
	if !slices.Equal(got, want) {
		t.Errorf("conan packages:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for _, st := range rep.Plugins {
		if st.Name == "conan" && (st.Status != sdk.PluginOK || st.Files != 2) {
			t.Errorf("the conan plugin: %+v", st)
		}
	}

	// The advisory matched both zlib versions, by its versions list.
	got = nil
	for _, v := range rep.Vulnerabilities {
		got = append(got, fmt.Sprintf("%s %s %s %s %s", v.ID, v.Package.Name, v.Package.Version, v.Package.Ecosystem, v.Severity))
	}
	want = []string{
		"CVE-2023-45853 zlib 1.2.11 ConanCenter CRITICAL",
		"CVE-2023-45853 zlib 1.2.13 ConanCenter CRITICAL",
	}
	if !slices.Equal(got, want) {
		t.Errorf("findings:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if v := rep.Verdict; v == nil || v.Result != sdk.VerdictFail || v.Enforced || v.Counted.Critical != 2 {
		t.Errorf("verdict: %+v", v)
	}

	// The JUnit report: a suite per lock file, the findings failing against max_critical.
	raw, err := os.ReadFile(junitFile)
	if err != nil {
		t.Fatal(err)
	}
	if err := wellFormedXML(raw); err != nil {
		t.Fatalf("the JUnit report is not well-formed XML: %v\n%s", err, raw)
	}
	var doc junitDoc
	if err := xml.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	got = nil
	for _, s := range doc.Suites {
		for _, c := range s.Cases {
			line := fmt.Sprintf("%s | %s | %s", s.Name, c.Classname, c.Name)
			if c.Failure != nil {
				line += " | " + c.Failure.Type + ": " + c.Failure.Message
			}
			got = append(got, line)
		}
	}
	want = []string{
		tree + " | trawl.gate | verdict | verdict: verdict fail (get-report mode, not enforced): 2 CRITICAL findings, more than max_critical 0",
		"conan.lock | zlib@1.2.13 | [CRITICAL] CVE-2023-45853 | CRITICAL: CVE-2023-45853 in zlib 1.2.13: Integer overflow and heap-based buffer overflow in MiniZip's zipOpenNewFileInZip4_64 [counted: 2 CRITICAL findings, more than max_critical 0]",
		"third_party/legacy/conan.lock | zlib@1.2.11 | [CRITICAL] CVE-2023-45853 | CRITICAL: CVE-2023-45853 in zlib 1.2.11: Integer overflow and heap-based buffer overflow in MiniZip's zipOpenNewFileInZip4_64 [counted: 2 CRITICAL findings, more than max_critical 0]",
	}
	if !slices.Equal(got, want) || doc.Tests != 3 || doc.Failures != 3 {
		t.Errorf("JUnit report (%d tests, %d failures):\n%s\nwant\n%s", doc.Tests, doc.Failures, strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	// The Markdown summary.
	md, err := os.ReadFile(mdFile)
	if err != nil {
		t.Fatal(err)
	}
	pluginSays(t, "the Markdown summary", string(md),
		"## ❌ trawl: `"+tree+"` fails",
		"- 2 CRITICAL findings, more than max\\_critical 0",
		"| **Counted** | 2 | 0 | 0 | 0 | 0 | 0 |",
		"| ❌ **CRITICAL** | [CVE-2023-45853](https://osv.dev/vulnerability/CVE-2023-45853)",
		"| zlib | 1.2.13 |", "`conan.lock:4`", "`third_party/legacy/conan.lock:14`")

	// Without installing: --plugin loads a module file for one run.
	rep = scanJSON(t, exitOK, "fs", tree, "--plugin", files["conan"])
	n := 0
	for _, p := range rep.Packages {
		if p.Type == "conan" {
			n++
		}
	}
	if n != 6 {
		t.Errorf("--plugin conan.wasm: %d conan packages, want 6", n)
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	data, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func wellFormedXML(b []byte) error {
	dec := xml.NewDecoder(strings.NewReader(string(b)))
	dec.Strict = true
	for {
		_, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
	}
}
