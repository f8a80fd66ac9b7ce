// Package secrets is the host's native secret-detection engine. Rules are data
// (sdk.SecretRule); the engine runs them over file contents as streams: a case-insensitive
// keyword prefilter (prefilter.go) finds the keyword occurrences, then, for the rules
// whose keywords occur, the RE2 regex runs anchored at those occurrences where every
// match provably starts at one (anchored.go: most rules), else over the regions around
// them where that provably finds every match (regions.go), else over the whole window;
// candidates then pass the rule's secret group, entropy, allow regexes, stopwords and
// inline `trawl:allow` comments. Findings carry the raw secret: callers redact (Redact)
// before anything leaves the host's memory.
package secrets

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"math/bits"
	"regexp"
	"regexp/syntax"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"unicode/utf8"

	"github.com/trawlscan/trawl/sdk"
)

// Scanning parameters.
const (
	// DefaultWindow is the size of the buffer a file is scanned through: the memory one Scan
	// holds, whatever the file's size.
	DefaultWindow = 1 << 20
	// DefaultOverlap is the longest match the engine guarantees to find whole. Consecutive
	// windows share 2*overlap bytes: overlap of context before the bytes a window owns, and
	// overlap after them, so that a match starting in a window's owned range is complete in
	// that window. A longer match (which no rule should produce: multi-line rules bound
	// their repetitions) may be cut at a window's end.
	DefaultOverlap = 16 << 10
	// SniffSize is how much of a file's start is examined for NUL bytes: a file with one
	// there is binary and not scanned.
	SniffSize = 8 << 10
	// MaxFindings bounds the findings of one file; more are dropped. It also bounds the
	// matches of one rule examined per window, so that memory stays bounded on hostile
	// input.
	MaxFindings = 10000
	// AllowMarker on a line drops the findings on that line.
	AllowMarker = "trawl:allow"
)

// ErrTruncated is returned, with the findings of the part scanned, when a file is longer
// than the maxSize given to Scan.
var ErrTruncated = errors.New("file larger than the scan limit: only its start was scanned")

// Finding is one secret found in a file.
type Finding struct {
	RuleID string
	// Line and Column (1-based; the column counts bytes) are where the match starts;
	// EndLine is the line of its last byte.
	Line, Column, EndLine int
	// Secret is the raw secret (the rule's secret group): redact it before reporting.
	Secret string
	// Match is the whole match, raw too.
	Match string
}

// Engine is a compiled rule set. It is safe for concurrent use.
type Engine struct {
	rules []rule
	pf    *prefilter
	// window and overlap are DefaultWindow and DefaultOverlap; tests shrink them. window
	// must exceed 2*overlap.
	window, overlap int
	// whole: every regex runs over whole windows (tests: the reference region and
	// anchored scanning are checked against).
	whole bool
	// scratch holds *scratch: a window and the region lists.
	scratch sync.Pool
	// all is the rule lists of a file no rule's path allowlist skips (most files): they
	// are then shared instead of built per file.
	all     ruleLists
	allOnce sync.Once
	// paths are the distinct regexes of the rules' path allowlists. Rules share them (the
	// built-in ones have one, in seven rules): each is matched once per file.
	paths []*regexp.Regexp
}

// ruleLists are the rules that run on a file, and how.
type ruleLists struct {
	active []int
	// regional and anchored are the active rules scanned by regions and by anchored
	// matching; mode tells them by rule index.
	regional, anchored []int32
	mode               []uint8
}

// Rule modes: how a rule's regex runs in a window without spoilers (regions.go).
const (
	modeWhole = iota
	modeRegional
	modeAnchored
)

// scratch is the memory one Stream borrows from its engine.
type scratch struct {
	buf   []byte
	hit   []bool // per rule: a keyword of it occurs in the window
	open  []span // per rule: the region being extended (b == 0: none)
	regs  []span // the closed regions, each rule's in order
	count []int  // per rule: matches seen in the window, for the MaxFindings cap
	// Anchored rules (anchored.go): per rule, the pending candidate starts, sorted, and
	// the end of the last match.
	pend    [][]int32
	lastEnd []int
}

// span is the region [a, b) of a window where rule's regex runs.
type span struct{ rule, a, b int32 }

// maxDeferred bounds the candidates of an anchored rule that wait, untried, for one of its
// keywords to occur in the window.
const maxDeferred = 1024

// maxRegions bounds the regions of one window (the memory they take); past it, the window
// is scanned whole.
const maxRegions = 1 << 15

type rule struct {
	id      string
	re      *lazyRegexp
	group   int
	entropy float64
	allow   []*regexp.Regexp
	// paths are the rule's path allowlist, as indexes of Engine.paths.
	paths     []int
	stopwords []string // lower-cased
	// regional: the regex runs only over [start-lo, end+hi) around each keyword hit
	// [start, end) (see regions.go).
	regional bool
	lo, hi   int
	// anchor, when set, runs the regex anchored at the keyword hits' starts instead
	// (anchored.go): it takes precedence over regions.
	anchor *anchoring
}

// Compile validates the rules (sdk.SecretRule.Validate, and unique ids) and compiles them.
// Rules compile in parallel, one goroutine per CPU: a scan waits for them before its
// first file, and hundreds of regexes and their analyses take a good part of its start-up.
// The error returned is the first rule's in order, as a sequential compile would find.
func Compile(rules []sdk.SecretRule) (*Engine, error) {
	e := &Engine{window: DefaultWindow, overlap: DefaultOverlap}
	compiled := make([]rule, len(rules))
	anchors := make([][]string, len(rules))
	errs := make([]error, len(rules))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(rules)) {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < len(rules); i = int(next.Add(1) - 1) {
				compiled[i], anchors[i], errs[i] = compileRule(&rules[i])
			}
		})
	}
	wg.Wait()
	seen := make(map[string]bool, len(rules))
	keywords := make([][]string, len(rules))
	for i := range rules {
		if errs[i] != nil {
			return nil, errs[i]
		}
		if seen[rules[i].ID] {
			return nil, fmt.Errorf("secret rule %s: duplicate id", rules[i].ID)
		}
		seen[rules[i].ID] = true
		keywords[i] = rules[i].Keywords
	}
	byExpr := map[string]int{}
	for i := range rules {
		for _, expr := range rules[i].Allow.Paths {
			k, ok := byExpr[expr]
			if !ok {
				re, err := regexp.Compile(expr)
				if err != nil {
					return nil, fmt.Errorf("secret rule %s: allow path: %w", rules[i].ID, err)
				}
				k = len(e.paths)
				byExpr[expr] = k
				e.paths = append(e.paths, re)
			}
			if !slices.Contains(compiled[i].paths, k) {
				compiled[i].paths = append(compiled[i].paths, k)
			}
		}
	}
	e.rules = compiled
	e.pf = newPrefilter(keywords, anchors)
	return e, nil
}

// compileRule validates and compiles one rule; anchors are the extra prefilter strings
// of its anchored form (anchored.go).
func compileRule(r *sdk.SecretRule) (cr rule, anchors []string, err error) {
	if err := r.Validate(); err != nil {
		return rule{}, nil, err
	}
	// Validate parsed the regex as this does, so it parses, and so compiles (lazyRegexp).
	re, err := syntax.Parse(r.Regex, syntax.Perl)
	if err != nil {
		return rule{}, nil, fmt.Errorf("secret rule %s: regex: %w", r.ID, err)
	}
	cr = rule{id: r.ID, re: newLazyRegexp(r.Regex), group: r.SecretGroup, entropy: r.Entropy}
	if rc := analyzeRegex(re, r.Keywords); rc.ok {
		// One byte of context beyond the reach of a match on each side.
		cr.regional, cr.lo, cr.hi = true, rc.before+1, rc.after+1
	}
	// Anchor strings are likelier to be frequent than keywords, and run even where no
	// keyword occurs: regions, when proven, are kept over anchoring that needs them.
	if an := newAnchoring(r.Regex, re, r.Keywords); an != nil && (len(an.anchors) == 0 || !cr.regional) {
		cr.anchor, anchors = an, an.anchors
	}
	for _, a := range r.Allow.Regexes {
		re, err := regexp.Compile(a)
		if err != nil {
			return rule{}, nil, fmt.Errorf("secret rule %s: allow regex: %w", r.ID, err)
		}
		cr.allow = append(cr.allow, re)
	}
	for _, s := range r.Allow.Stopwords {
		cr.stopwords = append(cr.stopwords, strings.ToLower(s))
	}
	return cr, anchors, nil
}

// Scan reads a file from r and returns its findings, ordered by position then rule order.
// path is the file's path in the scanned tree, for the rules' path allowlists. Only the
// first maxSize bytes are scanned (maxSize <= 0: no limit); when the file is longer, Scan
// returns the findings of that part and ErrTruncated. A file with a NUL byte in its first
// SniffSize bytes is binary: no findings. Memory is bounded by the window size.
//
// Where regexes run: the prefilter runs over each window and finds the rules with a
// keyword in it; the others do not run there. A rule whose matches provably start at one
// of its keywords (most rules: anchored.go) runs anchored at its keyword hits; one whose
// matches provably contain one and reach a bounded distance around it (regions.go) runs
// over the regions around its hits; both give the same findings as over the whole window,
// and on keyword-dense source text that is most of the speed. The other rules run over
// the whole window.
func (e *Engine) Scan(path string, r io.Reader, maxSize int64) ([]Finding, error) {
	s := e.NewStream(path, maxSize)
	// Reading straight into the window spares a copy and a per-file buffer.
	for s.Wants() {
		p := s.sc.buf[s.end:]
		if maxSize > 0 && int64(len(p)) > maxSize-s.total {
			p = p[:maxSize-s.total]
		}
		if len(p) == 0 {
			break // maxSize taken: whether more follows is checked below
		}
		n, err := r.Read(p)
		s.took(n)
		if err == io.EOF {
			break
		}
		if err != nil {
			s.Close()
			return nil, err
		}
	}
	if s.truncated || maxSize <= 0 || s.binary {
		return s.Close()
	}
	// Exactly maxSize bytes were taken: the file is longer only if more follows.
	if s.total == maxSize {
		var one [1]byte
		if n, _ := io.ReadFull(r, one[:]); n > 0 {
			s.truncated = true
		}
	}
	return s.Close()
}

// ScanBytes is Scan of a file held in memory, with the same findings. A file smaller
// than a window is scanned where it lies, without being copied into one.
func (e *Engine) ScanBytes(path string, data []byte, maxSize int64) ([]Finding, error) {
	s := e.NewStream(path, maxSize)
	if !s.Wants() {
		return s.Close()
	}
	n := len(data)
	if maxSize > 0 && int64(n) > maxSize {
		n = int(maxSize)
	}
	if n >= e.window {
		// Scan cuts such a file into windows: so does the stream, which also notes the
		// truncation.
		s.Write(data)
		return s.Close()
	}
	s.truncated = n < len(data)
	data = data[:n]
	s.total = int64(n)
	s.sniffed = true
	s.binary = bytes.IndexByte(data[:min(len(data), SniffSize)], 0) >= 0
	if !s.binary && len(data) > 0 {
		s.st.window(data, 0, len(data))
	}
	return s.Close()
}

// Stream scans one file whose content is pushed to it in chunks of any size, so that the
// host's walker can hand it the chunks it reads for the analyzers. It keeps one window of
// memory (from the engine's pool) until Close.
type Stream struct {
	st      scanState
	sc      *scratch
	end     int   // bytes in the window
	first   bool  // the window is the file's first
	sniffed bool  // the file's start was checked for NUL bytes
	binary  bool  // it has one: nothing more is scanned
	maxSize int64 // <= 0: no limit
	total   int64 // bytes taken
	// truncated is set when bytes past maxSize were written.
	truncated bool
	closed    bool
}

// NewStream starts scanning a file at path (for the rules' path allowlists), of which only
// the first maxSize bytes are scanned (<= 0: no limit).
func (e *Engine) NewStream(path string, maxSize int64) *Stream {
	s := &Stream{st: scanState{e: e, lastNL: -1, line: 1}, first: true, maxSize: maxSize}
	var skip []bool
	for k, re := range e.paths {
		if !re.MatchString(path) {
			continue
		}
		for i := range e.rules {
			if slices.Contains(e.rules[i].paths, k) {
				if skip == nil {
					skip = make([]bool, len(e.rules))
				}
				skip[i] = true
			}
		}
	}
	if skip == nil {
		e.allOnce.Do(func() { e.all = e.lists(nil) })
		s.st.ruleLists = e.all
	} else {
		s.st.ruleLists = e.lists(skip)
	}
	if len(s.st.active) == 0 {
		s.closed = true
		return s
	}
	sc, _ := e.scratch.Get().(*scratch)
	if sc == nil || len(sc.buf) != e.window {
		n := len(e.rules)
		sc = &scratch{buf: make([]byte, e.window), hit: make([]bool, n), open: make([]span, n), count: make([]int, n),
			pend: make([][]int32, n), lastEnd: make([]int, n)}
	}
	s.sc, s.st.sc = sc, sc
	s.st.hit = sc.hit
	return s
}

// lists sorts out the rules not skipped (skip nil: none is) by how they run.
func (e *Engine) lists(skip []bool) ruleLists {
	l := ruleLists{mode: make([]uint8, len(e.rules))}
	for i := range e.rules {
		if skip != nil && skip[i] {
			continue
		}
		l.active = append(l.active, i)
		switch r := &e.rules[i]; {
		case e.whole:
		case r.anchor != nil:
			l.mode[i] = modeAnchored
			l.anchored = append(l.anchored, int32(i))
		case r.regional:
			l.mode[i] = modeRegional
			l.regional = append(l.regional, int32(i))
		}
	}
	return l
}

// Wants reports whether the stream still takes bytes: not once the file turned out binary,
// passed maxSize, or no rule applies to its path.
func (s *Stream) Wants() bool { return !s.closed && !s.binary && !s.truncated }

// Binary reports whether the file turned out binary (and so was not scanned).
func (s *Stream) Binary() bool { return s.binary }

// Write scans p, in windows as they fill; bytes it does not want are ignored.
func (s *Stream) Write(p []byte) {
	if !s.Wants() {
		return
	}
	if s.maxSize > 0 && s.total+int64(len(p)) > s.maxSize {
		p = p[:s.maxSize-s.total]
		s.truncated = true
	}
	for len(p) > 0 {
		n := copy(s.sc.buf[s.end:], p)
		p = p[n:]
		if !s.took(n) {
			return
		}
	}
}

// took accounts for n bytes just put at the window's end, scanning the window once full.
// It returns false when the file turns out binary.
func (s *Stream) took(n int) bool {
	s.end += n
	s.total += int64(n)
	if !s.sniffed && s.end >= SniffSize {
		if s.sniff(); s.binary {
			return false
		}
	}
	if s.end == len(s.sc.buf) {
		if s.window(false); s.binary {
			return false
		}
	}
	return true
}

func (s *Stream) sniff() {
	s.sniffed = true
	s.binary = bytes.IndexByte(s.sc.buf[:min(s.end, SniffSize)], 0) >= 0
}

// window scans the full window (eof: the last one, whatever its fill) and, unless eof,
// carries its last 2*overlap bytes into the next: overlap of context, then the unowned
// tail.
func (s *Stream) window(eof bool) {
	buf, ov := s.sc.buf[:s.end], s.st.e.overlap
	if !s.sniffed {
		// A window smaller than SniffSize (tests shrink it): its first fill is the start.
		s.sniff()
		if s.binary {
			return
		}
	}
	ownFrom, ownTo := 0, s.end
	if !s.first {
		ownFrom = ov
	}
	if !eof {
		ownTo = s.end - ov
	}
	s.st.window(buf, ownFrom, ownTo)
	if eof {
		return
	}
	next := s.end - 2*ov
	s.st.advance(buf, next)
	copy(buf, buf[next:s.end])
	s.st.start += int64(next)
	s.end = 2 * ov
	s.first = false
}

// Close scans what is left and returns the file's findings, ordered by position then rule
// order, and ErrTruncated with them when bytes past maxSize were written.
func (s *Stream) Close() ([]Finding, error) {
	if s.closed {
		return s.st.found, nil
	}
	s.closed = true
	defer s.st.e.scratch.Put(s.sc)
	if s.end > 0 && !s.binary {
		s.window(true)
	}
	if s.binary {
		return nil, nil
	}
	if s.truncated {
		return s.st.found, ErrTruncated
	}
	return s.st.found, nil
}

// scanState is one Scan's progress. Line counting moves forward only: pos is the absolute
// offset up to which newlines were counted, line the line number there, lastNL the
// absolute offset of the last newline before pos (-1: none).
type scanState struct {
	e  *Engine
	sc *scratch
	ruleLists
	hit    []bool
	found  []Finding
	start  int64 // absolute offset of buf[0]
	pos    int64
	line   int
	lastNL int64
	cands  []candidate
}

type candidate struct {
	rule       int
	start, end int
	secret     []byte
}

// advance counts the newlines of buf up to index i (absolute start+i).
func (st *scanState) advance(buf []byte, i int) {
	from := int(st.pos - st.start)
	if from >= i {
		return
	}
	seg := buf[from:i]
	if k := bytes.Count(seg, nl); k > 0 {
		st.line += k
		st.lastNL = st.start + int64(from+bytes.LastIndexByte(seg, '\n'))
	}
	st.pos = st.start + int64(i)
}

var nl = []byte{'\n'}

// window scans one window, keeping the matches that start in [ownFrom, ownTo).
func (st *scanState) window(buf []byte, ownFrom, ownTo int) {
	if ownFrom >= ownTo || len(st.found) >= MaxFindings {
		return
	}
	e := st.e
	for i := range st.hit {
		st.hit[i] = true
	}
	for _, i := range st.active {
		st.hit[i] = false
	}
	st.cands = st.cands[:0]
	var marked int
	// Without a spoiler, the regional and anchored rules run their way; the regional ones
	// go back to the whole window when their regions are too many.
	fast := len(st.regional)+len(st.anchored) > 0 && !hasSpoiler(buf)
	regions := false
	if fast {
		marked, regions = st.collect(buf, ownFrom, ownTo)
	} else {
		marked = e.pf.scan(buf, st.hit, len(st.active))
	}
	if marked == 0 {
		return
	}
	if fast && len(st.anchored) > 0 {
		// An anchored rule ran at its anchors' hits even where none of its keywords
		// occurs: it does not apply there.
		st.cands = slices.DeleteFunc(st.cands, func(c candidate) bool { return !st.hit[c.rule] })
	}
	for _, ri := range st.active {
		if !st.hit[ri] || fast && st.mode[ri] == modeAnchored || regions && st.mode[ri] == modeRegional {
			continue
		}
		for _, loc := range e.rules[ri].re.get().FindAllSubmatchIndex(buf, MaxFindings) {
			st.keep(buf, ri, 0, loc, ownFrom, ownTo)
		}
	}
	if regions {
		count := st.sc.count
		for _, sp := range st.sc.regs {
			// The whole window's FindAll stops after MaxFindings matches of a rule: so do
			// its regions together, which meet the same matches in the same order.
			left := MaxFindings - count[sp.rule]
			if left <= 0 {
				continue
			}
			locs := e.rules[sp.rule].re.get().FindAllSubmatchIndex(buf[sp.a:sp.b], left)
			count[sp.rule] += len(locs)
			for _, loc := range locs {
				st.keep(buf, int(sp.rule), int(sp.a), loc, ownFrom, ownTo)
			}
		}
	}
	slices.SortFunc(st.cands, func(a, b candidate) int {
		if a.start != b.start {
			return a.start - b.start
		}
		return a.rule - b.rule
	})
	for _, c := range st.cands {
		if len(st.found) >= MaxFindings {
			break
		}
		st.advance(buf, c.start)
		m := buf[c.start:c.end]
		st.found = append(st.found, Finding{
			RuleID:  e.rules[c.rule].id,
			Line:    st.line,
			Column:  int(st.start + int64(c.start) - st.lastNL),
			EndLine: st.line + bytes.Count(m[:len(m)-1], nl),
			Secret:  string(c.secret),
			Match:   string(m),
		})
	}
}

// keep adds to the candidates the match loc of rule ri, found at offset off of buf, if it
// starts in [ownFrom, ownTo) and passes the rule's filters.
func (st *scanState) keep(buf []byte, ri, off int, loc []int, ownFrom, ownTo int) {
	r := &st.e.rules[ri]
	s, end := loc[0]+off, loc[1]+off
	if s < ownFrom || s >= ownTo || end == s {
		return
	}
	gs, ge := loc[2*r.group], loc[2*r.group+1]
	if gs < 0 || ge == gs {
		return
	}
	secret := buf[gs+off : ge+off]
	if !r.keep(secret) || allowedInline(buf, s, end) {
		return
	}
	st.cands = append(st.cands, candidate{rule: ri, start: s, end: end, secret: secret})
}

// collect runs the prefilter over buf, marking in hit the rules with a keyword there. It
// builds the regions of the regional rules, merged, in sc.regs, and runs the anchored
// rules at their candidate starts as the hits come. It returns how many rules it marked,
// and false when the regions are too many to keep (the regional rules then run over the
// whole window).
func (st *scanState) collect(buf []byte, ownFrom, ownTo int) (marked int, ok bool) {
	sc, rules, hit, mode := st.sc, st.e.rules, st.hit, st.mode
	sc.regs = sc.regs[:0]
	for _, r := range st.regional {
		sc.open[r].b = 0
	}
	clear(sc.count)
	for _, r := range st.anchored {
		sc.pend[r] = sc.pend[r][:0]
		sc.lastEnd[r] = 0
	}
	ok = true
	n := len(buf)
	st.e.pf.each(buf, func(start int, rs []int32, kws []kwHit) bool {
		for _, r := range rs {
			if !hit[r] {
				hit[r] = true
				marked++
			}
		}
		for _, k := range kws {
			switch mode[k.rule] {
			case modeAnchored:
				st.propose(buf, k, start, ownTo)
				// Later hits start at start or past it: their candidates are at least
				// start-reach. Until a keyword of the rule occurs, its candidates (from
				// its anchors) wait: a window without one drops them untried, and most
				// windows with a URL hold no webhook's keyword. Past maxDeferred of them,
				// memory wins, and they are tried anyway, in the same order.
				if hit[k.rule] || len(sc.pend[k.rule]) > maxDeferred {
					st.settle(buf, k.rule, start-rules[k.rule].anchor.reach, ownFrom, ownTo)
				}
			case modeRegional:
				if !ok || k.anchor {
					continue
				}
				cr := &rules[k.rule]
				a := runeStart(buf, max(start-cr.lo, 0))
				b := min(start+int(k.len)+cr.hi, n)
				o := &sc.open[k.rule]
				if o.b > 0 && a <= int(o.b) {
					// Region starts grow with the hits' starts (runeStart too), so
					// merging with the last one merges all that overlap.
					o.b = int32(max(int(o.b), b))
					continue
				}
				if o.b > 0 {
					if len(sc.regs) == maxRegions {
						ok = false
						continue
					}
					sc.regs = append(sc.regs, *o)
				}
				*o = span{rule: k.rule, a: int32(a), b: int32(b)}
			}
		}
		return true
	})
	for _, r := range st.anchored {
		if hit[r] {
			st.settle(buf, r, n, ownFrom, ownTo)
		}
	}
	if !ok {
		return marked, false
	}
	for _, r := range st.regional {
		if sc.open[r].b > 0 {
			sc.regs = append(sc.regs, sc.open[r])
		}
	}
	return marked, true
}

// runeStart moves i back to a rune start of the window's UTF-8 decoding: the lead or
// ASCII byte of the sequence holding buf[i], or i itself when buf[i] is a continuation byte
// preceded by three more (no valid sequence covers it: it decodes alone).
func runeStart(buf []byte, i int) int {
	for k := 0; k < utf8.UTFMax && k <= i; k++ {
		if buf[i-k]&0xC0 != 0x80 {
			return i - k
		}
	}
	return i
}

// hasSpoiler reports whether buf holds a rune that (?i) matches as an ASCII letter but
// the prefilter does not (regions.go).
func hasSpoiler(buf []byte) bool {
	for _, s := range spoilers {
		if bytes.Contains(buf, s) {
			return true
		}
	}
	return false
}

// keep applies the entropy gate, the stopwords and the allow regexes to a secret.
func (r *rule) keep(secret []byte) bool {
	if r.entropy > 0 && entropyBelow(secret, r.entropy) {
		return false
	}
	if len(r.stopwords) > 0 {
		// Lower-cased as strings.ToLower would, into a buffer on the stack when it fits.
		var small [128]byte
		low, ascii := small[:0], len(secret) <= len(small)
		for i := 0; ascii && i < len(secret); i++ {
			ascii = secret[i] < utf8.RuneSelf
			low = append(low, lower(secret[i]))
		}
		if !ascii {
			low = bytes.ToLower(secret)
		}
		for _, w := range r.stopwords {
			if bytes.Contains(low, []byte(w)) {
				return false
			}
		}
	}
	for _, a := range r.allow {
		if a.Match(secret) {
			return false
		}
	}
	return true
}

// allowedInline reports whether a line the match buf[s:end] spans contains AllowMarker.
// Lines are looked at within the window only.
func allowedInline(buf []byte, s, end int) bool {
	from := bytes.LastIndexByte(buf[:s], '\n') + 1
	tail := end
	if buf[end-1] == '\n' {
		tail = end - 1
	}
	to := len(buf)
	if i := bytes.IndexByte(buf[tail:], '\n'); i >= 0 {
		to = tail + i
	}
	return bytes.Contains(buf[from:to], []byte(AllowMarker))
}

// Entropy is the Shannon entropy of b in bits per byte (0 to 8).
func Entropy(b []byte) float64 {
	var h byteHistogram
	h.count(b)
	return h.entropy(len(b))
}

// entropyBelow reports whether Entropy(b) < threshold. A secret's entropy is at most the
// log of its number of distinct bytes, which rejects most near-miss values without a log
// per byte; the margin keeps the answer Entropy's wherever rounding could tell them apart.
func entropyBelow(b []byte, threshold float64) bool {
	var h byteHistogram
	distinct := h.count(b)
	if distinct > 0 && math.Log2(float64(distinct)) < threshold-1e-9 {
		return true
	}
	return h.entropy(len(b)) < threshold
}

// byteHistogram counts the bytes of a string, and which occur, as a bit set.
type byteHistogram struct {
	counts [256]uint32
	seen   [4]uint64
}

// count counts b's bytes and returns how many distinct ones it holds.
func (h *byteHistogram) count(b []byte) int {
	for _, c := range b {
		h.counts[c]++
		h.seen[c>>6] |= 1 << (c & 63)
	}
	return bits.OnesCount64(h.seen[0]) + bits.OnesCount64(h.seen[1]) + bits.OnesCount64(h.seen[2]) + bits.OnesCount64(h.seen[3])
}

// entropy sums over the bytes that occur in increasing order, as a loop over all 256
// would: the same sum, rounded the same way.
func (h *byteHistogram) entropy(n int) float64 {
	if n == 0 {
		return 0
	}
	e, fn := 0.0, float64(n)
	for w, set := range h.seen {
		for ; set != 0; set &= set - 1 {
			p := float64(h.counts[w<<6|bits.TrailingZeros64(set)]) / fn
			e -= p * math.Log2(p)
		}
	}
	return e
}

// Redact hides a secret for reporting: a secret of 16 characters or more keeps its first 4
// characters, a shorter one none (too little would be left to hide), and the rest becomes
// "*****" whatever its length, so the length does not leak either. Characters are runes.
func Redact(secret string) string {
	if utf8.RuneCountInString(secret) < 16 {
		return "*****"
	}
	i := 0
	for range 4 {
		_, size := utf8.DecodeRuneInString(secret[i:])
		i += size
	}
	return secret[:i] + "*****"
}

// CheckExamples runs a rule's examples through the engine: each of Examples.Match must
// give a finding, none of Examples.NoMatch may. Each example is scanned alone, as the file
// "example.txt".
func CheckExamples(r sdk.SecretRule) error {
	e, err := Compile([]sdk.SecretRule{r})
	if err != nil {
		return err
	}
	for _, x := range r.Examples.Match {
		f, err := e.Scan("example.txt", strings.NewReader(x), 0)
		if err != nil {
			return err
		}
		if len(f) == 0 {
			return fmt.Errorf("secret rule %s: example %q gives no finding", r.ID, x)
		}
	}
	for _, x := range r.Examples.NoMatch {
		f, err := e.Scan("example.txt", strings.NewReader(x), 0)
		if err != nil {
			return err
		}
		if len(f) > 0 {
			return fmt.Errorf("secret rule %s: no_match example %q gives a finding (%q)", r.ID, x, f[0].Secret)
		}
	}
	return nil
}
