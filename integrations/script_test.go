package integrations

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/trawlscan/trawl/internal/schematest"
	"github.com/trawlscan/trawl/plugins/formatters/jsonreport"
	"github.com/trawlscan/trawl/sdk"
)

// hasVerdict reports whether a JSON report carries the gate's verdict (the formatter
// plugin passes it through from report schema 1.1 on).
func hasVerdict(t testing.TB, file string) bool {
	t.Helper()
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(readFile(t, file), &doc); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	_, ok := doc["verdict"]
	return ok
}

// sarifCategory is a SARIF report's automationDetails.id, the code scanning category.
func sarifCategory(t testing.TB, file string) string {
	t.Helper()
	var doc struct {
		Runs []struct {
			AutomationDetails struct{ ID string } `json:"automationDetails"`
		}
	}
	if err := json.Unmarshal(readFile(t, file), &doc); err != nil || len(doc.Runs) != 1 {
		t.Fatalf("%s: %v, %d runs", file, err, len(doc.Runs))
	}
	if !strings.HasPrefix(doc.Runs[0].AutomationDetails.ID, "trawl/") {
		t.Fatalf("%s: automationDetails.id %q", file, doc.Runs[0].AutomationDetails.ID)
	}
	return doc.Runs[0].AutomationDetails.ID
}

// TestScriptModes runs `trawl-ci.sh run`, as the GitLab jobs, the Azure task and the
// Jenkins step do, on the demo image: its 2 HIGH findings decide the exit statuses.
func TestScriptModes(t *testing.T) {
	f := getFixture(t)
	image := abs(t, demoImage)
	cases := []struct {
		name     string
		settings map[string]string
		code     int
		verdict  string // "" when it depends on the report (get-report)
		reports  bool
		stderr   string
	}{
		{"get-report", map[string]string{"TRAWL_CI_MODE": "get-report"}, 0, "pass", true, ""},
		{"get-report over thresholds", map[string]string{"TRAWL_CI_MODE": "get-report", "TRAWL_CI_MAX_HIGH": "0"}, 0, "", true, ""},
		{"evaluate-policy max-high 0", map[string]string{"TRAWL_CI_MODE": "evaluate-policy", "TRAWL_CI_MAX_HIGH": "0"}, 1, "fail", true, "2 HIGH findings, more than max_high 0"},
		{"evaluate-policy max-high 2", map[string]string{"TRAWL_CI_MODE": "evaluate-policy", "TRAWL_CI_MAX_HIGH": "2"}, 0, "pass", true, ""},
		{"scan-only max-high 0", map[string]string{"TRAWL_CI_MODE": "scan-only", "TRAWL_CI_MAX_HIGH": "0", "TRAWL_CI_FORMATS": "json,sarif"}, 1, "fail", false, "scan-only mode writes no reports"},
		{"scan-only", map[string]string{"TRAWL_CI_MODE": "scan-only"}, 0, "pass", false, ""},
		{"bad flag", map[string]string{"TRAWL_CI_MODE": "evaluate-policy", "TRAWL_CI_ARGS": "--bogus"}, 2, "error", false, "unknown flag: --bogus"},
		{"bad threshold", map[string]string{"TRAWL_CI_MAX_HIGH": "many"}, 2, "error", false, ""},
		{"warn", map[string]string{"TRAWL_CI_MODE": "evaluate-policy", "TRAWL_CI_MAX_HIGH": "0", "TRAWL_CI_ON_POLICY_FAILURE": "warn"}, 0, "fail", true, "warning: the verdict failed"},
		{"warn exit code", map[string]string{"TRAWL_CI_MODE": "evaluate-policy", "TRAWL_CI_MAX_HIGH": "0", "TRAWL_CI_ON_POLICY_FAILURE": "warn", "TRAWL_CI_WARN_EXIT_CODE": "77"}, 77, "fail", true, ""},
		{"warn is for verdicts only", map[string]string{"TRAWL_CI_ARGS": "--bogus", "TRAWL_CI_ON_POLICY_FAILURE": "warn"}, 2, "error", false, ""},
		{"missing image", map[string]string{"TRAWL_CI_INPUT": "/nonexistent/image.tar"}, 3, "error", false, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			work := t.TempDir()
			settings := map[string]string{"TRAWL_CI_INPUT": image}
			for k, v := range c.settings {
				settings[k] = v
			}
			r := script(t, work, scanEnv(t, f, "local", settings), "run")
			wantCode(t, r, c.code)
			if c.stderr != "" && !strings.Contains(r.stderr, c.stderr) {
				t.Errorf("stderr lacks %q\n%s", c.stderr, r)
			}
			out := filepath.Join(work, "trawl-reports")
			rec := record(t, filepath.Join(out, "trawl-ci.env"))
			trawlCode := c.code
			if c.code == 77 || (c.code == 0 && c.settings["TRAWL_CI_ON_POLICY_FAILURE"] == "warn") {
				trawlCode = 1
			}
			if rec["TRAWL_EXIT_CODE"] != fmt.Sprint(trawlCode) {
				t.Errorf("recorded exit status %q, want %d", rec["TRAWL_EXIT_CODE"], trawlCode)
			}
			verdict := c.verdict
			if verdict == "" {
				verdict = "pass"
				if hasVerdict(t, filepath.Join(out, "trawl.json")) {
					verdict = "fail" // get-report: the verdict is in the report, not enforced
				}
			}
			if rec["TRAWL_VERDICT"] != verdict {
				t.Errorf("verdict %q, want %q", rec["TRAWL_VERDICT"], verdict)
			}
			json, sarif := filepath.Join(out, "trawl.json"), filepath.Join(out, "trawl.sarif")
			if c.reports {
				if rec["TRAWL_REPORT_JSON"] != "trawl-reports/trawl.json" || rec["TRAWL_REPORT_SARIF"] != "trawl-reports/trawl.sarif" {
					t.Errorf("recorded reports: %v", rec)
				}
				if err := schematest.Check(t, "report", readFile(t, json)); err != nil {
					t.Errorf("trawl.json: %v", err)
				}
				schematest.Validate(t, "sarif", readFile(t, sarif))
				// The table goes to the log.
				if !strings.Contains(r.stdout, "CVE-2024-3651") {
					t.Errorf("no table on stdout\n%s", r)
				}
			} else if exists(json) || exists(sarif) {
				t.Errorf("reports written, want none")
			}
		})
	}
}

// TestScriptTargets: what is scanned, and every report format to its conventional name.
func TestScriptTargets(t *testing.T) {
	f := getFixture(t)
	t.Run("every format", func(t *testing.T) {
		t.Parallel()
		work := t.TempDir()
		r := script(t, work, scanEnv(t, f, "local", map[string]string{
			"TRAWL_CI_INPUT":      abs(t, demoImage),
			"TRAWL_CI_FORMATS":    "table json, sarif,cyclonedx\nspdx,gitlab-container-scanning,table=tables/trawl.txt",
			"TRAWL_CI_OUTPUT_DIR": "out",
		}), "run")
		wantCode(t, r, 0)
		rec := record(t, filepath.Join(work, "out", "trawl-ci.env"))
		for format, file := range map[string]string{
			"json":                      "out/trawl.json",
			"sarif":                     "out/trawl.sarif",
			"cyclonedx":                 "out/trawl.cdx.json",
			"spdx":                      "out/trawl.spdx.json",
			"gitlab-container-scanning": "out/gl-container-scanning-report.json",
			"table":                     "tables/trawl.txt",
		} {
			key := "TRAWL_REPORT_" + strings.ToUpper(strings.ReplaceAll(format, "-", "_"))
			if rec[key] != file {
				t.Errorf("%s = %q, want %q", key, rec[key], file)
			}
			if format == "json" || format == "table" {
				continue
			}
			schematest.Validate(t, format, readFile(t, filepath.Join(work, file)))
		}
		if !strings.Contains(string(readFile(t, filepath.Join(work, "tables/trawl.txt"))), "CVE-2024-3651") {
			t.Error("the table file lacks the findings")
		}
		if got := strings.Count(rec["TRAWL_REPORTS"], ","); got != 5 {
			t.Errorf("TRAWL_REPORTS = %q, want 6 files", rec["TRAWL_REPORTS"])
		}
	})
	t.Run("source tree", func(t *testing.T) {
		t.Parallel()
		src := sourceTree(t, true)
		r := script(t, src, scanEnv(t, f, "local", map[string]string{
			"TRAWL_CI_PATH":    ".",
			"TRAWL_CI_MODE":    "evaluate-policy",
			"TRAWL_CI_MAX_LOW": "0", // the token: LOW, as its checksum fails
			"TRAWL_CI_FORMATS": "json,sarif,gitlab-dependency-scanning,gitlab-secret-detection",
		}), "run")
		wantCode(t, r, 1)
		var rep sdk.Report
		if err := json.Unmarshal(readFile(t, filepath.Join(src, "trawl-reports/trawl.json")), &rep); err != nil {
			t.Fatal(err)
		}
		if len(rep.Packages) != 13 || len(rep.Vulnerabilities) != 10 || len(rep.Secrets) != 1 {
			t.Errorf("%d packages, %d findings, %d secrets; want 13, 10, 1", len(rep.Packages), len(rep.Vulnerabilities), len(rep.Secrets))
		}
		schematest.Validate(t, "gitlab-dependency-scanning", readFile(t, filepath.Join(src, "trawl-reports/gl-dependency-scanning-report.json")))
		schematest.Validate(t, "gitlab-secret-detection", readFile(t, filepath.Join(src, "trawl-reports/gl-secret-detection-report.json")))
		if rec := record(t, filepath.Join(src, "trawl-reports/trawl-ci.env")); rec["TRAWL_CATEGORY"] != sarifCategory(t, filepath.Join(src, "trawl-reports/trawl.sarif")) {
			t.Errorf("category %q", rec["TRAWL_CATEGORY"])
		}
	})
	t.Run("secrets only, no database", func(t *testing.T) {
		t.Parallel()
		src := sourceTree(t, true)
		env := scanEnv(t, f, "local", map[string]string{"TRAWL_CI_PATH": ".", "TRAWL_CI_SCANNERS": "secret"})
		delete(env, "TRAWL_CI_DB")
		env["TRAWL_CI_DB_UPDATE"] = "always" // would fail offline, were a database needed
		r := script(t, src, env, "run")
		wantCode(t, r, 0)
		if !strings.Contains(r.stderr, "no vulnerability database needed") {
			t.Errorf("stderr:\n%s", r)
		}
	})
	t.Run("targets", func(t *testing.T) {
		t.Parallel()
		for _, settings := range []map[string]string{
			{},
			{"TRAWL_CI_INPUT": abs(t, demoImage), "TRAWL_CI_PATH": "."},
		} {
			work := t.TempDir()
			r := script(t, work, scanEnv(t, f, "local", settings), "run")
			wantCode(t, r, 2)
			if !strings.Contains(r.stderr, "give exactly one target") {
				t.Errorf("stderr:\n%s", r)
			}
			if rec := record(t, filepath.Join(work, "trawl-reports/trawl-ci.env")); rec["TRAWL_EXIT_CODE"] != "2" || rec["TRAWL_VERDICT"] != "error" {
				t.Errorf("record %v", rec)
			}
		}
	})
}

// TestScriptPlatforms: the outputs and annotations of each platform, and scan + gate in
// separate steps (as in the GitHub Action).
func TestScriptPlatforms(t *testing.T) {
	f := getFixture(t)
	gate := map[string]string{"TRAWL_CI_INPUT": abs(t, demoImage), "TRAWL_CI_MODE": "evaluate-policy", "TRAWL_CI_MAX_HIGH": "0", "TRAWL_CI_JUNIT": "true"}
	t.Run("github", func(t *testing.T) {
		t.Parallel()
		work := t.TempDir()
		env := scanEnv(t, f, "", gate)
		delete(env, "TRAWL_CI_PLATFORM")
		env["GITHUB_ACTIONS"] = "true"
		env["GITHUB_OUTPUT"] = filepath.Join(work, "output")
		env["GITHUB_STEP_SUMMARY"] = filepath.Join(work, "summary")
		r := script(t, work, env, "scan")
		wantCode(t, r, 0) // scan records; gate decides
		out := parseKV(string(readFile(t, env["GITHUB_OUTPUT"])))
		for k, v := range map[string]string{"exit-code": "1", "verdict": "fail", "mode": "evaluate-policy", "report-json": "trawl-reports/trawl.json",
			"report-sarif": "trawl-reports/trawl.sarif", "report-junit": "trawl-reports/trawl-junit.xml", "report-dir": "trawl-reports",
			"category": sarifCategory(t, filepath.Join(work, "trawl-reports/trawl.sarif"))} {
			if out[k] != v {
				t.Errorf("output %s = %q, want %q", k, out[k], v)
			}
		}
		if s := string(readFile(t, env["GITHUB_STEP_SUMMARY"])); !strings.Contains(s, "| **fail** | 1 (the verdict failed) | evaluate-policy |") {
			t.Errorf("step summary:\n%s", s)
		}
		g := script(t, work, map[string]string{"PATH": env["PATH"], "GITHUB_ACTIONS": "true", "TRAWL_CI_EXIT_CODE": "1"}, "gate")
		wantCode(t, g, 1)
		if !strings.Contains(g.stdout, "::error title=trawl::the verdict failed: evaluate-policy: FAIL") {
			t.Errorf("no error annotation\n%s", g)
		}
		g = script(t, work, map[string]string{"PATH": env["PATH"], "GITHUB_ACTIONS": "true", "TRAWL_CI_EXIT_CODE": "1", "TRAWL_CI_ON_POLICY_FAILURE": "warn"}, "gate")
		wantCode(t, g, 0)
		if !strings.Contains(g.stdout, "::warning title=trawl::the verdict failed") {
			t.Errorf("no warning annotation\n%s", g)
		}
		g = script(t, work, map[string]string{"PATH": env["PATH"], "GITHUB_ACTIONS": "true", "TRAWL_CI_EXIT_CODE": "4"}, "gate")
		wantCode(t, g, 4)
		if !strings.Contains(g.stdout, "::error title=trawl::trawl exited 4: incomplete scan") {
			t.Errorf("no error annotation\n%s", g)
		}
		// Without TRAWL_CI_EXIT_CODE, gate reads the record.
		g = script(t, work, map[string]string{"PATH": env["PATH"]}, "gate")
		wantCode(t, g, 1)
	})
	t.Run("azure", func(t *testing.T) {
		t.Parallel()
		work := t.TempDir()
		env := scanEnv(t, f, "", gate)
		delete(env, "TRAWL_CI_PLATFORM")
		env["TF_BUILD"] = "True"
		env["TRAWL_CI_OUTPUT_DIR"] = filepath.Join(work, "staging", "trawl")
		r := script(t, work, env, "run")
		wantCode(t, r, 1)
		sarif := filepath.Join(work, "staging", "trawl", "trawl.sarif")
		for _, line := range []string{
			"##vso[artifact.upload containerfolder=CodeAnalysisLogs;artifactname=CodeAnalysisLogs]" + sarif,
			"##vso[artifact.upload containerfolder=trawl-reports;artifactname=trawl-reports]" + filepath.Join(work, "staging", "trawl"),
			"##vso[results.publish type=JUnit;runTitle=trawl " + abs(t, demoImage) + ";]" + filepath.Join(work, "staging", "trawl", "trawl-junit.xml"),
			"##vso[task.setvariable variable=TRAWL_EXIT_CODE]1",
			"##vso[task.setvariable variable=TRAWL_VERDICT;isoutput=true]fail",
			"##vso[task.logissue type=error]the verdict failed: evaluate-policy: FAIL",
		} {
			if !strings.Contains(r.stdout, line) {
				t.Errorf("stdout lacks %s\n%s", line, r)
			}
		}
		env["TRAWL_CI_ON_POLICY_FAILURE"] = "warn"
		r = script(t, work, env, "run")
		wantCode(t, r, 0)
		if !strings.Contains(r.stdout, "##vso[task.complete result=SucceededWithIssues;]") || !strings.Contains(r.stdout, "##vso[task.logissue type=warning]") {
			t.Errorf("no SucceededWithIssues\n%s", r)
		}
	})
}

// junitDoc is the part of a JUnit document the tests read.
type junitDoc struct {
	Tests    int `xml:"tests,attr"`
	Failures int `xml:"failures,attr"`
	Skipped  int `xml:"skipped,attr"`
	Suites   []struct {
		Name  string `xml:"name,attr"`
		Cases []struct {
			Class   string    `xml:"classname,attr"`
			Name    string    `xml:"name,attr"`
			Failure *struct{} `xml:"failure"`
			Skipped *struct {
				Message string `xml:"message,attr"`
			} `xml:"skipped"`
		} `xml:"testcase"`
	} `xml:"testsuite"`
}

// TestScriptJUnit: the JUnit converter, on a real report and on one with every kind of
// finding, and without python3.
func TestScriptJUnit(t *testing.T) {
	f := getFixture(t)
	t.Run("demo", func(t *testing.T) {
		t.Parallel()
		work := t.TempDir()
		r := script(t, work, scanEnv(t, f, "local", map[string]string{"TRAWL_CI_INPUT": abs(t, demoImage), "TRAWL_CI_JUNIT": "true"}), "run")
		wantCode(t, r, 0)
		var doc junitDoc
		if err := xml.Unmarshal(readFile(t, filepath.Join(work, "trawl-reports/trawl-junit.xml")), &doc); err != nil {
			t.Fatal(err)
		}
		verdict := 0
		if hasVerdict(t, filepath.Join(work, "trawl-reports/trawl.json")) {
			verdict = 1 // a passing test case
		}
		if doc.Tests != 10+verdict || doc.Failures != 10 || doc.Skipped != 0 || len(doc.Suites) != 1 || len(doc.Suites[0].Cases) != doc.Tests {
			t.Fatalf("JUnit: %d tests, %d failures, %d skipped", doc.Tests, doc.Failures, doc.Skipped)
		}
		c := doc.Suites[0].Cases[0]
		if c.Class != "trawl.vulnerabilities" || c.Name != "CVE-2024-3651 in idna 2.7 (HIGH)" || c.Failure == nil {
			t.Errorf("first test case: %+v", c)
		}
	})
	t.Run("every kind", func(t *testing.T) {
		t.Parallel()
		work := t.TempDir()
		rep := &sdk.Report{
			SchemaVersion: "1.1",
			Tool:          sdk.Tool{Name: "trawl", Version: "test"},
			CreatedAt:     time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC),
			Artifact:      sdk.Artifact{Name: "app <&> \"image\"", Type: sdk.ArtifactImage},
			Vulnerabilities: []sdk.Vulnerability{
				{ID: "CVE-1", Package: sdk.PackageRef{Name: "a", Version: "1"}, Severity: "HIGH", Details: "bad \x01 <b>"},
				{ID: "CVE-2", Package: sdk.PackageRef{Name: "b", Version: "2"}, Severity: "LOW", Policy: &sdk.Decision{Action: sdk.ActionAllow, Rule: "ok"}},
			},
			Secrets: []sdk.Secret{{RuleID: "github-pat", Severity: "LOW", Location: sdk.Location{Path: "x.env", Line: 3}}},
			Suppressed: &sdk.Suppressed{Vulnerabilities: []sdk.Vulnerability{
				{ID: "CVE-3", Package: sdk.PackageRef{Name: "c", Version: "3"}, Severity: "CRITICAL", Suppression: &sdk.Suppression{Kind: sdk.SuppressedByVEX, Source: "vex.json", Reason: "not reachable"}},
			}},
			Plugins: []sdk.PluginStatus{{Name: "lang", Kind: sdk.KindAnalyzer, Status: sdk.PluginFailed, Error: "trap"}},
			Verdict: &sdk.Verdict{Mode: sdk.ModeEvaluatePolicy, Result: sdk.VerdictFail, Enforced: true, Reasons: []string{"1 HIGH finding, more than max_high 0"}},
		}
		var buf bytes.Buffer
		if err := jsonreport.Write(&buf, rep); err != nil {
			t.Fatal(err)
		}
		in, out := filepath.Join(work, "r.json"), filepath.Join(work, "r.xml")
		if err := os.WriteFile(in, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		r := script(t, work, baseEnv(t), "junit", in, out)
		wantCode(t, r, 0)
		var doc junitDoc
		if err := xml.Unmarshal(readFile(t, out), &doc); err != nil {
			t.Fatalf("%v\n%s", err, readFile(t, out))
		}
		// CVE-1, the secret, the plugin and the verdict fail; CVE-2 (allowed) and CVE-3
		// (suppressed) are skipped.
		if doc.Tests != 6 || doc.Failures != 4 || doc.Skipped != 2 {
			t.Fatalf("JUnit: %d tests, %d failures, %d skipped\n%s", doc.Tests, doc.Failures, doc.Skipped, readFile(t, out))
		}
		if doc.Suites[0].Name != `trawl: app <&> "image"` {
			t.Errorf("suite %q", doc.Suites[0].Name)
		}
		var skipped []string
		for _, c := range doc.Suites[0].Cases {
			if c.Skipped != nil {
				skipped = append(skipped, c.Skipped.Message)
			}
		}
		if len(skipped) != 2 || skipped[0] != "allowed by policy rule ok" || skipped[1] != "suppressed (vex, vex.json): not reachable" {
			t.Errorf("skipped: %q", skipped)
		}
	})
	t.Run("no python3", func(t *testing.T) {
		t.Parallel()
		work := t.TempDir()
		r := script(t, work, scanEnv(t, f, "local", map[string]string{
			"TRAWL_CI_INPUT": abs(t, demoImage), "TRAWL_CI_JUNIT": "true", "TRAWL_CI_PYTHON": "/nonexistent/python3",
			"TRAWL_CI_MODE": "evaluate-policy", "TRAWL_CI_MAX_HIGH": "0",
		}), "run")
		wantCode(t, r, 1) // the scan's status, JUnit or not
		if !strings.Contains(r.stderr, "no JUnit report: /nonexistent/python3 is not installed") || exists(filepath.Join(work, "trawl-reports/trawl-junit.xml")) {
			t.Errorf("want a warning and no JUnit\n%s", r)
		}
	})
}

// fakeTrawl writes a stand-in for trawl that records its arguments (one a line) in
// $FAKE_ARGS, the Docker config it was given in $FAKE_ARGS.docker, copies $FAKE_JSON to
// its json report, creates its other reports empty and exits $FAKE_EXIT.
func fakeTrawl(t testing.TB, dir string) string {
	t.Helper()
	p := filepath.Join(dir, "trawl")
	src := `#!/bin/sh
case $1 in
  version) echo "trawl v9.9.9-fake"; exit 0 ;;
  db) exit 0 ;;
esac
printf '%s\n' "$@" >"$FAKE_ARGS"
if [ -n "${DOCKER_CONFIG:-}" ]; then cp "$DOCKER_CONFIG/config.json" "$FAKE_ARGS.docker"; fi
for a in "$@"; do
  case $a in
    json=*) if [ -n "${FAKE_JSON:-}" ]; then cp "$FAKE_JSON" "${a#json=}"; else : >"${a#json=}"; fi ;;
    *=*) : >"${a#*=}" ;;
  esac
done
exit "${FAKE_EXIT:-0}"
`
	if err := os.WriteFile(p, []byte(src), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestScriptCommandLine: the trawl command the settings make, argument by argument.
func TestScriptCommandLine(t *testing.T) {
	cases := []struct {
		name     string
		settings map[string]string
		args     []string
	}{
		{
			"image, every setting",
			map[string]string{
				"TRAWL_CI_IMAGE": "registry.example.com/team/app:1.0", "TRAWL_CI_IMAGE_PLATFORM": "linux/arm64",
				"TRAWL_CI_MODE": "evaluate-policy", "TRAWL_CI_MAX_CRITICAL": "0", "TRAWL_CI_MAX_HIGH": "5", "TRAWL_CI_MAX_MEDIUM": "-1", "TRAWL_CI_MAX_LOW": "100",
				"TRAWL_CI_POLICY": "oci://registry.example.com/sec/policy:prod", "TRAWL_CI_POLICY_DIGEST": "sha256:4f1c",
				"TRAWL_CI_IGNORE_FILE": ".trawlignore.yaml", "TRAWL_CI_CONFIG": "ci/trawl.yaml", "TRAWL_CI_VEX": " vex/a.json, vex/b c.json\nvex/d.json\n",
				"TRAWL_CI_SCANNERS": "vuln,secret", "TRAWL_CI_SECRET_CONFIG": "secrets.yaml", "TRAWL_CI_NOTHING_FOUND_EXIT_CODE": "0", "TRAWL_CI_TIMEOUT": "15m",
				"TRAWL_CI_FORMATS": "table, sarif=out/x.sarif cyclonedx", "TRAWL_CI_ARGS": "--debug  --db-max-age 24h",
			},
			[]string{"image", "registry.example.com/team/app:1.0", "--no-progress", "--cache-dir", "CACHE", "--db", "DB",
				"--mode", "evaluate-policy", "--max-critical", "0", "--max-high", "5", "--max-medium", "-1", "--max-low", "100",
				"--policy", "oci://registry.example.com/sec/policy:prod", "--policy-digest", "sha256:4f1c", "--ignore-file", ".trawlignore.yaml",
				"--config", "ci/trawl.yaml", "--nothing-found-exit-code", "0", "--timeout", "15m", "--secret-config", "secrets.yaml",
				"--scanners", "vuln,secret", "--platform", "linux/arm64", "--vex", "vex/a.json", "--vex", "vex/b c.json", "--vex", "vex/d.json",
				"--format", "table", "--format", "sarif=out/x.sarif", "--format", "cyclonedx=trawl-reports/trawl.cdx.json", "--format", "json=trawl-reports/trawl.json",
				"--debug", "--db-max-age", "24h"},
		},
		{
			"sbom: no scanners, no platform",
			map[string]string{"TRAWL_CI_SBOM": "bom.cdx.json", "TRAWL_CI_SCANNERS": "vuln", "TRAWL_CI_IMAGE_PLATFORM": "linux/arm64", "TRAWL_CI_OFFLINE": "true", "TRAWL_CI_FORMATS": "json=r.json"},
			[]string{"sbom", "bom.cdx.json", "--no-progress", "--cache-dir", "CACHE", "--offline", "--db", "DB", "--format", "json=r.json"},
		},
		{
			"scan-only from trawl.yaml: no reports",
			map[string]string{"TRAWL_CI_INPUT": "app.tar", "TRAWL_CI_CONFIG": "trawl.yaml"},
			[]string{"image", "--input", "app.tar", "--no-progress", "--cache-dir", "CACHE", "--db", "DB", "--config", "trawl.yaml"},
		},
		{
			"skip-db, secrets",
			map[string]string{"TRAWL_CI_PATH": "src", "TRAWL_CI_SKIP_DB": "true", "TRAWL_CI_SCANNERS": "secret", "TRAWL_CI_FORMATS": "sarif"},
			[]string{"fs", "src", "--no-progress", "--cache-dir", "CACHE", "--skip-db", "--scanners", "secret", "--format", "sarif=trawl-reports/trawl.sarif", "--format", "json=trawl-reports/trawl.json"},
		},
		{
			"inventory-only: no database",
			map[string]string{"TRAWL_CI_PATH": "src", "TRAWL_CI_MODE": "inventory-only", "TRAWL_CI_FORMATS": "cyclonedx"},
			[]string{"fs", "src", "--no-progress", "--cache-dir", "CACHE", "--mode", "inventory-only", "--format", "cyclonedx=trawl-reports/trawl.cdx.json", "--format", "json=trawl-reports/trawl.json"},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			work := t.TempDir()
			if c.settings["TRAWL_CI_CONFIG"] == "trawl.yaml" {
				if err := os.WriteFile(filepath.Join(work, "trawl.yaml"), []byte("mode: 'scan-only'\nthresholds:\n  max_high: 0\n"), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			env := baseEnv(t)
			env["TRAWL_CI_TRAWL"] = fakeTrawl(t, t.TempDir())
			env["TRAWL_CI_CACHE_DIR"] = filepath.Join(work, "cache")
			env["FAKE_ARGS"] = filepath.Join(work, "args")
			for k, v := range c.settings {
				env[k] = v
			}
			r := script(t, work, env, "scan")
			wantCode(t, r, 0)
			got := strings.Split(strings.TrimSuffix(string(readFile(t, env["FAKE_ARGS"])), "\n"), "\n")
			var want []string
			for _, a := range c.args {
				switch a {
				case "CACHE":
					a = env["TRAWL_CI_CACHE_DIR"]
				case "DB":
					a = filepath.Join(env["TRAWL_CI_CACHE_DIR"], "db", "trawl.db")
				}
				want = append(want, a)
			}
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("trawl arguments:\n got %q\nwant %q", got, want)
			}
		})
	}
}

// TestScriptRegistryCredentials: the credentials go to a Docker config of the run only.
func TestScriptRegistryCredentials(t *testing.T) {
	for _, c := range []struct{ image, registry, want string }{
		{"registry.example.com/team/app:1", "", "registry.example.com"},
		{"localhost:5000/app", "", "localhost:5000"},
		{"library/alpine:3.20", "", "https://index.docker.io/v1/"},
		{"alpine:3.20", "", "https://index.docker.io/v1/"},
		{"registry.example.com/team/app:1", "mirror.example.com", "mirror.example.com"},
	} {
		work := t.TempDir()
		env := baseEnv(t)
		env["TRAWL_CI_TRAWL"] = fakeTrawl(t, t.TempDir())
		env["FAKE_ARGS"] = filepath.Join(work, "args")
		env["TRAWL_CI_CACHE_DIR"] = filepath.Join(work, "cache")
		env["TRAWL_CI_IMAGE"] = c.image
		env["TRAWL_CI_REGISTRY"] = c.registry
		env["TRAWL_CI_REGISTRY_USERNAME"] = "ci-user"
		env["TRAWL_CI_REGISTRY_PASSWORD"] = "s3cr:et"
		r := script(t, work, env, "scan")
		wantCode(t, r, 0)
		var cfg struct {
			Auths map[string]struct{ Auth string }
		}
		if err := json.Unmarshal(readFile(t, env["FAKE_ARGS"]+".docker"), &cfg); err != nil {
			t.Fatal(err)
		}
		if a := cfg.Auths[c.want].Auth; a != "Y2ktdXNlcjpzM2NyOmV0" { // base64("ci-user:s3cr:et")
			t.Errorf("%s: auths %v, want %s", c.image, cfg.Auths, c.want)
		}
		if strings.Contains(r.stdout+r.stderr, "s3cr:et") {
			t.Errorf("the password is in the log\n%s", r)
		}
		if left, _ := filepath.Glob(filepath.Join(env["TMPDIR"], "trawl-ci.*")); len(left) != 0 {
			t.Errorf("left behind: %v", left)
		}
	}
}

// TestScriptVerdictFromReport: with exit status 0 the verdict is the JSON report's (in
// get-report mode it may fail without failing the run), read as jsonreport writes it.
func TestScriptVerdictFromReport(t *testing.T) {
	for _, c := range []struct {
		verdict *sdk.Verdict
		mode    string
		want    string
	}{
		{&sdk.Verdict{Mode: sdk.ModeGetReport, Result: sdk.VerdictFail, Reasons: []string{"x"}, Counted: sdk.SeverityCounts{High: 2}, Thresholds: sdk.NoLimits}, "", "fail"},
		{&sdk.Verdict{Mode: sdk.ModeGetReport, Result: sdk.VerdictPass, Thresholds: sdk.NoLimits}, "", "pass"},
		{nil, "", "pass"},
		{nil, "inventory-only", "none"},
	} {
		work := t.TempDir()
		rep := &sdk.Report{SchemaVersion: "1.1", Artifact: sdk.Artifact{Name: "x", Type: sdk.ArtifactFilesystem}, Verdict: c.verdict,
			Vulnerabilities: []sdk.Vulnerability{{ID: "CVE-1", Severity: "HIGH", Policy: &sdk.Decision{Action: "DENY"}}}}
		var buf bytes.Buffer
		if err := jsonreport.Write(&buf, rep); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(work, "report.json"), buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		env := baseEnv(t)
		env["TRAWL_CI_TRAWL"] = fakeTrawl(t, t.TempDir())
		env["FAKE_ARGS"] = filepath.Join(work, "args")
		env["FAKE_JSON"] = filepath.Join(work, "report.json")
		env["TRAWL_CI_PATH"] = "."
		env["TRAWL_CI_MODE"] = c.mode
		r := script(t, work, env, "scan")
		wantCode(t, r, 0)
		if got := record(t, filepath.Join(work, "trawl-reports/trawl-ci.env"))["TRAWL_VERDICT"]; got != c.want {
			t.Errorf("verdict %q, want %q (report verdict %+v)", got, c.want, c.verdict)
		}
	}
}

// releaseServer serves a release of trawl_<os>_<arch>.tar.gz (holding a fake trawl) and
// checksums.txt at /download/<tag>/ and /latest/download/, as GitHub does.
func releaseServer(t testing.TB, checksums func(asset string, sum string) string) (*httptest.Server, *int64, string) {
	t.Helper()
	asset := "trawl_" + runtime.GOOS + "_" + runtime.GOARCH + ".tar.gz"
	fake := readFile(t, fakeTrawl(t, t.TempDir()))
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for _, f := range []struct {
		name string
		body []byte
	}{{"LICENSE", []byte("license\n")}, {"trawl", fake}} {
		if err := tw.WriteHeader(&tar.Header{Name: f.name, Mode: 0o755, Size: int64(len(f.body))}); err != nil {
			t.Fatal(err)
		}
		tw.Write(f.body)
	}
	tw.Close()
	gz.Close()
	archive := buf.Bytes()
	sum := sha256.Sum256(archive)
	sums := checksums(asset, hex.EncodeToString(sum[:]))
	var downloads int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/download/v9.9.9/"+asset || r.URL.Path == "/latest/download/"+asset:
			atomic.AddInt64(&downloads, 1)
			w.Write(archive)
		case r.URL.Path == "/download/v9.9.9/checksums.txt" || r.URL.Path == "/latest/download/checksums.txt":
			w.Write([]byte(sums))
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv, &downloads, asset
}

// TestScriptReleaseInstall: install release downloads the release archive and checks it
// against the release's checksums.txt (the contract a release must satisfy).
func TestScriptReleaseInstall(t *testing.T) {
	if (runtime.GOOS != "linux" && runtime.GOOS != "darwin") || (runtime.GOARCH != "amd64" && runtime.GOARCH != "arm64") {
		t.Skipf("trawl releases are for linux and darwin, amd64 and arm64, not %s/%s", runtime.GOOS, runtime.GOARCH)
	}
	good := func(asset, sum string) string {
		return "0000000000000000000000000000000000000000000000000000000000000000  trawl_windows_amd64.zip\n" + strings.ToUpper(sum) + "  " + asset + "\n"
	}
	install := func(t *testing.T, srv *httptest.Server, version string) (result, map[string]string, map[string]string) {
		work := t.TempDir()
		env := baseEnv(t)
		env["TRAWL_CI_PLATFORM"] = "github"
		env["GITHUB_OUTPUT"] = filepath.Join(work, "output")
		env["GITHUB_PATH"] = filepath.Join(work, "path")
		env["TRAWL_CI_INSTALL"] = "release"
		env["TRAWL_CI_VERSION"] = version
		env["TRAWL_CI_RELEASE_URL"] = srv.URL
		env["TRAWL_CI_CACHE_DIR"] = filepath.Join(work, "cache")
		r := script(t, work, env, "setup")
		out := map[string]string{}
		if exists(env["GITHUB_OUTPUT"]) {
			out = parseKV(string(readFile(t, env["GITHUB_OUTPUT"])))
		}
		return r, out, env
	}
	t.Run("tag", func(t *testing.T) {
		srv, downloads, _ := releaseServer(t, good)
		r, out, env := install(t, srv, "v9.9.9")
		wantCode(t, r, 0)
		want := filepath.Join(env["TMPDIR"], "trawl-ci", "bin", "v9.9.9", runtime.GOOS+"_"+runtime.GOARCH, "trawl")
		if out["trawl"] != want || out["trawl-version"] != "v9.9.9-fake" || out["wasm-key"] == "" {
			t.Errorf("outputs %v, want trawl %s", out, want)
		}
		if p := strings.TrimSpace(string(readFile(t, env["GITHUB_PATH"]))); p != filepath.Dir(want) {
			t.Errorf("GITHUB_PATH %q", p)
		}
		// A second setup in the same place finds it installed.
		r = script(t, t.TempDir(), env, "setup")
		wantCode(t, r, 0)
		if *downloads != 1 {
			t.Errorf("%d downloads, want 1", *downloads)
		}
	})
	t.Run("latest", func(t *testing.T) {
		srv, downloads, _ := releaseServer(t, good)
		r, _, _ := install(t, srv, "latest")
		wantCode(t, r, 0)
		if *downloads != 1 || !strings.Contains(r.stderr, srv.URL+"/latest/download/") {
			t.Errorf("%d downloads\n%s", *downloads, r)
		}
	})
	for name, c := range map[string]struct {
		checksums func(asset, sum string) string
		version   string
		stderr    string
	}{
		"checksum mismatch": {func(asset, sum string) string { return strings.Repeat("a", 64) + "  " + asset + "\n" }, "v9.9.9", "checksum mismatch"},
		"no checksum":       {func(asset, sum string) string { return sum + "  trawl_plan9_amd64.tar.gz\n" }, "v9.9.9", "lists no trawl_"},
		"no release":        {good, "v0.0.1", "could not download"},
	} {
		t.Run(name, func(t *testing.T) {
			srv, _, _ := releaseServer(t, c.checksums)
			r, out, env := install(t, srv, c.version)
			wantCode(t, r, 2)
			if !strings.Contains(r.stdout, "::error title=trawl::install: ") || !strings.Contains(r.stdout, c.stderr) {
				t.Errorf("want an error annotation with %q\n%s", c.stderr, r)
			}
			if out["trawl"] != "" || exists(filepath.Join(env["TMPDIR"], "trawl-ci", "bin", c.version, runtime.GOOS+"_"+runtime.GOARCH, "trawl")) {
				t.Error("installed anyway")
			}
		})
	}
}

// TestScriptSourceInstall: install source runs make build in the checkout and uses its
// bin/trawl.
func TestScriptSourceInstall(t *testing.T) {
	src := t.TempDir()
	fake := fakeTrawl(t, t.TempDir())
	mk := "build:\n\tmkdir -p bin && cp " + fake + " bin/trawl && echo built >built\n"
	if err := os.WriteFile(filepath.Join(src, "Makefile"), []byte(mk), 0o644); err != nil {
		t.Fatal(err)
	}
	work := t.TempDir()
	env := baseEnv(t, filepath.Join(runtime.GOROOT(), "bin"))
	env["TRAWL_CI_PLATFORM"] = "github"
	env["GITHUB_OUTPUT"] = filepath.Join(work, "output")
	env["TRAWL_CI_INSTALL"] = "source"
	env["TRAWL_CI_SOURCE_DIR"] = src
	env["TRAWL_CI_CACHE_DIR"] = filepath.Join(work, "cache")
	r := script(t, work, env, "setup")
	wantCode(t, r, 0)
	if out := parseKV(string(readFile(t, env["GITHUB_OUTPUT"]))); out["trawl"] != filepath.Join(src, "bin", "trawl") || !exists(filepath.Join(src, "built")) {
		t.Errorf("outputs %v\n%s", out, r)
	}
	env["TRAWL_CI_SOURCE_DIR"] = work
	r = script(t, work, env, "setup")
	wantCode(t, r, 2)
}

// mirror serves an osv.dev mirror with the PyPI advisories of testdata (as OSV JSON in
// PyPI/all.zip), for trawl db update --mirror.
func mirror(t testing.TB) *httptest.Server {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	files, _ := filepath.Glob("../testdata/advisories/pypi/*/*.yaml")
	if len(files) == 0 {
		t.Fatal("no advisories in testdata/advisories/pypi")
	}
	for _, f := range files {
		var doc any
		if err := yaml.Unmarshal(readFile(t, f), &doc); err != nil {
			t.Fatal(err)
		}
		j, err := json.Marshal(doc)
		if err != nil {
			t.Fatal(err)
		}
		w, _ := zw.Create(strings.TrimSuffix(filepath.Base(f), ".yaml") + ".json")
		w.Write(j)
	}
	zw.Close()
	zipped := buf.Bytes()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/PyPI/all.zip" {
			w.Write(zipped)
			return
		}
		http.NotFound(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestScriptDatabase: db-update auto updates a missing or day-old database and keeps a
// fresh one, a failed update keeps a usable old one, offline needs a database.
func TestScriptDatabase(t *testing.T) {
	f := getFixture(t)
	srv := mirror(t)
	work := t.TempDir()
	env := baseEnv(t)
	env["TRAWL_CI_PLATFORM"] = "local"
	env["TRAWL_CI_TRAWL"] = f.trawl
	env["TRAWL_CI_CACHE_DIR"] = filepath.Join(work, "cache")
	env["TRAWL_CI_DB_UPDATE_ARGS"] = "--mirror " + srv.URL + " --allow-http --ecosystem PyPI"
	db := filepath.Join(work, "cache", "db", "trawl.db")

	r := script(t, work, env, "db")
	wantCode(t, r, 0)
	if !strings.Contains(r.stderr, "updating the vulnerability database "+db) || !exists(db) {
		t.Fatalf("no update\n%s", r)
	}
	r = script(t, work, env, "db")
	wantCode(t, r, 0)
	if strings.Contains(r.stderr, "updating") {
		t.Errorf("a fresh database was updated\n%s", r)
	}
	old := time.Now().Add(-25 * time.Hour)
	if err := os.Chtimes(db, old, old); err != nil {
		t.Fatal(err)
	}
	r = script(t, work, env, "db")
	wantCode(t, r, 0)
	if !strings.Contains(r.stderr, "updating") {
		t.Errorf("a day-old database was kept\n%s", r)
	}

	// The mirror down: the database from the cache is used, with a warning.
	down := httptest.NewServer(http.NotFoundHandler())
	down.Close()
	env["TRAWL_CI_DB_UPDATE"] = "always"
	env["TRAWL_CI_DB_UPDATE_ARGS"] = "--mirror " + down.URL + " --allow-http --ecosystem PyPI"
	r = script(t, work, env, "db")
	wantCode(t, r, 0)
	if !strings.Contains(r.stderr, "warning: the vulnerability database could not be updated") {
		t.Errorf("no warning\n%s", r)
	}
	// ... and with no database in the cache, the job fails.
	env["TRAWL_CI_CACHE_DIR"] = filepath.Join(work, "empty")
	r = script(t, work, env, "db")
	wantCode(t, r, 2)

	// Offline: a database is needed, and never updated.
	env["TRAWL_CI_OFFLINE"] = "true"
	env["TRAWL_CI_DB_UPDATE"] = ""
	r = script(t, work, env, "db")
	wantCode(t, r, 2)
	if !strings.Contains(r.stderr, "no usable vulnerability database") {
		t.Errorf("stderr:\n%s", r)
	}
	env["TRAWL_CI_DB_UPDATE"] = "always"
	r = script(t, work, env, "db")
	wantCode(t, r, 2)
	env["TRAWL_CI_DB_UPDATE"] = ""
	env["TRAWL_CI_DB"] = f.db
	r = script(t, work, env, "db")
	wantCode(t, r, 0)
}
