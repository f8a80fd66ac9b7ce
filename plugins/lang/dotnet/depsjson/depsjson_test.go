package depsjson

import (
	"fmt"
	"strings"
	"testing"

	"github.com/trawlscan/trawl/plugins/lang/dotnet/internal/dotnettest"
	"github.com/trawlscan/trawl/plugins/lang/internal/langtest"
)

const path = "app/MyApp.deps.json"

// selfContained is the shape of the deps.json of a self-contained application published
// for linux-x64, cut down.
const selfContained = `{
  "runtimeTarget": {
    "name": ".NETCoreApp,Version=v8.0/linux-x64",
    "signature": ""
  },
  "compilationOptions": {},
  "targets": {
    ".NETCoreApp,Version=v8.0": {},
    ".NETCoreApp,Version=v8.0/linux-x64": {
      "MyApp/1.0.0": {
        "dependencies": {
          "Serilog": "3.1.1",
          "MyLib": "1.0.0",
          "Microsoft.NET.ILLink.Tasks": "8.0.4"
        },
        "runtime": {"MyApp.dll": {}}
      },
      "runtimepack.Microsoft.NETCore.App.Runtime.linux-x64/8.0.4": {
        "runtime": {"System.Private.CoreLib.dll": {"assemblyVersion": "8.0.0.0", "fileVersion": "8.0.424.16909"}},
        "native": {"libcoreclr.so": {"fileVersion": "0.0.0.0"}}
      },
      "Serilog/3.1.1": {"runtime": {"lib/net7.0/Serilog.dll": {}}},
      "MyLib/1.0.0": {"dependencies": {"System.Text.Json": "8.0.0"}, "runtime": {"MyLib.dll": {}}},
      "System.Text.Json/8.0.0": {"runtime": {}}
    }
  },
  "libraries": {
    "MyApp/1.0.0": {"type": "project", "serviceable": false, "sha512": ""},
    "runtimepack.Microsoft.NETCore.App.Runtime.linux-x64/8.0.4": {"type": "runtimepack", "serviceable": false, "sha512": ""},
    "Serilog/3.1.1": {
      "type": "package",
      "serviceable": true,
      "sha512": "sha512-x",
      "path": "serilog/3.1.1",
      "hashPath": "serilog.3.1.1.nupkg.sha512"
    },
    "MyLib/1.0.0": {"type": "project", "serviceable": false, "sha512": ""},
    "System.Text.Json/8.0.0": {"type": "package", "serviceable": true, "sha512": "sha512-y"},
    "Legacy.Assembly/1.0.0.0": {"type": "reference", "serviceable": false, "sha512": ""}
  }
}`

func TestParse(t *testing.T) {
	dotnettest.Table(t, Parse, path, []dotnettest.Case{
		{Name: "self-contained", In: selfContained,
			Pkgs: []string{"Microsoft.NETCore.App.Runtime.linux-x64@8.0.4:29", "Serilog@3.1.1:30", "System.Text.Json@8.0.0:38"}},
		{Name: "no targets says nothing", In: `{"libraries": {"A/1.0": {"type": "package"}, "B/2.0": {"type": "package"}}}`,
			Pkgs: []string{"A@1.0:1", "B@2.0:1"}},
		{Name: "odd libraries", In: `{"targets": {"x": [], "y": {"P/1": {"dependencies": {"A": "1.0"}}}}, "libraries": {
"P/1": {"type": "project"},
"NoVersion": {"type": "package"},
"A/1.0": {"type": "package"},
"Bad/x.y": {"type": "package"},
"Unknown/1.0": {"type": "msbuildproject"},
"NoType/1.0": {},
"NumType/1.0": {"type": 5},
"NotObject/1.0": "package",
"a/1.0": {"type": "package"}
}}`,
			Pkgs: []string{"A@1.0:4"},
			Problems: []string{
				"1: target x is an array, not an object; ignored",
				"8: library NumType/1.0: type is a number, not a string",
				"9: library NotObject/1.0 is a string, not an object; skipped",
				`3: library NoVersion is not "name/version", skipped`,
				`5: library Bad: "x.y" is not a NuGet version, skipped`,
				`6: library Unknown/1.0 has type "msbuildproject", not a package; skipped`,
				`7: library NoType/1.0 has type "", not a package; skipped`,
				`8: library NumType/1.0 has type "", not a package; skipped`,
			}},
		{Name: "empty libraries", In: `{"libraries": {}}`},
		{Name: "empty", In: "", Err: path + ": empty file, not a deps.json"},
		{Name: "empty object", In: "{}", Err: path + ":1: not a deps.json: no libraries"},
		{Name: "libraries not an object", In: `{"libraries": 1}`, Err: path + ":1: not a deps.json: libraries is a number, not an object"},
		{Name: "not JSON", In: "not\njson", Err: path + ":1: not a deps.json: invalid JSON: invalid character 'o' in literal null (expecting 'u')"},
	})
}

func TestTooLarge(t *testing.T) {
	_, err := Parse(path, strings.NewReader(strings.Repeat(" ", MaxSize+1)))
	if err == nil || err.Error() != fmt.Sprintf("%s: larger than %d bytes, not read", path, MaxSize) {
		t.Errorf("got %v", err)
	}
}

func TestGolden(t *testing.T) {
	dotnettest.Golden(t, Parse, dotnettest.Fixtures(t, "depsjson"))
}

func TestCorpus(t *testing.T) {
	for _, f := range dotnettest.Fixtures(t, "depsjson") {
		t.Run(f.Name, func(t *testing.T) { langtest.Check(t, Parse, path, "nuget", f.Data) })
	}
}

func FuzzParse(f *testing.F) {
	langtest.Seed(f, dotnettest.Fixtures(f, "depsjson"))
	f.Add([]byte(selfContained))
	f.Fuzz(func(t *testing.T, data []byte) {
		langtest.Check(t, Parse, path, "nuget", data)
	})
}

func BenchmarkParse(b *testing.B) {
	langtest.Bench(b, Parse, dotnettest.Valid(Parse, dotnettest.Fixtures(b, "depsjson")))
}

// BenchmarkParseLarge measures a deps.json of 300 packages (about 200 KB), a large
// ASP.NET Core application.
func BenchmarkParseLarge(b *testing.B) {
	var targets, libs strings.Builder
	targets.WriteString(`"App/1.0.0": {"dependencies": {"Package.Number0": "0.0.0"}, "runtime": {"App.dll": {}}}`)
	libs.WriteString(`"App/1.0.0": {"type": "project", "serviceable": false, "sha512": ""}`)
	for i := range 300 {
		fmt.Fprintf(&targets, ",\n      \"Package.Number%d/%d.%d.0\": {\n        \"dependencies\": {\"Package.Number%d\": \"1.0.0\"},\n        \"runtime\": {\"lib/net8.0/Package.Number%d.dll\": {\"assemblyVersion\": \"1.0.0.0\", \"fileVersion\": \"1.0.0.0\"}}\n      }", i, i%9, i, i+1, i)
		fmt.Fprintf(&libs, ",\n    \"Package.Number%d/%d.%d.0\": {\n      \"type\": \"package\",\n      \"serviceable\": true,\n      \"sha512\": \"sha512-%0128x==\",\n      \"path\": \"package.number%d/%d.%d.0\",\n      \"hashPath\": \"package.number%d.%d.%d.0.nupkg.sha512\"\n    }", i, i%9, i, i, i, i%9, i, i, i%9, i)
	}
	data := `{"runtimeTarget": {"name": ".NETCoreApp,Version=v8.0"}, "targets": {".NETCoreApp,Version=v8.0": {` + targets.String() + "}}, \"libraries\": {" + libs.String() + "}}\n"
	langtest.Bench(b, Parse, []langtest.Fixture{{Name: path, Data: []byte(data)}})
}
