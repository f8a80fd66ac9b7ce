package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/trawlscan/trawl/plugins/formatters/table"
	"github.com/trawlscan/trawl/sdk"
)

// FuzzTable feeds arbitrary report JSON to the table format, which must never panic (in
// the plugin a panic costs the whole output) and must never write an escape character
// when colour is off, whatever the report holds.
//
//	go test -run '^$' -fuzz FuzzTable -fuzztime 60s ./plugins/formatters
func FuzzTable(f *testing.F) {
	for _, in := range inputs {
		raw, err := os.ReadFile(filepath.Join("testdata", in+".json"))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(raw, false)
		f.Add(raw, true)
	}
	// Hostile text: terminal escapes, bidi overrides, wide and combining characters,
	// invalid UTF-8, multi-line errors, empty and missing everything.
	f.Add([]byte(`{"artifact":{"name":"\u001b[2J\u001b]0;owned\u0007","layers":[{"diff_id":""},{"diff_id":"sha256:"}]},`+
		`"os":{"family":"","version":"\u202e1.0"},"packages":[{"name":"世界\u0301","version":"\u0000","locations":[]},`+
		`{"name":"x","locations":[{"path":"a/\u009b31mb","layer_diff_id":":"}]}],`+
		`"secrets":[{"location":{"line":-1},"deleted":true}],`+
		`"plugins":[{"name":"p","status":"failed","error":"plugin p: \n\n\tline\r\n"},{"status":"refused"}],`+
		`"errors":[{"message":"\n"}]}`), false)
	f.Add([]byte(`{}`), false)
	f.Add([]byte("{\"packages\":[{\"name\":\"\xff\xfe\"}]}"), true)

	f.Fuzz(func(t *testing.T, data []byte, color bool) {
		var r sdk.Report
		if json.Unmarshal(data, &r) != nil {
			return
		}
		var out bytes.Buffer
		if err := table.Write(&out, &r, table.Options{Color: color}); err != nil {
			t.Fatal(err)
		}
		if !color && bytes.IndexByte(out.Bytes(), 0x1b) >= 0 {
			t.Fatalf("escape character without colour:\n%q", out.Bytes())
		}
	})
}
