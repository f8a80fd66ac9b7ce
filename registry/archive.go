package registry

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"path"
	"sort"
	"strings"

	"github.com/trawlscan/trawl/host/fetch"
	"github.com/trawlscan/trawl/registry/sign"
)

var (
	wasmMagic = []byte{0x00, 'a', 's', 'm'}
	gzipMagic = []byte{0x1f, 0x8b}
)

// unpack returns the module (and its signature, if the archive holds one) of data: a
// module as it is, or a .tar.gz holding exactly one *.wasm and at most one *.sig. Other
// files (README, LICENSE) are skipped. What is decompressed is bounded by max, so a
// gzip bomb stops early.
func unpack(data []byte, max int64) (wasm, sig []byte, err error) {
	switch {
	case bytes.HasPrefix(data, wasmMagic):
		return data, nil, nil
	case !bytes.HasPrefix(data, gzipMagic):
		return nil, nil, fmt.Errorf("%w: neither a WebAssembly module nor a .tar.gz archive", ErrNotPlugin)
	}
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, nil, fmt.Errorf("%w: archive: %v", ErrNotPlugin, err)
	}
	budget := &limitedReader{r: zr, n: 2 * max}
	tr := tar.NewReader(budget)
	var wasmNames, sigNames []string
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			if budget.n <= 0 {
				return nil, nil, fmt.Errorf("archive: %w", tooLarge(max))
			}
			return nil, nil, fmt.Errorf("%w: archive: %v", ErrNotPlugin, err)
		}
		if h.Typeflag != tar.TypeReg {
			continue
		}
		base := path.Base(h.Name)
		switch {
		case strings.HasSuffix(base, ".wasm"):
			wasmNames = append(wasmNames, h.Name)
			if h.Size > max {
				return nil, nil, fmt.Errorf("archive: %s: %w", h.Name, tooLarge(max))
			}
			if wasm, err = io.ReadAll(tr); err != nil {
				return nil, nil, fmt.Errorf("archive: %s: %w", h.Name, err)
			}
		case strings.HasSuffix(base, ".sig"):
			sigNames = append(sigNames, h.Name)
			if h.Size > sign.MaxSize {
				return nil, nil, fmt.Errorf("archive: %s: signature of %d bytes, more than %d", h.Name, h.Size, sign.MaxSize)
			}
			if sig, err = io.ReadAll(tr); err != nil {
				return nil, nil, fmt.Errorf("archive: %s: %w", h.Name, err)
			}
		}
	}
	sort.Strings(wasmNames)
	switch {
	case len(wasmNames) != 1:
		return nil, nil, fmt.Errorf("%w: the archive holds %d .wasm files (%s), want exactly one", ErrNotPlugin, len(wasmNames), strings.Join(wasmNames, ", "))
	case len(sigNames) > 1:
		return nil, nil, fmt.Errorf("%w: the archive holds %d .sig files (%s), want at most one", ErrNotPlugin, len(sigNames), strings.Join(sigNames, ", "))
	}
	return wasm, sig, nil
}

// limitedReader is io.LimitedReader that says when the limit, rather than the data, ended
// the stream.
type limitedReader struct {
	r io.Reader
	n int64
}

func (l *limitedReader) Read(p []byte) (int, error) {
	if l.n <= 0 {
		return 0, errors.New("archive exceeds its size bound")
	}
	if int64(len(p)) > l.n {
		p = p[:l.n]
	}
	n, err := l.r.Read(p)
	l.n -= int64(n)
	return n, err
}

func tooLarge(max int64) error {
	return fmt.Errorf("%w: more than %d bytes (WithMaxSize)", fetch.ErrTooLarge, max)
}
