package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"testing"

	"github.com/trawlscan/trawl/plugins/secrets/confirm"
	"github.com/trawlscan/trawl/plugins/secrets/rules"
	"github.com/trawlscan/trawl/sdk"
)

var update = flag.Bool("update", false, "rewrite manifest.json from the rule files")

// TestManifest: manifest.json carries exactly the rules of the YAML files (it is generated
// from them: go test ./plugins/secrets -update), and is a valid manifest.
func TestManifest(t *testing.T) {
	rs, err := rules.Load()
	if err != nil {
		t.Fatal(err)
	}
	for i := range rs {
		rs[i].Confirm = confirm.Checks(rs[i].ID)
	}
	m := sdk.Manifest{
		ABI:         "1.2",
		Name:        "secrets",
		Version:     "0.1.0",
		Kind:        sdk.KindAnalyzer,
		Description: "Secrets: the host runs these rules natively; the module confirms and classifies their matches",
		Analyzers:   []sdk.AnalyzerSpec{{Name: "secrets", SecretRules: rs, Confirm: true}},
	}
	if err := m.Validate(); err != nil {
		t.Fatal(err)
	}
	var want bytes.Buffer
	enc := json.NewEncoder(&want)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", " ")
	if err := enc.Encode(m); err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.WriteFile("manifest.json", want.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	got, err := os.ReadFile("manifest.json")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want.Bytes()) {
		t.Fatal("manifest.json differs from the rule files: run go test ./plugins/secrets -update")
	}
}
