package gate

import (
	"slices"
	"testing"
	"time"

	"github.com/trawlscan/trawl/host/ignore"
	"github.com/trawlscan/trawl/host/policy"
	"github.com/trawlscan/trawl/host/vex"
	"github.com/trawlscan/trawl/sdk"
)

var now = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

func report() *sdk.Report {
	vuln := func(id, name, sev string, fixed ...string) sdk.Vulnerability {
		return sdk.Vulnerability{ID: id, IDs: []string{id}, Severity: sev, FixedVersions: fixed,
			Package: sdk.PackageRef{Name: name, Version: "1.0", Type: "npm", PURL: "pkg:npm/" + name + "@1.0"}}
	}
	return &sdk.Report{
		Packages: []sdk.Package{{Name: "left-pad", Version: "1.0", Type: "npm", PURL: "pkg:npm/left-pad@1.0", Licenses: []string{"GPL-3.0-only"}}},
		Vulnerabilities: []sdk.Vulnerability{
			vuln("CVE-1", "left-pad", sdk.SeverityCritical, "1.1"),
			vuln("CVE-2", "lodash", sdk.SeverityHigh),
			vuln("CVE-3", "lodash", sdk.SeverityMedium, "2.0"),
		},
		Secrets: []sdk.Secret{{RuleID: "github-pat", Severity: sdk.SeverityCritical, Location: sdk.Location{Path: "test/fixtures/.env", Line: 2}}},
	}
}

func mustPolicy(t *testing.T, body string) *policy.Policy {
	t.Helper()
	p, err := policy.Parse("policy.yaml", []byte("apiVersion: trawl.dev/v1\nkind: Policy\nrules:\n"+body))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestApply(t *testing.T) {
	allowLicense := mustPolicy(t, "  - id: gpl\n    action: ALLOW\n    when: package.licenses.exists(l, l.startsWith(\"GPL\"))\n")
	denyFixable := mustPolicy(t, "  - id: fixable\n    action: DENY\n    when: finding.fix_available && finding.severity_level >= 2\n")
	for _, tc := range []struct {
		name       string
		c          Config
		result     string
		enforced   bool
		reasons    []string
		counted    sdk.SeverityCounts
		decisions  []string // per vulnerability, then secret: "ACTION rule"
		suppressed int
	}{
		{name: "no gate, get-report", c: Config{Mode: sdk.ModeGetReport, Thresholds: sdk.NoLimits},
			result: "pass", counted: sdk.SeverityCounts{Critical: 2, High: 1, Medium: 1}},
		{name: "threshold, get-report: informative", c: Config{Mode: sdk.ModeGetReport, Thresholds: sdk.Thresholds{MaxCritical: 0, MaxHigh: -1, MaxMedium: -1, MaxLow: -1}},
			result: "fail", reasons: []string{"2 CRITICAL findings, more than max_critical 0"}, counted: sdk.SeverityCounts{Critical: 2, High: 1, Medium: 1}},
		{name: "threshold, evaluate-policy", c: Config{Mode: sdk.ModeEvaluatePolicy, Thresholds: sdk.Thresholds{MaxCritical: 2, MaxHigh: 0, MaxMedium: 1, MaxLow: 0}},
			result: "fail", enforced: true, reasons: []string{"1 HIGH findings, more than max_high 0"}, counted: sdk.SeverityCounts{Critical: 2, High: 1, Medium: 1}},
		{name: "ALLOW takes a finding out of the count", c: Config{Mode: sdk.ModeScanOnly, Thresholds: sdk.Thresholds{MaxCritical: 1, MaxHigh: -1, MaxMedium: -1, MaxLow: -1}, Policy: allowLicense},
			result: "pass", enforced: true, counted: sdk.SeverityCounts{Critical: 1, High: 1, Medium: 1},
			decisions: []string{"ALLOW gpl", "AUDIT ", "AUDIT ", "AUDIT "}},
		{name: "DENY fails evaluate-policy", c: Config{Mode: sdk.ModeEvaluatePolicy, Thresholds: sdk.NoLimits, Policy: denyFixable},
			result: "fail", enforced: true, counted: sdk.SeverityCounts{Critical: 2, High: 1, Medium: 1},
			reasons:   []string{"DENY by rule fixable: CVE-1 in left-pad 1.0", "DENY by rule fixable: CVE-3 in lodash 1.0"},
			decisions: []string{"DENY fixable", "AUDIT ", "DENY fixable", "AUDIT "}},
		{name: "DENY does not fail scan-only", c: Config{Mode: sdk.ModeScanOnly, Thresholds: sdk.NoLimits, Policy: denyFixable},
			result: "pass", enforced: true, counted: sdk.SeverityCounts{Critical: 2, High: 1, Medium: 1},
			decisions: []string{"DENY fixable", "AUDIT ", "DENY fixable", "AUDIT "}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rep := report()
			v := Apply(rep, tc.c)
			if v.Result != tc.result || v.Enforced != tc.enforced || !slices.Equal(v.Reasons, tc.reasons) || v.Counted != tc.counted {
				t.Errorf("verdict %s enforced %v reasons %q counted %+v\nwant %s %v %q %+v", v.Result, v.Enforced, v.Reasons, v.Counted, tc.result, tc.enforced, tc.reasons, tc.counted)
			}
			var got []string
			for _, f := range rep.Vulnerabilities {
				if f.Policy != nil {
					got = append(got, f.Policy.Action+" "+f.Policy.Rule)
				}
			}
			for _, f := range rep.Secrets {
				if f.Policy != nil {
					got = append(got, f.Policy.Action+" "+f.Policy.Rule)
				}
			}
			if !slices.Equal(got, tc.decisions) {
				t.Errorf("decisions %q, want %q", got, tc.decisions)
			}
			if rep.Verdict != v {
				t.Error("verdict not set in the report")
			}
		})
	}
}

func TestSuppression(t *testing.T) {
	ign, err := ignore.Parse(".trawlignore.yaml", []byte("ignores:\n"+
		"  - id: CVE-2\n    reason: no fix yet, tracked\n    expires: 2026-12-31\n"+
		"  - path: test/**\n    reason: test fixtures\n"+
		"  - id: CVE-3\n    reason: old\n    expires: 2026-01-01\n"))
	if err != nil {
		t.Fatal(err)
	}
	doc, err := vex.Parse("app.vex.json", []byte(`{"@context":"https://openvex.dev/ns/v0.2.0","@id":"https://example.com/v/1","author":"me",
		"timestamp":"2026-11-01T00:00:00Z","version":1,"statements":[{"vulnerability":{"name":"CVE-1"},
		"products":[{"@id":"pkg:npm/left-pad"}],"status":"not_affected","justification":"vulnerable_code_not_present"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	// A DENY-everything policy: suppressed findings are not evaluated.
	deny := mustPolicy(t, "  - id: all\n    action: DENY\n    when: \"true\"\n")
	rep := report()
	v := Apply(rep, Config{Mode: sdk.ModeEvaluatePolicy, Thresholds: sdk.NoLimits, Policy: deny, Ignores: ign, VEX: vex.NewIndex(doc), VEXSources: []string{"app.vex.json"}, Now: now})
	if v.Suppressed != 3 || rep.Suppressed == nil || len(rep.Suppressed.Vulnerabilities) != 2 || len(rep.Suppressed.Secrets) != 1 {
		t.Fatalf("suppressed %d: %+v", v.Suppressed, rep.Suppressed)
	}
	if len(rep.Vulnerabilities) != 1 || rep.Vulnerabilities[0].ID != "CVE-3" || len(rep.Secrets) != 0 {
		t.Errorf("left %+v %+v", rep.Vulnerabilities, rep.Secrets)
	}
	byID := map[string]*sdk.Suppression{}
	for _, f := range rep.Suppressed.Vulnerabilities {
		byID[f.ID] = f.Suppression
	}
	if s := byID["CVE-1"]; s == nil || s.Kind != "vex" || s.Status != "not_affected" || s.Reason != "vulnerable_code_not_present" || s.Source != "app.vex.json" {
		t.Errorf("CVE-1: %+v", s)
	}
	if s := byID["CVE-2"]; s == nil || s.Kind != "ignore" || s.Source != ".trawlignore.yaml:2" || s.Expires == nil {
		t.Errorf("CVE-2: %+v", s)
	}
	if s := rep.Suppressed.Secrets[0].Suppression; s.Source != ".trawlignore.yaml:5" || s.Reason != "test fixtures" {
		t.Errorf("secret: %+v", s)
	}
	if len(v.ExpiredIgnores) != 1 || v.ExpiredIgnores[0].ID != "CVE-3" || v.ExpiredIgnores[0].Source != ".trawlignore.yaml:7" {
		t.Errorf("expired %+v", v.ExpiredIgnores)
	}
	if v.Result != "fail" || v.Actions["DENY"] != 1 || v.Counted != (sdk.SeverityCounts{Medium: 1}) {
		t.Errorf("verdict %+v", v)
	}
}
