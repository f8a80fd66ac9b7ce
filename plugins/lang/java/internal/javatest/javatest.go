// Package javatest holds what the tests of the Java analyzers share: the fixtures of the
// corpus's lockfiles/maven directories (subdirectories included: a POM's parent sits in
// one), golden files of whole answers, and the compact form of packages the table tests
// compare.
package javatest

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/trawlscan/trawl/internal/corpustest"
	"github.com/trawlscan/trawl/plugins/lang/internal/collect"
	"github.com/trawlscan/trawl/plugins/lang/internal/langtest"
	"github.com/trawlscan/trawl/sdk"
)

// Corpus returns every file under the given directories of lockfiles/maven, in name order;
// names are relative to lockfiles/maven ("scalibr-pomxml/parent/pom.xml").
func Corpus(t testing.TB, dirs ...string) []langtest.Fixture {
	t.Helper()
	root := corpustest.Path(t, "lockfiles", "maven")
	var out []langtest.Fixture
	for _, d := range dirs {
		err := filepath.WalkDir(filepath.Join(root, d), func(p string, e os.DirEntry, err error) error {
			if err != nil || e.IsDir() {
				return err
			}
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(root, p)
			out = append(out, langtest.Fixture{Name: filepath.ToSlash(rel), Data: data})
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Golden is the whole answer for one file.
type Golden struct {
	Packages []sdk.Package `json:"packages"`
	Problems []string      `json:"problems,omitempty"`
	Error    string        `json:"error,omitempty"`
}

// Answer runs parse on one fixture, the fixture's name as the path.
func Answer(parse langtest.Parse, f langtest.Fixture) Golden {
	g := Golden{Packages: []sdk.Package{}}
	res, err := parse(f.Name, bytes.NewReader(f.Data))
	if err != nil {
		g.Error = err.Error()
		return g
	}
	if res.Packages != nil {
		g.Packages = res.Packages
	}
	for _, p := range res.Problems {
		g.Problems = append(g.Problems, p.Error())
	}
	return g
}

// CheckGolden compares the answer for each fixture with testdata/golden/<name>.json
// ('/' in names as "__"), or rewrites the goldens when update is set, removing those of
// fixtures that went away. It returns the answers, by fixture name.
func CheckGolden(t *testing.T, parse langtest.Parse, typ string, fixtures []langtest.Fixture, update bool) map[string]Golden {
	t.Helper()
	out := map[string]Golden{}
	keep := map[string]bool{}
	for _, f := range fixtures {
		name := strings.ReplaceAll(f.Name, "/", "__") + ".json"
		keep[name] = true
		t.Run(f.Name, func(t *testing.T) {
			langtest.Check(t, parse, f.Name, typ, f.Data)
			g := Answer(parse, f)
			out[f.Name] = g
			got, err := json.MarshalIndent(g, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			path := filepath.Join("testdata", "golden", name)
			if update {
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
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
	if update {
		files, _ := filepath.Glob(filepath.Join("testdata", "golden", "*.json"))
		for _, p := range files {
			if !keep[filepath.Base(p)] {
				os.Remove(p)
			}
		}
	}
	return out
}

// Compact writes packages as "name@version:line", with "+dev" and "+indirect" where set,
// and problems without the path, for table tests.
func Compact(path string, res *collect.Result) (pkgs, problems []string) {
	for _, p := range res.Packages {
		s := fmt.Sprintf("%s@%s:%d", p.Name, p.Version, p.Locations[0].Line)
		if p.Dev {
			s += "+dev"
		}
		if p.Indirect {
			s += "+indirect"
		}
		pkgs = append(pkgs, s)
	}
	for _, p := range res.Problems {
		problems = append(problems, strings.TrimPrefix(p.Error(), path+":"))
	}
	return pkgs, problems
}

// File is an entry of an archive built by Zip.
type File struct {
	Name string
	Data []byte
	// Store keeps the data uncompressed (Spring Boot stores its nested JARs so).
	Store bool
	// Sized writes the sizes and checksum in the local header, as Maven's and Gradle's
	// archivers do; otherwise they follow the data in a descriptor, as the JDK's jar tool
	// and Go's archive/zip write them.
	Sized bool
}

// Zip builds a zip archive of files, in order.
func Zip(t testing.TB, files ...File) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	for _, f := range files {
		method := zip.Deflate
		if f.Store {
			method = zip.Store
		}
		var err error
		if strings.HasSuffix(f.Name, "/") {
			_, err = w.Create(f.Name)
		} else if f.Sized {
			data := f.Data
			if !f.Store {
				var c bytes.Buffer
				fw, _ := flate.NewWriter(&c, flate.DefaultCompression)
				fw.Write(f.Data)
				fw.Close()
				data = c.Bytes()
			}
			var fw io.Writer
			fw, err = w.CreateRaw(&zip.FileHeader{Name: f.Name, Method: method, CRC32: crc32.ChecksumIEEE(f.Data),
				CompressedSize64: uint64(len(data)), UncompressedSize64: uint64(len(f.Data))})
			if err == nil {
				_, err = fw.Write(data)
			}
		} else {
			var fw io.Writer
			fw, err = w.CreateHeader(&zip.FileHeader{Name: f.Name, Method: method})
			if err == nil {
				_, err = fw.Write(f.Data)
			}
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
