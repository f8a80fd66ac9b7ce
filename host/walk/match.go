// Package walk routes the entries of a layer to the analyzers whose selectors want them,
// reading each file's content once and streaming it to every analyzer that asked for it.
package walk

import (
	"io/fs"
	"path"
	"sort"
	"strings"

	"github.com/trawlscan/trawl/sdk"
)

// DefaultMaxSize is the size limit of a selector that sets none.
const DefaultMaxSize = 64 << 20

// Want is one plugin's interest in a file: which of its analyzers selected it.
type Want struct {
	// Plugin is the index of the plugin in the list the Matcher was built from.
	Plugin    int
	Analyzers []string
	// Seek, when set, makes the file the plugin's only if it contains these bytes, and
	// then only from their first occurrence (sdk.Selector.Seek). Analyzers that seek
	// different bytes, or none, get separate Wants.
	Seek []byte
	// Section, when set, makes the file the plugin's only if it is an executable with a
	// section of this name, and then only that section (sdk.Selector.Section).
	Section string
	// Batch holds the file back, to be sent with the others of its layer that the plugin's
	// batch selectors pick (sdk.Selector.Batch).
	Batch bool
}

// Matcher finds the analyzers that select a path. It is built once per scan and is safe for
// concurrent use. Exact paths and base names are map lookups; a glob whose last element is
// literal is filed under that base name, so most files cost two map lookups and no pattern
// matching.
type Matcher struct {
	exact map[string][]rule
	base  map[string][]rule
	// dir files globs whose last element alone has wildcards ("var/lib/dpkg/status.d/*")
	// under their literal parent directory.
	dir   map[string][]rule
	globs []rule // the other globs, tried on every file
}

type rule struct {
	plugin     int
	analyzer   string
	glob       string // "" for exact and base rules
	maxSize    int64
	executable bool
	seek       string // the bytes sought, "" for none
	section    string // the executable's section wanted, "" for all of the file
	batch      bool
}

// NewMatcher builds a Matcher from the manifests of analyzer plugins, by index.
func NewMatcher(manifests []sdk.Manifest) *Matcher {
	m := &Matcher{exact: map[string][]rule{}, base: map[string][]rule{}, dir: map[string][]rule{}}
	for i, man := range manifests {
		for _, a := range man.Analyzers {
			for _, s := range a.Files {
				// Manifests are validated when loaded (sdk.Manifest.Validate): the seek is hex.
				seek, _ := s.SeekBytes()
				r := rule{plugin: i, analyzer: a.Name, maxSize: s.MaxSize, executable: s.Executable, seek: string(seek), section: s.Section, batch: s.Batch}
				if r.maxSize == 0 {
					r.maxSize = DefaultMaxSize
				}
				switch {
				case s.Path != "":
					m.exact[s.Path] = append(m.exact[s.Path], r)
				case s.Base != "":
					m.base[s.Base] = append(m.base[s.Base], r)
				case s.Glob != "":
					r.glob = s.Glob
					i := strings.LastIndexByte(s.Glob, '/')
					last, parent := s.Glob[i+1:], ""
					if i >= 0 {
						parent = s.Glob[:i]
					}
					switch {
					case !strings.ContainsAny(last, `*?[\`):
						m.base[last] = append(m.base[last], r)
					case i >= 0 && !strings.ContainsAny(parent, `*?[\`):
						m.dir[parent] = append(m.dir[parent], r)
					default:
						m.globs = append(m.globs, r)
					}
				}
			}
		}
	}
	return m
}

// Selects reports whether any analyzer selects p, whatever its size, for a non-regular
// entry that hides the file of lower layers. Executable selectors do not count: with their
// "**" globs they would select every directory and symlink of an image, and a binary that
// a later layer replaces by a symlink is rare enough to be reported still.
func (m *Matcher) Selects(p string) bool {
	return len(m.Match(p, 0, 0)) > 0
}

// Match returns, by plugin in index order, the analyzers that want a file of the given
// size and permission bits at path p.
func (m *Matcher) Match(p string, size int64, mode fs.FileMode) []Want {
	var hits []rule
	add := func(rs []rule) {
		for _, r := range rs {
			if size > r.maxSize || r.executable && mode&0o111 == 0 {
				continue
			}
			if r.glob != "" && !Glob(r.glob, p) {
				continue
			}
			hits = append(hits, r)
		}
	}
	add(m.exact[p])
	add(m.base[path.Base(p)])
	if len(m.dir) > 0 {
		add(m.dir[path.Dir(p)])
	}
	if len(m.globs) > 0 {
		add(m.globs)
	}
	if len(hits) == 0 {
		return nil
	}
	sort.SliceStable(hits, func(i, j int) bool {
		if hits[i].plugin != hits[j].plugin {
			return hits[i].plugin < hits[j].plugin
		}
		if hits[i].seek != hits[j].seek {
			return hits[i].seek < hits[j].seek
		}
		if hits[i].section != hits[j].section {
			return hits[i].section < hits[j].section
		}
		return !hits[i].batch && hits[j].batch
	})
	var out []Want
	for _, h := range hits {
		if n := len(out); n > 0 && out[n-1].Plugin == h.plugin && string(out[n-1].Seek) == h.seek && out[n-1].Section == h.section && out[n-1].Batch == h.batch {
			if !contains(out[n-1].Analyzers, h.analyzer) {
				out[n-1].Analyzers = append(out[n-1].Analyzers, h.analyzer)
			}
			continue
		}
		w := Want{Plugin: h.plugin, Analyzers: []string{h.analyzer}, Section: h.section, Batch: h.batch}
		if h.seek != "" {
			w.Seek = []byte(h.seek)
		}
		out = append(out, w)
	}
	return out
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// Glob reports whether name matches pattern, where "*", "?" and "[...]" work as in
// path.Match within one element and a "**" element matches zero or more elements.
func Glob(pattern, name string) bool {
	return globParts(strings.Split(pattern, "/"), strings.Split(name, "/"))
}

func globParts(pat, name []string) bool {
	for len(pat) > 0 {
		if pat[0] == "**" {
			rest := pat[1:]
			if len(rest) == 0 {
				return true
			}
			for i := 0; i <= len(name); i++ {
				if globParts(rest, name[i:]) {
					return true
				}
			}
			return false
		}
		if len(name) == 0 {
			return false
		}
		if ok, err := path.Match(pat[0], name[0]); err != nil || !ok {
			return false
		}
		pat, name = pat[1:], name[1:]
	}
	return len(name) == 0
}
