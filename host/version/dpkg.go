package version

import (
	"strings"

	debversion "github.com/knqyf263/go-deb-version"
)

// dpkg orders Debian and Ubuntu versions ([epoch:]upstream[-revision], deb-version(7))
// through github.com/knqyf263/go-deb-version. The wrapper fixes what the library gets wrong:
//   - it returns a difference, not -1/0/1;
//   - it accepts a signed epoch ("+1:1.0"), which dpkg rejects: the epoch must be digits;
//   - it reads digit runs into an int and clamps longer ones, so two different numbers of 19
//     or more digits would compare equal: such versions are rejected rather than misordered;
//   - it accepts any Unicode letter or digit, where dpkg allows ASCII only.
type dpkg struct{}

func (dpkg) Name() string { return "dpkg" }

type dpkgVersion struct{ v debversion.Version }

func (dpkg) Parse(s string) (Version, error) {
	if s == "" {
		return nil, invalid("dpkg", s, "empty")
	}
	if !printableASCII(s) {
		return nil, invalid("dpkg", s, "only printable ASCII without spaces is allowed")
	}
	if i := strings.IndexByte(s, ':'); i >= 0 && !allDigits(s[:i]) {
		return nil, invalid("dpkg", s, "epoch must be digits")
	}
	if longestDigitRun(s) > maxDigits {
		return nil, invalid("dpkg", s, "number longer than %d digits", maxDigits)
	}
	v, err := debversion.NewVersion(s)
	if err != nil {
		return nil, invalid("dpkg", s, "%v", err)
	}
	return dpkgVersion{v}, nil
}

func (a dpkgVersion) Compare(o Version) int {
	b, ok := o.(dpkgVersion)
	if !ok {
		mismatch("dpkg", o)
	}
	return sign(a.v.Compare(b.v))
}
