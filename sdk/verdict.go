package sdk

import "time"

// Scan modes (Verdict.Mode): what a run does and what its exit status says.
const (
	// ModeGetReport scans, matches and writes the reports; findings do not fail the run.
	ModeGetReport = "get-report"
	// ModeEvaluatePolicy also gates: a DENY decision or an exceeded threshold fails it.
	ModeEvaluatePolicy = "evaluate-policy"
	// ModeScanOnly scans and matches, writes no report, and fails on thresholds only.
	ModeScanOnly = "scan-only"
	// ModeInventoryOnly lists packages, without a vulnerability database.
	ModeInventoryOnly = "inventory-only"
)

// Policy actions (Decision.Action).
const (
	ActionAllow = "ALLOW"
	ActionDeny  = "DENY"
	ActionAudit = "AUDIT"
)

// Verdict results.
const (
	VerdictPass = "pass"
	VerdictFail = "fail"
)

// Suppression kinds.
const (
	SuppressedByIgnore = "ignore"
	SuppressedByVEX    = "vex"
)

// Decision is what a policy decided about one finding.
type Decision struct {
	// Action is ALLOW, DENY or AUDIT.
	Action string `json:"action"`
	// Rule is the id of the rule that decided; empty when the policy's default did.
	Rule        string `json:"rule,omitempty"`
	Description string `json:"description,omitempty"`
	// Error lists the rules whose expression failed on this finding (they decided nothing).
	Error string `json:"error,omitempty"`
}

// Suppression says why a finding is out of the count: an ignore entry or a VEX statement.
type Suppression struct {
	Kind string `json:"kind"`
	// Source is where the decision is written: an ignore file and line, or a VEX document.
	Source string `json:"source"`
	// Reason is the ignore entry's reason, or the VEX statement's justification or
	// impact statement.
	Reason string `json:"reason,omitempty"`
	// Status is the VEX status: not_affected or fixed.
	Status  string     `json:"status,omitempty"`
	Expires *time.Time `json:"expires,omitempty"`
}

// Suppressed holds the findings taken out of the count, each with its Suppression.
type Suppressed struct {
	Vulnerabilities []Vulnerability `json:"vulnerabilities,omitempty"`
	Secrets         []Secret        `json:"secrets,omitempty"`
}

// Thresholds are the most findings of each severity a scan may have; -1 is no limit.
type Thresholds struct {
	MaxCritical int `json:"max_critical"`
	MaxHigh     int `json:"max_high"`
	MaxMedium   int `json:"max_medium"`
	MaxLow      int `json:"max_low"`
}

// NoLimits are thresholds that never fail.
var NoLimits = Thresholds{MaxCritical: -1, MaxHigh: -1, MaxMedium: -1, MaxLow: -1}

// SeverityCounts counts findings by severity.
type SeverityCounts struct {
	Critical   int `json:"critical"`
	High       int `json:"high"`
	Medium     int `json:"medium"`
	Low        int `json:"low"`
	Negligible int `json:"negligible,omitempty"`
	Unknown    int `json:"unknown,omitempty"`
}

// PolicyInfo identifies the policy a verdict applied.
type PolicyInfo struct {
	Name string `json:"name,omitempty"`
	// Source is the policy as given: a path, an HTTPS URL or an oci:// reference.
	Source string `json:"source"`
	// Digest is the sha256 of the policy document's bytes.
	Digest string `json:"digest"`
	// Resolved is what was fetched: an absolute path, the URL, or repository@manifest-digest.
	Resolved string `json:"resolved,omitempty"`
}

// ExpiredIgnore is an ignore entry past its expiry date: it no longer applies.
type ExpiredIgnore struct {
	ID      string    `json:"id,omitempty"`
	PURL    string    `json:"purl,omitempty"`
	Path    string    `json:"path,omitempty"`
	Reason  string    `json:"reason"`
	Expires time.Time `json:"expires"`
	// Source is the ignore file and line.
	Source string `json:"source"`
}

// Verdict is the gate's outcome: the findings counted against the thresholds and the
// policy's decisions.
type Verdict struct {
	Mode string `json:"mode"`
	// Result is pass or fail; Enforced says whether the exit status follows it (not in
	// get-report mode, where it is informative).
	Result   string   `json:"result"`
	Enforced bool     `json:"enforced"`
	Reasons  []string `json:"reasons,omitempty"`
	// Counted are the findings counted against the thresholds: neither suppressed nor
	// allowed by the policy.
	Counted    SeverityCounts `json:"counted"`
	Thresholds Thresholds     `json:"thresholds"`
	Policy     *PolicyInfo    `json:"policy,omitempty"`
	// Actions counts the policy's decisions by action.
	Actions map[string]int `json:"actions,omitempty"`
	// Suppressed counts the findings taken out by ignore entries and VEX statements.
	Suppressed     int             `json:"suppressed,omitempty"`
	ExpiredIgnores []ExpiredIgnore `json:"expired_ignores,omitempty"`
	// IgnoreFile and VEX name the documents applied.
	IgnoreFile string   `json:"ignore_file,omitempty"`
	VEX        []string `json:"vex,omitempty"`
}
