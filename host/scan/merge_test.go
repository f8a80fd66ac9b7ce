package scan

import (
	"fmt"
	"reflect"
	"sort"
	"testing"

	"github.com/trawlscan/trawl/host/source"
	"github.com/trawlscan/trawl/host/walk"
	"github.com/trawlscan/trawl/sdk"
)

const apkDB = "lib/apk/db/installed"

// layer builds a LayerResult: files maps a path to the packages (name@version) an analyzer
// found there; a nil list is a file the analyzer failed on.
func layer(i int, files map[string][]string, whiteouts, opaques []string) *walk.LayerResult {
	l := &walk.LayerResult{Index: i, Info: sdk.Layer{DiffID: fmt.Sprintf("sha256:layer%d", i)}, Files: map[string]*walk.Found{}, Whiteouts: whiteouts, Opaques: opaques}
	for p, pkgs := range files {
		f := &walk.Found{Path: p, Kind: source.Regular}
		if pkgs == nil {
			f.Results = []walk.FileResult{{Plugin: 0, Err: fmt.Errorf("boom")}}
		} else {
			r := &sdk.AnalysisResult{}
			for _, nv := range pkgs {
				var n, v string
				fmt.Sscanf(nv, "%s %s", &n, &v)
				r.Packages = append(r.Packages, sdk.Package{Name: n, Version: v, Type: "apk", Analyzer: "apk"})
			}
			f.Results = []walk.FileResult{{Plugin: 0, Result: r}}
		}
		l.Files[p] = f
	}
	return l
}

// got renders merged packages as "name version path layer".
func got(m merged) []string {
	var out []string
	for _, p := range m.packages {
		out = append(out, fmt.Sprintf("%s %s %s %s", p.Name, p.Version, p.Locations[0].Path, p.Locations[0].LayerDiffID))
	}
	sort.Strings(out)
	return out
}

func name(int) string { return "os" }

func TestMerge(t *testing.T) {
	for _, tc := range []struct {
		name   string
		layers []*walk.LayerResult
		want   []string
	}{
		{
			name:   "one layer",
			layers: []*walk.LayerResult{layer(0, map[string][]string{apkDB: {"musl 1.0", "zlib 1.2"}}, nil, nil)},
			want:   []string{"musl 1.0 " + apkDB + " sha256:layer0", "zlib 1.2 " + apkDB + " sha256:layer0"},
		},
		{
			name: "upper layer adds a package: old ones keep their layer",
			layers: []*walk.LayerResult{
				layer(0, map[string][]string{apkDB: {"musl 1.0"}}, nil, nil),
				layer(1, map[string][]string{}, nil, nil),
				layer(2, map[string][]string{apkDB: {"musl 1.0", "curl 8.0"}}, nil, nil),
			},
			want: []string{"curl 8.0 " + apkDB + " sha256:layer2", "musl 1.0 " + apkDB + " sha256:layer0"},
		},
		{
			name: "upgrade in an upper layer",
			layers: []*walk.LayerResult{
				layer(0, map[string][]string{apkDB: {"musl 1.0"}}, nil, nil),
				layer(1, map[string][]string{apkDB: {"musl 1.1"}}, nil, nil),
			},
			want: []string{"musl 1.1 " + apkDB + " sha256:layer1"},
		},
		{
			name: "database deleted by a whiteout",
			layers: []*walk.LayerResult{
				layer(0, map[string][]string{apkDB: {"musl 1.0"}}, nil, nil),
				layer(1, nil, []string{apkDB}, nil),
			},
			want: nil,
		},
		{
			name: "parent directory deleted",
			layers: []*walk.LayerResult{
				layer(0, map[string][]string{apkDB: {"musl 1.0"}}, nil, nil),
				layer(1, nil, []string{"lib/apk"}, nil),
			},
			want: nil,
		},
		{
			name: "opaque parent hides lower content but not its own",
			layers: []*walk.LayerResult{
				layer(0, map[string][]string{apkDB: {"musl 1.0"}, "other/db": {"x 1"}}, nil, nil),
				layer(1, map[string][]string{apkDB: {"busybox 2.0"}}, nil, []string{"lib/apk/db"}),
			},
			want: []string{"busybox 2.0 " + apkDB + " sha256:layer1", "x 1 other/db sha256:layer0"},
		},
		{
			name: "deleted then recreated: the run restarts",
			layers: []*walk.LayerResult{
				layer(0, map[string][]string{apkDB: {"musl 1.0"}}, nil, nil),
				layer(1, nil, []string{apkDB}, nil),
				layer(2, map[string][]string{apkDB: {"musl 1.0"}}, nil, nil),
			},
			want: []string{"musl 1.0 " + apkDB + " sha256:layer2"},
		},
		{
			name: "whiteout with a similar prefix does not delete",
			layers: []*walk.LayerResult{
				layer(0, map[string][]string{apkDB: {"musl 1.0"}}, nil, nil),
				layer(1, nil, []string{"lib/ap", "lib/apk/db/installed.old"}, nil),
			},
			want: []string{"musl 1.0 " + apkDB + " sha256:layer0"},
		},
		{
			name: "the analyzer failed on the top version: nothing from the lower one",
			layers: []*walk.LayerResult{
				layer(0, map[string][]string{apkDB: {"musl 1.0"}}, nil, nil),
				layer(1, map[string][]string{apkDB: nil}, nil, nil),
			},
			want: nil,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if g := got(merge(tc.layers, name)); !reflect.DeepEqual(g, tc.want) {
				t.Errorf("got  %q\nwant %q", g, tc.want)
			}
		})
	}
}

func TestMergeSymlinkHidesLowerFile(t *testing.T) {
	l0 := layer(0, map[string][]string{apkDB: {"musl 1.0"}}, nil, nil)
	l1 := layer(1, nil, nil, nil)
	l1.Files[apkDB] = &walk.Found{Path: apkDB, Kind: source.Symlink}
	if g := got(merge([]*walk.LayerResult{l0, l1}, name)); len(g) != 0 {
		t.Errorf("got %q, want nothing: the file was replaced by a symlink", g)
	}
}

func TestMergePicksOS(t *testing.T) {
	osLayer := func(i int, files map[string]sdk.OS) *walk.LayerResult {
		l := &walk.LayerResult{Index: i, Files: map[string]*walk.Found{}}
		for p, o := range files {
			o := o
			l.Files[p] = &walk.Found{Path: p, Kind: source.Regular, Results: []walk.FileResult{{Result: &sdk.AnalysisResult{OS: &o}}}}
		}
		return l
	}
	m := merge([]*walk.LayerResult{osLayer(0, map[string]sdk.OS{
		"etc/alpine-release": {Family: "alpine", Version: "3.20.3"},
		"usr/lib/os-release": {Family: "alpine", Version: "3.20.0"},
	}), osLayer(1, map[string]sdk.OS{
		"etc/os-release": {Family: "alpine", Name: "Alpine Linux"},
	})}, name)
	want := &sdk.OS{Family: "alpine", Name: "Alpine Linux", Version: "3.20.0", Source: "etc/os-release"}
	if !reflect.DeepEqual(m.os, want) {
		t.Errorf("os = %+v, want %+v (etc/os-release first, version borrowed from the next source)", m.os, want)
	}
}
