package registry

import (
	"context"
	"fmt"
	"time"

	"github.com/trawlscan/trawl/host/wasm"
	"github.com/trawlscan/trawl/sdk"
)

// Limits are what a plugin asks for and what the host grants it.
type Limits struct {
	// Requested is the manifest's limits (zero: the host default).
	Requested sdk.Limits
	// MemoryMiB and Timeout are what each instance and call run under: the request,
	// capped by the host, or the host's default. They come from host/wasm, which caps them
	// at run time; nothing here keeps a copy of its caps.
	MemoryMiB int
	Timeout   time.Duration
}

// Capped reports whether the host grants less than the plugin asks for.
func (l Limits) Capped() bool {
	return l.Requested.MemoryMiB > l.MemoryMiB ||
		time.Duration(l.Requested.TimeoutMS)*time.Millisecond > l.Timeout
}

// Describe says what applies and why, one line per limit:
// "memory 1024 MiB (asks for 4096 MiB; capped at 1024 MiB)".
func (l Limits) Describe() []string {
	mem := fmt.Sprintf("memory %d MiB", l.MemoryMiB)
	switch r := l.Requested.MemoryMiB; {
	case r == 0:
		mem += " (host default)"
	case r > l.MemoryMiB:
		mem += fmt.Sprintf(" (asks for %d MiB; capped at %d MiB)", r, l.MemoryMiB)
	default:
		mem += " (as asked)"
	}
	to := fmt.Sprintf("timeout %s per call", l.Timeout)
	switch r := time.Duration(l.Requested.TimeoutMS) * time.Millisecond; {
	case r == 0:
		to += " (host default)"
	case r > l.Timeout:
		to += fmt.Sprintf(" (asks for %s; capped at %s)", r, l.Timeout)
	default:
		to += " (as asked)"
	}
	out := []string{mem, to}
	if n := l.Requested.OutputBytes; n > 0 {
		out = append(out, fmt.Sprintf("output asks for %d bytes per call (the host caps it at run time)", n))
	}
	return out
}

// prepare loads a module into the host to learn its effective limits and, unless
// WithCompile(false), compiles it: into the host's compilation cache, so that the first
// scan finds it compiled, and as a last check, since compiling checks the exports the
// plugin's kind requires.
func (c *config) prepare(ctx context.Context, wasmBytes []byte, origin string, compile bool) (Limits, time.Duration, error) {
	h := c.host
	if h == nil {
		var err error
		if h, err = wasm.NewHost(); err != nil {
			return Limits{}, 0, err
		}
		defer h.Close(ctx)
	}
	p, err := h.Load(wasmBytes, origin)
	if err != nil {
		return Limits{}, 0, err
	}
	defer p.Close(ctx)
	lim := Limits{Requested: p.Manifest.Limits, MemoryMiB: p.MemoryLimitMiB(), Timeout: p.CallTimeout()}
	if !compile || c.noCompile {
		return lim, 0, nil
	}
	took, err := p.Compile(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return lim, 0, context.Cause(ctx)
		}
		return lim, 0, fmt.Errorf("%w: it does not compile: %v", ErrNotPlugin, err)
	}
	return lim, took, nil
}
