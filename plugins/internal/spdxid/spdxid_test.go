package spdxid

import (
	"strings"
	"testing"

	"github.com/github/go-spdx/v2/spdxexp/spdxlicenses"
)

// TestGeneratedLists checks spdx_ids.go against the go-spdx module in go.mod: run
// `go generate` after updating it.
func TestGeneratedLists(t *testing.T) {
	if ListVersion != spdxlicenses.LicenseListVersion() {
		t.Errorf("spdx_ids.go is from SPDX list %s, go-spdx has %s: run go generate", ListVersion, spdxlicenses.LicenseListVersion())
	}
	want := append(spdxlicenses.GetLicenses(), spdxlicenses.GetDeprecated()...)
	if got := strings.Split(licenseIDs, "|"); len(got) != len(want) {
		t.Errorf("licenseIDs has %d ids, go-spdx %d: run go generate", len(got), len(want))
	}
	for _, id := range want {
		if got, ok := License(id); !ok || got != id {
			t.Errorf("license id %q: lookup = %q, %v", id, got, ok)
		}
		if got, ok := License(strings.ToLower(id)); !ok || got != id {
			t.Errorf("license id %q lower-cased: lookup = %q, %v", id, got, ok)
		}
	}
	for _, id := range spdxlicenses.GetExceptions() {
		if got, ok := Exception(strings.ToUpper(id)); !ok || got != id {
			t.Errorf("exception id %q: lookup = %q, %v", id, got, ok)
		}
	}
	if got := strings.Split(exceptionIDs, "|"); len(got) != len(spdxlicenses.GetExceptions()) {
		t.Errorf("exceptionIDs has %d ids, go-spdx %d: run go generate", len(got), len(spdxlicenses.GetExceptions()))
	}
	for _, s := range []string{"", "A", "zzzz", "MIT ", "MI"} {
		if _, ok := License(s); ok {
			t.Errorf("License(%q) found", s)
		}
	}
	if got, ok := GNUReplacement("gpl-2.0+"); !ok || got != "GPL-2.0-or-later" {
		t.Errorf("GNUReplacement(gpl-2.0+) = %q, %v", got, ok)
	}
}
