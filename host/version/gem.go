package version

import (
	"strings"

	gemversion "github.com/aquasecurity/go-gem-version"
)

// gem orders RubyGems versions as Gem::Version does. github.com/aquasecurity/go-gem-version
// checks the syntax (Gem::Version's ANCHORED_VERSION_PATTERN), but it splits versions into
// segments with /[0-9]+|[a-zA-Z]/, one letter per segment, where Gem::Version#segments scans
// /[0-9]+|[a-z]+/i, whole runs of letters: so it ordered "1.0.pre" after "1.0.prerelease"
// (a missing segment counts as 0, and 0 sorts after a letter) where RubyGems sorts "pre"
// first, and "1.0.ab" before "1.0.a.c". It also reads numbers past 2^64 as text. The
// segments and the comparison (Gem::Version#<=> over canonical_segments) are therefore
// computed here.
type gem struct{}

func (gem) Name() string { return "gem" }

// gemSegment is a run of digits (number, leading zeros trimmed) or of letters (text).
type gemSegment struct {
	text  string
	isNum bool
}

type gemVer []gemSegment

func (gem) Parse(s string) (Version, error) {
	if !printableASCII(strings.TrimSpace(s)) {
		return nil, invalid("gem", s, "only printable ASCII is allowed")
	}
	if _, err := gemversion.NewVersion(s); err != nil {
		return nil, invalid("gem", s, "%v", err)
	}
	v := strings.TrimSpace(s)
	if v == "" {
		v = "0" // Gem::Version.new("") is version 0
	}
	// Gem::Version reads "-" as ".pre.": "1.0-1" is "1.0.pre.1", a pre-release.
	v = strings.ReplaceAll(v, "-", ".pre.")
	return canonicalGemSegments(gemSegments(v)), nil
}

// gemSegments scans runs of digits and runs of letters, as /[0-9]+|[a-z]+/i does.
func gemSegments(v string) []gemSegment {
	var segs []gemSegment
	for i := 0; i < len(v); {
		j := i
		switch {
		case isDigit(v[i]):
			for j < len(v) && isDigit(v[j]) {
				j++
			}
			segs = append(segs, gemSegment{text: strings.TrimLeft(v[i:j], "0"), isNum: true})
		case isAlpha(v[i]):
			for j < len(v) && isAlpha(v[j]) {
				j++
			}
			segs = append(segs, gemSegment{text: v[i:j]})
		default:
			j++
		}
		i = j
	}
	return segs
}

// canonicalGemSegments is Gem::Version#canonical_segments: the numeric segments before the
// first text one, and the segments from there on, each without trailing zeros.
func canonicalGemSegments(segs []gemSegment) gemVer {
	split := len(segs)
	for i, s := range segs {
		if !s.isNum {
			split = i
			break
		}
	}
	release := trimZeroSegments(segs[:split])
	pre := trimZeroSegments(segs[split:])
	return append(release[:len(release):len(release)], pre...)
}

func trimZeroSegments(segs []gemSegment) []gemSegment {
	for len(segs) > 0 && segs[len(segs)-1].isNum && segs[len(segs)-1].text == "" {
		segs = segs[:len(segs)-1]
	}
	return segs
}

// Compare is Gem::Version#<=>: segment by segment, a missing one read as 0, text before
// numbers, numbers by value, text by bytes.
func (a gemVer) Compare(o Version) int {
	b, ok := o.(gemVer)
	if !ok {
		mismatch("gem", o)
	}
	zero := gemSegment{isNum: true}
	for i := 0; i < len(a) || i < len(b); i++ {
		l, r := zero, zero
		if i < len(a) {
			l = a[i]
		}
		if i < len(b) {
			r = b[i]
		}
		switch {
		case l.isNum && r.isNum:
			if c := cmpDigits(l.text, r.text); c != 0 {
				return c
			}
		case l.isNum:
			return 1
		case r.isNum:
			return -1
		default:
			if c := strings.Compare(l.text, r.text); c != 0 {
				return c
			}
		}
	}
	return 0
}
