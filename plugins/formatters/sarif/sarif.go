// Package sarif writes the report as SARIF 2.1.0 (work in progress).
package sarif

import _ "github.com/owenrumney/go-sarif/v2/sarif"
