package packagelock

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/trawlscan/trawl/plugins/lang/internal/langtest"
	"github.com/trawlscan/trawl/plugins/lang/node/internal/nodetest"
)

const lockPath = "package-lock.json"

// dirs are the corpus directories (lockfiles/npm) of package-lock files.
var dirs = []string{"osv-scanner-v1-npm", "scalibr-packagelockjson"}

func TestGolden(t *testing.T) {
	fx := nodetest.Fixtures(t, dirs...)
	if len(fx) < 50 {
		t.Fatalf("only %d fixtures found", len(fx))
	}
	nodetest.CheckGolden(t, Parse, fx, func(name string) string { return name })
}

func TestCorpus(t *testing.T) {
	for _, f := range nodetest.Fixtures(t, dirs...) {
		t.Run(f.Name, func(t *testing.T) { langtest.Check(t, Parse, lockPath, "npm", f.Data) })
	}
}

func TestParse(t *testing.T) {
	for _, tt := range []struct {
		name, path, in string
		pkgs, problems []string
		err            string
	}{
		{name: "v3 workspaces, links, aliases", in: `{
  "name": "mono",
  "lockfileVersion": 3,
  "packages": {
    "": {"name": "mono", "workspaces": ["packages/*", "!packages/skipped"], "dependencies": {"a": "^1"}, "devDependencies": {"d": "^1"}},
    "node_modules/a": {"version": "1.0.0"},
    "node_modules/d": {"version": "2.0.0", "dev": true},
    "node_modules/t": {"version": "3.0.0"},
    "node_modules/ws-one": {"resolved": "packages/one", "link": true},
    "node_modules/lib": {"resolved": "libs/lib", "link": true},
    "packages/one": {"name": "ws-one", "version": "0.1.0", "dependencies": {"t": "^3", "b": "^1", "lib": "file:../../libs/lib"}},
    "packages/one/node_modules/b": {"version": "1.5.0"},
    "packages/skipped": {"name": "skipped", "version": "0.2.0"},
    "libs/lib": {"name": "lib", "version": "4.0.0"},
    "node_modules/a/node_modules/@s/c": {"version": "5.0.0-beta.1", "devOptional": true},
    "node_modules/alias": {"name": "@real/pkg", "version": "6.0.0", "optional": true},
    "node_modules/@s/git": {"version": "7.0.0", "resolved": "git+ssh://git@github.com/s/git.git#0123abc"}
  }
}`,
			pkgs: []string{"a@1.0.0:6", "d@2.0.0:7+dev", "t@3.0.0:8", "b@1.5.0:12", "skipped@0.2.0:13+indirect", "lib@4.0.0:14",
				"@s/c@5.0.0-beta.1:15+indirect", "@real/pkg@6.0.0:16+indirect", "@s/git@7.0.0:17+indirect"}},
		{name: "workspaces object form and globstar", in: `{"lockfileVersion": 3, "packages": {
  "": {"workspaces": {"packages": ["./apps/**", "tools/x/"]}},
  "apps/web": {"name": "web", "version": "1.0.0"},
  "apps/a/b": {"name": "deep", "version": "1.0.0"},
  "tools/x": {"name": "x", "version": "1.0.0"},
  "tools/y": {"name": "y", "version": "1.0.0"}
}}`,
			pkgs: []string{"y@1.0.0:6+indirect"}},
		{name: "v2 reads packages, not the legacy section", in: `{
  "lockfileVersion": 2,
  "dependencies": {"old": {"version": "9.9.9"}, "bad": 1},
  "packages": {
    "": {"dependencies": {"new": "^1"}},
    "node_modules/new": {"version": "1.0.0"}
  },
  "dependencies": {"old": {"version": "9.9.9"}}
}`,
			pkgs: []string{"new@1.0.0:6"}},
		{name: "no root entry", in: `{"lockfileVersion": 3, "packages": {
  "node_modules/a": {"version": "1.0.0"},
  "node_modules/a/node_modules/b": {"version": "2.0.0", "dev": true}
}}`,
			pkgs: []string{"a@1.0.0:2", "b@2.0.0:3+dev+indirect"}},
		{name: "a package twice", in: `{"lockfileVersion": 3, "packages": {
  "": {"dependencies": {"a": "^1"}},
  "node_modules/a": {"version": "1.0.0", "dev": true},
  "node_modules/b/node_modules/a": {"version": "1.0.0"},
  "node_modules/c": {"version": "1.0.0"},
  "node_modules/c": {"version": "2.0.0"}
}}`,
			pkgs: []string{"a@1.0.0:3", "c@2.0.0:6+indirect"}},
		{name: "damaged v3 entries", in: `{"lockfileVersion": 3, "packages": {
  "": {"dependencies": 5},
  "node_modules/str": "1.0.0",
  "node_modules/null": null,
  "node_modules/num": {"version": 1},
  "node_modules/range": {"version": "^1.0.0"},
  "node_modules/none": {},
  "node_modules/tgz": {"resolved": "https://user:pw@example.com/tgz-1.0.0.tgz"},
  "node_modules/git": {"resolved": "git+https://tok@github.com/o/r.git#abc"},
  "node_modules/file": {"resolved": "file:../file-1.0.0.tgz"},
  "node_modules/": {"version": "1.0.0"},
  "node_modules/.bin": {"version": "1.0.0"},
  "node_modules/x": {"name": "a b", "version": "1.0.0"},
  "local/dir": {},
  "node_modules/ok": {"version": "1.0.0", "dev": "true"}
}}`,
			pkgs: []string{"ok@1.0.0:15+indirect"},
			problems: []string{
				"3: entry node_modules/str is a string, not an object; skipped",
				"4: entry node_modules/null is null, not an object; skipped",
				"2: dependencies of the project are a number, not an object; ignored",
				"5: package num: version is a number, not a string; skipped",
				"6: unresolved: range@^1.0.0 (not a semantic version)",
				"7: unresolved: none (no version)",
				"8: unresolved: tgz@https://***@example.com/tgz-1.0.0.tgz (tarball URL, no version)",
				"9: unresolved: git@git+https://***@github.com/o/r.git#abc (git dependency, no version)",
				"10: unresolved: file@file:../file-1.0.0.tgz (local dependency, no version)",
				"11: package name \"\": empty; skipped",
				"12: package name .bin: starts with '.' or '_'; skipped",
				"13: package name a b: has characters that are not URL-safe; skipped",
				"14: unresolved: dir (local directory local/dir, no version)",
			}},
		{name: "v1 nested, aliases, git, files", in: `{
  "lockfileVersion": 1,
  "dependencies": {
    "a": {"version": "1.0.0", "dev": true, "requires": {"b": "^2"}, "dependencies": {
      "b": {"version": "2.0.0", "dev": true, "dependencies": {
        "@s/c": {"version": "3.0.0"}
      }}
    }},
    "alias": {"version": "npm:@real/pkg@4.0.0"},
    "badalias": {"version": "npm:a b@4.0.0"},
    "git": {"version": "github:o/r#abc", "from": "github:o/r"},
    "tgz": {"version": "https://example.com/tgz-1.0.0.tgz"},
    "dir": {"version": "file:../dir"},
    "none": {},
    "num": {"version": 1},
    "str": "1.0.0",
    "deps": {"version": "5.0.0", "dependencies": [1]},
    "_bad": {"version": "1.0.0"}
  }
}`,
			pkgs: []string{"a@1.0.0:4+dev", "b@2.0.0:5+dev+indirect", "@s/c@3.0.0:6+indirect", "@real/pkg@4.0.0:9", "deps@5.0.0:17"},
			problems: []string{
				"10: package badalias: alias of a b: has characters that are not URL-safe; skipped",
				"11: unresolved: git@github:o/r#abc (git dependency, no version)",
				"12: unresolved: tgz@https://example.com/tgz-1.0.0.tgz (tarball URL, no version)",
				"13: unresolved: dir@file:../dir (local dependency, no version)",
				"14: unresolved: none (no version)",
				"15: package num: version is a number, not a string; skipped",
				"16: package str is a string, not an object; skipped",
				"17: dependencies of deps are an array, not an object; ignored",
				"18: package name _bad: starts with '.' or '_'; skipped",
			}},
		{name: "sections of the wrong type", in: "{\n\"lockfileVersion\": \"2\",\n\"packages\": [],\n\"dependencies\": {\"a\": {\"version\": \"1.0.0\"}}\n}",
			pkgs:     []string{"a@1.0.0:4"},
			problems: []string{`2: lockfileVersion "2" is not 1, 2 or 3; read as the format its sections say`, "3: packages is an array, not an object; ignored"}},
		{name: "minified", in: `{"lockfileVersion":3,"packages":{"":{"devDependencies":{"a":"1"}},"node_modules/a":{"version":"1.0.0","dev":true}}}`,
			pkgs: []string{"a@1.0.0:1+dev"}},
		{name: "only a lockfileVersion", in: `{"lockfileVersion": 3}`},
		{name: "inside node_modules", path: "app/node_modules/x/npm-shrinkwrap.json", in: `{"lockfileVersion": 3, "packages": {"node_modules/a": {"version": "1.0.0"}}}`},
		{name: "inside a folder named like node_modules", path: "app/my_node_modules/package-lock.json", in: `{"lockfileVersion": 3, "packages": {"node_modules/a": {"version": "1.0.0"}}}`,
			pkgs: []string{"a@1.0.0:1"}},
		{name: "empty", in: " \n", err: "package-lock.json: empty file, not a package-lock file"},
		{name: "no section", in: `{"name": "x"}`, err: "package-lock.json: not a package-lock file: no lockfileVersion, packages or dependencies"},
		{name: "array", in: `[]`, err: "package-lock.json: not a package-lock file: the top level is an array, not an object"},
		{name: "not JSON", in: "lockfileVersion: 3", err: "package-lock.json:1: not a package-lock file: invalid JSON: invalid character 'l' looking for beginning of value"},
		{name: "cut short", in: "{\n\"packages\": {\"node_modules/a\": {", err: "package-lock.json:2: not a package-lock file: unexpected end of JSON"},
		{name: "trailing data", in: "{\"lockfileVersion\": 3}\n{}", err: "package-lock.json:2: not a package-lock file: invalid JSON: invalid character '{' after top-level value"},
		{name: "syntax error inside", in: "{\"packages\": {\n\"node_modules/a\": {\"version\": \"1.0.0\",}}}", err: "package-lock.json:2: not a package-lock file: invalid JSON: invalid character '}' looking for beginning of object key string"},
		{name: "syntax error in v1", in: "{\"dependencies\": {\n\"a\": {\"version\": \"1.0.0\"\n\"dev\": true}}}", err: "package-lock.json:3: not a package-lock file: invalid JSON: invalid character '\"' after object key:value pair"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := tt.path
			if p == "" {
				p = lockPath
			}
			res, err := Parse(p, strings.NewReader(tt.in))
			if tt.err != "" {
				if err == nil || err.Error() != tt.err {
					t.Fatalf("err = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			pkgs, problems := nodetest.Compact(res, p)
			if strings.Join(pkgs, " ") != strings.Join(tt.pkgs, " ") {
				t.Errorf("packages:\n got %q\nwant %q", pkgs, tt.pkgs)
			}
			if strings.Join(problems, "\n") != strings.Join(tt.problems, "\n") {
				t.Errorf("problems:\n got %q\nwant %q", problems, tt.problems)
			}
		})
	}
}

// TestDeep checks that nesting deeper than maxDepth is cut with a problem, and that the
// decoder's own bound on nesting is an error, not a crash.
func TestDeep(t *testing.T) {
	var sb strings.Builder
	sb.WriteString(`{"lockfileVersion": 1, "dependencies": `)
	for range maxDepth + 5 {
		sb.WriteString(`{"a": {"version": "1.0.0", "dependencies": `)
	}
	sb.WriteString(`{}`)
	for range maxDepth + 5 {
		sb.WriteString(`}}`)
	}
	sb.WriteString(`}`)
	res, err := Parse(lockPath, strings.NewReader(sb.String()))
	if err != nil {
		t.Fatal(err)
	}
	pkgs, problems := nodetest.Compact(res, lockPath)
	if len(pkgs) != 1 || len(problems) != 1 || problems[0] != "1: dependencies of a nested more than 64 deep; not read" {
		t.Errorf("got %q %q", pkgs, problems)
	}
	// The check of the file refuses more than 10000 levels, wherever they are.
	for _, deep := range []string{
		`{"packages": ` + strings.Repeat("[", 20000) + strings.Repeat("]", 20000) + "}",
		`{"packages": {"a": ` + strings.Repeat("[", 20000) + strings.Repeat("]", 20000) + "}}",
	} {
		if _, err := Parse(lockPath, strings.NewReader(deep)); err == nil || !strings.Contains(err.Error(), "exceeded max depth") {
			t.Errorf("20000 nested arrays: %v", err)
		}
	}
}

// TestWorkBounds checks that workspace patterns and folders from the file cannot make the
// work grow with their product, nor deep folders with their depth.
func TestWorkBounds(t *testing.T) {
	var sb strings.Builder
	sb.WriteString(`{"lockfileVersion": 3, "packages": {"": {"workspaces": [`)
	for i := range 5000 {
		if i > 0 {
			sb.WriteString(",")
		}
		fmt.Fprintf(&sb, `"p%d/**/x/**/y"`, i)
	}
	sb.WriteString(`]}`)
	for i := range 3000 {
		fmt.Fprintf(&sb, `, "a/b/c/d/e/f/%d": {"version": "1.0.0"}`, i)
	}
	sb.WriteString(`}}`)
	start := time.Now()
	res, err := Parse(lockPath, strings.NewReader(sb.String()))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Problems) != 1 || !strings.Contains(res.Problems[0].Msg, "too many patterns and folders") {
		t.Errorf("problems %v", res.Problems)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %v", d)
	}

	// A workspace 100 folders deep finds what is installed up to 16 folders above it, and
	// what is installed at the top.
	deep := strings.Repeat("d/", 99) + "d"
	in := fmt.Sprintf(`{"lockfileVersion": 3, "packages": {"": {"workspaces": ["**"]},
%q: {"version": "1.0.0", "dependencies": {"a": "1", "b": "1", "c": "1"}},
"node_modules/a": {"version": "1.0.0"},
%q: {"version": "1.0.0"},
%q: {"version": "1.0.0"}}}`, deep, strings.Repeat("d/", 50)+"node_modules/b", strings.Repeat("d/", 90)+"node_modules/c")
	res, err = Parse(lockPath, strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	pkgs, problems := nodetest.Compact(res, lockPath)
	if strings.Join(pkgs, " ") != "a@1.0.0:3 b@1.0.0:4+indirect c@1.0.0:5" || len(problems) != 0 {
		t.Errorf("got %q %q", pkgs, problems)
	}
}

func TestTooLarge(t *testing.T) {
	_, err := Parse(lockPath, strings.NewReader(strings.Repeat(" ", MaxSize+1)))
	if err == nil || err.Error() != fmt.Sprintf("%s: larger than %d bytes, not read", lockPath, MaxSize) {
		t.Errorf("got %v", err)
	}
}

func FuzzParse(f *testing.F) {
	langtest.Seed(f, nodetest.Fixtures(f, dirs...))
	f.Add([]byte(`{"lockfileVersion":3,"packages":{"":{"workspaces":["p/*"],"dependencies":{"a":"1"}},"node_modules/a":{"link":true,"resolved":"p/a"},"p/a":{"version":"1.0.0","dependencies":{"b":"1"}},"p/a/node_modules/b":{"name":"@s/b","version":"1.0.0"}}}`))
	f.Add([]byte(`{"dependencies":{"a":{"version":"npm:b@1.0.0","dependencies":{"c":{"version":"git+https://x"}}}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		langtest.Check(t, Parse, lockPath, "npm", data)
	})
}

func BenchmarkParse(b *testing.B) {
	var files []langtest.Fixture
	for _, f := range nodetest.Fixtures(b, dirs...) {
		if _, err := Parse(f.Name, strings.NewReader(string(f.Data))); err == nil {
			files = append(files, f)
		}
	}
	langtest.Bench(b, Parse, files)
}

// BenchmarkParseLarge measures a lockfileVersion 3 file of 3,000 packages (about 2 MB), a
// large application.
func BenchmarkParseLarge(b *testing.B) {
	data := large(3000)
	b.Logf("%d bytes", len(data))
	langtest.Bench(b, Parse, []langtest.Fixture{{Name: lockPath, Data: data}})
}

// large makes a package-lock.json of n packages as npm 9 writes them, a tenth of them
// nested and a tenth scoped.
func large(n int) []byte {
	var sb strings.Builder
	sb.WriteString("{\n  \"name\": \"app\",\n  \"version\": \"1.0.0\",\n  \"lockfileVersion\": 3,\n  \"requires\": true,\n  \"packages\": {\n    \"\": {\n      \"name\": \"app\",\n      \"version\": \"1.0.0\",\n      \"dependencies\": {\n")
	for i := range 30 {
		sep := ","
		if i == 29 {
			sep = ""
		}
		fmt.Fprintf(&sb, "        \"package-%d\": \"^%d.0.0\"%s\n", i, i%7, sep)
	}
	sb.WriteString("      }\n    }")
	for i := range n {
		key := fmt.Sprintf("node_modules/package-%d", i)
		switch i % 10 {
		case 3:
			key = fmt.Sprintf("node_modules/@scope-%d/package-%d", i%13, i)
		case 7:
			key = fmt.Sprintf("node_modules/package-%d/node_modules/package-%d", i-1, i)
		}
		fmt.Fprintf(&sb, `,
    %q: {
      "version": "%d.%d.%d",
      "resolved": "https://registry.npmjs.org/package-%d/-/package-%d-%d.%d.%d.tgz",
      "integrity": "sha512-%086x==",
      "dev": %v,
      "license": "MIT",
      "dependencies": {
        "package-%d": "^1.0.0",
        "package-%d": "~2.1.0"
      },
      "engines": {
        "node": ">=14"
      }
    }`, key, i%7, i%11, i%13, i, i, i%7, i%11, i%13, i, i%3 == 0, (i+1)%n, (i+2)%n)
	}
	sb.WriteString("\n  }\n}\n")
	return []byte(sb.String())
}
