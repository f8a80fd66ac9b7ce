package secrets

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/trawlscan/trawl/sdk"
)

// benchTree is a tree-like stream of about 50 MB: source-like files of 2 to 50 KB. With
// dense, the vocabulary holds the rules' keywords, so nearly every file passes the
// prefilter and every regex runs over it; otherwise keywords occur only with the secrets
// planted in about one file in twenty.
func benchTree(dense bool) (paths []string, files [][]byte, planted int) {
	rng := rand.New(rand.NewPCG(7, 8))
	total := 0
	for total < 50<<20 {
		size := 2<<10 + rng.IntN(48<<10)
		var content string
		if dense {
			content = randomText(rng, size, 0.002)
		} else {
			content = plainText(rng, size)
			if rng.IntN(20) == 0 {
				at := rng.IntN(len(content))
				at = strings.LastIndexByte(content[:at], '\n') + 1
				content = content[:at] + `aws_key = "AKIA` + randString(rng, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16) + "\"\n" + content[at:]
				planted++
			}
		}
		paths = append(paths, fmt.Sprintf("src/pkg%d/file%d.go", len(files)/50, len(files)))
		files = append(files, []byte(content))
		total += len(content)
	}
	return paths, files, planted
}

func plainText(rng *rand.Rand, n int) string {
	words := []string{"func", "return", "if", "err", "nil", "x", "config", "value", "for", "range",
		"{", "}", "(", ")", ":=", "=", "\"s\"", "//", "string", "int", "struct", "type", "len", "append"}
	var b strings.Builder
	for b.Len() < n {
		b.WriteString(strings.Repeat("\t", rng.IntN(3)))
		for k := rng.IntN(10); k > 0; k-- {
			b.WriteString(words[rng.IntN(len(words))])
			b.WriteByte(' ')
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// manyRules adds n rules whose keywords never occur, as a large rule pack would.
func manyRules(n int) []sdk.SecretRule {
	rules := testRules()
	rng := rand.New(rand.NewPCG(9, 9))
	for i := range n {
		kw := "q" + randString(rng, "qwxzjkv", 6)
		rules = append(rules, sdk.SecretRule{
			ID: fmt.Sprintf("pack-%d", i), Title: "t", Category: "saas", Severity: "LOW",
			Keywords: []string{kw, strings.ToUpper(kw) + "_"}, Regex: kw + `_[a-z0-9]{32}`,
			Examples: sdk.SecretExamples{Match: []string{kw + "_" + strings.Repeat("a1", 16)}},
		})
	}
	return rules
}

func BenchmarkScan(b *testing.B) {
	for _, bc := range []struct {
		name  string
		dense bool
		rules []sdk.SecretRule
	}{
		{"sparse/4rules", false, testRules()},
		{"sparse/204rules", false, manyRules(200)},
		{"dense/4rules", true, testRules()},
		{"dense/204rules", true, manyRules(200)},
	} {
		b.Run(bc.name, func(b *testing.B) {
			paths, files, planted := benchTree(bc.dense)
			e, err := Compile(bc.rules)
			if err != nil {
				b.Fatal(err)
			}
			var size int64
			for _, f := range files {
				size += int64(len(f))
			}
			b.SetBytes(size)
			b.ReportAllocs()
			b.ResetTimer()
			found := 0
			for b.Loop() {
				found = 0
				for i, f := range files {
					fs, err := e.Scan(paths[i], bytes.NewReader(f), 0)
					if err != nil {
						b.Fatal(err)
					}
					found += len(fs)
				}
			}
			if !bc.dense && found != planted {
				b.Fatalf("found %d of %d planted secrets", found, planted)
			}
			b.ReportMetric(float64(found), "findings")
		})
	}
}

// onlyReader hides bytes.Reader's WriteTo, so that io.Copy moves the bytes through a
// buffer as a real stream would (with WriteTo, copying to io.Discard moves nothing).
type onlyReader struct{ io.Reader }

// BenchmarkCopy is the floor: the same files through io.Copy(io.Discard, ...).
func BenchmarkCopy(b *testing.B) {
	_, files, _ := benchTree(false)
	var size int64
	for _, f := range files {
		size += int64(len(f))
	}
	b.SetBytes(size)
	for b.Loop() {
		for _, f := range files {
			if _, err := io.Copy(io.Discard, onlyReader{bytes.NewReader(f)}); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkPrefilter is the keyword pass alone, over the sparse tree.
func BenchmarkPrefilter(b *testing.B) {
	_, files, _ := benchTree(false)
	e := mustCompile(b)
	var size int64
	for _, f := range files {
		size += int64(len(f))
	}
	b.SetBytes(size)
	hit := make([]bool, len(e.rules))
	for b.Loop() {
		for _, f := range files {
			clear(hit)
			e.pf.scan(f, hit, len(hit))
		}
	}
}
