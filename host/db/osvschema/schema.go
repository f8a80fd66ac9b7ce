// Package osvschema embeds the OSV JSON schema that imported advisories are validated
// against. It is a copy of ../shared/schemas/osv/osv-schema.json, kept with the code so the
// binary validates on its own; a test checks the two agree.
package osvschema

import _ "embed"

// JSON is the OSV schema (draft 2020-12).
//
//go:embed osv-schema.json
var JSON []byte
