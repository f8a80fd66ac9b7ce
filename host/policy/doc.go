// Package policy evaluates a trawl policy: rules that ALLOW, DENY or AUDIT findings, each
// decided by a CEL expression over the finding.
package policy

import _ "cel.dev/cel-go/cel"
