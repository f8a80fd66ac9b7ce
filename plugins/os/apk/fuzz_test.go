package apk

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/trawlscan/trawl/plugins/os/internal/lines"
	"github.com/trawlscan/trawl/sdk"
)

// FuzzApk feeds the parser arbitrary bytes. Seeds are the corpus fixtures
// (testdata/fuzz/FuzzApk) and the cases below. Besides not panicking, the parser must give
// the same answer however the content is chunked, and only packages the host accepts.
func FuzzApk(f *testing.F) {
	f.Add([]byte("P:a\nV:1\n\nP:b\nV:2\nA:x86_64\no:src\nL:MIT AND BSD\n"))
	f.Add([]byte("P:a\r\nV:1\r\nL:MPL 2.0 GPL2+ MIT\r\n\r\n"))
	f.Add([]byte("F:" + strings.Repeat("x", bufSize+10) + "\nP:a\nV:1\n"))
	f.Add([]byte("P:" + strings.Repeat("y", bufSize-1) + "\nV:1\n"))
	f.Add([]byte("P:\xff\nV:\x00\n\nnot apk\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		pkgs, problems, err := Parse(dbPath, bytes.NewReader(data))
		pkgs1, problems1, err1 := Parse(dbPath, iotest.OneByteReader(bytes.NewReader(data)))
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
		for _, p := range pkgs {
			if p.Name == "" || p.Version == "" || p.Type != PackageType || len(p.Locations) != 1 || p.Locations[0].Path != dbPath {
				t.Fatalf("bad package %+v", p)
			}
			if (p.SourceName == "") != (p.SourceVersion == "") || (p.SourceVersion != "" && p.SourceVersion != p.Version) {
				t.Fatalf("bad source %+v", p)
			}
		}
		if len(pkgs) > 0 && !bytes.Contains(data, []byte("P:")) {
			t.Fatal("packages from a file without P:")
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
