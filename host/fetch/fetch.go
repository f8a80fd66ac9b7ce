// Package fetch gets one document (a centrally managed policy today, other shared
// configuration later) from where a team keeps it: a local file, an HTTPS URL, or an OCI
// artifact in a registry, so that every pipeline applies the same, verifiable version.
//
// Whatever the source, a document is bounded in size (a larger one is refused, never
// truncated), identified by the SHA-256 digest of its bytes, and can be pinned to one: a
// pipeline that pins a digest runs with exactly the reviewed document or fails. Plain
// HTTP is refused unless asked for, as it would let anyone on the path rewrite the policy.
//
// Credentials never appear in what the package returns: the userinfo of a URL (and its
// query, where signed URLs keep their signatures) is removed from errors, Source and
// Resolved.
//
// # OCI artifacts
//
// A document in a registry is an OCI image manifest with exactly one layer of the wanted
// media type (WithMediaType); Push writes one:
//
//	manifest     application/vnd.oci.image.manifest.v1+json
//	artifactType the layer's media type
//	config       application/vnd.trawl.config.v1+json, the 2 bytes "{}"
//	layer        the document, e.g. application/vnd.trawl.policy.v1+yaml,
//	             annotated org.opencontainers.image.title
//
// Other layers may sit beside it (a signature, a README) and are ignored.
package fetch

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/partial"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// Defaults of the options.
const (
	// DefaultMaxSize bounds a document: policies are kilobytes, and a bound keeps a wrong
	// URL (an ISO image, an endless stream) from filling memory.
	DefaultMaxSize = 4 << 20
	// DefaultMediaType is the media type of a trawl policy layer.
	DefaultMediaType = "application/vnd.trawl.policy.v1+yaml"
	// DefaultTimeout is the whole-request timeout of the default HTTP client.
	DefaultTimeout = 30 * time.Second
)

// ConfigMediaType is the config media type of the artifacts Push writes; the config is
// the empty JSON object, as the artifact is described by its artifactType.
const ConfigMediaType = "application/vnd.trawl.config.v1+json"

// AnnotationTitle names the layer's file, where generic tools (oras pull) write it.
const AnnotationTitle = "org.opencontainers.image.title"

// Errors that callers may tell apart with errors.Is. The error returned wraps one of them
// and says more.
var (
	// ErrNotFound: no such file, HTTP 404 or 410, or no such repository, tag or manifest.
	ErrNotFound = errors.New("not found")
	// ErrTooLarge: the document exceeds WithMaxSize.
	ErrTooLarge = errors.New("too large")
	// ErrDigestMismatch: the document's digest is not the one pinned with WithDigest.
	ErrDigestMismatch = errors.New("digest mismatch")
	// ErrMediaType: the OCI artifact has no layer (or several) of the wanted media type.
	ErrMediaType = errors.New("no layer of the wanted media type")
	// ErrInsecure: a plain-HTTP URL or redirect without WithInsecureHTTP(true).
	ErrInsecure = errors.New("plain HTTP refused")
)

// Document is a fetched document.
type Document struct {
	Data []byte
	// Source is the source as given to Get, without credentials.
	Source string
	// Digest is "sha256:<hex>" of Data.
	Digest string
	// Resolved is what was actually fetched: the absolute path of a file, the URL after
	// redirects (without credentials or query), or registry/repository@sha256:<manifest
	// digest> for an OCI artifact, which pins what a tag pointed to at the time.
	Resolved string
}

// Option configures Get.
type Option func(*config)

// config is built afresh by each Get from its options, so an Option is a value that can
// be shared between goroutines and calls.
type config struct {
	maxSize   int64
	client    *http.Client
	mediaType string
	digest    string
	remote    []remote.Option
	insecure  bool
}

// WithMaxSize bounds the document's size in bytes; a larger one is an error wrapping
// ErrTooLarge. Default: DefaultMaxSize (4 MiB); n <= 0 restores it.
func WithMaxSize(n int64) Option { return func(c *config) { c.maxSize = n } }

// WithHTTPClient sets the client for https:// sources; its redirects are still refused
// when they leave HTTPS. Default: a client with a DefaultTimeout (30 s) timeout and Go's
// default transport (environment proxies, system roots); nil restores it.
func WithHTTPClient(client *http.Client) Option { return func(c *config) { c.client = client } }

// WithMediaType sets the media type of the OCI artifact layer to fetch. Default:
// DefaultMediaType ("application/vnd.trawl.policy.v1+yaml"); "" restores it.
func WithMediaType(mediaType string) Option { return func(c *config) { c.mediaType = mediaType } }

// WithDigest pins the document to "sha256:<64 hex digits>": one with another digest is
// refused with an error wrapping ErrDigestMismatch. The digest is of the document's bytes,
// whatever the source (for an OCI artifact, the layer's digest, not the manifest's).
// Default: "", no pin.
func WithDigest(digest string) Option { return func(c *config) { c.digest = digest } }

// WithRemoteOptions adds go-containerregistry options for oci:// sources: credentials
// (remote.WithAuthFromKeychain(authn.DefaultKeychain) reads the Docker config), a
// transport, a user agent. They are applied after the package's own, so a
// remote.WithTransport replaces the transport that refuses plain HTTP. Default: none:
// anonymous access over remote.DefaultTransport.
func WithRemoteOptions(opts ...remote.Option) Option {
	return func(c *config) { c.remote = append(c.remote, opts...) }
}

// WithInsecureHTTP allows plain HTTP: http:// URLs and redirects, and registries over HTTP
// (name.Insecure), for tests and labs. Default: false: https:// only, and a registry is
// reached over HTTPS only, even on loopback or private addresses where go-containerregistry
// would otherwise fall back to HTTP.
func WithInsecureHTTP(insecure bool) Option { return func(c *config) { c.insecure = insecure } }

func newConfig(opts []Option) *config {
	c := &config{}
	for _, o := range opts {
		if o != nil {
			o(c)
		}
	}
	if c.maxSize <= 0 {
		c.maxSize = DefaultMaxSize
	}
	if c.client == nil {
		c.client = &http.Client{Timeout: DefaultTimeout}
	}
	if c.mediaType == "" {
		c.mediaType = DefaultMediaType
	}
	return c
}

// Get fetches the document at source:
//
//   - a local path, or a file:// URL;
//   - an https:// URL (http:// only with WithInsecureHTTP(true));
//   - oci://registry/repository:tag or oci://registry/repository@sha256:..., an OCI
//     artifact (see the package documentation).
//
// Errors name the source (without credentials) and the cause, and wrap ErrNotFound,
// ErrTooLarge, ErrDigestMismatch, ErrMediaType or ErrInsecure where one applies.
func Get(ctx context.Context, source string, opts ...Option) (*Document, error) {
	c := newConfig(opts)
	shown := Redact(source)
	fail := func(err error) (*Document, error) {
		return nil, fmt.Errorf("fetching %s: %w", shown, err)
	}
	var want string
	if c.digest != "" {
		var ok bool
		if want, ok = ParseDigest(c.digest); !ok {
			return fail(fmt.Errorf("pinned digest %q: want sha256:<64 hex digits>", c.digest))
		}
	}
	if err := ctx.Err(); err != nil {
		return fail(context.Cause(ctx))
	}
	var (
		data     []byte
		resolved string
		err      error
	)
	scheme, _, hasScheme := strings.Cut(source, "://")
	switch scheme = strings.ToLower(scheme); {
	case !hasScheme:
		data, resolved, err = c.getFile(source)
	case scheme == "file":
		var p string
		if p, err = filePath(source); err == nil {
			data, resolved, err = c.getFile(p)
		}
	case scheme == "https" || scheme == "http":
		data, resolved, err = c.getHTTP(ctx, source)
	case scheme == "oci":
		data, resolved, err = c.getOCI(ctx, source[len("oci://"):])
	default:
		err = fmt.Errorf("unsupported scheme %q: want a path, file://, https:// or oci://", scheme)
	}
	if err != nil {
		return fail(err)
	}
	sum := sha256.Sum256(data)
	got := "sha256:" + hex.EncodeToString(sum[:])
	if want != "" && got != want {
		return fail(fmt.Errorf("%w: got %s, want %s", ErrDigestMismatch, got, want))
	}
	return &Document{Data: data, Source: shown, Digest: got, Resolved: resolved}, nil
}

// ParseDigest normalises a "sha256:<64 hex>" digest to lower case; false when d is not one.
func ParseDigest(d string) (string, bool) {
	alg, h, ok := strings.Cut(d, ":")
	if !ok || !strings.EqualFold(alg, "sha256") || len(h) != 64 {
		return "", false
	}
	if _, err := hex.DecodeString(h); err != nil {
		return "", false
	}
	return "sha256:" + strings.ToLower(h), true
}

// kindError gives an error a kind for errors.Is (ErrNotFound, ...) without changing its
// message.
type kindError struct {
	kind error
	err  error
}

func (e *kindError) Error() string   { return e.err.Error() }
func (e *kindError) Unwrap() []error { return []error{e.kind, e.err} }

// readAll reads at most max bytes of r and refuses more, reading one byte past the limit
// to tell "exactly max" from "more".
func readAll(r io.Reader, max int64) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > max {
		return nil, tooLarge(max)
	}
	return data, nil
}

func tooLarge(max int64) error {
	return fmt.Errorf("%w: more than %d bytes (WithMaxSize)", ErrTooLarge, max)
}

func filePath(source string) (string, error) {
	u, err := url.Parse(source)
	if err != nil {
		return "", errors.New("invalid file:// URL")
	}
	if u.Host != "" && u.Host != "localhost" {
		return "", fmt.Errorf("file:// URL with host %q: only local files can be read", u.Host)
	}
	p := u.Path
	// file:///C:/policy.yaml names C:\policy.yaml.
	if runtime.GOOS == "windows" && len(p) >= 3 && p[0] == '/' && p[2] == ':' {
		p = p[1:]
	}
	if p == "" {
		return "", errors.New("file:// URL without a path")
	}
	return filepath.FromSlash(p), nil
}

func (c *config) getFile(p string) ([]byte, string, error) {
	f, err := os.Open(p)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, "", &kindError{ErrNotFound, err}
		}
		return nil, "", err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, "", err
	}
	if fi.IsDir() {
		return nil, "", errors.New("is a directory")
	}
	if fi.Mode().IsRegular() && fi.Size() > c.maxSize {
		return nil, "", tooLarge(c.maxSize)
	}
	data, err := readAll(f, c.maxSize)
	if err != nil {
		return nil, "", err
	}
	abs, err := filepath.Abs(p)
	if err != nil {
		abs = p
	}
	return data, abs, nil
}

func (c *config) getHTTP(ctx context.Context, source string) ([]byte, string, error) {
	u, err := url.Parse(source)
	if err != nil || u.Host == "" {
		return nil, "", errors.New("invalid URL")
	}
	if u.Scheme != "https" && !c.insecure {
		return nil, "", fmt.Errorf("%w: use https://, or WithInsecureHTTP(true) for a test or lab server", ErrInsecure)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, "", errors.New("invalid URL")
	}
	req.Header.Set("User-Agent", "trawl")
	resp, err := c.httpClient().Do(req)
	if err != nil {
		return nil, "", httpError(err)
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusOK:
	case resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusGone:
		return nil, "", fmt.Errorf("%w: HTTP %s", ErrNotFound, resp.Status)
	default:
		return nil, "", fmt.Errorf("HTTP %s", resp.Status)
	}
	if resp.ContentLength > c.maxSize {
		return nil, "", tooLarge(c.maxSize)
	}
	data, err := readAll(resp.Body, c.maxSize)
	if err != nil {
		return nil, "", httpError(err)
	}
	return data, Redact(resp.Request.URL.String()), nil
}

// httpClient is the configured client with a redirect policy that keeps HTTPS: a
// redirect to http:// would let the network rewrite a document fetched from an https://
// URL. The client is copied, not changed, as it belongs to the caller.
func (c *config) httpClient() *http.Client {
	cl := *c.client
	next := cl.CheckRedirect
	cl.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if req.URL.Scheme != "https" && !c.insecure {
			return fmt.Errorf("redirected to %s: %w", Redact(req.URL.String()), ErrInsecure)
		}
		if next != nil {
			return next(req, via)
		}
		if len(via) >= 10 {
			return errors.New("stopped after 10 redirects")
		}
		return nil
	}
	return &cl
}

// httpError drops the URL that net/http puts in its errors (it may carry a user name and
// a signed query) and names TLS failures as such.
func httpError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	if isTLS(err) {
		return fmt.Errorf("TLS error: %w", err)
	}
	return err
}

func isTLS(err error) bool {
	var (
		verify   *tls.CertificateVerificationError
		record   tls.RecordHeaderError
		alert    tls.AlertError
		unknown  x509.UnknownAuthorityError
		hostname x509.HostnameError
		invalid  x509.CertificateInvalidError
	)
	return errors.As(err, &verify) || errors.As(err, &record) || errors.As(err, &alert) ||
		errors.As(err, &unknown) || errors.As(err, &hostname) || errors.As(err, &invalid)
}

func (c *config) getOCI(ctx context.Context, ref string) ([]byte, string, error) {
	var nopts []name.Option
	if c.insecure {
		nopts = append(nopts, name.Insecure)
	}
	// go-containerregistry's parse errors echo the reference, which may hold userinfo.
	r, err := name.ParseReference(ref, nopts...)
	if err != nil {
		return nil, "", errors.New("not an OCI reference: want oci://registry/repository:tag or oci://registry/repository@sha256:<digest>")
	}
	ropts := append([]remote.Option{
		remote.WithContext(ctx),
		remote.WithTransport(HTTPSOnly(remote.DefaultTransport, c.insecure, "WithInsecureHTTP(true)")),
		remote.WithUserAgent("trawl"),
	}, c.remote...)

	desc, err := remote.Get(r, ropts...)
	if err != nil {
		return nil, "", registryError(err)
	}
	switch desc.MediaType {
	case types.OCIManifestSchema1, types.DockerManifestSchema2:
	case types.OCIImageIndex, types.DockerManifestList:
		return nil, "", fmt.Errorf("%w: %s is an image index, not an artifact manifest", ErrMediaType, desc.Digest)
	default:
		return nil, "", fmt.Errorf("%w: manifest media type %s, want %s", ErrMediaType, desc.MediaType, types.OCIManifestSchema1)
	}
	m, err := v1.ParseManifest(bytes.NewReader(desc.Manifest))
	if err != nil {
		return nil, "", fmt.Errorf("unreadable manifest %s: %w", desc.Digest, err)
	}
	var found []v1.Descriptor
	var others []string
	for _, l := range m.Layers {
		if string(l.MediaType) == c.mediaType {
			found = append(found, l)
		} else {
			others = append(others, string(l.MediaType))
		}
	}
	switch {
	case len(found) == 0 && len(others) == 0:
		return nil, "", fmt.Errorf("%w: the artifact has no layers, want one of media type %s", ErrMediaType, c.mediaType)
	case len(found) == 0:
		return nil, "", fmt.Errorf("%w: no layer of media type %s (the artifact has %s)", ErrMediaType, c.mediaType, strings.Join(others, ", "))
	case len(found) > 1:
		return nil, "", fmt.Errorf("%w: %d layers of media type %s, want exactly one", ErrMediaType, len(found), c.mediaType)
	}
	layer := found[0]
	if layer.Size > c.maxSize {
		return nil, "", tooLarge(c.maxSize)
	}
	if layer.Digest.Algorithm != "sha256" {
		return nil, "", fmt.Errorf("layer digest algorithm %s is not supported", layer.Digest.Algorithm)
	}
	blob, err := remote.Layer(r.Context().Digest(layer.Digest.String()), ropts...)
	if err != nil {
		return nil, "", registryError(err)
	}
	rc, err := blob.Compressed()
	if err != nil {
		return nil, "", registryError(err)
	}
	defer rc.Close()
	// go-containerregistry checks the digest when the body reaches EOF, which reading up
	// to one byte past the limit does for any blob within it; the checks below hold even
	// if a registry sends a blob that does not match the manifest's size.
	data, err := readAll(rc, c.maxSize)
	if err != nil {
		return nil, "", registryError(err)
	}
	sum := sha256.Sum256(data)
	if got := hex.EncodeToString(sum[:]); got != layer.Digest.Hex || int64(len(data)) != layer.Size {
		return nil, "", fmt.Errorf("%w: layer %s: the registry sent %d bytes of digest sha256:%s", ErrDigestMismatch, layer.Digest, len(data), got)
	}
	return data, r.Context().Digest(desc.Digest.String()).String(), nil
}

// registryError names TLS failures and gives 404s (and the registry's "unknown" codes)
// the ErrNotFound kind.
func registryError(err error) error {
	if isTLS(err) {
		return fmt.Errorf("TLS error: %w", err)
	}
	if RegistryNotFound(err) {
		return &kindError{ErrNotFound, err}
	}
	return err
}

// RegistryNotFound reports whether a registry call failed because what it named does not
// exist: a 404, or the registry's "unknown manifest, name or blob" codes.
func RegistryNotFound(err error) bool {
	var te *transport.Error
	if !errors.As(err, &te) {
		return false
	}
	if te.StatusCode == http.StatusNotFound {
		return true
	}
	for _, d := range te.Errors {
		switch d.Code {
		case transport.ManifestUnknownErrorCode, transport.NameUnknownErrorCode, transport.BlobUnknownErrorCode:
			return true
		}
	}
	return false
}

// HTTPSOnly returns a transport that refuses plain-HTTP requests unless allowHTTP:
// go-containerregistry falls back to HTTP for registries on loopback and private
// addresses, where an attacker on the network could then serve any artifact for a tag.
// The error wraps ErrInsecure and names the option that allows HTTP.
func HTTPSOnly(next http.RoundTripper, allowHTTP bool, option string) http.RoundTripper {
	return &httpsOnly{next: next, allowHTTP: allowHTTP, option: option}
}

type httpsOnly struct {
	next      http.RoundTripper
	allowHTTP bool
	option    string
}

func (t *httpsOnly) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Scheme != "https" && !t.allowHTTP {
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, fmt.Errorf("%w: reaching the registry %s over HTTP needs %s", ErrInsecure, req.URL.Host, t.option)
	}
	return t.next.RoundTrip(req)
}

// Redact returns source without credentials, for messages: the userinfo of a URL or OCI
// reference, and the query and fragment of an http(s) URL, where signed URLs carry their
// signature. Local paths are returned as they are.
func Redact(source string) string {
	scheme, rest, ok := strings.Cut(source, "://")
	if !ok {
		return source
	}
	end := strings.IndexAny(rest, "/?#")
	if end < 0 {
		end = len(rest)
	}
	if at := strings.LastIndex(rest[:end], "@"); at >= 0 {
		rest = rest[at+1:]
	}
	switch strings.ToLower(scheme) {
	case "http", "https":
		if i := strings.IndexAny(rest, "?#"); i >= 0 {
			rest = rest[:i]
		}
	}
	return scheme + "://" + rest
}

// Push publishes data as an OCI artifact at ref ("registry/repository:tag", an optional
// "oci://" prefix allowed) with one layer of mediaType, and returns the manifest's digest
// ("sha256:..."). The artifact is a function of data, mediaType and the repository's name
// alone, so pushing the same document twice gives the same digest. opts are passed to
// remote.Write: credentials, transport. Unlike Get, Push leaves go-containerregistry's
// scheme choice alone (HTTPS, with a fallback to HTTP for loopback and private addresses).
func Push(ctx context.Context, ref string, data []byte, mediaType string, opts ...remote.Option) (string, error) {
	shown := Redact(ref)
	if mediaType == "" {
		return "", fmt.Errorf("pushing %s: no media type", shown)
	}
	if len(ref) >= len("oci://") && strings.EqualFold(ref[:len("oci://")], "oci://") {
		ref = ref[len("oci://"):]
	}
	r, err := name.ParseReference(ref)
	if err != nil {
		return "", fmt.Errorf("pushing %s: not an OCI reference: want registry/repository:tag", shown)
	}
	img, err := newArtifact(data, mediaType, title(r.Context().RepositoryStr(), mediaType))
	if err != nil {
		return "", fmt.Errorf("pushing %s: %w", shown, err)
	}
	if err := remote.Write(r, img, append([]remote.Option{remote.WithContext(ctx)}, opts...)...); err != nil {
		return "", fmt.Errorf("pushing %s: %w", shown, registryError(err))
	}
	d, err := img.Digest()
	if err != nil {
		return "", fmt.Errorf("pushing %s: %w", shown, err)
	}
	return d.String(), nil
}

// title names the layer's file after the repository ("policies/prod" → "prod.yaml"), with
// the extension of the media type's structured-syntax suffix, for tools that save it.
func title(repository, mediaType string) string {
	base := path.Base(repository)
	if i := strings.LastIndexByte(mediaType, '+'); i >= 0 {
		if ext := mediaType[i+1:]; ext != "" && !strings.ContainsAny(ext, "/; ") {
			return base + "." + ext
		}
	}
	return base
}

var emptyConfig = []byte("{}")

// artifact is a v1.Image whose manifest is written here: go-containerregistry's mutate
// package cannot set an image manifest's artifactType, and its config is a full image
// config rather than "{}".
type artifact struct {
	manifest []byte
	layer    v1.Layer
	digest   v1.Hash
}

func newArtifact(data []byte, mediaType, title string) (v1.Image, error) {
	layer := static.NewLayer(data, types.MediaType(mediaType))
	ld, err := layer.Digest()
	if err != nil {
		return nil, err
	}
	cfg := sha256.Sum256(emptyConfig)
	m := v1.Manifest{
		SchemaVersion: 2,
		MediaType:     types.OCIManifestSchema1,
		ArtifactType:  mediaType,
		Config: v1.Descriptor{
			MediaType: ConfigMediaType,
			Size:      int64(len(emptyConfig)),
			Digest:    v1.Hash{Algorithm: "sha256", Hex: hex.EncodeToString(cfg[:])},
		},
		Layers: []v1.Descriptor{{
			MediaType:   types.MediaType(mediaType),
			Size:        int64(len(data)),
			Digest:      ld,
			Annotations: map[string]string{AnnotationTitle: title},
		}},
	}
	raw, err := json.Marshal(m)
	if err != nil {
		return nil, err
	}
	return partial.CompressedToImage(&artifact{manifest: raw, layer: layer, digest: ld})
}

func (a *artifact) RawConfigFile() ([]byte, error)      { return emptyConfig, nil }
func (a *artifact) MediaType() (types.MediaType, error) { return types.OCIManifestSchema1, nil }
func (a *artifact) RawManifest() ([]byte, error)        { return a.manifest, nil }

func (a *artifact) LayerByDigest(h v1.Hash) (partial.CompressedLayer, error) {
	if h == a.digest {
		return a.layer, nil
	}
	return nil, fmt.Errorf("no layer %s in the artifact", h)
}
