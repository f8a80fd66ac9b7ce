// Command trawl-conan is a trawl analyzer plugin for Conan, the C and C++ package manager:
// it lists the packages of conan.lock files, Conan 1.x graph locks (lock file versions 0.1
// to 0.4) and Conan 2.x lock files (0.5), as packages of purl type "conan" in the OSV
// ecosystem "ConanCenter", so that trawl matches them against ConanCenter advisories.
//
// It is an example of a third-party plugin: a Go module of its own that depends only on
// github.com/trawlscan/trawl/sdk. Build it with
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o conan.wasm .
//	go run github.com/trawlscan/trawl/sdk/cmd/trawl-pack -manifest manifest.json conan.wasm
//
// and try it with `trawl fs --plugin conan.wasm DIR`.
package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/trawlscan/trawl/sdk"
	"github.com/trawlscan/trawl/sdk/plugin"
)

const (
	// analyzerName is the analyzer's name in manifest.json.
	analyzerName = "conan"
	// purlType and osvEcosystem name Conan packages: trawl derives both from the type
	// when a package leaves them empty, but a plugin that says what it means works with
	// any host.
	purlType     = "conan"
	osvEcosystem = "ConanCenter"
)

type analyzer struct{}

// Analyze reads one conan.lock. A file that is not a lock file, and entries that are not
// Conan references, are reported as the file's errors: the scan goes on.
func (analyzer) Analyze(req sdk.FileRequest, content io.Reader) (*sdk.AnalysisResult, error) {
	data, err := io.ReadAll(content)
	if err != nil {
		return nil, err
	}
	locked, problems, err := parseLock(data)
	if err != nil {
		return nil, err
	}
	res := &sdk.AnalysisResult{Packages: make([]sdk.Package, 0, len(locked))}
	for _, l := range locked {
		res.Packages = append(res.Packages, sdk.Package{
			Name:      l.Name,
			Version:   l.Version,
			Type:      purlType,
			Ecosystem: osvEcosystem,
			PURL:      purl(l.reference),
			Indirect:  l.Indirect,
			Dev:       l.Dev,
			Locations: []sdk.Location{{Path: req.Path, Line: l.Line}},
		})
	}
	for _, p := range problems {
		res.Errors = append(res.Errors, sdk.FileError{Analyzer: analyzerName, Path: req.Path, Message: p})
	}
	return res, nil
}

// purl returns the package URL of a reference with a user or channel
// (pkg:conan/mylib@1.0?channel=stable&user=acme), as the purl specification's conan type
// has it, and "" for the others, whose purl the host writes (pkg:conan/zlib@1.2.13).
func purl(r reference) string {
	if r.User == "" && r.Channel == "" {
		return ""
	}
	var q []string // in key order
	if r.Channel != "" {
		q = append(q, "channel="+escape(r.Channel))
	}
	if r.User != "" {
		q = append(q, "user="+escape(r.User))
	}
	return fmt.Sprintf("pkg:conan/%s@%s?%s", escape(r.Name), escape(r.Version), strings.Join(q, "&"))
}

// escape percent-encodes what a purl component may not hold as is; Conan names and
// versions allow only '+' among such characters.
func escape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '.', c == '-', c == '_', c == '~':
			b.WriteByte(c)
		default:
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// A reactor module never runs main: the plugin registers from init.
func init() { plugin.RegisterAnalyzer(analyzer{}) }

func main() {}
