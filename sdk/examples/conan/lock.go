package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
)

// lockFile is a conan.lock of either generation. Conan 1.x (lock file versions 0.1 to 0.4)
// writes the dependency graph under graph_lock; Conan 2.x (0.5) writes flat lists of
// references.
type lockFile struct {
	Version   json.RawMessage `json:"version"`
	GraphLock *graphLock      `json:"graph_lock"`
	// Conan 2.x.
	Requires       []string `json:"requires"`
	BuildRequires  []string `json:"build_requires"`
	PythonRequires []string `json:"python_requires"`
	ConfigRequires []string `json:"config_requires"`
}

type graphLock struct {
	Nodes map[string]node `json:"nodes"`
}

// node is one node of a Conan 1.x graph lock. Lock files up to 0.3 name the package in pref
// (a package reference, "zlib/1.2.11#rrev:package_id#prev"), 0.4 in ref. The node of the
// consumer (the conanfile being built) has a path, or no name.
type node struct {
	Ref            string   `json:"ref"`
	Pref           string   `json:"pref"`
	Path           string   `json:"path"`
	Context        string   `json:"context"`
	Requires       edges    `json:"requires"`
	BuildRequires  edges    `json:"build_requires"`
	PythonRequires []string `json:"python_requires"`
}

// edges are the node IDs a node depends on: a list from lock file 0.3 on, a map from
// reference to node ID before.
type edges []string

func (e *edges) UnmarshalJSON(b []byte) error {
	var list []string
	if err := json.Unmarshal(b, &list); err == nil {
		*e = list
		return nil
	}
	var byRef map[string]string
	if err := json.Unmarshal(b, &byRef); err != nil {
		return errors.New("requires: want a list of node IDs or a map of references to node IDs")
	}
	*e = (*e)[:0]
	for _, id := range byRef {
		*e = append(*e, id)
	}
	sort.Strings(*e)
	return nil
}

// reference is a Conan recipe reference: name/version@user/channel#revision.
type reference struct {
	Name, Version, User, Channel, Revision string
}

// errNoName marks a reference without a name ("1.2.3"): a consumer conanfile without a name
// attribute, never a dependency.
var errNoName = errors.New("reference has no name")

// parseReference reads a recipe reference or a package reference, in any of the forms lock
// files write:
//
//	zlib/1.2.13
//	zlib/1.2.13#13c96f538b52e1600c40b88994de240f%1667396813.733       (Conan 2.x)
//	zlib/1.2.11#5f4917ce0a630b102f472afd00102d40:19729b9559f3ae196cad45cb2b97468ccb75dcd1#58846c4ed127f63e9c88c5be5190a6d9
//	zlib/1.2.11@bincrafters/testing#5f4917ce0a630b102f472afd00102d40
//	zlib/1.2.11@_/_                                                  (Conan 1.x: no user, no channel)
func parseReference(s string) (reference, error) {
	var r reference
	ref, _, _ := strings.Cut(s, ":") // the package ID and package revision
	ref, rev, _ := strings.Cut(ref, "#")
	rev, _, _ = strings.Cut(rev, "%") // Conan 2.x adds the revision's timestamp
	nameVersion, userChannel, _ := strings.Cut(ref, "@")
	name, version, ok := strings.Cut(nameVersion, "/")
	if !ok || name == "" {
		return r, errNoName
	}
	user, channel, _ := strings.Cut(userChannel, "/")
	if user == "_" {
		user = ""
	}
	if channel == "_" {
		channel = ""
	}
	r = reference{Name: name, Version: version, User: user, Channel: channel, Revision: rev}
	for _, f := range []struct{ what, v string }{{"name", r.Name}, {"version", r.Version}, {"user", r.User}, {"channel", r.Channel}} {
		if f.what == "version" && f.v == "" {
			return r, fmt.Errorf("%.80q has no version", s)
		}
		if !validPart(f.v) {
			return r, fmt.Errorf("%.80q: the %s is not a Conan %s", s, f.what, f.what)
		}
	}
	if !validRevision(r.Revision) {
		return r, fmt.Errorf("%.80q: the revision is not a Conan revision", s)
	}
	return r, nil
}

// validPart reports whether s can be a Conan name, version, user or channel: at most 128 of
// letters, digits, '_', '+', '.' and '-'. (Conan 2.x wants names in lower case; Conan 1.x
// allowed upper case, and ConanCenter kept some.)
func validPart(s string) bool {
	if len(s) > 128 {
		return false
	}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '_', c == '+', c == '.', c == '-':
		default:
			return false
		}
	}
	return true
}

// validRevision reports whether s can be a recipe revision: an MD5 or SHA-1 in hex, or "0"
// when revisions are disabled.
func validRevision(s string) bool {
	if len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

// lockedPackage is a package of the lock file, before it becomes an sdk.Package.
type lockedPackage struct {
	reference
	// Line is where the package's reference first appears (1-based; 0 when not found).
	Line     int
	Dev      bool
	Indirect bool
}

func (p lockedPackage) key() string {
	return p.Name + "/" + p.Version + "@" + p.User + "/" + p.Channel
}

// parseLock reads a conan.lock. It returns the packages in the order their references
// first appear in the file, and the problems with entries it skipped; an error means the
// file is not a Conan lock file at all.
func parseLock(data []byte) ([]lockedPackage, []string, error) {
	var lf lockFile
	if err := json.Unmarshal(data, &lf); err != nil {
		return nil, nil, fmt.Errorf("not a Conan lock file: %w", err)
	}
	lines := newLineIndex(data)
	var c collector
	switch {
	case lf.GraphLock != nil:
		c.graph(lf.GraphLock, lines)
	case lf.Requires != nil || lf.BuildRequires != nil || lf.PythonRequires != nil || lf.ConfigRequires != nil:
		c.lists(&lf, lines)
	default:
		version := strings.Trim(string(lf.Version), `"`)
		if version == "" {
			return nil, nil, errors.New("not a Conan lock file: it has neither graph_lock (Conan 1.x) nor requires (Conan 2.x)")
		}
		return nil, nil, fmt.Errorf("Conan lock file version %.20q has neither graph_lock (Conan 1.x) nor requires (Conan 2.x)", version)
	}
	sort.SliceStable(c.pkgs, func(i, j int) bool {
		a, b := c.pkgs[i], c.pkgs[j]
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.key() < b.key()
	})
	return c.pkgs, c.problems, nil
}

// collector gathers packages, merging the entries of one package (a library required both
// by the host and as a build tool is one package, a development one only if every entry
// is).
type collector struct {
	pkgs     []lockedPackage
	index    map[string]int
	problems []string
}

func (c *collector) add(p lockedPackage) {
	if c.index == nil {
		c.index = map[string]int{}
	}
	if i, ok := c.index[p.key()]; ok {
		q := &c.pkgs[i]
		q.Dev = q.Dev && p.Dev
		q.Indirect = q.Indirect && p.Indirect
		if q.Line == 0 || (p.Line != 0 && p.Line < q.Line) {
			q.Line = p.Line
		}
		return
	}
	c.index[p.key()] = len(c.pkgs)
	c.pkgs = append(c.pkgs, p)
}

func (c *collector) problem(format string, args ...any) {
	// A file full of bad entries says so in a few lines, not thousands.
	const maxProblems = 20
	switch {
	case len(c.problems) < maxProblems:
		c.problems = append(c.problems, fmt.Sprintf(format, args...))
	case len(c.problems) == maxProblems:
		c.problems = append(c.problems, "more entries skipped")
	}
}

// lists reads the reference lists of a Conan 2.x lock file. They do not say which packages
// are direct dependencies.
func (c *collector) lists(lf *lockFile, lines *lineIndex) {
	for _, l := range []struct {
		field string
		refs  []string
		dev   bool
	}{
		{"requires", lf.Requires, false},
		{"build_requires", lf.BuildRequires, true},
		{"python_requires", lf.PythonRequires, true},
		{"config_requires", lf.ConfigRequires, true},
	} {
		for i, s := range l.refs {
			r, err := parseReference(s)
			if errors.Is(err, errNoName) {
				continue
			}
			if err != nil {
				c.problem("%s[%d]: %v", l.field, i, err)
				continue
			}
			c.add(lockedPackage{reference: r, Line: lines.lineOf(s), Dev: l.dev})
		}
	}
}

// graph reads the nodes of a Conan 1.x graph lock. The consumer's node (the conanfile
// being built) is not a package: its requires are the direct dependencies, and a package
// is a development one when it is built for the build context or reached only through
// build_requires.
func (c *collector) graph(g *graphLock, lines *lineIndex) {
	ids := make([]string, 0, len(g.Nodes))
	for id := range g.Nodes {
		ids = append(ids, id)
	}
	sort.Strings(ids)

	refs := map[string]reference{}
	raw := map[string]string{}
	consumers := map[string]bool{}
	for _, id := range ids {
		n := g.Nodes[id]
		s := n.Ref
		if s == "" {
			s = n.Pref
		}
		r, err := parseReference(s)
		switch {
		case n.Path != "" || s == "" || errors.Is(err, errNoName):
			consumers[id] = true
			continue
		case err != nil:
			c.problem("graph_lock node %.40q: %v", id, err)
			continue
		}
		refs[id], raw[id] = r, s
	}

	direct, required, buildOnly := map[string]bool{}, map[string]bool{}, map[string]bool{}
	for _, id := range ids {
		n := g.Nodes[id]
		for _, dep := range n.Requires {
			required[dep] = true
			if consumers[id] {
				direct[dep] = true
			}
		}
		for _, dep := range n.BuildRequires {
			buildOnly[dep] = true
			if consumers[id] {
				direct[dep] = true
			}
		}
	}
	for _, id := range ids {
		r, ok := refs[id]
		if !ok {
			continue
		}
		n := g.Nodes[id]
		c.add(lockedPackage{
			reference: r,
			Line:      lines.lineOf(raw[id]),
			Dev:       n.Context == "build" || (buildOnly[id] && !required[id]),
			Indirect:  len(consumers) > 0 && !direct[id],
		})
	}
	// Python requires are recipe code, reused when building: named by reference, not node.
	for _, id := range ids {
		for i, s := range g.Nodes[id].PythonRequires {
			r, err := parseReference(s)
			if errors.Is(err, errNoName) {
				continue
			}
			if err != nil {
				c.problem("graph_lock node %.40q: python_requires[%d]: %v", id, i, err)
				continue
			}
			c.add(lockedPackage{reference: r, Line: lines.lineOf(s), Dev: true, Indirect: !consumers[id]})
		}
	}
}

// lineIndex finds the line of a JSON string in the file: the line each string first
// appears on, as written, gathered in one pass (looking each reference up in the file
// would take time quadratic in its size).
type lineIndex struct {
	lines map[string]int
}

// maxIndexed bounds the strings indexed: references are short, option blobs are not.
const maxIndexed = 512

// newLineIndex indexes the strings of a file that parsed as JSON (so no string holds a raw
// newline).
func newLineIndex(data []byte) *lineIndex {
	li := &lineIndex{lines: map[string]int{}}
	line := 1
	for i := 0; i < len(data); i++ {
		switch data[i] {
		case '\n':
			line++
		case '"':
			j := i + 1
			for j < len(data) && data[j] != '"' {
				if data[j] == '\\' {
					j++
				}
				j++
			}
			if j >= len(data) {
				return li
			}
			if n := j - (i + 1); n <= maxIndexed {
				if s := string(data[i+1 : j]); li.lines[s] == 0 {
					li.lines[s] = line
				}
			}
			i = j
		}
	}
	return li
}

// lineOf returns the line of the first occurrence of s as a JSON string, 0 when it is not
// there as written (escaped differently).
func (li *lineIndex) lineOf(s string) int { return li.lines[s] }
