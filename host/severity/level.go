package severity

import (
	"fmt"
	"strings"
)

// Level is a qualitative severity. Levels are ordered: a greater Level is more severe.
type Level int

// Levels, in order.
const (
	// Unknown means no usable severity: none given, or one not understood.
	Unknown Level = iota
	// Negligible is below Low: Ubuntu's "negligible", Debian's "unimportant", and CVSS v3
	// and v4's "None" (a score of 0.0).
	Negligible
	Low
	Medium
	High
	Critical
)

var levelNames = [...]string{
	Unknown:    "UNKNOWN",
	Negligible: "NEGLIGIBLE",
	Low:        "LOW",
	Medium:     "MEDIUM",
	High:       "HIGH",
	Critical:   "CRITICAL",
}

// String returns the level's name in capitals, as reports print it: "UNKNOWN",
// "NEGLIGIBLE", "LOW", "MEDIUM", "HIGH" or "CRITICAL".
func (l Level) String() string {
	if l < Unknown || int(l) >= len(levelNames) {
		return fmt.Sprintf("Level(%d)", int(l))
	}
	return levelNames[l]
}

// MarshalText writes the level's name, so that JSON and YAML reports carry "HIGH" rather
// than a number that would change meaning if a level were ever added.
func (l Level) MarshalText() ([]byte, error) {
	if l < Unknown || int(l) >= len(levelNames) {
		return nil, fmt.Errorf("severity: invalid level %d", int(l))
	}
	return []byte(levelNames[l]), nil
}

// UnmarshalText reads any spelling that ParseLevel accepts.
func (l *Level) UnmarshalText(text []byte) error {
	v, err := ParseLevel(string(text))
	if err != nil {
		return err
	}
	*l = v
	return nil
}

// levelWords maps the lower-cased spellings that advisory sources use to a level.
var levelWords = map[string]Level{
	"critical": Critical,
	"high":     High,
	// Red Hat's and Microsoft's word for their second level.
	"important": High,
	"medium":    Medium,
	// GitHub's advisory database (GHSA database_specific.severity) says MODERATE.
	"moderate": Medium,
	"low":      Low,
	// Ubuntu's lowest priority.
	"negligible": Negligible,
	// Debian's security tracker: a real flaw that needs no fix.
	"unimportant": Negligible,
	// "none" is an assessment, CVSS's rating of a 0.0 score: it says there is nothing to
	// worry about, which is information, not the absence of it. So it is Negligible, like
	// FromCVSS's rating of a 0.0 v3 or v4 score, and not Unknown.
	"none": Negligible,
	// Words that say no one has rated the issue yet: known to be Unknown, not errors.
	"unknown":          Unknown,
	"":                 Unknown,
	"untriaged":        Unknown, // Ubuntu
	"not yet assigned": Unknown, // Debian
	"unassigned":       Unknown,
}

// ParseLevel reads a severity word, case-insensitively and ignoring surrounding space:
// "critical"; "high" or "important"; "medium" or "moderate"; "low"; "negligible",
// "unimportant" or "none"; and "unknown", "untriaged", "not yet assigned", "unassigned" or
// the empty string, which are Unknown. Any other word is an error, with Unknown.
func ParseLevel(s string) (Level, error) {
	if l, ok := levelWords[strings.ToLower(strings.TrimSpace(s))]; ok {
		return l, nil
	}
	return Unknown, fmt.Errorf("severity: unknown severity level %q", s)
}
