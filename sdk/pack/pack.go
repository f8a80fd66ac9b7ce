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
		return nil, errNotWasm
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
	return ReadManifest(bytes.NewReader(wasm), int64(len(wasm)))
}

// ReadManifest is Manifest for a module of size bytes read through r. It reads the section
// headers and the manifest, not the code, so that a host can list many modules without
// reading any of them whole.
func ReadManifest(r io.ReaderAt, size int64) (*sdk.Manifest, error) {
	head := make([]byte, len(wasmHeader))
	if size < int64(len(head)) {
		return nil, errNotWasm
	}
	if _, err := r.ReadAt(head, 0); err != nil {
		return nil, fmt.Errorf("read: %w", err)
	}
	if !bytes.Equal(head, wasmHeader) {
		return nil, errNotWasm
	}
	// A section's header (id and size) and a custom section's name length fit in this.
	var buf [1 + binary.MaxVarintLen64]byte
	read := func(p []byte, off int64) error {
		if len(p) == 0 {
			return nil // at the end, a ReaderAt may report io.EOF for nothing
		}
		if _, err := r.ReadAt(p, off); err != nil {
			return fmt.Errorf("read at offset %d: %w", off, err)
		}
		return nil
	}
	payload, payloadLen := int64(-1), int64(0)
	// Every section's framing is checked, as sections does, not only up to the manifest.
	for off := int64(len(wasmHeader)); off < size; {
		start := off
		h := buf[:min(int64(len(buf)), size-off)]
		if err := read(h, off); err != nil {
			return nil, err
		}
		id := h[0]
		n, k := binary.Uvarint(h[1:])
		if k <= 0 || n > uint64(size-off-1-int64(k)) {
			return nil, fmt.Errorf("section at offset %d: bad size", start)
		}
		body, bodyLen := off+1+int64(k), int64(n)
		off = body + bodyLen
		if id != 0 {
			continue
		}
		h = buf[:min(int64(len(buf)), bodyLen)]
		if err := read(h, body); err != nil {
			return nil, err
		}
		nameLen, k := binary.Uvarint(h)
		if k <= 0 || nameLen > uint64(bodyLen-int64(k)) {
			return nil, fmt.Errorf("custom section at offset %d: bad name", start)
		}
		if payload >= 0 || nameLen != uint64(len(sdk.ManifestSection)) {
			continue
		}
		name := make([]byte, nameLen)
		if err := read(name, body+int64(k)); err != nil {
			return nil, err
		}
		if string(name) == sdk.ManifestSection {
			payload = body + int64(k) + int64(nameLen)
			payloadLen = bodyLen - int64(k) - int64(nameLen)
		}
	}
	if payload < 0 {
		return nil, ErrNoManifest
	}
	if payloadLen > maxManifest {
		return nil, fmt.Errorf("manifest is %d bytes, more than %d", payloadLen, maxManifest)
	}
	data := make([]byte, payloadLen)
	if err := read(data, payload); err != nil {
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
