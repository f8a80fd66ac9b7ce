// Package jar reads Java archives found in images and trees: JARs, web applications (WAR),
// enterprise applications (EAR) and Jenkins plugins (JPI, HPI), all zip archives, and the
// archives nested in them (a WAR's WEB-INF/lib/*.jar, an EAR's modules, a Spring Boot
// application's BOOT-INF/lib/*.jar, a Jenkins plugin's libraries).
//
// What is reported, for each archive, nested ones included:
//   - every META-INF/maven/<groupId>/<artifactId>/pom.properties, which Maven (and the
//     plugins that package with it) writes into what it builds: groupId, artifactId and
//     version. A shaded ("uber") JAR keeps those of the libraries it absorbed, so it
//     gives one package each;
//   - failing any, the coordinates its META-INF/MANIFEST.MF and its file name give, but
//     only when they include a Maven groupId: Implementation-Vendor-Id (the groupId as
//     Maven's archiver wrote it; a few projects put an organisation there, which gives a
//     name that matches nothing rather than a wrong match) or Jenkins' Group-Id. The
//     artifactId is Jenkins' Short-Name, the file name's ("log4j-core-2.14.1.jar":
//     log4j-core, version 2.14.1, split at the first '-' followed by a digit) or an
//     Implementation-Title that is an artifactId; the version is Jenkins' Plugin-Version,
//     Implementation-Version, the file name's, or Bundle-Version. A Bundle-SymbolicName
//     names no group: it is often a Java package (ASM's "org.objectweb.asm" is the
//     artifact org.ow2.asm:asm).
//
// An archive with an artifact and a version but no groupId (Gradle builds write no
// pom.properties, and their manifests seldom name a group) gives no package: a Maven name
// without its group matches no advisory and makes no valid purl, and a group guessed from
// the artifact alone may name another project. A problem says what was found, so that the
// gap shows in the report; resolving such artifacts is for a table of known Maven
// coordinates (the host's advisory database holds every groupId:artifactId with an
// advisory), not for this parser.
//
// Packages are neither development-only nor indirect (an archive does not say), and have
// no line. Their location is the file the host gave, also for a package found in a
// nested archive: sdk.Location has no field for a path inside an archive, and its Path
// must stay a path of the image or tree; problems name the nested path
// ("WEB-INF/lib/a.jar!META-INF/...").
//
// The archive is read as a stream (internal/zipstream, which says why): memory stays a few
// hundred kilobytes whatever the size of the archive and the number of its entries, and
// only the entries read are inflated (pom.properties, the manifest, nested archives).
// Nested archives are read in place, to a bounded depth; the bytes inflated for one file,
// nested archives included, and the entries read are bounded too (defaultLimits), so that
// compression bombs, archives nested a hundred deep and archives of millions of entries
// stop with a problem, keeping what was found before. A file that is not a zip archive is
// an error; an empty one too.
package jar

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	pathpkg "path"
	"strings"

	"github.com/trawlscan/trawl/plugins/lang/internal/collect"
	"github.com/trawlscan/trawl/plugins/lang/java/internal/maven"
	"github.com/trawlscan/trawl/plugins/lang/java/internal/zipstream"
	"github.com/trawlscan/trawl/sdk"
)

// MaxSize is the largest file read (manifest.json). Spring Boot applications and WARs
// run to a few hundred megabytes; memory does not grow with the size (the archive streams
// through), only the time to read it does.
const MaxSize = 256 << 20

// limits bound the work done for one file.
type limits struct {
	// Depth is how many levels of archives nested in the file are read.
	Depth int
	// Inflated bounds the bytes decompressed, nested archives included.
	Inflated int64
	// Entries bounds the entries read, nested archives included.
	Entries int
}

// defaultLimits are those of Parse. Nested archives seldom go deeper than two levels (a
// Spring Boot JAR in an image is one, a WAR in an EAR two). Only what is read is
// inflated (pom.properties, manifests, nested archives): 512 MiB is more than the
// libraries of a large WAR, and a bomb's output, mostly copies, takes seconds to make
// inside WebAssembly, within the host's deadline for a call. A JAR holds up to tens of
// thousands of classes; two million entries is a hundred large applications' worth.
var defaultLimits = limits{Depth: 4, Inflated: 512 << 20, Entries: 2 << 20}

const (
	// maxProperties and maxManifest bound what is read of a pom.properties and of a
	// manifest's main section; real ones are a few hundred bytes (a signed JAR's manifest
	// runs on with a digest per entry, after the main section).
	maxProperties = 64 << 10
	maxManifest   = 256 << 10
	// maxCoords bounds the pom.properties kept for one archive.
	maxCoords = 10000
)

// archiveExts are the extensions of the archives read, outer and nested.
var archiveExts = map[string]bool{".jar": true, ".war": true, ".ear": true, ".jpi": true, ".hpi": true}

// Parse reads a Java archive from r. path is the file's path, used in the packages'
// locations and in problems, and for its file name. The error is for a file that cannot
// be read or is not a zip archive.
func Parse(path string, r io.Reader) (*collect.Result, error) {
	return parse(path, r, defaultLimits)
}

// parse is Parse within other limits.
func parse(path string, r io.Reader, lim limits) (*collect.Result, error) {
	lr := &io.LimitedReader{R: r, N: MaxSize + 1}
	w := &walker{b: maven.NewBuilder(path), lim: lim, budget: &zipstream.Budget{Inflated: lim.Inflated}}
	br := bufio.NewReaderSize(lr, 512)
	if b, err := br.Peek(1); len(b) == 0 {
		if err != nil && err != io.EOF {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		return nil, fmt.Errorf("%s: empty file, not a Java archive", path)
	}
	err := w.archive(br, pathpkg.Base(path), "", 0)
	if lr.N <= 0 {
		return nil, fmt.Errorf("%s: larger than %d bytes, not read", path, MaxSize)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return w.b.Result(), nil
}

type walker struct {
	b       *collect.Builder
	lim     limits
	budget  *zipstream.Budget
	entries int
	stopped bool // a limit was reached: nothing more is read
}

// coords is what one pom.properties says.
type coords struct {
	group, artifact, version string
	where                    string // the entry, for messages
}

// archive reads one archive: base is its file name, inner its path inside the file with
// a trailing "!" ("" for the file itself), depth its nesting. The error is for an outer
// archive that is not one; everything else is a problem.
func (w *walker) archive(r io.Reader, base, inner string, depth int) error {
	z := zipstream.NewReader(r, w.budget)
	defer z.Close()
	var found []coords
	var manifest map[string]string
	read := 0
	for !w.stopped {
		e, err := z.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			switch {
			case errors.Is(err, zipstream.ErrBudget):
				w.stop("more than %d bytes decompressed", w.lim.Inflated)
			case depth == 0 && read == 0:
				return notArchive(err)
			case read == 0:
				w.b.Problemf(0, "%s%v", label(inner), notArchive(err))
				return nil
			default:
				w.b.Problemf(0, "%s%v; the rest of the archive is not read", label(inner), err)
			}
			break
		}
		read++
		w.entries++
		if w.entries > w.lim.Entries {
			w.stop("more than %d entries", w.lim.Entries)
			break
		}
		name := strings.TrimLeft(strings.ReplaceAll(e.Name, `\`, "/"), "/")
		switch {
		case isPomProperties(name):
			if c, ok := w.pomProperties(z, name, inner); ok && len(found) < maxCoords {
				found = append(found, c)
			}
		case strings.EqualFold(name, "META-INF/MANIFEST.MF"):
			manifest = w.manifest(z, inner+name)
		case !strings.HasSuffix(name, "/") && archiveExts[strings.ToLower(pathpkg.Ext(name))]:
			if depth+1 > w.lim.Depth {
				w.b.Problemf(0, "%s: archive nested more than %d deep, not read", collect.Quote(inner+name), w.lim.Depth)
				continue
			}
			body, err := z.Open()
			if err != nil {
				w.b.Problemf(0, "%s: %v", collect.Quote(inner+name), err)
				continue
			}
			w.archive(body, pathpkg.Base(name), inner+name+"!", depth+1)
		}
	}
	w.report(found, manifest, base, inner)
	return nil
}

// label names a nested archive at the start of a problem ("WEB-INF/lib/a.jar: "); the
// problems of the file itself start with its path already.
func label(inner string) string {
	if inner == "" {
		return ""
	}
	return collect.Quote(strings.TrimSuffix(inner, "!")) + ": "
}

func notArchive(err error) error {
	if errors.Is(err, zipstream.ErrNotZip) {
		return errors.New("not a Java archive: not a zip archive")
	}
	return fmt.Errorf("not a Java archive: %w", err)
}

// stop records that a limit was reached; the problem is given once.
func (w *walker) stop(format string, args ...any) {
	if !w.stopped {
		w.stopped = true
		w.b.Problemf(0, "stopped after "+format+"; the rest of the file is not read", args...)
	}
}

// isPomProperties reports whether name is META-INF/maven/<groupId>/<artifactId>/pom.properties.
func isPomProperties(name string) bool {
	rest, ok := strings.CutPrefix(name, "META-INF/maven/")
	if !ok || !strings.HasSuffix(rest, "/pom.properties") {
		return false
	}
	return strings.Count(rest, "/") == 2
}

// read returns the current entry's data, up to max bytes.
func (w *walker) read(z *zipstream.Reader, where string, max int64) ([]byte, bool) {
	body, err := z.Open()
	if err == nil {
		var data []byte
		data, err = io.ReadAll(io.LimitReader(body, max))
		if err == nil {
			return data, true
		}
	}
	if errors.Is(err, zipstream.ErrBudget) {
		w.stop("more than %d bytes decompressed", w.lim.Inflated)
		return nil, false
	}
	w.b.Problemf(0, "%s: %v", collect.Quote(where), err)
	return nil, false
}

func (w *walker) pomProperties(z *zipstream.Reader, name, inner string) (coords, bool) {
	where := inner + name
	data, ok := w.read(z, where, maxProperties)
	if !ok {
		return coords{}, false
	}
	props := parseProperties(string(data))
	parts := strings.Split(name, "/")
	c := coords{group: props["groupId"], artifact: props["artifactId"], version: props["version"], where: where}
	// The directories are the coordinates too; the file's own values come first.
	if c.group == "" {
		c.group = parts[2]
	}
	if c.artifact == "" {
		c.artifact = parts[3]
	}
	return c, true
}

func (w *walker) manifest(z *zipstream.Reader, where string) map[string]string {
	data, ok := w.read(z, where, maxManifest)
	if !ok {
		return nil
	}
	return parseManifest(string(data))
}

// report adds the packages of one archive, once all its entries are read.
func (w *walker) report(found []coords, manifest map[string]string, base, inner string) {
	for _, c := range found {
		switch {
		case !maven.ValidID(c.group) || !maven.ValidID(c.artifact):
			w.b.Problemf(0, "%s: %s is not a valid groupId:artifactId, skipped", collect.Quote(c.where), collect.Quote(c.group+":"+c.artifact))
		case maven.CheckVersion(c.version) != "":
			w.b.Unresolved(0, c.where, "version "+collect.Quoted(c.version))
		default:
			w.b.Add(0, sdk.Package{Name: maven.Name(c.group, c.artifact), Version: c.version})
		}
	}
	if len(found) > 0 {
		return
	}
	where := inner
	if where == "" {
		where = base
	} else {
		where = strings.TrimSuffix(where, "!")
	}
	g, a, v, from := fromManifest(manifest, base)
	switch {
	case a == "" || v == "":
		// Nothing names the archive as a Maven artifact (a JDK's own JARs, an application
		// renamed app.jar): nothing to say.
	case g == "":
		w.b.Unresolved(0, where, fmt.Sprintf("artifact %s version %s from %s, but no Maven groupId: no pom.properties, and the manifest names no group", a, v, from))
	default:
		w.b.Add(0, sdk.Package{Name: maven.Name(g, a), Version: v})
	}
}

// fromManifest returns the coordinates the manifest and the file name give, and says
// where the artifact and version came from.
func fromManifest(m map[string]string, base string) (group, artifact, version, from string) {
	fileArtifact, fileVersion := splitFileName(base)
	var srcs []string
	pick := func(dst *string, cands ...string) {
		for i := 0; i+1 < len(cands); i += 2 {
			if *dst == "" && cands[i+1] != "" {
				*dst = cands[i+1]
				srcs = append(srcs, cands[i])
			}
		}
	}
	idOrEmpty := func(s string) string {
		if maven.ValidID(s) {
			return s
		}
		return ""
	}
	versionOrEmpty := func(s string) string {
		if maven.CheckVersion(s) == "" {
			return s
		}
		return ""
	}
	pick(&artifact,
		"Short-Name", idOrEmpty(m["Short-Name"]),
		"the file name", fileArtifact,
		"Implementation-Title", idOrEmpty(m["Implementation-Title"]))
	pick(&version,
		"Plugin-Version", versionOrEmpty(m["Plugin-Version"]),
		"Implementation-Version", versionOrEmpty(m["Implementation-Version"]),
		"the file name", fileVersion,
		"Bundle-Version", versionOrEmpty(m["Bundle-Version"]))
	if artifact == "" || version == "" {
		return "", "", "", ""
	}
	switch {
	case maven.ValidID(m["Implementation-Vendor-Id"]):
		group = m["Implementation-Vendor-Id"]
	case maven.ValidID(m["Group-Id"]):
		group = m["Group-Id"]
	}
	if len(srcs) == 2 && srcs[0] == srcs[1] {
		srcs = srcs[:1]
	}
	return group, artifact, version, strings.Join(srcs, " and ")
}

// splitFileName splits "log4j-core-2.14.1.jar" into log4j-core and 2.14.1, at the first
// '-' followed by a digit: Maven names files artifactId-version[-classifier], and
// versions more often have a "-<digit>" of their own ("1.0-rc-1") than artifactIds do.
func splitFileName(base string) (artifact, version string) {
	stem := strings.TrimSuffix(base, pathpkg.Ext(base))
	for i := 1; i+1 < len(stem); i++ {
		if stem[i] == '-' && stem[i+1] >= '0' && stem[i+1] <= '9' {
			a, v := stem[:i], stem[i+1:]
			if maven.ValidID(a) && maven.CheckVersion(v) == "" {
				return a, v
			}
			return "", ""
		}
	}
	return "", ""
}
