package walk

import (
	"io/fs"
	"reflect"
	"testing"

	"github.com/trawlscan/trawl/sdk"
)

func TestGlob(t *testing.T) {
	for _, tc := range []struct {
		pattern, name string
		want          bool
	}{
		{"**/package.json", "package.json", true},
		{"**/package.json", "a/b/node_modules/x/package.json", true},
		{"**/package.json", "a/package.json.bak", false},
		{"usr/lib/*/METADATA", "usr/lib/python3/METADATA", true},
		{"usr/lib/*/METADATA", "usr/lib/a/b/METADATA", false},
		{"**/*.dist-info/METADATA", "usr/lib/python3.12/site-packages/requests-2.31.0.dist-info/METADATA", true},
		{"a/**/b/**/c", "a/x/b/y/z/c", true},
		{"a/**", "a", true},
		{"a/**", "b/c", false},
		{"*.txt", "dir/a.txt", false},
	} {
		if got := Glob(tc.pattern, tc.name); got != tc.want {
			t.Errorf("Glob(%q, %q) = %v, want %v", tc.pattern, tc.name, got, tc.want)
		}
	}
}

func TestMatcher(t *testing.T) {
	m := NewMatcher([]sdk.Manifest{
		{Analyzers: []sdk.AnalyzerSpec{
			{Name: "apk", Files: []sdk.Selector{{Path: "lib/apk/db/installed"}}},
			{Name: "os-release", Files: []sdk.Selector{{Path: "etc/os-release", MaxSize: 100}}},
		}},
		{Analyzers: []sdk.AnalyzerSpec{
			{Name: "npm", Files: []sdk.Selector{{Glob: "**/package-lock.json"}, {Base: "npm-shrinkwrap.json"}}},
			{Name: "any-lock", Files: []sdk.Selector{{Glob: "**/*-lock.json"}}},
			{Name: "status-d", Files: []sdk.Selector{{Glob: "var/lib/dpkg/status.d/*"}}},
		}},
		{Analyzers: []sdk.AnalyzerSpec{
			{Name: "gobinary", Files: []sdk.Selector{{Glob: "**", Executable: true, Seek: "ff20476f206275696c64696e663a"}}},
			{Name: "exe", Files: []sdk.Selector{{Glob: "**/*.exe", Seek: "ff20476f206275696c64696e663a"}}},
			{Name: "jar", Files: []sdk.Selector{{Glob: "**/*.exe"}}},
			{Name: "rust", Files: []sdk.Selector{{Glob: "**", Executable: true, Section: ".dep-v0"}}},
		}},
	})
	goMagic := []byte("\xff Go buildinf:")
	for _, tc := range []struct {
		path string
		size int64
		want []Want
	}{
		{"lib/apk/db/installed", 10, []Want{{Plugin: 0, Analyzers: []string{"apk"}}}},
		{"etc/os-release", 100, []Want{{Plugin: 0, Analyzers: []string{"os-release"}}}},
		{"etc/os-release", 101, nil},
		{"srv/app/package-lock.json", 1, []Want{{Plugin: 1, Analyzers: []string{"npm", "any-lock"}}}},
		{"x/npm-shrinkwrap.json", 1, []Want{{Plugin: 1, Analyzers: []string{"npm"}}}},
		{"x/yarn-lock.json", 1, []Want{{Plugin: 1, Analyzers: []string{"any-lock"}}}},
		{"x/y/z", 1, nil},
		{"var/lib/dpkg/status.d/base", 1, []Want{{Plugin: 1, Analyzers: []string{"status-d"}}}},
		{"var/lib/dpkg/status.d/sub/base", 1, nil},
		{"var/lib/dpkg/status", 1, nil},
		{"lib/apk/db/installed", DefaultMaxSize + 1, nil},
	} {
		if got := m.Match(tc.path, tc.size, 0o644); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("Match(%q, %d) = %v, want %v", tc.path, tc.size, got, tc.want)
		}
	}
	// Executable selectors need an execute bit; analyzers seeking bytes get their own Want.
	for _, tc := range []struct {
		path string
		mode fs.FileMode
		want []Want
	}{
		{"usr/bin/app", 0o755, []Want{{Plugin: 2, Analyzers: []string{"rust"}, Section: ".dep-v0"}, {Plugin: 2, Analyzers: []string{"gobinary"}, Seek: goMagic}}},
		{"usr/bin/app", 0o100, []Want{{Plugin: 2, Analyzers: []string{"rust"}, Section: ".dep-v0"}, {Plugin: 2, Analyzers: []string{"gobinary"}, Seek: goMagic}}},
		{"usr/bin/app", 0o644, nil},
		{"c/tool.exe", 0o644, []Want{{Plugin: 2, Analyzers: []string{"jar"}}, {Plugin: 2, Analyzers: []string{"exe"}, Seek: goMagic}}},
		{"c/tool.exe", 0o755, []Want{{Plugin: 2, Analyzers: []string{"jar"}}, {Plugin: 2, Analyzers: []string{"rust"}, Section: ".dep-v0"}, {Plugin: 2, Analyzers: []string{"gobinary", "exe"}, Seek: goMagic}}},
	} {
		if got := m.Match(tc.path, 1, tc.mode); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("Match(%q, %v) = %+v, want %+v", tc.path, tc.mode, got, tc.want)
		}
	}
	if !m.Selects("etc/os-release") || m.Selects("etc/passwd") {
		t.Error("Selects")
	}
}

func BenchmarkMatchMiss(b *testing.B) {
	m := NewMatcher([]sdk.Manifest{{Analyzers: []sdk.AnalyzerSpec{
		{Name: "apk", Files: []sdk.Selector{{Path: "lib/apk/db/installed"}}},
		{Name: "npm", Files: []sdk.Selector{{Glob: "**/package-lock.json"}, {Glob: "**/*.dist-info/METADATA"}}},
	}}})
	for b.Loop() {
		m.Match("usr/share/doc/libfoo/changelog.Debian.gz", 1000, 0o644)
	}
}
