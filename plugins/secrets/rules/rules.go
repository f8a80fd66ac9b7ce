// Package rules holds trawl's built-in secret detection rules as YAML data
// (one file per category, format of sdk.SecretRule). The files are embedded so
// the secrets plugin can load them without touching the filesystem.
package rules

import (
	"embed"
	"fmt"
	"io/fs"
	"sort"

	"gopkg.in/yaml.v3"

	"github.com/trawlscan/trawl/sdk"
)

// Files contains every *.yaml rule file of this directory.
//
//go:embed *.yaml
var Files embed.FS

// Load parses every rule file, in file name order.
func Load() ([]sdk.SecretRule, error) {
	names, err := fs.Glob(Files, "*.yaml")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	var all []sdk.SecretRule
	for _, name := range names {
		raw, err := Files.ReadFile(name)
		if err != nil {
			return nil, err
		}
		var rs []sdk.SecretRule
		if err := yaml.Unmarshal(raw, &rs); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		all = append(all, rs...)
	}
	return all, nil
}
