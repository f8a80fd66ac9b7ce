package main

// The tests run natively (go test): the analyzer is plain Go, and only the SDK's plugin
// package, under the wasip1 build tag, turns it into a module. The repository's
// cmd/trawl/examples_test.go builds the module and runs it in trawl.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/trawlscan/trawl/sdk"
)

// describe renders a package for comparison: name@version line=N [dev] [indirect] [purl].
func describe(p lockedPackage) string {
	s := fmt.Sprintf("%s@%s line=%d", p.Name, p.Version, p.Line)
	if p.Dev {
		s += " dev"
	}
	if p.Indirect {
		s += " indirect"
	}
	if u := purl(p.reference); u != "" {
		s += " " + u
	}
	return s
}

func TestParseLock(t *testing.T) {
	for _, tc := range []struct {
		file     string
		want     []string
		problems []string
		err      string
	}{
		// Conan 1.x graph locks: the consumer's node (with a path) is not a package; its
		// requires are the direct dependencies.
		{file: "empty.v1.json"},
		{file: "empty.v1.revisions.json"},
		{file: "one-package.v1.json", want: []string{"zlib@1.2.11 line=14"}},
		{file: "one-package.v1.revisions.json", want: []string{"zlib@1.2.11 line=14"}},
		{file: "one-package-dev.v1.json", want: []string{"ninja@1.11.1 line=14 dev"}},
		{file: "one-package-dev.v1.revisions.json", want: []string{"ninja@1.11.1 line=14 dev"}},
		{file: "two-packages.v1.json", want: []string{"zlib@1.2.11 line=15", "bzip2@1.0.8 line=22"}},
		{file: "two-packages.v1.revisions.json", want: []string{"zlib@1.2.11 line=15", "bzip2@1.0.8 line=22"}},
		{file: "nested-dependencies.v1.json", want: []string{
			"freetype@2.12.1 line=14", "libpng@1.6.39 line=27 indirect", "zlib@1.2.13 line=37 indirect",
			"bzip2@1.0.8 line=44 indirect", "brotli@1.0.9 line=51 indirect",
		}},
		{file: "nested-dependencies.v1.revisions.json", want: []string{
			"freetype@2.12.1 line=14", "libpng@1.6.39 line=27 indirect", "zlib@1.2.13 line=37 indirect",
			"bzip2@1.0.8 line=44 indirect", "brotli@1.0.9 line=51 indirect",
		}},
		// A node without a name ("1.2.3") is a consumer's conanfile, not a dependency.
		{file: "no-name.v1.json", want: []string{"zlib@1.2.11 line=14"}},
		{file: "no-name.v1.revisions.json", want: []string{"zlib@1.2.11 line=14"}},
		// A build-context node is a development package; zlib, in both contexts, is not.
		// python_requires name references; "@_/_" is no user and no channel.
		{file: "build-context.v1.json", want: []string{
			"acme-recipes@1.2 line=15 dev pkg:conan/acme-recipes@1.2?channel=stable&user=acme",
			"openssl@1.1.1t line=21",
			"zlib@1.2.13 line=31 indirect",
			"acme-log@0.2.0 line=38 pkg:conan/acme-log@0.2.0?channel=stable&user=acme",
			"protobuf@3.21.9 line=45 dev",
		}},
		// Lock files before 0.4: pref rather than ref, requires as a map (0.0 to 0.2).
		{file: "old-format-0.0.json", want: []string{"zlib@1.2.11 line=13 pkg:conan/zlib@1.2.11?channel=testing&user=bincrafters"}},
		{file: "old-format-0.1.json", want: []string{"zlib@1.2.11 line=14"}},
		{file: "old-format-0.2.json", want: []string{"zlib@1.2.11 line=14"}},
		{file: "old-format-0.3.json", want: []string{"zlib@1.2.11 line=14"}},

		// Conan 2.x: flat lists, which do not say what is direct.
		{file: "empty.v2.json"},
		{file: "one-package.v2.json", want: []string{"zlib@1.2.11 line=4"}},
		{file: "one-package-dev.v2.json", want: []string{"ninja@1.11.1 line=5 dev"}},
		{file: "two-packages.v2.json", want: []string{"zlib@1.2.11 line=4", "bzip2@1.0.8 line=5"}},
		{file: "nested-dependencies.v2.json", want: []string{
			"zlib@1.2.13 line=4", "libpng@1.6.39 line=5", "freetype@2.12.1 line=6", "bzip2@1.0.8 line=7", "brotli@1.0.9 line=8",
		}},
		{file: "no-name.v2.json", want: []string{"zlib@1.2.11 line=4"}},
		{file: "app.v2.conan.lock", want: []string{
			"zlib@1.3.1 line=4", // also a build requirement: not a development package
			"openssl@3.2.1 line=5",
			"libcurl@8.6.0 line=6",
			"fmt@10.2.1 line=7",
			"acme-log@0.3.0 line=8 pkg:conan/acme-log@0.3.0?channel=stable&user=acme",
			"libpng@1.6.43+cci.1 line=9",
			"cmake@3.28.1 line=12 dev",
			"ninja@1.11.1 line=13 dev",
			"acme-recipes@1.2 line=17 dev pkg:conan/acme-recipes@1.2?channel=stable&user=acme",
		}},
		{file: "bad-entries.v2.json", want: []string{"zlib@1.3.1 line=4"}, problems: []string{
			`requires[1]: "zlib/" has no version`,
			`requires[2]: "bad name/1.0": the name is not a Conan name`,
			`requires[3]: "fmt/10.2.1#not-a-revision": the revision is not a Conan revision`,
		}},

		// Not lock files.
		{file: "not-json.txt", err: "not a Conan lock file: invalid character"},
		{file: "null.v2.jsontest", err: "not a Conan lock file: it has neither graph_lock"},
	} {
		t.Run(tc.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", tc.file))
			if err != nil {
				t.Fatal(err)
			}
			pkgs, problems, err := parseLock(data)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, p := range pkgs {
				got = append(got, describe(p))
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("packages\n got %q\nwant %q", got, tc.want)
			}
			if !reflect.DeepEqual(problems, tc.problems) {
				t.Errorf("problems\n got %q\nwant %q", problems, tc.problems)
			}
		})
	}
}

func TestParseReference(t *testing.T) {
	for in, want := range map[string]reference{
		"zlib/1.2.13": {Name: "zlib", Version: "1.2.13"},
		"zlib/1.2.13#13c96f538b52e1600c40b88994de240f%1667396813.733": {Name: "zlib", Version: "1.2.13", Revision: "13c96f538b52e1600c40b88994de240f"},
		"zlib/1.2.11@bincrafters/testing#5f4917ce0a630b102f472afd00102d40:19729b9559f3ae196cad45cb2b97468ccb75dcd1#58846c4ed127f63e9c88c5be5190a6d9": {
			Name: "zlib", Version: "1.2.11", User: "bincrafters", Channel: "testing", Revision: "5f4917ce0a630b102f472afd00102d40"},
		"protobuf/3.21.9@_/_": {Name: "protobuf", Version: "3.21.9"},
		"mylib/1.0@acme":      {Name: "mylib", Version: "1.0", User: "acme"},
		"libpng/1.6.43+cci.1": {Name: "libpng", Version: "1.6.43+cci.1"},
	} {
		got, err := parseReference(in)
		if err != nil || got != want {
			t.Errorf("parseReference(%q) = %+v, %v; want %+v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "1.2.3", "/1.0", "zlib/", "zlib/1.0\n", "zlib/1.0@a b/c", "zlib/1.0#xyz", "zlib/" + strings.Repeat("1", 129)} {
		if r, err := parseReference(in); err == nil {
			t.Errorf("parseReference(%q) = %+v, want an error", in, r)
		}
	}
}

// TestAnalyze calls the analyzer as the SDK does inside the module: a file request and the
// content as a reader.
func TestAnalyze(t *testing.T) {
	data, err := os.ReadFile("testdata/nested-dependencies.v2.json")
	if err != nil {
		t.Fatal(err)
	}
	req := sdk.FileRequest{Path: "src/app/conan.lock", Size: int64(len(data)), Analyzers: []string{analyzerName}}
	res, err := analyzer{}.Analyze(req, bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Packages) != 5 || len(res.Errors) != 0 {
		t.Fatalf("got %d packages and errors %v, want 5 and none", len(res.Packages), res.Errors)
	}
	want := sdk.Package{
		Name: "zlib", Version: "1.2.13", Type: "conan", Ecosystem: "ConanCenter",
		Locations: []sdk.Location{{Path: "src/app/conan.lock", Line: 4}},
	}
	if !reflect.DeepEqual(res.Packages[0], want) {
		t.Errorf("first package\n got %+v\nwant %+v", res.Packages[0], want)
	}
	// The result crosses the ABI as JSON: it must be what the schema allows.
	if _, err := json.Marshal(res); err != nil {
		t.Fatal(err)
	}

	// Entries that are not references are the file's errors; a file that is not a lock
	// file fails alone.
	bad, _ := os.ReadFile("testdata/bad-entries.v2.json")
	res, err = analyzer{}.Analyze(sdk.FileRequest{Path: "conan.lock"}, bytes.NewReader(bad))
	if err != nil || len(res.Packages) != 1 || len(res.Errors) != 3 || res.Errors[0].Analyzer != analyzerName || res.Errors[0].Path != "conan.lock" {
		t.Errorf("bad entries: %+v, %v", res, err)
	}
	if _, err := (analyzer{}).Analyze(sdk.FileRequest{Path: "conan.lock"}, strings.NewReader("[]")); err == nil {
		t.Error("a JSON array is not a lock file")
	}
}

// TestManifest checks manifest.json as the host will: valid, one analyzer, selecting every
// conan.lock.
func TestManifest(t *testing.T) {
	raw, err := os.ReadFile("manifest.json")
	if err != nil {
		t.Fatal(err)
	}
	var m sdk.Manifest
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		t.Fatal(err)
	}
	if err := m.Validate(); err != nil {
		t.Fatal(err)
	}
	if m.Kind != sdk.KindAnalyzer || len(m.Analyzers) != 1 || m.Analyzers[0].Name != analyzerName {
		t.Fatalf("manifest: %+v", m)
	}
	if sel := m.Analyzers[0].Files; len(sel) != 1 || sel[0].Base != "conan.lock" {
		t.Errorf("selectors: %+v", sel)
	}
}

func TestPURLEscapes(t *testing.T) {
	got := purl(reference{Name: "lib+x", Version: "1.0+cci.2", User: "acme", Channel: "stable"})
	if want := "pkg:conan/lib%2Bx@1.0%2Bcci.2?channel=stable&user=acme"; got != want {
		t.Errorf("purl = %s, want %s", got, want)
	}
}

// TestLineIndex: strings are found by a scan that steps over escapes, including an escaped
// backslash right before a closing quote.
func TestLineIndex(t *testing.T) {
	data := []byte("{\"x\\\\\": \"a \\\" b\",\n \"requires\": [\n  \"zlib/1.3.1\", \"zlib/1.3.1\"\n ]}\n")
	li := newLineIndex(data)
	for s, want := range map[string]int{"zlib/1.3.1": 3, "requires": 2, `x\\`: 1, `a \" b`: 1, "missing": 0} {
		if got := li.lineOf(s); got != want {
			t.Errorf("line of %q = %d, want %d", s, got, want)
		}
	}
}
