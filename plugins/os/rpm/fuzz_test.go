package rpm

import (
	"bytes"
	"os"
	"testing"

	"github.com/trawlscan/trawl/plugins/os/internal/lines"
)

// FuzzHeader feeds parseHeader arbitrary header blobs, seeded with built headers and the
// real ones of the small Berkeley DB fixtures: it must not panic, and a header it accepts
// has a name and a version.
func FuzzHeader(f *testing.F) {
	f.Add(buildHeader(entry{tagName, typeString, "bash"}, entry{tagVersion, typeString, "5.2"}, entry{tagEpoch, typeInt32, int32(1)},
		entry{tagSourceRPM, typeString, "bash-5.2-1.src.rpm"}, entry{1004, typeI18NString, []string{"a", "b"}}))
	for _, fx := range fixtures[1:3] {
		blobs, err := headersOf(readFixture(f, fx))
		if err != nil {
			f.Fatal(err)
		}
		for blob, err := range blobs {
			if err == nil {
				f.Add(bytes.Clone(blob))
			}
		}
	}
	f.Fuzz(func(t *testing.T, blob []byte) {
		h, err := parseHeader(blob)
		if err == nil && (h.name == "" || h.version == "" || h.epoch < 0) {
			t.Fatalf("accepted %+v", h)
		}
	})
}

// FuzzParse feeds Parse whole databases, seeded with the small real Berkeley DB fixtures
// and a small SQLite database: it must not panic, every package it returns must pass the
// SDK's validation, and the problems stay bounded.
func FuzzParse(f *testing.F) {
	for _, fx := range fixtures[1:3] {
		f.Add(readFixture(f, fx))
	}
	if small, err := os.ReadFile("sqlite/testdata/types.db"); err == nil {
		f.Add(small)
	}
	f.Add([]byte("RpmP"))
	f.Fuzz(func(t *testing.T, data []byte) {
		pkgs, problems, err := Parse("var/lib/rpm/Packages", bytes.NewReader(data), int64(len(data)))
		if err != nil && (pkgs != nil || problems != nil) {
			t.Fatalf("error %v with %d packages", err, len(pkgs))
		}
		if len(problems) > lines.MaxProblems {
			t.Fatalf("%d problems", len(problems))
		}
		for _, p := range pkgs {
			if err := p.Validate(); err != nil {
				t.Fatalf("%+v: %v", p, err)
			}
		}
	})
}
