package registry

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// Upgrade re-resolves the recorded source of each named plugin (every installed plugin
// when names is empty) and installs what it serves now, verified as Install verifies, if
// its digest changed:
//
//   - a plugin installed with a pinned digest, or from a reference by digest, is left
//     alone (Result.Skipped says why);
//   - an OCI tag is first asked for its manifest digest, and nothing is downloaded when it
//     is the locked one;
//   - the new module must still be the same plugin (its manifest name), and a plugin whose
//     entry records a signature must again be signed by that key (given with WithKeys).
//
// The recorded source has no credentials (Entry.Source): registry credentials come from
// WithRemoteOptions, and a URL that needed a signed query cannot be upgraded: install it
// again. Every plugin is tried; the error joins the failures.
func (d *Dir) Upgrade(ctx context.Context, names []string, opts ...Option) ([]*Result, error) {
	c := d.config(opts)
	l, err := d.readLock()
	if err != nil {
		return nil, err
	}
	entries := l.Plugins
	if len(names) > 0 {
		entries = nil
		for _, n := range names {
			e, ok := l.Find(n)
			if !ok {
				return nil, fmt.Errorf("upgrading %s: %w", n, ErrNotInstalled)
			}
			entries = append(entries, e)
		}
	}
	var (
		results []*Result
		errs    []error
	)
	for _, e := range entries {
		r, err := d.upgrade(ctx, c, e)
		if err != nil {
			errs = append(errs, fmt.Errorf("upgrading %s (%s): %w", e.Name, e.Source, err))
			continue
		}
		results = append(results, r)
	}
	return results, errors.Join(errs...)
}

func (d *Dir) upgrade(ctx context.Context, c *config, e Entry) (*Result, error) {
	skip := func(why string) (*Result, error) {
		return &Result{Entry: e, Previous: e.Digest, Skipped: why}, nil
	}
	kind := kindOf(e.Source)
	switch {
	case e.PinnedDigest != "":
		return skip("pinned to " + e.PinnedDigest + " (--digest): install it again to change that")
	case kind == kindOCI && isDigestRef(e.Source):
		return skip("its source names a manifest digest")
	}
	cc := *c
	cc.name, cc.digest = e.Name, ""
	x := expect{}
	if e.Signature != nil {
		x.key = e.Signature.Key
	}
	src := source{kind: kind, loc: e.Source, shown: e.Source}
	switch kind {
	case kindOCI:
		src.loc = strings.TrimPrefix(e.Source, "oci://")
		if cc.offline {
			return nil, fmt.Errorf("%w: %s is on the network", ErrOffline, e.Source)
		}
		cur, err := cc.headDigest(ctx, src.loc)
		if err != nil {
			return nil, err
		}
		if cur == manifestDigestOf(e.Resolved) {
			return skip("up to date")
		}
	case kindFile:
		src.loc = e.Resolved
	}
	f, err := cc.get(ctx, src)
	if err != nil {
		return nil, err
	}
	v, err := cc.verify(f, x)
	if err != nil {
		return nil, err
	}
	r, err := d.commit(ctx, &cc, Entry{Source: e.Source, Resolved: f.resolved}, v)
	if err != nil {
		return nil, err
	}
	if !r.Changed {
		r.Skipped = "up to date"
	}
	return r, nil
}
