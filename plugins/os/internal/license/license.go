// Package license turns the license strings that OS package databases record (rpm License
// tags, apk L: fields, Debian DEP-5 License short names) into SPDX license expressions,
// where every license in them maps to an SPDX identifier without guessing.
//
// It is standard library only and allocation-light: it runs inside the os plugin (wasip1),
// once per installed package.
package license

import (
	"strings"

	"github.com/trawlscan/trawl/plugins/internal/spdxid"
)

// Normalize returns raw as an SPDX license expression when every license in it maps to an
// SPDX license id (or is already one, matched case-insensitively and returned in the
// canonical case), joined by the operators it used (and/or/with in any case, commas in rpm
// tags mean AND, parentheses kept), and ok=true. Otherwise it returns raw unchanged
// (whitespace-trimmed) and ok=false, so callers never lose what the database said.
// Deprecated SPDX ids with a "+" suffix ("GPL-2.0+") map to the -or-later form; "GPLv2"
// maps to GPL-2.0-only.
//
// Details:
//   - Operators are upper-cased; AND binds tighter than OR, as in SPDX and DEP-5.
//   - A comma is the loosest separator: "A or B, and C" is "(A OR B) AND C" (DEP-5); a bare
//     comma ("A, B", rpm) means AND; a trailing comma is dropped.
//   - Words with no operator between them ("MPL-2.0 GPL-2.0-or-later", old apk L: fields)
//     are read as a list of licenses that all apply (AND), only when the whole value is such
//     a list and each word maps on its own.
//   - LicenseRef-, DocumentRef-…:LicenseRef- and, after WITH, AdditionRef- identifiers pass
//     through.
//   - The deprecated GNU identifiers map to their replacements ("GPL-2.0" → "GPL-2.0-only",
//     "LGPL-2.1+" → "LGPL-2.1-or-later"); other deprecated SPDX identifiers are kept, as
//     they are still valid.
func Normalize(raw string) (expr string, ok bool) {
	s := strings.TrimSpace(raw)
	if s == "" {
		return "", false
	}
	var buf [16]token
	toks := tokenize(s, buf[:0])
	if len(toks) == 0 {
		return s, false
	}
	p := parser{toks: toks, list: isList(toks)}
	n := p.parseSeq()
	if n == nil || p.pos != len(p.toks) {
		return s, false
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	write(&b, n, 0)
	return b.String(), true
}

type tokKind uint8

const (
	tWord tokKind = iota
	tOpen
	tClose
	tComma
)

type token struct {
	kind tokKind
	text string // for tWord
}

// tokenize splits s into words, parentheses and commas. Words are runs of bytes other than
// ASCII white space, '(', ')' and ','.
func tokenize(s string, toks []token) []token {
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f':
			i++
		case c == '(':
			toks = append(toks, token{kind: tOpen})
			i++
		case c == ')':
			toks = append(toks, token{kind: tClose})
			i++
		case c == ',':
			toks = append(toks, token{kind: tComma})
			i++
		default:
			j := i
			for j < len(s) && !isDelim(s[j]) {
				j++
			}
			toks = append(toks, token{kind: tWord, text: s[i:j]})
			i = j
		}
	}
	return toks
}

func isDelim(c byte) bool {
	switch c {
	case ' ', '\t', '\n', '\r', '\v', '\f', '(', ')', ',':
		return true
	}
	return false
}

type opKind uint8

const (
	opNone opKind = iota
	opAnd
	opOr
	opWith
)

// operator reports which operator word w is, case-insensitively.
func operator(w string) opKind {
	switch len(w) {
	case 2:
		if lower(w[0]) == 'o' && lower(w[1]) == 'r' {
			return opOr
		}
	case 3:
		if lower(w[0]) == 'a' && lower(w[1]) == 'n' && lower(w[2]) == 'd' {
			return opAnd
		}
	case 4:
		if lower(w[0]) == 'w' && lower(w[1]) == 'i' && lower(w[2]) == 't' && lower(w[3]) == 'h' {
			return opWith
		}
	}
	return opNone
}

// isList reports whether toks is a bare list: two or more words, none of them an operator,
// and nothing else.
func isList(toks []token) bool {
	if len(toks) < 2 {
		return false
	}
	for _, t := range toks {
		if t.kind != tWord || operator(t.text) != opNone {
			return false
		}
	}
	return true
}

// node is a parsed expression: a license (op == opNone, id set), a license WITH an
// exception (op == opWith, l the license, id the exception), or l AND/OR r.
type node struct {
	op     opKind
	id     string
	l, r   *node
	parens int // parentheses the input put around this node
}

func prec(n *node) int {
	if n.parens > 0 {
		return 4
	}
	switch n.op {
	case opOr:
		return 1
	case opAnd:
		return 2
	case opWith:
		return 3
	}
	return 4
}

// write prints n, adding parentheses where the input had them and where a looser operator
// sits under a tighter one (which only the DEP-5 comma produces).
func write(b *strings.Builder, n *node, parent int) {
	extra := 0
	if n.parens == 0 && prec(n) < parent {
		extra = 1
	}
	for i := 0; i < n.parens+extra; i++ {
		b.WriteByte('(')
	}
	switch n.op {
	case opNone:
		b.WriteString(n.id)
	case opWith:
		b.WriteString(n.l.id)
		b.WriteString(" WITH ")
		b.WriteString(n.id)
	case opAnd, opOr:
		p := 1
		sep := " OR "
		if n.op == opAnd {
			p, sep = 2, " AND "
		}
		write(b, n.l, p)
		b.WriteString(sep)
		write(b, n.r, p)
	}
	for i := 0; i < n.parens+extra; i++ {
		b.WriteByte(')')
	}
}

type parser struct {
	toks []token
	pos  int
	list bool // the whole input is a bare list of words
}

func (p *parser) peek() (token, bool) {
	if p.pos < len(p.toks) {
		return p.toks[p.pos], true
	}
	return token{}, false
}

// peekOp returns the operator the next token is, if it is an operator word.
func (p *parser) peekOp() opKind {
	t, ok := p.peek()
	if !ok || t.kind != tWord {
		return opNone
	}
	return operator(t.text)
}

// parseSeq parses comma-separated items, up to a ')' or the end. A comma may be followed
// by "and" or "or" (DEP-5) and binds looser than both; a bare comma means AND.
func (p *parser) parseSeq() *node {
	left := p.parseOr()
	if left == nil {
		return nil
	}
	for {
		t, ok := p.peek()
		if !ok || t.kind != tComma {
			return left
		}
		p.pos++
		if t, ok := p.peek(); !ok || t.kind == tClose {
			return left // trailing comma
		}
		op := opAnd
		switch p.peekOp() {
		case opAnd:
			p.pos++
		case opOr:
			op = opOr
			p.pos++
		case opWith:
			return nil
		}
		right := p.parseOr()
		if right == nil {
			return nil
		}
		left = &node{op: op, l: left, r: right}
	}
}

func (p *parser) parseOr() *node {
	left := p.parseAnd()
	for left != nil && p.peekOp() == opOr {
		p.pos++
		right := p.parseAnd()
		if right == nil {
			return nil
		}
		left = &node{op: opOr, l: left, r: right}
	}
	return left
}

func (p *parser) parseAnd() *node {
	left := p.parseWith()
	for left != nil && p.peekOp() == opAnd {
		p.pos++
		right := p.parseWith()
		if right == nil {
			return nil
		}
		left = &node{op: opAnd, l: left, r: right}
	}
	return left
}

func (p *parser) parseWith() *node {
	left := p.parsePrimary()
	if left == nil || p.peekOp() != opWith {
		return left
	}
	// SPDX allows an exception only on a single license, not on a group or a list.
	if left.op != opNone || left.parens > 0 {
		return nil
	}
	p.pos++
	words := p.phrase()
	if len(words) == 0 {
		return nil
	}
	exc, ok := lookupException(words)
	if !ok {
		return nil
	}
	return &node{op: opWith, l: left, id: exc}
}

func (p *parser) parsePrimary() *node {
	t, ok := p.peek()
	if !ok {
		return nil
	}
	switch t.kind {
	case tOpen:
		p.pos++
		n := p.parseSeq()
		if n == nil {
			return nil
		}
		if t, ok := p.peek(); !ok || t.kind != tClose {
			return nil
		}
		p.pos++
		n.parens++
		return n
	case tWord:
		words := p.phrase()
		if len(words) == 0 {
			return nil
		}
		if id, ok := lookupLicense(words); ok {
			return &node{id: id}
		}
		if p.list {
			return splitList(words)
		}
	}
	return nil
}

// phrase consumes the words up to the next operator, parenthesis, comma or the end.
func (p *parser) phrase() []token {
	start := p.pos
	for p.pos < len(p.toks) && p.toks[p.pos].kind == tWord && operator(p.toks[p.pos].text) == opNone {
		p.pos++
	}
	return p.toks[start:p.pos]
}

// splitList reads words as licenses that all apply, taking at each step the longest run of
// words that names one license; nil unless every word is used.
func splitList(words []token) *node {
	var n *node
	for len(words) > 0 {
		k := min(len(words), maxNameWords)
		for ; k > 0; k-- {
			if id, ok := lookupLicense(words[:k]); ok {
				leaf := &node{id: id}
				if n == nil {
					n = leaf
				} else {
					n = &node{op: opAnd, l: n, r: leaf}
				}
				break
			}
		}
		if k == 0 {
			return nil
		}
		words = words[k:]
	}
	return n
}

// foldPhrase joins the words with single spaces, ASCII-lower-cased; the key form of
// legacyNames. It does not allocate for a single word that is lower case already.
func foldPhrase(words []token) string {
	if len(words) == 1 && !hasUpper(words[0].text) {
		return words[0].text
	}
	var b strings.Builder
	for i, w := range words {
		if i > 0 {
			b.WriteByte(' ')
		}
		for j := 0; j < len(w.text); j++ {
			b.WriteByte(lower(w.text[j]))
		}
	}
	return b.String()
}

func hasUpper(s string) bool {
	for i := 0; i < len(s); i++ {
		if 'A' <= s[i] && s[i] <= 'Z' {
			return true
		}
	}
	return false
}

// lookupLicense maps the words of one license name to an SPDX license identifier, possibly
// with a "+" suffix.
func lookupLicense(words []token) (string, bool) {
	if len(words) > 1 {
		if len(words) > maxNameWords {
			return "", false
		}
		id, ok := legacyNames[foldPhrase(words)]
		return id, ok
	}
	w := words[0].text
	if id, ok := licenseRef(w); ok {
		return id, true
	}
	if id, ok := spdxid.License(w); ok {
		if r, ok := spdxid.GNUReplacement(id); ok {
			return r, true
		}
		return id, true
	}
	if id, ok := legacyNames[foldPhrase(words)]; ok {
		return id, true
	}
	base, plus := strings.CutSuffix(w, "+")
	if id, ok := dep5Name(base, plus); ok {
		return id, true
	}
	if plus {
		if id, ok := spdxid.License(base); ok {
			return orLater(id)
		}
	}
	if id, ok := padVersion(base); ok {
		if plus {
			return orLater(id)
		}
		if r, ok := spdxid.GNUReplacement(id); ok {
			return r, true
		}
		return id, true
	}
	return "", false
}

// orLater returns the "or any later version" form of the SPDX identifier id: the
// -or-later identifier for the deprecated GNU ids ("GPL-2.0" → "GPL-2.0-or-later"), id+"+"
// for other licenses. Ids that carry their own version range (-only, -or-later) or a '+'
// already have none.
func orLater(id string) (string, bool) {
	if r, ok := spdxid.GNUReplacement(id + "+"); ok {
		return r, true
	}
	if r, ok := spdxid.GNUReplacement(id); ok {
		if base, ok := strings.CutSuffix(r, "-only"); ok {
			return spdxid.License(base + "-or-later")
		}
		return "", false
	}
	if strings.HasSuffix(id, "+") || strings.HasSuffix(id, "-only") || strings.HasSuffix(id, "-or-later") {
		return "", false
	}
	return id + "+", true
}

// dep5Name parses a DEP-5 GNU short name with a version: GPL, LGPL, AGPL, GFDL or GFDL-NIV,
// a dash, the version ("2", "2.1", "2.0.0": trailing ".0"s are insignificant), and plus
// for "or any later version". GFDL-NIV (no invariant sections, no cover texts) is SPDX's
// GFDL-x-no-invariants-*.
func dep5Name(base string, plus bool) (string, bool) {
	i := strings.LastIndexByte(base, '-')
	if i <= 0 {
		return "", false
	}
	family, version := base[:i], base[i+1:]
	var spdxFamily, suffix string
	switch {
	case strings.EqualFold(family, "GPL"):
		spdxFamily = "GPL-"
	case strings.EqualFold(family, "LGPL"):
		spdxFamily = "LGPL-"
	case strings.EqualFold(family, "AGPL"):
		spdxFamily = "AGPL-"
	case strings.EqualFold(family, "GFDL"):
		spdxFamily = "GFDL-"
	case strings.EqualFold(family, "GFDL-NIV"):
		spdxFamily, suffix = "GFDL-", "-no-invariants"
	default:
		return "", false
	}
	v, ok := twoPartVersion(version)
	if !ok {
		return "", false
	}
	var b strings.Builder
	b.WriteString(spdxFamily)
	b.WriteString(v)
	b.WriteString(suffix)
	if plus {
		b.WriteString("-or-later")
	} else {
		b.WriteString("-only")
	}
	return spdxid.License(b.String())
}

// twoPartVersion turns "2", "2.1", "2.0.0" into "2.0", "2.1", "2.0"; false for anything
// else.
func twoPartVersion(v string) (string, bool) {
	for strings.HasSuffix(v, ".0") && strings.Count(v, ".") > 1 {
		v = v[:len(v)-2]
	}
	if !isDigits(v) {
		major, minor, ok := strings.Cut(v, ".")
		if !ok || !isDigits(major) || !isDigits(minor) {
			return "", false
		}
		return v, true
	}
	return v + ".0", true
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// padVersion maps a name whose version lacks the trailing ".0" of an SPDX identifier
// ("Apache-2", "CC-BY-SA-3", "MPL-2"): DEP-5 holds "2", "2.0" and "2.0.0" equal.
func padVersion(base string) (string, bool) {
	i := strings.LastIndexByte(base, '-')
	if i <= 0 || !isDigits(base[i+1:]) {
		return "", false
	}
	return spdxid.License(base + ".0")
}

// licenseRef validates and canonicalises "LicenseRef-x" and "DocumentRef-y:LicenseRef-x"
// (x and y made of letters, digits, '.' and '-', as SPDX requires).
func licenseRef(w string) (string, bool) {
	doc := ""
	if hasPrefixFold(w, "DocumentRef-") {
		i := strings.IndexByte(w, ':')
		if i < 0 || !isIDString(w[len("DocumentRef-"):i]) {
			return "", false
		}
		doc = "DocumentRef-" + w[len("DocumentRef-"):i] + ":"
		w = w[i+1:]
	}
	if !hasPrefixFold(w, "LicenseRef-") || !isIDString(w[len("LicenseRef-"):]) {
		return "", false
	}
	if doc == "" && strings.HasPrefix(w, "LicenseRef-") {
		return w, true
	}
	return doc + "LicenseRef-" + w[len("LicenseRef-"):], true
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

func isIDString(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '-') {
			return false
		}
	}
	return true
}

// lookupException maps the words after WITH to an SPDX exception identifier or an
// AdditionRef-.
func lookupException(words []token) (string, bool) {
	if len(words) == 1 {
		w := words[0].text
		if id, ok := spdxid.Exception(w); ok {
			return id, true
		}
		if hasPrefixFold(w, "AdditionRef-") && isIDString(w[len("AdditionRef-"):]) {
			return "AdditionRef-" + w[len("AdditionRef-"):], true
		}
	}
	if len(words) > maxNameWords {
		return "", false
	}
	id, ok := legacyExceptions[foldPhrase(words)]
	return id, ok
}

func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}
