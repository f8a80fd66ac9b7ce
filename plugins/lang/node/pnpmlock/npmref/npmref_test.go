package npmref

import "testing"

func TestIsVersion(t *testing.T) {
	for v, want := range map[string]bool{
		"1.2.3": true, "0.0.0": true, "1.0.0-alpha.37": true, "2.1.6+git": true,
		"2.1.8-no-fsevents.3": true, "18.3.0-canary-ab31a9ed2-20230824": true, "1.0.0-rc.1+b.2": true,
		"": false, "1": false, "1.2": false, "01.2.3": false, "1.2.3.4": false, "v1.2.3": false,
		"^1.2.3": false, "1.2.3-": false, "1.2.3-a..b": false, "1.2.3+": false, "1.2.3_x": false,
		"latest": false, "1.x": false, "1.2.3 ": false, "1.2.3-a_b": false,
	} {
		if got := IsVersion(v); got != want {
			t.Errorf("IsVersion(%q) = %v", v, got)
		}
	}
}

func TestValidName(t *testing.T) {
	for n, want := range map[string]bool{
		"a": true, "@s/a": true, "JSONStream": true, "lodash.merge": true, "a-b_c~d": true,
		"": false, "@s": false, "@s/": false, "@/a": false, "a/b": false, "@s/a/b": false,
		".a": false, "a b": false, "a:b": false, "file:..": false, "a@1": false,
	} {
		if got := ValidName(n); got != want {
			t.Errorf("ValidName(%q) = %v", n, got)
		}
	}
}

func TestSplitName(t *testing.T) {
	for _, tt := range []struct{ in, name, spec string }{
		{"a@1.0.0", "a", "1.0.0"},
		{"@s/a@npm:^1", "@s/a", "npm:^1"},
		{"a@git+ssh://git@github.com:o/r", "a", "git+ssh://git@github.com:o/r"},
		{"a", "a", ""},
		{"@s/a", "@s/a", ""},
		{"@", "@", ""},
	} {
		name, spec, _ := SplitName(tt.in)
		if name != tt.name || spec != tt.spec {
			t.Errorf("SplitName(%q) = %q, %q", tt.in, name, spec)
		}
	}
}

func TestRegistryTarball(t *testing.T) {
	for _, tt := range []struct {
		url, name, version string
		want               bool
	}{
		{"https://registry.npmjs.org/a/-/a-1.0.0.tgz", "a", "1.0.0", true},
		{"https://registry.yarnpkg.com/@s/a/-/a-1.0.0.tgz#sha1", "@s/a", "1.0.0", true},
		{"https://gitlab.example.com/api/v4/projects/1/packages/npm/@s/a/-/@s/a-3.2.3.tgz", "@s/a", "3.2.3", true},
		{"https://npm.example.com/@s%2Fa/-/a-1.0.0.tgz", "@s/a", "1.0.0", true},
		{"https://registry.npmjs.org/a/-/a-1.0.1.tgz", "a", "1.0.0", false},
		{"https://registry.npmjs.org/b/-/a-1.0.0.tgz", "a", "1.0.0", false},
		{"https://example.com/a-1.0.0.tgz", "a", "1.0.0", false},
		{"file:a/-/a-1.0.0.tgz", "a", "1.0.0", false},
		{"https://codeload.github.com/o/a/tar.gz/abc", "a", "1.0.0", false},
	} {
		if got := RegistryTarball(tt.url, tt.name, tt.version); got != tt.want {
			t.Errorf("RegistryTarball(%q, %q, %q) = %v", tt.url, tt.name, tt.version, got)
		}
	}
}
