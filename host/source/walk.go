package source

import (
	"archive/tar"
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path"
	"strings"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

// ErrLayerTooLarge is returned (wrapped) by Walk when a layer's uncompressed stream goes past
// the WithMaxLayerBytes cap.
var ErrLayerTooLarge = errors.New("uncompressed layer exceeds the size limit")

// errBodyExpired is what an Entry's Body returns when read after fn returned.
var errBodyExpired = errors.New("source: entry body read after the walk callback returned")

// zstdMaxWindow bounds the memory a zstd decoder may take for its window. zstd's own default
// allows 512 MiB per stream; layers are made with levels whose windows are at most 8 MiB, or
// 128 MiB with --long=27, so 256 MiB leaves room and stops a hostile frame from asking for more.
const zstdMaxWindow = 256 << 20

// Whiteout markers, as in the OCI image spec (and AUFS before it).
const (
	whiteoutPrefix = ".wh."
	whiteoutMeta   = ".wh..wh."
	opaqueMarker   = ".wh..wh..opq"
)

// WalkStats counts what the last walk of a layer saw. Layers made by this package report them
// through a Stats method (see ImageLayer.Stats and DirLayer.Stats).
type WalkStats struct {
	// Entries is the number of entries handed to fn.
	Entries int
	// Escaping counts entries skipped because their name, or a hard link's target, escapes
	// the layer root ("../../etc/passwd").
	Escaping int
	// Invalid counts entries skipped because they mean nothing to a scan or are malformed:
	// AUFS metadata (".wh..wh.plnk"), whiteouts without a name, hard links to the root.
	Invalid int
	// Unreadable counts files of a directory that could not be opened and were skipped.
	Unreadable int
	// Bytes is the size of the uncompressed tar stream read (0 for a directory).
	Bytes int64
	// Compression is how the layer was stored: "gzip", "zstd" or "none" ("" for a directory).
	Compression string
}

// stream describes one layer stream to walk.
type stream struct {
	// name identifies the layer in errors and logs (its DiffID, or a digest or a path).
	name     string
	maxBytes int64 // <= 0: no cap
	logger   *slog.Logger
	// closeSrc unblocks a producer stuck reading the source (a network read) when the walk
	// ends early. It must be idempotent. May be nil.
	closeSrc func()
	// serial decompresses on the consumer's goroutine; only benchmarks set it, to measure
	// what the read-ahead buys.
	serial bool
}

func (s *stream) errorf(format string, args ...any) error {
	return fmt.Errorf("layer %s: "+format, append([]any{s.name}, args...)...)
}

// walkTar walks the tar stream in r, compressed with gzip or zstd or not at all (sniffed from
// the first bytes, whatever the media type claims). r is read once, to its end: the bytes after
// the tar end-of-archive marker are drained so that the digest and checksum checks of the
// readers below see the whole blob.
func walkTar(ctx context.Context, r io.Reader, s stream, stats *WalkStats, fn func(*Entry) error) (err error) {
	if s.logger == nil {
		s.logger = slog.New(slog.DiscardHandler)
	}
	fr := &flushingReader{r: r}
	br := bufio.NewReaderSize(fr, 64<<10)
	compression, err := sniff(br)
	if err != nil {
		return s.errorf("%w", err)
	}
	stats.Compression = compression

	var src io.Reader
	if s.serial {
		cr := &countingReader{max: s.maxBytes}
		defer func() { stats.Bytes = cr.n }()
		dr, closeDec, err := decompressReader(compression, br)
		if err != nil {
			return s.errorf("%s: %w", compression, err)
		}
		defer closeDec()
		cr.r = dr
		src = cr
	} else {
		ra := newReadahead(s.maxBytes)
		fr.ra = ra
		ra.start(func(w io.Writer) error { return decompress(compression, br, w) })
		defer func() {
			// Closing the source unblocks a producer stuck in a read when the walk ends
			// early; after a complete walk the source is spent anyway.
			if s.closeSrc != nil {
				s.closeSrc()
			}
			stats.Bytes = ra.stop()
		}()
		src = ra
	}

	// A cancelled ctx usually shows up as a read error from a closed source; say what
	// really happened. fn's own errors go back untouched.
	fnFailed := false
	defer func() {
		if err != nil && !fnFailed && ctx.Err() != nil && !errors.Is(err, ctx.Err()) {
			err = s.errorf("%w", ctx.Err())
		}
	}()

	tr := tar.NewReader(src)
	body := &entryBody{}
	skipLogs := 0
	for {
		if err := ctx.Err(); err != nil {
			return s.errorf("%w", err)
		}
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return s.errorf("reading tar: %w", err)
		}
		e, skip := entryFromHeader(hdr)
		switch skip {
		case skipNone:
		case skipRoot:
			continue
		case skipEscaping, skipInvalid:
			if skip == skipEscaping {
				stats.Escaping++
			} else {
				stats.Invalid++
			}
			// A hostile layer may hold millions of these; say so a few times only.
			if skipLogs < 10 {
				skipLogs++
				s.logger.Warn("skipping tar entry", "layer", s.name, "name", hdr.Name,
					"linkname", hdr.Linkname, "reason", skip.String())
			}
			continue
		}
		if e.Kind == Regular {
			body.r = tr
			e.Body = body
		}
		stats.Entries++
		err = fn(e)
		bodyErr := body.err
		body.r, body.err = nil, nil
		if err != nil {
			if bodyErr != nil && errors.Is(err, bodyErr) {
				// The stream broke under fn: say which layer and file.
				return s.errorf("reading %s: %w", e.Path, err)
			}
			fnFailed = true
			return err
		}
	}
	if _, err := io.Copy(io.Discard, src); err != nil {
		return s.errorf("after the tar end: %w", err)
	}
	return nil
}

// sniff tells the compression of the stream from its magic bytes.
func sniff(br *bufio.Reader) (string, error) {
	magic, err := br.Peek(6)
	if err != nil && err != io.EOF {
		return "", err
	}
	switch {
	case bytes.HasPrefix(magic, []byte{0x1f, 0x8b}):
		return "gzip", nil
	case bytes.HasPrefix(magic, []byte{0x28, 0xb5, 0x2f, 0xfd}):
		return "zstd", nil
	case bytes.HasPrefix(magic, []byte("BZh")):
		return "", errors.New("bzip2-compressed layers are not supported")
	case bytes.HasPrefix(magic, []byte{0xfd, '7', 'z', 'X', 'Z', 0}):
		return "", errors.New("xz-compressed layers are not supported")
	}
	return "none", nil
}

func newZstd(r io.Reader) (*zstd.Decoder, error) {
	// One decoder goroutine at most: the read-ahead already overlaps decompression with the
	// consumer, and several layers may be walked at once on a 2-core machine.
	return zstd.NewReader(r,
		zstd.WithDecoderConcurrency(1),
		zstd.WithDecoderLowmem(true),
		zstd.WithDecoderMaxMemory(zstdMaxWindow),
		zstd.WithDecoderMaxWindow(zstdMaxWindow),
	)
}

// decompress writes the decompressed stream of br to w. WriteTo is the fastest path through
// klauspost/compress: it hands out its window without an extra copy.
func decompress(compression string, br *bufio.Reader, w io.Writer) error {
	switch compression {
	case "gzip":
		zr, err := gzip.NewReader(br)
		if err == nil {
			_, err = zr.WriteTo(w)
		}
		if err != nil && !strings.HasPrefix(err.Error(), "gzip: ") {
			err = fmt.Errorf("gzip: %w", err)
		}
		return err
	case "zstd":
		d, err := newZstd(br)
		if err != nil {
			return fmt.Errorf("zstd: %w", err)
		}
		defer d.Close()
		if _, err := d.WriteTo(w); err != nil {
			return fmt.Errorf("zstd: %w", err)
		}
		return nil
	}
	_, err := br.WriteTo(w)
	return err
}

// decompressReader is decompress for the serial path.
func decompressReader(compression string, br *bufio.Reader) (io.Reader, func(), error) {
	switch compression {
	case "gzip":
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, nil, err
		}
		return zr, func() {}, nil
	case "zstd":
		d, err := newZstd(br)
		if err != nil {
			return nil, nil, err
		}
		return d, d.Close, nil
	}
	return br, func() {}, nil
}

// countingReader counts bytes and enforces the layer size cap on the serial path.
type countingReader struct {
	r   io.Reader
	n   int64
	max int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	if c.max > 0 && c.n > c.max {
		return n, fmt.Errorf("%w (%d bytes)", ErrLayerTooLarge, c.max)
	}
	return n, err
}

// entryBody is the Body of a Regular entry. It goes dead when fn returns, so that a consumer
// that keeps it reads an error rather than bytes of some later entry. It remembers a read
// error, so that the walk can tell a broken stream from fn's own errors.
type entryBody struct {
	r   io.Reader
	err error
}

func (b *entryBody) Read(p []byte) (int, error) {
	if b.r == nil {
		return 0, errBodyExpired
	}
	n, err := b.r.Read(p)
	if err != nil && err != io.EOF {
		b.err = err
	}
	return n, err
}

type skipReason uint8

const (
	skipNone skipReason = iota
	skipRoot
	skipEscaping
	skipInvalid
)

func (r skipReason) String() string {
	switch r {
	case skipEscaping:
		return "name escapes the layer root"
	case skipInvalid:
		return "malformed or metadata entry"
	}
	return ""
}

// cleanName turns a tar member name into a layer-relative path: slash-separated, without a
// leading "/" or "./" and without "." or ".." elements. ok is false when the name escapes the
// root; such a name is never rewritten into something else. "" is the root itself.
//
// Leading slashes go before cleaning, so "/../etc/passwd" escapes too (path.Clean alone would
// quietly turn it into "/etc/passwd").
func cleanName(name string) (p string, ok bool) {
	p = path.Clean(strings.TrimLeft(name, "/"))
	switch {
	case p == ".":
		return "", true
	case p == "..", strings.HasPrefix(p, "../"):
		return "", false
	}
	return p, true
}

// isSparse tells a GNU sparse file: old GNU format, or any of the PAX formats (which keep
// the regular type flag and say so in GNU.sparse.* records).
func isSparse(hdr *tar.Header) bool {
	if hdr.Typeflag == tar.TypeGNUSparse {
		return true
	}
	for k := range hdr.PAXRecords {
		if strings.HasPrefix(k, "GNU.sparse.") {
			return true
		}
	}
	return false
}

// entryFromHeader maps a tar header onto an Entry, or says why it is skipped.
func entryFromHeader(hdr *tar.Header) (*Entry, skipReason) {
	p, ok := cleanName(hdr.Name)
	if !ok {
		return nil, skipEscaping
	}
	if p == "" {
		return nil, skipRoot
	}
	e := &Entry{Path: p, Mode: hdr.FileInfo().Mode()}

	if base := path.Base(p); strings.HasPrefix(base, whiteoutPrefix) {
		dir := path.Dir(p)
		if dir == "." {
			dir = ""
		}
		switch {
		case base == opaqueMarker:
			e.Kind, e.Path = Opaque, dir
		case strings.HasPrefix(base, whiteoutMeta):
			// Other AUFS metadata (.wh..wh.plnk, .wh..wh.aufs): not files of the image.
			return nil, skipInvalid
		default:
			target := base[len(whiteoutPrefix):]
			if target == "" || target == "." || target == ".." {
				return nil, skipInvalid
			}
			e.Kind, e.Path = Whiteout, path.Join(dir, target)
		}
		return e, skipNone
	}

	switch {
	case isSparse(hdr):
		// archive/tar expands the holes of a sparse file into zeros, up to a logical size
		// the header alone sets: a few bytes could make fn read exabytes. No image build
		// writes sparse files, so they go without content.
		e.Kind = Other
		return e, skipNone
	}
	switch hdr.Typeflag {
	// '\x00' is the old-style regular file (tar.TypeRegA); archive/tar already maps it to
	// TypeReg or TypeDir, but says so only in its source. Contiguous files are regular ones.
	case tar.TypeReg, '\x00', tar.TypeCont:
		e.Kind, e.Size = Regular, hdr.Size
	case tar.TypeDir:
		e.Kind = Dir
	case tar.TypeSymlink:
		// The target is kept as written: absolute and "../" targets are normal for symlinks,
		// and resolving them is the reader's business, inside the image root.
		e.Kind, e.Linkname = Symlink, hdr.Linkname
	case tar.TypeLink:
		l, ok := cleanName(hdr.Linkname)
		if !ok {
			return nil, skipEscaping
		}
		if l == "" {
			return nil, skipInvalid
		}
		e.Kind, e.Linkname = Hardlink, l
	default:
		e.Kind = Other
	}
	return e, skipNone
}
