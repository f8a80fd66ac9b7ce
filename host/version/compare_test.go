package version

import (
	"strings"
	"testing"
)

// orderCase states a < b, a = b or a > b under an ecosystem's ordering, with the rule of
// the ecosystem it exercises.
type orderCase struct {
	a, op, b string
	rule     string
}

// chain expands "a < b < c = d" into the pairs it states.
func chain(rule, s string) []orderCase {
	f := strings.Fields(s)
	var out []orderCase
	for i := 0; i+2 < len(f); i += 2 {
		out = append(out, orderCase{f[i], f[i+1], f[i+2], rule})
	}
	return out
}

func cases(groups ...[]orderCase) []orderCase {
	var out []orderCase
	for _, g := range groups {
		out = append(out, g...)
	}
	return out
}

var want = map[string]int{"<": -1, "=": 0, ">": 1}

// checkOrder asserts each case in both directions, so that antisymmetry is tested too.
func checkOrder(t *testing.T, ecosystem string, cs []orderCase) {
	t.Helper()
	for _, c := range cs {
		got, err := Compare(ecosystem, c.a, c.b)
		if err != nil {
			t.Errorf("%s: %s %s %s (%s): %v", ecosystem, c.a, c.op, c.b, c.rule, err)
			continue
		}
		if got != want[c.op] {
			t.Errorf("%s: %s %s %s (%s): Compare = %d", ecosystem, c.a, c.op, c.b, c.rule, got)
		}
		if back, _ := Compare(ecosystem, c.b, c.a); back != -want[c.op] {
			t.Errorf("%s: %s %s %s (%s): reversed Compare = %d", ecosystem, c.a, c.op, c.b, c.rule, back)
		}
	}
}

func TestDpkgOrder(t *testing.T) {
	checkOrder(t, "Debian:12", cases(
		chain("epoch wins over everything", "1:1.0 > 2.0 = 0:2.0"),
		chain("an absent epoch is 0", "0:1.0-1 = 1.0-1"),
		chain("~ sorts before everything, even the end", "1.0~rc1 < 1.0 < 1.0+dfsg < 1.0.1"),
		chain("~~ before ~", "1.0~~ < 1.0~~a < 1.0~ < 1.0"),
		chain("letters sort before non-letters", "1.0a < 1.0+ < 1.0."),
		chain("digit runs compare as numbers", "1.9 < 1.10 < 1.010.1"),
		chain("revision compares after upstream", "1.0-1 < 1.0-2 < 1.0-10 < 1.0.1-1"),
		chain("an absent revision is 0", "1.0 = 1.0-0"),
		chain("the last hyphen separates the revision", "1.0-1-1 > 1.0-1"),
		chain("Ubuntu revisions", "2.36-9+deb12u4 < 2.36-9+deb12u10 < 2.36-10"),
		chain("backports", "1.2.3-1~bpo11+1 < 1.2.3-1"),
		chain("long numbers", "0.0~git20230101123456 < 0.0~git20230101123457"),
	))
	checkOrder(t, "Ubuntu:22.04:LTS", chain("ubuntu suffixes", "1.0-1ubuntu1 < 1.0-1ubuntu1.1 < 1.0-1ubuntu2"))
}

func TestRPMOrder(t *testing.T) {
	checkOrder(t, "Red Hat:rhel_aus:8.4::appstream", cases(
		chain("epoch wins", "1:1.0-1 > 2.0-1 = 0:2.0-1"),
		chain("~ sorts before the release", "1.0~rc1-1 < 1.0-1"),
		chain("^ sorts after the base version but before the next", "1.0-1 < 1.0^git1-1 < 1.0.1-1"),
		chain("^ and ~ bare", "1.0~rc1 < 1.0 < 1.0^git1 < 1.0^git2 < 1.0.1"),
		chain("~ before ^", "1.0^~ < 1.0^"),
		chain("release compares after version", "1.0-1.el8 < 1.0-2.el8 < 1.0-10.el8"),
		chain("numbers beat letters", "1.0a-1 < 1.01-1 = 1.1-1"),
		chain("leading zeros are ignored", "1.001-1 = 1.1-1"),
		chain("separators only separate", "1.0_1-1 = 1.0.1-1"),
		chain("dist tags", "2.28-225.el8_8.6 < 2.28-225.el8_8.11 < 2.28-236.el8"),
		chain("a missing release sorts first", "1.0 < 1.0-0.1"),
		chain("the last hyphen separates the release", "1.0-2-1 < 1.0-2.0-0"),
		chain("alpha segments compare as text", "1.0b-1 > 1.0a-1"),
	))
	checkOrder(t, "openSUSE:Leap 15.5", chain("suse", "1.0-150500.1.1 < 1.0-150500.3.3.1"))
}

func TestAPKOrder(t *testing.T) {
	checkOrder(t, "Alpine:v3.20", cases(
		chain("pre-release suffixes sort before the release", "1.0_alpha < 1.0_beta < 1.0_pre < 1.0_rc < 1.0"),
		chain("post-release suffixes sort after it", "1.0 < 1.0_cvs < 1.0_svn < 1.0_git < 1.0_hg < 1.0_p"),
		chain("suffix numbers", "1.0_rc1 < 1.0_rc2 < 1.0_rc10 < 1.0 < 1.0_p1 < 1.0_p2"),
		chain("-r revisions", "1.0-r0 < 1.0-r1 < 1.0-r10 < 1.0.1-r0"),
		chain("a revision makes the version longer", "1.0 < 1.0-r0 = 1.0-r00"),
		chain("pre-release after a zero component (the library got this wrong)", "2.0_rc1 < 2.0 < 2.0_p1"),
		chain("one letter after the number", "1.2 < 1.2a < 1.2b < 1.2.1"),
		chain("apk-tools version.data", "2.3.0b-r1 < 2.3.0b-r2 < 2.3.0b-r3"),
		chain("apk-tools version.data", "0.1.0_alpha < 0.1.0_alpha2 < 0.1.3_alpha < 1.0.4-r3"),
		chain("apk-tools version.data", "3.1_p16 < 3.1_p17 < 4.2.52_p2-r1 < 4.2.52_p4-r2"),
		chain("apk-tools version.data", "0.1.0_alpha_pre2 < 0.1.0_alpha"),
		chain("apk-tools version.data", "1.0_p10-r0 > 1.0_p9-r0"),
		chain("apk-tools version.data", "0.20070118 < 0.20070207_rc1 < 1.0"),
		chain("apk-tools version.data", "1.0.0_pre20191002222144-r0 < 1.0.0_pre20210530193627-r0"),
		chain("openssl letters", "1.1.1t-r0 < 1.1.1u-r0 < 3.0.9-r0"),
	))
	checkOrder(t, "Wolfi", chain("wolfi", "1.2.3-r0 < 1.2.3-r1"))
	checkOrder(t, "Chainguard", chain("chainguard", "1.2.3_rc1-r0 < 1.2.3-r0"))
}

func TestPEP440Order(t *testing.T) {
	checkOrder(t, "PyPI", cases(
		chain("dev < pre < release < post", "1.0.dev0 < 1.0a1 < 1.0b1 < 1.0rc1 < 1.0 < 1.0.post1"),
		chain("dev releases of pre and post releases", "1.0a1.dev1 < 1.0a1 < 1.0a2.dev0 < 1.0a2"),
		chain("dev releases of pre and post releases", "1.0.post1.dev0 < 1.0.post1 < 1.0.post2"),
		chain("local versions sort after the public one", "1.0 < 1.0+local < 1.0.post1"),
		chain("local segments: numbers after text, then by value", "1.0+abc < 1.0+abc.1 < 1.0+abc.2 < 1.0+abc.10 < 1.0+1"),
		chain("epochs", "2.0 < 1!1.0 < 1!2.0 < 2!0.1"),
		chain("trailing zeros", "1 = 1.0 = 1.0.0 < 1.0.1"),
		chain("normalisation: pre-release spellings", "1.0-alpha1 = 1.0a1 = 1.0.a1 = 1.0_alpha.1 = 1.0A1"),
		chain("normalisation: pre-release spellings", "1.0c1 = 1.0rc1 = 1.0pre1 = 1.0preview1 = 1.0-rc-1"),
		chain("normalisation: implicit numbers", "1.0a = 1.0a0"),
		chain("normalisation: post-release spellings", "1.0-1 = 1.0.post1 = 1.0post1 = 1.0.rev1 = 1.0-r1 = 1.0_post.1"),
		chain("normalisation: v prefix, case, whitespace", "v1.0 = 1.0 = V1.0 = \t1.0"),
		chain("normalisation: local separators", "1.0+ubuntu-1 = 1.0+ubuntu.1 = 1.0+ubuntu_1 = 1.0+Ubuntu.01"),
		chain("numbers are numbers", "1.9 < 1.10 < 1.11"),
	))
}

func TestMavenOrder(t *testing.T) {
	checkOrder(t, "Maven", cases(
		chain("qualifier order", "1.0-alpha < 1.0-beta < 1.0-milestone < 1.0-rc < 1.0-snapshot < 1.0 = 1.0-ga = 1.0-final < 1.0-sp < 1.0.1"),
		chain("aliases", "1.0-RC1 = 1.0-cr1 = 1.0-rc-1"),
		chain("aliases", "1.0 = 1.0-release = 1.0.Final = 1.0.GA"),
		chain("a, b, m followed by a number", "1-a1 = 1-alpha-1 < 1-b1 = 1-beta-1 < 1-m1 = 1-milestone-1"),
		chain("case insensitive", "2.0-RC1 = 2.0-rc1"),
		chain("spec: number padding", "1 < 1.1"),
		chain("spec: qualifier padding", "1-snapshot < 1 < 1-sp"),
		chain("spec: numeric order inside qualifiers", "1-foo2 < 1-foo10"),
		chain("spec: .qualifier = -qualifier < -number < .number", "1.foo = 1-foo < 1-1 < 1.1"),
		chain("spec: trailing nulls", "1.ga = 1-ga = 1-0 = 1.0 = 1 = 1. = 1-"),
		chain("spec: trailing nulls at each hyphen", "1.0.0-foo.0.0 = 1-foo"),
		chain("spec: trailing nulls at each hyphen", "1.0.0-0.0.0 = 1"),
		chain("spec: sp", "1-sp > 1-ga"),
		chain("spec: sp", "1-sp.1 > 1-ga.1"),
		chain("spec: sp", "1-sp-1 < 1-ga-1 < 1-1"),
		chain("spec: unknown qualifiers sort after known ones, alphabetically", "1-sp < 1-abc < 1-def < 1-1"),
		chain("ComparableVersionTest: .X1 = -X1", "1.0.0.RC1 = 1.0.0-RC1 < 1.0.0"),
		chain("ComparableVersionTest: numbers", "2.0 < 2.0.a < 2-1 < 2.0.2 < 2.1-a < 2.1b < 2.1-c < 2.1-1 < 2.1.0.1 < 2.2"),
		chain("ComparableVersionTest: qualifiers", "1-alpha2snapshot < 1-alpha2 < 1-alpha-123 < 1-beta-2 < 1-beta123 < 1-m2 < 1-m11 < 1-rc < 1-cr2 < 1-rc123 < 1-SNAPSHOT < 1"),
		chain("JBoss style", "5.3.20.Final < 5.3.21.Final < 6.0.0.Alpha1 < 6.0.0.Beta1 < 6.0.0.CR1 < 6.0.0.Final"),
	))
}

func TestSemverOrder(t *testing.T) {
	precedence := chain("semver.org §11", "1.0.0-alpha < 1.0.0-alpha.1 < 1.0.0-alpha.beta < 1.0.0-beta < 1.0.0-beta.2 < 1.0.0-beta.11 < 1.0.0-rc.1 < 1.0.0")
	for _, eco := range []string{"crates.io", "npm", "Hex", "SwiftURL", "Pub", "Bitnami"} {
		checkOrder(t, eco, cases(precedence,
			chain("semver.org §11: major, minor, patch as numbers", "1.0.0 < 2.0.0 < 2.1.0 < 2.1.1 < 2.10.0"),
			chain("semver.org §11: numeric identifiers before alphanumeric", "1.0.0-1 < 1.0.0-2 < 1.0.0-10 < 1.0.0-a"),
			chain("semver.org §11: x is an identifier like any other", "1.0.0-w < 1.0.0-x < 1.0.0-y < 1.0.0"),
			chain("semver.org §9: hyphens belong to identifiers", "1.0.0-rc.1 < 1.0.0-rc-1"),
		))
	}
	for _, eco := range []string{"crates.io", "npm", "Hex", "SwiftURL"} {
		checkOrder(t, eco, chain("semver.org §10: build metadata is ignored", "1.0.0 = 1.0.0+build = 1.0.0+other.1"))
		checkOrder(t, eco, chain("semver.org §10: build metadata is ignored", "1.0.0-rc.1+b2 = 1.0.0-rc.1+b1"))
	}
	checkOrder(t, "Pub", chain("pub_semver: build metadata orders, after no build", "1.0.0 < 1.0.0+1 < 1.0.0+2 < 1.0.0+a < 1.0.1"))
	checkOrder(t, "Pub", chain("pub_semver: leading zeros are numbers", "1.0.0-01 = 1.0.0-1"))
	checkOrder(t, "npm", chain("node-semver: v prefix", "v1.2.3 = 1.2.3"))
	checkOrder(t, "SwiftURL", chain("swift tags: v prefix", "v1.2.3 = 1.2.3"))
}

func TestGoOrder(t *testing.T) {
	checkOrder(t, "Go", cases(
		chain("pseudo-versions precede the release they name", "v0.0.0-20200101000000-abcdef123456 < v0.0.0-20210101000000-abcdef123456 < v0.1.0"),
		chain("pseudo-versions after a tag", "v1.2.3 < v1.2.4-0.20200101000000-abcdef123456 < v1.2.4"),
		chain("pseudo-versions after a pre-release", "v1.2.4-pre < v1.2.4-pre.0.20200101000000-abcdef123456 < v1.2.4"),
		chain("+incompatible is build metadata", "v2.0.0+incompatible = v2.0.0 < v2.0.1+incompatible"),
		chain("the v is added when missing", "1.2.3 = v1.2.3"),
		chain("OSV's -0 lower bound", "1.19.0-0 < v1.19.0-rc.1 < 1.19.0"),
		chain("x/mod shorthands", "v1.2 = v1.2.0"),
		chain("toolchain tags", "go1.20 = v1.20.0 < go1.21rc2 = v1.21.0-rc.2 < go1.21.0 < go1.21.5"),
	))
	checkOrder(t, "Kubernetes", chain("kubernetes is Go", "1.28.3 < v1.28.4"))
}

func TestGemOrder(t *testing.T) {
	checkOrder(t, "RubyGems", cases(
		chain("letters make a pre-release", "1.0.a < 1.0.b < 1.0 < 1.0.1"),
		chain("whole runs of letters are one segment", "1.0.pre < 1.0.prerelease < 1.0.rc < 1.0"),
		chain("whole runs of letters are one segment", "1.0.a.c < 1.0.ab"),
		chain("a missing segment is 0, and text sorts before numbers", "1.0.a.b < 1.0.a"),
		chain("- is .pre.", "1.0-1 = 1.0.pre.1 < 1.0"),
		chain("trailing zeros", "1 = 1.0 = 1.0.0"),
		chain("trailing zeros of the pre-release part", "1.0.a.0 = 1.0.a"),
		chain("numbers are numbers", "1.9 < 1.10 < 1.99999999999999999999"),
		chain("rails", "7.0.4.3 < 7.0.5.rc1 < 7.0.5 < 7.0.5.1"),
	))
}

func TestNuGetOrder(t *testing.T) {
	checkOrder(t, "NuGet", cases(
		chain("a missing part is 0", "1 = 1.0 = 1.0.0 = 1.0.0.0"),
		chain("the fourth part orders after patch", "1.0.0 < 1.0.0.1 < 1.0.1"),
		chain("release labels compare case-insensitively", "1.0.0-Alpha = 1.0.0-alpha = 1.0.0-ALPHA < 1.0.0-beta"),
		chain("SemVer 2 label precedence", "1.0.0-alpha < 1.0.0-alpha.1 < 1.0.0-alpha.beta < 1.0.0-beta.2 < 1.0.0-beta.11 < 1.0.0-rc.1 < 1.0.0"),
		chain("docs example", "1.0.1-aaa < 1.0.1-alpha10 < 1.0.1-alpha2 < 1.0.1-beta < 1.0.1-open < 1.0.1-rc.2 < 1.0.1-rc.10 < 1.0.1-zzz < 1.0.1"),
		chain("metadata is ignored", "1.0.7+r3456 = 1.0.7"),
		chain("leading zeros", "1.01.1 = 1.1.1"),
		chain("legacy four-part prerelease", "1.0.0.1-beta < 1.0.0.1"),
	))
}

func TestComposerOrder(t *testing.T) {
	checkOrder(t, "Packagist", cases(
		chain("stability order", "1.0.0-dev < 1.0.0-alpha1 < 1.0.0-beta1 < 1.0.0-RC1 < 1.0.0 < 1.0.0-p1"),
		chain("normalisation: v prefix, fourth part", "v1.0 = 1.0.0 = 1.0.0.0"),
		chain("normalisation: stability spellings", "1.0.0-beta1 = 1.0.0b1 = 1.0.0-b1 = 1.0.0.beta.1 = 1.0.0-BETA1"),
		chain("normalisation: stability spellings", "1.0.0-RC1 = 1.0.0rc1 = 1.0.0-rc.1"),
		chain("normalisation: patch spellings", "1.0.0-p1 = 1.0.0-pl1 = 1.0.0-patch1 = 1.0.0.patch1"),
		chain("normalisation: stable", "1.0.0-stable = 1.0.0"),
		chain("normalisation: build metadata", "1.0.0+build5 = 1.0.0"),
		chain("numbered stabilities", "1.0.0-beta < 1.0.0-beta1 < 1.0.0-beta2 < 1.0.0-beta10"),
		chain("dev suffix of a stability", "1.0.0-beta1-dev < 1.0.0-beta1"),
		chain("date versions (composer reads 2023.01.01 as classical, 2023.01.01.0)", "2023-01-01 < 2023.01.01 = 2023.1.1.0 < 2023.01.02 < 20230101 < 20230102"),
		chain("x-dev branches", "1.0.x-dev > 1.0.5 < 1.1.0"),
		chain("branches sort before versions, by name", "dev-feature < dev-master < 0.0.1"),
		chain("drupal", "8.9.20 < 9.5.11 < 10.1.8"),
	))
}

func TestNumberSequenceOrder(t *testing.T) {
	checkOrder(t, "Hackage", chain("PVP: lexicographic, a prefix first", "0.1 < 1 < 1.0 < 1.0.0 < 1.0.1 < 1.2 < 1.10"))
	checkOrder(t, "CRAN", chain("R package_version: '.' and '-' alike", "1.0 < 1.0-1 = 1.0.1 < 1.0.2 < 1.10-0"))
}

// TestOSVSemver checks the ordering of OSV SEMVER ranges, read as osv.dev reads them.
func TestOSVSemver(t *testing.T) {
	for _, c := range []orderCase{
		{"v1.2.3", "=", "1.2.3", "a leading v is dropped"},
		{"1.19", "=", "1.19.0", "a missing patch is 0 (Go toolchain versions)"},
		{"2", "=", "v2.0.0", "a missing minor is 0"},
		{"1.19-rc.1", "<", "1.19.0", "coercion keeps the pre-release"},
		{"1.0.0-alpha", "<", "1.0.0-alpha.1", "semver.org §11"},
		{"1.0.0+b", "=", "1.0.0+a", "semver.org §10"},
	} {
		a, err := Semver.Parse(c.a)
		if err != nil {
			t.Fatalf("%s: %v", c.a, err)
		}
		b, err := Semver.Parse(c.b)
		if err != nil {
			t.Fatalf("%s: %v", c.b, err)
		}
		if got := a.Compare(b); got != want[c.op] {
			t.Errorf("%s %s %s (%s): Compare = %d", c.a, c.op, c.b, c.rule, got)
		}
	}
	for _, bad := range []string{"", "1.x", "01.2.3", "1.2.3.4", "v"} {
		if _, err := Semver.Parse(bad); err == nil {
			t.Errorf("Semver.Parse(%q) succeeded", bad)
		}
	}
}
