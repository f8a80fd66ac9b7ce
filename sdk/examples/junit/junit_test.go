package main

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/trawlscan/trawl/sdk"
)

// render formats r as the plugin does in the module, and checks that the output is
// well-formed XML that decodes back into the JUnit document.
func render(t *testing.T, r *sdk.Report) (testsuites, string) {
	t.Helper()
	var buf bytes.Buffer
	if err := (formatter{}).Format(sdk.FormatRequest{Format: "junit"}, r, &buf); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if !strings.HasPrefix(out, `<?xml version="1.0" encoding="UTF-8"?>`) {
		t.Errorf("no XML declaration:\n%s", out)
	}
	dec := xml.NewDecoder(strings.NewReader(out))
	dec.Strict = true
	for {
		_, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("not well-formed XML: %v\n%s", err, out)
		}
	}
	var doc testsuites
	if err := xml.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	// The counts add up, in each suite and in all.
	var total testsuite
	for _, s := range doc.Suites {
		var c testsuite
		for _, tc := range s.Cases {
			c.add(tc)
		}
		if c.Tests != s.Tests || c.Failures != s.Failures || c.Errors != s.Errors || c.Skipped != s.Skipped {
			t.Errorf("suite %s says %d/%d/%d/%d, has %d/%d/%d/%d", s.Name, s.Tests, s.Failures, s.Errors, s.Skipped, c.Tests, c.Failures, c.Errors, c.Skipped)
		}
		total.Tests, total.Failures, total.Errors, total.Skipped = total.Tests+c.Tests, total.Failures+c.Failures, total.Errors+c.Errors, total.Skipped+c.Skipped
	}
	if total.Tests != doc.Tests || total.Failures != doc.Failures || total.Errors != doc.Errors || total.Skipped != doc.Skipped {
		t.Errorf("testsuites says %d/%d/%d/%d, suites hold %d/%d/%d/%d", doc.Tests, doc.Failures, doc.Errors, doc.Skipped, total.Tests, total.Failures, total.Errors, total.Skipped)
	}
	return doc, out
}

func findCase(t *testing.T, doc testsuites, suite, name string) testcase {
	t.Helper()
	for _, s := range doc.Suites {
		if s.Name != suite {
			continue
		}
		for _, c := range s.Cases {
			if c.Name == name {
				return c
			}
		}
	}
	t.Fatalf("no test case %q in suite %q", name, suite)
	return testcase{}
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

// TestGateReport renders a real evaluate-policy scan (testdata/gate.json: a policy that
// denies HIGH findings and allows one, AUDIT for the rest, an ignore entry and a VEX
// statement).
func TestGateReport(t *testing.T) {
	doc, out := render(t, loadReport(t, "testdata/gate.json"))
	if doc.Name != "trawl registry.example.com/demo/app:1.0" || len(doc.Suites) != 2 {
		t.Fatalf("testsuites %q with %d suites", doc.Name, len(doc.Suites))
	}
	// 8 findings, 2 suppressed, and the verdict; the two DENYs and the verdict fail.
	if doc.Tests != 11 || doc.Failures != 3 || doc.Skipped != 2 || doc.Errors != 0 {
		t.Errorf("tests %d failures %d skipped %d errors %d, want 11 3 2 0", doc.Tests, doc.Failures, doc.Skipped, doc.Errors)
	}

	scan := doc.Suites[0]
	if scan.Name != "registry.example.com/demo/app:1.0" || scan.Timestamp != "2026-11-25T12:00:00" {
		t.Errorf("scan suite %q at %q", scan.Name, scan.Timestamp)
	}
	props := map[string]string{}
	for _, p := range scan.Properties.Props {
		props[p.Name] = p.Value
	}
	for k, v := range map[string]string{"verdict.result": "fail", "verdict.mode": "evaluate-policy", "counted.high": "2", "threshold.max_medium": "0", "policy": "policy.yaml", "suppressed": "2"} {
		if props[k] != v {
			t.Errorf("property %s = %q, want %q", k, props[k], v)
		}
	}
	verdict := findCase(t, doc, scan.Name, "verdict")
	if verdict.Failure == nil || !strings.Contains(verdict.Failure.Message, "DENY by rule no-high: CVE-2024-3651 in idna 2.7 (and 1 more)") ||
		!strings.Contains(verdict.Failure.Text, "CVE-2023-43804 in urllib3 1.24.3") {
		t.Errorf("verdict: %+v", verdict)
	}

	const reqs = "srv/app/requirements.txt"
	denied := findCase(t, doc, reqs, "[HIGH] CVE-2024-3651")
	if denied.Classname != "idna@2.7" || denied.File != reqs || denied.Failure == nil || denied.Failure.Type != "HIGH" ||
		!strings.Contains(denied.Failure.Message, "DENY by rule no-high (nothing HIGH ships)") ||
		!strings.Contains(denied.Failure.Text, "fixed in    3.7\n") {
		t.Errorf("denied finding: %+v", denied)
	}
	allowed := findCase(t, doc, reqs, "[UNKNOWN] CVE-2021-33203")
	if allowed.Failure != nil || allowed.Skipped != nil || allowed.SystemOut == nil || !strings.Contains(allowed.SystemOut.Text, "passes: ALLOW by rule accept-django") {
		t.Errorf("allowed finding: %+v", allowed)
	}
	audited := findCase(t, doc, reqs, "[UNKNOWN] CVE-2018-1000656")
	if audited.Failure != nil || audited.SystemOut == nil || !strings.Contains(audited.SystemOut.Text, "passes: counted: no threshold applies to UNKNOWN findings") {
		t.Errorf("audited finding: %+v", audited)
	}
	vex := findCase(t, doc, reqs, "[MEDIUM] CVE-2023-45803")
	if vex.Skipped == nil || vex.Skipped.Message != "suppressed by vex (app.openvex.json): not_affected: vulnerable_code_not_in_execute_path: the app never sends request bodies on redirects" {
		t.Errorf("VEX-suppressed finding: %+v", vex.Skipped)
	}
	ignored := findCase(t, doc, reqs, "[UNKNOWN] CVE-2023-32681")
	if ignored.Skipped == nil || !strings.HasPrefix(ignored.Skipped.Message, "suppressed by ignore (.trawlignore.yaml:2): requests only talks to our own API") ||
		!strings.HasSuffix(ignored.Skipped.Message, "until 2027-03-31") {
		t.Errorf("ignored finding: %+v", ignored.Skipped)
	}
	// Multi-line texts are CDATA, readable in the file.
	if !strings.Contains(out, "<![CDATA[finding     CVE-2024-3651 (HIGH, CVSS 7.5 CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H)\naliases") {
		t.Errorf("failure text is not CDATA:\n%s", out)
	}
}

func finding(id, sev string, policy *sdk.Decision) sdk.Vulnerability {
	return sdk.Vulnerability{
		ID: id, IDs: []string{id}, Advisories: []string{id}, Severity: sev, Status: sdk.StatusFixed,
		Package:       sdk.PackageRef{Name: "zlib", Version: "1.2.13", Type: "conan", Ecosystem: "ConanCenter", PURL: "pkg:conan/zlib@1.2.13"},
		Locations:     []sdk.Location{{Path: "conan.lock", Line: 4}},
		FixedVersions: []string{"1.3.1"}, Summary: "a flaw", Policy: policy,
	}
}

func baseReport() *sdk.Report {
	return &sdk.Report{
		SchemaVersion: sdk.SchemaVersion, Tool: sdk.Tool{Name: "trawl", Version: "1.0.0"},
		CreatedAt: time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC),
		Artifact:  sdk.Artifact{Name: "src", Type: sdk.ArtifactFilesystem},
	}
}

// TestThresholds: in get-report mode the verdict is informative, but it still decides which
// findings count against the scan: those of a severity whose threshold is exceeded.
func TestThresholds(t *testing.T) {
	r := baseReport()
	r.Vulnerabilities = []sdk.Vulnerability{finding("CVE-1", sdk.SeverityCritical, nil), finding("CVE-2", sdk.SeverityHigh, nil), finding("CVE-3", sdk.SeverityMedium, nil)}
	r.Verdict = &sdk.Verdict{
		Mode: sdk.ModeGetReport, Result: sdk.VerdictFail, Reasons: []string{"1 CRITICAL findings, more than max_critical 0"},
		Counted:    sdk.SeverityCounts{Critical: 1, High: 1, Medium: 1},
		Thresholds: sdk.Thresholds{MaxCritical: 0, MaxHigh: -1, MaxMedium: 5, MaxLow: -1},
	}
	doc, _ := render(t, r)
	crit := findCase(t, doc, "conan.lock", "[CRITICAL] CVE-1")
	if crit.Failure == nil || crit.Failure.Message != "CVE-1 in zlib 1.2.13: a flaw [counted: 1 CRITICAL findings, more than max_critical 0]" {
		t.Errorf("critical: %+v", crit.Failure)
	}
	if high := findCase(t, doc, "conan.lock", "[HIGH] CVE-2"); high.Failure != nil || !strings.Contains(high.SystemOut.Text, "counted: 1 HIGH findings, no limit") {
		t.Errorf("high: %+v", high)
	}
	if med := findCase(t, doc, "conan.lock", "[MEDIUM] CVE-3"); med.Failure != nil || !strings.Contains(med.SystemOut.Text, "within max_medium 5") {
		t.Errorf("medium: %+v", med)
	}
	if v := findCase(t, doc, "src", "verdict"); v.Failure == nil || v.Failure.Message != "verdict fail (get-report mode, not enforced): 1 CRITICAL findings, more than max_critical 0" {
		t.Errorf("verdict: %+v", v.Failure)
	}
	if doc.Failures != 2 {
		t.Errorf("%d failures, want 2", doc.Failures)
	}

	// The same findings under a passing verdict (no limits) pass.
	r.Verdict = &sdk.Verdict{Mode: sdk.ModeGetReport, Result: sdk.VerdictPass, Counted: r.Verdict.Counted, Thresholds: sdk.NoLimits}
	if doc, _ := render(t, r); doc.Failures != 0 || doc.Tests != 4 {
		t.Errorf("no limits: %d failures of %d tests, want 0 of 4", doc.Failures, doc.Tests)
	}
}

// TestScanOnlyDeny: in scan-only mode only thresholds fail a scan, so a DENY does not fail
// its finding.
func TestScanOnlyDeny(t *testing.T) {
	r := baseReport()
	r.Vulnerabilities = []sdk.Vulnerability{finding("CVE-1", sdk.SeverityHigh, &sdk.Decision{Action: sdk.ActionDeny})}
	r.Verdict = &sdk.Verdict{Mode: sdk.ModeScanOnly, Result: sdk.VerdictPass, Enforced: true, Counted: sdk.SeverityCounts{High: 1}, Thresholds: sdk.NoLimits}
	doc, _ := render(t, r)
	if doc.Failures != 0 {
		t.Errorf("scan-only DENY: %d failures", doc.Failures)
	}
	r.Verdict.Mode, r.Verdict.Result, r.Verdict.Reasons = sdk.ModeEvaluatePolicy, sdk.VerdictFail, []string{"DENY by the policy's default: CVE-1 in zlib 1.2.13"}
	doc, _ = render(t, r)
	if c := findCase(t, doc, "conan.lock", "[HIGH] CVE-1"); c.Failure == nil || !strings.Contains(c.Failure.Message, "[DENY by the policy's default]") {
		t.Errorf("evaluate-policy DENY: %+v", c.Failure)
	}
}

// TestNoVerdict: a report without a verdict says nothing makes its findings acceptable.
func TestNoVerdict(t *testing.T) {
	r := baseReport()
	r.Vulnerabilities = []sdk.Vulnerability{finding("CVE-1", sdk.SeverityLow, nil)}
	doc, _ := render(t, r)
	if c := findCase(t, doc, "conan.lock", "[LOW] CVE-1"); c.Failure == nil {
		t.Errorf("finding without a verdict passes: %+v", c)
	}
	if v := findCase(t, doc, "src", "verdict"); v.Skipped == nil {
		t.Errorf("verdict case: %+v", v)
	}
}

// TestEmptyScan: a scan with no finding still gives a test (the verdict), which CI servers
// need to accept the file.
func TestEmptyScan(t *testing.T) {
	r := baseReport()
	r.Verdict = &sdk.Verdict{Mode: sdk.ModeGetReport, Result: sdk.VerdictPass, Thresholds: sdk.NoLimits}
	doc, _ := render(t, r)
	if doc.Tests != 1 || doc.Failures != 0 || len(doc.Suites) != 1 {
		t.Errorf("empty scan: %+v", doc)
	}
}

// TestPluginsAndFileErrors: a failed plugin is an error case (the scan is incomplete); the
// files analyzers could not read are the scan suite's system-err.
func TestPluginsAndFileErrors(t *testing.T) {
	r := baseReport()
	r.Verdict = &sdk.Verdict{Mode: sdk.ModeGetReport, Result: sdk.VerdictPass, Thresholds: sdk.NoLimits}
	r.Plugins = []sdk.PluginStatus{
		{Name: "os", Version: "0.3.0", Kind: sdk.KindAnalyzer, Status: sdk.PluginOK},
		{Name: "conan", Version: "1.0.0", Kind: sdk.KindAnalyzer, Status: sdk.PluginFailed, Error: "call timed out"},
	}
	r.Errors = []sdk.FileError{{Analyzer: "conan", Path: "a/conan.lock", Message: "not a Conan lock file"}}
	doc, _ := render(t, r)
	c := findCase(t, doc, "src", "plugin conan")
	if c.Error == nil || c.Error.Message != "plugin conan 1.0.0 failed: call timed out" || doc.Errors != 1 {
		t.Errorf("failed plugin: %+v", c.Error)
	}
	if s := doc.Suites[0].SystemErr; s == nil || s.Text != "conan: a/conan.lock: not a Conan lock file" {
		t.Errorf("system-err: %+v", s)
	}
}

// TestHostileText: advisory texts hold what XML cannot (control characters) or what would
// end a CDATA section; the file stays well-formed and says the rest as it is.
func TestHostileText(t *testing.T) {
	r := baseReport()
	v := finding("CVE-1", sdk.SeverityHigh, nil)
	v.Summary = `a "quoted" <b>tag</b> & ]]> end` + "\x00\x1b[31m"
	v.Details = "line one\nline two ]]> \ufffe \U0001F600"
	r.Vulnerabilities = []sdk.Vulnerability{v}
	doc, out := render(t, r) // no verdict: the finding fails, with the texts in its failure
	c := findCase(t, doc, "conan.lock", "[HIGH] CVE-1")
	if c.Failure == nil || !strings.Contains(c.Failure.Message, `a "quoted" <b>tag</b> & ]]> end`+"\ufffd\ufffd[31m") {
		t.Errorf("message: %q", c.Failure)
	}
	if !strings.Contains(c.Failure.Text, "line one\nline two ]]> \ufffd \U0001F600") {
		t.Errorf("text: %q\n%s", c.Failure.Text, out)
	}
}

// TestSecretsNeverWritten: a secret is a test case, but its match, even redacted, is not
// in the file.
func TestSecretsNeverWritten(t *testing.T) {
	r := baseReport()
	r.Secrets = []sdk.Secret{{
		RuleID: "github-pat", Title: "GitHub Personal Access Token", Severity: sdk.SeverityCritical,
		Match: "TOKEN=ghp_****", Location: sdk.Location{Path: ".env", Line: 3}, Fingerprint: "sha256:abc",
		Policy: &sdk.Decision{Action: sdk.ActionDeny, Rule: "no-secrets"},
	}}
	r.Verdict = &sdk.Verdict{Mode: sdk.ModeEvaluatePolicy, Result: sdk.VerdictFail, Enforced: true, Counted: sdk.SeverityCounts{Critical: 1}, Thresholds: sdk.NoLimits}
	doc, out := render(t, r)
	c := findCase(t, doc, ".env", "[CRITICAL] github-pat at .env:3")
	if c.Classname != "secret.github-pat" || c.Failure == nil || c.Failure.Message != "GitHub Personal Access Token at .env:3 [DENY by rule no-secrets]" {
		t.Errorf("secret: %+v", c)
	}
	if strings.Contains(out, "ghp_") || strings.Contains(out, "TOKEN=") {
		t.Errorf("the match is in the file:\n%s", out)
	}
}

func TestUnknownFormat(t *testing.T) {
	if err := (formatter{}).Format(sdk.FormatRequest{Format: "xunit"}, baseReport(), io.Discard); err == nil {
		t.Error("format xunit accepted")
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
	if m.Kind != sdk.KindFormatter || len(m.Formats) != 1 || m.Formats[0] != "junit" {
		t.Errorf("manifest: %+v", m)
	}
}
