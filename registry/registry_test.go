package registry_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/trawlscan/trawl/host/wasm"
	"github.com/trawlscan/trawl/registry"
	"github.com/trawlscan/trawl/registry/sign"
	"github.com/trawlscan/trawl/sdk"
)

var fixedNow = func() time.Time { return time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC) }

// TestPushInstallListInfoRemove walks a plugin's life: push, install by tag, by digest and
// by a reference without scheme, list, info, remove. It compiles the module once, into the
// tests' compilation cache, as `trawl plugin install` does.
func TestPushInstallListInfoRemove(t *testing.T) {
	ctx := context.Background()
	host := ociRegistry(t, nil)
	md := mdModule(t, nil)
	pushed := push(t, md, "oci://"+host+"/plugins/md:1.0")
	if pushed.WasmDigest != digest(md) || !strings.HasPrefix(pushed.Digest, "sha256:") || pushed.Resolved != host+"/plugins/md@"+pushed.Digest {
		t.Fatalf("pushed %+v", pushed)
	}
	// The same plugin pushed again is the same artifact.
	if again := push(t, md, host+"/plugins/md:again"); again.Digest != pushed.Digest {
		t.Errorf("pushing twice gave %s and %s", pushed.Digest, again.Digest)
	}

	dir := filepath.Join(t.TempDir(), "plugins")
	d := registry.Open(dir, registry.WithInsecure(true), registry.WithHost(compilingHost(t)), registry.WithClock(fixedNow))
	res, err := d.Install(ctx, "oci://"+host+"/plugins/md:1.0")
	if err != nil {
		t.Fatal(err)
	}
	want := registry.Entry{
		Name: "md", Version: "1.0.0", Kind: sdk.KindFormatter, ABI: "1.0",
		Source: "oci://" + host + "/plugins/md:1.0", Resolved: pushed.Resolved, Digest: digest(md),
		InstalledAt: fixedNow(),
	}
	if !reflect.DeepEqual(res.Entry, want) || !res.Changed || res.Previous != "" {
		t.Fatalf("installed\n%s\nwant\n%s", jsonOf(res), jsonOf(want))
	}
	if res.CompileTime == 0 {
		t.Error("the module was not compiled")
	}
	if b, err := os.ReadFile(filepath.Join(dir, strings.TrimPrefix(digest(md), "sha256:")+".wasm")); err != nil || !bytes.Equal(b, md) {
		t.Fatalf("module file: %v", err)
	}
	if l := readLock(t, dir); len(l.Plugins) != 1 || !reflect.DeepEqual(l.Plugins[0], want) {
		t.Fatalf("lock file %s", jsonOf(l))
	}

	// By digest: the same module, nothing changes (not even the date).
	res, err = d.Install(ctx, "oci://"+host+"/plugins/md@"+pushed.Digest, registry.WithClock(time.Now))
	if err != nil {
		t.Fatal(err)
	}
	if res.Changed || res.Previous != digest(md) || res.Entry.Resolved != pushed.Resolved || !res.Entry.InstalledAt.Equal(fixedNow()) {
		t.Errorf("by digest: %s", jsonOf(res))
	}
	// A registry reference without scheme is recorded with one.
	res, err = d.Install(ctx, host+"/plugins/md:1.0", registry.WithCompile(false))
	if err != nil {
		t.Fatal(err)
	}
	if res.Entry.Source != "oci://"+host+"/plugins/md:1.0" {
		t.Errorf("source %q", res.Entry.Source)
	}

	list, err := d.List()
	if err != nil || len(list) != 1 || list[0].Name != "md" {
		t.Fatalf("list %v, %v", list, err)
	}
	info, err := d.Info(ctx, "md")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(&info.Manifest, mdManifest()) || info.Limits.MemoryMiB != 256 || info.Signature != nil {
		t.Errorf("info %s", jsonOf(info))
	}
	mods, err := d.Modules()
	if err != nil || len(mods) != 1 || mods[0].Err != nil || !bytes.Equal(mods[0].Wasm, md) {
		t.Fatalf("modules: %v", err)
	}

	removed, err := d.Remove(ctx, "md")
	if err != nil || removed.Digest != digest(md) {
		t.Fatalf("remove: %+v, %v", removed, err)
	}
	if list, _ := d.List(); len(list) != 0 {
		t.Errorf("still listed: %v", list)
	}
	if _, err := os.Stat(d.ModulePath(digest(md))); !os.IsNotExist(err) {
		t.Errorf("module file left behind: %v", err)
	}
	_, err = d.Remove(ctx, "md")
	mustFail(t, err, registry.ErrNotInstalled, "md")
	_, err = d.Info(ctx, "md")
	mustFail(t, err, registry.ErrNotInstalled)

	// What a registry UI or `trawl plugin info REF` reads without the module.
	pub, err := registry.Inspect(ctx, "oci://"+host+"/plugins/md:1.0", registry.WithInsecure(true))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(&pub.Manifest, mdManifest()) || pub.WasmDigest != digest(md) || pub.Signed || pub.Resolved != pushed.Resolved {
		t.Errorf("inspect %s", jsonOf(pub))
	}
}

// TestDigestMismatch: a registry that serves other bytes than its manifest names, a pinned
// digest that does not match, and a module altered in the plugin directory are refused,
// each naming the digests.
func TestDigestMismatch(t *testing.T) {
	ctx := context.Background()
	mod := analyzer(t, "tampered", "1.0.0", 0)
	wantHex := strings.TrimPrefix(digest(mod), "sha256:")
	host := ociRegistry(t, func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method != http.MethodGet || !strings.HasSuffix(r.URL.Path, "/blobs/sha256:"+wantHex) || !strings.Contains(r.URL.Path, "/evil/") {
				next.ServeHTTP(w, r)
				return
			}
			rec := httptest.NewRecorder()
			next.ServeHTTP(rec, r)
			body := rec.Body.Bytes()
			body[len(body)-1] ^= 0xff
			for k, v := range rec.Header() {
				w.Header()[k] = v
			}
			w.WriteHeader(rec.Code)
			w.Write(body)
		})
	})
	push(t, mod, host+"/evil/tampered:1")
	d := registry.Open(t.TempDir(), testOptions()...)
	_, err := d.Install(ctx, "oci://"+host+"/evil/tampered:1")
	mustFail(t, err, registry.ErrDigestMismatch, "installing oci://"+host+"/evil/tampered:1", "blob "+digest(mod), "the registry sent")

	push(t, mod, host+"/good/tampered:1")
	other := strings.Repeat("ab", 32)
	_, err = d.Install(ctx, "oci://"+host+"/good/tampered:1", registry.WithDigest("sha256:"+other))
	mustFail(t, err, registry.ErrDigestMismatch, "the module is "+digest(mod), "the pinned digest (--digest) is sha256:"+other)
	_, err = d.Install(ctx, "oci://"+host+"/good/tampered:1", registry.WithDigest("md5:1234"))
	mustFail(t, err, nil, "want sha256:<64 hex digits>")
	if list, _ := d.List(); len(list) != 0 {
		t.Fatalf("refused plugins were recorded: %v", list)
	}

	// The right pin installs and is recorded.
	res, err := d.Install(ctx, "oci://"+host+"/good/tampered:1", registry.WithDigest(strings.ToUpper(digest(mod)[:10])+digest(mod)[10:]))
	if err != nil || res.Entry.PinnedDigest != digest(mod) {
		t.Fatalf("pinned install: %+v, %v", res, err)
	}
	// A module altered on disk is refused when loaded, alone.
	p := d.ModulePath(digest(mod))
	data, _ := os.ReadFile(p)
	data[100] ^= 1
	os.WriteFile(p, data, 0o644)
	mods, err := d.Modules()
	if err != nil || len(mods) != 1 {
		t.Fatalf("modules: %v", err)
	}
	mustFail(t, mods[0].Err, registry.ErrDigestMismatch, p+" was altered", "the lock file has "+digest(mod))
	_, err = d.Info(ctx, "tampered")
	mustFail(t, err, registry.ErrDigestMismatch)
}

// TestSignatures: signed on push, verified on install; a wrong key, an altered signature,
// a missing signature under --require-signature are each refused with their cause.
func TestSignatures(t *testing.T) {
	ctx := context.Background()
	host := ociRegistry(t, nil)
	pub, priv := keys(t)
	otherPub, otherPriv := keys(t)
	mod := analyzer(t, "signed", "1.0.0", 0)

	pushed := push(t, mod, host+"/p/signed:1", registry.WithSigner(priv))
	if pushed.Signature == nil || pushed.Signature.Key != sign.Fingerprint(pub) {
		t.Fatalf("pushed %+v", pushed)
	}
	if p, err := registry.Inspect(ctx, host+"/p/signed:1", registry.WithInsecure(true)); err != nil || !p.Signed {
		t.Errorf("inspect: %+v, %v", p, err)
	}
	dir := t.TempDir()
	d := registry.Open(dir, testOptions()...)
	res, err := d.Install(ctx, host+"/p/signed:1", registry.WithKeys(otherPub, pub), registry.WithRequireSignature(true))
	if err != nil {
		t.Fatal(err)
	}
	if s := res.Entry.Signature; s == nil || s.Key != sign.Fingerprint(pub) || s.Algorithm != "ed25519" {
		t.Fatalf("signature info %+v", s)
	}
	if info, _ := d.Info(ctx, "signed"); info == nil || info.Signature == nil {
		t.Error("the verified signature was not kept")
	}

	// Without keys, a signature is neither checked nor recorded; reinstalling a module
	// verified before keeps what was verified.
	res, err = registry.Open(t.TempDir(), testOptions()...).Install(ctx, host+"/p/signed:1")
	if err != nil || res.Entry.Signature != nil || len(res.Notes) == 0 || !strings.Contains(res.Notes[0], "not verified") {
		t.Errorf("install without keys: %+v, %v", res, err)
	}
	if res, err = d.Install(ctx, host+"/p/signed:1"); err != nil || res.Entry.Signature == nil || res.Changed {
		t.Errorf("reinstall without keys: %+v, %v", res, err)
	}

	_, err = d.Install(ctx, host+"/p/signed:1", registry.WithKeys(otherPub))
	mustFail(t, err, sign.ErrUntrustedKey, "signed by key "+sign.Fingerprint(pub))

	// A signature made for another module, and one whose bytes were altered.
	wrong, _ := sign.SignModule(otherPriv, []byte("another module"))
	wrongFile := writeFile(t, t.TempDir(), "wrong.sig", wrong.Marshal())
	_, err = d.Install(ctx, host+"/p/signed:1", registry.WithKeys(otherPub), registry.WithSignature(wrongFile))
	mustFail(t, err, sign.ErrWrongDigest, "it signs "+wrong.Digest, "the module is "+digest(mod))
	good, _ := sign.SignModule(otherPriv, mod)
	good.Signature = "A" + good.Signature[1:]
	alteredFile := writeFile(t, t.TempDir(), "altered.sig", good.Marshal())
	_, err = d.Install(ctx, host+"/p/signed:1", registry.WithKeys(otherPub), registry.WithSignature(alteredFile))
	mustFail(t, err, sign.ErrBadSignature, "the module or its signature was altered")
	// Push refuses to publish a signature of another module.
	_, err = registry.Push(ctx, writeFile(t, t.TempDir(), "m.wasm", mod), host+"/p/bad:1", append(testOptions(), registry.WithSignature(wrongFile))...)
	mustFail(t, err, sign.ErrWrongDigest)

	// --require-signature: an unsigned plugin, and a signed one with no key to check it.
	push(t, mod, host+"/p/unsigned:1")
	_, err = d.Install(ctx, host+"/p/unsigned:1", registry.WithKeys(pub), registry.WithRequireSignature(true))
	mustFail(t, err, registry.ErrUnsigned, "plugin signed", "is not signed (--require-signature)")
	_, err = d.Install(ctx, host+"/p/signed:1", registry.WithRequireSignature(true))
	mustFail(t, err, registry.ErrUnsigned, "no key is trusted")
	if e, _ := d.List(); len(e) != 1 || e[0].Signature == nil || e[0].Signature.Key != sign.Fingerprint(pub) {
		t.Errorf("refused installs changed the lock file: %v", e)
	}
}

// TestABIMajorRefused: a module speaking another ABI major is refused before anything is
// stored, saying both versions.
func TestABIMajorRefused(t *testing.T) {
	m := mdManifest()
	m.ABI = "2.0"
	f := writeFile(t, t.TempDir(), "future.wasm", mdModule(t, m))
	d := registry.Open(t.TempDir(), testOptions()...)
	_, err := d.Install(context.Background(), f)
	var abi *wasm.ABIError
	if !errors.As(err, &abi) {
		t.Fatalf("error %v is not a wasm.ABIError", err)
	}
	mustFail(t, err, nil, "speaks ABI 2.0", fmt.Sprintf("this trawl speaks ABI %d.%d", sdk.ABIMajor, sdk.ABIMinor))
	if _, err := os.Stat(filepath.Join(d.Path(), registry.LockFileName)); !os.IsNotExist(err) {
		t.Error("a refused install wrote the lock file")
	}
}

// TestLimitsCapped: a plugin asking for more memory than the host allows gets the cap, and
// install and info say so.
func TestLimitsCapped(t *testing.T) {
	ctx := context.Background()
	f := writeFile(t, t.TempDir(), "greedy.wasm", analyzer(t, "greedy", "1.0.0", 4096))
	d := registry.Open(t.TempDir(), testOptions()...)
	res, err := d.Install(ctx, f)
	if err != nil {
		t.Fatal(err)
	}
	check := func(what string, l registry.Limits) {
		if l.Requested.MemoryMiB != 4096 || l.MemoryMiB != 1024 || !l.Capped() {
			t.Errorf("%s: limits %+v", what, l)
		}
		if got := strings.Join(l.Describe(), "; "); !strings.Contains(got, "memory 1024 MiB (asks for 4096 MiB; capped at 1024 MiB)") || !strings.Contains(got, "timeout 30s per call (host default)") {
			t.Errorf("%s: %s", what, got)
		}
	}
	check("install", res.Limits)
	info, err := d.Info(ctx, "greedy")
	if err != nil {
		t.Fatal(err)
	}
	check("info", info.Limits)
	// A host with a lower cap grants less: the caps are the host's, not the registry's.
	h, _ := wasm.NewHost(wasm.WithMaxMemoryLimit(512))
	defer h.Close(ctx)
	info, _ = d.Info(ctx, "greedy", registry.WithHost(h))
	if info.Limits.MemoryMiB != 512 {
		t.Errorf("with a 512 MiB cap: %+v", info.Limits)
	}
}

// TestLockedInstall: --locked reproduces the lock file's digests exactly, twice in a row,
// into an empty directory (fetching by digest) and over a full one.
func TestLockedInstall(t *testing.T) {
	ctx := context.Background()
	host := ociRegistry(t, nil)
	a, b := analyzer(t, "alpha", "1.0.0", 0), analyzer(t, "beta", "2.0.0", 0)
	pushed := push(t, a, host+"/p/alpha:stable")
	dir := t.TempDir()
	d := registry.Open(dir, append(testOptions(), registry.WithClock(fixedNow))...)
	if _, err := d.Install(ctx, "oci://"+host+"/p/alpha:stable"); err != nil {
		t.Fatal(err)
	}
	bFile := writeFile(t, t.TempDir(), "beta.wasm", b)
	if _, err := d.Install(ctx, bFile); err != nil {
		t.Fatal(err)
	}
	lock, _ := os.ReadFile(filepath.Join(dir, registry.LockFileName))

	// Another machine: the lock file alone.
	dir2 := t.TempDir()
	writeFile(t, dir2, registry.LockFileName, lock)
	d2 := registry.Open(dir2, append(testOptions(), registry.WithClock(time.Now))...)
	for round := range 2 {
		res, err := d2.InstallLocked(ctx, registry.WithTagCheck(registry.TagCheckFail))
		if err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		if len(res) != 2 || res[0].Entry.Digest != digest(a) || res[1].Entry.Digest != digest(b) || res[0].Entry.Resolved != pushed.Resolved {
			t.Fatalf("round %d: %s", round, jsonOf(res))
		}
		if got, _ := os.ReadFile(filepath.Join(dir2, registry.LockFileName)); !bytes.Equal(got, lock) {
			t.Fatalf("round %d: the lock file changed:\n%s\nwas\n%s", round, got, lock)
		}
		for _, m := range [][]byte{a, b} {
			if got, err := os.ReadFile(d2.ModulePath(digest(m))); err != nil || !bytes.Equal(got, m) {
				t.Fatalf("round %d: module %s: %v", round, digest(m), err)
			}
		}
	}
	// A source that now serves other bytes fails the locked install of that plugin only.
	os.Remove(d2.ModulePath(digest(b)))
	os.WriteFile(bFile, analyzer(t, "beta", "2.0.1", 0), 0o644)
	res, err := d2.InstallLocked(ctx)
	mustFail(t, err, registry.ErrDigestMismatch, "plugin beta", "the lock file has "+digest(b))
	if len(res) != 1 || res[0].Entry.Name != "alpha" {
		t.Errorf("the other plugin: %s", jsonOf(res))
	}
	// Offline, what is in the directory installs; what is not cannot be fetched.
	_, err = d2.InstallLocked(ctx, registry.WithOffline(true))
	if err == nil || !strings.Contains(err.Error(), "beta") || strings.Contains(err.Error(), "alpha") {
		t.Errorf("offline: %v", err)
	}
	_, err = registry.Open(t.TempDir()).InstallLocked(ctx)
	mustFail(t, err, registry.ErrLockFile, "does not exist")
}

// TestTagChanged: a tag republished after the lock was written is detected by a locked
// install (warned about, or refused), and Upgrade moves to it.
func TestTagChanged(t *testing.T) {
	ctx := context.Background()
	host := ociRegistry(t, nil)
	pub, priv := keys(t)
	v1, v2 := analyzer(t, "moving", "1.0.0", 0), analyzer(t, "moving", "1.1.0", 0)
	first := push(t, v1, host+"/p/moving:latest", registry.WithSigner(priv))
	push(t, v1, host+"/p/moving:1.0.0")
	dir := t.TempDir()
	d := registry.Open(dir, append(testOptions(), registry.WithKeys(pub))...)
	if _, err := d.Install(ctx, "oci://"+host+"/p/moving:latest"); err != nil {
		t.Fatal(err)
	}
	pinned := writeFile(t, t.TempDir(), "pinned.wasm", analyzer(t, "pinned", "1.0.0", 0))
	if _, err := d.Install(ctx, pinned, registry.WithDigest(digest(analyzer(t, "pinned", "1.0.0", 0)))); err != nil {
		t.Fatal(err)
	}
	res, err := d.Upgrade(ctx, nil)
	if err != nil || len(res) != 2 || res[0].Skipped != "up to date" || !strings.HasPrefix(res[1].Skipped, "pinned to") {
		t.Fatalf("upgrade with nothing new: %s, %v", jsonOf(res), err)
	}

	second := push(t, v2, host+"/p/moving:latest", registry.WithSigner(priv))
	res, err = d.InstallLocked(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if res[0].Entry.Digest != digest(v1) || len(res[0].Notes) != 1 || !strings.Contains(res[0].Notes[0], "now points to manifest "+second.Digest+", the lock file has "+first.Digest) {
		t.Errorf("warned locked install: %s", jsonOf(res))
	}
	_, err = d.InstallLocked(ctx, registry.WithTagCheck(registry.TagCheckFail))
	mustFail(t, err, registry.ErrTagChanged, "plugin moving", second.Digest, first.Digest)
	if _, err := d.InstallLocked(ctx, registry.WithTagCheck(registry.TagCheckIgnore)); err != nil {
		t.Errorf("ignored tag: %v", err)
	}
	if e, _ := d.List(); e[0].Digest != digest(v1) {
		t.Error("a locked install changed the lock file")
	}

	// An upgrade needs the signer's key again, and a new signer is refused.
	_, err = d.Upgrade(ctx, []string{"moving"}, registry.WithKeys())
	if err != nil {
		t.Fatalf("upgrade with the Dir's key: %v", err)
	}
	if e, _ := d.List(); e[0].Digest != digest(v2) || e[0].Version != "1.1.0" || e[0].Signature == nil {
		t.Fatalf("after upgrade: %s", jsonOf(e))
	}
	if _, err := os.Stat(d.ModulePath(digest(v1))); !os.IsNotExist(err) {
		t.Error("the upgraded-from module was left behind")
	}
	otherPub, otherPriv := keys(t)
	push(t, analyzer(t, "moving", "1.2.0", 0), host+"/p/moving:latest", registry.WithSigner(otherPriv))
	_, err = registry.Open(dir, testOptions()...).Upgrade(ctx, []string{"moving"}, registry.WithKeys(otherPub))
	mustFail(t, err, sign.ErrUntrustedKey, "the lock file records key "+sign.Fingerprint(pub))
	_, err = d.Upgrade(ctx, []string{"nope"})
	mustFail(t, err, registry.ErrNotInstalled, "nope")
	// The tag now serves another plugin name: refused.
	push(t, analyzer(t, "impostor", "9.9.9", 0), host+"/p/moving:latest", registry.WithSigner(priv))
	_, err = d.Upgrade(ctx, []string{"moving"})
	mustFail(t, err, registry.ErrRefused, "the module is plugin impostor, want moving")
}

// TestConcurrentInstalls: installs and removals racing on one directory, from goroutines
// (flock serialises them as it does processes), leave a valid lock file that lists what
// was installed last.
func TestConcurrentInstalls(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	src := t.TempDir()
	const n = 8
	var files []string
	for i := range n {
		files = append(files, writeFile(t, src, fmt.Sprintf("p%d.wasm", i), analyzer(t, fmt.Sprintf("p%d", i), "1.0.0", 0)))
	}
	var wg sync.WaitGroup
	errs := make(chan error, 3*n)
	for round := range 3 {
		for i, f := range files {
			wg.Add(1)
			go func() {
				defer wg.Done()
				d := registry.Open(dir, testOptions()...)
				if _, err := d.Install(ctx, f); err != nil {
					errs <- err
				}
				if round == 1 && i%2 == 0 {
					if _, err := d.Remove(ctx, fmt.Sprintf("p%d", i)); err != nil && !errors.Is(err, registry.ErrNotInstalled) {
						errs <- err
					}
				}
			}()
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	// Settle: every plugin installed once more, then each must be listed and intact.
	d := registry.Open(dir, testOptions()...)
	for _, f := range files {
		if _, err := d.Install(ctx, f); err != nil {
			t.Fatal(err)
		}
	}
	l := readLock(t, dir)
	if len(l.Plugins) != n {
		t.Fatalf("%d plugins in the lock file, want %d", len(l.Plugins), n)
	}
	mods, err := d.Modules()
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range mods {
		if m.Err != nil {
			t.Error(m.Err)
		}
	}
	if leftovers, _ := filepath.Glob(filepath.Join(dir, ".*.tmp")); len(leftovers) > 0 {
		t.Errorf("temporary files left: %v", leftovers)
	}
}

// TestReservedAndExpectedNames: a built-in plugin's name is refused, as is a module that
// is not the plugin --name expects.
func TestReservedAndExpectedNames(t *testing.T) {
	f := writeFile(t, t.TempDir(), "os.wasm", analyzer(t, "os", "1.0.0", 0))
	d := registry.Open(t.TempDir(), append(testOptions(), registry.WithReservedNames("os", "formatters"))...)
	_, err := d.Install(context.Background(), f)
	mustFail(t, err, registry.ErrRefused, "plugin name os is taken by a built-in plugin")
	_, err = d.Install(context.Background(), f, registry.WithName("conan"))
	mustFail(t, err, registry.ErrRefused, "the module is plugin os, want conan (--name)")
}

func TestNotAPlugin(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	d := registry.Open(t.TempDir(), testOptions()...)
	for name, data := range map[string][]byte{
		"text.wasm":     []byte("hello"),
		"unpacked.wasm": mdModule(t, nil)[:8],
	} {
		_, err := d.Install(ctx, writeFile(t, dir, name, data))
		mustFail(t, err, registry.ErrNotPlugin, name)
	}
	_, err := d.Install(ctx, filepath.Join(dir, "missing.wasm"))
	mustFail(t, err, registry.ErrNotFound, "missing.wasm")
	_, err = d.Install(ctx, "ftp://example.com/x.wasm")
	mustFail(t, err, nil, `unsupported scheme "ftp"`)
	// A registry artifact of another type (a trawl policy) is not a plugin.
	host := ociRegistry(t, nil)
	push(t, mdModule(t, nil), host+"/p/md:1")
	_, err = d.Install(ctx, "oci://"+host+"/p/none:1")
	mustFail(t, err, registry.ErrNotFound)
	_, err = d.Install(ctx, "oci://"+host+"/p/md:1", registry.WithOffline(true))
	mustFail(t, err, registry.ErrOffline)
	_, err = d.Install(ctx, "oci://"+host+"/p/md:1", registry.WithInsecure(false))
	mustFail(t, err, nil, "over HTTP needs WithInsecure(true)")
}

// TestUpgradeFromFile: a file source is read again; a changed module replaces the old one,
// whose file is deleted, and an unchanged one is reported up to date.
func TestUpgradeFromFile(t *testing.T) {
	ctx := context.Background()
	v1, v2 := analyzer(t, "local", "1.0.0", 0), analyzer(t, "local", "1.0.1", 0)
	f := writeFile(t, t.TempDir(), "local.wasm", v1)
	d := registry.Open(t.TempDir(), testOptions()...)
	if _, err := d.Install(ctx, f); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(f, v2, 0o644)
	res, err := d.Upgrade(ctx, []string{"local"})
	if err != nil || len(res) != 1 || !res[0].Changed || res[0].Previous != digest(v1) || res[0].Entry.Version != "1.0.1" || res[0].Skipped != "" {
		t.Fatalf("upgrade: %s, %v", jsonOf(res), err)
	}
	if _, err := os.Stat(d.ModulePath(digest(v1))); !os.IsNotExist(err) {
		t.Error("the old module is still there")
	}
	res, err = d.Upgrade(ctx, nil)
	if err != nil || res[0].Skipped != "up to date" || res[0].Changed {
		t.Fatalf("second upgrade: %s, %v", jsonOf(res), err)
	}
}
