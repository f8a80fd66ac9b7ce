package scan

import (
	"sort"
	"strings"

	"github.com/trawlscan/trawl/host/source"
	"github.com/trawlscan/trawl/host/walk"
	"github.com/trawlscan/trawl/sdk"
)

// merged is what the layers add up to once whiteouts and replacements are applied.
type merged struct {
	packages []sdk.Package
	os       *sdk.OS
	errors   []sdk.FileError
}

// osSources ranks the files an OS may be read from; the first visible one wins.
var osSources = []string{"etc/os-release", "usr/lib/os-release"}

// merge applies the layers in order. For each selected path only its topmost version counts,
// and only if no layer above deleted it (a whiteout of the path or of a parent directory, or
// an opaque parent directory). Each package is attributed to the lowest layer from which its
// file kept listing it without interruption, as a user reading `docker history` would expect:
// a package installed in layer 1 stays in layer 1 when layer 3 installs another one.
func merge(layers []*walk.LayerResult, pluginName func(int) string) merged {
	// qualified names an analyzer of a plugin as the report does: "os/apk", or the
	// plugin's name alone when the analyzer gave none.
	qualified := func(plugin int, analyzer string) string {
		if analyzer == "" {
			return pluginName(plugin)
		}
		return pluginName(plugin) + "/" + analyzer
	}
	var out merged
	// versions of each path, bottom first
	versions := map[string][]*version{}
	for _, l := range layers {
		for p, f := range l.Files {
			versions[p] = append(versions[p], &version{layer: l.Index, diffID: l.Info.DiffID, found: f})
		}
	}
	paths := make([]string, 0, len(versions))
	for p := range versions {
		paths = append(paths, p)
	}
	sort.Strings(paths)

	var osFound []*sdk.OS
	for _, p := range paths {
		vs := versions[p]
		sort.Slice(vs, func(i, j int) bool { return vs[i].layer < vs[j].layer })
		top := vs[len(vs)-1]
		if deletedAbove(layers, p, top.layer) {
			continue
		}
		for _, r := range top.found.Results {
			if r.Err != nil || r.Result == nil {
				continue
			}
			for _, fe := range r.Result.Errors {
				// Named as packages are: plugin/analyzer.
				fe.Analyzer = qualified(r.Plugin, fe.Analyzer)
				out.errors = append(out.errors, fe)
			}
			if r.Result.OS != nil {
				o := *r.Result.OS
				if o.Source == "" {
					o.Source = p
				}
				osFound = append(osFound, &o)
			}
			for _, pkg := range r.Result.Packages {
				pkg.Analyzer = qualified(r.Plugin, pkg.Analyzer)
				pkg.Locations = locate(pkg, p, vs, layers, r.Plugin)
				out.packages = append(out.packages, pkg)
			}
		}
	}
	out.os = pickOS(osFound)
	return out
}

type version struct {
	layer  int
	diffID string
	found  *walk.Found
}

// deletedAbove reports whether a layer above `layer` deletes p: a whiteout of p or of one of
// its parents, or an opaque parent.
func deletedAbove(layers []*walk.LayerResult, p string, layer int) bool {
	for _, l := range layers {
		if l.Index <= layer {
			continue
		}
		for _, w := range l.Whiteouts {
			if w == p || strings.HasPrefix(p, w+"/") {
				return true
			}
		}
		for _, o := range l.Opaques {
			if o == "" || strings.HasPrefix(p, o+"/") {
				return true
			}
		}
	}
	return false
}

// locate gives a package found in the top version of path p its location: the path, and the
// lowest layer of the unbroken run of versions of p, ending at the top, that list it.
func locate(pkg sdk.Package, p string, vs []*version, layers []*walk.LayerResult, plugin int) []sdk.Location {
	origin := vs[len(vs)-1]
	for i := len(vs) - 2; i >= 0; i-- {
		v := vs[i]
		if v.found.Kind != source.Regular || deletedAbove(between(layers, v.layer, vs[i+1].layer), p, v.layer) {
			break
		}
		if !lists(v.found, plugin, pkg) {
			break
		}
		origin = v
	}
	loc := sdk.Location{Path: p, LayerDiffID: origin.diffID}
	for _, l := range pkg.Locations {
		if l.Path == p && l.Line > 0 {
			loc.Line = l.Line
		}
	}
	return []sdk.Location{loc}
}

// between returns the layers strictly between lo and hi: those whose whiteouts could break
// the run from the version of a file in lo to the next one in hi.
func between(layers []*walk.LayerResult, lo, hi int) []*walk.LayerResult {
	var out []*walk.LayerResult
	for _, l := range layers {
		if l.Index > lo && l.Index < hi {
			out = append(out, l)
		}
	}
	return out
}

func lists(f *walk.Found, plugin int, pkg sdk.Package) bool {
	for _, r := range f.Results {
		if r.Plugin != plugin || r.Result == nil {
			continue
		}
		for _, q := range r.Result.Packages {
			if q.Name == pkg.Name && q.Version == pkg.Version && q.Arch == pkg.Arch && q.Type == pkg.Type {
				return true
			}
		}
	}
	return false
}

// pickOS chooses among the OS descriptions found: os-release files first, in the order of
// osSources, then any other source (such as etc/alpine-release) in path order.
func pickOS(found []*sdk.OS) *sdk.OS {
	if len(found) == 0 {
		return nil
	}
	rank := func(o *sdk.OS) int {
		for i, s := range osSources {
			if o.Source == s {
				return i
			}
		}
		return len(osSources)
	}
	sort.SliceStable(found, func(i, j int) bool { return rank(found[i]) < rank(found[j]) })
	best := *found[0]
	// An os-release without VERSION_ID (Alpine edge, Debian testing) can borrow the version
	// of a distribution-specific file of the same family.
	if best.Version == "" {
		for _, o := range found[1:] {
			if o.Family == best.Family && o.Version != "" {
				best.Version = o.Version
				break
			}
		}
	}
	return &best
}
