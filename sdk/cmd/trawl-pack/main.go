// Command trawl-pack writes a manifest into a plugin's WebAssembly module, making it a trawl
// plugin:
//
//	trawl-pack -manifest manifest.json -o plugin.wasm build.wasm
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"

	"github.com/trawlscan/trawl/sdk"
	"github.com/trawlscan/trawl/sdk/pack"
)

func main() {
	manifestPath := flag.String("manifest", "manifest.json", "the plugin manifest (JSON)")
	out := flag.String("o", "", "output module (default: overwrite the input)")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: trawl-pack -manifest manifest.json [-o out.wasm] module.wasm")
		os.Exit(2)
	}
	if err := run(*manifestPath, flag.Arg(0), *out); err != nil {
		fmt.Fprintln(os.Stderr, "trawl-pack:", err)
		os.Exit(1)
	}
}

func run(manifestPath, in, out string) error {
	raw, err := os.ReadFile(manifestPath)
	if err != nil {
		return err
	}
	var m sdk.Manifest
	if err := json.Unmarshal(raw, &m); err != nil {
		return fmt.Errorf("%s: %w", manifestPath, err)
	}
	wasm, err := os.ReadFile(in)
	if err != nil {
		return err
	}
	packed, err := pack.Embed(wasm, &m)
	if err != nil {
		return fmt.Errorf("%s: %w", manifestPath, err)
	}
	if out == "" {
		out = in
	}
	return os.WriteFile(out, packed, 0o644)
}
