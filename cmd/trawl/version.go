package main

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"

	"github.com/trawlscan/trawl/sdk"
)

func (e *env) versionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version of trawl, its plugin ABI and its WebAssembly runtime",
		Args:  exactArgs(0),
		RunE: func(cmd *cobra.Command, args []string) error {
			wazero := "unknown"
			if bi, ok := debug.ReadBuildInfo(); ok {
				for _, d := range bi.Deps {
					if d.Path == "github.com/tetratelabs/wazero" {
						wazero = d.Version
					}
				}
			}
			fmt.Fprintf(e.stdout, "trawl %s\nplugin ABI: %d.%d\nreport schema: %s\nwazero: %s\ngo: %s %s/%s\n",
				version, sdk.ABIMajor, sdk.ABIMinor, sdk.SchemaVersion, wazero, runtime.Version(), runtime.GOOS, runtime.GOARCH)
			return nil
		},
	}
}
