package dbdist

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/partial"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/klauspost/compress/zstd"

	"github.com/trawlscan/trawl/host/db"
)

// Media types and annotations of the DB artifact; MEDIA_TYPES.md describes the layout.
const (
	// ArtifactType is the manifest's artifactType.
	ArtifactType = "application/vnd.trawl.db.v1"
	// LayerMediaType is the media type of the one layer: the bbolt file, zstd-compressed.
	LayerMediaType = "application/vnd.trawl.db.layer.v1.bbolt+zstd"
	// EmptyConfigMediaType is the config's media type: OCI 1.1's empty descriptor, as the
	// artifact has no configuration; what it is comes from ArtifactType.
	EmptyConfigMediaType = "application/vnd.oci.empty.v1+json"

	// AnnotationCreated is the DB's build time, RFC 3339.
	AnnotationCreated = "org.opencontainers.image.created"
	// AnnotationSchemaVersion is the DB file's db.SchemaVersion.
	AnnotationSchemaVersion = "dev.trawl.db.schema-version"
	// AnnotationAdvisories is the number of advisories in the DB.
	AnnotationAdvisories = "dev.trawl.db.advisories"
	// AnnotationTitle names the layer's file, for generic tools (oras pull writes it there).
	AnnotationTitle = "org.opencontainers.image.title"
	// LayerTitle is the layer's AnnotationTitle.
	LayerTitle = "trawl.db.zst"
)

// emptyConfig is the content of the OCI empty descriptor.
var emptyConfig = []byte("{}")

// DefaultMaxSize bounds a pulled DB, compressed and decompressed: well above any real DB,
// low enough that a hostile blob or zstd bomb cannot fill the disk.
const DefaultMaxSize = 8 << 30

// Option configures Push and Pull.
type Option func(*ociConfig)

type ociConfig struct {
	keychain  authn.Keychain
	insecure  bool
	transport http.RoundTripper
	maxSize   int64
	logger    *slog.Logger
}

// WithKeychain sets where registry credentials come from. Default: authn.DefaultKeychain
// (the Docker config, credential helpers). Credentials are never logged.
func WithKeychain(k authn.Keychain) Option { return func(c *ociConfig) { c.keychain = k } }

// WithInsecure allows plain HTTP to the registry (a local or test registry), tried after
// HTTPS. Default: false; note that go-containerregistry falls back to HTTP regardless for
// localhost, loopback and RFC 1918 private addresses. Pull's digest checks hold either way,
// but over HTTP a tag can be redirected to another trawl DB: pull by digest where that
// matters.
func WithInsecure(insecure bool) Option { return func(c *ociConfig) { c.insecure = insecure } }

// WithTransport sets the HTTP transport. Default: remote.DefaultTransport.
func WithTransport(t http.RoundTripper) Option { return func(c *ociConfig) { c.transport = t } }

// WithMaxSize bounds the size of a pulled DB, compressed and decompressed. Default
// DefaultMaxSize (8 GiB).
func WithMaxSize(n int64) Option { return func(c *ociConfig) { c.maxSize = n } }

// WithLogger receives progress at Info level. Default: discard.
func WithLogger(l *slog.Logger) Option { return func(c *ociConfig) { c.logger = l } }

func newOCIConfig(opts []Option) *ociConfig {
	c := &ociConfig{keychain: authn.DefaultKeychain, maxSize: DefaultMaxSize}
	for _, o := range opts {
		o(c)
	}
	if c.maxSize <= 0 {
		c.maxSize = DefaultMaxSize
	}
	if c.logger == nil {
		c.logger = slog.New(slog.DiscardHandler)
	}
	return c
}

func (c *ociConfig) parse(ref string) (name.Reference, error) {
	var opts []name.Option
	if c.insecure {
		opts = append(opts, name.Insecure)
	}
	r, err := name.ParseReference(ref, opts...)
	if err != nil {
		return nil, fmt.Errorf("invalid reference %q: %w", ref, err)
	}
	return r, nil
}

func (c *ociConfig) remote(ctx context.Context) []remote.Option {
	opts := []remote.Option{remote.WithContext(ctx), remote.WithAuthFromKeychain(c.keychain), remote.WithUserAgent("trawl-db")}
	if c.transport != nil {
		opts = append(opts, remote.WithTransport(c.transport))
	}
	return opts
}

// Push uploads the DB at dbPath to the registry as ref (a tag, usually) and returns the
// manifest's digest ("sha256:..."). The DB must open with db.Open: a file of another schema
// or not a DB at all is refused. The artifact is reproducible: pushing the same file twice
// gives the same digest, since the compression is deterministic and the created
// annotation is the DB's build time.
func Push(ctx context.Context, dbPath, ref string, opts ...Option) (string, error) {
	c := newOCIConfig(opts)
	r, err := c.parse(ref)
	if err != nil {
		return "", err
	}
	// Hold the file open while checking it, and check that the path still names it, so
	// that what is pushed is what was checked even if an update renames a new DB over it.
	f, err := os.Open(dbPath)
	if err != nil {
		return "", fmt.Errorf("pushing %s: %w", dbPath, err)
	}
	defer f.Close()
	d, err := db.Open(dbPath)
	if err != nil {
		return "", fmt.Errorf("pushing %s: %w", dbPath, err)
	}
	meta := d.Meta()
	d.Close()
	if same, err := sameFile(f, dbPath); err != nil || !same {
		return "", fmt.Errorf("pushing %s: the file was replaced while it was being read; try again", dbPath)
	}

	blob, err := compress(f)
	if err != nil {
		return "", fmt.Errorf("pushing %s: compressing: %w", dbPath, err)
	}
	defer os.Remove(blob.path)
	img, err := newArtifact(meta, blob)
	if err != nil {
		return "", err
	}
	c.logger.Info("pushing the vulnerability database", "db", dbPath, "ref", r.String(), "bytes", blob.size)
	if err := remote.Write(r, img, c.remote(ctx)...); err != nil {
		return "", fmt.Errorf("pushing %s to %s: %w", dbPath, r, err)
	}
	dg, err := img.Digest()
	if err != nil {
		return "", err
	}
	c.logger.Info("pushed the vulnerability database", "ref", r.String(), "digest", dg.String())
	return dg.String(), nil
}

func sameFile(f *os.File, path string) (bool, error) {
	a, err := f.Stat()
	if err != nil {
		return false, err
	}
	b, err := os.Stat(path)
	if err != nil {
		return false, err
	}
	return os.SameFile(a, b), nil
}

// blob is a compressed DB in a temporary file.
type blob struct {
	path   string
	digest v1.Hash // of the compressed bytes
	diffID v1.Hash // of the DB file
	size   int64
}

// compress writes the zstd-compressed r to a temporary file. One encoder goroutine keeps
// the output a function of the input alone, so pushes are reproducible.
func compress(r io.Reader) (*blob, error) {
	tmp, err := os.CreateTemp("", "trawl-db-*.zst")
	if err != nil {
		return nil, err
	}
	ok := false
	defer func() {
		if !ok {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	compressed, raw := sha256.New(), sha256.New()
	cw := &countWriter{w: io.MultiWriter(tmp, compressed)}
	enc, err := zstd.NewWriter(cw, zstd.WithEncoderConcurrency(1), zstd.WithEncoderLevel(zstd.SpeedDefault))
	if err != nil {
		return nil, err
	}
	if _, err := io.Copy(enc, io.TeeReader(r, raw)); err != nil {
		enc.Close()
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	if err := tmp.Close(); err != nil {
		return nil, err
	}
	ok = true
	return &blob{path: tmp.Name(), digest: sha256Hash(compressed), diffID: sha256Hash(raw), size: cw.n}, nil
}

func sha256Hash(h hash.Hash) v1.Hash {
	return v1.Hash{Algorithm: "sha256", Hex: hex.EncodeToString(h.Sum(nil))}
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(b []byte) (int, error) {
	n, err := c.w.Write(b)
	c.n += int64(n)
	return n, err
}

// artifact is the DB as a v1.Image whose manifest we write ourselves: go-containerregistry's
// mutate package cannot set an image manifest's artifactType.
type artifact struct {
	manifest []byte
	layer    *blobLayer
}

func newArtifact(meta db.Meta, b *blob) (v1.Image, error) {
	cfgDigest := sha256.Sum256(emptyConfig)
	m := v1.Manifest{
		SchemaVersion: 2,
		MediaType:     types.OCIManifestSchema1,
		ArtifactType:  ArtifactType,
		Config: v1.Descriptor{
			MediaType: EmptyConfigMediaType,
			Size:      int64(len(emptyConfig)),
			Digest:    v1.Hash{Algorithm: "sha256", Hex: hex.EncodeToString(cfgDigest[:])},
			Data:      emptyConfig,
		},
		Layers: []v1.Descriptor{{
			MediaType:   LayerMediaType,
			Size:        b.size,
			Digest:      b.digest,
			Annotations: map[string]string{AnnotationTitle: LayerTitle},
		}},
		Annotations: map[string]string{
			AnnotationCreated:       meta.BuiltAt.UTC().Format(time.RFC3339),
			AnnotationSchemaVersion: strconv.Itoa(meta.SchemaVersion),
			AnnotationAdvisories:    strconv.Itoa(meta.Advisories),
		},
	}
	raw, err := json.Marshal(m)
	if err != nil {
		return nil, err
	}
	return partial.CompressedToImage(&artifact{manifest: raw, layer: &blobLayer{b}})
}

func (a *artifact) RawConfigFile() ([]byte, error)      { return emptyConfig, nil }
func (a *artifact) MediaType() (types.MediaType, error) { return types.OCIManifestSchema1, nil }
func (a *artifact) RawManifest() ([]byte, error)        { return a.manifest, nil }

func (a *artifact) LayerByDigest(h v1.Hash) (partial.CompressedLayer, error) {
	if h == a.layer.digest {
		return a.layer, nil
	}
	return nil, fmt.Errorf("no layer %s in the DB artifact", h)
}

// blobLayer serves the compressed DB from its temporary file.
type blobLayer struct{ *blob }

func (l *blobLayer) Digest() (v1.Hash, error)            { return l.digest, nil }
func (l *blobLayer) DiffID() (v1.Hash, error)            { return l.diffID, nil }
func (l *blobLayer) Size() (int64, error)                { return l.size, nil }
func (l *blobLayer) MediaType() (types.MediaType, error) { return LayerMediaType, nil }
func (l *blobLayer) Compressed() (io.ReadCloser, error)  { return os.Open(l.path) }

// Pull downloads the DB artifact ref and installs it at dst.
//
// It refuses, before downloading the DB: an index, a manifest whose artifact type is not
// ArtifactType, a layer that is not one LayerMediaType blob, a schema version other than
// db.SchemaVersion, and a layer larger than WithMaxSize. The layer's digest and size are
// checked as it streams; it is decompressed into a temporary file beside dst, which must
// open with db.Open, and only then renamed over dst. On any failure dst is unchanged and
// the temporary file removed.
func Pull(ctx context.Context, ref, dst string, opts ...Option) error {
	c := newOCIConfig(opts)
	r, err := c.parse(ref)
	if err != nil {
		return err
	}
	desc, err := remote.Get(r, c.remote(ctx)...)
	if err != nil {
		return fmt.Errorf("pulling %s: %w", r, err)
	}
	layer, err := checkManifest(r, desc)
	if err != nil {
		return err
	}
	if layer.Size > c.maxSize {
		return fmt.Errorf("pulling %s: the database layer is %d bytes, more than the limit of %d", r, layer.Size, c.maxSize)
	}
	c.logger.Info("pulling the vulnerability database", "ref", r.String(), "digest", desc.Digest.String(), "bytes", layer.Size)

	l, err := remote.Layer(r.Context().Digest(layer.Digest.String()), c.remote(ctx)...)
	if err != nil {
		return fmt.Errorf("pulling %s: layer %s: %w", r, layer.Digest, err)
	}
	rc, err := l.Compressed()
	if err != nil {
		return fmt.Errorf("pulling %s: layer %s: %w", r, layer.Digest, err)
	}
	defer rc.Close()
	if err := install(ctx, rc, layer, dst, c.maxSize); err != nil {
		return fmt.Errorf("pulling %s into %s (left unchanged): %w", r, dst, err)
	}
	c.logger.Info("installed the vulnerability database", "ref", r.String(), "db", dst)
	return nil
}

// checkManifest returns the DB layer of desc, or why desc is not a trawl DB this trawl reads.
func checkManifest(r name.Reference, desc *remote.Descriptor) (v1.Descriptor, error) {
	notDB := func(format string, args ...any) (v1.Descriptor, error) {
		return v1.Descriptor{}, fmt.Errorf("%s is not a trawl vulnerability database: %s", r, fmt.Sprintf(format, args...))
	}
	switch desc.MediaType {
	case types.OCIManifestSchema1, types.DockerManifestSchema2:
	case types.OCIImageIndex, types.DockerManifestList:
		return notDB("it is an image index (%s); push the database with `trawl db push`", desc.MediaType)
	default:
		return notDB("manifest media type %s, want %s", desc.MediaType, types.OCIManifestSchema1)
	}
	m, err := v1.ParseManifest(bytes.NewReader(desc.Manifest))
	if err != nil {
		return notDB("unreadable manifest: %v", err)
	}
	// OCI 1.1: the artifactType; an OCI 1.0 artifact carries its type as the config's
	// media type instead.
	at := m.ArtifactType
	if at == "" {
		at = string(m.Config.MediaType)
	}
	switch types.MediaType(at) {
	case ArtifactType:
	case types.DockerConfigJSON, types.OCIConfigJSON:
		return notDB("it is a container image (config %s), want artifact type %s", at, ArtifactType)
	default:
		return notDB("artifact type %s, want %s", at, ArtifactType)
	}
	var layers []v1.Descriptor
	for _, l := range m.Layers {
		if l.MediaType == LayerMediaType {
			layers = append(layers, l)
		}
	}
	if len(layers) != 1 {
		return notDB("%d layers of type %s, want 1", len(layers), LayerMediaType)
	}
	if v, ok := m.Annotations[AnnotationSchemaVersion]; ok && v != strconv.Itoa(db.SchemaVersion) {
		return v1.Descriptor{}, fmt.Errorf("%s holds a database of schema version %s, this trawl reads version %d: pull a tag built for this version, or upgrade trawl", r, v, db.SchemaVersion)
	}
	return layers[0], nil
}

// install decompresses the layer from rc into a temporary file beside dst, checks it and
// renames it over dst.
func install(ctx context.Context, rc io.Reader, layer v1.Descriptor, dst string, maxSize int64) error {
	if layer.Digest.Algorithm != "sha256" {
		return fmt.Errorf("layer digest algorithm %s is not supported", layer.Digest.Algorithm)
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(dst), "."+filepath.Base(dst)+".pull-*.tmp")
	if err != nil {
		return err
	}
	tmpPath := tmp.Name()
	defer os.Remove(tmpPath) // a no-op once renamed
	defer tmp.Close()

	// go-containerregistry verifies the digest too, but only once the body reaches EOF,
	// which the zstd decoder need not read to; we hash and count what we read ourselves,
	// and read to the end.
	h := sha256.New()
	cr := &ctxReader{ctx: ctx, r: io.TeeReader(io.LimitReader(rc, layer.Size+1), h)}
	counted := &countReader{r: cr}
	dec, err := zstd.NewReader(counted, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxWindow(64<<20))
	if err != nil {
		return err
	}
	defer dec.Close()
	n, copyErr := io.Copy(tmp, io.LimitReader(dec, maxSize+1))
	if ctx.Err() != nil {
		return context.Cause(ctx)
	}
	// Read the rest of the blob whatever happened, so that a corrupt blob is reported as
	// such rather than as the decompression error it causes.
	_, readErr := io.Copy(io.Discard, counted)
	if ctx.Err() != nil {
		return context.Cause(ctx)
	}
	switch {
	case counted.n == layer.Size && hex.EncodeToString(h.Sum(nil)) != layer.Digest.Hex:
		return fmt.Errorf("layer digest mismatch: received sha256:%s, the manifest says %s (corrupted or tampered with)", hex.EncodeToString(h.Sum(nil)), layer.Digest)
	case readErr != nil:
		return fmt.Errorf("reading layer %s: %w", layer.Digest, readErr)
	case counted.n > layer.Size:
		return fmt.Errorf("layer %s: the blob is longer than the %d bytes the manifest says", layer.Digest, layer.Size)
	case counted.n < layer.Size:
		return fmt.Errorf("layer %s: received %d bytes, the manifest says %d", layer.Digest, counted.n, layer.Size)
	case copyErr != nil:
		return fmt.Errorf("decompressing layer %s: %w", layer.Digest, copyErr)
	case n > maxSize:
		return fmt.Errorf("the decompressed database is larger than the limit of %d bytes", maxSize)
	}
	if err := tmp.Sync(); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	// CreateTemp made it private; a database holds public data (as db.Import leaves it).
	if err := os.Chmod(tmpPath, 0o644); err != nil {
		return err
	}
	d, err := db.Open(tmpPath)
	if err != nil {
		return fmt.Errorf("the pulled file is not a usable database: %w", err)
	}
	d.Close()
	return os.Rename(tmpPath, dst)
}

// ctxReader stops a read loop when ctx is done: the registry client's request carries the
// context, but decompression and the copy to disk do not.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c *ctxReader) Read(b []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(b)
}

type countReader struct {
	r io.Reader
	n int64
}

func (c *countReader) Read(b []byte) (int, error) {
	n, err := c.r.Read(b)
	c.n += int64(n)
	return n, err
}
