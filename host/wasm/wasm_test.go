package wasm_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/trawlscan/trawl/host/wasm"
	"github.com/trawlscan/trawl/host/wasm/wasmtest"
	"github.com/trawlscan/trawl/sdk"
)

func manifest(name, abi string) *sdk.Manifest {
	return &sdk.Manifest{
		ABI: abi, Name: name, Version: "0.0.1", Kind: sdk.KindAnalyzer,
		Analyzers: []sdk.AnalyzerSpec{{Name: "test", Files: []sdk.Selector{{Glob: "**"}}}},
	}
}

func newHost(t *testing.T, opts ...wasm.Option) *wasm.Host {
	t.Helper()
	h, err := wasm.NewHost(append([]wasm.Option{wasm.WithCompilationCache(wasmtest.CacheDir(t))}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close(context.Background()) })
	return h
}

func load(t *testing.T, h *wasm.Host, dir string, m *sdk.Manifest, opts ...wasm.LoadOption) *wasm.Plugin {
	t.Helper()
	p, err := h.Load(wasmtest.Build(t, dir, m), dir, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close(context.Background()) })
	return p
}

// analyze streams content into p as the walker does.
func analyze(ctx context.Context, p *wasm.Plugin, path string, content []byte, chunk int) (*sdk.AnalysisResult, error) {
	s, err := p.BeginFile(ctx, sdk.FileRequest{Path: path, Size: int64(len(content)), Analyzers: []string{"test"}})
	if err != nil {
		return nil, err
	}
	for off := 0; off < len(content) && s.Wants(); off += chunk {
		if err := s.Write(ctx, content[off:min(off+chunk, len(content))]); err != nil {
			return nil, err
		}
	}
	return s.End(ctx)
}

func TestSDKStreamsLargeFileInChunks(t *testing.T) {
	h := newHost(t, wasm.WithChunkSize(4096))
	p := load(t, h, "testdata/lines", manifest("lines", "1.0"))
	content := bytes.Repeat([]byte("a line of text\n"), 200_000) // 3 MB, 733 chunks
	res, err := analyze(context.Background(), p, "big.txt", content, 4096)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Packages) != 1 || res.Packages[0].Version != "200000" || res.Packages[0].Analyzer != "test" {
		t.Fatalf("got %+v, want one package with version 200000 found by analyzer test", res.Packages)
	}
}

// Prepare leaves one instance waiting, which the first call takes.
func TestPrepareStartsAnInstance(t *testing.T) {
	h := newHost(t, wasm.WithInstances(1))
	p := load(t, h, "testdata/lines", manifest("lines", "1.0"))
	ctx := context.Background()
	if err := p.Prepare(ctx); err != nil {
		t.Fatal(err)
	}
	if n := wasm.Idle(p); n != 1 {
		t.Fatalf("%d instances idle after Prepare, want 1", n)
	}
	if err := p.Prepare(ctx); err != nil { // the instance is there: nothing to do
		t.Fatal(err)
	}
	res, err := analyze(ctx, p, "a.txt", []byte("one\ntwo\n"), 4)
	if err != nil || len(res.Packages) != 1 || res.Packages[0].Version != "2" {
		t.Fatalf("after Prepare: %+v, %v", res, err)
	}
	if n := wasm.Idle(p); n != 1 {
		t.Fatalf("%d instances idle after a call, want 1", n)
	}
}

// Closing a plugin while Prepare starts an instance waits for it: closing a runtime under
// a trusted guest's code crashes the process.
func TestCloseWaitsForPrepare(t *testing.T) {
	h := newHost(t)
	wasmBytes := wasmtest.Build(t, "testdata/lines", manifest("lines", "1.0"))
	ctx := context.Background()
	for i := range 4 {
		p, err := h.Load(wasmBytes, "lines", wasm.Trusted())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := p.Compile(ctx); err != nil {
			t.Fatal(err)
		}
		prepared := make(chan error, 1)
		go func() { prepared <- p.Prepare(ctx) }()
		time.Sleep(time.Duration(i) * 2 * time.Millisecond)
		p.Close(ctx)
		if err := <-prepared; err != nil && !strings.Contains(err.Error(), "plugin closed") {
			t.Errorf("Prepare: %v", err)
		}
		if _, err := analyze(ctx, p, "a.txt", []byte("x\n"), 4); err == nil || !strings.Contains(err.Error(), "plugin closed") {
			t.Errorf("a call after Close: %v, want plugin closed", err)
		}
	}
}

// A plugin's digest is that of its module, also asked for while it compiles.
func TestDigestWhileCompiling(t *testing.T) {
	h := newHost(t)
	b := wasmtest.Build(t, "testdata/lines", manifest("lines", "1.0"))
	p, err := h.Load(b, "lines")
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close(context.Background())
	compiled := make(chan error, 1)
	go func() { _, err := p.Compile(context.Background()); compiled <- err }()
	sum := sha256.Sum256(b)
	if got := p.Digest(); got != "sha256:"+hex.EncodeToString(sum[:]) {
		t.Errorf("digest %s", got)
	}
	if err := <-compiled; err != nil {
		t.Fatal(err)
	}
}

func TestSDKStopsReadingEarly(t *testing.T) {
	h := newHost(t, wasm.WithChunkSize(4096))
	p := load(t, h, "testdata/lines", manifest("lines", "1.0"))
	ctx := context.Background()
	s, err := p.BeginFile(ctx, sdk.FileRequest{Path: "first-line.txt", Analyzers: []string{"test"}})
	if err != nil {
		t.Fatal(err)
	}
	chunk := bytes.Repeat([]byte("header\n"), 4096/7)
	writes := 0
	for i := 0; i < 100 && s.Wants(); i++ {
		if err := s.Write(ctx, chunk); err != nil {
			t.Fatal(err)
		}
		writes++
	}
	res, err := s.End(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if writes > 2 {
		t.Errorf("host kept sending %d chunks after the plugin stopped reading", writes)
	}
	if len(res.Packages) != 1 || res.Packages[0].Name != "header" {
		t.Errorf("got %+v", res.Packages)
	}
}

func TestSDKTurnsPanicsAndErrorsIntoFileErrors(t *testing.T) {
	h := newHost(t)
	p := load(t, h, "testdata/lines", manifest("lines", "1.0"))
	ctx := context.Background()
	for _, tc := range []struct{ path, want string }{
		{"dir/panic.txt", "analyzer panicked: deliberate panic in analyzer"},
		{"dir/error.txt", "deliberate parse error at line 3"},
	} {
		res, err := analyze(ctx, p, tc.path, []byte("x\n"), 1024)
		if err != nil {
			t.Fatalf("%s: a per-file error must not fail the plugin: %v", tc.path, err)
		}
		if len(res.Errors) != 1 || !strings.HasPrefix(res.Errors[0].Message, tc.want) || res.Errors[0].Path != tc.path || res.Errors[0].Analyzer != "test" {
			t.Errorf("%s: errors = %+v, want one starting %q", tc.path, res.Errors, tc.want)
		}
	}
	// The instance is still healthy.
	res, err := analyze(ctx, p, "ok.txt", []byte("1\n2\n"), 1024)
	if err != nil || res.Packages[0].Version != "2" {
		t.Fatalf("after file errors: %+v, %v", res, err)
	}
	if err, n := p.Failed(); err != nil || n != 0 {
		t.Errorf("plugin marked failed: %v (%d)", err, n)
	}
}

func TestWrongABIMajorIsRefusedBeforeCompiling(t *testing.T) {
	h := newHost(t)
	_, err := h.Load(wasmtest.Build(t, "testdata/lines", manifest("future", "2.3")), "future.wasm")
	var abiErr *wasm.ABIError
	if !errors.As(err, &abiErr) {
		t.Fatalf("err = %v, want an ABIError", err)
	}
	for _, want := range []string{"future", "ABI 2.3", fmt.Sprintf("ABI %d.%d", sdk.ABIMajor, sdk.ABIMinor)} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %q", err, want)
		}
	}
}

func TestModuleWithoutManifestIsRefused(t *testing.T) {
	h := newHost(t)
	_, err := h.Load(wasmtest.Build(t, "testdata/lines", nil), "bare.wasm")
	if err == nil || !strings.Contains(err.Error(), "trawl.manifest") {
		t.Fatalf("err = %v", err)
	}
	if _, err := h.Load([]byte("not wasm at all"), "junk.wasm"); err == nil || !strings.Contains(err.Error(), "not a WebAssembly") {
		t.Fatalf("err = %v", err)
	}
}

// TestHostilePlugin checks that each way a plugin can misbehave ends in an error that says
// why, within the limits, and that a fresh instance works afterwards.
func TestHostilePlugin(t *testing.T) {
	t.Run("untrusted", func(t *testing.T) { testHostilePlugin(t, false) })
	t.Run("trusted", func(t *testing.T) { testHostilePlugin(t, true) })
}

// testHostilePlugin runs every misbehaviour against a plugin loaded untrusted, or trusted
// (wasm.Trusted), where the endless loops are left out: an abandoned call that never ends
// would spin until the tests end (TestTrustedPluginAbandonsCalls has one that ends).
func testHostilePlugin(t *testing.T, trusted bool) {
	var logBuf syncBuffer
	h := newHost(t,
		wasm.WithCallTimeout(300*time.Millisecond),
		wasm.WithMemoryLimit(64+32), // a Go guest needs 64 pages (4 MiB) to start
		wasm.WithOutputLimit(4<<20),
		wasm.WithLogLimit(1024),
		wasm.WithMaxFailures(1000),
		wasm.WithLogger(slog.New(slog.NewTextHandler(&logBuf, nil))),
	)
	var opts []wasm.LoadOption
	if trusted {
		opts = append(opts, wasm.Trusted())
	}
	p := load(t, h, "testdata/hostile", manifest("hostile", "1.0"), opts...)
	ctx := context.Background()
	// Warm: compile and check the happy path.
	if res, err := analyze(ctx, p, "fine", []byte("x"), 100); err != nil || res.Packages[0].Name != "fine" {
		t.Fatalf("happy path: %+v %v", res, err)
	}
	for _, tc := range []struct{ path, want string }{
		{"loop", "exceeded its deadline of 300ms"},
		{"loop-begin", "trawl_analyze_begin exceeded its deadline"},
		{"loop-chunk", "trawl_analyze_chunk exceeded its deadline"},
		{"panic", "trapped"},
		{"exit", "module exited with code 7"},
		{"garbage", "not a valid analysis result"},
		{"invalid", "package 0: no name"},
		{"control", "control characters"},
		{"flood", "more than its limit of 4194304 bytes"},
		{"badptr", "output from outside its memory"},
		{"status", "unknown status 77"},
		{"error", "failed: the plugin reports an error"},
	} {
		if trusted && strings.HasPrefix(tc.path, "loop") {
			continue
		}
		t.Run(tc.path, func(t *testing.T) {
			start := time.Now()
			_, err := analyze(ctx, p, tc.path, []byte("content"), 100)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tc.want)
			}
			if d := time.Since(start); d > 20*time.Second {
				t.Errorf("took %s", d)
			}
			// The failed instance is gone; a new one serves the next file.
			res, err := analyze(ctx, p, "after-"+tc.path, []byte("x"), 100)
			if err != nil || res.Packages[0].Name != "after-"+tc.path {
				t.Fatalf("after %s: %+v %v", tc.path, res, err)
			}
		})
	}
	// Stderr noise is capped.
	if _, err := analyze(ctx, p, "stderr", []byte("x"), 100); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(logBuf.String(), "noise noise noise noise noise noise noise noise"); n == 0 || n > 1024/48 {
		t.Errorf("log holds %d noise lines, want a few (cap 1 KiB)", n)
	}
	if !strings.Contains(logBuf.String(), "over its log limit") {
		t.Error("the log does not say the plugin's output was cut")
	}
}

// TestTrustedPluginAbandonsCalls: a trusted plugin's call that outlives its deadline fails
// at the deadline like any other, while its guest runs on in an instance that no one
// reuses; the next call gets a new instance, and the old one is closed (its slot freed)
// once the guest ends.
func TestTrustedPluginAbandonsCalls(t *testing.T) {
	h := newHost(t, wasm.WithCallTimeout(300*time.Millisecond), wasm.WithMaxFailures(1000), wasm.WithInstances(1))
	p := load(t, h, "testdata/hostile", manifest("hostile", "1.0"), wasm.Trusted())
	ctx := context.Background()
	if res, err := analyze(ctx, p, "fine", []byte("x"), 100); err != nil || res.Packages[0].Name != "fine" {
		t.Fatalf("happy path: %+v %v", res, err)
	}
	start := time.Now()
	_, err := analyze(ctx, p, "spin", []byte("x"), 100)
	if err == nil || !strings.Contains(err.Error(), "trawl_analyze_end exceeded its deadline of 300ms") {
		t.Fatalf("err = %v, want the deadline's", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("the call returned after %s, not at its deadline", d)
	}
	if n := wasm.Abandoned(p); n != 1 {
		t.Fatalf("%d calls abandoned, want 1", n)
	}
	// With one instance allowed, the next call waits for the abandoned one's slot: its
	// guest ends within seconds, the instance is closed, and a new one serves the call.
	res, err := analyze(ctx, p, "after", []byte("x"), 100)
	if err != nil || res.Packages[0].Name != "after" {
		t.Fatalf("after the abandoned call: %+v %v", res, err)
	}
	if n := wasm.Abandoned(p); n != 0 {
		t.Fatalf("%d calls still abandoned once the next one ran", n)
	}
	if err := p.Close(ctx); err != nil {
		t.Fatalf("close: %v", err)
	}
}

func TestMemoryBombHitsLimit(t *testing.T) {
	h := newHost(t, wasm.WithMemoryLimit(96), wasm.WithCallTimeout(30*time.Second))
	p := load(t, h, "testdata/hostile", manifest("hostile", "1.0"))
	ctx := context.Background()
	_, err := analyze(ctx, p, "oom", []byte("x"), 100)
	if err == nil || !strings.Contains(err.Error(), "exceeded its memory limit of 96 MiB") {
		t.Fatalf("err = %v", err)
	}
	if res, err := analyze(ctx, p, "after", []byte("x"), 100); err != nil || res.Packages[0].Name != "after" {
		t.Fatalf("after the bomb: %+v %v", res, err)
	}
}

func TestFailuresDisablePlugin(t *testing.T) {
	h := newHost(t, wasm.WithCallTimeout(200*time.Millisecond), wasm.WithMaxFailures(2))
	p := load(t, h, "testdata/hostile", manifest("hostile", "1.0"))
	ctx := context.Background()
	for i := 0; i < 2; i++ {
		if !p.Usable() {
			t.Fatalf("unusable after %d failures", i)
		}
		analyze(ctx, p, "panic", nil, 1)
	}
	if p.Usable() {
		t.Error("still usable after 2 failures with WithMaxFailures(2)")
	}
	err, n := p.Failed()
	if n != 2 || err == nil || !strings.Contains(err.Error(), "trapped") {
		t.Errorf("Failed() = %v, %d", err, n)
	}
}

func TestManifestLimitsAreCapped(t *testing.T) {
	h := newHost(t, wasm.WithMaxMemoryLimit(128), wasm.WithMaxCallTimeout(time.Second))
	m := manifest("greedy", "1.0")
	m.Limits = sdk.Limits{MemoryMiB: 4096, TimeoutMS: 3_600_000}
	p, err := h.Load(wasmtest.Build(t, "testdata/lines", m), "greedy.wasm")
	if err != nil {
		t.Fatal(err)
	}
	if p.MemoryLimitMiB() != 128 || p.CallTimeout() != time.Second {
		t.Errorf("limits = %d MiB, %s; want the host caps 128 MiB, 1s", p.MemoryLimitMiB(), p.CallTimeout())
	}
}

func TestConcurrentInstancesAndNoGoroutineLeak(t *testing.T) {
	before := runtime.NumGoroutine()
	h, err := wasm.NewHost(wasm.WithCompilationCache(wasmtest.CacheDir(t)), wasm.WithInstances(3), wasm.WithCallTimeout(200*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	p, err := h.Load(wasmtest.Build(t, "testdata/hostile", manifest("hostile", "1.0")), "hostile")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, 24)
	for i := 0; i < 24; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			path := filepath.Join("f", string(rune('a'+i)))
			if i%4 == 0 {
				path = "loop" // some calls time out and discard their instance
			}
			res, err := analyze(ctx, p, path, []byte("x"), 10)
			if path != "loop" && (err != nil || res.Packages[0].Name != path) {
				errs <- err
			}
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	p.Close(ctx)
	h.Close(ctx)
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		buf := make([]byte, 1<<16)
		t.Errorf("%d goroutines before, %d after:\n%s", before, n, buf[:runtime.Stack(buf, true)])
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestConfirmSecrets: a plugin's confirm call works, and one that misbehaves with the raw
// secrets it is handed never gets them into the host's log or errors, even split across
// writes or left on an unfinished line.
func TestConfirmSecrets(t *testing.T) {
	var logBuf syncBuffer
	h := newHost(t, wasm.WithCallTimeout(300*time.Millisecond), wasm.WithMaxFailures(1000),
		wasm.WithLogger(slog.New(slog.NewTextHandler(&logBuf, nil))))
	m := manifest("hostile", "1.1")
	m.Analyzers = []sdk.AnalyzerSpec{{Name: "secrets", Confirm: true, SecretRules: []sdk.SecretRule{{
		ID: "test-token", Title: "Test token", Category: sdk.SecretCategorySaaS, Severity: sdk.SeverityHigh,
		Keywords: []string{"tok_"}, Regex: `tok_[a-z0-9]{20}`, Examples: sdk.SecretExamples{Match: []string{"tok_abcdefghij0123456789"}},
	}}}}
	p := load(t, h, "testdata/hostile", m)
	ctx := context.Background()
	secret := "tok_s3cr3tvalue0123456"
	req := func(path string) sdk.SecretConfirmRequest {
		return sdk.SecretConfirmRequest{Path: path, Analyzer: "secrets", Candidates: []sdk.SecretCandidate{
			{RuleID: "test-token", Secret: secret, Match: "key=" + secret, Line: 3, Column: 1, EndLine: 3},
			{RuleID: "test-token", Secret: "tok_other000000000000000", Match: "tok_other000000000000000", Line: 4, Column: 1, EndLine: 4},
		}}
	}
	res, err := p.ConfirmSecrets(ctx, req("fine"))
	if err != nil || len(res.Verdicts) != 2 || !res.Verdicts[0].Confirmed || res.Verdicts[0].Note != "checked" {
		t.Fatalf("fine: %+v %v", res, err)
	}
	for _, tc := range []struct{ path, want string }{
		{"leak", "trawl_confirm_secrets failed: cannot confirm *****"},
		{"short", "1 secret verdicts for 2 candidates"},
		{"loop", "exceeded its deadline"},
	} {
		_, err := p.ConfirmSecrets(ctx, req(tc.path))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want %q", tc.path, err, tc.want)
		}
		if err != nil && strings.Contains(err.Error(), secret) {
			t.Errorf("%s: the error holds the secret: %v", tc.path, err)
		}
	}
	// The unfinished line is logged with the next one.
	if _, err := p.ConfirmSecrets(ctx, req("fine")); err != nil {
		t.Fatal(err)
	}
	analyze(ctx, p, "stderr", []byte("x"), 100)
	if strings.Contains(logBuf.String(), secret) || strings.Contains(logBuf.String(), secret[:len(secret)/2]+"\n") {
		t.Errorf("the log holds the secret:\n%s", logBuf.String())
	}
	if !strings.Contains(logBuf.String(), "got ***** to confirm") {
		t.Errorf("the leaking line is not in the log, scrubbed:\n%s", logBuf.String())
	}
}
