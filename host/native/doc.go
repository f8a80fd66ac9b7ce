// Package native runs analyzer and formatter plugins as separate processes through
// hashicorp/go-plugin, over gRPC, for what cannot be built to WebAssembly. They are not
// sandboxed, so the host uses them only when the user allows native plugins.
//
// # Native plugins
//
// A native plugin is an executable built against
// github.com/trawlscan/trawl/host/native/nativeplugin, which serves the same interfaces
// as a WebAssembly plugin (sdk/plugin: Analyzer, SecretConfirmer, Formatter) and the same
// manifest (sdk.Manifest, validated by the host as for a module):
//
//	nativeplugin.Serve(nativeplugin.Plugin{Manifest: m, Analyzer: conan{}})
//
// The CLI launches one only with both flags: `trawl fs --allow-native-plugins
// --native-plugin ./conan-plugin .` (--native-plugin is repeatable); without
// --allow-native-plugins it refuses with exit status 2. A native plugin then takes part in
// the scan as a WebAssembly one does: its analyzers get the files their selectors pick,
// its secret rules run natively and its confirmations are asked for, its formats can be
// asked for with --format, and the report lists it with its status.
//
// Protocol. Launch starts the executable with go-plugin (gRPC only, AutoMTLS, a start
// timeout). The handshake carries the magic cookie TRAWL_PLUGIN and, as protocol version,
// the ABI major the plugin's manifest speaks: a plugin of another major is refused at the
// handshake, with the same message as a module of another major. The gRPC service,
// trawl.native.v1.Plugin, is declared by hand (internal/wire) and its messages are the sdk's
// JSON documents, in a codec named "trawl-json": Manifest and ConfirmSecrets are unary;
// Analyze and Format are streams that carry the request, then the content in chunks of at
// most 256 KiB, and return the result or the rendered report in chunks of at most 1 MiB. A
// plugin that needs no more of a file ends its Analyze call early with its result, as a
// module answers "enough".
//
// Limits. A native plugin runs with the user's rights: nothing confines its file, network
// or memory use, and its manifest's memory_mib is not enforced. What the host does enforce
// is as for a module, with host/wasm's defaults and caps: a deadline on every step of every
// call (30 s, or the manifest's timeout_ms up to 5 min), a cap on what one call returns
// (64 MiB, or the manifest's output_bytes up to 512 MiB), results validated as a module's,
// and after three failed calls no more work. A call past its deadline is cancelled and
// fails with "exceeded its deadline"; a plugin whose process exits (a crash) fails the call
// under way with "the plugin process exited" and the line of its stderr that says why (a Go
// panic's first line), and gets no more work. Close asks the process to stop and kills it
// when it has not within two seconds, so a hung plugin does not outlive the scan. Calls may
// run concurrently (up to GOMAXPROCS at once). The plugin's stdout, stderr and go-plugin's
// log go to the host's log at debug level, scrubbed of the candidates of secret
// confirmations under way.
package native
