package wasm_test

import (
	"context"
	"strings"
	"testing"

	"github.com/trawlscan/trawl/host/wasm"
	"github.com/trawlscan/trawl/plugins/builtin"
)

// BenchmarkBuiltinModules measures, per first-party module: compiling without a cache,
// loading from a warm compilation cache, instantiating, and an empty call.
func BenchmarkBuiltinModules(b *testing.B) {
	mods := builtin.Modules()
	if len(mods) == 0 {
		b.Skip("no built-in modules: run `make plugins` first")
	}
	ctx := context.Background()
	for _, m := range mods {
		name := strings.TrimSuffix(m.File, ".wasm")
		module, err := m.Bytes()
		if err != nil {
			b.Fatal(err)
		}
		b.Run(name+"/compile-cold", func(b *testing.B) {
			for b.Loop() {
				h, _ := wasm.NewHost()
				p, err := h.Load(module, m.File)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := p.Compile(ctx); err != nil {
					b.Fatal(err)
				}
				p.Close(ctx)
			}
		})
		cache := b.TempDir()
		b.Run(name+"/compile-warm", func(b *testing.B) {
			h, _ := wasm.NewHost(wasm.WithCompilationCache(cache))
			p, _ := h.Load(module, m.File)
			p.Compile(ctx) // fill the cache
			p.Close(ctx)
			for b.Loop() {
				p, _ := h.Load(module, m.File)
				if _, err := p.Compile(ctx); err != nil {
					b.Fatal(err)
				}
				p.Close(ctx)
			}
		})
		h, _ := wasm.NewHost(wasm.WithCompilationCache(cache))
		p, _ := h.Load(module, m.File)
		if _, err := p.Compile(ctx); err != nil { // outside the timings below
			b.Fatal(err)
		}
		b.Run(name+"/instantiate", func(b *testing.B) {
			for b.Loop() {
				closeFn, err := wasm.Instantiate(ctx, p)
				if err != nil {
					b.Fatal(err)
				}
				closeFn()
			}
		})
		b.Run(name+"/empty-call", func(b *testing.B) {
			call, closeFn, err := wasm.EmptyCaller(ctx, p)
			if err != nil {
				b.Fatal(err)
			}
			defer closeFn()
			for b.Loop() {
				if err := call(); err != nil {
					b.Fatal(err)
				}
			}
		})
		p.Close(ctx)
	}
}
