package registry

import (
	"context"
	"errors"
	"fmt"
	"net/url"

	"github.com/trawlscan/trawl/host/fetch"
	"github.com/trawlscan/trawl/registry/sign"
)

// fetched is what a source gave, before any verification.
type fetched struct {
	wasm []byte
	// sig is the signature document found with the module, nil when none; sigFrom says
	// where it was found, for messages.
	sig     []byte
	sigFrom string
	// config is an OCI artifact's config: the manifest JSON.
	config []byte
	// resolved is what was fetched (Entry.Resolved); manifestDigest an OCI manifest's.
	resolved       string
	manifestDigest string
}

// get fetches a module from src, with its signature when one is wanted.
func (c *config) get(ctx context.Context, src source) (*fetched, error) {
	if c.offline && src.kind != kindFile {
		return nil, fmt.Errorf("%w: %s is on the network", ErrOffline, src.shown)
	}
	var (
		f   *fetched
		err error
	)
	switch src.kind {
	case kindOCI:
		f, err = c.getOCI(ctx, src.loc)
	default:
		f, err = c.getDocument(ctx, src)
	}
	if err != nil {
		return nil, err
	}
	if c.signature != "" {
		d, err := fetch.Get(ctx, c.signature, c.fetchOptions(sign.MaxSize)...)
		if err != nil {
			return nil, fmt.Errorf("signature: %w", err)
		}
		f.sig, f.sigFrom = d.Data, d.Source
	}
	return f, nil
}

// getDocument fetches a module or archive from a file or URL, and looks for a signature
// beside it (<path>.sig, <url>.sig) when none came with it and one is wanted: a missing
// signature is not an error here, since a plugin may be unsigned; verify decides.
func (c *config) getDocument(ctx context.Context, src source) (*fetched, error) {
	// An archive is bounded like a module: compression only makes it smaller.
	d, err := fetch.Get(ctx, src.loc, c.fetchOptions(c.maxSize)...)
	if err != nil {
		return nil, unwrapFetch(err)
	}
	f := &fetched{resolved: d.Resolved}
	if f.wasm, f.sig, err = unpack(d.Data, c.maxSize); err != nil {
		return nil, err
	}
	if f.sig != nil {
		f.sigFrom = "the archive"
		return f, nil
	}
	if c.signature != "" || (len(c.keys) == 0 && !c.requireSig) {
		return f, nil
	}
	sibling := src.loc + ".sig"
	if src.kind == kindURL {
		u, err := url.Parse(src.loc)
		if err != nil {
			return f, nil
		}
		u.Path += ".sig"
		sibling = u.String()
	}
	sd, err := fetch.Get(ctx, sibling, c.fetchOptions(sign.MaxSize)...)
	switch {
	case err == nil:
		f.sig, f.sigFrom = sd.Data, sd.Source
	case !errors.Is(err, fetch.ErrNotFound):
		return nil, fmt.Errorf("signature: %w", err)
	}
	return f, nil
}

// unwrapFetch drops fetch's "fetching <source>: " prefix: the caller names the source.
func unwrapFetch(err error) error {
	if u := errors.Unwrap(err); u != nil {
		return u
	}
	return err
}
