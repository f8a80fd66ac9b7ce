package scan

import (
	"fmt"
	"testing"

	"github.com/trawlscan/trawl/host/secrets"
	"github.com/trawlscan/trawl/sdk"
)

// TestShadowed: a generic finding on the value a provider's rule found, on the same lines,
// is dropped; one on another value or line is kept; a provider's finding is never dropped;
// a PEM block that starts lines earlier still covers what it spans.
func TestShadowed(t *testing.T) {
	s := &secretScanner{rules: map[string]secretRule{
		"github-pat":      {category: sdk.SecretCategoryVCS},
		"private-key-rsa": {category: sdk.SecretCategoryPrivateKey},
		"generic-token":   {category: sdk.SecretCategoryGeneric},
		"url-basic-auth":  {category: sdk.SecretCategoryConnectionString},
	}}
	found := []secrets.Finding{
		{RuleID: "private-key-rsa", Line: 1, EndLine: 30, Secret: "-----BEGIN RSA PRIVATE KEY-----\nMIIEkey\n-----END"},
		{RuleID: "generic-token", Line: 5, EndLine: 5, Secret: "MIIEkey"},
		{RuleID: "github-pat", Line: 40, EndLine: 40, Secret: "ghp_x"},
		{RuleID: "generic-token", Line: 40, EndLine: 40, Secret: "ghp_x"},
		{RuleID: "url-basic-auth", Line: 40, EndLine: 40, Secret: "ghp_x"},
		{RuleID: "generic-token", Line: 41, EndLine: 41, Secret: "ghp_x"},
		{RuleID: "generic-token", Line: 40, EndLine: 40, Secret: "other"},
	}
	want := []bool{false, true, false, true, true, false, false}
	for i, w := range want {
		if got := s.shadowed(i, found); got != w {
			t.Errorf("finding %d (%s line %d %q): shadowed %v, want %v", i, found[i].RuleID, found[i].Line, found[i].Secret, got, w)
		}
	}

	// Findings of one kind never shadow each other, however many.
	many := make([]secrets.Finding, 1000)
	for i := range many {
		many[i] = secrets.Finding{RuleID: "generic-token", Line: i/3 + 1, EndLine: i/3 + 1, Secret: fmt.Sprint("value", i%3)}
	}
	for i := range many {
		if s.shadowed(i, many) {
			t.Fatalf("finding %d shadowed by its own kind", i)
		}
	}
}
