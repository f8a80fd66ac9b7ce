package source

import (
	"bytes"
	"fmt"
	"io"
	"os"

	"github.com/trawlscan/trawl/host/ecosystem"
	"github.com/trawlscan/trawl/plugins/formatters/cyclonedx"
	"github.com/trawlscan/trawl/plugins/formatters/spdx"
	"github.com/trawlscan/trawl/sdk"
)

// maxSBOM bounds the SBOM read: it is decoded whole. The SBOMs of the largest images list
// tens of thousands of packages in tens of megabytes.
const maxSBOM = 256 << 20

// SBOM opens a CycloneDX (JSON, 1.4 to 1.6) or SPDX (JSON, 2.2 and 2.3) document as an
// artifact without layers: its packages, by purl, are what is scanned. The readers are the
// ones of the formatters that write those formats, so that what trawl writes it reads back.
func SBOM(path string) (*Artifact, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxSBOM+1))
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	if len(data) > maxSBOM {
		return nil, fmt.Errorf("%s: larger than %d bytes", path, maxSBOM)
	}
	head := data[:min(len(data), 4096)]
	var pkgs []sdk.Package
	switch {
	case cyclonedx.Detect(head):
		pkgs, err = cyclonedx.Read(bytes.NewReader(data))
	case spdx.Detect(head):
		pkgs, err = spdx.Read(bytes.NewReader(data))
	default:
		return nil, fmt.Errorf("%s: not a CycloneDX or SPDX JSON document", path)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if pkgs == nil {
		pkgs = []sdk.Package{}
	}
	art := &Artifact{
		Info:     sdk.Artifact{Name: path, Type: sdk.ArtifactSBOM},
		Packages: pkgs,
		Close:    closerOrNop(nil),
	}
	// The distribution decides which advisories OS packages meet; an SBOM says it in
	// their purls.
	for _, p := range pkgs {
		if os := ecosystem.OSFromPURL(p.PURL); os != nil {
			art.OS = os
			break
		}
	}
	return art, nil
}
