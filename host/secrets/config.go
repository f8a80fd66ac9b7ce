package secrets

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/trawlscan/trawl/sdk"
)

// DefaultMaxFileSize is the largest file scanned for secrets when the configuration sets no
// limit: larger files are data (archives, dumps, bundles), rarely where credentials are
// written, and would dominate the time of a scan.
const DefaultMaxFileSize = 10 << 20

// Config is what a user sets about secret scanning, from a YAML file:
//
//	rules:                 # added to the built-in rules; one with a built-in id replaces it
//	  - id: acme-token
//	    title: ACME API token
//	    category: saas
//	    severity: HIGH
//	    keywords: [acme_]
//	    regex: '\b(acme_[a-z0-9]{32})\b'
//	    secret_group: 1
//	disable: [generic-api-key]   # rule ids not run
//	allow:
//	  paths: ['(^|/)testdata/']  # RE2 over the path: files not scanned
//	  values: ['^AKIAIOSFODNN7EXAMPLE$']  # RE2 over the secret: findings dropped
//	max_size: 5242880            # bytes; larger files are not scanned (default 10 MiB)
//	baseline: .trawl-secrets-baseline.json
//
// Rules in a configuration need no examples (built-in and plugin rules do).
type Config struct {
	Rules   []sdk.SecretRule `yaml:"rules"`
	Disable []string         `yaml:"disable"`
	Allow   struct {
		Paths  []string `yaml:"paths"`
		Values []string `yaml:"values"`
	} `yaml:"allow"`
	MaxSize  int64  `yaml:"max_size"`
	Baseline string `yaml:"baseline"`
}

// LoadConfig reads a configuration file. Unknown keys, invalid rules and regexes are errors
// that name the file (and the line, where YAML gives one).
func LoadConfig(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var c Config
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if err := c.validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &c, nil
}

func (c *Config) validate() error {
	for i := range c.Rules {
		r := c.Rules[i]
		if len(r.Examples.Match) == 0 {
			// Validate asks built-in rules for examples; a user's rule may have none.
			r.Examples.Match = []string{"-"}
		}
		if err := r.Validate(); err != nil {
			return fmt.Errorf("rules[%d]: %w", i, err)
		}
	}
	for _, p := range append(append([]string(nil), c.Allow.Paths...), c.Allow.Values...) {
		if _, err := regexp.Compile(p); err != nil {
			return fmt.Errorf("allow: %w", err)
		}
	}
	if c.MaxSize < 0 {
		return errors.New("max_size: negative")
	}
	return nil
}

// Apply returns the rules to run: base with the configuration's disabled rules removed and
// its own rules added or put in the place of the base rules of the same id. An id to
// disable that no rule has is an error, since it is most likely a typo that leaves a rule on.
func (c *Config) Apply(base []sdk.SecretRule) ([]sdk.SecretRule, error) {
	if c == nil {
		return base, nil
	}
	own := map[string]sdk.SecretRule{}
	for _, r := range c.Rules {
		own[r.ID] = r
	}
	known := map[string]bool{}
	var out []sdk.SecretRule
	for _, r := range base {
		known[r.ID] = true
		if o, ok := own[r.ID]; ok {
			r = o
			delete(own, r.ID)
		}
		out = append(out, r)
	}
	for _, r := range c.Rules {
		if _, ok := own[r.ID]; ok {
			known[r.ID] = true
			out = append(out, r)
		}
	}
	off := map[string]bool{}
	for _, id := range c.Disable {
		if !known[id] {
			return nil, fmt.Errorf("disable: no rule %q", id)
		}
		off[id] = true
	}
	kept := out[:0]
	for _, r := range out {
		if !off[r.ID] {
			kept = append(kept, r)
		}
	}
	return kept, nil
}

// LoadBaseline reads the fingerprints of findings to ignore: a JSON report of an earlier
// scan (its secrets' fingerprints), or a text file with one fingerprint per line ('#'
// starts a comment).
func LoadBaseline(path string) (map[string]bool, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	out := map[string]bool{}
	if t := bytes.TrimSpace(data); len(t) > 0 && t[0] == '{' {
		var rep struct {
			Secrets []struct {
				Fingerprint string `json:"fingerprint"`
			} `json:"secrets"`
		}
		if err := json.Unmarshal(t, &rep); err != nil {
			return nil, fmt.Errorf("%s: not a trawl JSON report: %w", path, err)
		}
		for _, s := range rep.Secrets {
			if s.Fingerprint != "" {
				out[s.Fingerprint] = true
			}
		}
		return out, nil
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = strings.TrimSpace(line[:i])
		}
		if line == "" {
			continue
		}
		if !fingerprintRE.MatchString(line) {
			return nil, fmt.Errorf("%s:%d: not a fingerprint (32 hex digits)", path, n)
		}
		out[line] = true
	}
	return out, sc.Err()
}

var fingerprintRE = regexp.MustCompile(`^[0-9a-f]{32}$`)

// Fingerprint identifies a finding for baselines: the first 128 bits of SHA-256 over the
// rule, the path and the secret, so that it does not move with lines. It does not show the
// secret; a short, guessable one (a password of a few words) could be found again by
// hashing guesses, as from any identifier stable under edits, so a baseline belongs with
// the code it describes, not in public.
func Fingerprint(ruleID, path, secret string) string {
	h := sha256.New()
	h.Write([]byte(ruleID))
	h.Write([]byte{0})
	h.Write([]byte(path))
	h.Write([]byte{0})
	h.Write([]byte(secret))
	return hex.EncodeToString(h.Sum(nil)[:16])
}
