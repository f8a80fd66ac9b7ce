// Package packageslock reads packages.lock.json, the lock file NuGet restore writes next
// to a project that opts in (RestorePackagesWithLockFile): for each target framework (and
// runtime, "net8.0/linux-x64"), every package restore resolved:
//
//	{"version": 1, "dependencies": {"net8.0": {
//	  "Serilog": {"type": "Direct", "requested": "[3.1.1, )", "resolved": "3.1.1", ...},
//	  "System.Memory": {"type": "Transitive", "resolved": "4.5.5", ...},
//	  "MyLib": {"type": "Project", "dependencies": {...}}}}}
//
// A package is reported with its "resolved" version, at the line of its name, once
// however many frameworks list it (ids compared case-insensitively). "Direct" packages are
// the project's own references; "Transitive" and "CentralTransitive" (a transitive package
// pinned by central package management) are Indirect, unless another framework lists the
// same version as Direct. "Project" entries are other projects of the solution, not
// packages. Nothing in the file says which packages are development-only.
//
// The file is read whole (bounded by MaxSize) and walked token by token. An empty file,
// one that is not JSON or not an object, or an object without "dependencies", fails.
package packageslock

import (
	"io"

	"github.com/trawlscan/trawl/plugins/lang/dotnet/internal/nuget"
	"github.com/trawlscan/trawl/plugins/lang/internal/collect"
	"github.com/trawlscan/trawl/plugins/lang/internal/jsonwalk"
	"github.com/trawlscan/trawl/sdk"
)

// MaxSize is the largest file read (manifest.json). A lock file takes about 300 bytes a
// package and framework: 16 MiB is tens of thousands.
const MaxSize = 16 << 20

const format = "packages.lock.json"

// Parse reads a packages.lock.json from r. path is the file's path, used in the packages'
// locations and in problems. The error is for a file that cannot be read or is not a
// packages.lock.json at all.
func Parse(path string, r io.Reader) (*collect.Result, error) {
	data, err := collect.ReadAll(path, r, MaxSize)
	if err != nil {
		return nil, err
	}
	p := &parser{w: jsonwalk.New(path, format, data), b: nuget.NewBuilder(path)}
	found := false
	err = p.w.Top(func(key string, line int) error {
		if key != "dependencies" {
			return p.w.Skip()
		}
		found = true
		isObj, tok, err := p.w.Object(p.framework)
		if err == nil && !isObj {
			return p.w.Errorf("dependencies is %s, not an object", jsonwalk.Describe(tok))
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, p.w.Errorf("no dependencies")
	}
	return p.b.Result(), nil
}

type parser struct {
	w *jsonwalk.Walker
	b *collect.Builder
}

// framework reads the packages of one target framework.
func (p *parser) framework(fw string, line int) error {
	isObj, tok, err := p.w.Object(p.entry)
	if err == nil && !isObj {
		p.b.Problemf(line, "target %s is %s, not an object of packages; ignored", collect.Quote(fw), jsonwalk.Describe(tok))
	}
	return err
}

func (p *parser) entry(name string, line int) error {
	var typ, resolved string
	isObj, tok, err := p.w.Object(func(key string, kl int) error {
		var dst *string
		switch key {
		case "type":
			dst = &typ
		case "resolved":
			dst = &resolved
		default:
			return p.w.Skip()
		}
		s, what, ok, err := p.w.String()
		if err == nil && !ok {
			p.b.Problemf(kl, "package %s: %s is %s, not a string", collect.Quote(name), key, what)
		}
		*dst = s
		return err
	})
	if err != nil {
		return err
	}
	if !isObj {
		p.b.Problemf(line, "package %s is %s, not an object; skipped", collect.Quote(name), jsonwalk.Describe(tok))
		return nil
	}
	indirect := false
	switch typ {
	case "Project":
		return nil
	case "Direct":
	case "Transitive", "CentralTransitive":
		indirect = true
	default:
		p.b.Problemf(line, "package %s: unknown type %s", collect.Quote(name), collect.Quoted(typ))
	}
	if resolved == "" {
		p.b.Unresolved(line, name, "no resolved version")
		return nil
	}
	if !nuget.Valid(resolved) {
		p.b.Problemf(line, "package %s: resolved %s is not a NuGet version, skipped", collect.Quote(name), collect.Quoted(resolved))
		return nil
	}
	p.b.Add(line, sdk.Package{Name: name, Version: resolved, Indirect: indirect})
	return nil
}
