package registry_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"reflect"
	"testing"

	"github.com/trawlscan/trawl/registry"
)

const indexYAML = `apiVersion: trawl.dev/v1
kind: PluginIndex
plugins:
  - name: conan
    description: C and C++ packages from conan.lock
    kind: analyzer
    handles: [conan, conan.lock, ConanCenter]
    versions:
      - version: 1.1.0
        ref: oci://ghcr.io/acme/trawl-conan:1.1.0
        digest: sha256:1111111111111111111111111111111111111111111111111111111111111111
      - version: 1.0.0
        ref: oci://ghcr.io/acme/trawl-conan:1.0.0
  - name: md
    description: the packages of a report as a Markdown table
    kind: formatter
    handles: [md, markdown]
    versions:
      - {version: 1.0.0, ref: "https://example.com/md.wasm"}
  - name: markdown-summary
    description: a one-page summary
    kind: formatter
    handles: [markdown]
    versions:
      - {version: 0.1.0, ref: "oci://example.com/p/summary:0.1.0"}
`

func names(ps []registry.IndexPlugin) []string {
	out := []string{}
	for _, p := range ps {
		out = append(out, p.Name)
	}
	return out
}

func TestSearch(t *testing.T) {
	idx, err := registry.ParseIndex([]byte(indexYAML))
	if err != nil {
		t.Fatal(err)
	}
	for q, want := range map[string][]string{
		"":                 {"conan", "markdown-summary", "md"},
		"conan":            {"conan"},
		"CONANCENTER":      {"conan"},
		"markdown":         {"markdown-summary", "md"}, // name match first
		"md":               {"md"},
		"formatter table":  {"md"},
		"analyzer md":      {},
		"c++":              {"conan"},
		"nothing-like-it":  {},
		"summary markdown": {"markdown-summary"},
	} {
		if got := names(registry.Search(idx, q)); !reflect.DeepEqual(got, want) {
			t.Errorf("Search(%q) = %v, want %v", q, got, want)
		}
	}
	p, v, err := idx.Lookup("conan", "")
	if err != nil || p.Kind != "analyzer" || v.Version != "1.1.0" || v.Digest == "" {
		t.Errorf("latest conan: %+v %+v %v", p, v, err)
	}
	if _, v, _ := idx.Lookup("conan", "1.0.0"); v.Ref != "oci://ghcr.io/acme/trawl-conan:1.0.0" {
		t.Errorf("conan 1.0.0: %+v", v)
	}
	_, _, err = idx.Lookup("conan", "9")
	mustFail(t, err, registry.ErrNotFound, `no version "9" of conan`)
	_, _, err = idx.Lookup("nope", "")
	mustFail(t, err, registry.ErrNotFound, "no plugin nope")
}

func TestLoadIndex(t *testing.T) {
	ctx := context.Background()
	f := writeFile(t, t.TempDir(), "index.yaml", []byte(indexYAML))
	idx, err := registry.LoadIndex(ctx, f)
	if err != nil || len(idx.Plugins) != 3 {
		t.Fatalf("file: %v", err)
	}
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(indexYAML)) }))
	defer srv.Close()
	if idx, err = registry.LoadIndex(ctx, srv.URL+"/index.yaml", registry.WithHTTPClient(srv.Client())); err != nil || len(idx.Plugins) != 3 {
		t.Fatalf("https: %v", err)
	}
	_, err = registry.LoadIndex(ctx, srv.URL+"/index.yaml", registry.WithOffline(true))
	mustFail(t, err, registry.ErrOffline)
	for doc, want := range map[string]string{
		"kind: Other\napiVersion: trawl.dev/v1\n":                                                                                "want trawl.dev/v1 PluginIndex",
		"apiVersion: trawl.dev/v1\nkind: PluginIndex\nplugins: [{name: a}, {name: a}]\n":                                         `repeated name "a"`,
		"apiVersion: trawl.dev/v1\nkind: PluginIndex\nplugins: [{name: a, versions: [{version: '1', ref: x, digest: md5:1}]}]\n": "want sha256:",
		"{": "plugin index",
	} {
		_, err := registry.LoadIndex(ctx, writeFile(t, t.TempDir(), "i.yaml", []byte(doc)))
		mustFail(t, err, nil, want)
	}
}
