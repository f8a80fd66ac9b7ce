// Package jsonwalk walks a JSON document token by token, giving each object key its line:
// lock files (composer.lock, Pipfile.lock, the .NET lock and assets files) are large maps
// and arrays of packages, and a token walk reads them with neither the line-less decoding
// into structs nor its code size. Errors name the file, the line and the format.
package jsonwalk

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// MaxDepth bounds the nesting of the document: the files read are five or six levels deep,
// and the decoder keeps a stack entry for every open level.
const MaxDepth = 128

// Walker reads one JSON document held in memory.
type Walker struct {
	path, format string
	data         []byte
	dec          *json.Decoder
	depth        int
	// off and line: data[:off] holds line-1 newlines. Offsets only grow during a walk, so
	// lines are counted once.
	off, line int
}

// New starts walking data, the file at path, which should be a format ("packages.lock.json"
// and the like: errors say "not a <format>").
func New(path, format string, data []byte) *Walker {
	return &Walker{path: path, format: format, data: data, dec: json.NewDecoder(bytes.NewReader(data)), line: 1}
}

// Top walks the whole document, which must be an object, calling fn for each key of it
// with the key's line; fn must read the key's value. An empty document, one that is not an
// object, and data after the object fail.
func (w *Walker) Top(fn func(key string, line int) error) error {
	if len(bytes.TrimSpace(w.data)) == 0 {
		return fmt.Errorf("%s: empty file, not a %s", w.path, w.format)
	}
	isObj, tok, err := w.Object(fn)
	if err != nil {
		return err
	}
	if !isObj {
		return fmt.Errorf("%s: not a %s: the top level is %s, not an object", w.path, w.format, Describe(tok))
	}
	if _, err := w.dec.Token(); err != io.EOF {
		return w.Errorf("data after the top-level object")
	}
	return nil
}

// Token returns the next token. Errors name the file and the line.
func (w *Walker) Token() (json.Token, error) {
	tok, err := w.dec.Token()
	if err != nil {
		return nil, w.syntax(err)
	}
	if d, ok := tok.(json.Delim); ok {
		if d == '{' || d == '[' {
			w.depth++
			if w.depth > MaxDepth {
				return nil, w.Errorf("nested deeper than %d levels", MaxDepth)
			}
		} else {
			w.depth--
		}
	}
	return tok, nil
}

// Object reads the next value. When it is an object, Object calls fn for each key with
// its line (fn must read the key's value) and returns true. Otherwise it skips the value
// and returns false with its first token, for a message.
func (w *Walker) Object(fn func(key string, line int) error) (bool, json.Token, error) {
	tok, err := w.Token()
	if err != nil {
		return false, nil, err
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return false, tok, w.SkipFrom(tok)
	}
	for w.dec.More() {
		tok, err := w.Token()
		if err != nil {
			return false, nil, err
		}
		key, _ := tok.(string)
		if err := fn(key, w.Line()); err != nil {
			return false, nil, err
		}
	}
	_, err = w.Token() // '}'
	return true, nil, err
}

// String reads the next value; ok says whether it was a string. Any other value is
// skipped, and its first token is described in what.
func (w *Walker) String() (s string, what string, ok bool, err error) {
	tok, err := w.Token()
	if err != nil {
		return "", "", false, err
	}
	if s, ok := tok.(string); ok {
		return s, "", true, nil
	}
	return "", Describe(tok), false, w.SkipFrom(tok)
}

// Array reads the next value. When it is an array, Array calls fn once for each element
// (fn must read the element) and returns true. Otherwise it skips the value and returns
// false with its first token, for a message.
func (w *Walker) Array(fn func() error) (bool, json.Token, error) {
	tok, err := w.Token()
	if err != nil {
		return false, nil, err
	}
	if d, ok := tok.(json.Delim); !ok || d != '[' {
		return false, tok, w.SkipFrom(tok)
	}
	for w.dec.More() {
		if err := fn(); err != nil {
			return false, nil, err
		}
	}
	_, err = w.Token() // ']'
	return true, nil, err
}

// More reports whether the array or object being read has another element.
func (w *Walker) More() bool { return w.dec.More() }

// Decode reads the next value into v, as encoding/json does. A value of a type v cannot
// hold is an *json.UnmarshalTypeError, returned as it is: the value was read, and the walk
// can go on, so the caller may treat it as a problem with one entry.
func (w *Walker) Decode(v any) error {
	if err := w.dec.Decode(v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return err
		}
		return w.syntax(err)
	}
	return nil
}

// Skip skips the next value.
func (w *Walker) Skip() error {
	tok, err := w.Token()
	if err != nil {
		return err
	}
	return w.SkipFrom(tok)
}

// SkipFrom skips the rest of the value whose first token, tok, was read.
func (w *Walker) SkipFrom(tok json.Token) error {
	d, ok := tok.(json.Delim)
	if !ok || d == '}' || d == ']' {
		return nil
	}
	for depth := 1; depth > 0; {
		tok, err := w.Token()
		if err != nil {
			return err
		}
		if d, ok := tok.(json.Delim); ok {
			if d == '{' || d == '[' {
				depth++
			} else {
				depth--
			}
		}
	}
	return nil
}

// Line is the line of the last token read.
func (w *Walker) Line() int { return w.lineAt(int(w.dec.InputOffset())) }

// lineAt returns the line of the byte before offset off: the decoder's offsets point just
// past the token they follow.
func (w *Walker) lineAt(off int) int {
	if off > len(w.data) {
		off = len(w.data)
	}
	if off < w.off {
		w.off, w.line = 0, 1
	}
	w.line += bytes.Count(w.data[w.off:off], []byte{'\n'})
	w.off = off
	return w.line
}

// Errorf returns an error about the file as a whole at the line of the last token: it is
// not of its format.
func (w *Walker) Errorf(format string, args ...any) error {
	return fmt.Errorf("%s:%d: not a %s: %s", w.path, w.Line(), w.format, fmt.Sprintf(format, args...))
}

// syntax turns a decoding error into one that names the file and the line.
func (w *Walker) syntax(err error) error {
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return fmt.Errorf("%s:%d: not a %s: unexpected end of JSON", w.path, w.lineAt(len(w.data)), w.format)
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Errorf("%s:%d: not a %s: invalid JSON: %v", w.path, w.lineAt(int(se.Offset)), w.format, se)
	}
	return w.Errorf("%v", err)
}

// Describe names the kind of value a token starts, for messages.
func Describe(tok json.Token) string {
	switch v := tok.(type) {
	case json.Delim:
		if v == '[' {
			return "an array"
		}
		return "an object"
	case string:
		return "a string"
	case float64, json.Number:
		return "a number"
	case bool:
		return "a boolean"
	case nil:
		return "null"
	}
	return strings.TrimSpace(fmt.Sprint(tok))
}
