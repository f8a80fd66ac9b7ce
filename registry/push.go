package registry

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/partial"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/trawlscan/trawl/host/fetch"
	"github.com/trawlscan/trawl/registry/sign"
	"github.com/trawlscan/trawl/sdk"
	"github.com/trawlscan/trawl/sdk/pack"
)

// Pushed is what Push published.
type Pushed struct {
	// Ref is the reference as given, without credentials.
	Ref string
	// Digest is the manifest's digest, and Resolved registry/repository@Digest: what to
	// install for exactly this artifact.
	Digest   string
	Resolved string
	// WasmDigest is the module's digest, what `install --digest` pins.
	WasmDigest string
	Manifest   sdk.Manifest
	// Signature is the published signature, nil when none.
	Signature *sign.Signature
}

// Push publishes the plugin module in wasmFile (its manifest packed in, as trawl-pack
// writes it) at ref ("registry/repository:tag", "oci://" allowed) as the plugin artifact
// (package documentation), with a signature layer when WithSigner or WithSignature gives
// one. A signature that is not over this module is refused rather than published. The
// artifact is a function of the module, the signature and the manifest alone (no
// timestamps), so pushing the same plugin twice gives the same manifest digest.
//
// Options used: WithSigner, WithSignature, WithKeys (a WithSignature document is then
// verified too), WithRemoteOptions, WithInsecure, WithMaxSize, WithOffline.
func Push(ctx context.Context, wasmFile, ref string, opts ...Option) (*Pushed, error) {
	c := newConfig(nil, opts)
	shown := fetch.Redact(ref)
	if len(ref) >= len("oci://") && strings.EqualFold(ref[:len("oci://")], "oci://") {
		ref = ref[len("oci://"):]
	}
	fail := func(err error) (*Pushed, error) { return nil, fmt.Errorf("pushing %s to %s: %w", wasmFile, shown, err) }
	if c.offline {
		return fail(fmt.Errorf("%w: a registry is on the network", ErrOffline))
	}
	fi, err := os.Stat(wasmFile)
	if err != nil {
		return fail(err)
	}
	if fi.Size() > c.maxSize {
		return fail(tooLarge(c.maxSize))
	}
	wasm, err := os.ReadFile(wasmFile)
	if err != nil {
		return fail(err)
	}
	m, err := pack.Manifest(wasm)
	if err != nil {
		return fail(fmt.Errorf("%w: %v (pack it with trawl-pack first)", ErrNotPlugin, err))
	}
	p := &Pushed{Ref: shown, WasmDigest: digestOf(wasm), Manifest: *m}

	var sigDoc []byte
	switch {
	case c.signer != nil:
		s, err := sign.Sign(c.signer, p.WasmDigest)
		if err != nil {
			return fail(err)
		}
		p.Signature, sigDoc = s, s.Marshal()
	case c.signature != "":
		d, err := fetch.Get(ctx, c.signature, c.fetchOptions(sign.MaxSize)...)
		if err != nil {
			return fail(fmt.Errorf("signature: %w", err))
		}
		s, err := sign.Parse(d.Data)
		if err != nil {
			return fail(fmt.Errorf("signature %s: %w", d.Source, err))
		}
		if len(c.keys) > 0 {
			if _, err := sign.Verify(s, p.WasmDigest, c.keys); err != nil {
				return fail(fmt.Errorf("signature %s: %w", d.Source, err))
			}
		} else if got, _ := fetch.ParseDigest(s.Digest); got != p.WasmDigest {
			return fail(fmt.Errorf("signature %s: %w: it signs %s, the module is %s", d.Source, sign.ErrWrongDigest, s.Digest, p.WasmDigest))
		}
		p.Signature, sigDoc = s, d.Data
	}

	img, err := newArtifact(wasm, m, sigDoc, path.Base(m.Name))
	if err != nil {
		return fail(err)
	}
	r, err := c.parseRef(ref)
	if err != nil {
		return fail(err)
	}
	if err := remote.Write(r, img, c.remoteOptions(ctx)...); err != nil {
		return fail(registryError(err))
	}
	dg, err := img.Digest()
	if err != nil {
		return fail(err)
	}
	p.Digest = dg.String()
	p.Resolved = r.Context().Digest(p.Digest).String()
	return p, nil
}

// image is a v1.Image whose manifest is written here: go-containerregistry's mutate
// package cannot set artifactType, and its config would be an image config.
type image struct {
	manifest []byte
	config   []byte
	layers   map[v1.Hash]v1.Layer
}

// newArtifact builds the plugin artifact: config = manifest JSON, the module layer, and
// the signature layer when sig is not nil.
func newArtifact(wasm []byte, m *sdk.Manifest, sig []byte, name string) (v1.Image, error) {
	cfg, err := json.Marshal(m)
	if err != nil {
		return nil, err
	}
	img := &image{config: cfg, layers: map[v1.Hash]v1.Layer{}}
	desc := func(data []byte, mediaType, title string) (v1.Descriptor, error) {
		l := static.NewLayer(data, types.MediaType(mediaType))
		h, err := l.Digest()
		if err != nil {
			return v1.Descriptor{}, err
		}
		img.layers[h] = l
		d := v1.Descriptor{MediaType: types.MediaType(mediaType), Size: int64(len(data)), Digest: h}
		if title != "" {
			d.Annotations = map[string]string{AnnotationTitle: title}
		}
		return d, nil
	}
	cfgDesc, err := desc(cfg, ConfigMediaType, "")
	if err != nil {
		return nil, err
	}
	delete(img.layers, cfgDesc.Digest) // the config is uploaded as the config, not a layer
	wasmDesc, err := desc(wasm, WasmMediaType, name+".wasm")
	if err != nil {
		return nil, err
	}
	mf := v1.Manifest{
		SchemaVersion: 2,
		MediaType:     types.OCIManifestSchema1,
		ArtifactType:  ArtifactType,
		Config:        cfgDesc,
		Layers:        []v1.Descriptor{wasmDesc},
		Annotations: map[string]string{
			AnnotationName:    m.Name,
			AnnotationVersion: m.Version,
			AnnotationKind:    m.Kind,
			AnnotationABI:     m.ABI,
		},
	}
	if m.Description != "" {
		mf.Annotations[AnnotationDescription] = m.Description
	}
	if sig != nil {
		sigDesc, err := desc(sig, SignatureMediaType, name+".wasm.sig")
		if err != nil {
			return nil, err
		}
		mf.Layers = append(mf.Layers, sigDesc)
	}
	if img.manifest, err = json.Marshal(mf); err != nil {
		return nil, err
	}
	return partial.CompressedToImage(img)
}

func (a *image) RawConfigFile() ([]byte, error)      { return a.config, nil }
func (a *image) MediaType() (types.MediaType, error) { return types.OCIManifestSchema1, nil }
func (a *image) RawManifest() ([]byte, error)        { return a.manifest, nil }

func (a *image) LayerByDigest(h v1.Hash) (partial.CompressedLayer, error) {
	if l, ok := a.layers[h]; ok {
		return l, nil
	}
	return nil, errors.New("no layer " + h.String() + " in the artifact")
}
