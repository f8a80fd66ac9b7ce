package packageslock

import (
	"fmt"
	"strings"
	"testing"

	"github.com/trawlscan/trawl/plugins/lang/dotnet/internal/dotnettest"
	"github.com/trawlscan/trawl/plugins/lang/internal/langtest"
)

const path = "src/App/packages.lock.json"

func TestParse(t *testing.T) {
	dotnettest.Table(t, Parse, path, []dotnettest.Case{
		{Name: "frameworks and types", In: `{
  "version": 2,
  "dependencies": {
    "net6.0": {
      "Serilog": {"type": "Direct", "requested": "[3.1.1, )", "resolved": "3.1.1", "contentHash": "x"},
      "System.Memory": {"type": "Transitive", "resolved": "4.5.5"},
      "Pinned": {"type": "CentralTransitive", "requested": "[1.0.0, )", "resolved": "1.0.0"},
      "MyLib": {"type": "Project", "dependencies": {"Serilog": "[3.1.1, )"}}
    },
    "net8.0": {
      "serilog": {"type": "Direct", "resolved": "3.1.1"},
      "System.Memory": {"type": "Direct", "resolved": "4.5.5"},
      "Pinned": {"type": "Transitive", "resolved": "1.0.0"}
    },
    "net8.0/linux-x64": {
      "Runtime.Only": {"type": "Transitive", "resolved": "8.0.0-rc.1.23419.4"}
    }
  }
}`,
			Pkgs: []string{"Serilog@3.1.1:5", "System.Memory@4.5.5:6", "Pinned@1.0.0:7+indirect", "Runtime.Only@8.0.0-rc.1.23419.4:16+indirect"}},
		{Name: "odd entries", In: `{"dependencies": {
  "net6.0": {
    "NoResolved": {"type": "Transitive"},
    "Bad": {"type": "Direct", "resolved": "[1.0, 2.0)"},
    "NumType": {"type": 1, "resolved": "1.0"},
    "NumResolved": {"type": "Direct", "resolved": 1},
    "NotObject": "1.0",
    "Other": {"type": "Something", "resolved": "2.0", "extra": [1, {"a": [2]}]}
  },
  "net7.0": [],
  "net8.0": null
}}`,
			Problems: []string{
				"3: unresolved: NoResolved (no resolved version)",
				`4: package Bad: resolved "[1.0, 2.0)" is not a NuGet version, skipped`,
				"5: package NumType: type is a number, not a string",
				`5: package NumType: unknown type ""`,
				"6: package NumResolved: resolved is a number, not a string",
				"6: unresolved: NumResolved (no resolved version)",
				"7: package NotObject is a string, not an object; skipped",
				`8: package Other: unknown type "Something"`,
				`10: target net7.0 is an array, not an object of packages; ignored`,
				`11: target net8.0 is null, not an object of packages; ignored`,
			},
			Pkgs: []string{"NumType@1.0:5", "Other@2.0:8"}},
		{Name: "empty dependencies", In: `{"version": 1, "dependencies": {}}`},
		{Name: "empty", In: "\n", Err: path + ": empty file, not a packages.lock.json"},
		{Name: "no dependencies", In: `{"version": 1}`, Err: path + ":1: not a packages.lock.json: no dependencies"},
		{Name: "dependencies not an object", In: "{\n\"dependencies\": [1]}", Err: path + ":2: not a packages.lock.json: dependencies is an array, not an object"},
		{Name: "array", In: `[{}]`, Err: path + ": not a packages.lock.json: the top level is an array, not an object"},
		{Name: "not JSON", In: "this is not json!", Err: path + ":1: not a packages.lock.json: invalid JSON: invalid character 'h' in literal true (expecting 'r')"},
		{Name: "cut short", In: "{\n\"dependencies\": {\n\"net6.0\": {", Err: path + ":3: not a packages.lock.json: unexpected end of JSON"},
		{Name: "trailing data", In: "{\"dependencies\": {}}\n{}", Err: path + ":2: not a packages.lock.json: data after the top-level object"},
		{Name: "too deep", In: `{"x": ` + strings.Repeat("[", 200) + strings.Repeat("]", 200) + `}`, Err: path + ":1: not a packages.lock.json: nested deeper than 128 levels"},
	})
}

func TestTooLarge(t *testing.T) {
	_, err := Parse(path, strings.NewReader(strings.Repeat(" ", MaxSize+1)))
	if err == nil || err.Error() != fmt.Sprintf("%s: larger than %d bytes, not read", path, MaxSize) {
		t.Errorf("got %v", err)
	}
}

func TestGolden(t *testing.T) {
	dotnettest.Golden(t, Parse, dotnettest.Fixtures(t, "packageslock"))
}

func TestCorpus(t *testing.T) {
	for _, f := range dotnettest.Fixtures(t, "packageslock") {
		t.Run(f.Name, func(t *testing.T) { langtest.Check(t, Parse, path, "nuget", f.Data) })
	}
}

func FuzzParse(f *testing.F) {
	langtest.Seed(f, dotnettest.Fixtures(f, "packageslock"))
	f.Add([]byte(`{"dependencies":{"a":{"b":{"type":"Direct","resolved":"1"},"c":{"type":"Project"},"d":[]},"e":1}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		langtest.Check(t, Parse, path, "nuget", data)
	})
}

func BenchmarkParse(b *testing.B) {
	langtest.Bench(b, Parse, dotnettest.Valid(Parse, dotnettest.Fixtures(b, "packageslock")))
}

// BenchmarkParseLarge measures a lock file of 500 packages in two frameworks (about 300 KB),
// a large solution.
func BenchmarkParseLarge(b *testing.B) {
	var sb strings.Builder
	sb.WriteString(`{"version": 1, "dependencies": {`)
	for fw, name := range []string{"net6.0", "net8.0"} {
		if fw > 0 {
			sb.WriteString(",")
		}
		fmt.Fprintf(&sb, "\n  %q: {", name)
		for i := range 500 {
			if i > 0 {
				sb.WriteString(",")
			}
			fmt.Fprintf(&sb, "\n    \"Package.Number%d\": {\n      \"type\": \"Transitive\",\n      \"resolved\": \"%d.%d.0\",\n      \"contentHash\": \"%064x==\",\n      \"dependencies\": {\"Other.Package\": \"1.0.0\"}\n    }", i, i%9, i, i)
		}
		sb.WriteString("\n  }")
	}
	sb.WriteString("\n}}\n")
	langtest.Bench(b, Parse, []langtest.Fixture{{Name: path, Data: []byte(sb.String())}})
}
