// Command mdformat is a third-party formatter plugin for the registry's tests: it writes
// the report's packages as a Markdown table, in the format "md". It is built with
// host/wasm/wasmtest, which packs the manifest each test gives it.
package main

import (
	"fmt"
	"io"

	"github.com/trawlscan/trawl/sdk"
	"github.com/trawlscan/trawl/sdk/plugin"
)

type markdown struct{}

func (markdown) Format(req sdk.FormatRequest, r *sdk.Report, w io.Writer) error {
	if req.Format != "md" {
		return fmt.Errorf("unknown format %q", req.Format)
	}
	fmt.Fprintf(w, "# trawl report: %d packages\n\n| package | version | type |\n|---|---|---|\n", len(r.Packages))
	for _, p := range r.Packages {
		fmt.Fprintf(w, "| %s | %s | %s |\n", p.Name, p.Version, p.Type)
	}
	return nil
}

func init() { plugin.RegisterFormatter(markdown{}) }

func main() {}
