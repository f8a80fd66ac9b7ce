package secrets_test

import (
	"bytes"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/trawlscan/trawl/host/secrets"
	"github.com/trawlscan/trawl/internal/corpustest"
	"github.com/trawlscan/trawl/sdk"
)

// The differential tests check anchored and region scanning, through Scan and ScanBytes,
// against whole-window scanning (the engine's reference mode), with the real rules, on
// text made to be hard for them: dense with every rule's keywords and examples, long runs
// that stretch matches to their bounds, CRLF, non-ASCII and invalid UTF-8, and the runes
// that fold to ASCII letters.

func realEngines(t testing.TB, window, overlap int) (opt, ref *secrets.Engine) {
	t.Helper()
	var err error
	opt, err = secrets.Compile(realRules(t))
	if err != nil {
		t.Fatal(err)
	}
	if window > 0 {
		secrets.SetWindow(opt, window, overlap)
	}
	return opt, secrets.WholeWindows(opt)
}

// compare scans content with both engines and fails on any difference; it returns the
// number of findings.
func compare(t testing.TB, opt, ref *secrets.Engine, path string, content []byte, oneByte bool) int {
	t.Helper()
	want, werr := ref.Scan(path, bytes.NewReader(content), 0)
	var r = bytes.NewReader(content)
	var got []secrets.Finding
	var gerr error
	if oneByte {
		got, gerr = opt.Scan(path, iotest.OneByteReader(r), 0)
	} else {
		got, gerr = opt.Scan(path, r, 0)
	}
	if werr != gerr || !reflect.DeepEqual(got, want) {
		t.Fatalf("%s: regions differ from whole windows (err %v, want %v)\ngot\n%s\nwant\n%s", path, gerr, werr, dumpF(got), dumpF(want))
	}
	got, gerr = opt.ScanBytes(path, content, 0)
	if werr != gerr || !reflect.DeepEqual(got, want) {
		t.Fatalf("%s: ScanBytes differs from whole windows (err %v, want %v)\ngot\n%s\nwant\n%s", path, gerr, werr, dumpF(got), dumpF(want))
	}
	return len(want)
}

func dumpF(fs []secrets.Finding) string {
	var b strings.Builder
	for _, f := range fs {
		fmt.Fprintf(&b, "  %s %d:%d-%d %q %q\n", f.RuleID, f.Line, f.Column, f.EndLine, f.Secret, f.Match)
	}
	return b.String()
}

// vocabulary is what hostile text is made of: every keyword and match example of the
// rules, and the pieces around them.
func vocabulary(rs []sdk.SecretRule) []string {
	v := []string{" ", " ", " ", "\n", "\r\n", "\t", "=", ":", ":=", "=>", "\"", "'", "<", ">", ";", ",", "/",
		"-----BEGIN", "-----", "PRIVATE KEY", "é", "\u212a", "\u017f", "\xff", "\xe2\x84", "\x80\x80\x80\x80",
		"ab", "0", "_", ".", "-", "https://", "?", "&", "sig=", "//", "\\n"}
	for _, r := range rs {
		v = append(v, r.Keywords...)
		for _, k := range r.Keywords {
			v = append(v, strings.ToUpper(k))
		}
		v = append(v, r.Examples.Match...)
		v = append(v, r.Examples.NoMatch...)
	}
	return v
}

func hostileText(rng *rand.Rand, vocab []string, n int) []byte {
	const alnum = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	var b bytes.Buffer
	for b.Len() < n {
		switch k := rng.IntN(10); {
		case k < 6:
			b.WriteString(vocab[rng.IntN(len(vocab))])
		case k < 8:
			// A run long enough to reach a repetition's bound, or pass it.
			m := 1 + rng.IntN(8)
			if rng.IntN(4) == 0 {
				m = rng.IntN(300)
			}
			for range m {
				b.WriteByte(alnum[rng.IntN(len(alnum))])
			}
		case k < 9:
			b.WriteString(strings.Repeat(" ", rng.IntN(8)))
		default:
			b.WriteString(strings.Repeat("\n", 1+rng.IntN(2)))
		}
	}
	return b.Bytes()
}

func TestDifferentialRandom(t *testing.T) {
	if raceEnabled {
		t.Skip("single-goroutine comparison: nothing for the race detector, which makes it minutes long")
	}
	vocab := vocabulary(realRules(t))
	rng := rand.New(rand.NewPCG(3, 4))
	total := 0
	for _, w := range []struct{ window, overlap int }{{0, 0}, {4096, 1024}, {1000, 300}} {
		opt, ref := realEngines(t, w.window, w.overlap)
		n := 25
		if testing.Short() {
			n = 10
		}
		for i := range n {
			content := hostileText(rng, vocab, 500+rng.IntN(20000))
			if i%7 == 0 {
				// No spoiler: the windows are scanned by regions.
				content = bytes.ReplaceAll(bytes.ReplaceAll(content, []byte("\u212a"), []byte("K")), []byte("\u017f"), []byte("s"))
			}
			total += compare(t, opt, ref, fmt.Sprintf("case%d/w%d.txt", i, w.window), content, i%5 == 0)
		}
	}
	if total < 1000 {
		t.Fatalf("only %d findings: the text does not exercise the rules", total)
	}
	t.Logf("%d findings compared", total)
}

// The keyword-dense text of the benchmarks, with the secrets planted there.
func TestDifferentialBenchText(t *testing.T) {
	if raceEnabled {
		t.Skip("single-goroutine comparison: nothing for the race detector, which makes it minutes long")
	}
	opt, ref := realEngines(t, 0, 0)
	paths, files, _ := secrets.BenchTree(true)
	if testing.Short() {
		files = files[:50]
	}
	total := 0
	for i, f := range files[:200] {
		total += compare(t, opt, ref, paths[i], f, false)
	}
	if total == 0 {
		t.Fatal("no findings")
	}
}

func fixtureFiles(t testing.TB) map[string][]byte {
	files := map[string][]byte{}
	err := filepath.WalkDir(corpustest.Path(t, "secrets"), func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		files[p] = b
		return err
	})
	if err != nil {
		t.Fatalf("fixtures: %v", err)
	}
	return files
}

func TestDifferentialFixtures(t *testing.T) {
	files := fixtureFiles(t)
	total := 0
	for _, w := range []struct{ window, overlap int }{{0, 0}, {2048, 512}} {
		opt, ref := realEngines(t, w.window, w.overlap)
		for p, b := range files {
			total += compare(t, opt, ref, p, b, false)
		}
	}
	if total == 0 {
		t.Fatal("no findings in the fixtures")
	}
	t.Logf("%d findings in %d fixture files", total, len(files))
}

func FuzzDifferential(f *testing.F) {
	rs := realRules(f)
	for _, b := range fixtureFiles(f) {
		if len(b) < 64<<10 {
			f.Add(b, uint8(0))
		}
	}
	for _, r := range rs {
		for _, x := range r.Examples.Match {
			f.Add([]byte("a = "+x+"\n"), uint8(1))
		}
	}
	opt, ref := realEngines(f, 0, 0)
	small, smallRef := realEngines(f, 512, 128)
	f.Fuzz(func(t *testing.T, data []byte, mode uint8) {
		o, r := opt, ref
		if mode&1 != 0 {
			o, r = small, smallRef
		}
		compare(t, o, r, "f", data, mode&2 != 0)
	})
}

// TestDifferentialDeferred covers the candidates of anchored rules that wait for a
// keyword: webhook URLs and ODBC strings whose keyword comes after their anchors, a few
// anchors or more than maxDeferred (1024) of them before it, and windows where it never
// comes.
func TestDifferentialDeferred(t *testing.T) {
	opt, ref := realEngines(t, 0, 0)
	hook := "https://chat.example.com/hooks/" + strings.Repeat("a1b2c3d4e5", 2)[:20] + "x9y8z7\n"
	odbc := "Server=db.example.com;Database=app;User Id=svc;Password=Zq8vLm2Rt5Kw;\n"
	total := 0
	for _, anchors := range []int{0, 3, 1500} {
		for _, tail := range []string{hook, odbc, hook + odbc, ""} {
			var b strings.Builder
			b.WriteString(hook) // before any filler: settled as soon as its keyword comes
			for k := range anchors {
				fmt.Fprintf(&b, "see https://docs.example.com/page%d or host = %d and user here\n", k, k)
			}
			b.WriteString(tail)
			n := compare(t, opt, ref, "deferred.txt", []byte(b.String()), false)
			t.Logf("%d anchors, tail %d bytes: %d findings", anchors, len(tail), n)
			total += n
		}
	}
	if total == 0 {
		t.Fatal("no findings: the texts test nothing")
	}
}
