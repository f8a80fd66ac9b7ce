package source

import (
	"archive/tar"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
)

// Limits on what an archive may make us hold in memory.
const (
	// maxArchiveMembers bounds the index of an archive's members; image archives hold a few
	// per layer.
	maxArchiveMembers = 1 << 20
	// maxMetadataBytes bounds a manifest, index or config read from an archive.
	maxMetadataBytes = 64 << 20
	// maxLinkHops bounds how many links are followed to reach a member.
	maxLinkHops = 16
)

// tarIndex knows where each member of a tar file lies, so that members are served in place
// with io.SectionReader: an image archive is never extracted.
type tarIndex struct {
	path    string
	f       *os.File
	members map[string]tarMember
}

type tarMember struct {
	offset, size int64
	typeflag     byte
	linkname     string // cleaned; for symlinks relative to the member's directory
}

// indexTar scans the headers of the tar file f once. archive/tar skips member bodies with
// Seek, and it reads straight from f without buffering, so the file offset after Next is
// where the member's body starts.
func indexTar(p string, f *os.File) (*tarIndex, error) {
	t := &tarIndex{path: p, f: f, members: map[string]tarMember{}}
	tr := tar.NewReader(f)
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: reading tar archive: %w", p, err)
		}
		name, ok := cleanName(hdr.Name)
		if !ok || name == "" {
			continue
		}
		if len(t.members) >= maxArchiveMembers {
			return nil, fmt.Errorf("%s: more than %d members, not an image archive", p, maxArchiveMembers)
		}
		m := tarMember{typeflag: hdr.Typeflag, size: hdr.Size}
		switch hdr.Typeflag {
		case tar.TypeReg, '\x00':
			off, err := f.Seek(0, io.SeekCurrent)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", p, err)
			}
			m.offset = off
		case tar.TypeSymlink, tar.TypeLink:
			m.linkname = hdr.Linkname
		default:
			continue
		}
		t.members[name] = m // a later member of the same name wins, as when extracting
	}
	// archive/tar reads the last byte of every body it skips, so an archive cut short has
	// already failed above rather than when a layer is walked.
	return t, nil
}

func (t *tarIndex) has(name string) bool {
	_, err := t.lookup(name)
	return err == nil
}

// lookup finds the regular member name, following symbolic and hard links (docker save
// links identical layers to one copy).
func (t *tarIndex) lookup(name string) (tarMember, error) {
	orig := name
	for range maxLinkHops {
		clean, ok := cleanName(name)
		if !ok || clean == "" {
			return tarMember{}, fmt.Errorf("%s: member %q: name escapes the archive", t.path, orig)
		}
		m, ok := t.members[clean]
		if !ok {
			return tarMember{}, fmt.Errorf("%s: no member %q: %w", t.path, orig, os.ErrNotExist)
		}
		switch m.typeflag {
		case tar.TypeSymlink:
			if path.IsAbs(m.linkname) {
				name = m.linkname
			} else {
				name = path.Join(path.Dir(clean), m.linkname)
			}
		case tar.TypeLink:
			name = m.linkname
		default:
			return m, nil
		}
	}
	return tarMember{}, fmt.Errorf("%s: member %q: more than %d links", t.path, orig, maxLinkHops)
}

// open returns the body of member name, read in place.
func (t *tarIndex) open(name string) (*io.SectionReader, error) {
	m, err := t.lookup(name)
	if err != nil {
		return nil, err
	}
	return io.NewSectionReader(t.f, m.offset, m.size), nil
}

// readAll reads a small member (a manifest, an index, a config) whole.
func (t *tarIndex) readAll(name string) ([]byte, error) {
	r, err := t.open(name)
	if err != nil {
		return nil, err
	}
	if r.Size() > maxMetadataBytes {
		return nil, fmt.Errorf("%s: member %q is %d bytes, more than the %d allowed for metadata",
			t.path, name, r.Size(), maxMetadataBytes)
	}
	b := make([]byte, r.Size())
	if _, err := io.ReadFull(r, b); err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return nil, fmt.Errorf("%s: member %q: %w (archive truncated?)", t.path, name, err)
	}
	return b, nil
}

// sectionCloser serves a member as an io.ReadCloser. Closing it does not close the archive,
// which the Artifact owns.
type sectionCloser struct{ *io.SectionReader }

func (sectionCloser) Close() error { return nil }
