// Package maven holds what the Java analyzers share: the package type, and the checks that
// keep a malformed coordinate from becoming a package.
//
// A Maven package is named "groupId:artifactId" (the host splits the name into the purl's
// namespace and name); its version is the version string as written, since Maven compares
// versions by its own rules and the host's matcher applies them.
package maven

import (
	"strings"

	"github.com/trawlscan/trawl/plugins/lang/internal/collect"
)

// PackageType is the purl type of Maven packages.
const PackageType = "maven"

// NewBuilder starts collecting the Maven packages of the file at path. Names are compared
// as written: Maven coordinates are case-sensitive.
func NewBuilder(path string) *collect.Builder {
	return collect.NewBuilder(path, PackageType, nil)
}

// Name is the package name of a coordinate.
func Name(group, artifact string) string { return group + ":" + artifact }

// ValidID reports whether s can be a groupId or an artifactId: Maven's model validator
// accepts letters, digits, '_', '-' and '.', nothing else.
func ValidID(s string) bool {
	if s == "" || len(s) > 1024 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case c == '_' || c == '-' || c == '.':
		default:
			return false
		}
	}
	return true
}

// CheckVersion says why s is not a version a package can be reported with, or returns "".
// A range ("[1.0,2.0)") names no version; Maven's validator refuses the characters of file
// paths and of shell globs; whitespace means the value is not a version at all.
func CheckVersion(s string) string {
	switch {
	case s == "":
		return "no version"
	case strings.Contains(s, "${"):
		return "unresolved property"
	case s[0] == '[' || s[0] == '(' || strings.ContainsAny(s, ",])"):
		return "version range"
	case s == "LATEST" || s == "RELEASE":
		return "meta-version " + s
	case len(s) > 256:
		return "longer than 256 bytes"
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c == 0x7f || strings.IndexByte(`\/:"<>|?*`, c) >= 0 {
			return "not a version: " + collect.Quoted(s)
		}
	}
	return ""
}
