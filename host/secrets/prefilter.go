package secrets

// prefilter finds, in one pass over a buffer, which rules have a keyword occurring in it,
// ASCII case-insensitively. It is an Aho-Corasick automaton compiled to a dense DFA over
// byte classes: every byte that occurs in no keyword shares class 0, and upper-case ASCII
// letters share the class of their lower-case form. Non-ASCII bytes match only exactly.
//
// Transitions hold the target state already multiplied by the number of classes (so the
// inner loop has no multiply), with acceptFlag set when the target state ends a keyword.
type prefilter struct {
	class [256]uint8
	// start[c]: c can begin a keyword (the root has a transition on it). In the root
	// state, scan skips the other bytes without going through the automaton.
	start  [256]bool
	nclass uint32
	delta  []uint32
	// rules[state] are the rules that have a keyword ending at that state (fail links
	// included); indexed by state number (offset / nclass).
	rules [][]int32
}

const acceptFlag = 1 << 31

// newPrefilter builds the automaton; keywords[i] are the keywords of rule i.
func newPrefilter(keywords [][]string) *prefilter {
	p := &prefilter{}
	// Byte classes.
	next := uint8(1)
	for _, ks := range keywords {
		for _, k := range ks {
			for i := 0; i < len(k); i++ {
				c := lower(k[i])
				if p.class[c] == 0 { // at most 230 distinct lower-cased bytes: next fits
					p.class[c] = next
					next++
				}
			}
		}
	}
	for c := 'A'; c <= 'Z'; c++ {
		p.class[c] = p.class[c+'a'-'A']
	}
	p.nclass = uint32(next)
	n := p.nclass

	// Trie, with goto[state*n+class] = state+1 (0 = none).
	type node struct {
		next  []int32
		fail  int32
		rules []int32
	}
	nodes := []node{{next: make([]int32, n)}}
	for ri, ks := range keywords {
		for _, k := range ks {
			s := int32(0)
			for i := 0; i < len(k); i++ {
				c := p.class[lower(k[i])]
				if nodes[s].next[c] == 0 {
					nodes = append(nodes, node{next: make([]int32, n)})
					nodes[s].next[c] = int32(len(nodes) - 1)
				}
				s = nodes[s].next[c]
			}
			if !containsInt(nodes[s].rules, int32(ri)) {
				nodes[s].rules = append(nodes[s].rules, int32(ri))
			}
		}
	}
	// Breadth-first: fail links, then complete the transitions (the DFA).
	queue := make([]int32, 0, len(nodes))
	for c := uint32(0); c < n; c++ {
		if t := nodes[0].next[c]; t != 0 {
			nodes[t].fail = 0
			queue = append(queue, t)
		}
	}
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		f := nodes[s].fail
		for _, r := range nodes[f].rules {
			if !containsInt(nodes[s].rules, r) {
				nodes[s].rules = append(nodes[s].rules, r)
			}
		}
		for c := uint32(0); c < n; c++ {
			t := nodes[s].next[c]
			if t != 0 {
				nodes[t].fail = nodes[f].next[c]
				queue = append(queue, t)
			} else {
				nodes[s].next[c] = nodes[f].next[c]
			}
		}
	}
	for c := 0; c < 256; c++ {
		p.start[c] = nodes[0].next[p.class[c]] != 0
	}
	p.delta = make([]uint32, len(nodes)*int(n))
	p.rules = make([][]int32, len(nodes))
	for s := range nodes {
		p.rules[s] = nodes[s].rules
		for c := uint32(0); c < n; c++ {
			t := nodes[s].next[c]
			v := uint32(t) * n
			if len(nodes[t].rules) > 0 {
				v |= acceptFlag
			}
			p.delta[uint32(s)*n+c] = v
		}
	}
	return p
}

// scan marks in hit the rules (by index) with a keyword in buf and returns how many it
// newly marked. It stops early once want rules are marked.
func (p *prefilter) scan(buf []byte, hit []bool, want int) int {
	marked := 0
	s := uint32(0)
	delta, class, start := p.delta, &p.class, &p.start
	for i := 0; i < len(buf); i++ {
		if s == 0 {
			for i < len(buf) && !start[buf[i]] {
				i++
			}
			if i == len(buf) {
				break
			}
		}
		s = delta[s+uint32(class[buf[i]])]
		if s&acceptFlag != 0 {
			s &^= acceptFlag
			for _, r := range p.rules[s/p.nclass] {
				if !hit[r] {
					hit[r] = true
					marked++
				}
			}
			if marked >= want {
				return marked
			}
		}
	}
	return marked
}

// each calls fn for every keyword occurrence in buf, overlapping ones included, in the
// order of their ends: end is the index after its last byte, rules the rules that have a
// keyword ending there.
func (p *prefilter) each(buf []byte, fn func(end int, rules []int32)) {
	s := uint32(0)
	delta, class, start := p.delta, &p.class, &p.start
	for i := 0; i < len(buf); i++ {
		if s == 0 {
			for i < len(buf) && !start[buf[i]] {
				i++
			}
			if i == len(buf) {
				break
			}
		}
		s = delta[s+uint32(class[buf[i]])]
		if s&acceptFlag != 0 {
			s &^= acceptFlag
			fn(i+1, p.rules[s/p.nclass])
		}
	}
}

func lower(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

func containsInt(s []int32, v int32) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}
