package registry

import (
	"bytes"
	"context"
	"fmt"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/trawlscan/trawl/host/fetch"
)

// maxIndexSize bounds a plugin index: thousands of plugins fit in a few hundred KiB.
const maxIndexSize = 8 << 20

// Index is a plugin index: a YAML (or JSON) document listing plugins and where their
// versions are published (README.md, "Index").
type Index struct {
	APIVersion string        `yaml:"apiVersion" json:"apiVersion"`
	Kind       string        `yaml:"kind" json:"kind"`
	Plugins    []IndexPlugin `yaml:"plugins" json:"plugins"`
}

// IndexPlugin is one plugin of an index.
type IndexPlugin struct {
	Name        string `yaml:"name" json:"name"`
	Description string `yaml:"description,omitempty" json:"description,omitempty"`
	Kind        string `yaml:"kind" json:"kind"`
	// Handles are the plugin's analyzers, formats and ecosystems, what a search matches
	// besides its name and description ("conan", "sarif", "npm").
	Handles  []string `yaml:"handles,omitempty" json:"handles,omitempty"`
	Homepage string   `yaml:"homepage,omitempty" json:"homepage,omitempty"`
	// Versions are newest first.
	Versions []IndexVersion `yaml:"versions" json:"versions"`
}

// IndexVersion is one published version.
type IndexVersion struct {
	Version string `yaml:"version" json:"version"`
	// Ref is where it is published: oci://registry/repository:tag (or @sha256:), or an
	// https:// URL.
	Ref string `yaml:"ref" json:"ref"`
	// Digest is the module's digest, which `trawl plugin install --digest` pins.
	Digest string `yaml:"digest,omitempty" json:"digest,omitempty"`
	ABI    string `yaml:"abi,omitempty" json:"abi,omitempty"`
}

// IndexAPIVersion and IndexKind identify an index document.
const (
	IndexAPIVersion = "trawl.dev/v1"
	IndexKind       = "PluginIndex"
)

// ParseIndex reads and checks an index document.
func ParseIndex(data []byte) (*Index, error) {
	var idx Index
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&idx); err != nil {
		return nil, fmt.Errorf("plugin index: %w", err)
	}
	if idx.APIVersion != IndexAPIVersion || idx.Kind != IndexKind {
		return nil, fmt.Errorf("plugin index: apiVersion %q kind %q, want %s %s", idx.APIVersion, idx.Kind, IndexAPIVersion, IndexKind)
	}
	seen := map[string]bool{}
	for i, p := range idx.Plugins {
		if p.Name == "" || seen[p.Name] {
			return nil, fmt.Errorf("plugin index: plugin %d: empty or repeated name %q", i, p.Name)
		}
		seen[p.Name] = true
		for _, v := range p.Versions {
			if v.Version == "" || v.Ref == "" {
				return nil, fmt.Errorf("plugin index: plugin %s: a version without version or ref", p.Name)
			}
			if v.Digest != "" {
				if _, ok := fetch.ParseDigest(v.Digest); !ok {
					return nil, fmt.Errorf("plugin index: plugin %s %s: digest %q: want sha256:<64 hex digits>", p.Name, v.Version, v.Digest)
				}
			}
		}
	}
	return &idx, nil
}

// LoadIndex fetches and parses an index: a path, an https:// URL, or an OCI artifact with
// one layer of IndexMediaType. Options used: WithHTTPClient, WithInsecure,
// WithRemoteOptions, WithOffline.
func LoadIndex(ctx context.Context, source string, opts ...Option) (*Index, error) {
	c := newConfig(nil, opts)
	if c.offline && kindOf(source) != kindFile {
		return nil, fmt.Errorf("plugin index %s: %w: it is on the network", fetch.Redact(source), ErrOffline)
	}
	fo := append(c.fetchOptions(maxIndexSize), fetch.WithMediaType(IndexMediaType), fetch.WithRemoteOptions(c.remote...))
	d, err := fetch.Get(ctx, source, fo...)
	if err != nil {
		return nil, err
	}
	idx, err := ParseIndex(d.Data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", d.Source, err)
	}
	return idx, nil
}

// Search returns the plugins of idx that match every word of query, in their name,
// description, kind or handles, case-insensitively: exact name matches first, then names
// that contain the query, then the rest, each in name order. An empty query matches all.
func Search(idx *Index, query string) []IndexPlugin {
	words := strings.Fields(strings.ToLower(query))
	type hit struct {
		p    IndexPlugin
		rank int
	}
	var hits []hit
	for _, p := range idx.Plugins {
		hay := strings.ToLower(strings.Join(append([]string{p.Name, p.Description, p.Kind}, p.Handles...), "\x00"))
		ok := true
		for _, w := range words {
			if !strings.Contains(hay, w) {
				ok = false
				break
			}
		}
		if !ok {
			continue
		}
		q, name := strings.ToLower(strings.TrimSpace(query)), strings.ToLower(p.Name)
		rank := 2
		switch {
		case q != "" && name == q:
			rank = 0
		case q != "" && strings.Contains(name, q):
			rank = 1
		}
		hits = append(hits, hit{p, rank})
	}
	sort.SliceStable(hits, func(i, j int) bool {
		if hits[i].rank != hits[j].rank {
			return hits[i].rank < hits[j].rank
		}
		return hits[i].p.Name < hits[j].p.Name
	})
	out := make([]IndexPlugin, len(hits))
	for i, h := range hits {
		out[i] = h.p
	}
	return out
}

// Lookup returns a plugin's version from the index: the named version, or the first
// (newest) when version is empty.
func (idx *Index) Lookup(name, version string) (IndexPlugin, IndexVersion, error) {
	for _, p := range idx.Plugins {
		if p.Name != name {
			continue
		}
		for _, v := range p.Versions {
			if version == "" || v.Version == version {
				return p, v, nil
			}
		}
		return p, IndexVersion{}, fmt.Errorf("%w: the index has no version %q of %s", ErrNotFound, version, name)
	}
	return IndexPlugin{}, IndexVersion{}, fmt.Errorf("%w: the index has no plugin %s", ErrNotFound, name)
}
