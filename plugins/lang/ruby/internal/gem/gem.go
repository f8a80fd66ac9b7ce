// Package gem holds what the Ruby analyzers share: the RubyGems package type and the
// collecting of gems.
package gem

import "github.com/trawlscan/trawl/plugins/lang/internal/collect"

// PackageType is the purl type of RubyGems packages.
const PackageType = "gem"

// NewBuilder starts collecting the gems of the file at path. Gem names are compared as
// written: RubyGems and Bundler treat them as case-sensitive.
func NewBuilder(path string) *collect.Builder {
	return collect.NewBuilder(path, PackageType, nil)
}
