package pomxml

import (
	"fmt"
	"io"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/trawlscan/trawl/internal/corpustest"
	"github.com/trawlscan/trawl/plugins/lang/internal/collect"
	"github.com/trawlscan/trawl/plugins/lang/internal/langtest"
)

// summarize renders an answer as "name@version:line" (+dev) lines and problems.
func summarize(a Answer) (pkgs, problems []string) {
	if a.Err != nil {
		return nil, []string{"error: " + a.Err.Error()}
	}
	for _, p := range a.Result.Packages {
		s := fmt.Sprintf("%s@%s:%d", p.Name, p.Version, p.Locations[0].Line)
		if p.Dev {
			s += "+dev"
		}
		pkgs = append(pkgs, s)
	}
	for _, p := range a.Result.Problems {
		problems = append(problems, p.Error())
	}
	return pkgs, problems
}

func readTree(t testing.TB, root string) []File {
	var files []File
	for _, fx := range langtest.Walk(t, root, ".") {
		files = append(files, File{Path: fx.Name, Data: fx.Data})
	}
	return files
}

// TestProject: a multi-module project (testdata/project) whose versions come from its
// parent: properties and dependencyManagement inherited and resolved in the child's
// context, a CI-friendly ${revision}, a BOM of the tree imported by the parent, a parent
// found by its coordinates when its relativePath leads nowhere, and a grandparent outside
// the tree.
func TestProject(t *testing.T) {
	answers := ParseProject(readTree(t, "testdata/project"))
	want := map[string]struct{ pkgs, problems []string }{
		"pom.xml":     {pkgs: []string{"org.slf4j:slf4j-api@1.7.30:53"}},
		"bom/pom.xml": {},
		"lib/pom.xml": {pkgs: []string{"com.fasterxml.jackson.core:jackson-databind@2.10.0:15", "junit:junit@4.12:19+dev"}},
		"app/pom.xml": {
			pkgs: []string{
				"com.example:example-lib@1.4.0:11", "com.fasterxml.jackson.core:jackson-databind@2.9.8:16",
				"com.google.guava:guava@30.0-jre:20", "org.apache.logging.log4j:log4j-core@2.14.1:24",
			},
			problems: []string{"app/pom.xml:28: unresolved: org.springframework.boot:spring-boot-starter-web (version from parent org.springframework.boot:spring-boot-starter-parent:2.5.0, not in this file or its parent POMs in the tree)"},
		},
		"tools/pom.xml": {pkgs: []string{"junit:junit@4.12:12+dev", "com.example:example-app@1.4.0:16"}},
	}
	if len(answers) != len(want) {
		t.Fatalf("%d answers, want %d", len(answers), len(want))
	}
	for _, a := range answers {
		pkgs, problems := summarize(a)
		w := want[a.Path]
		if !slices.Equal(pkgs, w.pkgs) || !slices.Equal(problems, w.problems) {
			t.Errorf("%s:\n got %q\n     %q\nwant %q\n     %q", a.Path, pkgs, problems, w.pkgs, w.problems)
		}
	}
}

// TestProjectAlone: a POM alone in its batch answers as Parse does.
func TestProjectAlone(t *testing.T) {
	for _, fx := range langtest.CorpusOf(t, "maven", MaxSize, dirs...) {
		a := ParseProject([]File{{Path: path, Data: fx.Data}})[0]
		want := langtest.Run(Parse, path, fx.Data)
		got := langtest.Run(func(string, io.Reader) (*collect.Result, error) { return a.Result, a.Err }, path, nil)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: alone in a batch %+v, by Parse %+v", fx.Name, got, want)
		}
	}
}

// TestProjectHostile: parents that form a cycle, a POM that is its own parent, BOMs that
// import each other, and a long chain end, and each file still answers.
func TestProjectHostile(t *testing.T) {
	pom := func(a, parent, body string) string {
		p := ""
		if parent != "" {
			p = `<parent><groupId>g</groupId><artifactId>` + parent + `</artifactId><version>1</version></parent>`
		}
		return `<project>` + p + `<groupId>g</groupId><artifactId>` + a + `</artifactId><version>1</version>` + body + `</project>`
	}
	imp := func(a string) string {
		return `<dependencyManagement><dependencies><dependency><groupId>g</groupId><artifactId>` + a + `</artifactId><version>1</version><type>pom</type><scope>import</scope></dependency></dependencies></dependencyManagement>`
	}
	dep := `<dependencies><dependency><groupId>x</groupId><artifactId>y</artifactId></dependency></dependencies>`
	files := []File{
		{Path: "a/pom.xml", Data: []byte(pom("a", "b", dep))},
		{Path: "b/pom.xml", Data: []byte(pom("b", "a", ""))},
		{Path: "self/pom.xml", Data: []byte(pom("self", "self", dep))},
		{Path: "c/pom.xml", Data: []byte(pom("c", "", imp("d")+dep))},
		{Path: "d/pom.xml", Data: []byte(pom("d", "", imp("c")))},
		{Path: "broken/pom.xml", Data: []byte(`<project><dependencies>`)},
	}
	for i := 0; i < 100; i++ {
		files = append(files, File{Path: fmt.Sprintf("chain/%d/pom.xml", i), Data: []byte(pom(fmt.Sprint(i), fmt.Sprint(i+1), dep))})
	}
	answers := ParseProject(files)
	for _, a := range answers {
		if a.Path == "broken/pom.xml" {
			if a.Err == nil {
				t.Errorf("broken: no error")
			}
			continue
		}
		if a.Err != nil {
			t.Errorf("%s: %v", a.Path, a.Err)
		}
	}
	_, problems := summarize(answers[0])
	if len(problems) != 1 || !strings.Contains(problems[0], "version from parent g:a:1") {
		t.Errorf("cycle: %q", problems)
	}
}

// TestProjectCorpus: the corpus's scalibr POMs as one tree: with-parent.xml finds
// parent/pom.xml by its relativePath, whose own parent is not there.
func TestProjectCorpus(t *testing.T) {
	root := corpustest.Path(t, "lockfiles", "maven", "scalibr-pomxml")
	files := readTree(t, root)
	for _, a := range ParseProject(files) {
		if a.Path != "with-parent.xml" {
			continue
		}
		pkgs, problems := summarize(a)
		wantPkgs := []string{"org.alice:alice@1.0.0:18", "org.bob:bob@2.0.0:23", "org.chuck:chuck@3.0.0:28"}
		wantProblems := []string{"with-parent.xml:32: unresolved: org.frank:frank (version from parent org.upstream:parent-pom:1.0 or imported BOM org.import:import:1.2.3, not in this file or its parent POMs in the tree)"}
		if !slices.Equal(pkgs, wantPkgs) || !slices.Equal(problems, wantProblems) {
			t.Errorf("with-parent.xml: %q %q", pkgs, problems)
		}
		return
	}
	t.Fatal("with-parent.xml not in the corpus")
}

func FuzzProject(f *testing.F) {
	files := readTree(f, "testdata/project")
	f.Add(files[0].Data, files[1].Data, files[2].Data)
	f.Fuzz(func(t *testing.T, a, b, c []byte) {
		answers := ParseProject([]File{{Path: "pom.xml", Data: a}, {Path: "sub/pom.xml", Data: b}, {Path: "sub/x/pom.xml", Data: c}})
		if len(answers) != 3 {
			t.Fatalf("%d answers", len(answers))
		}
		for _, an := range answers {
			if (an.Err == nil) == (an.Result == nil) {
				t.Fatalf("%s: result %v and error %v", an.Path, an.Result, an.Err)
			}
		}
	})
}
