package version

import (
	"strings"

	npmversion "github.com/aquasecurity/go-npm-version/pkg"
)

// npm orders npm versions as node-semver does: SemVer 2.0.0, a leading "v" tolerated (its
// strict grammar allows one) and at most 256 characters. It uses
// github.com/aquasecurity/go-npm-version, which reads a pre-release identifier "x" or "X" as
// a wildcard: "1.0.0-x" then compared equal to every 1.0.0 pre-release and to 1.0.0 itself,
// against SemVer §11 (an alphanumeric identifier compares in ASCII order and a pre-release
// precedes its release). Versions with such an identifier are compared by this package's
// SemVer instead.
type npm struct{}

func (npm) Name() string { return "npm" }

type npmVer struct {
	lib npmversion.Version
	s   string // the version without its "v"

	// own is set when the library would read an identifier as a wildcard.
	own *semverVersion
}

// npmMaxLength is node-semver's MAX_LENGTH.
const npmMaxLength = 256

func (npm) Parse(s string) (Version, error) {
	if len(s) > npmMaxLength {
		return nil, invalid("npm", s, "longer than %d characters", npmMaxLength)
	}
	t := strings.TrimPrefix(strings.TrimSpace(s), "v")
	v, err := npmversion.NewVersion(t)
	if err != nil {
		return nil, invalid("npm", s, "%v", err)
	}
	out := npmVer{lib: v, s: t}
	if hasWildcardIdentifier(t) {
		own, reason := semverStrict.parse(t)
		if reason != "" {
			return nil, invalid("npm", s, "%s", reason)
		}
		out.own = &own
	}
	return out, nil
}

// hasWildcardIdentifier reports a pre-release identifier the library takes for a wildcard.
func hasWildcardIdentifier(v string) bool {
	if i := strings.IndexByte(v, '+'); i >= 0 {
		v = v[:i]
	}
	_, pre, ok := strings.Cut(v, "-")
	if !ok {
		return false
	}
	for _, id := range strings.Split(pre, ".") {
		if id == "x" || id == "X" || id == "*" {
			return true
		}
	}
	return false
}

func (a npmVer) Compare(o Version) int {
	b, ok := o.(npmVer)
	if !ok {
		mismatch("npm", o)
	}
	if a.own == nil && b.own == nil {
		return sign(a.lib.Compare(b.lib))
	}
	ao, bo := a.own, b.own
	if ao == nil {
		v, _ := semverStrict.parse(a.s)
		ao = &v
	}
	if bo == nil {
		v, _ := semverStrict.parse(b.s)
		bo = &v
	}
	return ao.Compare(*bo)
}
