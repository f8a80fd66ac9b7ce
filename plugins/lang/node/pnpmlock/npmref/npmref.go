// Package npmref reads the pieces of npm package references that the Node.js lock file
// parsers share: package names ("@scope/name"), exact versions, "name@spec" strings and
// the tarball URLs of npm registries.
//
// It lives beside pnpmlock because pnpmlock and yarnlock are its only users; it knows
// nothing of either format.
package npmref

import "strings"

// SplitName splits "name@spec" at the '@' that ends the name: the first one after the
// leading '@' of a scope. ok is false when there is no such '@' (then name is the whole
// string).
func SplitName(s string) (name, spec string, ok bool) {
	from := 0
	if strings.HasPrefix(s, "@") {
		from = 1
	}
	i := strings.IndexByte(s[from:], '@')
	if i < 0 {
		return s, "", false
	}
	return s[:from+i], s[from+i+1:], true
}

// ValidName says whether s can be an npm package name: "name" or "@scope/name", each part
// made of the characters npm allows (those encodeURIComponent keeps). Old registry names
// may have capitals, so they are allowed.
func ValidName(s string) bool {
	if strings.HasPrefix(s, "@") {
		scope, name, ok := strings.Cut(s[1:], "/")
		return ok && namePart(scope) && namePart(name)
	}
	return namePart(s)
}

func namePart(s string) bool {
	if s == "" || s[0] == '.' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case strings.IndexByte("-_.!~*'()", c) >= 0:
		default:
			return false
		}
	}
	return true
}

// IsVersion says whether v is an exact semantic version, as the npm registry requires of
// every published version: MAJOR.MINOR.PATCH, then an optional -prerelease and +build.
// Ranges, tags, URLs and paths are not versions.
func IsVersion(v string) bool {
	core, build, hasBuild := strings.Cut(v, "+")
	if hasBuild && !idents(build) {
		return false
	}
	core, pre, hasPre := strings.Cut(core, "-")
	if hasPre && !idents(pre) {
		return false
	}
	for i := 0; i < 3; i++ {
		var num string
		if i < 2 {
			var ok bool
			num, core, ok = strings.Cut(core, ".")
			if !ok {
				return false
			}
		} else {
			num = core
		}
		if num == "" || len(num) > 1 && num[0] == '0' {
			return false
		}
		for j := 0; j < len(num); j++ {
			if num[j] < '0' || num[j] > '9' {
				return false
			}
		}
	}
	return true
}

// idents checks dot-separated identifiers of a prerelease or build part.
func idents(s string) bool {
	for _, id := range strings.Split(s, ".") {
		if id == "" {
			return false
		}
		for j := 0; j < len(id); j++ {
			c := id[j]
			if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return true
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
