package secrets

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/trawlscan/trawl/sdk"
)

func testRules() []sdk.SecretRule {
	return []sdk.SecretRule{{
		ID: "aws-access-key-id", Title: "AWS access key ID", Category: "cloud", Severity: "CRITICAL",
		Keywords: []string{"AKIA", "ASIA"}, Regex: `\b((?:AKIA|ASIA)[A-Z2-7]{16})\b`, SecretGroup: 1,
		Allow:    sdk.SecretAllow{Regexes: []string{`EXAMPLE$`}, Paths: []string{`(^|/)testdata/`}},
		Examples: sdk.SecretExamples{Match: []string{"AKIAIOSFODNN7EXAMPLF"}, NoMatch: []string{"AKIAIOSFODNN7EXAMPLE", "xAKIAIOSFODNN7EXAMPLF"}},
	}, {
		ID: "private-key", Title: "Private key", Category: "private-key", Severity: "HIGH",
		Keywords: []string{"PRIVATE KEY"},
		Regex:    `-----BEGIN[ A-Z]*PRIVATE KEY-----[\s\S]{64,}?-----END[ A-Z]*PRIVATE KEY-----`,
		Examples: sdk.SecretExamples{Match: []string{pemBlock("\n")}, NoMatch: []string{"-----BEGIN PRIVATE KEY-----\nshort\n-----END PRIVATE KEY-----"}},
	}, {
		ID: "github-pat", Title: "GitHub personal access token", Category: "vcs", Severity: "CRITICAL",
		Keywords: []string{"ghp_"}, Regex: `ghp_[A-Za-z0-9]{36}`,
		Examples: sdk.SecretExamples{Match: []string{ghToken}},
	}, {
		ID: "generic-password", Title: "Password", Category: "generic", Severity: "MEDIUM",
		Keywords: []string{"password"}, Regex: `(?i)password\s*[:=]\s*["']?([^\s"']{8,})`, SecretGroup: 1,
		Entropy:  3.0,
		Allow:    sdk.SecretAllow{Stopwords: []string{"example", "changeme"}},
		Examples: sdk.SecretExamples{Match: []string{`password = "Xk9#mQ2$vL7pR4tZ"`}, NoMatch: []string{`password = "aaaaaaaaaaaa"`, `PASSWORD: ExampleXk9#mQ2$vL7`}},
	}}
}

const ghToken = "ghp_A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8"

func pemBlock(eol string) string {
	return "-----BEGIN RSA PRIVATE KEY-----" + eol +
		"MIIEpAIBAAKCAQEA3Tz2mr7SZiAMfQyuvBjM9OiJjRazXBZ1BjP5CE/Wm/Rr500P" + eol +
		"RK+Lh9x5eJPo5CAZ3/ANBE0sTK0ZsDGMak2m1g73VHqIxFTz0Ta1d+NAjwnLe4nO" + eol +
		"-----END RSA PRIVATE KEY-----"
}

// sample is a file with every kind of case on a known line.
func sample(eol string) string {
	return strings.Join([]string{
		"package main",                              // 1
		"// aws key",                                // 2
		`const key = "AKIAZ7XQ3MLKPR5TWY2N"`,        // 3: found, col 14
		`token := "` + ghToken + `" // trawl:allow`, // 4: allowed inline
		"  gh = " + ghToken,                         // 5: found, col 8
		`password = "hunter2hunter2"`,               // 6: entropy 2.8 < 3
		`db_password: 'Xk9#mQ2$vL7pR4tZ'`,           // 7: found, col 4
		"password=examplePassw0rd123",               // 8: stopword
		pemBlock(eol),                               // 9-12: found
		"aws = AKIAIOSFODNN7EXAMPLE",                // 13: allow regex
		"x := 1",                                    // 14
	}, eol) + eol
}

func sampleWant() []Finding {
	return []Finding{
		{RuleID: "aws-access-key-id", Line: 3, Column: 14, EndLine: 3, Secret: "AKIAZ7XQ3MLKPR5TWY2N", Match: "AKIAZ7XQ3MLKPR5TWY2N"},
		{RuleID: "github-pat", Line: 5, Column: 8, EndLine: 5, Secret: ghToken, Match: ghToken},
		{RuleID: "generic-password", Line: 7, Column: 4, EndLine: 7, Secret: "Xk9#mQ2$vL7pR4tZ", Match: "password: 'Xk9#mQ2$vL7pR4tZ"},
		{RuleID: "private-key", Line: 9, Column: 1, EndLine: 12, Secret: pemBlock("\n"), Match: pemBlock("\n")},
	}
}

func mustCompile(t testing.TB) *Engine {
	t.Helper()
	e, err := Compile(testRules())
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func scan(t testing.TB, e *Engine, path string, r io.Reader) []Finding {
	t.Helper()
	f, err := e.Scan(path, r, 0)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestScan(t *testing.T) {
	e := mustCompile(t)
	crlf := sampleWant()
	crlf[3].Secret = pemBlock("\r\n")
	crlf[3].Match = pemBlock("\r\n")
	withoutAWS := sampleWant()[1:]
	for _, tc := range []struct {
		name, path, content string
		want                []Finding
	}{
		{"sample", "src/main.go", sample("\n"), sampleWant()},
		{"crlf", "src/main.go", sample("\r\n"), crlf},
		{"no final newline", "a", strings.TrimSuffix(sample("\n"), "\n"), sampleWant()},
		{"path allowlist", "pkg/testdata/main.go", sample("\n"), withoutAWS},
		{"path allowlist root", "testdata/main.go", sample("\n"), withoutAWS},
		{"path not allowlisted", "pkg/mytestdata/main.go", sample("\n"), sampleWant()},
		{"binary", "bin", "\x7fELF\x00\x00" + sample("\n"), nil},
		{"binary late NUL", "bin", strings.Repeat("x", SniffSize-1) + "\x00\n" + "AKIAZ7XQ3MLKPR5TWY2N", nil},
		{"NUL after sniff", "f", strings.Repeat("x\n", SniffSize/2) + "\x00 AKIAZ7XQ3MLKPR5TWY2N",
			[]Finding{{RuleID: "aws-access-key-id", Line: SniffSize/2 + 1, Column: 3, EndLine: SniffSize/2 + 1, Secret: "AKIAZ7XQ3MLKPR5TWY2N", Match: "AKIAZ7XQ3MLKPR5TWY2N"}}},
		{"empty", "f", "", nil},
		{"keyword only", "f", "AKIA and ghp_ and password and PRIVATE KEY", nil},
		{"keyword case-insensitive", "f", "PassWord: 'Xk9#mQ2$vL7pR4tZ'",
			[]Finding{{RuleID: "generic-password", Line: 1, Column: 1, EndLine: 1, Secret: "Xk9#mQ2$vL7pR4tZ", Match: "PassWord: 'Xk9#mQ2$vL7pR4tZ"}}},
		{"word boundary", "f", "xAKIAZ7XQ3MLKPR5TWY2N AKIAZ7XQ3MLKPR5TWY2NN", nil},
		{"two on a line", "f", "a=AKIAZ7XQ3MLKPR5TWY2N,b=ASIAZ7XQ3MLKPR5TWY2Q", []Finding{
			{RuleID: "aws-access-key-id", Line: 1, Column: 3, EndLine: 1, Secret: "AKIAZ7XQ3MLKPR5TWY2N", Match: "AKIAZ7XQ3MLKPR5TWY2N"},
			{RuleID: "aws-access-key-id", Line: 1, Column: 26, EndLine: 1, Secret: "ASIAZ7XQ3MLKPR5TWY2Q", Match: "ASIAZ7XQ3MLKPR5TWY2Q"},
		}},
		{"allow on a later line of a block", "f", strings.Replace(pemBlock("\n"), "-----END RSA PRIVATE KEY-----", "-----END RSA PRIVATE KEY----- # trawl:allow", 1), nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := scan(t, e, tc.path, strings.NewReader(tc.content))
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got\n%s\nwant\n%s", dump(got), dump(tc.want))
			}
			// One byte at a time, and with small windows, the result is the same.
			got = scan(t, e, tc.path, iotest.OneByteReader(strings.NewReader(tc.content)))
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("one byte at a time: got\n%s\nwant\n%s", dump(got), dump(tc.want))
			}
			small := mustCompile(t)
			small.window, small.overlap = 700, 200
			got = scan(t, small, tc.path, iotest.HalfReader(strings.NewReader(tc.content)))
			if !reflect.DeepEqual(got, tc.want) && !strings.HasPrefix(tc.name, "binary") {
				t.Fatalf("small windows: got\n%s\nwant\n%s", dump(got), dump(tc.want))
			}
		})
	}
}

func dump(fs []Finding) string {
	var b strings.Builder
	for _, f := range fs {
		fmt.Fprintf(&b, "  %s %d:%d-%d %q\n", f.RuleID, f.Line, f.Column, f.EndLine, f.Secret)
	}
	return b.String()
}

// A secret across a window boundary is found exactly once, at every possible offset.
func TestWindowBoundary(t *testing.T) {
	e := mustCompile(t)
	e.window, e.overlap = 128, 48 // windows own 32 bytes each; the token is 40 long
	for pad := 0; pad < 300; pad++ {
		content := strings.Repeat("ab\n", pad/3) + strings.Repeat(".", pad%3) + ghToken + " x\n" + "AKIAZ7XQ3MLKPR5TWY2N\n"
		got := scan(t, e, "f", strings.NewReader(content))
		want := []Finding{
			{RuleID: "github-pat", Line: pad/3 + 1, Column: pad%3 + 1, EndLine: pad/3 + 1, Secret: ghToken, Match: ghToken},
			{RuleID: "aws-access-key-id", Line: pad/3 + 2, Column: 1, EndLine: pad/3 + 2, Secret: "AKIAZ7XQ3MLKPR5TWY2N", Match: "AKIAZ7XQ3MLKPR5TWY2N"},
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("pad %d: got\n%s\nwant\n%s", pad, dump(got), dump(want))
		}
	}
}

// Small windows find what one window finds, on random text with planted secrets.
func TestWindowsDifferential(t *testing.T) {
	big := mustCompile(t)
	small := mustCompile(t)
	small.window, small.overlap = 1000, 300
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 200 {
		content := randomText(rng, 200+rng.IntN(8000), 0.05)
		want := scan(t, big, "f", strings.NewReader(content))
		got := scan(t, small, "f", iotest.OneByteReader(strings.NewReader(content)))
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("case %d: got\n%s\nwant\n%s", i, dump(got), dump(want))
		}
		if i == 0 && len(want) == 0 {
			t.Fatal("no planted secret found")
		}
	}
}

// randomText is source-like text of about n bytes where each line is a planted secret with
// probability p.
func randomText(rng *rand.Rand, n int, p float64) string {
	words := []string{"func", "return", "if", "err", "nil", "x", "config", "key", "value", "for", "range",
		"password", "token", "AKIA", "ghp_", "private", "KEY", "{", "}", "(", ")", ":=", "=", "\"s\"", "//"}
	var b strings.Builder
	for b.Len() < n {
		if rng.Float64() < p {
			switch rng.IntN(4) {
			case 0:
				b.WriteString(`key := "AKIA` + randString(rng, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16) + `"`)
			case 1:
				b.WriteString("tok = ghp_" + randString(rng, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", 36))
			case 2:
				b.WriteString(`password: "` + randString(rng, "abcdefghijklmnopqrstuvwxyz0123456789#$%", 8+rng.IntN(20)) + `"`)
			case 3:
				b.WriteString(pemBlock("\n"))
			}
		} else {
			b.WriteString(strings.Repeat("\t", rng.IntN(3)))
			for k := rng.IntN(10); k > 0; k-- {
				b.WriteString(words[rng.IntN(len(words))])
				b.WriteByte(' ')
			}
		}
		if rng.IntN(10) == 0 {
			b.WriteByte('\r')
		}
		b.WriteByte('\n')
	}
	return b.String()
}

func randString(rng *rand.Rand, alphabet string, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[rng.IntN(len(alphabet))]
	}
	return string(b)
}

func TestMaxSize(t *testing.T) {
	e := mustCompile(t)
	content := "AKIAZ7XQ3MLKPR5TWY2N\n" + strings.Repeat("x", 100) + "\n" + ghToken + "\n"
	f, err := e.Scan("f", strings.NewReader(content), 50)
	if !errors.Is(err, ErrTruncated) || len(f) != 1 || f[0].RuleID != "aws-access-key-id" {
		t.Fatalf("got %v, %v", dump(f), err)
	}
	f, err = e.Scan("f", strings.NewReader(content), int64(len(content)))
	if err != nil || len(f) != 2 {
		t.Fatalf("exact size: got %v, %v", dump(f), err)
	}
	_, err = e.Scan("f", iotest.ErrReader(io.ErrClosedPipe), 0)
	if !errors.Is(err, io.ErrClosedPipe) {
		t.Fatalf("read error: %v", err)
	}
}

func TestMaxFindings(t *testing.T) {
	e := mustCompile(t)
	e.window, e.overlap = 4096, 1024
	content := strings.Repeat("AKIAZ7XQ3MLKPR5TWY2N\n", MaxFindings+100)
	f := scan(t, e, "f", strings.NewReader(content))
	if len(f) != MaxFindings || f[len(f)-1].Line != MaxFindings {
		t.Fatalf("%d findings, last on line %d", len(f), f[len(f)-1].Line)
	}
}

func TestLongLines(t *testing.T) {
	e := mustCompile(t)
	line := strings.Repeat("a", 3<<20) // longer than a window
	content := line + " AKIAZ7XQ3MLKPR5TWY2N " + line + "\n" + ghToken
	f := scan(t, e, "f", strings.NewReader(content))
	want := []Finding{
		{RuleID: "aws-access-key-id", Line: 1, Column: 3<<20 + 2, EndLine: 1, Secret: "AKIAZ7XQ3MLKPR5TWY2N", Match: "AKIAZ7XQ3MLKPR5TWY2N"},
		{RuleID: "github-pat", Line: 2, Column: 1, EndLine: 2, Secret: ghToken, Match: ghToken},
	}
	if !reflect.DeepEqual(f, want) {
		t.Fatalf("got\n%s", dump(f))
	}
}

func TestExamples(t *testing.T) {
	for _, r := range testRules() {
		if err := CheckExamples(r); err != nil {
			t.Error(err)
		}
	}
	r := testRules()[0]
	r.Examples.NoMatch = append(r.Examples.NoMatch, "AKIAZ7XQ3MLKPR5TWY2N")
	if err := CheckExamples(r); err == nil || !strings.Contains(err.Error(), "no_match") {
		t.Errorf("bad no_match example: %v", err)
	}
	r = testRules()[0]
	r.Examples.Match = []string{"AKIA"}
	if err := CheckExamples(r); err == nil || !strings.Contains(err.Error(), "no finding") {
		t.Errorf("bad match example: %v", err)
	}
}

func TestCompileErrors(t *testing.T) {
	rules := testRules()
	rules[1].ID = rules[0].ID
	if _, err := Compile(rules); err == nil || !strings.Contains(err.Error(), "duplicate") {
		t.Errorf("duplicate: %v", err)
	}
	rules = testRules()
	rules[2].Regex = "(x"
	if _, err := Compile(rules); err == nil {
		t.Error("bad regex compiled")
	}
	if e, err := Compile(nil); err != nil || len(scan(t, e, "f", strings.NewReader(sample("\n")))) != 0 {
		t.Errorf("no rules: %v", err)
	}
}

func TestPrefilter(t *testing.T) {
	p := newPrefilter([][]string{{"abc", "xyz"}, {"bcd"}, {"BC€"}, {"abcd"}}, nil)
	for _, tc := range []struct {
		in   string
		want []bool
	}{
		{"", []bool{false, false, false, false}},
		{"ab bc cd", []bool{false, false, false, false}},
		{"xxABCxx", []bool{true, false, false, false}},
		{"aBcD", []bool{true, true, false, true}},
		{"..Xyz", []bool{true, false, false, false}},
		{"bc€", []bool{false, false, true, false}},
		{"abababcd", []bool{true, true, false, true}},
	} {
		hit := make([]bool, 4)
		p.scan([]byte(tc.in), hit, 4)
		if !reflect.DeepEqual(hit, tc.want) {
			t.Errorf("%q: %v, want %v", tc.in, hit, tc.want)
		}
	}
}

// entropyReference is Entropy as first written: every byte value in turn.
func entropyReference(b []byte) float64 {
	if len(b) == 0 {
		return 0
	}
	var counts [256]int
	for _, c := range b {
		counts[c]++
	}
	h, n := 0.0, float64(len(b))
	for _, k := range counts {
		if k > 0 {
			p := float64(k) / n
			h -= p * math.Log2(p)
		}
	}
	return h
}

// Entropy and the gate's entropyBelow give the reference's answers exactly, thresholds at
// a value's own entropy included.
func TestEntropyBelow(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		b := make([]byte, rng.IntN(140))
		alphabet := 1 + rng.IntN(256)
		for i := range b {
			b[i] = byte(rng.IntN(alphabet))
		}
		want := entropyReference(b)
		if got := Entropy(b); got != want {
			t.Fatalf("Entropy(%q) = %v, want %v", b, got, want)
		}
		for _, th := range []float64{want, math.Nextafter(want, 9), math.Nextafter(want, -1), rng.Float64() * 8, math.Log2(float64(alphabet))} {
			if got := entropyBelow(b, th); got != (want < th) {
				t.Fatalf("entropyBelow(%q, %v) = %v; entropy %v", b, th, got, want)
			}
		}
	}
}

func TestEntropyRedact(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want float64
	}{{"", 0}, {"aaaa", 0}, {"ab", 1}, {"abcd", 2}, {"0123456789abcdef", 4}} {
		if got := Entropy([]byte(tc.in)); got != tc.want {
			t.Errorf("Entropy(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
	for _, tc := range []struct{ in, want string }{
		{"", "*****"},
		{"short", "*****"},
		{"0123456789abcde", "*****"},
		{"0123456789abcdef", "0123*****"},
		{ghToken, "ghp_*****"},
		{"ééééé56789abcdef", "éééé*****"},
	} {
		if got := Redact(tc.in); got != tc.want {
			t.Errorf("Redact(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func FuzzScan(f *testing.F) {
	f.Add([]byte(sample("\n")), uint8(0))
	f.Add([]byte(sample("\r\n")), uint8(3))
	f.Add([]byte("password=\"Xk9#mQ2$vL7pR4tZ\"\x00"), uint8(1))
	f.Add([]byte(ghToken+ghToken+"\nAKIA"), uint8(2))
	rules := testRules()
	e, err := Compile(rules)
	if err != nil {
		f.Fatal(err)
	}
	small, _ := Compile(rules)
	small.window, small.overlap = 256, 64
	f.Fuzz(func(t *testing.T, data []byte, mode uint8) {
		eng := e
		if mode&1 != 0 {
			eng = small
		}
		var r io.Reader = bytes.NewReader(data)
		if mode&2 != 0 {
			r = iotest.OneByteReader(r)
		}
		found, err := eng.Scan("f", r, 0)
		if err != nil {
			t.Fatal(err)
		}
		lines := bytes.Count(data, nl) + 1
		for i, x := range found {
			if x.Line < 1 || x.EndLine < x.Line || x.EndLine > lines || x.Column < 1 {
				t.Fatalf("finding %d at %d:%d-%d in %d lines", i, x.Line, x.Column, x.EndLine, lines)
			}
			if !strings.Contains(x.Match, x.Secret) || !bytes.Contains(data, []byte(x.Match)) {
				t.Fatalf("finding %d: match %q, secret %q", i, x.Match, x.Secret)
			}
		}
	})
}

// TestStreamChunks: pushing a file in chunks of any size finds what Scan finds, and a
// binary file written in one large chunk stops the stream.
func TestStreamChunks(t *testing.T) {
	e, err := Compile(testRules())
	if err != nil {
		t.Fatal(err)
	}
	e.window, e.overlap = 256, 64
	content := []byte(strings.Repeat("x = 1\n", 40) + "token = \"ghp_A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8\"\n" + strings.Repeat("y\n", 100) + "AKIAZ7XQ3MLKPR5TWY2N\n")
	want, err := e.Scan("a.txt", bytes.NewReader(content), 0)
	if err != nil || len(want) != 2 {
		t.Fatalf("Scan: %v %v", want, err)
	}
	for _, chunk := range []int{1, 7, 64, 255, 256, 257, 1000, len(content)} {
		s := e.NewStream("a.txt", 0)
		for p := content; len(p) > 0; {
			n := min(chunk, len(p))
			s.Write(p[:n])
			p = p[n:]
		}
		got, err := s.Close()
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("chunk %d: %v %v", chunk, got, err)
		}
	}
	bin := append([]byte("\x00"), content...)
	s := e.NewStream("a.bin", 0)
	s.Write(bin)
	if s.Wants() {
		t.Error("a binary file is still wanted")
	}
	if got, _ := s.Close(); len(got) != 0 {
		t.Errorf("binary: %v", got)
	}
}

// Rules that share a path allowlist regex share its match: each rule still skips exactly
// the files its own allowlist names.
func TestSharedPathAllowlists(t *testing.T) {
	rules := testRules()
	rules[1].Allow.Paths = []string{`(^|/)testdata/`}          // as aws-access-key-id
	rules[2].Allow.Paths = []string{`\.md$`, `(^|/)testdata/`} // another, and the same
	e, err := Compile(rules)
	if err != nil {
		t.Fatal(err)
	}
	if len(e.paths) != 2 {
		t.Errorf("%d distinct path regexes, want 2", len(e.paths))
	}
	for _, tc := range []struct {
		path   string
		active []int
	}{
		{"src/main.go", []int{0, 1, 2, 3}},
		{"pkg/testdata/x.go", []int{3}},
		{"README.md", []int{0, 1, 3}},
	} {
		if got := e.NewStream(tc.path, 0).st.active; !reflect.DeepEqual(got, tc.active) {
			t.Errorf("%s: rules %v run, want %v", tc.path, got, tc.active)
		}
	}
}
