package source

import (
	"context"
	"crypto/tls"
	"fmt"
	"net/http"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// userAgent is what registries see in their logs.
const userAgent = "trawl"

// Remote opens the image ref ("alpine:3.20", "ghcr.io/org/app@sha256:...") in its registry.
// Credentials come from the Docker config keychain (WithKeychain to change). When ref names a
// multi-platform index, WithPlatform picks the image (default DefaultPlatform); when nothing
// matches, the error lists the platforms available. Options: WithPlatform, WithInsecure,
// WithTransport, WithKeychain, WithProgress, WithMaxLayerBytes, WithLogger.
//
// ctx bounds the whole life of the artifact: layers are fetched with it when walked, so
// cancelling it also stops walks. Info.Digest is the digest of the image manifest chosen (not
// of the index).
func Remote(ctx context.Context, ref string, opts ...Option) (*Artifact, error) {
	o := makeOptions(opts)
	var nameOpts []name.Option
	if o.insecure {
		nameOpts = append(nameOpts, name.Insecure)
	}
	r, err := name.ParseReference(ref, nameOpts...)
	if err != nil {
		return nil, fmt.Errorf("image reference %q: %w", ref, err)
	}
	ropts := []remote.Option{
		remote.WithContext(ctx),
		remote.WithAuthFromKeychain(o.keychain),
		remote.WithUserAgent(userAgent),
	}
	switch {
	case o.transport != nil:
		ropts = append(ropts, remote.WithTransport(o.transport))
	case o.insecure:
		// An insecure registry usually also means a self-signed certificate.
		if t, ok := remote.DefaultTransport.(*http.Transport); ok {
			t = t.Clone()
			t.TLSClientConfig = &tls.Config{InsecureSkipVerify: true} //nolint:gosec // asked for with WithInsecure
			ropts = append(ropts, remote.WithTransport(t))
		}
	}

	// Errors from remote carry the registry's message and the URL, never credentials.
	desc, err := remote.Get(r, ropts...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", ref, err)
	}
	var (
		img      v1.Image
		platform *v1.Platform
	)
	if desc.MediaType.IsIndex() {
		idx, err := desc.ImageIndex()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", ref, err)
		}
		if img, platform, err = selectImage(ref, idx, o); err != nil {
			return nil, err
		}
	} else if img, err = desc.Image(); err != nil {
		return nil, fmt.Errorf("%s: %w", ref, err)
	}
	return fromImage(ref, img, platform, nil, o)
}
