// Package cyclonedx writes a trawl report as a CycloneDX 1.6 JSON BOM, and reads the
// packages of a CycloneDX JSON BOM back (trawl sbom FILE).
//
// What is written:
//
//   - metadata: the time of the scan, trawl as the tool, and the scanned artifact as the
//     BOM's subject: a container (with a pkg:oci purl when the manifest digest is known) or,
//     for a directory, an application;
//   - one library component per package, its bom-ref the purl (with the first location
//     added when two packages share a purl), its licenses, its supplier (the vendor), and
//     trawl properties: package type, locations with line and layer, dev, indirect, source
//     package; the OS, when known, as an operating-system component;
//   - dependencies: the artifact depends on the OS and on every package that is not an OS
//     package, the OS on the OS packages (the report has no package-to-package edges);
//   - one vulnerability per finding (Grype's choice: a finding is about one package, with
//     its own fixed versions and status), with its source from the ID's prefix (NVD for
//     CVE-, GitHub for GHSA-, else OSV), the other IDs as references, the severity and
//     CVSS as ratings, the fix as a recommendation and as an unaffected version.
//
// Licenses: an SPDX identifier becomes license.id, a package's only license that is a valid
// SPDX expression becomes the expression, anything else license.name as written.
// CycloneDX forbids mixing an expression with other licenses, so with several licenses an
// expression is written as a name: nothing is lost, and it reads back as written.
//
// The output is deterministic: the serial number is a UUID derived from the report (not a
// random one), components and vulnerabilities are sorted by reference and ID. The same
// scan gives the same bytes, which golden files, caches and diffs of two runs rely on.
package cyclonedx

import (
	"bufio"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	cdx "github.com/CycloneDX/cyclonedx-go"

	"github.com/trawlscan/trawl/plugins/formatters/internal/bomkit"
	"github.com/trawlscan/trawl/plugins/formatters/internal/jsonindent"
	"github.com/trawlscan/trawl/plugins/formatters/internal/license"
	"github.com/trawlscan/trawl/sdk"
)

// osTypes are the purl types of packages installed by the operating system's package
// manager: they hang under the OS component in the dependency graph.
var osTypes = map[string]bool{"apk": true, "deb": true, "rpm": true, "alpm": true}

// Write writes r to w as a CycloneDX 1.6 JSON BOM.
func Write(w io.Writer, r *sdk.Report) error {
	if r == nil {
		return errors.New("cyclonedx: no report")
	}
	bom := cdx.NewBOM()
	// Encode as 1.6 directly: EncodeVersion's conversion would rewrite a rating without a
	// method to method "other", claiming a scoring method where there is none. Nothing
	// newer than 1.6 is set here, and the tests validate against the 1.6 schema.
	bom.SpecVersion = cdx.SpecVersion1_6
	bom.JSONSchema = "http://cyclonedx.org/schema/bom-1.6.schema.json"
	bom.SerialNumber = "urn:uuid:" + bomkit.ReportUUID(r)
	bom.Version = 1

	toolName := r.Tool.Name
	if toolName == "" {
		toolName = "trawl"
	}
	meta := &cdx.Metadata{
		Tools: &cdx.ToolsChoice{Components: &[]cdx.Component{{
			Type: cdx.ComponentTypeApplication, Name: toolName, Version: r.Tool.Version,
		}}},
		Component: artifactComponent(&r.Artifact),
	}
	if !r.CreatedAt.IsZero() {
		meta.Timestamp = r.CreatedAt.UTC().Format(time.RFC3339)
	}
	bom.Metadata = meta
	root := meta.Component.BOMRef

	comps, refs := packageComponents(r.Packages)
	var rootDeps, osDeps []string
	osRef := ""
	if r.OS != nil && r.OS.Family != "" {
		osRef = "os:" + r.OS.Family + "@" + r.OS.Version
		comps = append(comps, osComponent(r.OS, osRef))
		rootDeps = append(rootDeps, osRef)
	}
	for i := range r.Packages {
		if osRef != "" && osTypes[r.Packages[i].Type] {
			osDeps = append(osDeps, refs[i])
		} else {
			rootDeps = append(rootDeps, refs[i])
		}
	}
	slices.SortFunc(comps, func(a, b cdx.Component) int { return strings.Compare(a.BOMRef, b.BOMRef) })
	if len(comps) > 0 {
		bom.Components = &comps
	}
	deps := []cdx.Dependency{dependency(root, rootDeps)}
	if osRef != "" {
		deps = append(deps, dependency(osRef, osDeps))
	}
	for _, ref := range refs {
		deps = append(deps, cdx.Dependency{Ref: ref}) // every component is in the graph, even as a leaf
	}
	slices.SortFunc(deps, func(a, b cdx.Dependency) int { return strings.Compare(a.Ref, b.Ref) })
	bom.Dependencies = &deps

	if vulns := vulnerabilities(r, refs); len(vulns) > 0 {
		bom.Vulnerabilities = &vulns
	}

	// encoding/json directly, as cyclonedx-go's JSON encoder does: its BOMEncoder would also
	// link the XML encoder and the gob-based copy, some 100 KB of wasm for nothing.
	bw := bufio.NewWriterSize(w, 64<<10)
	// Indented as it streams (jsonindent): SetIndent would rescan every byte.
	enc := json.NewEncoder(jsonindent.NewWriter(bw, "", "  "))
	// Package URLs hold "&" ("?arch=x86_64&distro=..."): keep them readable.
	enc.SetEscapeHTML(false)
	if err := enc.Encode(bom); err != nil {
		return fmt.Errorf("cyclonedx: %w", err)
	}
	return bw.Flush()
}

func dependency(ref string, on []string) cdx.Dependency {
	d := cdx.Dependency{Ref: ref}
	if len(on) > 0 {
		on = slices.Clone(on)
		slices.Sort(on)
		on = slices.Compact(on)
		d.Dependencies = &on
	}
	return d
}

// artifactComponent is the BOM's subject.
func artifactComponent(a *sdk.Artifact) *cdx.Component {
	c := &cdx.Component{Name: a.Name, Type: cdx.ComponentTypeApplication}
	if c.Name == "" {
		c.Name = "unknown" // name is required
	}
	var props []cdx.Property
	if a.Type == sdk.ArtifactImage {
		c.Type = cdx.ComponentTypeContainer
		c.Version = a.Digest
		c.PackageURL = bomkit.ImagePURL(a)
		if a.ImageID != "" {
			props = append(props, cdx.Property{Name: bomkit.PropImageID, Value: a.ImageID})
		}
		if a.Platform != "" {
			props = append(props, cdx.Property{Name: bomkit.PropPlatform, Value: a.Platform})
		}
		for _, l := range a.Layers {
			if l.DiffID != "" {
				props = append(props, cdx.Property{Name: bomkit.PropLayer, Value: l.DiffID})
			}
		}
	}
	// The subject's reference must differ from every package's, which are purls or
	// "trawl:package:..." references.
	c.BOMRef = c.PackageURL
	if c.BOMRef == "" {
		c.BOMRef = "trawl:artifact:" + c.Name
	}
	if len(props) > 0 {
		c.Properties = &props
	}
	return c
}

func osComponent(o *sdk.OS, ref string) cdx.Component {
	c := cdx.Component{BOMRef: ref, Type: cdx.ComponentTypeOS, Name: o.Family, Version: o.Version, Description: o.PrettyName}
	return c
}

// packageComponents returns one component per package and each package's bom-ref, in the
// order of the packages.
func packageComponents(pkgs []sdk.Package) ([]cdx.Component, []string) {
	refs := make([]string, len(pkgs))
	count := make(map[string]int, len(pkgs))
	for i := range pkgs {
		refs[i] = baseRef(&pkgs[i])
		count[refs[i]]++
	}
	// Packages sharing a purl (the same module in two lockfiles) get their first location
	// added, and if that is not enough a number; numbered in a stable order.
	used := make(map[string]bool, len(pkgs))
	order := make([]int, len(pkgs))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(locKey(&pkgs[a]), locKey(&pkgs[b])) })
	for _, i := range order {
		if count[refs[i]] < 2 {
			used[refs[i]] = true
		}
	}
	for _, i := range order {
		if count[refs[i]] < 2 {
			continue
		}
		ref := refs[i]
		if k := locKey(&pkgs[i]); k != "" {
			ref += "|" + k
		}
		for n := 2; used[ref]; n++ {
			ref = refs[i] + "|" + locKey(&pkgs[i]) + "|" + strconv.Itoa(n)
		}
		used[ref] = true
		refs[i] = ref
	}

	comps := make([]cdx.Component, len(pkgs))
	for i := range pkgs {
		comps[i] = component(&pkgs[i], refs[i])
	}
	return comps, refs
}

// baseRef is a package's reference before disambiguation: its purl, or for a package
// without one a reference from its type, name and version.
func baseRef(p *sdk.Package) string {
	if p.PURL != "" {
		return p.PURL
	}
	return "trawl:package:" + p.Type + "/" + p.Name + "@" + p.Version
}

func locKey(p *sdk.Package) string {
	if len(p.Locations) == 0 {
		return ""
	}
	l := p.Locations[0]
	if l.Line != 0 {
		return l.Path + ":" + strconv.Itoa(l.Line)
	}
	return l.Path
}

func component(p *sdk.Package, ref string) cdx.Component {
	c := cdx.Component{
		BOMRef:     ref,
		Type:       cdx.ComponentTypeLibrary,
		Name:       p.Name,
		Version:    p.Version,
		PackageURL: p.PURL,
	}
	if c.Name == "" {
		c.Name = "unknown" // name is required
	}
	if p.Vendor != "" {
		c.Supplier = &cdx.OrganizationalEntity{Name: p.Vendor}
	}
	if l := licenses(p.Licenses); len(l) > 0 {
		c.Licenses = &l
	}
	var props []cdx.Property
	for _, pr := range bomkit.Properties(p) {
		props = append(props, cdx.Property{Name: pr.Name, Value: pr.Value})
	}
	if len(props) > 0 {
		c.Properties = &props
	}
	return c
}

// licenses maps a package's licenses (see the package comment).
func licenses(ls []string) cdx.Licenses {
	var out cdx.Licenses
	for _, l := range ls {
		if l == "" {
			continue
		}
		if id, ok := license.ID(l); ok {
			out = append(out, cdx.LicenseChoice{License: &cdx.License{ID: id}})
			continue
		}
		if len(ls) == 1 {
			if e, _, ok := license.Parse(l, nil); ok {
				out = append(out, cdx.LicenseChoice{Expression: e.String()})
				continue
			}
		}
		out = append(out, cdx.LicenseChoice{License: &cdx.License{Name: l}})
	}
	return out
}

// vulnerabilities maps the findings, refs being the bom-refs of r.Packages.
func vulnerabilities(r *sdk.Report, refs []string) []cdx.Vulnerability {
	// Findings a VEX statement took out are listed with its analysis: the SBOM carries the
	// supplier's word. Those an ignore entry took out are a local decision, left out.
	findings := r.Vulnerabilities
	if r.Suppressed != nil {
		for _, v := range r.Suppressed.Vulnerabilities {
			if v.Suppression != nil && v.Suppression.Kind == sdk.SuppressedByVEX {
				findings = append(findings[:len(findings):len(findings)], v)
			}
		}
	}
	if len(findings) == 0 {
		return nil
	}
	// A finding names its package by purl, type, name and version, and where it was found;
	// two packages may share the first four (the same module in two lockfiles).
	type key struct{ purl, typ, name, version string }
	byKey := make(map[key][]int, len(r.Packages))
	for i := range r.Packages {
		p := &r.Packages[i]
		k := key{p.PURL, p.Type, p.Name, p.Version}
		byKey[k] = append(byKey[k], i)
	}
	out := make([]cdx.Vulnerability, 0, len(findings))
	for i := range findings {
		v := &findings[i]
		// The package found where the finding was, else the first by reference, whatever
		// the report's order.
		ref, found := "", false
		for _, j := range byKey[key{v.Package.PURL, v.Package.Type, v.Package.Name, v.Package.Version}] {
			here := len(v.Locations) > 0 && len(r.Packages[j].Locations) > 0 && v.Locations[0] == r.Packages[j].Locations[0]
			switch {
			case here && !found:
				ref, found = refs[j], true
			case !found && (ref == "" || refs[j] < ref):
				ref = refs[j]
			}
		}
		if ref == "" {
			// A finding about a package not listed: name it anyway, by purl.
			ref = baseRef(&sdk.Package{PURL: v.Package.PURL, Type: v.Package.Type, Name: v.Package.Name, Version: v.Package.Version})
		}
		out = append(out, vulnerability(v, ref))
	}
	slices.SortStableFunc(out, func(a, b cdx.Vulnerability) int {
		return cmp.Or(strings.Compare(a.ID, b.ID), strings.Compare((*a.Affects)[0].Ref, (*b.Affects)[0].Ref))
	})
	return out
}

func vulnerability(v *sdk.Vulnerability, ref string) cdx.Vulnerability {
	id := v.ID
	if id == "" {
		id = "UNKNOWN" // id is required
	}
	out := cdx.Vulnerability{
		ID:          id,
		Source:      source(id),
		Description: v.Summary,
		Detail:      v.Details,
	}
	var refs []cdx.VulnerabilityReference
	for _, alias := range v.IDs {
		if alias != "" && alias != id {
			refs = append(refs, cdx.VulnerabilityReference{ID: alias, Source: source(alias)})
		}
	}
	if len(refs) > 0 {
		out.References = &refs
	}
	if r := rating(v); r != nil {
		out.Ratings = &[]cdx.VulnerabilityRating{*r}
	}
	var adv []cdx.Advisory
	for _, u := range v.References {
		if u != "" {
			adv = append(adv, cdx.Advisory{URL: u})
		}
	}
	if len(adv) > 0 {
		out.Advisories = &adv
	}
	if len(v.FixedVersions) > 0 {
		out.Recommendation = "Upgrade " + v.Package.Name + " to " + strings.Join(v.FixedVersions, " or ")
	}
	if v.Published != nil {
		out.Published = v.Published.UTC().Format(time.RFC3339)
	}
	if v.Modified != nil {
		out.Updated = v.Modified.UTC().Format(time.RFC3339)
	}
	versions := []cdx.AffectedVersions{{Version: v.Package.Version, Status: cdx.VulnerabilityStatusAffected}}
	for _, f := range v.FixedVersions {
		versions = append(versions, cdx.AffectedVersions{Version: f, Status: cdx.VulnerabilityStatusNotAffected})
	}
	if v.Package.Version == "" {
		versions = versions[1:]
	}
	aff := cdx.Affects{Ref: ref}
	if len(versions) > 0 {
		aff.Range = &versions
	}
	out.Affects = &[]cdx.Affects{aff}
	// The report's status is the fix status, not an impact analysis (trawl does not tell
	// whether the code is reachable), so the state is left out; the vendor's response is
	// what the status says.
	switch v.Status {
	case sdk.StatusFixed:
		out.Analysis = &cdx.VulnerabilityAnalysis{Response: &[]cdx.ImpactAnalysisResponse{cdx.IARUpdate}}
	case sdk.StatusWillNotFix:
		out.Analysis = &cdx.VulnerabilityAnalysis{Response: &[]cdx.ImpactAnalysisResponse{cdx.IARWillNotFix}}
	}
	if s := v.Suppression; s != nil && s.Kind == sdk.SuppressedByVEX {
		a := &cdx.VulnerabilityAnalysis{Detail: s.Reason}
		switch s.Status {
		case "not_affected":
			a.State = cdx.IASNotAffected
			a.Justification = vexJustification[strings.SplitN(s.Reason, ":", 2)[0]]
		case "fixed":
			a.State = cdx.IASResolved
		}
		out.Analysis = a
	}
	if v.Status != "" {
		out.Properties = &[]cdx.Property{{Name: bomkit.PropVulnStatus, Value: v.Status}}
	}
	return out
}

// vexJustification maps OpenVEX justifications to CycloneDX's, as CISA's minimum
// requirements for VEX pair them.
var vexJustification = map[string]cdx.ImpactAnalysisJustification{
	"component_not_present":                             cdx.IAJCodeNotPresent,
	"vulnerable_code_not_present":                       cdx.IAJCodeNotPresent,
	"vulnerable_code_not_in_execute_path":               cdx.IAJCodeNotReachable,
	"vulnerable_code_cannot_be_controlled_by_adversary": cdx.IAJProtectedByMitigatingControl,
	"inline_mitigations_already_exist":                  cdx.IAJProtectedByMitigatingControl,
}

// source names the database an ID comes from, by its prefix.
func source(id string) *cdx.Source {
	switch {
	case strings.HasPrefix(id, "CVE-"):
		return &cdx.Source{Name: "NVD", URL: "https://nvd.nist.gov/vuln/detail/" + id}
	case strings.HasPrefix(id, "GHSA-"):
		return &cdx.Source{Name: "GitHub", URL: "https://github.com/advisories/" + id}
	}
	return &cdx.Source{Name: "OSV", URL: "https://osv.dev/vulnerability/" + id}
}

var severities = map[string]cdx.Severity{
	sdk.SeverityCritical:   cdx.SeverityCritical,
	sdk.SeverityHigh:       cdx.SeverityHigh,
	sdk.SeverityMedium:     cdx.SeverityMedium,
	sdk.SeverityLow:        cdx.SeverityLow,
	sdk.SeverityNegligible: cdx.SeverityInfo,
	sdk.SeverityUnknown:    cdx.SeverityUnknown,
}

// rating is the finding's severity, with the CVSS score and vector it came from.
func rating(v *sdk.Vulnerability) *cdx.VulnerabilityRating {
	sev, ok := severities[v.Severity]
	if !ok && v.CVSSVector == "" && v.CVSSScore == 0 {
		return nil
	}
	r := &cdx.VulnerabilityRating{Severity: sev, Vector: v.CVSSVector}
	if v.CVSSScore != 0 {
		s := v.CVSSScore
		r.Score = &s
	}
	switch {
	case strings.HasPrefix(v.CVSSVector, "CVSS:4.0/") || v.SeveritySource == "CVSS_V4":
		r.Method = cdx.ScoringMethodCVSSv4
	case strings.HasPrefix(v.CVSSVector, "CVSS:3.1/"):
		r.Method = cdx.ScoringMethodCVSSv31
	case strings.HasPrefix(v.CVSSVector, "CVSS:3.0/") || v.SeveritySource == "CVSS_V3":
		r.Method = cdx.ScoringMethodCVSSv3
	case v.SeveritySource == "CVSS_V2" || v.CVSSVector != "" && strings.Contains(v.CVSSVector, "Au:"):
		r.Method = cdx.ScoringMethodCVSSv2
	case v.CVSSVector != "" || v.CVSSScore != 0:
		r.Method = cdx.ScoringMethodOther
	}
	// A distribution's own rating ("Debian", "GHSA") names its source.
	if v.SeveritySource != "" && !strings.HasPrefix(v.SeveritySource, "CVSS_") {
		r.Source = &cdx.Source{Name: v.SeveritySource}
	}
	return r
}

// Read returns the packages of a CycloneDX JSON BOM (spec 1.2 to 1.7; tested on 1.4 to
// 1.6), nested components included and the BOM's subject (metadata.component) excluded.
//
// A component is returned when it has a purl, with the name, version and type the purl
// gives (see bomkit.FromPURL), or, without one, when trawl's own properties give its type
// (a package trawl wrote without a purl): the matcher needs a purl or type, name and
// version. Other components (files, the operating system, a purl-less library of another
// tool) are skipped: nothing could be matched against them. An image's own purl (pkg:oci)
// is the artifact, not a package, and is skipped too.
//
// Licenses are read as written: license.id, license.name, or the expression. Locations,
// dev, indirect and the source package come from trawl's properties when present, else
// the locations from evidence.occurrences.
func Read(r io.Reader) ([]sdk.Package, error) {
	var bom cdx.BOM
	// json.Decoder rather than cyclonedx-go's BOMDecoder, which reads the same way but links
	// the XML decoder too.
	if err := json.NewDecoder(r).Decode(&bom); err != nil {
		return nil, fmt.Errorf("cyclonedx: not a CycloneDX JSON BOM: %w", err)
	}
	if bom.BOMFormat != cdx.BOMFormat {
		return nil, fmt.Errorf("cyclonedx: bomFormat is %q, not %q", bom.BOMFormat, cdx.BOMFormat)
	}
	if bom.SpecVersion < cdx.SpecVersion1_2 {
		return nil, fmt.Errorf("cyclonedx: spec version %s has no JSON format", bom.SpecVersion)
	}
	var pkgs []sdk.Package
	var walk func(cs *[]cdx.Component, depth int) error
	walk = func(cs *[]cdx.Component, depth int) error {
		if cs == nil {
			return nil
		}
		if depth > 64 {
			return errors.New("cyclonedx: components nested too deep")
		}
		for i := range *cs {
			c := &(*cs)[i]
			if p, ok := readComponent(c); ok {
				pkgs = append(pkgs, p)
			}
			if err := walk(c.Components, depth+1); err != nil {
				return err
			}
		}
		return nil
	}
	if err := walk(bom.Components, 0); err != nil {
		return nil, err
	}
	return pkgs, nil
}

func readComponent(c *cdx.Component) (sdk.Package, bool) {
	var p sdk.Package
	ok := false
	if c.PackageURL != "" {
		p, ok = bomkit.FromPURL(c.PackageURL, c.Name, c.Version)
		if !ok && isImage(c.PackageURL) {
			return p, false
		}
	}
	if !ok {
		p = sdk.Package{Name: c.Name, Version: c.Version}
	}
	hasLocation := false
	if c.Properties != nil {
		for _, pr := range *c.Properties {
			bomkit.Apply(&p, pr.Name, pr.Value)
			hasLocation = hasLocation || pr.Name == bomkit.PropPath
		}
	}
	if !ok && (p.Type == "" || p.Name == "") {
		return p, false
	}
	if !hasLocation && c.Evidence != nil && c.Evidence.Occurrences != nil {
		for _, o := range *c.Evidence.Occurrences {
			if o.Location == "" {
				continue
			}
			l := sdk.Location{Path: o.Location}
			if o.Line != nil {
				l.Line = *o.Line
			}
			p.Locations = append(p.Locations, l)
		}
	}
	if c.Supplier != nil {
		p.Vendor = c.Supplier.Name
	}
	if c.Licenses != nil {
		for _, l := range *c.Licenses {
			switch {
			case l.Expression != "":
				p.Licenses = append(p.Licenses, l.Expression)
			case l.License != nil && l.License.ID != "":
				p.Licenses = append(p.Licenses, l.License.ID)
			case l.License != nil && l.License.Name != "":
				p.Licenses = append(p.Licenses, l.License.Name)
			}
		}
	}
	return p, true
}

func isImage(purl string) bool {
	return strings.HasPrefix(purl, "pkg:oci/") || strings.HasPrefix(purl, "pkg:docker/")
}

var detectRE = regexp.MustCompile(`"bomFormat"\s*:\s*"CycloneDX"`)

// Detect reports whether head, the first bytes of a file (a few KiB), looks like a
// CycloneDX JSON BOM: a JSON object with "bomFormat": "CycloneDX".
func Detect(head []byte) bool { return bomkit.Detect(head, detectRE) }
