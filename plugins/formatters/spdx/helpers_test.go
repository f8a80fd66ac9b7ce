package spdx

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/trawlscan/trawl/sdk"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

// inputs are the formatters' shared fixtures (../testdata, described in
// ../formatters_test.go) and edge, the CycloneDX package's: an RHEL image with an rpm
// epoch, vendors, licenses of every kind, a purl shared by two packages, a package without
// a purl.
var inputs = []string{"report", "empty", "filesystem", "vulns", "gate", "edge"}

func inputPath(name string) string {
	if name == "edge" {
		return filepath.Join("..", "cyclonedx", "testdata", "edge.json")
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
