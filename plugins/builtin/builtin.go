// Package builtin holds the first-party plugins, compiled to WebAssembly by `make plugins`
// and embedded in the trawl binary.
package builtin

import (
	"embed"
	"io"
	"io/fs"
	"path"
	"sort"
	"strings"
)

// modules holds wasm/*.wasm. The directory always holds README.md, so that the package
// builds (with no plugins) before `make plugins` has run.
//
//go:embed all:wasm
var modules embed.FS

// Module is one embedded plugin module. Its bytes stay in the binary until read: a run
// compiles few of the modules, and copying all of them out (22 MB, mostly page faults)
// took longer than the rest of a small scan's start.
type Module struct {
	// File is the module's file name, such as "os.wasm".
	File string
	// Size is the module's length in bytes.
	Size int64
}

// Modules returns the embedded modules in name order.
func Modules() []Module {
	entries, _ := fs.ReadDir(modules, "wasm")
	var out []Module
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".wasm") {
			continue
		}
		info, err := e.Info()
		if err != nil {
			continue
		}
		out = append(out, Module{File: e.Name(), Size: info.Size()})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].File < out[j].File })
	return out
}

// ReadAt reads len(p) bytes of the module from offset off, without copying the rest.
func (m Module) ReadAt(p []byte, off int64) (int, error) {
	f, err := modules.Open(path.Join("wasm", m.File))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	return f.(io.ReaderAt).ReadAt(p, off)
}

// Bytes returns a copy of the module.
func (m Module) Bytes() ([]byte, error) { return modules.ReadFile(path.Join("wasm", m.File)) }
