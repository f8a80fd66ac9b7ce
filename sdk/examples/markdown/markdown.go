package main

import (
	"cmp"
	"fmt"
	"io"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/trawlscan/trawl/sdk"
)

// defaultTop is how many findings the table lists: a pull-request comment is read, not
// searched (and GitHub caps a comment at 65,536 characters).
const defaultTop = 20

var severities = []string{sdk.SeverityCritical, sdk.SeverityHigh, sdk.SeverityMedium, sdk.SeverityLow, sdk.SeverityNegligible, sdk.SeverityUnknown}

func severityRank(s string) int {
	if i := slices.Index(severities, s); i >= 0 {
		return i
	}
	return len(severities)
}

// write renders the summary: the verdict and why, the counts by severity against the
// thresholds, the top findings (those that fail the verdict first), the secrets, the
// suppressed findings folded away, and what made the scan incomplete.
func write(w io.Writer, r *sdk.Report, top int) error {
	var b strings.Builder
	v := r.Verdict

	// The headline: what a reviewer needs from the notification alone.
	switch {
	case v == nil:
		fmt.Fprintf(&b, "## trawl: %s\n\n", code(r.Artifact.Name))
	case v.Result == sdk.VerdictFail:
		fmt.Fprintf(&b, "## ❌ trawl: %s fails\n\n", code(r.Artifact.Name))
	default:
		fmt.Fprintf(&b, "## ✅ trawl: %s passes\n\n", code(r.Artifact.Name))
	}
	if v != nil {
		enforced := "enforced"
		if !v.Enforced {
			enforced = "not enforced"
		}
		fmt.Fprintf(&b, "**Verdict: %s** (%s mode, %s)", v.Result, v.Mode, enforced)
		if v.Policy != nil {
			name := v.Policy.Name
			if name == "" {
				name = v.Policy.Source
			}
			fmt.Fprintf(&b, " · policy %s", code(name))
		}
		b.WriteString("\n\n")
		const maxReasons = 10
		for i, reason := range v.Reasons {
			if i == maxReasons {
				fmt.Fprintf(&b, "- and %d more\n", len(v.Reasons)-maxReasons)
				break
			}
			fmt.Fprintf(&b, "- %s\n", text(reason))
		}
		if len(v.Reasons) > 0 {
			b.WriteString("\n")
		}
		countsTable(&b, v)
	} else {
		b.WriteString("No verdict: the scan listed packages only, or the report predates verdicts.\n\n")
	}

	// One line of counts.
	pkgs := map[string]bool{}
	for _, f := range r.Vulnerabilities {
		pkgs[f.Package.Name+"@"+f.Package.Version] = true
	}
	parts := []string{fmt.Sprintf("%s in %s (of %d scanned)", plural(len(r.Vulnerabilities), "finding"), plural(len(pkgs), "package"), len(r.Packages))}
	if r.Database == nil && v != nil && v.Mode != sdk.ModeInventoryOnly {
		parts[0] = fmt.Sprintf("%d packages, not matched against a vulnerability database", len(r.Packages))
	}
	if n := allowed(r); n > 0 {
		parts = append(parts, fmt.Sprintf("%d allowed by the policy", n))
	}
	if n, by := suppressedCounts(r); n > 0 {
		parts = append(parts, fmt.Sprintf("%d suppressed (%s)", n, by))
	}
	if len(r.Secrets) > 0 {
		parts = append(parts, plural(len(r.Secrets), "secret"))
	}
	b.WriteString(strings.Join(parts, " · ") + "\n\n")

	findingsTable(&b, r, top)
	secretsTable(&b, r)
	suppressedTable(&b, r, top)
	problems(&b, r)

	var foot []string
	if t := strings.TrimSpace(r.Tool.Name + " " + r.Tool.Version); t != "" {
		foot = append(foot, text(t))
	}
	if r.Database != nil && !r.Database.BuiltAt.IsZero() {
		foot = append(foot, "database built "+r.Database.BuiltAt.UTC().Format("2006-01-02"))
	}
	if !r.CreatedAt.IsZero() {
		foot = append(foot, "scanned "+r.CreatedAt.UTC().Format("2006-01-02 15:04 UTC"))
	}
	if len(foot) > 0 {
		fmt.Fprintf(&b, "<sub>%s</sub>\n", strings.Join(foot, " · "))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// countsTable is the counted findings by severity, with the thresholds that apply.
func countsTable(b *strings.Builder, v *sdk.Verdict) {
	c := v.Counted
	t := v.Thresholds
	limit := func(n int) string {
		if n < 0 {
			return "–"
		}
		return strconv.Itoa(n)
	}
	b.WriteString("| | Critical | High | Medium | Low | Negligible | Unknown |\n|---|---:|---:|---:|---:|---:|---:|\n")
	fmt.Fprintf(b, "| **Counted** | %d | %d | %d | %d | %d | %d |\n", c.Critical, c.High, c.Medium, c.Low, c.Negligible, c.Unknown)
	fmt.Fprintf(b, "| Threshold | %s | %s | %s | %s | – | – |\n\n", limit(t.MaxCritical), limit(t.MaxHigh), limit(t.MaxMedium), limit(t.MaxLow))
}

// fails reports whether a finding counts against the verdict: denied by the policy (but
// in scan-only mode, where only thresholds fail a scan), or counted in a severity whose
// threshold the counts exceed. Without a verdict every finding does.
func fails(v *sdk.Verdict, severity string, d *sdk.Decision) bool {
	if v == nil {
		return true
	}
	if d != nil {
		switch {
		case d.Action == sdk.ActionDeny && v.Mode != sdk.ModeScanOnly:
			return true
		case d.Action == sdk.ActionAllow:
			return false
		}
	}
	for _, l := range []struct {
		sev        string
		max, count int
	}{
		{sdk.SeverityCritical, v.Thresholds.MaxCritical, v.Counted.Critical},
		{sdk.SeverityHigh, v.Thresholds.MaxHigh, v.Counted.High},
		{sdk.SeverityMedium, v.Thresholds.MaxMedium, v.Counted.Medium},
		{sdk.SeverityLow, v.Thresholds.MaxLow, v.Counted.Low},
	} {
		if l.sev == severity {
			return l.max >= 0 && l.count > l.max
		}
	}
	return false
}

func findingsTable(b *strings.Builder, r *sdk.Report, top int) {
	if len(r.Vulnerabilities) == 0 {
		return
	}
	fs := slices.Clone(r.Vulnerabilities)
	// Failing first, then by severity, CVSS score, package and ID.
	slices.SortStableFunc(fs, func(x, y sdk.Vulnerability) int {
		fx, fy := fails(r.Verdict, x.Severity, x.Policy), fails(r.Verdict, y.Severity, y.Policy)
		if fx != fy {
			if fx {
				return -1
			}
			return 1
		}
		return cmp.Or(
			cmp.Compare(severityRank(x.Severity), severityRank(y.Severity)),
			cmp.Compare(y.CVSSScore, x.CVSSScore),
			cmp.Compare(x.Package.Name, y.Package.Name),
			cmp.Compare(x.ID, y.ID),
		)
	})
	title := "Findings"
	if len(fs) > top {
		title = fmt.Sprintf("Top %d of %d findings", top, len(fs))
	}
	fmt.Fprintf(b, "### %s\n\n", title)
	b.WriteString("| Severity | Finding | Package | Installed | Fixed in | Policy | Location |\n|---|---|---|---|---|---|---|\n")
	for i, f := range fs {
		if i == top {
			break
		}
		sev := text(f.Severity)
		if fails(r.Verdict, f.Severity, f.Policy) {
			sev = "❌ **" + sev + "**"
		}
		id := link(f.ID)
		if f.Summary != "" {
			id += "<br>" + text(truncate(f.Summary, 120))
		}
		fixed := text(strings.Join(f.FixedVersions, ", "))
		switch {
		case fixed != "":
		case f.Status == sdk.StatusNotFixed:
			fixed = "not fixed"
		case f.Status == sdk.StatusWillNotFix:
			fixed = "will not fix"
		}
		fmt.Fprintf(b, "| %s | %s | %s | %s | %s | %s | %s |\n",
			sev, id, text(f.Package.Name), text(f.Package.Version), fixed, decision(f.Policy), where(f.Locations))
	}
	b.WriteString("\n")
}

func secretsTable(b *strings.Builder, r *sdk.Report) {
	if len(r.Secrets) == 0 {
		return
	}
	// The match is left out, even redacted: a comment is read by everyone with access.
	fmt.Fprintf(b, "### Secrets\n\n| Severity | Rule | Location | Policy |\n|---|---|---|---|\n")
	for _, s := range r.Secrets {
		sev := text(s.Severity)
		if fails(r.Verdict, s.Severity, s.Policy) {
			sev = "❌ **" + sev + "**"
		}
		rule := text(s.RuleID)
		if s.Title != "" {
			rule = text(s.Title) + " (" + rule + ")"
		}
		fmt.Fprintf(b, "| %s | %s | %s | %s |\n", sev, rule, where([]sdk.Location{s.Location}), decision(s.Policy))
	}
	b.WriteString("\n")
}

func suppressedTable(b *strings.Builder, r *sdk.Report, top int) {
	if r.Suppressed == nil || len(r.Suppressed.Vulnerabilities)+len(r.Suppressed.Secrets) == 0 {
		return
	}
	n := len(r.Suppressed.Vulnerabilities) + len(r.Suppressed.Secrets)
	fmt.Fprintf(b, "<details><summary>%s</summary>\n\n", plural(n, "suppressed finding"))
	b.WriteString("| Finding | Package | Suppressed by | Reason |\n|---|---|---|---|\n")
	rows := 0
	row := func(finding, pkg string, s *sdk.Suppression) {
		rows++
		if rows > top {
			return
		}
		by, reason := "", ""
		if s != nil {
			by = text(s.Kind)
			if s.Source != "" {
				by += " " + code(s.Source)
			}
			reason = s.Reason
			if s.Status != "" {
				reason = strings.TrimSuffix(s.Status+": "+reason, ": ")
			}
			if s.Expires != nil {
				reason += " (until " + s.Expires.UTC().Format("2006-01-02") + ")"
			}
		}
		fmt.Fprintf(b, "| %s | %s | %s | %s |\n", finding, pkg, by, text(truncate(reason, 200)))
	}
	for _, f := range r.Suppressed.Vulnerabilities {
		row(link(f.ID), text(f.Package.Name+" "+f.Package.Version), f.Suppression)
	}
	for _, s := range r.Suppressed.Secrets {
		row(text(s.RuleID), where([]sdk.Location{s.Location}), s.Suppression)
	}
	if rows > top {
		fmt.Fprintf(b, "\nand %d more\n", rows-top)
	}
	b.WriteString("\n</details>\n\n")
}

// problems says what makes the results incomplete or stale: failed plugins, unreadable
// files, expired ignore entries.
func problems(b *strings.Builder, r *sdk.Report) {
	var lines []string
	for _, p := range r.Plugins {
		if p.Status == sdk.PluginFailed || p.Status == sdk.PluginRefused {
			lines = append(lines, fmt.Sprintf("plugin %s %s: %s: the scan is incomplete", code(p.Name), p.Status, text(truncate(p.Error, 200))))
		}
	}
	if n := len(r.Errors); n > 0 {
		lines = append(lines, fmt.Sprintf("%s could not be analyzed (first: %s: %s)", plural(n, "file"), code(r.Errors[0].Path), text(truncate(r.Errors[0].Message, 200))))
	}
	if r.Verdict != nil {
		for _, e := range r.Verdict.ExpiredIgnores {
			what := cmp.Or(e.ID, e.PURL, e.Path)
			lines = append(lines, fmt.Sprintf("the ignore entry for %s (%s) expired on %s: it no longer applies", text(what), code(e.Source), e.Expires.UTC().Format("2006-01-02")))
		}
	}
	for _, l := range lines {
		fmt.Fprintf(b, "> [!WARNING]\n> %s\n\n", l)
	}
}

func allowed(r *sdk.Report) int {
	n := 0
	for _, f := range r.Vulnerabilities {
		if f.Policy != nil && f.Policy.Action == sdk.ActionAllow {
			n++
		}
	}
	for _, s := range r.Secrets {
		if s.Policy != nil && s.Policy.Action == sdk.ActionAllow {
			n++
		}
	}
	return n
}

// suppressedCounts counts the suppressed findings, and says by what.
func suppressedCounts(r *sdk.Report) (int, string) {
	if r.Suppressed == nil {
		return 0, ""
	}
	by := map[string]int{}
	for _, f := range r.Suppressed.Vulnerabilities {
		if f.Suppression != nil {
			by[f.Suppression.Kind]++
		}
	}
	for _, s := range r.Suppressed.Secrets {
		if s.Suppression != nil {
			by[s.Suppression.Kind]++
		}
	}
	var parts []string
	for _, k := range []string{sdk.SuppressedByIgnore, sdk.SuppressedByVEX} {
		if by[k] > 0 {
			name := map[string]string{sdk.SuppressedByIgnore: "ignore file", sdk.SuppressedByVEX: "VEX"}[k]
			parts = append(parts, fmt.Sprintf("%d by %s", by[k], name))
		}
	}
	return len(r.Suppressed.Vulnerabilities) + len(r.Suppressed.Secrets), strings.Join(parts, ", ")
}

func decision(d *sdk.Decision) string {
	if d == nil {
		return ""
	}
	s := text(d.Action)
	if d.Action == sdk.ActionDeny {
		s = "**" + s + "**"
	}
	if d.Rule != "" {
		s += " " + code(d.Rule)
	}
	return s
}

func where(ls []sdk.Location) string {
	if len(ls) == 0 {
		return ""
	}
	s := ls[0].Path
	if ls[0].Line > 0 {
		s += ":" + strconv.Itoa(ls[0].Line)
	}
	return code(s)
}

// link links an advisory ID to osv.dev, which knows CVE, GHSA and the ecosystems' own IDs.
func link(id string) string {
	for _, c := range id {
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_' || c == ':') {
			return text(id)
		}
	}
	if id == "" {
		return ""
	}
	return fmt.Sprintf("[%s](https://osv.dev/vulnerability/%s)", text(id), url.PathEscape(id))
}

// text makes s safe in a table cell of GitHub-flavoured Markdown: one line, Markdown and
// HTML characters escaped (advisory texts and file names are not ours: they must not add
// links, images, mentions or markup to a comment).
func text(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\n' || r == '\r' || r == '\t':
			b.WriteByte(' ')
		case r < 0x20 || r == 0x7f:
		case r == '@':
			// "@user" would notify someone; a zero-width space keeps it from being a mention.
			b.WriteString("@\u200b")
		case strings.ContainsRune("\\`*_[]<>|~&", r):
			b.WriteByte('\\')
			b.WriteRune(r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// code makes s a code span that stays one table cell: backticks cannot end it early, and
// a pipe is escaped (GitHub splits cells on it even in code).
func code(s string) string {
	s = strings.Map(func(r rune) rune {
		switch {
		case r == '`':
			return '\''
		case r < 0x20 || r == 0x7f:
			return ' '
		}
		return r
	}, s)
	if s == "" {
		return ""
	}
	return "`" + strings.ReplaceAll(s, "|", `\|`) + "`"
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && s[cut]&0xC0 == 0x80 {
		cut--
	}
	return s[:cut] + "…"
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return strconv.Itoa(n) + " " + what + "s"
}
