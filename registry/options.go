package registry

import (
	"crypto/ed25519"
	"errors"
	"net/http"
	"time"

	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/trawlscan/trawl/host/fetch"
	"github.com/trawlscan/trawl/host/wasm"
)

// DefaultMaxSize bounds a module: trawl's own are 3 to 5 MB, and the bound keeps a wrong
// URL or a hostile registry from filling memory.
const DefaultMaxSize = 64 << 20

// maxConfigSize bounds an OCI config blob, which holds the manifest JSON; the manifest
// section itself is bounded at 1 MiB by sdk/pack.
const maxConfigSize = 1 << 20

// Errors that callers may tell apart with errors.Is; the error returned wraps one and
// names the plugin, the source and the cause. An ABI mismatch is a *wasm.ABIError
// (errors.As), and signature failures wrap the errors of package sign.
var (
	// ErrDigestMismatch: a module's digest is not the one pinned (WithDigest), locked, or
	// given by the registry's manifest. It is fetch.ErrDigestMismatch.
	ErrDigestMismatch = fetch.ErrDigestMismatch
	// ErrNotFound: no such file, URL, repository, tag or manifest. It is fetch.ErrNotFound.
	ErrNotFound = fetch.ErrNotFound
	// ErrNotPlugin: the source holds no trawl plugin (not a module, no manifest, an OCI
	// artifact of another type, an archive without exactly one module).
	ErrNotPlugin = errors.New("not a trawl plugin")
	// ErrUnsigned: WithRequireSignature, and the plugin has no signature verified by a
	// trusted key.
	ErrUnsigned = errors.New("no verified signature")
	// ErrRefused: the plugin is well formed but may not be installed here (its name is
	// taken by a built-in plugin, or is not the one expected).
	ErrRefused = errors.New("refused")
	// ErrNotInstalled: no installed plugin has that name.
	ErrNotInstalled = errors.New("not installed")
	// ErrTagChanged: an OCI tag recorded in the lock file now points to another manifest
	// (InstallLocked with TagCheckFail).
	ErrTagChanged = errors.New("tag changed")
	// ErrOffline: the source needs the network and WithOffline(true) forbids it.
	ErrOffline = errors.New("offline")
	// ErrLockFile: the lock file cannot be read or is not one this trawl understands.
	ErrLockFile = errors.New("lock file")
)

// TagCheck says what InstallLocked does when an OCI tag recorded in the lock file now
// points to another manifest than the one locked.
type TagCheck int

const (
	// TagCheckWarn installs the locked digest and adds a warning to the result (default):
	// the install is reproducible, and the change is reported for a person to review.
	TagCheckWarn TagCheck = iota
	// TagCheckFail refuses the install with ErrTagChanged: for pipelines that must notice
	// a tag moved under them (a republished release, a compromised registry account).
	TagCheckFail
	// TagCheckIgnore does not look at the tag: no network beyond what fetching needs.
	TagCheckIgnore
)

// Option configures a Dir (Open) or one call; a call's options apply after the Dir's.
type Option func(*config)

// config is built afresh for each call from the Dir's options and the call's, so an
// Option is a value that can be shared between goroutines and calls.
type config struct {
	host       *wasm.Host
	noCompile  bool
	client     *http.Client
	remote     []remote.Option
	insecure   bool
	offline    bool
	maxSize    int64
	digest     string
	keys       []ed25519.PublicKey
	requireSig bool
	name       string
	signature  string
	reserved   []string
	tagCheck   TagCheck
	now        func() time.Time
	signer     ed25519.PrivateKey
}

// WithHost sets the wasm host whose limits caps apply to installed plugins and into whose
// compilation cache Install compiles them: pass the host scans use (same cache directory),
// so the first scan after an install compiles nothing. Default: a host with wasm's default
// caps and no compilation cache, made and closed by each call.
func WithHost(h *wasm.Host) Option { return func(c *config) { c.host = h } }

// WithCompile says whether Install compiles the module (which also checks that it exports
// what its kind requires) before recording it. Default: true.
func WithCompile(compile bool) Option { return func(c *config) { c.noCompile = !compile } }

// WithHTTPClient sets the client for https:// sources. Default: fetch's (a 30 s timeout,
// environment proxies, system roots).
func WithHTTPClient(client *http.Client) Option { return func(c *config) { c.client = client } }

// WithRemoteOptions adds go-containerregistry options for OCI sources and Push:
// credentials (remote.WithAuthFromKeychain(authn.DefaultKeychain) reads the Docker
// config), a user agent. They apply after the package's own, so a remote.WithTransport
// replaces the transport that refuses plain HTTP. Default: anonymous.
func WithRemoteOptions(opts ...remote.Option) Option {
	return func(c *config) { c.remote = append(c.remote, opts...) }
}

// WithInsecure allows plain HTTP: http:// URLs, and registries over HTTP (for a test or lab
// registry). Default: false: https:// only, and a registry only over HTTPS, even on
// loopback where go-containerregistry would fall back to HTTP and a tag could be rewritten
// on the way.
func WithInsecure(insecure bool) Option { return func(c *config) { c.insecure = insecure } }

// WithOffline refuses sources that need the network (ErrOffline); InstallLocked then
// installs from the modules already in the directory and skips tag checks. Default: false.
func WithOffline(offline bool) Option { return func(c *config) { c.offline = offline } }

// WithMaxSize bounds a module's size in bytes (and an archive's, compressed and not).
// Default: DefaultMaxSize (64 MiB); n <= 0 restores it.
func WithMaxSize(n int64) Option { return func(c *config) { c.maxSize = n } }

// WithDigest pins the module to "sha256:<hex>" (the digest of the .wasm, whatever the
// source: not an archive's or an OCI manifest's digest); a module with another digest is
// refused with ErrDigestMismatch, and the pin is recorded, so Upgrade leaves the plugin
// alone. Default: "", no pin.
func WithDigest(digest string) Option { return func(c *config) { c.digest = digest } }

// WithKeys sets the public keys trusted to sign plugins: a signature found with a module
// is verified against them, and a plugin whose signature names another key, or does not
// verify, is refused. Default: none: signatures are not checked (nor recorded).
func WithKeys(keys ...ed25519.PublicKey) Option {
	return func(c *config) { c.keys = append(c.keys, keys...) }
}

// WithRequireSignature refuses a plugin without a signature verified by a WithKeys key
// (ErrUnsigned). Default: false.
func WithRequireSignature(require bool) Option { return func(c *config) { c.requireSig = require } }

// WithName refuses a module whose manifest names another plugin (ErrRefused): a guard
// against a source that serves something other than what was meant. Default: "", any.
func WithName(name string) Option { return func(c *config) { c.name = name } }

// WithSignature names where the module's detached signature is (a path or https:// URL).
// Install reads it instead of looking beside the module (<file>.sig, <url>.sig, a .sig in
// the archive, the artifact's signature layer); Push publishes it. Default: "".
func WithSignature(source string) Option { return func(c *config) { c.signature = source } }

// WithReservedNames refuses plugins with these names (ErrRefused): the built-in plugins'
// names, which an installed plugin could never be loaded under. Default: none.
func WithReservedNames(names ...string) Option {
	return func(c *config) { c.reserved = append(c.reserved, names...) }
}

// WithTagCheck sets what InstallLocked does when a locked OCI tag moved. Default:
// TagCheckWarn.
func WithTagCheck(t TagCheck) Option { return func(c *config) { c.tagCheck = t } }

// WithClock sets the clock of installed_at. Default: time.Now.
func WithClock(now func() time.Time) Option { return func(c *config) { c.now = now } }

// WithSigner makes Push sign the module with this key and publish the signature layer.
// Default: none.
func WithSigner(priv ed25519.PrivateKey) Option { return func(c *config) { c.signer = priv } }

func newConfig(base, opts []Option) *config {
	c := &config{}
	for _, o := range base {
		if o != nil {
			o(c)
		}
	}
	for _, o := range opts {
		if o != nil {
			o(c)
		}
	}
	if c.maxSize <= 0 {
		c.maxSize = DefaultMaxSize
	}
	if c.now == nil {
		c.now = time.Now
	}
	return c
}

// fetchOptions are the options of host/fetch for files and URLs.
func (c *config) fetchOptions(max int64) []fetch.Option {
	return []fetch.Option{fetch.WithMaxSize(max), fetch.WithHTTPClient(c.client), fetch.WithInsecureHTTP(c.insecure)}
}
