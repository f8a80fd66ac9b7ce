package main

import (
	"bytes"
	"encoding/json"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/trawlscan/trawl/sdk"
)

func TestManifest(t *testing.T) {
	raw, err := os.ReadFile("manifest.json")
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	var m sdk.Manifest
	if err := dec.Decode(&m); err != nil {
		t.Fatal(err)
	}
	if err := m.Validate(); err != nil {
		t.Fatal(err)
	}
	if m.Name != "os" || m.Kind != sdk.KindAnalyzer {
		t.Errorf("manifest %s/%s", m.Name, m.Kind)
	}
	want := map[string][]sdk.Selector{
		analyzerOSRelease: {
			{Path: "etc/os-release", MaxSize: 64 << 10},
			{Path: "usr/lib/os-release", MaxSize: 64 << 10},
			{Path: "etc/alpine-release", MaxSize: 4 << 10},
		},
		analyzerDebianVersion: {{Path: "etc/debian_version", MaxSize: 4 << 10}},
		analyzerRedHatRelease: {
			{Path: "etc/redhat-release", MaxSize: 4 << 10},
			{Path: "etc/centos-release", MaxSize: 4 << 10},
			{Path: "etc/system-release", MaxSize: 4 << 10},
			{Path: "etc/rocky-release", MaxSize: 4 << 10},
			{Path: "etc/almalinux-release", MaxSize: 4 << 10},
			{Path: "etc/oracle-release", MaxSize: 4 << 10},
			{Path: "etc/fedora-release", MaxSize: 4 << 10},
		},
		analyzerApk: {{Path: "lib/apk/db/installed", MaxSize: 64 << 20}},
		analyzerDpkg: {
			{Path: "var/lib/dpkg/status", MaxSize: 64 << 20},
			{Glob: "var/lib/dpkg/status.d/*", MaxSize: 1 << 20},
		},
		analyzerRPM: {
			{Path: "var/lib/rpm/rpmdb.sqlite", MaxSize: 256 << 20},
			{Path: "var/lib/rpm/Packages", MaxSize: 256 << 20},
			{Path: "var/lib/rpm/Packages.db", MaxSize: 256 << 20},
			{Path: "usr/lib/sysimage/rpm/rpmdb.sqlite", MaxSize: 256 << 20},
			{Path: "usr/lib/sysimage/rpm/Packages", MaxSize: 256 << 20},
			{Path: "usr/lib/sysimage/rpm/Packages.db", MaxSize: 256 << 20},
		},
	}
	got := map[string][]sdk.Selector{}
	for _, a := range m.Analyzers {
		got[a.Name] = a.Files
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("analyzers:\n got %+v\nwant %+v", got, want)
	}
}

func analyze(t *testing.T, path, name, content string) (*sdk.AnalysisResult, error) {
	t.Helper()
	res, err := (analyzer{}).Analyze(sdk.FileRequest{Path: path, Size: int64(len(content)), Analyzers: []string{name}}, strings.NewReader(content))
	if err == nil {
		if verr := res.Validate(); verr != nil {
			t.Errorf("result does not validate: %v", verr)
		}
	}
	return res, err
}

func TestAnalyze(t *testing.T) {
	res, err := analyze(t, "usr/lib/os-release", analyzerOSRelease, "ID=alpine\nVERSION_ID=3.20.3\n")
	if err != nil {
		t.Fatal(err)
	}
	if want := (&sdk.OS{Family: "alpine", Version: "3.20.3", Source: "usr/lib/os-release"}); !reflect.DeepEqual(res.OS, want) {
		t.Errorf("os-release: got %+v", res.OS)
	}

	res, err = analyze(t, "etc/alpine-release", analyzerOSRelease, "3.20.3\n")
	if err != nil {
		t.Fatal(err)
	}
	if want := (&sdk.OS{Family: "alpine", Name: "Alpine Linux", Version: "3.20.3", Source: "etc/alpine-release"}); !reflect.DeepEqual(res.OS, want) {
		t.Errorf("alpine-release: got %+v", res.OS)
	}

	res, err = analyze(t, "lib/apk/db/installed", analyzerApk, "P:musl\nV:1.2.5-r0\nA:x86_64\no:musl\nL:MIT\n\nP:broken\n")
	if err != nil {
		t.Fatal(err)
	}
	wantPkgs := []sdk.Package{{
		Name: "musl", Version: "1.2.5-r0", Type: "apk", Arch: "x86_64", SourceName: "musl", SourceVersion: "1.2.5-r0",
		Licenses: []string{"MIT"}, Locations: []sdk.Location{{Path: "lib/apk/db/installed"}},
	}}
	wantErrs := []sdk.FileError{{Analyzer: "apk", Path: "lib/apk/db/installed",
		Message: `lib/apk/db/installed:7: package "broken" has no version (V:), skipped`}}
	if !reflect.DeepEqual(res.Packages, wantPkgs) || !reflect.DeepEqual(res.Errors, wantErrs) {
		t.Errorf("apk: got %+v", res)
	}

	res, err = analyze(t, "etc/debian_version", analyzerDebianVersion, "12.7\n")
	if err != nil {
		t.Fatal(err)
	}
	if want := (&sdk.OS{Family: "debian", Name: "Debian GNU/Linux", Version: "12.7", Source: "etc/debian_version"}); !reflect.DeepEqual(res.OS, want) {
		t.Errorf("debian_version: got %+v", res.OS)
	}
	// A debian_version that names no Debian release: nothing, and no error.
	res, err = analyze(t, "etc/debian_version", analyzerDebianVersion, "kali-rolling\n")
	if err != nil || res.OS != nil {
		t.Errorf("debian_version of Kali: got %+v, %v", res, err)
	}

	res, err = analyze(t, "etc/centos-release", analyzerRedHatRelease, "CentOS Linux release 7.9.2009 (Core)\n")
	if err != nil {
		t.Fatal(err)
	}
	if want := (&sdk.OS{Family: "centos", Name: "CentOS Linux", Version: "7.9.2009", PrettyName: "CentOS Linux release 7.9.2009 (Core)", Source: "etc/centos-release"}); !reflect.DeepEqual(res.OS, want) {
		t.Errorf("centos-release: got %+v", res.OS)
	}

	for _, p := range []string{"var/lib/dpkg/status", "var/lib/dpkg/status.d/libc6"} {
		res, err = analyze(t, p, analyzerDpkg, "Package: libc6\nStatus: install ok installed\nArchitecture: amd64\nSource: glibc\nVersion: 2.36-9+deb12u7\n\nPackage: broken\n")
		if err != nil {
			t.Fatal(err)
		}
		wantPkgs = []sdk.Package{{
			Name: "libc6", Version: "2.36-9+deb12u7", Type: "deb", Arch: "amd64", SourceName: "glibc", SourceVersion: "2.36-9+deb12u7",
			Locations: []sdk.Location{{Path: p}},
		}}
		wantErrs = []sdk.FileError{{Analyzer: "dpkg", Path: p,
			Message: p + `:7: package "broken" has no version (Version), skipped`}}
		if !reflect.DeepEqual(res.Packages, wantPkgs) || !reflect.DeepEqual(res.Errors, wantErrs) {
			t.Errorf("dpkg %s: got %+v", p, res)
		}
	}

	// Distroless keeps each package's md5sums next to its stanza file: not a database.
	res, err = analyze(t, "var/lib/dpkg/status.d/libc6.md5sums", analyzerDpkg, "07d31e7e63800ab1b7966980709c51eb  usr/lib/os-release\n")
	if err != nil || res.OS != nil || len(res.Packages) > 0 || len(res.Errors) > 0 {
		t.Errorf("md5sums: got %+v, %v", res, err)
	}
}

func TestAnalyzeErrors(t *testing.T) {
	for _, tt := range []struct {
		path, name, content, err string
	}{
		{"lib/apk/db/installed", analyzerApk, "\x00\x01garbage", `lib/apk/db/installed: not an apk installed database: no package (P:) line; line 1 is "\x00\x01garbage"`},
		{"etc/os-release", analyzerOSRelease, "", "etc/os-release: not an os-release file: no variable assignments"},
		{"etc/alpine-release", analyzerOSRelease, "ID=alpine\n", `etc/alpine-release:1: not an alpine-release file: "ID=alpine" is not a version`},
		{"var/lib/dpkg/status", analyzerDpkg, "Not a dpkg status file!\n", `var/lib/dpkg/status: not a dpkg status file: no Package field; line 1 is "Not a dpkg status file!"`},
		{"etc/debian_version", analyzerDebianVersion, "", "etc/debian_version: not a debian_version file: no release"},
		{"etc/redhat-release", analyzerRedHatRelease, "Scientific Linux release 7.9 (Nitrogen)\n", `etc/redhat-release:1: unknown distribution "Scientific Linux" in a redhat-release file`},
		{"var/lib/rpm/Packages", analyzerRPM, "<html>not found</html>", `var/lib/rpm/Packages: not an rpm database: starts with "<html>not found<", which is none of SQLite, Berkeley DB hash or NDB`},
		{"etc/os-release", "yum", "", `etc/os-release: unknown analyzer "yum"`},
	} {
		res, err := analyze(t, tt.path, tt.name, tt.content)
		if err == nil || err.Error() != tt.err {
			t.Errorf("%s/%s: got %+v, %v; want error %q", tt.name, tt.path, res, err, tt.err)
		}
	}
	_, err := (analyzer{}).Analyze(sdk.FileRequest{Path: "etc/os-release", Analyzers: []string{analyzerOSRelease, analyzerApk}}, strings.NewReader(""))
	if err == nil {
		t.Error("two analyzers for one file: no error")
	}
}
