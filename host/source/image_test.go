package source_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"

	"github.com/trawlscan/trawl/host/source"
	"github.com/trawlscan/trawl/host/source/sourcetest"
	"github.com/trawlscan/trawl/sdk"
)

const alpineVersion = "3.20.3"

// alpineWant is what walking the Alpine minirootfs must give, read independently.
type alpineWant struct {
	recs      []rec
	diffID    string
	gzDigest  string
	installed []byte
}

var (
	alpineMu    sync.Mutex
	alpineCache = map[string]alpineWant{}
)

// wantAlpine reads the tarball of version once per test binary.
func wantAlpine(t *testing.T, version string) alpineWant {
	t.Helper()
	alpineMu.Lock()
	defer alpineMu.Unlock()
	if w, ok := alpineCache[version]; ok {
		return w
	}
	p := sourcetest.AlpineTarball(t, version)
	recs, diffID, installed := tarballRecs(t, p, "lib/apk/db/installed")
	if len(installed) == 0 {
		t.Fatalf("%s has no lib/apk/db/installed", p)
	}
	w := alpineWant{recs: recs, diffID: diffID, gzDigest: fileSHA256(t, p), installed: installed}
	alpineCache[version] = w
	return w
}

// checkAlpineLayer walks l and compares it with the original tarball, entry by entry.
func checkAlpineLayer(t *testing.T, l source.Layer, want alpineWant) {
	t.Helper()
	if got := l.Info().DiffID; got != want.diffID {
		t.Errorf("DiffID = %s, want %s", got, want.diffID)
	}
	var installed []byte
	recs, err := walkErrWith(l, "lib/apk/db/installed", &installed)
	if err != nil {
		t.Fatal(err)
	}
	diffRecs(t, recs, want.recs)
	if got, w := countKind(recs, source.Regular), countKind(want.recs, source.Regular); got != w || got < 70 {
		t.Errorf("%d regular files, want %d", got, w)
	}
	if string(installed) != string(want.installed) {
		t.Errorf("lib/apk/db/installed differs: %d bytes, want %d", len(installed), len(want.installed))
	}
}

// TestAlpineFormats builds an image from the Alpine minirootfs, writes it in every form the
// package reads, opens each and checks the walk yields exactly the tarball's entries, and
// the artifact's description.
func TestAlpineFormats(t *testing.T) {
	t.Parallel()
	want := wantAlpine(t, alpineVersion)
	img := sourcetest.Image(t, sourcetest.AlpineLayer(t, alpineVersion))
	imgDigest, err := img.Digest()
	if err != nil {
		t.Fatal(err)
	}
	configName, err := img.ConfigName()
	if err != nil {
		t.Fatal(err)
	}
	gzSize := fileSize(t, sourcetest.AlpineTarball(t, alpineVersion))

	host := sourcetest.Registry(t)
	ref := host + "/alpine:" + alpineVersion
	sourcetest.Push(t, ref, img)

	cases := []struct {
		name        string
		open        func() (*source.Artifact, error)
		digest      string // manifest digest expected in Info
		layerDigest string
		layerSize   int64
		compression string
	}{
		{"docker-archive", func() (*source.Artifact, error) {
			return source.Archive(sourcetest.WriteDockerArchive(t, img))
		}, "", "", gzSize, "gzip"},
		{"docker-save", func() (*source.Artifact, error) {
			return source.Archive(sourcetest.WriteDockerSave(t, img))
		}, "", "", -1, "none"},
		{"layout", func() (*source.Artifact, error) {
			return source.Layout(sourcetest.WriteLayout(t, img))
		}, imgDigest.String(), want.gzDigest, gzSize, "gzip"},
		{"oci-tar", func() (*source.Artifact, error) {
			return source.Archive(sourcetest.WriteOCITar(t, img))
		}, imgDigest.String(), want.gzDigest, gzSize, "gzip"},
		{"open-layout", func() (*source.Artifact, error) {
			return source.Open(context.Background(), sourcetest.WriteLayout(t, img))
		}, imgDigest.String(), want.gzDigest, gzSize, "gzip"},
		{"remote", func() (*source.Artifact, error) {
			return source.Remote(context.Background(), ref)
		}, imgDigest.String(), want.gzDigest, gzSize, "gzip"},
		{"from-image", func() (*source.Artifact, error) {
			return source.FromImage("mem", img)
		}, imgDigest.String(), want.gzDigest, gzSize, "gzip"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a, err := tc.open()
			if err != nil {
				t.Fatal(err)
			}
			mustClose(t, a)
			if a.Info.Type != sdk.ArtifactImage || a.Info.Platform != "linux/amd64" ||
				a.Info.ImageID != configName.String() || a.Info.Digest != tc.digest {
				t.Errorf("Info = %+v; want image, linux/amd64, ImageID %s, Digest %q", a.Info, configName, tc.digest)
			}
			if a.Config == nil || a.Config.RootFS.DiffIDs[0].String() != want.diffID {
				t.Errorf("Config = %+v", a.Config)
			}
			if len(a.Layers) != 1 || len(a.Info.Layers) != 1 {
				t.Fatalf("%d layers, %d in Info; want 1", len(a.Layers), len(a.Info.Layers))
			}
			li := a.Info.Layers[0]
			wantSize := tc.layerSize
			if wantSize < 0 {
				wantSize = li.Size // the uncompressed tar: checked against the walk below
			}
			if li != a.Layers[0].Info() || li.DiffID != want.diffID || li.Digest != tc.layerDigest ||
				li.Size != wantSize || li.CreatedBy != "sourcetest layer 0" {
				t.Errorf("layer Info = %+v; want DiffID %s Digest %q Size %d", li, want.diffID, tc.layerDigest, wantSize)
			}
			checkAlpineLayer(t, a.Layers[0], want)
			st := a.Layers[0].(*source.ImageLayer).Stats()
			if st.Compression != tc.compression || st.Entries != len(want.recs) || st.Escaping != 0 {
				t.Errorf("Stats = %+v; want %s, %d entries", st, tc.compression, len(want.recs))
			}
			if tc.compression == "none" && st.Bytes != li.Size {
				t.Errorf("uncompressed layer: read %d bytes, Size %d", st.Bytes, li.Size)
			}
		})
	}
}

// TestAlpineVersions walks every Alpine minirootfs of the corpus through an OCI tar (under
// -race only the oldest; TestAlpineFormats covers the newest).
func TestAlpineVersions(t *testing.T) {
	t.Parallel()
	versions := []string{"3.10.9", "3.12.12", "3.18.9", "3.20.3"}
	if source.RaceEnabled {
		versions = versions[:1]
	}
	for _, v := range versions {
		t.Run(v, func(t *testing.T) {
			want := wantAlpine(t, v)
			a, err := source.Archive(sourcetest.WriteOCITar(t, sourcetest.Image(t, sourcetest.AlpineLayer(t, v))))
			if err != nil {
				t.Fatal(err)
			}
			mustClose(t, a)
			checkAlpineLayer(t, a.Layers[0], want)
		})
	}
}

// TestWhiteoutLayer: an upper layer deleting lib/apk/db/installed and making etc/apk opaque
// gives Whiteout and Opaque entries with the paths they apply to.
func TestWhiteoutLayer(t *testing.T) {
	upper := sourcetest.Layer(t,
		sourcetest.Whiteout("lib/apk/db/installed"),
		sourcetest.Dir("etc/apk"),
		sourcetest.Opaque("etc/apk"),
		sourcetest.File("etc/apk/world", "busybox\n"),
		sourcetest.Whiteout("bin"),
		sourcetest.Opaque("/"),
	)
	img := sourcetest.Image(t, sourcetest.AlpineLayer(t, alpineVersion), upper)
	want := []rec{
		{Path: "lib/apk/db/installed", Kind: source.Whiteout},
		{Path: "etc/apk", Kind: source.Dir},
		{Path: "etc/apk", Kind: source.Opaque},
		{Path: "etc/apk/world", Kind: source.Regular, Size: 8, Sum: sha("busybox\n")},
		{Path: "bin", Kind: source.Whiteout},
		{Path: "", Kind: source.Opaque},
	}
	for name, p := range map[string]string{
		"docker-archive": sourcetest.WriteDockerArchive(t, img),
		"oci-tar":        sourcetest.WriteOCITar(t, img),
	} {
		t.Run(name, func(t *testing.T) {
			a, err := source.Archive(p)
			if err != nil {
				t.Fatal(err)
			}
			mustClose(t, a)
			if len(a.Layers) != 2 {
				t.Fatalf("%d layers", len(a.Layers))
			}
			diffRecs(t, walkAll(t, a.Layers[1]), want)
			if got := a.Info.Layers[1].CreatedBy; got != "sourcetest layer 1" {
				t.Errorf("CreatedBy = %q", got)
			}
		})
	}
}

// TestZstdLayer: a zstd layer walks like a gzip one.
func TestZstdLayer(t *testing.T) {
	img := sourcetest.Image(t, sourcetest.ZstdLayer(t,
		sourcetest.Dir("etc"), sourcetest.File("etc/os-release", "ID=test\n")))
	a, err := source.Layout(sourcetest.WriteLayout(t, img))
	if err != nil {
		t.Fatal(err)
	}
	mustClose(t, a)
	diffRecs(t, walkAll(t, a.Layers[0]), []rec{
		{Path: "etc", Kind: source.Dir},
		{Path: "etc/os-release", Kind: source.Regular, Size: 8, Sum: sha("ID=test\n")},
	})
	if st := a.Layers[0].(*source.ImageLayer).Stats(); st.Compression != "zstd" {
		t.Errorf("Compression = %q", st.Compression)
	}
}

// platformImages returns an index of two single-file images and their config digests.
func platformImages(t *testing.T) (v1.ImageIndex, map[string]string) {
	t.Helper()
	imgs := map[string]v1.Image{
		"linux/amd64":    sourcetest.ImageFor(t, "linux/amd64", sourcetest.LayerFromFiles(t, map[string]string{"arch": "amd64"})),
		"linux/arm64/v8": sourcetest.ImageFor(t, "linux/arm64/v8", sourcetest.LayerFromFiles(t, map[string]string{"arch": "arm64"})),
	}
	ids := map[string]string{}
	for p, img := range imgs {
		h, err := img.ConfigName()
		if err != nil {
			t.Fatal(err)
		}
		ids[p] = h.String()
	}
	return sourcetest.Index(t, imgs), ids
}

// checkPlatforms opens an index through open with no platform, linux/arm64 and a missing one.
func checkPlatforms(t *testing.T, ids map[string]string, open func(...source.Option) (*source.Artifact, error)) {
	t.Helper()
	for _, tc := range []struct {
		opts     []source.Option
		platform string
	}{
		{nil, "linux/amd64"},
		{[]source.Option{source.WithPlatform("linux/arm64")}, "linux/arm64/v8"},
		{[]source.Option{source.WithPlatform("linux/arm64/v8")}, "linux/arm64/v8"},
		{[]source.Option{source.WithPlatform("linux/amd64")}, "linux/amd64"},
	} {
		a, err := open(tc.opts...)
		if err != nil {
			t.Fatalf("%s: %v", tc.platform, err)
		}
		mustClose(t, a)
		if a.Info.ImageID != ids[tc.platform] || a.Info.Platform != tc.platform {
			t.Errorf("chose %s (%s), want %s (%s)", a.Info.ImageID, a.Info.Platform, ids[tc.platform], tc.platform)
		}
		recs := walkAll(t, a.Layers[0])
		if want := strings.SplitN(tc.platform, "/", 3)[1]; len(recs) != 1 || recs[0].Sum != sha(want) {
			t.Errorf("walked %v, want the %s file", recs, want)
		}
	}
	_, err := open(source.WithPlatform("linux/s390x"))
	if err == nil || !strings.Contains(err.Error(), "no image for platform linux/s390x; available: linux/amd64, linux/arm64/v8") {
		t.Errorf("missing platform: err = %v", err)
	}
	_, err = open(source.WithPlatform("linux"))
	if err == nil || !strings.Contains(err.Error(), `platform "linux": want os/arch`) {
		t.Errorf("bad platform: err = %v", err)
	}
}

// TestIndexPlatforms: a multi-platform index in an OCI layout, an OCI tar (index.json being
// the index, or pointing to it) gives the image of the platform asked for.
func TestIndexPlatforms(t *testing.T) {
	idx, ids := platformImages(t)
	nested := func(t *testing.T) string {
		dir := filepath.Join(t.TempDir(), "nested")
		p, err := layout.Write(dir, empty.Index)
		if err != nil {
			t.Fatal(err)
		}
		if err := p.AppendIndex(idx); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	t.Run("layout", func(t *testing.T) {
		dir := sourcetest.WriteLayoutIndex(t, idx)
		checkPlatforms(t, ids, func(o ...source.Option) (*source.Artifact, error) { return source.Layout(dir, o...) })
	})
	t.Run("layout-nested", func(t *testing.T) {
		dir := nested(t)
		checkPlatforms(t, ids, func(o ...source.Option) (*source.Artifact, error) { return source.Layout(dir, o...) })
	})
	t.Run("oci-tar", func(t *testing.T) {
		p := sourcetest.WriteOCITarIndex(t, idx)
		checkPlatforms(t, ids, func(o ...source.Option) (*source.Artifact, error) { return source.Archive(p, o...) })
	})
	t.Run("oci-tar-nested", func(t *testing.T) {
		p := sourcetest.TarDir(t, nested(t))
		checkPlatforms(t, ids, func(o ...source.Option) (*source.Artifact, error) { return source.Archive(p, o...) })
	})
}

// TestSingleImageExplicitPlatform: a lone image in a layout is taken when no platform is
// asked, refused with the list when another platform is.
func TestSingleImageExplicitPlatform(t *testing.T) {
	dir := sourcetest.WriteLayout(t, sourcetest.ImageFor(t, "linux/arm64", sourcetest.LayerFromFiles(t, map[string]string{"a": "a"})))
	a, err := source.Layout(dir)
	if err != nil {
		t.Fatal(err)
	}
	mustClose(t, a)
	if a.Info.Platform != "linux/arm64" {
		t.Errorf("Platform = %q", a.Info.Platform)
	}
	_, err = source.Layout(dir, source.WithPlatform("linux/amd64"))
	if err == nil || !strings.Contains(err.Error(), "no image for platform linux/amd64; available: linux/arm64") {
		t.Errorf("err = %v", err)
	}
}

// TestArchiveTags: a docker-archive of two images needs WithTag, which compares normalised
// references; a layout picks by ref name.
func TestArchiveTags(t *testing.T) {
	one := sourcetest.Image(t, sourcetest.LayerFromFiles(t, map[string]string{"one": "1"}))
	two := sourcetest.Image(t, sourcetest.LayerFromFiles(t, map[string]string{"two": "2"}))
	p := sourcetest.WriteDockerArchiveTags(t, map[string]v1.Image{"example.com/one:1": one, "alpine:two": two})

	_, err := source.Archive(p)
	if err == nil || !strings.Contains(err.Error(), "holds 2 images (alpine:two, example.com/one:1); choose one with WithTag") {
		t.Errorf("no tag: err = %v", err)
	}
	_, err = source.Archive(p, source.WithTag("example.com/one:2"))
	if err == nil || !strings.Contains(err.Error(), `no image tagged "example.com/one:2"; images: alpine:two, example.com/one:1`) {
		t.Errorf("unknown tag: err = %v", err)
	}
	for tag, file := range map[string]string{
		"example.com/one:1":                  "one",
		"alpine:two":                         "two",
		"docker.io/library/alpine:two":       "two",
		"index.docker.io/library/alpine:two": "two",
	} {
		a, err := source.Archive(p, source.WithTag(tag))
		if err != nil {
			t.Fatalf("%s: %v", tag, err)
		}
		mustClose(t, a)
		if recs := walkAll(t, a.Layers[0]); len(recs) != 1 || recs[0].Path != file {
			t.Errorf("%s: walked %v, want %s", tag, recs, file)
		}
	}

	dir := sourcetest.WriteLayout(t, one)
	if a, err := source.Layout(dir, source.WithTag("latest")); err != nil {
		t.Errorf("layout tag latest: %v", err)
	} else {
		mustClose(t, a)
	}
	if _, err := source.Layout(dir, source.WithTag("v2")); err == nil || !strings.Contains(err.Error(), `no image named "v2"; names: latest`) {
		t.Errorf("layout tag v2: err = %v", err)
	}
}

// TestHistoryEmptyLayers: created_by goes to layers in order, skipping empty_layer entries.
func TestHistoryEmptyLayers(t *testing.T) {
	img := sourcetest.Image(t,
		sourcetest.LayerFromFiles(t, map[string]string{"a": "a"}),
		sourcetest.LayerFromFiles(t, map[string]string{"b": "b"}))
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	// sourcetest writes: LABEL (empty), layer 0, layer 1. Check it is what this test is about.
	if len(cf.History) != 3 || !cf.History[0].EmptyLayer {
		t.Fatalf("history = %+v", cf.History)
	}
	a, err := source.FromImage("x", img)
	if err != nil {
		t.Fatal(err)
	}
	if a.Info.Layers[0].CreatedBy != "sourcetest layer 0" || a.Info.Layers[1].CreatedBy != "sourcetest layer 1" {
		t.Errorf("layers = %+v", a.Info.Layers)
	}
}

// TestOpen dispatches on what the target is.
func TestOpen(t *testing.T) {
	img := sourcetest.Image(t, sourcetest.LayerFromFiles(t, map[string]string{"f": "x"}))
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "f"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	for name, tc := range map[string]struct {
		target string
		typ    string
	}{
		"layout":  {sourcetest.WriteLayout(t, img), sdk.ArtifactImage},
		"archive": {sourcetest.WriteDockerArchive(t, img), sdk.ArtifactImage},
		"oci-tar": {sourcetest.WriteOCITar(t, img), sdk.ArtifactImage},
		"dir":     {dir, sdk.ArtifactFilesystem},
	} {
		a, err := source.Open(context.Background(), tc.target)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		mustClose(t, a)
		if a.Info.Type != tc.typ || a.Info.Name != tc.target {
			t.Errorf("%s: Info = %+v", name, a.Info)
		}
		if recs := walkAll(t, a.Layers[0]); len(recs) != 1 || recs[0].Path != "f" || recs[0].Sum != sha("x") {
			t.Errorf("%s: walked %v", name, recs)
		}
	}
	if _, err := source.Open(context.Background(), filepath.Join(dir, "missing")); err == nil || !strings.Contains(err.Error(), "missing") {
		t.Errorf("missing: err = %v", err)
	}
	if _, err := source.Open(context.Background(), filepath.Join(dir, "f")); err == nil ||
		!strings.Contains(err.Error(), "reading tar archive: unexpected EOF") {
		t.Errorf("not an archive: err = %v", err)
	}
}

// TestArchiveErrors: inputs that are not image archives fail with errors naming the file.
func TestArchiveErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	gz := write("img.tar.gz", []byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0})
	garbage := write("garbage.tar", []byte(strings.Repeat("not a tar ", 100)))
	img := sourcetest.Image(t, sourcetest.LayerFromFiles(t, map[string]string{"f": "x"}))
	full, err := os.ReadFile(sourcetest.WriteDockerArchive(t, img))
	if err != nil {
		t.Fatal(err)
	}
	cut := write("cut.tar", full[:len(full)/2+100])
	for p, want := range map[string]string{
		gz:                      "the archive is compressed",
		garbage:                 "reading tar",
		cut:                     "unexpected EOF",
		dir:                     "is a directory",
		filepath.Join(dir, "x"): "no such file",
	} {
		_, err := source.Archive(p)
		if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), p) {
			t.Errorf("%s: err = %v, want %q and the path", filepath.Base(p), err, want)
		}
	}
}

func fileSize(t *testing.T, p string) int64 {
	t.Helper()
	fi, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}

// TestConcurrentWalks: the layers of one artifact may be walked at once, each several times.
func TestConcurrentWalks(t *testing.T) {
	img := sourcetest.Image(t,
		sourcetest.LayerFromFiles(t, map[string]string{"a/1": "one", "a/2": "two"}),
		sourcetest.Layer(t, sourcetest.Whiteout("a/1"), sourcetest.File("b", "bee")),
		sourcetest.ZstdLayer(t, sourcetest.File("c", "sea")))
	for name, p := range map[string]string{
		"docker-archive": sourcetest.WriteDockerArchive(t, img),
		"oci-tar":        sourcetest.WriteOCITar(t, img),
	} {
		a, err := source.Archive(p)
		if err != nil {
			t.Fatal(err)
		}
		mustClose(t, a)
		want := make([][]rec, len(a.Layers))
		for i, l := range a.Layers {
			want[i] = walkAll(t, l)
		}
		var wg sync.WaitGroup
		errs := make(chan error, 4*len(a.Layers))
		for range 4 {
			for i, l := range a.Layers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					got, err := walkErr(l)
					if err == nil && fmt.Sprint(got) != fmt.Sprint(want[i]) {
						err = fmt.Errorf("layer %d: %v, want %v", i, got, want[i])
					}
					errs <- err
				}()
			}
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Errorf("%s: %v", name, err)
			}
		}
	}
}
