// Package cyclonedx writes the report as a CycloneDX 1.6 JSON BOM (work in progress).
package cyclonedx

import _ "github.com/CycloneDX/cyclonedx-go"
