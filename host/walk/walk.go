package walk

import (
	"context"
	"fmt"
	"io"

	"github.com/trawlscan/trawl/host/source"
	"github.com/trawlscan/trawl/sdk"
)

// Analyzer is a plugin as the walker sees it.
type Analyzer interface {
	// BeginFile starts streaming one file into the plugin.
	BeginFile(ctx context.Context, req sdk.FileRequest) (Session, error)
	// Usable is false once the plugin has failed too often to be given more work.
	Usable() bool
}

// Session is one file streaming into one plugin.
type Session interface {
	// Wants is false once the plugin has read all it needs.
	Wants() bool
	Write(ctx context.Context, chunk []byte) error
	End(ctx context.Context) (*sdk.AnalysisResult, error)
	// Abort gives up a session that will not be ended.
	Abort()
}

// FileResult is what one plugin made of one file. Result is nil when Err is set.
type FileResult struct {
	Plugin int
	Result *sdk.AnalysisResult
	Err    error
}

// Found is a selected path met in a layer. A non-regular entry (a symlink, a directory)
// at a selected path has no results but still hides the file of lower layers.
type Found struct {
	Path    string
	Kind    source.Kind
	Results []FileResult
}

// LayerResult is what the analyzers found in one layer, plus the whiteouts needed to merge
// it with the layers above and below.
type LayerResult struct {
	Index int
	Info  sdk.Layer
	Files map[string]*Found
	// Whiteouts are paths this layer deletes from the layers below; Opaques are directories
	// whose lower content it hides.
	Whiteouts []string
	Opaques   []string
	// Entries and Bytes count what the layer held (Bytes: regular file content).
	Entries int64
	Bytes   int64
	// Dispatched counts the files handed to analyzers.
	Dispatched int64
}

// Walker dispatches the entries of layers to analyzers. Build one per scan.
type Walker struct {
	matcher   *Matcher
	analyzers []Analyzer
	chunkSize int
}

// New returns a Walker over the given analyzers; matcher must have been built from their
// manifests in the same order.
func New(matcher *Matcher, analyzers []Analyzer, chunkSize int) *Walker {
	return &Walker{matcher: matcher, analyzers: analyzers, chunkSize: chunkSize}
}

// Layer walks one layer once. A failing plugin is recorded in the result and the walk goes
// on; only an unreadable layer (or a cancelled ctx) returns an error.
func (w *Walker) Layer(ctx context.Context, index int, layer source.Layer) (*LayerResult, error) {
	res := &LayerResult{Index: index, Info: layer.Info(), Files: map[string]*Found{}}
	buf := make([]byte, w.chunkSize)
	err := layer.Walk(ctx, func(e *source.Entry) error {
		res.Entries++
		switch e.Kind {
		case source.Whiteout:
			res.Whiteouts = append(res.Whiteouts, e.Path)
			return nil
		case source.Opaque:
			res.Opaques = append(res.Opaques, e.Path)
			return nil
		case source.Regular:
			res.Bytes += e.Size
		}
		wants := w.matcher.Match(e.Path, e.Size)
		if len(wants) == 0 {
			if e.Kind != source.Regular && w.matcher.Selects(e.Path) {
				res.Files[e.Path] = &Found{Path: e.Path, Kind: e.Kind}
			}
			return nil
		}
		found := &Found{Path: e.Path, Kind: e.Kind}
		res.Files[e.Path] = found
		if e.Kind != source.Regular {
			return nil
		}
		res.Dispatched++
		found.Results = w.file(ctx, e, wants, buf)
		return ctx.Err()
	})
	if err != nil {
		return res, err
	}
	return res, nil
}

// file streams one regular file into every plugin that wants it.
func (w *Walker) file(ctx context.Context, e *source.Entry, wants []Want, buf []byte) []FileResult {
	type open struct {
		plugin  int
		session Session
	}
	var sessions []open
	var results []FileResult
	for _, want := range wants {
		a := w.analyzers[want.Plugin]
		if !a.Usable() {
			continue
		}
		s, err := a.BeginFile(ctx, sdk.FileRequest{Path: e.Path, Size: e.Size, Mode: uint32(e.Mode), Analyzers: want.Analyzers})
		if err != nil {
			results = append(results, FileResult{Plugin: want.Plugin, Err: err})
			continue
		}
		sessions = append(sessions, open{want.Plugin, s})
	}
	if len(sessions) == 0 {
		return results
	}
	failed := map[int]error{}
	var readErr error
	for {
		wanted := false
		for _, o := range sessions {
			if failed[o.plugin] == nil && o.session.Wants() {
				wanted = true
			}
		}
		if !wanted {
			break
		}
		n, err := fill(e.Body, buf)
		if n > 0 {
			for _, o := range sessions {
				if failed[o.plugin] != nil {
					continue
				}
				if werr := o.session.Write(ctx, buf[:n]); werr != nil {
					failed[o.plugin] = werr
				}
			}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			readErr = fmt.Errorf("reading %s: %w", e.Path, err)
			break
		}
	}
	for _, o := range sessions {
		if ferr := failed[o.plugin]; ferr != nil {
			results = append(results, FileResult{Plugin: o.plugin, Err: ferr})
			continue
		}
		if readErr != nil {
			o.session.Abort()
			results = append(results, FileResult{Plugin: o.plugin, Err: readErr})
			continue
		}
		r, err := o.session.End(ctx)
		results = append(results, FileResult{Plugin: o.plugin, Result: r, Err: err})
	}
	return results
}

// fill reads until buf is full or the reader ends. Unlike io.ReadFull it keeps io.EOF (a
// clean end) apart from io.ErrUnexpectedEOF, which a tar reader returns for a truncated body.
func fill(r io.Reader, buf []byte) (int, error) {
	n := 0
	for n < len(buf) {
		m, err := r.Read(buf[n:])
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}
