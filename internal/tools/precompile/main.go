// Command precompile compiles the built-in plugin modules with the same wazero
// configuration the host uses and writes the resulting compilation cache, zstd-compressed,
// to a directory that the trawl binary embeds. A fresh machine then loads machine code
// instead of compiling for seconds on its first scan. wazero keys the cache by its version,
// the module, the host's CPU features and the compile options, so a binary run elsewhere
// just misses the cache and compiles as usual.
//
//	go run ./internal/tools/precompile -out plugins/builtin/precompiled
package main

import (
	"context"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/klauspost/compress/zstd"

	"github.com/trawlscan/trawl/host/wasm"
	"github.com/trawlscan/trawl/plugins/builtin"
)

func main() {
	out := flag.String("out", "plugins/builtin/precompiled", "directory to write the compressed cache to")
	flag.Parse()
	if err := run(*out); err != nil {
		fmt.Fprintln(os.Stderr, "precompile:", err)
		os.Exit(1)
	}
}

func run(out string) error {
	cache, err := os.MkdirTemp("", "trawl-precompile")
	if err != nil {
		return err
	}
	defer os.RemoveAll(cache)
	ctx := context.Background()
	h, err := wasm.NewHost(wasm.WithCompilationCache(cache))
	if err != nil {
		return err
	}
	mods := builtin.Modules()
	if len(mods) == 0 {
		return fmt.Errorf("no built-in modules: run `make plugins` first")
	}
	for _, m := range mods {
		b, err := m.Bytes()
		if err != nil {
			return err
		}
		p, err := h.Load(b, m.File, wasm.Trusted()) // as catalog.Load loads them
		if err != nil {
			return err
		}
		if _, err := p.Compile(ctx); err != nil {
			return fmt.Errorf("%s: %w", m.File, err)
		}
		p.Close(ctx)
	}
	if err := h.Close(ctx); err != nil {
		return err
	}
	// Replace what an earlier build left.
	entries, _ := os.ReadDir(out)
	for _, e := range entries {
		if e.IsDir() {
			os.RemoveAll(filepath.Join(out, e.Name()))
		}
	}
	enc, err := zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedBetterCompression))
	if err != nil {
		return err
	}
	return filepath.WalkDir(cache, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(cache, path)
		if err != nil {
			return err
		}
		raw, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		dst := filepath.Join(out, rel+".zst")
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		return os.WriteFile(dst, enc.EncodeAll(raw, nil), 0o644)
	})
}
