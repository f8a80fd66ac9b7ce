package source

import (
	"errors"
	"fmt"
	"io"
	"sync"
)

// Read-ahead geometry: up to aheadChunks chunks of aheadChunk bytes are decompressed ahead of
// the consumer, 1 MiB in all. Decompression is the floor of a cold scan (see DESIGN.md), so it
// runs on its own goroutine while the consumer parses tar headers and analyses file content.
const (
	aheadChunk  = 256 << 10
	aheadChunks = 4
)

var chunkPool = sync.Pool{New: func() any { b := make([]byte, aheadChunk); return &b }}

// errStopped ends the producer when the consumer has gone.
var errStopped = errors.New("read-ahead stopped")

// readahead runs produce on its own goroutine and hands what it writes to Read, in chunks
// recycled through a fixed set of buffers, so memory stays bounded whatever the stream.
type readahead struct {
	full   chan *[]byte // filled chunks, in order; closed when the producer is done
	free   chan *[]byte // empty chunks for the producer
	done   chan struct{}
	exited chan struct{}

	// Set by the producer before it closes full.
	err   error
	total int64

	cur   []byte  // unread part of the chunk being read
	chunk *[]byte // chunk being read, to give back
	once  sync.Once
}

func startReadahead(produce func(io.Writer) error, maxBytes int64) *readahead {
	ra := &readahead{
		full:   make(chan *[]byte, aheadChunks),
		free:   make(chan *[]byte, aheadChunks),
		done:   make(chan struct{}),
		exited: make(chan struct{}),
	}
	for range aheadChunks {
		ra.free <- chunkPool.Get().(*[]byte)
	}
	go func() {
		defer close(ra.exited)
		w := &chunkWriter{ra: ra, max: maxBytes}
		err := produce(w)
		if err == nil {
			err = w.flush()
		}
		if w.chunk != nil {
			ra.free <- w.chunk // never blocks: the channel holds every chunk
		}
		ra.total = w.total
		ra.err = err
		close(ra.full)
	}()
	return ra
}

// Read implements io.Reader for the consumer.
func (ra *readahead) Read(p []byte) (int, error) {
	for len(ra.cur) == 0 {
		if ra.chunk != nil {
			ra.free <- ra.chunk
			ra.chunk = nil
		}
		c, ok := <-ra.full
		if !ok {
			if ra.err != nil {
				return 0, ra.err
			}
			return 0, io.EOF
		}
		ra.chunk, ra.cur = c, *c
	}
	n := copy(p, ra.cur)
	ra.cur = ra.cur[n:]
	return n, nil
}

// stop ends the producer, waits for it and returns how many bytes it produced. The source it
// reads must not block forever: the caller closes it first when the walk ends early.
func (ra *readahead) stop() int64 {
	ra.once.Do(func() {
		close(ra.done)
		<-ra.exited
		if ra.chunk != nil {
			chunkPool.Put(ra.chunk)
			ra.chunk = nil
		}
		for c := range ra.full {
			chunkPool.Put(c)
		}
		for {
			select {
			case c := <-ra.free:
				chunkPool.Put(c)
				continue
			default:
			}
			break
		}
	})
	return ra.total
}

// chunkWriter is the producer's side: it fills chunks and sends them on, and enforces the cap
// on the uncompressed size.
type chunkWriter struct {
	ra    *readahead
	chunk *[]byte
	n     int // bytes filled in chunk
	total int64
	max   int64
}

func (w *chunkWriter) Write(p []byte) (int, error) {
	if w.max > 0 && w.total+int64(len(p)) > w.max {
		return 0, fmt.Errorf("%w (%d bytes)", ErrLayerTooLarge, w.max)
	}
	written := 0
	for len(p) > 0 {
		if w.chunk == nil {
			select {
			case w.chunk = <-w.ra.free:
				w.n = 0
			case <-w.ra.done:
				return written, errStopped
			}
		}
		c := copy((*w.chunk)[w.n:aheadChunk], p)
		w.n += c
		p = p[c:]
		written += c
		w.total += int64(c)
		if w.n == aheadChunk {
			if err := w.flush(); err != nil {
				return written, err
			}
		}
	}
	return written, nil
}

// flush sends the current chunk, if any, to the consumer.
func (w *chunkWriter) flush() error {
	if w.chunk == nil || w.n == 0 {
		return nil
	}
	*w.chunk = (*w.chunk)[:w.n]
	select {
	case w.ra.full <- w.chunk:
		w.chunk = nil
		return nil
	case <-w.ra.done:
		return errStopped
	}
}
