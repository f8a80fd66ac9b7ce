package source

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/trawlscan/trawl/sdk"
)

// openFile opens the regular files of a walk; tests replace it to fail as root cannot.
var openFile = openNoFollow

// maxSkippedList bounds the list DirLayer.Skipped keeps; WalkStats.Unreadable counts them all.
const maxSkippedList = 1000

// Directory opens the directory root (a source tree, an unpacked root filesystem) as a
// one-layer artifact. A symbolic link given as root is followed; nothing below it is.
// Options: WithLogger. (It is not called Dir: that name is the Kind of directory entries.)
func Directory(root string, opts ...Option) (*Artifact, error) {
	o := makeOptions(opts)
	fi, err := os.Stat(root)
	if err != nil {
		return nil, fmt.Errorf("opening directory: %w", err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("%s: not a directory", root)
	}
	return &Artifact{
		Info: sdk.Artifact{
			Name:   root,
			Type:   sdk.ArtifactFilesystem,
			Layers: []sdk.Layer{{}},
		},
		Layers: []Layer{&DirLayer{root: root, opts: o}},
		Close:  closerOrNop(nil),
	}, nil
}

// DirLayer is a directory walked as one layer.
//
// Walk goes depth first, each directory's entries in lexical order (filepath.WalkDir). Entry
// paths are relative to the root and slash-separated; the root itself is not an entry.
// Symbolic links are reported, never followed, so link loops are harmless; sockets, devices
// and fifos are Other. A regular file is opened when it is reached and closed when fn returns.
// A file or directory that cannot be read (permissions, or gone since it was listed) is
// skipped and recorded (see Skipped), since one unreadable file must not stop a scan; only an
// unreadable root fails the walk.
type DirLayer struct {
	root string
	opts *options

	mu      sync.Mutex
	stats   WalkStats
	skipped []SkippedFile
}

// SkippedFile is a file a directory walk could not read.
type SkippedFile struct {
	// Path is relative to the root, slash-separated.
	Path string
	Err  error
}

// Info implements Layer. A directory layer has no digests.
func (l *DirLayer) Info() sdk.Layer { return sdk.Layer{} }

// Stats returns the counts of the last walk.
func (l *DirLayer) Stats() WalkStats {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.stats
}

// Skipped returns the files the last walk could not read, in walk order (the first 1000;
// Stats().Unreadable counts all).
func (l *DirLayer) Skipped() []SkippedFile {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]SkippedFile(nil), l.skipped...)
}

// Walk implements Layer.
func (l *DirLayer) Walk(ctx context.Context, fn func(*Entry) error) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("walking directory %s: %w", l.root, err)
	}
	w := &dirWalk{ctx: ctx, fn: fn, logger: l.opts.logger}
	err := w.run(l.root)
	l.mu.Lock()
	l.stats, l.skipped = w.stats, w.skipped
	l.mu.Unlock()
	return err
}

type dirWalk struct {
	ctx     context.Context
	fn      func(*Entry) error
	logger  interface{ Warn(string, ...any) }
	stats   WalkStats
	skipped []SkippedFile
	body    entryBody
}

func (w *dirWalk) run(root string) error {
	// Walk what a symlinked root points to (filepath.WalkDir would not descend into it).
	resolved, err := filepath.EvalSymlinks(root)
	if err != nil {
		return fmt.Errorf("walking directory: %w", err)
	}
	resolved = filepath.Clean(resolved)
	// WalkDir joins names onto the root as given: strip that to get relative paths.
	prefix := resolved
	switch {
	case resolved == ".":
		prefix = ""
	case !strings.HasSuffix(prefix, string(filepath.Separator)):
		prefix += string(filepath.Separator)
	}
	err = filepath.WalkDir(resolved, func(p string, d fs.DirEntry, err error) error {
		if p == resolved {
			if err != nil {
				return fmt.Errorf("walking directory %s: %w", root, err)
			}
			return nil
		}
		rel := filepath.ToSlash(strings.TrimPrefix(p, prefix))
		if err != nil {
			// A subdirectory that cannot be listed (its entry was already reported), or
			// an entry gone since its directory was listed.
			w.skip(rel, err)
			return nil
		}
		if err := w.ctx.Err(); err != nil {
			return err
		}
		return w.entry(p, rel, d)
	})
	if err != nil && w.ctx.Err() != nil && errors.Is(err, w.ctx.Err()) {
		return fmt.Errorf("walking directory %s: %w", root, err)
	}
	return err
}

func (w *dirWalk) entry(p, rel string, d fs.DirEntry) error {
	e := &Entry{Path: rel}
	t := d.Type()
	switch {
	case t.IsRegular():
		return w.file(p, e)
	case t.IsDir():
		e.Kind = Dir
	case t&fs.ModeSymlink != 0:
		target, err := os.Readlink(p)
		if err != nil {
			w.skip(rel, err)
			return nil
		}
		e.Kind, e.Linkname = Symlink, target
	default:
		e.Kind = Other
	}
	info, err := d.Info()
	if err != nil {
		w.skip(rel, err)
		return nil
	}
	e.Mode = info.Mode()
	w.stats.Entries++
	return w.fn(e)
}

// file hands a regular file to fn, open for the length of the call.
func (w *dirWalk) file(p string, e *Entry) error {
	f, err := openFile(p)
	if err != nil {
		w.skip(e.Path, err)
		return nil
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		w.skip(e.Path, err)
		return nil
	}
	e.Mode = fi.Mode()
	if fi.Mode().IsRegular() {
		// The size seen now is the size read: a file that grows while read is cut there.
		e.Kind, e.Size = Regular, fi.Size()
		w.body.r = io.LimitReader(f, fi.Size())
		e.Body = &w.body
	} else {
		// Replaced by something else since it was listed.
		e.Kind = Other
	}
	w.stats.Entries++
	err = w.fn(e)
	bodyErr := w.body.err
	w.body.r, w.body.err = nil, nil
	if err != nil && bodyErr != nil && errors.Is(err, bodyErr) {
		return fmt.Errorf("reading %s: %w", p, err)
	}
	return err
}

func (w *dirWalk) skip(rel string, err error) {
	w.stats.Unreadable++
	if len(w.skipped) < maxSkippedList {
		w.skipped = append(w.skipped, SkippedFile{Path: rel, Err: err})
	}
	w.logger.Warn("skipping unreadable file", "path", rel, "err", err)
}
