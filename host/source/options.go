package source

import (
	"fmt"
	"log/slog"
	"net/http"

	"github.com/google/go-containerregistry/pkg/authn"
	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// DefaultPlatform is the platform chosen from a multi-platform index when WithPlatform is not
// given and the index holds more than one image.
const DefaultPlatform = "linux/amd64"

// DefaultMaxLayerBytes is the default cap on the uncompressed size of one image layer (32 GiB).
// Real layers stay far below it; a decompression bomb hits it instead of running for hours.
const DefaultMaxLayerBytes int64 = 32 << 30

// Option configures an opener. Every opener takes the same Option type so that Open can pass
// options through; an option that does not concern an opener is ignored by it.
type Option func(*options)

type options struct {
	platform      string // as given; parsed by the opener so that a bad value is an error
	insecure      bool
	transport     http.RoundTripper
	keychain      authn.Keychain
	progress      func(layer int, read, total int64)
	tag           string
	logger        *slog.Logger
	maxLayerBytes int64
}

func makeOptions(opts []Option) *options {
	o := &options{
		keychain:      authn.DefaultKeychain,
		maxLayerBytes: DefaultMaxLayerBytes,
		logger:        slog.New(slog.DiscardHandler),
	}
	for _, opt := range opts {
		opt(o)
	}
	return o
}

// platformSpec parses the requested platform. explicit is false when the user left the choice
// to us; a lone image is then taken whatever its platform.
func (o *options) platformSpec() (spec v1.Platform, explicit bool, err error) {
	s := o.platform
	if s == "" {
		s = DefaultPlatform
	}
	p, err := v1.ParsePlatform(s)
	if err != nil {
		return v1.Platform{}, false, fmt.Errorf("platform %q: %w", s, err)
	}
	if p.OS == "" || p.Architecture == "" {
		return v1.Platform{}, false, fmt.Errorf("platform %q: want os/arch[/variant], e.g. linux/arm64", s)
	}
	return *p, o.platform != "", nil
}

// WithPlatform chooses the image for this platform ("os/arch[/variant]", e.g. "linux/arm64"
// or "linux/arm/v7") from a multi-platform index, in a registry, an OCI layout or an OCI tar.
// Default: DefaultPlatform, used only when the index holds more than one image. When nothing
// in the index matches, the opener fails and lists the platforms the index offers.
func WithPlatform(platform string) Option {
	return func(o *options) { o.platform = platform }
}

// WithInsecure lets Remote talk plain HTTP to the registry (and accept any certificate), as
// name.Insecure does. Loopback registries are always reached over HTTP.
func WithInsecure() Option {
	return func(o *options) { o.insecure = true }
}

// WithTransport sets the HTTP transport Remote uses. Default: remote.DefaultTransport.
func WithTransport(t http.RoundTripper) Option {
	return func(o *options) { o.transport = t }
}

// WithKeychain sets where Remote finds registry credentials. Default: authn.DefaultKeychain,
// which reads the Docker config ($DOCKER_CONFIG/config.json and its credential helpers).
func WithKeychain(k authn.Keychain) Option {
	return func(o *options) { o.keychain = k }
}

// WithProgress sets a hook called as the compressed bytes of image layer number layer
// (bottom first, from 0) are read during Walk: read bytes so far out of total (the compressed
// size, or -1 when unknown). It is called often and from the walking goroutines, so it must be
// cheap and safe for concurrent use. Default: none.
func WithProgress(fn func(layer int, read, total int64)) Option {
	return func(o *options) { o.progress = fn }
}

// WithTag chooses an image by name in an archive or layout that holds several: a RepoTags
// entry of a docker-archive ("alpine:3.20", compared as normalised references), or the
// "org.opencontainers.image.ref.name" / "io.containerd.image.name" annotation of an OCI
// layout. Default: the only image, or an error listing the images when there are several.
func WithTag(tag string) Option {
	return func(o *options) { o.tag = tag }
}

// WithLogger sets where openers and walks report what they skip (unreadable files, entries
// whose names escape the layer root). Default: discard. Credentials are never logged.
func WithLogger(l *slog.Logger) Option {
	return func(o *options) {
		if l != nil {
			o.logger = l
		}
	}
}

// WithMaxLayerBytes caps the uncompressed size of each image layer; a walk that goes past it
// fails with ErrLayerTooLarge. n <= 0 removes the cap. Default: DefaultMaxLayerBytes.
func WithMaxLayerBytes(n int64) Option {
	return func(o *options) { o.maxLayerBytes = n }
}
