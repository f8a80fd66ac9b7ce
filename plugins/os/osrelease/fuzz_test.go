package osrelease

import (
	"bytes"
	"reflect"
	"testing"
	"testing/iotest"

	"github.com/trawlscan/trawl/sdk"
)

// FuzzOSRelease feeds both parsers arbitrary bytes. Seeds are the corpus's os-release and
// alpine-release files (testdata/fuzz/FuzzOSRelease) and the quoting cases below. Besides
// not panicking, a parser must give the same answer however the content is chunked, and
// only an OS the host accepts.
func FuzzOSRelease(f *testing.F) {
	f.Add([]byte("ID=\"rhel\"\nVERSION_ID='9.4'\nNAME=Red\\ Hat\nPRETTY_NAME=\"a \\\"b\\\" \\$c\"\n# c\n"))
	f.Add([]byte("A=\"x\"'y'z\\\nw # c\nB=\"multi\nline\"\nC='unterminated"))
	f.Add([]byte("  ID = CentOS  \r\n;comment\r\nVERSION_ID=7\r\n"))
	f.Add([]byte("3.20.3\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		for name, parse := range map[string]func(string, []byte, bool) (*sdk.OS, error){
			"os-release": func(p string, b []byte, oneByte bool) (*sdk.OS, error) {
				if oneByte {
					return Parse(p, iotest.OneByteReader(bytes.NewReader(b)))
				}
				return Parse(p, bytes.NewReader(b))
			},
			"alpine-release": func(p string, b []byte, oneByte bool) (*sdk.OS, error) {
				if oneByte {
					return ParseAlpineRelease(p, iotest.OneByteReader(bytes.NewReader(b)))
				}
				return ParseAlpineRelease(p, bytes.NewReader(b))
			},
		} {
			o, err := parse("etc/os-release", data, false)
			o1, err1 := parse("etc/os-release", data, true)
			if !reflect.DeepEqual(o, o1) || (err == nil) != (err1 == nil) || (err != nil && err.Error() != err1.Error()) {
				t.Fatalf("%s: result depends on chunking: %+v %v / %+v %v", name, o, err, o1, err1)
			}
			if err != nil {
				if o != nil {
					t.Fatalf("%s: error %v with a result", name, err)
				}
				continue
			}
			res := sdk.AnalysisResult{OS: o}
			if err := res.Validate(); err != nil {
				t.Fatalf("%s: result the host would refuse: %v (%+v)", name, err, o)
			}
			if !validID(o.Family) || o.Source != "etc/os-release" {
				t.Fatalf("%s: bad OS %+v", name, o)
			}
		}
	})
}
