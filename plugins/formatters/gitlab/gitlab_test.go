package gitlab

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/trawlscan/trawl/internal/corpustest"
	"github.com/trawlscan/trawl/internal/schematest"
	"github.com/trawlscan/trawl/sdk"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

// inputs are the reports the golden files are rendered from: the formatters' shared
// fixtures (see ../formatters_test.go) and the SARIF formatter's findings.json, an image
// with OS and language vulnerabilities rated by CVSS and secrets in the image config, in
// one file twice and in a deleted file.
var inputs = []string{
	"../testdata/report.json",
	"../testdata/empty.json",
	"../testdata/filesystem.json",
	"../testdata/vulns.json",
	"../testdata/gate.json",
	"../sarif/testdata/findings.json",
}

var kinds = []Kind{ContainerScanning, DependencyScanning, SecretDetection}

func name(input string) string { return strings.TrimSuffix(filepath.Base(input), ".json") }

func goldenName(input string, k Kind) string {
	return name(input) + ".gitlab-" + strings.ReplaceAll(k.String(), "_", "-") + ".json"
}

// readReport decodes a test report, refusing unknown fields, and checks it against the
// report schema.
func readReport(t testing.TB, path string) *sdk.Report {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := schematest.Check(t, "report", raw); err != nil {
		t.Fatalf("%s is not a valid report: %v", path, err)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	var r sdk.Report
	if err := dec.Decode(&r); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return &r
}

// write writes r as kind; ok is false when Write refused the report.
func write(t testing.TB, r *sdk.Report, k Kind) (out []byte, ok bool) {
	t.Helper()
	var buf bytes.Buffer
	if err := Write(&buf, r, k); err != nil {
		if k == ContainerScanning && r.Artifact.Type != sdk.ArtifactImage {
			return nil, false
		}
		t.Fatalf("%s: %v", k, err)
	}
	return buf.Bytes(), true
}

// schemaVersion is the version of the official schema of a kind (its "self" version), which
// the report must declare.
func schemaVersion(t testing.TB, k Kind) string {
	t.Helper()
	var path string
	switch k {
	case SecretDetection:
		path = filepath.Join("testdata", "secret-detection-report-format.json")
	default:
		path = filepath.Join(corpustest.Dir(t), "..", "schemas", "gitlab", strings.ReplaceAll(k.String(), "_", "-")+"-report-format.json")
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%s schema: %v", k, err)
	}
	var self struct {
		Self struct {
			Version string `json:"version"`
		} `json:"self"`
	}
	if err := json.Unmarshal(raw, &self); err != nil {
		t.Fatal(err)
	}
	return self.Self.Version
}

func TestGolden(t *testing.T) {
	for _, in := range inputs {
		for _, k := range kinds {
			t.Run(goldenName(in, k), func(t *testing.T) {
				got, ok := write(t, readReport(t, in), k)
				if !ok {
					return
				}
				path := filepath.Join("testdata", "golden", goldenName(in, k))
				if *update {
					if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
						t.Fatal(err)
					}
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
}

// TestValidAgainstSchema validates every output against its official schema, and checks
// that the version the report declares is that schema's: GitLab validates against the
// declared version.
func TestValidAgainstSchema(t *testing.T) {
	for _, k := range kinds {
		version := schemaVersion(t, k)
		format := "gitlab-" + strings.ReplaceAll(k.String(), "_", "-")
		for _, in := range inputs {
			t.Run(goldenName(in, k), func(t *testing.T) {
				out, ok := write(t, readReport(t, in), k)
				if !ok {
					return
				}
				if err := schematest.Check(t, format, out); err != nil {
					t.Errorf("GitLab would refuse this report: %v\n%s", err, out)
				}
				var doc struct {
					Version string `json:"version"`
				}
				if err := json.Unmarshal(out, &doc); err != nil {
					t.Fatal(err)
				}
				if doc.Version != version {
					t.Errorf("version %q, the schema validated against is %q", doc.Version, version)
				}
			})
		}
	}
}

func TestContainerScanningNeedsAnImage(t *testing.T) {
	err := Write(&bytes.Buffer{}, readReport(t, "../testdata/filesystem.json"), ContainerScanning)
	if err == nil || !strings.Contains(err.Error(), "image") {
		t.Errorf("container scanning of a filesystem: %v, want an error naming the image", err)
	}
	if err := Write(&bytes.Buffer{}, nil, SecretDetection); err == nil {
		t.Error("no error for a nil report")
	}
	if err := Write(&bytes.Buffer{}, &sdk.Report{}, Kind(0)); err == nil {
		t.Error("no error for an unknown kind")
	}
}

// doc is the part of a GitLab report the tests look at.
type doc struct {
	Version string `json:"version"`
	Scan    struct {
		Type      string `json:"type"`
		Status    string `json:"status"`
		StartTime string `json:"start_time"`
		Scanner   struct {
			ID      string `json:"id"`
			Version string `json:"version"`
		} `json:"scanner"`
		Messages []message `json:"messages"`
	} `json:"scan"`
	Vulnerabilities []struct {
		ID          string       `json:"id"`
		Name        string       `json:"name"`
		Description string       `json:"description"`
		Severity    string       `json:"severity"`
		Solution    string       `json:"solution"`
		Identifiers []identifier `json:"identifiers"`
		CVSSVectors []cvssVector `json:"cvss_vectors"`
		Location    location     `json:"location"`
		Raw         string       `json:"raw_source_code_extract"`
	} `json:"vulnerabilities"`
}

func decode(t testing.TB, out []byte) *doc {
	t.Helper()
	var d doc
	if err := json.Unmarshal(out, &d); err != nil {
		t.Fatal(err)
	}
	return &d
}

var uuidV8 = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

// TestIDs checks that vulnerability ids are UUIDs, distinct within a report, and the same
// whatever order the report comes in and whatever the image's tag.
func TestIDs(t *testing.T) {
	for _, in := range inputs {
		for _, k := range kinds {
			r := readReport(t, in)
			out, ok := write(t, r, k)
			if !ok {
				continue
			}
			seen := map[string]bool{}
			for _, v := range decode(t, out).Vulnerabilities {
				if !uuidV8.MatchString(v.ID) {
					t.Errorf("%s: id %q is not a version 8 UUID", goldenName(in, k), v.ID)
				}
				if seen[v.ID] {
					t.Errorf("%s: id %s twice", goldenName(in, k), v.ID)
				}
				seen[v.ID] = true
			}
			slices.Reverse(r.Vulnerabilities)
			slices.Reverse(r.Secrets)
			slices.Reverse(r.Packages)
			r.Artifact.Name = strings.Replace(r.Artifact.Name, ":2.3.0", ":2.4.0", 1)
			again, _ := write(t, r, k)
			ids := func(b []byte) (s []string) {
				for _, v := range decode(t, b).Vulnerabilities {
					s = append(s, v.ID)
				}
				return s
			}
			if !slices.Equal(ids(again), ids(out)) {
				t.Errorf("%s: ids depend on the report's order or the image tag", goldenName(in, k))
			}
		}
	}
}

func TestContainerScanning(t *testing.T) {
	r := readReport(t, "../testdata/vulns.json")
	d := decode(t, must(write(t, r, ContainerScanning)))
	if len(d.Vulnerabilities) != len(r.Vulnerabilities) {
		t.Fatalf("%d vulnerabilities, want %d", len(d.Vulnerabilities), len(r.Vulnerabilities))
	}
	for _, v := range d.Vulnerabilities {
		l := v.Location
		if l.OperatingSystem != "alpine 3.10.9" || l.Image != r.Artifact.Name || l.Dependency == nil || l.Dependency.Package.Name == "" {
			t.Errorf("%s: location %+v", v.Identifiers[0].Value, l)
		}
		if v.Severity != "Unknown" {
			t.Errorf("%s: severity %s", v.Identifiers[0].Value, v.Severity)
		}
		if first := v.Identifiers[0]; first.Type != "cve" || !strings.HasPrefix(first.Value, "CVE-") || !strings.HasPrefix(first.URL, "https://") {
			t.Errorf("primary identifier %+v", first)
		}
		if !strings.HasPrefix(v.Solution, "Upgrade "+l.Dependency.Package.Name+" from "+l.Dependency.Version+" to ") {
			t.Errorf("solution %q", v.Solution)
		}
	}
	if d.Scan.Type != "container_scanning" || d.Scan.Status != "success" || d.Scan.StartTime != "2026-11-25T12:00:00" || d.Scan.Scanner.ID != "trawl" {
		t.Errorf("scan %+v", d.Scan)
	}

	// findings.json mixes OS and language packages: container scanning takes them all.
	f := readReport(t, "../sarif/testdata/findings.json")
	fd := decode(t, must(write(t, f, ContainerScanning)))
	if len(fd.Vulnerabilities) != len(f.Vulnerabilities) {
		t.Errorf("%d vulnerabilities, want %d", len(fd.Vulnerabilities), len(f.Vulnerabilities))
	}
	for _, v := range fd.Vulnerabilities {
		if v.Identifiers[0].Value == "CVE-2019-10744" {
			if len(v.CVSSVectors) != 1 || v.CVSSVectors[0].Vector != "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:H/A:H" || v.Severity != "Critical" {
				t.Errorf("lodash: %+v %s", v.CVSSVectors, v.Severity)
			}
			if got := []string{v.Identifiers[1].Type, v.Identifiers[1].Value}; !slices.Equal(got, []string{"ghsa", "GHSA-jf85-cpcp-j695"}) {
				t.Errorf("lodash: second identifier %v", got)
			}
		}
	}
}

func TestDependencyScanning(t *testing.T) {
	r := readReport(t, "../sarif/testdata/findings.json")
	d := decode(t, must(write(t, r, DependencyScanning)))
	files := map[string]string{}
	for _, v := range d.Vulnerabilities {
		files[v.Identifiers[0].Value] = v.Location.File
		if v.Location.Dependency == nil {
			t.Errorf("%s: no dependency", v.Identifiers[0].Value)
		}
	}
	want := map[string]string{
		"CVE-2019-10744": "srv/app/web/package-lock.json",
		"CVE-2023-32681": "srv/app/requirements.txt",
		"CVE-2023-39325": "pkg:golang/golang.org/x/net@v0.15.0", // no file known: the package URL
	}
	if len(files) != len(want) {
		t.Errorf("vulnerabilities of %v, want only the language packages' %v", files, want)
	}
	for id, f := range want {
		if files[id] != f {
			t.Errorf("%s: file %q, want %q", id, files[id], f)
		}
	}

	// A filesystem scan of a relative directory is placed under it.
	fs := readReport(t, "../testdata/filesystem.json")
	fs.Vulnerabilities = []sdk.Vulnerability{{ID: "GHSA-xxxx-yyyy-zzzz", Package: sdk.PackageRef{Name: "golang.org/x/sys",
		Version: "v0.0.0-20220715151400-c0bba94af5f8", Type: "golang"}, Severity: sdk.SeverityHigh, Status: sdk.StatusNotFixed}}
	fd := decode(t, must(write(t, fs, DependencyScanning)))
	if v := fd.Vulnerabilities[0]; v.Location.File != "billing-api/go.mod" || v.Location.Dependency.Direct == nil || *v.Location.Dependency.Direct {
		t.Errorf("location %+v, want billing-api/go.mod, indirect", v.Location)
	}
}

func TestSecretDetection(t *testing.T) {
	r := readReport(t, "../testdata/report.json")
	d := decode(t, must(write(t, r, SecretDetection)))
	if len(d.Vulnerabilities) != len(r.Secrets) {
		t.Fatalf("%d vulnerabilities, want %d", len(d.Vulnerabilities), len(r.Secrets))
	}
	for _, v := range d.Vulnerabilities {
		l := v.Location
		if l.Commit == nil || l.Commit.SHA == "" || l.File == "" || l.StartLine < 1 || l.EndLine < l.StartLine {
			t.Errorf("%s: location %+v", v.Name, l)
		}
		if v.Identifiers[0].Type != "trawl_secret_rule" {
			t.Errorf("%s: identifier %+v", v.Name, v.Identifiers[0])
		}
		if v.Raw == "" || !strings.Contains(v.Raw, "****") {
			t.Errorf("%s: raw_source_code_extract %q, want the redacted match", v.Name, v.Raw)
		}
	}
	if d.Scan.Status != "failure" {
		t.Errorf("status %s with a failed plugin", d.Scan.Status)
	}
	if len(d.Scan.Messages) != 2 {
		t.Errorf("messages %+v, want the failed plugin and the file error", d.Scan.Messages)
	}
	if key := d.Vulnerabilities[1]; key.Location.File != "srv/app/deploy/id_ed25519" || key.Location.EndLine != 7 {
		t.Errorf("private key at %+v", key.Location)
	}
}

// TestPlantedSecret writes a report whose secret match holds a raw secret, as it does when
// the user asks to see secrets: it is written as given, once, in raw_source_code_extract,
// and no other field repeats it.
func TestPlantedSecret(t *testing.T) {
	const planted = "ghp_PLANTEDa1b2c3d4e5f6g7h8i9j0k1l2m3n4o5"
	r := readReport(t, "../sarif/testdata/findings.json")
	r.Secrets = append(r.Secrets, sdk.Secret{
		RuleID: "github-pat", Title: "GitHub Personal Access Token", Category: "GitHub", Severity: sdk.SeverityCritical,
		Match: "token: " + planted, Location: sdk.Location{Path: "srv/app/.github-token", Line: 1},
	})
	for _, k := range kinds {
		out := must(write(t, r, k))
		want := 0
		if k == SecretDetection {
			want = 1
		}
		if n := bytes.Count(out, []byte(planted)); n != want {
			t.Errorf("%s: the planted secret occurs %d times, want %d", k, n, want)
		}
		if bytes.Contains(bytes.ReplaceAll(out, []byte(planted), nil), []byte(planted[4:16])) {
			t.Errorf("%s: part of the planted secret is repeated", k)
		}
		if k != SecretDetection {
			continue
		}
		for _, v := range decode(t, out).Vulnerabilities {
			if v.Location.File == "srv/app/.github-token" && v.Raw != "token: "+planted {
				t.Errorf("raw_source_code_extract %q, want the match as given", v.Raw)
			}
		}
	}
}

func TestCVSSVectors(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		ok       bool
	}{
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", true},
		{"CVSS:2.0/AV:N/AC:L/Au:N/C:P/I:P/A:P", "AV:N/AC:L/Au:N/C:P/I:P/A:P", true},
		{"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", true},
		{"CVSS:3.1/AV:X", "", false},
		{"", "", false},
	} {
		got, ok := cvssVectorOf(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("cvssVectorOf(%q) = %q, %v", tc.in, got, ok)
		}
	}
}

// TestCVSSAgreesWithSchema checks the hand-written vector checks against the schema's own
// patterns, on real vectors and on each of them broken in one metric.
func TestCVSSAgreesWithSchema(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(corpustest.Dir(t), "..", "schemas", "gitlab", "container-scanning-report-format.json"))
	if err != nil {
		t.Fatal(err)
	}
	var s struct {
		Properties struct {
			Vulnerabilities struct {
				Items struct {
					Properties struct {
						CVSSVectors struct {
							Items struct {
								OneOf []struct {
									Properties struct {
										Vector struct {
											Pattern   string `json:"pattern"`
											MinLength int    `json:"minLength"`
											MaxLength int    `json:"maxLength"`
										} `json:"vector"`
									} `json:"properties"`
								} `json:"oneOf"`
							} `json:"items"`
						} `json:"cvss_vectors"`
					} `json:"properties"`
				} `json:"items"`
			} `json:"vulnerabilities"`
		} `json:"properties"`
	}
	if err := json.Unmarshal(raw, &s); err != nil {
		t.Fatal(err)
	}
	schemaAccepts := func(v string) bool {
		for _, o := range s.Properties.Vulnerabilities.Items.Properties.CVSSVectors.Items.OneOf {
			p := o.Properties.Vector
			if len(v) >= p.MinLength && len(v) <= p.MaxLength && regexp.MustCompile(p.Pattern).MatchString(v) {
				return true
			}
		}
		return false
	}
	vectors := []string{
		"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
		"CVSS:3.0/AV:L/AC:H/PR:L/UI:R/S:C/C:L/I:N/A:N/E:P/RL:O/RC:C/CR:H/MAV:N/MS:X",
		"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
		"CVSS:4.0/AV:N/AC:L/AT:P/PR:L/UI:A/VC:L/VI:L/VA:N/SC:H/SI:S/SA:L/E:P/MSI:S/U:Amber",
		"AV:N/AC:L/Au:N/C:P/I:P/A:P",
		"AV:N/AC:M/Au:S/C:C/I:N/A:N/E:POC/RL:OF/RC:C/CDP:LM/TD:H/CR:ND",
	}
	for _, v := range slices.Clone(vectors) {
		parts := strings.Split(v, "/")
		for i := range parts {
			broken := slices.Clone(parts)
			broken[i] += "Z"
			vectors = append(vectors, strings.Join(broken, "/"))
			vectors = append(vectors, strings.Join(slices.Delete(slices.Clone(parts), i, i+1), "/"))
		}
		reversed := slices.Clone(parts)
		slices.Reverse(reversed)
		vectors = append(vectors, v+"/", "/"+v, strings.Join(reversed, "/"))
	}
	for _, v := range vectors {
		_, got := cvssVectorOf(v)
		if want := schemaAccepts(v); got != want {
			t.Errorf("%q: accepted %v, the schema %v", v, got, want)
		}
	}
}

func TestSeverity(t *testing.T) {
	for in, want := range map[string]string{
		sdk.SeverityCritical: "Critical", sdk.SeverityHigh: "High", sdk.SeverityMedium: "Medium",
		sdk.SeverityLow: "Low", sdk.SeverityNegligible: "Info", sdk.SeverityUnknown: "Unknown", "": "Unknown", "Debian": "Unknown",
	} {
		if got := severity(in); got != want {
			t.Errorf("severity(%q) = %q, want %q", in, got, want)
		}
	}
}

func must(out []byte, ok bool) []byte {
	if !ok {
		panic("report refused")
	}
	return out
}
