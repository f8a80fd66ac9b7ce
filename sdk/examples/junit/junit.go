package main

import (
	"encoding/xml"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/trawlscan/trawl/sdk"
)

// The JUnit XML document, as Jenkins (junit step), Azure DevOps (PublishTestResults),
// GitLab (artifacts:reports:junit) and most CI servers read it.
type testsuites struct {
	XMLName  xml.Name    `xml:"testsuites"`
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Errors   int         `xml:"errors,attr"`
	Skipped  int         `xml:"skipped,attr"`
	Time     string      `xml:"time,attr"`
	Suites   []testsuite `xml:"testsuite"`
}

type testsuite struct {
	Name       string      `xml:"name,attr"`
	Tests      int         `xml:"tests,attr"`
	Failures   int         `xml:"failures,attr"`
	Errors     int         `xml:"errors,attr"`
	Skipped    int         `xml:"skipped,attr"`
	Time       string      `xml:"time,attr"`
	Timestamp  string      `xml:"timestamp,attr,omitempty"`
	Properties *properties `xml:"properties,omitempty"`
	Cases      []testcase  `xml:"testcase"`
	SystemErr  *cdata      `xml:"system-err,omitempty"`
}

type properties struct {
	Props []property `xml:"property"`
}

type property struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type testcase struct {
	Name      string   `xml:"name,attr"`
	Classname string   `xml:"classname,attr"`
	File      string   `xml:"file,attr,omitempty"`
	Time      string   `xml:"time,attr"`
	Failure   *outcome `xml:"failure,omitempty"`
	Error     *outcome `xml:"error,omitempty"`
	Skipped   *outcome `xml:"skipped,omitempty"`
	SystemOut *cdata   `xml:"system-out,omitempty"`
}

// outcome is a failure, an error or a skip. Its text, several lines, is CDATA, so that the
// file stays readable: encoding/xml escapes every newline of character data.
type outcome struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr,omitempty"`
	Text    string `xml:",cdata"`
}

type cdata struct {
	Text string `xml:",cdata"`
}

// text makes s fit for a CDATA section, which, unlike attributes and character data, the
// encoder does not check: characters XML does not allow (control characters, which
// advisory texts do hold) become U+FFFD.
func text(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\t', r == '\n', r == '\r',
			r >= 0x20 && r <= 0xD7FF, r >= 0xE000 && r <= 0xFFFD, r >= 0x10000 && r <= 0x10FFFF:
			return r
		}
		return '\uFFFD'
	}, s)
}

func textOf(s string) *cdata {
	if s == "" {
		return nil
	}
	return &cdata{Text: text(s)}
}

func (s *testsuite) add(c testcase) {
	s.Cases = append(s.Cases, c)
	s.Tests++
	switch {
	case c.Failure != nil:
		s.Failures++
	case c.Error != nil:
		s.Errors++
	case c.Skipped != nil:
		s.Skipped++
	}
}

// write renders the report as JUnit XML: a first test suite for the scan itself (the verdict,
// and the plugins that failed), then one per target, the file a finding was found in (a
// lockfile, a package database, a file holding a secret), with one test case per finding.
// A finding fails when the verdict counts it against the scan (see judge); findings that
// ignore entries or VEX statements suppressed are skipped cases.
func write(w io.Writer, r *sdk.Report) error {
	doc := testsuites{Name: "trawl " + r.Artifact.Name, Time: "0"}
	doc.Suites = append(doc.Suites, scanSuite(r))

	targets := map[string]*testsuite{}
	suite := func(path string) *testsuite {
		if path == "" {
			path = r.Artifact.Name
		}
		s := targets[path]
		if s == nil {
			s = &testsuite{Name: path, Time: "0", Timestamp: timestamp(r)}
			targets[path] = s
		}
		return s
	}
	for _, v := range r.Vulnerabilities {
		suite(firstPath(v.Locations)).add(vulnerabilityCase(v, judge(r.Verdict, v.Severity, v.Policy)))
	}
	for _, s := range r.Secrets {
		suite(s.Location.Path).add(secretCase(s, judge(r.Verdict, s.Severity, s.Policy)))
	}
	if r.Suppressed != nil {
		for _, v := range r.Suppressed.Vulnerabilities {
			suite(firstPath(v.Locations)).add(vulnerabilityCase(v, suppressed(v.Suppression)))
		}
		for _, s := range r.Suppressed.Secrets {
			suite(s.Location.Path).add(secretCase(s, suppressed(s.Suppression)))
		}
	}
	names := make([]string, 0, len(targets))
	for n := range targets {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		doc.Suites = append(doc.Suites, *targets[n])
	}
	for _, s := range doc.Suites {
		doc.Tests += s.Tests
		doc.Failures += s.Failures
		doc.Errors += s.Errors
		doc.Skipped += s.Skipped
	}

	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

// scanSuite is the suite of the scan as a whole: its properties, a "verdict" case that
// fails when the verdict does, and an error case for each plugin that failed or was
// refused (the scan is then incomplete). The files analyzers could not read are its
// system-err.
func scanSuite(r *sdk.Report) testsuite {
	s := testsuite{Name: r.Artifact.Name, Time: "0", Timestamp: timestamp(r), Properties: &properties{}}
	prop := func(name, value string) {
		if value != "" {
			s.Properties.Props = append(s.Properties.Props, property{Name: name, Value: value})
		}
	}
	prop("artifact.type", r.Artifact.Type)
	prop("artifact.digest", r.Artifact.Digest)
	prop("artifact.image_id", r.Artifact.ImageID)
	prop("tool", strings.TrimSpace(r.Tool.Name+" "+r.Tool.Version))
	if r.OS != nil {
		prop("os", strings.TrimSpace(r.OS.Family+" "+r.OS.Version))
	}
	prop("packages", strconv.Itoa(len(r.Packages)))
	if r.Database != nil {
		prop("database.built_at", r.Database.BuiltAt.UTC().Format("2006-01-02T15:04:05Z"))
	}

	v := r.Verdict
	verdict := testcase{Name: "verdict", Classname: "trawl.gate", Time: "0"}
	if v == nil {
		verdict.Skipped = &outcome{Message: "the report has no verdict (inventory-only mode, or a report of schema 1.0): every finding fails"}
	} else {
		prop("verdict.mode", v.Mode)
		prop("verdict.result", v.Result)
		prop("verdict.enforced", strconv.FormatBool(v.Enforced))
		for _, t := range thresholds(v) {
			prop("counted."+strings.ToLower(t.severity), strconv.Itoa(t.counted))
			if t.max >= 0 {
				prop("threshold.max_"+strings.ToLower(t.severity), strconv.Itoa(t.max))
			}
		}
		if v.Policy != nil {
			prop("policy", v.Policy.Source)
			prop("policy.digest", v.Policy.Digest)
		}
		if v.Suppressed > 0 {
			prop("suppressed", strconv.Itoa(v.Suppressed))
		}
		summary := fmt.Sprintf("verdict %s (%s mode, %s)", v.Result, v.Mode, map[bool]string{true: "enforced", false: "not enforced"}[v.Enforced])
		if v.Result == sdk.VerdictFail {
			msg := summary
			if len(v.Reasons) > 0 {
				msg += ": " + v.Reasons[0]
				if len(v.Reasons) > 1 {
					msg += fmt.Sprintf(" (and %d more)", len(v.Reasons)-1)
				}
			}
			verdict.Failure = &outcome{Message: msg, Type: "verdict", Text: text(strings.Join(v.Reasons, "\n"))}
		} else {
			verdict.SystemOut = textOf(summary)
		}
	}
	s.add(verdict)

	for _, p := range r.Plugins {
		if p.Status != sdk.PluginFailed && p.Status != sdk.PluginRefused {
			continue
		}
		s.add(testcase{
			Name: "plugin " + p.Name, Classname: "trawl.plugins", Time: "0",
			Error: &outcome{Message: fmt.Sprintf("plugin %s %s %s: %s", p.Name, p.Version, p.Status, p.Error), Type: p.Status},
		})
	}
	var errs []string
	for _, e := range r.Errors {
		errs = append(errs, fmt.Sprintf("%s: %s: %s", e.Analyzer, e.Path, e.Message))
	}
	s.SystemErr = textOf(strings.Join(errs, "\n"))
	if len(s.Properties.Props) == 0 {
		s.Properties = nil
	}
	return s
}

// judgement is what the verdict makes of one finding.
type judgement struct {
	fail bool
	// why says it in a sentence.
	why string
	// suppression, for a suppressed finding.
	suppression *sdk.Suppression
}

type threshold struct {
	severity     string
	max, counted int
}

func thresholds(v *sdk.Verdict) []threshold {
	return []threshold{
		{sdk.SeverityCritical, v.Thresholds.MaxCritical, v.Counted.Critical},
		{sdk.SeverityHigh, v.Thresholds.MaxHigh, v.Counted.High},
		{sdk.SeverityMedium, v.Thresholds.MaxMedium, v.Counted.Medium},
		{sdk.SeverityLow, v.Thresholds.MaxLow, v.Counted.Low},
	}
}

// judge decides whether a finding (not suppressed) fails, as the gate decided the verdict
// (sdk/verdict.go): a finding the policy denies fails (except in scan-only mode, where only
// thresholds fail a scan); one it allows passes, not being counted; any other is counted,
// and fails when the count of its severity exceeds that severity's threshold. A report
// without a verdict fails every finding: nothing says they are acceptable.
func judge(v *sdk.Verdict, severity string, d *sdk.Decision) judgement {
	if v == nil {
		return judgement{fail: true, why: "the report has no verdict"}
	}
	if d != nil {
		by := "the policy's default"
		if d.Rule != "" {
			by = "rule " + d.Rule
		}
		if d.Description != "" {
			by += " (" + d.Description + ")"
		}
		switch d.Action {
		case sdk.ActionDeny:
			if v.Mode != sdk.ModeScanOnly {
				return judgement{fail: true, why: "DENY by " + by}
			}
		case sdk.ActionAllow:
			return judgement{why: "ALLOW by " + by + ": not counted against the thresholds"}
		}
	}
	for _, t := range thresholds(v) {
		if t.severity != severity {
			continue
		}
		switch {
		case t.max < 0:
			return judgement{why: fmt.Sprintf("counted: %d %s findings, no limit", t.counted, severity)}
		case t.counted > t.max:
			return judgement{fail: true, why: fmt.Sprintf("counted: %d %s findings, more than max_%s %d", t.counted, severity, strings.ToLower(severity), t.max)}
		default:
			return judgement{why: fmt.Sprintf("counted: %d %s findings, within max_%s %d", t.counted, severity, strings.ToLower(severity), t.max)}
		}
	}
	return judgement{why: fmt.Sprintf("counted: no threshold applies to %s findings", severity)}
}

func suppressed(s *sdk.Suppression) judgement {
	if s == nil {
		s = &sdk.Suppression{}
	}
	return judgement{suppression: s}
}

// apply sets the case's outcome: a failure, a skip, or a pass whose details go to its
// system-out (which CI servers show beside a passing test).
func (j judgement) apply(c *testcase, typ, message, details string) {
	switch {
	case j.suppression != nil:
		s := j.suppression
		msg := "suppressed by " + s.Kind
		if s.Source != "" {
			msg += " (" + s.Source + ")"
		}
		if s.Status != "" {
			msg += ": " + s.Status
		}
		if s.Reason != "" {
			msg += ": " + s.Reason
		}
		if s.Expires != nil {
			msg += ", until " + s.Expires.UTC().Format("2006-01-02")
		}
		c.Skipped = &outcome{Message: msg, Text: text(details)}
	case j.fail:
		c.Failure = &outcome{Message: message + " [" + j.why + "]", Type: typ, Text: text(details + "verdict     " + j.why + "\n")}
	default:
		c.SystemOut = textOf(details + "verdict     passes: " + j.why + "\n")
	}
}

func vulnerabilityCase(v sdk.Vulnerability, j judgement) testcase {
	p := v.Package
	c := testcase{
		Name:      fmt.Sprintf("[%s] %s", v.Severity, v.ID),
		Classname: p.Name + "@" + p.Version,
		File:      firstPath(v.Locations),
		Time:      "0",
	}
	message := fmt.Sprintf("%s in %s %s", v.ID, p.Name, p.Version)
	if v.Summary != "" {
		message += ": " + v.Summary
	}
	var b strings.Builder
	line := func(label, format string, args ...any) {
		fmt.Fprintf(&b, "%-11s %s\n", label, fmt.Sprintf(format, args...))
	}
	sev := v.Severity
	if v.CVSSScore > 0 {
		sev += fmt.Sprintf(", CVSS %.1f", v.CVSSScore)
	}
	if v.CVSSVector != "" {
		sev += " " + v.CVSSVector
	}
	line("finding", "%s (%s)", v.ID, sev)
	if len(v.IDs) > 1 {
		line("aliases", "%s", strings.Join(v.IDs, ", "))
	}
	pkg := p.Name + " " + p.Version
	if p.Ecosystem != "" {
		pkg += " (" + p.Ecosystem + ")"
	}
	if p.PURL != "" {
		pkg += " " + p.PURL
	}
	line("package", "%s", pkg)
	if len(v.FixedVersions) > 0 {
		line("fixed in", "%s", strings.Join(v.FixedVersions, ", "))
	} else if v.Status != "" {
		line("status", "%s", v.Status)
	}
	for _, l := range v.Locations {
		line("location", "%s", location(l))
	}
	if v.Policy != nil {
		d := v.Policy.Action
		if v.Policy.Rule != "" {
			d += " by rule " + v.Policy.Rule
		}
		if v.Policy.Description != "" {
			d += ": " + v.Policy.Description
		}
		line("policy", "%s", d)
	}
	if v.Summary != "" {
		line("summary", "%s", v.Summary)
	}
	if v.Details != "" && v.Details != v.Summary {
		line("details", "%s", v.Details)
	}
	for _, ref := range v.References {
		line("reference", "%s", ref)
	}
	j.apply(&c, v.Severity, message, b.String())
	return c
}

// secretCase is a test case for a secret. The match is left out, even redacted: a test
// report is published widely.
func secretCase(s sdk.Secret, j judgement) testcase {
	where := location(s.Location)
	c := testcase{
		Name:      fmt.Sprintf("[%s] %s at %s", s.Severity, s.RuleID, where),
		Classname: "secret." + s.RuleID,
		File:      s.Location.Path,
		Time:      "0",
	}
	title := s.Title
	if title == "" {
		title = s.RuleID
	}
	message := fmt.Sprintf("%s at %s", title, where)
	var b strings.Builder
	fmt.Fprintf(&b, "%-11s %s (%s, rule %s)\n", "secret", title, s.Severity, s.RuleID)
	fmt.Fprintf(&b, "%-11s %s\n", "location", where)
	if s.Deleted {
		fmt.Fprintf(&b, "%-11s %s\n", "note", "the file was deleted in a later layer, but the secret stays in the image")
	}
	if s.Fingerprint != "" {
		fmt.Fprintf(&b, "%-11s %s\n", "fingerprint", s.Fingerprint)
	}
	j.apply(&c, s.Severity, message, b.String())
	return c
}

func location(l sdk.Location) string {
	s := l.Path
	if l.Line > 0 {
		s += ":" + strconv.Itoa(l.Line)
	}
	if l.LayerDiffID != "" {
		s += " (layer " + shortDigest(l.LayerDiffID) + ")"
	}
	return s
}

func shortDigest(d string) string {
	if _, hex, ok := strings.Cut(d, ":"); ok && len(hex) > 12 {
		return hex[:12]
	}
	return d
}

func firstPath(ls []sdk.Location) string {
	if len(ls) == 0 {
		return ""
	}
	return ls[0].Path
}

// timestamp is when the scan ran, as JUnit writes it (ISO 8601, no zone: UTC).
func timestamp(r *sdk.Report) string {
	if r.CreatedAt.IsZero() {
		return ""
	}
	return r.CreatedAt.UTC().Format("2006-01-02T15:04:05")
}
