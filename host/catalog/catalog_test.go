package catalog

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"reflect"
	"testing"

	"github.com/trawlscan/trawl/host/wasm"
	"github.com/trawlscan/trawl/sdk/pack"
)

// The built-in modules are loaded from manifests read apart from their code: each must be
// the manifest the module carries, and the plugin's digest that of the module's bytes.
func TestBuiltinLoadsLazily(t *testing.T) {
	mods, err := Builtin()
	if err != nil {
		t.Skip(err) // make test builds the plugins first
	}
	h, err := wasm.NewHost()
	if err != nil {
		t.Fatal(err)
	}
	c := Load(h, mods)
	defer c.Close(context.Background())
	if len(c.Refused) > 0 {
		t.Fatalf("refused: %+v", c.Refused)
	}
	if got := len(c.All()); got != len(mods) {
		t.Fatalf("%d plugins loaded from %d modules", got, len(mods))
	}
	byName := map[string]*wasm.Plugin{}
	for _, p := range c.All() {
		byName[p.Manifest.Name] = p
	}
	for _, m := range mods {
		b, err := m.Read()
		if err != nil {
			t.Fatal(err)
		}
		want, err := pack.Manifest(b)
		if err != nil {
			t.Fatal(err)
		}
		p := byName[want.Name]
		if p == nil || !reflect.DeepEqual(m.Manifest, want) || !reflect.DeepEqual(p.Manifest, *want) {
			t.Errorf("%s: the manifest read apart differs from the module's", want.Name)
			continue
		}
		sum := sha256.Sum256(b)
		if got := p.Digest(); got != "sha256:"+hex.EncodeToString(sum[:]) {
			t.Errorf("%s: digest %s", want.Name, got)
		}
	}
}
