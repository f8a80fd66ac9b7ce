package packagesconfig

import (
	"fmt"
	"strings"
	"testing"

	"github.com/trawlscan/trawl/plugins/lang/dotnet/internal/dotnettest"
	"github.com/trawlscan/trawl/plugins/lang/internal/langtest"
)

const path = "src/App/packages.config"

func TestParse(t *testing.T) {
	dotnettest.Table(t, Parse, path, []dotnettest.Case{
		{Name: "packages", In: `<?xml version="1.0" encoding="utf-8"?>
<packages>
  <package id="Newtonsoft.Json" version="12.0.3" targetFramework="net472" />
  <package id="StyleCop.Analyzers" version="1.1.118" targetFramework="net472" developmentDependency="true" />
  <package
      id="Multi.Line"
      version="2.0.0-beta.1" allowedVersions="[2,3)" developmentDependency="False" />
  <package id="newtonsoft.json" version="12.0.3" />
  <package id="Exact" version="[1.0.0]" />
</packages>
`,
			Pkgs: []string{"Newtonsoft.Json@12.0.3:3", "StyleCop.Analyzers@1.1.118:4+dev", "Multi.Line@2.0.0-beta.1:5", "Exact@1.0.0:9"}},
		{Name: "odd entries", In: "<packages>\n<package version=\"1.0\"/>\n<package id=\"NoVersion\"/>\n<package id=\"Range\" version=\"[1,2)\"/>\n<package id=\"Empty\" version=\"\"/>\n<other id=\"x\" version=\"1\"/>\n<package id=\"Nested\" version=\"1.0\"><package id=\"Inner\" version=\"2.0\"/></package>\n</packages>\n<after/>",
			Pkgs: []string{"Nested@1.0:7"},
			Problems: []string{
				"2: <package> without an id, skipped",
				"3: unresolved: NoVersion (no version)",
				"4: unresolved: Range [1,2) (version range)",
				"5: unresolved: Empty (empty version)",
			}},
		{Name: "BOM and namespace", In: "\ufeff<?xml version=\"1.0\"?>\n<packages xmlns=\"urn:x\"><package id=\"A\" version=\"1.0\"/></packages>", Pkgs: []string{"A@1.0:2"}},
		{Name: "latin1", In: "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n<!-- caf\xe9 -->\n<packages><package id=\"A\" version=\"1.0\"/></packages>", Pkgs: []string{"A@1.0:3"}},
		{Name: "empty packages", In: "<packages/>"},
		{Name: "empty", In: " \n", Err: path + ": empty file, not a packages.config"},
		{Name: "not XML", In: "not\nxml\n", Err: path + ": not a packages.config: no XML element"},
		{Name: "other root", In: "<Project>\n</Project>", Err: path + ":1: not a packages.config: the root element is <Project>, not <packages>"},
		{Name: "broken", In: "<packages>\n<package id=\"A\" version=\"1\">\n</packages>", Err: path + ":3: not a packages.config: invalid XML: element <package> closed by </packages>"},
		{Name: "cut short", In: "<packages>\n<package id=\"A\" version=\"1\"/>\n", Err: path + ":3: not a packages.config: invalid XML: unexpected EOF"},
		{Name: "UTF-16", In: "<?xml version=\"1.0\" encoding=\"utf-16\"?><packages/>", Err: path + ":1: not a packages.config: xml: opening charset \"utf-16\": not supported"},
	})
}

func TestTooLarge(t *testing.T) {
	in := "<%s>\n" + strings.Repeat("  <!-- padding -->\n", 1000) + "</%s>\n"
	in = fmt.Sprintf(in, "packages", "packages")
	if _, err := parse(path, strings.NewReader(in), int64(len(in))); err != nil {
		t.Errorf("a file of the largest size: %v", err)
	}
	_, err := parse(path, strings.NewReader(in), int64(len(in)/2))
	if err == nil || err.Error() != fmt.Sprintf("%s: larger than %d bytes, not read", path, len(in)/2) {
		t.Errorf("got %v", err)
	}
}

func TestGolden(t *testing.T) {
	dotnettest.Golden(t, Parse, dotnettest.Fixtures(t, "packagesconfig"))
}

func TestCorpus(t *testing.T) {
	for _, f := range dotnettest.Fixtures(t, "packagesconfig") {
		t.Run(f.Name, func(t *testing.T) { langtest.Check(t, Parse, path, "nuget", f.Data) })
	}
}

func FuzzParse(f *testing.F) {
	langtest.Seed(f, dotnettest.Fixtures(f, "packagesconfig"))
	f.Add([]byte(`<packages><package id="a" version="1" developmentDependency="true"/><package id="b"/><x/></packages>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		langtest.Check(t, Parse, path, "nuget", data)
	})
}

func BenchmarkParse(b *testing.B) {
	langtest.Bench(b, Parse, dotnettest.Valid(Parse, dotnettest.Fixtures(b, "packagesconfig")))
}

// BenchmarkParseLarge measures a packages.config of 300 packages (about 30 KB), a large
// .NET Framework application.
func BenchmarkParseLarge(b *testing.B) {
	var sb strings.Builder
	sb.WriteString("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<packages>\n")
	for i := range 300 {
		fmt.Fprintf(&sb, "  <package id=\"Package.Number%d\" version=\"%d.%d.0\" targetFramework=\"net472\" />\n", i, i%9, i)
	}
	sb.WriteString("</packages>\n")
	langtest.Bench(b, Parse, []langtest.Fixture{{Name: path, Data: []byte(sb.String())}})
}
