//go:build wasip1

package plugin

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"runtime/debug"
	"strings"
	"unsafe"

	"github.com/trawlscan/trawl/sdk"
	"github.com/trawlscan/trawl/sdk/reportjson"
)

// Status codes returned by every call; see ABI.md.
const (
	statusOK     = 0
	statusError  = 1
	statusEnough = 2
)

// buffers keeps the memory handed to the host reachable until it calls trawl_free: Go's
// collector does not move objects, but it would free them.
var buffers = map[uint32][]byte{}

//go:wasmexport trawl_abi_version
func abiVersion() uint32 { return sdk.ABIMajor<<16 | sdk.ABIMinor }

//go:wasmexport trawl_malloc
func malloc(size uint32) uint32 {
	if size == 0 {
		size = 1
	}
	b := make([]byte, size)
	p := uint32(uintptr(unsafe.Pointer(unsafe.SliceData(b))))
	buffers[p] = b
	return p
}

//go:wasmexport trawl_free
func free(p uint32) { delete(buffers, p) }

//go:wasmimport trawl output
func hostOutput(ptr, size uint32) uint32

// view returns the guest memory the host wrote at ptr. It aliases the host's buffer, which
// the host reuses after the call returns: copy what must outlive the call.
func view(ptr, size uint32) []byte {
	if size == 0 {
		return nil
	}
	// ptr is an address in this module's linear memory, where address 0 is the start.
	return unsafe.Slice((*byte)(unsafe.Add(nil, ptr)), size)
}

// outputWriter sends bytes to the host, which caps the total per call.
type outputWriter struct{ err error }

var errOutputLimit = errors.New("output limit reached")

func (w *outputWriter) Write(p []byte) (int, error) {
	if w.err != nil {
		return 0, w.err
	}
	for off := 0; off < len(p); {
		n := min(len(p)-off, 1<<20)
		if hostOutput(uint32(uintptr(unsafe.Pointer(&p[off]))), uint32(n)) != 0 {
			w.err = errOutputLimit
			return off, w.err
		}
		off += n
	}
	return len(p), nil
}

func fail(err error) uint32 {
	(&outputWriter{}).Write([]byte(err.Error()))
	return statusError
}

func emitJSON(v any) uint32 {
	b, err := json.Marshal(v)
	if err != nil {
		return fail(err)
	}
	if _, err := (&outputWriter{}).Write(b); err != nil {
		return statusError
	}
	return statusOK
}

// ---- analyzers: a file streams in as begin, chunk..., end. ----

// analysis runs Analyzer.Analyze in its own goroutine, fed chunk by chunk: each chunk call
// hands the host's buffer to the reader and returns once the reader has copied all of it, so
// the analyzer sees an ordinary io.Reader while the file never sits in guest memory whole.
//
// A small file (most lock files and manifests: up to smallFile bytes) is instead gathered
// and analysed at the end, in the calling goroutine: switching goroutines is dear in Go's
// wasm port, where every switch unwinds and rewinds the stack, and for a file of a few
// kilobytes the switches of the streamed path cost more than the parsing.
type analysis struct {
	in       chan []byte
	consumed chan struct{}
	finished chan struct{}
	cur      []byte
	req      sdk.FileRequest
	result   *sdk.AnalysisResult
	err      error
	// small is set while the file is being gathered in buf rather than streamed.
	small bool
	buf   []byte
}

// smallFile is the largest file gathered whole rather than streamed.
const smallFile = 256 << 10

var current *analysis

func (a *analysis) Read(p []byte) (int, error) {
	if len(a.buf) > 0 {
		// What was gathered before the file turned out larger than announced.
		n := copy(p, a.buf)
		a.buf = a.buf[n:]
		return n, nil
	}
	if len(a.cur) == 0 {
		c, ok := <-a.in
		if !ok {
			return 0, io.EOF
		}
		a.cur = c
	}
	n := copy(p, a.cur)
	a.cur = a.cur[n:]
	if len(a.cur) == 0 {
		a.consumed <- struct{}{}
	}
	return n, nil
}

// analyzeGathered analyses a small file, gathered whole, in the calling goroutine.
func (a *analysis) analyzeGathered() {
	defer func() {
		if r := recover(); r != nil {
			a.result, a.err = nil, fmt.Errorf("analyzer panicked: %v\n%s", r, debug.Stack())
		}
	}()
	a.result, a.err = analyzer.Analyze(a.req, bytes.NewReader(a.buf))
}

func (a *analysis) run() {
	defer close(a.finished)
	defer func() {
		if r := recover(); r != nil {
			a.err = fmt.Errorf("analyzer panicked: %v\n%s", r, debug.Stack())
		}
	}()
	a.result, a.err = analyzer.Analyze(a.req, a)
}

//go:wasmexport trawl_analyze_begin
func analyzeBegin(ptr, size uint32) uint32 {
	if analyzer == nil {
		return fail(errors.New("module registers no analyzer"))
	}
	if current != nil {
		return fail(errors.New("analyze_begin while a file is open"))
	}
	a := &analysis{}
	if err := json.Unmarshal(view(ptr, size), &a.req); err != nil {
		return fail(fmt.Errorf("file request: %w", err))
	}
	current = a
	n := a.req.Size - a.req.Offset
	if a.req.Length > 0 {
		n = a.req.Length
	}
	if n >= 0 && n <= smallFile {
		a.small = true
		a.buf = make([]byte, 0, n)
		return statusOK
	}
	a.stream()
	return statusOK
}

// stream starts the analyzer in its own goroutine, reading what was gathered so far first.
func (a *analysis) stream() {
	a.small = false
	a.in, a.consumed, a.finished = make(chan []byte), make(chan struct{}), make(chan struct{})
	go a.run()
}

//go:wasmexport trawl_analyze_chunk
func analyzeChunk(ptr, size uint32) uint32 {
	a := current
	if a == nil {
		return fail(errors.New("analyze_chunk without analyze_begin"))
	}
	if size == 0 {
		return statusOK
	}
	if a.small {
		if len(a.buf)+int(size) <= cap(a.buf) {
			a.buf = append(a.buf, view(ptr, size)...)
			return statusOK
		}
		// Larger than announced (the buffer holds the announced size): stream from here
		// on, the gathered part first.
		a.stream()
	}
	select {
	case a.in <- view(ptr, size):
	case <-a.finished:
		return statusEnough
	}
	select {
	case <-a.consumed:
		return statusOK
	case <-a.finished:
		return statusEnough
	}
}

//go:wasmexport trawl_analyze_end
func analyzeEnd() uint32 {
	a := current
	if a == nil {
		return fail(errors.New("analyze_end without analyze_begin"))
	}
	current = nil
	if a.small {
		a.analyzeGathered()
	} else {
		close(a.in)
		<-a.finished
	}
	res := a.result
	if res == nil {
		res = &sdk.AnalysisResult{}
	}
	if len(a.req.Analyzers) == 1 {
		for i := range res.Packages {
			if res.Packages[i].Analyzer == "" {
				res.Packages[i].Analyzer = a.req.Analyzers[0]
			}
		}
	}
	if a.err != nil {
		res.Errors = append(res.Errors, sdk.FileError{
			Analyzer: strings.Join(a.req.Analyzers, ","),
			Path:     a.req.Path,
			Message:  a.err.Error(),
		})
	}
	return emitJSON(res)
}

// ---- secrets: the host hands over the candidate matches of one file's scan. ----

//go:wasmexport trawl_confirm_secrets
func confirmSecrets(ptr, size uint32) (status uint32) {
	if confirmer == nil {
		return fail(errors.New("module registers no secret confirmer"))
	}
	var req sdk.SecretConfirmRequest
	if err := json.Unmarshal(view(ptr, size), &req); err != nil {
		return fail(fmt.Errorf("secret confirm request: %w", err))
	}
	defer func() {
		// The panic value may hold a secret: it is not repeated.
		if recover() != nil {
			status = fail(errors.New("secret confirmer panicked"))
		}
	}()
	res, err := confirmer.ConfirmSecrets(req)
	if err != nil {
		return fail(err)
	}
	if len(res.Verdicts) != len(req.Candidates) {
		return fail(fmt.Errorf("secret confirmer gave %d verdicts for %d candidates", len(res.Verdicts), len(req.Candidates)))
	}
	return emitJSON(res)
}

// ---- formatters: the report streams in as begin, chunk..., end; output goes to the host. ----

var (
	formatReq  *sdk.FormatRequest
	formatBody bytes.Buffer
)

//go:wasmexport trawl_format_begin
func formatBegin(ptr, size uint32) uint32 {
	if formatter == nil {
		return fail(errors.New("module registers no formatter"))
	}
	req := &sdk.FormatRequest{}
	if err := json.Unmarshal(view(ptr, size), req); err != nil {
		return fail(fmt.Errorf("format request: %w", err))
	}
	formatReq = req
	formatBody.Reset()
	return statusOK
}

//go:wasmexport trawl_format_chunk
func formatChunk(ptr, size uint32) uint32 {
	if formatReq == nil {
		return fail(errors.New("format_chunk without format_begin"))
	}
	formatBody.Write(view(ptr, size))
	return statusOK
}

//go:wasmexport trawl_format_end
func formatEnd() (status uint32) {
	req := formatReq
	if req == nil {
		return fail(errors.New("format_end without format_begin"))
	}
	formatReq = nil
	defer func() {
		if r := recover(); r != nil {
			status = fail(fmt.Errorf("formatter panicked: %v", r))
		}
	}()
	if rf, ok := formatter.(RawFormatter); ok {
		w := &outputWriter{}
		done, err := rf.FormatRaw(*req, formatBody.Bytes(), w)
		if done || err != nil {
			formatBody.Reset()
			switch {
			case err == nil:
				return statusOK
			case w.err != nil:
				return statusError
			}
			return fail(err)
		}
	}
	var report sdk.Report
	// Not json.Unmarshal: its scanner is slow in wasm (seconds for a large report);
	// reportjson decodes the same, several times faster.
	err := reportjson.Decode(formatBody.Bytes(), &report)
	formatBody.Reset()
	if err != nil {
		return fail(fmt.Errorf("report: %w", err))
	}
	w := &outputWriter{}
	if err := formatter.Format(*req, &report, w); err != nil {
		if w.err != nil {
			return statusError
		}
		return fail(err)
	}
	return statusOK
}
