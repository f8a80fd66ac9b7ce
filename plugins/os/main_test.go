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
		analyzerApk: {{Path: "lib/apk/db/installed", MaxSize: 64 << 20}},
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
}

func TestAnalyzeErrors(t *testing.T) {
	for _, tt := range []struct {
		path, name, content, err string
	}{
		{"lib/apk/db/installed", analyzerApk, "\x00\x01garbage", `lib/apk/db/installed: not an apk installed database: no package (P:) line; line 1 is "\x00\x01garbage"`},
		{"etc/os-release", analyzerOSRelease, "", "etc/os-release: not an os-release file: no variable assignments"},
		{"etc/alpine-release", analyzerOSRelease, "ID=alpine\n", `etc/alpine-release:1: not an alpine-release file: "ID=alpine" is not a version`},
		{"etc/os-release", "dpkg", "", `etc/os-release: unknown analyzer "dpkg"`},
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
