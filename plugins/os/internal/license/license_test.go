package license

import (
	"bufio"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/trawlscan/trawl/plugins/internal/spdxid"
)

var update = flag.Bool("update", false, "rewrite testdata/corpus.tsv with the current results")

func TestNormalize(t *testing.T) {
	tests := []struct {
		raw  string
		want string
		ok   bool
	}{
		// rpm, Fedora/RHEL legacy short names.
		{"GPLv2+", "GPL-2.0-or-later", true},
		{"GPLv2", "GPL-2.0-only", true},
		{"GPLv3", "GPL-3.0-only", true},
		{"GPLv3+", "GPL-3.0-or-later", true},
		{"GPLv2+ and LGPLv2+", "GPLv2+ and LGPLv2+", false}, // LGPLv2+: 2.0 or 2.1 or later
		{"LGPLv2+ or MIT", "LGPLv2+ or MIT", false},
		{"GPLv2+ and (LGPLv2+ or MIT)", "GPLv2+ and (LGPLv2+ or MIT)", false},
		{"GPLv3+ with exceptions", "GPLv3+ with exceptions", false},
		{"GPLv2+ WITH exceptions", "GPLv2+ WITH exceptions", false},
		{"BSD", "BSD", false},
		{"MIT", "MIT", true},
		{"Public Domain", "Public Domain", false},
		{"ASL 2.0", "Apache-2.0", true},
		{"ASL  2.0", "Apache-2.0", true},
		{"asl 2.0", "Apache-2.0", true},
		{"MPLv2.0", "MPL-2.0", true},
		{"MPLv1.1 or GPLv2+", "MPL-1.1 OR GPL-2.0-or-later", true},
		{"zlib", "Zlib", true},
		{"OpenSSL", "OpenSSL", true},
		{"GPL+ or Artistic", "GPL+ or Artistic", false},
		{"(GPLv2+ or LGPLv3+) and BSD", "(GPLv2+ or LGPLv3+) and BSD", false},
		{"(GPLv2+ or LGPLv3+) and MIT", "(GPL-2.0-or-later OR LGPL-3.0-or-later) AND MIT", true},
		{"GPLv2 and GPLv2+ and LGPLv2+ and BSD", "GPLv2 and GPLv2+ and LGPLv2+ and BSD", false},
		{"GPLv2 and GPLv2+ and LGPLv3+ and ISC", "GPL-2.0-only AND GPL-2.0-or-later AND LGPL-3.0-or-later AND ISC", true},
		{"LGPLv2.1+ AND GPLv2+", "LGPL-2.1-or-later AND GPL-2.0-or-later", true},
		{"AGPLv3+", "AGPL-3.0-or-later", true},
		{"Artistic 2.0", "Artistic-2.0", true},
		{"CC0", "CC0-1.0", true},
		{"Boost", "BSL-1.0", true},
		{"BSD 2-Clause and GPLv2", "BSD-2-Clause AND GPL-2.0-only", true},
		{"LGPLv2", "LGPLv2", false},
		{"GPL", "GPL", false},
		// Parentheses, nesting, operator case, white space, commas.
		{"GPLv2+ and (MIT or (ISC and zlib))", "GPL-2.0-or-later AND (MIT OR (ISC AND Zlib))", true},
		{"((MIT))", "((MIT))", true},
		{"(MIT or ISC) and (Zlib or Apache-2.0)", "(MIT OR ISC) AND (Zlib OR Apache-2.0)", true},
		{"mit  and   isc", "MIT AND ISC", true},
		{"  MIT\tOR\nISC  ", "MIT OR ISC", true},
		{"MIT And ISC oR Zlib", "MIT AND ISC OR Zlib", true},
		{"MIT,", "MIT", true},
		{"MIT, ISC", "MIT AND ISC", true},
		{"MIT, ISC,", "MIT AND ISC", true},
		{"GPLv2+, MIT or ISC", "GPL-2.0-or-later AND (MIT OR ISC)", true},
		{"(MIT, ISC) or Zlib", "(MIT AND ISC) OR Zlib", true},
		{"MIT,, ISC", "MIT,, ISC", false},
		{", MIT", ", MIT", false},
		{"(MIT", "(MIT", false},
		{"MIT)", "MIT)", false},
		{"()", "()", false},
		{"MIT and", "MIT and", false},
		{"and MIT", "and MIT", false},
		{"MIT or or ISC", "MIT or or ISC", false},
		// SPDX already, any case; deprecated ids; '+'.
		{"GPL-2.0-or-later AND LGPL-2.1-or-later", "GPL-2.0-or-later AND LGPL-2.1-or-later", true},
		{"gpl-2.0-or-later and lgpl-2.1-or-later", "GPL-2.0-or-later AND LGPL-2.1-or-later", true},
		{"bsd-3-clause", "BSD-3-Clause", true},
		{"GPL-2.0+", "GPL-2.0-or-later", true},
		{"GPL-2.0", "GPL-2.0-only", true},
		{"LGPL-2.1", "LGPL-2.1-only", true},
		{"AGPL-3.0+", "AGPL-3.0-or-later", true},
		{"GPL-2.0-only+", "GPL-2.0-only+", false},
		{"MPL-1.1+", "MPL-1.1+", true},
		{"Nunit", "Nunit", true}, // deprecated, not GNU: kept
		{"LGPL-2.1-or-later", "LGPL-2.1-or-later", true},
		{"SUSE-Public-Domain", "SUSE-Public-Domain", false},
		{"BSD-3-Clause AND GPL-2.0-only", "BSD-3-Clause AND GPL-2.0-only", true},
		{"GPL-3.0-or-later WITH GCC-exception-3.1", "GPL-3.0-or-later WITH GCC-exception-3.1", true},
		{"Apache-2.0 with llvm-exception", "Apache-2.0 WITH LLVM-exception", true},
		{"(MIT OR ISC) WITH LLVM-exception", "(MIT OR ISC) WITH LLVM-exception", false},
		{"MIT WITH Unknown-exception", "MIT WITH Unknown-exception", false},
		{"MIT WITH", "MIT WITH", false},
		{"MIT WITH LLVM-exception WITH LLVM-exception", "MIT WITH LLVM-exception WITH LLVM-exception", false},
		{"Made-Up-License-1.0", "Made-Up-License-1.0", false},
		{"MIT AND Made-Up-License-1.0", "MIT AND Made-Up-License-1.0", false},
		{"LicenseRef-Fedora-Public-Domain OR MIT", "LicenseRef-Fedora-Public-Domain OR MIT", true},
		{"licenseref-foo.bar-1", "LicenseRef-foo.bar-1", true},
		{"DocumentRef-spdx-tool-1.2:LicenseRef-MIT-Style-2", "DocumentRef-spdx-tool-1.2:LicenseRef-MIT-Style-2", true},
		{"LicenseRef-", "LicenseRef-", false},
		{"LicenseRef-a_b", "LicenseRef-a_b", false},
		{"GPL-2.0-or-later WITH AdditionRef-Fedora-font", "GPL-2.0-or-later WITH AdditionRef-Fedora-font", true},
		// apk.
		{"GPL-2.0-only", "GPL-2.0-only", true},
		{"MIT AND BSD-3-Clause", "MIT AND BSD-3-Clause", true},
		{"GPL-2.0-or-later WITH Bison-exception-2.2", "GPL-2.0-or-later WITH Bison-exception-2.2", true},
		{"GPL2+", "GPL-2.0-or-later", true},
		{"GPL2", "GPL-2.0-only", true},
		{"custom", "custom", false},
		{"MPL-2.0 GPL-2.0-or-later", "MPL-2.0 AND GPL-2.0-or-later", true},
		{"MIT ASL 2.0", "MIT AND Apache-2.0", true},
		{"MIT BSD GPL2+", "MIT BSD GPL2+", false},
		{"MIT ISC and Zlib", "MIT ISC and Zlib", false}, // a list only when it is all list
		// Debian DEP-5.
		{"GPL-2+", "GPL-2.0-or-later", true},
		{"GPL-2", "GPL-2.0-only", true},
		{"GPL-3.0.0+", "GPL-3.0-or-later", true},
		{"LGPL-2.1+", "LGPL-2.1-or-later", true},
		{"LGPL-2+", "LGPL-2.0-or-later", true},
		{"BSD-3-clause", "BSD-3-Clause", true},
		{"Expat", "MIT", true},
		{"public-domain", "public-domain", false},
		{"Apache-2.0", "Apache-2.0", true},
		{"Apache-2", "Apache-2.0", true},
		{"CC-BY-SA-3", "CC-BY-SA-3.0", true},
		{"GFDL-1.3+", "GFDL-1.3-or-later", true},
		{"GFDL-NIV-1.2+", "GFDL-1.2-no-invariants-or-later", true},
		{"GPL-2+ with OpenSSL exception", "GPL-2+ with OpenSSL exception", false},
		{"GPL-2+ with Font exception", "GPL-2.0-or-later WITH Font-exception-2.0", true},
		{"GPL-1+ or Artistic-2.0", "GPL-1.0-or-later OR Artistic-2.0", true},
		{"GPL-2+ or Artistic-2.0, and BSD-3-clause", "(GPL-2.0-or-later OR Artistic-2.0) AND BSD-3-Clause", true},
		{"Expat or GPL-2+, or ISC", "MIT OR GPL-2.0-or-later OR ISC", true},
		{"MIT and ISC, or Zlib and Apache-2.0", "MIT AND ISC OR Zlib AND Apache-2.0", true},
		{"GPL-4+", "GPL-4+", false},
		{"Perl", "Perl", false},
		// Empty and blank.
		{"", "", false},
		{"   ", "", false},
	}
	for _, tt := range tests {
		got, ok := Normalize(tt.raw)
		if got != tt.want || ok != tt.ok {
			t.Errorf("Normalize(%q) = %q, %v; want %q, %v", tt.raw, got, ok, tt.want, tt.ok)
		}
		if ok {
			checkNormal(t, tt.raw, got)
		}
	}
}

// TestCorpusGolden checks Normalize on the distinct license values of the package
// databases in shared/corpus (testdata/corpus.tsv) and logs the share that maps.
func TestCorpusGolden(t *testing.T) {
	path := filepath.Join("testdata", "corpus.tsv")
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out strings.Builder
	total, mapped := 0, 0
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			out.WriteString(line + "\n")
			continue
		}
		fields := strings.Split(line, "\t")
		if len(fields) != 3 {
			t.Fatalf("%s:%d: want 3 tab-separated fields, got %d", path, n, len(fields))
		}
		raw := fields[0]
		got, ok := Normalize(raw)
		total++
		if ok {
			mapped++
			checkNormal(t, raw, got)
		}
		out.WriteString(raw + "\t" + got + "\t" + strconv.FormatBool(ok) + "\n")
		if *update {
			continue
		}
		wantOK, err := strconv.ParseBool(fields[2])
		if err != nil {
			t.Fatalf("%s:%d: ok field: %v", path, n, err)
		}
		if got != fields[1] || ok != wantOK {
			t.Errorf("%s:%d: Normalize(%q) = %q, %v; want %q, %v", path, n, raw, got, ok, fields[1], wantOK)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if total < 60 {
		t.Errorf("%s holds %d values; want at least 60", path, total)
	}
	t.Logf("%d of %d distinct corpus values map (%.0f%%)", mapped, total, 100*float64(mapped)/float64(total))
	if *update {
		if err := os.WriteFile(path, []byte(out.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// checkNormal checks a successful result: it is made of valid ids, operators and
// parentheses only, and normalizing it again changes nothing.
func checkNormal(t *testing.T, raw, expr string) {
	t.Helper()
	if err := validExpr(expr); err != "" {
		t.Errorf("Normalize(%q) = %q: %s", raw, expr, err)
	}
	again, ok := Normalize(expr)
	if again != expr || !ok {
		t.Errorf("Normalize(Normalize(%q)) = %q, %v; want %q, true", raw, again, ok, expr)
	}
}

// validExpr checks the surface of a normalized expression independently of the parser:
// tokens separated by single spaces, parentheses balanced, each word an upper-case
// operator, a license (SPDX id, id+, LicenseRef-) or, right after WITH, an exception.
func validExpr(expr string) string {
	if expr != strings.TrimSpace(expr) || strings.Contains(expr, "  ") {
		return "stray white space"
	}
	depth := 0
	prevWith := false
	for _, w := range strings.Split(expr, " ") {
		for strings.HasPrefix(w, "(") {
			depth++
			w = w[1:]
		}
		for strings.HasSuffix(w, ")") {
			depth--
			w = w[:len(w)-1]
		}
		if depth < 0 {
			return "unbalanced parentheses"
		}
		switch {
		case w == "AND" || w == "OR":
			prevWith = false
			continue
		case w == "WITH":
			prevWith = true
			continue
		case prevWith:
			prevWith = false
			if id, ok := spdxid.Exception(w); (!ok || id != w) && !strings.HasPrefix(w, "AdditionRef-") {
				return "not an exception id: " + w
			}
			continue
		}
		if strings.HasPrefix(w, "LicenseRef-") || strings.HasPrefix(w, "DocumentRef-") {
			continue
		}
		id := strings.TrimSuffix(w, "+")
		if got, ok := spdxid.License(id); !ok || got != id {
			return "not a license id: " + w
		}
		if _, deprecated := spdxid.GNUReplacement(w); deprecated {
			return "deprecated GNU id: " + w
		}
	}
	if depth != 0 {
		return "unbalanced parentheses"
	}
	return ""
}

func FuzzNormalize(f *testing.F) {
	for _, s := range []string{
		"GPLv2+ and (LGPLv2+ or MIT)", "GPL-2+ or Artistic-2.0, and BSD-3-clause", "MIT,",
		"GPL-2.0-or-later WITH Bison-exception-2.2", "MPL-2.0 GPL-2.0-or-later", "((MIT))",
		"LicenseRef-x OR DocumentRef-a:LicenseRef-b", "ASL 2.0", "GFDL-NIV-1.3+", "Apache-2+",
		"mit and isc, or zlib", "GPL-3+ with Font exception", "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		got, ok := Normalize(raw)
		if !ok {
			if got != strings.TrimSpace(raw) {
				t.Fatalf("Normalize(%q) = %q, false; want the trimmed input", raw, got)
			}
			return
		}
		checkNormal(t, raw, got)
	})
}

// TestTables checks the hand-written tables against the generated lists: every target is
// a current SPDX id, and maxNameWords covers the longest name.
func TestTables(t *testing.T) {
	for name, id := range legacyNames {
		if got, ok := spdxid.License(id); !ok || got != id {
			t.Errorf("legacyNames[%q] = %q: not an SPDX license id", name, id)
		}
		if _, ok := spdxid.GNUReplacement(id); ok {
			t.Errorf("legacyNames[%q] = %q: deprecated", name, id)
		}
		if name != strings.ToLower(name) || strings.Join(strings.Fields(name), " ") != name {
			t.Errorf("legacyNames key %q is not folded", name)
		}
		if n := len(strings.Fields(name)); n > maxNameWords {
			t.Errorf("legacyNames key %q has %d words; maxNameWords is %d", name, n, maxNameWords)
		}
		if _, ok := spdxid.License(name); ok {
			t.Errorf("legacyNames key %q is an SPDX id already", name)
		}
	}
	for name, id := range legacyExceptions {
		if got, ok := spdxid.Exception(id); !ok || got != id {
			t.Errorf("legacyExceptions[%q] = %q: not an SPDX exception id", name, id)
		}
		if n := len(strings.Fields(name)); n > maxNameWords {
			t.Errorf("legacyExceptions key %q has %d words; maxNameWords is %d", name, n, maxNameWords)
		}
	}
}

func BenchmarkNormalize(b *testing.B) {
	inputs := []string{
		"GPLv2+ and LGPLv2+ and BSD and MIT and Public Domain",
		"GPL-2.0-or-later AND LGPL-2.1-or-later",
		"MIT",
		"(LGPLv3+ or GPLv2+) and GPLv3+",
		"GPL-3.0-or-later WITH GCC-exception-3.1",
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		Normalize(inputs[i%len(inputs)])
	}
}
