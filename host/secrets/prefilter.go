package secrets

import (
	"encoding/binary"
	"math/bits"
	"slices"
)

// prefilter finds the occurrences of the rules' keywords (and of the anchored rules'
// anchor strings, anchored.go) in a buffer, ASCII case-insensitively; non-ASCII bytes
// match only exactly.
//
// A table-driven automaton over every byte costs a dependent load per byte (the next
// state depends on the last), which bounds it to a few hundred MB/s. Instead, each
// position's first gram bytes (lower-cased: the shortest string's length, at most 3) are
// hashed into a bit set of the grams that begin a string; only where one is set is the
// trie of the strings walked from that position. Positions are independent, so the loop
// pipelines, and in source text few of them pass.
type prefilter struct {
	gram  int // bytes hashed per position: 1 to 3 (0: no strings)
	begin [1 << gramBits / 64]uint64
	class [256]uint8
	// nclass: trie transitions per node. Once built, next[node<<shift+class] is the
	// child's row (child<<shift), 0 none, negated when a string ends there (saving the
	// walk a load of kws on every step).
	nclass int
	shift  uint
	next   []int32
	// rules[node] are the rules that have a keyword ending at that node (the string from
	// the root), kws[node] its keywords and anchors (as (rule, length)): an anchor of a
	// rule is not one of its keywords and is in no rules[node].
	rules [][]int32
	kws   [][]kwHit
}

// gramBits is the size of the gram bit set: 128 KiB. It outgrows the L1 cache, but its
// loads are independent of one another, and the sparser set lets through 38% fewer
// positions than at 32 KiB on keyword-dense source (secretsbench tree: 2.4% of positions
// against 3.8%); each one passed costs a mispredicted branch and a trie walk.
const gramBits = 20

// kwHit is a keyword (or, if anchor, the anchor string anchors[idx]) of rule, len bytes
// long.
type kwHit struct {
	rule, len int32
	anchor    bool
	idx       int32
}

// fold lower-cases ASCII letters.
var fold = func() (t [256]byte) {
	for c := range t {
		t[c] = lower(byte(c))
	}
	return t
}()

func gramHash(g uint32) uint32 { return (g * 0x9E3779B1) >> (32 - gramBits) }

// setGram marks gram g in the bit set.
func (p *prefilter) setGram(g uint32) {
	h := gramHash(g)
	p.begin[h/64] |= 1 << (h % 64)
}

// newPrefilter builds the prefilter; keywords[i] are the keywords of rule i, and
// anchors[i] its anchor strings (nil: none).
func newPrefilter(keywords, anchors [][]string) *prefilter {
	p := &prefilter{gram: 4}
	all := slices.Concat(keywords, anchors)
	next := 1
	for _, ks := range all {
		for _, k := range ks {
			if len(k) > 0 {
				p.gram = min(p.gram, len(k))
			}
			for i := 0; i < len(k); i++ {
				if c := fold[k[i]]; p.class[c] == 0 {
					p.class[c] = uint8(next) // at most 230 distinct lower-cased bytes
					next++
				}
			}
		}
	}
	for c := 'A'; c <= 'Z'; c++ {
		p.class[c] = p.class[c+'a'-'A']
	}
	if p.gram == 3 {
		p.gram = 4 // the 3-byte strings mark their extensions (add)
	}
	p.nclass = next
	p.next = make([]int32, next)
	p.rules, p.kws = make([][]int32, 1), make([][]kwHit, 1)
	add := func(ri int, k string, anchor bool, idx int) {
		if k == "" {
			return
		}
		s := int32(0)
		for i := 0; i < len(k); i++ {
			c := int32(p.class[fold[k[i]]])
			if p.next[s*int32(p.nclass)+c] == 0 {
				p.next = append(p.next, make([]int32, p.nclass)...)
				p.rules, p.kws = append(p.rules, nil), append(p.kws, nil)
				p.next[s*int32(p.nclass)+c] = int32(len(p.rules) - 1)
			}
			s = p.next[s*int32(p.nclass)+c]
		}
		if !anchor && !slices.Contains(p.rules[s], int32(ri)) {
			p.rules[s] = append(p.rules[s], int32(ri))
		}
		if h := (kwHit{int32(ri), int32(len(k)), anchor, int32(idx)}); !slices.Contains(p.kws[s], h) {
			p.kws[s] = append(p.kws[s], h)
		}
		if len(k) >= p.gram {
			p.setGram(foldGram(k, p.gram))
			return
		}
		// A string one byte shorter than the gram (3 bytes, the shortest a rule keyword
		// may be) marks every gram it begins, whatever the byte after it (folded as the
		// scan folds it): 128 grams, which in a bit set of this size still leave nearly all
		// of it clear, where hashing 3 bytes at every position lets through every
		// position that begins as some keyword does ("pat" of "path" for "patch").
		for c := 0; c < 256; c++ {
			if c|0x20 == c {
				p.setGram(foldGram(k, len(k)) | uint32(c)<<(8*len(k)))
			}
		}
	}
	for ri, ks := range keywords {
		for _, k := range ks {
			add(ri, k, false, 0)
		}
	}
	for ri, as := range anchors {
		for i, a := range as {
			add(ri, a, true, i)
		}
	}
	p.premultiply()
	if len(p.rules) == 1 {
		p.gram = 0
	}
	return p
}

// premultiply turns next into the walk's form: rows of 1<<shift entries, each child given
// by the start of its row (so that a step is a load and an add, with no multiply on the
// chain of dependent loads), negated when a string ends there.
func (p *prefilter) premultiply() {
	for 1<<p.shift < p.nclass {
		p.shift++
	}
	n := p.nclass
	next := make([]int32, len(p.rules)<<p.shift)
	for node := range p.rules {
		for c, child := range p.next[node*n : (node+1)*n] {
			if child == 0 {
				continue
			}
			v := child << p.shift
			if len(p.kws[child]) > 0 {
				v = -v
			}
			next[node<<p.shift+c] = v
		}
	}
	p.next = next
}

// foldGram is the case-folded gram of the first n bytes of s, folded as each folds.
func foldGram(s string, n int) uint32 {
	g := uint32(0)
	for j := 0; j < n; j++ {
		g |= uint32(s[j]|0x20) << (8 * j)
	}
	return g
}

// each calls fn for every occurrence in buf of a keyword or anchor, overlapping ones
// included, in the order of their starts (then of their lengths), until fn returns false:
// rules are the rules that have it as a keyword, kws the rules that have it as a keyword
// or anchor.
func (p *prefilter) each(buf []byte, fn func(start int, rules []int32, kws []kwHit) bool) {
	if p.gram == 0 {
		return
	}
	// Each position's gram is loaded whole, four bytes at a time, and case-folded by
	// setting bit 5 of every byte: that folds ASCII letters and merges some other pairs of
	// bytes ('\r' with '-'), which only lets a few more positions through to the trie. No
	// step depends on the last, so the loop pipelines.
	mask := uint32(1)<<(8*p.gram) - 1
	if p.gram == 4 {
		mask = ^uint32(0)
	}
	i := 0
	for p.gram == 4 {
		// Eight positions a step where the CPU has AVX2 and 16 bytes remain, else four.
		var at int
		var m uint64
		step := 4
		if wideGrams && i+16 <= len(buf) {
			if at, m = nextGramsAVX2(&p.begin, buf, i); m == 0 {
				i = at
				continue
			}
			step = 8
		} else if at, m = nextGrams(&p.begin, buf, i); m == 0 {
			i = at
			break
		}
		for ; m != 0; m &= m - 1 {
			if !p.walk(buf, at+bits.TrailingZeros64(m), fn) {
				return
			}
		}
		i = at + step
	}
	for ; i+4 <= len(buf); i++ {
		g := (binary.LittleEndian.Uint32(buf[i:]) | 0x20202020) & mask
		h := gramHash(g)
		if p.begin[h/64]&(1<<(h%64)) == 0 {
			continue
		}
		if !p.walk(buf, i, fn) {
			return
		}
	}
	// The last positions hold less than a load: the trie alone decides there.
	for ; i < len(buf); i++ {
		if !p.walk(buf, i, fn) {
			return
		}
	}
}

// nextGrams returns the first block of four positions, from i on, where a position's gram
// is in the set: its start, and the positions passing as bits of m. It returns m == 0 and
// the first position it did not look at when there is none before the last 8 bytes.
//
// Each step takes the four positions' grams from one 8-byte load, folded at once, and
// gathers their bits without a branch, so that only a passing block costs a mispredicted
// one. It is a function of its own, kept small, so that its loop has the registers to
// itself: nothing spills, and the prefilter runs 12% fewer instructions than with the loop
// inline (cachegrind, 10 MB of the secretsbench tree).
func nextGrams(begin *[1 << gramBits / 64]uint64, buf []byte, i int) (int, uint64) {
	for ; i+8 <= len(buf); i += 4 {
		w := binary.LittleEndian.Uint64(buf[i:]) | 0x2020202020202020
		h0 := gramHash(uint32(w))
		h1 := gramHash(uint32(w >> 8))
		h2 := gramHash(uint32(w >> 16))
		h3 := gramHash(uint32(w >> 24))
		m := begin[h0/64]>>(h0%64)&1 |
			(begin[h1/64]>>(h1%64)&1)<<1 |
			(begin[h2/64]>>(h2%64)&1)<<2 |
			(begin[h3/64]>>(h3%64)&1)<<3
		if m != 0 {
			return i, m
		}
	}
	return i, 0
}

// walk reports the strings that occur at buf[i:]; false when fn did.
func (p *prefilter) walk(buf []byte, i int, fn func(start int, rules []int32, kws []kwHit) bool) bool {
	s := int32(0)
	for j := i; j < len(buf); j++ {
		if s = p.next[s+int32(p.class[buf[j]])]; s == 0 {
			return true
		}
		if s < 0 {
			// A string ends here.
			s = -s
			if node := s >> p.shift; !fn(i, p.rules[node], p.kws[node]) {
				return false
			}
		}
	}
	return true
}

// scan marks in hit the rules (by index) with a keyword in buf and returns how many it
// newly marked. It stops early once want rules are marked.
func (p *prefilter) scan(buf []byte, hit []bool, want int) int {
	marked := 0
	p.each(buf, func(_ int, rules []int32, _ []kwHit) bool {
		for _, r := range rules {
			if !hit[r] {
				hit[r] = true
				marked++
			}
		}
		return marked < want
	})
	return marked
}

func lower(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}
