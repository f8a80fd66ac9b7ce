package walk

import (
	"archive/tar"
	"bytes"
	"context"
	"fmt"
	"io/fs"

	"github.com/trawlscan/trawl/host/source"
	"github.com/trawlscan/trawl/sdk"
)

// batch is the files of one layer held back for one plugin's batch selectors
// (sdk.Selector.Batch), in walk order.
type batch struct {
	plugin    int
	analyzers []string
	files     []heldFile
	bytes     int64
}

type heldFile struct {
	path string
	mode fs.FileMode
	data []byte
}

// hold adds a file to its plugin's batch; a batch that would pass a bound is queued to be
// sent first, and a new one begun.
func (sc *scratch) hold(want Want, e *source.Entry, data []byte) {
	b := sc.batches[want.Plugin]
	if b != nil && (len(b.files)+1 > sdk.MaxBatchFiles || b.bytes+int64(len(data)) > sdk.MaxBatchBytes) {
		sc.full = append(sc.full, b)
		b = nil
	}
	if b == nil {
		b = &batch{plugin: want.Plugin}
		sc.batches[want.Plugin] = b
	}
	for _, a := range want.Analyzers {
		if !contains(b.analyzers, a) {
			b.analyzers = append(b.analyzers, a)
		}
	}
	b.files = append(b.files, heldFile{path: e.Path, mode: e.Mode, data: data})
	b.bytes += int64(len(data))
}

// sendBatch streams a batch to its plugin as one tar stream and files what comes back under
// each file of the batch: its packages by their location, its errors by their path. A
// failed call is every file's error, since none of them was analysed.
func (w *Walker) sendBatch(ctx context.Context, b *batch, res *LayerResult) {
	if len(b.files) == 0 {
		return
	}
	files := b.files
	b.files, b.bytes = nil, 0
	a := w.analyzers[b.plugin]
	if !a.Usable() {
		return
	}
	var stream bytes.Buffer
	tw := tar.NewWriter(&stream)
	for _, f := range files {
		// PAX headers carry paths of any length; no other field says anything of the host.
		hdr := &tar.Header{Typeflag: tar.TypeReg, Name: f.path, Size: int64(len(f.data)), Mode: int64(f.mode.Perm()), Format: tar.FormatPAX}
		if err := tw.WriteHeader(hdr); err != nil {
			w.failBatch(files, b.plugin, fmt.Errorf("batch of %d files: %w", len(files), err), res)
			return
		}
		tw.Write(f.data)
	}
	tw.Close()
	req := sdk.FileRequest{Path: files[0].path, Size: int64(stream.Len()), Analyzers: b.analyzers, Batch: len(files)}
	result, err := w.run(ctx, a, req, stream.Bytes())
	if err != nil {
		w.failBatch(files, b.plugin, fmt.Errorf("batch of %d files from %s: %w", len(files), files[0].path, err), res)
		return
	}
	// Each file gets a result, empty if nothing came from it, so that it counts as read.
	byPath := map[string]*sdk.AnalysisResult{}
	for _, f := range files {
		byPath[f.path] = &sdk.AnalysisResult{}
	}
	stray := &sdk.AnalysisResult{}
	for _, p := range result.Packages {
		r := stray
		if len(p.Locations) > 0 && byPath[p.Locations[0].Path] != nil {
			r = byPath[p.Locations[0].Path]
		}
		r.Packages = append(r.Packages, p)
	}
	for _, e := range result.Errors {
		r := stray
		if byPath[e.Path] != nil {
			r = byPath[e.Path]
		}
		r.Errors = append(r.Errors, e)
	}
	first := byPath[files[0].path]
	if len(stray.Packages) > 0 {
		first.Errors = append(first.Errors, sdk.FileError{Path: files[0].path, Message: fmt.Sprintf("the plugin reported %d packages of files not in the batch; dropped", len(stray.Packages))})
	}
	for _, e := range stray.Errors {
		e.Path = files[0].path
		first.Errors = append(first.Errors, e)
	}
	for _, f := range files {
		res.Files[f.path].Results = append(res.Files[f.path].Results, FileResult{Plugin: b.plugin, Result: byPath[f.path]})
	}
}

func (w *Walker) failBatch(files []heldFile, plugin int, err error, res *LayerResult) {
	for _, f := range files {
		res.Files[f.path].Results = append(res.Files[f.path].Results, FileResult{Plugin: plugin, Err: err})
	}
}

// run is one call: a session that receives content in chunks.
func (w *Walker) run(ctx context.Context, a Analyzer, req sdk.FileRequest, content []byte) (*sdk.AnalysisResult, error) {
	s, err := a.BeginFile(ctx, req)
	if err != nil {
		return nil, err
	}
	for len(content) > 0 && s.Wants() {
		n := min(len(content), w.chunkSize)
		if err := s.Write(ctx, content[:n]); err != nil {
			s.Abort()
			return nil, err
		}
		content = content[n:]
	}
	return s.End(ctx)
}
