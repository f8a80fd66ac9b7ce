// Package catalog gathers the plugins a run can use: the first-party modules embedded in
// the binary, those installed by the user (package registry) and those named for one run,
// loaded into a wasm host, and the native plugins launched for one run (host/native). A
// plugin that cannot be loaded is refused, with its reason, and the others stay usable.
package catalog

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"

	"github.com/trawlscan/trawl/host/native"
	"github.com/trawlscan/trawl/host/plugin"
	"github.com/trawlscan/trawl/host/wasm"
	"github.com/trawlscan/trawl/plugins/builtin"
	"github.com/trawlscan/trawl/sdk"
	"github.com/trawlscan/trawl/sdk/pack"
)

// OriginBuiltin marks the plugins embedded in the binary.
const OriginBuiltin = "builtin"

// Module is a plugin module to load and where it came from: its bytes (Wasm), or its
// manifest and a function that reads them when they are needed (Manifest and Read).
type Module struct {
	Origin   string
	Wasm     []byte
	Manifest *sdk.Manifest
	Read     func() ([]byte, error)
	// Builtin: embedded in the binary, hence loaded as wasm.Trusted.
	Builtin bool
	// Err, when set, says why the module could not be read (an installed module missing or
	// altered since it was installed): Load refuses it with this reason, under the Name,
	// Version and Kind it was recorded with.
	Err                 error
	Name, Version, Kind string
}

// Catalog is the set of loaded plugins.
type Catalog struct {
	Analyzers  []*wasm.Plugin
	Formatters []*wasm.Plugin
	// Native are the native plugins launched for this run, analyzers and formatters.
	Native []*native.Plugin
	// Refused lists modules that could not be loaded and why.
	Refused []sdk.PluginStatus
}

// ErrNoBuiltins means the binary was built without its plugins.
var ErrNoBuiltins = errors.New("this trawl binary has no built-in plugins: build it with `make build`, which compiles them first")

// Builtin returns the embedded first-party modules, their manifests read and the rest left
// in the binary until a plugin is compiled.
func Builtin() ([]Module, error) {
	var out []Module
	for _, m := range builtin.Modules() {
		mod := Module{Origin: OriginBuiltin, Read: m.Bytes, Builtin: true}
		mod.Manifest, mod.Err = pack.ReadManifest(m, m.Size)
		if mod.Err != nil {
			mod.Err = fmt.Errorf("%s %s: %w", OriginBuiltin, m.File, mod.Err)
			mod.Name = m.File
		}
		out = append(out, mod)
	}
	if len(out) == 0 {
		return nil, ErrNoBuiltins
	}
	return out, nil
}

// Load loads the module into h, as read (Wasm) or to be read (Manifest and Read), trusted
// when built in.
func (m Module) Load(h *wasm.Host) (*wasm.Plugin, error) {
	var opts []wasm.LoadOption
	if m.Builtin {
		opts = append(opts, wasm.Trusted())
	}
	if m.Manifest != nil {
		return h.LoadLazy(m.Manifest, m.Read, m.Origin, opts...)
	}
	return h.Load(m.Wasm, m.Origin, opts...)
}

// Load loads modules into h, in order. Two plugins of one name are an error: the later is
// refused, so a built-in plugin (listed first) cannot be replaced by an installed one.
func Load(h *wasm.Host, modules []Module) *Catalog {
	c := &Catalog{}
	seen := map[string]bool{}
	for _, m := range modules {
		if m.Err != nil {
			name := m.Name
			if name == "" {
				name = m.Origin
			}
			c.Refused = append(c.Refused, sdk.PluginStatus{Name: name, Version: m.Version, Kind: m.Kind, Status: sdk.PluginRefused, Error: m.Err.Error()})
			continue
		}
		p, err := m.Load(h)
		if err != nil {
			st := sdk.PluginStatus{Name: m.Origin, Status: sdk.PluginRefused, Error: err.Error()}
			man, merr := m.Manifest, error(nil)
			if man == nil {
				man, merr = pack.Manifest(m.Wasm)
			}
			if merr == nil {
				st.Name, st.Version, st.Kind = man.Name, man.Version, man.Kind
			}
			c.Refused = append(c.Refused, st)
			continue
		}
		if seen[p.Manifest.Name] {
			c.Refused = append(c.Refused, sdk.PluginStatus{
				Name: p.Manifest.Name, Version: p.Manifest.Version, Kind: p.Manifest.Kind,
				Status: sdk.PluginRefused, Error: fmt.Sprintf("a plugin named %s is already loaded (from %s)", p.Manifest.Name, m.Origin),
			})
			continue
		}
		seen[p.Manifest.Name] = true
		switch p.Manifest.Kind {
		case sdk.KindAnalyzer:
			c.Analyzers = append(c.Analyzers, p)
		case sdk.KindFormatter:
			c.Formatters = append(c.Formatters, p)
		}
	}
	return c
}

// LaunchNative launches the native plugin executables at paths (host/native), after the
// modules: one that cannot be launched, or whose name is taken, is refused.
func (c *Catalog) LaunchNative(ctx context.Context, paths []string, opts ...native.Option) {
	seen := map[string]bool{}
	for _, p := range c.All() {
		seen[p.Manifest.Name] = true
	}
	for _, p := range c.Native {
		seen[p.Manifest().Name] = true
	}
	for _, path := range paths {
		p, err := native.Launch(ctx, path, opts...)
		if err != nil {
			// Its kind is unknown without its manifest, and the report wants one: an
			// analyzer, whose results the report then lacks (a missing formatter's format
			// is refused as unknown anyway).
			c.Refused = append(c.Refused, sdk.PluginStatus{Name: path, Kind: sdk.KindAnalyzer, Status: sdk.PluginRefused, Error: err.Error()})
			continue
		}
		m := p.Manifest()
		if seen[m.Name] {
			p.Close(ctx)
			c.Refused = append(c.Refused, sdk.PluginStatus{
				Name: m.Name, Version: m.Version, Kind: m.Kind,
				Status: sdk.PluginRefused, Error: fmt.Sprintf("a plugin named %s is already loaded (native plugin %s)", m.Name, path),
			})
			continue
		}
		seen[m.Name] = true
		c.Native = append(c.Native, p)
	}
}

// AnalyzerPlugins returns every analyzer as a scan drives it: the modules', then the
// native plugins'.
func (c *Catalog) AnalyzerPlugins() []plugin.Analyzer {
	var out []plugin.Analyzer
	for _, p := range c.Analyzers {
		out = append(out, plugin.Wasm(p))
	}
	for _, p := range c.Native {
		if p.Manifest().Kind == sdk.KindAnalyzer {
			out = append(out, p)
		}
	}
	return out
}

// All returns every loaded plugin module, analyzers first, each group in name order.
// Native plugins are in Native.
func (c *Catalog) All() []*wasm.Plugin {
	out := append(append([]*wasm.Plugin{}, c.Analyzers...), c.Formatters...)
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Manifest.Kind != out[j].Manifest.Kind {
			return out[i].Manifest.Kind == sdk.KindAnalyzer
		}
		return out[i].Manifest.Name < out[j].Manifest.Name
	})
	return out
}

// Formatter returns the plugin that writes the named format: a module's, else a native
// plugin's.
func (c *Catalog) Formatter(format string) (plugin.Formatter, error) {
	var known []string
	for _, p := range c.Formatters {
		for _, f := range p.Manifest.Formats {
			if f == format {
				return p, nil
			}
			known = append(known, f)
		}
	}
	for _, p := range c.Native {
		for _, f := range p.Manifest().Formats {
			if f == format {
				return p, nil
			}
			known = append(known, f)
		}
	}
	sort.Strings(known)
	return nil, fmt.Errorf("no formatter writes %q (known formats: %v)", format, known)
}

// Close closes every plugin; native plugins' processes end.
func (c *Catalog) Close(ctx context.Context) {
	for _, p := range c.All() {
		p.Close(ctx)
	}
	var wg sync.WaitGroup // a stuck process takes seconds to end: end them together
	for _, p := range c.Native {
		wg.Go(func() { p.Close(ctx) })
	}
	wg.Wait()
}
