// Package source turns what the user asks to scan (an image in a registry, a docker-archive
// tar, an OCI layout directory or tar, a directory) into an Artifact: an ordered list of
// layers, each read once as a stream of entries. Nothing is unpacked to disk.
//
// The openers are Remote (a registry reference), Archive (a docker-archive or OCI tar),
// Layout (an OCI layout directory), Directory (a file tree) and Open, which picks among the
// local ones; FromImage wraps any go-containerregistry image. They take the same Options.
//
// Image layers are decompressed (gzip, zstd or none, sniffed) on their own goroutine, ahead
// of the consumer. Layers are hostile input: names escaping the root are skipped and counted
// (WalkStats), truncated or corrupt streams give errors naming the layer, the uncompressed
// size is capped (WithMaxLayerBytes), and nothing is buffered whole. Package sourcetest
// builds images, archives, layouts and registries for tests.
package source

import (
	"context"
	"io"
	"io/fs"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/trawlscan/trawl/sdk"
)

// Artifact is a scannable thing: its description for the report and its layers, bottom
// first. A directory is one layer.
type Artifact struct {
	// Info describes the artifact for the report; Info.Layers matches Layers.
	Info sdk.Artifact
	// Config is the image config, nil for a directory.
	Config *v1.ConfigFile
	Layers []Layer
	// Packages are those an SBOM lists: such an artifact has no layers to walk. OS is the
	// distribution its OS packages name, if any.
	Packages []sdk.Package
	OS       *sdk.OS
	// Close releases what the artifact holds open (files, connections).
	Close func() error
}

// Layer is one layer of an artifact.
type Layer interface {
	// Info describes the layer: DiffID, compressed digest and size, the history entry that
	// created it. A directory layer has an empty DiffID.
	Info() sdk.Layer
	// Walk calls fn for each entry of the layer in order, once. The entry's Body is valid
	// only during the call. An error from fn stops the walk and is returned.
	Walk(ctx context.Context, fn func(*Entry) error) error
}

// Kind is the kind of a layer entry.
type Kind uint8

const (
	Regular Kind = iota
	Dir
	Symlink
	Hardlink
	// Whiteout deletes Path from the layers below (an OCI ".wh.<name>" entry).
	Whiteout
	// Opaque hides everything below Path in the layers below (".wh..wh..opq"). Path is the
	// directory, "" for the layer root.
	Opaque
	// Other is a device, fifo or anything else without content to analyse.
	Other
)

// Entry is one file, directory, link or whiteout of a layer.
type Entry struct {
	// Path is slash-separated and relative to the layer root: no leading slash, no "." or
	// ".." elements. Entries whose names escape the root are skipped, never rewritten.
	Path string
	Kind Kind
	// Size is the length of a Regular entry's content, 0 for other kinds.
	Size int64
	Mode fs.FileMode
	// Linkname is the target of a Symlink, as written, or of a Hardlink, cleaned like Path.
	Linkname string
	// Body is the content of a Regular entry, nil for other kinds.
	Body io.Reader
}
