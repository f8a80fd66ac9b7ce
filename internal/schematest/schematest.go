// Package schematest validates the documents trawl writes against the official JSON schemas
// of their formats, kept in ../shared/schemas beside the repository (the secret-detection
// report's, which is not there, in plugins/formatters/gitlab/testdata), for the end-to-end
// tests of every format.
package schematest

import (
	"bytes"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/trawlscan/trawl/internal/corpustest"
	"github.com/trawlscan/trawl/sdk/schema"
)

// schemaFiles are, by format name as the CLI spells it, the schema file and the others it
// references, relative to ../shared/schemas (or to the repository, for a "./" path).
var schemaFiles = map[string][]string{
	"sarif":                      {"sarif/sarif-schema-2.1.0.json"},
	"cyclonedx":                  {"cyclonedx/bom-1.6.schema.json", "cyclonedx/spdx.schema.json", "cyclonedx/jsf-0.82.schema.json"},
	"spdx":                       {"spdx/spdx-schema-2.3.json"},
	"gitlab-container-scanning":  {"gitlab/container-scanning-report-format.json"},
	"gitlab-dependency-scanning": {"gitlab/dependency-scanning-report-format.json"},
	"gitlab-secret-detection":    {"./plugins/formatters/gitlab/testdata/secret-detection-report-format.json"},
}

// Formats lists the formats Validate knows.
func Formats() []string {
	return []string{"sarif", "cyclonedx", "spdx", "gitlab-container-scanning", "gitlab-dependency-scanning", "gitlab-secret-detection"}
}

var (
	mu       sync.Mutex
	compiled = map[string]*jsonschema.Schema{}
)

// Validate fails t unless doc is valid in its format's official schema (with format
// assertions: date-time, uri, ...).
func Validate(t testing.TB, format string, doc []byte) {
	t.Helper()
	if err := Check(t, format, doc); err != nil {
		t.Errorf("%s output does not match its official schema: %v", format, err)
	}
}

// Check returns why doc is not valid in its format's schema, nil when it is. Besides the
// formats of Formats, "report" is trawl's own report document (sdk/schema).
func Check(t testing.TB, format string, doc []byte) error {
	t.Helper()
	s := compile(t, format)
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		return err
	}
	return s.Validate(v)
}

func compile(t testing.TB, format string) *jsonschema.Schema {
	t.Helper()
	mu.Lock()
	defer mu.Unlock()
	if s := compiled[format]; s != nil {
		return s
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if format == "report" {
		v, err := jsonschema.UnmarshalJSON(bytes.NewReader(schema.Report))
		if err != nil {
			t.Fatal(err)
		}
		if err := c.AddResource(schema.ReportID, v); err != nil {
			t.Fatal(err)
		}
		s, err := c.Compile(schema.ReportID)
		if err != nil {
			t.Fatal(err)
		}
		compiled[format] = s
		return s
	}
	files, ok := schemaFiles[format]
	if !ok {
		t.Fatalf("no schema for format %q", format)
	}
	shared := filepath.Join(corpustest.Dir(t), "..", "schemas")
	var main string
	for i, f := range files {
		path := filepath.Join(shared, f)
		if f[:2] == "./" {
			path = filepath.Join(repoRoot(t), f)
		}
		raw, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		v, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
		if err != nil {
			t.Fatal(err)
		}
		// The CycloneDX schema refers to its companions by these URLs.
		url := "http://cyclonedx.org/schema/" + filepath.Base(f)
		if format != "cyclonedx" {
			url = "file:///" + format + "/" + filepath.Base(f)
		}
		if err := c.AddResource(url, v); err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			main = url
		}
	}
	s, err := c.Compile(main)
	if err != nil {
		t.Fatal(err)
	}
	compiled[format] = s
	return s
}

// repoRoot is the directory holding go.mod, above the test's working directory.
func repoRoot(t testing.TB) string {
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for d := wd; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d
		}
		if filepath.Dir(d) == d {
			t.Fatalf("no go.mod above %s", wd)
		}
	}
}
