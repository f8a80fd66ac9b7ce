package native

import (
	"log/slog"
	"runtime"
	"time"
)

// config holds the options of Launch. The limits are host/wasm's defaults and caps (see
// host/wasm/config.go and sdk/ABI.md, "limits"), so that a manifest's limits mean the same
// for a native plugin, but for memory, which a native process does not get capped.
type config struct {
	callTimeout    time.Duration
	maxCallTimeout time.Duration
	outputBytes    int64
	maxOutputBytes int64
	startTimeout   time.Duration
	chunkSize      int
	concurrency    int
	maxFailures    int
	logger         *slog.Logger
	args           []string
	checksum       []byte
}

func defaultConfig() config {
	return config{
		callTimeout:    30 * time.Second,
		maxCallTimeout: 5 * time.Minute,
		outputBytes:    64 << 20,
		maxOutputBytes: 512 << 20,
		startTimeout:   30 * time.Second,
		chunkSize:      256 << 10,
		concurrency:    runtime.GOMAXPROCS(0),
		maxFailures:    3,
		logger:         slog.New(slog.DiscardHandler),
	}
}

// Option configures Launch.
type Option func(*config)

// WithCallTimeout sets the deadline of one call when the manifest asks for none. Default:
// 30 s, as for a WebAssembly plugin.
func WithCallTimeout(d time.Duration) Option { return func(c *config) { c.callTimeout = d } }

// WithMaxCallTimeout caps the deadline a manifest may ask for. Default: 5 min.
func WithMaxCallTimeout(d time.Duration) Option { return func(c *config) { c.maxCallTimeout = d } }

// WithOutputLimit sets how many bytes one call may return when the manifest asks for no
// limit. Default: 64 MiB.
func WithOutputLimit(n int64) Option { return func(c *config) { c.outputBytes = n } }

// WithMaxOutputLimit caps the output limit a manifest may ask for. Default: 512 MiB.
func WithMaxOutputLimit(n int64) Option { return func(c *config) { c.maxOutputBytes = n } }

// WithStartTimeout bounds how long the executable may take to start and answer the
// handshake. Default: 30 s.
func WithStartTimeout(d time.Duration) Option { return func(c *config) { c.startTimeout = d } }

// WithChunkSize sets the size of the chunks file content streams in. Default: 256 KiB.
func WithChunkSize(n int) Option { return func(c *config) { c.chunkSize = max(n, 4096) } }

// WithConcurrency sets how many calls may run in the plugin at once. Default: GOMAXPROCS.
func WithConcurrency(n int) Option { return func(c *config) { c.concurrency = max(n, 1) } }

// WithMaxFailures sets after how many failed calls a plugin is given no more work.
// Default: 3.
func WithMaxFailures(n int) Option { return func(c *config) { c.maxFailures = max(n, 1) } }

// WithLogger receives go-plugin's log and what the plugin writes to stdout and stderr, at
// debug level. Default: discard.
func WithLogger(l *slog.Logger) Option { return func(c *config) { c.logger = l } }

// WithArgs passes arguments to the executable. The CLI passes none.
func WithArgs(args ...string) Option { return func(c *config) { c.args = args } }

// WithChecksum makes Launch refuse an executable whose SHA-256 is not sum (go-plugin's
// SecureConfig). Default: no check.
func WithChecksum(sum []byte) Option { return func(c *config) { c.checksum = sum } }
