// Package registry installs, verifies, lists and publishes third-party trawl plugins
// (WebAssembly analyzers and formatters, sdk/ABI.md).
//
// # The plugin directory
//
// Installed plugins live in one directory (trawl's --plugin-dir, TRAWL_PLUGIN_DIR, by
// default <user config dir>/trawl/plugins): configuration a user chose, not a cache that
// may be wiped. It holds
//
//	<hex>.wasm          each installed module, named by the SHA-256 of its bytes
//	<hex>.sig           its verified signature document, when it had one (package sign)
//	trawl-plugins.lock  what is installed: name, version, kind, source, digest, signer
//	.trawl-plugins.lk   an empty file, locked while the lock file is read and rewritten
//
// Modules are content-addressed, so a module is written once however many times it is
// installed, and one whose bytes no longer match its name is refused when loaded. Every
// file is written aside and renamed into place, and the lock file is rewritten only under
// an advisory lock on .trawl-plugins.lk (flock where the OS has it), so concurrent
// installs serialise their updates rather than lose or corrupt one.
//
// # Sources
//
// Install takes an OCI reference (oci://registry/repo:tag, oci://registry/repo@sha256:...,
// or registry/repo:tag when no such local path exists), an https:// URL of a module or of a
// .tar.gz holding one module (and optionally its .sig), or a local module or archive.
// Modules and archives are told apart by their content, not their names.
//
// # The OCI artifact
//
// A plugin in a registry is an OCI 1.1 image manifest (see README.md for the full table):
//
//	artifactType  application/vnd.trawl.plugin.v1
//	config        application/vnd.trawl.plugin.config.v1+json: the manifest JSON, so that a
//	              registry UI, `trawl plugin search` or `info` can read it without the module
//	layers[0]     application/vnd.trawl.plugin.wasm.v1+wasm: the module, its manifest packed
//	              in as the trawl.manifest custom section
//	layers[1]     application/vnd.trawl.plugin.signature.v1+json: optional signature
//
// The signature is a layer of the artifact rather than an OCI referrer: it arrives in the
// same manifest fetch as the module, so a pull by digest brings the signature it was
// published with; it needs no referrers API (which many registries lack, and whose
// fallback tag scheme races with concurrent pushes); and copying the artifact (crane cp,
// a mirror) copies it. The price is that signing after publishing means pushing again,
// with a new manifest digest; the module's digest, which is what is signed, stays.
//
// # Verification
//
// Whatever the source, in this order, each step refusing with its cause named:
//
//  1. size: a module over WithMaxSize is refused, never truncated; an OCI blob must match
//     the digest and size its manifest gives;
//  2. digest: the module's SHA-256 is computed and must equal WithDigest, or the lock
//     file's digest for a locked install (both digests are named);
//  3. manifest: read from the module's custom section and validated (sdk.Manifest.Validate);
//     an OCI artifact's config must hold the same manifest;
//  4. ABI: its major must be sdk.ABIMajor (wasm.ABIError);
//  5. name: WithName's expectation, and not a name reserved by a built-in plugin;
//  6. signature: with WithKeys, a signature found beside the module must verify with one of
//     them; with WithRequireSignature, a plugin without one verified is refused;
//  7. limits: the host caps what the manifest asks for (the result says what applies);
//  8. compilation: the module is compiled (which also checks the exports its kind needs)
//     into the host's compilation cache, so the first scan pays nothing.
//
// Only then is the module stored and the lock file updated.
package registry
