//go:build unix

package native_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/trawlscan/trawl/host/native"
	"github.com/trawlscan/trawl/host/native/nativetest"
	"github.com/trawlscan/trawl/host/wasm"
	"github.com/trawlscan/trawl/sdk"
)

func launch(t *testing.T, name string, opts ...native.Option) *native.Plugin {
	t.Helper()
	p, err := native.Launch(context.Background(), filepath.Join(nativetest.Build(t), name), opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close(context.Background()) })
	return p
}

func analyze(t *testing.T, p *native.Plugin, path, content string, chunk int) (*sdk.AnalysisResult, error) {
	t.Helper()
	ctx := context.Background()
	s, err := p.BeginFile(ctx, sdk.FileRequest{Path: path, Size: int64(len(content)), Mode: 0o644, Analyzers: []string{"acme"}})
	if err != nil {
		return nil, err
	}
	for b := []byte(content); len(b) > 0 && s.Wants(); {
		n := min(len(b), chunk)
		if err := s.Write(ctx, b[:n]); err != nil {
			return nil, err
		}
		b = b[n:]
	}
	return s.End(ctx)
}

func TestLaunchManifest(t *testing.T) {
	p := launch(t, "acme")
	m := p.Manifest()
	if m.Name != "acme" || m.Kind != sdk.KindAnalyzer || len(m.Analyzers) != 2 || m.Analyzers[0].Files[0].Base != "acme.lock" {
		t.Fatalf("manifest: %+v", m)
	}
	if m.ABI != fmt.Sprintf("%d.%d", sdk.ABIMajor, sdk.ABIMinor) {
		t.Errorf("abi %q", m.ABI)
	}
	if p.CallTimeout() != 30*time.Second || p.OutputLimit() != 64<<20 {
		t.Errorf("limits: %s, %d", p.CallTimeout(), p.OutputLimit())
	}
	if !p.Usable() {
		t.Error("not usable")
	}
	if _, n := p.Failed(); n != 0 {
		t.Errorf("%d failures", n)
	}
}

func TestAnalyze(t *testing.T) {
	p := launch(t, "acme", native.WithChunkSize(4096))
	var b strings.Builder
	for i := range 5000 { // about 80 KB: many chunks
		fmt.Fprintf(&b, "lib%d 1.%d.0\n", i, i)
	}
	b.WriteString("broken line here\n")
	res, err := analyze(t, p, "srv/acme.lock", b.String(), 10000)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Packages) != 5000 {
		t.Fatalf("%d packages", len(res.Packages))
	}
	got := res.Packages[4999]
	if got.Name != "lib4999" || got.Version != "1.4999.0" || got.Analyzer != "acme" || got.Locations[0].Path != "srv/acme.lock" || got.Locations[0].Line != 5000 {
		t.Errorf("package: %+v", got)
	}
	if len(res.Errors) != 1 || !strings.Contains(res.Errors[0].Message, "line 5001") {
		t.Errorf("errors: %+v", res.Errors)
	}

	// The analyzer's own error is the file's, not the plugin's.
	res, err = analyze(t, p, "acme.lock", "FAIL\n", 4096)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Errors) != 1 || res.Errors[0].Message != "acme cannot read this" || res.Errors[0].Analyzer != "acme" {
		t.Errorf("errors: %+v", res.Errors)
	}
	if err, _ := p.Failed(); err != nil {
		t.Errorf("failed: %v", err)
	}
}

func TestAnalyzeConcurrently(t *testing.T) {
	p := launch(t, "acme", native.WithConcurrency(3))
	var wg sync.WaitGroup
	errs := make(chan error, 12)
	for i := range 12 {
		wg.Go(func() {
			res, err := analyze(t, p, "acme.lock", fmt.Sprintf("a%d 1\nb 2\n", i), 3)
			if err == nil && (len(res.Packages) != 2 || res.Packages[0].Name != fmt.Sprintf("a%d", i)) {
				err = fmt.Errorf("file %d: %+v", i, res)
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
}

// An analyzer that returns before the end of its file ends the call: the host sends no
// more.
func TestAnalyzeEnough(t *testing.T) {
	p := launch(t, "acme", native.WithChunkSize(4096))
	ctx := context.Background()
	content := "ENOUGH\n" + strings.Repeat("x 1\n", 1<<20)
	s, err := p.BeginFile(ctx, sdk.FileRequest{Path: "acme.lock", Size: int64(len(content)), Analyzers: []string{"acme"}})
	if err != nil {
		t.Fatal(err)
	}
	sent := 0
	for b := []byte(content); len(b) > 0 && s.Wants(); b = b[4096:] {
		if err := s.Write(ctx, b[:4096]); err != nil {
			t.Fatal(err)
		}
		sent += 4096
	}
	if s.Wants() || sent == len(content) {
		t.Fatalf("the plugin still wants the file after %d of %d bytes", sent, len(content))
	}
	res, err := s.End(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Packages) != 1 || res.Packages[0].Name != "enough" {
		t.Errorf("result: %+v", res)
	}
}

func TestFormat(t *testing.T) {
	p := launch(t, "acme-format")
	if m := p.Manifest(); m.Kind != sdk.KindFormatter || m.Formats[0] != "acme" {
		t.Fatalf("manifest: %+v", m)
	}
	rep := sdk.Report{SchemaVersion: sdk.SchemaVersion, Tool: sdk.Tool{Name: "trawl", Version: "dev"}, Artifact: sdk.Artifact{Name: "demo", Type: sdk.ArtifactFilesystem}}
	for i := range 100000 { // a report of some MiB, and an output of more than one chunk
		rep.Packages = append(rep.Packages, sdk.Package{Name: fmt.Sprintf("p%d", i), Version: "1.0", Type: "npm"})
	}
	body, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	out, err := p.Format(context.Background(), sdk.FormatRequest{Format: "acme"}, body)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
	if len(out) < 1<<20 || len(lines) != 100001 || lines[0] != "acme report of demo: 100000 packages" || lines[100000] != "npm p99999 1.0" {
		t.Fatalf("%d bytes, %d lines: %q", len(out), len(lines), lines[0])
	}
	if _, err := p.Format(context.Background(), sdk.FormatRequest{Format: "acme"}, []byte("{not json")); err == nil || !strings.Contains(err.Error(), "report") {
		t.Errorf("bad report: %v", err)
	}
}

func TestOutputLimit(t *testing.T) {
	p := launch(t, "acme", native.WithOutputLimit(10000))
	_, err := analyze(t, p, "acme.lock", "BIG 1000\n", 4096)
	if err == nil || !strings.Contains(err.Error(), "output more than its limit of 10000 bytes") {
		t.Fatalf("got %v", err)
	}
	if first, n := p.Failed(); first == nil || n != 1 {
		t.Errorf("failed: %v, %d", first, n)
	}
	// The plugin is still there for the next file.
	if res, err := analyze(t, p, "acme.lock", "a 1\n", 4096); err != nil || len(res.Packages) != 1 {
		t.Errorf("next file: %v, %+v", err, res)
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

func TestConfirmSecrets(t *testing.T) {
	var logs syncBuffer
	log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	p := launch(t, "acme", native.WithLogger(log))
	const real, fake = "acme_0123456789abcdef", "acme_abcdefabcdef0000"
	res, err := p.ConfirmSecrets(context.Background(), sdk.SecretConfirmRequest{Path: ".env", Analyzer: "acme-secrets", Candidates: []sdk.SecretCandidate{
		{RuleID: "acme-token", Secret: real, Match: "TOKEN=" + real, Line: 1, Column: 7, EndLine: 1},
		{RuleID: "acme-token", Secret: fake, Match: "OTHER=" + fake, Line: 2, Column: 7, EndLine: 2},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Verdicts) != 2 || !res.Verdicts[0].Confirmed || res.Verdicts[0].Note != "checksum valid" || res.Verdicts[1].Confirmed {
		t.Fatalf("verdicts: %+v", res.Verdicts)
	}
	// The plugin wrote both secrets to its stderr: they reach the log scrubbed.
	deadline := time.Now().Add(5 * time.Second)
	for strings.Count(logs.String(), "checking") < 2 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if got := logs.String(); strings.Count(got, "checking *****") != 2 || strings.Contains(got, real) || strings.Contains(got, fake) {
		t.Errorf("log:\n%s", got)
	}
}

func TestHang(t *testing.T) {
	p := launch(t, "acme", native.WithCallTimeout(500*time.Millisecond))
	pid := p.PID()
	start := time.Now()
	_, err := analyze(t, p, "acme.lock", "HANG\n", 4096)
	if err == nil || !strings.Contains(err.Error(), "plugin acme: Analyze exceeded its deadline of 500ms") {
		t.Fatalf("got %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("the deadline took %s", d)
	}
	// The process still serves other calls, and Close kills it, stuck call and all.
	if res, err := analyze(t, p, "acme.lock", "a 1\n", 4096); err != nil || len(res.Packages) != 1 {
		t.Errorf("next file: %v, %+v", err, res)
	}
	p.Close(context.Background())
	if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
		t.Errorf("process %d still there after Close: %v", pid, err)
	}
	if p.Usable() {
		t.Error("usable after Close")
	}
}

func TestCrash(t *testing.T) {
	p := launch(t, "acme")
	_, err := analyze(t, p, "acme.lock", "CRASH\n", 4096)
	if err == nil || !strings.Contains(err.Error(), "plugin acme: Analyze: the plugin process exited (plugin said: panic: acme exploded") {
		t.Fatalf("got %v", err)
	}
	if p.Usable() {
		t.Error("a crashed plugin is still usable")
	}
	if first, _ := p.Failed(); first == nil || first.Error() != err.Error() {
		t.Errorf("first error %v", first)
	}
	if _, err := analyze(t, p, "acme.lock", "a 1\n", 4096); err == nil || !strings.Contains(err.Error(), "has exited") {
		t.Errorf("after the crash: %v", err)
	}
}

func TestRefused(t *testing.T) {
	dir := nativetest.Build(t)
	ctx := context.Background()

	_, err := native.Launch(ctx, filepath.Join(dir, "acme-abi2"))
	var abi *wasm.ABIError
	if !errors.As(err, &abi) || !strings.Contains(err.Error(), "speaks ABI 2.x") || !strings.Contains(err.Error(), fmt.Sprintf("this trawl speaks ABI %d.%d", sdk.ABIMajor, sdk.ABIMinor)) {
		t.Errorf("abi 2: %v", err)
	}

	_, err = native.Launch(ctx, filepath.Join(dir, "acme-bad"))
	if err == nil || !strings.Contains(err.Error(), "exited before it could be connected to") || !strings.Contains(err.Error(), `manifest: plugin name "Acme!"`) {
		t.Errorf("bad manifest: %v", err)
	}

	tmp := t.TempDir()
	script := filepath.Join(tmp, "hello")
	if err := os.WriteFile(script, []byte("#!/bin/sh\necho hello\nsleep 1\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	_, err = native.Launch(ctx, script)
	if err == nil || !strings.Contains(err.Error(), `does not speak trawl's plugin protocol (it printed "hello")`) {
		t.Errorf("not a plugin: %v", err)
	}

	plain := filepath.Join(tmp, "plain")
	if err := os.WriteFile(plain, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err = native.Launch(ctx, plain); err == nil || !strings.Contains(err.Error(), "is not executable") {
		t.Errorf("not executable: %v", err)
	}

	_, err = native.Launch(ctx, filepath.Join(dir, "acme"), native.WithChecksum(make([]byte, 32)))
	if err == nil || !strings.Contains(err.Error(), "SHA-256") {
		t.Errorf("checksum: %v", err)
	}
}
