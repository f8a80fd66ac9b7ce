package sdk

import (
	"encoding/json"
	"math"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

func validSecretRule() SecretRule {
	return SecretRule{
		ID: "aws-access-key-id", Title: "AWS access key ID", Category: SecretCategoryCloud,
		Severity: SeverityCritical, Keywords: []string{"AKIA", "ASIA"},
		Regex:       `\b((?:AKIA|ASIA)[A-Z2-7]{16})\b`,
		SecretGroup: 1, Entropy: 3,
		Allow:    SecretAllow{Regexes: []string{"EXAMPLE"}, Stopwords: []string{"dummy"}, Paths: []string{`(^|/)testdata/`}},
		Examples: SecretExamples{Match: []string{"AKIAIOSFODNN7EXAMPLF"}, NoMatch: []string{"AKIAIOSFODNN7EXAMPLE"}},
	}
}

func TestSecretRuleValidate(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(*SecretRule)
		want   string
	}{
		{"valid", func(*SecretRule) {}, ""},
		{"whole match", func(r *SecretRule) { r.SecretGroup = 0 }, ""},
		{"no entropy", func(r *SecretRule) { r.Entropy = 0 }, ""},
		{"max entropy", func(r *SecretRule) { r.Entropy = 8 }, ""},
		{"no allow", func(r *SecretRule) { r.Allow = SecretAllow{} }, ""},
		{"empty id", func(r *SecretRule) { r.ID = "" }, "want 1 to 64"},
		{"upper id", func(r *SecretRule) { r.ID = "AWS" }, "want 1 to 64"},
		{"underscore id", func(r *SecretRule) { r.ID = "a_b" }, "want 1 to 64"},
		{"long id", func(r *SecretRule) { r.ID = strings.Repeat("a", 65) }, "want 1 to 64"},
		{"category", func(r *SecretRule) { r.Category = "aws" }, "unknown category"},
		{"severity", func(r *SecretRule) { r.Severity = "high" }, "severity"},
		{"severity negligible", func(r *SecretRule) { r.Severity = SeverityNegligible }, "severity"},
		{"no keywords", func(r *SecretRule) { r.Keywords = nil }, "no keywords"},
		{"short keyword", func(r *SecretRule) { r.Keywords = []string{"AKIA", "ak"} }, "shorter than 3"},
		{"no regex", func(r *SecretRule) { r.Regex = "" }, "no regex"},
		{"bad regex", func(r *SecretRule) { r.Regex = "(a" }, "regex:"},
		{"perl regex", func(r *SecretRule) { r.Regex = `(?=a)b` }, "regex:"},
		{"group too big", func(r *SecretRule) { r.SecretGroup = 2 }, "has 1 groups"},
		{"group negative", func(r *SecretRule) { r.SecretGroup = -1 }, "secret_group"},
		{"entropy high", func(r *SecretRule) { r.Entropy = 8.5 }, "entropy"},
		{"entropy negative", func(r *SecretRule) { r.Entropy = -1 }, "entropy"},
		{"entropy NaN", func(r *SecretRule) { r.Entropy = math.NaN() }, "entropy"},
		{"allow regex", func(r *SecretRule) { r.Allow.Regexes = []string{"[x"} }, "allow regex"},
		{"allow path", func(r *SecretRule) { r.Allow.Paths = []string{"*.go"} }, "allow path"},
		{"empty stopword", func(r *SecretRule) { r.Allow.Stopwords = []string{""} }, "empty stopword"},
		{"no example", func(r *SecretRule) { r.Examples.Match = nil }, "no matching example"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := validSecretRule()
			tc.change(&r)
			err := r.Validate()
			if tc.want == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want %q", err, tc.want)
			}
		})
	}
}

// The field names are the shared spec's, in YAML and JSON alike.
func TestSecretRuleFieldNames(t *testing.T) {
	const doc = `
- id: aws-access-key-id
  title: AWS access key ID
  category: cloud
  severity: CRITICAL
  keywords: [AKIA, ASIA]
  regex: '\b((?:AKIA|ASIA)[A-Z2-7]{16})\b'
  secret_group: 1
  entropy: 3.0
  allow:
    regexes: ['EXAMPLE']
    stopwords: [dummy]
    paths: ['(^|/)testdata/']
  examples:
    match: ['AKIAIOSFODNN7EXAMPLF']
    no_match: ['AKIAIOSFODNN7EXAMPLE']
`
	var rules []SecretRule
	dec := yaml.NewDecoder(strings.NewReader(doc))
	dec.KnownFields(true)
	if err := dec.Decode(&rules); err != nil {
		t.Fatal(err)
	}
	want := validSecretRule()
	got, _ := json.Marshal(rules[0])
	exp, _ := json.Marshal(want)
	if string(got) != string(exp) {
		t.Fatalf("yaml decoded to\n%s\nwant\n%s", got, exp)
	}
	for _, k := range []string{`"id"`, `"title"`, `"category"`, `"severity"`, `"keywords"`, `"regex"`,
		`"secret_group"`, `"entropy"`, `"allow"`, `"regexes"`, `"stopwords"`, `"paths"`, `"examples"`, `"match"`, `"no_match"`} {
		if !strings.Contains(string(got), k) {
			t.Errorf("JSON lacks %s: %s", k, got)
		}
	}
	var back SecretRule
	if err := json.Unmarshal(got, &back); err != nil {
		t.Fatal(err)
	}
	if err := back.Validate(); err != nil {
		t.Fatal(err)
	}
	// Optional parts are omitted from JSON when empty.
	min := SecretRule{ID: "x"}
	b, _ := json.Marshal(min)
	if strings.Contains(string(b), "allow") || strings.Contains(string(b), "secret_group") {
		t.Errorf("empty optional fields marshalled: %s", b)
	}
}
