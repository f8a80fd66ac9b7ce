package registry

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/trawlscan/trawl/host/fetch"
)

// Dir is a plugin directory. Its methods are safe for concurrent use, by goroutines and by
// processes sharing the directory.
type Dir struct {
	path string
	base []Option
}

// Open returns the plugin directory at path, configured by opts (which each call's options
// extend). It creates nothing: the directory is made by the first install, and a
// directory that does not exist has nothing installed.
func Open(path string, opts ...Option) *Dir {
	return &Dir{path: path, base: opts}
}

// Path is the directory's path.
func (d *Dir) Path() string { return d.path }

func (d *Dir) config(opts []Option) *config { return newConfig(d.base, opts) }

// ModulePath is the path of the installed module of digest "sha256:<hex>".
func (d *Dir) ModulePath(digest string) string {
	return filepath.Join(d.path, strings.TrimPrefix(digest, "sha256:")+".wasm")
}

func (d *Dir) signaturePath(digest string) string {
	return filepath.Join(d.path, strings.TrimPrefix(digest, "sha256:")+".sig")
}

// readModule reads an installed module and checks that its bytes still have its digest:
// a module altered in the directory is refused, not run.
func (d *Dir) readModule(digest string) ([]byte, error) {
	p := d.ModulePath(digest)
	data, err := os.ReadFile(p)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("module %s is missing from %s: reinstall it (trawl plugin install --locked)", digest, d.path)
		}
		return nil, err
	}
	if got := digestOf(data); got != digest {
		return nil, fmt.Errorf("%w: %s was altered: its digest is %s, the lock file has %s", ErrDigestMismatch, p, got, digest)
	}
	return data, nil
}

// writeModule stores a module under its digest, unless it is already there intact.
func (d *Dir) writeModule(digest string, data []byte) error {
	if _, err := d.readModule(digest); err == nil {
		return nil
	}
	return writeFileAtomic(d.ModulePath(digest), data, 0o644)
}

// readSignature returns the stored signature document of a module, nil when none.
func (d *Dir) readSignature(digest string) []byte {
	b, err := os.ReadFile(d.signaturePath(digest))
	if err != nil {
		return nil
	}
	return b
}

// removeModule deletes a module and its signature.
func (d *Dir) removeModule(digest string) error {
	err := os.Remove(d.ModulePath(digest))
	if errors.Is(err, fs.ErrNotExist) {
		err = nil
	}
	if serr := os.Remove(d.signaturePath(digest)); serr != nil && !errors.Is(serr, fs.ErrNotExist) {
		err = errors.Join(err, serr)
	}
	return err
}

func digestOf(b []byte) string {
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// ParseDigest checks a module digest, "sha256:<64 hex digits>", and returns it in lower
// case.
func ParseDigest(d string) (string, error) {
	if n, ok := fetch.ParseDigest(d); ok {
		return n, nil
	}
	return "", fmt.Errorf("digest %q: want sha256:<64 hex digits>", d)
}

// List returns the installed plugins, in name order.
func (d *Dir) List() ([]Entry, error) {
	l, err := d.readLock()
	if err != nil {
		return nil, err
	}
	return l.Plugins, nil
}

// Module is an installed plugin module, for loading into a catalog.
type Module struct {
	Entry Entry
	// Wasm is the module; nil when Err is set.
	Wasm []byte
	// Err says why the module cannot be used: missing, or altered since it was installed.
	Err error
}

// Modules reads every installed module, checking each against its digest. A module that
// is missing or altered comes back with Err, so a scan refuses that plugin alone; an
// unreadable lock file is an error, since then what should be loaded is unknown.
func (d *Dir) Modules() ([]Module, error) {
	l, err := d.readLock()
	if err != nil {
		return nil, err
	}
	out := make([]Module, 0, len(l.Plugins))
	for _, e := range l.Plugins {
		data, err := d.readModule(e.Digest)
		out = append(out, Module{Entry: e, Wasm: data, Err: err})
	}
	return out, nil
}
