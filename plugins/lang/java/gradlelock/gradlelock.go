// Package gradlelock reads the dependency lock files of Gradle: gradle.lockfile (one per
// project, Gradle 6+), buildscript-gradle.lockfile (the classpath of the build scripts),
// and the per-configuration files of Gradle 4.8 to 5 under gradle/dependency-locks/.
//
// `gradle dependencies --write-locks` writes them: one line per resolved module,
// "group:artifact:version=configuration1,configuration2", a last line
// "empty=configuration,..." naming the locked configurations that resolved nothing, and
// comment lines starting with '#'. The older per-configuration files hold bare
// "group:artifact:version" lines, the configuration being the file's name.
//
// A lock file lists every module of the locked configurations and does not say which of
// them the build script declares: every package has Indirect false, as nothing tells.
// A package is development-only when every configuration that resolves it is one of
// development: a test one (its name has the camel-case word "test": testCompileClasspath,
// testRuntimeClasspath, testFixturesRuntimeClasspath, integrationTestRuntimeClasspath,
// Android's debugUnitTestRuntimeClasspath), an annotation processor's path
// (annotationProcessor, kapt), or Spring Boot's developmentOnly; everything in
// buildscript-gradle.lockfile is, since the build's own plugins are never part of what it
// builds.
//
// The file streams line by line. A line that is not of the format is a problem; a file
// without a single line of the format and with lines of something else is an error. An
// empty file, or one of comments only, gives no package, as Gradle treats it.
package gradlelock

import (
	"bufio"
	"fmt"
	"io"
	pathpkg "path"
	"strings"

	"github.com/trawlscan/trawl/plugins/lang/internal/collect"
	"github.com/trawlscan/trawl/plugins/lang/java/internal/maven"
	"github.com/trawlscan/trawl/sdk"
)

// MaxSize is the largest file read (manifest.json). A line is about 100 bytes: 8 MiB is
// tens of thousands of modules, many times the largest real builds.
const MaxSize = 8 << 20

// maxLine bounds a line; a real one is a coordinate and a few dozen configuration names.
const maxLine = 64 << 10

// Parse reads a Gradle lock file from r. path is the file's path, used in the packages'
// locations and in problems, and, for the files of gradle/dependency-locks/, as the name of
// their configuration. The error is for a file that cannot be read or is not a lock file.
func Parse(path string, r io.Reader) (*collect.Result, error) {
	p := &parser{path: path, b: maven.NewBuilder(path)}
	base := pathpkg.Base(path)
	switch {
	case base == "buildscript-gradle.lockfile":
		p.allDev = true
	case base != "gradle.lockfile" && strings.HasSuffix(base, ".lockfile"):
		p.fileConf = strings.TrimSuffix(base, ".lockfile")
	}
	br := bufio.NewReaderSize(io.LimitReader(r, MaxSize+1), 4<<10)
	var acc []byte
	read := int64(0)
	for lineNo := 1; ; lineNo++ {
		line, tooLong, n, err := readLine(br, &acc)
		read += int64(n)
		if read > MaxSize {
			return nil, fmt.Errorf("%s: larger than %d bytes, not read", path, MaxSize)
		}
		if n == 0 && err == io.EOF {
			break
		}
		if tooLong {
			p.bad++
			p.b.Problemf(lineNo, "line longer than %d bytes, skipped", maxLine)
		} else {
			p.line(strings.TrimSpace(strings.TrimPrefix(line, "\ufeff")), lineNo)
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: line %d: %w", path, lineNo, err)
		}
	}
	if p.good == 0 && p.bad > 0 {
		return nil, fmt.Errorf("%s: not a Gradle lock file: no line of the form group:artifact:version=configurations", path)
	}
	return p.b.Result(), nil
}

type parser struct {
	path string
	b    *collect.Builder
	// allDev marks the build script's lock file; fileConf is the configuration of a
	// Gradle 4.8-5 per-configuration file.
	allDev    bool
	fileConf  string
	good, bad int
}

func (p *parser) line(line string, lineNo int) {
	if line == "" || line[0] == '#' {
		return
	}
	coord, confs, hasConfs := strings.Cut(line, "=")
	coord = strings.TrimSpace(coord)
	if coord == "empty" && hasConfs {
		p.good++
		return
	}
	parts := strings.Split(coord, ":")
	if len(parts) != 3 || !maven.ValidID(parts[0]) || !maven.ValidID(parts[1]) {
		p.bad++
		p.b.Problemf(lineNo, "%s is not group:artifact:version=configurations, skipped", collect.Quote(line))
		return
	}
	p.good++
	name := maven.Name(parts[0], parts[1])
	version := parts[2]
	if msg := maven.CheckVersion(version); msg != "" {
		p.b.Unresolved(lineNo, coord, msg)
		return
	}
	dev := p.allDev
	if !dev {
		if hasConfs {
			dev = allTest(confs)
		} else if p.fileConf != "" {
			dev = isDev(p.fileConf)
		}
	}
	p.b.Add(lineNo, sdk.Package{Name: name, Version: version, Dev: dev})
}

// allTest reports whether a list of configurations is not empty and holds only ones of
// development.
func allTest(confs string) bool {
	n := 0
	for c := range strings.SplitSeq(confs, ",") {
		c = strings.TrimSpace(c)
		if c == "" {
			continue
		}
		if !isDev(c) {
			return false
		}
		n++
	}
	return n > 0
}

// isDev reports whether a configuration holds tools of development only: tests,
// annotation processors (they run in the compiler, and are not in what it builds), Spring
// Boot's developmentOnly (devtools, excluded from the application's archive).
func isDev(conf string) bool {
	return isTest(conf) || conf == "annotationProcessor" || strings.HasSuffix(conf, "AnnotationProcessor") ||
		conf == "kapt" || strings.HasPrefix(conf, "kapt") && len(conf) > 4 && conf[4] >= 'A' && conf[4] <= 'Z' ||
		conf == "developmentOnly"
}

// isTest reports whether a configuration name has the camel-case word "test": the
// configurations of test source sets and test suites are named after them
// ("testRuntimeClasspath", "integrationTestCompileClasspath"), while "latestRuntime" or
// "contestClasspath" are not test ones.
func isTest(conf string) bool {
	for i := 0; i+4 <= len(conf); i++ {
		w := conf[i : i+4]
		if !(i == 0 && w == "test" || w == "Test") {
			continue
		}
		if i+4 == len(conf) || conf[i+4] < 'a' || conf[i+4] > 'z' {
			return true
		}
	}
	return false
}

// readLine returns the next line without its end, the bytes it took, and whether it was
// longer than maxLine (then read and dropped, so that memory stays bounded).
func readLine(br *bufio.Reader, acc *[]byte) (line string, tooLong bool, n int, err error) {
	raw, err := br.ReadSlice('\n')
	n = len(raw)
	if err == bufio.ErrBufferFull {
		*acc = append((*acc)[:0], raw...)
		for err == bufio.ErrBufferFull {
			raw, err = br.ReadSlice('\n')
			n += len(raw)
			if !tooLong && len(*acc)+len(raw) > maxLine {
				tooLong = true
			}
			if !tooLong {
				*acc = append(*acc, raw...)
			}
		}
		raw = *acc
	}
	if tooLong {
		return "", true, n, err
	}
	return strings.TrimRight(string(raw), "\r\n"), false, n, err
}
