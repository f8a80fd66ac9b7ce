package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/trawlscan/trawl/sdk"
)

// FuzzAnalyze feeds the analyzer arbitrary files. It must never panic (in the module, a
// panic is a failed call), and what it returns must be what the host accepts: packages
// with a name and a version of Conan's characters, lines within the file, strings of
// valid UTF-8 without control characters and at most 4 KiB.
func FuzzAnalyze(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/*")
	for _, s := range seeds {
		if data, err := os.ReadFile(s); err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte(`{"graph_lock":{"nodes":{"0":{"requires":{"a/1":"1"}},"1":{"pref":"a/1:x#y"}}}}`))
	f.Add([]byte(`{"requires":["a/1@u/c#00"],"config_requires":["cfg/1"]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		res, err := analyzer{}.Analyze(sdk.FileRequest{Path: "conan.lock"}, bytes.NewReader(data))
		if err != nil {
			if res != nil {
				t.Fatal("a result with an error")
			}
			return
		}
		lines := bytes.Count(data, []byte("\n")) + 1
		for _, p := range res.Packages {
			if p.Name == "" || p.Version == "" || !validPart(p.Name) || !validPart(p.Version) {
				t.Fatalf("package %q %q", p.Name, p.Version)
			}
			if p.Type != purlType || p.Ecosystem != osvEcosystem {
				t.Fatalf("package %+v", p)
			}
			if l := p.Locations[0].Line; l < 0 || l > lines {
				t.Fatalf("line %d of %d", l, lines)
			}
			if p.PURL != "" && !strings.HasPrefix(p.PURL, "pkg:conan/") {
				t.Fatalf("purl %q", p.PURL)
			}
		}
		if len(res.Errors) > 21 {
			t.Fatalf("%d errors", len(res.Errors))
		}
		for _, e := range res.Errors {
			if !utf8.ValidString(e.Message) || len(e.Message) > 4096 || strings.ContainsFunc(e.Message, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
				t.Fatalf("error message %q", e.Message)
			}
		}
	})
}
