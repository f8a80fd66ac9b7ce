package ecosystem

import (
	"testing"

	"github.com/trawlscan/trawl/sdk"
)

func TestOSVAndPURL(t *testing.T) {
	alpine := &sdk.OS{Family: "alpine", Version: "3.20.3"}
	debian := &sdk.OS{Family: "debian", Version: "12"}
	ubuntu := &sdk.OS{Family: "ubuntu", Version: "22.04"}
	for _, tc := range []struct {
		pkg       sdk.Package
		os        *sdk.OS
		ecosystem string
		purl      string
	}{
		{sdk.Package{Name: "musl", Version: "1.2.5-r0", Type: "apk", Arch: "x86_64", SourceName: "musl"}, alpine,
			"Alpine:v3.20", "pkg:apk/alpine/musl@1.2.5-r0?arch=x86_64&distro=alpine-3.20.3"},
		{sdk.Package{Name: "libssl3", Version: "3.3.2-r0", Type: "apk", SourceName: "openssl"}, &sdk.OS{Family: "alpine", Version: "3.21_alpha20240807"},
			"Alpine:v3.21", "pkg:apk/alpine/libssl3@3.3.2-r0?distro=alpine-3.21_alpha20240807"},
		{sdk.Package{Name: "libc6", Version: "2.36-9+deb12u7", Type: "deb", Arch: "amd64", SourceName: "glibc"}, debian,
			"Debian:12", "pkg:deb/debian/libc6@2.36-9%2Bdeb12u7?arch=amd64&distro=debian-12&upstream=glibc"},
		{sdk.Package{Name: "bash", Version: "5.1-6ubuntu1", Type: "deb"}, ubuntu, "Ubuntu:22.04:LTS", "pkg:deb/ubuntu/bash@5.1-6ubuntu1?distro=ubuntu-22.04"},
		// As the dpkg analyzer reports it: a package without Source is its own source.
		{sdk.Package{Name: "bash", Version: "5.2.15-2+b7", Type: "deb", Arch: "amd64", SourceName: "bash", SourceVersion: "5.2.15-2"},
			&sdk.OS{Family: "debian", Name: "Debian GNU/Linux (distroless)", Version: "12"},
			"Debian:12", "pkg:deb/debian/bash@5.2.15-2%2Bb7?arch=amd64&distro=debian-12"},
		{sdk.Package{Name: "openssl-libs", Version: "1:3.0.7-27.el9", Type: "rpm", Arch: "x86_64", SourceName: "openssl"}, &sdk.OS{Family: "rocky", Version: "9.3"},
			"Rocky Linux:9", "pkg:rpm/rocky/openssl-libs@3.0.7-27.el9?arch=x86_64&distro=rocky-9.3&epoch=1&upstream=openssl"},
		{sdk.Package{Name: "bash", Version: "5.1.8-9.el9", Type: "rpm", Arch: "x86_64", SourceName: "bash"}, &sdk.OS{Family: "rhel", Version: "9.4"},
			"Red Hat:enterprise_linux:9", "pkg:rpm/redhat/bash@5.1.8-9.el9?arch=x86_64&distro=rhel-9.4"},
		{sdk.Package{Name: "glibc", Version: "0:2.31-150300.63.1", Type: "rpm", Arch: "x86_64"}, &sdk.OS{Family: "sles", Version: "15.5"},
			"SUSE:Linux Enterprise Server 15 SP5", "pkg:rpm/suse/glibc@2.31-150300.63.1?arch=x86_64&distro=sles-15.5"},
		{sdk.Package{Name: "glibc", Version: "2.34-2.cm2", Type: "rpm", Arch: "x86_64", SourceName: "glibc"}, &sdk.OS{Family: "mariner", Version: "2.0"},
			"Azure Linux:2", "pkg:rpm/mariner/glibc@2.34-2.cm2?arch=x86_64&distro=mariner-2.0"},
		{sdk.Package{Name: "bash", Version: "5.2", Type: "deb"}, &sdk.OS{Family: "ubuntu", Version: "25.10"}, "Ubuntu:25.10", "pkg:deb/ubuntu/bash@5.2?distro=ubuntu-25.10"},
		{sdk.Package{Name: "bash", Version: "5.2", Type: "deb"}, &sdk.OS{Family: "ubuntu", Version: "23.04"}, "Ubuntu:23.04", "pkg:deb/ubuntu/bash@5.2?distro=ubuntu-23.04"},
		{sdk.Package{Name: "musl", Version: "1.2.5-r0", Type: "apk"}, nil, "", "pkg:apk/musl@1.2.5-r0"},
		{sdk.Package{Name: "@babel/core", Version: "7.0.0", Type: "npm"}, nil, "npm", "pkg:npm/%40babel/core@7.0.0"},
		{sdk.Package{Name: "Django_Rest.framework", Version: "3.0", Type: "pypi"}, nil, "PyPI", "pkg:pypi/django-rest-framework@3.0"},
		{sdk.Package{Name: "org.apache.logging.log4j:log4j-core", Version: "2.14.1", Type: "maven"}, nil, "Maven", "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1"},
		{sdk.Package{Name: "github.com/gin-gonic/gin", Version: "v1.9.0", Type: "golang"}, nil, "Go", "pkg:golang/github.com/gin-gonic/gin@v1.9.0"},
		{sdk.Package{Name: "serde", Version: "1.0.0", Type: "cargo"}, nil, "crates.io", "pkg:cargo/serde@1.0.0"},
	} {
		if got := OSV(tc.pkg.Type, tc.os); got != tc.ecosystem {
			t.Errorf("OSV(%s, %+v) = %q, want %q", tc.pkg.Type, tc.os, got, tc.ecosystem)
		}
		if got := PURL(tc.pkg, tc.os); got != tc.purl {
			t.Errorf("PURL(%s) = %q, want %q", tc.pkg.Name, got, tc.purl)
		}
	}
}

// TestOSVDistributions covers the OS package ecosystems, by purl type and os-release ID and
// VERSION_ID (or the version a release file gave), as OSV names them.
func TestOSVDistributions(t *testing.T) {
	for _, tc := range []struct {
		pkgType, family, version, want string
	}{
		// Debian, from os-release or etc/debian_version (a point release); distroless
		// images say ID=debian.
		{"deb", "debian", "12", "Debian:12"},
		{"deb", "debian", "12.7", "Debian:12"},
		{"deb", "debian", "11", "Debian:11"},
		{"deb", "debian", "6.0.10", "Debian:6"},
		{"deb", "debian", "", "Debian"},
		{"deb", "ubuntu", "18.04", "Ubuntu:18.04:LTS"},
		{"deb", "ubuntu", "24.04", "Ubuntu:24.04:LTS"},
		{"deb", "ubuntu", "24.10", "Ubuntu:24.10"},
		// Red Hat and its rebuilds.
		{"rpm", "rhel", "9.4", "Red Hat:enterprise_linux:9"},
		{"rpm", "rhel", "7.9", "Red Hat:enterprise_linux:7"},
		{"rpm", "rhel", "", "Red Hat"},
		{"rpm", "rocky", "9.3", "Rocky Linux:9"},
		{"rpm", "rocky", "8.10", "Rocky Linux:8"},
		{"rpm", "rocky", "", "Rocky Linux"},
		{"rpm", "almalinux", "9.4", "AlmaLinux:9"},
		{"rpm", "almalinux", "8.10", "AlmaLinux:8"},
		// CBL-Mariner, renamed Azure Linux.
		{"rpm", "mariner", "2.0", "Azure Linux:2"},
		{"rpm", "azurelinux", "3.0", "Azure Linux:3"},
		// No OSV ecosystem.
		{"rpm", "centos", "7", ""},
		{"rpm", "ol", "9.3", ""},
		{"rpm", "amzn", "2023", ""},
		{"rpm", "fedora", "40", ""},
		// SUSE.
		{"rpm", "opensuse-leap", "15.5", "openSUSE:Leap 15.5"},
		{"rpm", "opensuse-leap", "15.6", "openSUSE:Leap 15.6"},
		{"rpm", "opensuse", "42.3", "openSUSE:Leap 42.3"},
		{"rpm", "opensuse-leap", "", "openSUSE"},
		{"rpm", "opensuse-leap-micro", "5.5", "openSUSE:Leap Micro 5.5"},
		{"rpm", "opensuse-tumbleweed", "20240607", "openSUSE:Tumbleweed"},
		{"rpm", "sles", "15.5", "SUSE:Linux Enterprise Server 15 SP5"},
		{"rpm", "sles", "12.5", "SUSE:Linux Enterprise Server 12 SP5"},
		{"rpm", "sles", "15", "SUSE:Linux Enterprise Server 15"},
		{"rpm", "sles", "15.0", "SUSE:Linux Enterprise Server 15"},
		{"rpm", "sles", "15.x", "SUSE"},
		{"rpm", "sles_sap", "15.4", "SUSE:Linux Enterprise Server for SAP Applications 15 SP4"},
		{"rpm", "sled", "15.5", "SUSE:Linux Enterprise Desktop 15 SP5"},
		{"rpm", "sle-micro", "5.5", "SUSE:Linux Enterprise Micro 5.5"},
		// apk distributions.
		{"apk", "wolfi", "20230201", "Wolfi"},
		{"apk", "chainguard", "20230214", "Chainguard"},
		// A package type the OS does not use has no ecosystem there.
		{"rpm", "debian", "12", ""},
		{"deb", "rhel", "9.4", ""},
		{"apk", "debian", "12", ""},
		{"deb", "linux", "1", ""},
	} {
		if got := OSV(tc.pkgType, &sdk.OS{Family: tc.family, Version: tc.version}); got != tc.want {
			t.Errorf("OSV(%s, %s %s) = %q, want %q", tc.pkgType, tc.family, tc.version, got, tc.want)
		}
	}
}

func TestMatchKey(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"Red Hat:enterprise_linux:9::appstream", "Red Hat:enterprise_linux:9"},
		{"Red Hat:enterprise_linux:8::baseos", "Red Hat:enterprise_linux:8"},
		{"Red Hat:rhel_eus:8.6::baseos", "Red Hat:rhel_eus:8.6"},
		{"Red Hat:enterprise_linux:9", "Red Hat:enterprise_linux:9"},
		{"Red Hat", "Red Hat"},
		{"Ubuntu:Pro:18.04:LTS", "Ubuntu:18.04:LTS"},
		{"Ubuntu:Pro:14.04:LTS", "Ubuntu:14.04:LTS"},
		{"Ubuntu:Pro:FIPS:18.04:LTS", "Ubuntu:Pro:FIPS:18.04:LTS"},
		{"Ubuntu:Pro:FIPS-updates:20.04:LTS", "Ubuntu:Pro:FIPS-updates:20.04:LTS"},
		{"Ubuntu:Pro:", "Ubuntu:Pro:"},
		// Others keep their ecosystem.
		{"Debian:12", "Debian:12"},
		{"Ubuntu:22.04:LTS", "Ubuntu:22.04:LTS"},
		{"SUSE:Linux Enterprise Server 15 SP5", "SUSE:Linux Enterprise Server 15 SP5"},
		{"PyPI", "PyPI"},
	} {
		if got := MatchKey(tc.in); got != tc.want {
			t.Errorf("MatchKey(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	// A RHEL 9 image's packages meet the advisories of both its repositories.
	o := &sdk.OS{Family: "rhel", Version: "9.4"}
	for _, eco := range []string{"Red Hat:enterprise_linux:9::appstream", "Red Hat:enterprise_linux:9::baseos"} {
		if MatchKey(eco) != OSV("rpm", o) {
			t.Errorf("RHEL 9.4 packages (%s) do not meet %s", OSV("rpm", o), eco)
		}
	}
}

func TestNormalizeName(t *testing.T) {
	for _, tc := range []struct{ eco, in, want string }{
		{"PyPI", "Django_Rest.framework", "django-rest-framework"},
		{"PyPI", "zope..interface", "zope-interface"},
		{"PyPI", "requests", "requests"},
		{"npm", "@Babel/Core", "@Babel/Core"},
		{"Alpine:v3.20", "py3-Foo_bar", "py3-Foo_bar"},
	} {
		if got := NormalizeName(tc.eco, tc.in); got != tc.want {
			t.Errorf("NormalizeName(%s, %s) = %s, want %s", tc.eco, tc.in, got, tc.want)
		}
	}
}

func TestOSFromPURL(t *testing.T) {
	for purl, want := range map[string]string{
		"pkg:apk/alpine/musl@1.2.5-r0?arch=x86_64&distro=alpine-3.20.3": "alpine 3.20.3",
		"pkg:deb/debian/libc6@2.36-9?arch=amd64&distro=debian-12":       "debian 12",
		"pkg:deb/ubuntu/libc6@2.35-0ubuntu3?distro=ubuntu-22.04":        "ubuntu 22.04",
		"pkg:rpm/redhat/bash@5.1.8-6.el9?arch=x86_64&distro=rhel-9.2":   "rhel 9.2",
		"pkg:rpm/redhat/bash@5.1.8?distro=9.2":                          "rhel 9.2",
		"pkg:deb/debian/libc6@2.36-9":                                   "",
		"pkg:npm/left-pad@1.3.0?distro=alpine-3.20":                     "",
		"not a purl": "",
	} {
		got := ""
		if os := OSFromPURL(purl); os != nil {
			got = os.Family + " " + os.Version
		}
		if got != want {
			t.Errorf("%s: %q, want %q", purl, got, want)
		}
	}
}
