package installed

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/trawlscan/trawl/host/walk"
	"github.com/trawlscan/trawl/plugins/lang/internal/langtest"
	"github.com/trawlscan/trawl/plugins/lang/node/internal/nodetest"
)

const pkgPath = "node_modules/x/package.json"

var dirs = []string{"scalibr-packagejson"}

// fixtureKinds says what each package.json of the corpus is, read by hand. Only those of
// installed packages would be selected in an image (they sit in node_modules); the parser
// reads the others all the same, since it does not look at the path, and their goldens show
// what it makes of them.
var fixtureKinds = map[string]string{
	"scalibr-packagejson/deps/accepts/package.json":           "installed: accepts 1.3.8 as published",
	"scalibr-packagejson/deps/no-person-name/package.json":    "installed: accepts 1.3.8, a contributor without a name",
	"scalibr-packagejson/deps/with/deps/acorn/package.json":   "installed: acorn 1.2.2, a nested dependency",
	"scalibr-packagejson/undici-package.json":                 "installed: undici 5.28.3 as published",
	"scalibr-packagejson/not-vscode.json":                     "installed: jsonparse 1.3.1 as published",
	"scalibr-packagejson/deps/acorn/package.json":             "installed, damaged: empty name, no package",
	"scalibr-packagejson/deps/acorn-globals/package.json":     "installed, damaged: empty version, unresolved",
	"scalibr-packagejson/deps/window-size/package.json":       "installed, damaged: no name and no version, no package",
	"scalibr-packagejson/package.json":                        "manifest: a private project, not selected (a private package is not reported anyway)",
	"scalibr-packagejson/package-with-deps.json":              "manifest: a project with ranges, not selected",
	"scalibr-packagejson/duplicate-keys.json":                 "manifest: a project with ranges, not selected",
	"scalibr-packagejson/invalid":                             "manifest: a template, not JSON, not selected",
	"scalibr-packagejson/unity-package.json":                  "Unity package manifest (Packages/), not selected",
	"scalibr-packagejson/vscode-extension.json":               "VS Code extension manifest (extensions/<id>/), not selected",
	"scalibr-packagejson/vscode-extension-only-required.json": "VS Code extension manifest (extensions/<id>/), not selected",
}

func TestGolden(t *testing.T) {
	fx := nodetest.Fixtures(t, dirs...)
	var names []string
	for _, f := range fx {
		names = append(names, f.Name)
		if _, ok := fixtureKinds[f.Name]; !ok {
			t.Errorf("fixture %s is not in fixtureKinds", f.Name)
		}
		// Each installed package.json gives its package, or says why not.
		if k := fixtureKinds[f.Name]; strings.HasPrefix(k, "installed") {
			g := nodetest.Run(Parse, f.Name, f.Data)
			if len(g.Packages)+len(g.Problems) != 1 || g.Error != "" {
				t.Errorf("%s: %+v", f.Name, g)
			}
		}
	}
	for name := range fixtureKinds {
		if !slices.Contains(names, name) {
			t.Errorf("fixture %s is missing from the corpus", name)
		}
	}
	nodetest.CheckGolden(t, Parse, fx, func(name string) string { return name })
}

func TestCorpus(t *testing.T) {
	for _, f := range nodetest.Fixtures(t, dirs...) {
		t.Run(f.Name, func(t *testing.T) { langtest.Check(t, Parse, pkgPath, "npm", f.Data) })
	}
}

// selectors are the manifest's selectors for the analyzer.
var selectors = []string{"**/node_modules/*/package.json", "**/node_modules/@*/*/package.json"}

// TestSelectors checks with the host's own matcher which paths the selectors take: the
// package.json of every installed package, scoped or not, at any depth (the top "**"
// matches zero or more directories, so node_modules at the root of a layer and nested
// node_modules are both taken), and nothing else.
func TestSelectors(t *testing.T) {
	for _, tt := range []struct {
		path string
		want bool
	}{
		{"node_modules/a/package.json", true},
		{"app/node_modules/a/package.json", true},
		{"usr/lib/node_modules/npm/package.json", true},
		{"node_modules/@s/a/package.json", true},
		{"app/node_modules/@s/a/package.json", true},
		{"node_modules/a/node_modules/b/package.json", true},
		{"node_modules/a/node_modules/@s/b/package.json", true},
		{"node_modules/@s/a/node_modules/b/package.json", true},
		{"node_modules/@s/a/node_modules/@t/b/package.json", true},
		{"node_modules/.pnpm/a@1.0.0/node_modules/a/package.json", true},
		// Not installed packages: a manifest, files inside a package.
		{"package.json", false},
		{"app/package.json", false},
		{"node_modules/package.json", false},
		{"node_modules/a/lib/package.json", false},
		{"node_modules/a/dist/esm/package.json", false},
		{"node_modules/@s/a/lib/package.json", false},
		{"node_modules/@s/package.json", true}, // a scope folder has none; harmless
		{"node_modules/a/package-lock.json", false},
	} {
		got := false
		for _, g := range selectors {
			got = got || walk.Glob(g, tt.path)
		}
		if got != tt.want {
			t.Errorf("%s: selected %v, want %v", tt.path, got, tt.want)
		}
	}
}

func TestParse(t *testing.T) {
	for _, tt := range []struct {
		name, in       string
		pkgs, problems []string
		err            string
	}{
		{name: "package", in: "{\n  \"version\": \"1.2.3\",\n  \"name\": \"a\",\n  \"dependencies\": {\"b\": \"^1\"}\n}", pkgs: []string{"a@1.2.3:3"}},
		{name: "scoped", in: `{"name": "@babel/core", "version": "7.24.0-rc.1+build.5"}`, pkgs: []string{"@babel/core@7.24.0-rc.1+build.5:1"}},
		{name: "v prefix cleaned", in: `{"name": "a", "version": "v1.0.0"}`, pkgs: []string{"a@1.0.0:1"}},
		{name: "last key wins", in: `{"name": "a", "version": "1.0.0", "name": "b", "version": "2.0.0"}`, pkgs: []string{"b@2.0.0:1"}},
		{name: "byte order mark", in: "\xef\xbb\xbf{\"name\": \"a\", \"version\": \"1.0.0\"}", pkgs: []string{"a@1.0.0:1"}},
		{name: "keys match exactly", in: `{"Name": "b", "name": "a", "VERSION": "2.0.0", "version": "1.0.0"}`, pkgs: []string{"a@1.0.0:1"}},
		{name: "old capitals", in: `{"name": "JSONStream", "version": "1.3.5"}`, pkgs: []string{"JSONStream@1.3.5:1"}},
		{name: "private false", in: `{"name": "a", "version": "1.0.0", "private": false}`, pkgs: []string{"a@1.0.0:1"}},
		{name: "private", in: "{\"name\": \"a\",\n\"version\": \"1.0.0\", \"private\": true}", problems: []string{"1: private package a@1.0.0 (never published to a registry); not reported"}},
		{name: "no name", in: `{"version": "1.0.0"}`, problems: []string{" no package name; not the package.json of an installed package"}},
		{name: "name not string", in: `{"name": ["a"], "version": "1.0.0"}`, problems: []string{"1: name is an array, not a string; no package"}},
		{name: "bad name", in: `{"name": "a b", "version": "1.0.0"}`, problems: []string{"1: package name a b: has characters that are not URL-safe; no package"}},
		{name: "bad scope", in: `{"name": "@s", "version": "1.0.0"}`, problems: []string{"1: package name @s: a scope without a package name; no package"}},
		{name: "no version", in: `{"name": "a"}`, problems: []string{"1: unresolved: a (no version)"}},
		{name: "empty version", in: "{\"name\": \"a\",\n\"version\": \"\"}", problems: []string{"2: unresolved: a (no version)"}},
		{name: "range", in: "{\"name\": \"a\",\n\"version\": \"^1.0.0\"}", problems: []string{"2: unresolved: a@^1.0.0 (not a semantic version)"}},
		{name: "version number", in: "{\"name\": \"a\",\n\"version\": 1}", problems: []string{"2: package a: version is a number, not a string; no package"}},
		{name: "empty object", in: `{}`, problems: []string{" no package name; not the package.json of an installed package"}},
		{name: "empty", in: "\n", err: "node_modules/x/package.json: empty file, not a package.json"},
		{name: "array", in: `[]`, err: "node_modules/x/package.json: not a package.json: the top level is an array, not an object"},
		{name: "cut", in: "{\n\"name\": \"a\",", err: "node_modules/x/package.json:2: not a package.json: unexpected end of JSON"},
		{name: "trailing", in: `{"name": "a", "version": "1.0.0"} x`, err: "node_modules/x/package.json:1: not a package.json: invalid JSON: invalid character 'x' after top-level value"},
		{name: "trailing comma", in: `{"name": "a", "version": "1.0.0",}`, err: `node_modules/x/package.json:1: not a package.json: invalid JSON: invalid character '}' looking for beginning of object key string`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res, err := Parse(pkgPath, strings.NewReader(tt.in))
			if tt.err != "" {
				if err == nil || err.Error() != tt.err {
					t.Fatalf("err = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			pkgs, problems := nodetest.Compact(res, pkgPath)
			if strings.Join(pkgs, " ") != strings.Join(tt.pkgs, " ") {
				t.Errorf("packages:\n got %q\nwant %q", pkgs, tt.pkgs)
			}
			if strings.Join(problems, "\n") != strings.Join(tt.problems, "\n") {
				t.Errorf("problems:\n got %q\nwant %q", problems, tt.problems)
			}
		})
	}
}

func TestTooLarge(t *testing.T) {
	_, err := Parse(pkgPath, strings.NewReader(strings.Repeat(" ", MaxSize+1)))
	if err == nil || err.Error() != fmt.Sprintf("%s: larger than %d bytes, not read", pkgPath, MaxSize) {
		t.Errorf("got %v", err)
	}
}

func FuzzParse(f *testing.F) {
	langtest.Seed(f, nodetest.Fixtures(f, dirs...))
	f.Add([]byte(`{"name": "@s/a", "version": "1.0.0-0", "private": true, "name": 1}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		langtest.Check(t, Parse, pkgPath, "npm", data)
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

// BenchmarkNodeModules measures a node_modules tree of 2,000 installed packages, one
// package.json each of about 1.5 KB (the size of a typical published one: description,
// repository, scripts, a dozen dependencies), a mid-sized application image.
func BenchmarkNodeModules(b *testing.B) {
	files := nodeModules(2000)
	total := 0
	for _, f := range files {
		total += len(f.Data)
	}
	b.Logf("%d files, %d bytes, %d bytes a file", len(files), total, total/len(files))
	langtest.Bench(b, Parse, files)
}

// nodeModules makes n package.json files as npm installs them, a fifth of them scoped and a
// fifth nested under another package.
func nodeModules(n int) []langtest.Fixture {
	out := make([]langtest.Fixture, 0, n)
	for i := range n {
		name := fmt.Sprintf("package-%d", i)
		if i%5 == 1 {
			name = fmt.Sprintf("@scope-%d/package-%d", i%17, i)
		}
		dir := "app/node_modules/" + name
		if i%5 == 2 {
			dir = fmt.Sprintf("app/node_modules/package-%d/node_modules/%s", i-1, name)
		}
		var sb strings.Builder
		fmt.Fprintf(&sb, `{
  "name": %q,
  "version": "%d.%d.%d",
  "description": "A package that does one thing well, number %d of a generated tree",
  "keywords": ["generated", "benchmark", "node", "module"],
  "homepage": "https://github.com/example/%s#readme",
  "bugs": {"url": "https://github.com/example/%s/issues"},
  "repository": {"type": "git", "url": "git+https://github.com/example/%s.git"},
  "license": "MIT",
  "author": "Example Author <author@example.com> (https://example.com)",
  "contributors": ["First Contributor <first@example.com>", "Second Contributor <second@example.com>"],
  "funding": {"type": "opencollective", "url": "https://opencollective.com/example"},
  "main": "index.js",
  "exports": {".": {"types": "./index.d.ts", "import": "./index.mjs", "require": "./index.js"}, "./package.json": "./package.json"},
  "types": "index.d.ts",
  "files": ["index.js", "index.d.ts", "lib/"],
  "engines": {"node": ">=14"},
  "scripts": {
    "test": "mocha --reporter spec test/*.js",
    "lint": "eslint . --ext .js,.ts",
    "build": "tsc -p tsconfig.json"
  },
  "dependencies": {
`, name, i%7, i%13, i%29, i, name, name, name)
		for j := range 6 {
			sep := ","
			if j == 5 {
				sep = ""
			}
			fmt.Fprintf(&sb, "    \"dep-%d\": \"^%d.%d.0\"%s\n", (i+j*31)%n, j, i%9, sep)
		}
		sb.WriteString("  },\n  \"devDependencies\": {\n")
		for j := range 8 {
			sep := ","
			if j == 7 {
				sep = ""
			}
			fmt.Fprintf(&sb, "    \"dev-tool-%d\": \"~%d.%d.%d\"%s\n", j, j+1, i%5, j, sep)
		}
		sb.WriteString("  }\n}\n")
		out = append(out, langtest.Fixture{Name: dir + "/package.json", Data: []byte(sb.String())})
	}
	return out
}
