package version

import (
	"strings"

	rpmversion "github.com/knqyf263/go-rpm-version"
)

// rpm orders RPM versions ([epoch:]version[-release]) for the RPM-based distributions,
// through github.com/knqyf263/go-rpm-version's rpmvercmp (tilde and caret included). The
// wrapper parses the EVR itself, as rpm does, because the library
//   - splits version from release at the first '-' where rpm splits at the last one;
//   - reads a non-numeric or overflowing epoch as 0 instead of failing;
//   - never fails, so an empty or garbage version would order silently.
//
// A version without a release sorts before the same version with any release, so that the
// order stays total (rpm itself skips the release when one side lacks it).
type rpm struct{}

func (rpm) Name() string { return "rpm" }

type rpmVersion struct {
	epoch            string // digits, "" for none (= 0)
	version, release rpmversion.Version
}

func (rpm) Parse(s string) (Version, error) {
	if !printableASCII(s) {
		return nil, invalid("rpm", s, "only printable ASCII without spaces is allowed")
	}
	evr := s
	var epoch string
	if i := strings.IndexByte(evr, ':'); i >= 0 {
		epoch, evr = evr[:i], evr[i+1:]
		if !allDigits(epoch) {
			return nil, invalid("rpm", s, "epoch must be digits")
		}
	}
	ver, rel := evr, ""
	if i := strings.LastIndexByte(evr, '-'); i >= 0 {
		ver, rel = evr[:i], evr[i+1:]
		if rel == "" {
			return nil, invalid("rpm", s, "empty release")
		}
	}
	if ver == "" {
		return nil, invalid("rpm", s, "empty version")
	}
	// rpmvercmp treats every byte that is not alphanumeric, '~' or '^' as a separator, so
	// these replacements keep the order while stopping the library from re-splitting.
	sep := strings.NewReplacer("-", ".", ":", ".")
	return rpmVersion{
		epoch:   epoch,
		version: rpmversion.NewVersion(sep.Replace(ver)),
		release: rpmversion.NewVersion(sep.Replace(rel)),
	}, nil
}

func (a rpmVersion) Compare(o Version) int {
	b, ok := o.(rpmVersion)
	if !ok {
		mismatch("rpm", o)
	}
	if c := cmpDigits(a.epoch, b.epoch); c != 0 {
		return c
	}
	if c := a.version.Compare(b.version); c != 0 {
		return sign(c)
	}
	return sign(a.release.Compare(b.release))
}
