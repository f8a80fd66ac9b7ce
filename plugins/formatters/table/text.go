package table

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Everything printed comes from the scanned artifact (file paths, package names, plugin
// errors), which an attacker may control. Printed raw, an escape sequence in a file name
// could rewrite the terminal, so text is cleaned before it is measured or printed.

// cleanRune returns what to print for r: r itself, or U+FFFD for a control character (C0,
// DEL, C1), an invalid byte, or a bidirectional override that could make the terminal show
// the text in another order than it is.
func cleanRune(r rune) rune {
	switch {
	case r == '\t':
		return ' '
	case r < 0x20, r >= 0x7f && r < 0xa0:
		return utf8.RuneError
	case r == 0x200e, r == 0x200f, r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
		return utf8.RuneError
	}
	return r
}

// runeWidth is how many terminal columns r takes: 0 for combining marks and zero-width
// characters, 2 for East Asian wide and fullwidth characters and most emoji, else 1. It is
// an approximation of wcwidth, enough to keep tables aligned for common text without
// carrying the full Unicode width tables in the module.
func runeWidth(r rune) int {
	switch {
	case r < 0x300:
		return 1
	case r == 0x200b, r == 0x200c, r == 0x200d, r == 0xfeff:
		return 0
	case unicode.In(r, unicode.Mn, unicode.Me):
		return 0
	case r >= 0x1100 && r <= 0x115f,
		r >= 0x2e80 && r <= 0x303e,
		r >= 0x3041 && r <= 0x33ff,
		r >= 0x3400 && r <= 0x4dbf,
		r >= 0x4e00 && r <= 0x9fff,
		r >= 0xa000 && r <= 0xa4cf,
		r >= 0xac00 && r <= 0xd7a3,
		r >= 0xf900 && r <= 0xfaff,
		r >= 0xfe30 && r <= 0xfe4f,
		r >= 0xff00 && r <= 0xff60,
		r >= 0xffe0 && r <= 0xffe6,
		r >= 0x1f300 && r <= 0x1f64f,
		r >= 0x1f900 && r <= 0x1f9ff,
		r >= 0x20000 && r <= 0x3fffd:
		return 2
	}
	return 1
}

// isPlain reports whether s is printable ASCII only, the common case, which needs neither
// cleaning nor width tables.
func isPlain(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f {
			return false
		}
	}
	return true
}

// width is how many terminal columns s takes once cleaned.
func width(s string) int {
	if isPlain(s) {
		return len(s)
	}
	n := 0
	for _, r := range s {
		n += runeWidth(cleanRune(r))
	}
	return n
}

// clean returns s with every character cleanRune would replace replaced.
func clean(s string) string {
	if isPlain(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		b.WriteRune(cleanRune(r))
	}
	return b.String()
}

const ellipsis = "…"

// cell makes s fit a table cell: its first line only, cleaned, at most max columns wide.
// Text cut off is marked with "…": at the end, or at the start when keepTail is set, for
// paths, whose end (the file name) says most. A text of several lines keeps its first and
// ends in "…", so a stack trace in an error does not break the table.
func cell(s string, max int, keepTail bool) string {
	more := false
	if i := strings.IndexAny(s, "\r\n"); i >= 0 {
		s, more = strings.TrimRight(s[:i], " \t"), strings.TrimSpace(s[i:]) != ""
	}
	if !more && len(s) <= max && isPlain(s) {
		return s
	}
	s = clean(s)
	w := width(s)
	if !more && w <= max {
		return s
	}
	if more && w+1 <= max {
		return s + ellipsis
	}
	if keepTail {
		return ellipsis + tail(s, max-1)
	}
	return head(s, max-1) + ellipsis
}

// head returns the longest prefix of s at most max columns wide.
func head(s string, max int) string {
	n := 0
	for i, r := range s {
		n += runeWidth(r)
		if n > max {
			return s[:i]
		}
	}
	return s
}

// tail returns the longest suffix of s at most max columns wide, starting at a '/' when
// one falls in its first half, so that a path is cut between elements.
func tail(s string, max int) string {
	n, start := 0, len(s)
	for start > 0 {
		r, size := utf8.DecodeLastRuneInString(s[:start])
		if n+runeWidth(r) > max {
			break
		}
		n += runeWidth(r)
		start -= size
	}
	t := s[start:]
	if i := strings.IndexByte(t, '/'); i > 0 && i < len(t)/2 {
		t = t[i:]
	}
	return t
}
