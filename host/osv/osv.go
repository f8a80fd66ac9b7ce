// Package osv holds the OSV advisory format (https://ossf.github.io/osv-schema/) as Go
// types: what host/db imports and stores, and what host/match evaluates.
package osv

import "time"

// Vulnerability is one OSV advisory.
type Vulnerability struct {
	SchemaVersion    string         `json:"schema_version,omitempty" yaml:"schema_version,omitempty"`
	ID               string         `json:"id" yaml:"id"`
	Modified         time.Time      `json:"modified" yaml:"modified"`
	Published        *time.Time     `json:"published,omitempty" yaml:"published,omitempty"`
	Withdrawn        *time.Time     `json:"withdrawn,omitempty" yaml:"withdrawn,omitempty"`
	Aliases          []string       `json:"aliases,omitempty" yaml:"aliases,omitempty"`
	Upstream         []string       `json:"upstream,omitempty" yaml:"upstream,omitempty"`
	Related          []string       `json:"related,omitempty" yaml:"related,omitempty"`
	Summary          string         `json:"summary,omitempty" yaml:"summary,omitempty"`
	Details          string         `json:"details,omitempty" yaml:"details,omitempty"`
	Severity         []Severity     `json:"severity,omitempty" yaml:"severity,omitempty"`
	Affected         []Affected     `json:"affected,omitempty" yaml:"affected,omitempty"`
	References       []Reference    `json:"references,omitempty" yaml:"references,omitempty"`
	DatabaseSpecific map[string]any `json:"database_specific,omitempty" yaml:"database_specific,omitempty"`
}

// Severity is a scored severity: Type is CVSS_V2, CVSS_V3, CVSS_V4 or Ubuntu; Score is the
// vector (or, for Ubuntu, a rating word).
type Severity struct {
	Type  string `json:"type" yaml:"type"`
	Score string `json:"score" yaml:"score"`
}

// Affected is one package an advisory affects and in which versions.
type Affected struct {
	Package           Package        `json:"package" yaml:"package"`
	Severity          []Severity     `json:"severity,omitempty" yaml:"severity,omitempty"`
	Ranges            []Range        `json:"ranges,omitempty" yaml:"ranges,omitempty"`
	Versions          []string       `json:"versions,omitempty" yaml:"versions,omitempty"`
	EcosystemSpecific map[string]any `json:"ecosystem_specific,omitempty" yaml:"ecosystem_specific,omitempty"`
	DatabaseSpecific  map[string]any `json:"database_specific,omitempty" yaml:"database_specific,omitempty"`
}

// Package names a package in an ecosystem ("PyPI", "Go", "Alpine:v3.20", "Debian:12").
type Package struct {
	Ecosystem string `json:"ecosystem" yaml:"ecosystem"`
	Name      string `json:"name" yaml:"name"`
	PURL      string `json:"purl,omitempty" yaml:"purl,omitempty"`
}

// Range types.
const (
	RangeSemver    = "SEMVER"
	RangeEcosystem = "ECOSYSTEM"
	RangeGit       = "GIT"
)

// Range is a sequence of events over a version ordering.
type Range struct {
	Type             string         `json:"type" yaml:"type"`
	Repo             string         `json:"repo,omitempty" yaml:"repo,omitempty"`
	Events           []Event        `json:"events" yaml:"events"`
	DatabaseSpecific map[string]any `json:"database_specific,omitempty" yaml:"database_specific,omitempty"`
}

// Event is one range event; exactly one field is set.
type Event struct {
	Introduced   string `json:"introduced,omitempty" yaml:"introduced,omitempty"`
	Fixed        string `json:"fixed,omitempty" yaml:"fixed,omitempty"`
	LastAffected string `json:"last_affected,omitempty" yaml:"last_affected,omitempty"`
	Limit        string `json:"limit,omitempty" yaml:"limit,omitempty"`
}

// Reference is a link about the advisory.
type Reference struct {
	Type string `json:"type" yaml:"type"`
	URL  string `json:"url" yaml:"url"`
}
