package secrets

import (
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"github.com/trawlscan/trawl/sdk"
)

func TestAnalyze(t *testing.T) {
	for _, tc := range []struct {
		re       string
		keywords []string
		ok       bool
		before   int
		after    int
	}{
		{`ghp_[A-Za-z0-9]{36}`, []string{"ghp_"}, true, 0, 36},
		{`\b((?:AKIA|ASIA)[A-Z2-7]{16})\b`, []string{"AKIA", "ASIA"}, true, 0, 16},
		{`(?i)password\s{0,4}[:=]`, []string{"password"}, true, 0, 5},
		{`(?i)\b[\w.-]{0,40}?(?:token|access[_.-]?token)`, []string{"token"}, true, 47, 0},
		{`(?i)pass(?:word|wd)=x`, []string{"password", "passwd"}, true, 2, 4},
		// The keyword is not part of every match.
		{`(?i)api.key=[a-z]{8}`, []string{"api_key"}, false, 0, 0},
		{`(?:ghp_|gho_)[a-z]{8}`, []string{"ghp_"}, false, 0, 0},
		{`ghp_[a-z]{8}|[0-9]{8}`, []string{"ghp_"}, false, 0, 0},
		{`(?:ghp_)?[a-z]{8}`, []string{"ghp_"}, false, 0, 0},
		// Unbounded next to the keyword.
		{`(?i)password\s*[:=]`, []string{"password"}, false, 0, 0},
		{`[a-z]+ghp_`, []string{"ghp_"}, false, 0, 0},
		// A keyword across a concatenation.
		{`gh(?:p_|p_)x{3}`, []string{"ghp_"}, true, 0, 3},
		// (?i)k matches the Kelvin sign: left to the window check.
		{`(?i)token`, []string{"TOKEN"}, true, 0, 0},
		// U+FFFD also matches invalid bytes: nothing is known of it.
		{"tok\uFFFDen", []string{"token"}, false, 0, 0},
		{"é+tok", []string{"tok"}, false, 0, 0},
		{"é{1,3}tok", []string{"tok"}, true, 6, 0},
	} {
		got := analyzeRegex(mustParse(t, tc.re), tc.keywords)
		want := reach{ok: tc.ok, before: tc.before, after: tc.after}
		if got != want {
			t.Errorf("%s %q: got %+v, want %+v", tc.re, tc.keywords, got, want)
		}
	}
}

// Regions whose bounds are tight: a match of the longest length, its neighbours word
// characters or not, at every offset around window edges.
func TestRegionEdges(t *testing.T) {
	rules := []sdk.SecretRule{{
		ID: "aws", Title: "t", Category: "cloud", Severity: "LOW",
		Keywords: []string{"AKIA"}, Regex: `\b(AKIA[A-Z2-7]{16})\b`, SecretGroup: 1,
		Examples: sdk.SecretExamples{Match: []string{"AKIAZ7XQ3MLKPR5TWY2N"}},
	}, {
		ID: "end", Title: "t", Category: "cloud", Severity: "LOW",
		Keywords: []string{"tok_"}, Regex: `(?:^|[^a-z])(tok_[a-z]{4,8})(?:[^a-z]|$)`, SecretGroup: 1,
		Examples: sdk.SecretExamples{Match: []string{"tok_abcd"}},
	}, {
		ID: "line", Title: "t", Category: "cloud", Severity: "LOW",
		Keywords: []string{"key="}, Regex: `(?m)^key=([a-z]{3})$`, SecretGroup: 1,
		Examples: sdk.SecretExamples{Match: []string{"key=abc"}},
	}}
	e, err := Compile(rules)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range e.rules {
		if !r.regional {
			t.Fatalf("%s: not scanned by regions", r.id)
		}
	}
	small, _ := Compile(rules)
	small.window, small.overlap = 64, 24
	ref := func(e *Engine) *Engine {
		return &Engine{rules: e.rules, pf: e.pf, window: e.window, overlap: e.overlap, whole: true}
	}
	pieces := []string{"AKIAZ7XQ3MLKPR5TWY2N", "AKIAZ7XQ3MLKPR5TWY2", "tok_abcdefgh", "tok_abcd", "tok_abcdefghi",
		"key=abc", "key=abcd", "x", "Z", "_", " ", "\n", "é", "\xff", "\x80"}
	rng := rand.New(rand.NewPCG(5, 6))
	found := 0
	for i := range 3000 {
		var b strings.Builder
		for range 1 + rng.IntN(12) {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		content := b.String()
		for _, eng := range []*Engine{e, small} {
			want := scan(t, ref(eng), "f", strings.NewReader(content))
			got := scan(t, eng, "f", strings.NewReader(content))
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("case %d %q: got\n%s\nwant\n%s", i, content, dump(got), dump(want))
			}
			found += len(want)
		}
	}
	if found == 0 {
		t.Fatal("no findings")
	}
}
