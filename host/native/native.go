package native

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	goplugin "github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/trawlscan/trawl/host/native/internal/wire"
	"github.com/trawlscan/trawl/host/plugin"
	"github.com/trawlscan/trawl/host/plugin/scrub"
	"github.com/trawlscan/trawl/host/wasm"
	"github.com/trawlscan/trawl/sdk"
)

// Plugin is a running native plugin process. It is safe for concurrent use.
type Plugin struct {
	manifest sdk.Manifest
	path     string
	cfg      config
	timeout  time.Duration
	outLimit int64

	client *goplugin.Client
	conn   *wire.Conn
	out    *output
	slots  chan struct{}

	mu       sync.Mutex
	failures int
	firstErr error
	exited   bool
	closed   bool
}

var (
	_ plugin.Analyzer  = (*Plugin)(nil)
	_ plugin.Formatter = (*Plugin)(nil)
)

// Launch starts the plugin executable at path through go-plugin, checks its handshake and
// manifest, and returns it running. Close it to end the process.
func Launch(ctx context.Context, path string, opts ...Option) (*Plugin, error) {
	cfg := defaultConfig()
	for _, o := range opts {
		o(&cfg)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("native plugin %s: %w", path, err)
	}
	fi, err := os.Stat(abs)
	switch {
	case err != nil:
		return nil, fmt.Errorf("native plugin: %w", err)
	case !fi.Mode().IsRegular():
		return nil, fmt.Errorf("native plugin %s is not a regular file", path)
	case fi.Mode().Perm()&0o111 == 0:
		return nil, fmt.Errorf("native plugin %s is not executable", path)
	}
	p := &Plugin{
		path:  path,
		cfg:   cfg,
		out:   newOutput(cfg.logger, filepath.Base(abs)),
		slots: make(chan struct{}, cfg.concurrency),
	}
	var secure *goplugin.SecureConfig
	if cfg.checksum != nil {
		secure = &goplugin.SecureConfig{Checksum: cfg.checksum, Hash: sha256.New()}
	}
	start := cfg.startTimeout
	if dl, ok := ctx.Deadline(); ok {
		start = max(min(start, time.Until(dl)), time.Millisecond)
	}
	p.client = goplugin.NewClient(&goplugin.ClientConfig{
		HandshakeConfig:  wire.Handshake,
		Plugins:          goplugin.PluginSet{wire.PluginName: &wire.GRPCPlugin{}},
		Cmd:              exec.Command(abs, cfg.args...),
		SecureConfig:     secure,
		AllowedProtocols: []goplugin.Protocol{goplugin.ProtocolGRPC},
		Logger:           p.out.hcLogger(),
		AutoMTLS:         true,
		StartTimeout:     start,
		Stderr:           p.out,
		SyncStdout:       p.out.lines("stdout", false),
		SyncStderr:       p.out.lines("stderr", true),
	})
	rpc, err := p.client.Client()
	if err != nil {
		p.client.Kill() // also waits for its stderr, for said()
		return nil, p.startError(err, start)
	}
	raw, err := rpc.Dispense(wire.PluginName)
	if err != nil {
		p.client.Kill()
		return nil, fmt.Errorf("native plugin %s: %w", path, err)
	}
	p.conn = raw.(*wire.Conn)

	c := p.newCall(ctx, "Manifest", cfg.callTimeout)
	var m sdk.Manifest
	err = c.step(func() error {
		return p.conn.Invoke(c.ctx, wire.MethodManifest, &wire.Empty{}, &m, append(wire.CallOptions(), grpc.MaxCallRecvMsgSize(wire.MaxMessage))...)
	})
	c.cancel()
	if err != nil {
		err = c.explain(err)
		p.client.Kill()
		return nil, err
	}
	if err := m.Validate(); err != nil {
		p.client.Kill()
		return nil, fmt.Errorf("native plugin %s: manifest: %w", path, err)
	}
	if major, _, _ := sdk.ParseABI(m.ABI); major != sdk.ABIMajor {
		p.client.Kill()
		return nil, &wasm.ABIError{Plugin: m.Name, PluginABI: m.ABI}
	}
	p.manifest = m
	p.timeout, p.outLimit = limitsFor(cfg, m.Limits)
	cfg.logger.Debug("native plugin started", "plugin", m.Name, "version", m.Version, "path", path, "pid", p.pid())
	return p, nil
}

// limitsFor caps a manifest's limits as host/wasm does.
func limitsFor(c config, want sdk.Limits) (time.Duration, int64) {
	timeout := c.callTimeout
	if want.TimeoutMS > 0 {
		timeout = time.Duration(want.TimeoutMS) * time.Millisecond
	}
	out := c.outputBytes
	if want.OutputBytes > 0 {
		out = want.OutputBytes
	}
	return min(timeout, c.maxCallTimeout), min(out, c.maxOutputBytes)
}

var incompatible = regexp.MustCompile(`incompatible API version with plugin\. Plugin version: (\d+)`)

// startError says why the executable did not become a plugin.
func (p *Plugin) startError(err error, start time.Duration) error {
	msg := err.Error()
	said := p.out.said()
	switch {
	case incompatible.MatchString(msg):
		return &wasm.ABIError{Plugin: p.path, PluginABI: incompatible.FindStringSubmatch(msg)[1] + ".x (its handshake)"}
	case errors.Is(err, goplugin.ErrChecksumsDoNotMatch):
		return fmt.Errorf("native plugin %s: its SHA-256 is not the one expected", p.path)
	case strings.Contains(msg, "timeout while waiting for plugin to start"):
		return fmt.Errorf("native plugin %s did not start within %s%s", p.path, start, said)
	case strings.Contains(msg, "Unrecognized remote plugin message"):
		line, _, _ := strings.Cut(strings.TrimPrefix(msg, "Unrecognized remote plugin message: "), "\n")
		if line != "" {
			return fmt.Errorf("native plugin %s does not speak trawl's plugin protocol (it printed %q)%s", p.path, truncate(line, 200), said)
		}
		fallthrough // it printed nothing: it exited
	case strings.Contains(msg, "plugin exited before we could connect"):
		return fmt.Errorf("native plugin %s exited before it could be connected to%s", p.path, said)
	}
	return fmt.Errorf("native plugin %s: %w%s", p.path, err, said)
}

func (p *Plugin) pid() int {
	if rc := p.client.ReattachConfig(); rc != nil {
		return rc.Pid
	}
	return 0
}

// Manifest is the plugin's manifest, checked.
func (p *Plugin) Manifest() *sdk.Manifest { return &p.manifest }

// Path is the executable the plugin was launched from, as given.
func (p *Plugin) Path() string { return p.path }

// CallTimeout is the deadline of each call into the plugin.
func (p *Plugin) CallTimeout() time.Duration { return p.timeout }

// OutputLimit is how many bytes one call may return.
func (p *Plugin) OutputLimit() int64 { return p.outLimit }

// Prepare does nothing: a native plugin is ready once launched.
func (p *Plugin) Prepare(context.Context) error { return nil }

// Failed reports the first error of the plugin and how many calls failed.
func (p *Plugin) Failed() (error, int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.firstErr, p.failures
}

// Usable is false once the plugin failed as often as WithMaxFailures allows, or its
// process exited.
func (p *Plugin) Usable() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return !p.closed && !p.exitedLocked() && p.failures < p.cfg.maxFailures
}

func (p *Plugin) exitedLocked() bool {
	if !p.exited {
		select {
		case <-p.conn.Exited.Done():
			p.exited = true
		default:
		}
	}
	return p.exited
}

func (p *Plugin) recordFailure(err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.failures++
	if p.firstErr == nil {
		p.firstErr = err
	}
}

// Close ends the plugin process: go-plugin asks it to stop, and kills it when it has not
// within two seconds (a plugin stuck in a call).
func (p *Plugin) Close(context.Context) error {
	p.mu.Lock()
	p.closed = true
	p.mu.Unlock()
	p.client.Kill()
	return nil
}

// acquire takes one of the plugin's call slots.
func (p *Plugin) acquire(ctx context.Context, name string) error {
	p.mu.Lock()
	closed, exited := p.closed, p.exitedLocked()
	p.mu.Unlock()
	switch {
	case closed:
		return fmt.Errorf("plugin %s: %s: the plugin is closed", p.manifest.Name, name)
	case exited:
		return fmt.Errorf("plugin %s: %s: the plugin process has exited%s", p.manifest.Name, name, p.out.said())
	}
	select {
	case p.slots <- struct{}{}:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("plugin %s: %s: %w", p.manifest.Name, name, ctx.Err())
	}
}

func (p *Plugin) release() { <-p.slots }

// call is one call into the plugin: each of its steps runs under the plugin's deadline, as
// each export call of a WebAssembly plugin does; when it passes the call is cancelled.
type call struct {
	p        *Plugin
	name     string
	timeout  time.Duration
	parent   context.Context
	ctx      context.Context
	cancel   context.CancelFunc
	timedOut atomic.Bool
}

func (p *Plugin) newCall(parent context.Context, name string, timeout time.Duration) *call {
	ctx, cancel := context.WithCancel(parent)
	return &call{p: p, name: name, timeout: timeout, parent: parent, ctx: ctx, cancel: cancel}
}

func (c *call) step(f func() error) error {
	t := time.AfterFunc(c.timeout, func() {
		c.timedOut.Store(true)
		c.cancel()
	})
	defer t.Stop()
	return f()
}

// explain turns a failed call into an error that says why: deadline, exit or the plugin's
// own error.
func (c *call) explain(err error) error {
	p := c.p
	pl := p.manifest.Name
	if pl == "" {
		pl = p.path
	}
	st, isStatus := status.FromError(err)
	switch {
	case c.parent.Err() != nil:
		return fmt.Errorf("plugin %s: %s: %w", pl, c.name, c.parent.Err())
	case c.timedOut.Load():
		return fmt.Errorf("plugin %s: %s exceeded its deadline of %s", pl, c.name, c.timeout)
	case p.waitExit(!isStatus || st.Code() == codes.Unavailable || st.Code() == codes.Canceled || st.Code() == codes.Internal):
		return fmt.Errorf("plugin %s: %s: the plugin process exited%s", pl, c.name, p.out.said())
	case !isStatus:
		return fmt.Errorf("plugin %s: %s: %w", pl, c.name, err)
	case st.Code() == codes.ResourceExhausted:
		return fmt.Errorf("plugin %s: %s output more than its limit of %d bytes", pl, c.name, p.outLimit)
	case st.Code() == codes.Unimplemented:
		return fmt.Errorf("plugin %s: %s is not implemented: %s", pl, c.name, truncate(st.Message(), 300))
	}
	return fmt.Errorf("plugin %s: %s failed: %s", pl, c.name, truncate(st.Message(), 2000))
}

// waitExit reports whether the plugin process has exited, giving go-plugin a moment to
// notice when the error looks like one (the connection broke).
func (p *Plugin) waitExit(likely bool) bool {
	wait := time.Duration(0)
	if likely {
		wait = 2 * time.Second
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-p.conn.Exited.Done():
	case <-t.C:
		if wait > 0 {
			return false
		}
		select {
		case <-p.conn.Exited.Done():
		default:
			return false
		}
	}
	p.mu.Lock()
	p.exited = true
	p.mu.Unlock()
	return true
}

// open starts a streamed call and sends its request.
func (c *call) open(desc *grpc.StreamDesc, method string, req any) (grpc.ClientStream, bool, error) {
	var s grpc.ClientStream
	err := c.step(func() (err error) {
		if s, err = c.p.conn.NewStream(c.ctx, desc, method, wire.CallOptions()...); err != nil {
			return err
		}
		return s.SendMsg(req)
	})
	if err == io.EOF {
		return s, false, nil // the plugin ended the call at once: receiving says why
	}
	return s, true, err
}

// send sends chunks of at most the chunk size; false when the plugin ended the call.
func (c *call) send(s grpc.ClientStream, data []byte) (bool, error) {
	for len(data) > 0 {
		n := min(len(data), c.p.cfg.chunkSize)
		err := c.step(func() error { return s.SendMsg(&wire.Chunk{Data: data[:n]}) })
		if err == io.EOF {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		data = data[n:]
	}
	return true, nil
}

var errOutputLimit = errors.New("output over the limit")

// receive closes the sending side and gathers what the plugin returns, up to the limit.
func (c *call) receive(s grpc.ClientStream) ([]byte, error) {
	var out []byte
	err := c.step(func() error {
		if err := s.CloseSend(); err != nil {
			return err
		}
		for {
			var ch wire.Chunk
			err := s.RecvMsg(&ch)
			if err == io.EOF {
				return nil
			}
			if err != nil {
				return err
			}
			if int64(len(out))+int64(len(ch.Data)) > c.p.outLimit {
				return errOutputLimit
			}
			out = append(out, ch.Data...)
		}
	})
	if err == errOutputLimit {
		c.cancel()
		return nil, fmt.Errorf("plugin %s: %s output more than its limit of %d bytes", c.p.manifest.Name, c.name, c.p.outLimit)
	}
	if err != nil {
		return nil, c.explain(err)
	}
	return out, nil
}

// fileSession streams one file into the plugin over one Analyze call.
type fileSession struct {
	p      *Plugin
	c      *call
	stream grpc.ClientStream
	more   bool
}

// BeginFile starts analysing one file. The session holds a call slot until End or Abort.
func (p *Plugin) BeginFile(ctx context.Context, req sdk.FileRequest) (plugin.Session, error) {
	if err := p.acquire(ctx, "Analyze"); err != nil {
		p.recordFailure(err)
		return nil, err
	}
	c := p.newCall(ctx, "Analyze", p.timeout)
	s, more, err := c.open(&wire.AnalyzeStream, wire.MethodAnalyze, &req)
	if err != nil {
		err = c.explain(err)
		c.cancel()
		p.release()
		p.recordFailure(err)
		return nil, err
	}
	return &fileSession{p: p, c: c, stream: s, more: more}, nil
}

// Wants is false once the plugin said it read all it needs of the file.
func (s *fileSession) Wants() bool { return s.more && s.stream != nil }

// Write sends a chunk. Writing to a session that wants no more is a no-op.
func (s *fileSession) Write(_ context.Context, chunk []byte) error {
	if !s.Wants() {
		return nil
	}
	more, err := s.c.send(s.stream, chunk)
	if err != nil {
		err = s.c.explain(err)
		s.finish()
		s.p.recordFailure(err)
		return err
	}
	s.more = more
	return nil
}

// End finishes the file and returns what the plugin found, checked.
func (s *fileSession) End(context.Context) (*sdk.AnalysisResult, error) {
	if s.stream == nil {
		return nil, errors.New("file session already failed or ended")
	}
	defer s.finish()
	out, err := s.c.receive(s.stream)
	if err != nil {
		s.p.recordFailure(err)
		return nil, err
	}
	var res sdk.AnalysisResult
	if err := decodeStrict(out, &res); err == nil {
		err = res.Validate()
	}
	if err != nil {
		err = fmt.Errorf("plugin %s: result is not a valid analysis result: %w", s.p.manifest.Name, err)
		s.p.recordFailure(err)
		return nil, err
	}
	return &res, nil
}

// Abort gives the call up without a result.
func (s *fileSession) Abort() {
	if s.stream != nil {
		s.finish()
	}
}

func (s *fileSession) finish() {
	s.c.cancel()
	s.stream = nil
	s.p.release()
}

// Format renders a report (the JSON report document) in one of the plugin's formats.
func (p *Plugin) Format(ctx context.Context, req sdk.FormatRequest, report []byte) ([]byte, error) {
	out, err := p.format(ctx, req, report)
	if err != nil {
		p.recordFailure(err)
	}
	return out, err
}

func (p *Plugin) format(ctx context.Context, req sdk.FormatRequest, report []byte) ([]byte, error) {
	if err := p.acquire(ctx, "Format"); err != nil {
		return nil, err
	}
	defer p.release()
	c := p.newCall(ctx, "Format", p.timeout)
	defer c.cancel()
	s, more, err := c.open(&wire.FormatStream, wire.MethodFormat, &req)
	if err == nil && more {
		_, err = c.send(s, report)
	}
	if err != nil {
		return nil, c.explain(err)
	}
	return c.receive(s)
}

// ConfirmSecrets asks the plugin to confirm the candidate matches of its secret rules in one
// file. The candidates hold raw secrets: while the call runs the plugin's output is scrubbed
// of them before it reaches the log, and so is any error the call returns.
func (p *Plugin) ConfirmSecrets(ctx context.Context, req sdk.SecretConfirmRequest) (*sdk.SecretConfirmResult, error) {
	secrets := scrub.Raw(req)
	res, err := p.confirm(ctx, req, secrets)
	if err != nil {
		err = errors.New(scrub.String(err.Error(), secrets))
		p.recordFailure(err)
		return nil, err
	}
	scrub.Verdicts(res.Verdicts, secrets)
	return res, nil
}

func (p *Plugin) confirm(ctx context.Context, req sdk.SecretConfirmRequest, secrets []string) (*sdk.SecretConfirmResult, error) {
	if err := p.acquire(ctx, "ConfirmSecrets"); err != nil {
		return nil, err
	}
	defer p.release()
	defer p.out.scrubbing(secrets)()
	c := p.newCall(ctx, "ConfirmSecrets", p.timeout)
	defer c.cancel()
	var res sdk.SecretConfirmResult
	err := c.step(func() error {
		return p.conn.Invoke(c.ctx, wire.MethodConfirmSecrets, &req, &res,
			append(wire.CallOptions(), grpc.MaxCallRecvMsgSize(int(min(p.outLimit, math.MaxInt32))))...)
	})
	if err != nil {
		return nil, c.explain(err)
	}
	if len(res.Verdicts) != len(req.Candidates) {
		return nil, fmt.Errorf("plugin %s: %d secret verdicts for %d candidates", p.manifest.Name, len(res.Verdicts), len(req.Candidates))
	}
	return &res, nil
}

// decodeStrict decodes exactly one JSON value; unknown fields are allowed (a newer ABI
// minor).
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
