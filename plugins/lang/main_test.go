package main

import (
	"bytes"
	"encoding/json"
	"io/fs"
	"os"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/trawlscan/trawl/host/walk"
	"github.com/trawlscan/trawl/sdk"
)

func readManifest(t *testing.T) sdk.Manifest {
	t.Helper()
	raw, err := os.ReadFile("manifest.json")
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	var m sdk.Manifest
	if err := dec.Decode(&m); err != nil {
		t.Fatal(err)
	}
	if err := m.Validate(); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestManifest(t *testing.T) {
	m := readManifest(t)
	if m.ABI != "1.0" || m.Name != "lang" || m.Version != "0.2.0" || m.Kind != sdk.KindAnalyzer {
		t.Errorf("manifest %s %s %s %s", m.ABI, m.Name, m.Version, m.Kind)
	}
	var names []string
	for _, a := range m.Analyzers {
		names = append(names, a.Name)
		p, ok := parsers[a.Name]
		if !ok {
			t.Errorf("analyzer %s has no parser", a.Name)
			continue
		}
		// The size limit of every selector is the parser's own bound.
		for _, s := range a.Files {
			if s.MaxSize != p.maxSize {
				t.Errorf("analyzer %s: selector %+v: max_size %d, the parser reads up to %d", a.Name, s, s.MaxSize, p.maxSize)
			}
		}
	}
	sort.Strings(names)
	var want []string
	for n := range parsers {
		want = append(want, n)
	}
	sort.Strings(want)
	if !reflect.DeepEqual(names, want) {
		t.Errorf("manifest analyzers %v, parsers %v", names, want)
	}
}

// TestSelectors runs the manifest through the host's matcher: each path is selected by the
// analyzer that reads it, and by that one only (Analyze takes one analyzer per file).
func TestSelectors(t *testing.T) {
	m := walk.NewMatcher([]sdk.Manifest{readManifest(t)})
	for p, want := range map[string]string{
		"requirements.txt":              analyzerRequirements,
		"app/requirements-dev.txt":      analyzerRequirements,
		"app/requirements/base.txt":     analyzerRequirements,
		"requirements/requirements.txt": analyzerRequirements,
		"srv/app/Pipfile.lock":          analyzerPipfileLock,
		"poetry.lock":                   analyzerPoetryLock,
		"a/b/uv.lock":                   analyzerUVLock,
		"pdm.lock":                      analyzerPDMLock,
		"pylock.toml":                   analyzerPylock,
		"x/pylock.dev.toml":             analyzerPylock,
		"usr/lib/python3.12/site-packages/pip-24.2.dist-info/METADATA":          analyzerPythonDist,
		"usr/local/lib/python3.9/site-packages/foo-1.0-py3.9.egg-info/PKG-INFO": analyzerPythonDist,
		"requirements.in":                   "",
		"Pipfile":                           "",
		"pyproject.toml":                    "",
		"foo-1.0.dist-info/RECORD":          "",
		"sdist/foo-1.0/PKG-INFO":            "",
		"docs/requirements/extra/notes.txt": "",
		"go.mod":                            analyzerGoMod,
		"src/app/vendor/modules.txt":        analyzerGoVendor,
		"go.sum":                            "",
		"x/Cargo.lock":                      analyzerCargoLock,
		"Cargo.toml":                        "",
		"web/composer.lock":                 analyzerComposerLock,
		"Gemfile.lock":                      analyzerGemfileLock,
		"gems.locked":                       analyzerGemfileLock,
		"usr/lib/ruby/gems/3.1.0/specifications/rack-2.2.3.gemspec":         analyzerGemspec,
		"usr/lib/ruby/gems/3.1.0/specifications/default/json-2.6.1.gemspec": analyzerGemspec,
		"Gemfile":                     "",
		"src/packages.lock.json":      analyzerNuGetLock,
		"packages.config":             analyzerPackagesConfig,
		"app/MyApp.deps.json":         analyzerDepsJSON,
		"obj/project.assets.json":     analyzerProjectAssets,
		"src/App/App.csproj":          analyzerMSBuild,
		"Directory.Packages.props":    analyzerMSBuild,
		"paket.lock":                  analyzerPaketLock,
		"usr/bin/not-executable-here": "",
	} {
		wants := m.Match(p, 1000, 0o644)
		var got string
		switch {
		case len(wants) > 1 || len(wants) == 1 && len(wants[0].Analyzers) != 1:
			t.Errorf("%s: selected by %+v", p, wants)
			continue
		case len(wants) == 1:
			got = wants[0].Analyzers[0]
		}
		if got != want {
			t.Errorf("%s: selected by %q, want %q", p, got, want)
		}
	}
}

// TestBinarySelectors: executables (and .exe files, whatever their mode) go to the Go
// binary analyzer, from the Go build information's magic on, and to the cargo-auditable
// one, as their ".dep-v0" section; nothing else does.
func TestBinarySelectors(t *testing.T) {
	m := walk.NewMatcher([]sdk.Manifest{readManifest(t)})
	magic := []byte("\xff Go buildinf:")
	rust := walk.Want{Analyzers: []string{analyzerCargoAudit}, Section: ".dep-v0"}
	for _, tc := range []struct {
		path string
		mode fs.FileMode
		want []walk.Want
	}{
		{"usr/local/bin/app", 0o755, []walk.Want{rust, {Analyzers: []string{analyzerGoBinary}, Seek: magic}}},
		{"app/tool.exe", 0o644, []walk.Want{rust, {Analyzers: []string{analyzerGoBinary}, Seek: magic}}},
		{"usr/local/bin/app", 0o644, nil},
		// An executable lock file is read as a lock file and searched as a binary.
		{"go.mod", 0o755, []walk.Want{{Analyzers: []string{analyzerGoMod}}, rust, {Analyzers: []string{analyzerGoBinary}, Seek: magic}}},
	} {
		if got := m.Match(tc.path, 1000, tc.mode); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s %v: %+v, want %+v", tc.path, tc.mode, got, tc.want)
		}
	}
}

func analyze(t *testing.T, path, name, content string) (*sdk.AnalysisResult, error) {
	t.Helper()
	res, err := (analyzer{}).Analyze(sdk.FileRequest{Path: path, Size: int64(len(content)), Analyzers: []string{name}}, strings.NewReader(content))
	if err == nil {
		if verr := res.Validate(); verr != nil {
			t.Errorf("result does not validate: %v", verr)
		}
	}
	return res, err
}

func TestAnalyze(t *testing.T) {
	res, err := analyze(t, "app/requirements.txt", analyzerRequirements, "flask==2.0.1\nrequests>=2\n")
	if err != nil {
		t.Fatal(err)
	}
	wantPkgs := []sdk.Package{{Name: "flask", Version: "2.0.1", Type: "pypi", Locations: []sdk.Location{{Path: "app/requirements.txt", Line: 1}}}}
	wantErrs := []sdk.FileError{{Analyzer: analyzerRequirements, Path: "app/requirements.txt", Message: "app/requirements.txt:2: unresolved: requests>=2 (not pinned)"}}
	if !reflect.DeepEqual(res.Packages, wantPkgs) || !reflect.DeepEqual(res.Errors, wantErrs) {
		t.Errorf("got %+v", res)
	}

	res, err = analyze(t, "site-packages/pip-24.2.dist-info/METADATA", analyzerPythonDist, "Metadata-Version: 2.1\nName: pip\nVersion: 24.2\nLicense: MIT\n\nbody")
	if err != nil {
		t.Fatal(err)
	}
	wantPkgs = []sdk.Package{{Name: "pip", Version: "24.2", Type: "pypi", Licenses: []string{"MIT"}, Locations: []sdk.Location{{Path: "site-packages/pip-24.2.dist-info/METADATA", Line: 2}}}}
	if !reflect.DeepEqual(res.Packages, wantPkgs) || len(res.Errors) != 0 {
		t.Errorf("got %+v", res)
	}
}

func TestAnalyzeErrors(t *testing.T) {
	for _, tt := range []struct{ path, name, content, err string }{
		{"poetry.lock", analyzerPoetryLock, "not toml", "poetry.lock:1: not a poetry.lock: invalid TOML: expected '=' after key"},
		{"Pipfile.lock", analyzerPipfileLock, "", "Pipfile.lock: empty file, not a Pipfile.lock"},
		{"uv.lock", "npm", "", `uv.lock: unknown analyzer "npm"`},
	} {
		res, err := analyze(t, tt.path, tt.name, tt.content)
		if err == nil || err.Error() != tt.err {
			t.Errorf("%s/%s: got %+v, %v; want error %q", tt.name, tt.path, res, err, tt.err)
		}
	}
	if _, err := (analyzer{}).Analyze(sdk.FileRequest{Path: "uv.lock", Analyzers: []string{analyzerUVLock, analyzerPylock}}, strings.NewReader("")); err == nil {
		t.Error("two analyzers for one file: no error")
	}
}
