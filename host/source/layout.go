package source

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/google/go-containerregistry/pkg/v1/layout"
)

// Layout opens the OCI image layout directory dir (oci-layout, index.json, blobs/). A layout
// holding one image gives it; several images, or a multi-platform index, are chosen between
// with WithTag (by ref-name annotation) and WithPlatform. Options: WithPlatform, WithTag,
// WithProgress, WithMaxLayerBytes, WithLogger.
func Layout(dir string, opts ...Option) (*Artifact, error) {
	o := makeOptions(opts)
	if _, err := os.Stat(filepath.Join(dir, "index.json")); err != nil {
		return nil, fmt.Errorf("%s: not an OCI image layout: %w", dir, err)
	}
	p, err := layout.FromPath(dir)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", dir, err)
	}
	idx, err := p.ImageIndex()
	if err != nil {
		return nil, fmt.Errorf("%s: reading index.json: %w", dir, err)
	}
	img, platform, err := selectImage(dir, idx, o)
	if err != nil {
		return nil, err
	}
	return fromImage(dir, img, platform, nil, o)
}
