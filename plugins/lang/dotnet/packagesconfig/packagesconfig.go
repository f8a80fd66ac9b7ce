// Package packagesconfig reads packages.config, the list of NuGet packages of a .NET
// Framework project that does not use PackageReference, written by Visual Studio and
// nuget.exe (https://learn.microsoft.com/nuget/reference/packages-config):
//
//	<packages>
//	  <package id="Newtonsoft.Json" version="12.0.3" targetFramework="net472" />
//	  <package id="StyleCop.Analyzers" version="1.1.118" developmentDependency="true" />
//	</packages>
//
// Every <package> is a package at the version installed, at the line of its element;
// developmentDependency="true" marks it Dev. The file lists every package installed,
// direct or not, without saying which: Indirect is never set. A version that is not a
// single version (nuget.exe never writes one) is unresolved; allowedVersions, a range
// that constrains updates, is not read.
//
// The file streams through the XML decoder; reading stops at the end of the root element.
// An empty file, one that is not XML, and one whose root is not <packages> fail.
package packagesconfig

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"

	"github.com/trawlscan/trawl/plugins/lang/dotnet/internal/nuget"
	"github.com/trawlscan/trawl/plugins/lang/internal/collect"
	"github.com/trawlscan/trawl/plugins/lang/internal/linereader"
	"github.com/trawlscan/trawl/sdk"
)

// MaxSize is the largest file read (manifest.json). The file streams, so the bound is on
// time: a packages.config takes about 100 bytes a package.
const MaxSize = 8 << 20

const format = "packages.config"

// Parse reads a packages.config from r. path is the file's path, used in the packages'
// locations and in problems. The error is for a file that cannot be read or is not a
// packages.config.
func Parse(path string, r io.Reader) (*collect.Result, error) { return parse(path, r, MaxSize) }

// parse is Parse with a size limit, which tests lower.
func parse(path string, r io.Reader, max int64) (*collect.Result, error) {
	d := nuget.NewXMLDecoder(linereader.Limit(r, max))
	b := nuget.NewBuilder(path)
	depth, root, blank := 0, false, true
	for {
		line, _ := d.InputPos()
		tok, err := d.Token()
		if err == io.EOF && !root {
			if blank {
				return nil, fmt.Errorf("%s: empty file, not a %s", path, format)
			}
			return nil, fmt.Errorf("%s: not a %s: no XML element", path, format)
		}
		if err != nil {
			return nil, nuget.XMLError(path, "a "+format, d, err)
		}
		switch t := tok.(type) {
		case xml.CharData:
			blank = blank && len(strings.TrimSpace(strings.TrimPrefix(string(t), "\ufeff"))) == 0
		case xml.StartElement:
			depth++
			switch {
			case depth == 1 && t.Name.Local != "packages":
				return nil, fmt.Errorf("%s:%d: not a %s: the root element is <%s>, not <packages>", path, line, format, collect.Quote(t.Name.Local))
			case depth == 1:
				root = true
			case depth == 2 && t.Name.Local == "package":
				pkg(b, t, line)
			}
		case xml.EndElement:
			depth--
			if depth == 0 {
				return b.Result(), nil
			}
		}
	}
}

func pkg(b *collect.Builder, e xml.StartElement, line int) {
	var id, version, dev string
	hasVersion := false
	for _, a := range e.Attr {
		switch strings.ToLower(a.Name.Local) {
		case "id":
			id = strings.TrimSpace(a.Value)
		case "version":
			version, hasVersion = a.Value, true
		case "developmentdependency":
			dev = a.Value
		}
	}
	if id == "" {
		b.Problemf(line, "<package> without an id, skipped")
		return
	}
	if !hasVersion {
		b.Unresolved(line, id, "no version")
		return
	}
	v, why := nuget.Pin(version)
	if why != "" {
		b.Unresolved(line, nuget.Entry(id, version), why)
		return
	}
	b.Add(line, sdk.Package{Name: id, Version: v, Dev: strings.EqualFold(strings.TrimSpace(dev), "true")})
}
