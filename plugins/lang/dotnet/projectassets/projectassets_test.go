package projectassets

import (
	"fmt"
	"strings"
	"testing"

	"github.com/trawlscan/trawl/plugins/lang/dotnet/internal/dotnettest"
	"github.com/trawlscan/trawl/plugins/lang/internal/langtest"
)

const path = "src/App/obj/project.assets.json"

func TestParse(t *testing.T) {
	dotnettest.Table(t, Parse, path, []dotnettest.Case{
		{Name: "direct and indirect", In: `{
  "version": 3,
  "targets": {"net8.0": {"Serilog/3.1.1": {"type": "package"}}},
  "libraries": {
    "Serilog/3.1.1": {"type": "package", "path": "serilog/3.1.1"},
    "System.Memory/4.5.5": {"type": "package"},
    "MyLib/1.0.0": {"type": "project", "path": "../MyLib/MyLib.csproj"},
    "Analyzer/1.0.0-beta.2": {"type": "package"}
  },
  "projectFileDependencyGroups": {"net8.0": ["Serilog >= 3.1.1", "MyLib >= 1.0.0"]},
  "project": {
    "version": "1.0.0",
    "restore": {"projectName": "App"},
    "frameworks": {
      "net8.0": {"dependencies": {"serilog": {"target": "Package", "version": "[3.1.1, )"}}},
      "net472": {"dependencies": {"Analyzer": {"suppressParent": "All", "target": "Package", "version": "[1.0.0-beta.2, )"}}}
    }
  }
}`,
			Pkgs: []string{"Serilog@3.1.1:5", "System.Memory@4.5.5:6+indirect", "Analyzer@1.0.0-beta.2:8"}},
		{Name: "no project section says nothing", In: `{"libraries": {"A/1.0": {"type": "package"}}}`, Pkgs: []string{"A@1.0:1"}},
		{Name: "odd libraries", In: "{\"libraries\": {\n\"NoVersion\": {\"type\": \"package\"},\n\"X/1\": {\"type\": \"msbuildproject\"},\n\"Y/1\": 3,\n\"Z/bad version\": {\"type\": \"package\"}\n}, \"project\": {\"frameworks\": []}}",
			Problems: []string{
				"4: library Y/1 is a number, not an object; skipped",
				`2: library NoVersion is not "name/version", skipped`,
				`3: library X/1 has type "msbuildproject", not a package; skipped`,
				`5: library Z: "bad version" is not a NuGet version, skipped`,
			}},
		{Name: "empty", In: "", Err: path + ": empty file, not a project.assets.json"},
		{Name: "no libraries", In: `{"version": 3}`, Err: path + ":1: not a project.assets.json: no libraries"},
		{Name: "project not an object", In: `{"libraries": {}, "project": "x"}`, Err: path + ":1: not a project.assets.json: project is a string, not an object"},
		{Name: "not JSON", In: "not\njson", Err: path + ":1: not a project.assets.json: invalid JSON: invalid character 'o' in literal null (expecting 'u')"},
	})
}

func TestTooLarge(t *testing.T) {
	_, err := Parse(path, strings.NewReader(strings.Repeat(" ", MaxSize+1)))
	if err == nil || err.Error() != fmt.Sprintf("%s: larger than %d bytes, not read", path, MaxSize) {
		t.Errorf("got %v", err)
	}
}

func TestGolden(t *testing.T) {
	dotnettest.Golden(t, Parse, dotnettest.Fixtures(t, "projectassets"))
}

func TestCorpus(t *testing.T) {
	for _, f := range dotnettest.Fixtures(t, "projectassets") {
		t.Run(f.Name, func(t *testing.T) { langtest.Check(t, Parse, path, "nuget", f.Data) })
	}
}

func FuzzParse(f *testing.F) {
	langtest.Seed(f, dotnettest.Fixtures(f, "projectassets"))
	f.Add([]byte(`{"libraries":{"A/1":{"type":"package"},"B/2":{"type":"project"}},"project":{"frameworks":{"x":{"dependencies":{"a":{}}}}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		langtest.Check(t, Parse, path, "nuget", data)
	})
}

func BenchmarkParse(b *testing.B) {
	langtest.Bench(b, Parse, dotnettest.Valid(Parse, dotnettest.Fixtures(b, "projectassets")))
}
