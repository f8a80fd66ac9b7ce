package lines

import (
	"fmt"
	"unicode/utf8"
)

// Check says why s cannot be a field of a reported package, or returns "". The rules are the
// SDK's (sdk.Package.Validate): UTF-8, no control characters, at most MaxValue bytes.
func Check(s string) string {
	if len(s) > MaxValue {
		return fmt.Sprintf("value longer than %d bytes", MaxValue)
	}
	if !utf8.ValidString(s) {
		return "value is not UTF-8"
	}
	// In valid UTF-8 every byte below 0x80 is an ASCII character, so control characters
	// can be found byte by byte.
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] == 0x7f {
			return "value has control characters"
		}
	}
	return ""
}

// TrimCR removes a "\r" before the line end, left by a file that went through a Windows tool.
func TrimCR(b []byte) []byte {
	if n := len(b); n > 0 && b[n-1] == '\r' {
		b = b[:n-1]
	}
	return b
}

// Head is the start of a line, short enough to quote (with %q) in a message.
func Head(b []byte) string {
	const max = 40
	if len(b) > max {
		return string(b[:max]) + "..."
	}
	return string(b)
}

// Interner shares repeated values (architectures, origins, source names, licenses):
// sharing them saves most of a parser's allocations, which cost far more inside wasm than
// natively. It remembers at most MaxInterned values of at most MaxInternedLen bytes, since
// garbage input may hold millions of distinct ones. The zero value is ready to use.
type Interner struct{ m map[string]string }

// Intern returns value as a string, shared with earlier equal values where it can.
func (in *Interner) Intern(value []byte) string {
	if s, ok := in.m[string(value)]; ok {
		return s
	}
	s := string(value)
	if len(s) > MaxInternedLen || len(in.m) >= MaxInterned {
		return s
	}
	if in.m == nil {
		in.m = map[string]string{}
	}
	in.m[s] = s
	return s
}

// Problems collects the problems of one file, at most MaxProblems of them, so that a file
// of garbage yields one bounded list rather than an entry per line. The zero value is
// ready to use.
type Problems struct {
	list            []*StanzaError
	suppressed      int
	firstSuppressed int
}

// Add records a problem, or counts it once the list is full.
func (p *Problems) Add(e *StanzaError) {
	if len(p.list) >= MaxProblems {
		if p.suppressed == 0 {
			p.firstSuppressed = e.Line
		}
		p.suppressed++
		return
	}
	p.list = append(p.list, e)
}

// List returns the problems, ending with one that counts those not listed, if any.
func (p *Problems) List(path string) []*StanzaError {
	if p.suppressed == 0 {
		return p.list
	}
	return append(p.list, &StanzaError{Path: path, Line: p.firstSuppressed,
		Msg: fmt.Sprintf("%d more problems from here on not listed", p.suppressed)})
}
