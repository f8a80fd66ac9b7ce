// Package spdx writes a trawl report as an SPDX 2.3 JSON document, and reads the packages
// of an SPDX 2.2 or 2.3 JSON document back (trawl sbom FILE).
//
// What is written:
//
//   - the document: SPDXRef-DOCUMENT, named after the artifact, created at the time of
//     the scan by "Tool: trawl-<version>" (no Organization: the report does not say who
//     ran the scan, and SPDX wants a real one or none), data license CC0-1.0, and a
//     namespace https://trawl.dev/spdxdocs/<name>-<uuid> whose UUID is derived from the
//     report, not random: the same scan gives the same bytes (golden files, caches, diffs
//     of two runs), another scan another namespace;
//   - SPDXRef-Artifact, the scanned artifact (purpose CONTAINER, with its pkg:oci purl
//     when the digest is known, or SOURCE for a directory), described by the document;
//   - SPDXRef-OperatingSystem when the OS is known;
//   - one package per report package, SPDXRef-Package-<type>-<name>-<version> (sanitized,
//     numbered when not unique), with its purl as a PACKAGE-MANAGER reference, its vendor
//     as supplier, download location, concluded license and copyright NOASSERTION (trawl
//     does not look), files not analyzed, and trawl's facts (type, locations with line and
//     layer, dev, indirect, source package) as annotations "trawl:...=value";
//   - relationships: the document DESCRIBES the artifact, the artifact CONTAINS the OS and
//     every package (the report has no package-to-package edges, so no DEPENDS_ON).
//
// Vulnerabilities are not written: SPDX 2.3 has no place for them (use CycloneDX).
//
// Licenses: a package's licenses become one licenseDeclared expression, joined by AND,
// a compound one in parentheses when there are several. An identifier not on the SPDX
// list, or a license that is not an expression at all ("GPL2+", "Public Domain"), becomes
// LicenseRef-<sanitized text>, declared in hasExtractedLicensingInfos with the text as
// written, so that Read gives it back. No license: NOASSERTION.
package spdx

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

	"github.com/spdx/tools-golang/spdx/v2/common"
	"github.com/spdx/tools-golang/spdx/v2/v2_3"

	"github.com/trawlscan/trawl/plugins/formatters/internal/bomkit"
	"github.com/trawlscan/trawl/plugins/formatters/internal/jsonindent"
	"github.com/trawlscan/trawl/plugins/formatters/internal/license"
	"github.com/trawlscan/trawl/sdk"
)

const (
	noAssertion = "NOASSERTION"
	artifactID  = "Artifact"
	osID        = "OperatingSystem"
	// namespaceBase is where the document namespaces live. SPDX only needs the URI to be
	// unique; nothing is served there.
	namespaceBase = "https://trawl.dev/spdxdocs/"
)

// Write writes r to w as an SPDX 2.3 JSON document.
func Write(w io.Writer, r *sdk.Report) error {
	if r == nil {
		return errors.New("spdx: no report")
	}
	toolName := r.Tool.Name
	if toolName == "" {
		toolName = "trawl"
	}
	tool := toolName
	if r.Tool.Version != "" {
		tool += "-" + r.Tool.Version
	}
	created := r.CreatedAt.UTC().Format(time.RFC3339)
	name := r.Artifact.Name
	if name == "" {
		name = "unknown"
	}
	doc := &v2_3.Document{
		SPDXVersion:       v2_3.Version,
		DataLicense:       v2_3.DataLicense,
		SPDXIdentifier:    "DOCUMENT",
		DocumentName:      name,
		DocumentNamespace: namespaceBase + namespaceName(name) + "-" + bomkit.ReportUUID(r),
		CreationInfo: &v2_3.CreationInfo{
			Creators: []common.Creator{{CreatorType: "Tool", Creator: tool}},
			Created:  created,
		},
	}
	annotate := func(n, v string) v2_3.Annotation {
		return v2_3.Annotation{
			Annotator:         common.Annotator{AnnotatorType: "Tool", Annotator: tool},
			AnnotationDate:    created,
			AnnotationType:    "OTHER",
			AnnotationComment: n + "=" + v,
		}
	}

	art := &v2_3.Package{
		PackageName:             name,
		PackageSPDXIdentifier:   artifactID,
		PackageDownloadLocation: noAssertion,
		PackageLicenseConcluded: noAssertion,
		PackageLicenseDeclared:  noAssertion,
		PackageCopyrightText:    noAssertion,
		PrimaryPackagePurpose:   "SOURCE",
	}
	if r.Artifact.Type == sdk.ArtifactImage {
		art.PrimaryPackagePurpose = "CONTAINER"
		art.PackageVersion = r.Artifact.Digest
		if purl := bomkit.ImagePURL(&r.Artifact); purl != "" {
			art.PackageExternalReferences = []*v2_3.PackageExternalReference{purlRef(purl)}
		}
		if r.Artifact.ImageID != "" {
			art.Annotations = append(art.Annotations, annotate(bomkit.PropImageID, r.Artifact.ImageID))
		}
		if r.Artifact.Platform != "" {
			art.Annotations = append(art.Annotations, annotate(bomkit.PropPlatform, r.Artifact.Platform))
		}
		for _, l := range r.Artifact.Layers {
			if l.DiffID != "" {
				art.Annotations = append(art.Annotations, annotate(bomkit.PropLayer, l.DiffID))
			}
		}
	}
	doc.Packages = append(doc.Packages, art)
	doc.Relationships = append(doc.Relationships, relationship("DOCUMENT", artifactID, common.TypeRelationshipDescribe))

	if r.OS != nil && r.OS.Family != "" {
		doc.Packages = append(doc.Packages, &v2_3.Package{
			PackageName:             r.OS.Family,
			PackageSPDXIdentifier:   osID,
			PackageVersion:          r.OS.Version,
			PackageDownloadLocation: noAssertion,
			PackageLicenseConcluded: noAssertion,
			PackageLicenseDeclared:  noAssertion,
			PackageCopyrightText:    noAssertion,
			PackageDescription:      r.OS.PrettyName,
			PrimaryPackagePurpose:   "OPERATING_SYSTEM",
		})
		doc.Relationships = append(doc.Relationships, relationship(artifactID, osID, common.TypeRelationshipContains))
	}

	refs := newLicenseRefs()
	ids := packageIDs(r.Packages)
	for _, i := range sortedPackages(r.Packages) {
		p := &r.Packages[i]
		pkgName := p.Name
		if pkgName == "" {
			pkgName = "unknown" // name is required
		}
		sp := &v2_3.Package{
			PackageName:             pkgName,
			PackageSPDXIdentifier:   common.ElementID(ids[i]),
			PackageVersion:          p.Version,
			PackageDownloadLocation: noAssertion,
			PackageLicenseConcluded: noAssertion,
			PackageLicenseDeclared:  refs.declared(p.Licenses),
			PackageCopyrightText:    noAssertion,
			PrimaryPackagePurpose:   "LIBRARY",
		}
		if p.PURL != "" {
			sp.PackageExternalReferences = []*v2_3.PackageExternalReference{purlRef(p.PURL)}
		}
		if p.Vendor != "" {
			sp.PackageSupplier = &common.Supplier{SupplierType: "Organization", Supplier: p.Vendor}
		}
		if p.SourceName != "" {
			sp.PackageSourceInfo = "built package from: " + strings.TrimSpace(p.SourceName+" "+p.SourceVersion)
		}
		for _, pr := range bomkit.Properties(p) {
			sp.Annotations = append(sp.Annotations, annotate(pr.Name, pr.Value))
		}
		doc.Packages = append(doc.Packages, sp)
		doc.Relationships = append(doc.Relationships, relationship(artifactID, ids[i], common.TypeRelationshipContains))
	}
	doc.OtherLicenses = refs.list()

	// encoding/json directly, as the library's json.Write does: importing that package
	// would link its reader too, with the SPDX 2.1 and 2.2 models and a reflection-based
	// converter, some 100 KB of wasm for nothing.
	bw := bufio.NewWriterSize(w, 64<<10)
	// Indented as it streams (jsonindent): SetIndent would rescan every byte.
	enc := json.NewEncoder(jsonindent.NewWriter(bw, "", "  "))
	// Package URLs hold "&" ("?arch=x86_64&distro=..."): keep them readable.
	enc.SetEscapeHTML(false)
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("spdx: %w", err)
	}
	return bw.Flush()
}

func purlRef(purl string) *v2_3.PackageExternalReference {
	return &v2_3.PackageExternalReference{Category: common.CategoryPackageManager, RefType: common.TypePackageManagerPURL, Locator: purl}
}

func relationship(a, b, typ string) *v2_3.Relationship {
	return &v2_3.Relationship{
		RefA:         common.DocElementID{ElementRefID: common.ElementID(a)},
		RefB:         common.DocElementID{ElementRefID: common.ElementID(b)},
		Relationship: typ,
	}
}

// namespaceName is the artifact's name as a URI path segment: letters, digits, '.', '-',
// '_', anything else '-'.
func namespaceName(s string) string {
	b := []byte(s)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == '_') {
			b[i] = '-'
		}
	}
	return strings.Trim(string(b), "-.")
}

// sortedPackages returns the indexes of pkgs in the order they are written: by purl, name,
// version, then first location, so that the output does not depend on the report's order.
func sortedPackages(pkgs []sdk.Package) []int {
	order := make([]int, len(pkgs))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		pa, pb := &pkgs[a], &pkgs[b]
		return cmp.Or(strings.Compare(pa.PURL, pb.PURL), strings.Compare(pa.Type, pb.Type),
			strings.Compare(pa.Name, pb.Name), strings.Compare(pa.Version, pb.Version),
			strings.Compare(firstLocation(pa), firstLocation(pb)))
	})
	return order
}

func firstLocation(p *sdk.Package) string {
	if len(p.Locations) == 0 {
		return ""
	}
	return p.Locations[0].Path + ":" + strconv.Itoa(p.Locations[0].Line)
}

// packageIDs returns each package's SPDX identifier (without "SPDXRef-"): readable,
// Package-<type>-<name>-<version> sanitized, numbered in the written order when two
// packages sanitize alike.
func packageIDs(pkgs []sdk.Package) []string {
	ids := make([]string, len(pkgs))
	used := map[string]bool{artifactID: true, osID: true, "DOCUMENT": true}
	for _, i := range sortedPackages(pkgs) {
		p := &pkgs[i]
		base := "Package-" + license.Sanitize(strings.Trim(p.Type+"-"+p.Name+"-"+p.Version, "-"))
		id := base
		for n := 2; used[id]; n++ {
			id = base + "-" + strconv.Itoa(n)
		}
		used[id] = true
		ids[i] = id
	}
	return ids
}

// licenseRefs hands out the LicenseRef- identifiers of one document: one per distinct
// text, numbered when two texts sanitize alike ("GPL2+" and "GPL2-").
type licenseRefs struct {
	byText map[string]string
	used   map[string]bool
}

func newLicenseRefs() *licenseRefs {
	return &licenseRefs{byText: map[string]string{}, used: map[string]bool{}}
}

func (l *licenseRefs) ref(text string) string {
	if r, ok := l.byText[text]; ok {
		return r
	}
	base := "LicenseRef-" + license.Sanitize(text)
	r := base
	for n := 2; l.used[r]; n++ {
		r = base + "-" + strconv.Itoa(n)
	}
	l.byText[text], l.used[r] = r, true
	return r
}

// declare records a LicenseRef- the report already used, so that it is declared too.
func (l *licenseRefs) declare(ref string) {
	if _, ok := l.byText[ref]; !ok && !l.used[ref] {
		l.byText[ref], l.used[ref] = ref, true
	}
}

// declared is the licenseDeclared expression of a package's licenses.
func (l *licenseRefs) declared(ls []string) string {
	var terms []string
	for _, s := range ls {
		if strings.TrimSpace(s) == "" {
			continue
		}
		terms = append(terms, s)
	}
	if len(terms) == 0 {
		return noAssertion
	}
	for i, s := range terms {
		// Check first, then hand out references: a term that is not an expression after
		// all must not leave references to its words behind.
		_, _, ok := license.Parse(s, func(string) string { return "LicenseRef-x" })
		var e license.Expr
		if ok {
			e, _, _ = license.Parse(s, l.ref)
		}
		for _, r := range e.Refs() {
			// A reference to another document would need an external document
			// reference: keep the text whole instead.
			ok = ok && !strings.HasPrefix(r, "DocumentRef-")
		}
		if !ok {
			terms[i] = l.ref(s)
			continue
		}
		for _, r := range e.Refs() {
			l.declare(r)
		}
		terms[i] = e.String()
		if len(terms) > 1 && e.Compound() {
			terms[i] = "(" + terms[i] + ")"
		}
	}
	return strings.Join(terms, " AND ")
}

func (l *licenseRefs) list() []*v2_3.OtherLicense {
	var out []*v2_3.OtherLicense
	for text, ref := range l.byText {
		out = append(out, &v2_3.OtherLicense{LicenseIdentifier: ref, ExtractedText: text, LicenseName: text})
	}
	slices.SortFunc(out, func(a, b *v2_3.OtherLicense) int { return strings.Compare(a.LicenseIdentifier, b.LicenseIdentifier) })
	return out
}

// document is what Read decodes: the few fields it needs, decoded leniently. The SPDX
// library's own reader fails a whole document on one malformed supplier or creator string
// and pulls a reflection-based converter into the module; the fields here are the same in
// SPDX 2.2 and 2.3.
type document struct {
	SPDXVersion string `json:"spdxVersion"`
	Packages    []struct {
		SPDXID           string `json:"SPDXID"`
		Name             string `json:"name"`
		VersionInfo      string `json:"versionInfo"`
		LicenseDeclared  string `json:"licenseDeclared"`
		LicenseConcluded string `json:"licenseConcluded"`
		Supplier         string `json:"supplier"`
		ExternalRefs     []struct {
			Category string `json:"referenceCategory"`
			Type     string `json:"referenceType"`
			Locator  string `json:"referenceLocator"`
		} `json:"externalRefs"`
		Annotations []struct {
			Comment string `json:"comment"`
		} `json:"annotations"`
	} `json:"packages"`
	OtherLicenses []struct {
		ID   string `json:"licenseId"`
		Name string `json:"name"`
	} `json:"hasExtractedLicensingInfos"`
}

// Read returns the packages of an SPDX 2.2 or 2.3 JSON document.
//
// A package is returned when it has a purl (an external reference of type purl), with the
// name, version and type the purl gives (see bomkit.FromPURL), or, without one, when
// trawl's own annotations give its type (a package trawl wrote without a purl): the
// matcher needs a purl or type, name and version. Other packages (the described root of
// a directory, an OS, files) are skipped: nothing could be matched against them. An
// image's own purl (pkg:oci) is the artifact, not a package, and is skipped too.
//
// Licenses come from licenseDeclared, else licenseConcluded (NOASSERTION and NONE are no
// license), split at the top-level ANDs into a list, each LicenseRef- replaced by the
// name the document gives it (for trawl's own documents, the license as written).
// Locations, dev, indirect and the source package come from trawl's annotations.
func Read(r io.Reader) ([]sdk.Package, error) {
	var doc document
	if err := json.NewDecoder(r).Decode(&doc); err != nil {
		return nil, fmt.Errorf("spdx: not an SPDX JSON document: %w", err)
	}
	if doc.SPDXVersion != "SPDX-2.2" && doc.SPDXVersion != "SPDX-2.3" {
		if doc.SPDXVersion == "" {
			return nil, errors.New("spdx: not an SPDX JSON document: no spdxVersion")
		}
		return nil, fmt.Errorf("spdx: unsupported version %q (SPDX-2.2 and SPDX-2.3 are read)", doc.SPDXVersion)
	}
	refNames := make(map[string]string, len(doc.OtherLicenses))
	for _, l := range doc.OtherLicenses {
		if l.Name != "" && l.Name != noAssertion {
			refNames[l.ID] = l.Name
		}
	}
	var pkgs []sdk.Package
	for i := range doc.Packages {
		dp := &doc.Packages[i]
		purl := ""
		for _, ref := range dp.ExternalRefs {
			if ref.Type == "purl" && strings.ReplaceAll(ref.Category, "_", "-") == common.CategoryPackageManager {
				purl = ref.Locator
				break
			}
		}
		p, ok := bomkit.FromPURL(purl, dp.Name, dp.VersionInfo)
		if !ok && purl != "" && (strings.HasPrefix(purl, "pkg:oci/") || strings.HasPrefix(purl, "pkg:docker/")) {
			continue
		}
		if !ok {
			p = sdk.Package{Name: dp.Name, Version: dp.VersionInfo}
		}
		for _, a := range dp.Annotations {
			if n, v, found := strings.Cut(a.Comment, "="); found && strings.HasPrefix(n, "trawl:") {
				bomkit.Apply(&p, n, v)
			}
		}
		if !ok && (p.Type == "" || p.Name == "") {
			continue
		}
		if s, found := strings.CutPrefix(dp.Supplier, "Organization:"); found {
			p.Vendor = strings.TrimSpace(s)
		}
		p.Licenses = readLicenses(dp.LicenseDeclared, dp.LicenseConcluded, refNames)
		pkgs = append(pkgs, p)
	}
	return pkgs, nil
}

func readLicenses(declared, concluded string, refNames map[string]string) []string {
	s := declared
	if noLicense(s) {
		s = concluded
	}
	if noLicense(s) {
		return nil
	}
	e, _, ok := license.Parse(s, nil)
	if !ok {
		return []string{s} // not an expression after all: keep it as written
	}
	var out []string
	for _, t := range e.Terms() {
		out = append(out, t.MapRefs(func(ref string) string {
			if n, ok := refNames[ref]; ok {
				return n
			}
			return ref
		}))
	}
	return out
}

func noLicense(s string) bool {
	s = strings.TrimSpace(s)
	return s == "" || s == noAssertion || s == "NONE"
}

// detectRE matches the version, or the document's own SPDXID: a writer that sorts its
// keys (Trivy) puts spdxVersion last, beyond any head, and "SPDXID" first.
var detectRE = regexp.MustCompile(`"spdxVersion"\s*:\s*"SPDX-2\.[0-9]"|"SPDXID"\s*:\s*"SPDXRef-DOCUMENT"`)

// Detect reports whether head, the first bytes of a file (a few KiB), looks like an SPDX 2
// JSON document: a JSON object with "spdxVersion": "SPDX-2.x" or the document's
// "SPDXID": "SPDXRef-DOCUMENT". Read then tells the version.
func Detect(head []byte) bool { return bomkit.Detect(head, detectRE) }
