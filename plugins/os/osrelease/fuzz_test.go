package osrelease

import (
	"bytes"
	"io"
	"reflect"
	"testing"
	"testing/iotest"

	"github.com/trawlscan/trawl/sdk"
)

// FuzzOSRelease feeds every parser arbitrary bytes. Seeds are the corpus's os-release,
// alpine-release and debian_version files (testdata/fuzz/FuzzOSRelease) and the cases below.
// Besides not panicking, a parser must give the same answer however the content is chunked,
// and only an OS the host accepts.
func FuzzOSRelease(f *testing.F) {
	f.Add([]byte("ID=\"rhel\"\nVERSION_ID='9.4'\nNAME=Red\\ Hat\nPRETTY_NAME=\"a \\\"b\\\" \\$c\"\n# c\n"))
	f.Add([]byte("A=\"x\"'y'z\\\nw # c\nB=\"multi\nline\"\nC='unterminated"))
	f.Add([]byte("  ID = CentOS  \r\n;comment\r\nVERSION_ID=7\r\n"))
	f.Add([]byte("3.20.3\n"))
	f.Add([]byte("PRETTY_NAME=\"Distroless\"\nNAME=\"Debian GNU/Linux\"\nID=\"debian\"\nVERSION_ID=\"12\"\n"))
	f.Add([]byte("trixie/sid\n"))
	f.Add([]byte("CentOS Linux release 7.9.2009 (Core)\n"))
	f.Add([]byte("Amazon Linux AMI release 2018.03\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		for name, parse := range map[string]func(string, io.Reader) (*sdk.OS, error){
			"os-release":     Parse,
			"alpine-release": ParseAlpineRelease,
			"debian_version": ParseDebianVersion,
			"redhat-release": ParseRedHatRelease,
		} {
			o, err := parse("etc/os-release", bytes.NewReader(data))
			o1, err1 := parse("etc/os-release", iotest.OneByteReader(bytes.NewReader(data)))
			if !reflect.DeepEqual(o, o1) || (err == nil) != (err1 == nil) || (err != nil && err.Error() != err1.Error()) {
				t.Fatalf("%s: result depends on chunking: %+v %v / %+v %v", name, o, err, o1, err1)
			}
			if err != nil {
				if o != nil {
					t.Fatalf("%s: error %v with a result", name, err)
				}
				continue
			}
			if o == nil {
				// Only a debian_version may name no release without being wrong.
				if name != "debian_version" {
					t.Fatalf("%s: neither a result nor an error", name)
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
