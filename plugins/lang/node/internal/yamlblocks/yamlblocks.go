// Package yamlblocks reads a block-style YAML document, such as pnpm-lock.yaml or a yarn
// berry yarn.lock, a few mapping entries at a time instead of as one tree.
//
// gopkg.in/yaml.v3 builds a yaml.Node tree of about twelve times the size of its input, so a
// lock file of several megabytes parsed whole would not fit the memory of an analyzer's
// WebAssembly sandbox. Lock file tools write block style, where every entry of a mapping
// starts on a line of its own at the mapping's indentation: this package cuts the text at
// those lines (Documents, Block.Entries, Block.Children) and parses the pieces a batch at a
// time (Batcher), so that memory is bounded by the batch, not by the file. A piece that is
// not valid YAML is an error for that entry only. Pieces are produced as they are needed:
// a hostile file of millions of tiny entries costs time, not memory.
//
// The pieces are parsed by a fast reader of the subset of YAML lock files use (fast.go),
// and by yaml.v3 when they step outside it; both give the same yaml.Node tree, with the
// lines of the whole file.
//
// What is given up: an alias cannot be relied on to refer to an anchor in another entry
// (lock files have neither). A document in flow style ("{...}", as JSON is) is one piece,
// parsed whole up to MaxBlock bytes.
package yamlblocks

import (
	"bytes"
	"fmt"
	"iter"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// MaxBlock bounds the bytes handed to the YAML parser at once, and so the size of one tree
// (about 50 MB for 4 MiB). Lock file entries are a few hundred bytes to a few hundred KB.
const MaxBlock = 4 << 20

// batchSize is how many bytes of consecutive entries a Batcher parses at once: parsing
// each entry alone costs a parser's setup per entry, more than the parsing itself for the
// small entries of a lock file.
const batchSize = 64 << 10

// A Block is a run of whole lines of the file: a document, or an entry of a mapping from
// its key's line up to the next entry at the same indentation (blank and comment lines
// after the entry included).
type Block struct {
	data       []byte // the whole file
	start, end int    // byte offsets of the block in data
	// Line is the 1-based line of the block's first line in the file.
	Line int
	// Indent is the indentation, in spaces, of the block's first line.
	Indent int
}

// An Error is a block that is not valid YAML, with its line in the file.
type Error struct {
	Line int
	Msg  string
}

func (e *Error) Error() string { return fmt.Sprintf("line %d: %s", e.Line, e.Msg) }

// lines iterates over the lines of data[start:end], giving each line's offset and text
// (without its line end).
func lines(data []byte, start, end int) iter.Seq2[int, []byte] {
	return func(yield func(int, []byte) bool) {
		for off := start; off < end; {
			next := bytes.IndexByte(data[off:end], '\n')
			if next < 0 {
				next = end
			} else {
				next += off + 1
			}
			if !yield(off, trimEOL(data[off:next])) {
				return
			}
			off = next
		}
	}
}

// Documents cuts a YAML stream into its documents: "---" and "..." at column 0 separate
// them, directives before a document are skipped, and documents without content are left
// out. A document's block starts at its first content line, or at its "---" when content
// follows the marker on its line ("--- {a: 1}").
func Documents(data []byte) iter.Seq[Block] {
	return func(yield func(Block) bool) {
		var cur *Block
		line := 1
		for off, text := range lines(data, 0, len(data)) {
			switch {
			case marker(text, "---") || marker(text, "..."):
				if cur != nil {
					cur.end = off
					if !yield(*cur) {
						return
					}
					cur = nil
				}
				if marker(text, "---") && !blank(text[3:]) {
					cur = &Block{data: data, start: off, end: len(data), Line: line}
				}
			case blank(text) || cur != nil:
			case text[0] == '%':
				// A directive (%YAML, %TAG) before a document.
			default:
				cur = &Block{data: data, start: off, end: len(data), Line: line, Indent: indentOf(text)}
			}
			line++
		}
		if cur != nil {
			yield(*cur)
		}
	}
}

// Entries cuts a document into its top-level blocks: one per line that starts at column 0
// with anything but a comment, a sequence entry ("- "), a flow collection's end or a
// continuation. A document in flow style (its first line starts with "{", "[" or a "---"
// marker) is one block.
func (d Block) Entries() iter.Seq[Block] {
	head := d.Head()
	if len(head) > 0 && (head[0] == '{' || head[0] == '[' || marker(head, "---")) {
		return func(yield func(Block) bool) { yield(d) }
	}
	return d.split(d.start, d.Line, func(text []byte) bool {
		return text[0] != ' ' && text[0] != '\t' && startsEntry(text)
	})
}

// split cuts data[from:b.end] (from starts line number line) into blocks, one starting at
// each line for which starts says so (and at the first content line). A block ends after
// its last content line: blank and comment lines between blocks belong to none.
func (b Block) split(from, line int, starts func(text []byte) bool) iter.Seq[Block] {
	return func(yield func(Block) bool) {
		var cur Block
		have := false
		for off, text := range lines(b.data, from, b.end) {
			if !blank(text) {
				if have && starts(text) {
					if !yield(cur) {
						return
					}
					have = false
				}
				if !have {
					cur, have = Block{data: b.data, start: off, Line: line, Indent: indentOf(text)}, true
				}
				cur.end = off + len(text)
				if cur.end < b.end && b.data[cur.end] == '\r' {
					cur.end++
				}
				if cur.end < b.end {
					cur.end++ // the line end
				}
			}
			line++
		}
		if have {
			yield(cur)
		}
	}
}

// Children cuts the value of a block whose first line is a key alone ("packages:") into the
// blocks of its entries, at the indentation of the first line after the key. key is that
// key's node. ok is false when the block is of another shape (a value on the key's line, a
// sequence, a key that is not a plain scalar): the caller then parses it whole.
func (b Block) Children() (key *yaml.Node, children iter.Seq[Block], ok bool) {
	first := bytes.IndexByte(b.data[b.start:b.end], '\n')
	if first < 0 {
		first = b.end
	} else {
		first += b.start + 1
	}
	head := Block{data: b.data, start: b.start, end: first, Line: b.Line, Indent: b.Indent}
	root, err := head.Parse()
	if err != nil || root == nil || root.Kind != yaml.MappingNode || len(root.Content) != 2 {
		return nil, nil, false
	}
	key, val := root.Content[0], root.Content[1]
	if key.Kind != yaml.ScalarNode || val.Kind != yaml.ScalarNode || val.Tag != "!!null" || val.Value != "" {
		return nil, nil, false
	}
	// The children's indentation is that of the first content line; a sequence there is
	// not a mapping's entries.
	indent := -1
	for _, text := range lines(b.data, first, b.end) {
		if !blank(text) {
			if indent = indentOf(text); indent <= b.Indent || !startsEntry(text[indent:]) {
				return nil, nil, false
			}
			break
		}
	}
	if indent < 0 {
		return key, func(func(Block) bool) {}, true
	}
	// Anything but a line at the children's indentation that starts an entry continues
	// the current entry, whose parse says what is wrong with it if anything is.
	return key, b.split(first, b.Line+1, func(text []byte) bool {
		return indentOf(text) == indent && startsEntry(text[indent:])
	}), true
}

// A Batcher parses consecutive blocks of one mapping (as Entries and Children give them) a
// batch at a time, and calls its function with the root of each batch, a mapping holding
// the entries of the batch's blocks, or with the error of a block that is not valid YAML
// (a batch that fails is parsed again block by block, so that one damaged entry does not
// take its neighbours with it). first is the number of blocks added before the batch's (or
// the failed block). An alias may refer to an anchor of another entry of its batch.
type Batcher struct {
	fn      func(first int, root *yaml.Node, err error)
	pending []Block
	added   int
}

// NewBatcher returns a Batcher that calls fn.
func NewBatcher(fn func(first int, root *yaml.Node, err error)) *Batcher {
	return &Batcher{fn: fn}
}

// Add adds the next block, parsing the pending ones first when the batch would grow too
// large. The batch's text runs from its first block to its last, with the blank and
// comment lines between them.
func (b *Batcher) Add(blk Block) {
	if n := len(b.pending); n > 0 && (blk.end-b.pending[0].start > batchSize || blk.start < b.pending[n-1].end) {
		b.Flush()
	}
	b.pending = append(b.pending, blk)
}

// Flush parses the pending blocks.
func (b *Batcher) Flush() {
	blocks := b.pending
	if len(blocks) == 0 {
		return
	}
	first := b.added
	b.added += len(blocks)
	b.pending = b.pending[:0]
	batch := blocks[0]
	batch.end = blocks[len(blocks)-1].end
	root, err := batch.Parse()
	if err == nil || len(blocks) == 1 {
		b.fn(first, root, err)
		return
	}
	for i, blk := range blocks {
		root, err := blk.Parse()
		b.fn(first+i, root, err)
	}
}

// Head is the text of the block's first line.
func (b Block) Head() []byte {
	line := b.data[b.start:b.end]
	if end := bytes.IndexByte(line, '\n'); end >= 0 {
		line = line[:end]
	}
	return trimEOL(line)
}

// Parse parses the block and returns its root node (nil for a block of comments), with the
// lines of all nodes counted from the start of the file. An alias is left as an alias node:
// nothing is expanded.
func (b Block) Parse() (root *yaml.Node, err error) {
	if b.end-b.start > MaxBlock {
		return nil, &Error{Line: b.Line, Msg: fmt.Sprintf("%d bytes in one YAML block, more than the %d read at once", b.end-b.start, MaxBlock)}
	}
	if root, ok := fast(b.data[b.start:b.end], b.Line); ok {
		return root, nil
	}
	var doc yaml.Node
	if err := unmarshal(b.data[b.start:b.end], &doc); err != nil {
		return nil, b.wrap(err)
	}
	if len(doc.Content) == 0 {
		return nil, nil
	}
	root = doc.Content[0]
	// Shift every line by the block's position; Content is a tree (an alias points back
	// through Alias, which is not followed), so each node is visited once.
	stack := []*yaml.Node{root}
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		n.Line += b.Line - 1
		stack = append(stack, n.Content...)
	}
	return root, nil
}

// unmarshal runs yaml.v3, turning a panic of the parser on hostile input into an error: a
// panic would stop the whole analyzer.
func unmarshal(data []byte, n *yaml.Node) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("yaml: parser failed: %v", r)
		}
	}()
	return yaml.Unmarshal(data, n)
}

// wrap gives a yaml.v3 error the line in the file.
func (b Block) wrap(err error) error {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	line := b.Line
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		if num, tail, ok := strings.Cut(rest, ": "); ok {
			if n, err := strconv.Atoi(num); err == nil && n > 0 {
				line, msg = b.Line+n-1, tail
			}
		}
	}
	return &Error{Line: line, Msg: msg}
}

// startsEntry says whether a line at the indentation of a block mapping's keys (text is the
// line from there) starts a new entry, rather than continuing the previous one: a sequence
// entry of an indentless sequence ("- x"), the value of an explicit key (": x"), the end of
// a flow collection, or a comment do not.
func startsEntry(text []byte) bool {
	if len(text) == 0 {
		return false
	}
	switch text[0] {
	case '#', '}', ']', ',':
		return false
	case '-', ':':
		return len(text) > 1 && !isSpace(text[1])
	}
	return true
}

func marker(text []byte, m string) bool {
	return bytes.HasPrefix(text, []byte(m)) && (len(text) == 3 || isSpace(text[3]))
}

// blank says whether a line is empty, spaces or a comment.
func blank(text []byte) bool {
	t := bytes.TrimLeft(text, " \t")
	return len(t) == 0 || t[0] == '#'
}

func indentOf(text []byte) int {
	n := 0
	for n < len(text) && text[n] == ' ' {
		n++
	}
	return n
}

func trimEOL(line []byte) []byte {
	line = bytes.TrimSuffix(line, []byte("\n"))
	return bytes.TrimSuffix(line, []byte("\r"))
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }
