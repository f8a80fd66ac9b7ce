package version

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestFor(t *testing.T) {
	for eco, name := range map[string]string{
		"Alpine:v3.20": "apk", "Wolfi": "apk", "Chainguard": "apk", "MinimOS": "apk",
		"Alpaquita:23": "apk", "BellSoft Hardened Containers:stream": "apk",
		"Debian:12": "dpkg", "Ubuntu:22.04:LTS": "dpkg", "Ubuntu:Pro:18.04:LTS": "dpkg", "Echo": "dpkg",
		"Red Hat:rhel_aus:8.4::appstream": "rpm", "Rocky Linux:9": "rpm", "AlmaLinux:8": "rpm",
		"openSUSE:Leap 15.5": "rpm", "SUSE:Linux Enterprise Server 15 SP5": "rpm", "Mageia:9": "rpm",
		"Photon OS:3.0": "rpm", "Azure Linux:3": "rpm", "openEuler:22.03-LTS": "rpm",
		"npm": "npm", "crates.io": "semver", "Hex": "semver", "SwiftURL": "semver", "Pub": "pub",
		"Go": "go", "PyPI": "pep440", "Maven": "maven", "Maven:https://maven.google.com": "maven",
		"RubyGems": "gem", "NuGet": "nuget", "Packagist": "composer", "Hackage": "pvp", "GHC": "pvp",
		"CRAN": "r", "Bioconductor": "r",
		"Echo:PyPI": "pep440", "Root:Alpine:3.18": "apk", "Root:npm": "npm", "Root:Debian:12": "dpkg",
	} {
		c, err := For(eco)
		if err != nil {
			t.Errorf("For(%q): %v", eco, err)
			continue
		}
		if c.Name() != name {
			t.Errorf("For(%q) = %s, want %s", eco, c.Name(), name)
		}
	}
	for _, eco := range []string{"", "Linux", "Android", "OSS-Fuzz", "GIT", "pypi", "Root", "Root:Nope"} {
		if _, err := For(eco); !errors.Is(err, ErrUnknownEcosystem) {
			t.Errorf("For(%q) = %v, want ErrUnknownEcosystem", eco, err)
		}
	}
}

// TestParseErrors checks that versions each ecosystem rejects are errors that name the
// version and the ordering, and that Compare names the ecosystem too.
func TestParseErrors(t *testing.T) {
	bad := map[string][]string{
		"Debian":    {"", "a1.0", "1.0 1", "+1:1.0", "x:1.0", "1:", "1.0-a$", "1.0\u00e9", "1.1234567890123456789"},
		"Red Hat":   {"", "1.0-", "-1", "x:1.0", "1.0\x00"},
		"Alpine":    {"", "1.0-x5", "1.0_foo", "1.0ab", "1.0_p1a", "1.1234567890123456789"},
		"PyPI":      {"", "1.0.foo", "1..0", "1.0+", "1.0+a..b", "99999999999999999999999"},
		"Maven":     {"", "1.0 beta", "1.0\u00e9", "1.1234567890123456789"},
		"npm":       {"", "1.0", "1.0.0-", "01.0.0", "1.0.0-01", "1.0.0+", strings.Repeat("1", 300) + ".0.0"},
		"crates.io": {"v1.0.0", "1.0", "1.0.0-a..b", "1.0.0+a+b", "1.0.0-é"},
		"Go":        {"", "v1.0.0.0", "vx", "go1.x", "1.0.0-"},
		"RubyGems":  {"1.0 a", "a", "1.0-", "1..0"},
		"NuGet":     {"", "1.0.0.0.0", "a", "1.0-", "2147483648.0", "1.0.0-a..b"},
		"Packagist": {"", "1.2.3.4.5", "foo", "1.0 beta"},
		"Hackage":   {"", "1..0", "1.a", "1."},
		"CRAN":      {"1", "1.a", "1--0"},
	}
	for eco, vs := range bad {
		c, _ := For(eco)
		for _, v := range vs {
			_, err := c.Parse(v)
			var pe *ParseError
			if !errors.As(err, &pe) || !errors.Is(err, ErrInvalid) {
				t.Errorf("%s: Parse(%q) = %v, want a ParseError", eco, v, err)
				continue
			}
			if !strings.Contains(err.Error(), c.Name()) || !strings.Contains(err.Error(), quote(v)) {
				t.Errorf("%s: error %q does not name the ordering and the version", eco, err)
			}
			if _, err := Compare(eco, "1.0.0", v); err == nil || !strings.Contains(err.Error(), eco) {
				t.Errorf("%s: Compare error %v does not name the ecosystem", eco, err)
			}
		}
	}
	if _, err := Compare("Linux", "1", "2"); !errors.Is(err, ErrUnknownEcosystem) {
		t.Errorf("Compare on an unknown ecosystem: %v", err)
	}
}

func quote(s string) string { return fmt.Sprintf("%q", s) }

// TestLibraryFixes pins each place where a wrapped library departs from its ecosystem's
// documented rule, with the rule: the library's answer is the wrong one here.
func TestLibraryFixes(t *testing.T) {
	for _, c := range []struct {
		eco, a, op, b, rule string
	}{
		{"Debian", "1.0", "<", "1.1", "go-deb-version returns a difference; Compare returns -1, 0, 1"},
		{"Red Hat", "1.0-2-1", "<", "1.0-2.0-0", "rpm splits the release at the last '-'"},
		{"Alpine", "1.0_rc1", "<", "1.0", "apk-package(5): _rc sorts before no suffix, also after a 0 component"},
		{"Alpine", "1.0_alpha", "<", "1.0", "apk-package(5): _alpha sorts before no suffix, also after a 0 component"},
		{"PyPI", "1.0+ubuntu-1", "=", "1.0+ubuntu.1", "PEP 440: '-' and '_' in a local label normalise to '.'"},
		{"npm", "1.0.0-x", "<", "1.0.0", "SemVer §11: a pre-release precedes its release ('x' is no wildcard)"},
		{"npm", "1.0.0-x", ">", "1.0.0-alpha", "SemVer §11: alphanumeric identifiers compare in ASCII order"},
		{"npm", "1.0.0-alpha.x", "<", "1.0.0-alpha.y", "SemVer §11: alphanumeric identifiers compare in ASCII order"},
		{"RubyGems", "1.0.pre", "<", "1.0.prerelease", "Gem::Version segments are runs of letters, not single letters"},
		{"RubyGems", "1.0.ab", ">", "1.0.a.c", "Gem::Version segments are runs of letters, not single letters"},
		{"RubyGems", "1.99999999999999999999", ">", "1.0", "Gem::Version numbers are integers of any size"},
		{"Maven", "1.foo", "=", "1-foo", "POM spec: \".qualifier\" = \"-qualifier\""},
		{"Maven", "1.0.0.RC1", "=", "1.0.0-RC1", "ComparableVersion: .X1 is -X1"},
		{"Maven", "2.0.a", "<", "2-1", "POM spec: trailing nulls trimmed at each hyphen, \"-qualifier\" < \"-number\""},
	} {
		got, err := Compare(c.eco, c.a, c.b)
		if err != nil || got != want[c.op] {
			t.Errorf("%s: %s %s %s (%s): got %d, %v", c.eco, c.a, c.op, c.b, c.rule, got, err)
		}
	}
}

// TestRefusedNotMisordered pins versions that a library would misorder silently (numbers
// past int64, which go-deb-version clamps and go-mvn-version reads as equal): they are
// refused instead.
func TestRefusedNotMisordered(t *testing.T) {
	for eco, v := range map[string]string{
		"Debian": "1.10000000000000000001", "Maven": "1.10000000000000000001",
		"Alpine": "1.10000000000000000001",
	} {
		if _, err := Compare(eco, v, "1.10000000000000000000"); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: %s: %v, want ErrInvalid", eco, v, err)
		}
	}
}

func TestCompareIsSigned(t *testing.T) {
	// Every ordering returns exactly -1, 0 or 1, even where the library returns a distance.
	for eco, pair := range map[string][2]string{
		"Debian": {"1.0", "1.9"}, "Red Hat": {"1.0-1", "1.0-9"}, "Maven": {"1", "9"},
		"PyPI": {"1", "9"}, "npm": {"1.0.0", "9.0.0"}, "RubyGems": {"1", "9"},
	} {
		if got, _ := Compare(eco, pair[0], pair[1]); got != -1 {
			t.Errorf("%s: Compare(%s, %s) = %d", eco, pair[0], pair[1], got)
		}
	}
}
