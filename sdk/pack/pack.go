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

	"github.com/trawlscan/trawl/sdk"
)

var wasmHeader = []byte{0x00, 'a', 's', 'm', 0x01, 0x00, 0x00, 0x00}

// maxManifest bounds the manifest a host will parse.
const maxManifest = 1 << 20

// section is one top-level section of a module.
type section struct {
	id         byte
	start, end int // the whole section, header included
	name       string
	payload    []byte
}

// sections lists the top-level sections of a module, checking only their framing.
func sections(wasm []byte) ([]section, error) {
	if len(wasm) < len(wasmHeader) || !bytes.Equal(wasm[:len(wasmHeader)], wasmHeader) {
		return nil, errors.New("not a WebAssembly 1.0 binary module")
	}
	var out []section
	for off := len(wasmHeader); off < len(wasm); {
		start := off
		id := wasm[off]
		off++
		size, n := binary.Uvarint(wasm[off:])
		if n <= 0 || size > uint64(len(wasm)-off-n) {
			return nil, fmt.Errorf("section at offset %d: bad size", start)
		}
		off += n
		body := wasm[off : off+int(size)]
		off += int(size)
		s := section{id: id, start: start, end: off}
		if id == 0 {
			nameLen, k := binary.Uvarint(body)
			if k <= 0 || nameLen > uint64(len(body)-k) {
				return nil, fmt.Errorf("custom section at offset %d: bad name", start)
			}
			s.name = string(body[k : k+int(nameLen)])
			s.payload = body[k+int(nameLen):]
		}
		out = append(out, s)
	}
	return out, nil
}

// ErrNoManifest means the module carries no manifest section.
var ErrNoManifest = errors.New("module has no " + sdk.ManifestSection + " section: not a trawl plugin, or not packed")

// Manifest reads and validates the manifest a module carries.
func Manifest(wasm []byte) (*sdk.Manifest, error) {
	secs, err := sections(wasm)
	if err != nil {
		return nil, err
	}
	for _, s := range secs {
		if s.id != 0 || s.name != sdk.ManifestSection {
			continue
		}
		if len(s.payload) > maxManifest {
			return nil, fmt.Errorf("manifest is %d bytes, more than %d", len(s.payload), maxManifest)
		}
		var m sdk.Manifest
		if err := json.Unmarshal(s.payload, &m); err != nil {
			return nil, fmt.Errorf("manifest: %w", err)
		}
		if err := m.Validate(); err != nil {
			return nil, fmt.Errorf("manifest: %w", err)
		}
		return &m, nil
	}
	return nil, ErrNoManifest
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
