package npm

import "testing"

func TestVersion(t *testing.T) {
	for in, want := range map[string]string{
		"1.2.3": "1.2.3", "0.0.0": "0.0.0", "v1.2.3": "1.2.3", "=1.2.3": "1.2.3", " 1.2.3 ": "1.2.3",
		"1.2.3-alpha.1": "1.2.3-alpha.1", "1.2.3-0": "1.2.3-0", "1.2.3-x-y.01a": "1.2.3-x-y.01a",
		"1.2.3+build.001": "1.2.3+build.001", "1.2.3-rc.1+b": "1.2.3-rc.1+b", "10.20.30": "10.20.30",
		"": "", "1.2": "", "1.2.3.4": "", "01.2.3": "", "1.02.3": "", "1.2.3-01": "", "1.2.3-": "",
		"1.2.3+": "", "1.2.3-a..b": "", "1.2.3-a_b": "", "^1.2.3": "", "1.x.0": "", "latest": "",
		"git+https://x": "", "npm:a@1.0.0": "", "1.2.3 - 2": "", "a.b.c": "",
	} {
		got, ok := Version(in)
		if got != want || ok != (want != "") {
			t.Errorf("Version(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
}

func TestCheckName(t *testing.T) {
	for name, want := range map[string]string{
		"a": "", "@babel/core": "", "JSONStream": "", "lodash.get": "", "a-b_c.d~e!f'g(h)i*": "",
		"": "empty", "@s": "a scope without a package name", "@/a": "scope empty", "@s/": "empty",
		".bin": "starts with '.' or '_'", "_a": "starts with '.' or '_'", "@s/.a": "starts with '.' or '_'",
		"a b": "has characters that are not URL-safe", "a/b": "has characters that are not URL-safe",
		"@s/a/b": "has characters that are not URL-safe", "é": "has characters that are not URL-safe",
	} {
		if got := CheckName(name); got != want {
			t.Errorf("CheckName(%q) = %q, want %q", name, got, want)
		}
	}
	long := make([]byte, 215)
	for i := range long {
		long[i] = 'a'
	}
	if CheckName(string(long)) == "" || CheckName(string(long[:214])) != "" {
		t.Error("length limit")
	}
}

func TestSplitSpec(t *testing.T) {
	for _, tt := range []struct{ in, name, spec string }{
		{"a@1.0.0", "a", "1.0.0"},
		{"@s/a@1.0.0", "@s/a", "1.0.0"},
		{"a@git+ssh://git@github.com/o/r.git#x", "a", "git+ssh://git@github.com/o/r.git#x"},
		{"@s/a@github:o/r", "@s/a", "github:o/r"},
		{"a", "a", ""},
		{"@s/a", "@s/a", ""},
		{"", "", ""},
	} {
		name, spec, _ := SplitSpec(tt.in)
		if name != tt.name || spec != tt.spec {
			t.Errorf("SplitSpec(%q) = %q %q", tt.in, name, spec)
		}
	}
	if name, v, ok := Alias("npm:@s/a@1.0.0"); !ok || name != "@s/a" || v != "1.0.0" {
		t.Errorf("Alias: %q %q %v", name, v, ok)
	}
	if _, _, ok := Alias("1.0.0"); ok {
		t.Error("Alias of a version")
	}
}

func TestKind(t *testing.T) {
	for spec, want := range map[string]string{
		"git+ssh://git@github.com/o/r.git#x": "git", "git://github.com/o/r": "git", "github:o/r#x": "git",
		"gitlab:o/r": "git", "o/r#v1": "git", "https://github.com/o/r.git#v1": "git", "https://github.com/o/r.git": "git",
		"https://x.example/a-1.0.0.tgz": "tarball", "file:../a": "local", "link:../a": "local", "../a": "local",
		"^1.0.0": "", "latest": "", "npm:a@1": "",
	} {
		if got := Kind(spec); got != want {
			t.Errorf("Kind(%q) = %q, want %q", spec, got, want)
		}
	}
}

func TestInNodeModules(t *testing.T) {
	for path, want := range map[string]bool{
		"node_modules/a/package-lock.json": true, "app/node_modules/a/bun.lock": true,
		"package-lock.json": false, "app/package-lock.json": false, "my_node_modules/bun.lock": false,
		"a/xnode_modules/node_modules/b": true,
	} {
		if got := InNodeModules(path); got != want {
			t.Errorf("InNodeModules(%q) = %v", path, got)
		}
	}
}

func TestIsExactVersion(t *testing.T) {
	for v, want := range map[string]bool{
		"1.2.3": true, "0.0.0": true, "1.0.0-alpha.37": true, "2.1.6+git": true,
		"2.1.8-no-fsevents.3": true, "18.3.0-canary-ab31a9ed2-20230824": true, "1.0.0-rc.1+b.2": true,
		"": false, "1": false, "1.2": false, "01.2.3": false, "1.2.3.4": false, "v1.2.3": false,
		"^1.2.3": false, "1.2.3-": false, "1.2.3-a..b": false, "1.2.3+": false, "1.2.3_x": false,
		"latest": false, "1.x": false, "1.2.3 ": false, "1.2.3-a_b": false,
	} {
		if got := IsExactVersion(v); got != want {
			t.Errorf("IsExactVersion(%q) = %v", v, got)
		}
	}
}

func TestIsLockName(t *testing.T) {
	for n, want := range map[string]bool{
		"a": true, "@s/a": true, "JSONStream": true, "lodash.merge": true, "a-b_c~d": true,
		"": false, "@s": false, "@s/": false, "@/a": false, "a/b": false, "@s/a/b": false,
		"_a": true, ".a": false, "a b": false, "a:b": false, "file:..": false, "a@1": false,
	} {
		if got := IsLockName(n); got != want {
			t.Errorf("IsLockName(%q) = %v", n, got)
		}
	}
}

func TestSplitSpecOfLockKeys(t *testing.T) {
	for _, tt := range []struct{ in, name, spec string }{
		{"a@1.0.0", "a", "1.0.0"},
		{"@s/a@npm:^1", "@s/a", "npm:^1"},
		{"a@git+ssh://git@github.com:o/r", "a", "git+ssh://git@github.com:o/r"},
		{"a", "a", ""},
		{"@s/a", "@s/a", ""},
		{"@", "@", ""},
	} {
		name, spec, _ := SplitSpec(tt.in)
		if name != tt.name || spec != tt.spec {
			t.Errorf("SplitSpec(%q) = %q, %q", tt.in, name, spec)
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
