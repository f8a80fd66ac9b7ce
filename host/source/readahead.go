package source

import (
	"errors"
	"fmt"
	"io"
	"sync"
)

// aheadSize is how far decompression may run ahead of the consumer. Decompression is the floor
// of a cold scan (see DESIGN.md), so it runs on its own goroutine while the consumer parses tar
// headers and analyses file content; 1 MiB absorbs the consumer's pauses on one file.
const aheadSize = 1 << 20

// batch is how much data an idle consumer, or room an idle producer, waits for before it is
// woken: waking a goroutine for every few kilobytes costs more than the overlap gains. A
// producer about to read its source wakes the consumer for any smaller remainder (see flush),
// so that a stalled stream does not hold back what already arrived.
const batch = 128 << 10

var ringPool = sync.Pool{New: func() any { b := make([]byte, aheadSize); return &b }}

// errStopped ends the producer when the consumer has gone.
var errStopped = errors.New("read-ahead stopped")

// readahead runs a producer on its own goroutine and hands what it writes to Read through a
// ring buffer of fixed size, so memory stays bounded whatever the stream. Bytes are readable as
// soon as they are written: a stream that stalls delays the consumer only once it has read all
// that arrived. One producer, one consumer; each copies outside the lock, into or out of the
// part of the ring the other does not touch.
type readahead struct {
	mu       sync.Mutex
	notEmpty sync.Cond
	notFull  sync.Cond
	ring     *[]byte
	r, n     int   // read position and bytes buffered
	total    int64 // bytes written by the producer
	max      int64 // cap on total, <= 0 for none
	err      error // the producer's error, once finished
	finished bool  // the producer returned
	stopped  bool  // the consumer has gone
	exited   chan struct{}
}

func newReadahead(maxBytes int64) *readahead {
	ra := &readahead{ring: ringPool.Get().(*[]byte), max: maxBytes, exited: make(chan struct{})}
	ra.notEmpty.L = &ra.mu
	ra.notFull.L = &ra.mu
	return ra
}

// start runs produce on its own goroutine, writing into ra.
func (ra *readahead) start(produce func(io.Writer) error) {
	go func() {
		defer close(ra.exited)
		err := produce(producer{ra})
		ra.mu.Lock()
		ra.finished, ra.err = true, err
		ra.notEmpty.Signal()
		ra.mu.Unlock()
	}()
}

// producer is the writing side of a readahead.
type producer struct{ ra *readahead }

func (w producer) Write(p []byte) (int, error) {
	ra := w.ra
	ring := *ra.ring
	written := 0
	ra.mu.Lock()
	defer ra.mu.Unlock()
	if ra.max > 0 && ra.total+int64(len(p)) > ra.max {
		return 0, fmt.Errorf("%w (%d bytes)", ErrLayerTooLarge, ra.max)
	}
	for len(p) > 0 {
		for len(ring)-ra.n < min(batch, len(p)) && !ra.stopped {
			ra.notFull.Wait()
		}
		if ra.stopped {
			return written, errStopped
		}
		// The free region starting at the write position, up to the ring's end.
		wpos := (ra.r + ra.n) % len(ring)
		end := len(ring)
		if wpos < ra.r {
			end = ra.r
		}
		ra.mu.Unlock()
		c := copy(ring[wpos:end], p)
		ra.mu.Lock()
		p = p[c:]
		written += c
		ra.n += c
		ra.total += int64(c)
		if ra.n >= batch {
			ra.notEmpty.Signal()
		}
	}
	return written, nil
}

// flush lets the consumer take what is buffered, however little: the producer calls it
// before reading its source, which may block.
func (ra *readahead) flush() {
	ra.mu.Lock()
	if ra.n > 0 {
		ra.notEmpty.Signal()
	}
	ra.mu.Unlock()
}

// flushingReader calls flush before each read of the source it wraps, once ra is set.
type flushingReader struct {
	ra *readahead
	r  io.Reader
}

func (f *flushingReader) Read(p []byte) (int, error) {
	if f.ra != nil {
		f.ra.flush()
	}
	return f.r.Read(p)
}

// Read implements io.Reader for the consumer. The producer's error comes after its bytes.
func (ra *readahead) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	ring := *ra.ring
	ra.mu.Lock()
	defer ra.mu.Unlock()
	// Wait only when empty; the producer wakes us once a batch is in, it may block, or
	// it is done.
	for ra.n == 0 && !ra.finished {
		ra.notEmpty.Wait()
	}
	if ra.n == 0 {
		if ra.err != nil {
			return 0, ra.err
		}
		return 0, io.EOF
	}
	r := ra.r // only Read moves it
	end := min(r+ra.n, len(ring))
	ra.mu.Unlock()
	c := copy(p, ring[r:end])
	ra.mu.Lock()
	ra.r = (r + c) % len(ring)
	ra.n -= c
	if len(ring)-ra.n >= batch {
		ra.notFull.Signal()
	}
	return c, nil
}

// stop ends the producer, waits for it and returns how many bytes it produced. The source it
// reads must not block forever: the caller closes it first when the walk ends early.
func (ra *readahead) stop() int64 {
	ra.mu.Lock()
	ra.stopped = true
	ra.notFull.Broadcast()
	ra.mu.Unlock()
	<-ra.exited
	if ra.ring != nil {
		ringPool.Put(ra.ring)
		ra.ring = nil
	}
	return ra.total
}
