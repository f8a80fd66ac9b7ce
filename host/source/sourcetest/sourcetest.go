// Package sourcetest builds what host/source reads, for tests: layers from a list of entries
// or a tarball, images and multi-platform indexes, and the same image written as a
// docker-archive, a legacy `docker save` tar, an OCI layout directory or an OCI tar, or pushed
// to an in-process registry. Everything lands under t.TempDir() and is removed with the test.
//
//	img := sourcetest.Image(t,
//		sourcetest.AlpineLayer(t, "3.20.3"),
//		sourcetest.Layer(t, sourcetest.Whiteout("lib/apk/db/installed")),
//	)
//	a, err := source.Archive(sourcetest.WriteDockerArchive(t, img))
//
// Helpers fail the test on error, so they return values only.
package sourcetest

import (
	"archive/tar"
	"bytes"
	"io"
	"io/fs"
	"log"
	"net/http/httptest"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/compression"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/trawlscan/trawl/internal/corpustest"
)

// DefaultTag is the tag WriteDockerArchive and WriteDockerSave give the image.
const DefaultTag = "sourcetest/image:latest"

// mtime is the modification time of every entry Tar writes, so that layers are reproducible.
var mtime = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

// TarEntry is one member of a layer tar. Build them with File, Dir, Symlink, Hardlink,
// Whiteout and Opaque, or by hand for odd cases (a device, a hostile name).
type TarEntry struct {
	Name string
	// Typeflag is the tar type; zero means tar.TypeReg.
	Typeflag byte
	Body     string
	Linkname string
	// Mode is the permission bits; zero means 0644 for files and 0755 for directories.
	Mode int64
}

// File is a regular file.
func File(name, body string) TarEntry { return TarEntry{Name: name, Body: body} }

// Dir is a directory.
func Dir(name string) TarEntry { return TarEntry{Name: name, Typeflag: tar.TypeDir} }

// Symlink is a symbolic link name -> target.
func Symlink(name, target string) TarEntry {
	return TarEntry{Name: name, Typeflag: tar.TypeSymlink, Linkname: target}
}

// Hardlink is a hard link name -> target (a path in the same layer).
func Hardlink(name, target string) TarEntry {
	return TarEntry{Name: name, Typeflag: tar.TypeLink, Linkname: target}
}

// Whiteout is the OCI whiteout entry deleting p from the layers below: "dir/.wh.base".
func Whiteout(p string) TarEntry {
	return File(path.Join(path.Dir(p), ".wh."+path.Base(p)), "")
}

// Opaque is the OCI opaque-directory marker hiding everything below dir in the layers below:
// "dir/.wh..wh..opq".
func Opaque(dir string) TarEntry { return File(path.Join(dir, ".wh..wh..opq"), "") }

// Tar returns an uncompressed tar of entries, in the order given, ended properly.
func Tar(t testing.TB, entries ...TarEntry) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range entries {
		hdr := &tar.Header{
			Name:     e.Name,
			Typeflag: e.Typeflag,
			Linkname: e.Linkname,
			Mode:     e.Mode,
			ModTime:  mtime,
			Format:   tar.FormatPAX,
		}
		if hdr.Typeflag == 0 {
			hdr.Typeflag = tar.TypeReg
		}
		if hdr.Typeflag == tar.TypeReg {
			hdr.Size = int64(len(e.Body))
		}
		if hdr.Mode == 0 {
			hdr.Mode = 0o644
			if hdr.Typeflag == tar.TypeDir {
				hdr.Mode = 0o755
			}
		}
		if err := tw.WriteHeader(hdr); err != nil {
			t.Fatalf("sourcetest: tar header %q: %v", e.Name, err)
		}
		if hdr.Typeflag == tar.TypeReg {
			if _, err := io.WriteString(tw, e.Body); err != nil {
				t.Fatalf("sourcetest: tar body %q: %v", e.Name, err)
			}
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatalf("sourcetest: closing tar: %v", err)
	}
	return buf.Bytes()
}

// Layer returns a layer holding entries, in that order, gzip-compressed.
func Layer(t testing.TB, entries ...TarEntry) v1.Layer {
	t.Helper()
	return layerFromBytes(t, Tar(t, entries...))
}

// ZstdLayer is Layer compressed with zstd (media type tar+zstd).
func ZstdLayer(t testing.TB, entries ...TarEntry) v1.Layer {
	t.Helper()
	return layerFromBytes(t, Tar(t, entries...),
		tarball.WithCompression(compression.ZStd), tarball.WithMediaType(types.OCILayerZStd))
}

// LayerFromFiles returns a gzip layer of regular files, keyed by path, in lexical order.
func LayerFromFiles(t testing.TB, files map[string]string) v1.Layer {
	t.Helper()
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	entries := make([]TarEntry, 0, len(names))
	for _, n := range names {
		entries = append(entries, File(n, files[n]))
	}
	return Layer(t, entries...)
}

// LayerFromTar returns a layer read from a tar file: used as is when gzip or zstd compressed
// (so its digest is the file's), gzip-compressed on the fly otherwise.
func LayerFromTar(t testing.TB, p string) v1.Layer {
	t.Helper()
	l, err := tarball.LayerFromFile(p)
	if err != nil {
		t.Fatalf("sourcetest: layer from %s: %v", p, err)
	}
	return l
}

func layerFromBytes(t testing.TB, b []byte, opts ...tarball.LayerOption) v1.Layer {
	t.Helper()
	l, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(b)), nil
	}, append([]tarball.LayerOption{tarball.WithCompressedCaching}, opts...)...)
	if err != nil {
		t.Fatalf("sourcetest: building layer: %v", err)
	}
	return l
}

// Corpus returns the shared test corpus directory: $TRAWL_CORPUS, or ../shared/corpus next
// to the repository root (the directory holding go.mod, found upwards from the working
// directory). The test fails when it is missing.
func Corpus(t testing.TB) string {
	t.Helper()
	return corpustest.Dir(t)
}

// AlpineTarball returns the path of the Alpine minirootfs tarball of version (e.g. "3.20.3")
// in the corpus: rootfs/alpine/alpine-minirootfs-<version>-x86_64.tar.gz.
func AlpineTarball(t testing.TB, version string) string {
	t.Helper()
	p := filepath.Join(Corpus(t), "rootfs", "alpine", "alpine-minirootfs-"+version+"-x86_64.tar.gz")
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("sourcetest: alpine %s: %v", version, err)
	}
	return p
}

// AlpineLayer returns the Alpine minirootfs of version as a layer, its gzip bytes used as is
// (so the layer digest is the tarball's sha256).
func AlpineLayer(t testing.TB, version string) v1.Layer {
	t.Helper()
	return LayerFromTar(t, AlpineTarball(t, version))
}

// Image returns a linux/amd64 image of layers, bottom first. Its history starts with an
// empty_layer entry ("LABEL sourcetest=1"), then one entry per layer, "sourcetest layer <i>".
func Image(t testing.TB, layers ...v1.Layer) v1.Image {
	t.Helper()
	return ImageFor(t, "linux/amd64", layers...)
}

// ImageFor is Image for another platform ("os/arch[/variant]"), written in the config.
func ImageFor(t testing.TB, platform string, layers ...v1.Layer) v1.Image {
	t.Helper()
	p, err := v1.ParsePlatform(platform)
	if err != nil {
		t.Fatalf("sourcetest: platform %q: %v", platform, err)
	}
	cf, err := empty.Image.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture, cf.Variant = p.OS, p.Architecture, p.Variant
	cf.History = []v1.History{{CreatedBy: "LABEL sourcetest=1", EmptyLayer: true, Created: v1.Time{Time: mtime}}}
	img, err := mutate.ConfigFile(empty.Image, cf)
	if err != nil {
		t.Fatal(err)
	}
	adds := make([]mutate.Addendum, 0, len(layers))
	for i, l := range layers {
		adds = append(adds, mutate.Addendum{
			Layer:   l,
			History: v1.History{CreatedBy: "sourcetest layer " + strconv.Itoa(i), Created: v1.Time{Time: mtime}},
		})
	}
	img, err = mutate.Append(img, adds...)
	if err != nil {
		t.Fatalf("sourcetest: appending layers: %v", err)
	}
	return img
}

// Index returns a multi-platform index of images keyed by platform ("linux/arm64"); each
// descriptor carries its platform, in lexical order of the keys.
func Index(t testing.TB, images map[string]v1.Image) v1.ImageIndex {
	t.Helper()
	keys := make([]string, 0, len(images))
	for k := range images {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var idx v1.ImageIndex = empty.Index
	for _, k := range keys {
		p, err := v1.ParsePlatform(k)
		if err != nil {
			t.Fatalf("sourcetest: platform %q: %v", k, err)
		}
		idx = mutate.AppendManifests(idx, mutate.IndexAddendum{
			Add:        images[k],
			Descriptor: v1.Descriptor{Platform: p},
		})
	}
	return idx
}

// WriteDockerArchive writes img as a docker-archive tagged DefaultTag (tarball.Write: gzip
// layers, as pulled) and returns its path.
func WriteDockerArchive(t testing.TB, img v1.Image) string {
	t.Helper()
	return WriteDockerArchiveTags(t, map[string]v1.Image{DefaultTag: img})
}

// WriteDockerArchiveTags writes several images, keyed by tag, into one docker-archive.
func WriteDockerArchiveTags(t testing.TB, images map[string]v1.Image) string {
	t.Helper()
	m := map[name.Tag]v1.Image{}
	for tag, img := range images {
		nt, err := name.NewTag(tag)
		if err != nil {
			t.Fatalf("sourcetest: tag %q: %v", tag, err)
		}
		m[nt] = img
	}
	p := filepath.Join(t.TempDir(), "docker-archive.tar")
	if err := tarball.MultiWriteToFile(p, m); err != nil {
		t.Fatalf("sourcetest: writing docker-archive: %v", err)
	}
	return p
}

// WriteDockerSave writes img as the legacy `docker save` did: uncompressed layers in
// "<n>/layer.tar", the config as "<hex>.json", a manifest.json tagged DefaultTag.
func WriteDockerSave(t testing.TB, img v1.Image) string {
	t.Helper()
	cfgName, err := img.ConfigName()
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := img.RawConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	layers, err := img.Layers()
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "docker-save.tar")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tw := tar.NewWriter(f)
	add := func(name string, size int64, r io.Reader) {
		if err := tw.WriteHeader(&tar.Header{Name: name, Size: size, Mode: 0o644, ModTime: mtime, Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		if _, err := io.Copy(tw, r); err != nil {
			t.Fatal(err)
		}
	}
	var layerPaths []string
	for i, l := range layers {
		rc, err := l.Uncompressed()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		lp := strconv.Itoa(i) + "/layer.tar"
		add(lp, int64(len(b)), bytes.NewReader(b))
		layerPaths = append(layerPaths, lp)
	}
	cfgPath := cfgName.Hex + ".json"
	add(cfgPath, int64(len(cfg)), bytes.NewReader(cfg))
	m := `[{"Config":"` + cfgPath + `","RepoTags":["` + DefaultTag + `"],"Layers":["` + strings.Join(layerPaths, `","`) + `"]}]`
	add("manifest.json", int64(len(m)), strings.NewReader(m))
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return p
}

// WriteLayout writes img into a new OCI image layout directory and returns it. index.json
// lists the image with the ref name "latest".
func WriteLayout(t testing.TB, img v1.Image) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "layout")
	p, err := layout.Write(dir, empty.Index)
	if err != nil {
		t.Fatalf("sourcetest: writing layout: %v", err)
	}
	if err := p.AppendImage(img, layout.WithAnnotations(map[string]string{
		"org.opencontainers.image.ref.name": "latest",
	})); err != nil {
		t.Fatalf("sourcetest: writing layout: %v", err)
	}
	return dir
}

// WriteLayoutIndex writes idx as an OCI image layout whose index.json is idx itself (as
// layout.Write does) and returns the directory.
func WriteLayoutIndex(t testing.TB, idx v1.ImageIndex) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "layout")
	if _, err := layout.Write(dir, idx); err != nil {
		t.Fatalf("sourcetest: writing layout: %v", err)
	}
	return dir
}

// WriteOCITar writes img as an OCI layout packed in a tar (like skopeo's oci-archive) and
// returns its path.
func WriteOCITar(t testing.TB, img v1.Image) string {
	t.Helper()
	return TarDir(t, WriteLayout(t, img))
}

// WriteOCITarIndex is WriteLayoutIndex packed in a tar.
func WriteOCITarIndex(t testing.TB, idx v1.ImageIndex) string {
	t.Helper()
	return TarDir(t, WriteLayoutIndex(t, idx))
}

// TarDir packs the directory dir (regular files and directories, in walk order, names
// relative to dir) into a new tar file and returns its path.
func TarDir(t testing.TB, dir string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), filepath.Base(dir)+".tar")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tw := tar.NewWriter(f)
	err = filepath.WalkDir(dir, func(fp string, d fs.DirEntry, err error) error {
		if err != nil || fp == dir {
			return err
		}
		rel, err := filepath.Rel(dir, fp)
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		hdr, err := tar.FileInfoHeader(info, "")
		if err != nil {
			return err
		}
		hdr.Name = filepath.ToSlash(rel)
		if d.IsDir() {
			hdr.Name += "/"
		}
		hdr.ModTime, hdr.Uid, hdr.Gid, hdr.Uname, hdr.Gname = mtime, 0, 0, "", ""
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		if !info.Mode().IsRegular() {
			return nil
		}
		src, err := os.Open(fp)
		if err != nil {
			return err
		}
		defer src.Close()
		_, err = io.Copy(tw, src)
		return err
	})
	if err != nil {
		t.Fatalf("sourcetest: packing %s: %v", dir, err)
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return p
}

// Registry starts go-containerregistry's in-process registry on a loopback port for the
// length of the test and returns its host ("127.0.0.1:port"). Loopback registries are spoken
// to over plain HTTP, so references like host+"/repo:tag" work without WithInsecure.
func Registry(t testing.TB) string {
	t.Helper()
	s := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	t.Cleanup(s.Close)
	u, err := url.Parse(s.URL)
	if err != nil {
		t.Fatal(err)
	}
	return u.Host
}

// Push writes img to ref (e.g. Registry(t)+"/app:1").
func Push(t testing.TB, ref string, img v1.Image) {
	t.Helper()
	r, err := name.ParseReference(ref)
	if err != nil {
		t.Fatalf("sourcetest: %v", err)
	}
	if err := remote.Write(r, img); err != nil {
		t.Fatalf("sourcetest: pushing %s: %v", ref, err)
	}
}

// PushIndex writes idx, and the images it lists, to ref.
func PushIndex(t testing.TB, ref string, idx v1.ImageIndex) {
	t.Helper()
	r, err := name.ParseReference(ref)
	if err != nil {
		t.Fatalf("sourcetest: %v", err)
	}
	if err := remote.WriteIndex(r, idx); err != nil {
		t.Fatalf("sourcetest: pushing %s: %v", ref, err)
	}
}
