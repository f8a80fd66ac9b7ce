package version

import (
	"strings"

	modsemver "golang.org/x/mod/semver"
)

// goVersion orders Go module versions with golang.org/x/mod/semver, the package the go
// command itself uses: "v" prefixed SemVer, where pseudo-versions
// (v0.0.0-20200101000000-abcdef123456) are pre-releases of the version they precede and
// "+incompatible" is build metadata, ignored. The wrapper adds the "v" OSV leaves out
// ("1.2.3"), reads Go toolchain tags ("go1.21.5", "go1.21rc2") as the Go vulnerability
// database does, and rejects what x/mod/semver reports invalid, since its Compare would
// silently sort invalid versions first.
type goVersion struct{}

func (goVersion) Name() string { return "go" }

type goVer string

func (goVersion) Parse(s string) (Version, error) {
	v := s
	if t, ok := goTag(s); ok {
		v = t
	} else if !strings.HasPrefix(v, "v") {
		v = "v" + v
	}
	if !modsemver.IsValid(v) {
		return nil, invalid("go", s, "not a Go module version (semver with a v prefix)")
	}
	return goVer(v), nil
}

func (a goVer) Compare(o Version) int {
	b, ok := o.(goVer)
	if !ok {
		mismatch("go", o)
	}
	return modsemver.Compare(string(a), string(b))
}

// goTag converts a Go toolchain tag to SemVer: go1.21 → v1.21.0, go1.21.5 → v1.21.5,
// go1.21rc2 → v1.21.0-rc.2, go1.9beta1 → v1.9.0-beta.1.
func goTag(s string) (string, bool) {
	rest, ok := strings.CutPrefix(s, "go")
	if !ok || rest == "" || !isDigit(rest[0]) {
		return "", false
	}
	num, pre := rest, ""
	for _, p := range []string{"beta", "rc"} {
		if i := strings.Index(rest, p); i > 0 {
			if n := rest[i+len(p):]; allDigits(n) {
				num, pre = rest[:i], "-"+p+"."+n
			}
			break
		}
	}
	parts := strings.Split(num, ".")
	if len(parts) < 2 || len(parts) > 3 {
		return "", false
	}
	for _, p := range parts {
		if !allDigits(p) {
			return "", false
		}
	}
	if len(parts) == 2 {
		parts = append(parts, "0")
	}
	return "v" + strings.Join(parts, ".") + pre, true
}
