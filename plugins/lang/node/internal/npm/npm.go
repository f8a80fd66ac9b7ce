// Package npm holds what the Node.js analyzers share: the package type, the rules for npm
// package names and versions, the reading of the dependency specs that lock files write
// ("name@1.2.3", "npm:real@1.2.3", "github:user/repo#sha", "file:../dir") and the
// recognition of npm registry tarball URLs.
package npm

import (
	"strings"

	"github.com/trawlscan/trawl/plugins/lang/internal/collect"
)

// PackageType is the purl type of npm packages.
const PackageType = "npm"

// NewBuilder starts collecting the npm packages of the file at path. npm names are case
// sensitive ("JSONStream" and "jsonstream" are two packages), so they are compared as
// written.
func NewBuilder(path string) *collect.Builder {
	return collect.NewBuilder(path, PackageType, nil)
}

// maxNameLen is npm's limit on the length of a package name, scope included.
const maxNameLen = 214

// CheckName says why name cannot be an npm package name, or returns "". The rules are those
// the registry applies to every package it ever accepted: not empty, at most 214 bytes, made
// of URL-safe characters, not starting with '.' or '_', and "@scope/name" for a scoped
// package. Capital letters are allowed, since old packages have them.
func CheckName(name string) string {
	if name == "" {
		return "empty"
	}
	if len(name) > maxNameLen {
		return "longer than 214 bytes"
	}
	rest := name
	if name[0] == '@' {
		scope, pkg, ok := strings.Cut(name[1:], "/")
		if !ok {
			return "a scope without a package name"
		}
		if msg := checkPart(scope); msg != "" {
			return "scope " + msg
		}
		rest = pkg
	}
	return checkPart(rest)
}

func checkPart(s string) string {
	if s == "" {
		return "empty"
	}
	if s[0] == '.' || s[0] == '_' {
		return "starts with '.' or '_'"
	}
	if !allURLSafe(s) {
		return "has characters that are not URL-safe"
	}
	return ""
}

// IsLockName reports whether s can be the npm package name of a yarn.lock or
// pnpm-lock.yaml entry: "name" or "@scope/name", each part not empty, not starting with
// '.' and made of URL-safe characters. It is looser than CheckName, which also bans a
// leading '_' and names longer than 214 bytes, and capitals are allowed, since old
// registry names have them.
func IsLockName(s string) bool {
	if strings.HasPrefix(s, "@") {
		scope, name, ok := strings.Cut(s[1:], "/")
		return ok && lockNamePart(scope) && lockNamePart(name)
	}
	return lockNamePart(s)
}

func lockNamePart(s string) bool {
	return s != "" && s[0] != '.' && allURLSafe(s)
}

// allURLSafe reports whether every character of s is urlSafe.
func allURLSafe(s string) bool {
	for i := 0; i < len(s); i++ {
		if !urlSafe(s[i]) {
			return false
		}
	}
	return true
}

// urlSafe reports whether encodeURIComponent leaves c as it is: npm requires that of every
// character of a name.
func urlSafe(c byte) bool {
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		return true
	}
	return strings.IndexByte("-._~!'()*", c) >= 0
}

// maxVersionLen is node-semver's limit on the length of a version.
const maxVersionLen = 256

// Version returns v as the registry records it when it is a valid semantic version, and
// false otherwise. Like npm's semver.clean, it drops surrounding spaces and a leading 'v' or
// '=' ("v1.2.3" is published as 1.2.3); the rest must be a strict semantic version 2.0:
// three numbers without leading zeros, an optional pre-release and build metadata.
func Version(v string) (string, bool) {
	v = strings.TrimSpace(v)
	v = strings.TrimLeft(v, "=v")
	if v == "" || len(v) > maxVersionLen || !semver(v, true) {
		return "", false
	}
	return v, true
}

// IsExactVersion reports whether v, as written, is an exact semantic version, the form the
// npm registry requires of every published version: MAJOR.MINOR.PATCH, then an optional
// -prerelease and +build. Ranges, tags, URLs and paths are not versions. Unlike Version it
// cleans nothing ("v1.2.3" and "1.2.3 " are not versions), has no length limit and accepts
// numeric pre-release identifiers with leading zeros.
func IsExactVersion(v string) bool {
	return semver(v, false)
}

// semver reports whether v is a semantic version 2.0: three numbers without leading zeros,
// an optional pre-release and build metadata. strictPre bans leading zeros in numeric
// pre-release identifiers, as the specification does.
func semver(v string, strictPre bool) bool {
	core, build, hasBuild := strings.Cut(v, "+")
	core, pre, hasPre := strings.Cut(core, "-")
	nums := strings.Split(core, ".")
	if len(nums) != 3 {
		return false
	}
	for _, n := range nums {
		if !numeric(n) {
			return false
		}
	}
	if hasPre && !identifiers(pre, strictPre) {
		return false
	}
	if hasBuild && !identifiers(build, false) {
		return false
	}
	return true
}

// numeric reports whether s is a number without leading zeros.
func numeric(s string) bool {
	if s == "" || (len(s) > 1 && s[0] == '0') {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// identifiers reports whether s is a dot-separated list of identifiers, [0-9A-Za-z-]+; pre
// also bans a leading zero in a numeric identifier, as pre-release identifiers must.
func identifiers(s string, pre bool) bool {
	for _, id := range strings.Split(s, ".") {
		if id == "" {
			return false
		}
		digits := true
		for i := 0; i < len(id); i++ {
			c := id[i]
			switch {
			case c >= '0' && c <= '9':
			case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c == '-':
				digits = false
			default:
				return false
			}
		}
		if pre && digits && len(id) > 1 && id[0] == '0' {
			return false
		}
	}
	return true
}

// SplitSpec splits "name@spec" at the '@' that ends the name: names have no '@' but the one
// that starts a scope ("@babel/core@7.0.0"), while specs may have more
// ("git+ssh://git@github.com/...").
func SplitSpec(s string) (name, spec string, ok bool) {
	if s == "" {
		return "", "", false
	}
	i := strings.IndexByte(s[1:], '@')
	if i < 0 {
		return s, "", false
	}
	return s[:i+1], s[i+2:], true
}

// Alias reads an npm alias, "npm:real-name@1.2.3", the version that npm 6 and earlier
// write for a package installed under another name.
func Alias(spec string) (name, version string, ok bool) {
	rest, ok := strings.CutPrefix(spec, "npm:")
	if !ok {
		return "", "", false
	}
	return SplitSpec(rest)
}

// Kind says where a spec that is not a version takes its package from, for the messages of
// unresolved dependencies: "git", "local", "tarball" or "" when it cannot tell.
func Kind(spec string) string {
	switch {
	case hasPrefix(spec, "git+", "git://", "git@", "github:", "gitlab:", "bitbucket:", "gist:"):
		return "git"
	case hasPrefix(spec, "file:", "link:", "/", "./", "../", "~/"):
		return "local"
	case hasPrefix(spec, "http://", "https://"):
		if strings.Contains(spec, ".git#") || strings.HasSuffix(spec, ".git") {
			return "git"
		}
		return "tarball"
	}
	// GitHub shorthand, "user/repo#ref".
	if i := strings.IndexByte(spec, '/'); i > 0 && !strings.ContainsAny(spec[:i], ":@") {
		return "git"
	}
	return ""
}

func hasPrefix(s string, prefixes ...string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

// Why is the reason an unresolved dependency from spec gives no package, for
// collect.Builder.Unresolved.
func Why(spec string) string {
	switch Kind(spec) {
	case "git":
		return "git dependency, no version"
	case "local":
		return "local dependency, no version"
	case "tarball":
		return "tarball URL, no version"
	}
	return "not a version"
}

// InNodeModules reports whether the file at path lies inside a node_modules directory: a
// lock file there came with an installed package (see the lock parsers for why it is not
// read).
func InNodeModules(path string) bool {
	for {
		i := strings.Index(path, "node_modules/")
		if i < 0 {
			return false
		}
		if i == 0 || path[i-1] == '/' {
			return true
		}
		path = path[i+len("node_modules/"):]
	}
}

// RegistryTarball says whether u is the URL of the tarball of name@version in an npm
// registry: registries (npmjs, yarnpkg, GitHub, GitLab, Artifactory, Nexus, Verdaccio)
// serve it at ".../<name>/-/<base>-<version>.tgz", base being the name without its scope
// (or, for some, with it). Such a URL names a release of the registry, not a build of
// some repository, so its version is the registry's.
func RegistryTarball(u, name, version string) bool {
	if !strings.HasPrefix(u, "https://") && !strings.HasPrefix(u, "http://") {
		return false
	}
	if i := strings.IndexAny(u, "?#"); i >= 0 {
		u = u[:i]
	}
	i := strings.LastIndex(u, "/-/")
	if i < 0 || name == "" || version == "" {
		return false
	}
	dir, file := u[:i], u[i+3:]
	base := name
	if j := strings.IndexByte(name, '/'); j >= 0 {
		base = name[j+1:]
	}
	if file != base+"-"+version+".tgz" && file != name+"-"+version+".tgz" {
		return false
	}
	// Scoped names are also written with the slash escaped ("@scope%2fname").
	return strings.HasSuffix(dir, "/"+name) ||
		strings.HasSuffix(strings.ReplaceAll(dir, "%2F", "%2f"), "/"+strings.Replace(name, "/", "%2f", 1))
}
