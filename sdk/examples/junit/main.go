// Command trawl-junit is a trawl formatter plugin that writes a scan's report as JUnit XML,
// for the test tabs of Jenkins, Azure DevOps and GitLab: a test suite for the scan (its
// verdict, and the plugins that failed), then one per file findings were made in, with a
// test case per finding. A finding is a failure when the verdict counts it against the scan
// (the policy denies it, or the count of its severity exceeds its threshold), a skipped case
// when an ignore entry or a VEX statement suppressed it, and a passing case otherwise.
//
// It is an example of a third-party plugin: a Go module of its own that depends only on
// github.com/trawlscan/trawl/sdk. Build it with
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o junit.wasm .
//	go run github.com/trawlscan/trawl/sdk/cmd/trawl-pack -manifest manifest.json junit.wasm
//
// and use it with `trawl fs --plugin junit.wasm -f junit=trawl-junit.xml DIR`.
package main

import (
	"fmt"
	"io"

	"github.com/trawlscan/trawl/sdk"
	"github.com/trawlscan/trawl/sdk/plugin"
)

type formatter struct{}

func (formatter) Format(req sdk.FormatRequest, r *sdk.Report, w io.Writer) error {
	if req.Format != "junit" {
		return fmt.Errorf("unknown format %q: this plugin writes junit", req.Format)
	}
	return write(w, r)
}

// A reactor module never runs main: the plugin registers from init.
func init() { plugin.RegisterFormatter(formatter{}) }

func main() {}
