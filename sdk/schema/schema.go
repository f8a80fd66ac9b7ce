// Package schema holds the JSON Schemas (draft 2020-12) of the documents package sdk defines,
// so that the host, plugin tests and third-party consumers validate against the same bytes
// that ship with the SDK:
//
//   - Report (report.schema.json): the report document every formatter receives, sdk.Report;
//   - Manifest (manifest.schema.json): a plugin manifest, sdk.Manifest.
//
// Both are strict for documents of exactly version 1.0 (no property the schema does not
// name) and open for later 1.x minors, which may add optional properties; the description
// inside each file says how.
package schema

import _ "embed"

// IDs of the schemas, as their "$id" says; a validator loads each under its ID.
const (
	ReportID   = "https://trawl.dev/schema/report/1.0.json"
	ManifestID = "https://trawl.dev/schema/manifest/1.0.json"
)

// Report is the JSON Schema of sdk.Report. Treat it as read-only.
//
//go:embed report.schema.json
var Report []byte

// Manifest is the JSON Schema of sdk.Manifest. Treat it as read-only.
//
//go:embed manifest.schema.json
var Manifest []byte
