package sarif

import (
	"cmp"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/owenrumney/go-sarif/v2/sarif"

	"github.com/trawlscan/trawl/sdk"
)

// maxDescription bounds shortDescription and fullDescription, which GitHub cuts at 1024
// characters; the whole text is in help.
const maxDescription = 1024

// vulnerabilityRule describes one vulnerability ID, from every package it was found in.
func vulnerabilityRule(vulns []*sdk.Vulnerability) *sarif.ReportingDescriptor {
	id := vulns[0].ID
	var summary, details string
	var names, ecosystems []string
	worst := vulns[0]
	for _, v := range vulns {
		summary = cmp.Or(summary, oneLine(v.Summary))
		details = cmp.Or(details, strings.TrimSpace(v.Details))
		names = appendNew(names, cmp.Or(v.Package.SourceName, v.Package.Name))
		ecosystems = appendNew(ecosystems, ecosystemTag(&v.Package))
		if severityRank(v.Severity) > severityRank(worst.Severity) {
			worst = v
		}
	}
	short := summary
	if short == "" {
		short = id + ": vulnerability in " + strings.Join(names, ", ")
	}
	full := cmp.Or(details, short)

	tags := []string{"security", "vulnerability"}
	for _, e := range ecosystems {
		if e != "" && !slices.Contains(tags, e) {
			tags = append(tags, e)
		}
	}
	props := sarif.Properties{"tags": tags}
	if s, ok := vulnerabilitySeverity(vulns); ok {
		props["security-severity"] = s
	}
	rule := &sarif.ReportingDescriptor{
		ID:                   id,
		ShortDescription:     sarif.NewMultiformatMessageString(truncate(short, maxDescription)),
		FullDescription:      sarif.NewMultiformatMessageString(truncate(full, maxDescription)),
		DefaultConfiguration: &sarif.ReportingConfiguration{Level: level(worst.Severity)},
		Help:                 vulnerabilityHelp(vulns, summary, details),
		Properties:           props,
	}
	if u := advisoryURL(id); u != "" {
		rule.HelpURI = ptr(u)
	}
	return rule
}

// vulnerabilityHelp is the rule's help: what the vulnerability is, every package it was
// found in with the installed and fixed versions, and the references.
func vulnerabilityHelp(vulns []*sdk.Vulnerability, summary, details string) *sarif.MultiformatMessageString {
	var text, md strings.Builder
	id := vulns[0].ID
	text.WriteString(id)
	md.WriteString("**" + mdEscape(id) + "**")
	if summary != "" {
		text.WriteString(": " + summary)
		md.WriteString(": " + mdEscape(summary))
	}
	text.WriteString("\n")
	md.WriteString("\n")
	if details != "" && details != summary {
		text.WriteString("\n" + details + "\n")
		// Advisory details are Markdown already (OSV's are); they are shown as written.
		md.WriteString("\n" + details + "\n")
	}

	text.WriteString("\nAffected packages:\n")
	md.WriteString("\n| Package | Installed | Fixed in | Ecosystem | Severity |\n| --- | --- | --- | --- | --- |\n")
	var refs, ids []string
	for _, v := range vulns {
		p := &v.Package
		fixed := fixText(v)
		sev := severityText(v)
		eco := cmp.Or(p.Ecosystem, p.Type)
		text.WriteString("  " + p.Name + " " + p.Version + " (" + eco + "): " + fixed + "; severity " + sev + "\n")
		md.WriteString("| " + mdEscape(p.Name) + " | " + mdEscape(p.Version) + " | " + mdEscape(fixed) + " | " + mdEscape(eco) + " | " + mdEscape(sev) + " |\n")
		for _, r := range v.References {
			refs = appendNew(refs, r)
		}
		for _, a := range v.IDs {
			if a != id {
				ids = appendNew(ids, a)
			}
		}
	}
	advice := remediation(vulns)
	text.WriteString("\n" + advice + "\n")
	md.WriteString("\n" + advice + "\n")
	if len(ids) > 0 {
		text.WriteString("\nAlso known as: " + strings.Join(ids, ", ") + "\n")
		md.WriteString("\nAlso known as: " + mdEscape(strings.Join(ids, ", ")) + "\n")
	}
	if len(refs) > 0 {
		text.WriteString("\nReferences:\n")
		md.WriteString("\n#### References\n")
		for _, r := range refs {
			text.WriteString("  " + r + "\n")
			if isWebURL(r) {
				md.WriteString("- <" + r + ">\n")
			} else {
				md.WriteString("- " + mdEscape(r) + "\n")
			}
		}
	}
	return &sarif.MultiformatMessageString{Text: ptr(text.String()), Markdown: ptr(md.String())}
}

// remediation says what to do about the packages of one vulnerability.
func remediation(vulns []*sdk.Vulnerability) string {
	fixed, wontFix := 0, 0
	for _, v := range vulns {
		switch {
		case len(v.FixedVersions) > 0:
			fixed++
		case v.Status == sdk.StatusWillNotFix:
			wontFix++
		}
	}
	switch {
	case fixed == len(vulns):
		return "Upgrade the package to a fixed version, or rebuild on a base image that has one."
	case fixed > 0:
		return "Upgrade the packages that have a fixed version; for the others no fix is available yet."
	case wontFix == len(vulns):
		return "The distribution will not fix it: weigh the risk, or remove the package if nothing needs it."
	}
	return "No fixed version is published yet: follow the advisory, and mitigate or remove the package meanwhile."
}

func fixText(v *sdk.Vulnerability) string {
	switch {
	case len(v.FixedVersions) > 0:
		return strings.Join(v.FixedVersions, ", ")
	case v.Status == sdk.StatusWillNotFix:
		return "will not be fixed"
	}
	return "no fix yet"
}

func severityText(v *sdk.Vulnerability) string {
	s := cmp.Or(v.Severity, sdk.SeverityUnknown)
	if v.CVSSScore > 0 {
		s += " (CVSS " + strconv.FormatFloat(v.CVSSScore, 'f', 1, 64)
		if v.CVSSVector != "" {
			s += " " + v.CVSSVector
		}
		s += ")"
	}
	return s
}

// secretRule describes one secret rule. Its text never quotes a finding: the match, which
// may hold the secret when the user asked to see secrets, is in the results' messages only.
func secretRule(secrets []*sdk.Secret) *sarif.ReportingDescriptor {
	s := secrets[0]
	title := secretTitle(s)
	worst := s
	for _, x := range secrets {
		if severityRank(x.Severity) > severityRank(worst.Severity) {
			worst = x
		}
	}
	what := title + " (trawl secret rule " + s.RuleID
	if s.Category != "" {
		what += ", category " + s.Category
	}
	what += ")"
	full := "A credential matching the rule " + s.RuleID + " (" + title + ") was found in the scanned files. " +
		"Whoever can read the repository or pull the image can use it."
	rotate := []string{
		"Treat the credential as leaked: revoke or rotate it with its issuer first, then check the issuer's logs for use you did not make.",
		"Then remove it from the file, and keep it out: load it at run time from a secret manager or the environment of the deployment.",
		"Deleting the file later does not take the secret back: it stays in the version history, and in an image in the layer that added it, even when a later layer deletes the file.",
	}
	text := what + "\n\n" + full + "\n\n" + strings.Join(rotate, "\n") + "\n"
	md := "**" + mdEscape(title) + "** (trawl secret rule `" + strings.ReplaceAll(s.RuleID, "`", "") + "`)\n\n" +
		mdEscape(full) + "\n\n1. " + rotate[0] + "\n2. " + rotate[1] + "\n3. " + rotate[2] + "\n"

	tags := []string{"security", "secret"}
	if s.Category != "" {
		tags = append(tags, s.Category)
	}
	props := sarif.Properties{"tags": tags}
	if score, ok := severityScore(worst.Severity); ok {
		props["security-severity"] = score
	}
	return &sarif.ReportingDescriptor{
		ID:                   s.RuleID,
		ShortDescription:     sarif.NewMultiformatMessageString(truncate(title, maxDescription)),
		FullDescription:      sarif.NewMultiformatMessageString(truncate(full, maxDescription)),
		DefaultConfiguration: &sarif.ReportingConfiguration{Level: level(worst.Severity)},
		Help:                 &sarif.MultiformatMessageString{Text: ptr(text), Markdown: ptr(md)},
		Properties:           props,
	}
}

func secretTitle(s *sdk.Secret) string {
	return cmp.Or(oneLine(s.Title), s.RuleID)
}

// severityRank orders trawl's severities, unknown lowest.
func severityRank(s string) int {
	switch s {
	case sdk.SeverityCritical:
		return 5
	case sdk.SeverityHigh:
		return 4
	case sdk.SeverityMedium:
		return 3
	case sdk.SeverityLow:
		return 2
	case sdk.SeverityNegligible:
		return 1
	}
	return 0
}

// level maps a severity to SARIF's level. An unknown severity is a warning, not a note:
// nobody has rated it, which does not make it minor.
func level(s string) string {
	switch s {
	case sdk.SeverityCritical, sdk.SeverityHigh:
		return "error"
	case sdk.SeverityLow, sdk.SeverityNegligible:
		return "note"
	}
	return "warning"
}

// severityScore is the security-severity of a severity without a CVSS score, chosen in
// the middle of GitHub's bands (critical from 9.0, high 7.0, medium 4.0, low 0.1), as
// Trivy does. An unknown severity gets none: GitHub then ranks the alert by its level
// instead of calling it low.
func severityScore(s string) (string, bool) {
	switch s {
	case sdk.SeverityCritical:
		return "9.5", true
	case sdk.SeverityHigh:
		return "8.0", true
	case sdk.SeverityMedium:
		return "5.5", true
	case sdk.SeverityLow:
		return "2.0", true
	case sdk.SeverityNegligible:
		return "1.0", true
	}
	return "", false
}

// vulnerabilitySeverity is the rule's security-severity: the highest CVSS score among the
// packages, else the figure of the worst severity. GitHub wants a string holding a number.
func vulnerabilitySeverity(vulns []*sdk.Vulnerability) (string, bool) {
	best, worst := 0.0, ""
	for _, v := range vulns {
		if v.CVSSScore > best && v.CVSSScore <= 10 {
			best = v.CVSSScore
		}
		if severityRank(v.Severity) > severityRank(worst) {
			worst = v.Severity
		}
	}
	if best > 0 {
		return strconv.FormatFloat(best, 'f', 1, 64), true
	}
	return severityScore(worst)
}

// ecosystemTag is the ecosystem without its release ("Alpine:v3.20" → "Alpine"), so that a
// tag stays the same across releases.
func ecosystemTag(p *sdk.PackageRef) string {
	e, _, _ := strings.Cut(p.Ecosystem, ":")
	return cmp.Or(e, p.Type)
}

// advisoryURL is where the vulnerability is described: NVD for a CVE, GitHub for a GHSA,
// osv.dev for the other IDs of the OSV databases trawl's advisories come from.
func advisoryURL(id string) string {
	switch {
	case strings.HasPrefix(id, "CVE-"):
		return "https://nvd.nist.gov/vuln/detail/" + url.PathEscape(id)
	case strings.HasPrefix(id, "GHSA-"):
		return "https://github.com/advisories/" + url.PathEscape(id)
	case strings.Contains(id, "-"):
		return "https://osv.dev/vulnerability/" + url.PathEscape(id)
	}
	return ""
}

// category is the automationDetails.id of a scan: "trawl/<type>/<artifact>/". The trailing
// slash makes all of it the category (GitHub takes what comes before the last slash). The
// image's tag and digest are dropped so that each release replaces the last analysis
// instead of opening a new one.
func category(a *sdk.Artifact) string {
	name := a.Name
	typ := "filesystem"
	if a.Type == sdk.ArtifactImage {
		typ = "image"
		name = repository(name)
	} else if a.Type != "" {
		typ = a.Type
	}
	var b strings.Builder
	for _, seg := range strings.Split(strings.ReplaceAll(name, `\`, "/"), "/") {
		if seg == "" || seg == "." {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('/')
		}
		for _, c := range seg {
			if c < utf8.RuneSelf && (c == '-' || c == '.' || c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
				b.WriteRune(c)
			} else {
				b.WriteByte('-')
			}
		}
	}
	s := b.String()
	if s == "" {
		s = "-"
	}
	return toolName + "/" + sanitizeSegment(typ) + "/" + s + "/"
}

func sanitizeSegment(s string) string {
	return strings.Map(func(c rune) rune {
		if c == '-' || c == '_' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' {
			return c
		}
		return '-'
	}, strings.ToLower(s))
}

// repository strips the digest and tag of an image reference: "ghcr.io/org/app:1.2@sha256:…"
// → "ghcr.io/org/app". A colon before the last slash belongs to a registry port.
func repository(ref string) string {
	ref, _, _ = strings.Cut(ref, "@")
	if i := strings.LastIndexByte(ref, ':'); i > strings.LastIndexByte(ref, '/') {
		ref = ref[:i]
	}
	return ref
}

// treePrefix is the directory a filesystem scan was given, as a prefix of its paths, when
// it is relative and below the working directory; "" otherwise (".", absolute, "..").
func treePrefix(name string) string {
	p := strings.ReplaceAll(name, `\`, "/")
	if p == "" || strings.HasPrefix(p, "/") || strings.Contains(p, ":") {
		return ""
	}
	var segs []string
	for _, s := range strings.Split(p, "/") {
		switch s {
		case "", ".":
		case "..":
			return ""
		default:
			segs = append(segs, s)
		}
	}
	if len(segs) == 0 {
		return ""
	}
	return strings.Join(segs, "/") + "/"
}

// uri makes a report path a relative URI reference: slashes kept, everything but RFC 3986's
// path characters percent-encoded, ":" included, so that no first segment reads as a
// scheme. The image config, which the report names "image-config:env" and the like, is
// given the path "image-config/env". "" when there is no path.
func uri(prefix, p string) string {
	p = strings.TrimLeft(strings.ReplaceAll(p, `\`, "/"), "/")
	for strings.HasPrefix(p, "./") {
		p = strings.TrimLeft(p[2:], "/")
	}
	if p == "" || p == "." {
		return ""
	}
	if rest, ok := strings.CutPrefix(p, "image-config:"); ok {
		p = "image-config/" + rest
	} else {
		p = prefix + p
	}
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		c := p[i]
		if isPathChar(c) {
			b.WriteByte(c)
		} else {
			b.WriteByte('%')
			b.WriteByte(hexDigits[c>>4])
			b.WriteByte(hexDigits[c&15])
		}
	}
	return b.String()
}

// isPathChar reports RFC 3986 pchar characters, and "/", except ":".
func isPathChar(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("-._~!$&'()*+,;=@/", c) >= 0
}

func isWebURL(s string) bool {
	if strings.ContainsAny(s, " <>\t\r\n") {
		return false
	}
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != ""
}

// mdEscape keeps text from the report (from the scanned artifact or an advisory title)
// from being read as Markdown or HTML. Only the characters that act anywhere in a line are
// escaped: the text never starts one.
func mdEscape(s string) string {
	var b strings.Builder
	for _, c := range oneLine(s) {
		if strings.ContainsRune("\\`*_[]<>|~", c) {
			b.WriteByte('\\')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// oneLine joins the lines of s, for titles.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// truncate cuts s to at most n characters, at a character boundary.
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

func appendNew(list []string, s string) []string {
	if s == "" || slices.Contains(list, s) {
		return list
	}
	return append(list, s)
}
