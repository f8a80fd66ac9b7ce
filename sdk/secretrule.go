package sdk

import (
	"fmt"
	"regexp/syntax"
)

// Secret rule categories (SecretRule.Category).
const (
	SecretCategoryCloud            = "cloud"
	SecretCategoryVCS              = "vcs"
	SecretCategoryCI               = "ci"
	SecretCategoryRegistry         = "registry"
	SecretCategoryPayment          = "payment"
	SecretCategoryChat             = "chat"
	SecretCategorySaaS             = "saas"
	SecretCategoryPrivateKey       = "private-key"
	SecretCategoryJWT              = "jwt"
	SecretCategoryConnectionString = "connection-string"
	SecretCategoryGeneric          = "generic"
)

// Bounds of a secret rule.
const (
	// SecretRuleMinKeyword is the shortest keyword a rule may declare: shorter ones would
	// make the prefilter pass nearly every file.
	SecretRuleMinKeyword = 3
	// SecretRuleMaxEntropy is the largest meaningful Shannon entropy of a byte string, in
	// bits per byte.
	SecretRuleMaxEntropy = 8
)

// SecretRule is one secret-detection rule. Rules are data: YAML in rule files, JSON on the
// wire. The host runs them natively over every text file (a case-insensitive keyword
// prefilter, then the RE2 regex) and hands only candidate matches to plugins.
type SecretRule struct {
	// ID is [a-z0-9-]{1,64}, unique among the rules of a scan.
	ID    string `json:"id" yaml:"id"`
	Title string `json:"title" yaml:"title"`
	// Category is one of the SecretCategory* constants.
	Category string `json:"category" yaml:"category"`
	// Severity is CRITICAL, HIGH, MEDIUM or LOW.
	Severity string `json:"severity" yaml:"severity"`
	// Keywords are case-insensitive literal substrings; a file region is examined with Regex
	// only if one of them occurs in it. At least one, each at least 3 bytes long.
	Keywords []string `json:"keywords" yaml:"keywords"`
	// Regex is the pattern, in Go RE2 syntax. Multi-line secrets use (?s) or [\s\S] with
	// bounded repetition.
	Regex string `json:"regex" yaml:"regex"`
	// SecretGroup is the capture group that holds the secret; 0 is the whole match.
	SecretGroup int `json:"secret_group,omitempty" yaml:"secret_group,omitempty"`
	// Entropy is the minimum Shannon entropy (bits per byte) of the secret; 0 = no check.
	Entropy float64 `json:"entropy,omitempty" yaml:"entropy,omitempty"`
	// Allow lists the matches and files this rule ignores.
	Allow SecretAllow `json:"allow,omitzero" yaml:"allow,omitempty"`
	// Confirm sends the rule's candidates to the owning analyzer's confirmer (its
	// AnalyzerSpec.Confirm); the others are reported as found, without a call. An
	// analyzer that confirms and flags no rule has every rule's candidates sent (ABI 1.1).
	Confirm bool `json:"confirm,omitempty" yaml:"confirm,omitempty"`
	// Examples are strings the rule must and must not report; tests run them.
	Examples SecretExamples `json:"examples" yaml:"examples"`
}

// SecretAllow lists what a secret rule ignores.
type SecretAllow struct {
	// Regexes: a secret matching any of these (RE2, unanchored) is ignored.
	Regexes []string `json:"regexes,omitempty" yaml:"regexes,omitempty"`
	// Stopwords: a secret containing any of these, case-insensitively, is ignored.
	Stopwords []string `json:"stopwords,omitempty" yaml:"stopwords,omitempty"`
	// Paths: files whose path matches any of these (RE2, unanchored) are not scanned by the
	// rule.
	Paths []string `json:"paths,omitempty" yaml:"paths,omitempty"`
}

// SecretExamples are the test cases a secret rule carries.
type SecretExamples struct {
	// Match: each must produce a finding, with the allow rules applied. At least one.
	Match []string `json:"match" yaml:"match"`
	// NoMatch: each must produce no finding.
	NoMatch []string `json:"no_match,omitempty" yaml:"no_match,omitempty"`
}

// Validate checks that a rule is well formed: the id's syntax, the category and severity
// enums, the keywords, that the regexes compile, that SecretGroup names a group of Regex,
// the entropy range, and that there is at least one matching example. It does not run the
// examples (the host's secrets engine does that).
//
// Validate uses package regexp; plugins that never call it do not link it, since nothing in
// this file is referenced from package-level state (no regexp variables here, on purpose).
func (r *SecretRule) Validate() error {
	if !validRuleID(r.ID) {
		return fmt.Errorf("secret rule id %q: want 1 to 64 of [a-z0-9-]", r.ID)
	}
	fail := func(format string, args ...any) error {
		return fmt.Errorf("secret rule %s: %s", r.ID, fmt.Sprintf(format, args...))
	}
	switch r.Category {
	case SecretCategoryCloud, SecretCategoryVCS, SecretCategoryCI, SecretCategoryRegistry,
		SecretCategoryPayment, SecretCategoryChat, SecretCategorySaaS, SecretCategoryPrivateKey,
		SecretCategoryJWT, SecretCategoryConnectionString, SecretCategoryGeneric:
	default:
		return fail("unknown category %q", r.Category)
	}
	switch r.Severity {
	case SeverityCritical, SeverityHigh, SeverityMedium, SeverityLow:
	default:
		return fail("severity %q: want CRITICAL, HIGH, MEDIUM or LOW", r.Severity)
	}
	if len(r.Keywords) == 0 {
		return fail("no keywords")
	}
	for _, k := range r.Keywords {
		if len(k) < SecretRuleMinKeyword {
			return fail("keyword %q shorter than %d bytes", k, SecretRuleMinKeyword)
		}
	}
	if r.Regex == "" {
		return fail("no regex")
	}
	// Parsed, not compiled: the parser rejects what regexp.Compile would (bad syntax,
	// repetitions or programs too large), and a scan validates every rule of its plugins
	// at each start, where compiling them all twice would cost tens of milliseconds.
	re, err := syntax.Parse(r.Regex, syntax.Perl)
	if err != nil {
		return fail("regex: %v", err)
	}
	if groups := re.MaxCap(); r.SecretGroup < 0 || r.SecretGroup > groups {
		return fail("secret_group %d: the regex has %d groups", r.SecretGroup, groups)
	}
	if !(r.Entropy >= 0 && r.Entropy <= SecretRuleMaxEntropy) { // also rejects NaN
		return fail("entropy %v: want 0 to %d", r.Entropy, SecretRuleMaxEntropy)
	}
	for _, a := range r.Allow.Regexes {
		if _, err := syntax.Parse(a, syntax.Perl); err != nil {
			return fail("allow regex: %v", err)
		}
	}
	for _, p := range r.Allow.Paths {
		if _, err := syntax.Parse(p, syntax.Perl); err != nil {
			return fail("allow path: %v", err)
		}
	}
	for _, s := range r.Allow.Stopwords {
		if s == "" {
			return fail("empty stopword")
		}
	}
	if len(r.Examples.Match) == 0 {
		return fail("no matching example")
	}
	return nil
}

// validRuleID reports whether s is 1 to 64 of [a-z0-9-].
func validRuleID(s string) bool {
	if len(s) == 0 || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}
