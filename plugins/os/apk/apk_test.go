package apk

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/trawlscan/trawl/internal/corpustest"
	"github.com/trawlscan/trawl/plugins/os/internal/lines"
	"github.com/trawlscan/trawl/sdk"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

// dbPath is the path the host hands the analyzer; goldens use it so that they do not depend
// on where the corpus lives.
const dbPath = "lib/apk/db/installed"

// corpusDir returns the shared test corpus, ../shared/corpus from the repository root (the
// directory holding go.mod). It lives outside the repository, so tests skip without it.
func corpusDir(t testing.TB) string {
	t.Helper()
	return corpustest.Dir(t)
}

// fixtures lists every apk database fixture of the corpus as dir/name, relative to
// os-pkgdb/apk: all files there except the os-release files next to the real databases.
func fixtures(t *testing.T) []string {
	t.Helper()
	root := filepath.Join(corpusDir(t), "os-pkgdb", "apk")
	var out []string
	dirs, err := os.ReadDir(root)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range dirs {
		files, err := os.ReadDir(filepath.Join(root, d.Name()))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			if f.Name() != "os-release" {
				out = append(out, d.Name()+"/"+f.Name())
			}
		}
	}
	return out
}

// golden is what a golden file holds: the whole output of Parse.
type golden struct {
	Packages []sdk.Package `json:"packages"`
	Problems []string      `json:"problems,omitempty"`
	Error    string        `json:"error,omitempty"`
}

func parseGolden(data []byte) golden { return parseReader(bytes.NewReader(data)) }

func TestGolden(t *testing.T) {
	fx := fixtures(t)
	// The fixtures the corpus documents; a missing one means the corpus changed under us.
	for _, want := range []string{
		"real-minirootfs-3.10.9/installed", "real-minirootfs-3.12.12/installed",
		"real-minirootfs-3.18.9/installed", "real-minirootfs-3.20.3/installed",
		"osv-scanner-v1-fixtures/empty_installed", "osv-scanner-v1-fixtures/malformed_installed",
		"osv-scanner-v1-fixtures/multiple_installed", "osv-scanner-v1-fixtures/not_installed",
		"osv-scanner-v1-fixtures/shuffled_installed", "osv-scanner-v1-fixtures/single_installed",
		"scalibr-fixtures/different-arch", "scalibr-fixtures/empty", "scalibr-fixtures/installed",
		"scalibr-fixtures/invalid", "scalibr-fixtures/no-origin", "scalibr-fixtures/single",
	} {
		if !slices.Contains(fx, want) {
			t.Errorf("corpus fixture %s is missing", want)
		}
	}
	root := filepath.Join(corpusDir(t), "os-pkgdb", "apk")
	for _, name := range fx {
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join(root, name))
			if err != nil {
				t.Fatal(err)
			}
			got, err := json.MarshalIndent(parseGolden(data), "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			goldenPath := filepath.Join("testdata", "golden", strings.ReplaceAll(name, "/", "__")+".json")
			if *update {
				if err := os.WriteFile(goldenPath, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(goldenPath)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("output differs from %s (run with -update and review the diff):\n%s", goldenPath, got)
			}
		})
	}
}

// TestRealDatabases checks the parser against the real Alpine databases with a count made
// independently of it: the P: and V: lines of the file, in order.
func TestRealDatabases(t *testing.T) {
	root := filepath.Join(corpusDir(t), "os-pkgdb", "apk")
	for _, v := range []string{"3.10.9", "3.12.12", "3.18.9", "3.20.3"} {
		t.Run(v, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join(root, "real-minirootfs-"+v, "installed"))
			if err != nil {
				t.Fatal(err)
			}
			var names, versions []string
			sc := bufio.NewScanner(bytes.NewReader(data))
			for sc.Scan() {
				if s, ok := strings.CutPrefix(sc.Text(), "P:"); ok {
					names = append(names, s)
				}
				if s, ok := strings.CutPrefix(sc.Text(), "V:"); ok {
					versions = append(versions, s)
				}
			}
			if len(names) != len(versions) || len(names) < 10 {
				t.Fatalf("fixture has %d P: and %d V: lines", len(names), len(versions))
			}
			var want []string
			for i := range names {
				want = append(want, names[i]+"@"+versions[i])
			}

			pkgs, problems, err := Parse(dbPath, bytes.NewReader(data))
			if err != nil || len(problems) > 0 {
				t.Fatalf("Parse: err %v, problems %v", err, problems)
			}
			var got []string
			for _, p := range pkgs {
				got = append(got, p.Name+"@"+p.Version)
				if p.Type != "apk" || p.Arch != "x86_64" || p.SourceName == "" || p.SourceVersion != p.Version || len(p.Licenses) == 0 {
					t.Errorf("incomplete package %+v", p)
				}
				if err := p.Validate(); err != nil {
					t.Errorf("%s: %v", p.Name, err)
				}
			}
			if len(pkgs) != len(names) {
				t.Errorf("got %d packages, the file has %d P: lines", len(pkgs), len(names))
			}
			if !slices.Equal(got, want) {
				t.Errorf("packages:\n got %v\nwant %v", got, want)
			}
		})
	}
}

// TestStreaming checks that the result does not depend on how the content is chunked: the
// host streams a file in chunks of its choosing.
func TestStreaming(t *testing.T) {
	root := filepath.Join(corpusDir(t), "os-pkgdb", "apk")
	for _, name := range fixtures(t) {
		data, err := os.ReadFile(filepath.Join(root, name))
		if err != nil {
			t.Fatal(err)
		}
		want := parseGolden(data)
		for kind, rd := range map[string]func() golden{
			"one byte": func() golden { return parseReader(iotest.OneByteReader(bytes.NewReader(data))) },
			"half":     func() golden { return parseReader(iotest.HalfReader(bytes.NewReader(data))) },
		} {
			if got := rd(); !reflect.DeepEqual(got, want) {
				t.Errorf("%s, %s reader: got %+v, want %+v", name, kind, got, want)
			}
		}
	}
}

func parseReader(r io.Reader) golden {
	pkgs, problems, err := Parse(dbPath, r)
	g := golden{Packages: pkgs}
	if g.Packages == nil {
		g.Packages = []sdk.Package{}
	}
	for _, p := range problems {
		g.Problems = append(g.Problems, p.Error())
	}
	if err != nil {
		g.Error = err.Error()
	}
	return g
}

func TestParse(t *testing.T) {
	long := strings.Repeat("x", 3*bufSize+17)
	tests := []struct {
		name     string
		in       string
		want     []sdk.Package // Locations are filled in below
		problems []string
		err      string
	}{
		{
			name: "minimal, no final newline",
			in:   "P:a\nV:1-r0",
			want: []sdk.Package{{Name: "a", Version: "1-r0", Type: "apk"}},
		},
		{
			name: "blank lines before, between and after; CRLF",
			in:   "\n\r\nP:a\r\nV:1\r\no:src\r\n\r\n\r\n\nP:b\nV:2\nA:aarch64\nL:MIT\n\n\n",
			want: []sdk.Package{
				{Name: "a", Version: "1", Type: "apk", SourceName: "src", SourceVersion: "1"},
				{Name: "b", Version: "2", Type: "apk", Arch: "aarch64", Licenses: []string{"MIT"}},
			},
		},
		{
			name: "long lines of skipped keys are no problem",
			in:   "F:" + long + "\nP:a\nR:" + long + "\nZ:" + long + "\nV:1\nD:" + long + "\n\nP:b\nV:2\n",
			want: []sdk.Package{{Name: "a", Version: "1", Type: "apk"}, {Name: "b", Version: "2", Type: "apk"}},
		},
		{
			name: "a long name skips its stanza only",
			in:   "P:" + long + "\nV:1\n\nP:b\nV:2\n",
			want: []sdk.Package{{Name: "b", Version: "2", Type: "apk"}},
			problems: []string{
				dbPath + ":1: P: value longer than 4096 bytes, stanza skipped",
			},
		},
		{
			name: "a long origin is dropped, the package kept",
			in:   "P:a\nV:1\no:" + long + "\n",
			want: []sdk.Package{{Name: "a", Version: "1", Type: "apk"}},
			problems: []string{
				dbPath + `:3: package "a": o: value longer than 4096 bytes, ignored`,
			},
		},
		{
			name: "no version, no name",
			in:   "P:a\nA:x86_64\n\nV:1\nT:nameless\n\nP:c\nV:3\n",
			want: []sdk.Package{{Name: "c", Version: "3", Type: "apk"}},
			problems: []string{
				dbPath + `:1: package "a" has no version (V:), skipped`,
				dbPath + ":4: stanza without a package name (P:), skipped",
			},
		},
		{
			name: "malformed line inside a good stanza",
			in:   "P:a\nthis is not apk\nV:1\n",
			want: []sdk.Package{{Name: "a", Version: "1", Type: "apk"}},
			problems: []string{
				dbPath + `:2: package "a": malformed line ignored: want a one-letter key and a colon, got "this is not apk"`,
			},
		},
		{
			name: "not UTF-8, control characters",
			in:   "P:a\xff\nV:1\n\nP:b\nV:1\x01\n\nP:c\nV:1\nA:x\x7f\nL:MIT \xfe\n",
			want: []sdk.Package{{Name: "c", Version: "1", Type: "apk"}},
			problems: []string{
				dbPath + ":1: P: value is not UTF-8, stanza skipped",
				dbPath + ":5: V: value has control characters, stanza skipped",
				dbPath + `:9: package "c": A: value has control characters, ignored`,
				dbPath + `:10: package "c": L: value is not UTF-8, ignored`,
			},
		},
		{
			name: "duplicate keys: the last one wins",
			in:   "P:a\nV:1\nV:2\n",
			want: []sdk.Package{{Name: "a", Version: "2", Type: "apk"}},
			problems: []string{
				dbPath + `:3: package "a": second V: line in one stanza (first on line 2); the last one wins`,
			},
		},
		{name: "empty", in: ""},
		{name: "only blank lines", in: "\n\n\r\n"},
		{
			name: "no P: line at all",
			in:   "\x7fELF\x02\x01\x01\x00\x00\n\x00\x00V:1\n",
			err:  dbPath + `: not an apk installed database: no package (P:) line; line 1 is "\x7fELF\x02\x01\x01\x00\x00"`,
		},
		{
			name: "key-value lines, but no P:",
			in:   "\n\nV:1\nA:x86_64\n",
			err:  dbPath + `: not an apk installed database: no package (P:) line; line 3 is "V:1"`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pkgs, problems, err := Parse(dbPath, strings.NewReader(tt.in))
			if tt.err != "" {
				if err == nil || err.Error() != tt.err {
					t.Fatalf("err = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for i := range tt.want {
				tt.want[i].Locations = []sdk.Location{{Path: dbPath}}
			}
			if !reflect.DeepEqual(pkgs, tt.want) {
				t.Errorf("packages:\n got %+v\nwant %+v", pkgs, tt.want)
			}
			var msgs []string
			for _, p := range problems {
				msgs = append(msgs, p.Error())
			}
			if !slices.Equal(msgs, tt.problems) {
				t.Errorf("problems:\n got %q\nwant %q", msgs, tt.problems)
			}
		})
	}
}

func TestProblemsAreBounded(t *testing.T) {
	var b strings.Builder
	for range 1000 {
		b.WriteString("P:nameonly\n\n")
	}
	b.WriteString("P:ok\nV:1\n")
	pkgs, problems, err := Parse(dbPath, strings.NewReader(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	if len(pkgs) != 1 {
		t.Errorf("got %d packages, want 1", len(pkgs))
	}
	if len(problems) != lines.MaxProblems+1 {
		t.Fatalf("got %d problems, want %d", len(problems), lines.MaxProblems+1)
	}
	if got, want := problems[lines.MaxProblems].Error(), dbPath+":201: 900 more problems from here on not listed"; got != want {
		t.Errorf("last problem %q, want %q", got, want)
	}
}

func TestLicenses(t *testing.T) {
	tests := []struct {
		in      string
		want    []string
		problem string
	}{
		{"", nil, ""},
		{"  ", nil, ""},
		{"MIT", []string{"MIT"}, ""},
		{"GPL-2.0-only", []string{"GPL-2.0-only"}, ""},
		// "BSD" names no one license: the list stays a list, its other words in SPDX form.
		{"MIT BSD GPL2+", []string{"MIT", "BSD", "GPL-2.0-or-later"}, ""},
		{"MIT BSD-2-Clause GPL2+", []string{"MIT AND BSD-2-Clause AND GPL-2.0-or-later"}, ""},
		{"MPL-2.0 GPL-2.0-or-later", []string{"MPL-2.0 AND GPL-2.0-or-later"}, ""},
		{"GPL-2.0", []string{"GPL-2.0-only"}, ""},
		{"zlib", []string{"Zlib"}, ""},
		{"GPL-2.0-or-later WITH Bison-exception-2.2", []string{"GPL-2.0-or-later WITH Bison-exception-2.2"}, ""},
		{"MIT AND BSD-2-Clause", []string{"MIT AND BSD-2-Clause"}, ""},
		{"MIT  AND\tBSD-2-Clause", []string{"MIT AND BSD-2-Clause"}, ""},
		{"MIT AND BSD-2-Clause AND GPL-2.0-or-later", []string{"MIT AND BSD-2-Clause AND GPL-2.0-or-later"}, ""},
		{"GPL-2.0-or-later OR MIT", []string{"GPL-2.0-or-later OR MIT"}, ""},
		{"GPL-2.0-only WITH Linux-syscall-note", []string{"GPL-2.0-only WITH Linux-syscall-note"}, ""},
		{"(MIT OR Apache-2.0) AND BSD-3-Clause", []string{"(MIT OR Apache-2.0) AND BSD-3-Clause"}, ""},
		{"GPL2 or Artistic", []string{"GPL2 or Artistic"}, ""},
		{"GPL2 or MIT", []string{"GPL-2.0-only OR MIT"}, ""},
		{"MPL 2.0 GPL2+", []string{"MPL 2.0", "GPL-2.0-or-later"}, ""},
		{"MIT MIT", []string{"MIT"}, ""},
		{"custom:bsd", []string{"custom:bsd"}, ""},
		{strings.Repeat("L ", 100), []string{"L"}, ""},
	}
	for _, tt := range tests {
		got, problem := Licenses(tt.in)
		if !slices.Equal(got, tt.want) || problem != tt.problem {
			t.Errorf("Licenses(%q) = %q, %q; want %q, %q", tt.in, got, problem, tt.want, tt.problem)
		}
	}
	// More distinct words than the SDK allows licenses: kept whole, as written.
	var many []string
	for i := range 70 {
		many = append(many, "L"+strings.Repeat("x", i))
	}
	got, _ := Licenses(strings.Join(many, " "))
	if len(got) != 1 || got[0] != strings.Join(many, " ") {
		t.Errorf("70 licenses: got %d entries", len(got))
	}
}

// BenchmarkParse measures the parser on the real Alpine 3.20 minirootfs database.
func BenchmarkParse(b *testing.B) {
	data, err := os.ReadFile(filepath.Join(corpusDir(b), "os-pkgdb", "apk", "real-minirootfs-3.20.3", "installed"))
	if err != nil {
		b.Fatal(err)
	}
	benchmarkParse(b, data)
}

// BenchmarkParseLarge measures a database of a big image: the 3.20 one repeated to 1,400
// packages (1.4 MB), the size of a fat application image.
func BenchmarkParseLarge(b *testing.B) {
	data, err := os.ReadFile(filepath.Join(corpusDir(b), "os-pkgdb", "apk", "real-minirootfs-3.20.3", "installed"))
	if err != nil {
		b.Fatal(err)
	}
	benchmarkParse(b, bytes.Repeat(data, 100))
}

func benchmarkParse(b *testing.B, data []byte) {
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		pkgs, _, err := Parse(dbPath, bytes.NewReader(data))
		if err != nil {
			b.Fatal(err)
		}
		n += len(pkgs)
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "packages/s")
}

func TestReadError(t *testing.T) {
	r := io.MultiReader(strings.NewReader("P:a\nV:1\n\nP:b\n"), iotest.ErrReader(errors.New("disk on fire")))
	_, _, err := Parse(dbPath, r)
	if err == nil || err.Error() != dbPath+": line 5: disk on fire" {
		t.Fatalf("got %v", err)
	}
}
