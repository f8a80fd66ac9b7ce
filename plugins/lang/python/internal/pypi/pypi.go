// Package pypi holds what every Python analyzer shares: the package type and the rule under
// which two spellings of a name are one package.
package pypi

import (
	"strings"

	"github.com/trawlscan/trawl/plugins/lang/internal/collect"
)

// PackageType is the purl type of Python packages.
const PackageType = "pypi"

// Normalize returns the PEP 503 form of a name: lower case, runs of '-', '_' and '.' as one
// '-'. Packages keep their names as written; this is only for telling whether one file
// lists a package twice (the host normalises names again for matching).
func Normalize(name string) string {
	var sb strings.Builder
	sb.Grow(len(name))
	sep := false
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c == '-' || c == '_' || c == '.':
			sep = true
			continue
		case c >= 'A' && c <= 'Z':
			c += 'a' - 'A'
		}
		if sep && sb.Len() > 0 {
			sb.WriteByte('-')
		}
		sep = false
		sb.WriteByte(c)
	}
	return sb.String()
}

// NewBuilder starts collecting the Python packages of the file at path.
func NewBuilder(path string) *collect.Builder {
	return collect.NewBuilder(path, PackageType, Normalize)
}

// devGroups are the names projects give, by convention, to groups of dependencies that are
// not needed at run time: tests, linters, type stubs, documentation.
var devGroups = map[string]bool{
	"dev": true, "devel": true, "develop": true, "development": true,
	"test": true, "tests": true, "testing": true,
	"lint": true, "linting": true, "typing": true,
	"doc": true, "docs": true,
}

// DevGroup reports whether a dependency group or extra has a conventional name of
// development dependencies ("dev", "test", "lint", "docs", ...). Lock files that mix extras
// (optional, but installed in production when asked for) with development groups under
// one list, as pdm.lock does, or that keep development dependencies in an extra, as many
// projects do, say no more than the name.
func DevGroup(name string) bool { return devGroups[Normalize(name)] }
