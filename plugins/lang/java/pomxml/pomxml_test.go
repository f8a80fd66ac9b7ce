package pomxml

import (
	"fmt"
	"strings"
	"testing"

	"github.com/trawlscan/trawl/plugins/lang/internal/langtest"
	"github.com/trawlscan/trawl/plugins/lang/java/internal/javatest"
)

const path = "pom.xml"

// dirs are the corpus directories of POMs (lockfiles/maven).
var dirs = []string{"osv-scanner-v1-maven", "scalibr-pomxml"}

func deps(s string) string { return "<dependencies>" + s + "</dependencies>" }

func TestParse(t *testing.T) {
	for _, tt := range []struct {
		name, in       string
		pkgs, problems []string
		err            string
	}{
		{name: "properties, built-ins, scopes", in: `<?xml version="1.0"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <parent><groupId>org.p</groupId><artifactId>parent</artifactId><version>7</version></parent>
  <artifactId>self</artifactId>
  <properties>
    <a.version>1.${minor}</a.version>
    <minor>2</minor>
    <g>org.example</g>
  </properties>
  <dependencies>
    <dependency><groupId>${g}</groupId><artifactId>a</artifactId><version>${a.version}</version></dependency>
    <dependency><groupId>${project.groupId}</groupId><artifactId>sibling</artifactId><version>${project.version}</version></dependency>
    <dependency><groupId>org.p</groupId><artifactId>other</artifactId><version>${project.parent.version}</version><scope>test</scope></dependency>
    <dependency>
      <groupId>org.x</groupId>
      <artifactId>x</artifactId>
      <version>${version}</version>
      <scope>provided</scope>
      <exclusions><exclusion><groupId>org.y</groupId><artifactId>y</artifactId></exclusion></exclusions>
    </dependency>
  </dependencies>
</project>`,
			pkgs: []string{"org.example:a@1.2:11", "org.p:sibling@7:12", "org.p:other@7:13+dev", "org.x:x@7:14"}},
		{name: "unresolved", in: `<project>
  <parent><groupId>org.p</groupId><artifactId>parent</artifactId><version>7</version></parent>
  <properties><loop>${loop}</loop><range>[1.0,2.0)</range><a>${b}</a><b>${a}</b></properties>
  <dependencies>
    <dependency><groupId>g</groupId><artifactId>from-parent</artifactId><version>${parent.prop}</version></dependency>
    <dependency><groupId>g</groupId><artifactId>managed-by-parent</artifactId></dependency>
    <dependency><groupId>g</groupId><artifactId>range</artifactId><version>${range}</version></dependency>
    <dependency><groupId>g</groupId><artifactId>literal-range</artifactId><version>(,1.0]</version></dependency>
    <dependency><groupId>g</groupId><artifactId>loop</artifactId><version>${loop}</version></dependency>
    <dependency><groupId>g</groupId><artifactId>cycle</artifactId><version>${a}</version></dependency>
    <dependency><groupId>g</groupId><artifactId>env</artifactId><version>${env.V}</version></dependency>
    <dependency><groupId>g</groupId><artifactId>latest</artifactId><version>LATEST</version></dependency>
    <dependency><groupId>${nope}</groupId><artifactId>a</artifactId><version>1</version></dependency>
    <dependency><groupId>g</groupId><artifactId>spaced</artifactId><version>1 2</version></dependency>
    <dependency><groupId>bad group</groupId><artifactId>a</artifactId><version>1</version></dependency>
    <dependency><artifactId>no-group</artifactId><version>1</version></dependency>
    <dependency><groupId>g</groupId><version>1</version></dependency>
  </dependencies>
</project>`,
			problems: []string{
				`5: unresolved: g:from-parent:${parent.prop} (property parent.prop from parent org.p:parent:7, not in this file)`,
				`6: unresolved: g:managed-by-parent (version from parent org.p:parent:7, not in this file)`,
				`7: unresolved: g:range:${range} (version range [1.0,2.0))`,
				`8: unresolved: g:literal-range:(,1.0] (version range (,1.0])`,
				`9: unresolved: g:loop:${loop} (property loop refers to itself)`,
				`10: unresolved: g:cycle:${a} (property a refers to itself)`,
				`11: unresolved: g:env:${env.V} (env.V comes from the environment of the build)`,
				`12: unresolved: g:latest:LATEST (meta-version LATEST)`,
				`13: unresolved: ${nope}:a:1 (property nope from parent org.p:parent:7, not in this file)`,
				`14: unresolved: g:spaced:1 2 (not a version: "1 2")`,
				`15: dependency bad group:a: not a valid groupId:artifactId, skipped`,
				`16: dependency :no-group:1 without a groupId, skipped`,
				`17: dependency g::1 without an artifactId, skipped`,
			}},
		{name: "dependencyManagement", in: `<project>
  <dependencyManagement>
    <dependencies>
      <dependency><groupId>m</groupId><artifactId>a</artifactId><version>1.0</version><scope>test</scope></dependency>
      <dependency><groupId>m</groupId><artifactId>b</artifactId><version>2.0</version></dependency>
      <dependency><groupId>m</groupId><artifactId>b</artifactId><version>2.1</version></dependency>
      <dependency><groupId>m</groupId><artifactId>c</artifactId><version>3.0</version><type>test-jar</type></dependency>
      <dependency><groupId>m</groupId><artifactId>nov</artifactId></dependency>
      <dependency><groupId>org.springframework.boot</groupId><artifactId>spring-boot-dependencies</artifactId><version>2.7.0</version><type>pom</type><scope>import</scope></dependency>
    </dependencies>
  </dependencyManagement>
  <dependencies>
    <dependency><groupId>m</groupId><artifactId>a</artifactId></dependency>
    <dependency><groupId>m</groupId><artifactId>b</artifactId><scope>compile</scope></dependency>
    <dependency><groupId>m</groupId><artifactId>c</artifactId></dependency>
    <dependency><groupId>m</groupId><artifactId>c</artifactId><type>test-jar</type><scope>test</scope></dependency>
    <dependency><groupId>m</groupId><artifactId>nov</artifactId></dependency>
    <dependency><groupId>m</groupId><artifactId>explicit</artifactId><version>9</version></dependency>
    <dependency><groupId>org.springframework.boot</groupId><artifactId>spring-boot-dependencies</artifactId></dependency>
  </dependencies>
</project>`,
			pkgs: []string{"m:a@1.0:13+dev", "m:b@2.1:14", "m:c@3.0:16+dev", "m:explicit@9:18"},
			problems: []string{
				`15: unresolved: m:c (version from imported BOM org.springframework.boot:spring-boot-dependencies:2.7.0, not in this file)`,
				`17: unresolved: m:nov (the dependencyManagement entry at line 8 has no version)`,
				`19: unresolved: org.springframework.boot:spring-boot-dependencies (version from imported BOM org.springframework.boot:spring-boot-dependencies:2.7.0, not in this file)`,
			}},
		{name: "duplicates: the last wins", in: `<project><dependencies>
<dependency><groupId>a</groupId><artifactId>b</artifactId><version>1</version></dependency>
<dependency><groupId>a</groupId><artifactId>b</artifactId><version>2</version></dependency>
<dependency><groupId>a</groupId><artifactId>b</artifactId><version>3</version><classifier>tests</classifier></dependency>
</dependencies></project>`,
			pkgs:     []string{"a:b@2:3", "a:b@3:4"},
			problems: []string{"2: dependency a:b is declared again at line 3; Maven uses the last declaration"}},
		{name: "profiles", in: `<project>
  <properties><v>1</v></properties>
  <dependencies><dependency><groupId>a</groupId><artifactId>b</artifactId><version>${v}</version></dependency></dependencies>
  <profiles>
    <profile>
      <id>default</id>
      <activation><activeByDefault>true</activeByDefault></activation>
      <properties><v>2</v></properties>
      <dependencies><dependency><groupId>a</groupId><artifactId>c</artifactId><version>${v}</version></dependency></dependencies>
    </profile>
    <profile>
      <id>jdk8</id>
      <activation><jdk>1.8</jdk></activation>
      <dependencies><dependency><groupId>a</groupId><artifactId>d</artifactId><version>1</version></dependency></dependencies>
    </profile>
  </profiles>
</project>`,
			pkgs:     []string{"a:b@2:3", "a:c@2:9"},
			problems: []string{"11: profile jdk8 is not active by default: its 1 dependencies are not reported"}},
		{name: "build plugins and their dependencies are not read", in: `<project><build><plugins><plugin>
<groupId>org.apache.maven.plugins</groupId><artifactId>maven-shade-plugin</artifactId><version>3.4.1</version>
<dependencies><dependency><groupId>a</groupId><artifactId>b</artifactId><version>1</version></dependency></dependencies>
</plugin></plugins></build></project>`},
		{name: "minified, CDATA, comments, entities", in: `<project><dependencies><dependency><!-- c --><groupId><![CDATA[a]]></groupId><artifactId>b&#45;c</artifactId><version>
  1.0
</version></dependency></dependencies></project>`,
			pkgs: []string{"a:b-c@1.0:1"}},
		{name: "HTML character entities, as Maven's reader", in: "<project><description>&copy; 2020&nbsp;&lt;x&gt;</description>" + deps("<dependency><groupId>a</groupId><artifactId>b</artifactId><version>1</version></dependency>") + "</project>",
			pkgs: []string{"a:b@1:1"}},
		{name: "windows-1252", in: "<?xml version=\"1.0\" encoding=\"windows-1252\"?><project><name>\x80\x81</name>" + deps("<dependency><groupId>a</groupId><artifactId>b</artifactId><version>1</version></dependency>") + "</project>",
			pkgs: []string{"a:b@1:1"}},
		{name: "ISO-8859-1", in: "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><project><name>caf\xe9</name>" + deps("<dependency><groupId>a</groupId><artifactId>b</artifactId><version>1</version></dependency>") + "</project>",
			pkgs: []string{"a:b@1:1"}},
		{name: "UTF-8 BOM", in: "\ufeff<project>" + deps("<dependency><groupId>a</groupId><artifactId>b</artifactId><version>1</version></dependency>") + "</project>",
			pkgs: []string{"a:b@1:1"}},
		{name: "namespaces", in: `<p:project xmlns:p="http://maven.apache.org/POM/4.0.0"><p:dependencies><p:dependency><p:groupId>a</p:groupId><p:artifactId>b</p:artifactId><p:version>1</p:version></p:dependency></p:dependencies></p:project>`,
			pkgs: []string{"a:b@1:1"}},
		{name: "entity expansion is refused", in: `<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
<project><properties><v>&lol1;</v></properties></project>`,
			err: "pom.xml:3: not a pom.xml: invalid XML: invalid character entity &lol1;"},
		{name: "exponential properties stop at bounds", in: `<project><properties>` + doubling(40) + `</properties>` +
			deps(`<dependency><groupId>a</groupId><artifactId>b</artifactId><version>${p40}</version></dependency>
<dependency><groupId>a</groupId><artifactId>c</artifactId><version>${p13}</version></dependency>`) + `</project>`,
			problems: []string{
				"1: unresolved: a:b:${p40} (properties nested deeper than 16)",
				"2: unresolved: a:c:${p13} (longer than 4096 bytes once its properties are resolved)",
			}},
		{name: "deep nesting", in: "<project>" + strings.Repeat("<a>", 300) + strings.Repeat("</a>", 300) + "</project>",
			err: "pom.xml:1: not a pom.xml: invalid XML: elements nested deeper than 256"},
		{name: "empty", in: " \n\t", err: "pom.xml: empty file, not a pom.xml"},
		{name: "text", in: "this is not a pom.xml file!", err: "pom.xml: not a pom.xml: no XML element"},
		{name: "other document", in: "<settings/>", err: "pom.xml:1: not a pom.xml: the document element is <settings>, not <project>"},
		{name: "two documents", in: "<project/>\n<project/>", err: "pom.xml:2: not a pom.xml: invalid XML: more than one document element"},
		{name: "cut short", in: "<project>\n<dependencies>", err: "pom.xml:2: not a pom.xml: invalid XML: unexpected end of the document"},
		{name: "unknown encoding", in: `<?xml version="1.0" encoding="EBCDIC"?><project/>`, err: `pom.xml:1: not a pom.xml: opening charset "EBCDIC": not supported`},
		{name: "empty project", in: "<project/>"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res, err := Parse(path, strings.NewReader(tt.in))
			if tt.err != "" {
				if err == nil || err.Error() != tt.err {
					t.Fatalf("err = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			pkgs, problems := javatest.Compact(path, res)
			if strings.Join(pkgs, " ") != strings.Join(tt.pkgs, " ") {
				t.Errorf("packages:\n got %q\nwant %q", pkgs, tt.pkgs)
			}
			if strings.Join(problems, "\n") != strings.Join(tt.problems, "\n") {
				t.Errorf("problems:\n got %q\nwant %q", problems, tt.problems)
			}
		})
	}
}

// doubling defines properties p0..pn, each twice the one before.
func doubling(n int) string {
	var sb strings.Builder
	sb.WriteString("<p0>x</p0>")
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&sb, "<p%d>${p%d}${p%d}</p%d>", i, i-1, i-1, i)
	}
	return sb.String()
}

func TestTooLarge(t *testing.T) {
	in := "<project>" + strings.Repeat(" ", MaxSize) + "</project>"
	_, err := Parse(path, strings.NewReader(in))
	if err == nil || err.Error() != fmt.Sprintf("%s: larger than %d bytes, not read", path, MaxSize) {
		t.Errorf("got %v", err)
	}
}

// TestGolden runs every POM of the corpus; the goldens were written with -update and
// checked by hand against the fixtures.
func TestGolden(t *testing.T) {
	fx := javatest.Corpus(t, dirs...)
	if len(fx) != 28 {
		t.Fatalf("%d fixtures, want 28", len(fx))
	}
	javatest.CheckGolden(t, Parse, "maven", fx)
}

func FuzzParse(f *testing.F) {
	langtest.Seed(f, javatest.Corpus(f, dirs...))
	f.Fuzz(func(t *testing.T, data []byte) {
		langtest.Check(t, Parse, path, "maven", data)
	})
}

func BenchmarkParse(b *testing.B) {
	var ok []langtest.Fixture
	for _, f := range javatest.Corpus(b, dirs...) {
		if _, err := Parse(f.Name, strings.NewReader(string(f.Data))); err == nil {
			ok = append(ok, f)
		}
	}
	langtest.Bench(b, Parse, ok)
}

// BenchmarkParseLarge measures a POM of 300 dependencies with properties and a
// dependencyManagement of 300 entries (about 150 kB), a large application.
func BenchmarkParseLarge(b *testing.B) {
	var sb strings.Builder
	sb.WriteString("<project>\n  <properties>\n")
	for i := range 300 {
		fmt.Fprintf(&sb, "    <lib%d.version>%d.%d.0</lib%d.version>\n", i, i, i%7, i)
	}
	sb.WriteString("  </properties>\n  <dependencyManagement>\n    <dependencies>\n")
	for i := range 300 {
		fmt.Fprintf(&sb, "      <dependency>\n        <groupId>org.lib%d</groupId>\n        <artifactId>lib%d</artifactId>\n        <version>${lib%d.version}</version>\n      </dependency>\n", i, i, i)
	}
	sb.WriteString("    </dependencies>\n  </dependencyManagement>\n  <dependencies>\n")
	for i := range 300 {
		fmt.Fprintf(&sb, "    <dependency>\n      <groupId>org.lib%d</groupId>\n      <artifactId>lib%d</artifactId>\n    </dependency>\n", i, i)
	}
	sb.WriteString("  </dependencies>\n</project>\n")
	langtest.Bench(b, Parse, []langtest.Fixture{{Name: path, Data: []byte(sb.String())}})
}
