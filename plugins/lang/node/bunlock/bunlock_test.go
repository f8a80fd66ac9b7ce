package bunlock

import (
	"fmt"
	"strings"
	"testing"

	"github.com/trawlscan/trawl/plugins/lang/internal/langtest"
	"github.com/trawlscan/trawl/plugins/lang/node/internal/jsonwalk"
	"github.com/trawlscan/trawl/plugins/lang/node/internal/nodetest"
)

const lockPath = "bun.lock"

var dirs = []string{"scalibr-bunlock"}

func TestGolden(t *testing.T) {
	fx := nodetest.Fixtures(t, dirs...)
	if len(fx) < 19 {
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
		{name: "workspaces, dev reach, aliases, comments", in: `{
  // written by bun
  "lockfileVersion": 1,
  "workspaces": {
    "": {
      "name": "app",
      "dependencies": { "a": "^1", "web": "workspace:*", },
      "devDependencies": { "d": "^1", "shared": "^1" },
      "optionalDependencies": { "o": "^1" },
    },
    "packages/web": {
      "name": "web",
      "dependencies": { "w": "^1" }, /* a comment, with "quotes" and a , */
    },
  },
  "packages": {
    "a": ["a@1.0.0", "", { "dependencies": { "shared": "^1", "@s/n": "^2" } }, "sha512-x"],
    "d": ["d@1.0.0", "", { "dependencies": { "devonly": "^1" } }, "sha512-x"],
    "devonly": ["devonly@1.0.0", "https://registry.example.com/", {}, "sha512-x"],
    "shared": ["shared@1.0.0", "", {}, "sha512-x"],
    "@s/n": ["@s/n@2.0.0", "", { "peerDependencies": { "p": "*" } }, "sha512-x"],
    "p": ["p@3.0.0", "", {}, "sha512-x"],
    "o": ["o@1.0.0", "", {}, "sha512-x"],
    "web": ["web@workspace:packages/web"],
    "w": ["w@1.0.0", "", {}, "sha512-x"],
    "web/w": ["w@2.0.0", "", { "optionalDependencies": { "x": "1" } }, "sha512-x"],
    "x": ["x@1.0.0", "", {}, "sha512-x"],
    "alias": ["real@4.0.0", "", {}, "sha512-x"],
    "@s/n/p": ["p@3.1.0", "", {}, "sha512-x"],
    "orphan": ["orphan@1.0.0", "", {}, "sha512-x"], // nothing leads here
  },
}`,
			pkgs: []string{"a@1.0.0:17", "d@1.0.0:18+dev", "devonly@1.0.0:19+dev+indirect", "shared@1.0.0:20", "@s/n@2.0.0:21+indirect",
				"p@3.0.0:22+indirect", "o@1.0.0:23", "w@1.0.0:25+indirect", "w@2.0.0:26", "x@1.0.0:27+indirect", "real@4.0.0:28+indirect",
				"p@3.1.0:29+indirect", "orphan@1.0.0:30+indirect"}},
		{name: "nested resolution prefers the nearest", in: `{"lockfileVersion": 1, "workspaces": {"": {"devDependencies": {"a": "1"}, "dependencies": {"c": "1"}}}, "packages": {
  "a": ["a@1.0.0", "", {"dependencies": {"b": "1"}}, ""],
  "b": ["b@1.0.0", "", {}, ""],
  "a/b": ["b@2.0.0", "", {"dependencies": {"c": "2"}}, ""],
  "a/b/c": ["c@2.0.0", "", {}, ""],
  "c": ["c@1.0.0", "", {"dependencies": {"b": "1"}}, ""]
}}`,
			pkgs: []string{"a@1.0.0:2+dev", "b@1.0.0:3+indirect", "b@2.0.0:4+dev+indirect", "c@2.0.0:5+dev+indirect", "c@1.0.0:6"}},
		{name: "no workspaces", in: `{"lockfileVersion": 1, "packages": {
  "a": ["a@1.0.0", "", {}, ""],
  "a/@s/b": ["@s/b@1.0.0", "", {}, ""]
}}`,
			pkgs: []string{"a@1.0.0:2", "@s/b@1.0.0:3+indirect"}},
		{name: "resolutions without a version", in: `{"lockfileVersion": 1, "workspaces": {"": {}}, "packages": {
  "g": ["g@github:o/r#abc", {}, "o-r-abc"],
  "h": ["h@git+https://tok@github.com/o/r.git#abc", {}, "abc"],
  "t": ["t@https://example.com/t-1.0.0.tgz", {}],
  "f": ["f@file:../f", {}],
  "l": ["l@link:../l", {}],
  "root": ["app@root:", {}],
  "ws": ["ws@workspace:packages/ws"],
  "r": ["r@^1.0.0", "", {}, ""]
}}`,
			problems: []string{
				"2: unresolved: g@github:o/r#abc (git dependency, no version)",
				"3: unresolved: h@git+https://***@github.com/o/r.git#abc (git dependency, no version)",
				"4: unresolved: t@https://example.com/t-1.0.0.tgz (tarball URL, no version)",
				"5: unresolved: f@file:../f (local dependency, no version)",
				"6: unresolved: l@link:../l (local dependency, no version)",
				"9: unresolved: r@^1.0.0 (not a version)",
			}},
		{name: "damaged entries", in: `{"lockfileVersion": 3, "workspaces": {"": {"dependencies": [1], "devDependencies": {"a": "1"}}, "x": 5}, "packages": {
  "a": ["a@1.0.0", "", {}, ""],
  "n": null,
  "o": {},
  "e": [],
  "s": [1],
  "noat": ["noat"],
  "empty": ["empty@"],
  "bad": ["a b@1.0.0", "", {}, ""],
  "": ["x@1.0.0", "", {}, ""],
  "ok": ["ok@1.0.0", "", "not info", 5]
}}`,
			pkgs: []string{"a@1.0.0:2+dev", "ok@1.0.0:11+indirect"},
			problems: []string{
				"1: lockfileVersion 3 is not 0, 1 or 2; read as version 1",
				"1: dependencies of workspace \"\" are an array, not an object; ignored",
				"1: workspace x is a number, not an object; ignored",
				"3: package n is not an array of its resolution and info; skipped",
				"4: package o is not an array of its resolution and info; skipped",
				"5: package e is not an array of its resolution and info; skipped",
				`6: package s: the first element is not a "name@resolution" string; skipped`,
				`7: package noat: "noat" is not "name@resolution"; skipped`,
				`8: package empty: "empty@" is not "name@resolution"; skipped`,
				"9: package name a b: has characters that are not URL-safe; skipped",
				`10: package "": install path empty or nested more than 32 deep; skipped`,
			}},
		{name: "sections of the wrong type", in: `{"lockfileVersion": 1, "workspaces": [], "packages": "x"}`,
			problems: []string{"1: workspaces is an array, not an object; ignored", "1: packages is a string, not an object; ignored"}},
		{name: "comment markers in strings", in: "{\"lockfileVersion\": 1, \"packages\": {\"a\": [\"a@1.0.0\", \"https://r.example.com//x/*y*/\", {}, \"\\\"//\"],}}",
			pkgs: []string{"a@1.0.0:1"}},
		{name: "inside node_modules", path: "node_modules/x/bun.lock", in: `{"lockfileVersion": 1, "packages": {"a": ["a@1.0.0", "", {}, ""]}}`},
		{name: "empty", in: "\n", err: "bun.lock: empty file, not a bun.lock file"},
		{name: "empty object", in: "{}", err: "bun.lock: not a bun.lock file: no lockfileVersion, workspaces or packages"},
		{name: "only comments", in: "// nothing\n/* here */", err: "bun.lock:2: not a bun.lock file: unexpected end of JSON"},
		{name: "array", in: "[1,]", err: "bun.lock: not a bun.lock file: the top level is an array, not an object"},
		{name: "unterminated comment", in: "{\"lockfileVersion\": 1 /* x", err: "bun.lock:1: not a bun.lock file: unexpected end of JSON"},
		{name: "two trailing commas", in: "{\"lockfileVersion\": 1,,}", err: "bun.lock:1: not a bun.lock file: invalid JSON: invalid character '}' looking for beginning of object key string"},
		{name: "trailing data", in: "{\"lockfileVersion\": 1}\n{}", err: "bun.lock:2: not a bun.lock file: invalid JSON: invalid character '{' after top-level value"},
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

// TestDeepPaths checks that install paths deeper than maxDepth are refused, and that a
// chain of packages as deep as allowed resolves in bounded time.
func TestDeepPaths(t *testing.T) {
	var sb strings.Builder
	sb.WriteString(`{"lockfileVersion": 1, "workspaces": {"": {"dependencies": {"p": "1"}}}, "packages": {`)
	key := ""
	for i := range maxDepth + 1 {
		if i > 0 {
			key += "/"
			sb.WriteString(",\n")
		}
		key += "p"
		fmt.Fprintf(&sb, "%q: [\"p@1.0.%d\", \"\", {\"dependencies\": {\"p\": \"1\", \"q\": \"1\"}}, \"\"]", key, i)
	}
	sb.WriteString("}}")
	res, err := Parse(lockPath, strings.NewReader(sb.String()))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Packages) != maxDepth || len(res.Problems) != 1 {
		t.Errorf("%d packages, problems %v", len(res.Packages), res.Problems)
	}
	for i, p := range res.Packages {
		if p.Indirect != (i > 0) || p.Dev {
			t.Errorf("%+v", p)
		}
	}
}

func TestStripJSONC(t *testing.T) {
	in := "{ // c\n\"a\": [1, 2, /* x\ny */ ], \"b\": \"//,]\", \"c\": {\"d\": 1,\n},\n}"
	want := "{     \n\"a\": [1, 2      \n     ], \"b\": \"//,]\", \"c\": {\"d\": 1 \n} \n}"
	data := []byte(in)
	jsonwalk.StripJSONC(data)
	if string(data) != want {
		t.Errorf("got  %q\nwant %q", data, want)
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
	f.Add([]byte(`{"lockfileVersion":1,"workspaces":{"":{"devDependencies":{"a":"1"}},"w":{"name":"w","dependencies":{"b":"1"}}},"packages":{"a":["a@1.0.0","",{"dependencies":{"b":"1"}},""],"w/b":["b@1.0.0","",{"peerDependencies":{"a":"1"}},""],/* c */"b":["x@github:a/b",{},""],}}`))
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

// BenchmarkParseLarge measures a bun.lock of 3,000 packages (about 700 KB), a large
// application.
func BenchmarkParseLarge(b *testing.B) {
	var sb strings.Builder
	sb.WriteString("{\n  \"lockfileVersion\": 1,\n  \"workspaces\": {\n    \"\": {\n      \"name\": \"app\",\n      \"dependencies\": {\n")
	for i := range 30 {
		fmt.Fprintf(&sb, "        \"package-%d\": \"^1.0.0\",\n", i)
	}
	sb.WriteString("      },\n    },\n  },\n  \"packages\": {\n")
	for i := range 3000 {
		key := fmt.Sprintf("package-%d", i)
		if i%10 == 7 {
			key = fmt.Sprintf("package-%d/package-%d", i-1, i)
		}
		fmt.Fprintf(&sb, "    %q: [\"package-%d@%d.%d.%d\", \"\", { \"dependencies\": { \"package-%d\": \"^1.0.0\", \"package-%d\": \"~2.1.0\" } }, \"sha512-%086x==\"],\n\n",
			key, i, i%7, i%11, i%13, (i+1)%3000, (i+2)%3000, i)
	}
	sb.WriteString("  }\n}\n")
	b.Logf("%d bytes", sb.Len())
	langtest.Bench(b, Parse, []langtest.Fixture{{Name: lockPath, Data: []byte(sb.String())}})
}
