// Package wasm runs trawl plugins: WebAssembly modules speaking ABI v1 (sdk/ABI.md), each
// sandboxed in its own wazero runtime with a memory cap, a deadline on every call and a cap
// on what it may output. A failing plugin fails alone.
package wasm

import (
	"log/slog"
	"runtime"
	"time"
)

// config is immutable once a Host is built; options return modified copies.
type config struct {
	cacheDir       string
	memoryMiB      int
	maxMemoryMiB   int
	callTimeout    time.Duration
	maxCallTimeout time.Duration
	outputBytes    int64
	maxOutputBytes int64
	logBytes       int
	instances      int
	chunkSize      int
	maxFailures    int
	logger         *slog.Logger
}

func defaultConfig() config {
	return config{
		memoryMiB:      256,
		maxMemoryMiB:   1024,
		callTimeout:    30 * time.Second,
		maxCallTimeout: 5 * time.Minute,
		outputBytes:    64 << 20,
		maxOutputBytes: 512 << 20,
		logBytes:       64 << 10,
		instances:      runtime.GOMAXPROCS(0),
		chunkSize:      256 << 10,
		maxFailures:    3,
		logger:         slog.New(slog.DiscardHandler),
	}
}

// Option configures a Host.
type Option func(*config)

// WithCompilationCache keeps compiled machine code in dir, so that a module is compiled once
// per wazero version and module hash rather than once per process. Default: no cache.
func WithCompilationCache(dir string) Option { return func(c *config) { c.cacheDir = dir } }

// WithMemoryLimit sets the memory a plugin instance gets when its manifest asks for none.
// Default: 256 MiB.
func WithMemoryLimit(mib int) Option { return func(c *config) { c.memoryMiB = mib } }

// WithMaxMemoryLimit caps what a manifest may ask for. Default: 1024 MiB.
func WithMaxMemoryLimit(mib int) Option { return func(c *config) { c.maxMemoryMiB = mib } }

// WithCallTimeout sets the deadline of one call into a plugin when its manifest asks for
// none. Default: 30 s.
func WithCallTimeout(d time.Duration) Option { return func(c *config) { c.callTimeout = d } }

// WithMaxCallTimeout caps the deadline a manifest may ask for. Default: 5 min.
func WithMaxCallTimeout(d time.Duration) Option { return func(c *config) { c.maxCallTimeout = d } }

// WithOutputLimit sets how many bytes one call may output when the manifest asks for no
// limit. Default: 64 MiB.
func WithOutputLimit(n int64) Option { return func(c *config) { c.outputBytes = n } }

// WithMaxOutputLimit caps the output limit a manifest may ask for. Default: 512 MiB.
func WithMaxOutputLimit(n int64) Option { return func(c *config) { c.maxOutputBytes = n } }

// WithLogLimit caps how many bytes of stdout and stderr one instance may send to the log.
// Default: 64 KiB.
func WithLogLimit(n int) Option { return func(c *config) { c.logBytes = n } }

// WithInstances sets how many instances of one plugin may run at once. Default: GOMAXPROCS.
func WithInstances(n int) Option { return func(c *config) { c.instances = max(n, 1) } }

// WithChunkSize sets the size of the chunks file content streams in. Default: 256 KiB.
func WithChunkSize(n int) Option { return func(c *config) { c.chunkSize = max(n, 4096) } }

// WithMaxFailures sets after how many failed calls a plugin is given no more work in a scan.
// Default: 3.
func WithMaxFailures(n int) Option { return func(c *config) { c.maxFailures = max(n, 1) } }

// WithLogger receives plugin stdout and stderr, and instance lifecycle events. Default:
// discard.
func WithLogger(l *slog.Logger) Option { return func(c *config) { c.logger = l } }
