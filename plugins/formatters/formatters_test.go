package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/trawlscan/trawl/sdk"
	"github.com/trawlscan/trawl/sdk/schema"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

// inputs are the reports the golden files are rendered from:
//   - report: an Alpine 3.20.3 image, two layers, the 14 packages of the real 3.20.3
//     minirootfs, two secrets, a failed plugin and a file error;
//   - empty: a directory where nothing was found;
//   - filesystem: a source tree (no layers, no OS) with Go, npm and PyPI packages taken
//     from the corpus lockfiles, and a plugin refused for its ABI;
//   - vulns: a real scan of Alpine 3.10.9 with an upper layer pinning older musl and
//     openssl, matched against the demo database (Alpine secdb v3.10);
//   - gate: a real scan of the demo image in evaluate-policy mode, under a policy with
//     ALLOW, DENY and AUDIT rules, an ignore file with an expired entry and a VEX statement.
var inputs = []string{"report", "empty", "filesystem", "vulns", "gate"}

// outputs are the renderings of each input: request and golden file suffix.
var outputs = []struct {
	name   string
	req    sdk.FormatRequest
	suffix string
}{
	{"json", sdk.FormatRequest{Format: "json"}, ".json"},
	{"table", sdk.FormatRequest{Format: "table"}, ".table.txt"},
	{"table-color", sdk.FormatRequest{Format: "table", Color: true}, ".table-color.txt"},
}

// readReport decodes a test report, refusing fields sdk.Report does not have, so that a
// typo in the test data cannot pass unnoticed.
func readReport(t testing.TB, name string) (*sdk.Report, []byte) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	var r sdk.Report
	if err := dec.Decode(&r); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return &r, raw
}

func format(t testing.TB, req sdk.FormatRequest, r *sdk.Report) []byte {
	t.Helper()
	var out bytes.Buffer
	if err := (formatters{}).Format(req, r, &out); err != nil {
		t.Fatalf("%s: %v", req.Format, err)
	}
	return out.Bytes()
}

func TestGolden(t *testing.T) {
	for _, in := range inputs {
		for _, o := range outputs {
			t.Run(in+o.suffix, func(t *testing.T) {
				r, _ := readReport(t, in)
				got := format(t, o.req, r)
				path := filepath.Join("testdata", "golden", in+o.suffix)
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
}

// TestFormatRaw: the json format is the document itself when it comes as the format writes
// it (as trawl sends it), byte for byte what decoding it and formatting would give; a
// document encoded otherwise, and every other format, are decoded first.
func TestFormatRaw(t *testing.T) {
	for _, in := range inputs {
		r, raw := readReport(t, in)
		doc := format(t, sdk.FormatRequest{Format: "json"}, r)
		var out bytes.Buffer
		done, err := (formatters{}).FormatRaw(sdk.FormatRequest{Format: "json"}, doc, &out)
		if !done || err != nil || !bytes.Equal(out.Bytes(), doc) {
			t.Errorf("%s: FormatRaw of the json format: %v, %v; same bytes: %v", in, done, err, bytes.Equal(out.Bytes(), doc))
		}
		compact, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			format string
			doc    []byte
		}{{"json", compact}, {"json", raw[:len(raw)-1]}, {"table", doc}, {"sarif", doc}} {
			out.Reset()
			if done, err := (formatters{}).FormatRaw(sdk.FormatRequest{Format: tc.format}, tc.doc, &out); done || err != nil || out.Len() > 0 {
				t.Errorf("%s: FormatRaw of %s (%.20q...): done %v, %v, wrote %d bytes", in, tc.format, tc.doc, done, err, out.Len())
			}
		}
	}
}

func compileSchema(t testing.TB, id string, doc []byte) *jsonschema.Schema {
	t.Helper()
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource(id, v); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile(id)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func validate(t testing.TB, s *jsonschema.Schema, doc []byte) error {
	t.Helper()
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		return err
	}
	return s.Validate(v)
}

// TestJSONValidAndRoundTrips checks the json format against the report schema, and that it
// decodes back to the report it was written from.
func TestJSONValidAndRoundTrips(t *testing.T) {
	s := compileSchema(t, schema.ReportID, schema.Report)
	for _, in := range inputs {
		t.Run(in, func(t *testing.T) {
			r, raw := readReport(t, in)
			if err := validate(t, s, raw); err != nil {
				t.Fatalf("test input is not a valid report: %v", err)
			}
			out := format(t, sdk.FormatRequest{Format: "json"}, r)
			if err := validate(t, s, out); err != nil {
				t.Errorf("output is not a valid report: %v", err)
			}
			if !bytes.HasSuffix(out, []byte("}\n")) || bytes.HasSuffix(out, []byte("\n\n")) {
				t.Error("output does not end with exactly one newline")
			}
			var back sdk.Report
			if err := json.Unmarshal(out, &back); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(&back, r) {
				t.Errorf("decoded output differs from the input report:\n got %+v\nwant %+v", back, *r)
			}
			// Writing what was read back gives the same bytes: the format is stable.
			if again := format(t, sdk.FormatRequest{Format: "json"}, &back); !bytes.Equal(again, out) {
				t.Error("second encoding differs from the first")
			}
		})
	}
}

// TestJSONKeepsOrder checks that the formatter does not sort: the host decides the order.
func TestJSONKeepsOrder(t *testing.T) {
	r, _ := readReport(t, "report")
	slices.Reverse(r.Packages)
	var back sdk.Report
	if err := json.Unmarshal(format(t, sdk.FormatRequest{Format: "json"}, r), &back); err != nil {
		t.Fatal(err)
	}
	for i := range r.Packages {
		if back.Packages[i].Name != r.Packages[i].Name {
			t.Fatalf("package %d: got %s, want %s", i, back.Packages[i].Name, r.Packages[i].Name)
		}
	}
}

// TestJSONNilLists checks that a report built in Go with nil lists still gives a valid
// document ("packages": [], not null).
func TestJSONNilLists(t *testing.T) {
	r, _ := readReport(t, "empty")
	r.Packages, r.Plugins = nil, nil
	out := format(t, sdk.FormatRequest{Format: "json"}, r)
	if err := validate(t, compileSchema(t, schema.ReportID, schema.Report), out); err != nil {
		t.Errorf("output with nil lists is not a valid report: %v\n%s", err, out)
	}
}

var ansiEscape = regexp.MustCompile("\x1b\\[[0-9;]*m")

// TestTableColorOnlyWhenAsked checks that the plain table has no escape at all, and that
// colour changes nothing but the escapes: same text, same alignment.
func TestTableColorOnlyWhenAsked(t *testing.T) {
	for _, in := range inputs {
		r, _ := readReport(t, in)
		plain := format(t, sdk.FormatRequest{Format: "table"}, r)
		if i := bytes.IndexByte(plain, 0x1b); i >= 0 {
			t.Errorf("%s: escape character at byte %d of the plain table", in, i)
		}
		colored := format(t, sdk.FormatRequest{Format: "table", Color: true}, r)
		if !bytes.Contains(colored, []byte("\x1b[")) {
			t.Errorf("%s: no colour in the coloured table", in)
		}
		if stripped := ansiEscape.ReplaceAll(colored, nil); !bytes.Equal(stripped, plain) {
			t.Errorf("%s: coloured table without its escapes differs from the plain one:\n%s", in, stripped)
		}
	}
}

// TestTableLinesAreClean checks every table line for trailing blanks and, within one table,
// equal widths, so that no golden file has to be trusted on this by eye alone.
func TestTableLinesAreClean(t *testing.T) {
	for _, in := range inputs {
		r, _ := readReport(t, in)
		out := string(format(t, sdk.FormatRequest{Format: "table"}, r))
		if !strings.HasSuffix(out, "\n") {
			t.Errorf("%s: output does not end with a newline", in)
		}
		tableWidth := -1
		for n, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
			if strings.TrimRight(line, " ") != line {
				t.Errorf("%s:%d: trailing blanks: %q", in, n+1, line)
			}
			switch {
			case strings.HasPrefix(line, "┌"):
				tableWidth = len([]rune(line))
			case strings.HasPrefix(line, "│"), strings.HasPrefix(line, "├"), strings.HasPrefix(line, "└"):
				if w := len([]rune(line)); w != tableWidth {
					t.Errorf("%s:%d: line is %d wide, its table %d: %q", in, n+1, w, tableWidth, line)
				}
			}
		}
	}
}

func TestManifest(t *testing.T) {
	raw, err := os.ReadFile("manifest.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := validate(t, compileSchema(t, schema.ManifestID, schema.Manifest), raw); err != nil {
		t.Fatalf("manifest.json: %v", err)
	}
	var m sdk.Manifest
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	if err := m.Validate(); err != nil {
		t.Fatalf("manifest.json: %v", err)
	}
	r, _ := readReport(t, "report")
	// Every format the manifest declares is one the module writes.
	for _, f := range m.Formats {
		if err := (formatters{}).Format(sdk.FormatRequest{Format: f}, r, &bytes.Buffer{}); err != nil {
			t.Errorf("declared format %q: %v", f, err)
		}
	}
	if err := (formatters{}).Format(sdk.FormatRequest{Format: "xml"}, r, &bytes.Buffer{}); err == nil {
		t.Error("undeclared format xml: no error")
	}
}

// bigReport is the image report with n packages, made by repeating its real ones.
func bigReport(b *testing.B, n int) *sdk.Report {
	r, _ := readReport(b, "report")
	base := r.Packages
	r.Packages = make([]sdk.Package, n)
	for i := range r.Packages {
		p := base[i%len(base)]
		p.Name += "-" + strconv.Itoa(i)
		r.Packages[i] = p
	}
	return r
}

// BenchmarkFormat formats a report of 10,000 packages in each format. out-bytes is the
// size of the output.
func BenchmarkFormat(b *testing.B) {
	r := bigReport(b, 10_000)
	for _, o := range outputs {
		b.Run(o.name, func(b *testing.B) {
			var out bytes.Buffer
			b.ReportAllocs()
			for b.Loop() {
				out.Reset()
				if err := (formatters{}).Format(o.req, r, &out); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(out.Len()), "out-bytes")
		})
	}
}
