package dbdist_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	stdlog "log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/klauspost/compress/zstd"

	"github.com/trawlscan/trawl/host/db"
	"github.com/trawlscan/trawl/host/dbdist"
)

// newRegistry serves an in-memory registry on loopback and returns its host:port.
func newRegistry(t testing.TB) (string, http.Handler) {
	t.Helper()
	h := registry.New(registry.Logger(stdlog.New(io.Discard, "", 0)))
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "http://"), h
}

// anonymous keeps the tests from reading the user's Docker credentials.
var anonymous = dbdist.WithKeychain(authn.NewMultiKeychain())

// buildDB imports a few corpus directories into path.
func buildDB(t testing.TB, path string) db.Meta {
	t.Helper()
	sample := filepath.Join(corpusDir(t), "osv", "osv-scanner-offline-dbs-sample")
	sum, err := db.Import(context.Background(), path,
		[]string{filepath.Join(sample, "Go"), filepath.Join(sample, "PyPI"), filepath.Join(sample, "npm")},
		db.WithClock(fixedClock))
	if err != nil {
		t.Fatal(err)
	}
	return sum.Meta
}

func openMeta(t testing.TB, path string) db.Meta {
	t.Helper()
	d, err := db.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	return d.Meta()
}

func TestPushPull(t *testing.T) {
	t.Parallel()
	reg, _ := newRegistry(t)
	ctx := context.Background()
	src := filepath.Join(t.TempDir(), "trawl.db")
	meta := buildDB(t, src)
	ref := reg + "/trawl/db:1"

	dg, err := dbdist.Push(ctx, src, ref, anonymous)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(dg, "sha256:") {
		t.Errorf("digest %q", dg)
	}

	// The manifest, as another tool would see it.
	desc, err := remote.Get(mustRef(t, ref))
	if err != nil {
		t.Fatal(err)
	}
	if desc.Digest.String() != dg || desc.MediaType != types.OCIManifestSchema1 {
		t.Errorf("registry has %s %s, Push returned %s", desc.MediaType, desc.Digest, dg)
	}
	var m v1.Manifest
	if err := json.Unmarshal(desc.Manifest, &m); err != nil {
		t.Fatal(err)
	}
	if dbdist.ArtifactType != "application/vnd.trawl.db.v1" || m.ArtifactType != dbdist.ArtifactType {
		t.Errorf("artifactType %q", m.ArtifactType)
	}
	if m.Config.MediaType != "application/vnd.oci.empty.v1+json" || m.Config.Size != 2 ||
		m.Config.Digest.String() != "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a" {
		t.Errorf("config %+v, want the OCI empty descriptor", m.Config)
	}
	if len(m.Layers) != 1 || m.Layers[0].MediaType != "application/vnd.trawl.db.layer.v1.bbolt+zstd" ||
		m.Layers[0].Annotations["org.opencontainers.image.title"] != "trawl.db.zst" {
		t.Errorf("layers %+v", m.Layers)
	}
	wantAnn := map[string]string{
		"org.opencontainers.image.created": "2026-03-01T12:00:00Z",
		"dev.trawl.db.schema-version":      strconv.Itoa(db.SchemaVersion),
		"dev.trawl.db.advisories":          strconv.Itoa(meta.Advisories),
	}
	if !reflect.DeepEqual(m.Annotations, wantAnn) {
		t.Errorf("annotations %v, want %v", m.Annotations, wantAnn)
	}
	// The layer is the DB file, zstd-compressed.
	l, err := remote.Layer(mustRef(t, ref).Context().Digest(m.Layers[0].Digest.String()))
	if err != nil {
		t.Fatal(err)
	}
	rc, err := l.Compressed()
	if err != nil {
		t.Fatal(err)
	}
	zr, err := zstd.NewReader(rc)
	if err != nil {
		t.Fatal(err)
	}
	layerDB, err := io.ReadAll(zr)
	zr.Close()
	rc.Close()
	srcBytes, _ := os.ReadFile(src)
	if err != nil || !bytes.Equal(layerDB, srcBytes) {
		t.Errorf("the layer does not decompress to the DB file (%v)", err)
	}

	// Reproducible: the same file gives the same artifact.
	dg2, err := dbdist.Push(ctx, src, reg+"/trawl/db:again", anonymous)
	if err != nil || dg2 != dg {
		t.Errorf("second push: %s, %v; want %s", dg2, err, dg)
	}

	// Pull by tag into a new file, then by digest over an existing DB.
	dir := t.TempDir()
	dst := filepath.Join(dir, "cache", "trawl.db")
	if err := dbdist.Pull(ctx, ref, dst, anonymous); err != nil {
		t.Fatal(err)
	}
	if got := openMeta(t, dst); !reflect.DeepEqual(got, meta) {
		t.Errorf("pulled meta %+v, want %+v", got, meta)
	}
	if got, _ := os.ReadFile(dst); !bytes.Equal(got, srcBytes) {
		t.Error("the pulled DB differs from the pushed one")
	}
	other, _ := seedDB(t)
	if err := dbdist.Pull(ctx, reg+"/trawl/db@"+dg, other, anonymous); err != nil {
		t.Fatal(err)
	}
	if got := openMeta(t, other); !reflect.DeepEqual(got, meta) {
		t.Errorf("meta after pulling over an old DB %+v, want %+v", got, meta)
	}
	if info, err := os.Stat(dst); err != nil || info.Mode().Perm() != 0o644 {
		t.Errorf("pulled DB mode %v (%v), want 0644 like db.Import's", info.Mode(), err)
	}
	assertOnly(t, filepath.Dir(dst), "trawl.db")
	assertOnly(t, filepath.Dir(other), "trawl.db")
}

// TestPullRefusesOthers: a container image, an index, or a manifest that looks like ours
// but breaks the rules is refused with a message saying why, and dst is unchanged.
func TestPullRefusesOthers(t *testing.T) {
	t.Parallel()
	reg, _ := newRegistry(t)
	ctx := context.Background()

	img, err := random.Image(1024, 2)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(mustRef(t, reg+"/library/busybox:latest"), img); err != nil {
		t.Fatal(err)
	}
	ociImg := mutate.ConfigMediaType(mutate.MediaType(img, types.OCIManifestSchema1), types.OCIConfigJSON)
	if err := remote.Write(mustRef(t, reg+"/library/busybox:oci"), ociImg); err != nil {
		t.Fatal(err)
	}
	other := mutate.ConfigMediaType(mutate.MediaType(empty.Image, types.OCIManifestSchema1), "application/vnd.example.sbom.v1+json")
	if err := remote.Write(mustRef(t, reg+"/some/sbom:1"), other); err != nil {
		t.Fatal(err)
	}
	idx, err := random.Index(512, 1, 2)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.WriteIndex(mustRef(t, reg+"/some/index:1"), idx); err != nil {
		t.Fatal(err)
	}
	// Hand-made manifests around a real DB layer, or around one that decompresses to junk.
	src := filepath.Join(t.TempDir(), "trawl.db")
	buildDB(t, src)
	raw, _ := os.ReadFile(src)
	dbLayer := putLayer(t, reg, compressZstd(t, raw))
	junkLayer := putLayer(t, reg, compressZstd(t, []byte("not a bbolt file")))
	putManifest(t, reg+"/trawl/db:schema999", map[string]string{"dev.trawl.db.schema-version": "999"}, dbLayer)
	putManifest(t, reg+"/trawl/db:junk", nil, junkLayer)
	putManifest(t, reg+"/trawl/db:two", nil, dbLayer, junkLayer)
	putManifest(t, reg+"/trawl/db:big", nil, dbLayer)

	for _, tc := range []struct {
		ref  string
		opts []dbdist.Option
		want string
	}{
		{"/library/busybox:latest", nil, "is not a trawl vulnerability database: it is a container image (config application/vnd.docker.container.image.v1+json)"},
		{"/library/busybox:oci", nil, "is not a trawl vulnerability database: it is a container image (config application/vnd.oci.image.config.v1+json)"},
		{"/some/sbom:1", nil, "is not a trawl vulnerability database: artifact type application/vnd.example.sbom.v1+json, want application/vnd.trawl.db.v1"},
		{"/some/index:1", nil, "is not a trawl vulnerability database: it is an image index"},
		{"/trawl/db:schema999", nil, "schema version 999, this trawl reads version " + strconv.Itoa(db.SchemaVersion)},
		{"/trawl/db:junk", nil, "not a usable database"},
		{"/trawl/db:two", nil, "2 layers of type application/vnd.trawl.db.layer.v1.bbolt+zstd, want 1"},
		{"/trawl/db:big", []dbdist.Option{dbdist.WithMaxSize(100)}, "more than the limit of 100"},
		{"/trawl/db:missing", nil, "MANIFEST_UNKNOWN"},
	} {
		t.Run(tc.ref, func(t *testing.T) {
			dst, old := seedDB(t)
			err := dbdist.Pull(ctx, reg+tc.ref, dst, append(tc.opts, anonymous)...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want %q", err, tc.want)
			}
			t.Logf("error: %v", err)
			assertUnchanged(t, dst, old)
		})
	}
}

// TestPullTampered serves the registry through a proxy that flips a byte of every blob:
// the digest check refuses the layer and dst is unchanged.
func TestPullTampered(t *testing.T) {
	t.Parallel()
	reg, h := newRegistry(t)
	ctx := context.Background()
	src := filepath.Join(t.TempDir(), "trawl.db")
	buildDB(t, src)
	if _, err := dbdist.Push(ctx, src, reg+"/trawl/db:1", anonymous); err != nil {
		t.Fatal(err)
	}
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		body := rec.Body.Bytes()
		if r.Method == http.MethodGet && strings.Contains(r.URL.Path, "/blobs/sha256:") && len(body) > 0 {
			body[len(body)/2] ^= 0xff
		}
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		w.Write(body)
	}))
	defer proxy.Close()

	dst, old := seedDB(t)
	err := dbdist.Pull(ctx, strings.TrimPrefix(proxy.URL, "http://")+"/trawl/db:1", dst, anonymous)
	if err == nil || !strings.Contains(err.Error(), "digest mismatch") || !strings.Contains(err.Error(), "left unchanged") {
		t.Fatalf("err = %v, want a digest mismatch", err)
	}
	t.Logf("error: %v", err)
	assertUnchanged(t, dst, old)
}

func TestPullCancelled(t *testing.T) {
	t.Parallel()
	reg, _ := newRegistry(t)
	src := filepath.Join(t.TempDir(), "trawl.db")
	buildDB(t, src)
	if _, err := dbdist.Push(context.Background(), src, reg+"/trawl/db:1", anonymous); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	dst, old := seedDB(t)
	if err := dbdist.Pull(ctx, reg+"/trawl/db:1", dst, anonymous); err == nil {
		t.Fatal("pull with a cancelled context succeeded")
	}
	assertUnchanged(t, dst, old)
}

func TestPushRefusesNonDB(t *testing.T) {
	t.Parallel()
	reg, _ := newRegistry(t)
	path := filepath.Join(t.TempDir(), "notes.txt")
	os.WriteFile(path, []byte("hello"), 0o644)
	_, err := dbdist.Push(context.Background(), path, reg+"/trawl/db:1", anonymous)
	if err == nil || !strings.Contains(err.Error(), path) {
		t.Errorf("err = %v, want the file refused", err)
	}
	if _, err := remote.Get(mustRef(t, reg+"/trawl/db:1")); err == nil {
		t.Error("something was pushed")
	}
	if _, err := dbdist.Push(context.Background(), filepath.Join(t.TempDir(), "none.db"), reg+"/trawl/db:1", anonymous); err == nil {
		t.Error("pushing a missing file succeeded")
	}
}

func TestAge(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 8, 12, 0, 0, 0, time.UTC)
	built := db.Meta{BuiltAt: fixedClock()}
	if got := dbdist.Age(built, now); got != 7*24*time.Hour {
		t.Errorf("Age = %s, want 168h", got)
	}
	if got := dbdist.Age(built, fixedClock().Add(-time.Hour)); got != 0 {
		t.Errorf("Age of a DB built in the future = %s, want 0", got)
	}
	if got := dbdist.Age(db.Meta{}, now); got < 100*365*24*time.Hour {
		t.Errorf("Age of a DB without build time = %s, want infinite", got)
	}
	if dbdist.Stale(built, now, dbdist.DefaultMaxAge) || !dbdist.Stale(built, now.Add(time.Second), dbdist.DefaultMaxAge) || dbdist.Stale(db.Meta{}, now, 0) {
		t.Error("Stale disagrees with Age")
	}
}

func compressZstd(t testing.TB, b []byte) []byte {
	enc, err := zstd.NewWriter(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer enc.Close()
	return enc.EncodeAll(b, nil)
}

// putLayer uploads b as a DB layer blob and returns its descriptor.
func putLayer(t testing.TB, reg string, b []byte) v1.Descriptor {
	t.Helper()
	l := static.NewLayer(b, dbdist.LayerMediaType)
	repo, err := name.NewRepository(reg + "/trawl/db")
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.WriteLayer(repo, l); err != nil {
		t.Fatal(err)
	}
	dg, _ := l.Digest()
	return v1.Descriptor{MediaType: dbdist.LayerMediaType, Size: int64(len(b)), Digest: dg}
}

// putManifest pushes a manifest of artifact type trawl DB with the given layers.
func putManifest(t testing.TB, ref string, ann map[string]string, layers ...v1.Descriptor) {
	t.Helper()
	cfg := static.NewLayer([]byte("{}"), dbdist.EmptyConfigMediaType)
	r := mustRef(t, ref)
	if err := remote.WriteLayer(r.Context(), cfg); err != nil {
		t.Fatal(err)
	}
	cd, _ := cfg.Digest()
	m := v1.Manifest{
		SchemaVersion: 2,
		MediaType:     types.OCIManifestSchema1,
		ArtifactType:  dbdist.ArtifactType,
		Config:        v1.Descriptor{MediaType: dbdist.EmptyConfigMediaType, Size: 2, Digest: cd},
		Layers:        layers,
		Annotations:   ann,
	}
	raw, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Put(r, rawManifest(raw)); err != nil {
		t.Fatal(err)
	}
}

type rawManifest []byte

func (m rawManifest) RawManifest() ([]byte, error)        { return m, nil }
func (m rawManifest) MediaType() (types.MediaType, error) { return types.OCIManifestSchema1, nil }

func mustRef(t testing.TB, ref string) name.Reference {
	t.Helper()
	r, err := name.ParseReference(ref)
	if err != nil {
		t.Fatal(err)
	}
	return r
}
