// Command trawl-markdown is a trawl formatter plugin that writes a scan's report as a
// Markdown summary for a pull-request or merge-request comment: the verdict and its
// reasons, the counted findings by severity against the thresholds, the top findings (those
// that fail the verdict first), secrets, the suppressed findings folded away, and what
// made the scan incomplete.
//
// It is an example of a third-party plugin: a Go module of its own that depends only on
// github.com/trawlscan/trawl/sdk. Build it with
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o markdown.wasm .
//	go run github.com/trawlscan/trawl/sdk/cmd/trawl-pack -manifest manifest.json markdown.wasm
//
// and use it with `trawl fs --plugin markdown.wasm -f markdown=comment.md DIR`.
package main

import (
	"fmt"
	"io"
	"strconv"

	"github.com/trawlscan/trawl/sdk"
	"github.com/trawlscan/trawl/sdk/plugin"
)

type formatter struct{}

// Format writes the summary. The option "top" (a format request's options, for hosts that
// pass them) sets how many findings the table lists.
func (formatter) Format(req sdk.FormatRequest, r *sdk.Report, w io.Writer) error {
	if req.Format != "markdown" {
		return fmt.Errorf("unknown format %q: this plugin writes markdown", req.Format)
	}
	top := defaultTop
	if s, ok := req.Options["top"]; ok {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			return fmt.Errorf("option top=%q: want a positive number", s)
		}
		top = n
	}
	return write(w, r, top)
}

// A reactor module never runs main: the plugin registers from init.
func init() { plugin.RegisterFormatter(formatter{}) }

func main() {}
