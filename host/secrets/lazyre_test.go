package secrets

import (
	"regexp/syntax"
	"strings"
	"testing"
)

func mustParse(t *testing.T, expr string) *syntax.Regexp {
	t.Helper()
	re, err := syntax.Parse(expr, syntax.Perl)
	if err != nil {
		t.Fatal(err)
	}
	return re
}

// wrapsSafely may only vouch for expressions whose wrapped forms parse; near the parser's
// limits it says no, and the forms are parsed.
func TestWrapsSafely(t *testing.T) {
	for _, tc := range []struct {
		name string
		expr string
		safe bool
	}{
		{"rule", `(?i)\b(ghp_[a-z0-9]{36})\b`, true},
		{"deep", strings.Repeat("(", 950) + "a" + strings.Repeat(")", 950), false},
		{"not so deep", strings.Repeat("(", 400) + "a" + strings.Repeat(")", 400), true},
		{"large", strings.Repeat(`[a-z]{1000}`, 1100), false},
		{"not so large", strings.Repeat(`[a-z]{1000}`, 100), true},
	} {
		re, err := syntax.Parse(tc.expr, syntax.Perl)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if got := wrapsSafely(re); got != tc.safe {
			t.Errorf("%s: wrapsSafely = %v, want %v", tc.name, got, tc.safe)
		}
		if got := wrapsSafely(re); got {
			for _, w := range []string{`^(?s:.)(?:` + tc.expr + `)`, `^(?:` + tc.expr + `)`} {
				if _, err := syntax.Parse(w, syntax.Perl); err != nil {
					t.Errorf("%s: vouched for, but %v", tc.name, err)
				}
			}
		}
	}
}

// Wrapping an expression right at the nesting limit fails to parse: the rule is then not
// anchored, and scans as before.
func TestAnchoringAtTheNestingLimit(t *testing.T) {
	// The deepest nesting that parses, keyword first: anchored but for the limit.
	var expr string
	for depth := 1; ; depth++ {
		e := strings.Repeat("(", depth) + "tok_" + strings.Repeat(")", depth)
		if _, err := syntax.Parse(e, syntax.Perl); err != nil {
			break
		}
		expr = e
	}
	if _, err := syntax.Parse(`^(?s:.)(?:`+expr+`)`, syntax.Perl); err == nil {
		t.Fatal("the wrapped form parses at the limit: the test needs another expression")
	}
	if an := newAnchoring(expr, mustParse(t, expr), []string{"tok_"}); an != nil {
		t.Error("anchored, though the wrapped form does not parse")
	}
	// Less deep: anchored.
	expr = strings.Repeat("(", 100) + "tok_" + strings.Repeat(")", 100)
	if an := newAnchoring(expr, mustParse(t, expr), []string{"tok_"}); an == nil {
		t.Error("not anchored")
	}
}
