package table

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/trawlscan/trawl/sdk"
)

func TestCell(t *testing.T) {
	cases := []struct {
		in       string
		max      int
		keepTail bool
		want     string
	}{
		{"musl", 10, false, "musl"},
		{"exactly-10", 10, false, "exactly-10"},
		{"eleven-long", 10, false, "eleven-lo…"},
		{"usr/lib/python3.12/site-packages/x/METADATA", 20, true, "…/x/METADATA"},
		// No '/' in the first half of what is kept: cut mid-element rather than lose most.
		{"a/bcdefghijklmnopqrstuvwxyz", 10, true, "…rstuvwxyz"},
		{"first line\nsecond line", 40, false, "first line…"},
		{"first line\n", 40, false, "first line"},
		{"first line is long\nsecond", 10, false, "first lin…"},
		{"tab\there", 20, false, "tab here"},
		{"esc\x1b[31mred", 20, false, "esc\uFFFD[31mred"},
		{"csi\u009b31m", 20, false, "csi\uFFFD31m"},
		{"bidi\u202eevil", 20, false, "bidi\uFFFDevil"},
		{"bad\xffbyte", 20, false, "bad\uFFFDbyte"},
		{"世界世界世界", 7, false, "世界世…"}, // wide characters take two columns
		{"世界世界世界", 7, true, "…界世界"},
		{"e\u0301e\u0301e\u0301", 3, false, "e\u0301e\u0301e\u0301"}, // combining marks take none
		{"", 5, false, ""},
	}
	for _, c := range cases {
		got := cell(c.in, c.max, c.keepTail)
		if got != c.want {
			t.Errorf("cell(%q, %d, %v) = %q, want %q", c.in, c.max, c.keepTail, got, c.want)
		}
		if w := width(got); w > c.max {
			t.Errorf("cell(%q, %d, %v) is %d wide", c.in, c.max, c.keepTail, w)
		}
	}
}

func TestShortDigest(t *testing.T) {
	for in, want := range map[string]string{
		"sha256:1bccf10afce5c1ffe31381419930ad565c1436eaeb1ca680494b0663e0028419": "1bccf10afce5",
		"sha256:abc":        "abc",
		"":                  "-",
		"no-colon-but-long": "no-colon-but",
	} {
		if got := shortDigest(in); got != want {
			t.Errorf("shortDigest(%q) = %q, want %q", in, got, want)
		}
	}
}

func render(t *testing.T, r *sdk.Report, color bool) string {
	t.Helper()
	var b bytes.Buffer
	if err := Write(&b, r, Options{Color: color}); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// TestHostileTextIsCleaned checks that text from the scanned artifact cannot reach the
// terminal as escape sequences, with colour on or off.
func TestHostileTextIsCleaned(t *testing.T) {
	r := &sdk.Report{
		Artifact: sdk.Artifact{Name: "img\x1b]0;title\x07", Type: sdk.ArtifactImage},
		Packages: []sdk.Package{{Name: "pkg\x1b[2J", Version: "1\r\n2", Type: "apk",
			Locations: []sdk.Location{{Path: "a\x1bb", LayerDiffID: "sha256:\x1b[31m"}}}},
		Secrets: []sdk.Secret{{RuleID: "r\x1b", Severity: "HIGH\x1b", Match: "m\x1b", Location: sdk.Location{Path: "p\x1b"}}},
		Plugins: []sdk.PluginStatus{{Name: "p\x1b", Status: sdk.PluginFailed, Error: "e\x1b[0m\nline two\x1b"}},
		Errors:  []sdk.FileError{{Analyzer: "a\x1b", Path: "p\x1b", Message: "m\x1b"}},
	}
	if out := render(t, r, false); strings.Contains(out, "\x1b") {
		t.Errorf("escape in plain output:\n%q", out)
	}
	// With colour, every escape is one of ours: ESC [ digits/semicolons m.
	out := render(t, r, true)
	for i := strings.Index(out, "\x1b"); i >= 0; {
		rest := out[i+1:]
		end := strings.IndexByte(rest, 'm')
		if !strings.HasPrefix(rest, "[") || end < 0 || strings.Trim(rest[1:end], "0123456789;") != "" {
			t.Fatalf("foreign escape at %d: %q", i, out[i:min(len(out), i+20)])
		}
		next := strings.Index(rest, "\x1b")
		if next < 0 {
			break
		}
		i += 1 + next
	}
}

func TestColumnsLeftOutWhenEmpty(t *testing.T) {
	r := &sdk.Report{
		Artifact: sdk.Artifact{Name: ".", Type: sdk.ArtifactFilesystem},
		Packages: []sdk.Package{{Name: "wrappy", Version: "1.0.2", Type: "npm"}},
	}
	out := render(t, r, false)
	for _, col := range []string{"Source", "Layer", "Path"} {
		if strings.Contains(out, col) {
			t.Errorf("column %s present though empty:\n%s", col, out)
		}
	}
	r.Packages[0].SourceName = "wrappy-src"
	r.Artifact.Layers = []sdk.Layer{{DiffID: "sha256:aa"}}
	out = render(t, r, false)
	if !strings.Contains(out, "│ wrappy-src │ -     │") {
		t.Errorf("source and layer columns missing or wrong:\n%s", out)
	}
}

func TestMultipleLocations(t *testing.T) {
	r := &sdk.Report{Packages: []sdk.Package{{Name: "x", Type: "npm", Locations: []sdk.Location{
		{Path: "a/package-lock.json"}, {Path: "b/package-lock.json"}, {Path: "c/package-lock.json"}}}}}
	if out := render(t, r, false); !strings.Contains(out, "a/package-lock.json (+2)") {
		t.Errorf("no count of further locations:\n%s", out)
	}
}

func TestSecrets(t *testing.T) {
	r := &sdk.Report{
		Artifact: sdk.Artifact{Name: "img", Type: sdk.ArtifactImage, Layers: []sdk.Layer{{DiffID: "sha256:0123456789abcdef"}}},
		Packages: []sdk.Package{},
		Secrets: []sdk.Secret{
			{RuleID: "generic-api-key", Severity: "medium", Location: sdk.Location{Path: "app/.npmrc", Line: 2}},
			{RuleID: "slack-webhook", Location: sdk.Location{Path: "app/old.env", LayerDiffID: "sha256:0123456789abcdef"}, Deleted: true},
			{RuleID: "custom", Severity: "Sev-2", Location: sdk.Location{Path: "x"}},
			{RuleID: "private-key", Severity: "CRITICAL", Location: sdk.Location{Path: "k"}},
		},
	}
	out := render(t, r, false)
	for _, want := range []string{
		"4 secrets (CRITICAL: 1, MEDIUM: 1, UNKNOWN: 1, SEV-2: 1)",
		"app/.npmrc:2",
		"app/old.env (deleted)",
		"0123456789ab",
		"a later layer deletes the file",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q:\n%s", want, out)
		}
	}
}

func TestProblems(t *testing.T) {
	r := &sdk.Report{
		Packages: []sdk.Package{},
		Plugins: []sdk.PluginStatus{
			{Name: "ok", Status: sdk.PluginOK},
			{Name: "unused", Status: sdk.PluginUnused},
			{Name: "rpm", Version: "1.0.0", Kind: "analyzer", Status: sdk.PluginFailed,
				Error: "plugin rpm: trawl_analyze_end exceeded its deadline of 30s"},
			{Name: "mute", Version: "1.0.0", Kind: "analyzer", Status: sdk.PluginFailed},
			{Name: "dump", Version: "1", Kind: "analyzer", Status: sdk.PluginFailed,
				Error: "panic: boom\n\ngoroutine 1 [running]:\nmain.main()\n" + strings.Repeat("x", 2000)},
			{Name: "old", Version: "0.1", Kind: "analyzer", Status: sdk.PluginRefused, Error: "speaks ABI 2.0"},
		},
		Errors: []sdk.FileError{{Analyzer: "npm", Path: "package-lock.json", Message: "analyzer panicked: boom\ngoroutine 7"}},
	}
	out := render(t, r, false)
	for _, want := range []string{
		"Incomplete scan: 3 plugins failed, 1 plugin was refused, 1 file could not be analyzed.",
		"  rpm 1.0.0 (analyzer) failed: trawl_analyze_end exceeded its deadline of 30s\n",
		"  mute 1.0.0 (analyzer) failed: no reason given\n",
		"  dump 1 (analyzer) failed: panic: boom\n    goroutine 1 [running]:\n    main.main()\n    xxx",
		"  old 0.1 (analyzer) refused: speaks ABI 2.0\n",
		"│ npm      │ package-lock.json │ analyzer panicked: boom… │",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, " ok ") || strings.Contains(out, "unused") {
		t.Errorf("plugins that did not fail are listed:\n%s", out)
	}
	if strings.Contains(out, strings.Repeat("x", maxError)) {
		t.Error("plugin error not capped")
	}

	clean := &sdk.Report{Packages: []sdk.Package{}, Plugins: []sdk.PluginStatus{{Name: "os", Status: sdk.PluginOK}}}
	if out := render(t, clean, false); strings.Contains(out, "Incomplete") {
		t.Errorf("complete scan reported incomplete:\n%s", out)
	}
}

func TestNilReport(t *testing.T) {
	if err := Write(&bytes.Buffer{}, nil, Options{}); err == nil {
		t.Error("no error for a nil report")
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("output limit reached") }

func TestWriteError(t *testing.T) {
	r := &sdk.Report{Packages: []sdk.Package{{Name: "x", Type: "apk"}}}
	if err := Write(failingWriter{}, r, Options{}); err == nil {
		t.Error("write error not returned")
	}
}

// TestVerdictShownWhenGated: the verdict section appears when the scan was gated (a
// threshold, a policy, an enforcing mode), not for a plain get-report.
func TestVerdictShownWhenGated(t *testing.T) {
	plain := &sdk.Verdict{Mode: sdk.ModeGetReport, Result: sdk.VerdictPass, Thresholds: sdk.NoLimits}
	limited := *plain
	limited.Thresholds.MaxHigh = 0
	enforced := *plain
	enforced.Mode, enforced.Enforced = sdk.ModeScanOnly, true
	for _, tc := range []struct {
		name string
		v    *sdk.Verdict
		want bool
	}{{"plain get-report", plain, false}, {"a threshold", &limited, true}, {"scan-only", &enforced, true}} {
		var b strings.Builder
		if err := Write(&b, &sdk.Report{SchemaVersion: sdk.SchemaVersion, Verdict: tc.v}, Options{}); err != nil {
			t.Fatal(err)
		}
		if got := strings.Contains(b.String(), "Verdict ("); got != tc.want {
			t.Errorf("%s: verdict shown %v, want %v:\n%s", tc.name, got, tc.want, b.String())
		}
	}
}
