package policy

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/trawlscan/trawl/sdk"
)

// now is the evaluation time of the tests.
var now = time.Date(2025, 1, 15, 12, 0, 0, 0, time.UTC)

func daysBefore(d int) *time.Time {
	t := now.Add(-time.Duration(d) * 24 * time.Hour)
	return &t
}

func mustParse(t testing.TB, source, text string) *Policy {
	t.Helper()
	p, err := Parse(source, []byte(text))
	if err != nil {
		t.Fatalf("Parse(%s): %v", source, err)
	}
	return p
}

func mustParseFile(t testing.TB, file string) *Policy {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	return mustParse(t, file, string(data))
}

// header starts an inline policy.
const header = "apiVersion: trawl.dev/v1\nkind: Policy\n"

// The findings of the decision tables.
var (
	// An OpenSSL vulnerability known under its GHSA id, with the CVE as an alias.
	opensslAlias = FromVulnerability(sdk.Vulnerability{
		ID: "GHSA-2f7x-8x9x-fj9c", IDs: []string{"CVE-2023-0464", "GHSA-2f7x-8x9x-fj9c"},
		Package:  sdk.PackageRef{Name: "openssl", Version: "3.0.7-r0", Type: "apk"},
		Severity: "HIGH", CVSSScore: 7.5, Status: sdk.StatusFixed, FixedVersions: []string{"3.0.8-r0"},
		Published: daysBefore(700),
	}, &sdk.Package{Name: "openssl", Version: "3.0.7-r0", Type: "apk", Licenses: []string{"Apache-2.0"}})
	// The same CVE in a package no exception covers, critical.
	curlCritical = FromVulnerability(sdk.Vulnerability{
		ID: "CVE-2023-0464", IDs: []string{"CVE-2023-0464"},
		Package:  sdk.PackageRef{Name: "curl", Version: "7.88.0", Type: "apk"},
		Severity: "CRITICAL", CVSSScore: 9.8, Status: sdk.StatusFixed, FixedVersions: []string{"7.88.1"},
	}, nil)
	criticalNoFix = FromVulnerability(sdk.Vulnerability{
		ID: "CVE-2024-0001", IDs: []string{"CVE-2024-0001"},
		Package:  sdk.PackageRef{Name: "zlib", Version: "1.2.13", Type: "apk"},
		Severity: "critical", CVSSScore: 9.1, Status: sdk.StatusNotFixed,
		Published: daysBefore(30),
	}, &sdk.Package{Name: "zlib", Version: "1.2.13", Type: "apk", Licenses: []string{"Zlib"}})
	highNoFixOld = FromVulnerability(sdk.Vulnerability{
		ID: "CVE-2023-1111", IDs: []string{"CVE-2023-1111"},
		Package:  sdk.PackageRef{Name: "busybox", Version: "1.36.1-r0", Type: "apk"},
		Severity: "HIGH", CVSSScore: 7.8, Status: sdk.StatusNotFixed, Published: daysBefore(400),
	}, &sdk.Package{Name: "busybox", Version: "1.36.1-r0", Type: "apk", Licenses: []string{"MIT"}})
	highNoFixNew = FromVulnerability(sdk.Vulnerability{
		ID: "CVE-2024-2222", IDs: []string{"CVE-2024-2222"},
		Package:  sdk.PackageRef{Name: "busybox", Version: "1.36.1-r0", Type: "apk"},
		Severity: "important", CVSSScore: 7.0, Status: sdk.StatusNotFixed, Published: daysBefore(10),
	}, nil)
	devHighFix = FromVulnerability(sdk.Vulnerability{
		ID: "GHSA-aaaa-bbbb-cccc", IDs: []string{"GHSA-aaaa-bbbb-cccc"},
		Package:  sdk.PackageRef{Name: "pytest", Version: "7.0.0", Type: "pypi", Ecosystem: "PyPI"},
		Severity: "HIGH", Status: sdk.StatusFixed, FixedVersions: []string{"7.2.0"},
	}, &sdk.Package{Name: "pytest", Version: "7.0.0", Type: "pypi", Dev: true})
	devCriticalFix = FromVulnerability(sdk.Vulnerability{
		ID: "GHSA-dddd-eeee-ffff", IDs: []string{"GHSA-dddd-eeee-ffff"},
		Package:  sdk.PackageRef{Name: "pytest", Version: "7.0.0", Type: "pypi", Ecosystem: "PyPI"},
		Severity: "CRITICAL", Status: sdk.StatusFixed, FixedVersions: []string{"7.2.0"},
	}, &sdk.Package{Name: "pytest", Version: "7.0.0", Type: "pypi", Dev: true})
	mediumAGPL = FromVulnerability(sdk.Vulnerability{
		ID: "CVE-2024-3333", IDs: []string{"CVE-2024-3333"},
		Package:  sdk.PackageRef{Name: "ghostscript", Version: "10.0", Type: "deb"},
		Severity: "Moderate", Status: sdk.StatusNotFixed,
	}, &sdk.Package{Name: "ghostscript", Version: "10.0", Type: "deb", Licenses: []string{"AGPL-3.0-or-later"}})
	lowWontFix = FromVulnerability(sdk.Vulnerability{
		ID: "CVE-2020-4444", IDs: []string{"CVE-2020-4444"},
		Package:  sdk.PackageRef{Name: "tar", Version: "1.34", Type: "deb"},
		Severity: "LOW", Status: sdk.StatusWillNotFix,
	}, &sdk.Package{Name: "tar", Version: "1.34", Type: "deb", Licenses: []string{"GPL-3.0-or-later"}})
	lowWontFixBSD = FromVulnerability(sdk.Vulnerability{
		ID: "CVE-2020-5555", IDs: []string{"CVE-2020-5555"},
		Package:  sdk.PackageRef{Name: "libbsd", Version: "0.11", Type: "deb"},
		Severity: "negligible", Status: sdk.StatusWillNotFix,
	}, &sdk.Package{Name: "libbsd", Version: "0.11", Type: "deb", Licenses: []string{"BSD-3-Clause"}})
	unknownNoFix = FromVulnerability(sdk.Vulnerability{
		ID: "OSV-2024-5", IDs: []string{"OSV-2024-5"},
		Package: sdk.PackageRef{Name: "left-pad", Version: "1.0.0", Type: "npm"},
		Status:  sdk.StatusNotFixed,
	}, nil)
	mediumSecret = FromSecret(sdk.Secret{
		RuleID: "generic-api-key", Severity: "medium", Location: sdk.Location{Path: "etc/app.conf"},
	})
	awsKey = FromSecret(sdk.Secret{
		RuleID: "aws-access-key-id", Category: "AWS", Title: "AWS access key ID", Severity: "CRITICAL",
		Fingerprint: "f1", Location: sdk.Location{Path: "app/.env", Line: 3, LayerDiffID: "sha256:bb"},
	})
	fixtureKey = FromSecret(sdk.Secret{
		RuleID: "private-key", Category: "private-key", Title: "Asymmetric private key", Severity: "HIGH",
		Fingerprint: "f2", Deleted: true,
		Location: sdk.Location{Path: "usr/lib/python3.12/site-packages/tlslib/tests/key.pem", LayerDiffID: "sha256:aa"},
	})
)

type decisionCase struct {
	name   string
	f      Finding
	now    time.Time
	action Action
	rule   string
}

func checkDecisions(t *testing.T, p *Policy, cases []decisionCase) {
	t.Helper()
	for _, c := range cases {
		at := c.now
		if at.IsZero() {
			at = now
		}
		d := p.Evaluate(c.f, at)
		if d.Action != c.action || d.Rule != c.rule || d.Err != "" {
			t.Errorf("%s: got %s by %q (err %q), want %s by %q", c.name, d.Action, d.Rule, d.Err, c.action, c.rule)
		}
	}
}

func TestExamplePolicy(t *testing.T) {
	p := mustParseFile(t, "testdata/example.yaml")
	if p.Name != "production-gate" || p.Default != Audit || p.Source != "testdata/example.yaml" || len(p.Rules) != 4 {
		t.Fatalf("policy: %+v", p)
	}
	r := p.Rules[0]
	if r.ID != "accept-openssl-cve" || r.Description != "accepted by security team, ticket SEC-12" ||
		r.Action != Allow || r.Line != 8 ||
		r.When != `finding.ids.exists(i, i == "CVE-2023-0464") && package.name == "openssl"` {
		t.Errorf("rule 0: %+v", r)
	}
	checkDecisions(t, p, []decisionCase{
		// The accepted CVE matches by alias, and the exception comes before the gate.
		{"openssl by alias", opensslAlias, now, Allow, "accept-openssl-cve"},
		{"same CVE elsewhere, fixable critical", curlCritical, now, Deny, "no-fixable-critical"},
		{"critical without fix", criticalNoFix, now, Audit, ""},
		{"GPL licence", lowWontFix, now, Audit, "gpl"},
		{"MIT licence, high", highNoFixOld, now, Audit, ""},
		{"secret", awsKey, now, Deny, "no-secrets"},
		{"deleted secret", fixtureKey, now, Deny, "no-secrets"},
	})
}

func TestProductionPolicy(t *testing.T) {
	p := mustParseFile(t, "testdata/production.yaml")
	if p.Name != "payments-production" || len(p.Rules) != 9 {
		t.Fatalf("policy: %s, %d rules", p.Name, len(p.Rules))
	}
	if d := p.Rules[0].Description; d != "OpenSSL certificate-policy DoS: the service never enables policy checking. Accepted by security in SEC-1234 until 2025-06-30." {
		t.Errorf("folded description: %q", d)
	}
	lapsed := time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC)
	checkDecisions(t, p, []decisionCase{
		{"accepted CVE, in time", opensslAlias, now, Allow, "accept-cve-2023-0464"},
		{"accepted CVE, lapsed", opensslAlias, lapsed, Deny, "fixable-high"},
		{"CVE accepted for another package", curlCritical, now, Deny, "fixable-high"},
		{"test fixture key", fixtureKey, now, Allow, "tls-test-fixtures"},
		{"live key", awsKey, now, Deny, "no-secrets"},
		{"dev dependency, high", devHighFix, now, Allow, "dev-only"},
		{"dev dependency, critical", devCriticalFix, now, Deny, "fixable-high"},
		{"critical, no fix, CVSS 9.1", criticalNoFix, now, Deny, "cvss-9"},
		{"high, no fix, 400 days", highNoFixOld, now, Audit, "stale-unfixed-high"},
		{"high, no fix, 10 days", highNoFixNew, now, Audit, ""},
		{"AGPL", mediumAGPL, now, Audit, "copyleft"},
		// copyleft comes first in the file, so a GPL package is audited even when its
		// finding is one the last rule would allow.
		{"low, will not fix, GPL", lowWontFix, now, Audit, "copyleft"},
		{"negligible, will not fix, BSD", lowWontFixBSD, now, Allow, "wont-fix-low"},
		{"unknown severity", unknownNoFix, now, Audit, ""},
	})
}

func TestFirstMatchAndDefault(t *testing.T) {
	rules := `rules:
  - id: high-audit
    action: AUDIT
    when: finding.severity == "HIGH"
  - id: high-deny
    action: DENY
    when: finding.severity_level >= 3
  - id: all-allow
    action: ALLOW
    when: finding.kind == "vulnerability"
`
	p := mustParse(t, "order.yaml", header+rules)
	checkDecisions(t, p, []decisionCase{
		// Both high rules match a HIGH finding: the first in the file decides.
		{"high", highNoFixOld, now, Audit, "high-audit"},
		{"critical", criticalNoFix, now, Deny, "high-deny"},
		{"medium", mediumAGPL, now, Allow, "all-allow"},
		{"critical secret", awsKey, now, Deny, "high-deny"},
		{"medium secret matches nothing", mediumSecret, now, Audit, ""},
	})
	for _, c := range []struct {
		def  string
		want Action
	}{{"", Audit}, {"default: ALLOW\n", Allow}, {"default: DENY\n", Deny}, {"default: AUDIT\n", Audit}} {
		p := mustParse(t, "default.yaml", header+c.def+rules)
		if p.Default != c.want {
			t.Errorf("%q: Default %s, want %s", c.def, p.Default, c.want)
		}
		if d := p.Evaluate(mediumSecret, now); d != (Decision{Action: c.want}) {
			t.Errorf("%q: %+v", c.def, d)
		}
	}
	// No rules at all is a policy that only sets the default.
	for _, text := range []string{header, header + "rules:\n", header + "rules: []\n"} {
		if d := mustParse(t, "empty.yaml", text).Evaluate(criticalNoFix, now); d != (Decision{Action: Audit}) {
			t.Errorf("%q: %+v", text, d)
		}
	}
}

// TestVariables checks every variable and field against a finding of each kind.
func TestVariables(t *testing.T) {
	vuln := FromVulnerability(sdk.Vulnerability{
		ID: "CVE-2024-9", IDs: []string{"GHSA-x", "RHSA-1"}, Severity: "high", CVSSScore: 8.1,
		Status: sdk.StatusFixed, FixedVersions: []string{"1.2", "2.0"}, Published: daysBefore(400),
		Package: sdk.PackageRef{Name: "ref-name", Version: "1.0", Type: "npm", Ecosystem: "npm", PURL: "pkg:npm/ref-name@1.0"},
		Locations: []sdk.Location{
			{Path: "app/package-lock.json", LayerDiffID: "sha256:l1"}, {Path: "other", LayerDiffID: "sha256:l2"},
		},
	}, &sdk.Package{Name: "lodash", Type: "npm", Licenses: []string{"MIT", "CC0-1.0"}, Indirect: true, Dev: true})
	vulnTrue := []string{
		`finding.kind == "vulnerability"`,
		`finding.id == "CVE-2024-9"`,
		`finding.ids == ["CVE-2024-9", "GHSA-x", "RHSA-1"]`,
		`finding.severity == "HIGH" && finding.severity_level == 3`,
		`finding.cvss_score == 8.1 && finding.cvss_score > 8`,
		`finding.fix_available && finding.fixed_versions == ["1.2", "2.0"]`,
		`finding.status == "fixed"`,
		`finding.published == now - duration("9600h") && has(finding.published)`,
		`finding.age_days == 400`,
		`finding.layer == "sha256:l1" && finding.path == "app/package-lock.json"`,
		`finding.secret_rule == ""`,
		// The package record wins over the vulnerability's reference; what it leaves empty
		// comes from the reference.
		`package.name == "lodash" && package.version == "1.0" && package.type == "npm"`,
		`package.ecosystem == "npm" && package.purl == "pkg:npm/ref-name@1.0"`,
		`package.licenses == ["MIT", "CC0-1.0"] && package.indirect && package.dev`,
		`secret.rule_id == "" && secret.category == "" && secret.title == "" && secret.severity == ""`,
		`secret.path == "" && secret.fingerprint == "" && !secret.deleted`,
		`now == timestamp("2025-01-15T12:00:00Z")`,
		`has(package.name) && "package" != package.name`,
	}
	secretTrue := []string{
		`finding.kind == "secret" && finding.id == "private-key" && finding.ids == ["private-key"]`,
		`finding.severity == "HIGH" && finding.severity_level == 3 && finding.cvss_score == 0.0`,
		`!finding.fix_available && finding.fixed_versions == [] && finding.status == ""`,
		// cel-go gives an unset time.Time as CEL's zero timestamp, the Unix epoch.
		`finding.published == timestamp("1970-01-01T00:00:00Z") && !has(finding.published)`,
		`finding.age_days == -1`,
		`finding.layer == "sha256:aa" && finding.path.endsWith("/key.pem")`,
		`finding.secret_rule == "private-key"`,
		`package.name == "" && package.version == "" && package.type == "" && package.ecosystem == ""`,
		`package.purl == "" && size(package.licenses) == 0 && !package.indirect && !package.dev`,
		`secret.rule_id == "private-key" && secret.category == "private-key"`,
		`secret.title == "Asymmetric private key" && secret.severity == "HIGH"`,
		`secret.path == finding.path && secret.fingerprint == "f2" && secret.deleted`,
	}
	for _, c := range []struct {
		f     Finding
		exprs []string
	}{{vuln, vulnTrue}, {fixtureKey, secretTrue}} {
		for _, expr := range c.exprs {
			p := mustParse(t, "vars.yaml", header+"rules:\n  - id: r\n    action: DENY\n    when: '"+strings.ReplaceAll(expr, "'", "''")+"'\n")
			if d := p.Evaluate(c.f, now); d.Rule != "r" {
				t.Errorf("%s on %s: %+v", expr, c.f.Kind, d)
			}
		}
	}
}

func TestAgeDays(t *testing.T) {
	p := mustParse(t, "age.yaml", header+`rules:
  - id: "400"
    action: DENY
    when: finding.age_days == 400
  - id: other
    action: AUDIT
    when: "true"
`)
	f := highNoFixOld // published 400 days before now
	if d := p.Evaluate(f, now); d.Rule != "400" {
		t.Errorf("400 days: %+v", d)
	}
	// One second short of 400 days is 399 whole days.
	if d := p.Evaluate(f, now.Add(-time.Second)); d.Rule != "other" {
		t.Errorf("399 days: %+v", d)
	}
	for _, c := range []struct {
		published time.Time
		want      int64
	}{
		{time.Time{}, -1},
		{now, 0},
		{now.Add(time.Hour), 0},
		{now.Add(-47 * time.Hour), 1},
		{now.Add(-400 * 24 * time.Hour), 400},
		{time.Date(1, 1, 1, 0, 0, 1, 0, time.UTC), 106751}, // time.Duration saturates at ~292 years
	} {
		if got := ageDays(c.published, now); got != c.want {
			t.Errorf("ageDays(%v) = %d, want %d", c.published, got, c.want)
		}
	}
	// A value the caller set is replaced, not trusted.
	f.AgeDays = 400
	f.Published = time.Time{}
	if d := p.Evaluate(f, now); d.Rule != "other" {
		t.Errorf("unknown published: %+v", d)
	}
}

func TestRuntimeErrors(t *testing.T) {
	p := mustParse(t, "runtime.yaml", header+`rules:
  - id: first-licence
    action: DENY
    when: package.licenses[0] == "MIT"
  - id: vulns
    action: AUDIT
    when: finding.kind == "vulnerability"
  - id: bad-division
    action: DENY
    when: 1 / (size(finding.ids) - 1) == 1
`)
	// busybox is MIT: the first rule decides, without error.
	if d := p.Evaluate(highNoFixOld, now); d != (Decision{Action: Deny, Rule: "first-licence"}) {
		t.Errorf("MIT: %+v", d)
	}
	// No licences: the first rule fails, is skipped, and the next decides.
	want := Decision{Action: Audit, Rule: "vulns", Err: "first-licence: index out of bounds: 0"}
	if d := p.Evaluate(curlCritical, now); d != want {
		t.Errorf("no licence: %+v, want %+v", d, want)
	}
	// A secret fails the first and third rules and matches nothing: the default decides, and
	// both failures are reported.
	want = Decision{Action: Audit, Err: "first-licence: index out of bounds: 0; bad-division: division by zero"}
	if d := p.Evaluate(awsKey, now); d != want {
		t.Errorf("secret: %+v, want %+v", d, want)
	}
	// A hand-built finding with nil lists fails the same way, without a panic.
	if d := p.Evaluate(Finding{Kind: KindVulnerability}, now); d.Rule != "vulns" || d.Err != "first-licence: index out of bounds: 0" {
		t.Errorf("zero finding: %+v", d)
	}
	// So does a policy that was not built by Parse.
	var nilPolicy *Policy
	if d := nilPolicy.Evaluate(awsKey, now); d != (Decision{Action: Audit}) {
		t.Errorf("nil policy: %+v", d)
	}
	hand := &Policy{Rules: []Rule{{ID: "x", Action: Deny, When: "true"}}}
	if d := hand.Evaluate(awsKey, now); d.Action != Audit || !strings.Contains(d.Err, "x: rule was not compiled") {
		t.Errorf("hand-built policy: %+v", d)
	}
}

// manyIDs is a finding with a list long enough for a nested comprehension over it to cost
// 10^12 steps.
func manyIDs() Finding {
	f := criticalNoFix
	f.IDs = make([]string, 10000)
	for i := range f.IDs {
		f.IDs[i] = fmt.Sprintf("ALIAS-%d", i)
	}
	return f
}

func TestCostLimit(t *testing.T) {
	p := mustParse(t, "cost.yaml", header+`rules:
  - id: quadratic
    action: DENY
    when: >
      finding.ids.exists(a, finding.ids.exists(b, finding.ids.exists(c, a + b + c == "x")))
  - id: fallback
    action: AUDIT
    when: finding.kind == "vulnerability"
`)
	start := time.Now()
	d := p.Evaluate(manyIDs(), now)
	elapsed := time.Since(start)
	if d.Action != Audit || d.Rule != "fallback" || d.Err != "quadratic: operation cancelled: actual cost limit exceeded" {
		t.Errorf("decision: %+v", d)
	}
	// The limit is ~1e6 steps: milliseconds, far below what the unbounded expression takes.
	if elapsed > 5*time.Second {
		t.Errorf("evaluation took %v", elapsed)
	}
	// On a short list the same rule runs to completion.
	if d := p.Evaluate(criticalNoFix, now); d.Rule != "fallback" || d.Err != "" {
		t.Errorf("short list: %+v", d)
	}
}

func TestEvaluateContext(t *testing.T) {
	p := mustParse(t, "ctx.yaml", header+`rules:
  - id: loop
    action: DENY
    when: finding.ids.exists(a, a == "none")
`)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	d := p.EvaluateContext(ctx, manyIDs(), now)
	if d.Action != Audit || d.Rule != "" || !strings.HasPrefix(d.Err, "loop: ") || !strings.Contains(d.Err, "context canceled") {
		t.Errorf("cancelled: %+v", d)
	}
	if d := p.EvaluateContext(context.Background(), manyIDs(), now); d != (Decision{Action: Audit}) {
		t.Errorf("not cancelled: %+v", d)
	}
}

// TestConcurrentEvaluate is meant for -race: one policy, many goroutines, and the findings
// shared between them.
func TestConcurrentEvaluate(t *testing.T) {
	p := mustParseFile(t, "testdata/production.yaml")
	findings := []Finding{opensslAlias, curlCritical, criticalNoFix, highNoFixOld, awsKey, fixtureKey, mediumAGPL}
	want := make([]Decision, len(findings))
	for i, f := range findings {
		want[i] = p.Evaluate(f, now)
	}
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := 0; n < 50; n++ {
				for i, f := range findings {
					if d := p.Evaluate(f, now); d != want[i] {
						t.Errorf("finding %d: %+v, want %+v", i, d, want[i])
						return
					}
				}
			}
		}()
	}
	wg.Wait()
}

func TestPackageIdentifier(t *testing.T) {
	// `package` is rewritten as an identifier only: in strings, comments and as a
	// longer word it stays as written.
	p := mustParse(t, "pkg.yaml", header+`rules:
  - id: r
    action: DENY
    when: |
      // package.name is the installed package
      package.name == "package" && r"package" == 'package' && """package""" == "package"
`)
	f := highNoFixOld
	f.Package.Name = "package"
	if d := p.Evaluate(f, now); d.Rule != "r" || d.Err != "" {
		t.Errorf("%+v", d)
	}
	if p.Rules[0].When != "// package.name is the installed package\npackage.name == \"package\" && r\"package\" == 'package' && \"\"\"package\"\"\" == \"package\"\n" {
		t.Errorf("When is not the text as written: %q", p.Rules[0].When)
	}
	for _, c := range []struct{ in, out string }{
		{`package.name`, `__pkg__.name`},
		{`x.package || package`, `x.__pkg__ || __pkg__`},
		{`packages + "package" + 'package' + r'package' + b"package"`, `packages + "package" + 'package' + r'package' + b"package"`},
		{`'''it's package''' + package`, `'''it's package''' + __pkg__`},
		{`"a\"package" + package`, `"a\"package" + __pkg__`},
		{"1e5 + package // package\npackage", "1e5 + __pkg__ // package\n__pkg__"},
		{"`package` package", "`package` __pkg__"},
		{`"unterminated package`, `"unterminated package`},
	} {
		got, misuse := rewritePackage(c.in)
		if got != c.out || len(misuse) != 0 {
			t.Errorf("rewritePackage(%q) = %q, %v; want %q", c.in, got, misuse, c.out)
		}
	}
	if _, misuse := rewritePackage(`é || __pkg__.name`); len(misuse) != 1 || misuse[0] != 6 {
		t.Errorf("misuse: %v", misuse)
	}
}

func TestFromVulnerability(t *testing.T) {
	pub := time.Date(2023, 3, 1, 0, 0, 0, 0, time.UTC)
	v := sdk.Vulnerability{
		ID: "CVE-1", IDs: nil, Severity: "Unrated", Status: sdk.StatusNotFixed, Published: &pub,
		Package: sdk.PackageRef{Name: "n", Version: "v", Type: "deb", Ecosystem: "Debian:12", PURL: "pkg:deb/debian/n@v"},
	}
	pkg := &sdk.Package{Name: "n", Locations: []sdk.Location{{Path: "var/lib/dpkg/status", LayerDiffID: "sha256:1"}}}
	f := FromVulnerability(v, pkg)
	if f.Kind != KindVulnerability || f.ID != "CVE-1" || fmt.Sprint(f.IDs) != "[CVE-1]" ||
		f.Severity != "UNKNOWN" || f.SeverityLevel != 0 || f.FixAvailable || f.FixedVersions == nil ||
		!f.Published.Equal(pub) || f.AgeDays != -1 || f.Path != "var/lib/dpkg/status" || f.Layer != "sha256:1" ||
		f.Package.Ecosystem != "Debian:12" || f.Package.Licenses == nil || f.Secret != (Secret{}) {
		t.Errorf("%+v", f)
	}
	// A status of fixed says a fix exists even with no version listed.
	v.Status = sdk.StatusFixed
	if f := FromVulnerability(v, nil); !f.FixAvailable || f.Path != "" || f.Package.Name != "n" {
		t.Errorf("fixed: %+v", f)
	}
	// The finding does not share the report's lists.
	v.FixedVersions = []string{"1"}
	f = FromVulnerability(v, nil)
	v.FixedVersions[0] = "changed"
	if f.FixedVersions[0] != "1" {
		t.Error("FixedVersions shares memory with the vulnerability")
	}
	for sev, want := range map[string]int64{"CRITICAL": 4, "high": 3, "important": 3, "MEDIUM": 2, "moderate": 2, "Low": 1, "negligible": 0, "": 0} {
		if got := FromVulnerability(sdk.Vulnerability{Severity: sev}, nil).SeverityLevel; got != want {
			t.Errorf("severity %q: level %d, want %d", sev, got, want)
		}
	}
}
