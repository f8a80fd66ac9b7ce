// Package gitlab writes a trawl report as a GitLab security report: container scanning,
// dependency scanning or secret detection, the JSON artifacts a CI job hands GitLab under
// artifacts:reports: (gl-container-scanning-report.json and so on).
//
// GitLab validates each report against the schema of the version it declares and refuses
// the whole report, silently, when one field is wrong; so every field here follows the
// schema of security-report-schemas 15.2.4 (container and dependency scanning) or 15.2.1
// (secret detection, the newest 15.x schema at hand; see testdata/README.md), and the tests
// validate every fixture against it. Decisions:
//
//   - Container scanning takes every vulnerability of an image, OS and language packages
//     alike, located by package, operating system and image, as GitLab's own analyzer does.
//     It refuses a report that is not of an image: its schema requires one.
//   - Dependency scanning takes the vulnerabilities of language packages, located by the
//     lockfile or manifest that declares them (OS packages belong to container scanning).
//     Schema 15 has no dependency_files, so there are none.
//   - Secret detection takes every secret. The schema requires a commit; a scan of a tree
//     or an image knows none, so the commit is "0000000" as in GitLab's own analyzer.
//     raw_source_code_extract is the match as the report gives it, redacted unless the
//     user asked to see secrets; no other field repeats it.
//   - A vulnerability's id is a UUID derived from what the finding is (report kind, ID,
//     package, version, path), not random: GitLab tracks a finding across pipelines by it.
//     The image is left out, so that a new tag keeps the finding.
//   - scan.status is "failure" when a plugin failed, since part of the artifact went
//     unscanned; failed and refused plugins and unreadable files are scan messages.
//   - Severities map to GitLab's: NEGLIGIBLE is Info, unknown Unknown.
//   - start_time and end_time are both the report's created_at: the report does not say
//     when the scan began, and the output must not depend on the clock.
//
// Paths of a filesystem scan of a relative directory are prefixed with it, so that they are
// relative to where trawl ran, the repository root in CI, as GitLab expects.
package gitlab

import (
	"bufio"
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/trawlscan/trawl/plugins/formatters/internal/jsonindent"
	"github.com/trawlscan/trawl/sdk"
)

// Kind is the kind of GitLab security report.
type Kind int

// The report kinds trawl writes.
const (
	ContainerScanning Kind = iota + 1
	DependencyScanning
	SecretDetection
)

// String is the kind's scan type, as reports and CI keywords spell it.
func (k Kind) String() string {
	switch k {
	case ContainerScanning:
		return "container_scanning"
	case DependencyScanning:
		return "dependency_scanning"
	case SecretDetection:
		return "secret_detection"
	}
	return "unknown"
}

// schemaVersion is the version of the schema each kind is written to and validated
// against.
func (k Kind) schemaVersion() string {
	if k == SecretDetection {
		return "15.2.1"
	}
	return "15.2.4"
}

// schemaURL is the published schema of the kind's version.
func (k Kind) schemaURL() string {
	file := strings.ReplaceAll(k.String(), "_", "-") + "-report-format.json"
	return "https://gitlab.com/gitlab-org/security-products/security-report-schemas/-/raw/v" + k.schemaVersion() + "/dist/" + file
}

const (
	toolID  = "trawl"
	toolURL = "https://github.com/trawlscan/trawl"
	// placeholderCommit is what GitLab's secret analyzer writes when it scans files rather
	// than history.
	placeholderCommit = "0000000"
	// timeLayout is GitLab's, UTC without zone.
	timeLayout = "2006-01-02T15:04:05"
)

// Bounds of the schema.
const (
	maxName        = 255
	maxDescription = 1 << 20
	maxSolution    = 7000
)

// Write writes r to w as a GitLab security report of kind, indented, ending with a newline.
func Write(w io.Writer, r *sdk.Report, kind Kind) error {
	if r == nil {
		return errors.New("gitlab: no report")
	}
	b := newBuilder(r, kind)
	var vulns []vulnerability
	switch kind {
	case ContainerScanning:
		if r.Artifact.Type != sdk.ArtifactImage {
			return errors.New("gitlab: a container scanning report needs an image scan; this is a scan of " +
				cmp.Or(r.Artifact.Type, "an unknown artifact") + " (use the dependency scanning or secret detection report)")
		}
		vulns = b.containerVulnerabilities()
	case DependencyScanning:
		vulns = b.dependencyVulnerabilities()
	case SecretDetection:
		vulns = b.secrets()
	default:
		return errors.New("gitlab: unknown report kind")
	}
	slices.SortStableFunc(vulns, func(x, y vulnerability) int { return cmp.Compare(x.sortKey, y.sortKey) })
	doc := report{
		Version:         kind.schemaVersion(),
		Schema:          kind.schemaURL(),
		Scan:            b.scan(),
		Vulnerabilities: vulns,
	}
	if doc.Vulnerabilities == nil {
		doc.Vulnerabilities = []vulnerability{}
	}

	bw := bufio.NewWriterSize(w, 64<<10)
	// Indented as it streams (jsonindent): SetIndent would rescan every byte.
	enc := json.NewEncoder(jsonindent.NewWriter(bw, "", "  "))
	enc.SetEscapeHTML(false)
	if err := enc.Encode(&doc); err != nil {
		return err
	}
	return bw.Flush()
}

// The report document, as much of schema 15 as trawl fills.
type report struct {
	Version         string          `json:"version"`
	Schema          string          `json:"schema"`
	Scan            scan            `json:"scan"`
	Vulnerabilities []vulnerability `json:"vulnerabilities"`
}

type scan struct {
	Analyzer  tool      `json:"analyzer"`
	Scanner   tool      `json:"scanner"`
	Type      string    `json:"type"`
	StartTime string    `json:"start_time"`
	EndTime   string    `json:"end_time"`
	Status    string    `json:"status"`
	Messages  []message `json:"messages,omitempty"`
}

type tool struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	URL     string `json:"url"`
	Version string `json:"version"`
	Vendor  vendor `json:"vendor"`
}

type vendor struct {
	Name string `json:"name"`
}

type message struct {
	Level string `json:"level"`
	Value string `json:"value"`
}

type vulnerability struct {
	ID string `json:"id"`
	// Category was required before schema 15 and is still read by some consumers
	// (DefectDojo's parsers); schema 15 allows it.
	Category             string       `json:"category"`
	Name                 string       `json:"name,omitempty"`
	Description          string       `json:"description,omitempty"`
	Severity             string       `json:"severity"`
	Solution             string       `json:"solution,omitempty"`
	Identifiers          []identifier `json:"identifiers"`
	CVSSVectors          []cvssVector `json:"cvss_vectors,omitempty"`
	Links                []link       `json:"links,omitempty"`
	Location             location     `json:"location"`
	RawSourceCodeExtract string       `json:"raw_source_code_extract,omitempty"`

	sortKey string
}

type identifier struct {
	Type  string `json:"type"`
	Name  string `json:"name"`
	Value string `json:"value"`
	URL   string `json:"url,omitempty"`
}

type cvssVector struct {
	Vendor string `json:"vendor"`
	Vector string `json:"vector"`
}

type link struct {
	URL string `json:"url"`
}

type location struct {
	File            string      `json:"file,omitempty"`
	StartLine       int         `json:"start_line,omitempty"`
	EndLine         int         `json:"end_line,omitempty"`
	Commit          *commit     `json:"commit,omitempty"`
	Dependency      *dependency `json:"dependency,omitempty"`
	OperatingSystem string      `json:"operating_system,omitempty"`
	Image           string      `json:"image,omitempty"`
}

type commit struct {
	SHA string `json:"sha"`
}

type dependency struct {
	Package pkg    `json:"package"`
	Version string `json:"version"`
	// Direct is set only when the report says the package is indirect; unknown otherwise.
	Direct *bool `json:"direct,omitempty"`
}

type pkg struct {
	Name string `json:"name"`
}

type builder struct {
	r    *sdk.Report
	kind Kind
	// prefix is prepended to the paths of a filesystem scan (see the package comment).
	prefix   string
	packages map[pkgKey]*sdk.Package
}

type pkgKey struct{ typ, name, version string }

func newBuilder(r *sdk.Report, kind Kind) *builder {
	b := &builder{r: r, kind: kind, packages: make(map[pkgKey]*sdk.Package, len(r.Packages))}
	for i := range r.Packages {
		p := &r.Packages[i]
		k := pkgKey{p.Type, p.Name, p.Version}
		if _, dup := b.packages[k]; !dup {
			b.packages[k] = p
		}
	}
	if r.Artifact.Type == sdk.ArtifactFilesystem {
		b.prefix = treePrefix(r.Artifact.Name)
	}
	return b
}

func (b *builder) scan() scan {
	version := cmp.Or(b.r.Tool.Version, "unknown")
	t := tool{ID: toolID, Name: "trawl", URL: toolURL, Version: version, Vendor: vendor{Name: "trawl"}}
	when := b.r.CreatedAt.UTC().Format(timeLayout)
	s := scan{Analyzer: t, Scanner: t, Type: b.kind.String(), StartTime: when, EndTime: when, Status: "success"}

	plugins := slices.Clone(b.r.Plugins)
	slices.SortStableFunc(plugins, func(x, y sdk.PluginStatus) int { return cmp.Compare(x.Name, y.Name) })
	for _, p := range plugins {
		var text string
		switch p.Status {
		case sdk.PluginFailed:
			s.Status = "failure"
			text = "plugin " + p.Name + " " + p.Version + " failed"
		case sdk.PluginRefused:
			text = "plugin " + p.Name + " " + p.Version + " was refused"
		default:
			continue
		}
		if p.Error != "" {
			text += ": " + p.Error
		}
		s.Messages = append(s.Messages, message{Level: "warn", Value: text + ". What it analyzes is missing from the report."})
	}
	errs := slices.Clone(b.r.Errors)
	slices.SortStableFunc(errs, func(x, y sdk.FileError) int {
		return cmp.Or(cmp.Compare(x.Path, y.Path), cmp.Compare(x.Analyzer, y.Analyzer), cmp.Compare(x.Message, y.Message))
	})
	for _, e := range errs {
		s.Messages = append(s.Messages, message{Level: "warn", Value: e.Analyzer + ": " + e.Path + ": " + e.Message})
	}
	return s
}

// containerVulnerabilities gives one vulnerability per ID and package: the location has no
// file, so two files holding the same package are one finding.
func (b *builder) containerVulnerabilities() []vulnerability {
	osName := "unknown"
	if os := b.r.OS; os != nil {
		osName = cmp.Or(strings.TrimSpace(os.Family+" "+os.Version), os.PrettyName, os.Name, osName)
	}
	image := cmp.Or(b.r.Artifact.Name, b.r.Artifact.ImageID, "unknown")
	var out []vulnerability
	seen := map[string]bool{}
	for i := range b.r.Vulnerabilities {
		v := &b.r.Vulnerabilities[i]
		if v.ID == "" {
			continue
		}
		p := &v.Package
		key := strings.Join([]string{v.ID, p.Type, p.Name, p.Version}, "\x00")
		if seen[key] {
			continue
		}
		seen[key] = true
		gv := b.vulnerability(v, "")
		gv.Location = location{
			Dependency:      &dependency{Package: pkg{Name: p.Name}, Version: p.Version},
			OperatingSystem: osName,
			Image:           image,
		}
		out = append(out, gv)
	}
	return out
}

// dependencyVulnerabilities gives one vulnerability per ID and file declaring a language
// package.
func (b *builder) dependencyVulnerabilities() []vulnerability {
	var out []vulnerability
	for i := range b.r.Vulnerabilities {
		v := &b.r.Vulnerabilities[i]
		if v.ID == "" || osPackage(v.Package.Type) {
			continue
		}
		locs := v.Locations
		if len(locs) == 0 {
			if p := b.packages[pkgKey{v.Package.Type, v.Package.Name, v.Package.Version}]; p != nil {
				locs = p.Locations
			}
		}
		files := []string{}
		for _, l := range locs {
			if f := b.file(l.Path); f != "" && !slices.Contains(files, f) {
				files = append(files, f)
			}
		}
		if len(files) == 0 {
			// The schema requires a file. Without one, the package URL says at least
			// what is vulnerable.
			files = []string{cmp.Or(v.Package.PURL, v.Package.Name+"@"+v.Package.Version)}
		}
		for _, f := range files {
			gv := b.vulnerability(v, f)
			gv.Location = location{File: f, Dependency: &dependency{
				Package: pkg{Name: v.Package.Name}, Version: v.Package.Version, Direct: b.direct(v),
			}}
			out = append(out, gv)
		}
	}
	return out
}

// direct is false for a package the report marks indirect; nil when it does not say.
func (b *builder) direct(v *sdk.Vulnerability) *bool {
	if p := b.packages[pkgKey{v.Package.Type, v.Package.Name, v.Package.Version}]; p != nil && p.Indirect {
		f := false
		return &f
	}
	return nil
}

// osPackage reports the package types of operating-system package managers.
func osPackage(typ string) bool {
	switch typ {
	case "apk", "deb", "rpm", "alpm", "opkg":
		return true
	}
	return false
}

// vulnerability fills what every kind shares: id, name, description, severity, solution,
// identifiers, CVSS vectors and links.
func (b *builder) vulnerability(v *sdk.Vulnerability, file string) vulnerability {
	p := &v.Package
	name := oneLine(v.Summary)
	if name == "" {
		name = v.ID + " in " + cmp.Or(p.SourceName, p.Name)
	}
	desc := strings.TrimSpace(v.Details)
	if desc == "" {
		desc = cmp.Or(oneLine(v.Summary), name)
	}
	var solution string
	switch {
	case len(v.FixedVersions) > 0:
		solution = "Upgrade " + p.Name + " from " + p.Version + " to " + strings.Join(v.FixedVersions, " or ") + "."
	case v.Status == sdk.StatusWillNotFix:
		solution = "The distribution will not fix " + v.ID + " in " + p.Name + ": weigh the risk, or remove the package if nothing needs it."
	}
	gv := vulnerability{
		ID:          findingID(b.kind.String(), v.ID, p.Type, p.Name, p.Version, file),
		Category:    b.kind.String(),
		Name:        truncate(name, maxName),
		Description: truncate(desc, maxDescription),
		Severity:    severity(v.Severity),
		Solution:    truncate(solution, maxSolution),
		Identifiers: identifiers(v),
		sortKey:     strings.Join([]string{v.ID, p.Name, p.Version, p.Type, file}, "\x00"),
	}
	if vec, ok := cvssVectorOf(v.CVSSVector); ok {
		// The report does not say who issued the vector; "unknown" is the schema's default.
		gv.CVSSVectors = []cvssVector{{Vendor: "unknown", Vector: vec}}
	}
	for _, ref := range v.References {
		if isLink(ref) && !slices.Contains(gv.Links, link{URL: ref}) {
			gv.Links = append(gv.Links, link{URL: ref})
		}
	}
	return gv
}

// identifiers lists the vulnerability's IDs, its preferred one first: GitLab takes the
// first as the primary identifier and matches findings of other scanners on it.
func identifiers(v *sdk.Vulnerability) []identifier {
	ids := []identifier{idOf(v.ID)}
	for _, a := range v.IDs {
		if a != "" && a != v.ID {
			ids = append(ids, idOf(a))
		}
	}
	return ids
}

func idOf(id string) identifier {
	i := identifier{Name: id, Value: id}
	switch {
	case strings.HasPrefix(id, "CVE-"):
		i.Type, i.URL = "cve", "https://nvd.nist.gov/vuln/detail/"+id
	case strings.HasPrefix(id, "GHSA-"):
		i.Type, i.URL = "ghsa", "https://github.com/advisories/"+id
	default:
		// The other IDs come from the OSV databases trawl's advisories are built from.
		i.Type, i.URL = "osv", "https://osv.dev/vulnerability/"+id
	}
	if !isLink(i.URL) {
		i.URL = ""
	}
	return i
}

// secrets gives one vulnerability per secret.
func (b *builder) secrets() []vulnerability {
	var out []vulnerability
	for i := range b.r.Secrets {
		s := &b.r.Secrets[i]
		if s.RuleID == "" {
			continue
		}
		title := cmp.Or(oneLine(s.Title), s.RuleID)
		file := b.file(s.Location.Path)
		desc := title + " (trawl secret rule " + s.RuleID + ") found in " + cmp.Or(file, "the scanned files")
		if s.Location.Line >= 1 {
			desc += " at line " + strconv.Itoa(s.Location.Line)
		}
		desc += "."
		if s.Deleted {
			desc += " A later layer deleted the file, but the secret is still in the image, in the layer that added it"
			if s.Location.LayerDiffID != "" {
				desc += " (" + s.Location.LayerDiffID + ")"
			}
			desc += "."
		} else if s.Location.LayerDiffID != "" {
			desc += " Added by layer " + s.Location.LayerDiffID + "."
		}
		// The fingerprint hashes the secret, so it keeps the finding when lines move; a
		// report without one falls back to path and line, never to the match.
		basis := s.Fingerprint
		if basis == "" {
			basis = s.Location.Path + "\x00" + strconv.Itoa(s.Location.Line)
		}
		gv := vulnerability{
			ID:          findingID(b.kind.String(), s.RuleID, basis),
			Category:    b.kind.String(),
			Name:        truncate(title, maxName),
			Description: desc,
			Severity:    severity(s.Severity),
			Solution: "Revoke or rotate the credential with its issuer first: it has leaked. Then remove it from the file and load it " +
				"at run time from a secret manager. Deleting it later does not take it back: it stays in the history and in image layers.",
			Identifiers: []identifier{{Type: "trawl_secret_rule", Name: title, Value: s.RuleID}},
			Location: location{
				File:   cmp.Or(file, "unknown"),
				Commit: &commit{SHA: placeholderCommit},
			},
			RawSourceCodeExtract: s.Match,
			sortKey:              strings.Join([]string{file, pad(s.Location.Line), s.RuleID, s.Fingerprint}, "\x00"),
		}
		if s.Location.Line >= 1 {
			gv.Location.StartLine = s.Location.Line
			gv.Location.EndLine = max(s.EndLine, s.Location.Line)
		}
		out = append(out, gv)
	}
	return out
}

// file is a report path as GitLab shows it: relative, slash-separated, under the scanned
// directory's prefix. The image config's pseudo-paths ("image-config:env") stay as they
// are: GitLab takes any string, and they say what they are.
func (b *builder) file(p string) string {
	p = strings.TrimLeft(strings.ReplaceAll(p, `\`, "/"), "/")
	for strings.HasPrefix(p, "./") {
		p = strings.TrimLeft(p[2:], "/")
	}
	if p == "" || p == "." {
		return ""
	}
	if strings.HasPrefix(p, "image-config:") {
		return p
	}
	return b.prefix + p
}

// findingID is a UUID made from the parts that identify a finding: the first 16 bytes of
// their SHA-256, marked as version 8 (RFC 9562's custom UUID: a name-based v5 would have
// to be SHA-1).
func findingID(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	var u [16]byte
	copy(u[:], h.Sum(nil))
	u[6] = u[6]&0x0f | 0x80 // version 8
	u[8] = u[8]&0x3f | 0x80 // RFC 9562 variant
	x := hex.EncodeToString(u[:])
	return x[0:8] + "-" + x[8:12] + "-" + x[12:16] + "-" + x[16:20] + "-" + x[20:32]
}

// severity maps trawl's severity to GitLab's enum.
func severity(s string) string {
	switch s {
	case sdk.SeverityCritical:
		return "Critical"
	case sdk.SeverityHigh:
		return "High"
	case sdk.SeverityMedium:
		return "Medium"
	case sdk.SeverityLow:
		return "Low"
	case sdk.SeverityNegligible:
		return "Info"
	}
	return "Unknown"
}

// isLink reports URLs the schema accepts as links: http, https or ftp, nothing that
// would break the line.
func isLink(s string) bool {
	if strings.ContainsAny(s, " \t\r\n") {
		return false
	}
	for _, scheme := range []string{"https://", "http://", "ftp://"} {
		if rest, ok := strings.CutPrefix(s, scheme); ok {
			return rest != ""
		}
	}
	return false
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

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// truncate cuts s to at most n characters, at a character boundary.
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}

// pad makes line numbers sort as numbers in a string key.
func pad(n int) string {
	s := strconv.Itoa(max(n, 0))
	return strings.Repeat("0", max(0, 12-len(s))) + s
}
