// Package sarif writes a trawl report as SARIF 2.1.0, the static-analysis results format that
// GitHub code scanning (and Azure DevOps, SonarQube, IDE viewers) reads.
//
// The document is shaped for GitHub, the strictest common consumer, and validates against
// the OASIS schema:
//
//   - One run. tool.driver is "trawl" with the report's version. Each vulnerability ID and
//     each secret rule is one rule (reportingDescriptor) with a short and full description,
//     help in text and Markdown (what it is, the installed and fixed versions or how to
//     rotate the secret, references), tags, and properties["security-severity"], the
//     number GitHub ranks security alerts by: the CVSS score when the vulnerability has one,
//     else a figure for trawl's severity (see securitySeverity).
//   - One result per vulnerability and package location, and one per secret.
//   - artifactLocation.uri is always a relative URI reference: the path of the package
//     database, lockfile or file inside the image or tree (lib/apk/db/installed,
//     srv/app/requirements.txt), never the image reference. GitHub resolves uri against the
//     repository root and rejects or mis-files anything else, and "alpine:3.20" would even
//     parse as a URI whose scheme is "alpine". The image and the layer go in result
//     properties instead. See uri for the encoding.
//   - partialFingerprints["trawl/v1"] is trawl's own: a hash of the rule, the package, its
//     version and the path (vulnerabilities) or the secret's fingerprint (secrets). Without
//     one, GitHub hashes the text around the result's line, which for a path inside an
//     image is not in the repository at all, and for a lockfile changes when an unrelated
//     neighbouring line does: alerts would close and reopen between runs.
//   - automationDetails.id names the analysis ("trawl/image/ghcr.io/org/app/"): GitHub
//     replaces the previous analysis of the same category with each upload, so two images
//     scanned by one workflow need two categories, and one image needs the same one from
//     release to release, hence the reference without its tag or digest.
//   - invocations[0].executionSuccessful is false when a plugin failed, and failed or
//     refused plugins and unreadable files are toolExecutionNotifications: a partial scan
//     must not pass for a clean one.
//
// The output is deterministic: rules, results and notifications are sorted, and the only
// time written is the report's.
//
// GitHub's limits (25,000 results and rules per run, 10 MB compressed per upload) are not
// enforced here: dropping findings silently would be worse than a refused upload.
package sarif

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

	"github.com/owenrumney/go-sarif/v2/sarif"

	"github.com/trawlscan/trawl/plugins/formatters/internal/jsonindent"
	"github.com/trawlscan/trawl/sdk"
)

const (
	toolName       = "trawl"
	informationURI = "https://github.com/trawlscan/trawl"
	// fingerprintKey names trawl's partial fingerprint. Its version changes whenever the
	// recipe does, so that GitHub sees a new key rather than values that no longer match.
	fingerprintKey = "trawl/v1"
)

// Write writes r to w as a SARIF 2.1.0 log, indented, ending with a newline.
func Write(w io.Writer, r *sdk.Report) error {
	if r == nil {
		return errors.New("sarif: no report")
	}
	log, err := sarif.New(sarif.Version210)
	if err != nil {
		return err
	}
	log.AddRun(newBuilder(r).run())

	bw := bufio.NewWriterSize(w, 64<<10)
	// Indented as it streams (jsonindent): SetIndent would rescan every byte.
	enc := json.NewEncoder(jsonindent.NewWriter(bw, "", "  "))
	// "&", "<" and ">" as they are: package URLs and matches should read as written, and
	// no HTML page embeds this unescaped.
	enc.SetEscapeHTML(false)
	if err := enc.Encode(log); err != nil {
		return err
	}
	return bw.Flush()
}

// builder turns one report into one run.
type builder struct {
	r *sdk.Report
	// prefix is prepended to the paths of a filesystem scan; see newBuilder.
	prefix string
	// packages indexes the report's packages, to find the locations of a vulnerability
	// that lists none of its own.
	packages map[pkgKey]*sdk.Package
}

type pkgKey struct{ typ, name, version string }

func newBuilder(r *sdk.Report) *builder {
	b := &builder{r: r, packages: make(map[pkgKey]*sdk.Package, len(r.Packages))}
	for i := range r.Packages {
		p := &r.Packages[i]
		k := pkgKey{p.Type, p.Name, p.Version}
		if _, dup := b.packages[k]; !dup {
			b.packages[k] = p
		}
	}
	// Paths of a filesystem scan are relative to the directory scanned, GitHub's to the
	// repository root. A scan of a relative directory ("trawl fs ./services/api", run from
	// the checkout as CI does) is made relative to where it ran by prefixing the directory.
	if r.Artifact.Type == sdk.ArtifactFilesystem {
		b.prefix = treePrefix(r.Artifact.Name)
	}
	return b
}

func (b *builder) run() *sarif.Run {
	driver := &sarif.ToolComponent{
		Name:           toolName,
		InformationURI: ptr(informationURI),
		Rules:          []*sarif.ReportingDescriptor{},
	}
	if b.r.Tool.Version != "" {
		driver.Version = ptr(b.r.Tool.Version)
	}
	run := &sarif.Run{
		Tool:              sarif.Tool{Driver: driver},
		Results:           []*sarif.Result{},
		AutomationDetails: &sarif.RunAutomationDetails{ID: ptr(category(&b.r.Artifact))},
		Invocations:       []*sarif.Invocation{b.invocation()},
	}
	if props := b.runProperties(); len(props) > 0 {
		run.Properties = props
	}

	vulns := sortedVulnerabilities(b.r.Vulnerabilities)
	secrets := sortedSecrets(b.r.Secrets)

	// Rules first, so that results can carry their index.
	index := map[string]uint{}
	addRule := func(rule *sarif.ReportingDescriptor) {
		index[rule.ID] = uint(len(driver.Rules))
		driver.Rules = append(driver.Rules, rule)
	}
	for _, group := range groupByID(vulns) {
		addRule(vulnerabilityRule(group))
	}
	for _, group := range groupByRule(secrets) {
		if _, clash := index[group[0].RuleID]; clash {
			continue // a secret rule named like a vulnerability: share the rule
		}
		addRule(secretRule(group))
	}

	for _, v := range vulns {
		for _, res := range b.vulnerabilityResults(v) {
			res.RuleIndex = ptr(index[v.ID])
			run.Results = append(run.Results, res)
		}
	}
	for _, s := range secrets {
		res := b.secretResult(s)
		res.RuleIndex = ptr(index[s.RuleID])
		run.Results = append(run.Results, res)
	}
	return run
}

// runProperties describe the artifact scanned, for readers of the file itself: GitHub
// ignores them.
func (b *builder) runProperties() sarif.Properties {
	a := &b.r.Artifact
	props := sarif.Properties{}
	for k, v := range map[string]string{
		"artifactName": a.Name, "artifactType": a.Type, "imageDigest": a.Digest,
		"imageId": a.ImageID, "platform": a.Platform,
	} {
		if v != "" {
			props[k] = v
		}
	}
	if os := b.r.OS; os != nil {
		if s := strings.TrimSpace(os.Family + " " + os.Version); s != "" {
			props["os"] = s
		}
	}
	return props
}

// invocation says whether the scan was complete, and if not what went wrong.
func (b *builder) invocation() *sarif.Invocation {
	ok := true
	inv := &sarif.Invocation{ExecutionSuccessful: &ok}
	if !b.r.CreatedAt.IsZero() {
		t := b.r.CreatedAt.UTC()
		inv.EndTimeUTC = &t
	}
	plugins := slices.Clone(b.r.Plugins)
	slices.SortStableFunc(plugins, func(x, y sdk.PluginStatus) int { return cmp.Compare(x.Name, y.Name) })
	for _, p := range plugins {
		var level, text, id string
		switch p.Status {
		case sdk.PluginFailed:
			ok = false
			level, id = "error", "trawl/plugin-failed"
			text = "plugin " + p.Name + " " + p.Version + " failed"
		case sdk.PluginRefused:
			level, id = "warning", "trawl/plugin-refused"
			text = "plugin " + p.Name + " " + p.Version + " was refused"
		default:
			continue
		}
		if p.Error != "" {
			text += ": " + p.Error
		}
		text += ". What it analyzes is missing from the results."
		inv.ToolExecutionNotifications = append(inv.ToolExecutionNotifications, &sarif.Notification{
			Level:      level,
			Message:    sarif.NewTextMessage(text),
			Descriptor: &sarif.ReportingDescriptorReference{Id: ptr(id)},
		})
	}
	errs := slices.Clone(b.r.Errors)
	slices.SortStableFunc(errs, func(x, y sdk.FileError) int {
		return cmp.Or(cmp.Compare(x.Path, y.Path), cmp.Compare(x.Analyzer, y.Analyzer), cmp.Compare(x.Message, y.Message))
	})
	for _, e := range errs {
		n := &sarif.Notification{
			Level:      "warning",
			Message:    sarif.NewTextMessage(e.Analyzer + ": " + e.Path + ": " + e.Message),
			Descriptor: &sarif.ReportingDescriptorReference{Id: ptr("trawl/file-error")},
		}
		if loc := b.physicalLocation(sdk.Location{Path: e.Path}, 0); loc != nil {
			n.Locations = []*sarif.Location{{PhysicalLocation: loc}}
		}
		inv.ToolExecutionNotifications = append(inv.ToolExecutionNotifications, n)
	}
	return inv
}

// vulnerabilityResults gives one result per location of the vulnerable package.
func (b *builder) vulnerabilityResults(v *sdk.Vulnerability) []*sarif.Result {
	locs := v.Locations
	if len(locs) == 0 {
		if p := b.packages[pkgKey{v.Package.Type, v.Package.Name, v.Package.Version}]; p != nil {
			locs = p.Locations
		}
	}
	if len(locs) == 0 {
		// Nowhere to point at: name the package as a logical location rather than invent a
		// file.
		res := b.vulnerabilityResult(v, sdk.Location{})
		name := v.Package.PURL
		if name == "" {
			name = v.Package.Name + "@" + v.Package.Version
		}
		res.Locations = []*sarif.Location{{LogicalLocations: []*sarif.LogicalLocation{{
			Kind: ptr("package"), FullyQualifiedName: ptr(name),
		}}}}
		return []*sarif.Result{res}
	}
	out := make([]*sarif.Result, 0, len(locs))
	seen := map[string]bool{}
	for _, l := range locs {
		if seen[l.Path] {
			continue // the same file twice would be the same alert twice
		}
		seen[l.Path] = true
		out = append(out, b.vulnerabilityResult(v, l))
	}
	return out
}

func (b *builder) vulnerabilityResult(v *sdk.Vulnerability, l sdk.Location) *sarif.Result {
	p := &v.Package
	msg := p.Name + " " + p.Version + " is affected by " + v.ID
	switch {
	case len(v.FixedVersions) > 0:
		msg += "; fixed in " + strings.Join(v.FixedVersions, ", ")
	case v.Status == sdk.StatusWillNotFix:
		msg += "; the distribution will not fix it"
	default:
		msg += "; no fixed version is published yet"
	}
	if l.Path != "" {
		msg += " (" + l.Path + ")"
	}
	res := &sarif.Result{
		RuleID:  ptr(v.ID),
		Level:   ptr(level(v.Severity)),
		Message: *sarif.NewTextMessage(msg + "."),
		PartialFingerprints: map[string]any{
			fingerprintKey: fingerprint("vulnerability", v.ID, p.Type, p.Name, p.Version, l.Path),
		},
	}
	if loc := b.physicalLocation(l, 0); loc != nil {
		res.Locations = []*sarif.Location{{PhysicalLocation: loc}}
	}
	props := b.imageProperties(l)
	if p.PURL != "" {
		props["purl"] = p.PURL
	}
	props["installedVersion"] = p.Version
	if len(v.FixedVersions) > 0 {
		props["fixedVersions"] = v.FixedVersions
	}
	res.Properties = props
	return res
}

func (b *builder) secretResult(s *sdk.Secret) *sarif.Result {
	title := secretTitle(s)
	msg := title + " (" + s.RuleID + ")"
	if s.Match != "" {
		msg += ": " + s.Match
	}
	if s.Deleted {
		msg += " — in a file a later layer deleted; the secret is still in the image"
	}
	// The host's fingerprint hashes the rule, the path and the secret: it stays when lines
	// move. A report without one falls back to rule, path and line, never to the match,
	// which may hold the secret itself when the user asked to see secrets.
	fp := s.Fingerprint
	if fp == "" {
		fp = fingerprint("secret", s.RuleID, s.Location.Path, strconv.Itoa(s.Location.Line))
	} else {
		fp = fingerprint("secret", s.RuleID, fp)
	}
	res := &sarif.Result{
		RuleID:              ptr(s.RuleID),
		Level:               ptr(level(s.Severity)),
		Message:             *sarif.NewTextMessage(msg),
		PartialFingerprints: map[string]any{fingerprintKey: fp},
	}
	if loc := b.physicalLocation(s.Location, s.EndLine); loc != nil {
		res.Locations = []*sarif.Location{{PhysicalLocation: loc}}
	}
	props := b.imageProperties(s.Location)
	if s.Category != "" {
		props["category"] = s.Category
	}
	if s.Deleted {
		props["deleted"] = true
	}
	res.Properties = props
	return res
}

// imageProperties name the image and the layer a finding is in, which the URI cannot.
func (b *builder) imageProperties(l sdk.Location) sarif.Properties {
	props := sarif.Properties{}
	if b.r.Artifact.Type == sdk.ArtifactImage {
		if b.r.Artifact.Name != "" {
			props["image"] = b.r.Artifact.Name
		}
		if l.LayerDiffID != "" {
			props["layerDiffId"] = l.LayerDiffID
		}
	}
	return props
}

// physicalLocation points at path, with the lines when known. SARIF lines start at 1: an
// unknown line (0) gets no region rather than an invalid one.
func (b *builder) physicalLocation(l sdk.Location, endLine int) *sarif.PhysicalLocation {
	u := uri(b.prefix, l.Path)
	if u == "" {
		return nil
	}
	loc := &sarif.PhysicalLocation{ArtifactLocation: &sarif.ArtifactLocation{URI: ptr(u)}}
	if l.Line >= 1 {
		loc.Region = &sarif.Region{StartLine: ptr(l.Line)}
		if endLine > l.Line {
			loc.Region.EndLine = ptr(endLine)
		}
	}
	return loc
}

// fingerprint hashes the parts that identify a finding, separated so that ("ab", "c") and
// ("a", "bc") differ. 128 bits are plenty to keep a repository's findings apart.
func fingerprint(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

func sortedVulnerabilities(in []sdk.Vulnerability) []*sdk.Vulnerability {
	out := make([]*sdk.Vulnerability, 0, len(in))
	for i := range in {
		if in[i].ID != "" { // the rule ID; the report schema requires it
			out = append(out, &in[i])
		}
	}
	slices.SortStableFunc(out, func(x, y *sdk.Vulnerability) int {
		return cmp.Or(
			cmp.Compare(x.ID, y.ID),
			cmp.Compare(x.Package.Name, y.Package.Name),
			cmp.Compare(x.Package.Version, y.Package.Version),
			cmp.Compare(x.Package.Type, y.Package.Type),
			cmp.Compare(firstPath(x.Locations), firstPath(y.Locations)),
		)
	})
	return out
}

func sortedSecrets(in []sdk.Secret) []*sdk.Secret {
	out := make([]*sdk.Secret, 0, len(in))
	for i := range in {
		if in[i].RuleID != "" {
			out = append(out, &in[i])
		}
	}
	slices.SortStableFunc(out, func(x, y *sdk.Secret) int {
		return cmp.Or(
			cmp.Compare(x.RuleID, y.RuleID),
			cmp.Compare(x.Location.Path, y.Location.Path),
			cmp.Compare(x.Location.Line, y.Location.Line),
			cmp.Compare(x.Fingerprint, y.Fingerprint),
		)
	})
	return out
}

func firstPath(locs []sdk.Location) string {
	if len(locs) == 0 {
		return ""
	}
	return locs[0].Path
}

// groupByID splits vulnerabilities sorted by ID into runs of one ID.
func groupByID(vulns []*sdk.Vulnerability) [][]*sdk.Vulnerability {
	var out [][]*sdk.Vulnerability
	for i := 0; i < len(vulns); {
		j := i + 1
		for j < len(vulns) && vulns[j].ID == vulns[i].ID {
			j++
		}
		out = append(out, vulns[i:j])
		i = j
	}
	return out
}

// groupByRule splits secrets sorted by rule into runs of one rule.
func groupByRule(secrets []*sdk.Secret) [][]*sdk.Secret {
	var out [][]*sdk.Secret
	for i := 0; i < len(secrets); {
		j := i + 1
		for j < len(secrets) && secrets[j].RuleID == secrets[i].RuleID {
			j++
		}
		out = append(out, secrets[i:j])
		i = j
	}
	return out
}

func ptr[T any](v T) *T { return &v }
