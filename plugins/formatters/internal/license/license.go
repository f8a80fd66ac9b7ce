// Package license turns the license strings of a trawl report into what the SBOM formats
// accept, and back: SPDX license identifiers, SPDX license expressions (SPDX 2.3 Annex D)
// and, for anything else, LicenseRef- identifiers that keep the text as written.
//
// A report's licenses are SPDX identifiers or expressions where the analyzer could tell,
// else the text as the package database wrote it ("GPL2+", "Public Domain"). CycloneDX
// takes the first two as license.id and expression and the rest as a license name; SPDX
// needs one valid expression per package, so unknown identifiers become LicenseRef-<text,
// sanitized>, declared in the document with the original text.
//
// The identifiers are those of the SPDX License List carried by github.com/github/go-spdx,
// generated into spdx_ids.go as compact constants rather than imported, because this
// package runs inside the formatters wasm module, whose size is its cold-start time.
package license

import (
	"strings"

	"github.com/trawlscan/trawl/plugins/internal/spdxid"
)

// ListVersion is the SPDX License List version the identifiers come from.
const ListVersion = spdxid.ListVersion

// ID returns the canonical spelling of s when it is an SPDX license identifier of the list
// (active or deprecated), matched without regard to case as the specification says.
func ID(s string) (string, bool) { return spdxid.License(s) }

// exception returns the canonical spelling of an SPDX license exception identifier.
func exception(s string) (string, bool) { return spdxid.Exception(s) }

// Token kinds of an expression.
const (
	tokID = iota
	tokAnd
	tokOr
	tokWith
	tokOpen
	tokClose
)

type token struct {
	kind int
	text string
}

// tokenize splits s into the tokens of a license expression. Operators are recognised in
// upper or lower case (SPDX 2.3 allows both), never mixed.
func tokenize(s string) []token {
	var toks []token
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '(':
			toks = append(toks, token{tokOpen, "("})
			i++
		case c == ')':
			toks = append(toks, token{tokClose, ")"})
			i++
		default:
			j := i
			for j < len(s) && !strings.ContainsRune(" \t\n\r()", rune(s[j])) {
				j++
			}
			w := s[i:j]
			switch w {
			case "AND", "and":
				toks = append(toks, token{tokAnd, "AND"})
			case "OR", "or":
				toks = append(toks, token{tokOr, "OR"})
			case "WITH", "with":
				toks = append(toks, token{tokWith, "WITH"})
			default:
				toks = append(toks, token{tokID, w})
			}
			i = j
		}
	}
	return toks
}

// parser checks an expression by recursive descent and rewrites its identifiers.
type parser struct {
	toks []token
	pos  int
	// ref is called with an identifier that is not on the SPDX list (nor a LicenseRef-);
	// it returns the replacement, or "" to reject the expression.
	ref func(string) string
	// unknown is set when ref was called.
	unknown bool
	// depth bounds the nesting, so that hostile input cannot exhaust the stack.
	depth int
}

func (p *parser) peek() int {
	if p.pos < len(p.toks) {
		return p.toks[p.pos].kind
	}
	return -1
}

// or: and (OR and)*
func (p *parser) or() bool {
	if !p.and() {
		return false
	}
	for p.peek() == tokOr {
		p.pos++
		if !p.and() {
			return false
		}
	}
	return true
}

// and: with (AND with)*
func (p *parser) and() bool {
	if !p.with() {
		return false
	}
	for p.peek() == tokAnd {
		p.pos++
		if !p.with() {
			return false
		}
	}
	return true
}

// with: simple (WITH exception)?
func (p *parser) with() bool {
	if !p.simple() {
		return false
	}
	if p.peek() == tokWith {
		p.pos++
		if p.peek() != tokID {
			return false
		}
		e, ok := exception(p.toks[p.pos].text)
		if !ok {
			return false // SPDX 2.3 has no reference for an unknown exception
		}
		p.toks[p.pos].text = e
		p.pos++
	}
	return true
}

// simple: "(" or ")" | id["+"] | LicenseRef-x | DocumentRef-x:LicenseRef-y
func (p *parser) simple() bool {
	switch p.peek() {
	case tokOpen:
		if p.depth++; p.depth > 100 {
			return false
		}
		p.pos++
		if !p.or() || p.peek() != tokClose {
			return false
		}
		p.pos++
		p.depth--
		return true
	case tokID:
		t := &p.toks[p.pos]
		p.pos++
		if isRef(t.text) {
			return true
		}
		id, plus := strings.CutSuffix(t.text, "+")
		if c, ok := ID(id); ok && id != "" {
			if plus {
				c += "+"
			}
			t.text = c
			return true
		}
		if p.ref == nil {
			return false
		}
		p.unknown = true
		t.text = p.ref(t.text)
		return t.text != ""
	}
	return false
}

// isRef reports whether s is a well-formed LicenseRef- (or DocumentRef-...:LicenseRef-)
// identifier.
func isRef(s string) bool {
	if doc, rest, ok := strings.Cut(s, ":"); ok {
		d, isDoc := strings.CutPrefix(doc, "DocumentRef-")
		if !isDoc || !idString(d) {
			return false
		}
		s = rest
	}
	r, ok := strings.CutPrefix(s, "LicenseRef-")
	return ok && idString(r)
}

// idString reports whether s is a non-empty idstring: letters, digits, '.' and '-'.
func idString(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !idByte(s[i]) {
			return false
		}
	}
	return true
}

func idByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-'
}

// Expr is a parsed license expression.
type Expr struct {
	toks []token
}

// Parse parses s as an SPDX license expression. Identifiers on the SPDX list are put in
// their canonical case; an identifier that is not (nor a LicenseRef-) is passed to ref,
// which returns its replacement (a LicenseRef-), or fails the parse when ref is nil or
// returns "". unknown says whether ref was used.
func Parse(s string, ref func(string) string) (e Expr, unknown bool, ok bool) {
	p := &parser{toks: tokenize(s), ref: ref}
	if len(p.toks) == 0 || !p.or() || p.pos != len(p.toks) {
		return Expr{}, false, false
	}
	return Expr{toks: p.toks}, p.unknown, true
}

// String writes the expression with single spaces between tokens.
func (e Expr) String() string {
	var b strings.Builder
	for i, t := range e.toks {
		if i > 0 && t.kind != tokClose && e.toks[i-1].kind != tokOpen {
			b.WriteByte(' ')
		}
		b.WriteString(t.text)
	}
	return b.String()
}

// Compound reports whether the expression has an operator: it is more than one identifier.
func (e Expr) Compound() bool {
	for _, t := range e.toks {
		if t.kind != tokID && t.kind != tokOpen && t.kind != tokClose {
			return true
		}
	}
	return false
}

// Terms splits the expression at its top-level ANDs ("A AND (B OR C)" → "A", "B OR C"),
// with the outer parentheses of each term removed; an expression with a top-level OR is
// one term, since AND binds tighter. It is how a list of licenses written as one
// expression (SPDX licenseDeclared) is read back into a list.
func (e Expr) Terms() []Expr {
	depth, hasOr := 0, false
	for _, t := range e.toks {
		switch t.kind {
		case tokOpen:
			depth++
		case tokClose:
			depth--
		case tokOr:
			hasOr = hasOr || depth == 0
		}
	}
	if hasOr {
		return []Expr{e.unwrap()}
	}
	var terms []Expr
	start := 0
	for i, t := range e.toks {
		switch t.kind {
		case tokOpen:
			depth++
		case tokClose:
			depth--
		case tokAnd:
			if depth == 0 {
				terms = append(terms, Expr{e.toks[start:i]}.unwrap())
				start = i + 1
			}
		}
	}
	return append(terms, Expr{e.toks[start:]}.unwrap())
}

// unwrap removes parentheses around the whole expression.
func (e Expr) unwrap() Expr {
	for len(e.toks) >= 2 && e.toks[0].kind == tokOpen && e.toks[len(e.toks)-1].kind == tokClose {
		depth := 0
		for i, t := range e.toks {
			if t.kind == tokOpen {
				depth++
			} else if t.kind == tokClose {
				depth--
			}
			if depth == 0 && i < len(e.toks)-1 {
				return e // "(A) AND (B)": the first ")" closes before the end
			}
		}
		e.toks = e.toks[1 : len(e.toks)-1]
	}
	return e
}

// MapRefs returns the expression with each LicenseRef- identifier replaced by what f
// returns for it (f returns it unchanged to keep it), for reading a document's references
// back as the text they stand for.
func (e Expr) MapRefs(f func(string) string) string {
	toks := make([]token, len(e.toks))
	copy(toks, e.toks)
	for i := range toks {
		if toks[i].kind == tokID && isRef(toks[i].text) {
			toks[i].text = f(toks[i].text)
		}
	}
	return Expr{toks}.String()
}

// Refs returns the LicenseRef- (and DocumentRef-) identifiers of the expression, in order.
func (e Expr) Refs() []string {
	var refs []string
	for _, t := range e.toks {
		if t.kind == tokID && isRef(t.text) {
			refs = append(refs, t.text)
		}
	}
	return refs
}

// Sanitize returns s as an idstring for a LicenseRef-: letters, digits, '.' and '-', any
// other byte (a space, '+', non-ASCII) replaced by '-'.
func Sanitize(s string) string {
	b := []byte(s)
	for i, c := range b {
		if !idByte(c) {
			b[i] = '-'
		}
	}
	if len(b) == 0 {
		return "-"
	}
	return string(b)
}
