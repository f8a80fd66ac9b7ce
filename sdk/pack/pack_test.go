package pack

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"io"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/trawlscan/trawl/sdk"
)

// minimal is an empty module with one type section, enough for the framing checks.
var minimal = append(append([]byte{}, wasmHeader...), 0x01, 0x01, 0x00)

func manifest() *sdk.Manifest {
	return &sdk.Manifest{ABI: "1.0", Name: "demo", Version: "1.2.3", Kind: sdk.KindFormatter, Formats: []string{"md"}}
}

func TestEmbedThenRead(t *testing.T) {
	packed, err := Embed(minimal, manifest())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(packed, minimal) {
		t.Error("the module's own sections must come first, unchanged")
	}
	got, err := Manifest(packed)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, manifest()) {
		t.Errorf("got %+v", got)
	}
	// Packing again replaces the section rather than adding a second one.
	m2 := manifest()
	m2.Version = "2.0.0"
	repacked, err := Embed(packed, m2)
	if err != nil {
		t.Fatal(err)
	}
	if n := bytes.Count(repacked, []byte(sdk.ManifestSection)); n != 1 {
		t.Errorf("%d manifest sections after repacking", n)
	}
	if got, _ := Manifest(repacked); got.Version != "2.0.0" {
		t.Errorf("version %q", got.Version)
	}
}

func TestManifestErrors(t *testing.T) {
	custom := func(name string, payload []byte) []byte {
		body := binary.AppendUvarint(nil, uint64(len(name)))
		body = append(append(body, name...), payload...)
		out := append(append([]byte{}, minimal...), 0)
		out = binary.AppendUvarint(out, uint64(len(body)))
		return append(out, body...)
	}
	for _, tc := range []struct {
		name string
		wasm []byte
		want string
	}{
		{"not wasm", []byte("MZ\x90\x00"), "not a WebAssembly"},
		{"no manifest", minimal, "no trawl.manifest"},
		{"other custom section", custom("name", []byte("x")), "no trawl.manifest"},
		{"truncated section", append(append([]byte{}, minimal...), 0x00, 0x7f, 0x01), "bad size"},
		{"huge size", append(append([]byte{}, minimal...), 0x00, 0xff, 0xff, 0xff, 0xff, 0x0f), "bad size"},
		{"bad name length", append(append([]byte{}, minimal...), 0x00, 0x02, 0x7f, 'x'), "bad name"},
		{"not json", custom(sdk.ManifestSection, []byte("{")), "manifest"},
		{"invalid manifest", custom(sdk.ManifestSection, []byte(`{"abi":"1.0","name":"x","version":"1","kind":"formatter"}`)), "no formats"},
	} {
		_, err := Manifest(tc.wasm)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want %q", tc.name, err, tc.want)
		}
		if tc.name == "no manifest" && !errors.Is(err, ErrNoManifest) {
			t.Errorf("no manifest: %v is not ErrNoManifest", err)
		}
	}
}

func FuzzManifest(f *testing.F) {
	packed, _ := Embed(minimal, manifest())
	f.Add(packed)
	f.Add(minimal)
	f.Add(packed[:len(packed)-3])
	f.Fuzz(func(t *testing.T, wasm []byte) {
		m, err := Manifest(wasm)
		// Manifest reads section headers one by one; Embed frames the whole module at once.
		// Both must see the same module.
		secs, serr := sections(wasm)
		framingErr := err != nil && (strings.Contains(err.Error(), "bad size") || strings.Contains(err.Error(), "bad name") || errors.Is(err, errNotWasm))
		if framingErr != (serr != nil) {
			t.Fatalf("Manifest: %v, but framing: %v", err, serr)
		}
		if err == nil {
			if verr := m.Validate(); verr != nil {
				t.Fatalf("Manifest returned an invalid manifest: %v", verr)
			}
			i := slices.IndexFunc(secs, func(s section) bool { return s.id == 0 && s.name == sdk.ManifestSection })
			var want sdk.Manifest
			if i < 0 || json.Unmarshal(secs[i].payload, &want) != nil || !reflect.DeepEqual(*m, want) {
				t.Fatalf("Manifest read %+v, not the first manifest section", m)
			}
			if _, err := Embed(wasm, m); err != nil {
				t.Fatalf("cannot repack a module whose manifest reads: %v", err)
			}
		}
	})
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r    io.ReaderAt
	read int
}

func (c *countingReader) ReadAt(p []byte, off int64) (int, error) {
	n, err := c.r.ReadAt(p, off)
	c.read += n
	return n, err
}

func TestReadManifestSkipsCode(t *testing.T) {
	// A module whose code section is 4 MB, as a Go plugin's is.
	code := make([]byte, 4<<20)
	module := append(append([]byte{}, minimal...), 10)
	module = binary.AppendUvarint(module, uint64(len(code)))
	module = append(module, code...)
	packed, err := Embed(module, manifest())
	if err != nil {
		t.Fatal(err)
	}
	r := &countingReader{r: bytes.NewReader(packed)}
	m, err := ReadManifest(r, int64(len(packed)))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(m, manifest()) {
		t.Errorf("manifest %+v", m)
	}
	if r.read > 1024 {
		t.Errorf("read %d bytes of a %d-byte module to find its manifest", r.read, len(packed))
	}
}
