package secrets

import (
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
	return 0
}
