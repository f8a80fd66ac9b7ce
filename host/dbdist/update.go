package dbdist

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/trawlscan/trawl/host/db"
)

// DefaultMirror is osv.dev's public bucket, which holds <ecosystem>/all.zip for every
// ecosystem it covers.
const DefaultMirror = "https://osv-vulnerabilities.storage.googleapis.com"

// DefaultEcosystems returns the osv.dev ecosystems Update downloads when
// UpdateConfig.Ecosystems is nil: those whose packages trawl's analyzers find and
// host/ecosystem maps to an OSV ecosystem.
//
//	languages  Go, PyPI, npm, Maven, crates.io, RubyGems, NuGet, Packagist, Hex, Pub
//	OS         Alpine, Debian, Ubuntu, Wolfi, Chainguard
//
// The OS zips hold every release (Alpine:v3.20, Debian:12, Ubuntu:22.04 ... are entries of
// Alpine/all.zip and so on; osv.dev no longer exports per-release zips). Add others
// (CRAN, Hackage, SwiftURL, ConanCenter, Red Hat, SUSE ...) through UpdateConfig.Ecosystems.
// It returns a new slice each time, so callers may append to it.
func DefaultEcosystems() []string {
	return []string{
		"Go", "PyPI", "npm", "Maven", "crates.io", "RubyGems", "NuGet", "Packagist", "Hex", "Pub",
		"Alpine", "Debian", "Ubuntu", "Wolfi", "Chainguard",
	}
}

// Defaults of UpdateConfig.
const (
	DefaultTimeout      = 30 * time.Minute
	DefaultStallTimeout = 60 * time.Second
	DefaultRetries      = 3
	DefaultRetryBackoff = time.Second
	DefaultMaxBackoff   = 30 * time.Second
	DefaultMaxBytes     = 2 << 30
	DefaultConcurrency  = 4
)

// ErrOffline is returned by Update when UpdateConfig.Offline is set.
var ErrOffline = errors.New("network access is disabled (offline mode): not updating the vulnerability database; build one with `trawl db import` or pull one from a registry")

// UpdateConfig configures Update. The zero value downloads DefaultEcosystems from
// DefaultMirror with the defaults below.
type UpdateConfig struct {
	// Mirrors are base URLs holding <ecosystem>/all.zip, tried in order for each ecosystem:
	// e.g. an internal mirror first, then osv.dev. Default: [DefaultMirror]. A base URL may
	// carry a query (a signed URL's token): it is sent with every request to that mirror but
	// never logged or reported.
	Mirrors []string
	// Ecosystems are the osv.dev ecosystem names to download. nil means
	// DefaultEcosystems(); an empty non-nil slice means none (only Extra).
	Ecosystems []string
	// Extra are full URLs of further inputs for db.Import, such as Alpine secdb files
	// (https://secdb.alpinelinux.org/v3.20/main.json) or the Debian security tracker's JSON.
	// db.Import tells formats apart by extension, so the URL's path must end in the file's
	// (.json, .yaml, .zip). They have no mirrors; they are retried like the others.
	Extra []string
	// Client makes the requests. Default: a client using http.DefaultTransport (which
	// honours HTTPS_PROXY). Its Timeout, if set, also bounds each request; Update adds
	// its own per-request Timeout and StallTimeout.
	Client *http.Client
	// AllowHTTP permits plain http:// URLs (and redirects to them), for internal mirrors and
	// tests. Default: only https:// is fetched, so that what is imported cannot be altered in
	// transit where the server publishes no checksum.
	AllowHTTP bool
	// Timeout bounds one request (headers and body). Default DefaultTimeout; negative: none.
	Timeout time.Duration
	// StallTimeout aborts a request that receives no bytes for this long, waiting for the
	// response or in the body; a stalled download is retried. Default DefaultStallTimeout;
	// negative: none.
	StallTimeout time.Duration
	// Retries is how many times a download that failed in a way that may pass (network
	// error, 5xx or 429, stall, truncated body) is retried on the same mirror before the next
	// mirror is tried. Default DefaultRetries; negative: no retries. A download refused by
	// an integrity check, a 4xx answer or MaxBytes goes to the next mirror at once.
	Retries int
	// RetryBackoff is the wait before the first retry; it doubles with each retry up to
	// MaxBackoff, and a random part of up to half of it spreads out clients that fail
	// together. A Retry-After header the server sends is honoured up to MaxBackoff.
	// Defaults DefaultRetryBackoff and DefaultMaxBackoff.
	RetryBackoff time.Duration
	MaxBackoff   time.Duration
	// MaxBytes bounds one download. Default DefaultMaxBytes (2 GiB); osv.dev's largest
	// zips are a few hundred MB.
	MaxBytes int64
	// Concurrency is how many sources download at once. Default DefaultConcurrency.
	Concurrency int
	// Logger receives progress (Info) and failed attempts (Warn). URLs in it and in errors
	// are stripped of userinfo and query. Default: discard.
	Logger *slog.Logger
	// Offline makes Update return ErrOffline without any network access.
	Offline bool
	// ImportOptions are passed to db.Import (clock, import logger, batch size).
	ImportOptions []db.ImportOption
}

// UpdateResult reports what Update downloaded and what the import made of it.
type UpdateResult struct {
	// Sources has one entry per ecosystem, then one per Extra URL, in configuration order.
	Sources []SourceResult
	// Summary is db.Import's report: the new DB's Meta and every rejected advisory. nil
	// when the update failed.
	Summary *db.Summary
}

// SourceResult is one downloaded input.
type SourceResult struct {
	// Name is the ecosystem, or the (redacted) URL of an Extra input.
	Name string
	// URL is where it was downloaded from, without userinfo or query; "" if it failed
	// everywhere.
	URL string
	// Mirror is the index in Mirrors of the mirror used, -1 for an Extra input or none.
	Mirror int
	// Bytes is the size of the download.
	Bytes int64
	// Attempts counts requests made for it, over every mirror, the successful one included.
	Attempts int
	// SHA256 is the hex digest of what was downloaded.
	SHA256 string
	// Checks names the integrity checks the download passed: "content-length", "sha256"
	// (the .sha256 sibling), "md5" and "crc32c" (x-goog-hash), "zip", "json".
	Checks []string
	// Failures are the errors of failed attempts, in order.
	Failures []string
}

// source is one input to download: the candidate URLs, in order, and where it goes.
type source struct {
	name string
	urls []string
	// fromMirrors is set for ecosystems, whose urls[i] is on Mirrors[i].
	fromMirrors bool
	file        string
}

// Update downloads the configured sources and rebuilds the DB at dst from them.
//
// dst is replaced only when every source downloaded and passed its checks and db.Import
// succeeded; otherwise it is left as it was, and the temporary directory holding the
// downloads (beside dst, so that nothing crosses file systems) is removed. The result is
// non-nil whenever downloads were attempted, so that a caller can show which source failed
// and why.
func Update(ctx context.Context, dst string, cfg UpdateConfig) (*UpdateResult, error) {
	if cfg.Offline {
		return nil, ErrOffline
	}
	u, err := newUpdater(cfg)
	if err != nil {
		return nil, err
	}
	dir := filepath.Dir(dst)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	removeStaleTemp(dir, filepath.Base(dst), u.log)
	tmp, err := os.MkdirTemp(dir, tempPrefix(filepath.Base(dst)))
	if err != nil {
		return nil, fmt.Errorf("creating a download directory beside %s: %w", dst, err)
	}
	defer os.RemoveAll(tmp)

	sources, err := u.sources(tmp)
	if err != nil {
		return nil, err
	}
	res := &UpdateResult{Sources: make([]SourceResult, len(sources))}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(u.concurrency)
	for i, s := range sources {
		res.Sources[i] = SourceResult{Name: s.name, Mirror: -1}
		g.Go(func() error { return u.fetch(gctx, s, &res.Sources[i]) })
	}
	if err := g.Wait(); err != nil {
		// A source that failed cancels the others; report the cause, not the cancellations.
		if ctx.Err() != nil {
			err = context.Cause(ctx)
		}
		return res, fmt.Errorf("updating the vulnerability database %s (left unchanged): %w", dst, err)
	}
	inputs := make([]string, len(sources))
	names := map[string]string{}
	for i, s := range sources {
		inputs[i] = s.file
		// The DB records where each source came from, not the download directory.
		names[s.file] = Redact(res.Sources[i].URL)
	}
	u.log.Info("importing downloads", "sources", len(inputs), "db", dst)
	sum, err := db.Import(ctx, dst, inputs, append(append([]db.ImportOption{}, u.importOpts...), db.WithSourceNames(names))...)
	if err != nil {
		return res, fmt.Errorf("updating the vulnerability database %s (left unchanged): import: %w", dst, err)
	}
	res.Summary = sum
	u.log.Info("vulnerability database updated", "db", dst, "advisories", sum.Meta.Advisories)
	return res, nil
}

// updater is an UpdateConfig with its defaults applied.
type updater struct {
	client       *http.Client
	mirrors      []string
	ecosystems   []string
	extra        []string
	allowHTTP    bool
	timeout      time.Duration
	stall        time.Duration
	retries      int
	backoff      time.Duration
	maxBackoff   time.Duration
	maxBytes     int64
	concurrency  int
	log          *slog.Logger
	importOpts   []db.ImportOption
	randFraction func() float64
}

func newUpdater(cfg UpdateConfig) (*updater, error) {
	u := &updater{
		mirrors:      cfg.Mirrors,
		ecosystems:   cfg.Ecosystems,
		extra:        cfg.Extra,
		allowHTTP:    cfg.AllowHTTP,
		timeout:      orDefault(cfg.Timeout, DefaultTimeout),
		stall:        orDefault(cfg.StallTimeout, DefaultStallTimeout),
		backoff:      orDefault(cfg.RetryBackoff, DefaultRetryBackoff),
		maxBackoff:   orDefault(cfg.MaxBackoff, DefaultMaxBackoff),
		maxBytes:     cfg.MaxBytes,
		concurrency:  cfg.Concurrency,
		retries:      cfg.Retries,
		log:          cfg.Logger,
		importOpts:   cfg.ImportOptions,
		randFraction: randFraction,
	}
	if len(u.mirrors) == 0 {
		u.mirrors = []string{DefaultMirror}
	}
	if u.ecosystems == nil {
		u.ecosystems = DefaultEcosystems()
	}
	switch {
	case u.retries == 0:
		u.retries = DefaultRetries
	case u.retries < 0:
		u.retries = 0
	}
	if u.maxBytes <= 0 {
		u.maxBytes = DefaultMaxBytes
	}
	if u.concurrency <= 0 {
		u.concurrency = DefaultConcurrency
	}
	if u.log == nil {
		u.log = slog.New(slog.DiscardHandler)
	}
	if len(u.ecosystems) == 0 && len(u.extra) == 0 {
		return nil, errors.New("nothing to download: no ecosystems and no extra URLs")
	}
	for _, m := range u.mirrors {
		if err := u.checkURL(m); err != nil {
			return nil, fmt.Errorf("mirror %w", err)
		}
	}
	for _, e := range u.extra {
		if err := u.checkURL(e); err != nil {
			return nil, fmt.Errorf("extra input %w", err)
		}
	}
	seen := map[string]bool{}
	for _, e := range u.ecosystems {
		// The name becomes a URL path segment and a directory name: keep it to one segment.
		if e == "" || e == "." || e == ".." || strings.ContainsAny(e, `/\?#`) {
			return nil, fmt.Errorf("invalid ecosystem name %q", e)
		}
		if seen[e] {
			return nil, fmt.Errorf("ecosystem %q listed twice", e)
		}
		seen[e] = true
	}

	c := http.Client{}
	if cfg.Client != nil {
		c = *cfg.Client
	}
	next := c.CheckRedirect
	c.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if !u.allowHTTP && req.URL.Scheme != "https" {
			return &refusedError{fmt.Errorf("refusing a redirect to %s: not HTTPS", Redact(req.URL.String()))}
		}
		if next != nil {
			return next(req, via)
		}
		if len(via) >= 10 {
			return errors.New("stopped after 10 redirects")
		}
		return nil
	}
	u.client = &c
	return u, nil
}

// orDefault maps 0 to def and a negative duration to 0 (none).
func orDefault(d, def time.Duration) time.Duration {
	switch {
	case d == 0:
		return def
	case d < 0:
		return 0
	}
	return d
}

func (u *updater) checkURL(raw string) error {
	p, err := url.Parse(raw)
	if err != nil {
		// url.Parse's error quotes the whole URL, token and all.
		return fmt.Errorf("%s: not a valid URL", Redact(raw))
	}
	switch {
	case p.Host == "":
		return fmt.Errorf("%s: not an absolute URL", Redact(raw))
	case p.Scheme == "https":
	case p.Scheme == "http" && u.allowHTTP:
	case p.Scheme == "http":
		return fmt.Errorf("%s: plain HTTP is not allowed (use https, or set AllowHTTP for an internal mirror)", Redact(raw))
	default:
		return fmt.Errorf("%s: unsupported scheme %q", Redact(raw), p.Scheme)
	}
	return nil
}

// sources lists what to download, with a file under tmp for each. The file keeps the
// URL's last path element (all.zip, main.yaml ...), since db.Import goes by extension, and
// the ecosystem's name as its directory, so that the DB's source list stays readable.
func (u *updater) sources(tmp string) ([]source, error) {
	var out []source
	for _, eco := range u.ecosystems {
		s := source{name: eco, fromMirrors: true, file: filepath.Join(tmp, eco, "all.zip")}
		for _, m := range u.mirrors {
			full, err := url.JoinPath(m, eco, "all.zip")
			if err != nil {
				return nil, fmt.Errorf("mirror %s: %w", Redact(m), err)
			}
			s.urls = append(s.urls, full)
		}
		out = append(out, s)
	}
	for i, e := range u.extra {
		p, _ := url.Parse(e) // checked by newUpdater
		base := path.Base(p.Path)
		if base == "/" || base == "." || base == "" {
			base = "input.json"
		}
		out = append(out, source{
			name: Redact(e),
			urls: []string{e},
			file: filepath.Join(tmp, fmt.Sprintf("extra-%d", i+1), base),
		})
	}
	for _, s := range out {
		if err := os.MkdirAll(filepath.Dir(s.file), 0o755); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// fetch downloads s into s.file, trying each URL (mirror) in turn and retrying transient
// failures on each.
func (u *updater) fetch(ctx context.Context, s source, res *SourceResult) error {
	var failures []error
	for i, raw := range s.urls {
		for try := 0; try <= u.retries; try++ {
			if try > 0 {
				if err := sleep(ctx, u.delay(try, failures[len(failures)-1])); err != nil {
					return err
				}
			}
			res.Attempts++
			u.log.Info("downloading", "source", s.name, "url", Redact(raw), "attempt", try+1)
			start := time.Now()
			d, err := u.download(ctx, raw, s.file)
			if err == nil {
				res.URL, res.Bytes, res.SHA256, res.Checks = Redact(raw), d.bytes, d.sha256, d.checks
				if s.fromMirrors {
					res.Mirror = i
				}
				u.log.Info("downloaded", "source", s.name, "url", res.URL, "bytes", d.bytes,
					"duration", time.Since(start).Round(time.Millisecond), "checks", strings.Join(d.checks, ","))
				return nil
			}
			if ctx.Err() != nil {
				// Cancelled from above (the caller, or another source that failed): not this
				// mirror's fault, and nothing more to try.
				return context.Cause(ctx)
			}
			var fe *fetchError
			if !errors.As(err, &fe) {
				// Not about the server (the disk is full, say): another mirror will not help.
				return fmt.Errorf("%s: %w", s.name, err)
			}
			failures = append(failures, err)
			res.Failures = append(res.Failures, err.Error())
			u.log.Warn("download failed", "source", s.name, "attempt", try+1, "error", err.Error())
			if !fe.retry {
				break
			}
		}
	}
	return &SourceError{Source: s.name, Errs: failures}
}

// SourceError is a source that could not be downloaded from any mirror.
type SourceError struct {
	Source string
	// Errs are the failed attempts, in order.
	Errs []error
}

func (e *SourceError) Error() string {
	msgs := make([]string, len(e.Errs))
	for i, err := range e.Errs {
		msgs[i] = err.Error()
	}
	attempts := "attempts"
	if len(e.Errs) == 1 {
		attempts = "attempt"
	}
	return fmt.Sprintf("%s: download failed after %d %s: %s", e.Source, len(e.Errs), attempts, strings.Join(msgs, "; "))
}

func (e *SourceError) Unwrap() []error { return e.Errs }

// tempPrefix is the name prefix of Update's download directories beside the DB.
func tempPrefix(base string) string { return "." + base + ".update-" }

// staleTempAge is how old a leftover download directory must be to be removed: far longer
// than an update runs, so that a concurrent update's directory is never taken.
const staleTempAge = 24 * time.Hour

// removeStaleTemp removes download directories left by an update that was killed before
// it could clean up (they may hold gigabytes).
func removeStaleTemp(dir, base string, log *slog.Logger) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		if !e.IsDir() || !strings.HasPrefix(e.Name(), tempPrefix(base)) {
			continue
		}
		info, err := e.Info()
		if err != nil || time.Since(info.ModTime()) < staleTempAge {
			continue
		}
		p := filepath.Join(dir, e.Name())
		if err := os.RemoveAll(p); err == nil {
			log.Info("removed a stale download directory", "dir", p)
		}
	}
}
