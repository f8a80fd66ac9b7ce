package source_test

import (
	"context"
	"encoding/base64"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/trawlscan/trawl/host/source"
	"github.com/trawlscan/trawl/host/source/sourcetest"
)

// TestRemoteIndex: a multi-platform index pushed to a registry gives the image of the
// platform asked for, and an error listing the platforms when none matches.
func TestRemoteIndex(t *testing.T) {
	idx, ids := platformImages(t)
	ref := sourcetest.Registry(t) + "/multi:1"
	sourcetest.PushIndex(t, ref, idx)
	checkPlatforms(t, ids, func(o ...source.Option) (*source.Artifact, error) {
		return source.Remote(context.Background(), ref, o...)
	})
	a, err := source.Remote(context.Background(), ref, source.WithPlatform("linux/arm64"))
	if err != nil {
		t.Fatal(err)
	}
	// Info.Digest is the chosen image's manifest, not the index.
	idxDigest, _ := idx.Digest()
	im, _ := idx.IndexManifest()
	if a.Info.Digest == idxDigest.String() || a.Info.Digest != im.Manifests[1].Digest.String() || a.Info.Name != ref {
		t.Errorf("Info = %+v; index %s, manifests %+v", a.Info, idxDigest, im.Manifests)
	}
}

// TestRemoteProgress: the hook sees every compressed byte of each layer, with its total.
func TestRemoteProgress(t *testing.T) {
	img := sourcetest.Image(t,
		sourcetest.LayerFromFiles(t, map[string]string{"a": strings.Repeat("a", 100000)}),
		sourcetest.AlpineLayer(t, alpineVersion))
	ref := sourcetest.Registry(t) + "/progress:1"
	sourcetest.Push(t, ref, img)
	var mu sync.Mutex
	last := map[int][2]int64{}
	a, err := source.Remote(context.Background(), ref, source.WithProgress(func(layer int, read, total int64) {
		mu.Lock()
		defer mu.Unlock()
		if read < last[layer][0] {
			t.Errorf("layer %d: progress went back from %d to %d", layer, last[layer][0], read)
		}
		last[layer] = [2]int64{read, total}
	}))
	if err != nil {
		t.Fatal(err)
	}
	for i, l := range a.Layers {
		walkAll(t, l)
		if want := a.Info.Layers[i].Size; last[i] != [2]int64{want, want} {
			t.Errorf("layer %d: last progress %v, want %d of %d", i, last[i], want, want)
		}
	}
}

// redirectTransport sends every connection to addr, whatever the host asked for, so that a
// test can use a registry name that is not loopback.
func redirectTransport(addr string) http.RoundTripper {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.DialContext = func(ctx context.Context, network, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, network, addr)
	}
	return t
}

// TestRemoteInsecure: a registry that speaks plain HTTP under a non-loopback name is reached
// only with WithInsecure.
func TestRemoteInsecure(t *testing.T) {
	host := sourcetest.Registry(t)
	sourcetest.Push(t, host+"/app:1", sourcetest.Image(t, sourcetest.LayerFromFiles(t, map[string]string{"f": "x"})))
	ref := "registry.example.test/app:1"
	tr := redirectTransport(host)

	_, err := source.Remote(context.Background(), ref, source.WithTransport(tr))
	if err == nil || !strings.Contains(err.Error(), ref) {
		t.Fatalf("plain HTTP registry without WithInsecure: err = %v", err)
	}
	t.Logf("without WithInsecure: %v", err)
	a, err := source.Remote(context.Background(), ref, source.WithTransport(tr), source.WithInsecure())
	if err != nil {
		t.Fatal(err)
	}
	if recs := walkAll(t, a.Layers[0]); len(recs) != 1 || recs[0].Sum != sha("x") {
		t.Errorf("walked %v", recs)
	}
}

// authRegistry is a registry that wants HTTP basic authentication as user:pass.
func authRegistry(t *testing.T, user, pass string) string {
	t.Helper()
	reg := registry.New(registry.Logger(log.New(io.Discard, "", 0)))
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u, p, ok := r.BasicAuth(); !ok || u != user || p != pass {
			w.Header().Set("WWW-Authenticate", `Basic realm="test"`)
			http.Error(w, `{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}`, http.StatusUnauthorized)
			return
		}
		reg.ServeHTTP(w, r)
	}))
	t.Cleanup(s.Close)
	return strings.TrimPrefix(s.URL, "http://")
}

// TestRemoteAuth: credentials come from the Docker config (DOCKER_CONFIG) by default, or
// from WithKeychain; a failure says so without showing the secret.
func TestRemoteAuth(t *testing.T) {
	const user, pass = "trawl", "s3cret-Pa55"
	host := authRegistry(t, user, pass)
	ref := host + "/private:1"
	img := sourcetest.Image(t, sourcetest.LayerFromFiles(t, map[string]string{"f": "private"}))
	if err := remote.Write(mustRef(t, ref), img, remote.WithAuth(&authn.Basic{Username: user, Password: pass})); err != nil {
		t.Fatal(err)
	}

	cfg := t.TempDir()
	t.Setenv("DOCKER_CONFIG", cfg)
	if _, err := source.Remote(context.Background(), ref); err == nil ||
		!strings.Contains(err.Error(), ref) || !strings.Contains(err.Error(), "UNAUTHORIZED") {
		t.Errorf("no credentials: err = %v", err)
	}

	bad := base64.StdEncoding.EncodeToString([]byte(user + ":wrong-" + pass))
	writeDockerConfig(t, cfg, host, bad)
	_, err := source.Remote(context.Background(), ref)
	if err == nil || strings.Contains(err.Error(), pass) || strings.Contains(err.Error(), bad) {
		t.Errorf("wrong credentials: err = %v", err)
	}
	t.Logf("wrong credentials: %v", err)

	writeDockerConfig(t, cfg, host, base64.StdEncoding.EncodeToString([]byte(user+":"+pass)))
	a, err := source.Remote(context.Background(), ref)
	if err != nil {
		t.Fatal(err)
	}
	if recs := walkAll(t, a.Layers[0]); len(recs) != 1 || recs[0].Sum != sha("private") {
		t.Errorf("walked %v", recs)
	}

	t.Setenv("DOCKER_CONFIG", t.TempDir())
	a, err = source.Remote(context.Background(), ref,
		source.WithKeychain(staticKeychain{&authn.Basic{Username: user, Password: pass}}))
	if err != nil {
		t.Fatal(err)
	}
	walkAll(t, a.Layers[0])
}

func mustRef(t *testing.T, ref string) name.Reference {
	t.Helper()
	r, err := name.ParseReference(ref)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

type staticKeychain struct{ auth authn.Authenticator }

func (k staticKeychain) Resolve(authn.Resource) (authn.Authenticator, error) { return k.auth, nil }

func writeDockerConfig(t *testing.T, dir, host, auth string) {
	t.Helper()
	b := `{"auths":{"` + host + `":{"auth":"` + auth + `"}}}`
	if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(b), 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestRemoteErrors: a bad reference and a missing image fail with errors naming them; a
// cancelled context stops the walk of a remote layer.
func TestRemoteErrors(t *testing.T) {
	host := sourcetest.Registry(t)
	if _, err := source.Remote(context.Background(), "Not A Reference"); err == nil ||
		!strings.Contains(err.Error(), `image reference "Not A Reference"`) {
		t.Errorf("bad reference: %v", err)
	}
	ref := host + "/missing:1"
	if _, err := source.Remote(context.Background(), ref); err == nil ||
		!strings.Contains(err.Error(), ref) || !strings.Contains(err.Error(), "NAME_UNKNOWN") {
		t.Errorf("missing image: %v", err)
	}

	ref = host + "/alpine:1"
	sourcetest.Push(t, ref, sourcetest.Image(t, sourcetest.AlpineLayer(t, alpineVersion)))
	ctx, cancel := context.WithCancel(context.Background())
	a, err := source.Remote(ctx, ref)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	err = a.Layers[0].Walk(ctx, func(e *source.Entry) error {
		if n++; n == 10 {
			cancel()
		}
		return nil
	})
	if err == nil || !strings.Contains(err.Error(), "context canceled") || n != 10 {
		t.Errorf("cancelled walk: %v after %d entries", err, n)
	}
}
