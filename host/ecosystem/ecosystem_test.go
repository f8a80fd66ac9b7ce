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
