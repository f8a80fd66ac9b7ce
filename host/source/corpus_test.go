package source_test

import (
	"bytes"
	"context"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/trawlscan/trawl/host/source"
	"github.com/trawlscan/trawl/host/source/sourcetest"
)

// ggcr returns the path of a go-containerregistry fixture of the corpus.
func ggcr(t *testing.T, p string) string {
	return filepath.Join(sourcetest.Corpus(t), "images", "go-containerregistry", filepath.FromSlash(p))
}

// TestGGCRFixtures opens every go-containerregistry fixture of the corpus and walks it to
// the exact entries; the deliberately broken ones fail with an error saying why.
func TestGGCRFixtures(t *testing.T) {
	reg := func(p, body string) rec {
		return rec{Path: p, Kind: source.Regular, Size: int64(len(body)), Sum: sha(body)}
	}
	empty := func(p string) rec { return rec{Path: p, Kind: source.Regular, Sum: sha("")} }
	dir := func(p string) rec { return rec{Path: p, Kind: source.Dir} }
	fooBar := []rec{reg("bar", "bar\n"), reg("foo", "foo\n")}
	for _, tc := range []struct {
		path     string
		tag      string
		opts     []source.Option
		platform string
		layers   [][]rec // nil entries: not checked
		err      string
	}{
		{path: "tarball/no_manifest.tar", err: "no_manifest.tar: not an image archive: neither a docker-archive (no manifest.json) nor an OCI image layout (no index.json)"},
		{path: "tarball/null_manifest.tar", err: "null_manifest.tar: manifest.json lists no image"},
		{path: "tarball/test_bundle.tar", err: "test_bundle.tar holds 2 images (test_image_1, test_image_2); choose one with WithTag"},
		{path: "tarball/test_bundle.tar", tag: "test_image_2", platform: "linux/amd64",
			layers: [][]rec{{reg("bat", "bat\n"), reg("baz", "baz\n")}}},
		{path: "tarball/test_bundle.tar", tag: "test_image_1", platform: "linux/amd64",
			layers: [][]rec{fooBar}},
		{path: "tarball/test_image_1.tar", platform: "linux/amd64", layers: [][]rec{fooBar}},
		{path: "tarball/test_image_2.tar", platform: "linux/amd64", layers: [][]rec{{reg("bat", "bat\n"), reg("baz", "baz\n")}}},
		// Layers are symlinks to other members: followed.
		{path: "tarball/test_link.tar", err: "test_link.tar holds 2 images (bazel/v1/tarball:test_image_1, bazel/v1/tarball:test_image_3)"},
		{path: "tarball/test_link.tar", tag: "bazel/v1/tarball:test_image_3", platform: "linux/amd64"},
		{path: "tarball/test_link.tar", tag: "bazel/v1/tarball:test_image_1", platform: "linux/amd64",
			layers: [][]rec{fooBar}},
		// Docker 25: manifest.json and index.json; manifest.json wins.
		{path: "tarball/hello-world-v25.tar", platform: "linux/arm64", layers: [][]rec{nil}},
		{path: "mutate/source_image.tar", platform: "linux/amd64", layers: [][]rec{fooBar}},
		{path: "mutate/source_image_with_empty_layer_history.tar", platform: "linux/amd64", layers: [][]rec{fooBar}},
		{path: "mutate/overwritten_file.tar", platform: "linux/amd64", layers: [][]rec{
			{reg("foo.txt", "foo\n")},
			{reg("bar.txt", "bar\n"), {Path: "foo.txt", Kind: source.Symlink, Linkname: "bar.txt"}},
			{},
		}},
		{path: "mutate/whiteout_image.tar", platform: "linux/amd64", layers: [][]rec{
			{reg("bar.txt", "bar\n"), reg("foo.txt", "foo\n")},
			{{Path: "foo.txt", Kind: source.Whiteout}},
			{},
		}},
		{path: "mutate/whiteout_dir.tar", platform: "linux/amd64", layers: [][]rec{
			{dir("a"), empty("a/foo")},
			{dir("b"), empty("b/bar")},
			{{Path: "a", Kind: source.Whiteout}},
			{dir("a"), empty("a/baz")},
		}},
		{path: "oci-layout/test_index_one_image", platform: "linux/amd64", layers: [][]rec{{reg("test", "test\n")}}},
		// Four manifests: an image, an unknown media type, two nested indexes; linux/amd64 wins.
		{path: "oci-layout/test_index", platform: "linux/amd64", layers: [][]rec{fooBar}},
		{path: "oci-layout/test_gc_index", platform: "linux/amd64", layers: [][]rec{fooBar}},
		{path: "oci-layout/test_gc_image_unknown_mediatype", err: "test_gc_image_unknown_mediatype: the index lists no image manifest"},
		{path: "oci-layout/test_index_media_type", err: "not a container image: config media type is application/vnd.cncf.helm.config.v1+json"},
	} {
		name := tc.path
		if tc.tag != "" {
			name += "@" + tc.tag
			tc.opts = append(tc.opts, source.WithTag(tc.tag))
		}
		t.Run(name, func(t *testing.T) {
			a, err := source.Open(context.Background(), ggcr(t, tc.path), tc.opts...)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			mustClose(t, a)
			if a.Info.Platform != tc.platform {
				t.Errorf("Platform = %q, want %q", a.Info.Platform, tc.platform)
			}
			if tc.layers != nil && len(a.Layers) != len(tc.layers) {
				t.Fatalf("%d layers, want %d", len(a.Layers), len(tc.layers))
			}
			for i, l := range a.Layers {
				if l.Info() != a.Info.Layers[i] || !strings.HasPrefix(l.Info().DiffID, "sha256:") {
					t.Errorf("layer %d Info = %+v / %+v", i, l.Info(), a.Info.Layers[i])
				}
				got := walkAll(t, l)
				if tc.layers != nil && tc.layers[i] != nil {
					diffRecs(t, got, tc.layers[i])
				}
			}
		})
	}
}

// TestGGCRFixtureDetails checks the descriptions the fixtures carry: history skipping
// empty_layer entries, Docker 25 digests, symlinked layers.
func TestGGCRFixtureDetails(t *testing.T) {
	// The empty_layer CMD entry comes first; the one layer is "bazel build ...".
	a, err := source.Archive(ggcr(t, "mutate/source_image_with_empty_layer_history.tar"))
	if err != nil {
		t.Fatal(err)
	}
	mustClose(t, a)
	if got := a.Info.Layers[0].CreatedBy; got != "bazel build ..." {
		t.Errorf("CreatedBy = %q", got)
	}

	a, err = source.Archive(ggcr(t, "mutate/whiteout_dir.tar"))
	if err != nil {
		t.Fatal(err)
	}
	mustClose(t, a)
	for i, want := range []string{"COPY dir:b8c1", "COPY dir:65d0", "COPY file:0ec0", "COPY dir:9cb9"} {
		if !strings.Contains(a.Info.Layers[i].CreatedBy, want) {
			t.Errorf("layer %d CreatedBy = %q, want %q", i, a.Info.Layers[i].CreatedBy, want)
		}
	}

	a, err = source.Archive(ggcr(t, "tarball/hello-world-v25.tar"))
	if err != nil {
		t.Fatal(err)
	}
	mustClose(t, a)
	const blob = "sha256:12660636fe55438cc3ae7424da7ac56e845cdb52493ff9cf949c47a7f57f8b43"
	if l := a.Info.Layers[0]; l.DiffID != blob || l.Digest != blob || l.Size != 10752 || l.CreatedBy != "COPY hello / # buildkit" ||
		a.Info.ImageID != "sha256:ee301c921b8aadc002973b2e0c3da17d701dcd994b606769a7e6eaa100b81d44" {
		t.Errorf("Info = %+v", a.Info)
	}
	recs := walkAll(t, a.Layers[0])
	if len(recs) != 1 || recs[0].Path != "hello" || recs[0].Size != 9136 {
		t.Errorf("hello-world: %v", recs)
	}

	a, err = source.Archive(ggcr(t, "tarball/test_link.tar"), source.WithTag("bazel/v1/tarball:test_image_3"))
	if err != nil {
		t.Fatal(err)
	}
	mustClose(t, a)
	if len(a.Layers) < 2 {
		t.Fatalf("test_image_3: %d layers", len(a.Layers))
	}
}

// TestDebianBookworm walks the 47 MB gzip layer of the Debian image of the corpus and finds
// the dpkg database with its 88 packages.
func TestDebianBookworm(t *testing.T) {
	if source.RaceEnabled {
		t.Skip("115 MB of decompression takes 20 s under -race; runs in under a second without it")
	}
	t.Parallel()
	a, err := source.Archive(filepath.Join(sourcetest.Corpus(t), "images", "debian-bookworm-minbase.tar"))
	if err != nil {
		t.Fatal(err)
	}
	mustClose(t, a)
	if len(a.Layers) != 1 || a.Info.Platform != "linux/amd64" || a.Info.Layers[0].Size != 48576193 {
		t.Fatalf("Info = %+v", a.Info)
	}
	var status []byte
	files := 0
	err = a.Layers[0].Walk(context.Background(), func(e *source.Entry) error {
		if e.Kind == source.Regular {
			files++
		}
		if e.Path == "var/lib/dpkg/status" {
			b, err := io.ReadAll(e.Body)
			status = b
			return err
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n := bytes.Count(status, []byte("\nPackage: ")) + bytes.Count(status[:min(len(status), 9)], []byte("Package: ")); n != 88 {
		t.Errorf("var/lib/dpkg/status lists %d packages, want 88 (%d bytes)", n, len(status))
	}
	st := a.Layers[0].(*source.ImageLayer).Stats()
	if st.Compression != "gzip" || st.Escaping != 0 || files < 1000 {
		t.Errorf("Stats = %+v, %d files", st, files)
	}
	t.Logf("%d entries, %d regular files, %d MB uncompressed", st.Entries, files, st.Bytes>>20)
}
