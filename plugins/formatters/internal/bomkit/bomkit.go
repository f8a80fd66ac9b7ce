// Package bomkit holds what the CycloneDX and SPDX formatters share: the trawl properties
// both formats carry (package type, locations, layers), the deterministic document
// identifiers, the image's package URL, and the reading of a package back from its purl.
//
// Both formats keep the same trawl facts under the same names ("trawl:location:path", ...):
// as component properties in CycloneDX, as package annotations in SPDX. One encoding, one
// decoder, so a package reads back the same from either.
package bomkit

import (
	"crypto/sha256"
	"encoding/hex"
	"regexp"
	"slices"
	"strconv"
	"strings"

	packageurl "github.com/package-url/packageurl-go"

	"github.com/trawlscan/trawl/sdk"
)

// Property names. A package's locations are written in order, each starting with its
// PropPath; a PropLine or PropLayer belongs to the PropPath before it. Repeating the names
// (allowed in both formats) keeps the pairing without numbering the properties.
const (
	PropType          = "trawl:package:type"
	PropPath          = "trawl:location:path"
	PropLine          = "trawl:location:line"
	PropLayer         = "trawl:layer:diff_id"
	PropDev           = "trawl:package:dev"
	PropIndirect      = "trawl:package:indirect"
	PropSourceName    = "trawl:source:name"
	PropSourceVersion = "trawl:source:version"
	PropImageID       = "trawl:image:id"
	PropPlatform      = "trawl:image:platform"
	PropVulnStatus    = "trawl:vulnerability:status"
)

// Property is one name/value pair.
type Property struct{ Name, Value string }

// Properties returns the trawl properties of p, in a fixed order.
func Properties(p *sdk.Package) []Property {
	var props []Property
	add := func(n, v string) {
		if v != "" {
			props = append(props, Property{n, v})
		}
	}
	add(PropType, p.Type)
	for _, l := range p.Locations {
		// A location without a path has nothing to hang its line or layer on.
		if l.Path == "" {
			continue
		}
		add(PropPath, l.Path)
		if l.Line != 0 {
			add(PropLine, strconv.Itoa(l.Line))
		}
		add(PropLayer, l.LayerDiffID)
	}
	if p.Dev {
		add(PropDev, "true")
	}
	if p.Indirect {
		add(PropIndirect, "true")
	}
	add(PropSourceName, p.SourceName)
	add(PropSourceVersion, p.SourceVersion)
	return props
}

// Apply sets on p what one trawl property says; other properties are ignored. Call it with
// a package's properties in document order.
func Apply(p *sdk.Package, name, value string) {
	switch name {
	case PropType:
		if p.Type == "" {
			p.Type = value
		}
	case PropPath:
		p.Locations = append(p.Locations, sdk.Location{Path: value})
	case PropLine:
		if n, err := strconv.Atoi(value); err == nil && len(p.Locations) > 0 {
			p.Locations[len(p.Locations)-1].Line = n
		}
	case PropLayer:
		if len(p.Locations) > 0 {
			p.Locations[len(p.Locations)-1].LayerDiffID = value
		}
	case PropDev:
		p.Dev = value == "true"
	case PropIndirect:
		p.Indirect = value == "true"
	case PropSourceName:
		p.SourceName = value
	case PropSourceVersion:
		p.SourceVersion = value
	}
}

// UUID returns a UUID derived from parts: the first 16 bytes of their SHA-256 with the
// version set to 8 (RFC 9562's custom layout) and the RFC 4122 variant. The same report
// gives the same UUID, so that the same scan gives the same bytes (golden files, caching,
// diffing two runs), while different scans (another artifact, another time, other
// packages) give different ones.
func UUID(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(strconv.Itoa(len(p))))
		h.Write([]byte{':'})
		h.Write([]byte(p))
	}
	var b [16]byte
	copy(b[:], h.Sum(nil))
	b[6] = b[6]&0x0f | 0x80
	b[8] = b[8]&0x3f | 0x80
	s := hex.EncodeToString(b[:])
	return s[:8] + "-" + s[8:12] + "-" + s[12:16] + "-" + s[16:20] + "-" + s[20:]
}

// ReportUUID is the UUID of the document written for r: from the artifact, the time of
// the scan, the tool and the packages.
func ReportUUID(r *sdk.Report) string {
	// The packages are sorted first: the same packages in another order are the same BOM.
	pkgs := make([]string, len(r.Packages))
	for i := range r.Packages {
		p := &r.Packages[i]
		pkgs[i] = strings.Join([]string{p.PURL, p.Type, p.Name, p.Version}, "\x00")
	}
	slices.Sort(pkgs)
	parts := append([]string{r.Tool.Name, r.Tool.Version, r.CreatedAt.UTC().Format("2006-01-02T15:04:05.999999999Z"),
		r.Artifact.Name, r.Artifact.Type, r.Artifact.Digest, r.Artifact.ImageID}, pkgs...)
	return UUID(parts...)
}

// ImagePURL returns the pkg:oci purl of an image artifact, or "" when its manifest digest
// is not known (the purl's version is the digest: a tag alone does not name an image).
func ImagePURL(a *sdk.Artifact) string {
	if a.Type != sdk.ArtifactImage || !strings.HasPrefix(a.Digest, "sha256:") {
		return ""
	}
	ref := a.Name
	if i := strings.IndexByte(ref, '@'); i >= 0 {
		ref = ref[:i]
	}
	tag := ""
	if i := strings.LastIndexByte(ref, ':'); i > strings.LastIndexByte(ref, '/') {
		ref, tag = ref[:i], ref[i+1:]
	}
	name := ref[strings.LastIndexByte(ref, '/')+1:]
	if name == "" {
		return ""
	}
	var q packageurl.Qualifiers
	if _, arch, ok := strings.Cut(a.Platform, "/"); ok {
		arch, _, _ = strings.Cut(arch, "/")
		q = append(q, packageurl.Qualifier{Key: "arch", Value: arch})
	}
	if strings.Contains(ref, "/") {
		q = append(q, packageurl.Qualifier{Key: "repository_url", Value: ref})
	}
	if tag != "" {
		q = append(q, packageurl.Qualifier{Key: "tag", Value: tag})
	}
	return packageurl.NewPackageURL("oci", "", strings.ToLower(name), a.Digest, q, "").ToString()
}

// FromPURL returns the package a purl names, with the name and version as the ecosystem
// spells them, preferring the document's own (docName, docVersion) when they agree with
// the purl: a PyPI name keeps its case ("PyYAML" for pkg:pypi/pyyaml), an rpm version its
// epoch. ok is false for a purl that does not parse or names an image (oci, docker): that
// is the scanned artifact, not a package the matcher could look up.
func FromPURL(purl, docName, docVersion string) (p sdk.Package, ok bool) {
	u, err := packageurl.FromString(purl)
	if err != nil || u.Type == "" || u.Name == "" {
		return p, false
	}
	if u.Type == "oci" || u.Type == "docker" {
		return p, false
	}
	name := u.Name
	switch u.Type {
	case "maven":
		if u.Namespace != "" {
			name = u.Namespace + ":" + u.Name
		}
	case "apk", "deb", "rpm", "alpm", "qpkg", "ebuild", "pypi", "cargo", "gem", "nuget", "hex", "pub", "conan", "cran", "hackage":
		// The namespace is a distribution or an organisation, not part of the name.
	default:
		// npm scopes, Go module paths, composer vendors, github owners.
		if u.Namespace != "" {
			name = u.Namespace + "/" + u.Name
		}
	}
	if docName != "" && foldName(u.Type, docName) == foldName(u.Type, name) {
		name = docName
	}
	version := u.Version
	q := u.Qualifiers.Map()
	if e := q["epoch"]; e != "" && version != "" {
		version = e + ":" + version
	}
	switch {
	case version == "":
		version = docVersion
	case docVersion != "" && strings.HasSuffix(docVersion, ":"+version):
		version = docVersion // the epoch the purl leaves out ("0:")
	}
	return sdk.Package{Name: name, Version: version, Type: u.Type, PURL: purl, Arch: q["arch"]}, true
}

// foldName is a name as the ecosystem compares it.
func foldName(typ, s string) string {
	s = strings.ToLower(s)
	if typ == "pypi" {
		s = strings.NewReplacer("_", "-", ".", "-").Replace(s)
	}
	return s
}

// Detect reports whether head, the first bytes of a file, is a JSON object whose key has a
// string value starting with prefix. It tolerates a byte-order mark and any key order, as
// long as the key is within head.
func Detect(head []byte, re *regexp.Regexp) bool {
	s := strings.TrimLeft(strings.TrimPrefix(string(head), "\ufeff"), " \t\r\n")
	return strings.HasPrefix(s, "{") && re.MatchString(s)
}
