package osrelease

import (
	"fmt"
	"io"
	"strings"

	"github.com/trawlscan/trawl/sdk"
)

// MaxReleaseLineSize is the largest debian_version or redhat-release file read: they hold
// one short line.
const MaxReleaseLineSize = 4 << 10

// ParseDebianVersion reads Debian's etc/debian_version. On a stable release it holds the
// point release ("12.9", "6.0.10"), more precise than os-release's VERSION_ID ("12"); on
// testing and unstable, "<codename>/sid" ("trixie/sid"), which gives the OS a codename and
// no version.
//
// Derivatives ship the file too, with the Debian codename they branched from ("buster/sid"
// on Ubuntu 18.04), and the host prefers their os-release, which names them. A value of
// neither form ("kali-rolling") names no Debian release: the result is nil, without an
// error, since the file is what it should be and only says nothing we can use. A file that
// is not one short word is an error.
func ParseDebianVersion(path string, r io.Reader) (*sdk.OS, error) {
	data, err := readAll(path, r, MaxReleaseLineSize)
	if err != nil {
		return nil, err
	}
	v, lineNo, err := releaseLine(path, data, "a debian_version file", "release")
	if err != nil {
		return nil, err
	}
	if len(v) > 64 || !validWord(v) {
		return nil, fmt.Errorf("%s:%d: not a debian_version file: %q is not a release", path, lineNo, truncate(v))
	}
	o := &sdk.OS{Family: "debian", Name: "Debian GNU/Linux", Source: path}
	switch codename, ok := strings.CutSuffix(v, "/sid"); {
	case isDigit(v[0]):
		o.Version = v
	case ok && codename != "" && validID(codename):
		o.Codename = codename
	default:
		return nil, nil
	}
	return o, nil
}

// validWord reports whether s is one word of the characters release strings use.
func validWord(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !isDigit(c) && !isAlpha(c) && !strings.ContainsRune("._-+~/", rune(c)) {
			return false
		}
	}
	return s != ""
}
