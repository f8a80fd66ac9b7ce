package rules

import (
	"io/fs"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/trawlscan/trawl/host/secrets"
	"github.com/trawlscan/trawl/sdk"
)

// TestHostEngine loads every rule as the SDK type and runs its examples through the host's
// native engine: the rules the plugin will declare are the rules the engine accepts, and
// each behaves there as its examples say.
func TestHostEngine(t *testing.T) {
	var all []sdk.SecretRule
	files, err := fs.Glob(Files, "*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range files {
		raw, err := Files.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		var rules []sdk.SecretRule
		if err := yaml.Unmarshal(raw, &rules); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		all = append(all, rules...)
	}
	if _, err := secrets.Compile(all); err != nil {
		t.Fatal(err)
	}
	for _, r := range all {
		if err := secrets.CheckExamples(r); err != nil {
			t.Errorf("%s: %v", r.ID, err)
		}
	}
}
