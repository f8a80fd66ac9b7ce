package version

import (
	"regexp"
	"strings"
)

// composer orders Packagist versions as Composer does: each version is first normalised by
// composer/semver's VersionParser::normalize ("v1.0" → "1.0.0.0", "1.0.0-beta1"/"1.0.0b1" →
// "1.0.0.0-beta1", "-p1"/"-pl1" → "-patch1", "RC" upper-cased, date versions, "1.0.x-dev" →
// "1.0.9999999.9999999-dev", branches kept as "dev-name"), then compared with PHP's
// version_compare, which ranks dev < alpha < beta < RC < (release) < patch. Composer leaves
// branches incomparable with versions; for a total order they sort here before every
// version, and among themselves by name. No maintained Go library does this.
type composer struct{}

func (composer) Name() string { return "composer" }

const composerModifier = `[._-]?(?:(stable|beta|b|RC|alpha|a|patch|pl|p)((?:[.-]?\d+)*)?)?([.-]?dev)?`

var (
	composerClassical = regexp.MustCompile(`(?i)^v?(\d{1,5})(\.\d+)?(\.\d+)?(\.\d+)?` + composerModifier + `$`)
	composerDate      = regexp.MustCompile(`(?i)^v?(\d{4}(?:[.:-]?\d{2}){1,6}(?:[.:-]?\d{1,3}){0,2})` + composerModifier + `$`)
	composerDevSuffix = regexp.MustCompile(`(?i)^(.*?)[.-]?dev$`)
	composerBranchNum = regexp.MustCompile(`(?i)^v?(\d+)(\.(?:\d+|[x*]))?(\.(?:\d+|[x*]))?(\.(?:\d+|[x*]))?$`)
)

// composerVer is a branch name, or the elements of a normalised version: runs of digits and
// of letters, as version_compare splits them.
type composerVer struct {
	branch string
	elems  []string
}

func (composer) Parse(s string) (Version, error) {
	n, err := composerNormalize(s)
	if err != nil {
		return nil, err
	}
	if strings.HasPrefix(n, "dev-") {
		return composerVer{branch: n}, nil
	}
	var elems []string
	for i := 0; i < len(n); {
		j := i + 1
		switch {
		case isDigit(n[i]):
			for j < len(n) && isDigit(n[j]) {
				j++
			}
		case isAlpha(n[i]):
			for j < len(n) && isAlpha(n[j]) {
				j++
			}
		default:
			i = j
			continue
		}
		elems = append(elems, n[i:j])
		i = j
	}
	return composerVer{elems: elems}, nil
}

// composerNormalize is VersionParser::normalize for a single version (no constraints,
// aliases or stability flags).
func composerNormalize(s string) (string, error) {
	v := strings.TrimSpace(s)
	if v == "" || !printableASCII(v) {
		return "", invalid("composer", s, "empty or not printable ASCII")
	}
	switch v {
	case "master", "trunk", "default":
		v = "dev-" + v
	}
	if len(v) >= 4 && strings.EqualFold(v[:4], "dev-") {
		return "dev-" + v[4:], nil
	}
	if i := strings.IndexByte(v, '+'); i > 0 {
		v = v[:i] // build metadata
	}
	if m := composerClassical.FindStringSubmatch(v); m != nil {
		out := m[1]
		for _, p := range m[2:5] {
			if p == "" {
				p = ".0"
			}
			out += p
		}
		return composerModifiers(out, m[5:]), nil
	}
	if m := composerDate.FindStringSubmatch(v); m != nil {
		out := strings.Map(func(r rune) rune {
			if r < '0' || r > '9' {
				return '.'
			}
			return r
		}, m[1])
		return composerModifiers(out, m[2:]), nil
	}
	if m := composerDevSuffix.FindStringSubmatch(v); m != nil {
		if b := composerBranchNum.FindStringSubmatch(m[1]); b != nil {
			out := b[1]
			for _, p := range b[2:5] {
				if p == "" {
					p = ".x"
				}
				out += p
			}
			out = strings.NewReplacer("x", "9999999", "X", "9999999", "*", "9999999").Replace(out)
			return out + "-dev", nil
		}
	}
	return "", invalid("composer", s, "not a Composer version")
}

// composerModifiers appends the stability suffix: m holds the stability word, its number and
// the "dev" suffix.
func composerModifiers(version string, m []string) string {
	if m[0] != "" {
		if m[0] == "stable" {
			return version
		}
		version += "-" + composerStability(m[0]) + strings.TrimLeft(m[1], ".-")
	}
	if m[2] != "" {
		version += "-dev"
	}
	return version
}

// composerStability is VersionParser::expandStability.
func composerStability(s string) string {
	switch s = strings.ToLower(s); s {
	case "a":
		return "alpha"
	case "b":
		return "beta"
	case "p", "pl":
		return "patch"
	case "rc":
		return "RC"
	}
	return s
}

func (a composerVer) Compare(o Version) int {
	b, ok := o.(composerVer)
	if !ok {
		mismatch("composer", o)
	}
	switch {
	case a.branch != "" && b.branch != "":
		return strings.Compare(a.branch, b.branch)
	case a.branch != "":
		return -1
	case b.branch != "":
		return 1
	}
	return phpVersionCompare(a.elems, b.elems)
}

// phpVersionCompare is PHP's version_compare over split elements: numbers by value, words
// by their special-form rank, a number ranking as "#"; when one side runs out, a remaining
// number makes the longer one greater, a remaining word compares with "#".
func phpVersionCompare(a, b []string) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		if c := phpElemCompare(a[i], b[i]); c != 0 {
			return c
		}
	}
	switch {
	case len(a) > len(b):
		if isDigit(a[len(b)][0]) {
			return 1
		}
		return sign(phpRank(a[len(b)]) - phpNumberRank)
	case len(b) > len(a):
		if isDigit(b[len(a)][0]) {
			return -1
		}
		return sign(phpNumberRank - phpRank(b[len(a)]))
	}
	return 0
}

// phpNumberRank is the rank of "#", which stands for any number.
const phpNumberRank = 4

func phpElemCompare(a, b string) int {
	ad, bd := isDigit(a[0]), isDigit(b[0])
	switch {
	case ad && bd:
		return cmpDigits(a, b)
	case ad:
		return sign(phpNumberRank - phpRank(b))
	case bd:
		return sign(phpRank(a) - phpNumberRank)
	}
	return sign(phpRank(a) - phpRank(b))
}

// phpRank is PHP's compare_special_version_forms order: a word starting with one of the
// special forms takes its rank; any other word ranks below them all.
func phpRank(w string) int {
	for _, f := range []struct {
		prefix string
		rank   int
	}{{"dev", 0}, {"alpha", 1}, {"a", 1}, {"beta", 2}, {"b", 2}, {"RC", 3}, {"rc", 3}, {"#", 4}, {"pl", 5}, {"p", 5}} {
		if strings.HasPrefix(w, f.prefix) {
			return f.rank
		}
	}
	return -1
}
