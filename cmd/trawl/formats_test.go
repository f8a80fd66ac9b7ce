package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"testing"

	"github.com/trawlscan/trawl/host/source/sourcetest"
	"github.com/trawlscan/trawl/internal/schematest"
	"github.com/trawlscan/trawl/sdk"
)

// TestFormatsOfRealScans writes every structured format for real scans (the demo image
// against the demo database, an image with Debian packages and planted secrets, the
// corpus's Python lockfiles as a source tree) and validates each against its official
// schema; trawl convert of the saved JSON report gives the same bytes; and trawl sbom reads
// the CycloneDX and SPDX outputs back to the same packages and findings.
func TestFormatsOfRealScans(t *testing.T) {
	if raceEnabled {
		t.Skip("the formatters run in wasm, one call at a time: make test-unit runs this")
	}
	dbFile := demoDB(t)
	lockfiles := t.TempDir()
	copyTree(t, filepath.Join(sourcetest.Corpus(t), "lockfiles", "pypi", "real-world"), filepath.Join(lockfiles, "python"))
	scans := []struct {
		name  string
		args  []string
		image bool
	}{
		{"demo image", []string{"image", "--input", "../../testdata/images/alpine-3.10-demo.tar", "--db", dbFile}, true},
		{"image with secrets", []string{"image", "--input", secretsImage(t), "--db", dbFile}, true},
		{"debian minbase", []string{"image", "--input", filepath.Join(sourcetest.Corpus(t), "images", "debian-bookworm-minbase.tar"), "--db", dbFile}, true},
		{"lockfiles", []string{"fs", lockfiles, "--db", dbFile}, false},
	}
	for _, sc := range scans {
		t.Run(sc.name, func(t *testing.T) {
			dir := t.TempDir()
			formats := []string{"json", "sarif", "cyclonedx", "spdx", "gitlab-dependency-scanning", "gitlab-secret-detection"}
			if sc.image {
				formats = append(formats, "gitlab-container-scanning")
			}
			args := append([]string(nil), sc.args...)
			for _, f := range formats {
				args = append(args, "-f", f+"="+filepath.Join(dir, f))
			}
			if code, _, errOut := trawl(t, args...); code != exitOK {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			out := map[string][]byte{}
			for _, f := range formats {
				b, err := os.ReadFile(filepath.Join(dir, f))
				if err != nil {
					t.Fatal(err)
				}
				out[f] = b
				if f != "json" {
					schematest.Validate(t, f, b)
				}
			}
			validateReport(t, out["json"])

			// convert: the same documents from the saved report.
			for _, f := range formats[1:] {
				conv := filepath.Join(dir, "converted-"+f)
				if code, _, errOut := trawl(t, "convert", filepath.Join(dir, "json"), "-f", f+"="+conv); code != exitOK {
					t.Fatalf("convert -f %s: exit %d: %s", f, code, errOut)
				}
				b, _ := os.ReadFile(conv)
				if !bytes.Equal(b, out[f]) {
					t.Errorf("convert -f %s differs from the scan's own output", f)
				}
			}

			// sbom: our SBOMs read back give the same packages and findings.
			var rep sdk.Report
			decodeReport(t, out["json"], &rep)
			for _, f := range []string{"cyclonedx", "spdx"} {
				back := scanJSON(t, exitOK, "sbom", filepath.Join(dir, f), "--db", dbFile)
				if got, want := purlSet(back), purlSet(&rep); !reflect.DeepEqual(got, want) {
					t.Errorf("%s read back: %d packages, want %d:\n got %v\nwant %v", f, len(got), len(want), got, want)
				}
				if got, want := findingSet(back), findingSet(&rep); !reflect.DeepEqual(got, want) {
					t.Errorf("%s read back: findings\n got %v\nwant %v", f, got, want)
				}
				if back.Artifact.Type != sdk.ArtifactSBOM {
					t.Errorf("artifact type %q", back.Artifact.Type)
				}
			}
		})
	}
	// Bad input to both commands is a usage error.
	bad := filepath.Join(t.TempDir(), "bad.json")
	os.WriteFile(bad, []byte(`{"not":"an sbom"}`), 0o644)
	if code, _, errOut := trawl(t, "sbom", bad, "--db", dbFile); code != exitScanError {
		t.Errorf("sbom of a non-SBOM: exit %d, %s", code, errOut)
	}
	if code, _, errOut := trawl(t, "convert", bad, "-f", "sarif"); code != exitUsage {
		t.Errorf("convert of a non-report: exit %d, %s", code, errOut)
	}
}

func purlSet(r *sdk.Report) []string {
	var out []string
	for _, p := range r.Packages {
		out = append(out, p.PURL)
	}
	sort.Strings(out)
	return out
}

func findingSet(r *sdk.Report) []string {
	var out []string
	for _, v := range r.Vulnerabilities {
		out = append(out, fmt.Sprintf("%s %s@%s", v.ID, v.Package.Name, v.Package.Version))
	}
	sort.Strings(out)
	return out
}

func copyTree(t *testing.T, from, to string) {
	t.Helper()
	err := filepath.WalkDir(from, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(to, rel), 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(to, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

func decodeReport(t *testing.T, b []byte, r *sdk.Report) {
	t.Helper()
	if err := json.Unmarshal(b, r); err != nil {
		t.Fatal(err)
	}
}
