package sdk

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Bounds on what a plugin may report, so that a hostile plugin cannot flood a report.
const (
	maxField    = 4096
	maxItems    = 1 << 20
	maxLicenses = 64
)

// Validate checks that a result a plugin returned is well formed.
func (r *AnalysisResult) Validate() error {
	if len(r.Packages) > maxItems || len(r.Secrets) > maxItems || len(r.Errors) > maxItems {
		return fmt.Errorf("more than %d items", maxItems)
	}
	for i := range r.Packages {
		if err := r.Packages[i].Validate(); err != nil {
			return fmt.Errorf("package %d: %w", i, err)
		}
	}
	if r.OS != nil {
		if err := fields("os", r.OS.Family, r.OS.Name, r.OS.Version, r.OS.PrettyName, r.OS.Codename, r.OS.Source); err != nil {
			return err
		}
		if r.OS.Family == "" {
			return fmt.Errorf("os without family")
		}
	}
	for i, s := range r.Secrets {
		if s.RuleID == "" {
			return fmt.Errorf("secret %d: no rule id", i)
		}
		if err := fields("secret", s.RuleID, s.Category, s.Title, s.Severity, s.Match, s.Location.Path); err != nil {
			return err
		}
	}
	for _, e := range r.Errors {
		if err := fields("error", e.Analyzer, e.Path); err != nil {
			return err
		}
	}
	return nil
}

// Validate checks that a package is well formed.
func (p *Package) Validate() error {
	if p.Name == "" {
		return fmt.Errorf("no name")
	}
	if p.Type == "" {
		return fmt.Errorf("%s: no type", p.Name)
	}
	if len(p.Licenses) > maxLicenses {
		return fmt.Errorf("%s: more than %d licenses", p.Name, maxLicenses)
	}
	if err := fields("package", append([]string{p.Name, p.Version, p.Type, p.Ecosystem, p.PURL, p.Arch, p.SourceName, p.SourceVersion, p.Vendor, p.ModularityLabel}, p.Licenses...)...); err != nil {
		return err
	}
	for _, l := range p.Locations {
		if err := fields("location", l.Path, l.LayerDiffID); err != nil {
			return err
		}
		if l.Line < 0 {
			return fmt.Errorf("%s: negative line", p.Name)
		}
	}
	return nil
}

// fields checks strings are valid UTF-8 without control characters and of bounded length.
func fields(what string, ss ...string) error {
	for _, s := range ss {
		if len(s) > maxField {
			return fmt.Errorf("%s field longer than %d bytes", what, maxField)
		}
		if !utf8.ValidString(s) {
			return fmt.Errorf("%s field %q is not UTF-8", what, s)
		}
		if strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
			return fmt.Errorf("%s field %q has control characters", what, s)
		}
	}
	return nil
}
