package msbuild

import (
	"fmt"
	"strings"
	"testing"

	"github.com/trawlscan/trawl/plugins/lang/dotnet/internal/dotnettest"
	"github.com/trawlscan/trawl/plugins/lang/internal/langtest"
)

const path = "src/App/App.csproj"

func TestParse(t *testing.T) {
	dotnettest.Table(t, Parse, path, []dotnettest.Case{
		{Name: "SDK project", In: `<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <TargetFramework>net8.0</TargetFramework>
    <SerilogVersion>3.1.1</SerilogVersion>
  </PropertyGroup>
  <ItemGroup>
    <PackageReference Include="Serilog" Version="$(SerilogVersion)" />
    <PackageReference Include="Newtonsoft.Json">
      <Version>13.0.3</Version>
      <PrivateAssets>all</PrivateAssets>
    </PackageReference>
    <PackageReference Include="Exact" Version="[1.2.3]" />
    <PackageReference Include="Range" Version="[1.0,2.0)" />
    <PackageReference Include="Floating" Version="1.*" />
    <PackageReference Include="Central" />
    <PackageReference Include="Overridden" VersionOverride="4.0.0" />
    <PackageReference Include="A; B" Version="5.0" />
    <PackageReference Remove="Gone" />
    <ProjectReference Include="../Lib/Lib.csproj" />
    <PackageDownload Include="Microsoft.NETCore.App.Ref" Version="[6.0.0]" />
    <DotNetCliToolReference Include="dotnet-ef" Version="2.0.0" />
  </ItemGroup>
  <ItemGroup Condition="'$(TargetFramework)' == 'net472'">
    <PackageReference Include="System.Memory" Version="4.5.5" />
  </ItemGroup>
  <Target Name="X">
    <ItemGroup><PackageReference Include="InTarget" Version="1.0" /></ItemGroup>
  </Target>
</Project>
`,
			Pkgs: []string{"Serilog@3.1.1:7", "Newtonsoft.Json@13.0.3:8", "Exact@1.2.3:12", "Overridden@4.0.0:16", "A@5.0:17", "B@5.0:17",
				"Microsoft.NETCore.App.Ref@6.0.0:20+dev", "dotnet-ef@2.0.0:21+dev", "System.Memory@4.5.5:24"},
			Problems: []string{
				"13: unresolved: Range [1.0,2.0) (version range)",
				"14: unresolved: Floating 1.* (floating version)",
				"15: unresolved: Central (version managed centrally (Directory.Packages.props))",
			}},
		{Name: "Directory.Packages.props", In: `<Project>
  <PropertyGroup>
    <ManagePackageVersionsCentrally>true</ManagePackageVersionsCentrally>
    <AspNetVersion>8.0.1</AspNetVersion>
  </PropertyGroup>
  <ItemGroup>
    <PackageVersion Include="Microsoft.AspNetCore.Mvc.Testing" Version="$(AspNetVersion)" />
    <PackageVersion Include="xunit" Version="2.6.6" />
    <PackageVersion Include="Moq" Version="[4.18,5)" />
    <GlobalPackageReference Include="Nerdbank.GitVersioning" Version="3.6.133" />
    <PackageReference Include="XUnit" />
    <PackageReference Include="Moq" />
  </ItemGroup>
</Project>`,
			Pkgs: []string{"Microsoft.AspNetCore.Mvc.Testing@8.0.1:7", "xunit@2.6.6:8", "Nerdbank.GitVersioning@3.6.133:10+dev"},
			Problems: []string{
				"9: unresolved: Moq [4.18,5) (version range)",
				"12: unresolved: Moq (version managed centrally (Directory.Packages.props))",
			}},
		{Name: "properties as MSBuild evaluates them", In: `<Project>
  <PropertyGroup>
    <Major>1</Major>
    <V>$(Major).2</V>
    <Major>9</Major>
    <Late>$(Later)</Late>
    <Later>3.0</Later>
    <Cond Condition="'$(X)' == 'y'">1.0</Cond>
    <Fixed Condition="'$(X)' == 'y'">1.0</Fixed>
    <Fixed>2.0</Fixed>
    <Xml><a/>1.0</Xml>
    <Self>$(Self)1</Self>
    <Name>Named.Package</Name>
  </PropertyGroup>
  <PropertyGroup Condition="'$(Configuration)' == 'Debug'">
    <InGroup>1.0</InGroup>
  </PropertyGroup>
  <Choose><When Condition="true"><PropertyGroup><InWhen>1.0</InWhen></PropertyGroup></When></Choose>
  <Target Name="T"><PropertyGroup><Major>7</Major></PropertyGroup></Target>
  <ItemGroup>
    <PackageReference Include="V" Version="$(V)" />
    <PackageReference Include="Late" Version="$(Late)" />
    <PackageReference Include="Cond" Version="$(Cond)" />
    <PackageReference Include="Fixed" Version="$(Fixed)" />
    <PackageReference Include="Xml" Version="$(Xml)" />
    <PackageReference Include="Self" Version="$(Self)" />
    <PackageReference Include="InGroup" Version="$(InGroup)" />
    <PackageReference Include="InWhen" Version="$(InWhen)" />
    <PackageReference Include="Imported" Version="$(FromElsewhere)" />
    <PackageReference Include="Func" Version="$([System.String]::Copy('1.0'))" />
    <PackageReference Include="Meta" Version="%(Identity)" />
    <PackageReference Include="CaseInsensitive" Version="$(major).0" />
    <PackageReference Include="$(Name)" Version="1.0" />
    <PackageReference Include="$(NoName)" Version="1.0" />
    <PackageReference Include="" Version="1.0" />
    <PackageReference Include="**/*.nupkg" Version="1.0" />
    <PackageReference Include="Open" Version="$(V" />
  </ItemGroup>
</Project>`,
			Pkgs: []string{"V@1.2:21", "Fixed@2.0:24", "CaseInsensitive@9.0:32", "Named.Package@1.0:33"},
			Problems: []string{
				"22: unresolved: Late $(Late) (MSBuild property $(Later) is not set in this file)",
				"23: unresolved: Cond $(Cond) (MSBuild property $(Cond) is set under a condition)",
				"25: unresolved: Xml $(Xml) (MSBuild property $(Xml) holds XML)",
				"26: unresolved: Self $(Self) (MSBuild property $(Self) is not set in this file)",
				"27: unresolved: InGroup $(InGroup) (MSBuild property $(InGroup) is set under a condition)",
				"28: unresolved: InWhen $(InWhen) (MSBuild property $(InWhen) is set under a condition)",
				"29: unresolved: Imported $(FromElsewhere) (MSBuild property $(FromElsewhere) is not set in this file)",
				"30: unresolved: Func $([System.String]::Copy('1.0')) (MSBuild property function $([System.String]::Copy('1.0'))",
				"31: unresolved: Meta %(Identity) (MSBuild item or metadata reference %(Identity))",
				"34: PackageReference $(NoName): the package name is not known from this file (MSBuild property $(NoName) is not set in this file); skipped",
				"35: PackageReference without a package name; skipped",
				"36: PackageReference **/*.nupkg is not a package id; skipped",
				"37: unresolved: Open $(V (unclosed MSBuild reference)",
			}},
		{Name: "old-style project", In: "\ufeff<?xml version=\"1.0\" encoding=\"utf-8\"?>\r\n<Project ToolsVersion=\"15.0\" xmlns=\"http://schemas.microsoft.com/developer/msbuild/2003\">\r\n  <ItemGroup>\r\n    <packagereference Include=\"Old.Style\">\r\n      <version>1.0.0</version>\r\n    </packagereference>\r\n  </ItemGroup>\r\n  <ProjectExtensions><VisualStudio><ItemGroup><PackageReference Include=\"Ext\" Version=\"1\"/></ItemGroup></VisualStudio></ProjectExtensions>\r\n</Project>",
			Pkgs: []string{"Old.Style@1.0.0:4"}},
		{Name: "blow-up", In: "<Project><PropertyGroup><A>xxxxxxxxxxxxxxxx</A>" + strings.Repeat("<A>$(A)$(A)</A>", 40) + "</PropertyGroup><ItemGroup><PackageReference Include=\"P\" Version=\"$(A)\"/></ItemGroup></Project>",
			Problems: []string{"1: unresolved: P $(A) (MSBuild property value longer than 4096 bytes)"}},
		{Name: "expansion budget", In: "<Project><PropertyGroup><A>" + strings.Repeat("x", 4000) + "</A>" + strings.Repeat("<B>$(A)</B>", 300) + "</PropertyGroup><ItemGroup><PackageReference Include=\"P\" Version=\"$(B)\"/></ItemGroup></Project>",
			Problems: []string{"1: unresolved: P $(B) (MSBuild properties of this file expand to more than 1048576 bytes)"}},
		{Name: "no packages", In: "<Project Sdk=\"Microsoft.NET.Sdk\"><ItemGroup><Compile Include=\"a.cs\"/></ItemGroup></Project>"},
		{Name: "empty", In: "", Err: path + ": empty file, not an MSBuild project"},
		{Name: "not XML", In: "not\nxml\n", Err: path + ": not an MSBuild project: no XML element"},
		{Name: "other root", In: "<packages/>", Err: path + ":1: not an MSBuild project: the root element is <packages>, not <Project>"},
		{Name: "broken", In: "<Project>\n<ItemGroup>\n</Project>", Err: path + ":3: not an MSBuild project: invalid XML: element <ItemGroup> closed by </Project>"},
	})
}

func TestTooLarge(t *testing.T) {
	in := "<%s>\n" + strings.Repeat("  <!-- padding -->\n", 1000) + "</%s>\n"
	in = fmt.Sprintf(in, "Project", "Project")
	if _, err := parse(path, strings.NewReader(in), int64(len(in))); err != nil {
		t.Errorf("a file of the largest size: %v", err)
	}
	_, err := parse(path, strings.NewReader(in), int64(len(in)/2))
	if err == nil || err.Error() != fmt.Sprintf("%s: larger than %d bytes, not read", path, len(in)/2) {
		t.Errorf("got %v", err)
	}
}

func TestGolden(t *testing.T) {
	dotnettest.Golden(t, Parse, dotnettest.Fixtures(t, "msbuild"))
}

func TestCorpus(t *testing.T) {
	for _, f := range dotnettest.Fixtures(t, "msbuild") {
		t.Run(f.Name, func(t *testing.T) { langtest.Check(t, Parse, path, "nuget", f.Data) })
	}
}

func FuzzParse(f *testing.F) {
	langtest.Seed(f, dotnettest.Fixtures(f, "msbuild"))
	f.Add([]byte(`<Project><PropertyGroup><V>1.0</V><W Condition="x">2</W></PropertyGroup><ItemGroup><PackageReference Include="a;b" Version="$(V)"/><PackageVersion Include="c" Version="[1]"/><PackageReference Include="c"><VersionOverride>$(W)</VersionOverride></PackageReference></ItemGroup></Project>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		langtest.Check(t, Parse, path, "nuget", data)
	})
}

func BenchmarkParse(b *testing.B) {
	langtest.Bench(b, Parse, dotnettest.Valid(Parse, dotnettest.Fixtures(b, "msbuild")))
}

// BenchmarkParseLarge measures a project of 100 package references with properties and
// other items (about 15 KB), a large project file.
func BenchmarkParseLarge(b *testing.B) {
	var sb strings.Builder
	sb.WriteString("<Project Sdk=\"Microsoft.NET.Sdk\">\n  <PropertyGroup>\n    <TargetFramework>net8.0</TargetFramework>\n    <Nullable>enable</Nullable>\n")
	for i := range 20 {
		fmt.Fprintf(&sb, "    <Version%d>%d.0.0</Version%d>\n", i, i, i)
	}
	sb.WriteString("  </PropertyGroup>\n  <ItemGroup>\n")
	for i := range 100 {
		if i%5 == 0 {
			fmt.Fprintf(&sb, "    <PackageReference Include=\"Package.Number%d\" Version=\"$(Version%d)\" />\n", i, i%20)
		} else {
			fmt.Fprintf(&sb, "    <PackageReference Include=\"Package.Number%d\" Version=\"%d.%d.0\" />\n", i, i%9, i)
		}
		fmt.Fprintf(&sb, "    <Compile Include=\"Source%d.cs\" />\n", i)
	}
	sb.WriteString("  </ItemGroup>\n</Project>\n")
	langtest.Bench(b, Parse, []langtest.Fixture{{Name: path, Data: []byte(sb.String())}})
}
