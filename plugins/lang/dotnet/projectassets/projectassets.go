// Package projectassets reads project.assets.json, the file NuGet restore writes under a
// project's obj/ directory with everything it resolved for the build
// (https://learn.microsoft.com/nuget/reference/msbuild-targets#restore-outputs):
//
//	{"version": 3,
//	 "targets": {"net8.0": {"Serilog/3.1.1": {"type": "package", ...}}},
//	 "libraries": {
//	   "Serilog/3.1.1": {"type": "package", "sha512": "...", "path": "serilog/3.1.1", ...},
//	   "MyLib/1.0.0": {"type": "project", "path": "../MyLib/MyLib.csproj", ...}},
//	 "project": {"frameworks": {"net8.0": {"dependencies": {
//	   "Serilog": {"target": "Package", "version": "[3.1.1, )"}}}}}}
//
// Every library of type "package" is reported, with the name and version of its
// "Name/Version" key, at the line of the key; libraries of type "project" are the other
// projects of the solution, not packages. A package that the project itself references
// (project.frameworks.<framework>.dependencies) is direct, every other one is Indirect;
// a file without project.frameworks says nothing. The requested ranges of the project
// section are not read: the libraries hold what restore chose. Nothing in the file says
// that a package is development-only (PrivateAssets only stops a package from flowing to
// the project's consumers).
//
// The file is read whole (bounded by MaxSize) and walked token by token. An empty file,
// one that is not JSON or not an object, or an object without "libraries", fails.
package projectassets

import (
	"io"
	"strings"

	"github.com/trawlscan/trawl/plugins/lang/dotnet/internal/nuget"
	"github.com/trawlscan/trawl/plugins/lang/internal/collect"
	"github.com/trawlscan/trawl/plugins/lang/internal/jsonwalk"
	"github.com/trawlscan/trawl/sdk"
)

// MaxSize is the largest file read (manifest.json). The assets file lists every file of
// every package for every framework, about 3 KB a package and framework: a large project
// targeting several frameworks reaches ten megabytes, and 32 MiB leaves room for more.
const MaxSize = 32 << 20

const format = "project.assets.json"

type parser struct {
	w      *jsonwalk.Walker
	b      *collect.Builder
	libs   []nuget.Library
	direct map[string]bool // lower-case names the project references
	known  bool            // the file has project.frameworks
}

// Parse reads a project.assets.json from r. path is the file's path, used in the packages'
// locations and in problems. The error is for a file that cannot be read or is not a
// project.assets.json.
func Parse(path string, r io.Reader) (*collect.Result, error) {
	data, err := collect.ReadAll(path, r, MaxSize)
	if err != nil {
		return nil, err
	}
	p := &parser{w: jsonwalk.New(path, format, data), b: nuget.NewBuilder(path), direct: map[string]bool{}}
	found := false
	err = p.w.Top(func(key string, line int) error {
		var fn func(string, int) error
		switch key {
		case "libraries":
			found, fn = true, p.library
		case "project":
			fn = p.project
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

// project reads one field of the project section, keeping the names of the packages each
// framework references.
func (p *parser) project(field string, line int) error {
	if field != "frameworks" {
		return p.w.Skip()
	}
	p.known = true
	_, _, err := p.w.Object(func(fw string, line int) error {
		_, _, err := p.w.Object(func(field string, line int) error {
			if field != "dependencies" {
				return p.w.Skip()
			}
			_, _, err := p.w.Object(func(name string, line int) error {
				p.direct[strings.ToLower(name)] = true
				return p.w.Skip()
			})
			return err
		})
		return err
	})
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
	for _, l := range p.libs {
		switch l.Type {
		case "project":
			continue
		case "package":
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
		indirect := p.known && !p.direct[strings.ToLower(name)]
		p.b.Add(l.Line, sdk.Package{Name: name, Version: version, Indirect: indirect})
	}
}
