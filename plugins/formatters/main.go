// Command formatters is trawl's first-party formatter plugin: one WebAssembly module that
// writes the report in every built-in format: "json", "table", "sarif", the GitLab security
// reports ("gitlab-container-scanning", "gitlab-dependency-scanning",
// "gitlab-secret-detection") and the SBOMs "cyclonedx" (1.6 JSON) and "spdx" (2.3 JSON).
//
// The formats share one module because each Go wasm module carries its own Go runtime and
// takes seconds to compile cold; one module per format would multiply that. The formats
// themselves are plain Go packages (jsonreport, table, sarif, gitlab, cyclonedx, spdx),
// tested natively.
//
// Build and pack:
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -trimpath -ldflags='-s -w' -o formatters.wasm ./plugins/formatters
//	go run github.com/trawlscan/trawl/sdk/cmd/trawl-pack -manifest plugins/formatters/manifest.json formatters.wasm
package main

import (
	"errors"
	"io"
	"strconv"

	"github.com/trawlscan/trawl/plugins/formatters/cyclonedx"
	"github.com/trawlscan/trawl/plugins/formatters/gitlab"
	"github.com/trawlscan/trawl/plugins/formatters/jsonreport"
	"github.com/trawlscan/trawl/plugins/formatters/sarif"
	"github.com/trawlscan/trawl/plugins/formatters/spdx"
	"github.com/trawlscan/trawl/plugins/formatters/table"
	"github.com/trawlscan/trawl/sdk"
	"github.com/trawlscan/trawl/sdk/plugin"
)

// Format names, as manifest.json lists them.
const (
	formatJSON      = "json"
	formatTable     = "table"
	formatSARIF     = "sarif"
	formatGitLabCS  = "gitlab-container-scanning"
	formatGitLabDS  = "gitlab-dependency-scanning"
	formatGitLabSD  = "gitlab-secret-detection"
	formatCycloneDX = "cyclonedx"
	formatSPDX      = "spdx"
)

// formatters dispatches on the format the user asked for.
type formatters struct{}

func (formatters) Format(req sdk.FormatRequest, report *sdk.Report, w io.Writer) error {
	switch req.Format {
	case formatJSON:
		return jsonreport.Write(w, report)
	case formatTable:
		return table.Write(w, report, table.Options{Color: req.Color})
	case formatSARIF:
		return sarif.Write(w, report)
	case formatGitLabCS:
		return gitlab.Write(w, report, gitlab.ContainerScanning)
	case formatGitLabDS:
		return gitlab.Write(w, report, gitlab.DependencyScanning)
	case formatGitLabSD:
		return gitlab.Write(w, report, gitlab.SecretDetection)
	case formatCycloneDX:
		return cyclonedx.Write(w, report)
	case formatSPDX:
		return spdx.Write(w, report)
	}
	return errors.New("unknown format " + strconv.Quote(req.Format))
}

// FormatRaw writes the json format as the host sent the report, when it is indented as the
// format is: decoding it and encoding it again was most of a JSON report's time in wasm.
func (formatters) FormatRaw(req sdk.FormatRequest, document []byte, w io.Writer) (bool, error) {
	if req.Format != formatJSON || !jsonreport.Indented(document) {
		return false, nil
	}
	_, err := w.Write(document)
	return true, err
}

// A reactor module never runs main: the formatter is registered when the runtime starts.
func init() { plugin.RegisterFormatter(formatters{}) }

func main() {}
