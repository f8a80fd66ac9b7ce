// Package wire is the protocol between trawl and a native plugin, shared by the host
// (host/native) and the plugin side (host/native/nativeplugin): the go-plugin handshake,
// a gRPC service declared by hand, and the JSON codec its messages travel in.
//
// The messages are the sdk's JSON documents, as in the WebAssembly ABI (sdk/ABI.md);
// content travels as raw chunks of at most the host's chunk size:
//
//	Manifest        unary   Empty -> sdk.Manifest
//	Analyze         stream  host: sdk.FileRequest, Chunk... (the file), close
//	                        plugin: Chunk... (the sdk.AnalysisResult JSON), end
//	ConfirmSecrets  unary   sdk.SecretConfirmRequest -> sdk.SecretConfirmResult
//	Format          stream  host: sdk.FormatRequest, Chunk... (the report JSON), close
//	                        plugin: Chunk... (the rendered report), end
//
// A plugin that needs no more of a file ends the Analyze stream with its result early,
// as an ABI plugin answers "enough". A call's error is a gRPC status whose message is the
// plugin's.
package wire

import (
	"context"
	"encoding/json"
	"fmt"

	goplugin "github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"
	"google.golang.org/grpc/encoding"

	"github.com/trawlscan/trawl/sdk"
)

// Handshake is go-plugin's handshake: the magic cookie tells a trawl plugin that trawl
// launched it, and the protocol version is the ABI major the plugin speaks (its manifest's).
var Handshake = goplugin.HandshakeConfig{
	ProtocolVersion:  sdk.ABIMajor,
	MagicCookieKey:   "TRAWL_PLUGIN",
	MagicCookieValue: "native-3f9d2c61b0e84a57",
}

// PluginName is the name the plugin is dispensed under in go-plugin's plugin set.
const PluginName = "trawl"

// CodecName is the gRPC content-subtype of every call of the service.
const CodecName = "trawl-json"

// ServiceName is the gRPC service.
const ServiceName = "trawl.native.v1.Plugin"

// Full method names.
const (
	MethodManifest       = "/" + ServiceName + "/Manifest"
	MethodAnalyze        = "/" + ServiceName + "/Analyze"
	MethodConfirmSecrets = "/" + ServiceName + "/ConfirmSecrets"
	MethodFormat         = "/" + ServiceName + "/Format"
)

// MaxMessage bounds one message a plugin receives (requests; content comes in chunks).
const MaxMessage = 64 << 20

// OutputChunk is the size of the chunks a plugin sends its output in.
const OutputChunk = 1 << 20

// Empty is the request of Manifest.
type Empty struct{}

// Chunk is raw bytes: the codec sends them as they are, not as JSON.
type Chunk struct{ Data []byte }

// codec marshals messages as JSON, and a Chunk as its bytes.
type codec struct{}

func (codec) Name() string { return CodecName }

func (codec) Marshal(v any) ([]byte, error) {
	if c, ok := v.(*Chunk); ok {
		// A copy: gRPC may hold the bytes after SendMsg returns, and the sender reuses its
		// buffer.
		return append([]byte(nil), c.Data...), nil
	}
	return json.Marshal(v)
}

func (codec) Unmarshal(data []byte, v any) error {
	if c, ok := v.(*Chunk); ok {
		// A copy: gRPC frees data once Unmarshal returns.
		c.Data = append(c.Data[:0], data...)
		return nil
	}
	return json.Unmarshal(data, v)
}

func init() { encoding.RegisterCodec(codec{}) }

// CallOptions are the options of every call the host makes.
func CallOptions() []grpc.CallOption {
	return []grpc.CallOption{grpc.CallContentSubtype(CodecName)}
}

// Handler is what the plugin side implements.
type Handler interface {
	Manifest(ctx context.Context) (*sdk.Manifest, error)
	Analyze(stream grpc.ServerStream) error
	ConfirmSecrets(ctx context.Context, req *sdk.SecretConfirmRequest) (*sdk.SecretConfirmResult, error)
	Format(stream grpc.ServerStream) error
}

// AnalyzeStream and FormatStream describe the streamed methods to a client.
var (
	AnalyzeStream = grpc.StreamDesc{StreamName: "Analyze", ServerStreams: true, ClientStreams: true}
	FormatStream  = grpc.StreamDesc{StreamName: "Format", ServerStreams: true, ClientStreams: true}
)

// ServiceDesc is the service, declared by hand (there is no .proto: the messages are JSON).
var ServiceDesc = grpc.ServiceDesc{
	ServiceName: ServiceName,
	HandlerType: (*Handler)(nil),
	Methods: []grpc.MethodDesc{
		{MethodName: "Manifest", Handler: manifestHandler},
		{MethodName: "ConfirmSecrets", Handler: confirmHandler},
	},
	Streams: []grpc.StreamDesc{
		{StreamName: "Analyze", Handler: func(srv any, s grpc.ServerStream) error { return srv.(Handler).Analyze(s) }, ServerStreams: true, ClientStreams: true},
		{StreamName: "Format", Handler: func(srv any, s grpc.ServerStream) error { return srv.(Handler).Format(s) }, ServerStreams: true, ClientStreams: true},
	},
}

func manifestHandler(srv any, ctx context.Context, dec func(any) error, icpt grpc.UnaryServerInterceptor) (any, error) {
	in := new(Empty)
	if err := dec(in); err != nil {
		return nil, err
	}
	h := func(ctx context.Context, _ any) (any, error) { return srv.(Handler).Manifest(ctx) }
	if icpt == nil {
		return h(ctx, in)
	}
	return icpt(ctx, in, &grpc.UnaryServerInfo{Server: srv, FullMethod: MethodManifest}, h)
}

func confirmHandler(srv any, ctx context.Context, dec func(any) error, icpt grpc.UnaryServerInterceptor) (any, error) {
	in := new(sdk.SecretConfirmRequest)
	if err := dec(in); err != nil {
		return nil, err
	}
	h := func(ctx context.Context, req any) (any, error) {
		return srv.(Handler).ConfirmSecrets(ctx, req.(*sdk.SecretConfirmRequest))
	}
	if icpt == nil {
		return h(ctx, in)
	}
	return icpt(ctx, in, &grpc.UnaryServerInfo{Server: srv, FullMethod: MethodConfirmSecrets}, h)
}

// GRPCPlugin is the go-plugin plugin on both sides: the plugin registers Impl, the host
// gets a Conn.
type GRPCPlugin struct {
	goplugin.NetRPCUnsupportedPlugin
	// Impl serves the calls, on the plugin side.
	Impl Handler
}

// Conn is what the host dispenses: the connection, and a context that ends when the plugin
// process exits.
type Conn struct {
	*grpc.ClientConn
	Exited context.Context
}

// GRPCServer implements goplugin.GRPCPlugin.
func (p *GRPCPlugin) GRPCServer(_ *goplugin.GRPCBroker, s *grpc.Server) error {
	if p.Impl == nil {
		return fmt.Errorf("no %s server", ServiceName)
	}
	s.RegisterService(&ServiceDesc, p.Impl)
	return nil
}

// GRPCClient implements goplugin.GRPCPlugin.
func (p *GRPCPlugin) GRPCClient(ctx context.Context, _ *goplugin.GRPCBroker, c *grpc.ClientConn) (any, error) {
	return &Conn{ClientConn: c, Exited: ctx}, nil
}
