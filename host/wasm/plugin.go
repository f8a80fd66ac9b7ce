package wasm

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"

	"github.com/trawlscan/trawl/sdk"
	"github.com/trawlscan/trawl/sdk/pack"
)

// Host loads plugins. It is safe for concurrent use.
type Host struct {
	cfg   config
	cache wazero.CompilationCache
}

// newCacheMu serialises wazero.NewCompilationCacheWithDir: it sets wazero's version string,
// a package variable, without synchronisation, which two hosts made at once (tests that
// run scans in parallel) race on.
var newCacheMu sync.Mutex

// NewHost returns a Host configured by opts.
func NewHost(opts ...Option) (*Host, error) {
	cfg := defaultConfig()
	for _, o := range opts {
		o(&cfg)
	}
	h := &Host{cfg: cfg}
	if cfg.cacheDir != "" {
		newCacheMu.Lock()
		c, err := wazero.NewCompilationCacheWithDir(cfg.cacheDir)
		newCacheMu.Unlock()
		if err != nil {
			return nil, fmt.Errorf("compilation cache %s: %w", cfg.cacheDir, err)
		}
		h.cache = c
	}
	return h, nil
}

// Close releases the compilation cache. Plugins must be closed first.
func (h *Host) Close(ctx context.Context) error {
	if h.cache != nil {
		return h.cache.Close(ctx)
	}
	return nil
}

// ABIError is returned for a plugin that speaks another ABI major than the host.
type ABIError struct {
	Plugin    string
	PluginABI string
}

func (e *ABIError) Error() string {
	return fmt.Sprintf("plugin %s speaks ABI %s, this trawl speaks ABI %d.%d: the majors differ, so it cannot be loaded (rebuild it with a matching sdk)",
		e.Plugin, e.PluginABI, sdk.ABIMajor, sdk.ABIMinor)
}

// Plugin is a loaded, not yet compiled, plugin module. Compilation happens on first use.
type Plugin struct {
	Manifest sdk.Manifest
	// Origin says where the plugin came from ("builtin", a file path, a reference).
	Origin string

	host   *Host
	limits effectiveLimits

	// read returns the module's bytes; readModule calls it once, for compile or Digest,
	// and keeps them (only compile reads them) until compiled.
	read     func() ([]byte, error)
	readOnce sync.Once
	wasm     []byte
	digest   string
	readErr  error

	compileOnce sync.Once
	compileErr  error
	runtime     wazero.Runtime
	compiled    wazero.CompiledModule
	compileTime time.Duration

	slots chan struct{} // one token per instance that may exist
	idle  chan *instance

	// trusted: built into trawl (Trusted). abandoned counts its calls left running past
	// their deadline (instance.invoke) that have not ended yet.
	trusted   bool
	abandoned atomic.Int32

	mu       sync.Mutex
	failures int
	firstErr error
	closed   bool
	broken   bool // failed to compile: no call can succeed
	// busy counts the instances being started or in a call; Close waits on ended until
	// none is (closing the runtime under a guest crashes the process).
	busy  int
	ended sync.Cond
}

type effectiveLimits struct {
	memoryPages uint32
	memoryMiB   int
	timeout     time.Duration
	output      int64
}

// LoadOption configures one plugin.
type LoadOption func(*Plugin)

// Trusted marks a module built into trawl itself (the first-party plugins, embedded in the
// binary), whose code is as trusted as the host's. It runs in the same sandbox, with the
// same memory cap and deadlines, but its runtime is compiled without the checks that let a
// deadline interrupt the guest's code: they cost an exit test at every loop and call, and
// made the built-in plugins 3 to 5 times slower. A call of a trusted plugin that outlives
// its deadline is abandoned rather than interrupted: it fails with the deadline's error as
// any other, and the instance it runs in is closed when (if ever) it ends, never reused.
// The runtime is then left open at Close, since closing it would pull the memory from
// under the running guest. (Instantiation, the Go runtime's start-up, which reads no input,
// is not abandoned.) A hostile input that loops a built-in parser thus costs a core until
// the process ends, at most WithMaxFailures times, and the scan goes on without it. Default:
// untrusted, interrupted at the deadline, which is what every plugin installed or given on
// the command line gets.
func Trusted() LoadOption { return func(p *Plugin) { p.trusted = true } }

// Load reads the manifest of a module and checks it. It does not compile the module.
func (h *Host) Load(wasm []byte, origin string, opts ...LoadOption) (*Plugin, error) {
	m, err := pack.Manifest(wasm)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", origin, err)
	}
	return h.LoadLazy(m, func() ([]byte, error) { return wasm, nil }, origin, opts...)
}

// LoadLazy is Load for a module whose manifest m was read apart from it (pack.ReadManifest):
// read returns the module's bytes, and is called once, when the plugin is first compiled or
// its digest asked for. It must return the module m was read from.
func (h *Host) LoadLazy(m *sdk.Manifest, read func() ([]byte, error), origin string, opts ...LoadOption) (*Plugin, error) {
	major, _, _ := sdk.ParseABI(m.ABI)
	if major != sdk.ABIMajor {
		return nil, &ABIError{Plugin: m.Name, PluginABI: m.ABI}
	}
	p := &Plugin{
		Manifest: *m,
		Origin:   origin,
		host:     h,
		read:     read,
		limits:   h.limitsFor(m.Limits),
		slots:    make(chan struct{}, h.cfg.instances),
		idle:     make(chan *instance, h.cfg.instances),
	}
	p.ended.L = &p.mu
	for _, o := range opts {
		o(p)
	}
	return p, nil
}

func (h *Host) limitsFor(want sdk.Limits) effectiveLimits {
	c := h.cfg
	mem := c.memoryMiB
	if want.MemoryMiB > 0 {
		mem = want.MemoryMiB
	}
	mem = min(mem, c.maxMemoryMiB)
	timeout := c.callTimeout
	if want.TimeoutMS > 0 {
		timeout = time.Duration(want.TimeoutMS) * time.Millisecond
	}
	timeout = min(timeout, c.maxCallTimeout)
	out := c.outputBytes
	if want.OutputBytes > 0 {
		out = want.OutputBytes
	}
	out = min(out, c.maxOutputBytes)
	return effectiveLimits{
		memoryPages: uint32(mem) * 16, // 64 KiB pages
		memoryMiB:   mem,
		timeout:     timeout,
		output:      out,
	}
}

// readModule reads the module's bytes and their digest; readOnce calls it.
func (p *Plugin) readModule() {
	p.wasm, p.readErr = p.read()
	if p.readErr == nil {
		sum := sha256.Sum256(p.wasm)
		p.digest = "sha256:" + hex.EncodeToString(sum[:])
	}
	p.read = nil
}

// Digest is "sha256:" and the hex digest of the module's bytes, or "" when they could not
// be read.
func (p *Plugin) Digest() string {
	p.readOnce.Do(p.readModule)
	return p.digest
}

// MemoryLimitMiB is the memory cap each instance of the plugin runs under.
func (p *Plugin) MemoryLimitMiB() int { return p.limits.memoryMiB }

// CallTimeout is the deadline of each call into the plugin.
func (p *Plugin) CallTimeout() time.Duration { return p.limits.timeout }

// Prepare compiles the module and starts an instance of it, kept for the next call: the
// first call of a formatter then waits for neither, nor does it pay for the guest's start
// (tens of milliseconds for a Go module). An error is the one that call would get.
func (p *Plugin) Prepare(ctx context.Context) error {
	in, err := p.acquire(ctx)
	if err != nil {
		return err
	}
	p.release(in, true)
	return nil
}

// Compile compiles the module if it was not yet, and reports how long that took.
func (p *Plugin) Compile(ctx context.Context) (time.Duration, error) {
	p.compileOnce.Do(func() {
		p.compileErr = p.compile(ctx)
		if p.compileErr != nil {
			p.mu.Lock()
			p.broken = true
			p.mu.Unlock()
		}
	})
	return p.compileTime, p.compileErr
}

var requiredExports = map[string][]string{
	sdk.KindAnalyzer:  {"trawl_abi_version", "trawl_malloc", "trawl_free", "trawl_analyze_begin", "trawl_analyze_chunk", "trawl_analyze_end"},
	sdk.KindFormatter: {"trawl_abi_version", "trawl_malloc", "trawl_free", "trawl_format_begin", "trawl_format_chunk", "trawl_format_end"},
}

// confirmExport is the export of a module whose secrets analyzers confirm candidates
// (ABI 1.1).
const confirmExport = "trawl_confirm_secrets"

// confirms reports whether the manifest has an analyzer that confirms secrets.
func (p *Plugin) confirms() bool {
	for _, a := range p.Manifest.Analyzers {
		if a.Confirm {
			return true
		}
	}
	return false
}

func (p *Plugin) compile(ctx context.Context) error {
	start := time.Now()
	rc := wazero.NewRuntimeConfigCompiler().
		WithMemoryLimitPages(p.limits.memoryPages).
		WithCloseOnContextDone(!p.trusted)
	if p.host.cache != nil {
		rc = rc.WithCompilationCache(p.host.cache)
	}
	rt := wazero.NewRuntimeWithConfig(ctx, rc)
	if _, err := wasi_snapshot_preview1.Instantiate(ctx, rt); err != nil {
		rt.Close(ctx)
		return fmt.Errorf("wasi: %w", err)
	}
	if _, err := rt.NewHostModuleBuilder("trawl").
		NewFunctionBuilder().WithGoModuleFunction(api.GoModuleFunc(hostOutput),
		[]api.ValueType{api.ValueTypeI32, api.ValueTypeI32}, []api.ValueType{api.ValueTypeI32}).
		Export("output").
		Instantiate(ctx); err != nil {
		rt.Close(ctx)
		return fmt.Errorf("host module: %w", err)
	}
	p.readOnce.Do(p.readModule)
	wasm := p.wasm
	if p.readErr != nil {
		rt.Close(ctx)
		return fmt.Errorf("read: %w", p.readErr)
	}
	// Compiling is the dearest step of a cold scan: spread one module over every core.
	cm, err := rt.CompileModule(experimental.WithCompilationWorkers(ctx, runtime.GOMAXPROCS(0)), wasm)
	if err != nil {
		rt.Close(ctx)
		return fmt.Errorf("compile: %w", err)
	}
	exports := cm.ExportedFunctions()
	for _, name := range requiredExports[p.Manifest.Kind] {
		if _, ok := exports[name]; !ok {
			rt.Close(ctx)
			return fmt.Errorf("module does not export %s, which ABI %d requires of a%s %s plugin", name, sdk.ABIMajor, article(p.Manifest.Kind), p.Manifest.Kind)
		}
	}
	if _, ok := exports[confirmExport]; p.confirms() && !ok {
		rt.Close(ctx)
		return fmt.Errorf("module does not export %s, which its manifest's confirm requires (ABI 1.1)", confirmExport)
	}
	p.runtime, p.compiled = rt, cm
	p.compileTime = time.Since(start)
	p.wasm = nil // compiled: the digest is all that is still needed of it
	return nil
}

func article(kind string) string {
	if kind == sdk.KindAnalyzer {
		return "n"
	}
	return ""
}

// errClosed is the error of a call made once the plugin is closed.
var errClosed = errors.New("plugin closed")

// acquire returns an idle instance or starts a new one, waiting while all are busy.
func (p *Plugin) acquire(ctx context.Context) (*instance, error) {
	if _, err := p.Compile(ctx); err != nil {
		return nil, err
	}
	select {
	case in := <-p.idle:
		return p.use(in)
	default:
	}
	select {
	case in := <-p.idle:
		return p.use(in)
	case p.slots <- struct{}{}:
		if _, err := p.use(nil); err != nil {
			<-p.slots
			return nil, err
		}
		in, err := p.instantiate(ctx)
		if err != nil {
			p.done()
			<-p.slots
			return nil, err
		}
		return in, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// use counts in (nil: one about to be started) as busy, unless the plugin is closed.
func (p *Plugin) use(in *instance) (*instance, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		if in != nil {
			in.close()
			<-p.slots
		}
		return nil, errClosed
	}
	p.busy++
	return in, nil
}

// done counts one instance less as busy.
func (p *Plugin) done() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.doneLocked()
}

// doneLocked is done with p.mu held.
func (p *Plugin) doneLocked() {
	if p.busy--; p.busy == 0 {
		p.ended.Broadcast()
	}
}

// release returns a healthy instance to the pool; a broken one is closed and forgotten.
func (p *Plugin) release(in *instance, healthy bool) {
	p.mu.Lock()
	if healthy && !p.closed {
		p.idle <- in // never blocks: slots bound the instances
		p.doneLocked()
		p.mu.Unlock()
		return
	}
	p.mu.Unlock()
	defer p.done()
	if in.running != nil {
		// An abandoned call still runs in it: close it, and free its slot, once it ends.
		go func() {
			<-in.running
			in.close()
			p.abandoned.Add(-1)
			<-p.slots
		}()
		return
	}
	in.close()
	<-p.slots
}

// recordFailure counts a failed call and keeps the first error for the report.
func (p *Plugin) recordFailure(err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.failures++
	if p.firstErr == nil {
		p.firstErr = err
	}
}

// Failed reports the first error of the plugin and how many calls failed.
func (p *Plugin) Failed() (error, int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.firstErr, p.failures
}

// Usable is false once the plugin failed as often as WithMaxFailures allows, or failed to
// compile.
func (p *Plugin) Usable() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return !p.broken && p.failures < p.host.cfg.maxFailures
}

// Close closes every instance and the runtime. It waits for a compilation under way (closing
// the runtime or the cache beneath one crashes wazero) and stops any later one.
func (p *Plugin) Close(ctx context.Context) error {
	p.compileOnce.Do(func() {
		p.compileErr = errClosed
	})
	p.mu.Lock()
	p.closed = true
	for p.busy > 0 {
		p.ended.Wait()
	}
	p.mu.Unlock()
	for {
		select {
		case in := <-p.idle:
			in.close()
			<-p.slots
			continue
		default:
		}
		break
	}
	if p.runtime != nil {
		if p.abandoned.Load() > 0 {
			// A guest still runs in it (Trusted): its memory must stay. The process is
			// ending; the runtime goes with it.
			return fmt.Errorf("plugin %s: %d calls past their deadline still run: its runtime is left open", p.Manifest.Name, p.abandoned.Load())
		}
		return p.runtime.Close(ctx)
	}
	return nil
}
