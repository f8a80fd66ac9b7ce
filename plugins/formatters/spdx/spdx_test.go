package spdx

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/trawlscan/trawl/internal/schematest"
	"github.com/trawlscan/trawl/plugins/formatters/internal/license"
	"github.com/trawlscan/trawl/plugins/formatters/internal/sbomtest"
	"github.com/trawlscan/trawl/sdk"
)

func TestSchema(t *testing.T) {
	for _, in := range inputs {
		t.Run(in, func(t *testing.T) {
			out := write(t, readReport(t, in))
			if err := schematest.Check(t, "spdx", out); err != nil {
				t.Errorf("not a valid SPDX 2.3 document: %v", err)
			}
		})
	}
}

// TestLicenseExpressions checks every licenseDeclared written parses as an SPDX
// expression of listed identifiers and declared LicenseRefs, which the schema does not.
func TestLicenseExpressions(t *testing.T) {
	for _, in := range inputs {
		var doc struct {
			Packages []struct {
				SPDXID          string
				LicenseDeclared string
			}
			HasExtractedLicensingInfos []struct{ LicenseID string }
		}
		if err := json.Unmarshal(write(t, readReport(t, in)), &doc); err != nil {
			t.Fatal(err)
		}
		declared := map[string]bool{}
		for _, l := range doc.HasExtractedLicensingInfos {
			declared[l.LicenseID] = true
		}
		used := map[string]bool{}
		for _, p := range doc.Packages {
			if p.LicenseDeclared == "NOASSERTION" {
				continue
			}
			e, _, ok := license.Parse(p.LicenseDeclared, nil)
			if !ok {
				t.Errorf("%s: %s: not a valid expression: %q", in, p.SPDXID, p.LicenseDeclared)
				continue
			}
			for _, r := range e.Refs() {
				used[r] = true
				if !declared[r] {
					t.Errorf("%s: %s: %s not declared", in, p.SPDXID, r)
				}
			}
		}
		for r := range declared {
			if !used[r] {
				t.Errorf("%s: %s declared, not used", in, r)
			}
		}
	}
}

func TestGolden(t *testing.T) {
	for _, in := range inputs {
		t.Run(in, func(t *testing.T) {
			got := write(t, readReport(t, in))
			path := filepath.Join("testdata", "golden", in+".spdx.json")
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
// and that the namespace changes with the content.
func TestDeterministic(t *testing.T) {
	r := readReport(t, "edge")
	a := write(t, r)
	slices.Reverse(r.Packages)
	if b := write(t, r); !bytes.Equal(a, b) {
		t.Error("reversing the packages changed the output")
	}
	r.Packages = r.Packages[1:]
	var x, y struct {
		DocumentNamespace string `json:"documentNamespace"`
	}
	json.Unmarshal(a, &x)
	json.Unmarshal(write(t, r), &y)
	if x.DocumentNamespace == y.DocumentNamespace || !strings.HasPrefix(x.DocumentNamespace, "https://trawl.dev/spdxdocs/localhost-5000-team-app-sha256-9f86") {
		t.Errorf("namespace %s, then %s", x.DocumentNamespace, y.DocumentNamespace)
	}
}

// flatLicenses is how SPDX keeps a package's licenses: one expression, read back as its
// top-level AND terms ("MPL-2.0 AND MIT" and ["MPL-2.0", "MIT"] say the same).
func flatLicenses(ls []string) []string {
	var out []string
	for _, l := range ls {
		e, _, ok := license.Parse(l, func(s string) string { return s })
		if !ok {
			out = append(out, l)
			continue
		}
		for _, t := range e.Terms() {
			out = append(out, t.String())
		}
	}
	return out
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
		b, _ := json.Marshal(pkgKey{p.Name, p.Version, p.Type, p.PURL, flatLicenses(p.Licenses), p.Locations,
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

// TestContent checks the mapping decisions on the edge report.
func TestContent(t *testing.T) {
	var doc struct {
		CreationInfo struct {
			Created  string
			Creators []string
		}
		Packages []struct {
			SPDXID                string
			Name                  string
			LicenseDeclared       string
			Supplier              string
			PrimaryPackagePurpose string
		}
		Relationships []struct {
			SPDXElementID      string
			RelatedSPDXElement string
			RelationshipType   string
		}
		HasExtractedLicensingInfos []struct {
			LicenseID     string
			ExtractedText string
		}
	}
	if err := json.Unmarshal(write(t, readReport(t, "edge")), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.CreationInfo.Created != "2025-03-04T04:06:07Z" || !reflect.DeepEqual(doc.CreationInfo.Creators, []string{"Tool: trawl-0.2.0-dev"}) {
		t.Errorf("creation info: %+v", doc.CreationInfo)
	}
	byID := map[string]int{}
	for i, p := range doc.Packages {
		byID[p.SPDXID] = i
	}
	want := map[string]string{
		"SPDXRef-Package-pypi-PyYAML-6.0.1":                        "MIT AND GPL-2.0+ AND LicenseRef-Public-Domain AND (MIT OR Apache-2.0) AND LicenseRef-GPL2- AND LicenseRef-GPL2--2",
		"SPDXRef-Package-pypi-PyYAML-6.0.1-2":                      "(MIT AND BSD-3-Clause) OR Apache-2.0 WITH LLVM-exception",
		"SPDXRef-Package-rpm-zlib-1.2.11-40.el9":                   "Zlib AND LicenseRef-Boost",
		"SPDXRef-Package-rpm-openssl-libs-1-3.0.7-27.el9":          "LicenseRef-ASL-2.0",
		"SPDXRef-Package-generic-no-purl-thing-0.1":                "LicenseRef-Custom",
		"SPDXRef-Package-golang-github.com-BurntSushi-toml-v1.3.2": "NOASSERTION",
	}
	for id, l := range want {
		i, ok := byID[id]
		if !ok {
			t.Errorf("no package %s in %v", id, byID)
			continue
		}
		if got := doc.Packages[i].LicenseDeclared; got != l {
			t.Errorf("%s: licenseDeclared %q, want %q", id, got, l)
		}
	}
	if p := doc.Packages[byID["SPDXRef-Package-rpm-zlib-1.2.11-40.el9"]]; p.Supplier != "Organization: SUSE LLC <https://www.suse.com/>" {
		t.Errorf("supplier %q", p.Supplier)
	}
	if p := doc.Packages[byID["SPDXRef-Artifact"]]; p.PrimaryPackagePurpose != "CONTAINER" {
		t.Errorf("artifact: %+v", p)
	}
	if p := doc.Packages[byID["SPDXRef-OperatingSystem"]]; p.PrimaryPackagePurpose != "OPERATING_SYSTEM" || p.Name != "rhel" {
		t.Errorf("OS: %+v", p)
	}
	rels := map[string]bool{}
	for _, r := range doc.Relationships {
		rels[r.SPDXElementID+" "+r.RelationshipType+" "+r.RelatedSPDXElement] = true
	}
	for _, r := range []string{"SPDXRef-DOCUMENT DESCRIBES SPDXRef-Artifact", "SPDXRef-Artifact CONTAINS SPDXRef-OperatingSystem",
		"SPDXRef-Artifact CONTAINS SPDXRef-Package-pypi-PyYAML-6.0.1-2"} {
		if !rels[r] {
			t.Errorf("no relationship %s", r)
		}
	}
	if len(doc.Relationships) != 2+6 {
		t.Errorf("%d relationships, want 8", len(doc.Relationships))
	}
	if n := len(doc.HasExtractedLicensingInfos); n != 6 {
		t.Errorf("%d extracted licenses, want 6: %+v", n, doc.HasExtractedLicensingInfos)
	}
}

// thirdParty are real SPDX documents of other tools (testdata/third-party/README.md) and
// the packages Read must find in them.
var thirdParty = []sbomtest.ThirdParty{
	// The version is the purl's (the commit), not versionInfo: the purl is what matches.
	{File: "MinimalSBOMwPurl.spdx.json", Want: []string{
		"spdx/tools-java@2235d5d7f7fe46ce1e0d54b7831c5681633b25cc github pkg:github/spdx/tools-java@2235d5d7f7fe46ce1e0d54b7831c5681633b25cc ",
	}},
	// Applications, the image and the OS have no purl and are skipped; NONE is no license.
	{File: "trivy-bom.spdx.json", Want: []string{
		"pear/log@1.13.1 composer pkg:composer/pear/log@1.13.1 ",
		"org.codehaus.mojo:child-project@1.0 maven pkg:maven/org.codehaus.mojo/child-project@1.0 ",
		"pear/pear_exception@v1.0.0 composer pkg:composer/pear/pear_exception@v1.0.0 ",
		"bootstrap@5.0.2 npm pkg:npm/bootstrap@5.0.2 MIT",
		"github.com/package-url/packageurl-go@v0.1.1-0.20220203205134-d70459300c8a golang pkg:golang/github.com/package-url/packageurl-go@v0.1.1-0.20220203205134-d70459300c8a ",
		"musl@1.2.3-r0 apk pkg:apk/alpine/musl@1.2.3-r0?distro=3.16.0 MIT",
	}},
}

func TestReadThirdParty(t *testing.T) { sbomtest.CheckThirdParty(t, codec, thirdParty) }

func TestReadMalformed(t *testing.T) {
	for _, tc := range []struct{ name, doc, err string }{
		{"empty", ``, "not an SPDX JSON document"},
		{"tag-value", "SPDXVersion: SPDX-2.3\nDataLicense: CC0-1.0\n", "not an SPDX JSON document"},
		{"array", `[]`, "not an SPDX JSON document"},
		{"cyclonedx", `{"bomFormat":"CycloneDX","specVersion":"1.6"}`, "no spdxVersion"},
		{"spdx 3", `{"@context":"https://spdx.org/rdf/3.0.1/spdx-context.jsonld","spdxVersion":"SPDX-3.0"}`, `unsupported version "SPDX-3.0"`},
		{"packages not a list", `{"spdxVersion":"SPDX-2.3","packages":{}}`, "not an SPDX JSON document"},
		{"truncated", `{"spdxVersion":"SPDX-2.3","packages":[{"name":"a"`, "not an SPDX JSON document"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Read(strings.NewReader(tc.doc))
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("error %v, want one containing %q", err, tc.err)
			}
		})
	}
	// Packages without a purl nor trawl's type, a bad purl, an image's purl: skipped. A
	// malformed supplier or license expression does not fail the document.
	pkgs, err := Read(strings.NewReader(`{"spdxVersion":"SPDX-2.2","packages":[
		{"SPDXID":"SPDXRef-root","name":"."},
		{"SPDXID":"SPDXRef-x","name":"x","externalRefs":[{"referenceCategory":"PACKAGE_MANAGER","referenceType":"purl","referenceLocator":"not a purl"}]},
		{"SPDXID":"SPDXRef-i","name":"i","externalRefs":[{"referenceCategory":"PACKAGE-MANAGER","referenceType":"purl","referenceLocator":"pkg:oci/i@sha256%3Aab"}]},
		{"SPDXID":"SPDXRef-a","name":"a","versionInfo":"1","supplier":"nobody","licenseDeclared":"MIT OR (","licenseConcluded":"MIT",
		 "externalRefs":[{"referenceCategory":"PACKAGE_MANAGER","referenceType":"purl","referenceLocator":"pkg:npm/a@1"}]},
		{"SPDXID":"SPDXRef-b","name":"b","licenseDeclared":"NOASSERTION","licenseConcluded":"Apache-2.0 AND LicenseRef-x",
		 "externalRefs":[{"referenceCategory":"PACKAGE-MANAGER","referenceType":"purl","referenceLocator":"pkg:npm/b@2"}]}],
		"hasExtractedLicensingInfos":[{"licenseId":"LicenseRef-x","extractedText":"long text","name":"X License"}]}`))
	if err != nil || len(pkgs) != 2 || pkgs[0].Name != "a" || pkgs[1].Version != "2" ||
		!reflect.DeepEqual(pkgs[0].Licenses, []string{"MIT OR ("}) || !reflect.DeepEqual(pkgs[1].Licenses, []string{"Apache-2.0", "X License"}) {
		t.Errorf("got %+v, %v", pkgs, err)
	}
}

func TestDetect(t *testing.T) {
	for _, tc := range []struct {
		head string
		want bool
	}{
		{`{"spdxVersion": "SPDX-2.3", "dataLicense": "CC0-1.0"`, true},
		{"\ufeff{\n  \"SPDXID\" : \"SPDXRef-DOCUMENT\",\n  \"spdxVersion\" : \"SPDX-2.2\"", true},
		{`{"bomFormat": "CycloneDX"`, false},
		{"SPDXVersion: SPDX-2.3\n", false},
		{`{"spdxVersion": "SPDX-3.0"`, false},
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
