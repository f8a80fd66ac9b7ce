package sqlite

import (
	"path/filepath"
	"strings"
	"testing"
)

// FuzzRows opens arbitrary bytes and reads every table. Seeds are the small generated
// databases under testdata (the 64 KiB-page one is left out: a seed of 384 KiB makes each
// fuzzing round slow). Besides not panicking or hanging, errors must be this package's
// and values of the documented types.
func FuzzRows(f *testing.F) {
	seeds, err := filepath.Glob(filepath.Join("testdata", "*.db"))
	if err != nil || len(seeds) == 0 {
		f.Fatal("no seeds", err)
	}
	for _, s := range seeds {
		f.Add(readTestdata(f, filepath.Base(s)))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		db, err := Open(data)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "sqlite: ") {
				t.Fatalf("foreign error %v", err)
			}
			return
		}
		names, _ := db.Tables()
		// Each walk costs up to the file's size; a few tables are enough to explore with.
		names = append(names[:min(len(names), 8)], "sqlite_schema")
		for _, name := range names {
			rows := 0
			for r, err := range db.Rows(name) {
				if err != nil {
					if !strings.HasPrefix(err.Error(), "sqlite: ") {
						t.Fatalf("foreign error %v", err)
					}
					continue
				}
				// Every row has a cell pointer and at least a byte of payload on its page.
				if rows++; rows > len(data) {
					t.Fatalf("%s: more rows than bytes", name)
				}
				for _, v := range r.Values {
					switch v.(type) {
					case nil, int64, float64, string, []byte:
					default:
						t.Fatalf("value of type %T", v)
					}
				}
			}
		}
	})
}
