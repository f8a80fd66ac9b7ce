package secrets

import (
	"bytes"
	"math/rand/v2"
	"reflect"
	"regexp"
	"regexp/syntax"
	"slices"
	"strings"
	"testing"

	"github.com/trawlscan/trawl/sdk"
)

func TestAnalyzeStart(t *testing.T) {
	for _, tc := range []struct {
		re       string
		keywords []string
		ok       bool
		offsets  []int
		anchors  []string
	}{
		{`\b(ghp_[A-Za-z0-9]{36})\b`, []string{"ghp_"}, true, []int{0}, nil},
		{`(?i:(?:password|passwd|\bpwd))["']?=([a-z]{8})`, []string{"password", "passwd", "pwd"}, true, []int{0}, nil},
		// Keywords that are prefixes of one another: the first offset wins.
		{`(?i:secret(?:_key)?|sec)=x`, []string{"sec", "secret", "secret_key"}, true, []int{0}, nil},
		// A fixed byte before the keyword.
		{`<(?:password|token)>([a-z]{4})`, []string{"password", "token"}, true, []int{1}, nil},
		// A spelling the keywords miss becomes an anchor.
		{`(?i:api[_.-]?key)=([a-z]{4})`, []string{"api_key", "apikey"}, true, []int{0}, []string{"api-key=", "api.key="}},
		// Unbounded after the keyword: still anchored.
		{`(?i)token\s*=\s*"([a-z]+)"`, []string{"token"}, true, []int{0}, nil},
		// No known start.
		{`[a-z]{3}tok_`, []string{"tok_"}, false, nil, nil},
		{`(?:^|[^a-z])(tok_[a-z]{4})`, []string{"tok_"}, false, nil, nil},
		{`\btok_|x`, []string{"tok_"}, false, nil, nil},
		// A non-ASCII first byte.
		{`é_tok`, []string{"_tok"}, false, nil, nil},
	} {
		got := analyzeStart(mustParse(t, tc.re), tc.keywords)
		if got.ok != tc.ok || !reflect.DeepEqual(got.offsets, tc.offsets) || !reflect.DeepEqual(got.anchors, tc.anchors) {
			t.Errorf("%s %q: got %+v", tc.re, tc.keywords, got)
		}
	}
}

// The sieve and the byte filter never reject a start where the regex matches.
func TestSieve(t *testing.T) {
	exprs := []string{
		`(?i:(?:token|auth[_.-]?token))["']?[ \t]{0,4}(?::=|=>|=|:)[ \t]{0,4}["']?([A-Za-z0-9+/=_.~!@#%^&*-]{16,128})(?:["'\s,;]|$)`,
		`(?i)tok\s*=\s*["']([a-z]+)["']`, `(?s)key.{0,5}?x`, `(?i)kes(?:a*b)*c`, `(?:k(?:x?)*y{2,})`, `s[^a]{1,3}é`,
	}
	pieces := []string{"token", "TOKEN", "tok", "tok = '", "key", "kes", "k", "y", "s", "sé", "\u212a", "\u017f", "é", "\xff", " ", "=", "'", "\"", "a", "b", "c", "x", "y", "\n", "ab", strings.Repeat("Z9", 10)}
	rng := rand.New(rand.NewPCG(1, 2))
	for _, expr := range exprs {
		re := regexp.MustCompile(`^(?:` + expr + `)`)
		p, _ := syntax.Parse(expr, syntax.Perl)
		s := newSieve(p)
		matched := 0
		for range 20000 {
			var b strings.Builder
			for range 1 + rng.IntN(10) {
				b.WriteString(pieces[rng.IntN(len(pieces))])
			}
			text := []byte(b.String())
			if re.Match(text) {
				matched++
				if !s.possible(text) {
					t.Fatalf("%s: the sieve rejects %q", expr, text)
				}
				// The filter made for any prefix of the text, lower-cased.
				for k := 0; k <= min(len(text), 8); k++ {
					prefix := strings.ToLower(string(text[:k]))
					if f := newByteFilter(s, prefix); f != nil && !f.possible(text) {
						t.Fatalf("%s: the byte filter for %q rejects %q", expr, prefix, text)
					}
				}
			}
		}
		if matched == 0 {
			t.Errorf("%s: no match tried", expr)
		}
	}
}

func edgeRules() []sdk.SecretRule {
	mk := func(id string, keywords []string, re string) sdk.SecretRule {
		ex := "x" // Validate wants one; they are not checked here
		return sdk.SecretRule{ID: id, Title: "t", Category: "cloud", Severity: "LOW", Keywords: keywords, Regex: re, SecretGroup: 1,
			Examples: sdk.SecretExamples{Match: []string{ex}}}
	}
	return []sdk.SecretRule{
		// \b at the start and end.
		mk("word", []string{"tok_"}, `\b(tok_[a-z]{4,8})\b`),
		// (?m)^ and $: multi-line.
		mk("line", []string{"key="}, `(?m)^key=([a-z]{3})$`),
		// Keywords prefixes of one another.
		mk("prefix", []string{"sec", "secret", "secret_key"}, `(?i:secret(?:_key)?|sec)=([a-z0-9]{4,12})`),
		// Hits inside a previous match.
		mk("inside", []string{"ab_"}, `(ab_[a-z_]{0,20})`),
		// Unbounded.
		mk("open", []string{"pwd"}, `(?i)pwd\s*=\s*"([^"]*)"`),
		// A byte before the keyword, and anchors.
		mk("xml", []string{"password", "token"}, `(?i:<(?:password|token|api_key)>|\b(?:password|token)\s*=\s*')([a-z0-9]{4,})`),
		mk("anchor", []string{"api_key"}, `(?i:api[_.-]?key)=([a-z0-9]{4})`),
		// Runes the sieve gives up on.
		mk("dot", []string{"tok_"}, `tok_(.{0,5}x)`),
	}
}

// Anchored matching against the whole-window reference, on text made of the pieces that
// stress it: at window edges (small windows), after word bytes and non-ASCII ones, across
// lines, with overlapping hits.
func TestAnchoredEdges(t *testing.T) {
	rules := edgeRules()
	e, err := Compile(rules)
	if err != nil {
		t.Fatal(err)
	}
	l := e.lists(nil)
	for i, r := range e.rules {
		if l.mode[i] != modeAnchored {
			t.Fatalf("%s: not anchored", r.id)
		}
	}
	small, _ := Compile(rules)
	small.window, small.overlap = 64, 24
	ref := func(e *Engine) *Engine {
		return &Engine{rules: e.rules, pf: e.pf, window: e.window, overlap: e.overlap, whole: true}
	}
	pieces := []string{"tok_abcd", "tok_abcdefghi", "tok_", "key=abc", "key=abcd", "SECRET_KEY=abcd", "sec=1234", "secret=x",
		"ab_", "ab_ab_", "pwd = \"", "PWD=\"", "\"", "<password>", "<token>", "<api_key>", "token = '", "api-key=", "API.KEY=",
		"api_key", "abcd1234", "x", "Z", "_", " ", "\n", "\r\n", "é", "\xff", "\x80", "\xe2\x82", "\u212a", "ab"}
	rng := rand.New(rand.NewPCG(7, 8))
	found := 0
	for i := range 4000 {
		var b strings.Builder
		for range 1 + rng.IntN(16) {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		content := b.String()
		for _, eng := range []*Engine{e, small} {
			want := scan(t, ref(eng), "f", strings.NewReader(content))
			got := scan(t, eng, "f", strings.NewReader(content))
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("case %d %q: got\n%s\nwant\n%s", i, content, dump(got), dump(want))
			}
			got, err := eng.ScanBytes("f", []byte(content), 0)
			if err != nil || !reflect.DeepEqual(got, want) {
				t.Fatalf("case %d %q: ScanBytes got\n%s\nwant\n%s", i, content, dump(got), dump(want))
			}
			found += len(want)
		}
	}
	if found < 1000 {
		t.Fatalf("only %d findings", found)
	}
}

// An anchored rule stops at MaxFindings matches in a window, as FindAll does, and keeps
// going in the next.
func TestAnchoredMaxFindings(t *testing.T) {
	e, err := Compile(edgeRules())
	if err != nil {
		t.Fatal(err)
	}
	e.window, e.overlap = 1<<20, 1<<10
	content := strings.Repeat("ab_x ", MaxFindings+500) + strings.Repeat("tok_abcd ", 10)
	ref := &Engine{rules: e.rules, pf: e.pf, window: e.window, overlap: e.overlap, whole: true}
	want := scan(t, ref, "f", strings.NewReader(content))
	got := scan(t, e, "f", strings.NewReader(content))
	if len(want) != MaxFindings || !reflect.DeepEqual(got, want) {
		t.Fatalf("got %d findings, want %d", len(got), len(want))
	}
}

// ScanBytes finds what Scan finds, maxSize and binary files included, around the window
// size where it switches from scanning in place to streaming.
func TestScanBytes(t *testing.T) {
	e := mustCompile(t)
	e.window, e.overlap = 256, 64
	base := []byte(strings.Repeat("x = 1\n", 30) + "token = \"" + ghToken + "\"\nAKIAZ7XQ3MLKPR5TWY2N\n")
	for _, n := range []int{0, 1, 100, 200, 255, 256, 257, 400} {
		content := bytes.Repeat(base, 3)[:n]
		for _, maxSize := range []int64{0, 50, 255, 256, 257, int64(n)} {
			for _, path := range []string{"f", "testdata/f"} {
				want, werr := e.Scan(path, bytes.NewReader(content), maxSize)
				got, gerr := e.ScanBytes(path, content, maxSize)
				if werr != gerr || !reflect.DeepEqual(got, want) {
					t.Fatalf("n %d maxSize %d %s: got %v %v, want %v %v", n, maxSize, path, got, gerr, want, werr)
				}
			}
		}
	}
	bin := append(slices.Clone(base), 0)
	if got, err := e.ScanBytes("f", bin[:200], 0); got != nil || err != nil {
		t.Fatalf("binary: %v %v", got, err)
	}
}

// TestByteRun checks the one-loop evaluation of a repeated byte atom against the
// evaluation per iteration, ends and "maybe" alike, over random texts and start sets.
func TestByteRun(t *testing.T) {
	atoms := []string{`[a-z0-9.-]`, `\s`, `[^\s"]`, `x`, `.`, `(?s:.)`, `[a-zé]`, `(?i)k`}
	reps := []string{`*`, `+`, `?`, `{2,5}`, `{3}`, `{0}`, `{1,}`, `{40,70}`}
	alphabet := []byte("abz09.-xXkK \t\n\"é\xff")
	rng := rand.New(rand.NewPCG(3, 4))
	tested, maybes := 0, 0
	for _, atom := range atoms {
		for _, rep := range reps {
			re, err := syntax.Parse(atom+rep, syntax.Perl)
			if err != nil {
				t.Fatal(err)
			}
			s := newSieve(re)
			if s.op != sieveRepeat || s.subs[0].op != sieveByte {
				continue // a single rune, x?, parses otherwise
			}
			for range 3000 {
				text := make([]byte, rng.IntN(80))
				for i := range text {
					text[i] = alphabet[rng.IntN(len(alphabet))]
				}
				in := pset(rng.Uint64()) & pset(rng.Uint64())
				one := sieveRun{text: text, budget: 1 << 20}
				per := sieveRun{text: text, budget: 1 << 20}
				got, want := one.byteRun(s, in), per.repeat(s, in)
				if one.maybe != per.maybe || (!one.maybe && got != want) {
					t.Fatalf("%s%s over %q from %b: byteRun %b (maybe %v), per iteration %b (maybe %v)",
						atom, rep, text, in, got, one.maybe, want, per.maybe)
				}
				if one.maybe {
					maybes++
				}
			}
			tested++
		}
	}
	if tested < 40 || maybes == 0 {
		t.Fatalf("%d repetitions tested, %d maybe answers: the test lost its cases", tested, maybes)
	}
}
