package registry_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/trawlscan/trawl/registry"
	"github.com/trawlscan/trawl/registry/sign"
)

func targz(t *testing.T, files map[string][]byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
	tw := tar.NewWriter(zw)
	for _, name := range []string{"README.md", "dist/", "dist/md.wasm", "dist/md.wasm.sig", "other.wasm", "second.sig"} {
		data, ok := files[name]
		if !ok {
			continue
		}
		h := &tar.Header{Name: name, Mode: 0o644, Size: int64(len(data)), Typeflag: tar.TypeReg}
		if strings.HasSuffix(name, "/") {
			h.Typeflag, h.Size = tar.TypeDir, 0
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		tw.Write(data)
	}
	tw.Close()
	zw.Close()
	return buf.Bytes()
}

// TestHTTPSAndArchives installs from https:// URLs (a module with its .sig beside it, an
// archive holding both) and from a local archive, and keeps credentials out of the lock
// file and the errors.
func TestHTTPSAndArchives(t *testing.T) {
	ctx := context.Background()
	pub, priv := keys(t)
	md := mdModule(t, nil)
	s, _ := sign.SignModule(priv, md)
	archive := targz(t, map[string][]byte{"README.md": []byte("# md"), "dist/": nil, "dist/md.wasm": md, "dist/md.wasm.sig": s.Marshal()})
	files := map[string][]byte{
		"/md.wasm":       md,
		"/md.wasm.sig":   s.Marshal(),
		"/md.tar.gz":     archive,
		"/unsigned.wasm": md,
		"/two.tar.gz":    targz(t, map[string][]byte{"dist/md.wasm": md, "other.wasm": md}),
		"/sigs.tar.gz":   targz(t, map[string][]byte{"dist/md.wasm": md, "dist/md.wasm.sig": s.Marshal(), "second.sig": s.Marshal()}),
	}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		data, ok := files[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Write(data)
	}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	defer srv.Close()

	d := registry.Open(t.TempDir(), append(testOptions(), registry.WithHTTPClient(srv.Client()), registry.WithKeys(pub))...)
	for _, path := range []string{"/md.wasm", "/md.tar.gz"} {
		src := strings.Replace(srv.URL, "https://", "https://user:hunter2@", 1) + path + "?token=s3cret"
		res, err := d.Install(ctx, src, registry.WithRequireSignature(true))
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		e := res.Entry
		if e.Source != srv.URL+path || e.Resolved != srv.URL+path || e.Digest != digest(md) || e.Signature == nil || e.Signature.Key != sign.Fingerprint(pub) {
			t.Errorf("%s: %s", path, jsonOf(e))
		}
	}
	// No signature beside it: installs unsigned, unless one is required.
	fresh := registry.Open(t.TempDir(), append(testOptions(), registry.WithHTTPClient(srv.Client()), registry.WithKeys(pub))...)
	res, err := fresh.Install(ctx, srv.URL+"/unsigned.wasm")
	if err != nil || res.Entry.Signature != nil {
		t.Errorf("unsigned: %+v, %v", res, err)
	}
	_, err = fresh.Install(ctx, srv.URL+"/unsigned.wasm", registry.WithRequireSignature(true))
	mustFail(t, err, registry.ErrUnsigned)

	_, err = d.Install(ctx, srv.URL+"/two.tar.gz")
	mustFail(t, err, registry.ErrNotPlugin, "holds 2 .wasm files (dist/md.wasm, other.wasm)")
	_, err = d.Install(ctx, srv.URL+"/sigs.tar.gz")
	mustFail(t, err, registry.ErrNotPlugin, "2 .sig files")
	_, err = d.Install(ctx, strings.Replace(srv.URL, "https://", "https://user:hunter2@", 1)+"/missing.wasm?token=s3cret")
	mustFail(t, err, registry.ErrNotFound, srv.URL+"/missing.wasm")
	if strings.Contains(err.Error(), "hunter2") || strings.Contains(err.Error(), "s3cret") {
		t.Errorf("credentials in %q", err)
	}
	_, err = d.Install(ctx, strings.Replace(srv.URL, "https://", "http://", 1)+"/md.wasm", registry.WithInsecure(false))
	mustFail(t, err, nil, "plain HTTP refused")
	for _, e := range must(d.List()) {
		if strings.Contains(e.Source+e.Resolved, "hunter2") || strings.Contains(e.Source+e.Resolved, "s3cret") {
			t.Errorf("credentials in the lock file: %+v", e)
		}
	}

	// A local archive, with a bomb's worth of bound.
	f := writeFile(t, t.TempDir(), "md.tgz", archive)
	if res, err := registry.Open(t.TempDir(), testOptions()...).Install(ctx, f, registry.WithKeys(pub)); err != nil || res.Entry.Signature == nil {
		t.Errorf("local archive: %+v, %v", res, err)
	}
	_, err = registry.Open(t.TempDir(), testOptions()...).Install(ctx, f, registry.WithMaxSize(1<<20))
	mustFail(t, err, nil, "more than 1048576 bytes")
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
