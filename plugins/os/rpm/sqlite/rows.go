package sqlite

import (
	"fmt"
	"iter"
)

// schemaEntry is one row of sqlite_schema, the table on page 1 that describes every table,
// index, view and trigger in the database.
type schemaEntry struct {
	typ, name string
	root      int64
	sql       string
}

// table is what Rows needs to know about a table.
type table struct {
	root uint32
	cols tableInfo
}

// schemaTable describes sqlite_schema itself, which has no entry of its own:
// (type, name, tbl_name, rootpage, sql), none of them a rowid alias.
var schemaTable = table{root: 1, cols: tableInfo{ipk: -1}}

// schema reads sqlite_schema. A damaged entry does not hide the others: they are all
// returned, together with the first error met.
func (db *DB) schema() ([]schemaEntry, error) {
	var entries []schemaEntry
	var first error
	db.newWalker().walkRoot(1, func(c leafCell, err error) bool {
		var e schemaEntry
		if err == nil {
			e, err = db.schemaEntry(c)
		}
		if err == nil {
			entries = append(entries, e)
		} else if first == nil {
			first = err
		}
		return true
	})
	return entries, first
}

// schemaEntry decodes one sqlite_schema row.
func (db *DB) schemaEntry(c leafCell) (schemaEntry, error) {
	vals, err := db.decodeRecord(c.payload, c.owned)
	if err != nil {
		return schemaEntry{}, fmt.Errorf("sqlite: page %d: cell %d (rowid %d): schema: %w", c.page, c.index, c.rowid, err)
	}
	if len(vals) >= 5 {
		typ, ok := vals[0].(string)
		name, nameOK := vals[1].(string)
		// Views and triggers have no b-tree, automatic indexes no SQL: NULL is fine there.
		root, rootOK := vals[3].(int64)
		sql, sqlOK := vals[4].(string)
		if ok && typ != "" && nameOK && (rootOK || vals[3] == nil) && (sqlOK || vals[4] == nil) {
			return schemaEntry{typ: typ, name: name, root: root, sql: sql}, nil
		}
	}
	return schemaEntry{}, fmt.Errorf("sqlite: page %d: cell %d (rowid %d): schema row is not (type, name, tbl_name, rootpage, sql): %s", c.page, c.index, c.rowid, describe(vals))
}

// describe lists the Go types of vals, for errors about rows of the wrong shape.
func describe(vals []any) string {
	s := "("
	for i, v := range vals {
		if i > 0 {
			s += ", "
		}
		if i == 8 {
			return s + "...)"
		}
		if v == nil {
			s += "NULL"
		} else {
			s += fmt.Sprintf("%T", v)
		}
	}
	return s + ")"
}

// Tables lists the rowid tables the schema describes, in schema order, including SQLite's
// own such as sqlite_sequence but not sqlite_schema itself; indexes, views, virtual and
// WITHOUT ROWID tables are left out. If part of the schema is damaged, Tables returns the
// names it could read together with an error.
func (db *DB) Tables() ([]string, error) {
	entries, err := db.schema()
	var names []string
	for _, e := range entries {
		if e.typ != "table" || e.root <= 0 {
			continue
		}
		info, perr := parseCreateTable(e.sql)
		if perr != nil {
			if err == nil {
				err = fmt.Errorf("sqlite: table %q: %w", e.name, perr)
			}
			continue
		}
		if !info.withoutRowid {
			names = append(names, e.name)
		}
	}
	return names, err
}

// lookup finds the rowid table named name, matched without regard to ASCII case as SQLite
// matches names.
func (db *DB) lookup(name string) (table, error) {
	if equalFold(name, "sqlite_schema") || equalFold(name, "sqlite_master") {
		return schemaTable, nil
	}
	entries, serr := db.schema()
	for _, e := range entries {
		if !equalFold(e.name, name) {
			continue
		}
		if e.typ != "table" {
			return table{}, fmt.Errorf("sqlite: %q is not a table (its schema type is %q)", e.name, e.typ)
		}
		if e.root <= 0 {
			return table{}, fmt.Errorf("sqlite: table %q has no b-tree of its own (a virtual table?)", e.name)
		}
		if e.root > int64(db.pages) {
			return table{}, fmt.Errorf("sqlite: table %q: root page %d out of range (the database has %d pages)", e.name, e.root, db.pages)
		}
		info, err := parseCreateTable(e.sql)
		if err != nil {
			return table{}, fmt.Errorf("sqlite: table %q: %w", e.name, err)
		}
		if info.withoutRowid {
			return table{}, fmt.Errorf("sqlite: table %q is a WITHOUT ROWID table, which this reader does not read", e.name)
		}
		return table{root: uint32(e.root), cols: info}, nil
	}
	if serr != nil {
		return table{}, fmt.Errorf("sqlite: no table %q in the readable part of a damaged schema: %w", name, serr)
	}
	return table{}, fmt.Errorf("sqlite: no table %q", name)
}

// Rows yields each row of the named rowid table in the order of its b-tree, which is rowid
// order unless the file is damaged. Table names are matched without regard to ASCII case;
// sqlite_schema (or sqlite_master) reads the schema itself.
//
// A damaged row yields (Row{}, err) and iteration goes on with the next cell; damage to the
// b-tree itself, which hides the rows below it, yields an error and ends the iteration, as
// does an unknown table. The column declared INTEGER PRIMARY KEY, if any, is an alias for
// the rowid and stored as NULL, so Rows fills in the rowid; a REAL column's value stored as
// an integer (SQLite's space saving) comes back as a float64, as SQLite returns it.
func (db *DB) Rows(name string) iter.Seq2[Row, error] {
	return func(yield func(Row, error) bool) {
		t, err := db.lookup(name)
		if err != nil {
			yield(Row{}, err)
			return
		}
		db.newWalker().walkRoot(t.root, func(c leafCell, err error) bool {
			if err != nil {
				return yield(Row{}, err)
			}
			vals, err := db.decodeRecord(c.payload, c.owned)
			if err != nil {
				return yield(Row{}, fmt.Errorf("sqlite: page %d: cell %d (rowid %d): %w", c.page, c.index, c.rowid, err))
			}
			if err := t.cols.apply(vals, c.rowid); err != nil {
				return yield(Row{}, fmt.Errorf("sqlite: page %d: cell %d (rowid %d): %w", c.page, c.index, c.rowid, err))
			}
			return yield(Row{RowID: c.rowid, Values: vals}, nil)
		})
	}
}

// apply turns stored values into the values SQLite would return for them, in place.
func (t *tableInfo) apply(vals []any, rowid int64) error {
	if t.ipk >= 0 {
		// The alias is stored as NULL; SQLite reads the rowid in its place whatever is
		// stored. ALTER TABLE cannot add a primary key, so every record SQLite writes
		// reaches the alias column.
		if t.ipk >= len(vals) {
			return fmt.Errorf("record has %d values, too few for the INTEGER PRIMARY KEY column %d", len(vals), t.ipk+1)
		}
		vals[t.ipk] = rowid
	}
	for _, i := range t.real {
		if i >= len(vals) {
			break
		}
		if v, ok := vals[i].(int64); ok {
			vals[i] = float64(v)
		}
	}
	return nil
}

// equalFold compares names as SQLite does: case-insensitively for ASCII letters only.
func equalFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		if lower(a[i]) != lower(b[i]) {
			return false
		}
	}
	return true
}

func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}
