package auditable

import (
	"bytes"
	"compress/zlib"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/trawlscan/trawl/host/binsection"
	"github.com/trawlscan/trawl/plugins/lang/internal/langtest"
)

const path = "usr/local/bin/app"

func deflate(s string) []byte {
	var b bytes.Buffer
	w := zlib.NewWriter(&b)
	w.Write([]byte(s))
	w.Close()
	return b.Bytes()
}

// section returns the .dep-v0 section of a real binary, found as the host finds it.
func section(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile("testdata/scalibr/" + name)
	if err != nil {
		t.Fatal(err)
	}
	s, ok, err := binsection.Find(bytes.NewReader(data), int64(len(data)), Section)
	if err != nil || !ok {
		t.Fatalf("%s: no %s section: %v", name, Section, err)
	}
	return data[s.Offset : s.Offset+s.Size]
}

// summary renders packages as "name@version" plus " dev" and " indirect".
func summary(t *testing.T, data []byte) ([]string, []string, error) {
	t.Helper()
	langtest.Check(t, Parse, path, "cargo", data)
	res, err := Parse(path, bytes.NewReader(data))
	if err != nil {
		return nil, nil, err
	}
	var pkgs, problems []string
	for _, p := range res.Packages {
		s := p.Name + "@" + p.Version
		if p.Dev {
			s += " dev"
		}
		if p.Indirect {
			s += " indirect"
		}
		pkgs = append(pkgs, s)
	}
	for _, p := range res.Problems {
		problems = append(problems, p.Error())
	}
	return pkgs, problems, nil
}

// TestRealBinaries: the two executables built by cargo-auditable. uses_serde_json depends
// on serde and serde_json; format 0 (no "format" key) lists serde_derive and its
// dependencies as runtime ones, so nothing is Dev.
func TestRealBinaries(t *testing.T) {
	pkgs, problems, err := summary(t, section(t, "no_deps"))
	if err != nil || len(pkgs) != 0 || len(problems) != 0 {
		t.Errorf("no_deps: %q %q %v; want nothing (its one package is the local root)", pkgs, problems, err)
	}
	pkgs, problems, err = summary(t, section(t, "uses_serde_json"))
	want := []string{
		"itoa@1.0.14 indirect", "memchr@2.7.4 indirect", "proc-macro2@1.0.92 indirect",
		"quote@1.0.38 indirect", "ryu@1.0.18 indirect", "serde@1.0.217",
		"serde_derive@1.0.217 indirect", "serde_json@1.0.135", "syn@2.0.95 indirect",
		"unicode-ident@1.0.14 indirect",
	}
	if err != nil || !slices.Equal(pkgs, want) || len(problems) != 0 {
		t.Errorf("uses_serde_json:\n got %q %q %v\nwant %q", pkgs, problems, err, want)
	}
}

func TestParse(t *testing.T) {
	for _, tt := range []struct {
		name, json     string
		pkgs, problems []string
		err            string
	}{
		{
			name: "installed from crates.io: the root is reported, build-only is dev",
			json: `{"format":1,"packages":[
				{"name":"cc","version":"1.0.83","source":"crates.io","kind":"build"},
				{"name":"ripgrep","version":"13.0.0","source":"crates.io","dependencies":[0,2],"root":true},
				{"name":"regex","version":"1.5.4","source":"crates.io","dependencies":[3]},
				{"name":"memchr","version":"2.4.1","source":"crates.io","kind":"runtime"},
				{"name":"forked","version":"0.3.0","source":"git"},
				{"name":"mirror","version":"0.1.0","source":"registry"},
				{"name":"future","version":"0.1.0","source":{"Other":"sparse"}}]}`,
			pkgs: []string{"cc@1.0.83 dev", "ripgrep@13.0.0", "regex@1.5.4", "memchr@2.4.1 indirect", "forked@0.3.0 indirect", "mirror@0.1.0 indirect", "future@0.1.0 indirect"},
		},
		{
			name: "workspace: local members are the project",
			json: `{"packages":[{"name":"app","version":"0.1.0","source":"local","root":true,"dependencies":[1,2]},
				{"name":"member","version":"0.1.0","source":"local","dependencies":[3]},
				{"name":"libc","version":"0.2.150","source":"crates.io"},
				{"name":"smallvec","version":"0.6.13","source":"crates.io"},
				{"name":"deep","version":"1.0.0","source":"crates.io"}]}`,
			pkgs: []string{"libc@0.2.150", "smallvec@0.6.13", "deep@1.0.0 indirect"},
		},
		{
			name:     "bad entries are problems, the rest is kept",
			json:     `{"packages":[{"name":"app","version":"0.1.0","source":"local","root":true,"dependencies":[1,7,-1]},{"name":"ok","version":"1.0.0","source":"crates.io"},{"name":"","version":"1.0.0","source":"crates.io"},{"name":"nover","version":"","source":"crates.io"}]}`,
			pkgs:     []string{"ok@1.0.0"},
			problems: []string{path + ": package app: dependency index 7 out of range (4 packages)", path + ": package app: dependency index -1 out of range (4 packages)", path + ": package 2 has no name, skipped", path + ": unresolved: nover (no version)"},
		},
		{name: "no packages key", json: `{"format":1}`, err: `no "packages"`},
		{name: "not JSON", json: `packages`, err: "not cargo-auditable data"},
		{name: "wrong type", json: `{"packages":{"name":"x"}}`, err: "packages is object"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			pkgs, problems, err := summary(t, deflate(tt.json))
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want one containing %q", err, tt.err)
				}
				return
			}
			if err != nil || !slices.Equal(pkgs, tt.pkgs) || !slices.Equal(problems, tt.problems) {
				t.Errorf("got %q %q %v\nwant %q %q", pkgs, problems, err, tt.pkgs, tt.problems)
			}
		})
	}
}

// TestHostile: what is not Zlib, and a bomb that inflates past MaxJSON, are clear errors.
func TestHostile(t *testing.T) {
	for _, tt := range []struct {
		name string
		data []byte
		err  string
	}{
		{"not zlib", []byte("plain text"), "not Zlib-compressed"},
		{"empty", nil, "not Zlib-compressed"},
		{"truncated", deflate(`{"packages":[]}`)[:8], "inflating"},
		{"bomb", deflate(`{"packages":[` + strings.Repeat(" ", MaxJSON) + `]}`), "inflates to more than"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(path, bytes.NewReader(tt.data))
			if err == nil || !strings.Contains(err.Error(), tt.err) || !strings.HasPrefix(err.Error(), path+": ") {
				t.Fatalf("err = %v, want %q", err, tt.err)
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	f.Add(section(f, "no_deps"))
	f.Add(section(f, "uses_serde_json"))
	f.Add(deflate(`{"packages":[{"name":"a","version":"1","source":"local","root":true,"dependencies":[1]},{"name":"b","version":"2","source":"crates.io","kind":"build"}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		langtest.Check(t, Parse, path, "cargo", data)
	})
}

func BenchmarkParse(b *testing.B) {
	langtest.Bench(b, Parse, []langtest.Fixture{{Name: path, Data: section(b, "uses_serde_json")}})
}
