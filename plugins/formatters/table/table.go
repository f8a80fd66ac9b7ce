// Package table writes a trawl report as text for a person at a terminal, trawl's default
// output, in the manner of Trivy's table format:
//
//   - a header naming the artifact: name, type, digest, OS and layers;
//   - the packages, in the order the report gives them, with a count per package type;
//   - the secrets found, if any;
//   - last, where the eye lands when the command returns, what went wrong: plugins that
//     failed or were refused and files analyzers could not read, so that a partial scan
//     never passes for a clean one.
//
// Colour (ANSI escapes) is written only when asked for. All text from the report is cleaned
// of control characters before it is printed, since it comes from the scanned artifact.
package table

import (
	"bufio"
	"errors"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/trawlscan/trawl/sdk"
)

// Options say how to write the table.
type Options struct {
	// Color adds ANSI colours and bold text; only for a terminal that shows them.
	Color bool
}

// Widest cells, in terminal columns. Versions are allowed long enough for Go
// pseudo-versions (34), paths and messages the most room, since they say the most.
const (
	maxName     = 40
	maxVersion  = 36
	maxType     = 12
	maxPath     = 50
	maxRule     = 32
	maxSeverity = 10
	maxMatch    = 60
	maxMessage  = 60
	maxHeader   = 100
	maxTitle    = 50
	// maxError caps how much of one plugin error is printed; the JSON report has all of it.
	maxError = 600
)

// ANSI escapes.
const (
	bold    = "\x1b[1m"
	red     = "\x1b[31m"
	boldRed = "\x1b[1;31m"
	yellow  = "\x1b[33m"
	green   = "\x1b[32m"
	blue    = "\x1b[34m"
	reset   = "\x1b[0m"
)

// Write writes r to w as tables.
func Write(w io.Writer, r *sdk.Report, opts Options) error {
	if r == nil {
		return errors.New("table: no report")
	}
	p := &printer{w: bufio.NewWriterSize(w, 64<<10), color: opts.Color}
	p.header(r)
	if r.Vulnerabilities != nil || r.Database != nil {
		p.vulnerabilities(r)
		p.packageSummary(r)
	} else {
		p.packages(r)
	}
	p.secrets(r)
	p.suppressed(r)
	p.problems(r)
	p.verdict(r)
	return p.w.Flush()
}

// printer writes text, in colour or not. Write errors stick in the bufio.Writer, which
// then ignores further writes; Flush reports them.
type printer struct {
	w     *bufio.Writer
	color bool
}

func (p *printer) str(s string) { p.w.WriteString(s) }

// paint writes s in colour code, or plain when colour is off or code is "".
func (p *printer) paint(code, s string) {
	if p.color && code != "" {
		p.w.WriteString(code)
		p.w.WriteString(s)
		p.w.WriteString(reset)
		return
	}
	p.w.WriteString(s)
}

const spaces = "                                                                "

func (p *printer) pad(n int) {
	for n > 0 {
		k := min(n, len(spaces))
		p.w.WriteString(spaces[:k])
		n -= k
	}
}

// heading writes the title of a section.
func (p *printer) heading(s string) {
	p.str("\n")
	p.paint(bold, s)
	p.str("\n")
}

// field writes one "Label:  value" line of the header.
func (p *printer) field(label, value string) {
	p.str(label)
	p.pad(11 - len(label))
	p.str(cell(value, maxHeader, false))
	p.str("\n")
}

func (p *printer) header(r *sdk.Report) {
	a := r.Artifact
	title := cell(a.Name, maxHeader, true)
	if title == "" {
		title = "(unnamed artifact)"
	}
	if r.OS != nil && r.OS.Family != "" {
		// Trivy's form, "alpine:3.20 (alpine 3.20.3)": family and version, short and exact.
		title += " (" + cell(strings.TrimSpace(r.OS.Family+" "+r.OS.Version), maxName, false) + ")"
	}
	p.paint(bold, title)
	p.str("\n" + strings.Repeat("=", width(title)) + "\n")

	switch a.Type {
	case sdk.ArtifactImage:
		p.field("Type:", "container image")
	default:
		p.field("Type:", a.Type)
	}
	if a.Digest != "" {
		p.field("Digest:", a.Digest)
	}
	if a.ImageID != "" {
		p.field("Image ID:", a.ImageID)
	}
	if a.Platform != "" {
		p.field("Platform:", a.Platform)
	}
	if os := osName(r.OS); os != "" {
		p.field("OS:", os)
	}
	if !r.CreatedAt.IsZero() {
		by := ""
		if r.Tool.Name != "" {
			by = " by " + strings.TrimSpace(r.Tool.Name+" "+r.Tool.Version)
		}
		p.field("Scanned:", r.CreatedAt.Format("2006-01-02 15:04:05 MST")+by)
	}
	if len(a.Layers) > 0 {
		// Listed so that the short layer IDs in the tables below can be looked up.
		p.str("Layers:\n")
		n := len(strconv.Itoa(len(a.Layers)))
		for i, l := range a.Layers {
			num := strconv.Itoa(i + 1)
			p.pad(2 + n - len(num))
			p.str(num + "  " + shortDigest(l.DiffID))
			if l.CreatedBy != "" {
				p.str("  " + cell(l.CreatedBy, maxHeader, false))
			}
			p.str("\n")
		}
	}
}

// osName is the OS as a person names it: its pretty name with the exact version when the
// pretty name lacks it ("Alpine Linux v3.20 (3.20.3)").
func osName(o *sdk.OS) string {
	if o == nil {
		return ""
	}
	name := o.PrettyName
	if name == "" {
		name = o.Name
	}
	if name == "" {
		name = o.Family
	}
	if o.Version != "" && !strings.Contains(name, o.Version) {
		name = strings.TrimSpace(name + " (" + o.Version + ")")
	}
	return name
}

// shortDigest is the first 12 hex digits of a digest, as docker shows image and layer IDs,
// or "-" for none.
func shortDigest(d string) string {
	if d == "" {
		return "-"
	}
	if i := strings.IndexByte(d, ':'); i >= 0 {
		d = d[i+1:]
	}
	if len(d) > 12 {
		d = d[:12]
	}
	return cell(d, 12, false)
}

func (p *printer) packages(r *sdk.Report) {
	pkgs := r.Packages
	p.heading("Packages")
	if len(pkgs) == 0 {
		p.str("No packages found.\n")
		return
	}
	// Source, Layer and Path are left out when no package has one (a source tree has no
	// layers, language packages no source package), rather than printed as empty columns.
	var hasSource, hasLayer, hasPath bool
	for i := range pkgs {
		pk := &pkgs[i]
		hasSource = hasSource || (pk.SourceName != "" && pk.SourceName != pk.Name)
		if len(pk.Locations) > 0 {
			hasPath = hasPath || pk.Locations[0].Path != ""
			hasLayer = hasLayer || pk.Locations[0].LayerDiffID != ""
		}
	}
	hasLayer = hasLayer || len(r.Artifact.Layers) > 0
	cols := []column{{title: "Package", max: maxName}, {title: "Version", max: maxVersion}, {title: "Type", max: maxType}}
	if hasSource {
		cols = append(cols, column{title: "Source", max: maxName})
	}
	if hasLayer {
		cols = append(cols, column{title: "Layer", max: 12})
	}
	if hasPath {
		cols = append(cols, column{title: "Path", max: maxPath, keepTail: true})
	}
	g := newGrid(cols, len(pkgs))
	row := make([]string, 0, len(cols))
	for i := range pkgs {
		pk := &pkgs[i]
		row = append(row[:0], pk.Name, pk.Version, pk.Type)
		if hasSource {
			src := ""
			if pk.SourceName != pk.Name {
				src = pk.SourceName
			}
			row = append(row, src)
		}
		var loc sdk.Location
		if len(pk.Locations) > 0 {
			loc = pk.Locations[0]
		}
		if hasLayer {
			row = append(row, shortDigest(loc.LayerDiffID))
		}
		if hasPath {
			path := loc.Path
			if loc.Line > 0 {
				path += ":" + strconv.Itoa(loc.Line)
			}
			if len(pk.Locations) > 1 {
				path += " (+" + strconv.Itoa(len(pk.Locations)-1) + ")"
			}
			row = append(row, path)
		}
		g.add(row...)
	}
	g.write(p)
	p.packageSummary(r)
}

// packageSummary writes the count of packages per type.
func (p *printer) packageSummary(r *sdk.Report) {
	pkgs := r.Packages
	types := map[string]int{}
	for i := range pkgs {
		types[pkgs[i].Type]++
	}
	names := make([]string, 0, len(types))
	for t := range types {
		names = append(names, t)
	}
	slices.Sort(names)
	var b strings.Builder
	b.WriteString(count(len(pkgs), "package", "packages") + " (")
	for i, t := range names {
		if i > 0 {
			b.WriteString(", ")
		}
		label := t
		if label == "" {
			label = "no type"
		}
		b.WriteString(cell(label, maxType, false) + ": " + strconv.Itoa(types[t]))
	}
	b.WriteString(")\n")
	p.str(b.String())
}

// severities orders severities, most severe first, as Trivy does.
var severities = []string{"CRITICAL", "HIGH", "MEDIUM", "LOW", "NEGLIGIBLE", "UNKNOWN"}

// statusWords are how finding statuses read in the table.
var statusWords = map[string]string{
	sdk.StatusFixed:      "fixed",
	sdk.StatusNotFixed:   "affected",
	sdk.StatusWillNotFix: "will not fix",
}

// vulnerabilities writes the findings, most severe first, as the report orders them, after
// a line that counts them by severity.
func (p *printer) vulnerabilities(r *sdk.Report) {
	vs := r.Vulnerabilities
	p.heading("Vulnerabilities")
	counts := map[string]int{}
	for i := range vs {
		counts[strings.ToUpper(vs[i].Severity)]++
	}
	var b strings.Builder
	b.WriteString("Total: " + strconv.Itoa(len(vs)) + " (")
	for i, sev := range severities {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(sev + ": " + strconv.Itoa(counts[sev]))
	}
	b.WriteString(")\n")
	p.str(b.String())
	if len(vs) == 0 {
		return
	}
	cols := []column{
		{title: "Package", max: maxName},
		{title: "Vulnerability", max: 24},
		{title: "Severity", max: maxSeverity, paint: severityColor},
		{title: "Status", max: 12},
		{title: "Installed", max: maxVersion},
		{title: "Fixed", max: maxVersion},
	}
	// No Title column when no finding has one (Alpine's secdb, for one, gives none).
	hasTitle := false
	for i := range vs {
		hasTitle = hasTitle || vs[i].Summary != "" || vs[i].Details != ""
	}
	hasPolicy := false
	for i := range vs {
		hasPolicy = hasPolicy || vs[i].Policy != nil
	}
	if hasPolicy {
		cols = append(cols, column{title: "Policy", max: maxRule, paint: actionColor})
	}
	if hasTitle {
		cols = append(cols, column{title: "Title", max: maxTitle})
	}
	g := newGrid(cols, len(vs))
	for i := range vs {
		v := &vs[i]
		status := statusWords[v.Status]
		if status == "" {
			status = v.Status
		}
		title := v.Summary
		if title == "" {
			title = v.Details
		}
		row := []string{v.Package.Name, v.ID, strings.ToUpper(v.Severity), status, v.Package.Version, strings.Join(v.FixedVersions, ", ")}
		if hasPolicy {
			row = append(row, decision(v.Policy))
		}
		if hasTitle {
			row = append(row, title)
		}
		g.add(row...)
	}
	g.write(p)
}

func severityColor(s string) string {
	switch strings.ToUpper(s) {
	case "CRITICAL":
		return boldRed
	case "HIGH":
		return red
	case "MEDIUM":
		return yellow
	case "LOW":
		return blue
	}
	return ""
}

func (p *printer) secrets(r *sdk.Report) {
	// No section without secrets: the report does not say whether secrets were looked
	// for, so "no secrets found" could mislead.
	if len(r.Secrets) == 0 {
		return
	}
	p.heading("Secrets")
	hasLayer := len(r.Artifact.Layers) > 0
	deleted := false
	cols := []column{
		{title: "Rule", max: maxRule},
		{title: "Severity", max: maxSeverity, paint: severityColor},
		{title: "Location", max: maxPath, keepTail: true},
	}
	if hasLayer {
		cols = append(cols, column{title: "Layer", max: 12})
	}
	cols = append(cols, column{title: "Match", max: maxMatch})
	hasPolicy := false
	for i := range r.Secrets {
		hasPolicy = hasPolicy || r.Secrets[i].Policy != nil
	}
	if hasPolicy {
		cols = append(cols, column{title: "Policy", max: maxRule, paint: actionColor})
	}
	g := newGrid(cols, len(r.Secrets))
	counts := map[string]int{}
	for _, s := range r.Secrets {
		sev := strings.ToUpper(s.Severity)
		if sev == "" {
			sev = "UNKNOWN"
		}
		counts[sev]++
		loc := s.Location.Path
		if s.Location.Line > 0 {
			loc += ":" + strconv.Itoa(s.Location.Line)
		}
		if s.Deleted {
			loc += " (deleted)"
			deleted = true
		}
		row := []string{s.RuleID, sev, loc}
		if hasLayer {
			row = append(row, shortDigest(s.Location.LayerDiffID))
		}
		row = append(row, s.Match)
		if hasPolicy {
			row = append(row, decision(s.Policy))
		}
		g.add(row...)
	}
	g.write(p)
	if deleted {
		p.str("(deleted): a later layer deletes the file, but the secret is still in the image.\n")
	}

	var b strings.Builder
	b.WriteString(count(len(r.Secrets), "secret", "secrets") + " (")
	first := true
	add := func(sev string) {
		if !first {
			b.WriteString(", ")
		}
		first = false
		b.WriteString(cell(sev, maxSeverity, false) + ": " + strconv.Itoa(counts[sev]))
		delete(counts, sev)
	}
	for _, sev := range severities {
		if counts[sev] > 0 {
			add(sev)
		}
	}
	rest := make([]string, 0, len(counts))
	for sev := range counts {
		rest = append(rest, sev)
	}
	slices.Sort(rest)
	for _, sev := range rest {
		add(sev)
	}
	b.WriteString(")\n")
	p.str(b.String())
}

// decision is a policy decision in a cell: the action and the deciding rule.
func decision(d *sdk.Decision) string {
	switch {
	case d == nil:
		return ""
	case d.Rule == "":
		return d.Action
	}
	return d.Action + " " + d.Rule
}

func actionColor(s string) string {
	switch {
	case strings.HasPrefix(s, sdk.ActionDeny):
		return red
	case strings.HasPrefix(s, sdk.ActionAllow):
		return green
	}
	return ""
}

// suppressed lists the findings that ignore entries and VEX statements took out, and why:
// an accepted risk stays visible where people look.
func (p *printer) suppressed(r *sdk.Report) {
	if r.Suppressed == nil || len(r.Suppressed.Vulnerabilities)+len(r.Suppressed.Secrets) == 0 {
		return
	}
	p.heading("Suppressed")
	g := newGrid([]column{
		{title: "Finding", max: maxName},
		{title: "Package or location", max: maxPath, keepTail: true},
		{title: "By", max: 6},
		{title: "Reason", max: maxTitle},
		{title: "Source", max: maxPath, keepTail: true},
	}, len(r.Suppressed.Vulnerabilities)+len(r.Suppressed.Secrets))
	why := func(s *sdk.Suppression) (by, reason, source string) {
		if s == nil {
			return "", "", ""
		}
		reason = s.Reason
		if s.Status != "" {
			reason = strings.TrimSpace(s.Status + ": " + reason)
		}
		if s.Expires != nil {
			reason += " (until " + s.Expires.UTC().Format("2006-01-02") + ")"
		}
		return s.Kind, reason, s.Source
	}
	for _, v := range r.Suppressed.Vulnerabilities {
		by, reason, source := why(v.Suppression)
		g.add(v.ID, v.Package.Name+" "+v.Package.Version, by, reason, source)
	}
	for _, s := range r.Suppressed.Secrets {
		by, reason, source := why(s.Suppression)
		g.add(s.RuleID, s.Location.Path+":"+strconv.Itoa(s.Location.Line), by, reason, source)
	}
	g.write(p)
}

// verdict ends the output with the gate's outcome: pass or fail and why, what was counted
// against which thresholds, and the policy that decided.
func (p *printer) verdict(r *sdk.Report) {
	v := r.Verdict
	if v == nil {
		return
	}
	// A report nobody asked to gate (get-report, no thresholds, no policy, nothing
	// suppressed) gets no verdict section: "PASS" would claim a check that was not made.
	if !v.Enforced && v.Result == sdk.VerdictPass && v.Policy == nil && v.Suppressed == 0 &&
		len(v.ExpiredIgnores) == 0 && v.Thresholds == sdk.NoLimits {
		return
	}
	p.str("\n")
	result := strings.ToUpper(v.Result)
	color := green
	if v.Result == sdk.VerdictFail {
		color = boldRed
	}
	p.str("Verdict (" + v.Mode + "): ")
	p.paint(color, result)
	if !v.Enforced && v.Result == sdk.VerdictFail {
		p.str(" (not enforced in this mode)")
	}
	p.str("\n")
	for _, reason := range v.Reasons {
		p.str("  " + clean(reason) + "\n")
	}
	c, t := v.Counted, v.Thresholds
	limit := func(n int) string {
		if n < 0 {
			return "no limit"
		}
		return "max " + strconv.Itoa(n)
	}
	counted := func(sev string, n, max int) string { return sev + " " + strconv.Itoa(n) + " (" + limit(max) + ")" }
	p.field("Counted", counted("CRITICAL", c.Critical, t.MaxCritical)+", "+counted("HIGH", c.High, t.MaxHigh)+", "+
		counted("MEDIUM", c.Medium, t.MaxMedium)+", "+counted("LOW", c.Low, t.MaxLow))
	if pol := v.Policy; pol != nil {
		name := pol.Name
		if name == "" {
			name = "(unnamed)"
		}
		p.field("Policy", name+" from "+clean(pol.Source)+" ("+shortDigest(pol.Digest)+")")
		var acts []string
		for _, a := range []string{sdk.ActionDeny, sdk.ActionAudit, sdk.ActionAllow} {
			if n := v.Actions[a]; n > 0 {
				acts = append(acts, a+" "+strconv.Itoa(n))
			}
		}
		if len(acts) > 0 {
			p.field("Decisions", strings.Join(acts, ", "))
		}
	}
	if v.Suppressed > 0 {
		p.field("Suppressed", strconv.Itoa(v.Suppressed)+" (listed above)")
	}
	for _, x := range v.ExpiredIgnores {
		what := x.ID
		if what == "" {
			what = x.PURL + x.Path
		}
		p.str("  ")
		p.paint(yellow, "expired ignore entry: "+clean(what)+" ("+x.Source+", expired "+x.Expires.UTC().Format("2006-01-02")+")")
		p.str("\n")
	}
}

// problems ends the output with what made the scan partial, if anything did.
func (p *printer) problems(r *sdk.Report) {
	var failed, refused int
	for _, s := range r.Plugins {
		switch s.Status {
		case sdk.PluginFailed:
			failed++
		case sdk.PluginRefused:
			refused++
		}
	}
	if failed == 0 && refused == 0 && len(r.Errors) == 0 {
		return
	}
	var what []string
	if failed > 0 {
		what = append(what, count(failed, "plugin", "plugins")+" failed")
	}
	if refused > 0 {
		what = append(what, count(refused, "plugin was", "plugins were")+" refused")
	}
	if len(r.Errors) > 0 {
		what = append(what, count(len(r.Errors), "file", "files")+" could not be analyzed")
	}
	p.str("\n")
	p.paint(boldRed, "Incomplete scan: "+strings.Join(what, ", ")+". Findings may be missing.")
	p.str("\n")

	if failed > 0 || refused > 0 {
		p.heading("Plugins")
		for _, s := range r.Plugins {
			if s.Status != sdk.PluginFailed && s.Status != sdk.PluginRefused {
				continue
			}
			color := red
			if s.Status == sdk.PluginRefused {
				color = yellow
			}
			p.str("  ")
			p.paint(color, cell(strings.TrimSpace(s.Name+" "+s.Version), maxHeader, false)+" ("+cell(s.Kind, maxType, false)+") "+s.Status)
			p.str(":")
			p.pluginError(s)
		}
	}

	if len(r.Errors) > 0 {
		p.heading("File errors")
		g := newGrid([]column{
			{title: "Analyzer", max: maxRule},
			{title: "Path", max: maxPath, keepTail: true},
			{title: "Error", max: maxMessage},
		}, len(r.Errors))
		for _, e := range r.Errors {
			g.add(e.Analyzer, e.Path, e.Message)
		}
		g.write(p)
	}
}

// pluginError writes why a plugin failed, whole, since that is what the user needs to act
// on: on the same line, further lines indented, at most maxError columns in all.
func (p *printer) pluginError(s sdk.PluginStatus) {
	msg := strings.TrimSpace(s.Error)
	// The host prefixes its errors with "plugin <name>: ", which the line already says.
	msg = strings.TrimPrefix(msg, "plugin "+s.Name+": ")
	if msg == "" {
		p.str(" no reason given\n")
		return
	}
	lines := strings.Split(msg, "\n")
	left := maxError
	for i, line := range lines {
		line = clean(strings.TrimRight(line, " \t\r"))
		if line == "" {
			continue
		}
		if i == 0 {
			p.str(" ")
		} else {
			p.str("\n    ")
		}
		w := width(line)
		if w > left || (w == left && i < len(lines)-1) {
			p.str(head(line, left-1) + ellipsis)
			break
		}
		p.str(line)
		left -= w
	}
	p.str("\n")
}

// count is "1 package" or "3 packages".
func count(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}
