// Package pep508 parses Python dependency specifiers (PEP 508: "name[extra] >= 1.0 ;
// python_version < '3.8'", or "name @ https://...") and tells whether one pins a single
// version.
//
// It is the subset of the grammar a scanner needs: the name, the extras, the version
// clauses (PEP 440 operators, with the version as written), a direct URL, and the marker as
// raw text (a package is reported whatever its marker says: the marker may hold where the
// file is deployed). It follows what pip accepts, not more: text left after the
// specifier is an error, as it is for pip.
package pep508

import (
	"errors"
	"fmt"
	"strings"
)

// Requirement is a parsed dependency specifier.
type Requirement struct {
	// Name is the project name as written.
	Name   string
	Extras []string
	// Clauses are the version clauses, in order; empty for a bare name or a URL.
	Clauses []Clause
	// URL is the direct reference of "name @ url".
	URL string
	// Marker is the environment marker after ';', as written.
	Marker string
}

// Clause is one version clause: an operator and a version, as written.
type Clause struct {
	Op      string // "==", "===", "!=", "~=", "<=", ">=", "<" or ">"
	Version string
}

// Parse parses a dependency specifier. White space around the parts is allowed, as in
// "requests [security] >= 2.8.1, == 2.8.* ; python_version < '2.7'".
func Parse(s string) (Requirement, error) {
	var r Requirement
	p := &parser{s: s}
	p.space()
	r.Name = p.name()
	if r.Name == "" {
		if p.eof() {
			return r, errors.New("empty requirement")
		}
		return r, fmt.Errorf("no project name at %q", p.rest())
	}
	p.space()
	if p.peek() == '[' {
		extras, err := p.extras()
		if err != nil {
			return r, err
		}
		r.Extras = extras
		p.space()
	}
	switch c := p.peek(); {
	case c == '@':
		p.i++
		p.space()
		// The URL runs to white space; a marker after it must be set apart by white space,
		// since ';' may be part of a URL.
		start := p.i
		for !p.eof() && !isSpace(p.s[p.i]) {
			p.i++
		}
		r.URL = p.s[start:p.i]
		if r.URL == "" {
			return r, errors.New("no URL after '@'")
		}
		p.space()
	case c == '(':
		p.i++
		clauses, err := p.clauses()
		if err != nil {
			return r, err
		}
		p.space()
		if p.peek() != ')' {
			return r, fmt.Errorf("expected ')' at %q", p.rest())
		}
		p.i++
		r.Clauses = clauses
		p.space()
	case isOpStart(c):
		clauses, err := p.clauses()
		if err != nil {
			return r, err
		}
		r.Clauses = clauses
		p.space()
	}
	switch {
	case p.eof():
	case p.peek() == ';':
		r.Marker = strings.TrimSpace(p.s[p.i+1:])
		if r.Marker == "" {
			return r, errors.New("empty marker after ';'")
		}
	default:
		return r, fmt.Errorf("unexpected %q after the %s", p.rest(), r.what())
	}
	return r, nil
}

func (r Requirement) what() string {
	switch {
	case r.URL != "":
		return "URL"
	case len(r.Clauses) > 0:
		return "version"
	case len(r.Extras) > 0:
		return "extras"
	}
	return "name"
}

// ParseClauses parses a bare version specifier, such as "==2.1.1" or ">=1.0, <2".
func ParseClauses(s string) ([]Clause, error) {
	p := &parser{s: s}
	p.space()
	clauses, err := p.clauses()
	if err != nil {
		return nil, err
	}
	p.space()
	if !p.eof() {
		return nil, fmt.Errorf("unexpected %q after the version", p.rest())
	}
	return clauses, nil
}

// Pin returns the version the clauses pin, or why they pin none. A pin is one clause "==V"
// without a wildcard, or one "===V"; other clauses beside it ("==1.2, !=1.1") do not
// change the pin.
func Pin(clauses []Clause) (version, why string) {
	if len(clauses) == 0 {
		return "", "no version"
	}
	for _, c := range clauses {
		switch {
		case c.Op == "===", c.Op == "==" && !strings.Contains(c.Version, "*"):
			if version != "" && version != c.Version {
				return "", "pinned to two versions"
			}
			version = c.Version
		}
	}
	if version != "" {
		return version, ""
	}
	for _, c := range clauses {
		if c.Op == "==" {
			return "", "not pinned: wildcard"
		}
	}
	return "", "not pinned"
}

type parser struct {
	s string
	i int
}

func (p *parser) eof() bool { return p.i >= len(p.s) }

func (p *parser) peek() byte {
	if p.eof() {
		return 0
	}
	return p.s[p.i]
}

func (p *parser) rest() string { return p.s[p.i:] }

func (p *parser) space() {
	for !p.eof() && isSpace(p.s[p.i]) {
		p.i++
	}
}

// name reads a PEP 508 name: letters and digits, with '.', '_' and '-' inside.
func (p *parser) name() string {
	start := p.i
	for !p.eof() && isNameChar(p.s[p.i]) {
		p.i++
	}
	// A name ends with a letter or digit; give the punctuation back.
	for p.i > start && !isAlnum(p.s[p.i-1]) {
		p.i--
	}
	if p.i == start || !isAlnum(p.s[start]) {
		p.i = start
		return ""
	}
	return p.s[start:p.i]
}

func (p *parser) extras() ([]string, error) {
	p.i++ // '['
	var extras []string
	for {
		p.space()
		if p.peek() == ']' {
			p.i++
			return extras, nil
		}
		if len(extras) > 0 {
			if p.peek() != ',' {
				return nil, fmt.Errorf("expected ',' or ']' in extras at %q", p.rest())
			}
			p.i++
			p.space()
		}
		e := p.name()
		if e == "" {
			return nil, fmt.Errorf("expected an extra name at %q", p.rest())
		}
		extras = append(extras, e)
	}
}

// clauses reads "op version (, op version)*".
func (p *parser) clauses() ([]Clause, error) {
	var out []Clause
	for {
		p.space()
		op := p.op()
		if op == "" {
			return nil, fmt.Errorf("expected a version operator at %q", p.rest())
		}
		p.space()
		start := p.i
		for !p.eof() && !isSpace(p.s[p.i]) && !strings.ContainsRune(",;)", rune(p.s[p.i])) {
			p.i++
		}
		v := p.s[start:p.i]
		if v == "" {
			return nil, fmt.Errorf("no version after %q", op)
		}
		// "===" compares strings, so any version goes; the others take PEP 440 characters.
		if op != "===" {
			for j := 0; j < len(v); j++ {
				if !isVersionChar(v[j]) {
					return nil, fmt.Errorf("version %q has a character PEP 440 does not allow: %q", v, v[j])
				}
			}
		}
		out = append(out, Clause{Op: op, Version: v})
		save := p.i
		p.space()
		if p.peek() != ',' {
			p.i = save
			return out, nil
		}
		p.i++
	}
}

func (p *parser) op() string {
	for _, op := range []string{"===", "==", "!=", "~=", "<=", ">=", "<", ">"} {
		if strings.HasPrefix(p.s[p.i:], op) {
			p.i += len(op)
			return op
		}
	}
	return ""
}

func isOpStart(c byte) bool {
	return c == '=' || c == '!' || c == '~' || c == '<' || c == '>'
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' }

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

func isNameChar(c byte) bool { return isAlnum(c) || c == '.' || c == '_' || c == '-' }

// isVersionChar reports whether c may appear in a PEP 440 version as people write it
// (before normalisation): "1.0", "1!2.0rc1.post2.dev3+local.4", "2.8.*", "1.2-alpha".
func isVersionChar(c byte) bool {
	return isAlnum(c) || c == '.' || c == '*' || c == '+' || c == '!' || c == '-' || c == '_'
}

// ValidName reports whether s is a valid PEP 508 project name.
func ValidName(s string) bool {
	p := &parser{s: s}
	return p.name() == s && s != ""
}
