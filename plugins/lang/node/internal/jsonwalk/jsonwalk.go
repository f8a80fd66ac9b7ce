// Package jsonwalk takes apart a JSON file read whole: it checks the file once with
// encoding/json, then finds the members and elements of its values by a scan of the bytes,
// with the offset of each key, from which Walker gives its line (no decoder exposes lines;
// the Node.js lock files list packages as the keys of objects, and a package's line is the
// line of its key). The scan copies nothing but keys, matches keys exactly as JavaScript
// does (encoding/json's decoder matches them regardless of case), and is several times as
// fast as the token API of encoding/json.
//
// StripJSONC makes the JSONC of bun.lock (comments, trailing commas) plain JSON in place,
// keeping every byte's offset, so that the lines stay those of the file.
package jsonwalk

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Walker holds a file's content for its errors and lines.
type Walker struct {
	// path is the file's path and kind its format ("package-lock file"), for errors.
	path, kind string
	data       []byte
	// lines holds the offset of the start of each line after the first, built on first use.
	lines []int
}

// New starts walking data, the whole content of the file at path, of the given kind. A
// UTF-8 byte order mark, which npm strips when it reads JSON and some published
// package.json files start with, becomes blanks in place (data is the caller's to change).
func New(path, kind string, data []byte) *Walker {
	if len(data) >= 3 && data[0] == 0xef && data[1] == 0xbb && data[2] == 0xbf {
		data[0], data[1], data[2] = ' ', ' ', ' '
	}
	return &Walker{path: path, kind: kind, data: data}
}

// Validate checks that the whole file is one valid JSON value whose top level is an
// object; Members and Elements may then take it apart. The error names the file, and the
// line of the first invalid byte.
func (w *Walker) Validate() error {
	if !json.Valid(w.data) {
		// Decoding into a struct without fields finds the error and copies nothing.
		var se *json.SyntaxError
		if !errors.As(json.Unmarshal(w.data, &struct{}{}), &se) {
			return fmt.Errorf("%s: not a %s: invalid JSON", w.path, w.kind)
		}
		if se.Error() == "unexpected end of JSON input" {
			return fmt.Errorf("%s:%d: not a %s: unexpected end of JSON", w.path, w.LineAt(len(w.data)), w.kind)
		}
		return fmt.Errorf("%s:%d: not a %s: invalid JSON: %v", w.path, w.LineAt(int(se.Offset)), w.kind, se)
	}
	if k := Kind(w.data); k != "an object" {
		return fmt.Errorf("%s: not a %s: the top level is %s, not an object", w.path, w.kind, k)
	}
	return nil
}

// LineAt returns the line of the byte before offset (json.SyntaxError's offsets point past
// the invalid byte; give a key's offset plus one).
func (w *Walker) LineAt(off int) int {
	if w.lines == nil {
		w.lines = make([]int, 0, 64)
		for i, c := range w.data {
			if c == '\n' {
				w.lines = append(w.lines, i+1)
			}
		}
	}
	return sort.SearchInts(w.lines, off) + 1
}

// StripJSONC turns JSONC into JSON in place: comments ("// ..." to the end of the line,
// "/* ... */") become spaces, keeping their line breaks, and a comma before a closing '}'
// or ']' becomes a space. Strings are left as they are. Every byte keeps its offset, so
// lines and error positions stay those of the file.
func StripJSONC(data []byte) {
	comma := -1 // offset of the last comma with nothing significant after it yet
	for i := 0; i < len(data); i++ {
		switch c := data[i]; c {
		case '"':
			comma = -1
			for i++; i < len(data) && data[i] != '"'; i++ {
				if data[i] == '\\' {
					i++
				}
			}
		case '/':
			if i+1 >= len(data) {
				comma = -1
				continue
			}
			switch data[i+1] {
			case '/':
				for ; i < len(data) && data[i] != '\n'; i++ {
					data[i] = ' '
				}
			case '*':
				data[i], data[i+1] = ' ', ' '
				for i += 2; i < len(data); i++ {
					if data[i] == '*' && i+1 < len(data) && data[i+1] == '/' {
						data[i], data[i+1] = ' ', ' '
						i++
						break
					}
					if data[i] != '\n' && data[i] != '\r' {
						data[i] = ' '
					}
				}
			default:
				comma = -1
			}
		case ' ', '\t', '\n', '\r':
		case ',':
			comma = i
		case '}', ']':
			if comma >= 0 {
				data[comma] = ' '
			}
			comma = -1
		default:
			comma = -1
		}
	}
}

// Member is one member of a JSON object: its key and its raw value.
type Member struct {
	Key   string
	Value []byte
	// Offset is the offset of the key's opening quote in the object, ValueOffset that of
	// the value.
	Offset, ValueOffset int
}

// Members returns the members of the JSON object raw, in order; ok is false when raw is not
// an object. raw must be valid JSON, as what a decoder returns is: this is a plain scan of
// the bytes, to list what one value holds without decoding it again (it stays in bounds
// whatever raw holds, but reads garbage as garbage).
func Members(raw []byte) (members []Member, ok bool) {
	i := skipSpace(raw, 0)
	if i >= len(raw) || raw[i] != '{' {
		return nil, false
	}
	for i++; ; {
		i = skipSpace(raw, i)
		if i >= len(raw) || raw[i] != '"' {
			return members, true // '}' or the end
		}
		start, end := i, skipValue(raw, i)
		key := unquote(raw[i:end])
		i = skipSpace(raw, end)
		if i >= len(raw) || raw[i] != ':' {
			return members, true
		}
		i = skipSpace(raw, i+1)
		end = skipValue(raw, i)
		members = append(members, Member{Key: key, Value: raw[i:end], Offset: start, ValueOffset: i})
		i = skipSpace(raw, end)
		if i >= len(raw) || raw[i] != ',' {
			return members, true
		}
		i++
	}
}

// Elements returns the raw elements of the JSON array raw; ok is false when raw is not an
// array. raw must be valid JSON, as for Members.
func Elements(raw []byte) (elems [][]byte, ok bool) {
	i := skipSpace(raw, 0)
	if i >= len(raw) || raw[i] != '[' {
		return nil, false
	}
	for i++; ; {
		i = skipSpace(raw, i)
		if i >= len(raw) || raw[i] == ']' {
			return elems, true
		}
		end := skipValue(raw, i)
		if end == i {
			return elems, true
		}
		elems = append(elems, raw[i:end])
		i = skipSpace(raw, end)
		if i >= len(raw) || raw[i] != ',' {
			return elems, true
		}
		i++
	}
}

// Kind names the type of a raw JSON value for a message: "an object", "an array", "a
// string", "a number", "a boolean" or "null".
func Kind(raw []byte) string {
	i := skipSpace(raw, 0)
	if i >= len(raw) {
		return "nothing"
	}
	switch raw[i] {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	}
	return "a number"
}

// String returns the string a raw JSON value holds, and false when it holds another type.
func String(raw []byte) (string, bool) {
	if len(raw) < 2 || raw[0] != '"' {
		return "", false
	}
	return unquote(raw), true
}

// unquote returns the text of a raw JSON string; one with escapes or bytes outside ASCII is
// decoded by encoding/json, which also replaces invalid UTF-8 as it does everywhere else.
func unquote(raw []byte) string {
	plain := len(raw) >= 2 && raw[len(raw)-1] == '"'
	for i := 1; plain && i < len(raw)-1; i++ {
		plain = raw[i] != '\\' && raw[i] < 0x80
	}
	if plain {
		return string(raw[1 : len(raw)-1])
	}
	var s string
	json.Unmarshal(raw, &s) //nolint:errcheck // a string that does not decode is ""
	return s
}

func skipSpace(raw []byte, i int) int {
	for i < len(raw) && (raw[i] == ' ' || raw[i] == '\t' || raw[i] == '\r' || raw[i] == '\n') {
		i++
	}
	return i
}

// skipValue returns the offset just past the value that starts at i.
func skipValue(raw []byte, i int) int {
	if i >= len(raw) {
		return i
	}
	switch raw[i] {
	case '"':
		return skipString(raw, i)
	case '{', '[':
		depth := 0
		for ; i < len(raw); i++ {
			switch raw[i] {
			case '"':
				i = skipString(raw, i) - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1
				}
			}
		}
		return i
	}
	for i < len(raw) && strings.IndexByte(",}] \t\r\n", raw[i]) < 0 {
		i++
	}
	return i
}

// skipString returns the offset just past the string whose quote is at i.
func skipString(raw []byte, i int) int {
	for i++; i < len(raw); i++ {
		switch raw[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return len(raw)
}
