package source

import (
	"bytes"
	"fmt"
	"io"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/partial"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// openOCIArchive reads an OCI image layout packed in a tar. go-containerregistry's layout
// package wants a directory, so the layout is served here from the tar index: the index and
// manifests as v1.ImageIndex, the images through partial.CompressedImageCore, and layer blobs
// as sections of the tar file.
func openOCIArchive(t *tarIndex, o *options) (*Artifact, error) {
	raw, err := t.readAll("index.json")
	if err != nil {
		return nil, err
	}
	im, err := v1.ParseIndexManifest(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("%s: index.json: %w", t.path, err)
	}
	idx := &tarImageIndex{t: t, raw: raw, manifest: im}
	img, platform, err := selectImage(t.path, idx, o)
	if err != nil {
		return nil, err
	}
	return fromImage(t.path, img, platform, t.f.Close, o)
}

// blob reads a small blob (index, manifest, config) and checks its digest, which is cheap at
// that size and catches an archive whose blobs do not match their names.
func (t *tarIndex) blob(h v1.Hash) ([]byte, error) {
	b, err := t.readAll(blobPath(h))
	if err != nil {
		return nil, err
	}
	got, _, err := v1.SHA256(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	if got != h {
		return nil, fmt.Errorf("%s: blob %s has digest %s", t.path, h, got)
	}
	return b, nil
}

// tarImageIndex is a v1.ImageIndex read from an OCI tar.
type tarImageIndex struct {
	t        *tarIndex
	raw      []byte
	manifest *v1.IndexManifest
}

var _ v1.ImageIndex = (*tarImageIndex)(nil)

func (i *tarImageIndex) MediaType() (types.MediaType, error) {
	if i.manifest.MediaType != "" {
		return i.manifest.MediaType, nil
	}
	return types.OCIImageIndex, nil
}

func (i *tarImageIndex) Digest() (v1.Hash, error) {
	h, _, err := v1.SHA256(bytes.NewReader(i.raw))
	return h, err
}

func (i *tarImageIndex) Size() (int64, error) { return int64(len(i.raw)), nil }

func (i *tarImageIndex) IndexManifest() (*v1.IndexManifest, error) { return i.manifest, nil }

func (i *tarImageIndex) RawManifest() ([]byte, error) { return i.raw, nil }

func (i *tarImageIndex) find(h v1.Hash) (*v1.Descriptor, error) {
	for _, d := range i.manifest.Manifests {
		if d.Digest == h {
			return &d, nil
		}
	}
	return nil, fmt.Errorf("%s: %s is not in the index", i.t.path, h)
}

func (i *tarImageIndex) Image(h v1.Hash) (v1.Image, error) {
	d, err := i.find(h)
	if err != nil {
		return nil, err
	}
	if !d.MediaType.IsImage() {
		return nil, fmt.Errorf("%s: %s is a %s, not an image manifest", i.t.path, h, d.MediaType)
	}
	raw, err := i.t.blob(h)
	if err != nil {
		return nil, err
	}
	m, err := v1.ParseManifest(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("%s: manifest %s: %w", i.t.path, h, err)
	}
	return partial.CompressedToImage(&tarImage{t: i.t, desc: *d, raw: raw, manifest: m})
}

func (i *tarImageIndex) ImageIndex(h v1.Hash) (v1.ImageIndex, error) {
	d, err := i.find(h)
	if err != nil {
		return nil, err
	}
	if !d.MediaType.IsIndex() {
		return nil, fmt.Errorf("%s: %s is a %s, not an index", i.t.path, h, d.MediaType)
	}
	raw, err := i.t.blob(h)
	if err != nil {
		return nil, err
	}
	im, err := v1.ParseIndexManifest(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("%s: index %s: %w", i.t.path, h, err)
	}
	return &tarImageIndex{t: i.t, raw: raw, manifest: im}, nil
}

// tarImage is the partial.CompressedImageCore of an image in an OCI tar.
type tarImage struct {
	t        *tarIndex
	desc     v1.Descriptor
	raw      []byte
	manifest *v1.Manifest
}

var _ partial.CompressedImageCore = (*tarImage)(nil)

func (i *tarImage) RawConfigFile() ([]byte, error) { return i.t.blob(i.manifest.Config.Digest) }

func (i *tarImage) MediaType() (types.MediaType, error) { return i.desc.MediaType, nil }

func (i *tarImage) RawManifest() ([]byte, error) { return i.raw, nil }

func (i *tarImage) LayerByDigest(h v1.Hash) (partial.CompressedLayer, error) {
	for _, d := range i.manifest.Layers {
		if d.Digest == h {
			return &tarLayer{t: i.t, desc: d}, nil
		}
	}
	return nil, fmt.Errorf("%s: layer %s is not in manifest %s", i.t.path, h, i.desc.Digest)
}

// tarLayer is a layer blob of an OCI tar, streamed from the tar file.
type tarLayer struct {
	t    *tarIndex
	desc v1.Descriptor
}

var _ partial.CompressedLayer = (*tarLayer)(nil)

func (l *tarLayer) Digest() (v1.Hash, error)            { return l.desc.Digest, nil }
func (l *tarLayer) Size() (int64, error)                { return l.desc.Size, nil }
func (l *tarLayer) MediaType() (types.MediaType, error) { return l.desc.MediaType, nil }

func (l *tarLayer) Compressed() (io.ReadCloser, error) {
	r, err := l.t.open(blobPath(l.desc.Digest))
	if err != nil {
		return nil, err
	}
	return sectionCloser{r}, nil
}
