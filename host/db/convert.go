package db

import (
	"github.com/trawlscan/trawl/host/osv"
)

// convertedBy marks, in database_specific.source, the advisories trawl built from a
// distribution feed rather than read as OSV.
const convertedBy = "trawl-convert"

func isConverted(v *osv.Vulnerability) bool {
	src, _ := v.DatabaseSpecific["source"].(string)
	return src == convertedBy
}

// mergeConverted joins a further part of a converted advisory (another package, release or
// feed) into the record stored so far.
func mergeConverted(old, part *osv.Vulnerability) *osv.Vulnerability {
	out := *old
	out.Upstream = union(old.Upstream, part.Upstream)
	out.Aliases = union(old.Aliases, part.Aliases)
	if out.Details == "" {
		out.Details = part.Details
	}
	if part.Modified.After(out.Modified) {
		out.Modified = part.Modified
	}
	out.Affected = append(append([]osv.Affected{}, old.Affected...), part.Affected...)
	return &out
}

func union(a, b []string) []string {
	out := append([]string{}, a...)
	for _, x := range b {
		found := false
		for _, y := range out {
			if x == y {
				found = true
				break
			}
		}
		if !found {
			out = append(out, x)
		}
	}
	return out
}
