// Package rules holds trawl's built-in secret detection rules as YAML data
// (one file per category, format of sdk.SecretRule). The files are embedded so
// the secrets plugin can load them without touching the filesystem.
package rules

import "embed"

// Files contains every *.yaml rule file of this directory.
//
//go:embed *.yaml
var Files embed.FS
