// Package native runs analyzer and formatter plugins as separate processes through
// hashicorp/go-plugin, over gRPC, for what cannot be built to WebAssembly. They are not
// sandboxed, so the host uses them only when the user allows native plugins.
package native

import (
	_ "github.com/hashicorp/go-plugin"
	_ "google.golang.org/grpc"
)
