// Package builtin holds the first-party plugins, compiled to WebAssembly by `make plugins`
// and embedded in the trawl binary.
package builtin

import (
	"embed"
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

// Module is one embedded plugin module.
type Module struct {
	// File is the module's file name, such as "os.wasm".
	File string
	Wasm []byte
}

// Modules returns the embedded modules in name order.
func Modules() []Module {
	entries, _ := fs.ReadDir(modules, "wasm")
	var out []Module
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".wasm") {
			continue
		}
		b, err := modules.ReadFile(path.Join("wasm", e.Name()))
		if err != nil {
			continue
		}
		out = append(out, Module{File: e.Name(), Wasm: b})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].File < out[j].File })
	return out
}
