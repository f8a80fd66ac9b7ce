package sarif

import (
	"bytes"
	"encoding/json"
	"flag"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/trawlscan/trawl/internal/schematest"
	"github.com/trawlscan/trawl/sdk"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

// inputs are the reports the golden files are rendered from: the formatters' shared
// fixtures (see ../formatters_test.go) and findings.json, an image with OS and language
// vulnerabilities rated by CVSS, a vulnerability of a package the report does not list,
// a secret in the image config, two of one rule in one file and one in a deleted file.
var inputs = []string{
	"../testdata/report.json",
	"../testdata/empty.json",
	"../testdata/filesystem.json",
	"../testdata/vulns.json",
	"../testdata/gate.json",
	"testdata/findings.json",
}

func name(input string) string { return strings.TrimSuffix(filepath.Base(input), ".json") }

// readReport decodes a test report, refusing unknown fields so that a typo in the test
// data cannot pass unnoticed, and checks it against the report schema.
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

func write(t testing.TB, r *sdk.Report) []byte {
	t.Helper()
	var out bytes.Buffer
	if err := Write(&out, r); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

func TestGolden(t *testing.T) {
	for _, in := range inputs {
		t.Run(name(in), func(t *testing.T) {
			got := write(t, readReport(t, in))
			path := filepath.Join("testdata", "golden", name(in)+".sarif")
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

func TestValidAgainstSchema(t *testing.T) {
	for _, in := range inputs {
		t.Run(name(in), func(t *testing.T) {
			out := write(t, readReport(t, in))
			if err := schematest.Check(t, "sarif", out); err != nil {
				t.Errorf("not valid SARIF 2.1.0: %v", err)
			}
			if !bytes.HasSuffix(out, []byte("}\n")) {
				t.Error("output does not end with a newline")
			}
		})
	}
}

// log is the part of a SARIF log the tests look at.
type log struct {
	Runs []struct {
		Tool struct {
			Driver struct {
				Name    string `json:"name"`
				Version string `json:"version"`
				Rules   []struct {
					ID         string         `json:"id"`
					Properties map[string]any `json:"properties"`
					Help       struct {
						Text     string `json:"text"`
						Markdown string `json:"markdown"`
					} `json:"help"`
				} `json:"rules"`
			} `json:"driver"`
		} `json:"tool"`
		AutomationDetails struct {
			ID string `json:"id"`
		} `json:"automationDetails"`
		Invocations []struct {
			ExecutionSuccessful bool `json:"executionSuccessful"`
			Notifications       []struct {
				Level     string     `json:"level"`
				Message   message    `json:"message"`
				Locations []location `json:"locations"`
			} `json:"toolExecutionNotifications"`
		} `json:"invocations"`
		Results []struct {
			RuleID              string            `json:"ruleId"`
			RuleIndex           int               `json:"ruleIndex"`
			Level               string            `json:"level"`
			Message             message           `json:"message"`
			Locations           []location        `json:"locations"`
			PartialFingerprints map[string]string `json:"partialFingerprints"`
			Properties          map[string]any    `json:"properties"`
		} `json:"results"`
	} `json:"runs"`
}

type message struct {
	Text string `json:"text"`
}

type location struct {
	PhysicalLocation *struct {
		ArtifactLocation struct {
			URI string `json:"uri"`
		} `json:"artifactLocation"`
		Region *struct {
			StartLine int `json:"startLine"`
			EndLine   int `json:"endLine"`
		} `json:"region"`
	} `json:"physicalLocation"`
}

func decode(t testing.TB, out []byte) *log {
	t.Helper()
	var l log
	if err := json.Unmarshal(out, &l); err != nil {
		t.Fatal(err)
	}
	if len(l.Runs) != 1 {
		t.Fatalf("%d runs, want 1", len(l.Runs))
	}
	return &l
}

// TestURIsAreRelative checks every URI written: a relative reference GitHub can resolve
// against the repository, with no colon that could read as a scheme or come from an image
// reference, and no line 0.
func TestURIsAreRelative(t *testing.T) {
	for _, in := range inputs {
		r := readReport(t, in)
		l := decode(t, write(t, r))
		run := &l.Runs[0]
		var locs []location
		for _, res := range run.Results {
			if len(res.Locations) != 1 {
				t.Errorf("%s: result %s has %d locations, GitHub wants exactly one", name(in), res.RuleID, len(res.Locations))
			}
			locs = append(locs, res.Locations...)
		}
		for _, n := range run.Invocations[0].Notifications {
			locs = append(locs, n.Locations...)
		}
		for _, loc := range locs {
			if loc.PhysicalLocation == nil {
				continue
			}
			uri := loc.PhysicalLocation.ArtifactLocation.URI
			u, err := url.Parse(uri)
			if err != nil || u.Scheme != "" || u.Host != "" || strings.HasPrefix(uri, "/") || uri == "" {
				t.Errorf("%s: %q is not a relative path reference", name(in), uri)
			}
			if strings.Contains(uri, ":") {
				t.Errorf("%s: %q holds a colon", name(in), uri)
			}
			if r.Artifact.Type == sdk.ArtifactImage && strings.Contains(uri, repository(r.Artifact.Name)) {
				t.Errorf("%s: %q names the image", name(in), uri)
			}
			if reg := loc.PhysicalLocation.Region; reg != nil && reg.StartLine < 1 {
				t.Errorf("%s: %q: startLine %d", name(in), uri, reg.StartLine)
			}
		}
	}
}

func TestURI(t *testing.T) {
	for _, tc := range []struct{ prefix, path, want string }{
		{"", "lib/apk/db/installed", "lib/apk/db/installed"},
		{"", "/srv/app/requirements.txt", "srv/app/requirements.txt"},
		{"", "./go.mod", "go.mod"},
		{"", "image-config:env", "image-config/env"},
		{"", "image-config:history", "image-config/history"},
		{"", "a b/c:d#e?f%g", "a%20b/c%3Ad%23e%3Ff%25g"},
		{"", "ünï/x", "%C3%BCn%C3%AF/x"},
		{"", `win\dir\file`, "win/dir/file"},
		{"", "", ""},
		{"", "/", ""},
		{"billing-api/", "go.mod", "billing-api/go.mod"},
		{"billing-api/", "image-config:env", "image-config/env"},
	} {
		if got := uri(tc.prefix, tc.path); got != tc.want {
			t.Errorf("uri(%q, %q) = %q, want %q", tc.prefix, tc.path, got, tc.want)
		}
	}
}

func TestTreePrefix(t *testing.T) {
	for _, tc := range []struct{ name, want string }{
		{"./billing-api", "billing-api/"},
		{"services/api/", "services/api/"},
		{".", ""},
		{"./", ""},
		{"/abs/path", ""},
		{"../sibling", ""},
		{`C:\src\app`, ""},
		{`src\app`, "src/app/"},
	} {
		if got := treePrefix(tc.name); got != tc.want {
			t.Errorf("treePrefix(%q) = %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestCategory(t *testing.T) {
	for _, tc := range []struct {
		a    sdk.Artifact
		want string
	}{
		{sdk.Artifact{Name: "ghcr.io/example/billing-api:1.4.2", Type: sdk.ArtifactImage}, "trawl/image/ghcr.io/example/billing-api/"},
		{sdk.Artifact{Name: "ghcr.io/example/billing-api@sha256:abc", Type: sdk.ArtifactImage}, "trawl/image/ghcr.io/example/billing-api/"},
		{sdk.Artifact{Name: "registry.example.com:5000/shop/web:2.3.0", Type: sdk.ArtifactImage}, "trawl/image/registry.example.com-5000/shop/web/"},
		{sdk.Artifact{Name: "alpine", Type: sdk.ArtifactImage}, "trawl/image/alpine/"},
		{sdk.Artifact{Name: "./billing-api", Type: sdk.ArtifactFilesystem}, "trawl/filesystem/billing-api/"},
		{sdk.Artifact{Name: ".", Type: sdk.ArtifactFilesystem}, "trawl/filesystem/-/"},
		{sdk.Artifact{Name: "my dir/ü", Type: "archive"}, "trawl/archive/my-dir/-/"},
	} {
		if got := category(&tc.a); got != tc.want {
			t.Errorf("category(%q) = %q, want %q", tc.a.Name, got, tc.want)
		}
	}
	// The tag changes from release to release; the category must not.
	a := category(&sdk.Artifact{Name: "app:1.0", Type: sdk.ArtifactImage})
	b := category(&sdk.Artifact{Name: "app:1.1", Type: sdk.ArtifactImage})
	if a != b {
		t.Errorf("categories of two tags differ: %q, %q", a, b)
	}
}

// TestSecuritySeverity checks that every rule's security-severity is a string holding a
// number GitHub accepts, present on the rules whose severity is known, the CVSS score when
// there is one, and that such rules carry the "security" tag GitHub requires with it.
func TestSecuritySeverity(t *testing.T) {
	r := readReport(t, "testdata/findings.json")
	cvss := map[string]float64{}
	for _, v := range r.Vulnerabilities {
		cvss[v.ID] = max(cvss[v.ID], v.CVSSScore)
	}
	l := decode(t, write(t, r))
	withScore := 0
	for _, rule := range l.Runs[0].Tool.Driver.Rules {
		raw, ok := rule.Properties["security-severity"]
		if !ok {
			continue
		}
		withScore++
		s, isString := raw.(string)
		if !isString {
			t.Errorf("%s: security-severity is %T, want a string", rule.ID, raw)
			continue
		}
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || f < 0 || f > 10 {
			t.Errorf("%s: security-severity %q is not a number from 0 to 10", rule.ID, s)
		}
		if c := cvss[rule.ID]; c > 0 && f != c {
			t.Errorf("%s: security-severity %v, CVSS score %v", rule.ID, f, c)
		}
		tags, _ := rule.Properties["tags"].([]any)
		if !slices.Contains(tags, any("security")) {
			t.Errorf("%s: tags %v lack \"security\"", rule.ID, tags)
		}
	}
	if want := len(l.Runs[0].Tool.Driver.Rules); withScore != want {
		t.Errorf("%d rules of %d have a security-severity; every severity in findings.json is known", withScore, want)
	}

	// An unknown severity without CVSS gets no score (GitHub would call it low); a CVSS
	// score wins over the severity.
	for _, tc := range []struct {
		sev   string
		score float64
		want  string
	}{
		{sdk.SeverityCritical, 0, "9.5"}, {sdk.SeverityHigh, 0, "8.0"}, {sdk.SeverityMedium, 0, "5.5"},
		{sdk.SeverityLow, 0, "2.0"}, {sdk.SeverityUnknown, 0, ""}, {"", 0, ""},
		{sdk.SeverityUnknown, 7.3, "7.3"}, {sdk.SeverityLow, 9.81, "9.8"},
	} {
		got, ok := vulnerabilitySeverity([]*sdk.Vulnerability{{Severity: tc.sev, CVSSScore: tc.score}})
		if got != tc.want || ok != (tc.want != "") {
			t.Errorf("severity %q, CVSS %v: got %q, %v; want %q", tc.sev, tc.score, got, ok, tc.want)
		}
	}
}

// TestFingerprints checks that partial fingerprints are there, distinct within a run, and
// the same when the report comes in another order or a secret's lines move.
func TestFingerprints(t *testing.T) {
	for _, in := range inputs {
		r := readReport(t, in)
		out := write(t, r)
		seen := map[string]string{}
		for _, res := range decode(t, out).Runs[0].Results {
			fp := res.PartialFingerprints[fingerprintKey]
			if len(fp) != 32 {
				t.Errorf("%s: %s: fingerprint %q", name(in), res.RuleID, fp)
			}
			if other, dup := seen[fp]; dup {
				t.Errorf("%s: %s and %s share fingerprint %s", name(in), res.RuleID, other, fp)
			}
			seen[fp] = res.RuleID
		}

		slices.Reverse(r.Vulnerabilities)
		slices.Reverse(r.Secrets)
		slices.Reverse(r.Packages)
		if again := write(t, r); !bytes.Equal(again, out) {
			t.Errorf("%s: output depends on the order of the report", name(in))
		}
	}

	r := readReport(t, "testdata/findings.json")
	before := decode(t, write(t, r)).Runs[0].Results
	for i := range r.Secrets {
		if r.Secrets[i].Fingerprint != "" {
			r.Secrets[i].Location.Line += 10
			r.Secrets[i].EndLine += 10
		}
	}
	after := decode(t, write(t, r)).Runs[0].Results
	for i := range before {
		b, a := before[i], after[i]
		if b.RuleID != a.RuleID || b.Message != a.Message {
			continue
		}
		if b.PartialFingerprints[fingerprintKey] != a.PartialFingerprints[fingerprintKey] {
			t.Errorf("%s: fingerprint changed when its lines moved", b.RuleID)
		}
	}
}

// TestPlantedSecret writes a report whose secret match holds a raw secret, as it does when
// the user asks to see secrets: it is written where the match goes, once, and nowhere else
// (rule text, fingerprints, properties).
func TestPlantedSecret(t *testing.T) {
	const planted = "ghp_PLANTEDa1b2c3d4e5f6g7h8i9j0k1l2m3n4o5"
	r := readReport(t, "testdata/findings.json")
	r.Secrets = []sdk.Secret{{
		RuleID: "github-pat", Title: "GitHub Personal Access Token", Category: "GitHub", Severity: sdk.SeverityCritical,
		Match: "token: " + planted, Location: sdk.Location{Path: "srv/app/.github-token", Line: 1},
	}}
	out := write(t, r)
	if n := bytes.Count(out, []byte(planted)); n != 1 {
		t.Fatalf("the planted secret occurs %d times, want once (the result message):\n%s", n, out)
	}
	for _, res := range decode(t, out).Runs[0].Results {
		if res.RuleID == "github-pat" && !strings.Contains(res.Message.Text, "token: "+planted) {
			t.Errorf("the match is not written as given: %q", res.Message.Text)
		}
	}
	// Nor a part of it long enough to matter.
	if bytes.Contains(bytes.ReplaceAll(out, []byte(planted), nil), []byte(planted[4:16])) {
		t.Error("part of the planted secret is repeated")
	}
}

// TestPartialScan checks that a failed plugin makes the invocation unsuccessful and that
// failed and refused plugins and file errors are notifications.
func TestPartialScan(t *testing.T) {
	for _, tc := range []struct {
		in            string
		ok            bool
		notifications int
	}{
		{"../testdata/report.json", false, 2},    // java-archive failed, one file error
		{"../testdata/filesystem.json", true, 1}, // rpm-ndb refused
		{"../testdata/empty.json", true, 0},
		{"testdata/findings.json", true, 0},
	} {
		inv := decode(t, write(t, readReport(t, tc.in))).Runs[0].Invocations[0]
		if inv.ExecutionSuccessful != tc.ok {
			t.Errorf("%s: executionSuccessful %v, want %v", name(tc.in), inv.ExecutionSuccessful, tc.ok)
		}
		if len(inv.Notifications) != tc.notifications {
			t.Errorf("%s: %d notifications, want %d", name(tc.in), len(inv.Notifications), tc.notifications)
		}
	}
}

// TestResults checks the results of findings.json one by one: one per vulnerability and
// package location, one per secret, their locations and image properties.
func TestResults(t *testing.T) {
	r := readReport(t, "testdata/findings.json")
	l := decode(t, write(t, r))
	run := &l.Runs[0]
	if got := len(run.Results); got != len(r.Vulnerabilities)+len(r.Secrets) {
		t.Errorf("%d results, want %d", got, len(r.Vulnerabilities)+len(r.Secrets))
	}
	if run.AutomationDetails.ID != "trawl/image/registry.example.com-5000/shop/web/" {
		t.Errorf("automationDetails.id %q", run.AutomationDetails.ID)
	}
	if d := run.Tool.Driver; d.Name != "trawl" || d.Version != "0.2.0" {
		t.Errorf("driver %s %s", d.Name, d.Version)
	}
	byRule := map[string]int{}
	for i, res := range run.Results {
		byRule[res.RuleID] = i
		if run.Tool.Driver.Rules[res.RuleIndex].ID != res.RuleID {
			t.Errorf("%s: ruleIndex %d points at %s", res.RuleID, res.RuleIndex, run.Tool.Driver.Rules[res.RuleIndex].ID)
		}
		if res.Properties["image"] != r.Artifact.Name {
			t.Errorf("%s: image property %v", res.RuleID, res.Properties["image"])
		}
	}
	want := map[string]struct {
		uri       string
		line      int
		level     string
		inMessage string
	}{
		"CVE-2010-4756":  {"var/lib/dpkg/status", 0, "note", "the distribution will not fix it"}, // found through the package
		"CVE-2019-10744": {"srv/app/web/package-lock.json", 0, "error", "lodash 4.17.11 is affected by CVE-2019-10744; fixed in 4.17.12"},
		"CVE-2023-32681": {"srv/app/requirements.txt", 4, "warning", "fixed in 2.31.0"},
		"CVE-2023-39325": {"", 0, "error", "golang.org/x/net v0.15.0"}, // no location anywhere
		"github-pat":     {"image-config/env", 2, "error", "GITHUB_TOKEN=ghp_****"},
		"private-key":    {"root/.ssh/id_rsa", 1, "error", "still in the image"},
	}
	for rule, w := range want {
		res := run.Results[byRule[rule]]
		if res.Level != w.level {
			t.Errorf("%s: level %s, want %s", rule, res.Level, w.level)
		}
		if !strings.Contains(res.Message.Text, w.inMessage) {
			t.Errorf("%s: message %q lacks %q", rule, res.Message.Text, w.inMessage)
		}
		pl := res.Locations[0].PhysicalLocation
		if w.uri == "" {
			if pl != nil {
				t.Errorf("%s: physical location %+v, want none", rule, pl)
			}
			continue
		}
		if pl == nil || pl.ArtifactLocation.URI != w.uri {
			t.Errorf("%s: location %+v, want %s", rule, pl, w.uri)
			continue
		}
		if (pl.Region == nil) != (w.line == 0) || pl.Region != nil && pl.Region.StartLine != w.line {
			t.Errorf("%s: region %+v, want line %d", rule, pl.Region, w.line)
		}
	}
	if reg := run.Results[byRule["private-key"]].Locations[0].PhysicalLocation.Region; reg == nil || reg.EndLine != 27 {
		t.Errorf("private-key: region %+v, want lines 1-27", reg)
	}

	// A filesystem scan of a relative directory is placed under it.
	fs := readReport(t, "../testdata/filesystem.json")
	fs.Vulnerabilities = []sdk.Vulnerability{{ID: "CVE-1", Package: sdk.PackageRef{Name: "wrappy", Version: "1.0.2", Type: "npm"},
		Severity: sdk.SeverityLow, Status: sdk.StatusNotFixed}}
	res := decode(t, write(t, fs)).Runs[0].Results[0]
	if got := res.Locations[0].PhysicalLocation.ArtifactLocation.URI; got != "billing-api/web/package-lock.json" {
		t.Errorf("filesystem URI %q, want billing-api/web/package-lock.json", got)
	}
	if _, ok := res.Properties["image"]; ok {
		t.Error("image property on a filesystem scan")
	}
}

func TestNoReport(t *testing.T) {
	if err := Write(&bytes.Buffer{}, nil); err == nil {
		t.Error("no error for a nil report")
	}
}

// TestNilLists checks that a report built in Go with nil lists gives valid SARIF
// ("results": [], "rules": [], not null).
func TestNilLists(t *testing.T) {
	if err := schematest.Check(t, "sarif", write(t, &sdk.Report{})); err != nil {
		t.Errorf("output of an empty report is not valid: %v", err)
	}
}
