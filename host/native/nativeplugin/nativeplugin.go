// Package nativeplugin turns an implementation of the sdk's plugin interfaces into a native
// trawl plugin: an executable that trawl launches through hashicorp/go-plugin and calls over
// gRPC, for what cannot be built to WebAssembly (cgo, a vendor's library). The interfaces
// are those of a WebAssembly plugin (github.com/trawlscan/trawl/sdk/plugin), so one
// implementation can be served both ways:
//
//	func main() {
//		nativeplugin.Serve(nativeplugin.Plugin{
//			Manifest: manifest, // as in manifest.json; Kind "analyzer" or "formatter"
//			Analyzer: conan{},
//		})
//	}
//
// built with a plain `go build`, and used with
//
//	trawl fs --allow-native-plugins --native-plugin ./conan-plugin .
//
// Unlike a WebAssembly plugin, a native one runs with the user's rights, unsandboxed: trawl
// uses one only when told to. The plugin's calls may run concurrently (up to GOMAXPROCS of
// the host at once): Analyze, ConfirmSecrets and Format must be safe for concurrent use.
// Running the executable by hand prints go-plugin's notice that it is a plugin.
package nativeplugin

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"

	goplugin "github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/trawlscan/trawl/host/native/internal/wire"
	"github.com/trawlscan/trawl/sdk"
	"github.com/trawlscan/trawl/sdk/plugin"
)

// Plugin is what a native plugin serves.
type Plugin struct {
	// Manifest describes the plugin as a WebAssembly plugin's manifest does (sdk/ABI.md).
	// An empty ABI means this sdk's.
	Manifest sdk.Manifest
	// Analyzer serves a plugin of kind analyzer that selects files.
	Analyzer plugin.Analyzer
	// Confirmer serves the analyzers whose manifest entry confirms secrets.
	Confirmer plugin.SecretConfirmer
	// Formatter serves a plugin of kind formatter.
	Formatter plugin.Formatter
}

// Check reports the first problem that would make trawl refuse the plugin, or make its
// calls fail: an invalid manifest, or an implementation missing for what it declares.
func (p *Plugin) Check() error {
	if p.Manifest.ABI == "" {
		p.Manifest.ABI = fmt.Sprintf("%d.%d", sdk.ABIMajor, sdk.ABIMinor)
	}
	if err := p.Manifest.Validate(); err != nil {
		return fmt.Errorf("manifest: %w", err)
	}
	files, confirm := false, false
	for _, a := range p.Manifest.Analyzers {
		files = files || len(a.Files) > 0
		confirm = confirm || a.Confirm
	}
	switch {
	case files && p.Analyzer == nil:
		return errors.New("the manifest's analyzers select files, but the plugin has no Analyzer")
	case confirm && p.Confirmer == nil:
		return errors.New("the manifest's analyzers confirm secrets, but the plugin has no Confirmer")
	case p.Manifest.Kind == sdk.KindFormatter && p.Formatter == nil:
		return errors.New("the manifest is a formatter's, but the plugin has no Formatter")
	}
	return nil
}

// Serve serves p to the trawl that launched the executable, until trawl closes it, then
// returns. It exits the process with status 1 when p fails Check.
func Serve(p Plugin) {
	if err := p.Check(); err != nil {
		fmt.Fprintf(os.Stderr, "trawl plugin %s: %v\n", p.Manifest.Name, err)
		os.Exit(1)
	}
	major, _, _ := sdk.ParseABI(p.Manifest.ABI)
	hs := wire.Handshake
	hs.ProtocolVersion = uint(major)
	goplugin.Serve(&goplugin.ServeConfig{
		HandshakeConfig: hs,
		Plugins:         goplugin.PluginSet{wire.PluginName: &wire.GRPCPlugin{Impl: &server{p: p}}},
		GRPCServer: func(opts []grpc.ServerOption) *grpc.Server {
			return grpc.NewServer(append(opts, grpc.MaxRecvMsgSize(wire.MaxMessage))...)
		},
	})
}

// server answers the host's calls.
type server struct{ p Plugin }

func (s *server) Manifest(context.Context) (*sdk.Manifest, error) { return &s.p.Manifest, nil }

// Analyze runs the analyzer over the file as it streams in; when the analyzer returns
// before the end of the file, the call ends with its result, which tells the host to send
// no more.
func (s *server) Analyze(stream grpc.ServerStream) error {
	var req sdk.FileRequest
	if err := stream.RecvMsg(&req); err != nil {
		return err
	}
	if s.p.Analyzer == nil {
		return status.Error(codes.Unimplemented, "the plugin has no analyzer")
	}
	pr, pw := io.Pipe()
	var (
		res  *sdk.AnalysisResult
		aerr error
		done = make(chan struct{})
	)
	go func() {
		defer close(done)
		defer func() {
			if r := recover(); r != nil {
				res, aerr = nil, fmt.Errorf("analyzer panicked: %v\n%s", r, debug.Stack())
			}
		}()
		defer pr.CloseWithError(io.ErrClosedPipe) // the feeder stops writing
		res, aerr = s.p.Analyzer.Analyze(req, pr)
	}()
	// The feeder passes the chunks on; it is left blocked in RecvMsg when the analyzer
	// returns early, and freed when this call ends.
	go func() {
		for {
			var c wire.Chunk
			err := stream.RecvMsg(&c)
			if err == io.EOF {
				pw.Close()
				return
			}
			if err != nil {
				pw.CloseWithError(err)
				return
			}
			if _, err := pw.Write(c.Data); err != nil {
				return
			}
		}
	}()
	select {
	case <-done:
	case <-stream.Context().Done():
		pw.CloseWithError(stream.Context().Err())
		return status.FromContextError(stream.Context().Err()).Err()
	}
	if res == nil {
		res = &sdk.AnalysisResult{}
	}
	if len(req.Analyzers) == 1 {
		for i := range res.Packages {
			if res.Packages[i].Analyzer == "" {
				res.Packages[i].Analyzer = req.Analyzers[0]
			}
		}
	}
	if aerr != nil {
		// As in the WebAssembly sdk: a problem with one file is recorded, and the scan goes on.
		res.Errors = append(res.Errors, sdk.FileError{Analyzer: strings.Join(req.Analyzers, ","), Path: req.Path, Message: aerr.Error()})
	}
	b, err := json.Marshal(res)
	if err != nil {
		return status.Error(codes.Internal, err.Error())
	}
	w := &chunkWriter{stream: stream}
	if _, err := w.Write(b); err != nil {
		return err
	}
	return nil
}

func (s *server) ConfirmSecrets(_ context.Context, req *sdk.SecretConfirmRequest) (res *sdk.SecretConfirmResult, err error) {
	if s.p.Confirmer == nil {
		return nil, status.Error(codes.Unimplemented, "the plugin has no secret confirmer")
	}
	defer func() {
		// The panic value may hold a secret: it is not repeated.
		if recover() != nil {
			res, err = nil, status.Error(codes.Internal, "secret confirmer panicked")
		}
	}()
	r, err := s.p.Confirmer.ConfirmSecrets(*req)
	if err != nil {
		return nil, status.Error(codes.Unknown, err.Error())
	}
	if len(r.Verdicts) != len(req.Candidates) {
		return nil, status.Errorf(codes.Internal, "secret confirmer gave %d verdicts for %d candidates", len(r.Verdicts), len(req.Candidates))
	}
	return &r, nil
}

// Format gathers the report, then renders it to the host in chunks.
func (s *server) Format(stream grpc.ServerStream) (err error) {
	var req sdk.FormatRequest
	if err := stream.RecvMsg(&req); err != nil {
		return err
	}
	if s.p.Formatter == nil {
		return status.Error(codes.Unimplemented, "the plugin has no formatter")
	}
	var body []byte
	for {
		var c wire.Chunk
		err := stream.RecvMsg(&c)
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		body = append(body, c.Data...)
	}
	var report sdk.Report
	if err := json.Unmarshal(body, &report); err != nil {
		return status.Errorf(codes.InvalidArgument, "report: %v", err)
	}
	defer func() {
		if r := recover(); r != nil {
			err = status.Errorf(codes.Internal, "formatter panicked: %v", r)
		}
	}()
	cw := &chunkWriter{stream: stream}
	w := bufio.NewWriterSize(cw, wire.OutputChunk)
	if err := s.p.Formatter.Format(req, &report, w); err != nil {
		if cw.err != nil {
			return cw.err
		}
		return status.Error(codes.Unknown, err.Error())
	}
	return w.Flush()
}

// chunkWriter sends what is written to the host in chunks.
type chunkWriter struct {
	stream grpc.ServerStream
	err    error
}

func (w *chunkWriter) Write(p []byte) (int, error) {
	if w.err != nil {
		return 0, w.err
	}
	for off := 0; off < len(p); {
		n := min(len(p)-off, wire.OutputChunk)
		if err := w.stream.SendMsg(&wire.Chunk{Data: p[off : off+n]}); err != nil {
			w.err = err
			return off, err
		}
		off += n
	}
	return len(p), nil
}
