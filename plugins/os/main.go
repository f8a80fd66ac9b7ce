// Command os is trawl's first-party OS analyzer plugin. It identifies the operating system
// of a root filesystem and lists the packages its package manager installed.
//
// Analyzers (manifest.json says which files each one selects):
//   - os-release: etc/os-release, usr/lib/os-release and etc/alpine-release (package
//     osrelease). The host decides which file wins when an image has several.
//   - apk: Alpine's lib/apk/db/installed (package apk).
//
// Size limits (manifest.json): os-release files are refused above 64 KiB (real ones are a
// few hundred bytes), alpine-release above 4 KiB (one line). The apk database streams
// through a fixed 8 KiB line buffer keeping five short fields per package, so its limit
// bounds work, not memory: 64 MiB is far above real databases (14 KB for a minirootfs, a
// few MiB for images with a thousand packages) and, at the 12 MB/s measured through the
// plugin host, about 6 s of parsing spread over 256 chunk calls, each far inside the host's
// per-call deadline.
//
// The parsers are plain Go packages; this file only routes a file to them. Build it with
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o os.wasm ./plugins/os
//	go run ./sdk/cmd/trawl-pack -manifest plugins/os/manifest.json os.wasm
package main

import (
	"fmt"
	"io"
	"path"

	"github.com/trawlscan/trawl/plugins/os/apk"
	"github.com/trawlscan/trawl/plugins/os/osrelease"
	"github.com/trawlscan/trawl/sdk"
	"github.com/trawlscan/trawl/sdk/plugin"
)

// Analyzer names, as in manifest.json.
const (
	analyzerOSRelease = "os-release"
	analyzerApk       = "apk"
)

func init() { plugin.RegisterAnalyzer(analyzer{}) }

// main is never run: the module is a reactor, driven through its exports.
func main() {}

type analyzer struct{}

// Analyze parses one file with the analyzer that selected it. A parse error fails the file
// (the SDK records it for the host); problems with single apk stanzas come back as errors
// in the result next to the packages that could be read.
func (analyzer) Analyze(req sdk.FileRequest, content io.Reader) (*sdk.AnalysisResult, error) {
	// The manifest's selectors do not overlap, so each file has exactly one analyzer; the
	// content can be read only once, so two would need buffering that nothing needs.
	if len(req.Analyzers) != 1 {
		return nil, fmt.Errorf("%s: want exactly one analyzer, got %q", req.Path, req.Analyzers)
	}
	switch name := req.Analyzers[0]; name {
	case analyzerOSRelease:
		parse := osrelease.Parse
		if path.Base(req.Path) == "alpine-release" {
			parse = osrelease.ParseAlpineRelease
		}
		o, err := parse(req.Path, content)
		if err != nil {
			return nil, err
		}
		return &sdk.AnalysisResult{OS: o}, nil
	case analyzerApk:
		pkgs, problems, err := apk.Parse(req.Path, content)
		if err != nil {
			return nil, err
		}
		res := &sdk.AnalysisResult{Packages: pkgs}
		for _, p := range problems {
			res.Errors = append(res.Errors, sdk.FileError{Analyzer: name, Path: req.Path, Message: p.Error()})
		}
		return res, nil
	default:
		return nil, fmt.Errorf("%s: unknown analyzer %q", req.Path, name)
	}
}
