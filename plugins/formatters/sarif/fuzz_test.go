package sarif

import (
	"bytes"
	"encoding/json"
	"os"
	"testing"

	"github.com/trawlscan/trawl/sdk"
)

// FuzzWrite feeds arbitrary report JSON to Write, which must never panic (in the plugin a
// panic costs the whole output) and must always write JSON.
//
//	go test -run '^$' -fuzz FuzzWrite -fuzztime 60s ./plugins/formatters/sarif
func FuzzWrite(f *testing.F) {
	for _, in := range inputs {
		raw, err := os.ReadFile(in)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(raw)
	}
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"artifact":{"name":":","type":"container_image"},"vulnerabilities":[{"id":"X","locations":[{"path":"image-config:","line":-3}],"cvss_score":1e308,"severity":"CRITICAL"},{"id":"X"}],` +
		`"secrets":[{"rule_id":"X","location":{"path":"/"},"end_line":-1},{"rule_id":"r","title":"\n\n","match":"\u0000"}],"plugins":[{"status":"failed"}],"errors":[{"path":"::"}]}`))
	f.Add([]byte("{\"vulnerabilities\":[{\"id\":\"\xff\",\"summary\":\"\xfe\",\"package\":{\"name\":\"`|<\"}}]}"))

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
	})
}
