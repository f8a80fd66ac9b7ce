// Package version parses and orders package versions by the rules of each package ecosystem,
// named as OSV names them ("Debian:12", "PyPI", "Go", ...). The matcher compares an installed
// version with the events of an advisory's ranges through it, so a comparator must be a total
// order (reflexive, antisymmetric, transitive) over the versions it accepts, and must reject,
// not guess at, what the ecosystem itself would not accept.
//
// Where a maintained library implements an ecosystem's ordering it is used, wrapped where it
// departs from the ecosystem's documented rules (each wrapper says which rule and why). apk
// (whose library misorders pre-releases), NuGet, Packagist, SemVer (crates.io, Hex, Pub,
// SwiftURL, OSV SEMVER ranges) and the number sequences of Hackage and CRAN are implemented
// here.
package version

import (
	"errors"
	"fmt"
	"strings"
)

// Comparator parses versions of one ecosystem.
type Comparator interface {
	// Parse parses v; a version the ecosystem would not accept is an error.
	Parse(v string) (Version, error)
	// Name names the ordering ("dpkg", "pep440", ...), for messages.
	Name() string
}

// Version is a parsed version.
type Version interface {
	// Compare returns -1, 0 or 1 as the version sorts before, with or after other, which must
	// come from the same Comparator (it panics otherwise: that is a programming error).
	Compare(other Version) int
}

// ErrUnknownEcosystem is returned by For for an ecosystem without a comparator.
var ErrUnknownEcosystem = errors.New("no version ordering for ecosystem")

// ErrInvalid is wrapped by every parse error.
var ErrInvalid = errors.New("invalid version")

// ParseError is a version that its ecosystem's ordering does not accept.
type ParseError struct {
	Ordering string // the comparator's Name
	Version  string
	Reason   string
}

func (e *ParseError) Error() string {
	return fmt.Sprintf("invalid %s version %q: %s", e.Ordering, e.Version, e.Reason)
}

// Unwrap lets errors.Is(err, ErrInvalid) hold.
func (e *ParseError) Unwrap() error { return ErrInvalid }

func invalid(ordering, v, format string, args ...any) error {
	return &ParseError{Ordering: ordering, Version: v, Reason: fmt.Sprintf(format, args...)}
}

// byEcosystem maps the OSV ecosystem name (the part before the first ':') to its ordering.
var byEcosystem = map[string]Comparator{
	// apk-tools ordering.
	"Alpine":                       apk{},
	"Alpaquita":                    apk{},
	"BellSoft Hardened Containers": apk{},
	"Chainguard":                   apk{},
	"MinimOS":                      apk{},
	"Wolfi":                        apk{},
	// dpkg ordering.
	"Debian": dpkg{},
	"Echo":   dpkg{},
	"Ubuntu": dpkg{},
	// rpm ordering.
	"AlmaLinux":   rpm{},
	"Azure Linux": rpm{},
	"Mageia":      rpm{},
	"openEuler":   rpm{},
	"openSUSE":    rpm{},
	"Photon OS":   rpm{},
	"Red Hat":     rpm{},
	"Rocky Linux": rpm{},
	"SUSE":        rpm{},
	// Language ecosystems.
	"Bioconductor":   rVersion,
	"Bitnami":        semverTolerant,
	"CRAN":           rVersion,
	"crates.io":      semverStrict,
	"GHC":            pvp,
	"GitHub Actions": semverTolerant,
	"Go":             goVersion{},
	"Hackage":        pvp,
	"Hex":            semverStrict,
	"Kubernetes":     goVersion{},
	"Maven":          maven{},
	"npm":            npm{},
	"NuGet":          nuget{},
	"Packagist":      composer{},
	"Pub":            pub,
	"PyPI":           pep440{},
	"RubyGems":       gem{},
	"SwiftURL":       semverTolerant,
}

// For returns the comparator of an OSV ecosystem. The part before the first ':' decides
// ("Alpine:v3.20" orders as Alpine, "Ubuntu:Pro:18.04:LTS" as Ubuntu), except for the
// ecosystems that republish other ecosystems' packages under a second part ("Echo:PyPI",
// "Root:Debian:12", "Root:npm"), where the second part decides.
func For(ecosystem string) (Comparator, error) {
	base, rest, _ := strings.Cut(ecosystem, ":")
	switch base {
	case "Echo", "Root":
		sub, _, _ := strings.Cut(rest, ":")
		if c, ok := byEcosystem[sub]; ok {
			return c, nil
		}
		if base == "Echo" {
			// Echo's own OS packages are Debian's.
			return dpkg{}, nil
		}
	}
	if c, ok := byEcosystem[base]; ok {
		return c, nil
	}
	return nil, fmt.Errorf("%w %q", ErrUnknownEcosystem, ecosystem)
}

// Compare parses a and b as versions of ecosystem and compares them.
func Compare(ecosystem, a, b string) (int, error) {
	c, err := For(ecosystem)
	if err != nil {
		return 0, err
	}
	va, err := c.Parse(a)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", ecosystem, err)
	}
	vb, err := c.Parse(b)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", ecosystem, err)
	}
	return va.Compare(vb), nil
}

// sign maps a comparison result to -1, 0 or 1: several libraries return a difference.
func sign(n int) int {
	switch {
	case n < 0:
		return -1
	case n > 0:
		return 1
	}
	return 0
}

// mismatch panics for a Version of another comparator given to Compare.
func mismatch(ordering string, other Version) {
	panic(fmt.Sprintf("version: %s version compared with %T", ordering, other))
}
