package schema_test

import (
	"bytes"
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/trawlscan/trawl/sdk"
	"github.com/trawlscan/trawl/sdk/schema"
)

// compile compiles one of the embedded schemas the way a consumer would, with format
// assertions on (2020-12 treats "format" as an annotation unless asked).
func compile(t testing.TB, id string, doc []byte) *jsonschema.Schema {
	t.Helper()
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		t.Fatalf("%s: %v", id, err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource(id, v); err != nil {
		t.Fatalf("%s: %v", id, err)
	}
	s, err := c.Compile(id)
	if err != nil {
		t.Fatalf("%s: %v", id, err)
	}
	return s
}

func validate(t testing.TB, s *jsonschema.Schema, doc []byte) error {
	t.Helper()
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		t.Fatalf("instance is not JSON: %v\n%s", err, doc)
	}
	return s.Validate(v)
}

func mustJSON(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// realisticReport is a report as the host writes it for an Alpine image: every type and
// most optional fields appear at least once.
func realisticReport() *sdk.Report {
	const (
		base = "sha256:1bccf10afce5c1ffe31381419930ad565c1436eaeb1ca680494b0663e0028419"
		app  = "sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef"
	)
	apk := func(name, version, origin, license string) sdk.Package {
		return sdk.Package{
			Name: name, Version: version, Type: "apk", Ecosystem: "Alpine:v3.20",
			PURL: "pkg:apk/alpine/" + name + "@" + version + "?arch=x86_64&distro=alpine-3.20.3",
			Arch: "x86_64", SourceName: origin, Licenses: []string{license}, Analyzer: "os/apk",
			Locations: []sdk.Location{{Path: "lib/apk/db/installed", LayerDiffID: base}},
		}
	}
	return &sdk.Report{
		SchemaVersion: sdk.SchemaVersion,
		Tool:          sdk.Tool{Name: "trawl", Version: "0.1.0"},
		CreatedAt:     time.Date(2024, 11, 20, 9, 14, 3, 0, time.UTC),
		Artifact: sdk.Artifact{
			Name:     "ghcr.io/example/billing-api:1.4.2",
			Type:     sdk.ArtifactImage,
			Digest:   "sha256:9b6e7b1b6b7ce5ab7e4e5b8f24a6f2f8e0c8b1e3c2a4d6f8e0a2c4e6f8a0b2c4",
			ImageID:  "sha256:0c2a4e6f8a0b2c4e6f8a0b2c4e6f8a0b2c4e6f8a0b2c4e6f8a0b2c4e6f8a0b2c",
			Platform: "linux/amd64",
			Layers: []sdk.Layer{
				{DiffID: base, Size: 3490290, CreatedBy: "ADD alpine-minirootfs-3.20.3-x86_64.tar.gz / # buildkit"},
				{DiffID: app, Size: 1824, CreatedBy: "COPY app/ /srv/app/ # buildkit"},
			},
		},
		OS: &sdk.OS{Family: "alpine", Name: "Alpine Linux", Version: "3.20.3", PrettyName: "Alpine Linux v3.20", Source: "etc/os-release"},
		Packages: []sdk.Package{
			apk("busybox", "1.36.1-r29", "busybox", "GPL-2.0-only"),
			apk("musl", "1.2.5-r0", "musl", "MIT"),
			{Name: "golang.org/x/sys", Version: "v0.0.0-20220715151400-c0bba94af5f8", Type: "golang", Indirect: true,
				Locations: []sdk.Location{{Path: "srv/app/go.mod", Line: 7, LayerDiffID: app}}},
			{Name: "wrappy", Version: "1.0.2", Type: "npm", Dev: true, Locations: []sdk.Location{{Path: "srv/app/web/package-lock.json"}}},
		},
		Secrets: []sdk.Secret{{
			RuleID: "aws-access-token", Category: "AWS", Title: "AWS Access Key ID", Severity: "CRITICAL",
			Match: "AWS_ACCESS_KEY_ID=AKIA****************", Analyzer: "secrets",
			Location: sdk.Location{Path: "srv/app/.env", Line: 3, LayerDiffID: app}, EndLine: 3,
			Policy: &sdk.Decision{Action: sdk.ActionDeny, Rule: "no-secrets"},
		}, {
			RuleID: "private-key", Severity: "HIGH", Match: "-----BEGIN OPENSSH PRIVATE KEY-----*****",
			Location: sdk.Location{Path: "srv/app/deploy/id_ed25519", Line: 1}, EndLine: 7, Deleted: true,
		}},
		Plugins: []sdk.PluginStatus{
			{Name: "os", Version: "0.1.0", Kind: sdk.KindAnalyzer, Status: sdk.PluginOK, Files: 2},
			{Name: "java-archive", Version: "0.3.1", Kind: sdk.KindAnalyzer, Status: sdk.PluginFailed, Files: 1,
				Error: "plugin java-archive: trawl_analyze_chunk exceeded its deadline of 30s"},
			{Name: "rpm-ndb", Version: "2.0.0", Kind: sdk.KindAnalyzer, Status: sdk.PluginRefused, Error: "speaks ABI 2.0"},
			{Name: "lang", Version: "0.1.0", Kind: sdk.KindAnalyzer, Status: sdk.PluginUnused},
		},
		Errors: []sdk.FileError{{Analyzer: "npm", Path: "srv/app/package-lock.json", Message: "unexpected end of JSON input"}},
		Suppressed: &sdk.Suppressed{Vulnerabilities: []sdk.Vulnerability{{
			ID: "CVE-2024-3651", IDs: []string{"CVE-2024-3651"}, Advisories: []string{"GHSA-jjg7-2v4v-x38h"},
			Package:  sdk.PackageRef{Name: "idna", Version: "2.7", Type: "pypi"},
			Severity: sdk.SeverityHigh, Status: sdk.StatusFixed,
			Suppression: &sdk.Suppression{Kind: sdk.SuppressedByVEX, Source: "app.vex.json", Status: "not_affected", Reason: "vulnerable_code_not_in_execute_path"},
		}}},
		Verdict: &sdk.Verdict{
			Mode: sdk.ModeEvaluatePolicy, Result: sdk.VerdictFail, Enforced: true,
			Reasons:        []string{"DENY by rule no-secrets: secret aws-access-token in srv/app/.env:3"},
			Counted:        sdk.SeverityCounts{Critical: 1, High: 1},
			Thresholds:     sdk.Thresholds{MaxCritical: 0, MaxHigh: -1, MaxMedium: -1, MaxLow: -1},
			Policy:         &sdk.PolicyInfo{Name: "prod", Source: "oci://ghcr.io/example/policies:prod", Digest: "sha256:1bccf10afce5c1ffe31381419930ad565c1436eaeb1ca680494b0663e0028419", Resolved: "ghcr.io/example/policies@sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef"},
			Actions:        map[string]int{sdk.ActionDeny: 1, sdk.ActionAudit: 1},
			Suppressed:     1,
			ExpiredIgnores: []sdk.ExpiredIgnore{{ID: "CVE-2023-45803", Reason: "accepted", Expires: time.Date(2024, 11, 1, 23, 59, 59, 0, time.UTC), Source: ".trawlignore.yaml:5"}},
			IgnoreFile:     ".trawlignore.yaml",
			VEX:            []string{"app.vex.json"},
		},
	}
}

func TestReportSchemaAcceptsMarshalledReports(t *testing.T) {
	s := compile(t, schema.ReportID, schema.Report)
	full := realisticReport()
	minimal := &sdk.Report{
		SchemaVersion: sdk.SchemaVersion,
		Tool:          sdk.Tool{Name: "trawl", Version: "dev"},
		Artifact:      sdk.Artifact{Name: ".", Type: sdk.ArtifactFilesystem},
		Packages:      []sdk.Package{},
		Plugins:       []sdk.PluginStatus{},
	}
	for name, r := range map[string]*sdk.Report{"full": full, "minimal": minimal} {
		if err := validate(t, s, mustJSON(t, r)); err != nil {
			t.Errorf("%s report rejected: %v", name, err)
		}
	}
}

// TestReportSchemaRejectsNullLists documents a contract the host keeps: sdk.Report's
// packages and plugins have no omitempty, so a nil slice would marshal as null; the schema
// says they are always arrays, and the host sets empty slices.
func TestReportSchemaRejectsNullLists(t *testing.T) {
	s := compile(t, schema.ReportID, schema.Report)
	r := realisticReport()
	r.Packages = nil
	if err := validate(t, s, mustJSON(t, r)); err == nil {
		t.Error(`"packages": null accepted`)
	}
}

// edit marshals the realistic report, decodes it generically and applies change.
func edit(t *testing.T, change func(doc map[string]any)) []byte {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal(mustJSON(t, realisticReport()), &doc); err != nil {
		t.Fatal(err)
	}
	change(doc)
	return mustJSON(t, doc)
}

func at(doc map[string]any, path ...any) map[string]any {
	var v any = doc
	for _, p := range path {
		switch k := p.(type) {
		case string:
			v = v.(map[string]any)[k]
		case int:
			v = v.([]any)[k]
		}
	}
	return v.(map[string]any)
}

func TestReportSchemaRejectsInvalidReports(t *testing.T) {
	s := compile(t, schema.ReportID, schema.Report)
	cases := map[string]func(map[string]any){
		"no packages":              func(d map[string]any) { delete(d, "packages") },
		"no plugins":               func(d map[string]any) { delete(d, "plugins") },
		"no tool":                  func(d map[string]any) { delete(d, "tool") },
		"packages not an array":    func(d map[string]any) { d["packages"] = map[string]any{} },
		"schema version 2.0":       func(d map[string]any) { d["schema_version"] = "2.0" },
		"schema version not m.n":   func(d map[string]any) { d["schema_version"] = "1" },
		"created_at not a date":    func(d map[string]any) { d["created_at"] = "yesterday" },
		"artifact type unknown":    func(d map[string]any) { at(d, "artifact")["type"] = "vm_image" },
		"digest without algorithm": func(d map[string]any) { at(d, "artifact")["digest"] = "9b6e7b1b" },
		"layer without diff_id":    func(d map[string]any) { delete(at(d, "artifact", "layers", 0), "diff_id") },
		"os without family":        func(d map[string]any) { delete(at(d, "os"), "family") },
		"package without name":     func(d map[string]any) { delete(at(d, "packages", 0), "name") },
		"package without version":  func(d map[string]any) { delete(at(d, "packages", 0), "version") },
		"package name empty":       func(d map[string]any) { at(d, "packages", 0)["name"] = "" },
		"purl not a purl":          func(d map[string]any) { at(d, "packages", 0)["purl"] = "apk/musl" },
		"licenses not strings":     func(d map[string]any) { at(d, "packages", 0)["licenses"] = []any{1} },
		"location line 0":          func(d map[string]any) { at(d, "packages", 2, "locations", 0)["line"] = 0 },
		"location without path":    func(d map[string]any) { delete(at(d, "packages", 0, "locations", 0), "path") },
		"secret without rule":      func(d map[string]any) { delete(at(d, "secrets", 0), "rule_id") },
		"secret without location":  func(d map[string]any) { delete(at(d, "secrets", 0), "location") },
		"plugin status unknown":    func(d map[string]any) { at(d, "plugins", 0)["status"] = "crashed" },
		"plugin kind unknown":      func(d map[string]any) { at(d, "plugins", 0)["kind"] = "exporter" },
		"failed plugin, no error":  func(d map[string]any) { delete(at(d, "plugins", 1), "error") },
		"refused plugin, no error": func(d map[string]any) { delete(at(d, "plugins", 2), "error") },
		"file error, no message":   func(d map[string]any) { delete(at(d, "errors", 0), "message") },
		"policy action unknown":    func(d map[string]any) { at(d, "secrets", 0, "policy")["action"] = "BLOCK" },
		"verdict mode unknown":     func(d map[string]any) { at(d, "verdict")["mode"] = "gate" },
		"threshold below -1":       func(d map[string]any) { at(d, "verdict", "thresholds")["max_high"] = -2 },
		"suppression kind unknown": func(d map[string]any) { at(d, "suppressed", "vulnerabilities", 0, "suppression")["kind"] = "waiver" },
		// 1.0 and 1.1 documents are closed: what the schema does not name is a producer bug.
		"1.1, unknown top-level property": func(d map[string]any) { d["licenses"] = []any{} },
		"1.1, unknown package property":   func(d map[string]any) { at(d, "packages", 0)["cpe"] = "cpe:2.3:a" },
		"1.1, unknown location property":  func(d map[string]any) { at(d, "secrets", 0, "location")["column"] = 4 },
		"1.1, misspelt plugin property":   func(d map[string]any) { at(d, "plugins", 0)["file"] = 2 },
		"1.1, misspelt verdict property":  func(d map[string]any) { at(d, "verdict")["reason"] = []any{} },
		"1.0, unknown top-level property": func(d map[string]any) {
			d["schema_version"] = "1.0"
			d["licenses"] = []any{}
		},
		// Later minors are open, but what 1.1 names keeps its type.
		"1.2, wrong type of a known property": func(d map[string]any) {
			d["schema_version"] = "1.2"
			at(d, "packages", 0)["version"] = 3
		},
		"1.2, unknown artifact type": func(d map[string]any) {
			d["schema_version"] = "1.2"
			at(d, "artifact")["type"] = "vm_image"
		},
	}
	for name, change := range cases {
		t.Run(name, func(t *testing.T) {
			if err := validate(t, s, edit(t, change)); err == nil {
				t.Error("accepted")
			}
		})
	}
}

func TestReportSchemaAcceptsLaterMinorAdditions(t *testing.T) {
	s := compile(t, schema.ReportID, schema.Report)
	doc := edit(t, func(d map[string]any) {
		d["schema_version"] = "1.7"
		d["licenses"] = []any{map[string]any{"id": "MIT"}}
		at(d, "packages", 0)["cpe"] = "cpe:2.3:a:busybox:busybox:1.36.1"
		at(d, "secrets", 0, "location")["column"] = 4
		at(d, "plugins", 0)["duration_ms"] = 12
	})
	if err := validate(t, s, doc); err != nil {
		t.Errorf("1.7 report with new optional properties rejected: %v", err)
	}
}

func TestManifestSchema(t *testing.T) {
	s := compile(t, schema.ManifestID, schema.Manifest)
	analyzer := sdk.Manifest{
		ABI: "1.0", Name: "os", Version: "0.1.0", Kind: sdk.KindAnalyzer, Description: "OS packages",
		Analyzers: []sdk.AnalyzerSpec{
			{Name: "os-release", Files: []sdk.Selector{{Path: "etc/os-release"}, {Path: "usr/lib/os-release"}}},
			{Name: "apk", Files: []sdk.Selector{{Path: "lib/apk/db/installed", MaxSize: 64 << 20}}},
			{Name: "python", Files: []sdk.Selector{{Glob: "**/*.dist-info/METADATA"}, {Base: "requirements.txt"}}},
		},
		Limits: sdk.Limits{MemoryMiB: 128, TimeoutMS: 10000},
	}
	formatter := sdk.Manifest{ABI: "1.0", Name: "formatters", Version: "0.1.0", Kind: sdk.KindFormatter, Formats: []string{"json", "table"}}
	for _, m := range []sdk.Manifest{analyzer, formatter} {
		if err := m.Validate(); err != nil {
			t.Fatalf("test manifest %s is invalid for sdk: %v", m.Name, err)
		}
		if err := validate(t, s, mustJSON(t, m)); err != nil {
			t.Errorf("manifest %s rejected: %v", m.Name, err)
		}
	}

	rejected := map[string]string{
		"no abi":                  `{"name":"x","version":"1","kind":"formatter","formats":["a"]}`,
		"abi not major.minor":     `{"abi":"1","name":"x","version":"1","kind":"formatter","formats":["a"]}`,
		"name upper case":         `{"abi":"1.0","name":"X","version":"1","kind":"formatter","formats":["a"]}`,
		"name too long":           `{"abi":"1.0","name":"` + strings.Repeat("x", 65) + `","version":"1","kind":"formatter","formats":["a"]}`,
		"empty version":           `{"abi":"1.0","name":"x","version":"","kind":"formatter","formats":["a"]}`,
		"kind unknown":            `{"abi":"1.0","name":"x","version":"1","kind":"exporter","formats":["a"]}`,
		"formatter no formats":    `{"abi":"1.0","name":"x","version":"1","kind":"formatter"}`,
		"formatter empty formats": `{"abi":"1.0","name":"x","version":"1","kind":"formatter","formats":[]}`,
		"duplicate formats":       `{"abi":"1.0","name":"x","version":"1","kind":"formatter","formats":["a","a"]}`,
		"analyzer no analyzers":   `{"abi":"1.0","name":"x","version":"1","kind":"analyzer"}`,
		"analyzer without files":  `{"abi":"1.0","name":"x","version":"1","kind":"analyzer","analyzers":[{"name":"a","files":[]}]}`,
		"selector with two keys":  `{"abi":"1.0","name":"x","version":"1","kind":"analyzer","analyzers":[{"name":"a","files":[{"path":"a","base":"a"}]}]}`,
		"selector with no key":    `{"abi":"1.0","name":"x","version":"1","kind":"analyzer","analyzers":[{"name":"a","files":[{"max_size":1}]}]}`,
		"absolute path":           `{"abi":"1.0","name":"x","version":"1","kind":"analyzer","analyzers":[{"name":"a","files":[{"path":"/etc/passwd"}]}]}`,
		"base with slash":         `{"abi":"1.0","name":"x","version":"1","kind":"analyzer","analyzers":[{"name":"a","files":[{"base":"a/b"}]}]}`,
		"negative limit":          `{"abi":"1.0","name":"x","version":"1","kind":"formatter","formats":["a"],"limits":{"memory_mib":-1}}`,
		"1.0, misspelt key":       `{"abi":"1.0","name":"x","version":"1","kind":"formatter","formats":["a"],"format":["b"]}`,
		"1.0, unknown limit":      `{"abi":"1.0","name":"x","version":"1","kind":"formatter","formats":["a"],"limits":{"cpu":1}}`,
	}
	for name, doc := range rejected {
		if err := validate(t, s, []byte(doc)); err == nil {
			t.Errorf("%s: accepted %s", name, doc)
		}
	}
	// A manifest of a later ABI may carry properties 1.0 does not know, so that a 1.0
	// host can read enough of it to refuse it by name.
	later := `{"abi":"2.0","name":"x","version":"1","kind":"formatter","formats":["a"],"streaming":true,"limits":{"cpu":1}}`
	if err := validate(t, s, []byte(later)); err != nil {
		t.Errorf("ABI 2.0 manifest rejected: %v", err)
	}
}

// TestSchemasMatchGoTypes guards against drift between the Go types and the schemas: every
// JSON property of a struct must be in its schema object, nothing more, and a property is
// required exactly when encoding/json always writes it (no omitempty).
func TestSchemasMatchGoTypes(t *testing.T) {
	check := func(t *testing.T, file []byte, types map[string]reflect.Type) {
		var doc struct {
			Defs struct {
				Open map[string]any `json:"open"`
			} `json:"$defs"`
		}
		if err := json.Unmarshal(file, &doc); err != nil {
			t.Fatal(err)
		}
		open := doc.Defs.Open
		defs := open["$defs"].(map[string]any)
		for def, typ := range types {
			obj := open
			if def != "" {
				obj = defs[def].(map[string]any)
			}
			var props, required []string
			for p := range obj["properties"].(map[string]any) {
				props = append(props, p)
			}
			req, _ := obj["required"].([]any)
			for _, r := range req {
				required = append(required, r.(string))
			}
			wantProps, wantRequired := jsonFields(typ)
			slices.Sort(props)
			slices.Sort(required)
			if !slices.Equal(props, wantProps) {
				t.Errorf("%s (%s): schema properties %v, Go fields %v", typ, def, props, wantProps)
			}
			if !slices.Equal(required, wantRequired) {
				t.Errorf("%s (%s): schema requires %v, Go always writes %v", typ, def, required, wantRequired)
			}
		}
	}
	t.Run("report", func(t *testing.T) {
		check(t, schema.Report, map[string]reflect.Type{
			"":             reflect.TypeFor[sdk.Report](),
			"tool":         reflect.TypeFor[sdk.Tool](),
			"artifact":     reflect.TypeFor[sdk.Artifact](),
			"layer":        reflect.TypeFor[sdk.Layer](),
			"os":           reflect.TypeFor[sdk.OS](),
			"package":      reflect.TypeFor[sdk.Package](),
			"location":     reflect.TypeFor[sdk.Location](),
			"secret":       reflect.TypeFor[sdk.Secret](),
			"pluginStatus": reflect.TypeFor[sdk.PluginStatus](),
			"fileError":    reflect.TypeFor[sdk.FileError](),
		})
	})
	t.Run("manifest", func(t *testing.T) {
		check(t, schema.Manifest, map[string]reflect.Type{
			"":         reflect.TypeFor[sdk.Manifest](),
			"analyzer": reflect.TypeFor[sdk.AnalyzerSpec](),
			"selector": reflect.TypeFor[sdk.Selector](),
			"limits":   reflect.TypeFor[sdk.Limits](),
		})
	})
}

// jsonFields returns the JSON names of a struct's fields, sorted, and those encoding/json
// always writes. A struct-typed field tagged omitempty is always written too (omitempty does
// not apply to structs), yet counts as optional: hand-written manifests leave "limits" out.
func jsonFields(typ reflect.Type) (all, always []string) {
	for f := range typ.Fields() {
		name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" || !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		all = append(all, name)
		if !slices.Contains(strings.Split(opts, ","), "omitempty") {
			always = append(always, name)
		}
	}
	slices.Sort(all)
	slices.Sort(always)
	return all, always
}
