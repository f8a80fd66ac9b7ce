package source

import (
	"context"
	"fmt"
	"io"
	"sync"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/trawlscan/trawl/sdk"
)

// ImageLayer is a layer of a container image. Walk reads its stored (usually compressed) blob
// once, as a stream.
type ImageLayer struct {
	info  sdk.Layer
	index int
	// open returns the layer blob as stored: gzip, zstd or plain tar.
	open  func() (io.ReadCloser, error)
	total int64 // stored size, for progress; -1 when unknown
	opts  *options

	mu    sync.Mutex
	stats WalkStats
}

// Info implements Layer.
func (l *ImageLayer) Info() sdk.Layer { return l.info }

// Stats returns the counts of the last walk of l (or of the walk in progress).
func (l *ImageLayer) Stats() WalkStats {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.stats
}

func (l *ImageLayer) name() string {
	switch {
	case l.info.DiffID != "":
		return l.info.DiffID
	case l.info.Digest != "":
		return l.info.Digest
	}
	return fmt.Sprintf("#%d", l.index)
}

// Walk implements Layer. The compressed blob is read once; a cancelled ctx stops the walk
// between entries and also interrupts a read in progress by closing the blob. Errors name the
// layer by its DiffID; a truncated stream gives an error wrapping io.ErrUnexpectedEOF, an
// oversized one ErrLayerTooLarge.
func (l *ImageLayer) Walk(ctx context.Context, fn func(*Entry) error) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("layer %s: %w", l.name(), err)
	}
	rc, err := l.open()
	if err != nil {
		return fmt.Errorf("layer %s: opening blob: %w", l.name(), err)
	}
	var closeOnce sync.Once
	closeSrc := func() { closeOnce.Do(func() { rc.Close() }) }
	defer closeSrc()
	stopAfter := context.AfterFunc(ctx, closeSrc)
	defer stopAfter()

	var r io.Reader = rc
	if l.opts.progress != nil {
		r = &progressReader{r: rc, fn: l.opts.progress, layer: l.index, total: l.total}
	}
	var stats WalkStats
	err = walkTar(ctx, r, stream{
		name:     l.name(),
		maxBytes: l.opts.maxLayerBytes,
		logger:   l.opts.logger,
		closeSrc: closeSrc,
	}, &stats, fn)
	l.mu.Lock()
	l.stats = stats
	l.mu.Unlock()
	return err
}

// progressReader reports compressed bytes read to a WithProgress hook.
type progressReader struct {
	r     io.Reader
	fn    func(layer int, read, total int64)
	layer int
	read  int64
	total int64
}

func (p *progressReader) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	if n > 0 {
		p.read += int64(n)
		p.fn(p.layer, p.read, p.total)
	}
	return n, err
}

// FromImage makes an Artifact of a go-containerregistry image, whatever its origin: the openers
// of this package use it, and so can callers that hold a v1.Image of their own (a daemon
// image, a test image). name is what the report shows. Layers are fetched only when walked.
// The Options that matter here are WithProgress, WithMaxLayerBytes and WithLogger.
func FromImage(name string, img v1.Image, opts ...Option) (*Artifact, error) {
	return fromImage(name, img, nil, nil, makeOptions(opts))
}

// fromImage builds the Artifact. platform, when known from an index descriptor, is used if
// the config does not say; closer releases what the image reads from.
func fromImage(name string, img v1.Image, platform *v1.Platform, closer func() error, o *options) (*Artifact, error) {
	m, err := img.Manifest()
	if err != nil {
		return nil, fmt.Errorf("%s: reading manifest: %w", name, err)
	}
	if mt := m.Config.MediaType; mt != "" && !mt.IsConfig() {
		return nil, fmt.Errorf("%s: not a container image: config media type is %s", name, mt)
	}
	cfg, err := img.ConfigFile()
	if err != nil {
		return nil, fmt.Errorf("%s: reading config: %w", name, err)
	}
	digest, err := img.Digest()
	if err != nil {
		return nil, fmt.Errorf("%s: computing manifest digest: %w", name, err)
	}
	if len(cfg.RootFS.DiffIDs) != len(m.Layers) {
		return nil, fmt.Errorf("%s: config lists %d layer diff_ids but the manifest has %d layers",
			name, len(cfg.RootFS.DiffIDs), len(m.Layers))
	}
	if p := cfg.Platform(); p != nil && p.OS != "" {
		platform = p
	}

	a := &Artifact{
		Info: sdk.Artifact{
			Name:     name,
			Type:     sdk.ArtifactImage,
			Digest:   digest.String(),
			ImageID:  m.Config.Digest.String(),
			Platform: platformString(platform),
		},
		Config: cfg,
		Close:  closerOrNop(closer),
	}
	created := layerHistory(cfg.History, len(m.Layers))
	for i, d := range m.Layers {
		l, err := img.LayerByDigest(d.Digest)
		if err != nil {
			return nil, fmt.Errorf("%s: layer %d (%s): %w", name, i, d.Digest, err)
		}
		info := sdk.Layer{
			DiffID:    cfg.RootFS.DiffIDs[i].String(),
			Digest:    d.Digest.String(),
			Size:      d.Size,
			CreatedBy: created[i],
		}
		a.Info.Layers = append(a.Info.Layers, info)
		a.Layers = append(a.Layers, &ImageLayer{
			info:  info,
			index: i,
			open:  l.Compressed,
			total: d.Size,
			opts:  o,
		})
	}
	return a, nil
}

// layerHistory gives the created_by of each of n layers: history entries map to layers in
// order, skipping those marked empty_layer (ENV, LABEL and the like create no layer). A
// config with fewer history entries than layers leaves the last layers without one.
func layerHistory(h []v1.History, n int) []string {
	out := make([]string, n)
	i := 0
	for _, e := range h {
		if e.EmptyLayer {
			continue
		}
		if i == n {
			break
		}
		out[i] = e.CreatedBy
		i++
	}
	return out
}

// platformString formats a platform as os/arch[/variant].
func platformString(p *v1.Platform) string {
	if p == nil || p.OS == "" {
		return ""
	}
	s := p.OS
	if p.Architecture != "" {
		s += "/" + p.Architecture
		if p.Variant != "" {
			s += "/" + p.Variant
		}
	}
	return s
}

func closerOrNop(c func() error) func() error {
	if c == nil {
		return func() error { return nil }
	}
	return c
}
