package sourcetest_test

import (
	"archive/tar"
	"bytes"
	"context"
	"io"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/trawlscan/trawl/host/source"
	"github.com/trawlscan/trawl/host/source/sourcetest"
)

// TestTar: entries come out in order, with the whiteout names of the OCI spec.
func TestTar(t *testing.T) {
	b := sourcetest.Tar(t,
		sourcetest.Dir("etc"),
		sourcetest.File("etc/hosts", "127.0.0.1 localhost\n"),
		sourcetest.Symlink("etc/mtab", "/proc/mounts"),
		sourcetest.Hardlink("bin/sh", "bin/busybox"),
		sourcetest.Whiteout("usr/lib/libfoo.so"),
		sourcetest.Opaque("var/cache"),
	)
	tr := tar.NewReader(bytes.NewReader(b))
	var got []string
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, string(h.Typeflag)+" "+h.Name+" "+h.Linkname)
	}
	want := []string{"5 etc ", "0 etc/hosts ", "2 etc/mtab /proc/mounts", "1 bin/sh bin/busybox",
		"0 usr/lib/.wh.libfoo.so ", "0 var/cache/.wh..wh..opq "}
	if len(got) != len(want) {
		t.Fatalf("got %q", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("entry %d = %q, want %q", i, got[i], want[i])
		}
	}
}

// TestWriters: every writer produces what go-containerregistry itself reads back as the
// same image.
func TestWriters(t *testing.T) {
	img := sourcetest.Image(t, sourcetest.LayerFromFiles(t, map[string]string{"a": "a", "b/c": "c"}))
	wantCfg, err := img.ConfigName()
	if err != nil {
		t.Fatal(err)
	}
	check := func(what string, got v1.Image, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		cfg, err := got.ConfigName()
		if err != nil || cfg != wantCfg {
			t.Errorf("%s: config %s, %v; want %s", what, cfg, err, wantCfg)
		}
	}

	got, err := tarball.ImageFromPath(sourcetest.WriteDockerArchive(t, img), nil)
	check("docker-archive", got, err)
	got, err = tarball.ImageFromPath(sourcetest.WriteDockerSave(t, img), nil)
	check("docker-save", got, err)

	p, err := layout.FromPath(sourcetest.WriteLayout(t, img))
	if err != nil {
		t.Fatal(err)
	}
	idx, err := p.ImageIndex()
	if err != nil {
		t.Fatal(err)
	}
	im, err := idx.IndexManifest()
	if err != nil || len(im.Manifests) != 1 || im.Manifests[0].Annotations["org.opencontainers.image.ref.name"] != "latest" {
		t.Fatalf("layout index: %+v, %v", im, err)
	}
	got, err = idx.Image(im.Manifests[0].Digest)
	check("layout", got, err)

	ref := sourcetest.Registry(t) + "/x:1"
	sourcetest.Push(t, ref, img)
	r, err := name.ParseReference(ref)
	if err != nil {
		t.Fatal(err)
	}
	got, err = remote.Image(r)
	check("registry", got, err)
}

// Example of an end-to-end test: an Alpine image whose upper layer deletes the apk
// database, scanned from a docker-archive.
func TestExample(t *testing.T) {
	img := sourcetest.Image(t,
		sourcetest.AlpineLayer(t, "3.20.3"),
		sourcetest.Layer(t, sourcetest.Whiteout("lib/apk/db/installed")),
	)
	a, err := source.Archive(sourcetest.WriteDockerArchive(t, img))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	var deleted []string
	err = a.Layers[1].Walk(context.Background(), func(e *source.Entry) error {
		if e.Kind == source.Whiteout {
			deleted = append(deleted, e.Path)
		}
		return nil
	})
	if err != nil || len(deleted) != 1 || deleted[0] != "lib/apk/db/installed" {
		t.Errorf("deleted %v, %v", deleted, err)
	}
}
