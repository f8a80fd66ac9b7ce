// Command mkdemoimage writes the demo image that `make demo` scans: Alpine 3.10.9's real
// minirootfs as the base layer, plus an application layer holding the files of an app
// directory under /srv/app, as a docker-archive tar. It is run by hand when the demo image
// changes; the result is committed.
//
//	go run ./internal/tools/mkdemoimage ../shared/corpus/rootfs/alpine/alpine-minirootfs-3.10.9-x86_64.tar.gz testdata/app testdata/images/alpine-3.10-demo.tar
package main

import (
	"archive/tar"
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

func main() {
	if len(os.Args) != 4 {
		fmt.Fprintln(os.Stderr, "usage: mkdemoimage MINIROOTFS.tar.gz APPDIR OUT.tar")
		os.Exit(2)
	}
	if err := run(os.Args[1], os.Args[2], os.Args[3]); err != nil {
		fmt.Fprintln(os.Stderr, "mkdemoimage:", err)
		os.Exit(1)
	}
}

func run(rootfs, appDir, out string) error {
	base, err := tarball.LayerFromFile(rootfs)
	if err != nil {
		return err
	}
	var app bytes.Buffer
	tw := tar.NewWriter(&app)
	created := time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)
	files := []struct{ name, body string }{{"srv/", ""}, {"srv/app/", ""}}
	entries, err := os.ReadDir(appDir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		b, err := os.ReadFile(filepath.Join(appDir, e.Name()))
		if err != nil {
			return err
		}
		files = append(files, struct{ name, body string }{"srv/app/" + e.Name(), string(b)})
	}
	for _, f := range files {
		h := &tar.Header{Name: f.name, Mode: 0o644, Size: int64(len(f.body)), ModTime: created, Typeflag: tar.TypeReg}
		if f.body == "" {
			h.Typeflag, h.Mode = tar.TypeDir, 0o755
		}
		if err := tw.WriteHeader(h); err != nil {
			return err
		}
		io.WriteString(tw, f.body)
	}
	if err := tw.Close(); err != nil {
		return err
	}
	appLayer, err := tarball.LayerFromReader(bytes.NewReader(app.Bytes()))
	if err != nil {
		return err
	}
	img, err := mutate.Append(empty.Image,
		mutate.Addendum{Layer: base, History: v1.History{CreatedBy: "ADD alpine-minirootfs-3.10.9-x86_64.tar.gz /", Created: v1.Time{Time: created}}},
		mutate.Addendum{Layer: appLayer, History: v1.History{CreatedBy: "COPY app/ /srv/app/", Created: v1.Time{Time: created}}},
	)
	if err != nil {
		return err
	}
	cfg, err := img.ConfigFile()
	if err != nil {
		return err
	}
	cfg = cfg.DeepCopy()
	cfg.OS, cfg.Architecture, cfg.Created = "linux", "amd64", v1.Time{Time: created}
	cfg.Config.Cmd = []string{"/bin/sh"}
	img, err = mutate.ConfigFile(img, cfg)
	if err != nil {
		return err
	}
	tag, err := name.NewTag("trawl-demo/alpine:3.10")
	if err != nil {
		return err
	}
	return tarball.WriteToFile(out, tag, img)
}
