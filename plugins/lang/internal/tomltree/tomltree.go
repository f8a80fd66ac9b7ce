// Package tomltree reads a TOML document into a tree of tables, arrays and scalars that
// keeps the line each value was defined on, so that lock file analyzers can say where a
// package is.
//
// It is built on the expression parser of github.com/pelletier/go-toml/v2 (package
// unstable), not on a reflection decoder: the parser gives every key its position in the
// input, which no decoder exposes, and leaves out the reflection machinery that would make
// the WebAssembly module larger and slower to compile (see plugins/lang/main.go). This
// package adds the table semantics on top: [table] and [[array.of.tables]] headers, dotted
// keys, inline tables, and the errors TOML requires for keys defined twice.
//
// Scalars other than strings keep their text as written ("1", "true", "1979-05-27"):
// lock files need strings, and the others only need telling apart.
package tomltree

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math/bits"
	"strings"

	"github.com/pelletier/go-toml/v2/unstable"
)

// Kind is the kind of a value.
type Kind uint8

// Kinds of values.
const (
	String Kind = iota + 1
	Integer
	Float
	Bool
	DateTime
	Array
	Table
)

func (k Kind) String() string {
	switch k {
	case String:
		return "string"
	case Integer:
		return "integer"
	case Float:
		return "float"
	case Bool:
		return "boolean"
	case DateTime:
		return "date-time"
	case Array:
		return "array"
	case Table:
		return "table"
	}
	return "invalid"
}

// Value is a node of the tree.
type Value struct {
	Kind Kind
	// Line is the 1-based line of the key that defined the value, of the header that
	// opened a table, or of an array element itself.
	Line int
	// Str is a string's value, or the text of another scalar as written.
	Str string
	// Items are the elements of an array, including an array of tables.
	Items []*Value
	// Keys and Vals are a table's entries in the order of the document.
	Keys []string
	Vals []*Value

	index map[string]int // key -> position, once a table has many keys
	// How the value came to be, for the rules on defining a key twice.
	header   bool // a table opened by a [header]
	implicit bool // a table created as the parent of a header or dotted key
	dotted   bool // a table created by a dotted key (a.b = 1)
	inline   bool // an inline table or a static array: closed once written
	aot      bool // an array of tables, made by [[headers]]
}

// Get returns the value of key in table v, or nil (also when v is nil or not a table).
func (v *Value) Get(key string) *Value {
	if v == nil || v.Kind != Table {
		return nil
	}
	if v.index != nil {
		if i, ok := v.index[key]; ok {
			return v.Vals[i]
		}
		return nil
	}
	for i, k := range v.Keys {
		if k == key {
			return v.Vals[i]
		}
	}
	return nil
}

// String returns the string at key in table v, and whether there is one.
func (v *Value) String(key string) (string, bool) {
	s := v.Get(key)
	if s == nil || s.Kind != String {
		return "", false
	}
	return s.Str, true
}

// Tables returns the tables of the array at key in table v, skipping elements that are not
// tables; nil when there is no such array.
func (v *Value) Tables(key string) []*Value {
	a := v.Get(key)
	if a == nil || a.Kind != Array {
		return nil
	}
	out := make([]*Value, 0, len(a.Items))
	for _, it := range a.Items {
		if it.Kind == Table {
			out = append(out, it)
		}
	}
	return out
}

// Strings returns the strings of the array at key in table v, skipping other elements.
func (v *Value) Strings(key string) []string {
	a := v.Get(key)
	if a == nil || a.Kind != Array {
		return nil
	}
	var out []string
	for _, it := range a.Items {
		if it.Kind == String {
			out = append(out, it.Str)
		}
	}
	return out
}

// indexFrom is the number of keys from which a table keeps a map: below it a scan is
// cheaper than the map, above it the scan would make a table of n keys cost n².
const indexFrom = 16

func (v *Value) set(key string, val *Value) {
	if v.Keys == nil {
		// Most tables have a few keys: one allocation each, not one per doubling.
		v.Keys, v.Vals = make([]string, 0, 4), make([]*Value, 0, 4)
	}
	v.Keys = append(v.Keys, key)
	v.Vals = append(v.Vals, val)
	if v.index == nil && len(v.Keys) > indexFrom {
		v.index = make(map[string]int, 2*len(v.Keys))
		for i, k := range v.Keys {
			v.index[k] = i
		}
	} else if v.index != nil {
		v.index[key] = len(v.Keys) - 1
	}
}

// Error is a document that is not valid TOML, or that defines a key twice.
type Error struct {
	Line int // 1-based; 0 when unknown
	Msg  string
}

func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("line %d: %s", e.Line, e.Msg)
	}
	return e.Msg
}

// Options tune Parse.
type Options struct {
	// Skip, when set, is asked about every key path of two keys or more defined by a header
	// or a key/value pair ("package", "wheels" for the wheels of a [[package]]); a path it
	// returns true for is parsed but not kept. Lock files are mostly file lists and hashes
	// that an analyzer never reads; not building them saves most of the memory and
	// allocation. Top-level keys are always kept, so that a document is never empty by
	// skipping.
	Skip func(path []string) bool
}

// Parse reads a TOML document. The root is a table; an empty document gives an empty one.
func Parse(data []byte, opts Options) (*Value, error) {
	b := &builder{data: data, skip: opts.Skip}
	b.root = b.newValue(Value{Kind: Table, Line: 1, header: true})
	b.cur = b.root
	b.p.Reset(data)
	for b.p.NextExpression() {
		if err := b.expression(b.p.Expression()); err != nil {
			return nil, err
		}
	}
	if err := b.p.Error(); err != nil {
		var perr *unstable.ParserError
		if errors.As(err, &perr) {
			return nil, &Error{Line: b.lineOfSlice(perr.Highlight), Msg: perr.Message}
		}
		return nil, &Error{Msg: err.Error()}
	}
	return b.root, nil
}

type builder struct {
	p    unstable.Parser
	data []byte
	skip func([]string) bool
	root *Value
	// cur is the table key/value pairs go to; nil while skipping a table's content.
	cur     *Value
	curPath []string
	// lineOff and line are a position already counted: positions are asked for in the
	// order of the document, so each byte is counted once.
	lineOff, line int

	// Allocation is most of what the builder adds to the parser: values come from blocks,
	// and short strings, which repeat (keys, registry URLs, markers), are shared. Together
	// they halve the allocations of a real uv.lock.
	slab     []Value
	slabNext int // size of the next block
	interned map[string]string
}

// maxSlab is the most values allocated at once; blocks start small and double, so that a
// small document does not pay for a big block.
const maxSlab = 256

// Bounds on the strings shared: short ones, and not without end (a hostile file could
// have millions of distinct keys).
const (
	maxInternedLen = 64
	maxInterned    = 4096
)

func (b *builder) newValue(v Value) *Value {
	if len(b.slab) == 0 {
		b.slabNext = min(max(2*b.slabNext, 16), maxSlab)
		b.slab = make([]Value, b.slabNext)
	}
	p := &b.slab[0]
	b.slab = b.slab[1:]
	*p = v
	return p
}

// str returns data as a string, shared with equal short strings met before.
func (b *builder) str(data []byte) string {
	if len(data) > maxInternedLen {
		return string(data)
	}
	if s, ok := b.interned[string(data)]; ok {
		return s
	}
	s := string(data)
	if b.interned == nil {
		b.interned = make(map[string]string, 64)
	}
	if len(b.interned) < maxInterned {
		b.interned[s] = s
	}
	return s
}

func (b *builder) expression(e *unstable.Node) error {
	switch e.Kind {
	case unstable.Table, unstable.ArrayTable:
		keys, line := b.keys(e.Key())
		b.curPath = keys
		if b.skip != nil && len(keys) > 1 && b.skip(keys) {
			b.cur = nil
			return nil
		}
		t, err := b.header(keys, line, e.Kind == unstable.ArrayTable)
		if err != nil {
			return err
		}
		b.cur = t
		return nil
	case unstable.KeyValue:
		if b.cur == nil {
			return nil
		}
		keys, line := b.keys(e.Key())
		if b.skip != nil {
			full := append(b.curPath[:len(b.curPath):len(b.curPath)], keys...)
			if len(full) > 1 && b.skip(full) {
				return nil
			}
		}
		val, err := b.value(e.Value(), line)
		if err != nil {
			return err
		}
		return b.define(b.cur, keys, val, line, false)
	}
	return nil
}

// keys returns the parts of a (possibly dotted) key and the line it starts on.
func (b *builder) keys(it unstable.Iterator) ([]string, int) {
	var keys []string
	line := 0
	for it.Next() {
		n := it.Node()
		if line == 0 {
			line = b.lineOf(n.Raw)
		}
		keys = append(keys, b.str(n.Data))
	}
	return keys, line
}

// header opens the table of a [header] or a new element of an [[array.of.tables]].
func (b *builder) header(keys []string, line int, array bool) (*Value, error) {
	t := b.root
	for i, k := range keys[:len(keys)-1] {
		next := t.Get(k)
		switch {
		case next == nil:
			next = b.newValue(Value{Kind: Table, Line: line, implicit: true})
			t.set(k, next)
		case next.Kind == Table && !next.inline:
		case next.Kind == Array && next.aot:
			next = next.Items[len(next.Items)-1]
		default:
			return nil, &Error{Line: line, Msg: fmt.Sprintf("key %s is already defined as %s", join(keys[:i+1]), article(next))}
		}
		t = next
	}
	last := keys[len(keys)-1]
	ex := t.Get(last)
	if array {
		el := b.newValue(Value{Kind: Table, Line: line, header: true})
		switch {
		case ex == nil:
			t.set(last, b.newValue(Value{Kind: Array, Line: line, aot: true, Items: []*Value{el}}))
		case ex.Kind == Array && ex.aot:
			ex.Items = append(ex.Items, el)
		default:
			return nil, &Error{Line: line, Msg: fmt.Sprintf("[[%s]]: key is already defined as %s", join(keys), article(ex))}
		}
		return el, nil
	}
	switch {
	case ex == nil:
		nt := b.newValue(Value{Kind: Table, Line: line, header: true})
		t.set(last, nt)
		return nt, nil
	case ex.Kind == Table && ex.implicit && !ex.header && !ex.dotted:
		// [a.b] made a implicitly; [a] may still define it, once.
		ex.header, ex.Line = true, line
		return ex, nil
	case ex.Kind == Table && (ex.header || ex.dotted):
		return nil, &Error{Line: line, Msg: fmt.Sprintf("table [%s] is defined twice", join(keys))}
	default:
		return nil, &Error{Line: line, Msg: fmt.Sprintf("[%s]: key is already defined as %s", join(keys), article(ex))}
	}
}

// define sets a (possibly dotted) key in table t. inInline is true inside an inline table,
// whose dotted keys make inline (closed) tables.
func (b *builder) define(t *Value, keys []string, val *Value, line int, inInline bool) error {
	for i, k := range keys[:len(keys)-1] {
		next := t.Get(k)
		switch {
		case next == nil:
			next = b.newValue(Value{Kind: Table, Line: line, dotted: true, inline: inInline})
			t.set(k, next)
		case next.Kind == Table && next.dotted && next.inline == inInline:
		default:
			return &Error{Line: line, Msg: fmt.Sprintf("key %s is already defined as %s", join(keys[:i+1]), article(next))}
		}
		t = next
	}
	last := keys[len(keys)-1]
	if ex := t.Get(last); ex != nil {
		return &Error{Line: line, Msg: fmt.Sprintf("key %s is defined twice (first on line %d)", join(keys), ex.Line)}
	}
	t.set(last, val)
	return nil
}

// value converts a value node; line is the line of its key, for nodes without a position.
func (b *builder) value(n *unstable.Node, line int) (*Value, error) {
	if n.Raw.Length > 0 {
		line = b.lineOf(n.Raw)
	}
	switch n.Kind {
	case unstable.String:
		return b.newValue(Value{Kind: String, Line: line, Str: b.str(n.Data)}), nil
	case unstable.Integer:
		return b.newValue(Value{Kind: Integer, Line: line, Str: b.str(n.Data)}), nil
	case unstable.Float:
		return b.newValue(Value{Kind: Float, Line: line, Str: b.str(n.Data)}), nil
	case unstable.Bool:
		return b.newValue(Value{Kind: Bool, Line: line, Str: b.str(n.Data)}), nil
	case unstable.LocalDate, unstable.LocalTime, unstable.LocalDateTime, unstable.DateTime:
		return b.newValue(Value{Kind: DateTime, Line: line, Str: b.str(n.Data)}), nil
	case unstable.Array:
		a := b.newValue(Value{Kind: Array, Line: line, inline: true})
		it := n.Children()
		for it.Next() {
			el, err := b.value(it.Node(), line)
			if err != nil {
				return nil, err
			}
			a.Items = append(a.Items, el)
		}
		return a, nil
	case unstable.InlineTable:
		t := b.newValue(Value{Kind: Table, Line: line, inline: true})
		it := n.Children()
		for it.Next() {
			kv := it.Node()
			if kv.Kind != unstable.KeyValue {
				continue
			}
			keys, kline := b.keys(kv.Key())
			val, err := b.value(kv.Value(), kline)
			if err != nil {
				return nil, err
			}
			if err := b.define(t, keys, val, kline, true); err != nil {
				return nil, err
			}
		}
		return t, nil
	}
	return nil, &Error{Line: line, Msg: fmt.Sprintf("unexpected %s value", n.Kind)}
}

// countNL counts the '\n' in b eight bytes at a time. Inside WebAssembly a byte loop
// costs a cancellation check per byte, added by the host (WithCloseOnContextDone), which
// made counting lines with bytes.Count the builder's largest cost there: 25 ms for a
// 705 KB uv.lock. For each word, x has a zero byte where b has a '\n'; adding 0x7f to the
// low seven bits of each byte sets the high bit of every byte but the zero ones, without
// a carry between bytes, so the count is exact.
func countNL(b []byte) int {
	const (
		low7 = 0x7f7f7f7f7f7f7f7f
		nls  = 0x0a0a0a0a0a0a0a0a
	)
	n := 0
	i := 0
	for ; i+8 <= len(b); i += 8 {
		x := binary.LittleEndian.Uint64(b[i:]) ^ nls
		n += bits.OnesCount64(^((x&low7 + low7) | x | low7))
	}
	for ; i < len(b); i++ {
		if b[i] == '\n' {
			n++
		}
	}
	return n
}

// lineOf returns the line a range of the input starts on.
func (b *builder) lineOf(r unstable.Range) int { return b.lineAt(int(r.Offset)) }

// lineOfSlice returns the line of a slice of the input (an error's highlight), clamped to
// the input.
func (b *builder) lineOfSlice(s []byte) int {
	off := cap(b.data) - cap(s)
	if off < 0 || off > len(b.data) {
		return 0
	}
	return b.lineAt(off)
}

func (b *builder) lineAt(off int) int {
	if off < b.lineOff {
		b.lineOff, b.line = 0, 0
	}
	b.line += countNL(b.data[b.lineOff:off])
	b.lineOff = off
	return b.line + 1
}

func join(keys []string) string {
	parts := make([]string, len(keys))
	for i, k := range keys {
		if k != "" && strings.Trim(k, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-") == "" {
			parts[i] = k
		} else {
			parts[i] = fmt.Sprintf("%q", k)
		}
	}
	return strings.Join(parts, ".")
}

// Describe names the kind of a value with its article, for messages: "an integer", "an
// array of tables", "an inline table".
func (v *Value) Describe() string { return article(v) }

func article(v *Value) string {
	switch {
	case v.aot:
		return "an array of tables"
	case v.Kind == Array, v.Kind == Integer:
		return "an " + v.Kind.String()
	case v.Kind == Table && v.inline:
		return "an inline table"
	}
	return "a " + v.Kind.String()
}

// ParseFile parses a file that must hold a TOML document of the kind what names ("a
// poetry.lock"), with errors that name the file and the line. A document without a single
// key (empty, or only comments) is an error: no tool writes a lock file that way.
func ParseFile(path, what string, data []byte, opts Options) (*Value, error) {
	root, err := Parse(data, opts)
	if err != nil {
		var te *Error
		if errors.As(err, &te) && te.Line > 0 {
			return nil, fmt.Errorf("%s:%d: not %s: invalid TOML: %s", path, te.Line, what, te.Msg)
		}
		return nil, fmt.Errorf("%s: not %s: invalid TOML: %v", path, what, err)
	}
	if len(root.Keys) == 0 {
		return nil, fmt.Errorf("%s: empty file, not %s", path, what)
	}
	return root, nil
}
