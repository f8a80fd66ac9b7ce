// Package pack reads and writes the manifest that a trawl plugin carries inside its
// WebAssembly module, as the custom section named sdk.ManifestSection.
//
// Keeping the manifest inside the module means one file is the whole plugin, and the host
// learns a plugin's ABI, kind and file selectors by scanning section headers, without
// compiling anything.
package pack

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/trawlscan/trawl/sdk"
)

var wasmHeader = []byte{0x00, 'a', 's', 'm', 0x01, 0x00, 0x00, 0x00}

var errNotWasm = errors.New("not a WebAssembly 1.0 binary module")

// maxManifest bounds the manifest a host will parse.
const maxManifest = 1 << 20

// frame is the framing of one top-level section of a module: the whole section is
// [start, end); a custom section's (id 0) name is the nameLen bytes at nameAt, and its
// payload the rest, up to end.
type frame struct {
	id              byte
	start, end      int64
	nameAt, nameLen int64
}

// readAt reads len(p) bytes at off; nothing to read is no error, though at the end a
// ReaderAt may report io.EOF for it.
func readAt(r io.ReaderAt, p []byte, off int64) error {
	if len(p) == 0 {
		return nil
	}
	if _, err := r.ReadAt(p, off); err != nil {
		return fmt.Errorf("read at offset %d: %w", off, err)
	}
	return nil
}

// frames walks the top-level sections of a module of size bytes read through r, checking
// their framing only, and calls fn with each. It reads their headers, not their bodies.
// Every section is checked, also past the one a caller looks for.
func frames(r io.ReaderAt, size int64, fn func(frame) error) error {
	head := make([]byte, len(wasmHeader))
	if size < int64(len(head)) {
		return errNotWasm
	}
	if err := readAt(r, head, 0); err != nil {
		return err
	}
	if !bytes.Equal(head, wasmHeader) {
		return errNotWasm
	}
	// A section's id and size, and a custom section's name length, fit in this.
	var buf [1 + binary.MaxVarintLen64]byte
	for off := int64(len(wasmHeader)); off < size; {
		f := frame{start: off}
		h := buf[:min(int64(len(buf)), size-off)]
		if err := readAt(r, h, off); err != nil {
			return err
		}
		f.id = h[0]
		n, k := binary.Uvarint(h[1:])
		if k <= 0 || n > uint64(size-off-1-int64(k)) {
			return fmt.Errorf("section at offset %d: bad size", f.start)
		}
		body := off + 1 + int64(k)
		f.end = body + int64(n)
		if f.id == 0 {
			h = buf[:min(int64(len(buf)), int64(n))]
			if err := readAt(r, h, body); err != nil {
				return err
			}
			nameLen, k := binary.Uvarint(h)
			if k <= 0 || nameLen > n-uint64(k) {
				return fmt.Errorf("custom section at offset %d: bad name", f.start)
			}
			f.nameAt, f.nameLen = body+int64(k), int64(nameLen)
		}
		if err := fn(f); err != nil {
			return err
		}
		off = f.end
	}
	return nil
}

// section is one top-level section of a module held in memory.
type section struct {
	id         byte
	start, end int // the whole section, header included
	name       string
	payload    []byte
}

// sections lists the top-level sections of a module, checking only their framing.
func sections(wasm []byte) ([]section, error) {
	var out []section
	err := frames(bytes.NewReader(wasm), int64(len(wasm)), func(f frame) error {
		s := section{id: f.id, start: int(f.start), end: int(f.end)}
		if f.id == 0 {
			s.name = string(wasm[f.nameAt : f.nameAt+f.nameLen])
			s.payload = wasm[f.nameAt+f.nameLen : f.end]
		}
		out = append(out, s)
		return nil
	})
	return out, err
}

// ErrNoManifest means the module carries no manifest section.
var ErrNoManifest = errors.New("module has no " + sdk.ManifestSection + " section: not a trawl plugin, or not packed")

// Manifest reads and validates the manifest a module carries.
func Manifest(wasm []byte) (*sdk.Manifest, error) {
	return ReadManifest(bytes.NewReader(wasm), int64(len(wasm)))
}

// ReadManifest is Manifest for a module of size bytes read through r. It reads the section
// headers and the manifest, not the code, so that a host can list many modules without
// reading any of them whole.
func ReadManifest(r io.ReaderAt, size int64) (*sdk.Manifest, error) {
	var manifest *frame
	name := make([]byte, len(sdk.ManifestSection))
	err := frames(r, size, func(f frame) error {
		if f.id != 0 || manifest != nil || f.nameLen != int64(len(name)) {
			return nil
		}
		if err := readAt(r, name, f.nameAt); err != nil {
			return err
		}
		if string(name) == sdk.ManifestSection {
			manifest = &f
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if manifest == nil {
		return nil, ErrNoManifest
	}
	at := manifest.nameAt + manifest.nameLen
	if n := manifest.end - at; n > maxManifest {
		return nil, fmt.Errorf("manifest is %d bytes, more than %d", n, maxManifest)
	}
	data := make([]byte, manifest.end-at)
	if err := readAt(r, data, at); err != nil {
		return nil, err
	}
	var m sdk.Manifest
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("manifest: %w", err)
	}
	if err := m.Validate(); err != nil {
		return nil, fmt.Errorf("manifest: %w", err)
	}
	return &m, nil
}

// Embed returns wasm with m as its manifest section, replacing any it had.
func Embed(wasm []byte, m *sdk.Manifest) ([]byte, error) {
	if err := m.Validate(); err != nil {
		return nil, err
	}
	payload, err := json.Marshal(m)
	if err != nil {
		return nil, err
	}
	secs, err := sections(wasm)
	if err != nil {
		return nil, err
	}
	out := make([]byte, 0, len(wasm)+len(payload)+64)
	out = append(out, wasmHeader...)
	for _, s := range secs {
		if s.id == 0 && s.name == sdk.ManifestSection {
			continue
		}
		out = append(out, wasm[s.start:s.end]...)
	}
	body := binary.AppendUvarint(nil, uint64(len(sdk.ManifestSection)))
	body = append(body, sdk.ManifestSection...)
	body = append(body, payload...)
	out = append(out, 0)
	out = binary.AppendUvarint(out, uint64(len(body)))
	return append(out, body...), nil
}
