package walk

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/trawlscan/trawl/host/source"
	"github.com/trawlscan/trawl/sdk"
)

// memLayer is a layer of regular files, walked in order.
type memLayer struct{ files [][2]string }

func (l memLayer) Info() sdk.Layer { return sdk.Layer{} }
func (l memLayer) Walk(_ context.Context, fn func(*source.Entry) error) error {
	for _, f := range l.files {
		if err := fn(&source.Entry{Path: f[0], Kind: source.Regular, Size: int64(len(f[1])), Mode: 0o644, Body: strings.NewReader(f[1])}); err != nil {
			return err
		}
	}
	return nil
}

// batcher is an analyzer that reads a batch's tar stream and reports one package per file
// (named by its content) at that file, plus one at a path outside the batch when stray.
type batcher struct {
	calls []sdk.FileRequest
	fail  error
	stray bool
}

func (b *batcher) Usable() bool { return true }
func (b *batcher) BeginFile(_ context.Context, req sdk.FileRequest) (Session, error) {
	b.calls = append(b.calls, req)
	return &batchSession{b: b}, nil
}

type batchSession struct {
	b   *batcher
	buf bytes.Buffer
}

func (s *batchSession) Wants() bool { return true }
func (s *batchSession) Write(_ context.Context, p []byte) error {
	s.buf.Write(p)
	return nil
}
func (s *batchSession) Abort() {}
func (s *batchSession) End(context.Context) (*sdk.AnalysisResult, error) {
	if s.b.fail != nil {
		return nil, s.b.fail
	}
	res := &sdk.AnalysisResult{}
	tr := tar.NewReader(&s.buf)
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		body, _ := io.ReadAll(tr)
		res.Packages = append(res.Packages, sdk.Package{Name: string(body), Version: "1", Locations: []sdk.Location{{Path: hdr.Name}}})
		res.Errors = append(res.Errors, sdk.FileError{Path: hdr.Name, Message: "seen"})
	}
	if s.b.stray {
		res.Packages = append(res.Packages, sdk.Package{Name: "stray", Version: "1", Locations: []sdk.Location{{Path: "elsewhere/pom.xml"}}})
	}
	return res, nil
}

// TestBatch: the files of a batch selector reach the plugin in one call after the walk, as
// a tar stream, and what comes back is filed under each file; a failed call is each
// file's error; packages of files outside the batch are dropped with an error.
func TestBatch(t *testing.T) {
	layer := memLayer{files: [][2]string{{"pom.xml", "root"}, {"README", "text"}, {"app/pom.xml", "app"}, {"lib/pom.xml", "lib"}}}
	m := NewMatcher([]sdk.Manifest{{Analyzers: []sdk.AnalyzerSpec{{Name: "pom", Files: []sdk.Selector{{Base: "pom.xml", Batch: true}}}}}})
	b := &batcher{stray: true}
	res, err := New(m, []Analyzer{b}, 3).Layer(context.Background(), 0, layer)
	if err != nil {
		t.Fatal(err)
	}
	if len(b.calls) != 1 || b.calls[0].Batch != 3 || b.calls[0].Path != "pom.xml" || b.calls[0].Analyzers[0] != "pom" {
		t.Fatalf("calls %+v", b.calls)
	}
	for _, p := range []string{"pom.xml", "app/pom.xml", "lib/pom.xml"} {
		f := res.Files[p]
		if f == nil || len(f.Results) != 1 || f.Results[0].Err != nil {
			t.Fatalf("%s: %+v", p, f)
		}
		r := f.Results[0].Result
		if len(r.Packages) != 1 || r.Packages[0].Locations[0].Path != p {
			t.Errorf("%s: packages %+v", p, r.Packages)
		}
		wantErrors := 1
		if p == "pom.xml" {
			wantErrors = 2 // and the stray package
		}
		if len(r.Errors) != wantErrors || r.Errors[0].Path != p {
			t.Errorf("%s: errors %+v", p, r.Errors)
		}
	}
	if !strings.Contains(res.Files["pom.xml"].Results[0].Result.Errors[1].Message, "not in the batch") {
		t.Errorf("stray package: %+v", res.Files["pom.xml"].Results[0].Result.Errors)
	}

	b = &batcher{fail: errors.New("trap")}
	res, _ = New(m, []Analyzer{b}, 1024).Layer(context.Background(), 0, layer)
	for _, p := range []string{"pom.xml", "app/pom.xml", "lib/pom.xml"} {
		if r := res.Files[p].Results; len(r) != 1 || r[0].Err == nil || !strings.Contains(r[0].Err.Error(), "batch of 3 files from pom.xml: trap") {
			t.Errorf("%s: %+v", p, r)
		}
	}
}

// TestBatchBound: a layer with more files than a batch holds is sent in several batches.
func TestBatchBound(t *testing.T) {
	var layer memLayer
	for i := 0; i < sdk.MaxBatchFiles+5; i++ {
		layer.files = append(layer.files, [2]string{fmt.Sprintf("m%d/pom.xml", i), "x"})
	}
	m := NewMatcher([]sdk.Manifest{{Analyzers: []sdk.AnalyzerSpec{{Name: "pom", Files: []sdk.Selector{{Base: "pom.xml", Batch: true}}}}}})
	b := &batcher{}
	res, err := New(m, []Analyzer{b}, 1024).Layer(context.Background(), 0, layer)
	if err != nil {
		t.Fatal(err)
	}
	if len(b.calls) != 2 || b.calls[0].Batch != sdk.MaxBatchFiles || b.calls[1].Batch != 5 {
		t.Fatalf("%d calls", len(b.calls))
	}
	for _, f := range res.Files {
		if len(f.Results) != 1 || len(f.Results[0].Result.Packages) != 1 {
			t.Fatalf("%s: %+v", f.Path, f.Results)
		}
	}
}
