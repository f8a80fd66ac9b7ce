package registry

import (
	"context"
	"fmt"
	"time"

	"github.com/trawlscan/trawl/sdk"
	"github.com/trawlscan/trawl/sdk/pack"
)

// Result is what an install, a locked install or an upgrade did for one plugin.
type Result struct {
	// Entry is the plugin's lock file entry after the call.
	Entry    Entry
	Manifest sdk.Manifest
	// Limits are what the plugin asks for and what the host grants.
	Limits Limits
	// Previous is the digest the name had before, "" when it was not installed.
	Previous string
	// Changed is false when the plugin was already installed with this digest.
	Changed bool
	// Skipped, when set, says why an upgrade left the plugin alone (pinned, up to date).
	Skipped string
	// CompileTime is how long compiling took; a module already in the compilation cache
	// takes milliseconds.
	CompileTime time.Duration
	// Notes say what the caller should know (a signature found but not verified, a
	// locked tag that moved).
	Notes []string
}

// Install fetches the plugin at source, verifies it (package documentation,
// "Verification"), compiles it and records it in the lock file, replacing any plugin of
// the same name. Errors name the source without credentials and the cause.
func (d *Dir) Install(ctx context.Context, source string, opts ...Option) (*Result, error) {
	c := d.config(opts)
	src, err := parseSource(source)
	if err != nil {
		return nil, fmt.Errorf("installing: %w", err)
	}
	res, err := d.install(ctx, c, src, expect{})
	if err != nil {
		return nil, fmt.Errorf("installing %s: %w", src.shown, err)
	}
	return res, nil
}

// install fetches, verifies, compiles and records one plugin.
func (d *Dir) install(ctx context.Context, c *config, src source, x expect) (*Result, error) {
	f, err := c.get(ctx, src)
	if err != nil {
		return nil, err
	}
	v, err := c.verify(f, x)
	if err != nil {
		return nil, err
	}
	return d.commit(ctx, c, Entry{Source: src.shown, Resolved: f.resolved}, v)
}

// commit compiles a verified module, then stores it and records it under the lock. e
// brings Source, Resolved and PinnedDigest; the rest comes from v.
func (d *Dir) commit(ctx context.Context, c *config, e Entry, v *verified) (*Result, error) {
	lim, took, err := c.prepare(ctx, v.wasm, e.Source, true)
	if err != nil {
		return nil, err
	}
	res := &Result{Manifest: *v.manifest, Limits: lim, CompileTime: took, Notes: v.notes}
	e.Name, e.Version, e.Kind, e.ABI = v.manifest.Name, v.manifest.Version, v.manifest.Kind, v.manifest.ABI
	e.Digest, e.Signature = v.digest, v.signer
	e.InstalledAt = c.now().UTC().Truncate(time.Second)
	if c.digest != "" {
		e.PinnedDigest = v.digest
	}
	err = d.update(ctx, func(l *LockFile) (func(), error) {
		// The module is written under the lock: a concurrent remove of another name that
		// used the same digest must not delete it between the write and the record.
		if err := d.writeModule(v.digest, v.wasm); err != nil {
			return nil, err
		}
		if v.sig != nil {
			if err := writeFileAtomic(d.signaturePath(v.digest), v.sig, 0o644); err != nil {
				return nil, err
			}
		}
		prev, had := l.Find(e.Name)
		if had {
			res.Previous = prev.Digest
			// Reinstalling the same module keeps its date, so that a locked install
			// rewrites the lock file as it was.
			if prev.Digest == e.Digest {
				e.InstalledAt = prev.InstalledAt
				if e.Signature == nil && prev.Signature != nil && d.readSignature(e.Digest) != nil {
					e.Signature = prev.Signature
				}
			}
		}
		res.Changed = !had || prev.Digest != e.Digest
		l.put(e)
		if had && prev.Digest != e.Digest && !l.uses(prev.Digest) {
			return func() { d.removeModule(prev.Digest) }, nil
		}
		return nil, nil
	})
	if err != nil {
		return nil, err
	}
	res.Entry = e
	return res, nil
}

// Remove uninstalls the plugin named name and deletes its module unless another entry
// uses it. It returns the entry removed.
func (d *Dir) Remove(ctx context.Context, name string) (Entry, error) {
	var removed Entry
	err := d.update(ctx, func(l *LockFile) (func(), error) {
		e, ok := l.Find(name)
		if !ok {
			return nil, fmt.Errorf("%w: no installed plugin is named %s", ErrNotInstalled, name)
		}
		removed = e
		l.remove(name)
		if !l.uses(e.Digest) {
			return func() { d.removeModule(e.Digest) }, nil
		}
		return nil, nil
	})
	if err != nil {
		return Entry{}, fmt.Errorf("removing %s: %w", name, err)
	}
	return removed, nil
}

// Info describes an installed plugin.
type Info struct {
	Entry    Entry
	Manifest sdk.Manifest
	Limits   Limits
	// Signature is the stored signature document, nil when none was verified.
	Signature []byte
}

// Info reads an installed plugin's module (checking its digest), manifest and limits.
func (d *Dir) Info(ctx context.Context, name string, opts ...Option) (*Info, error) {
	c := d.config(opts)
	l, err := d.readLock()
	if err != nil {
		return nil, err
	}
	e, ok := l.Find(name)
	if !ok {
		return nil, fmt.Errorf("%w: no installed plugin is named %s", ErrNotInstalled, name)
	}
	data, err := d.readModule(e.Digest)
	if err != nil {
		return nil, fmt.Errorf("plugin %s: %w", name, err)
	}
	m, err := pack.Manifest(data)
	if err != nil {
		return nil, fmt.Errorf("plugin %s: %w", name, err)
	}
	lim, _, err := c.prepare(ctx, data, e.Source, false)
	if err != nil {
		return nil, fmt.Errorf("plugin %s: %w", name, err)
	}
	return &Info{Entry: e, Manifest: *m, Limits: lim, Signature: d.readSignature(e.Digest)}, nil
}
