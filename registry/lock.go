package registry

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"time"

	"github.com/trawlscan/trawl/host/fetch"
)

// LockFileName is the lock file's name in the plugin directory.
const LockFileName = "trawl-plugins.lock"

// LockFileVersion is the version of the lock file format this package writes. A lock file
// of a later version is refused rather than rewritten without what this trawl does not
// understand.
const LockFileVersion = 1

// LockFile is what is installed in a plugin directory (README.md, "Lock file").
type LockFile struct {
	Version int     `json:"lockfile_version"`
	Plugins []Entry `json:"plugins"`
}

// Entry is one installed plugin.
type Entry struct {
	// Name, Version, Kind and ABI are the manifest's.
	Name    string `json:"name"`
	Version string `json:"version"`
	Kind    string `json:"kind"`
	ABI     string `json:"abi"`
	// Source is the source as given, without credentials (fetch.Redact); a registry
	// reference given without a scheme gets oci://, so that it is never taken for a path.
	Source string `json:"source"`
	// Resolved is what was fetched: registry/repository@sha256:<manifest digest> for an
	// OCI artifact, the URL after redirects (without credentials or query), or the
	// absolute path of a file.
	Resolved string `json:"resolved"`
	// Digest is "sha256:<hex>" of the module: the name of its file in the directory.
	Digest string `json:"digest"`
	// PinnedDigest is the digest the install was pinned to (WithDigest); Upgrade leaves a
	// pinned plugin alone.
	PinnedDigest string `json:"pinned_digest,omitempty"`
	// Signature says who signed the module, when a trusted key verified its signature.
	Signature *SignatureInfo `json:"signature,omitempty"`
	// InstalledAt is when this digest was installed under this name (UTC).
	InstalledAt time.Time `json:"installed_at"`
}

// SignatureInfo records a verified signature.
type SignatureInfo struct {
	// Algorithm is "ed25519".
	Algorithm string `json:"algorithm"`
	// Key is the fingerprint of the public key that verified it (sign.Fingerprint).
	Key string `json:"key"`
}

// Find returns the entry of the plugin named name.
func (l *LockFile) Find(name string) (Entry, bool) {
	for _, e := range l.Plugins {
		if e.Name == name {
			return e, true
		}
	}
	return Entry{}, false
}

// put adds or replaces the entry of e.Name, keeping the entries in name order so that the
// file diffs well under version control.
func (l *LockFile) put(e Entry) {
	for i := range l.Plugins {
		if l.Plugins[i].Name == e.Name {
			l.Plugins[i] = e
			return
		}
	}
	l.Plugins = append(l.Plugins, e)
	sort.Slice(l.Plugins, func(i, j int) bool { return l.Plugins[i].Name < l.Plugins[j].Name })
}

func (l *LockFile) remove(name string) {
	l.Plugins = slices.DeleteFunc(l.Plugins, func(e Entry) bool { return e.Name == name })
}

func (l *LockFile) uses(digest string) bool {
	for _, e := range l.Plugins {
		if e.Digest == digest {
			return true
		}
	}
	return false
}

// marshal encodes the lock file as indented JSON with a final newline.
func (l *LockFile) marshal() []byte {
	if l.Plugins == nil {
		l.Plugins = []Entry{}
	}
	b, _ := json.MarshalIndent(l, "", "  ")
	return append(b, '\n')
}

// ParseLockFile reads and checks a lock file.
func ParseLockFile(data []byte) (*LockFile, error) {
	var l LockFile
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&l); err != nil {
		return nil, fmt.Errorf("%w: not JSON: %v", ErrLockFile, err)
	}
	switch {
	case l.Version == 0:
		return nil, fmt.Errorf("%w: no lockfile_version", ErrLockFile)
	case l.Version > LockFileVersion:
		return nil, fmt.Errorf("%w: version %d, this trawl reads version %d: upgrade trawl", ErrLockFile, l.Version, LockFileVersion)
	}
	seen := map[string]bool{}
	for i, e := range l.Plugins {
		if e.Name == "" || seen[e.Name] {
			return nil, fmt.Errorf("%w: plugin %d: empty or repeated name %q", ErrLockFile, i, e.Name)
		}
		seen[e.Name] = true
		if _, ok := fetch.ParseDigest(e.Digest); !ok {
			return nil, fmt.Errorf("%w: plugin %s: digest %q: want sha256:<64 hex digits>", ErrLockFile, e.Name, e.Digest)
		}
	}
	return &l, nil
}

func (d *Dir) lockPath() string { return filepath.Join(d.path, LockFileName) }

// readLock reads the lock file; a directory without one has nothing installed.
func (d *Dir) readLock() (*LockFile, error) {
	data, err := os.ReadFile(d.lockPath())
	if errors.Is(err, fs.ErrNotExist) {
		return &LockFile{Version: LockFileVersion}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrLockFile, err)
	}
	l, err := ParseLockFile(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", d.lockPath(), err)
	}
	return l, nil
}

// update runs fn on the lock file under the directory's lock and writes the result back,
// whole, unless fn fails. Everything that must agree with the lock file happens under the
// lock: fn writes a module it will name; the cleanup it returns, run once the lock file is
// written, deletes modules no longer named. Cleanup is best effort: a module left behind
// only takes space, whereas one deleted before the lock file stopped naming it would
// break every scan.
func (d *Dir) update(ctx context.Context, fn func(*LockFile) (cleanup func(), err error)) error {
	if err := os.MkdirAll(d.path, 0o755); err != nil {
		return err
	}
	unlock, err := lockDir(ctx, d.path)
	if err != nil {
		return fmt.Errorf("locking %s: %w", d.path, err)
	}
	defer unlock()
	l, err := d.readLock()
	if err != nil {
		return err
	}
	before := l.marshal()
	cleanup, err := fn(l)
	if err != nil {
		return err
	}
	l.Version = LockFileVersion
	after := l.marshal()
	if _, err := os.Stat(d.lockPath()); err != nil || !bytes.Equal(before, after) {
		if err := writeFileAtomic(d.lockPath(), after, 0o644); err != nil {
			return err
		}
	}
	if cleanup != nil {
		cleanup()
	}
	return nil
}
