package source_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path"
	"strings"
	"testing"

	"github.com/trawlscan/trawl/host/source"
)

// rec is an entry as the tests compare it.
type rec struct {
	Path     string
	Kind     source.Kind
	Size     int64
	Linkname string
	// Sum is the sha256 of a Regular entry's content.
	Sum string
}

func (r rec) String() string {
	return fmt.Sprintf("%s %s size=%d link=%q sum=%.12s", kindName(r.Kind), r.Path, r.Size, r.Linkname, r.Sum)
}

func kindName(k source.Kind) string {
	return [...]string{"Regular", "Dir", "Symlink", "Hardlink", "Whiteout", "Opaque", "Other"}[k]
}

// walkAll walks l, reading every body, and returns the entries.
func walkAll(t testing.TB, l source.Layer) []rec {
	t.Helper()
	recs, err := walkErr(l)
	if err != nil {
		t.Fatalf("walk %s: %v", l.Info().DiffID, err)
	}
	return recs
}

func walkErr(l source.Layer) ([]rec, error) { return walkErrWith(l, "", nil) }

// walkErrWith is walkErr that also keeps the content of the file named keep.
func walkErrWith(l source.Layer, keep string, content *[]byte) ([]rec, error) {
	var recs []rec
	err := l.Walk(context.Background(), func(e *source.Entry) error {
		r := rec{Path: e.Path, Kind: e.Kind, Size: e.Size, Linkname: e.Linkname}
		if e.Kind == source.Regular {
			h := sha256.New()
			var w io.Writer = h
			var buf bytes.Buffer
			if e.Path == keep {
				w = io.MultiWriter(h, &buf)
			}
			n, err := io.Copy(w, e.Body)
			if err != nil {
				return err
			}
			if n != e.Size {
				return fmt.Errorf("%s: read %d bytes, Size %d", e.Path, n, e.Size)
			}
			r.Sum = hex.EncodeToString(h.Sum(nil))
			if e.Path == keep {
				*content = buf.Bytes()
			}
		}
		recs = append(recs, r)
		return nil
	})
	return recs, err
}

// sha is the hex sha256 of s, as in rec.Sum.
func sha(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

// tarballRecs reads a gzip tarball with the standard library (an implementation independent
// of the one under test) and returns what Walk should yield for it, with the sha256 of the
// uncompressed tar (the DiffID) and the content of the file named want.
func tarballRecs(t testing.TB, p, want string) (recs []rec, diffID string, content []byte) {
	t.Helper()
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	h := sha256.New()
	tr := tar.NewReader(io.TeeReader(zr, h))
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		name := path.Clean(strings.TrimPrefix(hdr.Name, "./"))
		if name == "." {
			continue
		}
		r := rec{Path: name}
		switch hdr.Typeflag {
		case tar.TypeReg:
			b, err := io.ReadAll(tr)
			if err != nil {
				t.Fatal(err)
			}
			sum := sha256.Sum256(b)
			r.Kind, r.Size, r.Sum = source.Regular, hdr.Size, hex.EncodeToString(sum[:])
			if name == want {
				content = b
			}
		case tar.TypeDir:
			r.Kind = source.Dir
		case tar.TypeSymlink:
			r.Kind, r.Linkname = source.Symlink, hdr.Linkname
		case tar.TypeLink:
			r.Kind, r.Linkname = source.Hardlink, path.Clean(strings.TrimPrefix(hdr.Linkname, "./"))
		default:
			r.Kind = source.Other
		}
		recs = append(recs, r)
	}
	if _, err := io.Copy(h, zr); err != nil {
		t.Fatal(err)
	}
	return recs, "sha256:" + hex.EncodeToString(h.Sum(nil)), content
}

func fileSHA256(t testing.TB, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	s := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(s[:])
}

func countKind(recs []rec, k source.Kind) int {
	n := 0
	for _, r := range recs {
		if r.Kind == k {
			n++
		}
	}
	return n
}

func diffRecs(t testing.TB, got, want []rec) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("got %d entries, want %d", len(got), len(want))
	}
	for i := 0; i < len(got) && i < len(want); i++ {
		if got[i] != want[i] {
			t.Errorf("entry %d:\n got  %v\n want %v", i, got[i], want[i])
			return
		}
	}
	if len(got) > len(want) {
		t.Errorf("extra entry: %v", got[len(want)])
	} else if len(want) > len(got) {
		t.Errorf("missing entry: %v", want[len(got)])
	}
}

func mustClose(t testing.TB, a *source.Artifact) {
	t.Helper()
	t.Cleanup(func() {
		if err := a.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
}
