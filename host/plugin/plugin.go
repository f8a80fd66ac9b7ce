// Package plugin is what a run needs of a loaded plugin, whatever runs it: a WebAssembly
// module sandboxed in wazero (host/wasm) or a native executable behind gRPC (host/native).
// The scanner drives analyzers through Analyzer and the CLI writes reports through
// Formatter, so that both kinds of plugin are used alike.
package plugin

import (
	"context"

	"github.com/trawlscan/trawl/host/wasm"
	"github.com/trawlscan/trawl/sdk"
)

// Session is one file streaming into one plugin (the methods of walk.Session).
type Session interface {
	// Wants is false once the plugin has read all it needs of the file.
	Wants() bool
	Write(ctx context.Context, chunk []byte) error
	End(ctx context.Context) (*sdk.AnalysisResult, error)
	// Abort gives up a session that will not be ended.
	Abort()
}

// Analyzer is an analyzer plugin as a scan drives it.
type Analyzer interface {
	// Manifest is the plugin's manifest, checked when the plugin was loaded.
	Manifest() *sdk.Manifest
	// BeginFile starts streaming one file into the plugin.
	BeginFile(ctx context.Context, req sdk.FileRequest) (Session, error)
	// ConfirmSecrets asks the plugin to confirm the candidates of its secret rules in one file.
	ConfirmSecrets(ctx context.Context, req sdk.SecretConfirmRequest) (*sdk.SecretConfirmResult, error)
	// Usable is false once the plugin has failed too often to be given more work.
	Usable() bool
	// Failed reports the plugin's first error and how many of its calls failed.
	Failed() (error, int)
}

// Formatter is a formatter plugin as a run uses it. *wasm.Plugin implements it.
type Formatter interface {
	// Prepare readies the plugin for its first call, ahead of it: a scan prepares its
	// formatters while the layers are read. A native plugin is ready once launched.
	Prepare(ctx context.Context) error
	// Format renders a report (the JSON report document) in one of the plugin's formats.
	Format(ctx context.Context, req sdk.FormatRequest, report []byte) ([]byte, error)
}

// Wasm adapts a WebAssembly plugin to Analyzer: its manifest is a field and its sessions
// are of its own type, so it needs the few lines below rather than implementing Analyzer
// itself.
func Wasm(p *wasm.Plugin) Analyzer { return wasmAnalyzer{p} }

type wasmAnalyzer struct{ p *wasm.Plugin }

func (a wasmAnalyzer) Manifest() *sdk.Manifest { return &a.p.Manifest }

func (a wasmAnalyzer) BeginFile(ctx context.Context, req sdk.FileRequest) (Session, error) {
	s, err := a.p.BeginFile(ctx, req)
	if err != nil {
		return nil, err // not a typed nil in an interface
	}
	return s, nil
}

func (a wasmAnalyzer) ConfirmSecrets(ctx context.Context, req sdk.SecretConfirmRequest) (*sdk.SecretConfirmResult, error) {
	return a.p.ConfirmSecrets(ctx, req)
}

func (a wasmAnalyzer) Usable() bool         { return a.p.Usable() }
func (a wasmAnalyzer) Failed() (error, int) { return a.p.Failed() }

var _ Formatter = (*wasm.Plugin)(nil)
