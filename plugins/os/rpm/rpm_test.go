package rpm

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/trawlscan/trawl/internal/corpustest"
	"github.com/trawlscan/trawl/sdk"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

// fixture is a real rpm database of the corpus and the path the host would hand the
// analyzer for it.
type fixture struct {
	corpus string // relative to os-pkgdb/rpm
	path   string
	format Format
	// cli names the rpm CLI's listing of the database under testdata/rpm-cli, where rpm
	// 4.18 can read the format (it has no NDB backend).
	cli string
	// packages is the number of packages, gpg-pubkey entries left out.
	packages int
}

var fixtures = []fixture{
	{"go-rpmdb/cbl-mariner-2.0/rpmdb.sqlite", "var/lib/rpm/rpmdb.sqlite", FormatSQLite, "cbl-mariner-2.0.tsv", 129},
	{"go-rpmdb/libuuid/Packages", "var/lib/rpm/Packages", FormatBerkeleyDB, "libuuid.tsv", 1},
	{"scalibr/Packages_epoch", "var/lib/rpm/Packages", FormatBerkeleyDB, "Packages_epoch.tsv", 1},
	{"go-rpmdb/sle15-bci/Packages.db", "usr/lib/sysimage/rpm/Packages.db", FormatNDB, "", -1},
}

func readFixture(t testing.TB, f fixture) []byte {
	t.Helper()
	data, err := os.ReadFile(corpustest.Path(t, "os-pkgdb", "rpm", filepath.FromSlash(f.corpus)))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// golden is what a golden file holds: the whole output of Parse.
type golden struct {
	Packages []sdk.Package `json:"packages"`
	Problems []string      `json:"problems,omitempty"`
	Error    string        `json:"error,omitempty"`
}

func parse(path string, data []byte) golden {
	pkgs, problems, err := Parse(path, bytes.NewReader(data), int64(len(data)))
	g := golden{Packages: pkgs}
	if g.Packages == nil {
		g.Packages = []sdk.Package{}
	}
	for _, p := range problems {
		g.Problems = append(g.Problems, p.Error())
	}
	if err != nil {
		g.Error = err.Error()
	}
	return g
}

// TestGolden checks the whole output for each real database against a golden file
// reviewed by eye.
func TestGolden(t *testing.T) {
	for _, f := range fixtures {
		t.Run(f.corpus, func(t *testing.T) {
			data := readFixture(t, f)
			if got := Detect(data); got != f.format {
				t.Errorf("format %q, want %q", got, f.format)
			}
			g := parse(f.path, data)
			got, err := json.MarshalIndent(g, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			name := filepath.Join("testdata", "golden", strings.ReplaceAll(f.corpus, "/", "__")+".json")
			if *update {
				if err := os.WriteFile(name, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(name)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("output differs from %s (run with -update and review the diff):\n%s", name, got)
			}
			if g.Error != "" || len(g.Problems) > 0 {
				t.Errorf("error %q, problems %q", g.Error, g.Problems)
			}
			if f.packages >= 0 && len(g.Packages) != f.packages {
				t.Errorf("%d packages, want %d", len(g.Packages), f.packages)
			}
			for _, p := range g.Packages {
				if err := p.Validate(); err != nil {
					t.Errorf("%s: %v", p.Name, err)
				}
			}
		})
	}
}

// TestAgainstRPM compares each package with what rpm 4.18 itself lists for the database
// (rpm -qa --qf, kept under testdata/rpm-cli): name, epoch:version-release, architecture,
// source rpm, license, vendor and modularity label.
func TestAgainstRPM(t *testing.T) {
	for _, f := range fixtures {
		if f.cli == "" {
			continue
		}
		t.Run(f.corpus, func(t *testing.T) {
			want := rpmCLI(t, filepath.Join("testdata", "rpm-cli", f.cli))
			var got []string
			for _, p := range parse(f.path, readFixture(t, f)).Packages {
				src := ""
				if p.SourceName != "" {
					// SOURCERPM carries no epoch: the package's own is applied to it.
					_, v, _ := strings.Cut(p.SourceVersion, ":")
					if !strings.Contains(p.SourceVersion, ":") {
						v = p.SourceVersion
					}
					src = p.SourceName + "-" + v + ".src.rpm"
				}
				got = append(got, strings.Join([]string{p.Name, p.Version, p.Arch, src, rawLicense(t, f, p), p.Vendor, p.ModularityLabel}, "\t"))
			}
			slices.Sort(got)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("packages differ from rpm's:\n got %q\nwant %q", got, want)
			}
		})
	}
}

// rawLicense returns the LICENSE tag as the database holds it, for the comparison with
// rpm's listing, which does not map licenses to SPDX: the licenses in the output are
// checked by the golden files and the license package's tests.
func rawLicense(t *testing.T, f fixture, p sdk.Package) string {
	t.Helper()
	h := headersByName(t, f)[p.Name]
	if h == nil {
		t.Fatalf("%s: no header", p.Name)
	}
	return h.license
}

var headerCache = map[string]map[string]*header{}

func headersByName(t *testing.T, f fixture) map[string]*header {
	if m, ok := headerCache[f.corpus]; ok {
		return m
	}
	data := readFixture(t, f)
	m := map[string]*header{}
	blobs, err := headersOf(data)
	if err != nil {
		t.Fatal(err)
	}
	for blob, err := range blobs {
		if err != nil {
			t.Fatal(err)
		}
		h, err := parseHeader(blob)
		if err != nil {
			t.Fatal(err)
		}
		m[h.name] = h
	}
	headerCache[f.corpus] = m
	return m
}

// rpmCLI reads a listing made with
//
//	rpm --dbpath DIR [--define '_db_backend bdb_ro'] -qa --qf \
//	  '%{NAME}\t%|EPOCH?{%{EPOCH}:}:{}|%{VERSION}-%{RELEASE}\t%{ARCH}\t%{SOURCERPM}\t%{LICENSE}\t%{VENDOR}\t%{MODULARITYLABEL}\n'
//
// where rpm prints "(none)" for an absent tag and the epoch whenever the tag is present,
// even 0 (which trawl leaves out, as rpm -q does).
func rpmCLI(t *testing.T, name string) []string {
	t.Helper()
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Split(sc.Text(), "\t")
		for i, v := range fields {
			if v == "(none)" {
				fields[i] = ""
			}
		}
		fields[1] = strings.TrimPrefix(fields[1], "0:")
		out = append(out, strings.Join(fields, "\t"))
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	slices.Sort(out)
	return out
}

// TestStreaming: the database arrives in chunks of any size, and the announced size is
// only a hint for the first allocation.
func TestStreaming(t *testing.T) {
	f := fixtures[0]
	data := readFixture(t, f)
	want := parse(f.path, data)
	for name, size := range map[string]int64{"exact": int64(len(data)), "unknown": 0, "too small": 100, "too large": int64(len(data)) * 2} {
		pkgs, problems, err := Parse(f.path, iotest.HalfReader(bytes.NewReader(data)), size)
		if err != nil || len(problems) > 0 || !reflect.DeepEqual(pkgs, want.Packages) {
			t.Errorf("%s: %v, %v, %d packages", name, err, problems, len(pkgs))
		}
	}
}

// entry is one tag of a header built by buildHeader.
type entry struct {
	tag, typ uint32
	value    any // string, []string or int32
}

// buildHeader writes a header blob as rpm stores it in its database, with an immutable
// region marker first as rpm writes one.
func buildHeader(entries ...entry) []byte {
	var index, data bytes.Buffer
	put := func(tag, typ, off, count uint32) {
		binary.Write(&index, binary.BigEndian, [4]uint32{tag, typ, off, count})
	}
	put(tagHeaderImmutable, 7, 0, 16)
	data.Write(make([]byte, 16)) // the region trailer: not package data
	for _, e := range entries {
		switch v := e.value.(type) {
		case string:
			put(e.tag, e.typ, uint32(data.Len()), 1)
			data.WriteString(v)
			data.WriteByte(0)
		case []string:
			put(e.tag, e.typ, uint32(data.Len()), uint32(len(v)))
			for _, s := range v {
				data.WriteString(s)
				data.WriteByte(0)
			}
		case int32:
			for data.Len()%4 != 0 {
				data.WriteByte(0)
			}
			put(e.tag, e.typ, uint32(data.Len()), 1)
			binary.Write(&data, binary.BigEndian, v)
		}
	}
	var blob bytes.Buffer
	binary.Write(&blob, binary.BigEndian, [2]uint32{uint32(index.Len() / 16), uint32(data.Len())})
	blob.Write(index.Bytes())
	blob.Write(data.Bytes())
	return blob.Bytes()
}

func TestParseHeader(t *testing.T) {
	base := []entry{
		{tagName, typeString, "nodejs"},
		{tagVersion, typeString, "18.19.0"},
		{tagRelease, typeString, "1.module+el8.9.0+20473+c4e3d824"},
		{tagEpoch, typeInt32, int32(1)},
		{tagArch, typeString, "x86_64"},
		{tagSourceRPM, typeString, "nodejs-18.19.0-1.module+el8.9.0+20473+c4e3d824.src.rpm"},
		{tagLicense, typeString, "MIT and ASL 2.0 and ISC and BSD"},
		{tagVendor, typeString, "Red Hat, Inc."},
		{tagModularityLabel, typeString, "nodejs:18:8090020231211152537:a75119d5"},
		{1004, typeI18NString, []string{"JavaScript runtime", "ignored translation"}},
	}
	h, err := parseHeader(buildHeader(base...))
	if err != nil {
		t.Fatal(err)
	}
	want := &header{name: "nodejs", version: "18.19.0", release: "1.module+el8.9.0+20473+c4e3d824", epoch: 1, hasEpoch: true, arch: "x86_64",
		sourceRPM: "nodejs-18.19.0-1.module+el8.9.0+20473+c4e3d824.src.rpm", license: "MIT and ASL 2.0 and ISC and BSD",
		vendor: "Red Hat, Inc.", modularityLabel: "nodejs:18:8090020231211152537:a75119d5"}
	if !reflect.DeepEqual(h, want) {
		t.Errorf("got  %+v\nwant %+v", h, want)
	}

	for _, tc := range []struct {
		name string
		blob []byte
		want string
	}{
		{"empty", nil, "shorter than its 8-byte preamble"},
		{"no entries", []byte{0, 0, 0, 0, 0, 0, 0, 0}, "0 entries"},
		{"too many entries", []byte{0, 1, 0, 0, 0, 0, 0, 0}, "65536 entries"},
		{"data too large", []byte{0, 0, 0, 1, 0x7f, 0, 0, 0}, "more than rpm's limit"},
		{"truncated", buildHeader(base...)[:40], "needs"},
		{"no name", buildHeader(entry{tagVersion, typeString, "1"}), "no NAME"},
		{"no version", buildHeader(entry{tagName, typeString, "x"}), "package x has no VERSION"},
		{"name not a string", buildHeader(entry{tagName, typeInt32, int32(3)}), "NAME: type 4, want a string"},
		{"negative epoch", buildHeader(entry{tagName, typeString, "x"}, entry{tagVersion, typeString, "1"}, entry{tagEpoch, typeInt32, int32(-2)}), "negative EPOCH"},
		{"epoch not an integer", buildHeader(entry{tagName, typeString, "x"}, entry{tagEpoch, typeString, "1"}), "EPOCH: type 6"},
	} {
		if _, err := parseHeader(tc.blob); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}

	// Offsets pointing out of the data, and a string without its terminator.
	blob := buildHeader(entry{tagName, typeString, "x"}, entry{tagVersion, typeString, "1"})
	binary.BigEndian.PutUint32(blob[8+16+8:], 1<<30) // NAME's offset
	if _, err := parseHeader(blob); err == nil || !strings.Contains(err.Error(), "NAME: offset 1073741824 beyond") {
		t.Errorf("offset: %v", err)
	}
	blob = buildHeader(entry{tagName, typeString, "x"}, entry{tagVersion, typeString, "1"})
	blob[len(blob)-1] = '!'
	if _, err := parseHeader(blob); err == nil || !strings.Contains(err.Error(), "not terminated") {
		t.Errorf("terminator: %v", err)
	}
}

func TestSplitSourceRPM(t *testing.T) {
	for _, tc := range []struct{ in, name, vr string }{
		{"glibc-2.34-2.cm2.src.rpm", "glibc", "2.34-2.cm2"},
		{"util-linux-2.32.1-42.el8_8.src.rpm", "util-linux", "2.32.1-42.el8_8"},
		{"perl-Pod-Usage-2.01-4.el9.src.rpm", "perl-Pod-Usage", "2.01-4.el9"},
		{"kernel-5.14.0-362.8.1.el9_3.nosrc.rpm", "kernel", "5.14.0-362.8.1.el9_3"},
		{"glibc-2.34.src.rpm", "", ""},
		{"glibc-2.34-2.cm2.rpm", "", ""},
		{"-1-2.src.rpm", "", ""},
		{"a--2.src.rpm", "", ""},
		{"a-1-.src.rpm", "", ""},
		{"(none)", "", ""},
	} {
		name, vr, ok := splitSourceRPM(tc.in)
		if name != tc.name || vr != tc.vr || ok != (tc.name != "") {
			t.Errorf("splitSourceRPM(%q) = %q, %q, %v", tc.in, name, vr, ok)
		}
	}
}

func TestEVR(t *testing.T) {
	for _, tc := range []struct {
		has   bool
		epoch int32
		v, r  string
		want  string
	}{
		{false, 0, "1.0", "1.el9", "1.0-1.el9"},
		{true, 0, "1.0", "1.el9", "1.0-1.el9"},
		{true, 2, "1.0", "1.el9", "2:1.0-1.el9"},
		{true, 2, "1.0", "", "2:1.0"},
	} {
		if got := evr(tc.has, tc.epoch, tc.v, tc.r); got != tc.want {
			t.Errorf("evr(%v, %d, %q, %q) = %q, want %q", tc.has, tc.epoch, tc.v, tc.r, got, tc.want)
		}
	}
}

// TestDamagedHeaders: a database whose headers are damaged still yields the good ones, with
// a problem per bad one; a file of no known format is an error naming its first bytes.
func TestDamagedHeaders(t *testing.T) {
	good := buildHeader(entry{tagName, typeString, "bash"}, entry{tagVersion, typeString, "5.2"}, entry{tagRelease, typeString, "1"},
		entry{tagLicense, typeString, "GPLv3+"}, entry{tagSourceRPM, typeString, "bash-5.2-1.src.rpm"})
	key := buildHeader(entry{tagName, typeString, "gpg-pubkey"}, entry{tagVersion, typeString, "fd431d51"}, entry{tagRelease, typeString, "4ae0493b"})
	bad := []byte("not a header at all")
	badUTF8 := buildHeader(entry{tagName, typeString, "x\xff"}, entry{tagVersion, typeString, "1"})
	badVendor := buildHeader(entry{tagName, typeString, "zlib"}, entry{tagVersion, typeString, "1.3"}, entry{tagVendor, typeString, "Bad\x01Vendor"},
		entry{tagSourceRPM, typeString, "zlib.src.rpm"})
	p := parser{path: "var/lib/rpm/Packages"}
	for i, blob := range [][]byte{good, key, bad, badUTF8, badVendor} {
		p.header(i+1, blob)
	}
	var names []string
	for _, pkg := range p.pkgs {
		names = append(names, pkg.Name+" "+pkg.Version+" "+strings.Join(pkg.Licenses, "|")+" "+pkg.SourceName)
	}
	if want := []string{"bash 5.2-1 GPL-3.0-or-later bash", "zlib 1.3  "}; !reflect.DeepEqual(names, want) {
		t.Errorf("packages %q, want %q", names, want)
	}
	var problems []string
	for _, pr := range p.problems {
		problems = append(problems, pr.Error())
	}
	want := []string{
		"var/lib/rpm/Packages: package header 3: header of 19 bytes and",
		"var/lib/rpm/Packages: package header 4: NAME: value is not UTF-8, package skipped",
		"var/lib/rpm/Packages: package header 5: package zlib: VENDOR: value has control characters, ignored",
		"var/lib/rpm/Packages: package header 5: package zlib: SOURCERPM \"zlib.src.rpm\" is not name-version-release.src.rpm, ignored",
	}
	if len(problems) != len(want) {
		t.Fatalf("problems %q", problems)
	}
	for i := range want {
		if i == 0 {
			// The first four bytes of the text read as an entry count.
			if !strings.Contains(problems[0], "entries, want 1 to 65535") {
				t.Errorf("problem %q", problems[0])
			}
			continue
		}
		if problems[i] != want[i] {
			t.Errorf("problem %q, want %q", problems[i], want[i])
		}
	}

	for _, tc := range []struct {
		name string
		data []byte
		want string
	}{
		{"text", []byte("hello, world\n"), `var/lib/rpm/Packages: not an rpm database: starts with "hello, world\n"`},
		{"sqlite header only", []byte("SQLite format 3\x00"), "var/lib/rpm/Packages: sqlite"},
	} {
		_, _, err := Parse("var/lib/rpm/Packages", bytes.NewReader(tc.data), int64(len(tc.data)))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
	if pkgs, problems, err := Parse("var/lib/rpm/rpmdb.sqlite", bytes.NewReader(nil), 0); err != nil || pkgs != nil || problems != nil {
		t.Errorf("empty file: %v %v %v", pkgs, problems, err)
	}
	if _, _, err := Parse("var/lib/rpm/Packages", bytes.NewReader(nil), MaxSize+1); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("announced size over the limit: %v", err)
	}
}

func ExampleDetect() {
	fmt.Println(Detect([]byte("SQLite format 3\x00...")))
	// Output: sqlite
}
