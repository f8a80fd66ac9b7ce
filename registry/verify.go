package registry

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"

	"github.com/trawlscan/trawl/host/fetch"
	"github.com/trawlscan/trawl/host/wasm"
	"github.com/trawlscan/trawl/registry/sign"
	"github.com/trawlscan/trawl/sdk"
	"github.com/trawlscan/trawl/sdk/pack"
)

// verified is a module that passed steps 2 to 6 of the package documentation.
type verified struct {
	wasm     []byte
	digest   string
	manifest *sdk.Manifest
	// sig is the verified signature document (nil: none verified) and signer its key.
	sig    []byte
	signer *SignatureInfo
	notes  []string
}

// expect is what a particular install requires beyond the options: a locked digest, a
// lock entry's signer.
type expect struct {
	digest string // "" for none; names the lock file in messages
	key    string // fingerprint the signature must be by, "" for any trusted key
}

// verify checks a fetched module, in the documented order.
func (c *config) verify(f *fetched, x expect) (*verified, error) {
	v := &verified{wasm: f.wasm, digest: digestOf(f.wasm)}
	if c.digest != "" {
		pin, ok := fetch.ParseDigest(c.digest)
		if !ok {
			return nil, fmt.Errorf("pinned digest %q: want sha256:<64 hex digits>", c.digest)
		}
		if v.digest != pin {
			return nil, fmt.Errorf("%w: the module is %s, the pinned digest (--digest) is %s", ErrDigestMismatch, v.digest, pin)
		}
	}
	if x.digest != "" && v.digest != x.digest {
		return nil, fmt.Errorf("%w: the module is %s, the lock file has %s", ErrDigestMismatch, v.digest, x.digest)
	}

	m, err := pack.Manifest(f.wasm)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNotPlugin, err)
	}
	v.manifest = m
	if f.config != nil {
		var cm sdk.Manifest
		if err := json.Unmarshal(f.config, &cm); err != nil {
			return nil, fmt.Errorf("%w: the artifact's config is not a manifest: %v", ErrNotPlugin, err)
		}
		// A registry UI, search and info show the config; a module that is something else
		// than what they show is refused.
		if !reflect.DeepEqual(&cm, m) {
			return nil, fmt.Errorf("%w: the artifact's config manifest (%s %s) differs from the manifest in its module (%s %s)", ErrNotPlugin, cm.Name, cm.Version, m.Name, m.Version)
		}
	}
	if major, _, _ := sdk.ParseABI(m.ABI); major != sdk.ABIMajor {
		return nil, &wasm.ABIError{Plugin: m.Name, PluginABI: m.ABI}
	}

	if c.name != "" && m.Name != c.name {
		return nil, fmt.Errorf("%w: the module is plugin %s, want %s (--name)", ErrRefused, m.Name, c.name)
	}
	if slices.Contains(c.reserved, m.Name) {
		return nil, fmt.Errorf("%w: plugin name %s is taken by a built-in plugin", ErrRefused, m.Name)
	}

	if err := c.verifySignature(f, v, x); err != nil {
		return nil, err
	}
	return v, nil
}

// verifySignature checks the signature found with the module against the trusted keys.
// Without keys a signature is not checked, and not recorded: it says nothing until a key
// one trusts verifies it.
func (c *config) verifySignature(f *fetched, v *verified, x expect) error {
	require := c.requireSig || x.key != ""
	switch {
	case f.sig == nil && require:
		return fmt.Errorf("%w: plugin %s %s is not signed (--require-signature)", ErrUnsigned, v.manifest.Name, v.digest)
	case f.sig == nil:
		if len(c.keys) > 0 {
			v.notes = append(v.notes, "not signed: no signature was found with the module")
		}
		return nil
	case len(c.keys) == 0 && require:
		return fmt.Errorf("%w: plugin %s is signed, but no key is trusted to verify it (give one with --key)", ErrUnsigned, v.manifest.Name)
	case len(c.keys) == 0:
		v.notes = append(v.notes, "signature found in "+f.sigFrom+" but not verified: no --key given")
		return nil
	}
	s, err := sign.Parse(f.sig)
	if err != nil {
		return fmt.Errorf("signature from %s: %w", f.sigFrom, err)
	}
	fp, err := sign.Verify(s, v.digest, c.keys)
	if err != nil {
		return fmt.Errorf("signature from %s: %w", f.sigFrom, err)
	}
	if x.key != "" && fp != x.key {
		return fmt.Errorf("signature from %s: %w: signed by key %s, the lock file records key %s", f.sigFrom, sign.ErrUntrustedKey, fp, x.key)
	}
	v.sig = f.sig
	v.signer = &SignatureInfo{Algorithm: sign.Algorithm, Key: fp}
	return nil
}
