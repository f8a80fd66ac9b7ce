// Package msbuild reads the NuGet package references of an MSBuild project file:
// *.csproj, *.fsproj and *.vbproj, and the files MSBuild imports into every project of a
// directory tree, Directory.Packages.props (central package management) and
// Directory.Build.props / Directory.Build.targets
// (https://learn.microsoft.com/nuget/consume-packages/package-references-in-project-files,
// https://learn.microsoft.com/nuget/consume-packages/central-package-management).
//
//	<Project Sdk="Microsoft.NET.Sdk">
//	  <PropertyGroup><SerilogVersion>3.1.1</SerilogVersion></PropertyGroup>
//	  <ItemGroup>
//	    <PackageReference Include="Serilog" Version="$(SerilogVersion)" />
//	    <PackageReference Include="Newtonsoft.Json"><Version>13.0.3</Version></PackageReference>
//	    <PackageReference Include="Centrally.Managed" />
//	    <PackageVersion Include="Centrally.Managed" Version="2.0.0" />
//	  </ItemGroup>
//	</Project>
//
// Items read, in an ItemGroup outside targets: PackageReference (a dependency of the
// project), PackageVersion (a version set centrally, in Directory.Packages.props),
// GlobalPackageReference (a package added to every project, meant for analyzers and build
// tools), PackageDownload (a package downloaded but not referenced) and
// DotNetCliToolReference (a build-time tool of old SDKs). The last three never reach the
// built application and are marked Dev. The version is the item's VersionOverride or
// Version, as an attribute or as a child element. Items with Update instead of Include
// (which set the version of a reference made elsewhere, the way Directory.Build.targets
// does) are read like the others. An Include of several packages ("A;B") gives each.
//
// A version gives a package only when it selects one version (nuget.Pin): "1.2.3", NuGet's
// minimum version, is taken as 1.2.3, which restore picks when it exists, and "[1.2.3]"
// is exact; ranges and floating versions are unresolved. A PackageReference without a version takes it from a
// PackageVersion of the same file when there is one (the file is then a
// Directory.Packages.props or a project that sets its own central versions), and is
// unresolved otherwise: with central package management the version is in a
// Directory.Packages.props the analyzer does not see with this file (it is analyzed on its
// own). $(Property) references are expanded with the properties the file itself sets in a
// PropertyGroup outside targets and without conditions, the way MSBuild evaluates them: a
// property's value is expanded where it is set, with the properties set before it, and
// items see the last setting. A property set elsewhere (an imported file, the SDK, the
// environment, the command line) or under a condition leaves the entry unresolved, and so
// do property functions and item references.
//
// Conditions on items are not evaluated: a conditional reference is a dependency of some
// build of the project, and is reported. Imports are not followed, and ProjectExtensions
// (data of tools) is not read. Nothing is Indirect:
// the file lists what the project references itself.
//
// The file streams through the XML decoder; reading stops at the end of the root element.
// An empty file, one that is not XML, and one whose root is not <Project> fail.
package msbuild

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
// time and on the text kept (property values): project files are a few kilobytes.
const MaxSize = 8 << 20

const format = "MSBuild project"

const (
	// maxValue bounds the length of an expanded value, and maxExpanded the text that all
	// expansions of a file produce, so that properties defined in terms of each other
	// ("<A>$(A)$(A)</A>" again and again, or thousands of "<B>$(A)</B>" of a long A) cost
	// neither memory nor time. Real projects expand a few kilobytes.
	maxValue    = 4096
	maxExpanded = 1 << 20
)

// kinds are the item types read, and whether they are development-only.
var kinds = map[string]bool{
	"packagereference":       false,
	"packageversion":         false,
	"globalpackagereference": true,
	"packagedownload":        true,
	"dotnetclitoolreference": true,
}

type role int

const (
	other role = iota
	itemRole
	metadataRole
	propertyRole
)

type frame struct {
	name string
	role role
	cond bool // the element or one around it has a Condition, or is a When/Otherwise
	// ignored: inside a Target (run at build time, not evaluated) or ProjectExtensions
	// (opaque data of tools).
	ignored bool
}

type item struct {
	kind              string // the element name as written
	include           string
	version, override string
	hasVersion        bool
	hasOverride       bool
	line              int
}

// property is the value of a property as MSBuild evaluates it, or why it is not known from
// this file.
type property struct {
	value, why string
}

type parser struct {
	b     *collect.Builder
	stack []frame
	items []item
	props map[string]property // by lower-case name: property names are case-insensitive
	cur   *item
	text  strings.Builder // text of the metadata or property element being read
	// nested is set when the property being read holds elements.
	nested bool
	// expanded counts the bytes that expansions of property values produced.
	expanded int
}

// Parse reads an MSBuild project file from r. path is the file's path, used in the
// packages' locations and in problems. The error is for a file that cannot be read or is
// not an MSBuild project.
func Parse(path string, r io.Reader) (*collect.Result, error) { return parse(path, r, MaxSize) }

// parse is Parse with a size limit, which tests lower.
func parse(path string, r io.Reader, max int64) (*collect.Result, error) {
	p := &parser{b: nuget.NewBuilder(path), props: map[string]property{}}
	d := nuget.NewXMLDecoder(linereader.Limit(r, max))
	blank := true
	for {
		line, _ := d.InputPos()
		tok, err := d.Token()
		if err == io.EOF && blank {
			return nil, fmt.Errorf("%s: empty file, not an %s", path, format)
		}
		if err == io.EOF {
			return nil, fmt.Errorf("%s: not an %s: no XML element", path, format)
		}
		if err != nil {
			return nil, nuget.XMLError(path, "an "+format, d, err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			blank = false
			if len(p.stack) == 0 && t.Name.Local != "Project" {
				return nil, fmt.Errorf("%s:%d: not an %s: the root element is <%s>, not <Project>", path, line, format, collect.Quote(t.Name.Local))
			}
			p.start(t, line)
		case xml.EndElement:
			p.end()
			if len(p.stack) == 0 {
				p.resolve()
				return p.b.Result(), nil
			}
		case xml.CharData:
			if n := len(p.stack); n > 0 && (p.stack[n-1].role == metadataRole || p.stack[n-1].role == propertyRole) {
				p.text.Write(t)
			}
			blank = blank && len(strings.TrimSpace(strings.TrimPrefix(string(t), "\ufeff"))) == 0
		}
	}
}

func (p *parser) start(e xml.StartElement, line int) {
	f := frame{name: e.Name.Local}
	var parent frame
	if n := len(p.stack); n > 0 {
		parent = p.stack[n-1]
	}
	f.cond = parent.cond || attr(e, "Condition") != nil || f.name == "When" || f.name == "Otherwise"
	f.ignored = parent.ignored || f.name == "Target" || f.name == "ProjectExtensions"
	switch {
	case f.ignored:
	case parent.role == itemRole:
		f.role = metadataRole
		p.text.Reset()
	case parent.role == propertyRole || parent.role == metadataRole:
		p.nested = true
	case parent.name == "ItemGroup":
		if _, ok := kinds[strings.ToLower(f.name)]; ok {
			f.role = itemRole
			p.cur = p.item(e, line)
		}
	case parent.name == "PropertyGroup":
		f.role = propertyRole
		p.text.Reset()
		p.nested = false
	}
	p.stack = append(p.stack, f)
}

func (p *parser) end() {
	n := len(p.stack) - 1
	f := p.stack[n]
	p.stack = p.stack[:n]
	switch f.role {
	case metadataRole:
		if p.cur == nil {
			return
		}
		switch strings.ToLower(f.name) {
		case "version":
			p.cur.version, p.cur.hasVersion = p.text.String(), true
		case "versionoverride":
			p.cur.override, p.cur.hasOverride = p.text.String(), true
		}
	case itemRole:
		if p.cur != nil {
			p.items = append(p.items, *p.cur)
			p.cur = nil
		}
	case propertyRole:
		// MSBuild expands a property's value where it is set, with the properties set
		// before it; the last setting wins.
		var prop property
		switch {
		case f.cond:
			prop.why = fmt.Sprintf("MSBuild property $(%s) is set under a condition", f.name)
		case p.nested:
			prop.why = fmt.Sprintf("MSBuild property $(%s) holds XML", f.name)
		default:
			prop.value, prop.why = p.expand(strings.TrimSpace(p.text.String()))
		}
		p.props[strings.ToLower(f.name)] = prop
	}
}

// item starts an item from its element; nil for one that only removes.
func (p *parser) item(e xml.StartElement, line int) *item {
	it := &item{kind: e.Name.Local, line: line}
	if a := attr(e, "Include"); a != nil {
		it.include = a.Value
	} else if a := attr(e, "Update"); a != nil {
		it.include = a.Value
	} else if attr(e, "Remove") != nil {
		return nil
	}
	if a := attr(e, "Version"); a != nil {
		it.version, it.hasVersion = a.Value, true
	}
	if a := attr(e, "VersionOverride"); a != nil {
		it.override, it.hasOverride = a.Value, true
	}
	return it
}

func attr(e xml.StartElement, name string) *xml.Attr {
	for i, a := range e.Attr {
		if a.Name.Space == "" && strings.EqualFold(a.Name.Local, name) {
			return &e.Attr[i]
		}
	}
	return nil
}

// resolve reports the items read, once the whole file, and so every property, is known.
func (p *parser) resolve() {
	// central holds the versions PackageVersion items of this file pin, by lower-case name.
	central := map[string]string{}
	for _, it := range p.items {
		if !strings.EqualFold(it.kind, "PackageVersion") || !it.hasVersion {
			continue
		}
		for _, name := range p.names(it, false) {
			if v, why := p.expand(it.version); why == "" {
				if v, why := nuget.Pin(v); why == "" {
					central[strings.ToLower(name)] = v
				}
			}
		}
	}
	for _, it := range p.items {
		names := p.names(it, true)
		raw, has := it.version, it.hasVersion
		if it.hasOverride {
			raw, has = it.override, true
		}
		dev := kinds[strings.ToLower(it.kind)]
		for _, name := range names {
			if !has {
				switch v, ok := central[strings.ToLower(name)]; {
				case ok:
					p.b.Add(it.line, sdk.Package{Name: name, Version: v, Dev: dev})
				case strings.EqualFold(it.kind, "PackageReference"):
					p.b.Unresolved(it.line, name, "version managed centrally (Directory.Packages.props)")
				default:
					p.b.Unresolved(it.line, name, "no version")
				}
				continue
			}
			v, why := p.expand(raw)
			if why == "" {
				v, why = nuget.Pin(v)
			}
			if why != "" {
				p.b.Unresolved(it.line, nuget.Entry(name, raw), why)
				continue
			}
			p.b.Add(it.line, sdk.Package{Name: name, Version: v, Dev: dev})
		}
	}
}

// names returns the package ids an item's Include names, reporting the problems when
// report is set.
func (p *parser) names(it item, report bool) []string {
	problemf := func(format string, args ...any) {
		if report {
			p.b.Problemf(it.line, format, args...)
		}
	}
	inc, why := p.expand(it.include)
	if why != "" {
		problemf("%s %s: the package name is not known from this file (%s); skipped", it.kind, collect.Quote(it.include), why)
		return nil
	}
	var out []string
	for _, name := range strings.Split(inc, ";") {
		name = strings.TrimSpace(name)
		switch {
		case name == "":
		case strings.ContainsAny(name, "*?/\\"):
			problemf("%s %s is not a package id; skipped", it.kind, collect.Quote(name))
		default:
			out = append(out, name)
		}
	}
	if len(out) == 0 && strings.TrimSpace(inc) == "" {
		problemf("%s without a package name; skipped", it.kind)
	}
	return out
}

// expand replaces the $(Name) references of s with the values of the properties this file
// set before, or says why it cannot.
func (p *parser) expand(s string) (string, string) {
	if !strings.Contains(s, "(") {
		return s, ""
	}
	var sb strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '$' || c == '@' || c == '%') || i+1 == len(s) || s[i+1] != '(' {
			sb.WriteByte(c)
			continue
		}
		end := strings.IndexByte(s[i:], ')')
		if end < 0 {
			return "", "unclosed MSBuild reference"
		}
		ref := s[i : i+end+1]
		name := strings.TrimSpace(ref[2 : len(ref)-1])
		switch {
		case c != '$':
			return "", fmt.Sprintf("MSBuild item or metadata reference %s", collect.Quote(ref))
		case !propertyName(name):
			return "", fmt.Sprintf("MSBuild property function %s", collect.Quote(ref))
		}
		prop, ok := p.props[strings.ToLower(name)]
		switch {
		case !ok:
			return "", fmt.Sprintf("MSBuild property $(%s) is not set in this file", name)
		case prop.why != "":
			return "", prop.why
		}
		if sb.Len()+len(prop.value) > maxValue {
			return "", fmt.Sprintf("MSBuild property value longer than %d bytes", maxValue)
		}
		if p.expanded += len(prop.value); p.expanded > maxExpanded {
			return "", fmt.Sprintf("MSBuild properties of this file expand to more than %d bytes", maxExpanded)
		}
		sb.WriteString(prop.value)
		i += end
	}
	return sb.String(), ""
}

func propertyName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || i > 0 && (c >= '0' && c <= '9' || c == '-')) {
			return false
		}
	}
	return true
}
