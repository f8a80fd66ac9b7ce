package metadata

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/trawlscan/trawl/plugins/lang/internal/langtest"
	"github.com/trawlscan/trawl/sdk"
)

const file = "usr/lib/python3/site-packages/x-1.0.dist-info/METADATA"

// dist returns the real metadata files of testdata/dist (see testdata/README.md).
func dist(t testing.TB) []langtest.Fixture {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join("testdata", "dist", "*"))
	if err != nil || len(paths) < 9 {
		t.Fatalf("testdata/dist: %d files, %v", len(paths), err)
	}
	var out []langtest.Fixture
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, langtest.Fixture{Name: filepath.Base(p), Data: data})
	}
	return out
}

// golden is the whole answer for one file.
type golden struct {
	Packages []sdk.Package `json:"packages"`
	Problems []string      `json:"problems,omitempty"`
	Error    string        `json:"error,omitempty"`
}

// TestGolden reads the real metadata files of testdata/dist; the goldens were written with
// -update and checked by hand against the headers of each file.
func TestGolden(t *testing.T) {
	for _, f := range dist(t) {
		t.Run(f.Name, func(t *testing.T) {
			var g golden
			res, err := Parse(f.Name, bytes.NewReader(f.Data))
			if err != nil {
				g.Error = err.Error()
			} else {
				g.Packages = res.Packages
				for _, p := range res.Problems {
					g.Problems = append(g.Problems, p.Error())
				}
			}
			got, err := json.MarshalIndent(g, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			path := filepath.Join("testdata", "golden", f.Name+".json")
			if langtest.Update() {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("output differs from %s (run with -update and review the diff):\n%s", path, got)
			}
		})
	}
}

func TestParse(t *testing.T) {
	for _, tt := range []struct {
		name, in string
		want     string // name@version:line [licenses]
		problems []string
		err      string
	}{
		{name: "minimal", in: "Name: a\nVersion: 1\n", want: "a@1:1 []"},
		{name: "stops at the body", in: "Metadata-Version: 2.1\nName: a\nVersion: 1\n\nName: b\nVersion: 2\n", want: "a@1:2 []"},
		{name: "CRLF and BOM", in: "\ufeffName: a\r\nVersion: 1\r\nLicense: MIT\r\n\r\nbody", want: "a@1:1 [MIT]"},
		{name: "header names are case-insensitive, the first wins", in: "name: a\nNAME: b\nversion: 1\nVersion: 2\n", want: "a@1:1 []"},
		{name: "License-Expression first", in: "Name: a\nVersion: 1\nLicense: BSD\nLicense-Expression: MIT OR Apache-2.0\nClassifier: License :: OSI Approved :: BSD License\n", want: "a@1:1 [MIT OR Apache-2.0]"},
		{name: "License before classifiers", in: "Name: a\nVersion: 1\nLicense: BSD-3-Clause\nClassifier: License :: OSI Approved :: MIT License\n", want: "a@1:1 [BSD-3-Clause]"},
		{name: "folded License is license text: classifiers", in: "Name: a\nVersion: 1\nLicense: Copyright (c) 2020\n        Permission is hereby granted\n        \n        more\nClassifier: License :: OSI Approved :: MIT License\nClassifier: License :: OSI Approved\nClassifier: License :: Public Domain\nClassifier: Topic :: Utilities\n", want: "a@1:1 [MIT License Public Domain]"},
		{name: "UNKNOWN and long License", in: "Name: a\nVersion: 1\nLicense: UNKNOWN\n", want: "a@1:1 []"},
		{name: "long License line", in: "Name: a\nVersion: 1\nLicense: " + strings.Repeat("x", 101) + "\nClassifier: License :: OSI Approved :: ISC License (ISCL)\n", want: "a@1:1 [ISC License (ISCL)]"},
		{name: "old PKG-INFO with a folded description", in: "Metadata-Version: 1.0\nName: a\nVersion: 1\nDescription: line 1\n        \n        line 3\nClassifier: License :: OSI Approved :: MIT License\n", want: "a@1:2 [MIT License]"},
		{name: "garbage line in the headers", in: "Name: a\nthis is not a header\nVersion: 1\n", want: "a@1:1 []",
			problems: []string{`2: not a header line, ignored: this is not a header`}},
		{name: "long lines", in: "Name: a\nDescription: " + strings.Repeat("d", 2*maxLine) + "\nVersion: 1\nLicense: " + strings.Repeat("l", maxLine) + "\n", want: "a@1:1 []",
			problems: []string{fmt.Sprintf("4: License longer than %d bytes, ignored", maxLine)}},
		{name: "empty", in: "", err: file + ": empty file, not Python package metadata"},
		{name: "blank first line", in: "\nName: a\n", err: file + ": empty file, not Python package metadata"},
		{name: "not metadata", in: "\x7fELF\x02\n", err: file + `: not Python package metadata: no Name or Version header; line 1 is "\x7fELF\x02"`},
		{name: "no name", in: "Version: 1\n", err: file + ": Python package metadata without a Name header"},
		{name: "no version", in: "Metadata-Version: 2.1\nName: a\n\nVersion: 1\n", err: file + ":2: package a has no Version header"},
		{name: "bad name", in: "Name: a\x01\nVersion: 1\n", want: "",
			problems: []string{`1: package name "a\x01": has control characters, skipped`}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res, err := Parse(file, strings.NewReader(tt.in))
			if tt.err != "" {
				if err == nil || err.Error() != tt.err {
					t.Fatalf("err = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, p := range res.Packages {
				got = append(got, fmt.Sprintf("%s@%s:%d %v", p.Name, p.Version, p.Locations[0].Line, p.Licenses))
			}
			if strings.Join(got, " ") != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
			var problems []string
			for _, p := range res.Problems {
				problems = append(problems, strings.TrimPrefix(p.Error(), file+":"))
			}
			if strings.Join(problems, "\n") != strings.Join(tt.problems, "\n") {
				t.Errorf("problems:\n got %q\nwant %q", problems, tt.problems)
			}
		})
	}
}

// TestStopsAtTheBody checks that the body is not read: a reader that fails after the
// headers (past what the line buffer reads ahead) must not be reached.
func TestStopsAtTheBody(t *testing.T) {
	head := "Name: a\nVersion: 1\n\n"
	r := io.MultiReader(strings.NewReader(head), strings.NewReader(strings.Repeat("body\n", 2*maxLine/5)), iotest.ErrReader(errors.New("read past the headers")))
	res, err := Parse(file, r)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Packages) != 1 {
		t.Errorf("got %+v", res.Packages)
	}
}

func TestReadError(t *testing.T) {
	r := io.MultiReader(strings.NewReader("Name: a\n"), iotest.ErrReader(errors.New("disk on fire")))
	if _, err := Parse(file, r); err == nil || err.Error() != file+": line 2: disk on fire" {
		t.Errorf("got %v", err)
	}
}

func TestDist(t *testing.T) {
	for _, f := range dist(t) {
		t.Run(f.Name, func(t *testing.T) { langtest.Check(t, Parse, file, "pypi", f.Data) })
	}
}

func FuzzMetadata(f *testing.F) {
	for _, fx := range dist(f) {
		f.Add(fx.Data)
	}
	f.Add([]byte("Name: a\nVersion: 1\nLicense: x\n  y\nClassifier: License :: A :: B\n\nbody"))
	f.Fuzz(func(t *testing.T, data []byte) {
		langtest.Check(t, Parse, file, "pypi", data)
	})
}

// BenchmarkParse measures the real metadata files of testdata/dist (headers only are read,
// so MB/s counts the whole files as the host would hand them over).
func BenchmarkParse(b *testing.B) {
	langtest.Bench(b, Parse, dist(b))
}
