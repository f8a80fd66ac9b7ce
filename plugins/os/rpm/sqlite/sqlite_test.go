package sqlite

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"crypto/sha3"
	"encoding/hex"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/trawlscan/trawl/internal/corpustest"
)

// marinerPath is the rpmdb.sqlite of a CBL-Mariner 2.0 image in the shared corpus.
var marinerPath = []string{"os-pkgdb", "rpm", "go-rpmdb", "cbl-mariner-2.0", "rpmdb.sqlite"}

// readTestdata returns a file under testdata, gunzipped if its name ends in .gz (the
// 64 KiB-page database is mostly zeros and would otherwise be 384 KiB).
func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	if strings.HasSuffix(name, ".gz") {
		zr, err := gzip.NewReader(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		if data, err = io.ReadAll(zr); err != nil {
			t.Fatal(err)
		}
	}
	return data
}

func open(t testing.TB, data []byte) *DB {
	t.Helper()
	db, err := Open(data)
	if err != nil {
		t.Fatal(err)
	}
	return db
}

// collect drains Rows, keeping rows and errors apart.
func collect(db *DB, table string) (rows []Row, errs []error) {
	for r, err := range db.Rows(table) {
		if err != nil {
			errs = append(errs, err)
			continue
		}
		rows = append(rows, r)
	}
	return rows, errs
}

func mustRows(t *testing.T, db *DB, table string) []Row {
	t.Helper()
	rows, errs := collect(db, table)
	if len(errs) > 0 {
		t.Fatalf("Rows(%q): %v", table, errs)
	}
	return rows
}

// The expected values below come from the sqlite3 CLI (3.40.1) run on the same file:
// see testdata/README.md.
func TestMariner(t *testing.T) {
	data, err := os.ReadFile(corpustest.Path(t, marinerPath...))
	if err != nil {
		t.Fatal(err)
	}
	db := open(t, data)

	// rpm's index tables (Name, Basenames, ...) are ordinary rowid tables, each with
	// separate indexes (Name_key_idx, ...), which are not listed.
	tables, err := db.Tables()
	if err != nil {
		t.Fatal(err)
	}
	wantTables := []string{"Packages", "sqlite_sequence", "Name", "Basenames", "Group", "Requirename",
		"Providename", "Conflictname", "Obsoletename", "Triggername", "Dirnames", "Installtid", "Sigmd5",
		"Sha1header", "Filetriggername", "Transfiletriggername", "Recommendname", "Suggestname",
		"Supplementname", "Enhancename", "sqlite_stat1"}
	if !slices.Equal(tables, wantTables) {
		t.Errorf("Tables() = %q\nwant %q", tables, wantTables)
	}

	// select hnum, length(blob) from Packages
	golden := readGolden(t, "mariner-packages.golden")
	rows := mustRows(t, db, "Packages")
	if len(rows) != len(golden) {
		t.Fatalf("%d rows, want %d", len(rows), len(golden))
	}
	h := sha256.New()
	for i, r := range rows {
		want := golden[i]
		blob, ok := r.Values[1].([]byte)
		if len(r.Values) != 2 || !ok {
			t.Fatalf("row %d: values %T, want [hnum blob]", r.RowID, r.Values)
		}
		if strconv.FormatInt(r.RowID, 10) != want[0] || strconv.Itoa(len(blob)) != want[1] {
			t.Errorf("row %d: rowid %d, blob %d bytes; want %s", i, r.RowID, len(blob), want)
		}
		if r.Values[0] != r.RowID { // hnum INTEGER PRIMARY KEY is the rowid
			t.Errorf("row %d: hnum %v", r.RowID, r.Values[0])
		}
		h.Write(blob)
	}
	// select hex(blob) from Packages order by hnum | xxd -r -p | sha256sum
	const wantSum = "4ca33c48594f9c1b85740705a5a4ea4c64d7f415a277bc26238173dcc618d1f4"
	if got := hex.EncodeToString(h.Sum(nil)); got != wantSum {
		t.Errorf("SHA-256 of the blobs %s, want %s", got, wantSum)
	}

	// select count(*) from each table
	wantCounts := map[string]int{"Packages": 129, "sqlite_sequence": 1, "Name": 129, "Basenames": 7269,
		"Group": 129, "Requirename": 2085, "Providename": 1180, "Conflictname": 15, "Obsoletename": 7,
		"Triggername": 1, "Dirnames": 1583, "Installtid": 129, "Sigmd5": 129, "Sha1header": 129,
		"Filetriggername": 0, "Transfiletriggername": 0, "Recommendname": 1, "Suggestname": 0,
		"Supplementname": 0, "Enhancename": 0, "sqlite_stat1": 5}
	for name, want := range wantCounts {
		if got := len(mustRows(t, db, name)); got != want {
			t.Errorf("%s: %d rows, want %d", name, got, want)
		}
	}
	// select rowid, * from Basenames limit 1; select * from sqlite_sequence
	if r := mustRows(t, db, "basenames")[0]; !reflect.DeepEqual(r, Row{1, []any{"issue", int64(1), int64(0)}}) {
		t.Errorf("first Basenames row %v", r)
	}
	if r := mustRows(t, db, "SQLITE_SEQUENCE"); !reflect.DeepEqual(r, []Row{{1, []any{"Packages", int64(129)}}}) {
		t.Errorf("sqlite_sequence %v", r)
	}
	if r := mustRows(t, db, "sqlite_master"); len(r) != 50 || r[0].Values[1] != "Packages" {
		t.Errorf("sqlite_master: %d rows, first %v", len(r), r[0].Values[:2])
	}
}

// readGolden reads a file of space-separated fields, one row a line.
func readGolden(t *testing.T, name string) [][]string {
	t.Helper()
	var rows [][]string
	sc := bufio.NewScanner(bytes.NewReader(readTestdata(t, name)))
	for sc.Scan() {
		rows = append(rows, strings.Fields(sc.Text()))
	}
	return rows
}

// TestGolden compares the rows of the databases with other page sizes to what sqlite3
// said of them: typeof(v), and length and SHA3-256 for TEXT and BLOB or quote(v) otherwise.
func TestGolden(t *testing.T) {
	for _, tc := range []struct {
		db, golden string
		pageSize   int
		tables     []string
	}{
		{"ps512.db", "ps512.golden", 512, []string{"deep", "big"}},
		{"ps65536.db.gz", "ps65536.golden", 65536, []string{"t"}},
	} {
		t.Run(tc.db, func(t *testing.T) {
			db := open(t, readTestdata(t, tc.db))
			if db.pageSize != tc.pageSize {
				t.Fatalf("page size %d, want %d", db.pageSize, tc.pageSize)
			}
			if tables, err := db.Tables(); err != nil || !slices.Equal(tables, tc.tables) {
				t.Fatalf("Tables() = %q, %v", tables, err)
			}
			var got [][]string
			for _, name := range tc.tables {
				for _, r := range mustRows(t, db, name) {
					if r.Values[0] != r.RowID {
						t.Errorf("%s %d: id %v", name, r.RowID, r.Values[0])
					}
					got = append(got, append([]string{name, strconv.FormatInt(r.RowID, 10)}, describeValue(r.Values[1])...))
				}
			}
			if want := readGolden(t, tc.golden); !reflect.DeepEqual(got, want) {
				t.Errorf("rows\n%q\nwant\n%q", got, want)
			}
		})
	}
}

// describeValue renders v as the golden files do.
func describeValue(v any) []string {
	switch v := v.(type) {
	case nil:
		return []string{"null", "NULL"}
	case int64:
		return []string{"integer", strconv.FormatInt(v, 10)}
	case float64:
		return []string{"real", strconv.FormatFloat(v, 'g', -1, 64)}
	case string:
		sum := sha3.Sum256([]byte(v))
		return []string{"text", strconv.Itoa(len(v)), hex.EncodeToString(sum[:])}
	case []byte:
		sum := sha3.Sum256(v)
		return []string{"blob", strconv.Itoa(len(v)), hex.EncodeToString(sum[:])}
	}
	return []string{fmt.Sprintf("%T", v)}
}

// TestShape checks that the generated databases have the shapes the tests rely on: the
// deep table two interior levels above its leaves, and rows spilling over several
// overflow pages at both page sizes.
func TestShape(t *testing.T) {
	db := open(t, readTestdata(t, "ps512.db"))
	deep, err := db.lookup("deep")
	if err != nil {
		t.Fatal(err)
	}
	if d := depth(t, db, deep.root); d < 3 {
		t.Errorf("deep: %d levels, want 2 interior levels and the leaves", d)
	}
	for _, tc := range []struct {
		file  string
		table string
		rowid int64
		pages int
	}{{"ps512.db", "big", 1, 5}, {"ps512.db", "big", 3, 4}, {"ps65536.db.gz", "t", 2, 3}, {"ps65536.db.gz", "t", 3, 1}} {
		db := open(t, readTestdata(t, tc.file))
		c := findCell(t, db, tc.table, tc.rowid)
		if n := len(overflowPages(t, db, c)); n != tc.pages {
			t.Errorf("%s %s %d: %d overflow pages, want %d", tc.file, tc.table, tc.rowid, n, tc.pages)
		}
	}
}

// depth measures the b-tree at page no by its left-most path.
func depth(t *testing.T, db *DB, no uint32) int {
	p, err := db.loadPage(no)
	if err != nil {
		t.Fatal(err)
	}
	if p.leaf {
		return 1
	}
	off, err := p.cell(0)
	if err != nil {
		t.Fatal(err)
	}
	return 1 + depth(t, db, be32(p.data[off:]))
}

func be32(b []byte) uint32 {
	return uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
}

// cellRef locates a leaf cell in a file, for the tests that corrupt it.
type cellRef struct {
	page    uint32
	index   int
	ptr     int // file offset of its cell pointer
	off     int // file offset of the cell
	payload int // file offset of its local payload
	size    int // total payload size
}

// findCell finds the leaf cell of rowid in table by walking every page of the table.
func findCell(t *testing.T, db *DB, table string, rowid int64) cellRef {
	t.Helper()
	tb, err := db.lookup(table)
	if err != nil {
		t.Fatal(err)
	}
	var found *cellRef
	var walk func(no uint32)
	walk = func(no uint32) {
		p, err := db.loadPage(no)
		if err != nil {
			t.Fatal(err)
		}
		base := int(no-1) * db.pageSize
		for i := 0; i < p.cells; i++ {
			off, err := p.cell(i)
			if err != nil {
				t.Fatal(err)
			}
			if !p.leaf {
				walk(be32(p.data[off:]))
				continue
			}
			size, n1 := varint(p.data[off:])
			id, n2 := varint(p.data[off+n1:])
			if int64(id) == rowid {
				found = &cellRef{no, i, base + p.ptrs + 2*i, base + off, base + off + n1 + n2, int(size)}
			}
		}
		if !p.leaf {
			walk(p.right)
		}
	}
	walk(tb.root)
	if found == nil {
		t.Fatalf("no rowid %d in %s", rowid, table)
	}
	return *found
}

// overflowPages lists the overflow chain of a cell.
func overflowPages(t *testing.T, db *DB, c cellRef) []uint32 {
	local, overflows := db.localSize(c.size)
	if !overflows {
		return nil
	}
	var pages []uint32
	for next := be32(db.data[c.payload+local:]); next != 0; next = be32(db.page(next)) {
		pages = append(pages, next)
		if len(pages) > int(db.pages) {
			t.Fatal("overflow cycle")
		}
	}
	return pages
}

func TestTypes(t *testing.T) {
	db := open(t, readTestdata(t, "types.db"))
	tables, err := db.Tables()
	if err != nil {
		t.Fatal(err)
	}
	// wr is WITHOUT ROWID; the indexes and the view are not tables.
	wantTables := []string{"vals", "reals", `quoted "name" (x)`, "bracket name", "desc", "intpk", "gen", "cmt",
		"strict_t", "alt", "Packages", "sqlite_sequence"}
	if !slices.Equal(tables, wantTables) {
		t.Errorf("Tables() = %q\nwant %q", tables, wantTables)
	}

	// select id, typeof(v), quote(v) from vals: one value of each serial type.
	vals := []any{nil, int64(0), int64(1), int64(127), int64(-128), int64(128), int64(-32768),
		int64(32768), int64(-8388608), int64(8388608), int64(-2147483648), int64(2147483648),
		int64(-140737488355328), int64(140737488355328), int64(math.MinInt64),
		int64(math.MaxInt64), 3.5, -1.0e308, 5e-324,
		"héllo, wörld", "", []byte{}, []byte{0, 0xff, 0x10}, `it's "quoted"`}
	want := []Row{{-5, []any{int64(-5), "negative rowid"}}}
	for i, v := range vals {
		want = append(want, Row{int64(i + 1), []any{int64(i + 1), v}})
	}
	checkRows(t, db, "vals", want)

	for _, tc := range []struct {
		table string
		want  []Row
	}{
		// REAL stores 2.0 as the integer 2 and gives back 2.0; NUMERIC keeps 2;
		// "FLOATING POINT" has INTEGER affinity because it contains "INT".
		{"reals", []Row{{1, []any{2.0, int64(2), 3.0, int64(4)}}, {2, []any{2.5, int64(7), "x", int64(1)}}}},
		{`QUOTED "name" (X)`, []Row{{10, []any{int64(10), "ten", []byte{10}}}, {20, []any{int64(20), "twenty", nil}}}},
		// PRIMARY KEY("id" DESC) as a table constraint still makes 'INTEGER' "id" an alias.
		{"bracket name", []Row{{7, []any{"a", int64(7)}}}},
		// INTEGER PRIMARY KEY DESC and INT PRIMARY KEY are not aliases: the value is stored.
		{"desc", []Row{{1, []any{int64(3), "b"}}}},
		{"intpk", []Row{{1, []any{int64(4), "b"}}}},
		// g is VIRTUAL and not stored; s is STORED.
		{"gen", []Row{{9, []any{int64(9), 2.0, 3.0, "c"}}}},
		{"cmt", []Row{{11, []any{int64(11), "b"}}}},
		{"strict_t", []Row{{1, []any{int64(1), 5.0, int64(5)}}}},
		// The row from before ADD COLUMN has no value for c (SQLite would give its default, 5).
		{"alt", []Row{{1, []any{int64(1), "old"}}, {2, []any{int64(2), "new", int64(6)}}}},
		{"Packages", []Row{{1, []any{int64(1), []byte{0x8e}}}, {2, []any{int64(2), []byte{0xad}}}}},
	} {
		checkRows(t, db, tc.table, tc.want)
	}

	for table, msg := range map[string]string{
		"wr":     `table "wr" is a WITHOUT ROWID table`,
		"vals_v": `"vals_v" is not a table (its schema type is "index")`,
		"v":      `"v" is not a table (its schema type is "view")`,
		"nope":   `sqlite: no table "nope"`,
	} {
		_, errs := collect(db, table)
		if len(errs) != 1 || !strings.Contains(errs[0].Error(), msg) {
			t.Errorf("Rows(%q): errors %v, want one saying %q", table, errs, msg)
		}
	}
}

func checkRows(t *testing.T, db *DB, table string, want []Row) {
	t.Helper()
	got := mustRows(t, db, table)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Rows(%q) =\n%#v\nwant\n%#v", table, got, want)
	}
	// The sign of -0.0 and NaN aside, DeepEqual compares floats exactly, as wanted.
}

func TestUTF16(t *testing.T) {
	for _, name := range []string{"utf16le.db", "utf16be.db"} {
		db := open(t, readTestdata(t, name))
		if tables, err := db.Tables(); err != nil || !slices.Equal(tables, []string{"Wörter"}) {
			t.Errorf("%s: Tables() = %q, %v", name, tables, err)
		}
		checkRows(t, db, "wörter", []Row{
			{1, []any{int64(1), "héllo wörld", []byte{0, 1}}},
			{2, []any{int64(2), "日本語 𝄞", nil}},
			{3, []any{int64(3), "", []byte{}}},
		})
	}
}

// TestCase checks that names match like SQLite's: ASCII letters in any case, other
// letters only exactly.
func TestCase(t *testing.T) {
	db := open(t, readTestdata(t, "utf16le.db"))
	if _, errs := collect(db, "WöRTER"); len(errs) != 0 {
		t.Errorf("WöRTER: %v", errs)
	}
	if _, errs := collect(db, "WÖRTER"); len(errs) != 1 {
		t.Errorf("WÖRTER found: SQLite folds ASCII only")
	}
}

// TestStop checks that breaking out of the loop stops the walk.
func TestStop(t *testing.T) {
	db := open(t, readTestdata(t, "ps512.db"))
	n := 0
	for range db.Rows("deep") {
		n++
		if n == 3 {
			break
		}
	}
	if n != 3 {
		t.Errorf("%d rows", n)
	}
}

func TestParseCreateTable(t *testing.T) {
	for _, tc := range []struct {
		sql  string
		want tableInfo
		err  string
	}{
		{"CREATE TABLE 'Packages' (hnum INTEGER PRIMARY KEY AUTOINCREMENT,blob BLOB NOT NULL)", tableInfo{ipk: 0}, ""},
		{"CREATE TABLE 'Name' (key 'TEXT' NOT NULL, hnum INTEGER NOT NULL, idx INTEGER NOT NULL, FOREIGN KEY (hnum) REFERENCES 'Packages'(hnum))", tableInfo{ipk: -1}, ""},
		{"CREATE TABLE sqlite_sequence(name,seq)", tableInfo{ipk: -1}, ""},
		{"create temp table if not exists main.t(a real, b integer primary key asc, c)", tableInfo{ipk: 1, real: []int{0}}, ""},
		{"CREATE TABLE t(a, b INTEGER, CONSTRAINT pk PRIMARY KEY (B))", tableInfo{ipk: 1}, ""},
		{"CREATE TABLE t(a, b INTEGER, PRIMARY KEY (b, a))", tableInfo{ipk: -1}, ""},
		{"CREATE TABLE t(a INTEGER UNSIGNED PRIMARY KEY)", tableInfo{ipk: -1}, ""},
		{"CREATE TABLE t(a INTEGER(10) PRIMARY KEY, b REAL(5, 2))", tableInfo{ipk: -1, real: []int{1}}, ""},
		{"CREATE TABLE t(a INTEGER  PRIMARY KEY)", tableInfo{ipk: 0}, ""},
		{"CREATE TABLE t(`a``b` [INTEGER] CONSTRAINT \"x\"\"y\" PRIMARY KEY, c DOUBLE)", tableInfo{ipk: 0, real: []int{1}}, ""},
		{"CREATE TABLE t(a INTEGER PRIMARY KEY, b) WITHOUT ROWID", tableInfo{ipk: -1, withoutRowid: true}, ""},
		{"CREATE TABLE t(a TEXT, b INT) STRICT, WITHOUT ROWID", tableInfo{ipk: -1, withoutRowid: true}, ""},
		{"CREATE TABLE t(x GENERATED ALWAYS AS (1) VIRTUAL, y AS (2) STORED, z INTEGER PRIMARY KEY)", tableInfo{ipk: 1}, ""},
		{"CREATE TABLE t(a DEFAULT (',)'), b CHECK(b > ')'), c integer primary key)", tableInfo{ipk: 2}, ""},
		{"CREATE TABLE \"a(\"\"b\" -- (\n(c INTEGER /* , */ PRIMARY KEY)", tableInfo{ipk: 0}, ""},
		{"CREATE TABLE t(a FLOAT, b FLOATING POINT, c VARCHAR(10), d DECIMAL(10,5), e)", tableInfo{ipk: -1, real: []int{0}}, ""},
		{"CREATE VIRTUAL TABLE t USING fts5(a)", tableInfo{}, "virtual table"},
		{"CREATE INDEX i ON t(a)", tableInfo{}, "not a CREATE TABLE"},
		{"CREATE TABLE t AS SELECT 1", tableInfo{}, "AS"},
		{"CREATE TABLE t(a, (b)", tableInfo{}, "unbalanced"},
		{"CREATE TABLE t(a, )", tableInfo{}, "empty column"},
		{"CREATE TABLE 't(a)", tableInfo{}, "unterminated '"},
		{"CREATE TABLE [t(a)", tableInfo{}, "unterminated ["},
		{"CREATE TABLE t", tableInfo{}, "without a column list"},
		{"", tableInfo{}, "not a CREATE TABLE"},
	} {
		got, err := parseCreateTable(tc.sql)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%q: error %v, want %q", tc.sql, err, tc.err)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%q: %+v, %v; want %+v", tc.sql, got, err, tc.want)
		}
	}
}

func TestVarint(t *testing.T) {
	for _, tc := range []struct {
		in []byte
		v  uint64
		n  int
	}{
		{[]byte{0}, 0, 1},
		{[]byte{0x7f, 0xff}, 0x7f, 1},
		{[]byte{0x81, 0x00}, 0x80, 2},
		{[]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, math.MaxUint64, 9},
		{[]byte{0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01}, 1, 9},
		{[]byte{0x81}, 0, 0},
		{[]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, 0, 0},
		{nil, 0, 0},
	} {
		if v, n := varint(tc.in); v != tc.v || n != tc.n {
			t.Errorf("varint(% x) = %d, %d; want %d, %d", tc.in, v, n, tc.v, tc.n)
		}
	}
}

func BenchmarkRowsMariner(b *testing.B) {
	data, err := os.ReadFile(corpustest.Path(b, marinerPath...))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		db, err := Open(data)
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for _, err := range db.Rows("Packages") {
			if err != nil {
				b.Fatal(err)
			}
			n++
		}
		if n != 129 {
			b.Fatalf("%d rows", n)
		}
	}
}
