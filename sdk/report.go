package sdk

import "time"

// Report is the document a scan produces and every formatter receives. Its JSON schema is
// sdk/schema/report.schema.json.
type Report struct {
	SchemaVersion string    `json:"schema_version"`
	Tool          Tool      `json:"tool"`
	CreatedAt     time.Time `json:"created_at"`
	Artifact      Artifact  `json:"artifact"`
	OS            *OS       `json:"os,omitempty"`
	Packages      []Package `json:"packages"`
	// Vulnerabilities are the findings. Database says whether a database was used: an
	// empty list with a database is a clean result, without one an unchecked one.
	Vulnerabilities []Vulnerability `json:"vulnerabilities,omitempty"`
	// Database describes the vulnerability database used, if any.
	Database *DBInfo  `json:"database,omitempty"`
	Secrets  []Secret `json:"secrets,omitempty"`
	// Plugins lists every plugin that took part and how it fared.
	Plugins []PluginStatus `json:"plugins"`
	// Errors are per-file problems analyzers reported; the scan went on.
	Errors []FileError `json:"errors,omitempty"`
	// Suppressed are the findings that ignore entries and VEX statements took out.
	Suppressed *Suppressed `json:"suppressed,omitempty"`
	// Verdict is the gate's outcome: thresholds, policy, counts (schema 1.1).
	Verdict *Verdict `json:"verdict,omitempty"`
}

// Tool names the program that wrote the report.
type Tool struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// Artifact kinds.
const (
	ArtifactImage      = "container_image"
	ArtifactFilesystem = "filesystem"
	// ArtifactSBOM is a CycloneDX or SPDX document whose packages were scanned.
	ArtifactSBOM = "sbom"
)

// Artifact is what was scanned.
type Artifact struct {
	// Name is what the user gave: an image reference, an archive path or a directory.
	Name string `json:"name"`
	Type string `json:"type"`
	// Digest is the image manifest digest, when known.
	Digest string `json:"digest,omitempty"`
	// ImageID is the digest of the image config.
	ImageID  string  `json:"image_id,omitempty"`
	Platform string  `json:"platform,omitempty"`
	Layers   []Layer `json:"layers,omitempty"`
}

// Layer is one image layer, bottom first.
type Layer struct {
	DiffID    string `json:"diff_id"`
	Digest    string `json:"digest,omitempty"`
	Size      int64  `json:"size,omitempty"`
	CreatedBy string `json:"created_by,omitempty"`
}

// Plugin statuses.
const (
	PluginOK      = "ok"
	PluginFailed  = "failed"
	PluginUnused  = "unused"
	PluginRefused = "refused"
)

// PluginStatus says how one plugin fared in a scan.
type PluginStatus struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	Kind    string `json:"kind"`
	Status  string `json:"status"`
	// Files is how many files the plugin was handed.
	Files int `json:"files,omitempty"`
	// Error says why the plugin failed or was refused.
	Error string `json:"error,omitempty"`
}
