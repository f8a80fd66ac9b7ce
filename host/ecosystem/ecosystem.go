// Package ecosystem is the one place where package types, OSV ecosystem names and package
// URLs are derived, so that analyzers, the matcher and every report agree on them.
package ecosystem

import (
	"strings"

	packageurl "github.com/package-url/packageurl-go"

	"github.com/trawlscan/trawl/sdk"
)

// languages maps purl types to OSV ecosystem names for ecosystems without releases.
var languages = map[string]string{
	"npm":      "npm",
	"pypi":     "PyPI",
	"golang":   "Go",
	"cargo":    "crates.io",
	"maven":    "Maven",
	"gem":      "RubyGems",
	"nuget":    "NuGet",
	"composer": "Packagist",
	"hex":      "Hex",
	"pub":      "Pub",
	"conan":    "ConanCenter",
	"hackage":  "Hackage",
	"swift":    "SwiftURL",
	"cran":     "CRAN",
}

// OSV returns the OSV ecosystem of a package of the given purl type on the given OS, or ""
// when there is none (an OS package on an unknown OS).
func OSV(pkgType string, os *sdk.OS) string {
	if e, ok := languages[pkgType]; ok {
		return e
	}
	if os == nil {
		return ""
	}
	switch pkgType {
	case "apk":
		switch os.Family {
		case "alpine":
			if v := majorMinor(os.Version); v != "" {
				return "Alpine:v" + v
			}
			return "Alpine"
		case "wolfi":
			return "Wolfi"
		case "chainguard":
			return "Chainguard"
		}
	case "deb":
		switch os.Family {
		case "debian":
			if v := major(os.Version); v != "" {
				return "Debian:" + v
			}
			return "Debian"
		case "ubuntu":
			if os.Version == "" {
				return "Ubuntu"
			}
			// OSV names long-term releases (April of even years) "Ubuntu:22.04:LTS".
			if lts(os.Version) {
				return "Ubuntu:" + os.Version + ":LTS"
			}
			return "Ubuntu:" + os.Version
		}
	case "rpm":
		return rpmEcosystem(os)
	}
	return ""
}

// rpmEcosystem names the OSV ecosystem of rpm packages by the os-release ID. OSV has none
// for CentOS, Oracle Linux, Amazon Linux or Fedora: their packages get "".
func rpmEcosystem(os *sdk.OS) string {
	// withRelease qualifies base with a release when the OS has a version, as Debian's does.
	withRelease := func(base, release string) string {
		if release == "" {
			return base
		}
		return base + ":" + release
	}
	switch os.Family {
	case "rhel":
		// OSV files Red Hat advisories per product stream and repository
		// ("Red Hat:enterprise_linux:9::appstream"). os-release cannot tell the
		// repository, and an image's packages come from BaseOS and AppStream alike, so a
		// package names the stream of its major release and MatchKey drops the
		// repository from the advisories' side. Extended-support streams (rhel_eus,
		// rhel_aus, ...) are left out: a container's os-release does not say it follows
		// one.
		if m := major(os.Version); m != "" {
			return "Red Hat:enterprise_linux:" + m
		}
		return "Red Hat"
	case "mariner", "azurelinux":
		// CBL-Mariner 2.0 was renamed Azure Linux from 3.0; OSV files both under
		// "Azure Linux" with the major release.
		return withRelease("Azure Linux", major(os.Version))
	case "rocky":
		return withRelease("Rocky Linux", major(os.Version))
	case "almalinux":
		return withRelease("AlmaLinux", major(os.Version))
	case "opensuse-leap", "opensuse":
		// "opensuse" is the ID of Leap 42.x.
		return withRelease("openSUSE", prefixed("Leap ", majorMinor(os.Version)))
	case "opensuse-leap-micro":
		return withRelease("openSUSE", prefixed("Leap Micro ", majorMinor(os.Version)))
	case "opensuse-tumbleweed":
		// A rolling release: OSV has one ecosystem for every snapshot.
		return "openSUSE:Tumbleweed"
	case "sles":
		return withRelease("SUSE", prefixed("Linux Enterprise Server ", servicePack(os.Version)))
	case "sles_sap":
		return withRelease("SUSE", prefixed("Linux Enterprise Server for SAP Applications ", servicePack(os.Version)))
	case "sled":
		return withRelease("SUSE", prefixed("Linux Enterprise Desktop ", servicePack(os.Version)))
	case "sle-micro":
		return withRelease("SUSE", prefixed("Linux Enterprise Micro ", majorMinor(os.Version)))
	}
	return ""
}

func prefixed(prefix, s string) string {
	if s == "" {
		return ""
	}
	return prefix + s
}

// servicePack turns a SUSE Linux Enterprise VERSION_ID into the product version OSV names:
// "15.5" is "15 SP5", "15" and "15.0" are "15".
func servicePack(v string) string {
	maj, sp, _ := strings.Cut(v, ".")
	if !digits(maj) || (sp != "" && !digits(sp)) {
		return ""
	}
	if sp == "" || strings.TrimLeft(sp, "0") == "" {
		return maj
	}
	return maj + " SP" + strings.TrimLeft(sp, "0")
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// purlNamespace is the purl namespace of an OS package: the distribution, by its
// os-release ID, except where the vendor's own SBOMs and advisories name it otherwise
// (Red Hat writes pkg:rpm/redhat/..., SUSE pkg:rpm/suse/... for every SLE product).
func purlNamespace(os *sdk.OS) string {
	if os == nil {
		return ""
	}
	switch f := os.Family; {
	case f == "rhel":
		return "redhat"
	case f == "sles" || strings.HasPrefix(f, "sle"):
		return "suse"
	case strings.HasPrefix(f, "opensuse"):
		return "opensuse"
	default:
		return f
	}
}

// PURL returns the package URL of a package found on os (nil for a source tree).
func PURL(p sdk.Package, os *sdk.OS) string {
	var q packageurl.Qualifiers
	namespace, name, version := "", p.Name, p.Version
	switch p.Type {
	case "apk", "deb", "rpm":
		namespace = purlNamespace(os)
		if e, v, ok := strings.Cut(version, ":"); ok && p.Type == "rpm" && digits(e) {
			// The rpm purl keeps the epoch out of the version, in a qualifier.
			version = v
			if e != "0" {
				q = append(q, packageurl.Qualifier{Key: "epoch", Value: e})
			}
		}
		if p.Arch != "" {
			q = append(q, packageurl.Qualifier{Key: "arch", Value: p.Arch})
		}
		if os != nil && os.Version != "" {
			q = append(q, packageurl.Qualifier{Key: "distro", Value: os.Family + "-" + os.Version})
		}
		if p.SourceName != "" && p.SourceName != p.Name && p.Type != "apk" {
			q = append(q, packageurl.Qualifier{Key: "upstream", Value: p.SourceName})
		}
	case "npm":
		if strings.HasPrefix(name, "@") {
			if i := strings.IndexByte(name, '/'); i > 0 {
				namespace, name = name[:i], name[i+1:]
			}
		}
	case "maven":
		if i := strings.IndexByte(name, ':'); i > 0 {
			namespace, name = name[:i], name[i+1:]
		}
	case "golang", "composer":
		if i := strings.LastIndexByte(name, '/'); i > 0 {
			namespace, name = name[:i], name[i+1:]
		}
	case "pypi":
		name = strings.ToLower(strings.NewReplacer("_", "-", ".", "-").Replace(name))
	}
	return packageurl.NewPackageURL(p.Type, namespace, name, version, q, "").ToString()
}

// Finalize fills the ecosystem and purl of packages whose analyzer left them empty.
func Finalize(pkgs []sdk.Package, os *sdk.OS) {
	for i := range pkgs {
		p := &pkgs[i]
		if p.Ecosystem == "" {
			p.Ecosystem = OSV(p.Type, os)
		}
		if p.PURL == "" {
			p.PURL = PURL(*p, os)
		}
	}
}

// lts reports whether an Ubuntu version (YY.MM) is a long-term support release.
func lts(v string) bool {
	year, month, ok := strings.Cut(v, ".")
	if !ok || month != "04" || len(year) != 2 {
		return false
	}
	return (year[1]-'0')%2 == 0 && year[0] >= '0' && year[0] <= '9'
}

func major(v string) string {
	if i := strings.IndexByte(v, '.'); i >= 0 {
		return v[:i]
	}
	return v
}

func majorMinor(v string) string {
	parts := strings.SplitN(v, ".", 3)
	if len(parts) < 2 {
		return ""
	}
	minor := parts[1]
	if i := strings.IndexFunc(minor, func(r rune) bool { return r < '0' || r > '9' }); i >= 0 {
		minor = minor[:i]
	}
	if parts[0] == "" || minor == "" {
		return ""
	}
	return parts[0] + "." + minor
}

// MatchKey returns the ecosystem under which an advisory's affected package is indexed
// and compared with packages' ecosystems (as OSV returns them). It is the advisory's
// ecosystem, except where OSV qualifies it more finely than a scanned system can say:
//
//   - Red Hat's "Red Hat:enterprise_linux:9::appstream" names a repository, which
//     os-release does not, so its key is the stream "Red Hat:enterprise_linux:9".
//   - Ubuntu's "Ubuntu:Pro:18.04:LTS" holds the advisories whose fixes ship only through
//     Ubuntu Pro (ESM): every advisory of a release past its standard support, and those of
//     universe packages. The packages are the release's own, vulnerable with or without a
//     Pro subscription, so the key is the release, "Ubuntu:18.04:LTS"; the fixed versions
//     ("2.27-3ubuntu1.6+esm6") say where the fix is. The FIPS streams are other builds of
//     the packages and keep their own keys.
func MatchKey(ecosystem string) string {
	switch Base(ecosystem) {
	case "Red Hat":
		if i := strings.Index(ecosystem, "::"); i >= 0 {
			return ecosystem[:i]
		}
	case "Ubuntu":
		if release, ok := strings.CutPrefix(ecosystem, "Ubuntu:Pro:"); ok && release != "" && release[0] >= '0' && release[0] <= '9' {
			return "Ubuntu:" + release
		}
	}
	return ecosystem
}

// Base returns the ecosystem without its release suffix: "Alpine" for "Alpine:v3.20".
func Base(ecosystem string) string {
	if i := strings.IndexByte(ecosystem, ':'); i >= 0 {
		return ecosystem[:i]
	}
	return ecosystem
}

// NormalizeName returns the form of a package name under which advisories are indexed and
// looked up, so that spellings the ecosystem treats as one name meet: PyPI names are
// case-insensitive and treat runs of '-', '_' and '.' alike (PEP 503).
func NormalizeName(ecosystem, name string) string {
	switch Base(ecosystem) {
	case "PyPI":
		var b strings.Builder
		sep := false
		for _, r := range strings.ToLower(name) {
			if r == '-' || r == '_' || r == '.' {
				sep = true
				continue
			}
			if sep && b.Len() > 0 {
				b.WriteByte('-')
			}
			sep = false
			b.WriteRune(r)
		}
		return b.String()
	}
	return name
}

// OSFromPURL reads the distribution an OS package's purl names in its distro qualifier
// ("distro=alpine-3.20.3", "distro=debian-12", "distro=rhel-8.6"), as trawl, Syft and Trivy
// write it, so that the packages of an SBOM meet their distribution's advisories. The
// family is the purl's namespace when the qualifier lacks one ("distro=12"). nil when the
// purl says nothing of it.
func OSFromPURL(purl string) *sdk.OS {
	p, err := packageurl.FromString(purl)
	if err != nil || (p.Type != "apk" && p.Type != "deb" && p.Type != "rpm") {
		return nil
	}
	distro := p.Qualifiers.Map()["distro"]
	if distro == "" {
		return nil
	}
	family, version := p.Namespace, distro
	if i := strings.LastIndexByte(distro, '-'); i > 0 && !digits(distro[:1]) {
		family, version = distro[:i], distro[i+1:]
	}
	switch family {
	case "redhat":
		family = "rhel"
	case "suse":
		family = "sles"
	}
	if family == "" || version == "" {
		return nil
	}
	return &sdk.OS{Family: family, Version: version}
}
