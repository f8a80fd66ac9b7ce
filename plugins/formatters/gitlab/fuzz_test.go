package gitlab

import (
	"bytes"
	"encoding/json"
	"os"
	"testing"

	"github.com/trawlscan/trawl/sdk"
)

// FuzzWrite feeds arbitrary report JSON to Write in every kind, which must never panic (in
// the plugin a panic costs the whole output) and must write JSON when it writes at all.
//
//	go test -run '^$' -fuzz FuzzWrite -fuzztime 60s ./plugins/formatters/gitlab
func FuzzWrite(f *testing.F) {
	for _, in := range inputs {
		raw, err := os.ReadFile(in)
		if err != nil {
			f.Fatal(err)
		}
		for _, k := range kinds {
			f.Add(raw, uint8(k))
		}
	}
	f.Add([]byte(`{}`), uint8(0))
	f.Add([]byte(`{"artifact":{"type":"container_image"},"vulnerabilities":[{"id":"X","package":{"type":"npm"},"cvss_vector":"CVSS:2.0/","locations":[{"path":"./"}]},{"id":"X"}],`+
		`"secrets":[{"rule_id":"r","location":{"path":"image-config:","line":-9223372036854775808},"end_line":-1}],"plugins":[{"status":"refused"}],"errors":[{}]}`), uint8(SecretDetection))

	f.Fuzz(func(t *testing.T, data []byte, kind uint8) {
		var r sdk.Report
		if json.Unmarshal(data, &r) != nil {
			return
		}
		var out bytes.Buffer
		if Write(&out, &r, Kind(kind)) != nil {
			return
		}
		if !json.Valid(out.Bytes()) {
			t.Fatalf("output is not JSON:\n%s", out.Bytes())
		}
	})
}
