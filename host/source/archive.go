package source

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/trawlscan/trawl/sdk"
)

// Archive opens an image archive file, read in place and never extracted:
//   - a docker-archive, as written by docker save or tarball.Write (manifest.json);
//   - an OCI image layout packed in a tar, as written by skopeo (oci-archive) or buildx
//     (--output type=oci) (oci-layout, index.json, blobs/).
//
// Docker 25 and later write both manifest.json and index.json; manifest.json is used then.
// An archive with several images needs WithTag; an OCI index with several platforms takes
// WithPlatform as Remote does. Options: WithTag, WithPlatform, WithProgress,
// WithMaxLayerBytes, WithLogger.
//
// The artifact keeps the file open until Close.
func Archive(path string, opts ...Option) (*Artifact, error) {
	o := makeOptions(opts)
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("opening image archive: %w", err)
	}
	a, err := openArchive(path, f, o)
	if err != nil {
		f.Close()
		return nil, err
	}
	return a, nil
}

func openArchive(path string, f *os.File, o *options) (*Artifact, error) {
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if fi.IsDir() {
		return nil, fmt.Errorf("%s: is a directory, not an image archive (see Layout and Directory)", path)
	}
	var magic [4]byte
	n, _ := f.ReadAt(magic[:], 0)
	switch {
	case n >= 2 && magic[0] == 0x1f && magic[1] == 0x8b,
		n == 4 && bytes.Equal(magic[:], []byte{0x28, 0xb5, 0x2f, 0xfd}):
		// Reading in place needs the tar itself: members are served by offset.
		return nil, fmt.Errorf("%s: the archive is compressed; image archives are read in place, so decompress it first (e.g. gunzip)", path)
	}
	t, err := indexTar(path, f)
	if err != nil {
		return nil, err
	}
	switch {
	case t.has("manifest.json"):
		return openDockerArchive(t, o)
	case t.has("index.json"):
		return openOCIArchive(t, o)
	}
	return nil, fmt.Errorf("%s: not an image archive: neither a docker-archive (no manifest.json) nor an OCI image layout (no index.json)", path)
}

// openDockerArchive reads a docker-archive through its manifest.json. go-containerregistry's
// tarball.Image is not used for the layers: it would hash every compressed layer to build a
// manifest, and gzip every uncompressed one (what docker save writes) to read it.
func openDockerArchive(t *tarIndex, o *options) (*Artifact, error) {
	raw, err := t.readAll("manifest.json")
	if err != nil {
		return nil, err
	}
	var m tarball.Manifest
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("%s: manifest.json: %w", t.path, err)
	}
	if len(m) == 0 {
		return nil, fmt.Errorf("%s: manifest.json lists no image", t.path)
	}
	d, err := pickDockerImage(t.path, m, o.tag)
	if err != nil {
		return nil, err
	}
	cfgRaw, err := t.readAll(d.Config)
	if err != nil {
		return nil, fmt.Errorf("%s: image config: %w", t.path, err)
	}
	cfg, err := v1.ParseConfigFile(bytes.NewReader(cfgRaw))
	if err != nil {
		return nil, fmt.Errorf("%s: image config %s: %w", t.path, d.Config, err)
	}
	imageID, _, err := v1.SHA256(bytes.NewReader(cfgRaw))
	if err != nil {
		return nil, err
	}
	if len(cfg.RootFS.DiffIDs) != len(d.Layers) {
		return nil, fmt.Errorf("%s: config lists %d layer diff_ids but manifest.json lists %d layers",
			t.path, len(cfg.RootFS.DiffIDs), len(d.Layers))
	}

	a := &Artifact{
		Info: sdk.Artifact{
			Name:     t.path,
			Type:     sdk.ArtifactImage,
			Digest:   manifestDigestFor(t, imageID),
			ImageID:  imageID.String(),
			Platform: platformString(cfg.Platform()),
		},
		Config: cfg,
		Close:  t.f.Close,
	}
	created := layerHistory(cfg.History, len(d.Layers))
	for i, lp := range d.Layers {
		sr, err := t.open(lp)
		if err != nil {
			return nil, fmt.Errorf("%s: layer %d listed in manifest.json: %w", t.path, i, err)
		}
		diffID := cfg.RootFS.DiffIDs[i]
		info := sdk.Layer{DiffID: diffID.String(), Size: sr.Size(), CreatedBy: created[i]}
		if src, ok := d.LayerSources[diffID]; ok {
			// What the registry served: the compressed digest and size.
			info.Digest, info.Size = src.Digest.String(), src.Size
		} else if h, ok := blobDigest(lp); ok {
			// Docker 25+ stores blobs by digest; legacy "<id>/layer.tar" names say nothing.
			info.Digest = h.String()
		}
		a.Info.Layers = append(a.Info.Layers, info)
		a.Layers = append(a.Layers, &ImageLayer{
			info:  info,
			index: i,
			open: func() (io.ReadCloser, error) {
				// A fresh reader per walk: walks may run at once.
				return sectionCloser{io.NewSectionReader(sr, 0, sr.Size())}, nil
			},
			total: sr.Size(),
			opts:  o,
		})
	}
	return a, nil
}

// pickDockerImage finds the image of a docker-archive to scan.
func pickDockerImage(path string, m tarball.Manifest, tag string) (*tarball.Descriptor, error) {
	if tag == "" {
		if len(m) == 1 {
			return &m[0], nil
		}
		return nil, fmt.Errorf("%s holds %d images (%s); choose one with WithTag", path, len(m), listRepoTags(m))
	}
	want, werr := name.NewTag(tag)
	for i := range m {
		for _, rt := range m[i].RepoTags {
			if rt == tag {
				return &m[i], nil
			}
			if werr != nil {
				continue
			}
			if have, err := name.NewTag(rt); err == nil && have.Name() == want.Name() {
				return &m[i], nil
			}
		}
	}
	return nil, fmt.Errorf("%s: no image tagged %q; images: %s", path, tag, listRepoTags(m))
}

func listRepoTags(m tarball.Manifest) string {
	var out []string
	for _, d := range m {
		if len(d.RepoTags) == 0 {
			out = append(out, "(untagged, config "+d.Config+")")
			continue
		}
		out = append(out, strings.Join(d.RepoTags, " "))
	}
	sort.Strings(out)
	return strings.Join(out, ", ")
}

// blobDigest reads the digest out of a "blobs/<alg>/<hex>" member name.
func blobDigest(member string) (v1.Hash, bool) {
	p, ok := cleanName(member)
	if !ok {
		return v1.Hash{}, false
	}
	parts := strings.Split(p, "/")
	if len(parts) != 3 || parts[0] != "blobs" {
		return v1.Hash{}, false
	}
	h, err := v1.NewHash(parts[1] + ":" + parts[2])
	return h, err == nil
}

func blobPath(h v1.Hash) string { return "blobs/" + h.Algorithm + "/" + h.Hex }

// manifestDigestFor finds, in the index.json that Docker 25+ writes next to manifest.json, the
// manifest whose config is imageID: its digest is what a registry would show. "" when the
// archive does not say.
func manifestDigestFor(t *tarIndex, imageID v1.Hash) string {
	raw, err := t.readAll("index.json")
	if err != nil {
		return ""
	}
	im, err := v1.ParseIndexManifest(bytes.NewReader(raw))
	if err != nil {
		return ""
	}
	var find func(im *v1.IndexManifest, depth int) string
	find = func(im *v1.IndexManifest, depth int) string {
		for _, d := range im.Manifests {
			b, err := t.readAll(blobPath(d.Digest))
			if err != nil {
				continue
			}
			switch {
			case d.MediaType.IsImage():
				if m, err := v1.ParseManifest(bytes.NewReader(b)); err == nil && m.Config.Digest == imageID {
					return d.Digest.String()
				}
			case d.MediaType.IsIndex() && depth < maxIndexDepth:
				if child, err := v1.ParseIndexManifest(bytes.NewReader(b)); err == nil {
					if s := find(child, depth+1); s != "" {
						return s
					}
				}
			}
		}
		return ""
	}
	return find(im, 0)
}
