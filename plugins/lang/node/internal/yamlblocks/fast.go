package yamlblocks

import (
	"bytes"
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// fast parses the subset of YAML that lock file tools write, giving the tree yaml.v3 gives
// for the same text, several times faster and with far fewer allocations: yaml.v3 reads
// about 0.5 MB/s inside the WebAssembly sandbox, where a 15 MB pnpm-lock.yaml took 30 s to
// parse with it alone and takes 7 s with fast.
//
// The subset: block mappings and sequences indented with spaces; keys and values that are
// plain scalars on one line, or quoted on one line without escapes; flow mappings and
// sequences of such scalars on one line; comments. Anything else (anchors, aliases, tags,
// block scalars, multi-line scalars, nested flow collections, escapes, tabs, text yaml.v3
// would refuse) makes it give up, and the caller parses the text with yaml.v3. A
// differential test checks the two agree wherever fast answers.
func fast(data []byte, firstLine int) (*yaml.Node, bool) {
	if !printable(data) || bytes.HasPrefix(data, []byte("%")) {
		return nil, false // a directive: the stream's business
	}
	p := &fastParser{data: data, line: firstLine - 1}
	p.next()
	if p.eof {
		return nil, false // comments only: leave the empty document to yaml.v3
	}
	n, ok := p.block(p.indent)
	if !ok || !p.eof || p.marker {
		return nil, false
	}
	return n, true
}

// maxKey is the longest implicit key YAML allows, 1024 characters (here bytes, which is
// stricter).
const maxKey = 1024

type fastParser struct {
	data []byte
	off  int // start of the line after the current one
	// The current content line (blank and comment lines are skipped).
	text   []byte // after the indentation, without the line end
	indent int
	line   int
	eof    bool
	marker bool // a document marker was met
}

// next moves to the next content line.
func (p *fastParser) next() {
	for p.off < len(p.data) {
		end := bytes.IndexByte(p.data[p.off:], '\n')
		var raw []byte
		if end < 0 {
			raw, p.off = p.data[p.off:], len(p.data)
		} else {
			raw, p.off = p.data[p.off:p.off+end], p.off+end+1
		}
		p.line++
		raw = bytes.TrimSuffix(raw, []byte("\r"))
		n := 0
		for n < len(raw) && raw[n] == ' ' {
			n++
		}
		text := raw[n:]
		if len(text) == 0 {
			continue
		}
		if text[0] == '#' {
			continue
		}
		if n == 0 && (marker(text, "---") || marker(text, "...")) {
			p.marker = true // a document boundary: the stream's business
		}
		p.text, p.indent = text, n
		return
	}
	p.text, p.eof = nil, true
}

// block parses the block node whose first line is the current one, at indentation indent.
func (p *fastParser) block(indent int) (*yaml.Node, bool) {
	if isItem(p.text) {
		return p.sequence(indent)
	}
	return p.mapping(indent)
}

func isItem(text []byte) bool {
	return text[0] == '-' && (len(text) == 1 || text[1] == ' ')
}

func (p *fastParser) mapping(indent int) (*yaml.Node, bool) {
	m := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: p.line, Column: indent + 1}
	for !p.eof && p.indent == indent && !isItem(p.text) {
		key, rest, ok := blockKey(p.text)
		if !ok || len(key) > maxKey {
			return nil, false
		}
		k, ok := scalar(key, p.line, indent+1)
		if !ok {
			return nil, false
		}
		line := p.line
		col := indent + 1 + len(p.text) - len(rest)
		rest = trimComment(rest)
		var v *yaml.Node
		if len(rest) > 0 {
			if v, ok = inline(rest, line, col); !ok {
				return nil, false
			}
			p.next()
		} else {
			p.next()
			switch {
			case !p.eof && p.indent > indent:
				v, ok = p.block(p.indent)
			case !p.eof && p.indent == indent && isItem(p.text):
				v, ok = p.sequence(indent) // an indentless sequence
			default:
				v, ok = &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Line: line, Column: col}, true
			}
			if !ok {
				return nil, false
			}
		}
		m.Content = append(m.Content, k, v)
	}
	if !p.eof && p.indent > indent {
		return nil, false
	}
	return m, true
}

func (p *fastParser) sequence(indent int) (*yaml.Node, bool) {
	s := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Line: p.line, Column: indent + 1}
	for !p.eof && p.indent == indent && isItem(p.text) {
		item := trimComment(bytes.TrimLeft(p.text[1:], " "))
		if len(item) == 0 || isItem(item) {
			return nil, false // a nested block in an item
		}
		if _, _, isMap := blockKey(item); isMap {
			return nil, false // "- key: value", a mapping in an item
		}
		v, ok := inline(item, p.line, indent+1+len(p.text)-len(item))
		if !ok {
			return nil, false
		}
		s.Content = append(s.Content, v)
		p.next()
	}
	if !p.eof && p.indent > indent {
		return nil, false
	}
	return s, true
}

// blockKey splits "key: rest" (or "key:" at the end of the line). ok is false when the
// line is not a key of a block mapping.
func blockKey(text []byte) (key, rest []byte, ok bool) {
	if text[0] == '"' || text[0] == '\'' {
		end := closeQuote(text)
		if end < 0 || end+1 >= len(text) || text[end+1] != ':' || end+2 < len(text) && text[end+2] != ' ' {
			return nil, nil, false
		}
		return text[:end+1], text[end+2:], true
	}
	for i := 0; i < len(text); i++ {
		switch text[i] {
		case ':':
			if i+1 == len(text) || text[i+1] == ' ' {
				key = bytes.TrimRight(text[:i], " ")
				return key, text[i+1:], len(key) > 0
			}
		case '#':
			if i > 0 && text[i-1] == ' ' {
				return nil, nil, false
			}
		}
	}
	return nil, nil, false
}

// closeQuote returns the index of the quote closing the quoted scalar text starts with, or
// -1 (also for a double-quoted scalar with escapes, which fast leaves to yaml.v3).
func closeQuote(text []byte) int {
	q := text[0]
	for i := 1; i < len(text); i++ {
		switch {
		case q == '"' && text[i] == '\\':
			return -1
		case text[i] == q && q == '\'' && i+1 < len(text) && text[i+1] == '\'':
			i++ // an escaped quote
		case text[i] == q:
			return i
		}
	}
	return -1
}

// trimComment drops spaces and a comment after a value.
func trimComment(text []byte) []byte {
	text = bytes.TrimLeft(text, " ")
	if len(text) == 0 || text[0] == '"' || text[0] == '\'' || text[0] == '{' || text[0] == '[' {
		return text // the scalar's or collection's parser sees what follows its end
	}
	if i := bytes.Index(text, []byte(" #")); i >= 0 {
		text = text[:i]
	}
	if len(text) > 0 && text[0] == '#' {
		return nil
	}
	return bytes.TrimRight(text, " ")
}

// inline parses a value written on its key's line: a scalar or a flow collection.
func inline(text []byte, line, col int) (*yaml.Node, bool) {
	switch text[0] {
	case '{', '[':
		n, rest, ok := flow(text, line, col)
		if !ok || len(trimComment(rest)) > 0 {
			return nil, false
		}
		return n, true
	case '"', '\'':
		end := closeQuote(text)
		if end < 0 || len(trimComment(text[end+1:])) > 0 || len(text) > end+1 && text[end+1] != ' ' {
			return nil, false
		}
		return scalar(text[:end+1], line, col)
	}
	return scalar(text, line, col)
}

// flow parses a flow mapping or sequence of scalars, returning what follows it.
func flow(text []byte, line, col int) (*yaml.Node, []byte, bool) {
	n := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Style: yaml.FlowStyle, Line: line, Column: col}
	closer := byte(']')
	if text[0] == '{' {
		n.Kind, n.Tag, closer = yaml.MappingNode, "!!map", '}'
	}
	i := 1
	skip := func() {
		for i < len(text) && text[i] == ' ' {
			i++
		}
	}
	// item reads a scalar.
	item := func() (*yaml.Node, bool) {
		skip()
		start := i
		if i < len(text) && (text[i] == '"' || text[i] == '\'') {
			end := closeQuote(text[i:])
			if end < 0 {
				return nil, false
			}
			i += end + 1
		} else {
			// As yaml.v3 does: a plain scalar in a flow collection ends at a flow
			// indicator or '?', or at ':' and a blank.
			for i < len(text) && strings.IndexByte(",?[]{}", text[i]) < 0 {
				if text[i] == ':' && (i+1 == len(text) || text[i+1] == ' ') {
					break
				}
				i++
			}
		}
		t := bytes.TrimRight(text[start:i], " ")
		if len(t) == 0 {
			return nil, false // an empty key or value: null, or an error
		}
		s, ok := scalar(t, line, col+start)
		skip()
		return s, ok
	}
	skip()
	if i < len(text) && text[i] == closer {
		return n, text[i+1:], true
	}
	for {
		k, ok := item()
		if !ok {
			return nil, nil, false
		}
		if n.Kind == yaml.MappingNode {
			if len(k.Value) > maxKey || i >= len(text) || text[i] != ':' || i+1 < len(text) && text[i+1] != ' ' {
				return nil, nil, false
			}
			i++
			v, ok := item()
			if !ok {
				return nil, nil, false
			}
			n.Content = append(n.Content, k, v)
		} else {
			if i < len(text) && text[i] == ':' {
				return nil, nil, false // a pair in a sequence
			}
			n.Content = append(n.Content, k)
		}
		if i >= len(text) {
			return nil, nil, false
		}
		switch text[i] {
		case closer:
			return n, text[i+1:], true
		case ',':
			i++
			skip()
			if i < len(text) && text[i] == closer {
				return n, text[i+1:], true // a trailing comma
			}
		default:
			return nil, nil, false
		}
	}
}

// scalar makes the node of a plain or quoted scalar as written (quotes included), or gives
// up on what the subset leaves out.
func scalar(text []byte, line, col int) (*yaml.Node, bool) {
	n := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Line: line, Column: col}
	if len(text) == 0 {
		return nil, false
	}
	switch c := text[0]; c {
	case '\'':
		n.Style = yaml.SingleQuotedStyle
		n.Value = string(bytes.ReplaceAll(text[1:len(text)-1], []byte("''"), []byte("'")))
		return n, true
	case '"':
		n.Style = yaml.DoubleQuotedStyle
		n.Value = string(text[1 : len(text)-1])
		return n, true
	case ',', '[', ']', '{', '}', '#', '&', '*', '!', '|', '>', '%', '@', '`', '?', ':':
		// Indicators; "?" and ":" may start a plain scalar in YAML 1.2, but not for
		// yaml.v3 everywhere.
		return nil, false
	case '-':
		if len(text) == 1 || text[1] == ' ' {
			return nil, false
		}
	}
	if bytes.Contains(text, []byte(": ")) || text[len(text)-1] == ':' || bytes.Contains(text, []byte(" #")) {
		return nil, false
	}
	n.Value = string(text)
	n.Tag = plainTag(n.Value)
	return n, true
}

// plainTag resolves a plain scalar as yaml.v3 does, for the tags the parsers look at: null
// and booleans. Other scalars are left as strings; their text is what matters.
func plainTag(s string) string {
	switch s {
	case "~", "null", "Null", "NULL":
		return "!!null"
	case "true", "True", "TRUE", "false", "False", "FALSE":
		return "!!bool"
	}
	return "!!str"
}

// printable says whether data holds only what YAML allows in a stream (yaml.v3 refuses the
// rest): no control characters but line ends, no tabs (fast leaves them to yaml.v3), valid
// UTF-8, no byte order mark, and no line breaks but "\n" and "\r\n".
func printable(data []byte) bool {
	for i := 0; i < len(data); {
		c := data[i]
		if c < utf8.RuneSelf {
			if c < 0x20 && c != '\n' && c != '\r' || c == 0x7f {
				return false
			}
			if c == '\r' && (i+1 == len(data) || data[i+1] != '\n') {
				return false
			}
			i++
			continue
		}
		r, size := utf8.DecodeRune(data[i:])
		switch {
		case r == utf8.RuneError && size == 1,
			r < 0xa0,                   // C1 controls, and NEL, which YAML 1.1 takes for a line break
			r == 0x2028 || r == 0x2029, // line and paragraph separators, line breaks too
			r >= 0xd800 && r <= 0xdfff, r == 0xfeff, r == 0xfffe, r == 0xffff:
			return false
		}
		i += size
	}
	return true
}
