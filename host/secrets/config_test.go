package secrets

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/trawlscan/trawl/sdk"
)

func TestConfigApply(t *testing.T) {
	base := []sdk.SecretRule{{ID: "a", Title: "A"}, {ID: "b", Title: "B"}, {ID: "c", Title: "C"}}
	c := &Config{Rules: []sdk.SecretRule{{ID: "b", Title: "B, overridden"}, {ID: "d", Title: "D"}}, Disable: []string{"c", "d"}}
	got, err := c.Apply(base)
	if err != nil {
		t.Fatal(err)
	}
	var titles []string
	for _, r := range got {
		titles = append(titles, r.Title)
	}
	if want := []string{"A", "B, overridden"}; !slices.Equal(titles, want) {
		t.Errorf("rules %q, want %q", titles, want)
	}
	if _, err := (&Config{Disable: []string{"nope"}}).Apply(base); err == nil || !strings.Contains(err.Error(), `no rule "nope"`) {
		t.Errorf("unknown id: %v", err)
	}
}

func TestLoadConfig(t *testing.T) {
	dir := t.TempDir()
	write := func(body string) string {
		p := filepath.Join(dir, "c.yaml")
		os.WriteFile(p, []byte(body), 0o644)
		return p
	}
	c, err := LoadConfig(write("rules:\n  - id: x\n    title: X\n    category: saas\n    severity: LOW\n    keywords: [xyz_]\n    regex: 'xyz_[a-z]{8}'\nmax_size: 100\n"))
	if err != nil || len(c.Rules) != 1 || c.MaxSize != 100 {
		t.Fatalf("%+v %v", c, err)
	}
	if c, err := LoadConfig(write("")); err != nil || c == nil {
		t.Errorf("empty file: %v", err)
	}
	for body, want := range map[string]string{
		"rules: []\nmax_siz: 1\n":                   "line 2: field max_siz not found",
		"allow:\n  paths: ['(']\n":                  "allow: error parsing regexp",
		"rules:\n  - id: x\n    regex: 'x'\n":       "unknown category",
		"max_size: -1\n":                            "max_size: negative",
		"rules:\n  - id: Bad\n    category: saas\n": "secret rule id",
	} {
		if _, err := LoadConfig(write(body)); err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "c.yaml") {
			t.Errorf("%q: err = %v, want %q", body, err, want)
		}
	}
}

func TestLoadBaseline(t *testing.T) {
	dir := t.TempDir()
	fp := Fingerprint("github-pat", "a/.env", "ghp_x")
	text := filepath.Join(dir, "b.txt")
	os.WriteFile(text, []byte("# accepted\n"+fp+"  # rotated\n\n"), 0o644)
	report := filepath.Join(dir, "b.json")
	os.WriteFile(report, []byte(`{"secrets":[{"rule_id":"github-pat","fingerprint":"`+fp+`","location":{"path":"a/.env"}}]}`), 0o644)
	for _, p := range []string{text, report} {
		b, err := LoadBaseline(p)
		if err != nil || !b[fp] || len(b) != 1 {
			t.Errorf("%s: %v %v", p, b, err)
		}
	}
	os.WriteFile(text, []byte("not-a-fingerprint\n"), 0o644)
	if _, err := LoadBaseline(text); err == nil || !strings.Contains(err.Error(), ":1: not a fingerprint") {
		t.Errorf("bad line: %v", err)
	}
	if len(fp) != 32 || Fingerprint("github-pat", "a/.env", "ghp_y") == fp {
		t.Error("fingerprints")
	}
}
