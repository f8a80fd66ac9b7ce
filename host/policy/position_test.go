package policy

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// rule wraps a rule's lines (indented by four, after "  - id: r") into a policy whose rule
// starts on line 4.
func rule(lines ...string) string {
	return header + "rules:\n  - id: r\n    action: DENY\n" + strings.Join(lines, "\n") + "\n"
}

// TestErrorPositions checks the exact text of load errors, positions included, for the
// cases testdata/errors does not show: limits, encodings and every scalar style of `when`.
func TestErrorPositions(t *testing.T) {
	manyRules := header + "rules:\n"
	for i := range MaxRules + 1 {
		manyRules += fmt.Sprintf("  - id: r%d\n    action: DENY\n    when: \"true\"\n", i)
	}
	manyErrors := header + "rules:\n"
	for i := range 12 {
		manyErrors += fmt.Sprintf("  - {id: r%d, action: DENY, when: \"true\", x: 1}\n", i)
	}
	for _, c := range []struct {
		name, text, want string
	}{
		{"file too large", header + strings.Repeat("#", MaxFileSize), "p.yaml: policy is 1048614 bytes, more than the limit of 1048576"},
		{"invalid UTF-8", header + "name: ab\xffc\n", "p.yaml:3:9: policy is not valid UTF-8"},
		{"empty", "", "p.yaml: policy is empty"},
		{"comments only", "# nothing\n", "p.yaml: policy is empty"},
		{"yaml error on line 1", "a: b: c", "p.yaml:1: mapping values are not allowed in this context"},
		{"too many rules", manyRules, "p.yaml:3004:5: too many rules: a policy holds at most 1000"},
		{"when too large", rule("    when: " + strings.Repeat("true && ", 512) + "true"),
			"p.yaml:6:11: when is 4100 bytes, more than the limit of 4096"},
		{"when not a string", rule("    when: [true]"), "p.yaml:6:11: when must be a string"},
		{"rules not a list", header + "rules: 5\n", "p.yaml:3:8: rules must be a list of rules"},
		{"unknown anchor", header + "rules:\n  - *missing\n", "p.yaml:4: unknown anchor 'missing' referenced"},
		{"merge key", header + "rules:\n  - <<: {id: a}\n    action: DENY\n", "p.yaml:4:5: merge keys (<<) are not supported\np.yaml:4:5: rule has no id\np.yaml:4:5: rule has no when expression"},
		{"non-string key", header + "? [a]\n: b\n", "p.yaml:3:3: key must be a string"},
		{"internal name", rule("    when: finding.id == 'é' || __pkg__.name == 'x'"), "p.yaml:6:32: undeclared reference to '__pkg__'"},
		{"too many errors", manyErrors, strings.TrimSpace(func() string {
			var b strings.Builder
			for i := range 10 {
				fmt.Fprintf(&b, "p.yaml:%d:42: unknown rule key \"x\" (want id, description, action or when)\n", 4+i)
			}
			return b.String() + "p.yaml:14:43: too many errors (2 more)"
		}())},

		// Positions inside expressions, for each style of scalar. Each points at the '.'
		// before a misspelt field, where CEL reports it.
		{"plain", rule("    when: finding.kind == 'x' || finding.nope"), "p.yaml:6:41: undefined field 'nope'"},
		{"plain with tag", rule("    when: !!str finding.nope"), "p.yaml:6:24: undefined field 'nope'"},
		{"plain, multi-byte characters count once", rule("    when: finding.id == 'ü€😀' && finding.nope"), "p.yaml:6:41: undefined field 'nope'"},
		{"plain over three lines", rule("    when: finding.kind == 'x'", "      || finding.id == 'y'", "", "      || finding.nope"),
			"p.yaml:9:17: undefined field 'nope'"},
		{"flow mapping", header + "rules:\n  - {id: r, action: DENY, when: finding.nope}\n", "p.yaml:4:40: undefined field 'nope'"},
		{"double-quoted with escapes", rule(`    when: "finding.id == \"\u00e9\x41\" && finding.nope"`), "p.yaml:6:51: undefined field 'nope'"},
		{"double-quoted, escaped line break", rule(`    when: "finding.kind == 'x' || fin\`, `      ding.nope"`), "p.yaml:7:11: undefined field 'nope'"},
		{"double-quoted over lines", rule(`    when: "finding.kind == 'x' ||`, `       finding.nope"`), "p.yaml:7:15: undefined field 'nope'"},
		{"single-quoted over lines, blank line", rule(`    when: 'finding.kind == ''x'' ||`, "", `       finding.nope'`), "p.yaml:8:15: undefined field 'nope'"},
		{"literal", rule("    when: |", "      finding.kind == 'x' ||", "      finding.nope"), "p.yaml:8:14: undefined field 'nope'"},
		{"literal, keep, comment", rule("    when: |+ # long", "      finding.kind == 'x' ||", "", "        finding.nope", ""), "p.yaml:9:16: undefined field 'nope'"},
		{"literal, indentation indicator", rule("    when: |2-", "         finding.kind == 'x' ||", "       finding.nope"), "p.yaml:8:15: undefined field 'nope'"},
		{"literal, syntax error at the end", rule("    when: |", "      finding.kind == 'x' ||", "      finding.kind =="), "p.yaml:8:22: Syntax error: mismatched input '<EOF>' expecting {'[', '{', '(', '.', '-', '!', 'true', 'false', 'null', NUM_FLOAT, NUM_INT, NUM_UINT, STRING, BYTES, IDENTIFIER}"},
		{"folded", rule("    when: >", "      finding.kind == 'x' ||", "      finding.id == 'y' ||", "      finding.nope"), "p.yaml:9:14: undefined field 'nope'"},
		{"folded, more indented and blank lines", rule("    when: >-", "      finding.kind == 'x' ||", "", "        finding.id == 'y' ||", "      finding.nope"), "p.yaml:10:14: undefined field 'nope'"},
		{"anchored and aliased", header + "x: &w finding.nope\nrules:\n  - id: r\n    action: DENY\n    when: *w\n",
			"p.yaml:3:1: unknown key \"x\" (want apiVersion, kind, name, default or rules)\np.yaml:3:14: undefined field 'nope'"},
		{"CRLF line ends", strings.ReplaceAll(rule("    when: >", "      finding.kind == 'x' ||", "      finding.nope"), "\n", "\r\n"), "p.yaml:8:14: undefined field 'nope'"},
		{"byte-order mark", "\uFEFF" + rule("    when: finding.nope"), "p.yaml:6:18: undefined field 'nope'"},
		{"non-boolean block", rule("    when: |", "      finding.id"), "p.yaml:6:11: when must be a boolean expression, not string"},
		{"double equality across int and double", rule("    when: finding.cvss_score == 7"), "p.yaml:6:30: found no matching overload for '_==_' applied to '(double, int)'"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse("p.yaml", []byte(c.text))
			if err == nil {
				t.Fatalf("no error, want %s", c.want)
			}
			if err.Error() != c.want {
				t.Errorf("got  %s\nwant %s", err, c.want)
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Errorf("%T is not an *Error", err)
			}
		})
	}
}

// TestScalarMap checks that the value of scalars of every style is rebuilt from the file
// text, and that each character is mapped to where it is written.
func TestScalarMap(t *testing.T) {
	for _, text := range []string{
		"k: plain text",
		"k: plain\n  over   \n\n\n  lines",
		"k:   'single ''quoted'' é'",
		"k: 'single\n   over\n\n   lines  '",
		`k: "double \"esc\" \t\\ \x41 \u00e9 \U0001F600 \N \_"`,
		"k: \"double\n   over \\\n   lines\n\n   end  \"",
		"k: \"a\\ttab\"",
		"k: |\n  literal\n    more\n\n  end\n",
		"k: |-\n\n  literal after blank\n",
		"k: |+\n  keep\n\n",
		"k: |1\n   one extra space\n",
		"k: >\n  folded\n  lines\n\n  para\n    more indented\n  back\n",
		"k: >-\n  \n  folded after blank\n",
		"k: !!str &a tagged",
		"k: !!str |\n  tagged block\n",
		"- {k: flow, j: \"in flow\"}",
		"k:\n  - nested: |\n      deep\n      block\n",
		"k: \"\"",
		"k: ''",
		"k: |\n",
	} {
		var doc yaml.Node
		if err := yaml.Unmarshal([]byte(text), &doc); err != nil {
			t.Fatalf("%q: %v", text, err)
		}
		lines := splitLines([]byte(text))
		var walk func(n, parent *yaml.Node)
		walk = func(n, parent *yaml.Node) {
			if n.Kind == yaml.ScalarNode && n.Value != "k" && n.Value != "j" && n.Value != "nested" {
				ps := scalarMap(lines, n, parent.Column-1)
				if ps == nil {
					t.Errorf("%q: value %q not rebuilt", text, n.Value)
					return
				}
				value := []rune(n.Value)
				if len(ps) != len(value)+1 {
					t.Fatalf("%q: %d positions for %d characters", text, len(ps), len(value))
				}
				for i, r := range value {
					src := lines[ps[i].line-1]
					at := rune(0)
					if ps[i].col-1 < len(src) {
						at = src[ps[i].col-1]
					}
					// Line breaks and folded spaces map to the break; escapes to their
					// backslash; anything else to itself.
					if at != r && r != '\n' && r != ' ' && at != '\\' && !(r == '\'' && at == '\'') {
						t.Errorf("%q: value[%d] %q is mapped to %d:%d, which holds %q", text, i, r, ps[i].line, ps[i].col, at)
					}
				}
			}
			for _, c := range n.Content {
				walk(c, n)
			}
		}
		walk(doc.Content[0], doc.Content[0])
	}
}
