package cyclonedx

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/trawlscan/trawl/internal/schematest"
	"github.com/trawlscan/trawl/plugins/formatters/internal/sbomtest"
	"github.com/trawlscan/trawl/sdk"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

// inputs are the formatters' shared fixtures (../testdata, described in
// ../formatters_test.go) and edge, this package's: an RHEL image with an rpm epoch, vendors,
// licenses of every kind, a purl shared by two packages, a package without a purl, and
// findings with CVSS, GHSA and OSV IDs and every status.
var inputs = []string{"report", "empty", "filesystem", "vulns", "gate", "edge"}

func inputPath(name string) string {
	if name == "edge" {
		return filepath.Join("testdata", "edge.json")
	}
	return filepath.Join("..", "testdata", name+".json")
}

// readReport decodes a test report, refusing fields sdk.Report does not have.
func readReport(t testing.TB, name string) *sdk.Report {
	t.Helper()
	raw, err := os.ReadFile(inputPath(name))
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	var r sdk.Report
	if err := dec.Decode(&r); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return &r
}

func write(t testing.TB, r *sdk.Report) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := Write(&b, r); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestSchema(t *testing.T) {

	for _, in := range inputs {
		t.Run(in, func(t *testing.T) {
			out := write(t, readReport(t, in))
			if err := schematest.Check(t, "cyclonedx", out); err != nil {
				t.Errorf("not a valid CycloneDX 1.6 BOM: %v", err)
			}
		})
	}
}

func TestGolden(t *testing.T) {
	for _, in := range inputs {
		t.Run(in, func(t *testing.T) {
			got := write(t, readReport(t, in))
			path := filepath.Join("testdata", "golden", in+".cdx.json")
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("output differs from %s (go test -update rewrites it):\n%s", path, got)
			}
		})
	}
}

// TestDeterministic checks that the output depends on the report's content, not its order,
// and that the serial number changes with the content.
func TestDeterministic(t *testing.T) {
	r := readReport(t, "edge")
	a := write(t, r)
	slices.Reverse(r.Packages)
	slices.Reverse(r.Vulnerabilities)
	if b := write(t, r); !bytes.Equal(a, b) {
		t.Error("reversing the packages and findings changed the output")
	}
	r.CreatedAt = r.CreatedAt.Add(1)
	var x, y struct {
		SerialNumber string `json:"serialNumber"`
	}
	json.Unmarshal(a, &x)
	json.Unmarshal(write(t, r), &y)
	if x.SerialNumber == y.SerialNumber {
		t.Errorf("serial number %s unchanged by another scan time", x.SerialNumber)
	}
}

// pkgKey is what a round trip keeps of a package.
type pkgKey struct {
	Name, Version, Type, PURL string
	Licenses                  []string
	Locations                 []sdk.Location
	Dev, Indirect             bool
	SourceName, SourceVersion string
	Vendor                    string
}

func keys(pkgs []sdk.Package) []string {
	var out []string
	for _, p := range pkgs {
		b, _ := json.Marshal(pkgKey{p.Name, p.Version, p.Type, p.PURL, p.Licenses, p.Locations,
			p.Dev, p.Indirect, p.SourceName, p.SourceVersion, p.Vendor})
		out = append(out, string(b))
	}
	slices.Sort(out)
	return out
}

// TestRoundTrip checks that Read gives back the packages Write wrote, for every fixture.
func TestRoundTrip(t *testing.T) {
	for _, in := range inputs {
		t.Run(in, func(t *testing.T) {
			r := readReport(t, in)
			got, err := Read(bytes.NewReader(write(t, r)))
			if err != nil {
				t.Fatal(err)
			}
			want, have := keys(r.Packages), keys(got)
			if !reflect.DeepEqual(have, want) {
				t.Errorf("packages read back differ:\n got %s\nwant %s", strings.Join(have, "\n     "), strings.Join(want, "\n     "))
			}
		})
	}
}

// TestContent checks the mapping decisions on the edge report, beyond what the golden
// file shows at a glance.
func TestContent(t *testing.T) {
	var bom struct {
		Metadata struct {
			Component struct {
				Type, Name, Version, Purl string
				BOMRef                    string `json:"bom-ref"`
			}
		}
		Components []struct {
			BOMRef   string `json:"bom-ref"`
			Type     string
			Licenses []map[string]any
		}
		Dependencies []struct {
			Ref       string
			DependsOn []string
		}
		Vulnerabilities []struct {
			ID      string
			Source  struct{ Name string }
			Ratings []struct {
				Score    float64
				Severity string
				Method   string
			}
			Analysis *struct{ Response []string }
			Affects  []struct{ Ref string }
		}
	}
	if err := json.Unmarshal(write(t, readReport(t, "edge")), &bom); err != nil {
		t.Fatal(err)
	}
	m := bom.Metadata.Component
	if m.Type != "container" || !strings.HasPrefix(m.Purl, "pkg:oci/app@sha256:9f86") ||
		!strings.Contains(m.Purl, "?arch=arm64&repository_url=localhost:5000%2Fteam%2Fapp") || m.BOMRef != m.Purl {
		t.Errorf("artifact component: %+v", m)
	}
	var refs []string
	licenses := map[string][]map[string]any{}
	for _, c := range bom.Components {
		refs = append(refs, c.BOMRef)
		licenses[c.BOMRef] = c.Licenses
	}
	for _, want := range []string{
		"pkg:pypi/pyyaml@6.0.1|srv/a/requirements.txt:3", "pkg:pypi/pyyaml@6.0.1|srv/c/poetry.lock",
		"trawl:package:generic/no-purl-thing@0.1", "os:rhel@9.4",
	} {
		if !slices.Contains(refs, want) {
			t.Errorf("no component %q in %q", want, refs)
		}
	}
	if l := licenses["pkg:pypi/pyyaml@6.0.1|srv/c/poetry.lock"]; len(l) != 1 || l[0]["expression"] != "(MIT AND BSD-3-Clause) OR Apache-2.0 WITH LLVM-exception" {
		t.Errorf("single expression: %v", l)
	}
	if l := licenses["pkg:pypi/pyyaml@6.0.1|srv/a/requirements.txt:3"]; len(l) != 6 || l[2]["license"].(map[string]any)["name"] != "Public Domain" {
		t.Errorf("license list: %v", l)
	}
	for _, d := range bom.Dependencies {
		if d.Ref == "os:rhel@9.4" && len(d.DependsOn) != 2 {
			t.Errorf("the OS depends on %v, want its two rpm packages", d.DependsOn)
		}
		if d.Ref == m.BOMRef && len(d.DependsOn) != 5 { // the OS, PyYAML twice, toml, no-purl-thing
			t.Errorf("the artifact depends on %v", d.DependsOn)
		}
	}
	if len(bom.Vulnerabilities) != 3 {
		t.Fatalf("%d vulnerabilities, want 3", len(bom.Vulnerabilities))
	}
	v := bom.Vulnerabilities[0]
	if v.ID != "CVE-2024-5535" || v.Source.Name != "NVD" || len(v.Ratings) != 1 || v.Ratings[0].Method != "CVSSv31" ||
		v.Ratings[0].Score != 5.9 || v.Analysis == nil || v.Analysis.Response[0] != "will_not_fix" {
		t.Errorf("CVE finding: %+v", v)
	}
	if v := bom.Vulnerabilities[1]; v.ID != "GHSA-8q59-q68h-6hv4" || v.Source.Name != "GitHub" ||
		v.Affects[0].Ref != "pkg:pypi/pyyaml@6.0.1|srv/a/requirements.txt:3" {
		t.Errorf("GHSA finding: %+v", v)
	}
	if v := bom.Vulnerabilities[2]; v.Source.Name != "OSV" || v.Analysis != nil || v.Ratings[0].Severity != "info" {
		t.Errorf("GO finding: %+v", v)
	}
}

// thirdParty are real CycloneDX BOMs of other tools (testdata/third-party/README.md) and
// the packages Read must find in them.
var thirdParty = []sbomtest.ThirdParty{
	// Syft names a Maven package by artifact and group apart; the metadata component (the
	// jar scanned) and the dangling dependency are not packages.
	{File: "syft-scan-fs.cdx.json", Want: []string{
		"commons-io:commons-io@2.13.0 maven pkg:maven/commons-io/commons-io@2.13.0 Apache-2.0",
	}},
}

func TestReadThirdParty(t *testing.T) { sbomtest.CheckThirdParty(t, codec, thirdParty) }

func TestReadMalformed(t *testing.T) {
	for _, tc := range []struct{ name, doc, err string }{
		{"empty", ``, "not a CycloneDX JSON BOM"},
		{"not json", `<bom xmlns="http://cyclonedx.org/schema/bom/1.6"/>`, "not a CycloneDX JSON BOM"},
		{"array", `[]`, "not a CycloneDX JSON BOM"},
		{"spdx", `{"spdxVersion":"SPDX-2.3"}`, `bomFormat is ""`},
		{"other format", `{"bomFormat":"SPDX","specVersion":"1.6"}`, `bomFormat is "SPDX"`},
		{"bad version", `{"bomFormat":"CycloneDX","specVersion":"9.9"}`, "not a CycloneDX JSON BOM"},
		{"components not a list", `{"bomFormat":"CycloneDX","specVersion":"1.6","components":{}}`, "not a CycloneDX JSON BOM"},
		{"truncated", `{"bomFormat":"CycloneDX","specVersion":"1.6","components":[{"name":"a"`, "not a CycloneDX JSON BOM"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Read(strings.NewReader(tc.doc))
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("error %v, want one containing %q", err, tc.err)
			}
		})
	}
	// Components without a purl nor trawl's type, and a bad purl, are skipped, not errors.
	pkgs, err := Read(strings.NewReader(`{"bomFormat":"CycloneDX","specVersion":"1.5","components":[
		{"type":"operating-system","name":"debian","version":"12"},
		{"type":"library","name":"x","purl":"not a purl"},
		{"type":"container","name":"img","purl":"pkg:oci/img@sha256%3Aab"},
		{"type":"library","name":"a","version":"1","purl":"pkg:npm/a@1","components":[
			{"type":"library","name":"b","purl":"pkg:npm/b@2"}]}]}`))
	if err != nil || len(pkgs) != 2 || pkgs[0].Name != "a" || pkgs[1].Name != "b" || pkgs[1].Version != "2" {
		t.Errorf("got %+v, %v", pkgs, err)
	}
}

func TestDetect(t *testing.T) {
	for _, tc := range []struct {
		head string
		want bool
	}{
		{`{"bomFormat": "CycloneDX", "specVersion": "1.6"`, true},
		{"\ufeff\n  {\n\"$schema\":\"x\",\n\"bomFormat\" :\n\"CycloneDX\"", true},
		{`{"spdxVersion": "SPDX-2.3"`, false},
		{`<?xml version="1.0"?><bom xmlns="http://cyclonedx.org/schema/bom/1.6">`, false},
		{`["bomFormat": "CycloneDX"]`, false},
		{``, false},
	} {
		if got := Detect([]byte(tc.head)); got != tc.want {
			t.Errorf("Detect(%q) = %v, want %v", tc.head, got, tc.want)
		}
	}
}

func TestNilReport(t *testing.T) {
	if err := Write(&bytes.Buffer{}, nil); err == nil {
		t.Error("no error for a nil report")
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestWriteError(t *testing.T) {
	if err := Write(failWriter{}, readReport(t, "report")); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Errorf("error %v, want the writer's", err)
	}
}
