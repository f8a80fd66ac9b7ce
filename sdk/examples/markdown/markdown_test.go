package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/trawlscan/trawl/sdk"
)

var update = flag.Bool("update", false, "rewrite the golden files")

func render(t *testing.T, r *sdk.Report, opts map[string]string) string {
	t.Helper()
	var buf bytes.Buffer
	if err := (formatter{}).Format(sdk.FormatRequest{Format: "markdown", Options: opts}, r, &buf); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	checkTables(t, out)
	return out
}

// checkTables checks that every row of every table has as many cells as its header: an
// unescaped pipe in a cell would shift the columns.
func checkTables(t *testing.T, md string) {
	t.Helper()
	cells := func(line string) int {
		n := 0
		for i := 0; i < len(line); i++ {
			switch line[i] {
			case '\\':
				i++
			case '|':
				n++
			}
		}
		return n
	}
	want := -1
	for _, line := range strings.Split(md, "\n") {
		if !strings.HasPrefix(line, "|") {
			want = -1
			continue
		}
		if want < 0 {
			want = cells(line)
			continue
		}
		if got := cells(line); got != want {
			t.Errorf("row with %d pipes, header %d: %s", got, want, line)
		}
	}
}

func loadReport(t *testing.T, path string) *sdk.Report {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var r sdk.Report
	if err := json.Unmarshal(data, &r); err != nil {
		t.Fatal(err)
	}
	return &r
}

// TestGateReport renders a real evaluate-policy scan (testdata/gate.json) and compares it
// with testdata/gate.md (go test -update rewrites it; review the diff).
func TestGateReport(t *testing.T) {
	got := render(t, loadReport(t, "testdata/gate.json"), nil)
	if *update {
		if err := os.WriteFile("testdata/gate.md", []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile("testdata/gate.md")
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Errorf("the summary differs from testdata/gate.md (go test -update to accept):\n%s", got)
	}
	for _, s := range []string{
		"## ❌ trawl: `registry.example.com/demo/app:1.0` fails",
		"- DENY by rule no-high: CVE-2024-3651 in idna 2.7",
		"| **Counted** | 0 | 2 | 0 | 0 | 0 | 5 |",
		"8 findings in 4 packages (of 27 scanned) · 1 allowed by the policy · 2 suppressed (1 by ignore file, 1 by VEX)",
		"| ❌ **HIGH** | [CVE-2023-43804](https://osv.dev/vulnerability/CVE-2023-43804) | urllib3 | 1.24.3 | 1.26.17, 2.0.6 | **DENY** `no-high` | `srv/app/requirements.txt:17` |",
		"<details><summary>2 suppressed findings</summary>",
		"expired on 2026-10-31",
	} {
		if !strings.Contains(got, s) {
			t.Errorf("the summary lacks %q", s)
		}
	}
}

func finding(i int, sev string) sdk.Vulnerability {
	id := fmt.Sprintf("CVE-2026-%04d", i)
	return sdk.Vulnerability{
		ID: id, IDs: []string{id}, Advisories: []string{id}, Severity: sev, Status: sdk.StatusNotFixed,
		Package:   sdk.PackageRef{Name: "zlib", Version: "1.2.13", Type: "conan", Ecosystem: "ConanCenter"},
		Locations: []sdk.Location{{Path: "conan.lock", Line: 4}},
	}
}

func baseReport() *sdk.Report {
	return &sdk.Report{
		SchemaVersion: sdk.SchemaVersion, Tool: sdk.Tool{Name: "trawl", Version: "1.0.0"},
		CreatedAt: time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC),
		Artifact:  sdk.Artifact{Name: "src", Type: sdk.ArtifactFilesystem},
		Database:  &sdk.DBInfo{BuiltAt: time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)},
		Packages:  []sdk.Package{{Name: "zlib", Version: "1.2.13", Type: "conan"}},
	}
}

// TestTopAndOrder: the table lists the findings that fail the verdict first, then by
// severity, and at most "top" of them.
func TestTopAndOrder(t *testing.T) {
	r := baseReport()
	for i := range 30 {
		r.Vulnerabilities = append(r.Vulnerabilities, finding(i, []string{sdk.SeverityLow, sdk.SeverityMedium, sdk.SeverityHigh}[i%3]))
	}
	r.Verdict = &sdk.Verdict{Mode: sdk.ModeEvaluatePolicy, Result: sdk.VerdictFail, Enforced: true,
		Counted: sdk.SeverityCounts{High: 10, Medium: 10, Low: 10}, Thresholds: sdk.Thresholds{MaxCritical: -1, MaxHigh: -1, MaxMedium: 3, MaxLow: -1},
		Reasons: []string{"10 MEDIUM findings, more than max_medium 3"}}
	out := render(t, r, map[string]string{"top": "12"})
	if !strings.Contains(out, "### Top 12 of 30 findings") {
		t.Errorf("heading:\n%s", out)
	}
	rows := strings.Count(out, "](https://osv.dev/vulnerability/CVE-2026-")
	if rows != 12 {
		t.Errorf("%d rows, want 12", rows)
	}
	// The ten MEDIUM findings fail (their threshold is exceeded): they come first, before
	// the HIGH ones, which pass.
	first := strings.Index(out, "| ❌ **MEDIUM** |")
	high := strings.Index(out, "| HIGH |")
	if first < 0 || high < 0 || first > high || strings.Count(out, "| ❌ **MEDIUM** |") != 10 {
		t.Errorf("order:\n%s", out)
	}
	if err := (formatter{}).Format(sdk.FormatRequest{Format: "markdown", Options: map[string]string{"top": "-1"}}, r, io.Discard); err == nil {
		t.Error("top=-1 accepted")
	}
}

// TestUntrustedText: advisory texts, package names and paths are not ours; they must not add
// markup, HTML, mentions or columns to the comment.
func TestUntrustedText(t *testing.T) {
	r := baseReport()
	f := finding(1, sdk.SeverityHigh)
	f.Summary = "<img src=x onerror=alert(1)> | *bold* [link](https://evil.example) @octocat\nsecond line"
	f.Package.Name = "evil|pkg"
	f.Locations = []sdk.Location{{Path: "a`b|c/conan.lock", Line: 1}}
	f.ID = "CVE-1](https://evil.example)"
	r.Vulnerabilities = []sdk.Vulnerability{f}
	r.Plugins = []sdk.PluginStatus{{Name: "conan", Version: "1.0.0", Kind: sdk.KindAnalyzer, Status: sdk.PluginFailed, Error: "trap\n# heading"}}
	out := render(t, r, nil)
	for _, bad := range []string{"<img", "](https://evil.example)", "@octocat", "\n# heading", "a`b"} {
		if unescaped(out, bad) {
			t.Errorf("the summary holds %q unescaped:\n%s", bad, out)
		}
	}
	for _, good := range []string{`\<img src=x onerror=alert(1)\> \| \*bold\* \[link\](https://evil.example) @` + "\u200b" + `octocat second line`, "evil\\|pkg", "`a'b\\|c/conan.lock:1`", "> [!WARNING]\n> plugin `conan` failed: trap # heading: the scan is incomplete"} {
		if !strings.Contains(out, good) {
			t.Errorf("the summary lacks %q:\n%s", good, out)
		}
	}
}

// unescaped reports whether s occurs in md other than right after a backslash.
func unescaped(md, s string) bool {
	for i := 0; ; {
		j := strings.Index(md[i:], s)
		if j < 0 {
			return false
		}
		if i+j == 0 || md[i+j-1] != '\\' {
			return true
		}
		i += j + 1
	}
}

// TestNoVerdict: a report without a verdict (inventory-only) still says what was scanned.
func TestNoVerdict(t *testing.T) {
	r := baseReport()
	r.Database = nil
	out := render(t, r, nil)
	if !strings.HasPrefix(out, "## trawl: `src`\n\nNo verdict") || strings.Contains(out, "### Findings") {
		t.Errorf("no verdict:\n%s", out)
	}
}

// TestSecrets: secrets are listed by rule and location, never with their match.
func TestSecrets(t *testing.T) {
	r := baseReport()
	r.Secrets = []sdk.Secret{{RuleID: "github-pat", Title: "GitHub Personal Access Token", Severity: sdk.SeverityCritical,
		Match: "TOKEN=ghp_****", Location: sdk.Location{Path: ".env", Line: 3}, Policy: &sdk.Decision{Action: sdk.ActionDeny}}}
	r.Verdict = &sdk.Verdict{Mode: sdk.ModeEvaluatePolicy, Result: sdk.VerdictFail, Enforced: true, Counted: sdk.SeverityCounts{Critical: 1}, Thresholds: sdk.NoLimits}
	out := render(t, r, nil)
	if !strings.Contains(out, "| ❌ **CRITICAL** | GitHub Personal Access Token (github-pat) | `.env:3` | **DENY** |") {
		t.Errorf("secrets:\n%s", out)
	}
	if strings.Contains(out, "ghp_") || strings.Contains(out, "TOKEN") {
		t.Errorf("the match is in the summary:\n%s", out)
	}
}

func TestUnknownFormat(t *testing.T) {
	if err := (formatter{}).Format(sdk.FormatRequest{Format: "md"}, baseReport(), io.Discard); err == nil {
		t.Error("format md accepted")
	}
}

func TestManifest(t *testing.T) {
	raw, err := os.ReadFile("manifest.json")
	if err != nil {
		t.Fatal(err)
	}
	var m sdk.Manifest
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		t.Fatal(err)
	}
	if err := m.Validate(); err != nil {
		t.Fatal(err)
	}
	if m.Kind != sdk.KindFormatter || len(m.Formats) != 1 || m.Formats[0] != "markdown" {
		t.Errorf("manifest: %+v", m)
	}
}
