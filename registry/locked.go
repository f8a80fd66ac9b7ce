package registry

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
)

// InstallLocked installs exactly the plugins and digests the lock file lists, as a
// pipeline reproduces a reviewed set of plugins from a lock file under version control:
//
//   - a module already in the directory with its digest is used as it is; any other is
//     fetched by digest from the entry's resolved source (an OCI manifest digest, the URL,
//     the file) and must have the locked digest;
//   - an entry that records a signature must come with a signature by that same key (given
//     with WithKeys) when its module is fetched;
//   - for an OCI source with a tag, the tag's current manifest is compared with the locked
//     one, and a tag that moved is reported (TagCheckWarn), refused (TagCheckFail) or not
//     looked at (TagCheckIgnore, WithOffline). Either way what is installed is the locked
//     digest: the lock file is changed by Install and Upgrade, never here;
//   - each module is compiled into the host's compilation cache.
//
// Every entry is tried; the error joins the failures, each naming its plugin.
func (d *Dir) InstallLocked(ctx context.Context, opts ...Option) ([]*Result, error) {
	c := d.config(opts)
	if _, err := os.Stat(d.lockPath()); errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w: %s does not exist: nothing to install", ErrLockFile, d.lockPath())
	}
	l, err := d.readLock()
	if err != nil {
		return nil, err
	}
	var (
		results []*Result
		errs    []error
	)
	for _, e := range l.Plugins {
		r, err := d.installLocked(ctx, c, e)
		if err != nil {
			errs = append(errs, fmt.Errorf("plugin %s (%s): %w", e.Name, e.Source, err))
			continue
		}
		results = append(results, r)
	}
	return results, errors.Join(errs...)
}

func (d *Dir) installLocked(ctx context.Context, c *config, e Entry) (*Result, error) {
	cc := *c
	cc.name, cc.digest = e.Name, ""
	x := expect{digest: e.Digest}
	if e.Signature != nil {
		x.key = e.Signature.Key
	}
	// The tag is looked at first: with TagCheckFail, nothing is installed from a source
	// whose tag moved.
	note, err := cc.checkTag(ctx, e)
	if err != nil {
		return nil, err
	}
	var (
		f     *fetched
		local bool
	)
	if data, err := d.readModule(e.Digest); err == nil {
		f, local = &fetched{wasm: data, resolved: e.Resolved}, true
		// The module was verified when it was installed; its signature is checked again
		// only when keys are given to check it with.
		if len(cc.keys) > 0 {
			if sig := d.readSignature(e.Digest); sig != nil {
				f.sig, f.sigFrom = sig, "the plugin directory"
			}
		} else {
			x.key = ""
		}
	} else if f, err = cc.get(ctx, lockedSource(e)); err != nil {
		return nil, err
	}
	v, err := cc.verify(f, x)
	if err != nil {
		return nil, err
	}
	if local && v.signer == nil && e.Signature != nil {
		v.signer, v.sig = e.Signature, d.readSignature(e.Digest)
	}
	keep := Entry{Source: e.Source, Resolved: e.Resolved, PinnedDigest: e.PinnedDigest}
	r, err := d.commit(ctx, &cc, keep, v)
	if err != nil {
		return nil, err
	}
	if note != "" {
		r.Notes = append(r.Notes, note)
	}
	return r, nil
}

// kindOf tells the kind of a recorded source: registry references are recorded with
// oci://, so a source without a scheme is a file.
func kindOf(shown string) sourceKind {
	scheme, _, ok := strings.Cut(shown, "://")
	switch {
	case !ok:
		return kindFile
	case strings.EqualFold(scheme, "oci"):
		return kindOCI
	case strings.EqualFold(scheme, "file"):
		return kindFile
	}
	return kindURL
}

// lockedSource is where a locked entry's exact module is: its resolved source.
func lockedSource(e Entry) source {
	return source{kind: kindOf(e.Source), loc: e.Resolved, shown: e.Source}
}

// manifestDigestOf returns the manifest digest of a resolved OCI reference.
func manifestDigestOf(resolved string) string {
	if i := strings.LastIndex(resolved, "@"); i >= 0 {
		return resolved[i+1:]
	}
	return ""
}

// checkTag compares what an entry's OCI tag points to now with the locked manifest. It
// returns a note for the caller, or ErrTagChanged with TagCheckFail.
func (c *config) checkTag(ctx context.Context, e Entry) (string, error) {
	if c.tagCheck == TagCheckIgnore || kindOf(e.Source) != kindOCI || isDigestRef(e.Source) {
		return "", nil
	}
	if c.offline {
		return "tag " + e.Source + " not checked: offline", nil
	}
	locked := manifestDigestOf(e.Resolved)
	cur, err := c.headDigest(ctx, strings.TrimPrefix(e.Source, "oci://"))
	if err != nil {
		if c.tagCheck == TagCheckFail {
			return "", fmt.Errorf("checking tag %s: %w", e.Source, err)
		}
		return fmt.Sprintf("tag %s not checked: %v", e.Source, err), nil
	}
	if cur == locked {
		return "", nil
	}
	msg := fmt.Sprintf("tag %s now points to manifest %s, the lock file has %s (installed the locked one)", e.Source, cur, locked)
	if c.tagCheck == TagCheckFail {
		return "", fmt.Errorf("%w: tag %s now points to manifest %s, the lock file has %s", ErrTagChanged, e.Source, cur, locked)
	}
	return msg, nil
}
