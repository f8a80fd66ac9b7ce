package vex_test

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/trawlscan/trawl/host/vex"
	"github.com/trawlscan/trawl/sdk"
)

const (
	vendorDoc  = "testdata/vendor.openvex.json"
	secteamDoc = "testdata/security-team.openvex.json"
)

func load(t testing.TB, path string) *vex.Document {
	t.Helper()
	d, err := vex.Load(filepath.FromSlash(path))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// invalidDocs are the documents of testdata/invalid and the exact errors Parse gives. The
// schema rejects each of them too, except those marked: trawl is stricter than the schema
// where matching depends on it (a purl that does not parse would match nothing) or where a
// document is plainly not OpenVEX.
var invalidDocs = []struct {
	file        string
	want        []string
	schemaValid bool
}{
	{"missing-fields.json", []string{
		"@context: missing",
		"@id: missing",
		"author: missing",
		"timestamp: missing",
		"version: missing",
		"statements: missing or empty",
	}, false},
	{"bad-status.json", []string{
		`statements[1]: status: unknown value "not-affected" (want not_affected, affected, fixed or under_investigation)`,
	}, false},
	{"bad-justification.json", []string{
		`statements[0]: justification: unknown value "code_not_reachable" (want component_not_present, vulnerable_code_not_present, vulnerable_code_not_in_execute_path, vulnerable_code_cannot_be_controlled_by_adversary or inline_mitigations_already_exist)`,
	}, false},
	{"no-justification.json", []string{
		"statements[3]: status not_affected needs a justification or an impact_statement",
	}, false},
	{"no-action.json", []string{
		"statements[0]: status affected needs an action_statement",
	}, false},
	{"bad-timestamp.json", []string{
		`timestamp: "2024-01-10" is not an RFC 3339 time`,
		`statements[0]: timestamp: "yesterday" is not an RFC 3339 time`,
	}, false},
	{"product-without-id.json", []string{
		"version: 0, want 1 or more",
		"statements[0]: vulnerability.name: missing",
		"statements[0]: products[0]: needs an @id or identifiers",
		"statements[0]: products[1].identifiers: needs a purl, cpe22 or cpe23",
	}, false},
	{"openvex-0.0.1.json", []string{
		"statements[0]: vulnerability: want an object, got a JSON string",
	}, false},
	{"bad-purl.json", []string{
		`statements[0]: products[1].identifiers.purl: invalid purl "npm/lodash@4.17.20": purl scheme is not "pkg": "npm/lodash@4.17.20"`,
		`statements[0]: products[1].subcomponents[0].@id: invalid purl "pkg:npm": purl is missing type or name`,
	}, true},
	{"not-openvex.json", []string{
		`@context: "https://cyclonedx.org/schema/bom-1.6.schema.json" is not an OpenVEX context (want https://openvex.dev/ns/v0.2.0)`,
	}, true},
}

func TestInvalid(t *testing.T) {
	t.Parallel()
	for _, tt := range invalidDocs {
		t.Run(tt.file, func(t *testing.T) {
			t.Parallel()
			src := filepath.Join("testdata", "invalid", tt.file)
			d, err := vex.Load(src)
			if err == nil {
				t.Fatalf("Load = %+v, want an error", d)
			}
			var want []string
			for _, w := range tt.want {
				want = append(want, src+": "+w)
			}
			if got := err.Error(); got != strings.Join(want, "\n") {
				t.Fatalf("error:\n%s\nwant:\n%s", got, strings.Join(want, "\n"))
			}
		})
	}
	// Every file of testdata/invalid is in the table.
	files, _ := filepath.Glob(filepath.Join("testdata", "invalid", "*.json"))
	if len(files) != len(invalidDocs) {
		t.Errorf("%d files in testdata/invalid, %d in the table", len(files), len(invalidDocs))
	}
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	valid, err := os.ReadFile(filepath.FromSlash(vendorDoc))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"syntax error", []byte("{\n  \"@context\": \"https://openvex.dev/ns/v0.2.0\",\n  \"author\" \"x\"\n}"),
			`doc.json: invalid JSON at line 3, column 12: invalid character '"' after object key`},
		{"truncated", []byte("{\n  \"@context\": \"x\","), "doc.json: invalid JSON at line 2, column 19: unexpected end of JSON input"},
		{"not an object", []byte(`[1, 2]`), "doc.json: the document: want an object, got a JSON array"},
		{"version as a string", bytes.Replace(valid, []byte(`"version": 1`), []byte(`"version": "1"`), 1),
			"doc.json: version: want an integer, got a JSON string"},
		{"statement not an object", []byte(`{"@context": "https://openvex.dev/ns/v0.2.0", "@id": "x", "author": "a",
			"timestamp": "2024-01-01T00:00:00Z", "version": 1, "statements": [42]}`),
			"doc.json: statements[0]: the statement: want an object, got a JSON number"},
		{"missing vulnerability and status", []byte(`{"@context": "https://openvex.dev/ns/v0.2.0", "@id": "x", "author": "a",
			"timestamp": "2024-01-01T00:00:00Z", "version": 1, "statements": [{"products": [{"@id": "pkg:npm/a"}]}]}`),
			"doc.json: statements[0]: vulnerability: missing\ndoc.json: statements[0]: status: missing"},
		{"too large", append(valid, bytes.Repeat([]byte(" "), vex.MaxSize)...),
			"doc.json: larger than 16777216 bytes: not a VEX document"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d, err := vex.Parse("doc.json", tt.data)
			if err == nil {
				t.Fatalf("Parse = %+v, want an error", d)
			}
			if err.Error() != tt.want {
				t.Fatalf("error:\n%s\nwant:\n%s", err, tt.want)
			}
		})
	}
}

func TestLoad(t *testing.T) {
	t.Parallel()
	if _, err := vex.Load(filepath.Join(t.TempDir(), "none.json")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: %v, want fs.ErrNotExist", err)
	}
	big := filepath.Join(t.TempDir(), "big.json")
	if err := os.WriteFile(big, bytes.Repeat([]byte(" "), vex.MaxSize+10), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := vex.Load(big); err == nil || err.Error() != big+": larger than 16777216 bytes: not a VEX document" {
		t.Errorf("large file: %v", err)
	}
}

func TestParseDocument(t *testing.T) {
	t.Parallel()
	d := load(t, vendorDoc)
	src := filepath.FromSlash(vendorDoc)
	if d.Source != src || d.ID != "https://example.com/vex/vendor-2024-001" || d.Version != 1 ||
		d.Author != "Example Vendor Security <security@example.com>" || d.Context != vex.Context ||
		!d.Timestamp.Equal(time.Date(2024, 1, 10, 9, 0, 0, 0, time.UTC)) || len(d.Statements) != 8 {
		t.Fatalf("document = %+v", d)
	}
	s := d.Statements[1]
	if s.Vulnerability.Name != "GHSA-jfh8-c2jp-5v3q" || len(s.Vulnerability.Aliases) != 1 ||
		s.Status != vex.StatusNotAffected || s.Justification != vex.InlineMitigationsAlreadyExist ||
		s.Source != src || s.DocumentID != d.ID || s.Index != 1 ||
		s.Products[0].Identifiers.PURL != "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1" {
		t.Errorf("statement 1 = %+v", s)
	}
	// Timestamps: a statement's own, else the document's.
	if !d.Statements[0].Timestamp.Equal(d.Timestamp) {
		t.Errorf("statement 0 did not inherit the document's timestamp: %s", d.Statements[0].Timestamp)
	}
	if want := time.Date(2024, 1, 5, 0, 0, 0, 0, time.UTC); !d.Statements[2].Timestamp.Equal(want) {
		t.Errorf("statement 2 timestamp = %s, want %s", d.Statements[2].Timestamp, want)
	}
	if a := d.Statements[3]; a.ActionStatement != "Upgrade lodash to 4.17.21." || a.ActionStatementTimestamp.IsZero() {
		t.Errorf("statement 3 = %+v", a)
	}
	if sub := d.Statements[2].Products[0].Subcomponents; len(sub) != 1 || sub[0].ID != "pkg:pypi/flask@0.12.2" {
		t.Errorf("subcomponents = %+v", sub)
	}

	s2 := load(t, secteamDoc)
	if !s2.LastUpdated.Equal(time.Date(2024, 2, 2, 8, 0, 0, 0, time.UTC)) || s2.Version != 3 {
		t.Errorf("security team document = %+v", s2)
	}
}

func TestSuppresses(t *testing.T) {
	t.Parallel()
	for status, want := range map[vex.Status]bool{
		vex.StatusNotAffected: true, vex.StatusFixed: true,
		vex.StatusAffected: false, vex.StatusUnderInvestigation: false,
	} {
		if got := (vex.Statement{Status: status}).Suppresses(); got != want {
			t.Errorf("%s: Suppresses = %v, want %v", status, got, want)
		}
	}
}

func finding(purl string, ids ...string) sdk.Vulnerability {
	return sdk.Vulnerability{ID: ids[0], IDs: ids, Package: sdk.PackageRef{PURL: purl}}
}

func TestMatch(t *testing.T) {
	t.Parallel()
	vendor, secteam := load(t, vendorDoc), load(t, secteamDoc)
	both := vex.NewIndex(vendor, secteam)
	reversed := vex.NewIndex(secteam, vendor)
	vendorOnly := vex.NewIndex(vendor)

	const (
		openssl = "pkg:apk/alpine/openssl@3.1.4-r0?arch=x86_64&distro=alpine-3.19"
		log4j   = "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1"
	)
	type want struct {
		doc    string // "" for no match
		index  int
		status vex.Status
	}
	tests := []struct {
		name string
		ix   *vex.Index
		v    sdk.Vulnerability
		want want
	}{
		{"name, versionless product purl", vendorOnly, finding(openssl, "CVE-2023-0464"),
			want{vendorDoc, 0, vex.StatusNotAffected}},
		{"name, case-insensitive", vendorOnly, finding(openssl, "cve-2023-0464"),
			want{vendorDoc, 0, vex.StatusNotAffected}},
		{"versionless purl: another version", vendorOnly, finding("pkg:apk/alpine/openssl@1.1.1w-r1", "CVE-2023-0464"),
			want{vendorDoc, 0, vex.StatusNotAffected}},
		{"versionless purl: another package", vendorOnly, finding("pkg:apk/alpine/libssl3@3.1.4-r0", "CVE-2023-0464"),
			want{}},
		{"versionless purl: another namespace", vendorOnly, finding("pkg:apk/wolfi/openssl@3.1.4-r0", "CVE-2023-0464"),
			want{}},
		{"other vulnerability", vendorOnly, finding(openssl, "CVE-2023-0465"), want{}},
		{"alias of the statement = the finding's ID", vendorOnly, finding(log4j, "CVE-2021-44228"),
			want{vendorDoc, 1, vex.StatusNotAffected}},
		{"name of the statement = one of the finding's aliases", vendorOnly, finding(log4j, "CVE-2021-44228", "GHSA-jfh8-c2jp-5v3q"),
			want{vendorDoc, 1, vex.StatusNotAffected}},
		{"vulnerability @id", vendorOnly, finding(openssl, "https://nvd.nist.gov/vuln/detail/CVE-2023-0464"),
			want{vendorDoc, 0, vex.StatusNotAffected}},
		{"identifiers.purl with version: other version", vendorOnly,
			finding("pkg:maven/org.apache.logging.log4j/log4j-core@2.17.0", "CVE-2021-44228"), want{}},
		{"subcomponent of an image product", vendorOnly, finding("pkg:pypi/flask@0.12.2", "CVE-2023-1111", "GHSA-xxxx"),
			want{vendorDoc, 2, vex.StatusFixed}},
		{"subcomponent, other version", vendorOnly, finding("pkg:pypi/flask@1.0", "CVE-2023-1111"), want{}},
		{"subcomponent: another package of the image", vendorOnly, finding("pkg:pypi/jinja2@2.10", "CVE-2023-1111"), want{}},
		{"affected", vendorOnly, finding("pkg:npm/lodash@4.17.20", "CVE-2023-2222"),
			want{vendorDoc, 3, vex.StatusAffected}},
		{"under investigation, identifiers.purl only", vendorOnly, finding("pkg:golang/golang.org/x/net@v0.1.0", "CVE-2023-3333"),
			want{vendorDoc, 4, vex.StatusUnderInvestigation}},
		{"a product with a cpe only matches nothing", vendorOnly, finding("pkg:generic/billing@1.0", "CVE-2023-5555"), want{}},
		{"product qualifier equal", vendorOnly, finding("pkg:deb/debian/curl@7.88.1-10?arch=amd64&distro=debian-12", "CVE-2023-6666"),
			want{vendorDoc, 7, vex.StatusFixed}},
		{"product qualifier different", vendorOnly, finding("pkg:deb/debian/curl@7.88.1-10?arch=arm64", "CVE-2023-6666"), want{}},
		{"product qualifier absent from the finding", vendorOnly, finding("pkg:deb/debian/curl@7.88.1-10", "CVE-2023-6666"), want{}},
		{"finding without purl", vendorOnly, finding("", "CVE-2023-0464"), want{}},

		{"the latest statement wins", both, finding("pkg:npm/express@4.18.2", "CVE-2023-4444"),
			want{secteamDoc, 0, vex.StatusAffected}},
		{"the latest statement wins, whatever the order", reversed, finding("pkg:npm/express@4.18.2", "CVE-2023-4444"),
			want{secteamDoc, 0, vex.StatusAffected}},
		{"the later statement applies only to its product", both, finding("pkg:npm/express@4.17.0", "CVE-2023-4444"),
			want{vendorDoc, 5, vex.StatusNotAffected}},
		{"an older statement in a later document loses", both, finding(openssl, "CVE-2023-0464"),
			want{vendorDoc, 0, vex.StatusNotAffected}},
		{"an older statement in a later document loses, reversed", reversed, finding(openssl, "CVE-2023-0464"),
			want{vendorDoc, 0, vex.StatusNotAffected}},
		{"equal timestamps: the later document wins", both, finding("pkg:deb/debian/curl@7.88.1-10?arch=amd64", "CVE-2023-6666"),
			want{secteamDoc, 2, vex.StatusUnderInvestigation}},
		{"equal timestamps: the later document wins, reversed", reversed, finding("pkg:deb/debian/curl@7.88.1-10?arch=amd64", "CVE-2023-6666"),
			want{vendorDoc, 7, vex.StatusFixed}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := tt.ix.Match(tt.v)
			if tt.want.doc == "" {
				if got != nil {
					t.Fatalf("Match = statement %d of %s (%s), want none", got.Index, got.Source, got.Status)
				}
				return
			}
			if got == nil {
				t.Fatalf("Match = nil, want statement %d of %s", tt.want.index, tt.want.doc)
			}
			if got.Source != filepath.FromSlash(tt.want.doc) || got.Index != tt.want.index || got.Status != tt.want.status {
				t.Fatalf("Match = statement %d of %s (%s), want %d of %s (%s)",
					got.Index, got.Source, got.Status, tt.want.index, tt.want.doc, tt.want.status)
			}
			wantSuppress := tt.want.status == vex.StatusNotAffected || tt.want.status == vex.StatusFixed
			if got.Suppresses() != wantSuppress {
				t.Errorf("Suppresses = %v", got.Suppresses())
			}
		})
	}
}

func TestMatchEdges(t *testing.T) {
	t.Parallel()
	var nilIndex *vex.Index
	if nilIndex.Match(finding("pkg:npm/a@1", "CVE-1")) != nil {
		t.Error("a nil index matched")
	}
	ix := vex.NewIndex(nil, load(t, vendorDoc), nil)
	if ix.Match(finding("pkg:apk/alpine/openssl@3", "CVE-2023-0464")) == nil {
		t.Error("nil documents broke the index")
	}
	if ix.Match(finding("not a purl", "CVE-2023-0464")) != nil {
		t.Error("a finding with an invalid purl matched")
	}
	// The result is a copy: changing it does not change the index.
	s := ix.Match(finding("pkg:apk/alpine/openssl@3", "CVE-2023-0464"))
	s.Status = vex.StatusAffected
	if ix.Match(finding("pkg:apk/alpine/openssl@3", "CVE-2023-0464")).Status != vex.StatusNotAffected {
		t.Error("Match returned the index's own statement")
	}
}

func TestConcurrentMatch(t *testing.T) {
	t.Parallel()
	ix := vex.NewIndex(load(t, vendorDoc), load(t, secteamDoc))
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 200; j++ {
				if s := ix.Match(finding("pkg:npm/express@4.18.2", "CVE-2023-4444")); s == nil || s.Status != vex.StatusAffected {
					t.Errorf("Match = %+v", s)
					return
				}
			}
		}()
	}
	wg.Wait()
}

// schemaPath is the official OpenVEX schema, in the shared directory beside the repository.
var schemaPath = filepath.Join("..", "..", "..", "shared", "schemas", "openvex", "openvex_json_schema.json")

func compileSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	if _, err := os.Stat(filepath.Join("..", "..", "..", "shared")); errors.Is(err, fs.ErrNotExist) {
		t.Skipf("the shared directory is absent (%s): cannot check against the OpenVEX schema", filepath.Dir(schemaPath))
	}
	f, err := os.Open(schemaPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatalf("%s: %v", schemaPath, err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat() // the timestamps are date-times, the IRIs IRIs
	const id = "https://github.com/openvex/spec/openvex_json_schema_0.2.0.json"
	if err := c.AddResource(id, doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile(id)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func validateFile(t *testing.T, s *jsonschema.Schema, path string) error {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	inst, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return s.Validate(inst)
}

// TestSchema checks the example documents against the official schema, so that the tests
// exercise documents other tools write and read, and that each invalid document is one the
// schema refuses too, unless marked.
func TestSchema(t *testing.T) {
	t.Parallel()
	s := compileSchema(t)
	valid, _ := filepath.Glob(filepath.Join("testdata", "*.json"))
	if len(valid) < 2 {
		t.Fatalf("example documents: %v", valid)
	}
	for _, p := range valid {
		if err := validateFile(t, s, p); err != nil {
			t.Errorf("%s does not validate against the OpenVEX schema: %v", p, err)
		}
		if _, err := vex.Load(p); err != nil {
			t.Errorf("Load: %v", err)
		}
	}
	for _, tt := range invalidDocs {
		p := filepath.Join("testdata", "invalid", tt.file)
		err := validateFile(t, s, p)
		if tt.schemaValid && err != nil {
			t.Errorf("%s: the schema refuses it, the table says it accepts it: %v", p, err)
		}
		if !tt.schemaValid && err == nil {
			t.Errorf("%s: the schema accepts it", p)
		}
	}
}
