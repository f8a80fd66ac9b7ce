// Package sbomtest holds the tests that the SBOM formats (CycloneDX, SPDX) share: their
// readers on real documents of other tools, and the fuzz targets of reader and writer.
package sbomtest

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/trawlscan/trawl/sdk"
)

// Codec is one SBOM format's writer, reader and detector.
type Codec struct {
	Write  func(io.Writer, *sdk.Report) error
	Read   func(io.Reader) ([]sdk.Package, error)
	Detect func(head []byte) bool
}

// ThirdParty is a real SBOM of another tool, under testdata/third-party, and the packages
// Read must find in it, as "name@version type purl licenses", in document order.
type ThirdParty struct {
	File string
	Want []string
}

// CheckThirdParty reads each document: it must be detected from its first 512 bytes and
// give exactly the packages expected.
func CheckThirdParty(t *testing.T, c Codec, cases []ThirdParty) {
	for _, tc := range cases {
		t.Run(tc.File, func(t *testing.T) {
			raw, err := os.ReadFile(filepath.Join("testdata", "third-party", tc.File))
			if err != nil {
				t.Fatal(err)
			}
			if !c.Detect(raw[:min(len(raw), 512)]) {
				t.Error("not detected from its first 512 bytes")
			}
			pkgs, err := c.Read(bytes.NewReader(raw))
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, p := range pkgs {
				got = append(got, p.Name+"@"+p.Version+" "+p.Type+" "+p.PURL+" "+strings.Join(p.Licenses, ","))
			}
			if !reflect.DeepEqual(got, tc.Want) {
				t.Errorf("packages:\n got %q\nwant %q", got, tc.Want)
			}
		})
	}
}

// FuzzRead feeds arbitrary bytes to Read, seeded with the files the glob patterns match:
// it must return packages or an error, never panic (trawl sbom reads files from anywhere).
func FuzzRead(f *testing.F, c Codec, patterns ...string) {
	for _, pattern := range patterns {
		files, _ := filepath.Glob(pattern)
		for _, file := range files {
			raw, err := os.ReadFile(file)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(raw)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		pkgs, err := c.Read(bytes.NewReader(data))
		if err != nil && pkgs != nil {
			t.Fatal("packages with an error")
		}
	})
}

// FuzzWrite feeds arbitrary report JSON to Write, seeded with the given report files and a
// report of hostile values: whatever the report holds, the output is JSON that Read
// accepts.
func FuzzWrite(f *testing.F, c Codec, reports ...string) {
	for _, path := range reports {
		raw, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(raw)
	}
	f.Add([]byte(`{"artifact":{"name":"","type":"container_image","digest":"sha256:","platform":"/"},"os":{"family":"x"},` +
		`"packages":[{"name":"","licenses":["","(",")","AND","a WITH b","LicenseRef-","DocumentRef-x:LicenseRef-y","\u00e9+"]},` +
		`{"purl":"pkg:npm/a@1","vendor":" "},{"purl":"pkg:npm/a@1","locations":[{"path":""},{"path":"p","line":-1}]}],` +
		`"vulnerabilities":[{"package":{"purl":"pkg:npm/zzz@1"},"fixed_versions":[""],"cvss_score":-1}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var r sdk.Report
		if json.Unmarshal(data, &r) != nil {
			return
		}
		var out bytes.Buffer
		if err := c.Write(&out, &r); err != nil {
			t.Fatal(err)
		}
		if !json.Valid(out.Bytes()) {
			t.Fatalf("output is not JSON:\n%s", out.Bytes())
		}
		if _, err := c.Read(bytes.NewReader(out.Bytes())); err != nil {
			t.Fatalf("Read of the output: %v\n%s", err, out.Bytes())
		}
	})
}
