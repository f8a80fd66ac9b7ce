// Package dbdist gets trawl's vulnerability database onto a machine, in two ways:
//
//   - Update downloads advisory sources over HTTPS (by default osv.dev's per-ecosystem
//     zips, from a list of mirrors tried in order) and rebuilds the DB with db.Import.
//   - Push and Pull move a built DB through an OCI registry as an artifact, so that many
//     machines (or an air-gapped network with its own registry) fetch one verified file
//     instead of each rebuilding it from the sources.
//
// # Never a broken DB
//
// Both replace the DB only by renaming a complete, verified file over it. An update or
// pull that fails anywhere (a mirror down, a stalled or truncated download, a checksum
// mismatch, a tampered blob, a cancelled context) leaves the old DB byte-identical and
// usable, and removes its temporary files. Update downloads every source into a temporary
// directory beside the DB and calls db.Import only once all of them have arrived and passed
// their integrity checks; db.Import itself writes a temporary file and renames it.
//
// # Integrity of downloads
//
// Each download is checked before it is imported: the bytes received must match the
// Content-Length the server announced; a zip must open and list entries (a truncated zip
// fails to open, as its central directory is at the end); a JSON file must parse; and
// when the server publishes a checksum, it must match: a "<url>.sha256" sibling file (as
// written by sha256sum), and the md5 and crc32c hashes that Google Cloud Storage (where
// osv.dev publishes) sends in the x-goog-hash header. A failed check refuses that download
// and the next mirror is tried; network errors, 5xx answers, stalls and truncated bodies
// are retried on the same mirror first, with exponential backoff and jitter.
//
// # OCI artifact and media types
//
// Push stores a DB as an OCI 1.1 artifact (see MEDIA_TYPES.md beside this file):
//
//	manifest     application/vnd.oci.image.manifest.v1+json
//	artifactType application/vnd.trawl.db.v1                        (ArtifactType)
//	config       application/vnd.oci.empty.v1+json, the 2 bytes "{}" (the OCI empty descriptor)
//	layer        application/vnd.trawl.db.layer.v1.bbolt+zstd       (LayerMediaType)
//	             the bbolt file, zstd-compressed; title annotation "trawl.db.zst"
//	annotations  org.opencontainers.image.created   the DB's build time (RFC 3339)
//	             dev.trawl.db.schema-version         db.SchemaVersion of the file
//	             dev.trawl.db.advisories             how many advisories it holds
//
// Pull refuses any other artifact type (it also accepts the OCI 1.0 form, where the
// artifact type is the config's media type), refuses a schema version other than the one
// this trawl reads before downloading anything, verifies the layer's digest and size as it
// streams, decompresses into a temporary file beside the destination, opens it with
// db.Open, and only then renames it over the destination.
//
// # Staleness
//
// A DB only knows the advisories published before it was built. Age reports how long ago
// that was; callers warn when it exceeds a limit (DefaultMaxAge, the default of trawl
// scan's --db-max-age), since findings published since are missing.
package dbdist
