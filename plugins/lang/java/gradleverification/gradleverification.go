// Package gradleverification reads gradle/verification-metadata.xml, the dependency
// verification file of Gradle (6.2+): the checksums and signatures of every module the
// build may download, written by `gradle --write-verification-metadata sha256`.
//
// Each <component group=... name=... version=...> under <components> is a module some
// configuration of the build resolved, so each is reported as a package at the line of
// its element (a module listed twice, once). The file does not say which configuration
// needed a module, nor whether the build script declares it: neither Dev nor Indirect is
// set, and the build's own plugins and tools are among the packages. The <configuration>
// section (trusted artifacts, keys) names no module.
//
// The file is walked token by token (javaxml). An empty file, one that is not XML, or
// whose document element is not <verification-metadata>, is an error.
package gradleverification

import (
	"encoding/xml"
	"fmt"
	"io"

	"github.com/trawlscan/trawl/plugins/lang/internal/collect"
	"github.com/trawlscan/trawl/plugins/lang/java/internal/javaxml"
	"github.com/trawlscan/trawl/plugins/lang/java/internal/maven"
	"github.com/trawlscan/trawl/sdk"
)

// MaxSize is the largest file read (manifest.json). A component with its checksums is
// about 400 bytes; large Android builds list a few thousand, a few megabytes.
const MaxSize = 16 << 20

// Parse reads a verification-metadata.xml from r. path is the file's path, used in the
// packages' locations and in problems. The error is for a file that cannot be read or is
// not Gradle verification metadata at all.
func Parse(path string, r io.Reader) (*collect.Result, error) {
	dec := javaxml.NewDecoder(r, MaxSize)
	b := maven.NewBuilder(path)
	var stack []string // local names of the open elements
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, dec.Error(path, "Gradle verification metadata", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if len(stack) == 0 && t.Name.Local != "verification-metadata" {
				return nil, fmt.Errorf("%s:%d: not Gradle verification metadata: the document element is <%s>, not <verification-metadata>", path, dec.Line(), collect.Quote(t.Name.Local))
			}
			stack = append(stack, t.Name.Local)
			if len(stack) == 3 && stack[1] == "components" && stack[2] == "component" {
				component(b, t, dec.Line())
			}
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		}
	}
	if dec.Root == "" {
		if dec.Blank() {
			return nil, fmt.Errorf("%s: empty file, not Gradle verification metadata", path)
		}
		return nil, fmt.Errorf("%s: not Gradle verification metadata: no XML element", path)
	}
	return b.Result(), nil
}

// component reports the module of one <component> element.
func component(b *collect.Builder, t xml.StartElement, line int) {
	var group, name, version string
	for _, a := range t.Attr {
		if a.Name.Space != "" {
			continue
		}
		switch a.Name.Local {
		case "group":
			group = a.Value
		case "name":
			name = a.Value
		case "version":
			version = a.Value
		}
	}
	for _, f := range [...]struct{ attr, val string }{{"group", group}, {"name", name}, {"version", version}} {
		if f.val == "" {
			b.Problemf(line, "component %s without a %s attribute, skipped", collect.Quote(group+":"+name+":"+version), f.attr)
			return
		}
	}
	if !maven.ValidID(group) || !maven.ValidID(name) {
		b.Problemf(line, "component %s: not a valid group:name, skipped", collect.Quote(group+":"+name))
		return
	}
	if msg := maven.CheckVersion(version); msg != "" {
		b.Unresolved(line, group+":"+name+":"+version, msg)
		return
	}
	b.Add(line, sdk.Package{Name: maven.Name(group, name), Version: version})
}
