package native

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/trawlscan/trawl/host/plugin/scrub"
)

// tailSize is how much of the plugin's stderr is kept to explain a crash.
const tailSize = 4096

// output takes what a plugin process writes: go-plugin's log and the plugin's stdout and
// stderr go to the host's log at debug level, and the last bytes of its stderr are kept to
// explain a crash. While secret confirmations run, every line is scrubbed of their
// candidates.
type output struct {
	log    *slog.Logger
	plugin string

	mu    sync.Mutex
	tail  []byte
	next  int
	scrub map[int][]string
}

func newOutput(log *slog.Logger, plugin string) *output {
	return &output{log: log, plugin: plugin, scrub: map[int][]string{}}
}

// scrubLinger is how long secrets stay scrubbed after their call: the plugin's stdout and
// stderr reach the host through go-plugin's stdio stream, after what it wrote them during.
const scrubLinger = 5 * time.Second

// scrubbing scrubs the secrets from all output until scrubLinger after the returned
// function is called.
func (o *output) scrubbing(secrets []string) func() {
	o.mu.Lock()
	defer o.mu.Unlock()
	id := o.next
	o.next++
	o.scrub[id] = secrets
	return func() {
		time.AfterFunc(scrubLinger, func() {
			o.mu.Lock()
			defer o.mu.Unlock()
			delete(o.scrub, id)
		})
	}
}

func (o *output) clean(s string) string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.cleanLocked(s)
}

func (o *output) cleanLocked(s string) string {
	for _, secrets := range o.scrub {
		s = scrub.String(s, secrets)
	}
	return s
}

// Write keeps the tail of the plugin's stderr (go-plugin logs the lines itself).
func (o *output) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.tail = append(o.tail, o.cleanLocked(string(p))...)
	if len(o.tail) > tailSize {
		o.tail = append(o.tail[:0], o.tail[len(o.tail)-tailSize:]...)
	}
	return len(p), nil
}

// said returns " (plugin said: ...)" with the line of the plugin's stderr that best
// explains a crash (a Go panic's first line, or the last line), or "".
func (o *output) said() string {
	o.mu.Lock()
	tail := string(o.tail)
	o.mu.Unlock()
	lines := strings.Split(strings.TrimRight(tail, "\n"), "\n")
	best := ""
	for i := len(lines) - 1; i >= 0; i-- {
		l := strings.TrimSpace(lines[i])
		if best == "" && l != "" {
			best = l
		}
		if strings.HasPrefix(l, "panic: ") || strings.HasPrefix(l, "fatal error: ") {
			best = l
			break
		}
	}
	if best == "" {
		return ""
	}
	return " (plugin said: " + truncate(best, 300) + ")"
}

// lines returns a writer that logs each line written to it, scrubbed, at debug level;
// keep says whether the lines also explain a crash.
func (o *output) lines(stream string, keep bool) *lineWriter {
	return &lineWriter{o: o, stream: stream, keep: keep}
}

type lineWriter struct {
	o       *output
	stream  string
	keep    bool
	mu      sync.Mutex
	partial []byte
}

func (w *lineWriter) Write(p []byte) (int, error) {
	if w.keep {
		w.o.Write(p)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.partial = append(w.partial, p...)
	for {
		i := bytes.IndexByte(w.partial, '\n')
		if i < 0 {
			break
		}
		line := strings.TrimRight(string(w.partial[:i]), "\r")
		w.partial = w.partial[i+1:]
		if line != "" {
			w.o.log.Debug("native plugin "+w.stream, "plugin", w.o.plugin, "line", w.o.clean(line))
		}
	}
	if len(w.partial) > 64<<10 {
		w.o.log.Debug("native plugin "+w.stream, "plugin", w.o.plugin, "line", w.o.clean(string(w.partial)))
		w.partial = w.partial[:0]
	}
	return len(p), nil
}

// hcLogger adapts the host's slog to go-plugin's hclog: its lines go to the log at debug
// level, and not at all when the log drops debug.
func (o *output) hcLogger() hclog.Logger {
	level := hclog.Debug
	if !o.log.Enabled(context.Background(), slog.LevelDebug) {
		level = hclog.Off
	}
	return hclog.New(&hclog.LoggerOptions{
		Name:        "go-plugin",
		Level:       level,
		Output:      o.lines("log", false),
		DisableTime: true,
		Color:       hclog.ColorOff,
	})
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
