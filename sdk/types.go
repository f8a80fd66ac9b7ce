// Package sdk holds what a trawl plugin author imports: the data types that cross the plugin
// ABI, their versions, and the plugin manifest.
//
// Every type here is serialised as JSON on the wire (see ABI.md) and has a JSON schema under
// sdk/schema. The host never sends its internal types to a plugin; it sends these.
package sdk

// SchemaVersion is the version of the data documents defined in this package (the report,
// the analysis result, the manifest). A minor bump adds optional fields; a major bump breaks.
const SchemaVersion = "1.1"

// ABI versions spoken by this SDK. A host refuses a plugin whose ABI major differs from its own.
const (
	ABIMajor = 1
	ABIMinor = 2
)

// Package is one installed or declared software package.
type Package struct {
	// Name as the ecosystem spells it (apk/dpkg package name, npm name with scope, ...).
	Name    string `json:"name"`
	Version string `json:"version"`
	// Type is the purl type of the package (apk, deb, rpm, npm, pypi, golang, ...). The host
	// derives Ecosystem and PURL from it when an analyzer leaves them empty.
	Type string `json:"type"`
	// Ecosystem is the OSV ecosystem name, qualified with the release for OS packages
	// ("Alpine:v3.20", "Debian:12"). Filled by the host for OS packages.
	Ecosystem string `json:"ecosystem,omitempty"`
	PURL      string `json:"purl,omitempty"`
	Arch      string `json:"arch,omitempty"`
	// SourceName and SourceVersion name the source package an OS package was built from
	// (apk origin, dpkg Source:, rpm SOURCERPM).
	SourceName    string   `json:"source_name,omitempty"`
	SourceVersion string   `json:"source_version,omitempty"`
	Licenses      []string `json:"licenses,omitempty"`
	// Vendor is who built an OS package, as its database says (rpm VENDOR: "Red Hat, Inc.",
	// "SUSE LLC <https://www.suse.com/>"); an image may mix vendors' packages.
	Vendor string `json:"vendor,omitempty"`
	// ModularityLabel is the module stream an rpm package was built in (RHEL 8+, Fedora
	// modules: "nodejs:18:8090020231017135003:a75119d5"), which decides which advisories
	// apply to it.
	ModularityLabel string `json:"modularity_label,omitempty"`
	// Indirect is true for a transitive dependency, Dev for a development-only one, where the
	// file says so.
	Indirect bool `json:"indirect,omitempty"`
	Dev      bool `json:"dev,omitempty"`
	// Analyzer names the analyzer that reported the package; the SDK sets it for a file that
	// one analyzer selected, and the host prefixes it with the plugin name ("os/apk").
	Analyzer  string     `json:"analyzer,omitempty"`
	Locations []Location `json:"locations,omitempty"`
}

// Location is where something was found: a file, optionally a line, and for images the
// layer that added it.
type Location struct {
	Path string `json:"path"`
	Line int    `json:"line,omitempty"`
	// LayerDiffID is the uncompressed digest of the image layer that added the file (or, for a
	// package, the lowest layer from which the package stayed installed unchanged).
	LayerDiffID string `json:"layer_diff_id,omitempty"`
}

// OS describes the operating system of a scanned root filesystem.
type OS struct {
	// Family is the os-release ID ("alpine", "debian", "ubuntu", "rhel", ...).
	Family     string `json:"family"`
	Name       string `json:"name,omitempty"`
	Version    string `json:"version,omitempty"`
	PrettyName string `json:"pretty_name,omitempty"`
	Codename   string `json:"codename,omitempty"`
	// Source is the file the information came from.
	Source string `json:"source,omitempty"`
}

// Secret is a credential found in a file. Match is always redacted unless the user asked
// otherwise.
type Secret struct {
	RuleID string `json:"rule_id"`
	// Fingerprint identifies the finding without revealing it: a hash of the rule, the
	// path and the secret, stable when lines move, for baselines.
	Fingerprint string `json:"fingerprint,omitempty"`
	Category    string `json:"category,omitempty"`
	Title       string `json:"title,omitempty"`
	Severity    string `json:"severity,omitempty"`
	// Match is the matched text with the secret redacted, unless the user asked to see
	// secrets.
	Match    string   `json:"match,omitempty"`
	Location Location `json:"location"`
	EndLine  int      `json:"end_line,omitempty"`
	Deleted  bool     `json:"deleted,omitempty"`
	Analyzer string   `json:"analyzer,omitempty"`
	// Policy and Suppression: as for a Vulnerability.
	Policy      *Decision    `json:"policy,omitempty"`
	Suppression *Suppression `json:"suppression,omitempty"`
}

// SecretCandidate is a match of a secret rule that the host found in a file, sent to the
// plugin that owns the rule to confirm (trawl_confirm_secrets). It holds the raw secret:
// the plugin must never output it.
type SecretCandidate struct {
	RuleID string `json:"rule_id"`
	// Secret is the rule's secret group; Match the whole match.
	Secret string `json:"secret"`
	Match  string `json:"match"`
	// Line and Column (1-based, the column in bytes) are where the match starts.
	Line    int `json:"line"`
	Column  int `json:"column"`
	EndLine int `json:"end_line"`
}

// SecretConfirmRequest is the input of trawl_confirm_secrets: the candidates of one
// analyzer's rules in one file.
type SecretConfirmRequest struct {
	Path       string            `json:"path"`
	Analyzer   string            `json:"analyzer"`
	Candidates []SecretCandidate `json:"candidates"`
}

// SecretVerdict is a plugin's answer on one candidate.
type SecretVerdict struct {
	// Confirmed false drops the candidate: it is not a secret (a checksum fails, a token's
	// parts do not decode).
	Confirmed bool `json:"confirmed"`
	// Reason says why, for the debug log. It must not contain the secret.
	Reason string `json:"reason,omitempty"`
	// Title and Severity, when set, replace the rule's for this finding: a classification
	// that only the secret's content tells (a temporary credential). Note, when set, is
	// added to the title in parentheses ("encrypted", "test mode").
	Title    string `json:"title,omitempty"`
	Note     string `json:"note,omitempty"`
	Severity string `json:"severity,omitempty"`
}

// SecretConfirmResult is the output of trawl_confirm_secrets: one verdict per candidate,
// in the request's order. Redaction is the host's: no secret text crosses back.
type SecretConfirmResult struct {
	Verdicts []SecretVerdict `json:"verdicts"`
}

// FileRequest is what the host sends a plugin before the content of one file.
type FileRequest struct {
	// Path is slash-separated and relative to the root of the layer or tree, never with a
	// leading slash or "..".
	Path string `json:"path"`
	Size int64  `json:"size"`
	Mode uint32 `json:"mode"`
	// Offset is where in the file the content sent begins: 0, except for a selector with
	// Seek, whose content starts at the first occurrence of the bytes sought.
	Offset int64 `json:"offset,omitempty"`
	// Section names the executable's section sent, for a selector with Section; Offset is
	// where it begins in the file and Length how many bytes it has.
	Section string `json:"section,omitempty"`
	// Length is how many bytes will be sent when that is not Size-Offset (a section).
	Length int64 `json:"length,omitempty"`
	// Batch, when not 0, says that the content is a tar stream of this many files, picked by
	// a selector with Batch; Path is then the first one's and Size the stream's length. The
	// result's packages and errors name, in their location and path, the file each comes
	// from.
	Batch int `json:"batch,omitempty"`
	// Analyzers names which of the module's analyzers asked for this file.
	Analyzers []string `json:"analyzers"`
}

// AnalysisResult is what a plugin returns for one file.
type AnalysisResult struct {
	Packages []Package `json:"packages,omitempty"`
	OS       *OS       `json:"os,omitempty"`
	Secrets  []Secret  `json:"secrets,omitempty"`
	// Errors are per-analyzer problems with this file (malformed content and the like); the
	// scan goes on and the report lists them.
	Errors []FileError `json:"errors,omitempty"`
}

// FileError is a problem an analyzer had with one file.
type FileError struct {
	Analyzer string `json:"analyzer"`
	Path     string `json:"path"`
	Message  string `json:"message"`
}

// FormatRequest is what the host sends a formatter before the report.
type FormatRequest struct {
	// Format is the format name the user asked for (a module may provide several).
	Format string `json:"format"`
	// Color is true when the output goes to a terminal that accepts ANSI colours.
	Color bool `json:"color,omitempty"`
	// Options are free-form key=value options given by the user.
	Options map[string]string `json:"options,omitempty"`
}
