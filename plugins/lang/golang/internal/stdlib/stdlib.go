// Package stdlib names the Go standard library as a package, the way the Go vulnerability
// database does: module "stdlib", with the Go release as a SemVer version without the "v"
// ("go1.22.3" is "1.22.3", "go1.21rc2" is "1.21.0-rc.2"; OSV entries of the Go ecosystem
// give stdlib ranges such as {"fixed": "1.25.11"}, {"introduced": "1.26.0-0"}).
//
// Both the go.mod analyzer (toolchain and go directives) and the Go binary analyzer (the
// runtime version embedded in the build info) report it, so the conversion lives here.
package stdlib

import (
	"strconv"
	"strings"
)

// Name is the package name of the standard library.
const Name = "stdlib"

// firstLanguageOnly is the first minor release from which "1.N" names the language
// version (before any release candidate) rather than the release 1.N.0: Go 1.21 made
// 1.21.0 the name of the first release.
const firstLanguageOnly = 21

// Version converts a Go version as the toolchain writes it ("go1.22.3", "go1.22.3
// X:boringcrypto", "go1.21rc2", "go1.20", "go1.21.3-custom", or the same without "go") to
// the version of the stdlib package. It returns false for what names no release: a
// development toolchain ("devel go1.23-abcdef ..."), a language version ("1.21", which
// for Go 1.21 on is not a release), or text that is not a Go version.
func Version(v string) (string, bool) {
	// A runtime version may carry the enabled experiments after a space
	// ("go1.22.3 X:boringcrypto"); they do not change the release.
	if i := strings.IndexAny(v, " \t"); i >= 0 {
		v = v[:i]
	}
	v = strings.TrimPrefix(v, "go")
	// A toolchain built with a suffix ("go1.21.3-bigcorp") is that release, patched: the
	// go command itself reads its version as the part before the "-".
	if i := strings.IndexByte(v, '-'); i >= 0 {
		v = v[:i]
	}
	if v == "1" {
		return "1.0.0", true // the first release was tagged "go1"
	}
	major, rest, ok := number(v)
	if !ok || major != "1" || rest == "" || rest[0] != '.' {
		return "", false
	}
	minor, rest, ok := number(rest[1:])
	if !ok {
		return "", false
	}
	patch := ""
	if rest != "" && rest[0] == '.' {
		if patch, rest, ok = number(rest[1:]); !ok {
			return "", false
		}
	}
	pre := ""
	for _, kind := range []string{"rc", "beta"} {
		if n, found := strings.CutPrefix(rest, kind); found {
			num, tail, ok := number(n)
			if !ok || tail != "" || num == "0" {
				return "", false
			}
			pre, rest = "-"+kind+"."+num, ""
			break
		}
	}
	if rest != "" {
		return "", false
	}
	if patch == "" {
		if n, err := strconv.Atoi(minor); pre == "" && (err != nil || n >= firstLanguageOnly) {
			return "", false // a language version, not a release
		}
		patch = "0"
	}
	return major + "." + minor + "." + patch + pre, true
}

// number splits a decimal number without leading zeros off the start of s.
func number(s string) (num, rest string, ok bool) {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	if i == 0 || i > 1 && s[0] == '0' {
		return "", s, false
	}
	return s[:i], s[i:], true
}
