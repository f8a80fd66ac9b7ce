package paketlock

import (
	"fmt"
	"strings"
	"testing"

	"github.com/trawlscan/trawl/plugins/lang/dotnet/internal/dotnettest"
	"github.com/trawlscan/trawl/plugins/lang/internal/langtest"
)

const path = "paket.lock"

func TestParse(t *testing.T) {
	dotnettest.Table(t, Parse, path, []dotnettest.Case{
		{Name: "groups and sections", In: `STORAGE: NONE
RESTRICTION: || (== net6.0) (== netstandard2.0)
NUGET
  remote: https://api.nuget.org/v3/index.json
    FSharp.Core (6.0.7) - content: none
    Newtonsoft.Json (13.0.3) - restriction: >= netstandard2.0
    Serilog (3.1.1-dev-02078)
      System.Memory (>= 4.5.5) - restriction: || (>= net461) (>= netstandard2.0)
    System.Memory (4.5.5)
GITHUB
  remote: fsharp/FAKE
    src/app/FAKE/Cli.fs (0912a4e9f0a2d2a5d9d4da3bb2a0ee4d03a70fac)
HTTP
  remote: http://www.fssnip.net/raw/1M/test1.fs
    test1.fs
GIT
  remote: https://github.com/fsprojects/Paket.git
     (528024723f314aa1011499a122258167b53699f7)

GROUP Build
COPY-LOCAL: FALSE
NUGET
  remote: https://api.nuget.org/v3/index.json
    FAKE (5.20.4)
    newtonsoft.json (13.0.3)
`,
			Pkgs: []string{"FSharp.Core@6.0.7:5", "Newtonsoft.Json@13.0.3:6", "Serilog@3.1.1-dev-02078:7", "System.Memory@4.5.5:9", "FAKE@5.20.4:24"}},
		{Name: "bad lines", In: "NUGET\n  remote: https://u:p@nuget.example.com/\n    NoVersion\n    Bad (x)\n     Five (1.0)\n\tTab\nlower\n<<<<<<< HEAD\n",
			Problems: []string{
				`3: package NoVersion is not "name (version)", skipped`,
				`4: package Bad: "x" is not a NuGet version, skipped`,
				"5: unexpected indentation of 5 spaces in a NUGET section, ignored: Five (1.0)",
				`6: not a section header nor an indented line, ignored: "\tTab"`,
				"7: not a section header nor an indented line, ignored: lower",
				"8: merge conflict marker <<<<<<<: the conflict needs resolving",
			}},
		{Name: "empty", In: ""},
		{Name: "not a lock file", In: "This is not a valid paket.lock file", Err: `paket.lock: not a paket.lock: no NUGET, GITHUB, HTTP, GIT or GROUP section; first line "This is not a valid paket.lock file"`},
	})
}

func TestTooLarge(t *testing.T) {
	_, err := Parse(path, strings.NewReader("NUGET\n"+strings.Repeat("x", MaxSize)))
	if err == nil || err.Error() != fmt.Sprintf("%s: larger than %d bytes, not read", path, MaxSize) {
		t.Errorf("got %v", err)
	}
}

func TestGolden(t *testing.T) {
	dotnettest.Golden(t, Parse, dotnettest.Fixtures(t, "paketlock"))
}

func TestCorpus(t *testing.T) {
	for _, f := range dotnettest.Fixtures(t, "paketlock") {
		t.Run(f.Name, func(t *testing.T) { langtest.Check(t, Parse, path, "nuget", f.Data) })
	}
}

func FuzzParse(f *testing.F) {
	langtest.Seed(f, dotnettest.Fixtures(f, "paketlock"))
	f.Add([]byte("NUGET\n  remote: x\n    A (1.0) - x: y\n      B (>= 1)\nGROUP G\nGITHUB\n    a/b (c)\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		langtest.Check(t, Parse, path, "nuget", data)
	})
}

func BenchmarkParse(b *testing.B) {
	langtest.Bench(b, Parse, dotnettest.Valid(Parse, dotnettest.Fixtures(b, "paketlock")))
}

// BenchmarkParseLarge measures a paket.lock of 500 packages with two dependencies each
// (about 60 KB).
func BenchmarkParseLarge(b *testing.B) {
	var sb strings.Builder
	sb.WriteString("NUGET\n  remote: https://api.nuget.org/v3/index.json\n")
	for i := range 500 {
		fmt.Fprintf(&sb, "    Package.Number%d (%d.%d.0) - restriction: >= netstandard2.0\n", i, i%9, i)
		for j := range 2 {
			fmt.Fprintf(&sb, "      Dependency.Number%d (>= %d.0)\n", j, j)
		}
	}
	langtest.Bench(b, Parse, []langtest.Fixture{{Name: path, Data: []byte(sb.String())}})
}
