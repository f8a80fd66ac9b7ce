package wasm

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"
	"github.com/tetratelabs/wazero/sys"

	"github.com/trawlscan/trawl/host/plugin/scrub"
	"github.com/trawlscan/trawl/sdk"
)

// Call status codes; see sdk/ABI.md.
const (
	statusOK     = 0
	statusError  = 1
	statusEnough = 2
)

// instantiateTimeout is the least time instantiation gets.
const instantiateTimeout = 5 * time.Second

// instance is one instantiated module. It serves one call at a time.
type instance struct {
	p       *Plugin
	mod     api.Module
	fns     map[string]api.Function
	buf     uint32 // guest buffer of chunkSize bytes, reused for every chunk
	bufSize uint32
	log     *pluginLog
	// running, when not nil, is a trusted plugin's call that outlived its deadline: the
	// guest still runs in the module, which no one may call or close until it ends (its
	// result then comes).
	running <-chan callResult
}

// callResult is what a guest call returned.
type callResult struct {
	res []uint64
	err error
}

// callState collects what one call outputs through trawl.output.
type callState struct {
	out      []byte
	limit    int64
	exceeded bool
	badPtr   bool
}

type callStateKey struct{}

// hostOutput is the trawl.output import: (ptr, len) -> 0 accepted, 1 refused.
func hostOutput(ctx context.Context, m api.Module, stack []uint64) {
	st, _ := ctx.Value(callStateKey{}).(*callState)
	ptr, n := api.DecodeU32(stack[0]), api.DecodeU32(stack[1])
	if st == nil || st.exceeded || st.badPtr {
		stack[0] = 1
		return
	}
	if int64(len(st.out))+int64(n) > st.limit {
		st.exceeded = true
		stack[0] = 1
		return
	}
	b, ok := m.Memory().Read(ptr, n)
	if !ok {
		st.badPtr = true
		stack[0] = 1
		return
	}
	st.out = append(st.out, b...)
	stack[0] = 0
}

func (p *Plugin) instantiate(ctx context.Context) (*instance, error) {
	in := &instance{p: p, log: newPluginLog(p.host.cfg.logger, p.Manifest.Name, p.host.cfg.logBytes)}
	cfg := wazero.NewModuleConfig().
		WithName("").
		WithStartFunctions("_initialize").
		WithStdout(in.log).
		WithStderr(in.log)
	// Instantiation (memory set-up and the guest's _initialize) gets at least instantiateTimeout,
	// so that a short call deadline does not starve it on a loaded machine.
	cctx, cancel := context.WithTimeout(ctx, max(p.limits.timeout, instantiateTimeout))
	defer cancel()
	mod, err := p.runtime.InstantiateModule(experimental.WithMemoryAllocator(cctx, memoryAllocator()), p.compiled, cfg)
	if err != nil {
		return nil, in.explain(ctx, cctx, "instantiate", err)
	}
	in.mod = mod
	in.fns = map[string]api.Function{}
	for _, name := range requiredExports[p.Manifest.Kind] {
		in.fns[name] = mod.ExportedFunction(name)
	}
	if p.confirms() {
		in.fns[confirmExport] = mod.ExportedFunction(confirmExport)
	}
	res, err := in.invoke(cctx, "trawl_abi_version")
	if err != nil {
		in.close()
		return nil, in.explain(ctx, cctx, "trawl_abi_version", err)
	}
	if major := uint32(res[0]) >> 16; major != sdk.ABIMajor {
		in.close()
		return nil, &ABIError{Plugin: p.Manifest.Name, PluginABI: fmt.Sprintf("%d.%d (exported; its manifest says %s)", major, uint32(res[0])&0xffff, p.Manifest.ABI)}
	}
	in.bufSize = uint32(p.host.cfg.chunkSize)
	if in.buf, err = in.malloc(cctx, in.bufSize); err != nil {
		in.close()
		return nil, in.explain(ctx, cctx, "trawl_malloc", err)
	}
	return in, nil
}

func (in *instance) malloc(ctx context.Context, n uint32) (uint32, error) {
	res, err := in.invoke(ctx, "trawl_malloc", uint64(n))
	if err != nil {
		return 0, err
	}
	ptr := uint32(res[0])
	if ptr == 0 {
		return 0, fmt.Errorf("trawl_malloc(%d) returned 0", n)
	}
	return ptr, nil
}

func (in *instance) close() {
	if in.mod != nil {
		in.mod.Close(context.Background())
	}
}

// invoke calls an export. An untrusted plugin's call is interrupted at ctx's end (its
// runtime checks for it at every loop and call). A trusted plugin's runtime has no such
// checks, which makes its code several times faster; at ctx's end the call is abandoned
// instead: invoke returns ctx's error and leaves the guest running in the instance, marked
// in running, for release to close once it ends.
func (in *instance) invoke(ctx context.Context, name string, args ...uint64) ([]uint64, error) {
	fn := in.fns[name]
	if !in.p.trusted {
		return fn.Call(ctx, args...)
	}
	done := make(chan callResult, 1)
	go func() {
		res, err := fn.Call(ctx, args...)
		done <- callResult{res, err}
	}()
	select {
	case r := <-done:
		return r.res, r.err
	case <-ctx.Done():
		select {
		case r := <-done: // it ended as the deadline came
			return r.res, r.err
		default:
		}
		in.running = done
		in.p.abandoned.Add(1)
		return nil, ctx.Err()
	}
}

// call runs one export under the plugin's deadline and output cap. Any error it returns
// leaves the instance unusable.
func (in *instance) call(ctx context.Context, name string, data []byte, withData bool) (uint32, []byte, error) {
	cctx, cancel := context.WithTimeout(ctx, in.p.limits.timeout)
	defer cancel()
	st := &callState{limit: in.p.limits.output}
	cctx = context.WithValue(cctx, callStateKey{}, st)
	var args []uint64
	if withData {
		ptr := in.buf
		if uint32(len(data)) > in.bufSize {
			// Larger than a chunk (only requests are): a buffer of its own.
			p, err := in.malloc(cctx, uint32(len(data)))
			if err != nil {
				return 0, nil, in.explain(ctx, cctx, "trawl_malloc", err)
			}
			defer func() {
				if in.running == nil {
					in.invoke(cctx, "trawl_free", uint64(p))
				}
			}()
			ptr = p
		}
		if !in.mod.Memory().Write(ptr, data) {
			return 0, nil, fmt.Errorf("plugin %s: its buffer at %#x is outside its memory", in.p.Manifest.Name, ptr)
		}
		args = []uint64{uint64(ptr), uint64(len(data))}
	}
	res, err := in.invoke(cctx, name, args...)
	if err != nil {
		return 0, nil, in.explain(ctx, cctx, name, err)
	}
	switch {
	case st.exceeded:
		return 0, nil, fmt.Errorf("plugin %s: %s output more than its limit of %d bytes", in.p.Manifest.Name, name, st.limit)
	case st.badPtr:
		return 0, nil, fmt.Errorf("plugin %s: %s output from outside its memory", in.p.Manifest.Name, name)
	}
	status := uint32(res[0])
	switch status {
	case statusOK, statusEnough:
		return status, st.out, nil
	case statusError:
		return status, nil, fmt.Errorf("plugin %s: %s failed: %s", in.p.Manifest.Name, name, truncate(string(st.out), 2000))
	default:
		return status, nil, fmt.Errorf("plugin %s: %s returned unknown status %d", in.p.Manifest.Name, name, status)
	}
}

// explain turns a failed call into an error that says why: deadline, memory, exit or trap.
func (in *instance) explain(parent, cctx context.Context, name string, err error) error {
	pl := in.p.Manifest.Name
	var exit *sys.ExitError
	switch {
	case parent.Err() != nil:
		return fmt.Errorf("plugin %s: %s: %w", pl, name, parent.Err())
	case errors.Is(cctx.Err(), context.DeadlineExceeded):
		d := in.p.limits.timeout
		if name == "instantiate" {
			d = max(d, instantiateTimeout)
		}
		return fmt.Errorf("plugin %s: %s exceeded its deadline of %s", pl, name, d)
	case strings.Contains(in.log.Tail(), "out of memory"):
		return fmt.Errorf("plugin %s: %s exceeded its memory limit of %d MiB", pl, name, in.p.limits.memoryMiB)
	case errors.As(err, &exit):
		return fmt.Errorf("plugin %s: %s: module exited with code %d", pl, name, exit.ExitCode())
	}
	msg := err.Error()
	if i := strings.IndexByte(msg, '\n'); i > 0 {
		msg = msg[:i] // drop wazero's stack trace
	}
	if t := lastLine(in.log.Tail()); t != "" {
		msg += " (plugin said: " + truncate(t, 300) + ")"
	}
	return fmt.Errorf("plugin %s: %s trapped: %s", pl, name, msg)
}

// acquireFor takes an instance for a call whose request is req, encoded.
func (p *Plugin) acquireFor(ctx context.Context, req any) (*instance, []byte, error) {
	body, err := json.Marshal(req)
	if err != nil {
		return nil, nil, err
	}
	in, err := p.acquire(ctx)
	if err != nil {
		p.recordFailure(err)
		return nil, nil, err
	}
	return in, body, nil
}

// FileSession streams one file into one plugin instance.
type FileSession struct {
	p    *Plugin
	in   *instance
	more bool
}

// BeginFile starts analysing one file. The session holds an instance until End or Abort.
func (p *Plugin) BeginFile(ctx context.Context, req sdk.FileRequest) (*FileSession, error) {
	in, body, err := p.acquireFor(ctx, req)
	if err != nil {
		return nil, err
	}
	if _, _, err := in.call(ctx, "trawl_analyze_begin", body, true); err != nil {
		p.fail(in, err)
		return nil, err
	}
	return &FileSession{p: p, in: in, more: true}, nil
}

// Wants is false once the plugin said it read all it needs of the file.
func (s *FileSession) Wants() bool { return s.more && s.in != nil }

// Write sends a chunk of at most the host's chunk size. Writing to a session that wants no
// more is a no-op.
func (s *FileSession) Write(ctx context.Context, chunk []byte) error {
	if !s.Wants() {
		return nil
	}
	for len(chunk) > 0 {
		n := min(len(chunk), int(s.in.bufSize))
		status, _, err := s.in.call(ctx, "trawl_analyze_chunk", chunk[:n], true)
		if err != nil {
			s.p.fail(s.in, err)
			s.in = nil
			return err
		}
		if status == statusEnough {
			s.more = false
			return nil
		}
		chunk = chunk[n:]
	}
	return nil
}

// End finishes the file and returns what the plugin found, checked.
func (s *FileSession) End(ctx context.Context) (*sdk.AnalysisResult, error) {
	if s.in == nil {
		return nil, errors.New("file session already failed or ended")
	}
	in := s.in
	s.in = nil
	_, out, err := in.call(ctx, "trawl_analyze_end", nil, false)
	if err != nil {
		s.p.fail(in, err)
		return nil, err
	}
	var res sdk.AnalysisResult
	if err := decodeStrict(out, &res); err != nil {
		err = fmt.Errorf("plugin %s: result is not a valid analysis result: %w", s.p.Manifest.Name, err)
		s.p.fail(in, err)
		return nil, err
	}
	if err := res.Validate(); err != nil {
		err = fmt.Errorf("plugin %s: result is not a valid analysis result: %w", s.p.Manifest.Name, err)
		s.p.fail(in, err)
		return nil, err
	}
	s.p.release(in, true)
	return &res, nil
}

// Abort gives the instance up without a result (the file could not be read to its end).
// The instance is discarded, since its analysis is half done.
func (s *FileSession) Abort() {
	if s.in != nil {
		s.p.release(s.in, false)
		s.in = nil
	}
}

func (p *Plugin) fail(in *instance, err error) {
	p.recordFailure(err)
	p.release(in, false)
}

// Format renders a report (the JSON report document) in one of the plugin's formats.
func (p *Plugin) Format(ctx context.Context, req sdk.FormatRequest, report []byte) ([]byte, error) {
	in, body, err := p.acquireFor(ctx, req)
	if err != nil {
		return nil, err
	}
	if _, _, err := in.call(ctx, "trawl_format_begin", body, true); err != nil {
		p.fail(in, err)
		return nil, err
	}
	for off := 0; off < len(report); off += int(in.bufSize) {
		end := min(off+int(in.bufSize), len(report))
		if _, _, err := in.call(ctx, "trawl_format_chunk", report[off:end], true); err != nil {
			p.fail(in, err)
			return nil, err
		}
	}
	_, out, err := in.call(ctx, "trawl_format_end", nil, false)
	if err != nil {
		p.fail(in, err)
		return nil, err
	}
	p.release(in, true)
	return out, nil
}

// ConfirmSecrets asks the plugin to confirm the candidate matches of its secret rules in one
// file. The candidates hold raw secrets, so while the call runs the plugin's log lines are
// scrubbed of them, and so is any error the call returns.
func (p *Plugin) ConfirmSecrets(ctx context.Context, req sdk.SecretConfirmRequest) (*sdk.SecretConfirmResult, error) {
	secrets := scrub.Raw(req)
	scrubErr := func(err error) error {
		if err == nil {
			return nil
		}
		return errors.New(scrub.String(err.Error(), secrets))
	}
	in, body, err := p.acquireFor(ctx, req)
	if err != nil {
		return nil, err
	}
	in.log.setScrub(secrets)
	defer in.log.setScrub(nil)
	_, out, err := in.call(ctx, "trawl_confirm_secrets", body, true)
	if err != nil {
		err = scrubErr(err)
		p.fail(in, err)
		return nil, err
	}
	var res sdk.SecretConfirmResult
	if err := decodeStrict(out, &res); err != nil {
		err = fmt.Errorf("plugin %s: secret verdicts are not valid JSON: %w", p.Manifest.Name, scrubErr(err))
		p.fail(in, err)
		return nil, err
	}
	if len(res.Verdicts) != len(req.Candidates) {
		err := fmt.Errorf("plugin %s: %d secret verdicts for %d candidates", p.Manifest.Name, len(res.Verdicts), len(req.Candidates))
		p.fail(in, err)
		return nil, err
	}
	scrub.Verdicts(res.Verdicts, secrets)
	p.release(in, true)
	return &res, nil
}

// decodeStrict decodes exactly one JSON value. Unknown fields are allowed, since a plugin of
// a newer ABI minor may send fields this host does not know.
func decodeStrict(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("trailing data after the JSON value")
	}
	return nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

func lastLine(s string) string {
	s = strings.TrimRight(s, "\n")
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		s = s[i+1:]
	}
	return strings.TrimSpace(s)
}

// pluginLog forwards a plugin's stdout and stderr to the host log line by line, up to a cap,
// and keeps the last few KiB to explain a trap.
type pluginLog struct {
	mu      sync.Mutex
	logger  interface{ Warn(string, ...any) }
	plugin  string
	left    int
	partial []byte
	tail    []byte
	dropped bool
	// scrub holds the secrets of a secret-confirming call while it runs: no line of the
	// plugin's that contains one reaches the log as written.
	scrub []string
}

func (l *pluginLog) setScrub(secrets []string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if secrets == nil && len(l.scrub) > 0 {
		// What the call left unfinished is logged with the next line, after it: scrub it
		// now. The tail explains traps of this call only.
		l.partial = []byte(scrub.String(string(l.partial), l.scrub))
		l.tail = l.tail[:0]
	}
	l.scrub = secrets
}

const tailSize = 4096

func newPluginLog(l interface{ Warn(string, ...any) }, plugin string, limit int) *pluginLog {
	return &pluginLog{logger: l, plugin: plugin, left: limit}
}

func (l *pluginLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.scrub) > 0 {
		// Scrubbed per write for the tail, and per line for the log below, where a secret
		// split across two writes is whole again.
		p = []byte(scrub.String(string(p), l.scrub))
	}
	l.tail = append(l.tail, p...)
	if len(l.tail) > tailSize {
		l.tail = append(l.tail[:0], l.tail[len(l.tail)-tailSize:]...)
	}
	if l.left <= 0 {
		if !l.dropped {
			l.dropped = true
			l.logger.Warn("plugin output over its log limit; the rest is dropped", "plugin", l.plugin)
		}
		return len(p), nil
	}
	take := p[:min(len(p), l.left)]
	l.left -= len(take)
	l.partial = append(l.partial, take...)
	for {
		i := bytes.IndexByte(l.partial, '\n')
		if i < 0 {
			break
		}
		line := string(l.partial[:i])
		if len(l.scrub) > 0 {
			line = scrub.String(line, l.scrub)
		}
		l.logger.Warn("plugin output", "plugin", l.plugin, "line", line)
		l.partial = l.partial[i+1:]
	}
	return len(p), nil
}

// Tail returns the last bytes the plugin wrote.
func (l *pluginLog) Tail() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return string(l.tail)
}
