package version

import (
	"strings"
)

// semver orders SemVer 2.0.0 versions (https://semver.org): MAJOR.MINOR.PATCH, then
// pre-release identifiers compared one by one (numeric ones as numbers and before
// alphanumeric ones, which compare in ASCII order; a shorter list sorts first, and any
// pre-release sorts before the release), build metadata ignored. The libraries at hand read a
// pre-release identifier "x" as a wildcard (see npm.go), so SemVer is implemented here; it
// also serves OSV SEMVER ranges, whatever the ecosystem.
type semver struct {
	name string
	// vPrefix tolerates a leading "v", as SwiftPM tags and OSV SEMVER tooling do.
	vPrefix bool
	// lenient accepts leading zeros in numbers (read as numbers), as Dart's pub_semver does.
	lenient bool
	// coerce pads a missing minor or patch number with 0 ("1.19" is "1.19.0"), as osv.dev
	// does when it evaluates SEMVER ranges (Go toolchain versions are written so).
	coerce bool
	// buildOrders orders versions that differ only in build metadata: none first, then
	// identifier by identifier as pre-releases are. Dart's pub does this; SemVer does not.
	buildOrders bool
}

var (
	// semverStrict is SemVer 2.0.0 as Cargo and Hex (Elixir's Version) parse it.
	semverStrict = semver{name: "semver"}
	// semverTolerant accepts a leading "v": SwiftPM tags, GitHub Actions tags, OSV SEMVER
	// ranges (the schema forbids the prefix but Go-derived data carries it).
	semverTolerant = semver{name: "semver", vPrefix: true}
	// semverOSV evaluates OSV SEMVER ranges as osv.dev does: a leading "v" dropped and a
	// missing minor or patch read as 0.
	semverOSV = semver{name: "semver", vPrefix: true, coerce: true}
	// pub is Dart's pub_semver: leading zeros allowed, build metadata ordered.
	pub = semver{name: "pub", lenient: true, buildOrders: true}
)

// Semver is the SemVer 2.0.0 ordering of OSV SEMVER ranges, read as osv.dev reads them: a
// leading "v" is dropped and a missing minor or patch number is 0 ("v1.19" is 1.19.0).
var Semver Comparator = semverOSV

func (c semver) Name() string { return c.name }

type semverVersion struct {
	name                string
	buildOrders         bool
	major, minor, patch string
	pre, build          []string
}

func (c semver) Parse(s string) (Version, error) {
	v, reason := c.parse(s)
	if reason != "" {
		return nil, invalid(c.name, s, "%s", reason)
	}
	return v, nil
}

func (c semver) parse(s string) (semverVersion, string) {
	v := semverVersion{name: c.name, buildOrders: c.buildOrders}
	rest := s
	if c.vPrefix {
		rest = strings.TrimPrefix(rest, "v")
	}
	if i := strings.IndexByte(rest, '+'); i >= 0 {
		build := rest[i+1:]
		rest = rest[:i]
		ids, reason := identifiers(build, false)
		if reason != "" {
			return v, "build metadata: " + reason
		}
		v.build = ids
	}
	if i := strings.IndexByte(rest, '-'); i >= 0 {
		ids, reason := identifiers(rest[i+1:], !c.lenient)
		if reason != "" {
			return v, "pre-release: " + reason
		}
		v.pre = ids
		rest = rest[:i]
	}
	parts := strings.Split(rest, ".")
	if c.coerce && len(parts) < 3 {
		parts = append(parts, "0", "0")[:3]
	}
	if len(parts) != 3 {
		return v, "want MAJOR.MINOR.PATCH"
	}
	for _, p := range parts {
		if !allDigits(p) {
			return v, "MAJOR.MINOR.PATCH must be numbers"
		}
		if !c.lenient && len(p) > 1 && p[0] == '0' {
			return v, "leading zero in " + p
		}
	}
	v.major, v.minor, v.patch = parts[0], parts[1], parts[2]
	return v, ""
}

// identifiers splits dot-separated SemVer identifiers: non-empty, [0-9A-Za-z-], and when
// numeric without a leading zero if noLeadingZero.
func identifiers(s string, noLeadingZero bool) ([]string, string) {
	ids := strings.Split(s, ".")
	for _, id := range ids {
		if id == "" {
			return nil, "empty identifier"
		}
		for i := 0; i < len(id); i++ {
			if !isAlnum(id[i]) && id[i] != '-' {
				return nil, "identifiers are [0-9A-Za-z-]"
			}
		}
		if noLeadingZero && len(id) > 1 && id[0] == '0' && allDigits(id) {
			return nil, "leading zero in " + id
		}
	}
	return ids, ""
}

func (a semverVersion) Compare(o Version) int {
	b, ok := o.(semverVersion)
	if !ok {
		mismatch(a.name, o)
	}
	if c := cmpDigits(a.major, b.major); c != 0 {
		return c
	}
	if c := cmpDigits(a.minor, b.minor); c != 0 {
		return c
	}
	if c := cmpDigits(a.patch, b.patch); c != 0 {
		return c
	}
	// A pre-release sorts before its release.
	switch {
	case len(a.pre) == 0 && len(b.pre) > 0:
		return 1
	case len(a.pre) > 0 && len(b.pre) == 0:
		return -1
	}
	if c := cmpIdentifiers(a.pre, b.pre, strings.Compare); c != 0 || !a.buildOrders {
		return c
	}
	return cmpIdentifiers(a.build, b.build, strings.Compare)
}

// cmpIdentifiers compares identifier lists by SemVer's pre-release rule: numeric
// identifiers as numbers and before alphanumeric ones, those by cmpText, and a list that is
// a prefix of the other first.
func cmpIdentifiers(a, b []string, cmpText func(a, b string) int) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		an, bn := allDigits(a[i]), allDigits(b[i])
		var c int
		switch {
		case an && bn:
			c = cmpDigits(a[i], b[i])
		case an:
			c = -1
		case bn:
			c = 1
		default:
			c = sign(cmpText(a[i], b[i]))
		}
		if c != 0 {
			return c
		}
	}
	return sign(len(a) - len(b))
}
