package builtin

import (
	"embed"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/klauspost/compress/zstd"
)

// precompiled holds the compilation cache `make build` prepared (see
// internal/tools/precompile); only README.md when the binary was built without it.
//
//go:embed all:precompiled
var precompiled embed.FS

// SeedCompilationCache writes the precompiled machine code into a wazero compilation cache
// directory, skipping entries already there. It returns how many it wrote. wazero checks
// each entry against its version, the module and this CPU, so an entry that does not fit is
// never used, merely ignored.
func SeedCompilationCache(dir string) (int, error) {
	var dec *zstd.Decoder
	n := 0
	err := fs.WalkDir(precompiled, "precompiled", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".zst") {
			return err
		}
		rel := strings.TrimSuffix(strings.TrimPrefix(p, "precompiled/"), ".zst")
		dst := filepath.Join(dir, filepath.FromSlash(rel))
		if _, err := os.Stat(dst); err == nil {
			return nil
		}
		if dec == nil {
			if dec, err = zstd.NewReader(nil, zstd.WithDecoderConcurrency(1)); err != nil {
				return err
			}
		}
		compressed, err := precompiled.ReadFile(p)
		if err != nil {
			return err
		}
		raw, err := dec.DecodeAll(compressed, nil)
		if err != nil {
			return err
		}
		if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
			return err
		}
		// Write aside and rename, so that a concurrent trawl never reads half an entry.
		tmp, err := os.CreateTemp(filepath.Dir(dst), ".seed-*")
		if err != nil {
			return err
		}
		_, werr := tmp.Write(raw)
		cerr := tmp.Close()
		if err := errors.Join(werr, cerr); err != nil {
			os.Remove(tmp.Name())
			return err
		}
		if err := os.Rename(tmp.Name(), dst); err != nil {
			os.Remove(tmp.Name())
			return err
		}
		n++
		return nil
	})
	if dec != nil {
		dec.Close()
	}
	return n, err
}
