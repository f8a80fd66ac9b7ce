package scrub

import (
	"strings"
	"testing"

	"github.com/trawlscan/trawl/sdk"
)

func TestString(t *testing.T) {
	raw := Raw(sdk.SecretConfirmRequest{Candidates: []sdk.SecretCandidate{
		{Secret: "s3cr3tValue", Match: `key = "s3cr3tValue"`}, {Secret: "abc", Match: "x=abc"},
	}})
	if len(raw) != 4 {
		t.Fatalf("raw = %q", raw)
	}
	for _, tc := range []struct{ in, want string }{
		// The secret goes first, so its match is masked within.
		{`bad key = "s3cr3tValue" here`, `bad key = "*****" here`},
		{"token s3cr3tValue and s3cr3tValue", "token ***** and *****"},
		{"abc stays: too short to mask", "abc stays: too short to mask"},
		{"x=abc is masked whole", "***** is masked whole"},
	} {
		if got := String(tc.in, raw); got != tc.want {
			t.Errorf("String(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestVerdicts(t *testing.T) {
	raw := []string{"s3cr3tValue"}
	vs := []sdk.SecretVerdict{
		{Confirmed: true, Reason: "checksum of s3cr3tValue ok", Severity: sdk.SeverityHigh},
		{Title: strings.Repeat("t", 300), Note: "note", Severity: "URGENT"},
	}
	Verdicts(vs, raw)
	if vs[0].Reason != "checksum of ***** ok" || vs[0].Severity != sdk.SeverityHigh || !vs[0].Confirmed {
		t.Errorf("verdict 0 = %+v", vs[0])
	}
	if vs[1].Title != strings.Repeat("t", 200)+"…" || vs[1].Note != "note" || vs[1].Severity != "" {
		t.Errorf("verdict 1 = %+v", vs[1])
	}
}
