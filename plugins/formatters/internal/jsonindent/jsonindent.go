// Package jsonindent indents JSON as it streams out of an encoder, byte for byte as
// encoding/json's Indent does. Inside a wasm plugin, json.Encoder.SetIndent runs every byte
// of the output through encoding/json's scanner, an indirect call per byte, which cost the
// formatters more than encoding itself; this is a plain loop over the bytes.
package jsonindent

import "io"

// Writer writes the compact JSON written to it, indented. It keeps whitespace between
// top-level values (an Encoder's newline) and drops it inside them, as Indent does.
type Writer struct {
	w              io.Writer
	prefix, indent string
	buf            []byte
	inString       bool
	escape         bool
	// needIndent: an object or array just opened; the newline waits, so that an empty one
	// stays "{}" or "[]".
	needIndent bool
	depth      int
}

// NewWriter returns a Writer that writes to w, each line after the first beginning with
// prefix and one indent per level of nesting.
func NewWriter(w io.Writer, prefix, indent string) *Writer {
	return &Writer{w: w, prefix: prefix, indent: indent}
}

// Write indents p, which continues what was written before, and writes it to the
// underlying writer.
func (x *Writer) Write(p []byte) (int, error) {
	buf := x.buf[:0]
	for _, c := range p {
		if x.inString {
			buf = append(buf, c)
			switch {
			case x.escape:
				x.escape = false
			case c == '\\':
				x.escape = true
			case c == '"':
				x.inString = false
			}
			continue
		}
		switch c {
		case ' ', '\t', '\n', '\r':
			if x.depth == 0 && !x.needIndent {
				buf = append(buf, c)
			}
			continue
		}
		if x.needIndent && c != '}' && c != ']' {
			x.needIndent = false
			x.depth++
			buf = x.newline(buf)
		}
		switch c {
		case '"':
			x.inString = true
			buf = append(buf, c)
		case '{', '[':
			x.needIndent = true
			buf = append(buf, c)
		case ',':
			buf = append(buf, c)
			buf = x.newline(buf)
		case ':':
			buf = append(buf, c, ' ')
		case '}', ']':
			if x.needIndent {
				x.needIndent = false
			} else {
				x.depth--
				buf = x.newline(buf)
			}
			buf = append(buf, c)
		default:
			buf = append(buf, c)
		}
	}
	x.buf = buf
	if _, err := x.w.Write(buf); err != nil {
		return 0, err
	}
	return len(p), nil
}

func (x *Writer) newline(buf []byte) []byte {
	buf = append(buf, '\n')
	buf = append(buf, x.prefix...)
	for range x.depth {
		buf = append(buf, x.indent...)
	}
	return buf
}
