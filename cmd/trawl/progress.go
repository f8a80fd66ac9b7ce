package main

import (
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/trawlscan/trawl/sdk"
)

// progress draws one status line on a terminal: layers done, compressed bytes read (pulled,
// for a registry). It is used only
// when stderr is a terminal, so logs and pipes never see carriage returns.
type progress struct {
	mu       sync.Mutex
	w        io.Writer
	total    int
	done     int
	active   map[int]string
	pulls    map[int]int64
	size     map[int]int64
	last     time.Time
	finished bool
}

func newProgress(w io.Writer) *progress {
	return &progress{w: w, active: map[int]string{}, pulls: map[int]int64{}, size: map[int]int64{}}
}

func (p *progress) LayerStart(index, total int, info sdk.Layer) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.total = total
	name := shortDigest(info.DiffID)
	if name == "" {
		name = "files"
	}
	p.active[index] = name
	p.drawLocked(true)
}

func (p *progress) LayerDone(index int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.active, index)
	p.done++
	p.drawLocked(true)
}

// pulled is the source's hook for compressed bytes read from a registry.
func (p *progress) pulled(index int, read, total int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.pulls[index] = read
	p.size[index] = total
	p.drawLocked(false)
}

func (p *progress) drawLocked(force bool) {
	if p.finished || (!force && time.Since(p.last) < 100*time.Millisecond) {
		return
	}
	p.last = time.Now()
	var read, size int64
	for i, n := range p.pulls {
		read += n
		size += p.size[i]
	}
	line := fmt.Sprintf("scanning: %d/%d layers", p.done, p.total)
	if size > 0 {
		line += fmt.Sprintf(", %s of %s read", mib(read), mib(size))
	}
	fmt.Fprintf(p.w, "\r\033[K%s", line)
}

func (p *progress) finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.finished {
		p.finished = true
		fmt.Fprint(p.w, "\r\033[K")
	}
}

func mib(n int64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }
