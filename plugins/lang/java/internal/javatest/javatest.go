// Package javatest holds what the tests of the Java analyzers share: the fixtures of the
// corpus's lockfiles/maven directories (subdirectories included: a POM's parent sits in
// one), golden files of whole answers, and the compact form of packages the table tests
// compare.
package javatest

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"fmt"
	"hash/crc32"
	"io"
	"strings"
	"testing"

	"github.com/trawlscan/trawl/internal/corpustest"
	"github.com/trawlscan/trawl/plugins/lang/internal/collect"
	"github.com/trawlscan/trawl/plugins/lang/internal/langtest"
)

// Corpus returns every file under the given directories of lockfiles/maven, in name order;
// names are relative to lockfiles/maven ("scalibr-pomxml/parent/pom.xml").
func Corpus(t testing.TB, dirs ...string) []langtest.Fixture {
	t.Helper()
	return langtest.Walk(t, corpustest.Path(t, "lockfiles", "maven"), dirs...)
}

// Golden is the whole answer for one file.
type Golden = langtest.Answer

// Answer runs parse on one fixture, the fixture's name as the path.
func Answer(parse langtest.Parse, f langtest.Fixture) Golden {
	return langtest.Run(parse, f.Name, f.Data)
}

// CheckGolden compares the answer for each fixture with testdata/golden/<name>.json
// ('/' in names as "__"), or rewrites the goldens with -update, removing those of fixtures
// that went away. It returns the answers, by fixture name.
func CheckGolden(t *testing.T, parse langtest.Parse, typ string, fixtures []langtest.Fixture) map[string]Golden {
	t.Helper()
	out := map[string]Golden{}
	langtest.GoldenFixtures(t, fixtures, func(t *testing.T, f langtest.Fixture) any {
		langtest.Check(t, parse, f.Name, typ, f.Data)
		g := Answer(parse, f)
		out[f.Name] = g
		return g
	})
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
