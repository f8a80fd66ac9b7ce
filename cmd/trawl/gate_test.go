package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/registry"
	"gopkg.in/yaml.v3"

	"github.com/trawlscan/trawl/host/ignore"
	"github.com/trawlscan/trawl/host/policy"
	"github.com/trawlscan/trawl/sdk"
)

// demoRequirements are the demo app's pins: with the demo database, 2 HIGH findings
// (idna, urllib3), 1 MEDIUM (urllib3) and 7 of unknown severity.
const demoRequirements = "django==1.11.29\nflask==0.12.2\nidna==2.7\nrequests==2.20.0\nurllib3==1.24.3\n"

func demoTree(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "requirements.txt"), []byte(demoRequirements), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func writeFile(t *testing.T, dir, name, body string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func onePolicy(action, when string) string {
	return fmt.Sprintf("apiVersion: trawl.dev/v1\nkind: Policy\nname: test\nrules:\n  - id: the-rule\n    action: %s\n    when: %s\n", action, when)
}

// TestModesThresholdsActions runs every mode with every kind of threshold and policy rule
// over the demo app's requirements, and checks the exit status of each.
func TestModesThresholdsActions(t *testing.T) {
	db := demoDB(t)
	tree := demoTree(t)
	cfg := t.TempDir()
	policies := map[string]string{
		"none":  "",
		"ALLOW": writeFile(t, cfg, "allow.yaml", onePolicy("ALLOW", `finding.severity == "HIGH"`)),
		"DENY":  writeFile(t, cfg, "deny.yaml", onePolicy("DENY", `package.name == "idna"`)),
		"AUDIT": writeFile(t, cfg, "audit.yaml", onePolicy("AUDIT", "true")),
	}
	thresholds := map[string][]string{
		"none":               nil,
		"max-high 1 (2 > 1)": {"--max-high", "1"},
		"max-high 2":         {"--max-high", "2"},
	}
	// want[mode][threshold][action]: the exit status.
	want := map[string]map[string]map[string]int{
		sdk.ModeGetReport: {
			"none":               {"none": 0, "ALLOW": 0, "DENY": 0, "AUDIT": 0},
			"max-high 1 (2 > 1)": {"none": 0, "ALLOW": 0, "DENY": 0, "AUDIT": 0},
			"max-high 2":         {"none": 0, "ALLOW": 0, "DENY": 0, "AUDIT": 0},
		},
		sdk.ModeEvaluatePolicy: {
			"none":               {"none": 0, "ALLOW": 0, "DENY": 1, "AUDIT": 0},
			"max-high 1 (2 > 1)": {"none": 1, "ALLOW": 0, "DENY": 1, "AUDIT": 1},
			"max-high 2":         {"none": 0, "ALLOW": 0, "DENY": 1, "AUDIT": 0},
		},
		sdk.ModeScanOnly: {
			"none":               {"none": 0, "ALLOW": 0, "DENY": 0, "AUDIT": 0},
			"max-high 1 (2 > 1)": {"none": 1, "ALLOW": 0, "DENY": 1, "AUDIT": 1},
			"max-high 2":         {"none": 0, "ALLOW": 0, "DENY": 0, "AUDIT": 0},
		},
		sdk.ModeInventoryOnly: {
			"none":               {"none": 0, "ALLOW": 0, "DENY": 0, "AUDIT": 0},
			"max-high 1 (2 > 1)": {"none": 0, "ALLOW": 0, "DENY": 0, "AUDIT": 0},
			"max-high 2":         {"none": 0, "ALLOW": 0, "DENY": 0, "AUDIT": 0},
		},
	}
	for mode, byThreshold := range want {
		for th, byAction := range byThreshold {
			for action, code := range byAction {
				t.Run(fmt.Sprintf("%s/%s/%s", mode, th, action), func(t *testing.T) {
					if raceEnabled && (mode == sdk.ModeGetReport || mode == sdk.ModeInventoryOnly) {
						t.Skip("never failing modes: make test-unit runs them")
					}
					t.Parallel()
					args := []string{"fs", tree, "--db", db, "--scanners", "vuln", "--mode", mode}
					args = append(args, thresholds[th]...)
					if p := policies[action]; p != "" {
						args = append(args, "--policy", p)
					}
					if mode != sdk.ModeScanOnly {
						args = append(args, "-f", "json")
					}
					got, out, errOut := trawl(t, args...)
					if got != code {
						t.Fatalf("exit %d, want %d\n%s", got, code, errOut)
					}
					if mode == sdk.ModeScanOnly && out != "" {
						t.Errorf("scan-only wrote a report: %.200s", out)
					}
				})
			}
		}
	}
}

// TestVerdictInReport: the JSON report records the verdict, each finding's decision, and
// the policy's source and digest.
func TestVerdictInReport(t *testing.T) {
	db := demoDB(t)
	tree := demoTree(t)
	body := "apiVersion: trawl.dev/v1\nkind: Policy\nname: gate\nrules:\n" +
		"  - id: accept-idna\n    description: SEC-1\n    action: ALLOW\n    when: package.name == \"idna\"\n" +
		"  - id: no-high\n    action: DENY\n    when: finding.severity == \"HIGH\"\n"
	path := writeFile(t, t.TempDir(), "policy.yaml", body)
	rep := scanJSON(t, exitPolicy, "fs", tree, "--db", db, "--scanners", "vuln", "--mode", "evaluate-policy", "--policy", path, "--max-medium", "0")
	v := rep.Verdict
	if v == nil {
		t.Fatal("no verdict in the report")
	}
	sum := sha256.Sum256([]byte(body))
	if v.Policy == nil || v.Policy.Name != "gate" || v.Policy.Digest != "sha256:"+hex.EncodeToString(sum[:]) || v.Policy.Source != path {
		t.Errorf("policy %+v", v.Policy)
	}
	wantReasons := []string{"1 MEDIUM findings, more than max_medium 0", "DENY by rule no-high: CVE-2023-43804 in urllib3 1.24.3"}
	if v.Result != sdk.VerdictFail || !v.Enforced || !slices.Equal(v.Reasons, wantReasons) {
		t.Errorf("verdict %s enforced %v reasons %q, want fail, enforced, %q", v.Result, v.Enforced, v.Reasons, wantReasons)
	}
	if v.Counted != (sdk.SeverityCounts{High: 1, Medium: 1, Unknown: 7}) || v.Actions["ALLOW"] != 1 || v.Actions["DENY"] != 1 || v.Actions["AUDIT"] != 8 {
		t.Errorf("counted %+v actions %v", v.Counted, v.Actions)
	}
	decided := map[string]string{}
	for _, f := range rep.Vulnerabilities {
		if f.Policy == nil {
			t.Fatalf("%s has no decision", f.ID)
		}
		decided[f.ID] = f.Policy.Action + " " + f.Policy.Rule
	}
	if decided["CVE-2024-3651"] != "ALLOW accept-idna" || decided["CVE-2023-43804"] != "DENY no-high" || decided["CVE-2023-45803"] != "AUDIT " {
		t.Errorf("decisions %v", decided)
	}
}

// TestIgnoresAndVEX: an ignore entry and a VEX statement take findings out of the count,
// an expired entry stops applying and is reported.
func TestIgnoresAndVEX(t *testing.T) {
	db := demoDB(t)
	tree := demoTree(t)
	dir := t.TempDir()
	ign := writeFile(t, dir, "ignore.yaml", "ignores:\n"+
		"  - id: CVE-2024-3651\n    reason: idna is not reachable\n    expires: 2027-01-31\n"+
		"  - id: CVE-2023-45803\n    reason: was accepted\n    expires: 2026-11-24\n")
	vexDoc := writeFile(t, dir, "app.vex.json", `{
  "@context": "https://openvex.dev/ns/v0.2.0",
  "@id": "https://example.com/vex/app-1",
  "author": "Example Security",
  "timestamp": "2026-11-01T00:00:00Z",
  "version": 1,
  "statements": [{
    "vulnerability": {"name": "CVE-2023-43804"},
    "products": [{"@id": "pkg:pypi/urllib3@1.24.3"}],
    "status": "not_affected",
    "justification": "vulnerable_code_not_in_execute_path"
  }]
}`)
	code, out, errOut := trawl(t, "fs", tree, "--db", db, "--scanners", "vuln", "--mode", "evaluate-policy", "--max-high", "0",
		"--ignore-file", ign, "--vex", vexDoc, "-f", "json")
	if code != exitOK {
		t.Fatalf("exit %d, want 0 (both HIGH findings suppressed)\n%s", code, errOut)
	}
	if !strings.Contains(errOut, "ignore entry for CVE-2023-45803 expired on 2026-11-24") {
		t.Errorf("expired entry not reported:\n%s", errOut)
	}
	rep := reportOf(t, out)
	v := rep.Verdict
	if v.Suppressed != 2 || len(v.ExpiredIgnores) != 1 || v.ExpiredIgnores[0].ID != "CVE-2023-45803" || v.Counted.High != 0 || v.Counted.Medium != 1 {
		t.Errorf("verdict %+v", v)
	}
	if rep.Suppressed == nil || len(rep.Suppressed.Vulnerabilities) != 2 {
		t.Fatalf("suppressed %+v", rep.Suppressed)
	}
	for _, f := range rep.Suppressed.Vulnerabilities {
		s := f.Suppression
		switch f.ID {
		case "CVE-2024-3651":
			if s.Kind != "ignore" || s.Source != ign+":2" || s.Reason != "idna is not reachable" || s.Expires == nil {
				t.Errorf("ignore suppression %+v", s)
			}
		case "CVE-2023-43804":
			if s.Kind != "vex" || s.Status != "not_affected" || s.Source != vexDoc || s.Reason != "vulnerable_code_not_in_execute_path" {
				t.Errorf("vex suppression %+v", s)
			}
		default:
			t.Errorf("%s suppressed", f.ID)
		}
	}
	for _, f := range rep.Vulnerabilities {
		if f.ID == "CVE-2024-3651" || f.ID == "CVE-2023-43804" {
			t.Errorf("%s still listed", f.ID)
		}
	}
}

// TestGateConfigPrecedence: flags win over TRAWL_* variables, which win over trawl.yaml.
func TestGateConfigPrecedence(t *testing.T) {
	db := demoDB(t)
	tree := demoTree(t)
	dir := t.TempDir()
	cfg := writeFile(t, dir, "trawl.yaml", "mode: evaluate-policy\nthresholds:\n  max_high: 0\n")
	run := func(env map[string]string, args ...string) int {
		e := testEnv()
		e.getenv = func(k string) string { return env[k] }
		base := []string{"fs", tree, "--db", db, "--scanners", "vuln", "--config", cfg, "-f", "json"}
		code, _, _ := e.runTest(t, append(base, args...)...)
		return code
	}
	if code := run(nil); code != exitPolicy {
		t.Errorf("file: exit %d, want 1", code)
	}
	if code := run(map[string]string{"TRAWL_MAX_HIGH": "2"}); code != exitOK {
		t.Errorf("env over file: exit %d, want 0", code)
	}
	if code := run(map[string]string{"TRAWL_MAX_HIGH": "2"}, "--max-high", "1"); code != exitPolicy {
		t.Errorf("flag over env: exit %d, want 1", code)
	}
	if code := run(map[string]string{"TRAWL_MODE": "get-report"}); code != exitOK {
		t.Errorf("TRAWL_MODE over file: exit %d, want 0", code)
	}
	if code := run(map[string]string{"TRAWL_MAX_HIGH": "many"}); code != exitUsage {
		t.Errorf("bad env value: exit %d, want 2", code)
	}
	bad := writeFile(t, dir, "bad.yaml", "mode: evaluate-policy\nthreshold:\n  max_high: 0\n")
	code, _, errOut := trawl(t, "fs", tree, "--config", bad)
	if code != exitUsage || !strings.Contains(errOut, bad+": line 2: unknown key threshold") {
		t.Errorf("unknown key: exit %d: %s", code, errOut)
	}
}

// TestPolicySources: a policy from an OCI registry and from an HTTPS server, with its
// digest recorded and pinned; an invalid one points at its file and line.
func TestPolicySources(t *testing.T) {
	db := demoDB(t)
	tree := demoTree(t)
	body := onePolicy("DENY", `package.name == "idna"`)
	sum := sha256.Sum256([]byte(body))
	digest := "sha256:" + hex.EncodeToString(sum[:])

	reg := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	defer reg.Close()
	host := strings.TrimPrefix(reg.URL, "http://")
	ref := host + "/policies/prod:v1"
	policyFile := writeFile(t, t.TempDir(), "prod.yaml", body)
	if code, out, errOut := trawl(t, "policy", "push", policyFile, ref); code != exitOK || !strings.Contains(out, digest) {
		t.Fatalf("policy push: exit %d\n%s%s", code, out, errOut)
	}
	insecure := testEnv()
	insecure.insecurePolicy = true
	if code, out, errOut := insecure.runTest(t, "policy", "check", "oci://"+ref); code != exitOK || !strings.Contains(out, "1 rules") || !strings.Contains(out, digest) {
		t.Fatalf("policy check: exit %d\n%s%s", code, out, errOut)
	}
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/policy.yaml" {
			http.NotFound(w, r)
			return
		}
		w.Write([]byte(body))
	}))
	defer srv.Close()

	for _, tc := range []struct {
		name, source string
		extra        []string
		code         int
		resolved     string
	}{
		{"oci tag", "oci://" + ref, nil, exitPolicy, host + "/policies/prod@sha256:"},
		{"https", srv.URL + "/policy.yaml", nil, exitPolicy, srv.URL + "/policy.yaml"},
		{"https, pinned", srv.URL + "/policy.yaml", []string{"--policy-digest", digest}, exitPolicy, srv.URL},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := testEnv()
			e.policyHTTP, e.insecurePolicy = srv.Client(), true
			args := append([]string{"fs", tree, "--db", db, "--scanners", "vuln", "--mode", "evaluate-policy", "--policy", tc.source, "-f", "json"}, tc.extra...)
			code, out, errOut := e.runTest(t, args...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d\n%s", code, tc.code, errOut)
			}
			p := reportOf(t, out).Verdict.Policy
			if p == nil || p.Digest != digest || !strings.HasPrefix(p.Resolved, tc.resolved) {
				t.Errorf("policy %+v, want digest %s, resolved %s...", p, digest, tc.resolved)
			}
		})
	}

	e := testEnv()
	e.policyHTTP = srv.Client()
	code, _, errOut := e.runTest(t, "fs", tree, "--db", db, "--policy", srv.URL+"/policy.yaml", "--policy-digest", "sha256:"+strings.Repeat("0", 64))
	if code != exitUsage || !strings.Contains(errOut, digest) {
		t.Errorf("changed policy: exit %d: %s", code, errOut)
	}

	bad := writeFile(t, t.TempDir(), "bad.yaml", "apiVersion: trawl.dev/v1\nkind: Policy\nrules:\n  - id: r\n    action: DENY\n    when: finding.severty == \"HIGH\"\n")
	code, _, errOut = trawl(t, "fs", tree, "--db", db, "--policy", bad)
	if code != exitUsage || !strings.Contains(errOut, bad+":6:18: undefined field 'severty'") {
		t.Errorf("invalid policy: exit %d: %s", code, errOut)
	}
	if code, _, errOut := trawl(t, "policy", "check", bad); code != exitUsage || !strings.Contains(errOut, bad+":6:18:") {
		t.Errorf("policy check: exit %d: %s", code, errOut)
	}
	if code, _, _ := trawl(t, "policy", "push", bad, ref); code != exitUsage {
		t.Errorf("an invalid policy was pushed: exit %d", code)
	}
	code, _, errOut = trawl(t, "fs", tree, "--db", db, "--policy", "oci://"+ref, "--offline")
	if code != exitUsage || !strings.Contains(errOut, "--offline") {
		t.Errorf("offline remote policy: exit %d: %s", code, errOut)
	}
}

// TestNothingScannable: an empty tree gives exit 5, or what --nothing-found-exit-code says.
func TestNothingScannable(t *testing.T) {
	empty := t.TempDir()
	if code, _, errOut := trawl(t, "fs", empty); code != exitNothingFound || !strings.Contains(errOut, "nothing scannable") {
		t.Errorf("exit %d: %s", code, errOut)
	}
	if code, _, _ := trawl(t, "fs", empty, "--nothing-found-exit-code", "0"); code != exitOK {
		t.Errorf("disabled: exit %d", code)
	}
	writeFile(t, empty, "notes.txt", "nothing here\n")
	if code, _, errOut := trawl(t, "fs", empty); code != exitOK {
		t.Errorf("a text file is scanned for secrets: exit %d: %s", code, errOut)
	}
	if code, _, _ := trawl(t, "fs", empty, "--scanners", "vuln"); code != exitNothingFound {
		t.Errorf("no package file for vuln: exit %d", code)
	}
	if code, _, _ := trawl(t, "image", "--input", "../../testdata/images/alpine-3.10-demo.tar", "--scanners", "vuln"); code != exitOK {
		t.Errorf("an image with an OS: exit %d", code)
	}
}

// TestREADMEExamples: the policy, ignore file and trawl.yaml that README.md shows load.
func TestREADMEExamples(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	block := func(start string) []byte {
		s := string(readme)
		i := strings.Index(s, "```yaml\n"+start)
		if i < 0 {
			t.Fatalf("README.md has no yaml block starting %q", start)
		}
		s = s[i+len("```yaml\n"):]
		return []byte(s[:strings.Index(s, "```")])
	}
	if p, err := policy.Parse("README.md", block("apiVersion: trawl.dev/v1\nkind: Policy\nname: production-gate")); err != nil || len(p.Rules) != 5 {
		t.Errorf("policy: %v", err)
	}
	if l, err := ignore.Parse("README.md", block("ignores:")); err != nil || len(l.Entries) != 4 {
		t.Errorf("ignore file: %v", err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(block("mode: evaluate-policy")))
	dec.KnownFields(true)
	var fc fileConfig
	if err := dec.Decode(&fc); err != nil || fc.Mode != sdk.ModeEvaluatePolicy || *fc.Thresholds.MaxHigh != 5 {
		t.Errorf("trawl.yaml: %v", err)
	}
}
