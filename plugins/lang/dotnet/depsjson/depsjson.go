// Package depsjson reads <app>.deps.json, the dependency manifest the .NET SDK writes next
// to a built or published application (bin/, publish/, and so in container images), which
// the .NET host reads to load the application's assemblies
// (https://github.com/dotnet/sdk/blob/main/documentation/specs/runtime-configuration-file.md):
//
//	{"runtimeTarget": {"name": ".NETCoreApp,Version=v8.0"},
//	 "targets": {".NETCoreApp,Version=v8.0": {
//	   "MyApp/1.0.0": {"dependencies": {"Serilog": "3.1.1"}, "runtime": {...}},
//	   "Serilog/3.1.1": {"runtime": {...}}}},
//	 "libraries": {
//	   "MyApp/1.0.0": {"type": "project", ...},
//	   "Serilog/3.1.1": {"type": "package", "sha512": "...", "path": "serilog/3.1.1", ...}}}
//
// Every library of type "package" is reported, with the name and version of its
// "Name/Version" key, at the line of the key. A self-contained application also lists the
// runtime it carries as "runtimepack.<pack>/<version>" of type "runtimepack": that is the
// NuGet package <pack> (Microsoft.NETCore.App.Runtime.linux-x64 and the like), which
// advisories for the .NET runtime name, and it is reported as such. Libraries of type
// "project" (the application and the projects it references) and "reference" (plain
// assembly references) are not packages.
//
// A package that a project names in its "dependencies" under "targets" is direct; every
// other package is Indirect, when the file lists at least one project with its targets
// entry (otherwise it says nothing). Nothing says which packages are development-only:
// those are not in a deps.json at all.
//
// The file is read whole (bounded by MaxSize) and walked token by token. An empty file,
// one that is not JSON or not an object, or an object without "libraries", fails.
package depsjson

import (
	"io"
	"strings"

	"github.com/trawlscan/trawl/plugins/lang/dotnet/internal/nuget"
	"github.com/trawlscan/trawl/plugins/lang/internal/collect"
	"github.com/trawlscan/trawl/plugins/lang/internal/jsonwalk"
	"github.com/trawlscan/trawl/sdk"
)

// MaxSize is the largest file read (manifest.json). A deps.json takes about 1 KB a
// library: 16 MiB is many thousands.
const MaxSize = 16 << 20

const format = "deps.json"

type parser struct {
	w *jsonwalk.Walker
	b *collect.Builder
	// deps maps the lower-case key of a targets entry to the lower-case names of its
	// dependencies.
	deps map[string][]string
	libs []nuget.Library
}

// Parse reads a deps.json from r. path is the file's path, used in the packages' locations
// and in problems. The error is for a file that cannot be read or is not a deps.json.
func Parse(path string, r io.Reader) (*collect.Result, error) {
	data, err := collect.ReadAll(path, r, MaxSize)
	if err != nil {
		return nil, err
	}
	p := &parser{w: jsonwalk.New(path, format, data), b: nuget.NewBuilder(path), deps: map[string][]string{}}
	found := false
	err = p.w.Top(func(key string, line int) error {
		var fn func(string, int) error
		switch key {
		case "targets":
			fn = p.target
		case "libraries":
			found, fn = true, p.library
		default:
			return p.w.Skip()
		}
		isObj, tok, err := p.w.Object(fn)
		if err == nil && !isObj {
			return p.w.Errorf("%s is %s, not an object", key, jsonwalk.Describe(tok))
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, p.w.Errorf("no libraries")
	}
	p.report()
	return p.b.Result(), nil
}

// target reads the libraries of one target (a framework, or a framework and runtime).
func (p *parser) target(name string, line int) error {
	isObj, tok, err := p.w.Object(func(key string, line int) error {
		_, _, err := p.w.Object(func(field string, line int) error {
			if field != "dependencies" {
				return p.w.Skip()
			}
			_, _, err := p.w.Object(func(dep string, line int) error {
				k := strings.ToLower(key)
				p.deps[k] = append(p.deps[k], strings.ToLower(dep))
				return p.w.Skip()
			})
			return err
		})
		return err
	})
	if err == nil && !isObj {
		p.b.Problemf(line, "target %s is %s, not an object; ignored", collect.Quote(name), jsonwalk.Describe(tok))
	}
	return err
}

// library reads one entry of "libraries".
func (p *parser) library(key string, line int) error {
	lib, ok, err := nuget.ReadLibrary(p.w, p.b, key, line)
	if ok {
		p.libs = append(p.libs, lib)
	}
	return err
}

func (p *parser) report() {
	direct, known := map[string]bool{}, false
	for _, l := range p.libs {
		if deps, ok := p.deps[strings.ToLower(l.Key)]; ok && l.Type == "project" {
			known = true
			for _, d := range deps {
				direct[d] = true
			}
		}
	}
	for _, l := range p.libs {
		switch l.Type {
		case "project", "reference":
			continue
		case "package", "runtimepack":
		default:
			p.b.Problemf(l.Line, "library %s has type %s, not a package; skipped", collect.Quote(l.Key), collect.Quoted(l.Type))
			continue
		}
		name, version, ok := nuget.NameVersion(l.Key)
		if !ok {
			p.b.Problemf(l.Line, "library %s is not \"name/version\", skipped", collect.Quote(l.Key))
			continue
		}
		if !nuget.Valid(version) {
			p.b.Problemf(l.Line, "library %s: %s is not a NuGet version, skipped", collect.Quote(name), collect.Quoted(version))
			continue
		}
		indirect := known && !direct[strings.ToLower(name)]
		if l.Type == "runtimepack" {
			name, indirect = strings.TrimPrefix(name, "runtimepack."), false
		}
		p.b.Add(l.Line, sdk.Package{Name: name, Version: version, Indirect: indirect})
	}
}
