package policy

import (
	"slices"

	"gopkg.in/yaml.v3"
)

// pos is a position in the policy file: 1-based line, and 1-based column counted in
// characters, as yaml.v3 and CEL both count them.
type pos struct{ line, col int }

// splitLines splits the file where YAML counts line breaks (\r\n, \r, \n, NEL, LS, PS), so
// that line numbers agree with yaml.v3's. data must be valid UTF-8.
func splitLines(data []byte) [][]rune {
	s := []rune(string(data))
	if len(s) > 0 && s[0] == '\uFEFF' {
		// yaml.v3 skips a byte-order mark before it starts counting columns.
		s = s[1:]
	}
	var lines [][]rune
	start := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\r':
			lines = append(lines, s[start:i])
			if i+1 < len(s) && s[i+1] == '\n' {
				i++
			}
			start = i + 1
		case '\n', '\u0085', '\u2028', '\u2029':
			lines = append(lines, s[start:i])
			start = i + 1
		}
	}
	return append(lines, s[start:])
}

// scalarMap returns the file position of each character of the scalar n's value, then one
// more for the end of the value. CEL reports positions inside the value; YAML only says where
// the scalar starts, and quoting, escapes, indentation and line folding all move characters
// between the two. So the value is rebuilt from the file text, noting where each character
// comes from. It returns nil if the rebuilt value differs from yaml.v3's (an exotic scalar),
// for the caller to fall back to a coarser position rather than report a wrong one.
//
// parentIndent is the 0-based indentation of the mapping holding n, which an explicit block
// indentation indicator (`|2`) is relative to.
func scalarMap(lines [][]rune, n *yaml.Node, parentIndent int) []pos {
	want := []rune(n.Value)
	var b rebuilder
	if n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
		b.block(lines, n, parentIndent, len(want))
	} else {
		b.flow(lines, n, len(want))
	}
	if !slices.Equal(b.out, want) {
		return nil
	}
	// The end is just after the last character that is not a trailing line break: an error
	// at the end of `when: |` content belongs to the expression's last line, not the next key.
	end := pos{n.Line, n.Column}
	for i := len(b.out) - 1; i >= 0; i-- {
		if b.out[i] != '\n' {
			// Not past the end of the line, where a folded line break lies.
			p := b.ps[i]
			end = pos{p.line, min(p.col+1, len(lines[p.line-1])+1)}
			break
		}
	}
	return append(b.ps, end)
}

// rebuilder accumulates the rebuilt value and where each character came from.
type rebuilder struct {
	out []rune
	ps  []pos
	// Whitespace of a flow scalar is held back until something follows it on the line,
	// since whitespace before a line break is not part of the value.
	ws   []rune
	wsPs []pos
}

// emit appends r, found at the 0-based line l and column c.
func (b *rebuilder) emit(r rune, l, c int) {
	b.flushWS()
	b.out = append(b.out, r)
	b.ps = append(b.ps, pos{l + 1, c + 1})
}

func (b *rebuilder) flushWS() {
	b.out = append(b.out, b.ws...)
	b.ps = append(b.ps, b.wsPs...)
	b.ws, b.wsPs = b.ws[:0], b.wsPs[:0]
}

// valueStart skips a tag and an anchor ("!!str &a "), which yaml.v3 counts as the start of
// the node.
func valueStart(line []rune, c int) int {
	for c < len(line) && (line[c] == '!' || line[c] == '&') {
		for c < len(line) && line[c] != ' ' && line[c] != '\t' {
			c++
		}
		for c < len(line) && (line[c] == ' ' || line[c] == '\t') {
			c++
		}
	}
	return c
}

func isBlank(line []rune) bool {
	for _, r := range line {
		if r != ' ' && r != '\t' {
			return false
		}
	}
	return true
}

func leadingWS(line []rune) int {
	i := 0
	for i < len(line) && (line[i] == ' ' || line[i] == '\t') {
		i++
	}
	return i
}

// flow rebuilds a plain, single- or double-quoted scalar: a line break folds to a space, or
// to one newline per empty line that follows it; leading whitespace of the next line is
// dropped; a doubled single quote, and a backslash escape, stand for one character.
func (b *rebuilder) flow(lines [][]rune, n *yaml.Node, want int) {
	l, c := n.Line-1, n.Column-1
	if l < 0 || l >= len(lines) || c < 0 {
		return
	}
	c = valueStart(lines[l], c)
	var quote rune
	switch {
	case n.Style&yaml.DoubleQuotedStyle != 0:
		quote = '"'
	case n.Style&yaml.SingleQuotedStyle != 0:
		quote = '\''
	}
	if quote != 0 {
		if c >= len(lines[l]) || lines[l][c] != quote {
			return
		}
		c++
	}
	for len(b.out) < want && l < len(lines) {
		line := lines[l]
		if c >= len(line) {
			b.ws, b.wsPs = b.ws[:0], b.wsPs[:0]
			bl, bc := l, len(line)
			l++
			first := l
			for l < len(lines) && isBlank(lines[l]) {
				l++
			}
			if l == first {
				b.emit(' ', bl, bc)
			}
			for k := first; k < l; k++ {
				b.emit('\n', k, 0)
			}
			if l < len(lines) {
				c = leadingWS(lines[l])
			}
			continue
		}
		r := line[c]
		switch {
		case quote == '\'' && r == '\'':
			if c+1 < len(line) && line[c+1] == '\'' {
				b.emit('\'', l, c)
				c += 2
				continue
			}
			b.flushWS()
			return
		case quote == '"' && r == '"':
			b.flushWS()
			return
		case quote == '"' && r == '\\':
			if c+1 >= len(line) {
				// An escaped line break joins the lines with nothing between them.
				b.flushWS()
				l++
				if l < len(lines) {
					c = leadingWS(lines[l])
				}
				continue
			}
			dec, width, ok := unescape(line[c+1:])
			if !ok {
				return
			}
			b.emit(dec, l, c)
			c += 1 + width
		case r == ' ' || r == '\t':
			b.ws = append(b.ws, r)
			b.wsPs = append(b.wsPs, pos{l + 1, c + 1})
			c++
		default:
			b.emit(r, l, c)
			c++
		}
	}
}

var simpleEscapes = map[rune]rune{
	'0': 0, 'a': '\a', 'b': '\b', 't': '\t', '\t': '\t', 'n': '\n', 'v': '\v', 'f': '\f',
	'r': '\r', 'e': 0x1b, ' ': ' ', '"': '"', '/': '/', '\\': '\\', 'N': 0x85,
	'_': 0xa0, 'L': 0x2028, 'P': 0x2029,
}

// unescape decodes the double-quoted escape whose text follows the backslash, returning
// the character and how many characters of text it took.
func unescape(s []rune) (rune, int, bool) {
	if r, ok := simpleEscapes[s[0]]; ok {
		return r, 1, true
	}
	digits := map[rune]int{'x': 2, 'u': 4, 'U': 8}[s[0]]
	if digits == 0 || len(s) < 1+digits {
		return 0, 0, false
	}
	var v rune
	for _, h := range s[1 : 1+digits] {
		switch {
		case h >= '0' && h <= '9':
			v = v<<4 | (h - '0')
		case h >= 'a' && h <= 'f':
			v = v<<4 | (h - 'a' + 10)
		case h >= 'A' && h <= 'F':
			v = v<<4 | (h - 'A' + 10)
		default:
			return 0, 0, false
		}
	}
	return v, 1 + digits, true
}

// block rebuilds a literal (|) or folded (>) block scalar. Its content starts on the line
// after the indicator, with the indentation removed; a folded scalar joins two adjacent
// lines with a space unless either is more indented, and keeps one newline per empty line.
func (b *rebuilder) block(lines [][]rune, n *yaml.Node, parentIndent, want int) {
	l := n.Line - 1
	if l < 0 || l >= len(lines) {
		return
	}
	head := lines[l]
	c := valueStart(head, max(n.Column-1, 0))
	explicit := 0
	for c++; c < len(head) && head[c] != ' ' && head[c] != '\t' && head[c] != '#'; c++ {
		if head[c] >= '1' && head[c] <= '9' {
			explicit = int(head[c] - '0')
		}
	}
	l++
	indent := 0
	if explicit > 0 {
		indent = max(parentIndent, 0) + explicit
	} else {
		// As yaml.v3 detects it: the deepest indentation of the leading empty lines and the
		// first content line, and at least one more than the parent's.
		for k := l; k < len(lines); k++ {
			sp := 0
			for sp < len(lines[k]) && lines[k][sp] == ' ' {
				sp++
			}
			indent = max(indent, sp)
			if sp < len(lines[k]) {
				break
			}
		}
		indent = max(indent, parentIndent+1, 1)
	}
	fold := n.Style&yaml.FoldedStyle != 0
	var empties []int
	first, prevSpaced := true, false
	var brkL, brkC int
	for ; l < len(lines) && len(b.out) < want; l++ {
		line := lines[l]
		sp := 0
		for sp < len(line) && line[sp] == ' ' {
			sp++
		}
		if sp == len(line) && len(line) <= indent {
			empties = append(empties, l)
			continue
		}
		if sp < indent {
			break
		}
		content := line[indent:]
		spaced := content[0] == ' ' || content[0] == '\t'
		if !first {
			if fold && !prevSpaced && !spaced {
				if len(empties) == 0 {
					b.emit(' ', brkL, brkC)
				}
			} else {
				b.emit('\n', brkL, brkC)
			}
		}
		for _, e := range empties {
			b.emit('\n', e, min(len(lines[e]), indent))
		}
		empties = empties[:0]
		for i, r := range content {
			b.emit(r, l, indent+i)
		}
		brkL, brkC = l, len(line)
		first, prevSpaced = false, spaced
	}
	if first {
		// Only empty lines: each is a newline of the value.
		for _, e := range empties {
			b.emit('\n', e, 0)
		}
		return
	}
	// The final line break and, when chomping keeps them (|+), the trailing empty lines.
	if len(b.out) < want {
		b.emit('\n', brkL, brkC)
	}
	for _, e := range empties {
		if len(b.out) >= want {
			break
		}
		b.emit('\n', e, 0)
	}
}
