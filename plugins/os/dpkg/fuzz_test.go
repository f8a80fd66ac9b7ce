package dpkg

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/trawlscan/trawl/plugins/os/internal/lines"
	"github.com/trawlscan/trawl/sdk"
)

// FuzzDpkg feeds the parser arbitrary bytes. Seeds are the corpus fixtures
// (testdata/fuzz/FuzzDpkg: the small ones whole, the head of the real databases, and
// scalibr's opkg fixtures, which share the format) and the cases below. Besides not
// panicking, the parser must give the same answer however the content is chunked, and only
// packages the host accepts.
func FuzzDpkg(f *testing.F) {
	f.Add([]byte("Package: a\nVersion: 1\n\nPackage: b\nStatus: install ok installed\nVersion: 2\nArchitecture: amd64\nSource: src (1.9)\n"))
	f.Add([]byte("Package: a\r\nStatus: deinstall ok config-files\r\nVersion: 1\r\n\r\npackage: b\r\nversion: 1\r\nsource: s\r\n"))
	f.Add([]byte("Package: a\nDescription: x\n " + strings.Repeat("x", bufSize+10) + "\n .\nVersion: 1\n"))
	f.Add([]byte("Package: " + strings.Repeat("y", bufSize-9) + "\nVersion: 1\n"))
	f.Add([]byte("Package: \xff\nVersion: \x00\n\nnot dpkg\n continued\n"))
	f.Add([]byte(" lead\nPackage: a\n more\nStatus: install ok\nVersion: 1\n \t\n\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		pkgs, problems, err := Parse(statusPath, bytes.NewReader(data))
		pkgs1, problems1, err1 := Parse(statusPath, iotest.OneByteReader(bytes.NewReader(data)))
		if !reflect.DeepEqual(pkgs, pkgs1) || !reflect.DeepEqual(problems, problems1) || errString(err) != errString(err1) {
			t.Fatalf("result depends on chunking:\n whole %v %v %v\n bytes %v %v %v", pkgs, problems, err, pkgs1, problems1, err1)
		}
		if err != nil {
			if pkgs != nil || problems != nil {
				t.Fatalf("error %v with a result", err)
			}
			return
		}
		res := sdk.AnalysisResult{Packages: pkgs}
		if err := res.Validate(); err != nil {
			t.Fatalf("result the host would refuse: %v", err)
		}
		lower := bytes.ToLower(data)
		for _, p := range pkgs {
			if p.Name == "" || p.Version == "" || p.Type != PackageType || len(p.Locations) != 1 || p.Locations[0].Path != statusPath || len(p.Licenses) > 0 {
				t.Fatalf("bad package %+v", p)
			}
			if p.SourceName == "" || p.SourceVersion == "" {
				t.Fatalf("package without its source %+v", p)
			}
			if !bytes.Contains(lower, []byte("source:")) && (p.SourceName != p.Name || p.SourceVersion != p.Version) {
				t.Fatalf("source from a file without Source: %+v", p)
			}
		}
		if len(pkgs) > 0 && !bytes.Contains(lower, []byte("package:")) {
			t.Fatal("packages from a file without Package:")
		}
		if len(problems) > lines.MaxProblems+1 {
			t.Fatalf("%d problems", len(problems))
		}
	})
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
