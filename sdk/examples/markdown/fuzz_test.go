package main

import (
	"bytes"
	"encoding/json"
	"os"
	"testing"

	"github.com/trawlscan/trawl/sdk"
)

// FuzzFormat renders arbitrary reports: the summary is always written, and its tables keep
// their columns whatever the texts hold.
func FuzzFormat(f *testing.F) {
	if data, err := os.ReadFile("testdata/gate.json"); err == nil {
		f.Add(data)
	}
	f.Add([]byte(`{"artifact":{"name":"a|b` + "`" + `"},"vulnerabilities":[{"id":"](x)","severity":"HIGH","summary":"| <b> \\ @x","package":{"name":"|"},"locations":[{"path":"` + "``" + `|"}]}],"verdict":{"mode":"get-report","result":"fail","thresholds":{"max_high":0},"counted":{"high":1}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var r sdk.Report
		if json.Unmarshal(data, &r) != nil {
			return
		}
		var buf bytes.Buffer
		if err := write(&buf, &r, defaultTop); err != nil {
			t.Fatal(err)
		}
		checkTables(t, buf.String())
	})
}
