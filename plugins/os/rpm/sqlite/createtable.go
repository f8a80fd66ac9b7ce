package sqlite

import (
	"errors"
	"fmt"
	"strings"
)

// tableInfo is what reading a table's rows needs from its CREATE TABLE statement. Indexes
// count stored columns: the positions of values in a record.
type tableInfo struct {
	withoutRowid bool
	ipk          int   // the INTEGER PRIMARY KEY column, an alias for the rowid; -1 if none
	real         []int // columns of REAL affinity, ascending
}

// column is what parseCreateTable keeps of a column definition.
type column struct {
	name    string
	typ     string // declared type, dequoted, words joined by single spaces, "(...)" for a size
	pk      bool   // has a PRIMARY KEY column constraint
	desc    bool   // ... declared DESC, which SQLite (for compatibility) does not treat as a rowid alias
	virtual bool   // a VIRTUAL generated column: computed when read, absent from records
}

// parseCreateTable reads a CREATE TABLE statement as stored in sqlite_schema, only as far
// as needed to know which record value is the rowid alias, which values have REAL
// affinity, and whether the table has rowids at all. SQLite accepted the statement once,
// so the parse leans on its grammar being right rather than checking it.
func parseCreateTable(sql string) (tableInfo, error) {
	info := tableInfo{ipk: -1}
	toks, err := tokenize(sql)
	if err != nil {
		return info, err
	}
	// CREATE [TEMP|TEMPORARY] TABLE [IF NOT EXISTS] [schema.]name ( ... ) [options]
	if len(toks) < 3 || !toks[0].is("CREATE") {
		return info, errors.New("schema SQL is not a CREATE TABLE statement")
	}
	i := 1
	if toks[i].is("TEMP") || toks[i].is("TEMPORARY") {
		i++
	}
	if toks[i].is("VIRTUAL") {
		return info, errors.New("virtual table")
	}
	if !toks[i].is("TABLE") {
		return info, errors.New("schema SQL is not a CREATE TABLE statement")
	}
	for i < len(toks) && !toks[i].punct('(') {
		if toks[i].is("AS") { // SQLite stores the expanded form, never AS SELECT
			return info, errors.New("CREATE TABLE ... AS in the schema")
		}
		i++
	}
	elems, rest, err := splitList(toks[i:])
	if err != nil {
		return info, err
	}
	var cols []column
	pkName, havePKName := "", false
	for _, el := range elems {
		if len(el) == 0 {
			return info, errors.New("empty column definition in CREATE TABLE")
		}
		if el[0].kind == tokWord && isTableConstraint(el[0].text) {
			if name, ok := tablePrimaryKey(el); ok {
				pkName, havePKName = name, true
			}
			continue
		}
		cols = append(cols, parseColumn(el))
	}
	for j := 0; j+1 < len(rest); j++ {
		if rest[j].is("WITHOUT") && rest[j+1].is("ROWID") {
			info.withoutRowid = true
			return info, nil
		}
	}
	stored := 0
	for _, c := range cols {
		if c.virtual {
			continue
		}
		if equalFold(c.typ, "INTEGER") && (c.pk && !c.desc || havePKName && equalFold(c.name, pkName)) {
			info.ipk = stored
		}
		if realAffinity(c.typ) {
			info.real = append(info.real, stored)
		}
		stored++
	}
	return info, nil
}

// splitList splits the parenthesised, comma-separated list at the start of toks into its
// elements and returns them with the tokens after the closing parenthesis.
func splitList(toks []token) (elems [][]token, rest []token, err error) {
	if len(toks) == 0 || !toks[0].punct('(') {
		return nil, nil, errors.New("CREATE TABLE without a column list")
	}
	depth, start := 0, 1
	for j := 1; j < len(toks); j++ {
		switch {
		case toks[j].punct('('):
			depth++
		case toks[j].punct(')') && depth > 0:
			depth--
		case toks[j].punct(')'):
			return append(elems, toks[start:j]), toks[j+1:], nil
		case toks[j].punct(',') && depth == 0:
			elems = append(elems, toks[start:j])
			start = j + 1
		}
	}
	return nil, nil, errors.New("unbalanced parentheses in CREATE TABLE")
}

// isTableConstraint says whether a column-list element starting with the bare word w is a
// table constraint rather than a column definition. These words are reserved, so a column
// named like them is quoted and does not start with a bare word.
func isTableConstraint(w string) bool {
	for _, k := range []string{"CONSTRAINT", "PRIMARY", "UNIQUE", "CHECK", "FOREIGN"} {
		if equalFold(w, k) {
			return true
		}
	}
	return false
}

// tablePrimaryKey returns the column of a table constraint PRIMARY KEY (column), if the
// element is one naming a single column. PRIMARY KEY (x DESC) still makes x an alias.
func tablePrimaryKey(el []token) (string, bool) {
	for j := 0; j+2 < len(el); j++ {
		if el[j].is("PRIMARY") && el[j+1].is("KEY") && el[j+2].punct('(') {
			items, _, err := splitList(el[j+2:])
			if err != nil || len(items) != 1 || len(items[0]) == 0 {
				return "", false
			}
			if k := items[0][0].kind; k != tokWord && k != tokQuoted {
				return "", false
			}
			return items[0][0].text, true
		}
	}
	return "", false
}

// parseColumn reads a column definition: name, type words, then constraints.
func parseColumn(el []token) column {
	c := column{name: el[0].text}
	j := 1
	var typ []string
	for ; j < len(el); j++ {
		t := el[j]
		if t.kind != tokQuoted && (t.kind != tokWord || isColumnConstraint(t.text)) {
			break
		}
		typ = append(typ, t.text)
	}
	c.typ = strings.Join(typ, " ")
	// A size belongs to the type, and SQLite compares the whole of it with "INTEGER", so
	// INTEGER(10) PRIMARY KEY is no rowid alias.
	if j < len(el) && el[j].punct('(') {
		c.typ += "(...)"
	}
	depth := 0
	for ; j < len(el); j++ {
		t := el[j]
		switch {
		case t.punct('('):
			depth++
		case t.punct(')'):
			depth--
		case depth != 0 || t.kind != tokWord:
		case t.is("PRIMARY") && j+1 < len(el) && el[j+1].is("KEY"):
			c.pk = true
			c.desc = j+2 < len(el) && el[j+2].is("DESC")
		case t.is("AS"): // [GENERATED ALWAYS] AS (expr) [VIRTUAL|STORED], VIRTUAL by default
			c.virtual = true
		case t.is("STORED"):
			c.virtual = false
		}
	}
	return c
}

// isColumnConstraint says whether the bare word w starts a column constraint, which ends
// the column's type.
func isColumnConstraint(w string) bool {
	for _, k := range []string{"CONSTRAINT", "PRIMARY", "NOT", "NULL", "UNIQUE", "CHECK", "DEFAULT", "COLLATE", "REFERENCES", "GENERATED", "AS"} {
		if equalFold(w, k) {
			return true
		}
	}
	return false
}

// realAffinity applies SQLite's rules for a declared type's affinity in their order
// (https://www.sqlite.org/datatype3.html#determination_of_column_affinity) and says
// whether it is REAL. That is the only affinity that changes a value on the way out:
// REAL values with no fractional part may be stored as integers.
func realAffinity(typ string) bool {
	t := strings.ToUpper(typ)
	switch {
	case strings.Contains(t, "INT"):
		return false
	case strings.Contains(t, "CHAR"), strings.Contains(t, "CLOB"), strings.Contains(t, "TEXT"):
		return false
	case strings.Contains(t, "BLOB"), t == "":
		return false
	}
	return strings.Contains(t, "REAL") || strings.Contains(t, "FLOA") || strings.Contains(t, "DOUB")
}

// tokKind classifies a token of SQL text.
type tokKind uint8

const (
	tokWord   tokKind = iota // a bare identifier or keyword
	tokQuoted                // '...', "...", `...` or [...], dequoted
	tokPunct                 // one byte of punctuation
	tokOther                 // a number or anything else
)

type token struct {
	kind tokKind
	text string
}

// is says whether t is the bare keyword kw (upper case), in any case.
func (t token) is(kw string) bool { return t.kind == tokWord && equalFold(t.text, kw) }

func (t token) punct(c byte) bool { return t.kind == tokPunct && t.text[0] == c }

// tokenize splits SQL into tokens, dropping white space and comments.
func tokenize(sql string) ([]token, error) {
	var toks []token
	for i := 0; i < len(sql); {
		c := sql[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f':
			i++
		case c == '-' && strings.HasPrefix(sql[i:], "--"):
			if n := strings.IndexByte(sql[i:], '\n'); n >= 0 {
				i += n + 1
			} else {
				i = len(sql)
			}
		case c == '/' && strings.HasPrefix(sql[i:], "/*"):
			if n := strings.Index(sql[i+2:], "*/"); n >= 0 {
				i += 2 + n + 2
			} else {
				i = len(sql) // SQLite accepts a comment that runs to the end
			}
		case c == '\'' || c == '"' || c == '`':
			text, n, err := quoted(sql[i:], c)
			if err != nil {
				return nil, err
			}
			toks = append(toks, token{tokQuoted, text})
			i += n
		case c == '[':
			n := strings.IndexByte(sql[i:], ']')
			if n < 0 {
				return nil, fmt.Errorf("unterminated [ in schema SQL at byte %d", i)
			}
			toks = append(toks, token{tokQuoted, sql[i+1 : i+n]})
			i += n + 1
		case isIDChar(c) && !isDigit(c):
			j := i + 1
			for j < len(sql) && isIDChar(sql[j]) {
				j++
			}
			toks = append(toks, token{tokWord, sql[i:j]})
			i = j
		case isDigit(c):
			j := i + 1
			for j < len(sql) && (isIDChar(sql[j]) || sql[j] == '.') {
				j++
			}
			toks = append(toks, token{tokOther, sql[i:j]})
			i = j
		default:
			toks = append(toks, token{tokPunct, sql[i : i+1]})
			i++
		}
	}
	return toks, nil
}

// quoted reads a token quoted with q, in which a doubled q stands for one, and returns its
// text and length in sql.
func quoted(sql string, q byte) (string, int, error) {
	var b strings.Builder
	for i := 1; i < len(sql); i++ {
		if sql[i] != q {
			b.WriteByte(sql[i])
			continue
		}
		if i+1 < len(sql) && sql[i+1] == q {
			b.WriteByte(q)
			i++
			continue
		}
		return b.String(), i + 1, nil
	}
	return "", 0, fmt.Errorf("unterminated %c in schema SQL", q)
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// isIDChar says whether c may appear in a bare identifier; SQLite takes every byte of a
// multi-byte UTF-8 character as one.
func isIDChar(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || isDigit(c) || c == '_' || c == '$' || c >= 0x80
}
