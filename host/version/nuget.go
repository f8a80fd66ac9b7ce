package version

import (
	"strings"
)

// nuget orders NuGet versions as NuGet.Versioning's VersionComparer.Default does: one to
// four numeric parts (a missing part is 0, so "1.0.0.0" is "1.0.0" and the legacy fourth
// "revision" part orders after patch), then SemVer 2.0.0 release labels compared
// case-insensitively ("1.0.0-Alpha" is "1.0.0-alpha"), numeric labels as numbers, build
// metadata ignored. No maintained Go library implements this, hence the code here.
type nuget struct{}

func (nuget) Name() string { return "nuget" }

type nugetVer struct {
	parts  [4]string // digits, leading zeros trimmed
	labels []string
}

// nugetMaxInt is int.MaxValue: NuGet parses every part with int.TryParse.
const nugetMaxInt = "2147483647"

func fitsInt32(d string) bool {
	return cmpDigits(d, nugetMaxInt) <= 0
}

func (nuget) Parse(s string) (Version, error) {
	rest := s
	if i := strings.IndexByte(rest, '+'); i >= 0 {
		if _, reason := identifiers(rest[i+1:], false); reason != "" {
			return nil, invalid("nuget", s, "metadata: %s", reason)
		}
		rest = rest[:i]
	}
	var v nugetVer
	if i := strings.IndexByte(rest, '-'); i >= 0 {
		labels, reason := identifiers(rest[i+1:], false)
		if reason != "" {
			return nil, invalid("nuget", s, "release label: %s", reason)
		}
		v.labels = labels
		rest = rest[:i]
	}
	parts := strings.Split(rest, ".")
	if len(parts) > 4 {
		return nil, invalid("nuget", s, "more than four numeric parts")
	}
	for i, p := range parts {
		if !allDigits(p) {
			return nil, invalid("nuget", s, "numeric parts must be digits")
		}
		if !fitsInt32(p) {
			return nil, invalid("nuget", s, "part %s is larger than %s", p, nugetMaxInt)
		}
		v.parts[i] = strings.TrimLeft(p, "0")
	}
	return v, nil
}

func (a nugetVer) Compare(o Version) int {
	b, ok := o.(nugetVer)
	if !ok {
		mismatch("nuget", o)
	}
	for i := range a.parts {
		if c := cmpDigits(a.parts[i], b.parts[i]); c != 0 {
			return c
		}
	}
	switch {
	case len(a.labels) == 0 && len(b.labels) > 0:
		return 1
	case len(a.labels) > 0 && len(b.labels) == 0:
		return -1
	}
	for i := 0; i < len(a.labels) && i < len(b.labels); i++ {
		if c := cmpNuGetLabel(a.labels[i], b.labels[i]); c != 0 {
			return c
		}
	}
	return sign(len(a.labels) - len(b.labels))
}

// cmpNuGetLabel compares release labels as NuGet does: labels that int.TryParse reads are
// numbers and sort before the others, which compare ordinally ignoring case.
func cmpNuGetLabel(a, b string) int {
	an, bn := allDigits(a) && fitsInt32(a), allDigits(b) && fitsInt32(b)
	switch {
	case an && bn:
		return cmpDigits(a, b)
	case an:
		return -1
	case bn:
		return 1
	}
	for i := 0; i < len(a) && i < len(b); i++ {
		x, y := upper(a[i]), upper(b[i])
		if x != y {
			return sign(int(x) - int(y))
		}
	}
	return sign(len(a) - len(b))
}

func upper(c byte) byte {
	if 'a' <= c && c <= 'z' {
		return c - 'a' + 'A'
	}
	return c
}
