package secrets

import (
	"bytes"
	"math/bits"
	"regexp/syntax"
	"unicode"
	"unicode/utf8"
)

// A sieve rejects, cheaply, the candidate starts where an anchored rule's regex cannot
// match: most keyword hits in code ("token)", "key.length") fail a few bytes in, and Go's
// regexp spends hundreds of nanoseconds on the attempt. It simulates the regex over the
// window's bytes as sets of positions (up to sieveWidth bytes past the start, a bit set),
// which only answers "no match" when no path of the regex fits the bytes. It is
// conservative everywhere else: assertions (\b, ^, $) are taken as true, and a non-ASCII
// byte that the regex might match (as part of a rune) or a match reaching past
// sieveWidth, or more work than sieveBudget, answers "maybe", leaving the decision to the
// regex. So a rejected start is one where the regex has no match, and skipping it
// changes nothing.

const (
	sieveWidth  = 64 // most candidates are rejected within a few bytes
	sieveBudget = 1024
)

// pset is a set of positions, relative to the candidate start.
type pset uint64

type sieveOp uint8

const (
	sieveEmpty  sieveOp = iota // matches the empty string (assertions included)
	sieveNone                  // matches nothing
	sieveByte                  // one byte of ascii, or a non-ASCII byte if wide
	sieveLit                   // the ASCII string lit (lower-cased if folded)
	sieveConcat                // subs in sequence
	sieveAlt                   // any of subs
	sieveRepeat                // sub, min to max times (max -1: unbounded)
)

type sieve struct {
	op       sieveOp
	ascii    [2]uint64 // the ASCII bytes matched
	wide     bool      // a rune >= utf8.RuneSelf (or U+FFFD, which matches invalid bytes) matches
	subs     []*sieve
	min, max int
	lit      []byte
	folded   bool
}

// newSieve translates a parsed regex.
func newSieve(re *syntax.Regexp) *sieve {
	switch re.Op {
	case syntax.OpNoMatch:
		return &sieve{op: sieveNone}
	case syntax.OpEmptyMatch, syntax.OpBeginLine, syntax.OpEndLine, syntax.OpBeginText,
		syntax.OpEndText, syntax.OpWordBoundary, syntax.OpNoWordBoundary:
		return &sieve{op: sieveEmpty}
	case syntax.OpLiteral:
		if lit := asciiLiteral(re); lit != nil {
			return lit
		}
		cat := &sieve{op: sieveConcat}
		for _, r := range re.Rune {
			b := &sieve{op: sieveByte}
			b.add(r, r)
			if re.Flags&syntax.FoldCase != 0 {
				for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
					b.add(f, f)
				}
			}
			cat.subs = append(cat.subs, b)
		}
		return cat
	case syntax.OpCharClass:
		b := &sieve{op: sieveByte}
		for i := 0; i+1 < len(re.Rune); i += 2 {
			b.add(re.Rune[i], re.Rune[i+1])
		}
		return b
	case syntax.OpAnyChar, syntax.OpAnyCharNotNL:
		b := &sieve{op: sieveByte}
		b.add(0, utf8.MaxRune)
		if re.Op == syntax.OpAnyCharNotNL {
			b.ascii[0] &^= 1 << '\n'
		}
		return b
	case syntax.OpCapture:
		return newSieve(re.Sub[0])
	case syntax.OpStar:
		return &sieve{op: sieveRepeat, subs: []*sieve{newSieve(re.Sub[0])}, min: 0, max: -1}
	case syntax.OpPlus:
		return &sieve{op: sieveRepeat, subs: []*sieve{newSieve(re.Sub[0])}, min: 1, max: -1}
	case syntax.OpQuest:
		return &sieve{op: sieveRepeat, subs: []*sieve{newSieve(re.Sub[0])}, min: 0, max: 1}
	case syntax.OpRepeat:
		return &sieve{op: sieveRepeat, subs: []*sieve{newSieve(re.Sub[0])}, min: re.Min, max: re.Max}
	case syntax.OpConcat, syntax.OpAlternate:
		s := &sieve{op: sieveConcat}
		if re.Op == syntax.OpAlternate {
			s.op = sieveAlt
		}
		for _, sub := range re.Sub {
			s.subs = append(s.subs, newSieve(sub))
		}
		return s
	}
	// Unknown: anything, at any length.
	all := &sieve{op: sieveByte, wide: true}
	all.ascii = [2]uint64{^uint64(0), ^uint64(0)}
	return &sieve{op: sieveRepeat, subs: []*sieve{all}, min: 0, max: -1}
}

// asciiLiteral is the sieveLit of a literal of ASCII runes, or nil. Folded, K and S also
// match non-ASCII runes (the Kelvin and long s signs): wide.
func asciiLiteral(re *syntax.Regexp) *sieve {
	s := &sieve{op: sieveLit, lit: make([]byte, len(re.Rune)), folded: re.Flags&syntax.FoldCase != 0}
	for i, r := range re.Rune {
		if r >= utf8.RuneSelf {
			return nil
		}
		if s.folded {
			for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
				s.wide = s.wide || f >= utf8.RuneSelf
			}
			r = rune(lower(byte(r)))
		}
		s.lit[i] = byte(r)
	}
	return s
}

// add adds the runes lo to hi to a byte node.
func (s *sieve) add(lo, hi rune) {
	for r := lo; r <= hi && r < utf8.RuneSelf; r++ {
		s.ascii[r/64] |= 1 << (r % 64)
	}
	if hi >= utf8.RuneSelf {
		s.wide = true
	}
}

// sieveRun is one candidate's simulation.
type sieveRun struct {
	text   []byte // the window from the candidate start
	budget int
	maybe  bool // gave up: the regex must decide
}

// possible reports whether the regex may match text (the window from a candidate start)
// at its start.
func (s *sieve) possible(text []byte) bool {
	run := sieveRun{text: text, budget: sieveBudget}
	out := run.eval(s, 1)
	return run.maybe || out != 0
}

// eval returns the positions where s can end a match begun at one of in.
func (run *sieveRun) eval(s *sieve, in pset) pset {
	if run.maybe {
		return 0
	}
	switch s.op {
	case sieveEmpty:
		return in
	case sieveNone:
		return 0
	case sieveLit:
		var out pset
		n := len(s.lit)
		if !s.folded && bits.OnesCount64(uint64(in)) >= 4 {
			// Many starts ("/hooks/" after each byte of a host name): when the literal
			// occurs nowhere they reach, none of them matches, which one search tells
			// faster than a comparison per start. (Starts past the width would make the
			// loop below answer "maybe"; no match there is as sound.)
			lo, hi := bits.TrailingZeros64(uint64(in)), 63-bits.LeadingZeros64(uint64(in))
			if lo >= len(run.text) || !bytes.Contains(run.text[lo:min(len(run.text), hi+n)], s.lit) {
				return 0
			}
		}
		for word := in; word != 0; word &= word - 1 {
			i := bits.TrailingZeros64(uint64(word))
			if run.budget -= n; run.budget < 0 || i+n >= sieveWidth {
				run.maybe = true
				return 0
			}
			if i+n > len(run.text) {
				continue
			}
			t := run.text[i : i+n]
			if !s.folded {
				if string(t) == string(s.lit) {
					out |= 1 << (i + n)
				}
				continue
			}
			ok := true
			for j, c := range s.lit {
				if fold[t[j]] != c {
					if t[j] >= utf8.RuneSelf && s.wide {
						run.maybe = true
						return 0
					}
					ok = false
					break
				}
			}
			if ok {
				out |= 1 << (i + n)
			}
		}
		return out
	case sieveByte:
		var out pset
		for word := in; word != 0; word &= word - 1 {
			i := bits.TrailingZeros64(uint64(word))
			if run.budget--; run.budget < 0 {
				run.maybe = true
				return 0
			}
			if i >= len(run.text) {
				continue // the window's end: nothing to match
			}
			c := run.text[i]
			if c >= utf8.RuneSelf {
				if s.wide {
					run.maybe = true
					return 0
				}
				continue
			}
			if s.ascii[c/64]&(1<<(c%64)) == 0 {
				continue
			}
			if i+1 >= sieveWidth {
				run.maybe = true
				return 0
			}
			out |= 1 << (i + 1)
		}
		return out
	case sieveConcat:
		for _, sub := range s.subs {
			if in = run.eval(sub, in); in == 0 {
				return 0
			}
		}
		return in
	case sieveAlt:
		var out pset
		for _, sub := range s.subs {
			out |= run.eval(sub, in)
		}
		return out
	case sieveRepeat:
		if s.subs[0].op == sieveByte {
			return run.byteRun(s, in)
		}
		return run.repeat(s, in)
	}
	return 0
}

// repeat is eval of a repetition, an eval of its sub per iteration.
func (run *sieveRun) repeat(s *sieve, in pset) pset {
	var acc pset
	if s.min == 0 {
		acc = in
	}
	cur := in
	for i := 1; s.max < 0 || i <= s.max; i++ {
		prev := cur
		cur = run.eval(s.subs[0], prev)
		if run.maybe || cur == 0 {
			break
		}
		if i >= s.min {
			// Past min, an unbounded repetition that reaches no new position adds
			// none later: each later iteration starts from positions already had.
			if cur&^acc == 0 && s.max < 0 {
				break
			}
			acc |= cur
		} else if cur == prev {
			// The sub matched only empty strings: every later iteration ends where
			// this one does.
			acc = cur
			break
		}
	}
	return acc
}

// byteRun is eval of a repetition of one byte atom ([a-z0-9.-]+, \s*, x{2,5}): from each
// start, the run of bytes the atom accepts, walked in one loop instead of an eval per
// iteration, with the same answers: the ends min to max bytes past a start, within the
// run; "maybe" where the run meets a non-ASCII byte the atom may match, or reaches the
// sieve's width, or the budget runs out.
func (run *sieveRun) byteRun(s *sieve, in pset) pset {
	b := s.subs[0]
	var out pset
	for word := in; word != 0; word &= word - 1 {
		i := bits.TrailingZeros64(uint64(word))
		j := i // the run is text[i:j]
		for s.max < 0 || j-i < s.max {
			if j >= len(run.text) {
				break
			}
			c := run.text[j]
			if c >= utf8.RuneSelf {
				if b.wide {
					run.maybe = true
					return 0
				}
				break
			}
			if b.ascii[c/64]&(1<<(c%64)) == 0 {
				break
			}
			if j+1 >= sieveWidth {
				run.maybe = true
				return 0
			}
			j++
		}
		if run.budget -= j - i + 1; run.budget < 0 {
			run.maybe = true
			return 0
		}
		if j-i >= s.min {
			// Ends i+min to j: bits i+min..j set.
			out |= pset(uint64(1)<<(j+1)-1) &^ pset(uint64(1)<<(i+s.min)-1)
		}
	}
	return out
}

// A byteFilter is the sieve's cheaper first step, made for the candidates that begin with
// one prefix string of the rule (anchored.go): for a few offsets past that prefix, the
// ASCII bytes that a match of the regex beginning that way can have there. Most
// candidates fail right after their keyword ("token)", "tokenizer"), and a lookup per byte
// rejects them in a few nanoseconds where the sieve's simulation takes hundreds. Made for
// the rule alone, a filter would blur the alternatives of different lengths a rule
// begins with ("token|auth_token") into nearly every letter at each offset; made for one
// prefix, it follows the regex through that prefix exactly.
//
// It is sound for the same reason as the sieve: a match whose bytes up to offset i are
// ASCII consumed exactly one byte per regex atom on the way, so its byte at i is one the
// filter allows; a non-ASCII byte ends the check ("maybe").
type byteFilter struct {
	from  int // the prefix's length: the first offset checked
	n     int // offsets checked, all before every such match's end
	allow [filterWidth][2]uint64
}

const (
	filterWidth  = 16
	filterBudget = 1 << 16
)

// newByteFilter derives the filter for the matches beginning with prefix (lower-cased
// ASCII: the text there is prefix in either case) from a sieve, by an abstract run of
// the sieve that follows prefix over its first bytes and then lets every atom match,
// collecting the bytes the atoms reaching each offset accept. It returns nil where it
// cannot help: a non-ASCII prefix, or a rule too nested to run within budget.
func newByteFilter(s *sieve, prefix string) *byteFilter {
	for i := 0; i < len(prefix); i++ {
		if prefix[i] >= utf8.RuneSelf {
			return nil
		}
	}
	run := filterRun{f: &byteFilter{from: len(prefix)}, prefix: prefix, budget: filterBudget}
	end := run.reach(s, 1)
	if run.budget < 0 || len(prefix) >= 64 {
		return nil
	}
	f := run.f
	// Offsets at or past the shortest match's end are unconstrained: a match may have
	// ended before them. No end at all: every match is longer than the run follows.
	f.n = filterWidth
	if end != 0 {
		f.n = max(0, min(filterWidth, bits.TrailingZeros64(uint64(end))-f.from))
	}
	if f.n == 0 {
		return nil
	}
	return f
}

type filterRun struct {
	f      *byteFilter
	prefix string
	budget int
}

// fits reports whether the text's byte at offset i, inside the prefix, may be c: the
// text holds the prefix's byte or its upper case there.
func (run *filterRun) fits(i int, c byte, folded bool) bool {
	t := run.prefix[i]
	if folded {
		return lower(c) == t
	}
	return c == t || c == upper(t)
}

func upper(c byte) byte {
	if c >= 'a' && c <= 'z' {
		return c - 'a' + 'A'
	}
	return c
}

// accept records that byte c may be at offset i (past the prefix).
func (run *filterRun) accept(i int, c byte) {
	if i -= run.f.from; i < filterWidth {
		run.f.allow[i][c/64] |= 1 << (c % 64)
	}
}

// reach returns the offsets where s can end a match begun at one of in (offsets past 63
// are dropped: they are beyond every filter), recording the bytes it accepts past the
// prefix.
func (run *filterRun) reach(s *sieve, in pset) pset {
	if run.budget--; run.budget < 0 {
		return 0
	}
	switch s.op {
	case sieveEmpty:
		return in
	case sieveNone:
		return 0
	case sieveLit:
		var out pset
	starts:
		for word := in; word != 0; word &= word - 1 {
			i := bits.TrailingZeros64(uint64(word))
			for j, c := range s.lit {
				k := i + j
				if k < len(run.prefix) {
					if !run.fits(k, c, s.folded) {
						continue starts
					}
					continue
				}
				run.accept(k, c)
				if s.folded {
					run.accept(k, upper(c))
				}
			}
			if i+len(s.lit) < 64 {
				out |= 1 << (i + len(s.lit))
			}
		}
		return out
	case sieveByte:
		var out pset
		for word := in; word != 0; word &= word - 1 {
			i := bits.TrailingZeros64(uint64(word))
			if i < len(run.prefix) {
				t := run.prefix[i]
				if !s.has(t) && !s.has(upper(t)) {
					continue
				}
			} else if i-run.f.from < filterWidth {
				a := &run.f.allow[i-run.f.from]
				a[0] |= s.ascii[0]
				a[1] |= s.ascii[1]
			}
			if i < 63 {
				out |= 1 << (i + 1)
			}
		}
		return out
	case sieveConcat:
		for _, sub := range s.subs {
			in = run.reach(sub, in)
		}
		return in
	case sieveAlt:
		var out pset
		for _, sub := range s.subs {
			out |= run.reach(sub, in)
		}
		return out
	case sieveRepeat:
		var acc pset
		if s.min == 0 {
			acc = in
		}
		cur := in
		for i := 1; s.max < 0 || i <= s.max; i++ {
			prev := cur
			if cur = run.reach(s.subs[0], prev); cur == 0 {
				break
			}
			if i >= s.min {
				// Every atom records the same bytes from the same offsets: once no new
				// offset is reached, further iterations record nothing new.
				if cur&^acc == 0 {
					break
				}
				acc |= cur
			} else if cur == prev {
				acc = cur
				break
			}
		}
		return acc
	}
	return 0
}

// has reports whether a byte atom accepts the ASCII byte c.
func (s *sieve) has(c byte) bool { return s.ascii[c/64]&(1<<(c%64)) != 0 }

// possible reports whether a match may begin at text[0], given that text begins with the
// filter's prefix.
func (f *byteFilter) possible(text []byte) bool {
	end := min(f.from+f.n, len(text))
	for i := f.from; i < end; i++ {
		c := text[i]
		if c >= utf8.RuneSelf {
			return true
		}
		if f.allow[i-f.from][c/64]&(1<<(c%64)) == 0 {
			return false
		}
	}
	return true
}
