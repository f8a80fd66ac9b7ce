// Package policy decides what trawl does with each finding: a policy is a YAML file of rules
// that ALLOW, DENY or AUDIT a finding, each rule decided by a CEL expression
// (https://cel.dev) over that one finding. It exists so that a team can write down, review and
// version the exceptions and gates of its pipeline ("this CVE is accepted, ticket SEC-12";
// "no fixable critical ships") instead of encoding them in flags.
//
// # Document format
//
//	apiVersion: trawl.dev/v1     # required, exactly this
//	kind: Policy                 # required, exactly this
//	name: production-gate        # optional
//	default: AUDIT               # action when no rule matches: ALLOW, DENY or AUDIT (default AUDIT)
//	rules:
//	  - id: accept-openssl-cve   # required, unique, made of [A-Za-z0-9._-]
//	    description: accepted by security team, ticket SEC-12   # optional
//	    action: ALLOW            # required: ALLOW, DENY or AUDIT
//	    when: finding.ids.exists(i, i == "CVE-2023-0464") && package.name == "openssl"
//
// Decoding is strict: an unknown or repeated key is an error rather than being ignored,
// because a misspelt key ("acton:") silently ignored would change what the policy does. A
// `when` may be any YAML scalar: plain, quoted, or a block scalar (`|` or `>`) for long
// expressions. Expressions must be boolean-typed, and are type-checked when the policy is
// loaded, so that a misspelt field is reported before any scan runs. A file is limited to
// 1 MiB, 1000 rules and 4 KiB per expression, so that a policy fetched from elsewhere cannot
// make loading unreasonably slow.
//
// A file holds one YAML document. Anchors and aliases may be used; merge keys (`<<`) may
// not, since they would hide which keys a rule really has.
//
// Every load error names the file and the position of the problem, `source:line:col:
// message`: positions inside an expression are mapped back to the file, whatever the scalar
// style, so that an editor can jump to the misspelt field. The column is left out of YAML
// syntax errors, which yaml.v3 reports by line only, and both are left out of problems with
// the whole file (too large, empty). [Parse] returns an [ErrorList] of [*Error] values,
// sorted by position.
//
// # Evaluation order
//
// Rules are evaluated in file order, and the first rule whose `when` is true decides the
// finding's action; that rule is the deciding rule of the [Decision]. When no rule matches,
// the policy's default action applies, with an empty rule id. Putting exceptions (ALLOW)
// before gates (DENY) is therefore how a policy accepts a risk.
//
// An expression that fails at run time on a finding (an index out of range, the cost limit
// exceeded) does not decide anything: the failure is recorded in the decision's Err, and
// evaluation goes on with the next rule. Each evaluation is bounded by a CEL cost limit, so
// that no expression can stall a scan.
//
// # Variables
//
// Expressions see four variables: the three objects below, and now. Every finding sets all
// three objects; those that do not apply to it hold empty values (empty strings and lists,
// false, 0), so that an expression written for vulnerabilities is false, not an error, on a
// secret. Field names are checked when the policy loads.
//
// finding, the finding itself:
//
//	kind            string     "vulnerability" or "secret"
//	id              string     preferred id: the CVE when there is one; a secret's rule id
//	ids             list       of string: id and every alias (CVE, GHSA, distribution ids)
//	severity        string     CRITICAL, HIGH, MEDIUM, LOW, NEGLIGIBLE or UNKNOWN, whatever
//	                           word the source used ("Moderate" is MEDIUM)
//	severity_level  int        CRITICAL 4, HIGH 3, MEDIUM 2, LOW 1, NEGLIGIBLE and UNKNOWN 0
//	cvss_score      double     0 when unknown
//	fix_available   bool       a fixed version exists
//	fixed_versions  list       of string
//	status          string     fixed, not_fixed, will_not_fix; "" for secrets
//	published       timestamp  when the advisory was published; when unknown, CEL's zero
//	                           timestamp 1970-01-01T00:00:00Z, and has(finding.published) is false
//	age_days        int        whole days from published to now; -1 when unknown, 0 if in the future
//	layer           string     diff ID of the image layer that added it; "" when none
//	path            string     the file it was found in (its first location)
//	secret_rule     string     the secret rule id; "" for vulnerabilities
//
// package, the affected package (empty for secrets). `package` is a reserved word in CEL;
// trawl accepts it as a variable name all the same.
//
//	name, version   string
//	type            string     purl type: apk, deb, npm, pypi, golang, ...
//	ecosystem       string     OSV ecosystem: "Alpine:v3.20", "PyPI", ...
//	purl            string
//	licenses        list       of string
//	indirect        bool       a transitive dependency
//	dev             bool       a development-only dependency
//
// secret, the leaked credential (empty for vulnerabilities):
//
//	rule_id, category, title   string
//	severity        string     as finding.severity
//	path            string     as finding.path
//	fingerprint     string     stable hash of rule, path and secret: accepts one known secret
//	deleted         bool       gone from the final image (removed or replaced by a later
//	                           layer) yet still readable in the layer that added it
//
// now, a timestamp: the evaluation time given to [Policy.Evaluate]. The package never reads
// the clock itself, so that a decision can be reproduced and tested.
//
// Ordering comparisons between int and double are allowed (`finding.cvss_score >= 7`);
// equality is not, by CEL's rules, and is a load error (write `finding.cvss_score == 7.0`).
// The standard CEL library and its macros (has, all, exists, exists_one, map, filter) are
// available; no extension library is.
package policy
