package cyclonedx

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/trawlscan/trawl/sdk"
)

// FuzzRead feeds arbitrary bytes to Read, seeded with the golden files and the
// third-party documents: it must return packages or an error, never panic (trawl sbom
// reads files from anywhere).
//
//	go test -run '^$' -fuzz FuzzRead -fuzztime 60s ./plugins/formatters/cyclonedx
func FuzzRead(f *testing.F) {
	for _, pattern := range []string{"testdata/golden/*.cdx.json", "testdata/third-party/*.json"} {
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
		pkgs, err := Read(bytes.NewReader(data))
		if err != nil && pkgs != nil {
			t.Fatal("packages with an error")
		}
	})
}

// FuzzWrite feeds arbitrary report JSON to Write, seeded with the fixtures: whatever the
// report holds, the output is JSON that Read accepts.
//
//	go test -run '^$' -fuzz FuzzWrite -fuzztime 60s ./plugins/formatters/cyclonedx
func FuzzWrite(f *testing.F) {
	for _, in := range inputs {
		raw, err := os.ReadFile(inputPath(in))
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
		if err := Write(&out, &r); err != nil {
			t.Fatal(err)
		}
		if !json.Valid(out.Bytes()) {
			t.Fatalf("output is not JSON:\n%s", out.Bytes())
		}
		if _, err := Read(bytes.NewReader(out.Bytes())); err != nil {
			t.Fatalf("Read of the output: %v\n%s", err, out.Bytes())
		}
	})
}
