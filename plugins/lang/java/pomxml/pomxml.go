// Package pomxml reads pom.xml, the project model of Maven: the dependencies a project
// declares, with the versions written in the file or given by its dependencyManagement.
//
// What is read: <dependencies> of the project and of the profiles active by default
// (<activeByDefault>true</activeByDefault>), with ${...} references resolved from the
// <properties> of the same file and from the project's own coordinates (project.version,
// project.groupId, project.artifactId, project.parent.*; the project's groupId and version
// default to its parent's, which the file names), recursively and within bounds. A
// dependency without a version takes the one its <dependencyManagement> entry gives, and
// that entry's scope if it has none. Scope test makes a package development-only; every
// package is a direct dependency (Indirect is false): a POM names no transitive ones.
//
// What is not: Parse sees one file, so nothing that comes from another POM is known to it:
// neither the parent's properties and dependencyManagement, nor the BOMs a
// <dependencyManagement> imports (scope import, which are not packages either).
// ParseProject reads the POMs of a tree together and resolves what they give one another
// (project.go); the host sends the analyzer a layer's POMs together for that. A dependency
// whose version would come from a POM that neither has, or from a version range ([1.0,2.0)), a
// property set on the command line or in settings.xml, or LATEST/RELEASE, is reported as
// unresolved with the reason, never with a guessed version. Dependencies of build plugins
// and extensions are tools of the build, not of the project: not read. Profiles not active
// by default depend on conditions outside the file (a JDK, an OS, a property); their
// dependencies are not reported, and a problem says how many there are.
//
// Maven uses the last of two declarations of one dependency
// (groupId:artifactId:type:classifier); so does this parser, and the earlier one is a
// problem. The project's own coordinates and its parent are not packages.
//
// The file is walked token by token (javaxml), so that each dependency keeps the line of
// its <dependency> element; an empty file, a file that is not XML, or whose document
// element is not <project>, is an error, as it is to Maven.
package pomxml

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"

	"github.com/trawlscan/trawl/plugins/lang/internal/collect"
	"github.com/trawlscan/trawl/plugins/lang/java/internal/javaxml"
	"github.com/trawlscan/trawl/plugins/lang/java/internal/maven"
	"github.com/trawlscan/trawl/sdk"
)

// MaxSize is the largest file read (manifest.json). The largest real POMs (Spring Boot's
// dependencies BOM, the Jenkins core) are a few hundred kilobytes.
const MaxSize = 8 << 20

const (
	// maxText bounds the text kept of one element: values longer than a field the host
	// accepts cannot give a package anyway.
	maxText = 64 << 10
	// maxExpandDepth bounds properties that refer to properties.
	maxExpandDepth = 16
	// maxValue bounds a value after interpolation, so that properties that double in size
	// at each level cannot take memory or time.
	maxValue = 4096
)

// dep is one <dependency> element, as written.
type dep struct {
	line                                             int
	group, artifact, version, scope, typ, classifier string
}

// model is what the project and each profile may hold.
type model struct {
	props   map[string]string
	deps    []dep
	managed []dep
}

type profile struct {
	id     string
	line   int
	active bool
	model
}

// Parse reads a pom.xml from r. path is the file's path, used in the packages' locations
// and in problems. The error is for a file that cannot be read or is not a POM at all.
func Parse(path string, r io.Reader) (*collect.Result, error) {
	p, err := read(path, r)
	if err != nil {
		return nil, err
	}
	return p.resolve(nil), nil
}

// read reads a POM as written, without resolving anything.
func read(path string, r io.Reader) (*parser, error) {
	p := &parser{path: path, dec: javaxml.NewDecoder(r, MaxSize)}
	p.project.props = map[string]string{}
	if err := p.walk(); err != nil {
		return nil, err
	}
	p.dec = nil
	return p, nil
}

type parser struct {
	path string
	dec  *javaxml.Decoder
	b    *collect.Builder

	project model
	// The project's own coordinates and its parent's, as written.
	self, parent [3]string // groupId, artifactId, version
	hasParent    bool
	// relPath is the parent's <relativePath>, set: hasRelPath.
	relPath    string
	hasRelPath bool

	profiles []*profile
	prof     *profile // the profile being read

	stack []string // local names of the open elements, the document element first
	text  []byte   // text of the innermost open element
	cur   *dep     // the dependency being read
}

func (p *parser) walk() error {
	for {
		tok, err := p.dec.Token()
		if err == io.EOF {
			if p.dec.Root == "" {
				if p.dec.Blank() {
					return fmt.Errorf("%s: empty file, not a pom.xml", p.path)
				}
				return fmt.Errorf("%s: not a pom.xml: no XML element", p.path)
			}
			return nil
		}
		if err != nil {
			return p.dec.Error(p.path, "a pom.xml", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if len(p.stack) == 0 && t.Name.Local != "project" {
				return fmt.Errorf("%s:%d: not a pom.xml: the document element is <%s>, not <project>", p.path, p.dec.Line(), collect.Quote(t.Name.Local))
			}
			p.stack = append(p.stack, t.Name.Local)
			p.text = p.text[:0]
			p.start()
		case xml.CharData:
			if len(p.text)+len(t) <= maxText {
				p.text = append(p.text, t...)
			}
		case xml.EndElement:
			p.end(strings.TrimSpace(string(p.text)))
			p.stack = p.stack[:len(p.stack)-1]
			p.text = p.text[:0]
		}
	}
}

// where locates the open element: the model it belongs to (the project's or a profile's),
// and its path below the project or profile.
func (p *parser) where() (m *model, rel []string, inProfile bool) {
	rel = p.stack[1:]
	if len(rel) >= 2 && rel[0] == "profiles" && rel[1] == "profile" && p.prof != nil {
		return &p.prof.model, rel[2:], true
	}
	return &p.project, rel, false
}

func (p *parser) start() {
	rel := p.stack[1:]
	if len(rel) == 2 && rel[0] == "profiles" && rel[1] == "profile" {
		p.prof = &profile{line: p.dec.Line(), model: model{props: map[string]string{}}}
		return
	}
	_, rel, _ = p.where()
	if isDep(rel) {
		p.cur = &dep{line: p.dec.Line()}
	}
}

// isDep reports whether rel is a <dependency> of a model, or of its dependencyManagement.
func isDep(rel []string) bool {
	return len(rel) == 2 && rel[0] == "dependencies" && rel[1] == "dependency" ||
		len(rel) == 3 && rel[0] == "dependencyManagement" && rel[1] == "dependencies" && rel[2] == "dependency"
}

func (p *parser) end(val string) {
	rel := p.stack[1:]
	if len(rel) == 2 && rel[0] == "profiles" && rel[1] == "profile" && p.prof != nil {
		p.profiles = append(p.profiles, p.prof)
		p.prof = nil
		return
	}
	m, rel, inProfile := p.where()
	switch {
	case isDep(rel):
		if p.cur != nil {
			if rel[0] == "dependencies" {
				m.deps = append(m.deps, *p.cur)
			} else {
				m.managed = append(m.managed, *p.cur)
			}
		}
		p.cur = nil
	case len(rel) >= 1 && isDep(rel[:len(rel)-1]):
		if p.cur == nil {
			return
		}
		switch rel[len(rel)-1] {
		case "groupId":
			p.cur.group = val
		case "artifactId":
			p.cur.artifact = val
		case "version":
			p.cur.version = val
		case "scope":
			p.cur.scope = val
		case "type":
			p.cur.typ = val
		case "classifier":
			p.cur.classifier = val
		}
	case len(rel) == 2 && rel[0] == "properties":
		m.props[rel[1]] = val
	case inProfile && len(rel) == 1 && rel[0] == "id":
		p.prof.id = val
	case inProfile && len(rel) == 2 && rel[0] == "activation" && rel[1] == "activeByDefault":
		p.prof.active = strings.EqualFold(val, "true")
	case !inProfile && len(rel) == 1:
		if i := coordIndex(rel[0]); i >= 0 {
			p.self[i] = val
		}
	case !inProfile && len(rel) == 2 && rel[0] == "parent":
		if i := coordIndex(rel[1]); i >= 0 {
			p.parent[i] = val
			p.hasParent = true
		}
		if rel[1] == "relativePath" {
			p.relPath, p.hasRelPath = val, true
		}
	}
}

func coordIndex(name string) int {
	switch name {
	case "groupId":
		return 0
	case "artifactId":
		return 1
	case "version":
		return 2
	}
	return -1
}

// key is what makes two declarations one dependency to Maven.
func key(group, artifact, typ, classifier string) string {
	if typ == "" {
		typ = "jar"
	}
	return group + ":" + artifact + ":" + typ + ":" + classifier
}

// resolved is a dependency with its coordinates interpolated.
type resolved struct {
	dep
	key string
	why string // why the coordinates are unresolved, "" if they are not
	g   string // interpolated groupId and artifactId
	a   string
	// list is the list of the declaration: 0 for the project's, then one per active profile.
	list int
}

// lineage is what a POM inherits: its ancestors found in the same tree, the closest first;
// missing names the first ancestor that is not there ("" when the last one found has no
// parent); and the dependencyManagement of imported BOMs found in the tree.
type lineage struct {
	ancestors []*parser
	missing   string
	// imported returns the effective dependencyManagement of a BOM (groupId:artifactId:
	// version) found in the tree, nil when it is not there.
	imported func(gav string) map[string]resolved
}

// resolve reports the dependencies of the POM, with what it inherits (nil: nothing known
// beyond the file).
func (p *parser) resolve(lin *lineage) *collect.Result {
	p.b = maven.NewBuilder(p.path)
	for _, pr := range p.profiles {
		if !pr.active {
			if n := len(pr.deps); n > 0 {
				p.b.Problemf(pr.line, "profile %s is not active by default: its %d dependencies are not reported", collect.Quote(pr.id), n)
			}
		}
	}
	in, mgmt, boms := p.effective(lin)
	// Dependencies: within one list the last declaration of a key wins (Maven warns); a
	// profile's declaration overrides the project's.
	all := [][]dep{p.project.deps}
	for _, pr := range p.profiles {
		if pr.active {
			all = append(all, pr.deps)
		}
	}
	var out []resolved
	index := map[string]int{}
	for li, list := range all {
		for _, d := range list {
			r := in.coords(d)
			r.list = li
			if r.why == "" && r.g != "" && r.a != "" {
				if i, ok := index[r.key]; ok {
					// Maven's check is on the declarations as written; two that only
					// interpolate to one dependency are one package, without a warning.
					if out[i].list == li && key(out[i].group, out[i].artifact, out[i].typ, out[i].classifier) == key(d.group, d.artifact, d.typ, d.classifier) {
						p.b.Problemf(out[i].line, "dependency %s is declared again at line %d; Maven uses the last declaration", collect.Quote(r.g+":"+r.a), d.line)
					}
					out[i].line = -1 // dropped
				}
				index[r.key] = len(out)
			}
			out = append(out, r)
		}
	}
	for _, r := range out {
		if r.line >= 0 {
			p.report(in, r, mgmt, boms)
		}
	}
	return p.b.Result()
}

// effective builds what the POM's values are resolved with: the properties and the
// dependencyManagement of its ancestors, overridden by its own, and of its profiles active
// by default, and the entries of imported BOMs found in the tree for keys still without
// one; boms lists the imports that are not found.
func (p *parser) effective(lin *lineage) (in *interp, mgmt map[string]resolved, boms []string) {
	if lin == nil {
		lin = &lineage{}
	}
	// The root-most ancestor first, so that the closest one wins, and the POM itself last.
	chain := make([]*parser, 0, len(lin.ancestors)+1)
	for i := len(lin.ancestors) - 1; i >= 0; i-- {
		chain = append(chain, lin.ancestors[i])
	}
	chain = append(chain, p)
	props := map[string]string{}
	for _, m := range chain {
		for k, v := range m.project.props {
			props[k] = v
		}
		for _, pr := range m.profiles {
			if pr.active {
				for k, v := range pr.props {
					props[k] = v
				}
			}
		}
	}
	in = &interp{props: props, cache: map[string]result{}, busy: map[string]bool{}}
	in.model = map[string]string{
		"groupId": p.self[0], "artifactId": p.self[1], "version": p.self[2],
		"parent.groupId": p.parent[0], "parent.artifactId": p.parent[1], "parent.version": p.parent[2],
	}
	if in.model["groupId"] == "" {
		in.model["groupId"] = p.parent[0]
	}
	if in.model["version"] == "" {
		in.model["version"] = p.parent[2]
	}
	switch {
	case len(lin.ancestors) > 0:
		in.parent, in.inTree = lin.missing, len(lin.ancestors)
	case p.hasParent:
		in.parent = strings.Join(p.parent[:], ":")
	}

	// Management: the last entry of a key wins; a profile's entries override the model's,
	// and a POM's override its ancestors'. Imported BOMs fill in the keys left, the first
	// import first, as Maven's import scope does.
	mgmt = map[string]resolved{}
	var imports []string
	for _, m := range chain {
		lists := [][]dep{m.project.managed}
		for _, pr := range m.profiles {
			if pr.active {
				lists = append(lists, pr.managed)
			}
		}
		for _, list := range lists {
			for _, d := range list {
				r := in.coords(d)
				scope, _ := in.expand(d.scope, 0)
				typ, _ := in.expand(d.typ, 0)
				if scope == "import" && typ == "pom" {
					v, _ := in.expand(d.version, 0)
					imports = append(imports, r.g+":"+r.a+":"+v)
					continue
				}
				if r.why == "" {
					mgmt[r.key] = r
				}
			}
		}
	}
	for _, gav := range imports {
		var entries map[string]resolved
		if lin.imported != nil {
			entries = lin.imported(gav)
		}
		if entries == nil {
			boms = append(boms, gav)
			continue
		}
		for k, r := range entries {
			if _, ok := mgmt[k]; !ok {
				mgmt[k] = r
			}
		}
	}
	return in, mgmt, boms
}

// coords interpolates the groupId, artifactId, type and classifier of a dependency.
func (in *interp) coords(d dep) resolved {
	r := resolved{dep: d}
	var why string
	r.g, r.why = in.expand(d.group, 0)
	r.a, why = in.expand(d.artifact, 0)
	if r.why == "" {
		r.why = why
	}
	typ, why := in.expand(d.typ, 0)
	if r.why == "" {
		r.why = why
	}
	cls, why := in.expand(d.classifier, 0)
	if r.why == "" {
		r.why = why
	}
	r.key = key(r.g, r.a, typ, cls)
	return r
}

func (p *parser) report(in *interp, r resolved, mgmt map[string]resolved, boms []string) {
	written := r.group + ":" + r.artifact
	if r.version != "" {
		written += ":" + r.version
	}
	switch {
	case r.group == "":
		p.b.Problemf(r.line, "dependency %s without a groupId, skipped", collect.Quote(written))
		return
	case r.artifact == "":
		p.b.Problemf(r.line, "dependency %s without an artifactId, skipped", collect.Quote(written))
		return
	case r.why != "":
		p.b.Unresolved(r.line, written, r.why)
		return
	case !maven.ValidID(r.g) || !maven.ValidID(r.a):
		p.b.Problemf(r.line, "dependency %s: not a valid groupId:artifactId, skipped", collect.Quote(r.g+":"+r.a))
		return
	}
	scope, _ := in.expand(r.scope, 0)
	var version, why string
	if r.version != "" {
		version, why = in.expand(r.version, 0)
	} else if m, ok := mgmt[r.key]; ok {
		version, why = in.expand(m.version, 0)
		if version == "" && why == "" {
			why = fmt.Sprintf("the dependencyManagement entry at line %d has no version", m.line)
		}
		if scope == "" {
			scope, _ = in.expand(m.scope, 0)
		}
	} else {
		why = in.fromElsewhere("version", boms)
	}
	if why == "" {
		if msg := maven.CheckVersion(version); msg != "" {
			why = msg
			if msg == "version range" {
				why += " " + version
			}
		}
	}
	if why != "" {
		p.b.Unresolved(r.line, written, why)
		return
	}
	p.b.Add(r.line, sdk.Package{Name: maven.Name(r.g, r.a), Version: version, Dev: scope == "test"})
}

// interp resolves ${...} references, as Maven's model interpolation does for what one file
// can tell.
type interp struct {
	props  map[string]string
	model  map[string]string // the project's coordinates: "version", "parent.version", ...
	parent string            // the parent's coordinates, "" without a parent
	// inTree counts the ancestors found in the tree; parent is then the first one missing.
	inTree int
	cache  map[string]result
	busy   map[string]bool // properties being expanded, to catch cycles
}

type result struct{ val, why string }

const tooDeep = "properties nested deeper than"

// expand returns s with its references replaced, or why it cannot be.
func (in *interp) expand(s string, depth int) (string, string) {
	if !strings.Contains(s, "${") {
		return s, ""
	}
	var sb strings.Builder
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			sb.WriteString(s)
			break
		}
		j := strings.IndexByte(s[i+2:], '}')
		if j < 0 {
			// Maven leaves an unclosed reference as it is.
			sb.WriteString(s)
			break
		}
		sb.WriteString(s[:i])
		r := in.lookup(s[i+2:i+2+j], depth+1)
		if r.why != "" {
			return "", r.why
		}
		sb.WriteString(r.val)
		if sb.Len() > maxValue {
			return "", fmt.Sprintf("longer than %d bytes once its properties are resolved", maxValue)
		}
		s = s[i+3+j:]
	}
	return sb.String(), ""
}

func (in *interp) lookup(name string, depth int) result {
	if r, ok := in.cache[name]; ok {
		return r
	}
	if depth > maxExpandDepth {
		return result{why: fmt.Sprintf("%s %d", tooDeep, maxExpandDepth)}
	}
	if in.busy[name] {
		return result{why: fmt.Sprintf("property %s refers to itself", collect.Quote(name))}
	}
	in.busy[name] = true
	r := in.find(name, depth)
	delete(in.busy, name)
	// A property too deep from here may not be from elsewhere: that is not its own fault.
	if !strings.HasPrefix(r.why, tooDeep) {
		in.cache[name] = r
	}
	return r
}

func (in *interp) find(name string, depth int) result {
	// project.* and pom.* name the model; a property may also be spelled so
	// (project.build.sourceEncoding), and is found next.
	field, isModel := strings.CutPrefix(name, "project.")
	if !isModel {
		field, isModel = strings.CutPrefix(name, "pom.")
	}
	if isModel {
		if v, ok := in.model[field]; ok {
			if v == "" {
				return result{why: in.fromElsewhere(name, nil)}
			}
			val, why := in.expand(v, depth)
			return result{val, why}
		}
	}
	if v, ok := in.props[name]; ok {
		val, why := in.expand(v, depth)
		return result{val, why}
	}
	switch {
	case name == "version" || name == "groupId" || name == "artifactId":
		// Maven 2 spellings of project.*, still accepted.
		return in.find("project."+name, depth)
	case strings.HasPrefix(name, "env."):
		return result{why: fmt.Sprintf("%s comes from the environment of the build", collect.Quote(name))}
	case strings.HasPrefix(name, "settings."):
		return result{why: fmt.Sprintf("%s comes from the settings.xml of the build", collect.Quote(name))}
	}
	return result{why: in.fromElsewhere("property "+collect.Quote(name), nil)}
}

// fromElsewhere says where what comes from when this file does not say it.
func (in *interp) fromElsewhere(what string, boms []string) string {
	var from []string
	if in.parent != "" {
		from = append(from, "parent "+collect.Quote(in.parent))
	}
	if len(boms) > 3 {
		boms = append(boms[:3:3], "...")
	}
	if len(boms) > 0 {
		from = append(from, "imported BOM "+collect.Quote(strings.Join(boms, ", ")))
	}
	where := "this file"
	if in.inTree > 0 {
		where = "this file or its parent POMs in the tree"
	}
	if len(from) == 0 {
		if what == "version" {
			return "no version, and no dependencyManagement entry for it"
		}
		return what + " is not defined in " + where
	}
	return what + " from " + strings.Join(from, " or ") + ", not in " + where
}
