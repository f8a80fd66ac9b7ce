package walk

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"sort"

	"github.com/trawlscan/trawl/host/binsection"
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

// SecretScanner scans files for secrets while they stream past, for the secrets analyzers'
// rules (host/scan implements it over the native engine of host/secrets). It keeps what it
// finds itself, by layer and path, so that it may finish the work after the walker has
// moved on.
type SecretScanner interface {
	// Stream begins scanning one regular file of the layer with the given index; nil when
	// the file is not to be scanned.
	Stream(layer int, path string, size int64) SecretStream
}

// SecretStream is one file's secret scan.
type SecretStream interface {
	// Wants is false once the scan needs no more of the file (binary, past the size limit).
	Wants() bool
	Write(chunk []byte)
	// End says the file is complete (or could not be read to its end).
	End(ctx context.Context)
}

// SecretBuffer is a SecretStream that keeps the file whole in a buffer of its own: the
// walker reads the file straight into it, rather than into its chunk buffer and then
// Write copying it there (a copy of every byte of every text file, 2 to 3% of a secret
// scan). What it reads is handed to the file's plugins as ever.
type SecretBuffer interface {
	SecretStream
	// Room returns the free end of the buffer, at most n bytes; empty when the stream
	// wants no more of the file or its buffer is full (the walker then reads into its own
	// buffer and calls Write).
	Room(n int) []byte
	// Filled says that the walker read the next n bytes of the file into Room's slice.
	Filled(n int)
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
	// Regular holds the path of every regular file of the layer, when secrets are scanned:
	// a later layer's version of a file decides whether the secrets of an earlier one are
	// still visible.
	Regular map[string]bool
}

// Walker dispatches the entries of layers to analyzers. Build one per scan.
type Walker struct {
	matcher   *Matcher
	analyzers []Analyzer
	chunkSize int
	secrets   SecretScanner
}

// New returns a Walker over the given analyzers; matcher must have been built from their
// manifests in the same order.
func New(matcher *Matcher, analyzers []Analyzer, chunkSize int) *Walker {
	return &Walker{matcher: matcher, analyzers: analyzers, chunkSize: chunkSize}
}

// ScanSecrets makes the walker hand every regular file to s as well. Call it before the
// first Layer.
func (w *Walker) ScanSecrets(s SecretScanner) { w.secrets = s }

// Layer walks one layer once. A failing plugin is recorded in the result and the walk goes
// on; only an unreadable layer (or a cancelled ctx) returns an error.
func (w *Walker) Layer(ctx context.Context, index int, layer source.Layer) (*LayerResult, error) {
	res := &LayerResult{Index: index, Info: layer.Info(), Files: map[string]*Found{}}
	sc := &scratch{buf: make([]byte, w.chunkSize), batches: map[int]*batch{}}
	defer sc.spool.Close()
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
		wants := w.matcher.Match(e.Path, e.Size, e.Mode)
		var ss SecretStream
		if e.Kind == source.Regular && w.secrets != nil {
			if res.Regular == nil {
				res.Regular = map[string]bool{}
			}
			res.Regular[e.Path] = true
			ss = w.secrets.Stream(index, e.Path, e.Size)
		}
		if len(wants) == 0 && ss == nil {
			if e.Kind != source.Regular && w.matcher.Selects(e.Path) {
				res.Files[e.Path] = &Found{Path: e.Path, Kind: e.Kind}
			}
			return nil
		}
		if len(wants) == 0 {
			// Only the secret scan wants the file: nothing to file under its path.
			w.file(ctx, e, nil, sc, ss)
			ss.End(ctx)
			return ctx.Err()
		}
		found := &Found{Path: e.Path, Kind: e.Kind}
		res.Files[e.Path] = found
		if e.Kind != source.Regular {
			return nil
		}
		res.Dispatched++
		found.Results = w.file(ctx, e, wants, sc, ss)
		if ss != nil {
			ss.End(ctx)
		}
		for _, b := range sc.full {
			w.sendBatch(ctx, b, res)
		}
		sc.full = sc.full[:0]
		return ctx.Err()
	})
	if err != nil {
		return res, err
	}
	plugins := make([]int, 0, len(sc.batches))
	for p := range sc.batches {
		plugins = append(plugins, p)
	}
	sort.Ints(plugins)
	for _, p := range plugins {
		w.sendBatch(ctx, sc.batches[p], res)
	}
	return res, ctx.Err()
}

// scratch is the memory a walk reuses from file to file, and what it holds back.
type scratch struct {
	buf   []byte // one chunk
	spool spool  // the file, for Wants of a section
	// batches are the files held back for each plugin's batch selectors; full are batches
	// that reached a bound and are to be sent at once.
	batches map[int]*batch
	full    []*batch
}

// file streams one regular file into every plugin that wants it. A Want that seeks bytes
// begins its session only where they first occur, and none if they never do; a Want of a
// section begins once the whole file is kept, if the file has the section.
func (w *Walker) file(ctx context.Context, e *source.Entry, wants []Want, sc *scratch, ss SecretStream) []FileResult {
	var sessions []*stream
	var results []FileResult
	buf, sp := sc.buf, &sc.spool
	spooling := false
	for _, want := range wants {
		if !w.analyzers[want.Plugin].Usable() {
			continue
		}
		st := &stream{want: want, req: sdk.FileRequest{Path: e.Path, Size: e.Size, Mode: uint32(e.Mode), Analyzers: want.Analyzers}}
		if want.Batch {
			st.held = make([]byte, 0, e.Size)
			sessions = append(sessions, st)
			continue
		}
		if want.Section != "" && w.analyzers[want.Plugin].Usable() {
			st.spool = sp
			if !spooling {
				spooling = true
				sp.reset(e.Size)
				defer sp.Close()
			}
		}
		if want.Seek == nil && want.Section == "" {
			if err := st.begin(ctx, w.analyzers[want.Plugin]); err != nil {
				results = append(results, FileResult{Plugin: want.Plugin, Err: err})
				continue
			}
		}
		sessions = append(sessions, st)
	}
	if len(sessions) == 0 && ss == nil {
		return results
	}
	var readErr error
	var pos int64 // bytes of the file before buf
	sb, _ := ss.(SecretBuffer)
	for {
		wanted := false
		for _, st := range sessions {
			if st.err == nil && (st.spool == nil || !sp.rejected) && (st.session == nil || st.session.Wants()) || st.held != nil {
				wanted = true
			}
		}
		if ss != nil && ss.Wants() {
			wanted = true
		}
		if !wanted {
			break
		}
		chunk, direct := buf, false
		if sb != nil {
			if room := sb.Room(len(buf)); len(room) > 0 {
				chunk, direct = room, true
			}
		}
		n, err := fill(e.Body, chunk)
		chunk = chunk[:n]
		switch {
		case direct:
			sb.Filled(n)
		case n > 0 && ss != nil:
			ss.Write(chunk)
		}
		if n > 0 {
			var spoolErr error
			if spooling && !sp.rejected {
				// The first chunk holds the magic number, unless the file is shorter.
				if pos == 0 && binsection.Detect(chunk) == "" {
					sp.rejected = true
				} else if err := sp.Write(chunk); err != nil {
					spoolErr = fmt.Errorf("keeping %s to read its sections: %w", e.Path, err)
				}
			}
			for _, st := range sessions {
				switch {
				case st.err != nil:
				case st.spool != nil && st.session == nil:
					st.err = spoolErr
				case st.held != nil:
					st.held = append(st.held, chunk...)
				default:
					st.write(ctx, w.analyzers[st.want.Plugin], pos, chunk)
				}
			}
			pos += int64(n)
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			readErr = fmt.Errorf("reading %s: %w", e.Path, err)
			break
		}
	}
	for _, st := range sessions {
		if st.held != nil {
			if readErr != nil {
				results = append(results, FileResult{Plugin: st.want.Plugin, Err: readErr})
			} else {
				sc.hold(st.want, e, st.held)
			}
			continue
		}
		if st.spool != nil && st.err == nil && !sp.rejected && readErr == nil {
			st.section(ctx, w.analyzers[st.want.Plugin], e.Size, buf)
		}
		switch {
		case st.err != nil:
			results = append(results, FileResult{Plugin: st.want.Plugin, Err: st.err})
		case st.session == nil:
			// The bytes sought or the section are not in the file: it is not the plugin's.
		case readErr != nil:
			st.session.Abort()
			results = append(results, FileResult{Plugin: st.want.Plugin, Err: readErr})
		default:
			r, err := st.session.End(ctx)
			results = append(results, FileResult{Plugin: st.want.Plugin, Result: r, Err: err})
		}
	}
	return results
}

// stream is one file on its way into one plugin: a session, or, for a Want that seeks,
// the search for the bytes that begin it.
type stream struct {
	want    Want
	req     sdk.FileRequest
	session Session // nil until begun
	err     error
	// carry holds the last len(Seek)-1 bytes searched, so that bytes sought that straddle
	// two chunks are found.
	carry []byte
	// spool keeps the file for a Want of a section (shared by all such Wants).
	spool *spool
	// held keeps the file for a Want of a batch.
	held []byte
}

func (st *stream) begin(ctx context.Context, a Analyzer) error {
	s, err := a.BeginFile(ctx, st.req)
	if err != nil {
		return err
	}
	st.session = s
	return nil
}

// write hands the plugin a chunk that starts at byte pos of the file, or searches it.
func (st *stream) write(ctx context.Context, a Analyzer, pos int64, chunk []byte) {
	if st.session != nil {
		st.err = st.session.Write(ctx, chunk)
		return
	}

	seek := st.want.Seek
	// Bytes sought that begin in carry end within the first len(seek)-1 bytes of chunk.
	edge := append(st.carry, chunk[:min(len(chunk), len(seek)-1)]...)
	var head, rest []byte // what to send: head (from carry), then rest (of chunk)
	if j := bytes.Index(edge, seek); j >= 0 && j < len(st.carry) {
		head, rest = st.carry[j:], chunk
		st.req.Offset = pos - int64(len(st.carry)) + int64(j)
	} else if k := bytes.Index(chunk, seek); k >= 0 {
		rest = chunk[k:]
		st.req.Offset = pos + int64(k)
	} else {
		// Keep the last len(seek)-1 bytes searched: of the chunk, or, of a chunk shorter
		// than that, of the carry and the whole chunk (then edge).
		tail := edge
		if len(chunk) >= len(seek)-1 {
			tail = chunk[len(chunk)-(len(seek)-1):]
		}
		keep := min(len(seek)-1, len(tail))
		st.carry = append(st.carry[:0], tail[len(tail)-keep:]...)
		return
	}
	if st.err = st.begin(ctx, a); st.err != nil {
		return
	}
	if len(head) > 0 {
		// The carry is at most MaxSeek-1 bytes: sent with the chunk, not on its own.
		rest = append(append([]byte(nil), head...), rest...)
	}
	st.err = st.session.Write(ctx, rest)
	st.carry = nil
}

// section finds the wanted section in the spooled file and streams it to the plugin. A file
// without it is not the plugin's; a damaged one is the plugin's error, as a damaged file of
// any other kind would be.
func (st *stream) section(ctx context.Context, a Analyzer, size int64, buf []byte) {
	if st.spool.size != size {
		return // shorter than the magic number
	}
	sec, ok, err := binsection.Find(st.spool.ReaderAt(), size, st.want.Section)
	if errors.Is(err, binsection.ErrNotObject) || err == nil && !ok {
		return
	}
	if err != nil {
		st.err = fmt.Errorf("%s: %w", st.req.Path, err)
		return
	}
	st.req.Section, st.req.Offset, st.req.Length = st.want.Section, sec.Offset, sec.Size
	if st.err = st.begin(ctx, a); st.err != nil {
		return
	}
	r := io.NewSectionReader(st.spool.ReaderAt(), sec.Offset, sec.Size)
	for st.session.Wants() {
		n, err := fill(r, buf)
		if n > 0 {
			if st.err = st.session.Write(ctx, buf[:n]); st.err != nil {
				st.session.Abort()
				return
			}
		}
		if err == io.EOF {
			return
		}
		if err != nil {
			st.session.Abort()
			st.err = fmt.Errorf("reading section %s of %s: %w", st.want.Section, st.req.Path, err)
			return
		}
	}
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
