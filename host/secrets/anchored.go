package secrets

import (
	"math/bits"
	"regexp/syntax"
	"slices"
	"strings"
	"unicode/utf8"
)

// Anchored matching. On source text the keywords of the generic rules ("token", "key",
// "secret", "auth") occur every few hundred bytes, so the regions of regions.go merge into
// most of the window and the regex, which Go runs without a DFA at tens of nanoseconds per
// byte, scans nearly everything. For most rules, though, Compile proves more: every match
// STARTS at a keyword occurrence, or a few fixed bytes before one ("<password>" before
// "password"). Then the only positions where a match can start are the hits' starts
// (minus those offsets), and the regex runs anchored there instead of searching.
//
// The proof (analyzeStart) uses the prefix sets of regions.go's analysis: every string the
// regex matches, lower-cased, begins with one of a set P of strings. If each string of P
// begins with an ASCII byte and holds, at some offset d, one of the rule's keywords (d the
// smallest such), every match starting at p has the prefilter report a keyword hit
// starting at p+d (as in regions.go, the non-ASCII runes that fold to ASCII letters are
// left to the window check: a window holding one is scanned whole). A string of P holding
// no keyword becomes an anchor: the prefilter reports it too, for this rule's candidates
// only (offset 0), and a rule with no keyword hit in a window drops its findings there.
// The candidate starts are thus {hit start - d}, over the hits and their offsets d, and
// buf[p] is ASCII there.
//
// Equivalence with FindAllSubmatchIndex over the window, match for match:
//
//   - FindAll searches from pos (0, then each match's end; no match is empty since each
//     holds a keyword) for the leftmost match, and among the matches starting there takes
//     the first in leftmost-first priority. Matches start only at candidates, so that
//     search's result is the first candidate p >= pos where some match starts, with the
//     highest-priority match at p: exactly what an anchored match at p returns, if it
//     sees the same text. Trying the candidates in increasing order, skipping those before
//     the previous match's end, thus yields FindAll's sequence; the MaxFindings cap counts
//     the same matches. Matches starting at or past the window's owned end are dropped
//     anyway and cannot change earlier ones, so candidates there are not tried.
//   - Same text on the left: the anchored regex is ^(?s:.)(?:RE) run on buf[p-1:lim]
//     (^(?:RE) on buf[:lim] when p is the window's start, an edge in both texts). buf[p]
//     is ASCII, so it starts a rune in any decoding, and the rune decoded at p-1 is one
//     byte: buf[p-1] itself if ASCII, else U+FFFD (a continuation byte, or a lead byte
//     cut short by the ASCII byte). RE starts at p, and its assertions there (\b, ^ and
//     (?m)^; BeginText is false in both since p > 0) see the same facts: \b is ASCII-only
//     and a non-ASCII rune is neither a word character nor a newline, whichever rune the
//     window decodes there.
//   - Same text on the right: when the analysis bounds a match's length by maxLen bytes
//     (counting every rune at the widest it can match), lim = p+maxLen+UTFMax (capped at
//     the window's end, an edge in both). Every match path, in either text, ends by
//     p+maxLen; every rune it decodes starts before that and so is decoded from the same
//     bytes in both (a rune is at most UTFMax bytes), as is the rune after its end, which
//     \b, $ and (?m)$ look at; $ is false in both unless lim is the window's end. The two
//     texts thus offer the same match paths at p, and leftmost-first picks the same one.
//     Unbounded rules run to the window's end: the anchored regex stops as soon as its
//     threads die, so that costs the match attempt, not the rest of the window.
//
// Hits come from the prefilter in the order of their starts, so a rule's candidates
// (starts minus offsets) come out of order by at most its largest offset (reach): each
// rule keeps its pending candidates sorted and tries one once no later hit can propose a
// smaller one. That keeps memory bounded by the rules' reaches, whatever the number of
// hits. Before the regex, a candidate must begin with a prefix string of its offset, and
// pass the rule's sieve (sieve.go), which rejects only starts where the regex cannot
// match: most hits in source text fail within a few bytes.

// Anchoring limits: a rule whose matches need more keeps regions.
const (
	// maxOffset bounds the offset of a keyword in a prefix string.
	maxOffset = 16
	// Anchor strings (the prefix strings holding no keyword) are cut to at most
	// maxAnchorLen bytes, shorter while that leaves more than fewAnchors of them, but
	// never below minAnchorLen; more than maxAnchors of them are given up.
	maxAnchorLen = 16
	minAnchorLen = 3
	fewAnchors   = 8
	maxAnchors   = 64
)

// start is what analyzeStart proves: when ok, every match starts either offsets[i] bytes
// before a keyword occurrence, the text there beginning with one of checks[i] (ASCII
// case-insensitively), or at an occurrence of one of anchors. maxLen bounds a match's
// length in bytes (unbounded: -1).
type start struct {
	ok      bool
	offsets []int
	checks  [][]string
	anchors []string
	maxLen  int
}

// analyzeStart returns the proof that a rule's matches start at its keywords, if any.
//
// A prefix string without a keyword (a rule whose keywords miss some of its regex's
// spellings, "dd_api-key" for keywords dd_api_key and dd-api-key) becomes an anchor: an
// extra string the prefilter reports for the rule's anchored matching only. The rule still
// runs in a window only when one of its keywords occurs there, as over the whole window.
func analyzeStart(re *syntax.Regexp, keywords []string) start {
	a := &analyzer{}
	for i, k := range keywords {
		if k == "" {
			return start{}
		}
		a.keywords = append(a.keywords, lowerString(k))
		if i == 0 || len(k) < a.shortest {
			a.shortest = len(k)
		}
	}
	in := a.walk(re)
	prefixes := in.prefix
	if in.known {
		prefixes = affixes(in.exact, true)
	}
	res := start{ok: true, maxLen: in.max}
	var anchors []string
	for _, s := range prefixes {
		if s == "" || s[0] >= utf8.RuneSelf {
			return start{}
		}
		d := a.firstKeyword(s)
		if d < 0 {
			anchors = append(anchors, s)
			continue
		}
		i := slices.Index(res.offsets, d)
		if i < 0 {
			i = len(res.offsets)
			res.offsets = append(res.offsets, d)
			res.checks = append(res.checks, nil)
		}
		res.checks[i] = addString(res.checks[i], s)
	}
	if len(anchors) > 0 {
		if res.anchors = cutAnchors(anchors); res.anchors == nil {
			return start{}
		}
	}
	return res
}

// cutAnchors shortens anchor strings (each match still begins with one): the longest cut
// that leaves at most fewAnchors of them, else the strings cut to maxAnchorLen. It returns
// nil when one is too short or they are too many.
func cutAnchors(set []string) []string {
	for _, s := range set {
		if len(s) < minAnchorLen {
			return nil
		}
	}
	var longest []string
	for n := maxAnchorLen; n >= minAnchorLen; n-- {
		var cut []string
		for _, s := range set {
			cut = addString(cut, s[:min(n, len(s))])
		}
		if len(cut) <= fewAnchors {
			return cut
		}
		if longest == nil {
			longest = cut
		}
	}
	if len(longest) > maxAnchors {
		return nil
	}
	return longest
}

// firstKeyword is the smallest offset (up to maxOffset) at which a keyword lies whole in
// s, or -1.
func (a *analyzer) firstKeyword(s string) int {
	for d := 0; d <= maxOffset && d < len(s); d++ {
		for _, k := range a.keywords {
			if strings.HasPrefix(s[d:], k) {
				return d
			}
		}
	}
	return -1
}

// anchoring is a rule's anchored form.
type anchoring struct {
	offsets []int
	checks  [][]string
	// anchors are extra prefilter strings of the rule, not keywords (hence not gating it).
	anchors []string
	// reach: a candidate is at least start-reach for a hit starting at start.
	reach  int
	maxLen int // -1: unbounded
	// withCtx is ^(?s:.)(?:RE), run from the byte before a candidate; atStart is ^(?:RE),
	// for a candidate at the window's start.
	withCtx, atStart *lazyRegexp
	// filters[i][j] is the byte filter of the candidates beginning with checks[i][j], and
	// anchorFilters[k] of those beginning with anchors[k] (nil: none); they and the sieve
	// reject most candidates before the regex runs (sieve.go).
	filters       [][]*byteFilter
	anchorFilters []*byteFilter
	// dispatch[i] narrows the checks of offset i to those that can fit the text (nil:
	// try them all).
	dispatch []*checkDispatch
	sieve    *sieve
}

// checkDispatch picks, by the candidate's byte at offset at (folded), the checks that
// may begin its text: bit j of mask[c] stands for checks[i][j]. Rules whose keywords occur
// in many spellings ("token", "auth_token", "x-token"...) have dozens of check strings,
// and comparing each at every hit was a third of the cost of proposing candidates.
type checkDispatch struct {
	at   int
	mask [256]uint64
}

// newCheckDispatch builds the dispatch of a list of check strings, at the offset whose
// byte tells the most of them apart; nil when they are too few to be worth it or too
// many for a mask.
func newCheckDispatch(checks []string) *checkDispatch {
	if len(checks) < 4 || len(checks) > 64 {
		return nil
	}
	shortest := len(checks[0])
	for _, s := range checks {
		shortest = min(shortest, len(s))
	}
	best, bestDistinct := 0, 0
	for at := 0; at < shortest; at++ {
		var seen [256]bool
		distinct := 0
		for _, s := range checks {
			if !seen[s[at]] {
				seen[s[at]] = true
				distinct++
			}
		}
		if distinct > bestDistinct {
			best, bestDistinct = at, distinct
		}
	}
	d := &checkDispatch{at: best}
	for j, s := range checks {
		// Checks are lower-cased and the text is compared folded: both cases of a letter
		// lead to it.
		c := s[best]
		d.mask[c] |= 1 << j
		d.mask[upper(c)] |= 1 << j
	}
	return d
}

// newAnchoring returns the anchored form of a rule whose regex is expr, parsed as re, or
// nil if it has none.
func newAnchoring(expr string, re *syntax.Regexp, keywords []string) *anchoring {
	st := analyzeStart(re, keywords)
	if !st.ok {
		return nil
	}
	reach := 0
	if len(st.offsets) > 0 {
		reach = slices.Max(st.offsets)
	}
	withCtx, atStart := `^(?s:.)(?:`+expr+`)`, `^(?:`+expr+`)`
	// The anchored forms compile whenever the rule's regex does, unless it is at the edge
	// of the parser's limits: then they are parsed to know, and if they fail the rule
	// keeps its other path.
	if !wrapsSafely(re) {
		if _, err := syntax.Parse(withCtx, syntax.Perl); err != nil {
			return nil
		}
		if _, err := syntax.Parse(atStart, syntax.Perl); err != nil {
			return nil
		}
	}
	sv := newSieve(re)
	anchorFilters := make([]*byteFilter, len(st.anchors))
	for k, a := range st.anchors {
		anchorFilters[k] = newByteFilter(sv, a)
	}
	dispatch := make([]*checkDispatch, len(st.checks))
	for i, cs := range st.checks {
		dispatch[i] = newCheckDispatch(cs)
	}
	return &anchoring{
		sieve:         sv,
		filters:       byteFilters(sv, st.checks),
		anchorFilters: anchorFilters,
		dispatch:      dispatch,
		offsets:       st.offsets,
		checks:        st.checks,
		anchors:       st.anchors,
		reach:         reach,
		maxLen:        st.maxLen,
		withCtx:       newLazyRegexp(withCtx),
		atStart:       newLazyRegexp(atStart),
	}
}

// byteFilters makes the filters of a rule's check strings; equal ones are shared (the
// prefixes "xoxa-0" to "xoxs-9" lead to the same bytes).
func byteFilters(sv *sieve, checks [][]string) [][]*byteFilter {
	seen := map[byteFilter]*byteFilter{}
	out := make([][]*byteFilter, len(checks))
	for i, cs := range checks {
		out[i] = make([]*byteFilter, len(cs))
		for j, s := range cs {
			f := newByteFilter(sv, s)
			if f == nil {
				continue
			}
			if g, ok := seen[*f]; ok {
				f = g
			} else {
				seen[*f] = f
			}
			out[i][j] = f
		}
	}
	return out
}

// hasPrefixFold reports whether b, lower-cased (ASCII), begins with s.
func hasPrefixFold(b []byte, s string) bool {
	if len(b) < len(s) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if lower(b[i]) != s[i] {
			return false
		}
	}
	return true
}

// propose adds the candidates of an anchored rule's hit starting at hs (an anchor's, or a
// keyword's) to its pending list, kept sorted and without duplicates. Those at or past
// ownTo are never needed, nor those whose text begins with no prefix string of the offset
// they come from, or that the prefix's byte filter rejects: checking that is much cheaper
// than running the regex.
func (st *scanState) propose(buf []byte, h kwHit, hs, ownTo int) {
	r := h.rule
	an := st.e.rules[r].anchor
	if h.anchor {
		if f := an.anchorFilters[h.idx]; f == nil || f.possible(buf[hs:]) {
			st.pending(r, hs, ownTo)
		}
		return
	}
	for i, d := range an.offsets {
		p := hs - d
		if p < 0 {
			continue
		}
		if j := an.firstCheck(buf[p:], i); j >= 0 {
			// Every match at p agrees with the text, hence with the check where they
			// overlap: its filter speaks for them all.
			if f := an.filters[i][j]; f == nil || f.possible(buf[p:]) {
				st.pending(r, p, ownTo)
			}
		}
	}
}

// firstCheck returns the index of the first check string of offset i that text begins
// with (folded), or -1.
func (an *anchoring) firstCheck(text []byte, i int) int {
	checks := an.checks[i]
	d := an.dispatch[i]
	if d == nil {
		for j, s := range checks {
			if hasPrefixFold(text, s) {
				return j
			}
		}
		return -1
	}
	if d.at >= len(text) {
		return -1 // every check is longer than the text
	}
	for m := d.mask[text[d.at]]; m != 0; m &= m - 1 {
		if j := bits.TrailingZeros64(m); hasPrefixFold(text, checks[j]) {
			return j
		}
	}
	return -1
}

func (st *scanState) pending(r int32, p, ownTo int) {
	sc := st.sc
	if p >= ownTo || p < sc.lastEnd[r] {
		return
	}
	pend := sc.pend[r]
	if i, found := slices.BinarySearch(pend, int32(p)); !found {
		sc.pend[r] = slices.Insert(pend, i, int32(p))
	}
}

// settle tries, in order, the pending candidates of rule r below upTo: no later hit can
// propose a smaller one.
func (st *scanState) settle(buf []byte, r int32, upTo, ownFrom, ownTo int) {
	sc := st.sc
	pend := sc.pend[r]
	n := 0
	for n < len(pend) && int(pend[n]) < upTo {
		st.try(buf, r, int(pend[n]), ownFrom, ownTo)
		n++
	}
	if n > 0 {
		sc.pend[r] = pend[:copy(pend, pend[n:])]
	}
}

// try runs rule r anchored at p, unless p is inside its previous match or the rule has had
// MaxFindings matches in the window.
func (st *scanState) try(buf []byte, r int32, p, ownFrom, ownTo int) {
	sc, an := st.sc, st.e.rules[r].anchor
	if p < sc.lastEnd[r] || sc.count[r] >= MaxFindings || buf[p] >= utf8.RuneSelf {
		return
	}
	if !an.sieve.possible(buf[p:]) {
		return
	}
	lim := len(buf)
	if an.maxLen >= 0 {
		lim = min(lim, p+an.maxLen+utf8.UTFMax)
	}
	var loc []int
	off := p
	if p == 0 {
		loc = an.atStart.get().FindSubmatchIndex(buf[:lim])
	} else {
		off = p - 1
		if loc = an.withCtx.get().FindSubmatchIndex(buf[off:lim]); loc != nil {
			loc[0] = 1 // the match of RE, after the context byte
		}
	}
	if loc == nil {
		return
	}
	sc.count[r]++
	sc.lastEnd[r] = loc[1] + off
	st.keep(buf, int(r), off, loc, ownFrom, ownTo)
}
