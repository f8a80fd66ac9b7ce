package gradlelock

import (
	"fmt"
	"strings"
	"testing"

	"github.com/trawlscan/trawl/plugins/lang/internal/langtest"
	"github.com/trawlscan/trawl/plugins/lang/java/internal/javatest"
)

// dirs are the corpus directories of Gradle lock files (lockfiles/maven). Their files are
// named after what they show ("5-pkg"), not gradle.lockfile: they are read as such.
var dirs = []string{"osv-scanner-v1-gradle", "scalibr-gradlelockfile"}

func TestParse(t *testing.T) {
	for _, tt := range []struct {
		name, path, in string
		pkgs, problems []string
		err            string
	}{
		{name: "gradle.lockfile", path: "gradle.lockfile", in: `# This is a Gradle generated file for dependency locking.
# Manual edits can break the build and are not advised.
# This file is expected to be part of source control.
com.google.guava:guava:31.1-jre=compileClasspath,runtimeClasspath,testCompileClasspath
junit:junit:4.13.2=testCompileClasspath,testRuntimeClasspath
org.assertj:assertj-core:3.24.2=integrationTestRuntimeClasspath, testFixturesApi
org.example:latest:1.0=latestRuntimeClasspath
org.example:contest:1.0=contestClasspath
org.example:android:1.0=debugUnitTestRuntimeClasspath,releaseAndroidTestCompileClasspath
org.example:none:1.0=
org.example:none:1.0=
org.projectlombok:lombok:1.18.30=annotationProcessor,compileClasspath
com.google.dagger:dagger-compiler:2.48=annotationProcessor,kaptTest,testAnnotationProcessor
org.springframework.boot:spring-boot-devtools:3.1.0=developmentOnly
empty=annotationProcessor,testAnnotationProcessor
`,
			pkgs: []string{"com.google.guava:guava@31.1-jre:4", "junit:junit@4.13.2:5+dev", "org.assertj:assertj-core@3.24.2:6+dev",
				"org.example:latest@1.0:7", "org.example:contest@1.0:8", "org.example:android@1.0:9+dev", "org.example:none@1.0:10",
				"org.projectlombok:lombok@1.18.30:12", "com.google.dagger:dagger-compiler@2.48:13+dev", "org.springframework.boot:spring-boot-devtools@3.1.0:14+dev"}},
		{name: "build script", path: "app/buildscript-gradle.lockfile", in: "com.android.tools.build:gradle:8.1.0=classpath\nempty=\n",
			pkgs: []string{"com.android.tools.build:gradle@8.1.0:1+dev"}},
		{name: "Gradle 5 per-configuration files", path: "gradle/dependency-locks/testRuntimeClasspath.lockfile", in: "# comment\r\njunit:junit:4.12\r\n",
			pkgs: []string{"junit:junit@4.12:2+dev"}},
		{name: "Gradle 5 per-configuration files, not test", path: "gradle/dependency-locks/runtimeClasspath.lockfile", in: "a:b:1\n",
			pkgs: []string{"a:b@1:1"}},
		{name: "bad lines", path: "gradle.lockfile", in: "a:b:1=x\na:b\na:b:c:d=x\na b:c:1=x\na:b:[1,2)=x\na:b:=x\n" + strings.Repeat("x", maxLine+1) + "\nc:d:2=x",
			pkgs: []string{"a:b@1:1", "c:d@2:8"},
			problems: []string{
				"2: a:b is not group:artifact:version=configurations, skipped",
				"3: a:b:c:d=x is not group:artifact:version=configurations, skipped",
				"4: a b:c:1=x is not group:artifact:version=configurations, skipped",
				"5: unresolved: a:b:[1,2) (version range)",
				"6: unresolved: a:b: (no version)",
				"7: line longer than 65536 bytes, skipped",
			}},
		{name: "empty", path: "gradle.lockfile", in: ""},
		{name: "comments", path: "gradle.lockfile", in: "# a\n\n#b"},
		{name: "not a lock file", path: "gradle.lockfile", in: "plugins {\n  id 'java'\n}\n", err: "gradle.lockfile: not a Gradle lock file: no line of the form group:artifact:version=configurations"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res, err := Parse(tt.path, strings.NewReader(tt.in))
			if tt.err != "" {
				if err == nil || err.Error() != tt.err {
					t.Fatalf("err = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			pkgs, problems := javatest.Compact(tt.path, res)
			if strings.Join(pkgs, " ") != strings.Join(tt.pkgs, " ") {
				t.Errorf("packages:\n got %q\nwant %q", pkgs, tt.pkgs)
			}
			if strings.Join(problems, "\n") != strings.Join(tt.problems, "\n") {
				t.Errorf("problems:\n got %q\nwant %q", problems, tt.problems)
			}
			langtest.Check(t, Parse, tt.path, "maven", []byte(tt.in))
		})
	}
}

func TestIsTest(t *testing.T) {
	for conf, want := range map[string]bool{
		"testCompileClasspath": true, "testRuntimeClasspath": true, "test": true, "testFixturesApi": true,
		"integrationTestImplementation": true, "kaptTest": true, "debugUnitTestRuntimeClasspath": true,
		"compileClasspath": false, "latestRuntime": false, "contestClasspath": false, "testamentClasspath": false,
		"functionalTestingRuntime": false, "": false,
	} {
		if isTest(conf) != want {
			t.Errorf("isTest(%q) = %v", conf, !want)
		}
	}
}

func TestTooLarge(t *testing.T) {
	_, err := Parse("gradle.lockfile", strings.NewReader(strings.Repeat("a:b:1=x\n", MaxSize/8+1)))
	if err == nil || err.Error() != fmt.Sprintf("gradle.lockfile: larger than %d bytes, not read", MaxSize) {
		t.Errorf("got %v", err)
	}
}

// TestGolden runs every lock file of the corpus; the goldens were written with -update and
// checked by hand against the fixtures.
func TestGolden(t *testing.T) {
	fx := javatest.Corpus(t, dirs...)
	if len(fx) != 10 {
		t.Fatalf("%d fixtures, want 10", len(fx))
	}
	javatest.CheckGolden(t, Parse, "maven", fx)
}

func FuzzParse(f *testing.F) {
	langtest.Seed(f, javatest.Corpus(f, dirs...))
	f.Fuzz(func(t *testing.T, data []byte) {
		langtest.Check(t, Parse, "gradle.lockfile", "maven", data)
		langtest.Check(t, Parse, "gradle/dependency-locks/testCompileClasspath.lockfile", "maven", data)
	})
}

func BenchmarkParse(b *testing.B) {
	langtest.Bench(b, Parse, javatest.Corpus(b, dirs...))
}

// BenchmarkParseLarge measures a lock file of 1000 modules (about 120 kB).
func BenchmarkParseLarge(b *testing.B) {
	var sb strings.Builder
	sb.WriteString("# This is a Gradle generated file for dependency locking.\n")
	for i := range 1000 {
		fmt.Fprintf(&sb, "org.example.group%d:artifact-%d:%d.%d.0=compileClasspath,runtimeClasspath,testCompileClasspath,testRuntimeClasspath\n", i%50, i, i, i%10)
	}
	sb.WriteString("empty=annotationProcessor\n")
	langtest.Bench(b, Parse, []langtest.Fixture{{Name: "gradle.lockfile", Data: []byte(sb.String())}})
}
