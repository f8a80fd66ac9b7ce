package registry

import "github.com/trawlscan/trawl/registry/sign"

// Media types of the plugin artifact (README.md, "OCI artifact").
const (
	// ArtifactType is the manifest's artifactType.
	ArtifactType = "application/vnd.trawl.plugin.v1"
	// ConfigMediaType is the config's media type; its content is the manifest JSON.
	ConfigMediaType = "application/vnd.trawl.plugin.config.v1+json"
	// WasmMediaType is the module layer's media type.
	WasmMediaType = "application/vnd.trawl.plugin.wasm.v1+wasm"
	// SignatureMediaType is the optional signature layer's media type.
	SignatureMediaType = sign.MediaType
	// IndexMediaType is the layer media type of a plugin index kept in a registry.
	IndexMediaType = "application/vnd.trawl.plugin.index.v1+yaml"
)

// Annotations of the artifact.
const (
	// AnnotationTitle names a layer's file, for generic tools (oras pull writes it there).
	AnnotationTitle = "org.opencontainers.image.title"
	// AnnotationVersion is the plugin's version, on the manifest.
	AnnotationVersion = "org.opencontainers.image.version"
	// AnnotationDescription is the plugin's description, on the manifest.
	AnnotationDescription = "org.opencontainers.image.description"
	// AnnotationName is the plugin's name, on the manifest.
	AnnotationName = "dev.trawl.plugin.name"
	// AnnotationKind is the plugin's kind, on the manifest.
	AnnotationKind = "dev.trawl.plugin.kind"
	// AnnotationABI is the ABI the plugin speaks, on the manifest.
	AnnotationABI = "dev.trawl.plugin.abi"
)
