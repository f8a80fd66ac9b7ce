package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/trawlscan/trawl/plugins/secrets/rules"
)

func TestParseSize(t *testing.T) {
	for in, want := range map[string]int64{"500MB": 500e6, "50 mb": 50e6, "1GiB": 1 << 30, "2.5KB": 2500, "1234": 1234, "10B": 10} {
		if got, err := parseSize(in); err != nil || got != want {
			t.Errorf("parseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "MB", "-5MB", "5XB", "inf"} {
		if _, err := parseSize(in); err == nil {
			t.Errorf("parseSize(%q): no error", in)
		}
	}
}

// TestTree checks that the tree depends on the seed alone and that every plant is where it
// is recorded, surrounded by blank lines.
func TestTree(t *testing.T) {
	all, err := rules.Load()
	if err != nil {
		t.Fatal(err)
	}
	var trees [2]*tree
	var roots [2]string
	for i := range trees {
		if trees[i], err = plan(7, 3e6, all, 150); err != nil {
			t.Fatal(err)
		}
		roots[i] = t.TempDir()
		if err := trees[i].write(roots[i]); err != nil {
			t.Fatal(err)
		}
	}
	tr, root := trees[0], roots[0]
	for _, f := range tr.files {
		a, _ := os.ReadFile(filepath.Join(roots[0], f.path))
		b, _ := os.ReadFile(filepath.Join(roots[1], f.path))
		if len(a) == 0 || string(a) != string(b) {
			t.Fatalf("%s differs between two trees of one seed", f.path)
		}
	}
	for _, p := range tr.plants {
		data, err := os.ReadFile(filepath.Join(root, tr.files[p.file].path))
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(string(data), "\n")
		got := strings.Join(lines[p.line-1:p.line-1+p.lines], "\n")
		if got != p.text || lines[p.line-2] != "" || lines[p.line-1+p.lines] != "" {
			t.Errorf("%s:%d: want %q between blank lines, got %q", tr.files[p.file].path, p.line, p.text, got)
		}
	}
}

// TestKeywordDensity keeps the generated text believable: keywords of the secret rules a few
// times a kilobyte, not in every line.
func TestKeywordDensity(t *testing.T) {
	kw := regexp.MustCompile(`(?i)token|password|secret|api_?key|auth|credential|bearer`)
	for kind := range langs {
		text := strings.Join(newGen(1, 1).content(kind, 1<<20), "\n")
		perKB := float64(len(kw.FindAllStringIndex(text, -1))) / float64(len(text)>>10)
		t.Logf("%s: %.1f keywords/KB", kind, perKB)
		if perKB < 0.3 || perKB > 8 {
			t.Errorf("%s: %.1f keywords/KB", kind, perKB)
		}
	}
}

func TestTooManyPlants(t *testing.T) {
	all, err := rules.Load()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := plan(1, 1e5, all, 1000); err == nil {
		t.Error("1,000 plants in 100 KB: no error")
	}
}
