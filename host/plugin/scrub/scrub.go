// Package scrub keeps the raw secrets a plugin is given to confirm out of everything the
// host takes back from it, whichever way the plugin runs (host/wasm, host/native): its
// errors, its log lines and the text of its verdicts.
package scrub

import (
	"strings"

	"github.com/trawlscan/trawl/sdk"
)

// Raw returns the strings of a confirmation request that must not leave the host: each
// candidate's secret and whole match.
func Raw(req sdk.SecretConfirmRequest) []string {
	raw := make([]string, 0, 2*len(req.Candidates))
	for _, c := range req.Candidates {
		raw = append(raw, c.Secret, c.Match)
	}
	return raw
}

// String replaces every occurrence of the raw strings in s. Strings shorter than 4 bytes
// are left: they would mask ordinary text, and say nothing of a secret.
func String(s string, raw []string) string {
	for _, x := range raw {
		if len(x) >= 4 && strings.Contains(s, x) {
			s = strings.ReplaceAll(s, x, "*****")
		}
	}
	return s
}

// maxText bounds each free-text field of a verdict, in bytes.
const maxText = 200

// Verdicts makes a plugin's verdicts fit for a report: each free-text field is cut to
// maxText bytes and scrubbed of the raw strings, and a severity off the scale is dropped
// (the rule's own stands).
func Verdicts(vs []sdk.SecretVerdict, raw []string) {
	for i := range vs {
		v := &vs[i]
		v.Reason = String(cut(v.Reason), raw)
		v.Title = String(cut(v.Title), raw)
		v.Note = String(cut(v.Note), raw)
		switch v.Severity {
		case "", sdk.SeverityCritical, sdk.SeverityHigh, sdk.SeverityMedium, sdk.SeverityLow:
		default:
			v.Severity = ""
		}
	}
}

func cut(s string) string {
	if len(s) <= maxText {
		return s
	}
	return s[:maxText] + "…"
}
