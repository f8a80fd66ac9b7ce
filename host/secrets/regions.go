package secrets

import (
	"regexp/syntax"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Region scanning. A rule's regex runs over the whole window only when nothing better is
// proven; for most rules Compile proves, from the parsed regex, two facts:
//
//   - every string the regex matches contains one of the rule's keywords, as the
//     prefilter sees them (ASCII case-insensitively, other bytes exactly), so that every
//     match contains a keyword hit;
//   - a bound on how far a match reaches before the start of that keyword (before) and
//     after its end (after), in bytes.
//
// The regex then runs over each region [hit start-before-1, hit end+after+1) instead, with
// overlapping regions merged. That finds exactly the matches of the whole window, in the
// same order:
//
//   - Every match (at any start, of any priority, in either text) contains a hit, so it
//     lies inside that hit's region, hence inside one merged region, and strictly inside:
//     one byte of context is left on each side (except at the window's own edges, which
//     are edges in both texts). Assertions (\b, ^, $, with or without (?m)) at the
//     match's ends thus look at the same bytes in the region as in the window.
//   - A region starts on a rune start of the window's decoding (runeStart), so the regex
//     tries the same starting positions and decodes the same runes.
//   - So at each position the region and the window offer the same set of matches, and
//     leftmost-first picks the same one; no match straddles a region's edge; and since no
//     match is empty, FindAll's successive searches coincide region by region.
//
// The keyword analysis ignores the non-ASCII runes that fold to ASCII letters (K, the
// Kelvin sign, for k; ſ, the long s, for s): (?i)token matches "to\u212Aen", which the
// prefilter does not see as "token". A window holding either rune is scanned whole.
//
// A rule whose regex gives no proof (no keyword required, or an unbounded repetition
// around it) keeps whole-window scanning.

// Analysis limits: sets of literal strings larger than these are given up (treated as
// unknown), which only loses precision.
const (
	maxSet   = 64  // strings in one set
	maxAffix = 32  // bytes kept of a prefix or suffix
	maxExact = 256 // bytes of an exact string
	maxClass = 64  // runes of a character class enumerated
)

// spoilers are the UTF-8 forms of the non-ASCII runes whose case folding reaches an ASCII
// letter: they are matched by (?i) letters but are not the prefilter's keyword bytes.
var spoilers = func() [][]byte {
	var s [][]byte
	for c := 'a'; c <= 'z'; c++ {
		for f := unicode.SimpleFold(c); f != c; f = unicode.SimpleFold(f) {
			if f >= utf8.RuneSelf {
				s = append(s, []byte(string(f)))
			}
		}
	}
	return s
}()

func isSpoiler(r rune) bool {
	if r < utf8.RuneSelf {
		return false
	}
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		if f < utf8.RuneSelf && isLetter(byte(f)) {
			return true
		}
	}
	return false
}

func isLetter(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }

// reach is what analyze proves about a regex: ok when every match contains a keyword,
// with before and after the bounds on the match's extent around it.
type reach struct {
	ok            bool
	before, after int
}

// info describes the strings a sub-expression matches, lower-cased (ASCII).
type info struct {
	// exact, when known, is every string matched.
	exact []string
	known bool
	// Every string matched begins with one of prefix and ends with one of suffix ({""}:
	// nothing known).
	prefix, suffix []string
	// kw: every string matched contains a keyword; before and after bound the bytes
	// before and after one such keyword occurrence.
	kw            bool
	before, after int
	// max is the longest match in bytes (-1: unbounded).
	max int
}

type analyzer struct {
	keywords []string // lower-cased
	shortest int      // bytes of the shortest keyword
}

const unbounded = -1

// analyzeRegex returns the proof for a rule's regex and keywords, if any.
func analyzeRegex(re *syntax.Regexp, keywords []string) reach {
	a := &analyzer{}
	for i, k := range keywords {
		a.keywords = append(a.keywords, lowerString(k))
		if i == 0 || len(k) < a.shortest {
			a.shortest = len(k)
		}
	}
	in := a.walk(re)
	if !in.kw || in.before < 0 || in.after < 0 {
		return reach{}
	}
	return reach{ok: true, before: in.before, after: in.after}
}

func lowerString(s string) string {
	b := []byte(s)
	for i, c := range b {
		b[i] = lower(c)
	}
	return string(b)
}

// around bounds the bytes before (or after) a keyword in a string of at most n bytes.
func (a *analyzer) around(n int) int {
	return max(n-a.shortest, 0)
}

func (a *analyzer) contains(s string) bool {
	for _, k := range a.keywords {
		if strings.Contains(s, k) {
			return true
		}
	}
	return false
}

func (a *analyzer) allContain(set []string) bool {
	for _, s := range set {
		if !a.contains(s) {
			return false
		}
	}
	return true
}

// exactInfo describes a finite set of strings.
func (a *analyzer) exactInfo(set []string) info {
	in := info{exact: set, known: true, prefix: set, suffix: set, max: 0}
	for _, s := range set {
		in.max = max(in.max, len(s))
		if len(s) > maxExact {
			in.known = false
		}
	}
	if !in.known {
		in.exact = nil
		in.prefix = affixes(set, true)
		in.suffix = affixes(set, false)
	}
	if a.allContain(set) {
		in.kw = true
		in.before, in.after = a.around(in.max), a.around(in.max)
	}
	return in
}

func unknown(max int) info {
	return info{prefix: []string{""}, suffix: []string{""}, max: max}
}

// affixes truncates a set of strings to prefixes (or suffixes) of at most maxAffix bytes.
func affixes(set []string, prefix bool) []string {
	out := make([]string, 0, len(set))
	seen := make(map[string]bool, len(set))
	for _, s := range set {
		if len(s) > maxAffix {
			if prefix {
				s = s[:maxAffix]
			} else {
				s = s[len(s)-maxAffix:]
			}
		}
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

func addString(set []string, s string) []string {
	for _, x := range set {
		if x == s {
			return set
		}
	}
	return append(set, s)
}

// cross is every x+y, or nil when there would be more than maxSet.
func cross(xs, ys []string) []string {
	if len(xs)*len(ys) > maxSet {
		return nil
	}
	out := make([]string, 0, len(xs)*len(ys))
	// A map, not addString: sets of hundreds would cost a comparison per pair.
	seen := make(map[string]bool, len(xs)*len(ys))
	for _, x := range xs {
		for _, y := range ys {
			if xy := x + y; !seen[xy] {
				seen[xy] = true
				out = append(out, xy)
			}
		}
	}
	return out
}

func addMax(x, y int) int {
	if x == unbounded || y == unbounded {
		return unbounded
	}
	if x+y > 1<<30 {
		return unbounded
	}
	return x + y
}

func mulMax(x, n int) int {
	if x == 0 || n == 0 {
		return 0
	}
	if x == unbounded || n < 0 || x > (1<<30)/n {
		return unbounded
	}
	return x * n
}

// runeStrings is what one rune of the regex matches in the text, as lower-cased byte
// strings, or nil when that cannot be told (U+FFFD also matches invalid UTF-8 bytes).
// fold: the rune is matched case-insensitively.
func runeStrings(r rune, fold bool) ([]string, bool) {
	if r == utf8.RuneError || r < 0 || r > unicode.MaxRune {
		return nil, false
	}
	var out []string
	add := func(m rune) {
		switch {
		case m < utf8.RuneSelf:
			out = addString(out, string(rune(lower(byte(m)))))
		case isSpoiler(m):
			// Never in a window scanned by regions.
		default:
			out = addString(out, string(m))
		}
	}
	add(r)
	if fold {
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			add(f)
		}
	}
	return out, true
}

// spoilerFreeMax is the length of r in a window scanned by regions, where spoilers never
// occur (and are thus matched by nothing).
func spoilerFreeMax(r rune) int {
	if isSpoiler(r) {
		return 0
	}
	return runeMax(r)
}

func runeMax(r rune) int {
	switch {
	case r < 0x80:
		return 1
	case r < 0x800:
		return 2
	case r < 0x10000:
		return 3
	}
	return 4
}

func (a *analyzer) walk(re *syntax.Regexp) info {
	switch re.Op {
	case syntax.OpNoMatch:
		return info{known: true, exact: []string{}, kw: true}
	case syntax.OpEmptyMatch, syntax.OpBeginLine, syntax.OpEndLine, syntax.OpBeginText,
		syntax.OpEndText, syntax.OpWordBoundary, syntax.OpNoWordBoundary:
		return a.exactInfo([]string{""})
	case syntax.OpLiteral:
		fold := re.Flags&syntax.FoldCase != 0
		in := a.exactInfo([]string{""})
		for _, r := range re.Rune {
			set, ok := runeStrings(r, fold)
			m := spoilerFreeMax(r)
			if fold {
				for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
					m = max(m, spoilerFreeMax(f))
				}
			}
			var next info
			if ok {
				next = a.exactInfo(set)
				next.max = m
			} else {
				next = unknown(m)
			}
			in = a.concat(in, next)
		}
		return in
	case syntax.OpCharClass:
		m, n := 0, 0
		for i := 0; i+1 < len(re.Rune); i += 2 {
			lo, hi := re.Rune[i], re.Rune[i+1]
			if lo == hi {
				m = max(m, spoilerFreeMax(lo))
			} else {
				m = max(m, runeMax(hi))
			}
			n += int(hi-lo) + 1
		}
		if n > maxClass {
			return unknown(m)
		}
		var set []string
		for i := 0; i+1 < len(re.Rune); i += 2 {
			for r := re.Rune[i]; r <= re.Rune[i+1]; r++ {
				s, ok := runeStrings(r, false)
				if !ok {
					return unknown(m)
				}
				for _, x := range s {
					set = addString(set, x)
				}
			}
		}
		if set == nil {
			set = []string{}
		}
		in := a.exactInfo(set)
		in.max = m
		if in.kw {
			in.before, in.after = a.around(m), a.around(m)
		}
		return in
	case syntax.OpAnyChar, syntax.OpAnyCharNotNL:
		return unknown(utf8.UTFMax)
	case syntax.OpCapture:
		return a.walk(re.Sub[0])
	case syntax.OpStar:
		sub := a.walk(re.Sub[0])
		return unknown(mulMax(sub.max, -1))
	case syntax.OpPlus:
		return a.repeat(a.walk(re.Sub[0]), 1, -1)
	case syntax.OpQuest:
		return a.repeat(a.walk(re.Sub[0]), 0, 1)
	case syntax.OpRepeat:
		return a.repeat(a.walk(re.Sub[0]), re.Min, re.Max)
	case syntax.OpConcat:
		in := a.exactInfo([]string{""})
		for _, sub := range re.Sub {
			in = a.concat(in, a.walk(sub))
		}
		return in
	case syntax.OpAlternate:
		return a.alternate(re.Sub)
	}
	return unknown(unbounded)
}

// repeat is sub{lo,hi} (hi -1: no upper bound).
func (a *analyzer) repeat(sub info, lo, hi int) info {
	m := unbounded
	if hi >= 0 {
		m = mulMax(sub.max, hi)
	} else if sub.max == 0 {
		m = 0
	}
	if lo == 0 {
		if hi == 1 && sub.known {
			in := a.exactInfo(append([]string{""}, sub.exact...))
			in.max = m
			return in
		}
		return unknown(m)
	}
	if lo == 1 && hi == 1 {
		return sub
	}
	in := unknown(m)
	in.prefix, in.suffix = sub.prefix, sub.suffix
	if sub.known {
		in.prefix, in.suffix = affixes(sub.exact, true), affixes(sub.exact, false)
	}
	if sub.kw {
		// The first copy holds a keyword; the others follow it.
		in.kw, in.before = true, sub.before
		in.after = addMax(sub.after, mulMax(sub.max, hi-1))
		if hi < 0 {
			in.after = unbounded
		}
	}
	return in
}

// concat is x followed by y.
func (a *analyzer) concat(x, y info) info {
	m := addMax(x.max, y.max)
	if x.known && y.known {
		if set := cross(x.exact, y.exact); set != nil {
			in := a.exactInfo(set)
			in.max = m
			if in.kw {
				in.before, in.after = a.around(m), a.around(m)
			}
			return a.keepBest(in, x, y)
		}
	}
	// Every match of xy begins with a prefix of x, or with a string of x and a prefix of
	// y; likewise at the end.
	in := unknown(m)
	in.prefix = x.prefix
	if x.known {
		if in.prefix = cross(x.exact, y.prefix); in.prefix == nil {
			in.prefix = x.exact
		}
	}
	in.suffix = y.suffix
	if y.known {
		if in.suffix = cross(x.suffix, y.exact); in.suffix == nil {
			in.suffix = y.exact
		}
	}
	in.prefix, in.suffix = affixes(in.prefix, true), affixes(in.suffix, false)
	if pairsContain(a, x.suffix, y.prefix) {
		// A keyword within a suffix s of x's match and a prefix p of y's: it starts at
		// most len(p) bytes into y and ends at most len(s) bytes before x's end.
		before, after := addMax(x.max, longest(y.prefix)), addMax(longest(x.suffix), y.max)
		if before != unbounded && after != unbounded {
			in.kw, in.before, in.after = true, before, after
		}
	}
	return a.keepBest(in, x, y)
}

// keepBest sets in's keyword bounds to the tightest that x or y proves.
func (a *analyzer) keepBest(in, x, y info) info {
	try := func(ok bool, before, after int) {
		if !ok || before == unbounded || after == unbounded {
			return
		}
		if !in.kw || before+after < in.before+in.after {
			in.kw, in.before, in.after = true, before, after
		}
	}
	if in.kw && (in.before == unbounded || in.after == unbounded) {
		in.kw = false
	}
	try(x.kw, x.before, addMax(x.after, y.max))
	try(y.kw, addMax(x.max, y.before), y.after)
	return in
}

func longest(set []string) int {
	n := 0
	for _, s := range set {
		n = max(n, len(s))
	}
	return n
}

func pairsContain(a *analyzer, xs, ys []string) bool {
	if len(xs)*len(ys) > 4*maxSet*maxSet {
		return false
	}
	for _, x := range xs {
		for _, y := range ys {
			if !a.contains(x + y) {
				return false
			}
		}
	}
	return true
}

func (a *analyzer) alternate(subs []*syntax.Regexp) info {
	ins := make([]info, len(subs))
	known, kw := true, true
	var exact []string
	for i, s := range subs {
		ins[i] = a.walk(s)
		known = known && ins[i].known
		kw = kw && ins[i].kw
		if known {
			for _, x := range ins[i].exact {
				exact = addString(exact, x)
			}
		}
	}
	m := 0
	for _, in := range ins {
		if in.max == unbounded {
			m = unbounded
			break
		}
		m = max(m, in.max)
	}
	var in info
	if known && len(exact) <= maxSet {
		if exact == nil {
			exact = []string{}
		}
		in = a.exactInfo(exact)
		in.max = m
		if in.kw {
			in.before, in.after = a.around(m), a.around(m)
		}
	} else {
		in = unknown(m)
		in.prefix, in.suffix = nil, nil
		for _, x := range ins {
			p, s := x.prefix, x.suffix
			if x.known {
				p, s = affixes(x.exact, true), affixes(x.exact, false)
			}
			for _, v := range p {
				in.prefix = addString(in.prefix, v)
			}
			for _, v := range s {
				in.suffix = addString(in.suffix, v)
			}
		}
		if len(in.prefix) > maxSet {
			in.prefix = []string{""}
		}
		if len(in.suffix) > maxSet {
			in.suffix = []string{""}
		}
	}
	if kw {
		before, after := 0, 0
		for _, x := range ins {
			if x.before == unbounded || x.after == unbounded {
				return in
			}
			before, after = max(before, x.before), max(after, x.after)
		}
		if !in.kw || before+after < in.before+in.after {
			in.kw, in.before, in.after = true, before, after
		}
	}
	return in
}
