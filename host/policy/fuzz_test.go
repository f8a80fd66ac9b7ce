package policy

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// addSeeds seeds a fuzz target with every policy of testdata, good and bad.
func addSeeds(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.yaml")
	bad, _ := filepath.Glob("testdata/errors/*.yaml")
	for _, file := range append(files, bad...) {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	if len(files) == 0 || len(bad) == 0 {
		f.Fatal("no seed policies in testdata")
	}
}

// FuzzParse checks that no input makes Parse or Evaluate panic or run away: every failure is
// an ErrorList of errors with sane positions, and every policy that loads decides with one
// of its rules or its default.
func FuzzParse(f *testing.F) {
	addSeeds(f)
	findings := []Finding{opensslAlias, curlCritical, highNoFixOld, lowWontFix, awsKey, fixtureKey, {}}
	f.Fuzz(func(t *testing.T, data []byte) {
		start := time.Now()
		defer func() {
			// The fuzzer has no per-input deadline; a slow input at least fails here.
			if d := time.Since(start); d > 10*time.Second {
				t.Fatalf("took %v", d)
			}
		}()
		p, err := Parse("fuzz.yaml", data)
		if err != nil {
			var list ErrorList
			if !errors.As(err, &list) || len(list) == 0 || len(list) > maxErrors+1 {
				t.Fatalf("error %T %v", err, err)
			}
			lines := len(splitLines(data)) + 1
			for _, e := range list {
				if e.Msg == "" || e.Source != "fuzz.yaml" || e.Line < 0 || e.Col < 0 || e.Line > lines {
					t.Fatalf("bad error %+v (%d lines)", e, lines)
				}
			}
			return
		}
		if len(p.Rules) > MaxRules {
			t.Fatalf("%d rules", len(p.Rules))
		}
		ids := map[string]bool{"": true}
		for _, r := range p.Rules {
			if r.prg == nil {
				t.Fatalf("rule %q not compiled", r.ID)
			}
			ids[r.ID] = true
		}
		// Each rule costs at most the cost limit; the deadline keeps a policy of many
		// expensive rules from slowing the fuzzer down, and is itself exercised.
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		for _, fd := range findings {
			d := p.EvaluateContext(ctx, fd, now)
			if _, ok := parseAction(string(d.Action)); !ok || !ids[d.Rule] {
				t.Fatalf("decision %+v", d)
			}
		}
	})
}

// FuzzScalarMap checks the position mapping on every scalar of arbitrary YAML: it may give
// up (nil), but not panic, and what it returns lies inside the file.
func FuzzScalarMap(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 64<<10 {
			return
		}
		var doc yaml.Node
		if yaml.Unmarshal(data, &doc) != nil || !validUTF8(data) {
			return
		}
		lines := splitLines(data)
		var walk func(n, parent *yaml.Node, depth int)
		walk = func(n, parent *yaml.Node, depth int) {
			if depth > 100 {
				return
			}
			if n.Kind == yaml.ScalarNode {
				ps := scalarMap(lines, n, parent.Column-1)
				if ps != nil && len(ps) != len([]rune(n.Value))+1 {
					t.Fatalf("%d positions for %q", len(ps), n.Value)
				}
				for i, p := range ps {
					// The end of an empty value is the node's position, which yaml.v3
					// may put past the last line; every other position is in the text.
					if i == len(ps)-1 && p == (pos{n.Line, n.Column}) {
						continue
					}
					if p.line < 1 || p.line > len(lines) || p.col < 1 || p.col > len(lines[p.line-1])+1 {
						t.Fatalf("position %+v outside the file (%d lines)", p, len(lines))
					}
				}
			}
			for _, c := range n.Content {
				walk(c, n, depth+1)
			}
		}
		walk(&doc, &doc, 0)
	})
}

func validUTF8(b []byte) bool { return utf8.Valid(b) }
