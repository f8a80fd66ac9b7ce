package main

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/spf13/cobra"

	"github.com/trawlscan/trawl/host/catalog"
	"github.com/trawlscan/trawl/host/fetch"
	"github.com/trawlscan/trawl/host/wasm"
	"github.com/trawlscan/trawl/plugins/builtin"
	"github.com/trawlscan/trawl/registry"
	"github.com/trawlscan/trawl/registry/sign"
	"github.com/trawlscan/trawl/sdk"
	"github.com/trawlscan/trawl/sdk/pack"
)

// originInstalled prefixes the catalog origin of an installed plugin; its source follows.
const originInstalled = "installed:"

// defaultPluginDir is TRAWL_PLUGIN_DIR, else <user config dir>/trawl/plugins: installed
// plugins are configuration a user chose, not a cache that may be wiped. An empty
// environment (tests) has no user config dir, hence no default.
func (e *env) defaultPluginDir() string {
	if e.getenv == nil {
		return ""
	}
	if d := e.getenv("TRAWL_PLUGIN_DIR"); d != "" {
		return d
	}
	d, err := os.UserConfigDir()
	if err != nil {
		return ""
	}
	return filepath.Join(d, "trawl", "plugins")
}

func (e *env) getenvOr(k string) string {
	if e.getenv == nil {
		return ""
	}
	return strings.TrimSpace(e.getenv(k))
}

// openHost is the wasm host of scans and installs: its compilation cache is
// <cache-dir>/wasm, seeded with the precompiled built-in plugins, so that what an install
// compiles is what the next scan finds.
func (e *env) openHost(g *globalFlags, log *slog.Logger) (*wasm.Host, error) {
	opts := []wasm.Option{wasm.WithLogger(log)}
	if g.cacheDir != "" {
		dir := filepath.Join(g.cacheDir, "wasm")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			log.Warn("compilation cache disabled", "dir", dir, "error", err)
		} else {
			if n, err := builtin.SeedCompilationCache(dir); err != nil {
				log.Warn("could not seed the compilation cache", "dir", dir, "error", err)
			} else if n > 0 {
				log.Debug("seeded the compilation cache with precompiled plugins", "entries", n)
			}
			opts = append(opts, wasm.WithCompilationCache(dir))
		}
	}
	return wasm.NewHost(opts...)
}

// installedModules returns the plugins installed in the plugin directory, for the
// catalog: after the built-in ones, so that an installed plugin cannot replace one. A
// module missing or altered is refused alone; an unreadable lock file fails the run,
// since what should be loaded is then unknown.
func (e *env) installedModules(g *globalFlags) ([]catalog.Module, error) {
	if g.pluginDir == "" {
		return nil, nil
	}
	mods, err := registry.Open(g.pluginDir).Modules()
	if err != nil {
		return nil, withCode(exitUsage, fmt.Errorf("plugin directory %s: %w", g.pluginDir, err))
	}
	out := make([]catalog.Module, 0, len(mods))
	for _, m := range mods {
		out = append(out, catalog.Module{
			Origin: originInstalled + m.Entry.Source, Wasm: m.Wasm, Err: m.Err,
			Name: m.Entry.Name, Version: m.Entry.Version, Kind: m.Entry.Kind,
		})
	}
	return out, nil
}

// pluginDir opens the plugin directory with the options every plugin command shares.
func (e *env) pluginDir(g *globalFlags, insecure bool, extra ...registry.Option) (*registry.Dir, error) {
	if g.pluginDir == "" {
		return nil, usageErrorf("no plugin directory: give --plugin-dir or set TRAWL_PLUGIN_DIR (the user config directory is unknown)")
	}
	opts := append(e.registryOptions(g, insecure), registry.WithClock(e.now))
	if names, err := builtinNames(); err == nil {
		opts = append(opts, registry.WithReservedNames(names...))
	}
	return registry.Open(g.pluginDir, append(opts, extra...)...), nil
}

func (e *env) registryOptions(g *globalFlags, insecure bool) []registry.Option {
	return []registry.Option{
		registry.WithRemoteOptions(remote.WithAuthFromKeychain(authn.DefaultKeychain)),
		registry.WithInsecure(insecure),
		registry.WithOffline(g.offline),
	}
}

func builtinNames() ([]string, error) {
	mods, err := catalog.Builtin()
	if err != nil {
		return nil, err
	}
	var names []string
	for _, m := range mods {
		if m.Manifest != nil {
			names = append(names, m.Manifest.Name)
		}
	}
	return names, nil
}

// readKeys reads public key files (PEM or base64, package registry/sign).
func readKeys(files []string) ([]ed25519.PublicKey, error) {
	var keys []ed25519.PublicKey
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, usageErrorf("--key: %v", err)
		}
		k, err := sign.ParsePublicKey(data)
		if err != nil {
			return nil, usageErrorf("--key %s: %v", f, err)
		}
		keys = append(keys, k)
	}
	return keys, nil
}

func readPrivateKey(flag, file string) (ed25519.PrivateKey, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, usageErrorf("%s: %v", flag, err)
	}
	k, err := sign.ParsePrivateKey(data)
	if err != nil {
		return nil, usageErrorf("%s %s: %v", flag, file, err)
	}
	return k, nil
}

// registryError gives a registry package error its exit status: the user's to fix (2:
// offline, not installed, a lock file trawl cannot read) or the input's (3: not reachable,
// or refused by verification).
func registryError(err error) error {
	if errors.Is(err, registry.ErrOffline) || errors.Is(err, registry.ErrNotInstalled) || errors.Is(err, registry.ErrLockFile) {
		return withCode(exitUsage, err)
	}
	return withCode(exitScanError, err)
}

func (e *env) pluginCmd(g *globalFlags) *cobra.Command {
	c := &cobra.Command{
		Use:   "plugin",
		Short: "List, install, verify and publish analyzer and formatter plugins",
		Long: `Plugins are WebAssembly modules (sdk/ABI.md). Installed plugins live in the plugin
directory (--plugin-dir, TRAWL_PLUGIN_DIR, default <user config dir>/trawl/plugins), named
by their digest, and are listed in its lock file trawl-plugins.lock; every scan loads them
after the built-in plugins. See registry/README.md for the formats.

Exit status: 2 for usage and configuration errors (flags, key files, --offline, a name
that is not installed), 3 when a plugin cannot be fetched or fails verification.`,
	}
	c.AddCommand(e.pluginListCmd(g), e.pluginInfoCmd(g), e.pluginInstallCmd(g), e.pluginRemoveCmd(g),
		e.pluginUpgradeCmd(g), e.pluginPushCmd(g), e.pluginSearchCmd(g), e.pluginKeygenCmd(), e.pluginSignCmd())
	return c
}

func (e *env) pluginListCmd(g *globalFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List the plugins this trawl can use: name, version, kind, origin, digest, signer",
		Args:  exactArgs(0),
		RunE: func(cmd *cobra.Command, args []string) error {
			host, cat, err := e.openCatalog(g, e.logger(g))
			if err != nil {
				return withCode(exitUsage, err)
			}
			defer closeAll(host, cat)
			signers := map[string]string{}
			if g.pluginDir != "" {
				entries, _ := registry.Open(g.pluginDir).List()
				for _, en := range entries {
					if en.Signature != nil {
						signers[en.Name] = en.Signature.Algorithm + ":" + shortDigest(en.Signature.Key)
					}
				}
			}
			tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "NAME\tVERSION\tKIND\tORIGIN\tDIGEST\tSIGNED\tHANDLES")
			for _, p := range cat.All() {
				m := p.Manifest
				signed := "-"
				if strings.HasPrefix(p.Origin, originInstalled) && signers[m.Name] != "" {
					signed = signers[m.Name]
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", m.Name, m.Version, m.Kind, p.Origin, p.Digest(), signed, strings.Join(handles(&m), ","))
			}
			for _, r := range cat.Refused {
				fmt.Fprintf(tw, "%s\t%s\t%s\trefused\t-\t-\t%s\n", r.Name, r.Version, r.Kind, r.Error)
			}
			return tw.Flush()
		},
	}
}

func handles(m *sdk.Manifest) []string {
	var out []string
	for _, a := range m.Analyzers {
		out = append(out, a.Name)
	}
	return append(out, m.Formats...)
}

// pluginInfo is what `plugin info --json` prints.
type pluginInfo struct {
	Origin    string          `json:"origin"`
	Entry     *registry.Entry `json:"installed,omitempty"`
	Manifest  sdk.Manifest    `json:"manifest"`
	Digest    string          `json:"digest,omitempty"`
	Limits    *limitsJSON     `json:"limits,omitempty"`
	Signature *sign.Signature `json:"signature,omitempty"`
	Published *publishedJSON  `json:"published,omitempty"`
	Notes     []string        `json:"notes,omitempty"`
}

type limitsJSON struct {
	Requested sdk.Limits `json:"requested"`
	MemoryMiB int        `json:"memory_mib"`
	TimeoutMS int64      `json:"timeout_ms"`
	Capped    bool       `json:"capped"`
}

type publishedJSON struct {
	Resolved string `json:"resolved"`
	WasmSize int64  `json:"wasm_size"`
	Signed   bool   `json:"signed"`
}

func limitsOf(l registry.Limits) *limitsJSON {
	return &limitsJSON{Requested: l.Requested, MemoryMiB: l.MemoryMiB, TimeoutMS: l.Timeout.Milliseconds(), Capped: l.Capped()}
}

func (e *env) pluginInfoCmd(g *globalFlags) *cobra.Command {
	var asJSON, insecure bool
	c := &cobra.Command{
		Use:   "info NAME|REF",
		Short: "Show a plugin: manifest, limits asked for and granted, source, digest, signature",
		Long: `Show an installed or built-in plugin by name, or a published one by its OCI reference
(read from the artifact's config, without downloading the module).`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			info, err := e.pluginInfo(ctx, g, args[0], insecure)
			if err != nil {
				return err
			}
			if asJSON {
				enc := json.NewEncoder(e.stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(info)
			}
			e.printInfo(info)
			return nil
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print the information as JSON")
	c.Flags().BoolVar(&insecure, "insecure", false, "allow plain HTTP to the registry (a REF)")
	return c
}

func (e *env) pluginInfo(ctx context.Context, g *globalFlags, arg string, insecure bool) (*pluginInfo, error) {
	h, err := wasm.NewHost()
	if err != nil {
		return nil, err
	}
	defer h.Close(ctx)
	if g.pluginDir != "" {
		d := registry.Open(g.pluginDir, registry.WithHost(h))
		in, err := d.Info(ctx, arg)
		switch {
		case err == nil:
			info := &pluginInfo{Origin: "installed", Entry: &in.Entry, Manifest: in.Manifest, Digest: in.Entry.Digest, Limits: limitsOf(in.Limits)}
			if in.Signature != nil {
				info.Signature, _ = sign.Parse(in.Signature)
			}
			return info, nil
		case !errors.Is(err, registry.ErrNotInstalled):
			return nil, registryError(err)
		}
	}
	mods, err := catalog.Builtin()
	if err != nil {
		return nil, err
	}
	for _, m := range mods {
		p, err := m.Load(h)
		if err != nil {
			continue
		}
		// Loading reads the manifest only: nothing is compiled, closing frees nothing.
		p.Close(ctx)
		if p.Manifest.Name != arg {
			continue
		}
		return &pluginInfo{Origin: catalog.OriginBuiltin, Manifest: p.Manifest, Digest: p.Digest(),
			Limits: limitsOf(registry.Limits{Requested: p.Manifest.Limits, MemoryMiB: p.MemoryLimitMiB(), Timeout: p.CallTimeout()})}, nil
	}
	if !strings.Contains(arg, "/") {
		return nil, usageErrorf("no plugin named %s is installed or built in (plugin dir %q)", arg, g.pluginDir)
	}
	pub, err := registry.Inspect(ctx, arg, e.registryOptions(g, insecure)...)
	if err != nil {
		return nil, registryError(err)
	}
	return &pluginInfo{Origin: pub.Ref, Manifest: pub.Manifest, Digest: pub.WasmDigest,
		Published: &publishedJSON{Resolved: pub.Resolved, WasmSize: pub.WasmSize, Signed: pub.Signed},
		Notes:     []string{"limits are granted when the plugin is installed"}}, nil
}

func (e *env) printInfo(in *pluginInfo) {
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	row := func(k, v string) {
		if v != "" {
			fmt.Fprintf(tw, "%s\t%s\n", k, v)
		}
	}
	m := in.Manifest
	row("name", m.Name)
	row("version", m.Version)
	row("kind", m.Kind)
	row("abi", m.ABI)
	row("description", m.Description)
	row("handles", strings.Join(handles(&m), ", "))
	row("origin", in.Origin)
	if en := in.Entry; en != nil {
		row("source", en.Source)
		row("resolved", en.Resolved)
		if en.PinnedDigest != "" {
			row("pinned", en.PinnedDigest)
		}
		row("installed", en.InstalledAt.Format(time.RFC3339))
	}
	if p := in.Published; p != nil {
		row("resolved", p.Resolved)
		row("size", fmt.Sprintf("%d bytes", p.WasmSize))
		row("signed", fmt.Sprint(p.Signed))
	}
	row("digest", in.Digest)
	switch {
	case in.Entry != nil && in.Entry.Signature != nil:
		row("signature", fmt.Sprintf("%s, key %s (verified when installed)", in.Entry.Signature.Algorithm, in.Entry.Signature.Key))
	case in.Entry != nil:
		row("signature", "none verified")
	}
	if l := in.Limits; l != nil {
		for i, s := range (registry.Limits{Requested: l.Requested, MemoryMiB: l.MemoryMiB, Timeout: time.Duration(l.TimeoutMS) * time.Millisecond}).Describe() {
			k := ""
			if i == 0 {
				k = "limits"
			}
			fmt.Fprintf(tw, "%s\t%s\n", k, s)
		}
	}
	for _, n := range in.Notes {
		row("note", n)
	}
	tw.Flush()
}

func (e *env) pluginInstallCmd(g *globalFlags) *cobra.Command {
	var (
		digest, name, signature, index, onTag string
		keyFiles                              []string
		requireSig, locked, insecure          bool
	)
	c := &cobra.Command{
		Use:   "install [SOURCE]",
		Short: "Install a plugin from an OCI reference, an https:// URL or a file, verified",
		Long: `Install a plugin into the plugin directory and record it in trawl-plugins.lock.

SOURCE is oci://registry/repo:tag (or @sha256:...), registry/repo:tag, an https:// URL of
a .wasm or of a .tar.gz holding one .wasm (and optionally its .sig), or a local .wasm or
archive. With --index, SOURCE is NAME[@VERSION] of the index, and the digest the index
lists is pinned.

The module's sha256 is always computed and recorded; --digest pins it. Its manifest is
validated, its ABI major must be this trawl's, its limits are capped by the host (the
result says what applies), and it is compiled into the compilation cache, so the first
scan pays nothing. With --key, a signature found with the module (the artifact's
signature layer, <file>.sig, <url>.sig, a .sig in the archive, or --signature) must verify
with one of the keys; --require-signature refuses a plugin without one.

--locked installs exactly the plugins and digests of the lock file, fetching by digest
what the directory lacks, and compares each locked OCI tag with what it points to now:
--on-tag-change=warn (default) reports a moved tag, fail refuses, ignore does not look.`,
		Example: `  trawl plugin install oci://ghcr.io/acme/trawl-conan:1.2.0 --key acme.pub --require-signature
  trawl plugin install https://example.com/md-1.0.0.tar.gz --digest sha256:4f1c...
  trawl plugin install ./conan.wasm
  trawl plugin install --locked --on-tag-change=fail`,
		Args: func(cmd *cobra.Command, args []string) error {
			if locked {
				return exactArgs(0)(cmd, args)
			}
			return exactArgs(1)(cmd, args)
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			keys, err := readKeys(keyFiles)
			if err != nil {
				return err
			}
			var tagCheck registry.TagCheck
			switch onTag {
			case "warn":
				tagCheck = registry.TagCheckWarn
			case "fail":
				tagCheck = registry.TagCheckFail
			case "ignore":
				tagCheck = registry.TagCheckIgnore
			default:
				return usageErrorf("--on-tag-change %q: want warn, fail or ignore", onTag)
			}
			if locked && (digest != "" || name != "" || signature != "" || index != "") {
				return usageErrorf("--locked installs what the lock file says: it takes no --digest, --name, --signature or --index")
			}
			log := e.logger(g)
			h, err := e.openHost(g, log)
			if err != nil {
				return err
			}
			defer h.Close(context.Background())
			opts := []registry.Option{registry.WithHost(h), registry.WithKeys(keys...), registry.WithRequireSignature(requireSig), registry.WithTagCheck(tagCheck)}
			d, err := e.pluginDir(g, insecure, opts...)
			if err != nil {
				return err
			}
			if locked {
				results, err := d.InstallLocked(ctx)
				for _, r := range results {
					e.printResult("installed", r)
				}
				if err != nil {
					return registryError(err)
				}
				if len(results) == 0 {
					fmt.Fprintf(e.stdout, "the lock file lists no plugins\n")
				}
				return nil
			}
			source := args[0]
			if index != "" {
				idx, err := registry.LoadIndex(ctx, index, e.registryOptions(g, insecure)...)
				if err != nil {
					return registryError(err)
				}
				n, ver, _ := strings.Cut(source, "@")
				_, v, err := idx.Lookup(n, ver)
				if err != nil {
					return usageErrorf("--index %s: %v", fetch.Redact(index), err)
				}
				source = v.Ref
				if name == "" {
					name = n
				}
				if digest == "" {
					digest = v.Digest
				}
			}
			if _, err := registry.ParseDigest(digest); digest != "" && err != nil {
				return usageErrorf("--digest: %v", err)
			}
			res, err := d.Install(ctx, source, registry.WithDigest(digest), registry.WithName(name), registry.WithSignature(signature))
			if err != nil {
				return registryError(err)
			}
			e.printResult("installed", res)
			return nil
		},
	}
	f := c.Flags()
	f.StringVar(&digest, "digest", "", "refuse the module unless its sha256 is this (sha256:...); recorded, so upgrade leaves it")
	f.StringArrayVar(&keyFiles, "key", nil, "public key trusted to sign plugins (PEM or base64 ed25519); repeatable")
	f.BoolVar(&requireSig, "require-signature", false, "refuse a plugin without a signature verified by a --key")
	f.BoolVar(&locked, "locked", false, "install exactly the plugins and digests of the lock file")
	f.StringVar(&name, "name", "", "refuse the module unless its manifest names this plugin")
	f.StringVar(&signature, "signature", "", "the module's detached signature (path or https:// URL), instead of looking beside it")
	f.StringVar(&index, "index", e.getenvOr("TRAWL_PLUGIN_INDEX"), "plugin index (path or URL): SOURCE is then NAME[@VERSION]; env TRAWL_PLUGIN_INDEX")
	f.StringVar(&onTag, "on-tag-change", "warn", "with --locked, when a locked OCI tag now points elsewhere: warn, fail or ignore")
	f.BoolVar(&insecure, "insecure", false, "allow plain HTTP (http:// URLs, registries over HTTP)")
	return c
}

// printResult prints what an install or upgrade did; notes go to stderr as warnings.
func (e *env) printResult(verb string, r *registry.Result) {
	en := r.Entry
	if r.Skipped != "" {
		fmt.Fprintf(e.stdout, "%s %s: %s\n", en.Name, en.Version, r.Skipped)
		return
	}
	if !r.Changed && verb == "upgraded" {
		verb = "kept"
	}
	fmt.Fprintf(e.stdout, "%s %s %s (%s) from %s\n", verb, en.Name, en.Version, en.Kind, en.Source)
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "  digest\t%s\n", en.Digest)
	if r.Previous != "" && r.Previous != en.Digest {
		fmt.Fprintf(tw, "  previous\t%s\n", r.Previous)
	}
	fmt.Fprintf(tw, "  resolved\t%s\n", en.Resolved)
	if en.Signature != nil {
		fmt.Fprintf(tw, "  signature\t%s, key %s (verified)\n", en.Signature.Algorithm, en.Signature.Key)
	} else {
		fmt.Fprintf(tw, "  signature\tnone verified\n")
	}
	for i, s := range r.Limits.Describe() {
		k := ""
		if i == 0 {
			k = "limits"
		}
		fmt.Fprintf(tw, "  %s\t%s\n", k, s)
	}
	if r.CompileTime > 0 {
		fmt.Fprintf(tw, "  compiled\tin %s, into the compilation cache\n", r.CompileTime.Round(time.Millisecond))
	}
	tw.Flush()
	for _, n := range r.Notes {
		fmt.Fprintf(e.stderr, "trawl: warning: %s: %s\n", en.Name, n)
	}
}

func (e *env) pluginRemoveCmd(g *globalFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "remove NAME",
		Short: "Uninstall a plugin: its lock file entry, and its module unless another entry uses it",
		Args:  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			d, err := e.pluginDir(g, false)
			if err != nil {
				return err
			}
			en, err := d.Remove(cmd.Context(), args[0])
			if err != nil {
				return registryError(err)
			}
			fmt.Fprintf(e.stdout, "removed %s %s (%s)\n", en.Name, en.Version, en.Digest)
			return nil
		},
	}
}

func (e *env) pluginUpgradeCmd(g *globalFlags) *cobra.Command {
	var (
		keyFiles []string
		insecure bool
	)
	c := &cobra.Command{
		Use:   "upgrade [NAME...]",
		Short: "Re-resolve installed plugins' sources and install what changed, verified",
		Long: `Re-resolve the recorded source of each named plugin (all when none is named) and
install what it serves now if the digest changed. A plugin pinned with --digest or
installed by digest is left alone. A plugin recorded as signed must be signed again by the
same key, given with --key.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			keys, err := readKeys(keyFiles)
			if err != nil {
				return err
			}
			h, err := e.openHost(g, e.logger(g))
			if err != nil {
				return err
			}
			defer h.Close(context.Background())
			d, err := e.pluginDir(g, insecure, registry.WithHost(h), registry.WithKeys(keys...))
			if err != nil {
				return err
			}
			results, err := d.Upgrade(cmd.Context(), args)
			for _, r := range results {
				e.printResult("upgraded", r)
			}
			return registryError(err)
		},
	}
	c.Flags().StringArrayVar(&keyFiles, "key", nil, "public key trusted to sign plugins; repeatable")
	c.Flags().BoolVar(&insecure, "insecure", false, "allow plain HTTP (http:// URLs, registries over HTTP)")
	return c
}

func (e *env) pluginPushCmd(g *globalFlags) *cobra.Command {
	var (
		signKey, signature string
		insecure           bool
	)
	c := &cobra.Command{
		Use:   "push FILE REF",
		Short: "Publish a plugin module as an OCI artifact (" + registry.ArtifactType + "), optionally signed",
		Example: `  trawl plugin push conan.wasm registry.example.com/plugins/conan:1.2.0 --sign-key trawl-plugin.key
  trawl plugin push conan.wasm registry.example.com/plugins/conan:1.2.0 --signature conan.wasm.sig`,
		Args: exactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if signKey != "" && signature != "" {
				return usageErrorf("--sign-key signs the module; --signature publishes a signature made before: not both")
			}
			opts := e.registryOptions(g, insecure)
			if signKey != "" {
				k, err := readPrivateKey("--sign-key", signKey)
				if err != nil {
					return err
				}
				opts = append(opts, registry.WithSigner(k))
			}
			if signature != "" {
				opts = append(opts, registry.WithSignature(signature))
			}
			if _, err := os.Stat(args[0]); err != nil {
				return usageErrorf("%v", err)
			}
			p, err := registry.Push(cmd.Context(), args[0], args[1], opts...)
			if err != nil {
				if errors.Is(err, registry.ErrNotPlugin) || errors.Is(err, sign.ErrWrongDigest) || errors.Is(err, sign.ErrMalformed) {
					return withCode(exitUsage, err)
				}
				return registryError(err)
			}
			fmt.Fprintf(e.stdout, "pushed %s %s (%s) to %s\n", p.Manifest.Name, p.Manifest.Version, p.Manifest.Kind, p.Ref)
			fmt.Fprintf(e.stdout, "  manifest  %s\n  module    %s\n", p.Resolved, p.WasmDigest)
			if p.Signature != nil {
				fmt.Fprintf(e.stdout, "  signed    %s, key %s\n", p.Signature.Algorithm, p.Signature.Key)
			}
			ref := strings.TrimPrefix(p.Ref, "oci://")
			fmt.Fprintf(e.stdout, "install it with: trawl plugin install oci://%s --digest %s\n", ref, p.WasmDigest)
			return nil
		},
	}
	c.Flags().StringVar(&signKey, "sign-key", "", "sign the module with this ed25519 private key (PEM or base64) and publish the signature")
	c.Flags().StringVar(&signature, "signature", "", "publish this detached signature (from `trawl plugin sign`)")
	c.Flags().BoolVar(&insecure, "insecure", false, "allow plain HTTP to the registry")
	return c
}

func (e *env) pluginSearchCmd(g *globalFlags) *cobra.Command {
	var (
		index    string
		insecure bool
	)
	c := &cobra.Command{
		Use:   "search [QUERY]",
		Short: "Search a plugin index by name, description, kind and what plugins handle",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if index == "" {
				return usageErrorf("no plugin index: give --index PATH|URL or set TRAWL_PLUGIN_INDEX")
			}
			idx, err := registry.LoadIndex(cmd.Context(), index, e.registryOptions(g, insecure)...)
			if err != nil {
				// A local index is configuration; a remote one that fails is an input error.
				if !strings.Contains(index, "://") {
					return withCode(exitUsage, err)
				}
				return registryError(err)
			}
			q := ""
			if len(args) == 1 {
				q = args[0]
			}
			hits := registry.Search(idx, q)
			if len(hits) == 0 {
				fmt.Fprintf(e.stderr, "trawl: no plugin in the index matches %q\n", q)
				return nil
			}
			tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "NAME\tKIND\tLATEST\tREF\tHANDLES\tDESCRIPTION")
			for _, p := range hits {
				latest, ref := "-", "-"
				if len(p.Versions) > 0 {
					latest, ref = p.Versions[0].Version, p.Versions[0].Ref
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", p.Name, p.Kind, latest, ref, strings.Join(p.Handles, ","), p.Description)
			}
			return tw.Flush()
		},
	}
	c.Flags().StringVar(&index, "index", e.getenvOr("TRAWL_PLUGIN_INDEX"), "plugin index: a path, https:// URL or oci:// reference; env TRAWL_PLUGIN_INDEX")
	c.Flags().BoolVar(&insecure, "insecure", false, "allow plain HTTP")
	return c
}

func (e *env) pluginKeygenCmd() *cobra.Command {
	var out string
	c := &cobra.Command{
		Use:   "keygen",
		Short: "Make an ed25519 key pair for signing plugins: PREFIX.key (private) and PREFIX.pub",
		Args:  exactArgs(0),
		RunE: func(cmd *cobra.Command, args []string) error {
			pub, priv, err := sign.Generate(nil)
			if err != nil {
				return err
			}
			privPEM, err := sign.MarshalPrivateKey(priv)
			if err != nil {
				return err
			}
			pubPEM, err := sign.MarshalPublicKey(pub)
			if err != nil {
				return err
			}
			keyFile, pubFile := out+".key", out+".pub"
			for _, f := range []string{keyFile, pubFile} {
				if _, err := os.Stat(f); err == nil {
					return usageErrorf("%s exists: not overwriting a key", f)
				}
			}
			// O_EXCL: a key appearing since the check above is not overwritten either.
			if err := writeNew(keyFile, privPEM, 0o600); err != nil {
				return usageErrorf("%v", err)
			}
			if err := writeNew(pubFile, pubPEM, 0o644); err != nil {
				return usageErrorf("%v", err)
			}
			fmt.Fprintf(e.stdout, "wrote %s (private: keep it secret) and %s (public: give it to --key)\nkey %s\n", keyFile, pubFile, sign.Fingerprint(pub))
			return nil
		},
	}
	c.Flags().StringVarP(&out, "out", "o", "trawl-plugin", "prefix of the key files")
	return c
}

func writeNew(path string, data []byte, perm os.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return err
	}
	_, werr := f.Write(data)
	return errors.Join(werr, f.Close())
}

func (e *env) pluginSignCmd() *cobra.Command {
	var key, out string
	c := &cobra.Command{
		Use:   "sign FILE.wasm",
		Short: "Write a detached ed25519 signature of a plugin module (FILE.wasm.sig)",
		Long: `Sign the module's sha256 digest with an ed25519 private key and write the signature
document (registry/README.md, "Signatures") to FILE.wasm.sig, where install looks for it
beside the module, or to -o. The module must carry its manifest: sign what you publish.`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if key == "" {
				return usageErrorf("--key PRIVATE-KEY is required")
			}
			priv, err := readPrivateKey("--key", key)
			if err != nil {
				return err
			}
			wasmBytes, err := os.ReadFile(args[0])
			if err != nil {
				return usageErrorf("%v", err)
			}
			m, err := pack.Manifest(wasmBytes)
			if err != nil {
				return usageErrorf("%s: %v", args[0], err)
			}
			s, err := sign.SignModule(priv, wasmBytes)
			if err != nil {
				return err
			}
			if out == "" {
				out = args[0] + ".sig"
			}
			if err := os.WriteFile(out, s.Marshal(), 0o644); err != nil {
				return usageErrorf("%v", err)
			}
			fmt.Fprintf(e.stdout, "signed %s %s (%s) with key %s: %s\n", m.Name, m.Version, s.Digest, s.Key, out)
			return nil
		},
	}
	c.Flags().StringVar(&key, "key", "", "ed25519 private key (PEM PKCS #8 or base64), e.g. from `trawl plugin keygen`")
	c.Flags().StringVarP(&out, "output", "o", "", "signature file (default FILE.wasm.sig)")
	return c
}
