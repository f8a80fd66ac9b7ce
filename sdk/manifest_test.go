package sdk

import (
	"strings"
	"testing"
)

func TestManifestValidate(t *testing.T) {
	ok := func() Manifest {
		return Manifest{ABI: "1.0", Name: "os", Version: "1", Kind: KindAnalyzer,
			Analyzers: []AnalyzerSpec{{Name: "apk", Files: []Selector{{Path: "lib/apk/db/installed"}}}}}
	}
	for _, tc := range []struct {
		name   string
		change func(*Manifest)
		want   string
	}{
		{"valid", func(*Manifest) {}, ""},
		{"abi", func(m *Manifest) { m.ABI = "1" }, "not major.minor"},
		{"abi words", func(m *Manifest) { m.ABI = "1.0-beta" }, "not major.minor"},
		{"name", func(m *Manifest) { m.Name = "Bad Name" }, "plugin name"},
		{"kind", func(m *Manifest) { m.Kind = "scanner" }, "plugin kind"},
		{"no analyzers", func(m *Manifest) { m.Analyzers = nil }, "no analyzers"},
		{"two fields", func(m *Manifest) { m.Analyzers[0].Files[0].Base = "x" }, "exactly one"},
		{"absolute", func(m *Manifest) { m.Analyzers[0].Files[0].Path = "/etc/x" }, "relative"},
		{"bad glob", func(m *Manifest) { m.Analyzers[0].Files[0] = Selector{Glob: "a/[b"} }, "syntax"},
		{"seek and section", func(m *Manifest) { m.Analyzers[0].Files[0] = Selector{Glob: "**", Seek: "ff", Section: ".dep-v0"} }, "not both"},
		{"section name with a space", func(m *Manifest) { m.Analyzers[0].Files[0] = Selector{Glob: "**", Section: ".dep v0"} }, "printable"},
		{"section", func(m *Manifest) {
			m.Analyzers[0].Files[0] = Selector{Glob: "**", Executable: true, Section: ".dep-v0"}
		}, ""},
		{"many stars", func(m *Manifest) { m.Analyzers[0].Files[0] = Selector{Glob: "**/a/**/b/**/c"} }, "more than two"},
		{"formatter", func(m *Manifest) { m.Kind = KindFormatter; m.Analyzers = nil }, "no formats"},
		{"limits", func(m *Manifest) { m.Limits.MemoryMiB = -1 }, "negative"},
	} {
		m := ok()
		tc.change(&m)
		err := m.Validate()
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%s: err = %v, want %q", tc.name, err, tc.want)
		}
	}
}
