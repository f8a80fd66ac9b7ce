package main

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
	"os"
	"testing"

	"github.com/trawlscan/trawl/sdk"
)

// FuzzFormat renders arbitrary reports: whatever their texts hold, the output is
// well-formed XML.
func FuzzFormat(f *testing.F) {
	if data, err := os.ReadFile("testdata/gate.json"); err == nil {
		f.Add(data)
	}
	f.Add([]byte(`{"artifact":{"name":"]]>\u0000"},"vulnerabilities":[{"id":"\u001b","severity":"HIGH","summary":"]]]]>>","locations":[{"path":"<&>"}]}],"verdict":{"mode":"get-report","result":"fail","thresholds":{"max_high":0},"counted":{"high":1}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var r sdk.Report
		if json.Unmarshal(data, &r) != nil {
			return
		}
		var buf bytes.Buffer
		if err := write(&buf, &r); err != nil {
			t.Fatal(err)
		}
		dec := xml.NewDecoder(&buf)
		for {
			_, err := dec.Token()
			if errors.Is(err, io.EOF) {
				return
			}
			if err != nil {
				t.Fatalf("not well-formed: %v", err)
			}
		}
	})
}
