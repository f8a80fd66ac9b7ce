package version

import (
	"strings"

	pep440version "github.com/aquasecurity/go-pep440-version"
)

// pep440 orders PyPI versions by PEP 440 (epochs, pre-, post- and dev-releases, local
// versions, and the normalisations the PEP lists: "1.0-alpha1" is "1.0a1"), through
// github.com/aquasecurity/go-pep440-version. The wrapper applies one normalisation the
// library misses: PEP 440 says '-' and '_' in a local version label are read as '.'
// ("1.0+ubuntu-1" is "1.0+ubuntu.1"); the library keeps them and then splits the label on
// '.' alone, so "ubuntu-1" became one segment that sorted as text.
type pep440 struct{}

func (pep440) Name() string { return "pep440" }

type pep440Version struct{ v pep440version.Version }

func (pep440) Parse(s string) (Version, error) {
	if s == "" {
		return nil, invalid("pep440", s, "empty")
	}
	if !printableASCII(strings.TrimSpace(s)) {
		return nil, invalid("pep440", s, "only printable ASCII is allowed")
	}
	n := s
	if i := strings.IndexByte(n, '+'); i >= 0 {
		n = n[:i+1] + strings.NewReplacer("-", ".", "_", ".").Replace(n[i+1:])
	}
	v, err := pep440version.Parse(n)
	if err != nil {
		return nil, invalid("pep440", s, "%v", err)
	}
	return pep440Version{v}, nil
}

func (a pep440Version) Compare(o Version) int {
	b, ok := o.(pep440Version)
	if !ok {
		mismatch("pep440", o)
	}
	return sign(a.v.Compare(b.v))
}
