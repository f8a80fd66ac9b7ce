package dpkg

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/trawlscan/trawl/internal/corpustest"
	"github.com/trawlscan/trawl/plugins/os/internal/lines"
	"github.com/trawlscan/trawl/sdk"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

// statusPath is the path the host hands the analyzer for the status file; goldens use the
// host's paths so that they do not depend on where the corpus lives.
const statusPath = "var/lib/dpkg/status"

// corpusDir returns the shared test corpus, ../shared/corpus from the repository root (the
// directory holding go.mod). It lives outside the repository; a missing corpus fails.
func corpusDir(t testing.TB) string {
	t.Helper()
	return corpustest.Dir(t)
}

// fixtures lists every dpkg database fixture of the corpus, relative to os-pkgdb/dpkg: all
// files there except the etc/ files next to the real databases (the osrelease package reads
// those), the md5sums lists of status.d that the analyzer ignores (Ignored), and scalibr's
// opkg fixtures: opkg is OpenWrt's package manager, whose database borrows the format but
// whose packages are no Debian packages (FuzzDpkg still uses them as seeds).
func fixtures(t *testing.T) []string {
	t.Helper()
	root := filepath.Join(corpusDir(t), "os-pkgdb", "dpkg")
	var out []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel := filepath.ToSlash(p[len(root)+1:])
		if strings.Contains(rel, "/etc/") || strings.Contains(rel, "/opkg/") || Ignored(rel) {
			return nil
		}
		out = append(out, rel)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// hostPath is the path the host would give a fixture: status.d files keep their name.
func hostPath(fixture string) string {
	if i := strings.Index(fixture, "status.d/"); i >= 0 {
		return "var/lib/dpkg/" + fixture[i:]
	}
	return statusPath
}

// golden is what a golden file holds: the whole output of Parse.
type golden struct {
	Packages []sdk.Package `json:"packages"`
	Problems []string      `json:"problems,omitempty"`
	Error    string        `json:"error,omitempty"`
}

func parseReader(path string, r io.Reader) golden {
	pkgs, problems, err := Parse(path, r)
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

func TestGolden(t *testing.T) {
	fx := fixtures(t)
	// The fixtures the corpus documents; a missing one means the corpus changed under us.
	for _, want := range []string{
		"osv-scanner-v1-fixtures/empty_status", "osv-scanner-v1-fixtures/malformed_status",
		"osv-scanner-v1-fixtures/multiple_status", "osv-scanner-v1-fixtures/not_status",
		"osv-scanner-v1-fixtures/shuffled_status", "osv-scanner-v1-fixtures/single_status",
		"osv-scanner-v1-fixtures/source_ver_override_status",
		"real-debian-12-langflow-backend-image/var/lib/dpkg/status",
		"real-ubuntu-18.04-guestbook_img/var/lib/dpkg/status",
		"scalibr-fixtures/dpkg/empty", "scalibr-fixtures/dpkg/invalid", "scalibr-fixtures/dpkg/nopackage",
		"scalibr-fixtures/dpkg/noversion", "scalibr-fixtures/dpkg/single", "scalibr-fixtures/dpkg/status.d/foo",
		"scalibr-fixtures/dpkg/statusfield", "scalibr-fixtures/dpkg/trailingnewlines",
		"scalibr-fixtures/dpkg/transitional", "scalibr-fixtures/dpkg/transitional_dummy",
		"scalibr-fixtures/dpkg/transitional_empty", "scalibr-fixtures/dpkg/valid",
	} {
		if !slices.Contains(fx, want) {
			t.Errorf("corpus fixture %s is missing", want)
		}
	}
	root := filepath.Join(corpusDir(t), "os-pkgdb", "dpkg")
	for _, name := range fx {
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join(root, name))
			if err != nil {
				t.Fatal(err)
			}
			got, err := json.MarshalIndent(parseReader(hostPath(name), bytes.NewReader(data)), "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			goldenPath := filepath.Join("testdata", "golden", strings.ReplaceAll(name, "/", "__")+".json")
			if *update {
				if err := os.WriteFile(goldenPath, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(goldenPath)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("output differs from %s (run with -update and review the diff):\n%s", goldenPath, got)
			}
		})
	}
}

// TestRealDatabases checks the parser against the real Debian 12 and Ubuntu 18.04 status
// files: the number of installed packages, counted by hand (grep -c '^Package:' and the
// Status lines, all "install ok installed"), and every package's fields against a naive
// reading of the file that splits it on blank lines.
func TestRealDatabases(t *testing.T) {
	root := filepath.Join(corpusDir(t), "os-pkgdb", "dpkg")
	for _, tc := range []struct {
		dir  string
		want int
		// spot maps a package to "version arch source-name source-version", checked by hand
		// against the file.
		spot map[string]string
	}{
		{"real-debian-12-langflow-backend-image", 140, map[string]string{
			"bash":     "5.2.15-2+b7 amd64 bash 5.2.15-2",
			"bsdutils": "1:2.38.1-5+deb12u3 amd64 util-linux 2.38.1-5+deb12u3",
			"libc6":    "2.36-9+deb12u9 amd64 glibc 2.36-9+deb12u9",
			"login":    "1:4.13+dfsg1-1+b1 amd64 shadow 1:4.13+dfsg1-1",
			"tzdata":   "2024b-0+deb12u1 all tzdata 2024b-0+deb12u1",
			"zlib1g":   "1:1.2.13.dfsg-1 amd64 zlib 1:1.2.13.dfsg-1",
		}},
		{"real-ubuntu-18.04-guestbook_img", 89, map[string]string{
			"bash":       "4.4.18-2ubuntu1.2 amd64 bash 4.4.18-2ubuntu1.2",
			"bsdutils":   "1:2.31.1-0.4ubuntu3.7 amd64 util-linux 2.31.1-0.4ubuntu3.7",
			"gcc-8-base": "8.4.0-1ubuntu1~18.04 amd64 gcc-8 8.4.0-1ubuntu1~18.04",
			"libc6":      "2.27-3ubuntu1.4 amd64 glibc 2.27-3ubuntu1.4",
			"passwd":     "1:4.5-1ubuntu2 amd64 shadow 1:4.5-1ubuntu2",
		}},
	} {
		t.Run(tc.dir, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join(root, tc.dir, "var", "lib", "dpkg", "status"))
			if err != nil {
				t.Fatal(err)
			}
			want := naiveScan(string(data))
			if len(want) != tc.want {
				t.Fatalf("the naive scan finds %d installed packages, the file has %d", len(want), tc.want)
			}
			pkgs, problems, err := Parse(statusPath, bytes.NewReader(data))
			if err != nil || len(problems) > 0 {
				t.Fatalf("Parse: err %v, problems %v", err, problems)
			}
			if len(pkgs) != tc.want {
				t.Errorf("got %d packages, want %d", len(pkgs), tc.want)
			}
			var got []string
			byName := map[string]string{}
			for _, p := range pkgs {
				s := strings.Join([]string{p.Version, p.Arch, p.SourceName, p.SourceVersion}, " ")
				got = append(got, p.Name+" "+s)
				byName[p.Name] = s
				if err := p.Validate(); err != nil {
					t.Errorf("%s: %v", p.Name, err)
				}
				if p.Type != "deb" || len(p.Licenses) > 0 || len(p.Locations) != 1 || p.Locations[0].Path != statusPath {
					t.Errorf("package %+v", p)
				}
			}
			if !slices.Equal(got, want) {
				t.Errorf("packages:\n got %q\nwant %q", got, want)
			}
			for name, s := range tc.spot {
				if byName[name] != s {
					t.Errorf("%s: got %q, want %q", name, byName[name], s)
				}
			}
		})
	}
}

// naiveScan lists the installed packages of a status file as "name version arch
// source-name source-version", the simplest way: stanzas split on blank lines, fields read
// with a prefix. It holds only for files as dpkg writes them.
func naiveScan(data string) []string {
	var out []string
	for _, stanza := range strings.Split(data, "\n\n") {
		f := map[string]string{}
		for _, line := range strings.Split(stanza, "\n") {
			if k, v, ok := strings.Cut(line, ": "); ok && !strings.HasPrefix(line, " ") {
				f[k] = v
			}
		}
		if f["Package"] == "" {
			continue
		}
		if st := strings.Fields(f["Status"]); len(st) == 3 && st[2] != "installed" {
			continue
		}
		src, srcVersion := f["Package"], f["Version"]
		if s := f["Source"]; s != "" {
			src = s
			if name, v, ok := strings.Cut(s, " ("); ok {
				src, srcVersion = name, strings.TrimSuffix(v, ")")
			}
		}
		out = append(out, strings.Join([]string{f["Package"], f["Version"], f["Architecture"], src, srcVersion}, " "))
	}
	return out
}

// TestStreaming checks that the result does not depend on how the content is chunked: the
// host streams a file in chunks of its choosing.
func TestStreaming(t *testing.T) {
	root := filepath.Join(corpusDir(t), "os-pkgdb", "dpkg")
	for _, name := range fixtures(t) {
		data, err := os.ReadFile(filepath.Join(root, name))
		if err != nil {
			t.Fatal(err)
		}
		want := parseReader(hostPath(name), bytes.NewReader(data))
		for kind, rd := range map[string]func() golden{
			"one byte": func() golden { return parseReader(hostPath(name), iotest.OneByteReader(bytes.NewReader(data))) },
			"half":     func() golden { return parseReader(hostPath(name), iotest.HalfReader(bytes.NewReader(data))) },
		} {
			if got := rd(); !reflect.DeepEqual(got, want) {
				t.Errorf("%s, %s reader: got %+v, want %+v", name, kind, got, want)
			}
		}
	}
}

// pkg is a package as the tests below spell it; Locations are filled in by TestParse.
func pkg(name, version, arch, src, srcVersion string) sdk.Package {
	return sdk.Package{Name: name, Version: version, Type: "deb", Arch: arch, SourceName: src, SourceVersion: srcVersion}
}

func TestParse(t *testing.T) {
	long := strings.Repeat("x", 3*bufSize+17)
	tests := []struct {
		name     string
		in       string
		want     []sdk.Package
		problems []string
		err      string
	}{
		{
			name: "minimal, no final newline",
			in:   "Package: a\nVersion: 1.0-1",
			want: []sdk.Package{pkg("a", "1.0-1", "", "a", "1.0-1")},
		},
		{
			name: "Source with and without a version",
			in: "Package: libc6\nVersion: 2.36-9+deb12u4\nSource: glibc\nArchitecture: amd64\n\n" +
				"Package: util-linux-extra\nSource: util-linux (2.38.1-5)\nVersion: 2.38.1-5+b1\n\n" +
				"Package: login\nSource:  shadow   ( 1:4.13+dfsg1-1 )  \nVersion: 1:4.13+dfsg1-1+b1\n\n" +
				"Package: src\nSource: src(1)\nVersion: 1+b1\n",
			want: []sdk.Package{
				pkg("libc6", "2.36-9+deb12u4", "amd64", "glibc", "2.36-9+deb12u4"),
				pkg("util-linux-extra", "2.38.1-5+b1", "", "util-linux", "2.38.1-5"),
				pkg("login", "1:4.13+dfsg1-1+b1", "", "shadow", "1:4.13+dfsg1-1"),
				pkg("src", "1+b1", "", "src", "1"),
			},
		},
		{
			name: "malformed Source is ignored, the package kept",
			in: "Package: a\nVersion: 1\nSource: x (2\n\nPackage: b\nVersion: 1\nSource: x (2) y\n\n" +
				"Package: c\nVersion: 1\nSource: (2)\n\nPackage: d\nVersion: 1\nSource: x ()\n",
			want: []sdk.Package{pkg("a", "1", "", "a", "1"), pkg("b", "1", "", "b", "1"), pkg("c", "1", "", "c", "1"), pkg("d", "1", "", "d", "1")},
			problems: []string{
				statusPath + `:3: package "a": Source: want a name and an optional (version), got "x (2", ignored`,
				statusPath + `:7: package "b": Source: want a name and an optional (version), got "x (2) y", ignored`,
				statusPath + `:11: package "c": Source: want a name and an optional (version), got "(2)", ignored`,
				statusPath + `:15: package "d": Source: want a name and an optional (version), got "x ()", ignored`,
			},
		},
		{
			name: "Status: only the state installed is installed",
			in: "Package: a\nStatus: install ok installed\nVersion: 1\n\n" +
				"Package: b\nStatus: deinstall reinstreq installed\nVersion: 1\n\n" +
				"Package: c\nStatus: purge ok installed\nVersion: 1\n\n" +
				"Package: d\nStatus: deinstall ok config-files\nVersion: 1\n\n" +
				"Package: e\nStatus: install ok unpacked\nVersion: 1\n\n" +
				"Package: f\nStatus: install reinstreq half-installed\nVersion: 1\n\n" +
				"Package: g\nStatus: install ok half-configured\nVersion: 1\n\n" +
				"Package: h\nStatus: install ok triggers-awaited\nVersion: 1\n\n" +
				"Package: i\nStatus: install ok triggers-pending\nVersion: 1\n\n" +
				"Package: j\nStatus: purge ok not-installed\n\n" +
				"Package: k\nVersion: 1\n\n" +
				"Package: l\nStatus:\tinstall  ok\tinstalled \nVersion: 1\n",
			want: []sdk.Package{
				pkg("a", "1", "", "a", "1"), pkg("b", "1", "", "b", "1"), pkg("c", "1", "", "c", "1"),
				pkg("k", "1", "", "k", "1"), pkg("l", "1", "", "l", "1"),
			},
		},
		{
			name: "a Status that cannot be read skips the stanza",
			in: "Package: a\nStatus: installed\nVersion: 1\n\nPackage: b\nStatus: install ok installed now\nVersion: 1\n\n" +
				"Package: c\nStatus: install ok bogus\nVersion: 1\n\nPackage: d\nStatus:\nVersion: 1\n\nPackage: e\nVersion: 1\n",
			want: []sdk.Package{pkg("e", "1", "", "e", "1")},
			problems: []string{
				statusPath + `:2: Status: want three words (wanted action, flag, state), the state one of dpkg's, got "installed", stanza skipped`,
				statusPath + `:6: Status: want three words (wanted action, flag, state), the state one of dpkg's, got "install ok installed now", stanza skipped`,
				statusPath + `:10: Status: want three words (wanted action, flag, state), the state one of dpkg's, got "install ok bogus", stanza skipped`,
				statusPath + `:14: Status: want three words (wanted action, flag, state), the state one of dpkg's, got "", stanza skipped`,
			},
		},
		{
			name: "continuation lines, multi-line fields, long lines",
			in: "Package: a\nConffiles:\n /etc/a 0123\n /etc/b 4567\nDescription: short\n long " + long + "\n .\n\tmore\n" +
				"Depends: " + long + "\nVersion: 1\n \nArchitecture: all\n",
			want: []sdk.Package{pkg("a", "1", "all", "a", "1")},
		},
		{
			name: "field names are case-insensitive; spaces around values go",
			in:   "package: a\nVERSION:1 \t\narchitecture:   amd64\nsOURCE: s\nstatus: install ok installed\n",
			want: []sdk.Package{pkg("a", "1", "amd64", "s", "1")},
		},
		{
			name: "blank lines before, between and after; CRLF; whitespace between stanzas",
			in:   "\n\r\nPackage: a\r\nVersion: 1\r\nDescription: d\r\n more\r\n\r\n  \t\n\r\n\nPackage: b\nVersion: 2\n\n \n\n",
			want: []sdk.Package{pkg("a", "1", "", "a", "1"), pkg("b", "2", "", "b", "2")},
		},
		{
			name: "a long name skips its stanza only",
			in:   "Package: " + long + "\nVersion: 1\n\nPackage: b\nVersion: 2\n",
			want: []sdk.Package{pkg("b", "2", "", "b", "2")},
			problems: []string{
				statusPath + ":1: Package: value longer than 4096 bytes, stanza skipped",
			},
		},
		{
			name: "a long architecture or source is dropped, the package kept",
			in:   "Package: a\nVersion: 1\nArchitecture: " + long + "\nSource: " + long[:maxValue+1] + "\n",
			want: []sdk.Package{pkg("a", "1", "", "a", "1")},
			problems: []string{
				statusPath + `:3: package "a": Architecture: value longer than 4096 bytes, ignored`,
				statusPath + `:4: package "a": Source: value longer than 4096 bytes, ignored`,
			},
		},
		{
			name: "no version, no name",
			in:   "Package: a\nArchitecture: amd64\n\nVersion: 1\nDescription: nameless\n\nPackage: c\nVersion: 3\n",
			want: []sdk.Package{pkg("c", "3", "", "c", "3")},
			problems: []string{
				statusPath + `:1: package "a" has no version (Version), skipped`,
				statusPath + ":4: stanza without a package name (Package), skipped",
			},
		},
		{
			name: "a package that is not installed needs no version",
			in:   "Package: a\nStatus: purge ok not-installed\n\nPackage: b\nVersion: 1\n",
			want: []sdk.Package{pkg("b", "1", "", "b", "1")},
		},
		{
			name: "malformed lines inside a good stanza",
			in:   "Package: a\nthis is not a field\n with its continuation\n: no name\nVersion: 1\n",
			want: []sdk.Package{pkg("a", "1", "", "a", "1")},
			problems: []string{
				statusPath + `:2: package "a": malformed line ignored: want a field name and a colon, got "this is not a field"`,
				statusPath + `:4: package "a": malformed line ignored: want a field name and a colon, got ": no name"`,
			},
		},
		{
			name: "continuation lines without a field or of a one-line field",
			in:   " stray\n more\nPackage: a\n more of the name\nVersion: 1\n",
			want: []sdk.Package{pkg("a", "1", "", "a", "1")},
			problems: []string{
				statusPath + `:1: package "a": continuation line without a field before it ignored: " stray"`,
				statusPath + `:4: package "a": continuation of one-line field Package ignored: " more of the name"`,
			},
		},
		{
			name: "not UTF-8, control characters",
			in: "Package: a\xff\nVersion: 1\n\nPackage: b\nVersion: 1\x01\n\n" +
				"Package: c\nVersion: 1\nArchitecture: x\x7f\nSource: s\xfe\n",
			want: []sdk.Package{pkg("c", "1", "", "c", "1")},
			problems: []string{
				statusPath + ":1: Package: value is not UTF-8, stanza skipped",
				statusPath + ":5: Version: value has control characters, stanza skipped",
				statusPath + `:9: package "c": Architecture: value has control characters, ignored`,
				statusPath + `:10: package "c": Source: value is not UTF-8, ignored`,
			},
		},
		{
			name: "duplicate fields: the last one wins",
			in:   "Package: a\nVersion: 1\nVersion: 2\nArchitecture: i386\narchitecture: amd64\n",
			want: []sdk.Package{pkg("a", "2", "amd64", "a", "2")},
			problems: []string{
				statusPath + `:3: package "a": second Version field in one stanza (first on line 2); the last one wins`,
				statusPath + `:5: package "a": second Architecture field in one stanza (first on line 4); the last one wins`,
			},
		},
		{
			name: "the same package for two architectures",
			in:   "Package: libc6\nVersion: 1\nArchitecture: amd64\n\nPackage: libc6\nVersion: 1\nArchitecture: i386\n",
			want: []sdk.Package{pkg("libc6", "1", "amd64", "libc6", "1"), pkg("libc6", "1", "i386", "libc6", "1")},
		},
		{name: "empty", in: ""},
		{name: "only blank lines", in: "\n\n\r\n \n"},
		{
			name: "no Package field at all",
			in:   "\x7fELF\x02\x01\x01\x00\x00\n\x00\x00Version: 1\n",
			err:  statusPath + `: not a dpkg status file: no Package field; line 1 is "\x7fELF\x02\x01\x01\x00\x00"`,
		},
		{
			name: "fields, but no Package",
			in:   "\n\nVersion: 1\nArchitecture: amd64\n",
			err:  statusPath + `: not a dpkg status file: no Package field; line 3 is "Version: 1"`,
		},
		{
			name: "an md5sums list",
			in:   "07d31e7e63800ab1b7966980709c51eb  usr/lib/os-release\n",
			err:  statusPath + `: not a dpkg status file: no Package field; line 1 is "07d31e7e63800ab1b7966980709c51eb  usr/li..."`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pkgs, problems, err := Parse(statusPath, strings.NewReader(tt.in))
			if tt.err != "" {
				if err == nil || err.Error() != tt.err {
					t.Fatalf("err = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for i := range tt.want {
				tt.want[i].Locations = []sdk.Location{{Path: statusPath}}
			}
			if !reflect.DeepEqual(pkgs, tt.want) {
				t.Errorf("packages:\n got %+v\nwant %+v", pkgs, tt.want)
			}
			var msgs []string
			for _, p := range problems {
				msgs = append(msgs, p.Error())
			}
			if !slices.Equal(msgs, tt.problems) {
				t.Errorf("problems:\n got %q\nwant %q", msgs, tt.problems)
			}
		})
	}
}

func TestProblemsAreBounded(t *testing.T) {
	var b strings.Builder
	for range 1000 {
		b.WriteString("Package: nameonly\n\n")
	}
	b.WriteString("Package: ok\nVersion: 1\n")
	pkgs, problems, err := Parse(statusPath, strings.NewReader(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	if len(pkgs) != 1 {
		t.Errorf("got %d packages, want 1", len(pkgs))
	}
	if len(problems) != lines.MaxProblems+1 {
		t.Fatalf("got %d problems, want %d", len(problems), lines.MaxProblems+1)
	}
	if got, want := problems[lines.MaxProblems].Error(), statusPath+":201: 900 more problems from here on not listed"; got != want {
		t.Errorf("last problem %q, want %q", got, want)
	}
}

func TestReadError(t *testing.T) {
	r := io.MultiReader(strings.NewReader("Package: a\nVersion: 1\n\nPackage: b\n"), iotest.ErrReader(errors.New("disk on fire")))
	_, _, err := Parse(statusPath, r)
	if err == nil || err.Error() != statusPath+": line 5: disk on fire" {
		t.Fatalf("got %v", err)
	}
}

func TestIgnored(t *testing.T) {
	for path, want := range map[string]bool{
		"var/lib/dpkg/status":                        false,
		"var/lib/dpkg/status.d/base-files":           false,
		"var/lib/dpkg/status.d/libssl3":              false,
		"var/lib/dpkg/status.d/base-files.md5sums":   true,
		"var/lib/dpkg/status.d/libc6.md5sums":        true,
		"var/lib/dpkg/status.d/md5sums-tools":        false,
		"var/lib/dpkg/status.d/tzdata.md5sums.dpkg-": false,
	} {
		if got := Ignored(path); got != want {
			t.Errorf("Ignored(%s) = %v, want %v", path, got, want)
		}
	}
}

func TestHelpers(t *testing.T) {
	for in, want := range map[string]field{
		"Package": fieldPackage, "package": fieldPackage, "PACKAGE": fieldPackage, "Version": fieldVersion,
		"Architecture": fieldArchitecture, "Source": fieldSource, "Status": fieldStatus,
		"Packages": fieldOther, "Pre-Depends": fieldOther, "Sourc": fieldOther, "Sta tus": fieldOther, "P@ckage": fieldOther,
	} {
		if got := kept([]byte(in)); got != want {
			t.Errorf("kept(%q) = %d, want %d", in, got, want)
		}
	}
	for in, want := range map[string]int{
		"Package: a": 7, "X:": 1, ":": -1, ": a": -1, "no colon": -1, "two words: x": -1, "tab\there: x": -1,
		"Multi-Arch: same": 10, "\xffName: x": -1, "": -1,
	} {
		if got := nameEnd([]byte(in)); got != want {
			t.Errorf("nameEnd(%q) = %d, want %d", in, got, want)
		}
	}
}

// BenchmarkParse measures the parser on the real Debian 12 status file (140 packages,
// 127 KB).
func BenchmarkParse(b *testing.B) {
	data, err := os.ReadFile(filepath.Join(corpusDir(b), "os-pkgdb", "dpkg", "real-debian-12-langflow-backend-image", "var", "lib", "dpkg", "status"))
	if err != nil {
		b.Fatal(err)
	}
	benchmarkParse(b, data)
}

// BenchmarkParseLarge measures a database of a big image: the Debian 12 one repeated to
// 2,800 packages (2.5 MB), the size of a fat application image.
func BenchmarkParseLarge(b *testing.B) {
	data, err := os.ReadFile(filepath.Join(corpusDir(b), "os-pkgdb", "dpkg", "real-debian-12-langflow-backend-image", "var", "lib", "dpkg", "status"))
	if err != nil {
		b.Fatal(err)
	}
	data = append(data, '\n')
	benchmarkParse(b, bytes.Repeat(data, 20))
}

func benchmarkParse(b *testing.B, data []byte) {
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		pkgs, _, err := Parse(statusPath, bytes.NewReader(data))
		if err != nil {
			b.Fatal(err)
		}
		n += len(pkgs)
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "packages/s")
}
