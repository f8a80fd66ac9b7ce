package fetch_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	stdlog "log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/trawlscan/trawl/host/fetch"
)

var policy = []byte("rules:\n  - name: no-critical\n    action: DENY\n    when: finding.severity == \"CRITICAL\"\n")

func digestOf(b []byte) string {
	s := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(s[:])
}

// mustFail checks that err wraps kind (when not nil) and that its message holds every
// one of want.
func mustFail(t *testing.T, err error, kind error, want ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want one with %q", want)
	}
	if kind != nil && !errors.Is(err, kind) {
		t.Errorf("error %q does not wrap %q", err, kind)
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not say %q", err, w)
		}
	}
}

func TestFile(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	p := filepath.Join(dir, "policy.yaml")
	if err := os.WriteFile(p, policy, 0o644); err != nil {
		t.Fatal(err)
	}

	d, err := fetch.Get(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(d.Data, policy) || d.Source != p || d.Digest != digestOf(policy) || d.Resolved != p {
		t.Fatalf("document = %+v", d)
	}

	d, err = fetch.Get(ctx, "file://"+filepath.ToSlash(p))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(d.Data, policy) || d.Resolved != p || d.Source != "file://"+filepath.ToSlash(p) {
		t.Fatalf("file:// document = %+v", d)
	}

	// A relative path resolves to an absolute one.
	wd, _ := os.Getwd()
	if rel, err := filepath.Rel(wd, p); err == nil {
		if d, err := fetch.Get(ctx, rel); err != nil || d.Resolved != p {
			t.Errorf("relative path: %+v, %v", d, err)
		}
	}

	_, err = fetch.Get(ctx, filepath.Join(dir, "missing.yaml"))
	mustFail(t, err, fetch.ErrNotFound, "fetching "+filepath.Join(dir, "missing.yaml")+": ", "no such file")
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("%v does not wrap fs.ErrNotExist", err)
	}

	_, err = fetch.Get(ctx, dir)
	mustFail(t, err, nil, "fetching "+dir+": is a directory")

	_, err = fetch.Get(ctx, p, fetch.WithMaxSize(10))
	mustFail(t, err, fetch.ErrTooLarge, "fetching "+p+": too large: more than 10 bytes")

	_, err = fetch.Get(ctx, "file://example.com/etc/policy.yaml")
	mustFail(t, err, nil, `file:// URL with host "example.com"`)
}

func TestFileMaxSizeBoundary(t *testing.T) {
	t.Parallel()
	p := filepath.Join(t.TempDir(), "policy.yaml")
	if err := os.WriteFile(p, policy, 0o644); err != nil {
		t.Fatal(err)
	}
	n := int64(len(policy))
	if _, err := fetch.Get(context.Background(), p, fetch.WithMaxSize(n)); err != nil {
		t.Errorf("exactly the limit: %v", err)
	}
	_, err := fetch.Get(context.Background(), p, fetch.WithMaxSize(n-1))
	mustFail(t, err, fetch.ErrTooLarge)
}

// tlsServer serves policy at /policy.yaml, 404 elsewhere, and records the Authorization
// headers it receives.
func tlsServer(t *testing.T) (*httptest.Server, *authLog) {
	t.Helper()
	auth := &authLog{}
	mux := http.NewServeMux()
	mux.HandleFunc("/policy.yaml", func(w http.ResponseWriter, r *http.Request) {
		auth.add(r.Header.Get("Authorization"))
		w.Write(policy)
	})
	mux.HandleFunc("/big.yaml", func(w http.ResponseWriter, r *http.Request) {
		w.Write(bytes.Repeat([]byte("#"), fetch.DefaultMaxSize+1))
	})
	mux.HandleFunc("/stream.yaml", func(w http.ResponseWriter, r *http.Request) {
		// Flushing first makes the response chunked: no Content-Length to check up front.
		w.WriteHeader(http.StatusOK)
		w.(http.Flusher).Flush()
		for range 100 {
			w.Write(bytes.Repeat([]byte("#"), 1000))
		}
	})
	mux.HandleFunc("/moved.yaml", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/policy.yaml", http.StatusFound)
	})
	mux.HandleFunc("/error.yaml", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "boom", http.StatusInternalServerError)
	})
	srv := newTLSServer(t, mux)
	return srv, auth
}

// newTLSServer is httptest.NewTLSServer without the handshake errors in the test log:
// the tests that use an untrusted client make them on purpose.
func newTLSServer(t *testing.T, h http.Handler) *httptest.Server {
	t.Helper()
	srv := httptest.NewUnstartedServer(h)
	srv.Config.ErrorLog = stdlog.New(io.Discard, "", 0)
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv
}

type authLog struct {
	mu   sync.Mutex
	seen []string
}

func (a *authLog) add(s string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.seen = append(a.seen, s)
}

func (a *authLog) last() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.seen) == 0 {
		return ""
	}
	return a.seen[len(a.seen)-1]
}

func TestHTTPS(t *testing.T) {
	t.Parallel()
	srv, _ := tlsServer(t)
	ctx := context.Background()
	client := fetch.WithHTTPClient(srv.Client())

	d, err := fetch.Get(ctx, srv.URL+"/policy.yaml", client)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(d.Data, policy) || d.Digest != digestOf(policy) || d.Resolved != srv.URL+"/policy.yaml" || d.Source != srv.URL+"/policy.yaml" {
		t.Fatalf("document = %+v", d)
	}

	// Resolved is where the redirect led.
	d, err = fetch.Get(ctx, srv.URL+"/moved.yaml", client)
	if err != nil || d.Resolved != srv.URL+"/policy.yaml" || d.Source != srv.URL+"/moved.yaml" {
		t.Fatalf("redirect: %+v, %v", d, err)
	}

	_, err = fetch.Get(ctx, srv.URL+"/missing.yaml", client)
	mustFail(t, err, fetch.ErrNotFound, "fetching "+srv.URL+"/missing.yaml: not found: HTTP 404 Not Found")

	_, err = fetch.Get(ctx, srv.URL+"/error.yaml", client)
	mustFail(t, err, nil, "fetching "+srv.URL+"/error.yaml: HTTP 500 Internal Server Error")
	if errors.Is(err, fetch.ErrNotFound) {
		t.Errorf("a 500 is not a not-found: %v", err)
	}
}

func TestHTTPSTooLarge(t *testing.T) {
	t.Parallel()
	srv, _ := tlsServer(t)
	ctx := context.Background()
	client := fetch.WithHTTPClient(srv.Client())

	// Content-Length says so.
	_, err := fetch.Get(ctx, srv.URL+"/big.yaml", client)
	mustFail(t, err, fetch.ErrTooLarge, "fetching "+srv.URL+"/big.yaml: too large: more than 4194304 bytes")
	// A chunked body is cut at the limit, and refused rather than truncated.
	_, err = fetch.Get(ctx, srv.URL+"/stream.yaml", client, fetch.WithMaxSize(50_000))
	mustFail(t, err, fetch.ErrTooLarge, "too large: more than 50000 bytes")
	d, err := fetch.Get(ctx, srv.URL+"/stream.yaml", client, fetch.WithMaxSize(100_000))
	if err != nil || len(d.Data) != 100_000 {
		t.Fatalf("exactly the limit: %v", err)
	}
}

func TestDigestPin(t *testing.T) {
	t.Parallel()
	srv, _ := tlsServer(t)
	ctx := context.Background()
	client := fetch.WithHTTPClient(srv.Client())
	want := digestOf(policy)

	if _, err := fetch.Get(ctx, srv.URL+"/policy.yaml", client, fetch.WithDigest(want)); err != nil {
		t.Fatalf("pinned to its digest: %v", err)
	}
	if _, err := fetch.Get(ctx, srv.URL+"/policy.yaml", client, fetch.WithDigest(strings.ToUpper(want[:7])+want[7:])); err != nil {
		t.Fatalf("pinned with upper-case hex: %v", err)
	}
	other := digestOf([]byte("another policy"))
	_, err := fetch.Get(ctx, srv.URL+"/policy.yaml", client, fetch.WithDigest(other))
	mustFail(t, err, fetch.ErrDigestMismatch,
		"fetching "+srv.URL+"/policy.yaml: digest mismatch: got "+want+", want "+other)

	for _, bad := range []string{"sha256:abc", "md5:" + want[7:], want[7:], "sha256:" + strings.Repeat("z", 64)} {
		_, err := fetch.Get(ctx, srv.URL+"/policy.yaml", client, fetch.WithDigest(bad))
		mustFail(t, err, nil, fmt.Sprintf("pinned digest %q: want sha256:<64 hex digits>", bad))
	}
}

func TestTLSError(t *testing.T) {
	t.Parallel()
	srv, _ := tlsServer(t)
	// The default client does not trust the test server's certificate.
	_, err := fetch.Get(context.Background(), srv.URL+"/policy.yaml")
	mustFail(t, err, nil, "fetching "+srv.URL+"/policy.yaml: TLS error: ", "certificate")
}

func TestPlainHTTP(t *testing.T) {
	t.Parallel()
	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(policy) }))
	t.Cleanup(plain.Close)
	ctx := context.Background()

	_, err := fetch.Get(ctx, plain.URL+"/policy.yaml")
	mustFail(t, err, fetch.ErrInsecure, "fetching "+plain.URL+"/policy.yaml: plain HTTP refused: use https://, or WithInsecureHTTP(true)")

	d, err := fetch.Get(ctx, plain.URL+"/policy.yaml", fetch.WithInsecureHTTP(true))
	if err != nil || !bytes.Equal(d.Data, policy) {
		t.Fatalf("with WithInsecureHTTP(true): %v", err)
	}

	// An https:// URL that redirects to http:// is refused too.
	tls := newTLSServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, plain.URL+"/policy.yaml", http.StatusFound)
	}))
	_, err = fetch.Get(ctx, tls.URL+"/policy.yaml", fetch.WithHTTPClient(tls.Client()))
	mustFail(t, err, fetch.ErrInsecure, "redirected to "+plain.URL+"/policy.yaml")
	if _, err := fetch.Get(ctx, tls.URL+"/policy.yaml", fetch.WithHTTPClient(tls.Client()), fetch.WithInsecureHTTP(true)); err != nil {
		t.Fatalf("redirect with WithInsecureHTTP(true): %v", err)
	}
}

func TestUnsupported(t *testing.T) {
	t.Parallel()
	_, err := fetch.Get(context.Background(), "ftp://example.com/policy.yaml")
	mustFail(t, err, nil, `fetching ftp://example.com/policy.yaml: unsupported scheme "ftp"`)

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = fetch.Get(ctx, "https://example.com/policy.yaml")
	mustFail(t, err, context.Canceled)
}

func TestCredentialsStripped(t *testing.T) {
	t.Parallel()
	srv, auth := tlsServer(t)
	ctx := context.Background()
	client := fetch.WithHTTPClient(srv.Client())
	withCreds := func(u string) string { return strings.Replace(u, "https://", "https://alice:s3cret@", 1) }
	secrets := []string{"alice", "s3cret", "t0ken"}
	noSecrets := func(what, s string) {
		t.Helper()
		for _, x := range secrets {
			if strings.Contains(s, x) {
				t.Errorf("%s %q contains %q", what, s, x)
			}
		}
	}

	// The credentials are used, and shown nowhere.
	d, err := fetch.Get(ctx, withCreds(srv.URL)+"/policy.yaml?sig=t0ken", client)
	if err != nil {
		t.Fatal(err)
	}
	if got := auth.last(); !strings.HasPrefix(got, "Basic ") {
		t.Errorf("the server got Authorization %q, want the URL's credentials", got)
	}
	noSecrets("Source", d.Source)
	noSecrets("Resolved", d.Resolved)
	if d.Source != srv.URL+"/policy.yaml" {
		t.Errorf("Source = %q", d.Source)
	}

	_, err = fetch.Get(ctx, withCreds(srv.URL)+"/missing.yaml?sig=t0ken", client)
	mustFail(t, err, fetch.ErrNotFound, "fetching "+srv.URL+"/missing.yaml: ")
	noSecrets("404 error", err.Error())

	_, err = fetch.Get(ctx, withCreds(srv.URL)+"/policy.yaml", client, fetch.WithDigest(digestOf(nil)))
	mustFail(t, err, fetch.ErrDigestMismatch)
	noSecrets("digest error", err.Error())

	_, err = fetch.Get(ctx, withCreds(srv.URL)+"/policy.yaml") // untrusted certificate
	mustFail(t, err, nil, "TLS error")
	noSecrets("TLS error", err.Error())

	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	_, err = fetch.Get(ctx, strings.Replace(closed.URL, "http://", "https://alice:s3cret@", 1)+"/p.yaml?sig=t0ken")
	mustFail(t, err, nil, "fetching https://"+strings.TrimPrefix(closed.URL, "http://")+"/p.yaml: ")
	noSecrets("connection error", err.Error())

	_, err = fetch.Get(ctx, "http://alice:s3cret@example.com/p.yaml")
	mustFail(t, err, fetch.ErrInsecure, "fetching http://example.com/p.yaml: ")
	noSecrets("plain HTTP error", err.Error())

	_, err = fetch.Get(ctx, "oci://alice:s3cret@registry.example.com/policies/prod:v1")
	mustFail(t, err, nil, "fetching oci://registry.example.com/policies/prod:v1: not an OCI reference")
	noSecrets("OCI error", err.Error())
}

func TestRedact(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"https://alice:s3cret@example.com/p.yaml?sig=x#f":   "https://example.com/p.yaml",
		"https://alice@example.com":                         "https://example.com",
		"https://example.com/a@b/p.yaml":                    "https://example.com/a@b/p.yaml",
		"oci://u:p@reg.example.com/policies/prod:v1":        "oci://reg.example.com/policies/prod:v1",
		"oci://reg.example.com/policies/prod@sha256:abc":    "oci://reg.example.com/policies/prod@sha256:abc",
		"/etc/trawl/policy.yaml":                            "/etc/trawl/policy.yaml",
		"policies/p@1.yaml":                                 "policies/p@1.yaml",
		"file:///etc/trawl/policy.yaml":                     "file:///etc/trawl/policy.yaml",
		"https://u:p@example.com?a=b":                       "https://example.com",
		"HTTPS://u:p@example.com/x?token=abc":               "HTTPS://example.com/x",
		"oci://registry.example.com/policies/prod?token=ok": "oci://registry.example.com/policies/prod?token=ok",
	} {
		if got := fetch.Redact(in); got != want {
			t.Errorf("Redact(%q) = %q, want %q", in, got, want)
		}
	}
}

// newRegistry serves an in-memory registry over plain HTTP on loopback and returns its
// host:port.
func newRegistry(t *testing.T) string {
	t.Helper()
	srv := httptest.NewServer(registry.New(registry.Logger(stdlog.New(io.Discard, "", 0))))
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "http://")
}

// insecure is what a test needs to reach the plain-HTTP registry.
var insecure = fetch.WithInsecureHTTP(true)

func TestOCIRoundTrip(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	reg := newRegistry(t)
	ref := reg + "/policies/prod:v1"

	dg, err := fetch.Push(ctx, ref, policy, fetch.DefaultMediaType)
	if err != nil {
		t.Fatal(err)
	}
	// Reproducible: the same document gives the same manifest.
	if dg2, err := fetch.Push(ctx, "oci://"+reg+"/policies/prod:v1-again", policy, fetch.DefaultMediaType); err != nil || dg2 != dg {
		t.Errorf("second push: %s, %v; want %s", dg2, err, dg)
	}

	byTag, err := fetch.Get(ctx, "oci://"+ref, insecure)
	if err != nil {
		t.Fatal(err)
	}
	wantResolved := reg + "/policies/prod@" + dg
	if !bytes.Equal(byTag.Data, policy) || byTag.Digest != digestOf(policy) || byTag.Resolved != wantResolved || byTag.Source != "oci://"+ref {
		t.Fatalf("by tag: %+v, want Resolved %s", byTag, wantResolved)
	}

	byDigest, err := fetch.Get(ctx, "oci://"+wantResolved, insecure, fetch.WithDigest(digestOf(policy)))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(byDigest.Data, policy) || byDigest.Resolved != wantResolved {
		t.Fatalf("by digest: %+v", byDigest)
	}

	_, err = fetch.Get(ctx, "oci://"+ref, insecure, fetch.WithDigest(digestOf([]byte("x"))))
	mustFail(t, err, fetch.ErrDigestMismatch, "got "+digestOf(policy), "want "+digestOf([]byte("x")))

	_, err = fetch.Get(ctx, "oci://"+ref, insecure, fetch.WithMaxSize(10))
	mustFail(t, err, fetch.ErrTooLarge, "fetching oci://"+ref+": too large: more than 10 bytes")

	_, err = fetch.Get(ctx, "oci://"+reg+"/policies/prod:v2", insecure)
	mustFail(t, err, fetch.ErrNotFound, "fetching oci://"+reg+"/policies/prod:v2: ", "MANIFEST_UNKNOWN")

	_, err = fetch.Get(ctx, "oci://"+reg+"/policies/none:v1", insecure)
	mustFail(t, err, fetch.ErrNotFound)
}

func TestOCIManifest(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	reg := newRegistry(t)
	ref := reg + "/policies/prod:v1"
	dg, err := fetch.Push(ctx, ref, policy, fetch.DefaultMediaType)
	if err != nil {
		t.Fatal(err)
	}
	r, err := name.ParseReference(ref)
	if err != nil {
		t.Fatal(err)
	}
	desc, err := remote.Get(r, remote.WithContext(ctx))
	if err != nil {
		t.Fatal(err)
	}
	if desc.Digest.String() != dg || desc.MediaType != types.OCIManifestSchema1 {
		t.Fatalf("descriptor = %+v", desc.Descriptor)
	}
	m, err := v1.ParseManifest(bytes.NewReader(desc.Manifest))
	if err != nil {
		t.Fatal(err)
	}
	if m.ArtifactType != fetch.DefaultMediaType || m.Config.MediaType != fetch.ConfigMediaType || m.Config.Size != 2 || len(m.Layers) != 1 {
		t.Fatalf("manifest = %s", desc.Manifest)
	}
	l := m.Layers[0]
	if l.MediaType != fetch.DefaultMediaType || l.Digest.String() != digestOf(policy) || l.Size != int64(len(policy)) ||
		l.Annotations[fetch.AnnotationTitle] != "prod.yaml" {
		t.Errorf("layer = %+v", l)
	}
	cfg, err := remote.Layer(r.Context().Digest(m.Config.Digest.String()), remote.WithContext(ctx))
	if err != nil {
		t.Fatal(err)
	}
	rc, err := cfg.Compressed()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	if b, err := io.ReadAll(rc); err != nil || string(b) != "{}" {
		t.Errorf("config = %q, %v", b, err)
	}
}

func TestOCIPlainHTTPRefused(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	reg := newRegistry(t)
	ref := reg + "/policies/prod:v1"
	if _, err := fetch.Push(ctx, ref, policy, fetch.DefaultMediaType); err != nil {
		t.Fatal(err)
	}
	// go-containerregistry would fall back to HTTP for a loopback registry; Get does not.
	_, err := fetch.Get(ctx, "oci://"+ref)
	mustFail(t, err, fetch.ErrInsecure, "fetching oci://"+ref+": ", "WithInsecureHTTP(true)")

	// A caller's transport replaces the guard, as documented.
	if _, err := fetch.Get(ctx, "oci://"+ref, fetch.WithRemoteOptions(remote.WithTransport(http.DefaultTransport))); err != nil {
		t.Errorf("with the caller's transport: %v", err)
	}
}

func TestOCIMediaType(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	reg := newRegistry(t)

	// An artifact of another type.
	other := reg + "/policies/other:v1"
	if _, err := fetch.Push(ctx, other, []byte(`{"a":1}`), "application/vnd.example.thing.v1+json"); err != nil {
		t.Fatal(err)
	}
	_, err := fetch.Get(ctx, "oci://"+other, insecure)
	mustFail(t, err, fetch.ErrMediaType,
		"fetching oci://"+other+": no layer of the wanted media type: no layer of media type application/vnd.trawl.policy.v1+yaml (the artifact has application/vnd.example.thing.v1+json)")
	// ... which WithMediaType picks.
	d, err := fetch.Get(ctx, "oci://"+other, insecure, fetch.WithMediaType("application/vnd.example.thing.v1+json"))
	if err != nil || string(d.Data) != `{"a":1}` {
		t.Fatalf("WithMediaType: %v", err)
	}

	// An ordinary image, and one with two layers of the type.
	write := func(ref string, img v1.Image) {
		t.Helper()
		r, err := name.ParseReference(ref)
		if err != nil {
			t.Fatal(err)
		}
		if err := remote.Write(r, img, remote.WithContext(ctx)); err != nil {
			t.Fatal(err)
		}
	}
	img, err := mutate.AppendLayers(mutate.MediaType(empty.Image, types.OCIManifestSchema1),
		static.NewLayer([]byte("tar, really"), types.OCILayer))
	if err != nil {
		t.Fatal(err)
	}
	write(reg+"/apps/web:1", img)
	_, err = fetch.Get(ctx, "oci://"+reg+"/apps/web:1", insecure)
	mustFail(t, err, fetch.ErrMediaType, "(the artifact has application/vnd.oci.image.layer.v1.tar+gzip)")

	two, err := mutate.AppendLayers(mutate.MediaType(empty.Image, types.OCIManifestSchema1),
		static.NewLayer([]byte("a: 1\n"), fetch.DefaultMediaType), static.NewLayer([]byte("b: 2\n"), fetch.DefaultMediaType))
	if err != nil {
		t.Fatal(err)
	}
	write(reg+"/policies/two:1", two)
	_, err = fetch.Get(ctx, "oci://"+reg+"/policies/two:1", insecure)
	mustFail(t, err, fetch.ErrMediaType, "2 layers of media type application/vnd.trawl.policy.v1+yaml, want exactly one")

	// A policy layer beside others is found.
	mixed, err := mutate.AppendLayers(mutate.MediaType(empty.Image, types.OCIManifestSchema1),
		static.NewLayer([]byte("# README\n"), "text/markdown"), static.NewLayer(policy, fetch.DefaultMediaType))
	if err != nil {
		t.Fatal(err)
	}
	write(reg+"/policies/mixed:1", mixed)
	if d, err := fetch.Get(ctx, "oci://"+reg+"/policies/mixed:1", insecure); err != nil || !bytes.Equal(d.Data, policy) {
		t.Fatalf("mixed artifact: %v", err)
	}

	// An index.
	idx := mutate.AppendManifests(empty.Index, mutate.IndexAddendum{Add: img})
	r, err := name.ParseReference(reg + "/apps/web:multi")
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.WriteIndex(r, idx, remote.WithContext(ctx)); err != nil {
		t.Fatal(err)
	}
	_, err = fetch.Get(ctx, "oci://"+reg+"/apps/web:multi", insecure)
	mustFail(t, err, fetch.ErrMediaType, "is an image index, not an artifact manifest")
}

func TestPushErrors(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	_, err := fetch.Push(ctx, "registry.example.com/p:v1", policy, "")
	mustFail(t, err, nil, "pushing registry.example.com/p:v1: no media type")
	_, err = fetch.Push(ctx, "alice:s3cret@registry.example.com/p:v1", policy, fetch.DefaultMediaType)
	mustFail(t, err, nil, "not an OCI reference")
}

// TestConcurrent shares options between concurrent calls, for the race detector.
func TestConcurrent(t *testing.T) {
	t.Parallel()
	srv, _ := tlsServer(t)
	reg := newRegistry(t)
	ctx := context.Background()
	if _, err := fetch.Push(ctx, reg+"/policies/prod:v1", policy, fetch.DefaultMediaType); err != nil {
		t.Fatal(err)
	}
	opts := []fetch.Option{fetch.WithHTTPClient(srv.Client()), insecure, fetch.WithDigest(digestOf(policy))}
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			src := srv.URL + "/policy.yaml"
			if i%2 == 1 {
				src = "oci://" + reg + "/policies/prod:v1"
			}
			if _, err := fetch.Get(ctx, src, opts...); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
}

type recordTransport struct{ got *http.Request }

func (r *recordTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	r.got = req
	return &http.Response{StatusCode: http.StatusOK, Body: http.NoBody, Request: req}, nil
}

// TestHTTPSOnly: plain HTTP is refused, naming the option that allows it, unless allowed;
// HTTPS goes through.
func TestHTTPSOnly(t *testing.T) {
	next := &recordTransport{}
	plain, _ := http.NewRequest(http.MethodGet, "http://registry.local:5000/v2/", nil)
	secure, _ := http.NewRequest(http.MethodGet, "https://registry.local/v2/", nil)
	_, err := fetch.HTTPSOnly(next, false, "--let-me").RoundTrip(plain)
	if !errors.Is(err, fetch.ErrInsecure) || !strings.Contains(err.Error(), "registry.local:5000 over HTTP needs --let-me") || next.got != nil {
		t.Fatalf("plain HTTP: err = %v, passed on: %v", err, next.got != nil)
	}
	for _, tc := range []struct {
		req   *http.Request
		allow bool
	}{{secure, false}, {plain, true}} {
		next.got = nil
		if _, err := fetch.HTTPSOnly(next, tc.allow, "--let-me").RoundTrip(tc.req); err != nil || next.got != tc.req {
			t.Errorf("%s (allow HTTP %v): err = %v, passed on: %v", tc.req.URL, tc.allow, err, next.got != nil)
		}
	}
}
