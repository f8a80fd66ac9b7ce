package registry

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/trawlscan/trawl/host/fetch"
	"github.com/trawlscan/trawl/registry/sign"
	"github.com/trawlscan/trawl/sdk"
)

// parseRef parses an OCI reference (without "oci://"). go-containerregistry's parse
// errors echo the reference, which may hold credentials, so they are not passed on.
func (c *config) parseRef(ref string) (name.Reference, error) {
	var opts []name.Option
	if c.insecure {
		opts = append(opts, name.Insecure)
	}
	r, err := name.ParseReference(ref, opts...)
	if err != nil {
		return nil, errors.New("not an OCI reference: want oci://registry/repository:tag or oci://registry/repository@sha256:<digest>")
	}
	return r, nil
}

func (c *config) remoteOptions(ctx context.Context) []remote.Option {
	return append([]remote.Option{
		remote.WithContext(ctx),
		remote.WithTransport(fetch.HTTPSOnly(remote.DefaultTransport, c.insecure, "WithInsecure(true) (--insecure)")),
		remote.WithUserAgent("trawl"),
	}, c.remote...)
}

// artifact is a plugin artifact's manifest, checked.
type artifact struct {
	ref      name.Reference
	digest   string // the manifest's
	manifest *v1.Manifest
	wasm     v1.Descriptor
	sig      *v1.Descriptor
}

// resolved is registry/repository@<manifest digest>: what a tag pointed to.
func (a *artifact) resolved() string { return a.ref.Context().Digest(a.digest).String() }

// getArtifact fetches and checks the manifest at ref: an OCI image manifest of the plugin
// artifact type, with exactly one module layer and at most one signature layer.
func (c *config) getArtifact(ctx context.Context, ref string) (*artifact, error) {
	r, err := c.parseRef(ref)
	if err != nil {
		return nil, err
	}
	desc, err := remote.Get(r, c.remoteOptions(ctx)...)
	if err != nil {
		return nil, registryError(err)
	}
	switch desc.MediaType {
	case types.OCIManifestSchema1:
	case types.OCIImageIndex, types.DockerManifestList:
		return nil, fmt.Errorf("%w: %s is an image index, not a plugin artifact", ErrNotPlugin, desc.Digest)
	default:
		return nil, fmt.Errorf("%w: manifest media type %s, want %s", ErrNotPlugin, desc.MediaType, types.OCIManifestSchema1)
	}
	m, err := v1.ParseManifest(bytes.NewReader(desc.Manifest))
	if err != nil {
		return nil, fmt.Errorf("unreadable manifest %s: %w", desc.Digest, err)
	}
	// An OCI 1.0 client may drop artifactType; the config's media type then says what it is.
	if m.ArtifactType != ArtifactType && (m.ArtifactType != "" || string(m.Config.MediaType) != ConfigMediaType) {
		got := m.ArtifactType
		if got == "" {
			got = "none, config " + string(m.Config.MediaType)
		}
		return nil, fmt.Errorf("%w: artifact type %s, want %s", ErrNotPlugin, got, ArtifactType)
	}
	a := &artifact{ref: r, digest: desc.Digest.String(), manifest: m}
	var wasms int
	for i, l := range m.Layers {
		switch string(l.MediaType) {
		case WasmMediaType:
			wasms++
			a.wasm = l
		case SignatureMediaType:
			if a.sig != nil {
				return nil, fmt.Errorf("%w: the artifact has several signature layers", ErrNotPlugin)
			}
			a.sig = &m.Layers[i]
		}
	}
	if wasms != 1 {
		return nil, fmt.Errorf("%w: the artifact has %d layers of media type %s, want exactly one", ErrNotPlugin, wasms, WasmMediaType)
	}
	return a, nil
}

// blob fetches a blob the manifest describes, bounded by max, and checks its digest and
// size against the descriptor: go-containerregistry checks the digest only at EOF, and a
// registry may send other bytes than the manifest says.
func (c *config) blob(ctx context.Context, a *artifact, d v1.Descriptor, max int64) ([]byte, error) {
	if d.Size > max {
		return nil, fmt.Errorf("blob %s of %d bytes: %w", d.Digest, d.Size, tooLarge(max))
	}
	if d.Digest.Algorithm != "sha256" {
		return nil, fmt.Errorf("blob digest algorithm %s is not supported", d.Digest.Algorithm)
	}
	l, err := remote.Layer(a.ref.Context().Digest(d.Digest.String()), c.remoteOptions(ctx)...)
	if err != nil {
		return nil, registryError(err)
	}
	rc, err := l.Compressed()
	if err != nil {
		return nil, registryError(err)
	}
	defer rc.Close()
	// Exactly the size the manifest gives is read, no more: go-containerregistry would
	// check the digest at EOF, but with an error of its own; the check below names both
	// digests and wraps ErrDigestMismatch.
	data := make([]byte, d.Size)
	if _, err := io.ReadFull(rc, data); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || strings.Contains(err.Error(), "error verifying") {
			return nil, fmt.Errorf("%w: blob %s: the registry sent other than the %d bytes its manifest gives: %v", ErrDigestMismatch, d.Digest, d.Size, err)
		}
		return nil, registryError(err)
	}
	sum := sha256.Sum256(data)
	if got := hex.EncodeToString(sum[:]); got != d.Digest.Hex || int64(len(data)) != d.Size {
		return nil, fmt.Errorf("%w: blob %s: the registry sent %d bytes of digest sha256:%s", ErrDigestMismatch, d.Digest, len(data), got)
	}
	return data, nil
}

// getOCI fetches a plugin artifact: the module, its signature if wanted, and the config.
func (c *config) getOCI(ctx context.Context, ref string) (*fetched, error) {
	a, err := c.getArtifact(ctx, ref)
	if err != nil {
		return nil, err
	}
	f := &fetched{resolved: a.resolved(), manifestDigest: a.digest}
	if f.wasm, err = c.blob(ctx, a, a.wasm, c.maxSize); err != nil {
		return nil, err
	}
	if string(a.manifest.Config.MediaType) == ConfigMediaType {
		if f.config, err = c.blob(ctx, a, a.manifest.Config, maxConfigSize); err != nil {
			return nil, fmt.Errorf("config: %w", err)
		}
	}
	if a.sig != nil && c.signature == "" {
		if f.sig, err = c.blob(ctx, a, *a.sig, sign.MaxSize); err != nil {
			return nil, fmt.Errorf("signature layer: %w", err)
		}
		f.sigFrom = "the artifact's signature layer"
	}
	return f, nil
}

// headDigest returns the digest of the manifest ref points to now.
func (c *config) headDigest(ctx context.Context, ref string) (string, error) {
	r, err := c.parseRef(ref)
	if err != nil {
		return "", err
	}
	d, err := remote.Head(r, c.remoteOptions(ctx)...)
	if err != nil {
		return "", registryError(err)
	}
	return d.Digest.String(), nil
}

// Published describes a plugin artifact in a registry, read without its module.
type Published struct {
	// Ref is the reference as given, without credentials.
	Ref string
	// Resolved is registry/repository@<manifest digest>.
	Resolved string
	// Manifest is the plugin manifest of the artifact's config.
	Manifest sdk.Manifest
	// WasmDigest and WasmSize describe the module layer: WasmDigest is what
	// `install --digest` pins.
	WasmDigest string
	WasmSize   int64
	// Signed says whether the artifact has a signature layer (not whether it verifies).
	Signed bool
}

// Inspect reads a plugin artifact's manifest and config, not its module: what a plugin is,
// asks for and weighs before installing it.
func Inspect(ctx context.Context, ref string, opts ...Option) (*Published, error) {
	c := newConfig(nil, opts)
	src, err := parseSource(ref)
	if err != nil {
		return nil, err
	}
	fail := func(err error) (*Published, error) { return nil, fmt.Errorf("inspecting %s: %w", src.shown, err) }
	if src.kind != kindOCI {
		return fail(errors.New("not an OCI reference"))
	}
	if c.offline {
		return fail(fmt.Errorf("%w: a registry is on the network", ErrOffline))
	}
	a, err := c.getArtifact(ctx, src.loc)
	if err != nil {
		return fail(err)
	}
	p := &Published{Ref: src.shown, Resolved: a.resolved(), WasmDigest: a.wasm.Digest.String(), WasmSize: a.wasm.Size, Signed: a.sig != nil}
	if string(a.manifest.Config.MediaType) != ConfigMediaType {
		return fail(fmt.Errorf("%w: config media type %s, want %s", ErrNotPlugin, a.manifest.Config.MediaType, ConfigMediaType))
	}
	cfg, err := c.blob(ctx, a, a.manifest.Config, maxConfigSize)
	if err != nil {
		return fail(fmt.Errorf("config: %w", err))
	}
	if err := json.Unmarshal(cfg, &p.Manifest); err != nil {
		return fail(fmt.Errorf("%w: config is not a manifest: %v", ErrNotPlugin, err))
	}
	if err := p.Manifest.Validate(); err != nil {
		return fail(fmt.Errorf("%w: config manifest: %v", ErrNotPlugin, err))
	}
	return p, nil
}

// registryError gives 404s (and the registry's "unknown" codes) the ErrNotFound kind and
// names TLS failures.
func registryError(err error) error {
	if fetch.RegistryNotFound(err) {
		return &kindError{ErrNotFound, err}
	}
	if strings.Contains(err.Error(), "x509:") || strings.Contains(err.Error(), "tls:") {
		return fmt.Errorf("TLS error: %w", err)
	}
	return err
}

// kindError gives an error a kind for errors.Is without changing its message.
type kindError struct {
	kind error
	err  error
}

func (e *kindError) Error() string   { return e.err.Error() }
func (e *kindError) Unwrap() []error { return []error{e.kind, e.err} }
