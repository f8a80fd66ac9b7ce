package severity

import (
	"strings"
)

// FromSource makes the rating of a source's own severity word, such as Ubuntu's priority
// or a GHSA's database_specific.severity: the level ParseLevel reads, no score, and the
// source's name. A word ParseLevel does not know gives an Unknown rating that still names
// its source, and the error.
func FromSource(source, word string) (Rating, error) {
	l, err := ParseLevel(word)
	return Rating{Level: l, Source: source}, err
}

// FromOSV rates one entry of an OSV advisory's severity list: a CVSS_V2, CVSS_V3 or
// CVSS_V4 entry is scored by FromCVSS (the vector's own prefix decides the version, so an
// entry filed under the wrong type is still scored right), and any other type, such as
// "Ubuntu", is that source's own word, read by FromSource.
func FromOSV(typ, score string) (Rating, error) {
	if strings.HasPrefix(typ, "CVSS_V") {
		return FromCVSS(score)
	}
	return FromSource(typ, score)
}

// rank orders the kinds of rating for Best: a greater rank is preferred.
func rank(r Rating) int {
	switch r.Source {
	case SourceCVSSv4:
		return 5
	case SourceCVSSv3:
		if strings.HasPrefix(r.Vector, "CVSS:3.1/") {
			return 4
		}
		return 3
	case SourceCVSSv2:
		return 2
	default:
		return 1
	}
}

// Best picks the rating to show from an advisory's ratings: a CVSS v4.0 one first, then
// v3.1, v3.0, v2.0, and only then a source's own rating; among ratings of the same kind,
// the highest score, then the highest level; among equals, the first. With no ratings it
// returns an Unknown rating.
//
// The newest scoring system comes first because that is how NVD and osv.dev present a
// vulnerability: each version of CVSS was made to fix the previous one's blind spots (v3
// added scope and user interaction, v4 splits the vulnerable from the subsequent systems
// and drops v3's scope), and when an advisory has been rescored, the newer vector is the
// more considered one. A CVSS score of any version comes before a source's own word
// because it is computed from stated facts by a published formula, so two advisories'
// scores can be compared, where "medium" means what each source means by it (Ubuntu's
// priorities, for one, also weigh a package's install base). Within a kind, when sources
// disagree, the most severe rating is shown: a scanner that must err had better err on
// the side of caution.
func Best(ratings []Rating) Rating {
	var best Rating
	for i, r := range ratings {
		if i == 0 || better(r, best) {
			best = r
		}
	}
	return best
}

func better(a, b Rating) bool {
	if ra, rb := rank(a), rank(b); ra != rb {
		return ra > rb
	}
	if a.Score != b.Score {
		return a.Score > b.Score
	}
	return a.Level > b.Level
}
