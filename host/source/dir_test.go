package source_test

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/trawlscan/trawl/host/source"
	"github.com/trawlscan/trawl/sdk"
)

// mkTree makes files (content by path; a path ending in "/" is a directory, "->" in the
// value makes a symlink) under a new temporary directory.
func mkTree(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for p, v := range files {
		full := filepath.Join(root, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		switch {
		case strings.HasSuffix(p, "/"):
			err := os.MkdirAll(full, 0o755)
			if err != nil {
				t.Fatal(err)
			}
		case strings.HasPrefix(v, "->"):
			if err := os.Symlink(strings.TrimPrefix(v, "->"), full); err != nil {
				t.Fatal(err)
			}
		default:
			if err := os.WriteFile(full, []byte(v), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	return root
}

// TestDirectoryWalk: a tree with nested directories, a symlink loop, a dangling symlink, a
// fifo and a socket gives exactly these entries, in filepath.WalkDir order.
func TestDirectoryWalk(t *testing.T) {
	root := mkTree(t, map[string]string{
		"a.txt":              "a",
		"a/b.txt":            "b",
		"a/c/":               "",
		"n/e/s/t/ed.txt":     "deep",
		"loop1":              "->loop2",
		"loop2":              "->loop1",
		"dangling":           "->does/not/exist",
		"dirlink":            "->a",
		"z/empty":            "",
		"Upper.txt":          "upper",
		"a b/space name.txt": "sp",
	})
	if err := syscall.Mkfifo(filepath.Join(root, "fifo"), 0o644); err != nil {
		t.Fatal(err)
	}
	a, err := source.Directory(root)
	if err != nil {
		t.Fatal(err)
	}
	mustClose(t, a)
	if a.Info.Type != sdk.ArtifactFilesystem || a.Info.Name != root || len(a.Layers) != 1 ||
		len(a.Info.Layers) != 1 || a.Info.Layers[0] != (sdk.Layer{}) || a.Config != nil {
		t.Errorf("Info = %+v", a.Info)
	}
	got := walkAll(t, a.Layers[0])
	want := []rec{
		{Path: "Upper.txt", Kind: source.Regular, Size: 5, Sum: sha("upper")},
		{Path: "a", Kind: source.Dir},
		{Path: "a/b.txt", Kind: source.Regular, Size: 1, Sum: sha("b")},
		{Path: "a/c", Kind: source.Dir},
		{Path: "a b", Kind: source.Dir},
		{Path: "a b/space name.txt", Kind: source.Regular, Size: 2, Sum: sha("sp")},
		{Path: "a.txt", Kind: source.Regular, Size: 1, Sum: sha("a")},
		{Path: "dangling", Kind: source.Symlink, Linkname: "does/not/exist"},
		{Path: "dirlink", Kind: source.Symlink, Linkname: "a"},
		{Path: "fifo", Kind: source.Other},
		{Path: "loop1", Kind: source.Symlink, Linkname: "loop2"},
		{Path: "loop2", Kind: source.Symlink, Linkname: "loop1"},
		{Path: "n", Kind: source.Dir},
		{Path: "n/e", Kind: source.Dir},
		{Path: "n/e/s", Kind: source.Dir},
		{Path: "n/e/s/t", Kind: source.Dir},
		{Path: "n/e/s/t/ed.txt", Kind: source.Regular, Size: 4, Sum: sha("deep")},
		{Path: "z", Kind: source.Dir},
		{Path: "z/empty", Kind: source.Regular, Size: 0, Sum: sha("")},
	}
	diffRecs(t, got, want)
	l := a.Layers[0].(*source.DirLayer)
	if st := l.Stats(); st != (source.WalkStats{Entries: len(want)}) || len(l.Skipped()) != 0 {
		t.Errorf("Stats = %+v, Skipped = %v", st, l.Skipped())
	}

	// Modes come from the files, not from their targets.
	modes := map[string]fs.FileMode{}
	if err := l.Walk(context.Background(), func(e *source.Entry) error {
		modes[e.Path] = e.Mode
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if modes["a"] != fs.ModeDir|0o755 || modes["a.txt"] != 0o644 || modes["loop1"]&fs.ModeSymlink == 0 ||
		modes["fifo"]&fs.ModeNamedPipe == 0 {
		t.Errorf("modes = %v", modes)
	}
}

// TestDirectoryUnreadable: an unreadable file and an unlistable directory are skipped and
// recorded; the walk goes on. Root reads everything, so this needs another user.
func TestDirectoryUnreadable(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("running as root: permissions do not stop reads")
	}
	root := mkTree(t, map[string]string{"a": "a", "secret": "s", "locked/inside": "i", "z": "z"})
	for _, p := range []string{"secret", "locked"} {
		if err := os.Chmod(filepath.Join(root, p), 0); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() { os.Chmod(filepath.Join(root, "locked"), 0o755) })
	a, err := source.Directory(root)
	if err != nil {
		t.Fatal(err)
	}
	diffRecs(t, walkAll(t, a.Layers[0]), []rec{
		{Path: "a", Kind: source.Regular, Size: 1, Sum: sha("a")},
		{Path: "locked", Kind: source.Dir},
		{Path: "z", Kind: source.Regular, Size: 1, Sum: sha("z")},
	})
	l := a.Layers[0].(*source.DirLayer)
	sk := l.Skipped()
	if len(sk) != 2 || sk[0].Path != "locked" || sk[1].Path != "secret" ||
		!errors.Is(sk[0].Err, fs.ErrPermission) || !errors.Is(sk[1].Err, fs.ErrPermission) {
		t.Errorf("Skipped = %v", sk)
	}
	if st := l.Stats(); st.Unreadable != 2 || st.Entries != 3 {
		t.Errorf("Stats = %+v", st)
	}
}

// TestDirectoryRoot: a symlinked root is followed; a missing or non-directory root fails;
// a root removed after opening fails the walk.
func TestDirectoryRoot(t *testing.T) {
	root := mkTree(t, map[string]string{"f": "x"})
	link := filepath.Join(t.TempDir(), "link")
	if err := os.Symlink(root, link); err != nil {
		t.Fatal(err)
	}
	a, err := source.Directory(link)
	if err != nil {
		t.Fatal(err)
	}
	diffRecs(t, walkAll(t, a.Layers[0]), []rec{{Path: "f", Kind: source.Regular, Size: 1, Sum: sha("x")}})

	if _, err := source.Directory(filepath.Join(root, "nope")); err == nil || !strings.Contains(err.Error(), "nope") {
		t.Errorf("missing root: %v", err)
	}
	if _, err := source.Directory(filepath.Join(root, "f")); err == nil || !strings.Contains(err.Error(), "not a directory") {
		t.Errorf("file root: %v", err)
	}

	gone := mkTree(t, map[string]string{"f": "x"})
	a, err = source.Directory(gone)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(gone); err != nil {
		t.Fatal(err)
	}
	if _, err := walkErr(a.Layers[0]); err == nil || !strings.Contains(err.Error(), gone) {
		t.Errorf("removed root: %v", err)
	}
}

// TestDirectoryWalkControl: fn's error and ctx cancellation stop the walk; each file is
// closed when fn returns, so its Body no longer reads.
func TestDirectoryWalkControl(t *testing.T) {
	root := mkTree(t, map[string]string{"a": "a", "b": "b", "c": "c"})
	a, err := source.Directory(root)
	if err != nil {
		t.Fatal(err)
	}
	stop := errors.New("stop")
	var kept io.Reader
	n := 0
	err = a.Layers[0].Walk(context.Background(), func(e *source.Entry) error {
		n++
		kept = e.Body
		if e.Path == "b" {
			return stop
		}
		return nil
	})
	if err != stop || n != 2 {
		t.Errorf("fn error: %v after %d", err, n)
	}
	if _, err := kept.Read(make([]byte, 1)); err == nil {
		t.Error("Body readable after fn returned")
	}
	ctx, cancel := context.WithCancel(context.Background())
	n = 0
	err = a.Layers[0].Walk(ctx, func(e *source.Entry) error {
		n++
		cancel()
		return nil
	})
	if !errors.Is(err, context.Canceled) || n != 1 {
		t.Errorf("cancel: %v after %d", err, n)
	}
}

// TestDirectoryRelativeRoot: "." and other relative roots give the same relative paths.
func TestDirectoryRelativeRoot(t *testing.T) {
	root := mkTree(t, map[string]string{"x/y": "y"})
	t.Chdir(root)
	for _, r := range []string{".", "./", "x/..", root + "/"} {
		a, err := source.Directory(r)
		if err != nil {
			t.Fatal(err)
		}
		diffRecs(t, walkAll(t, a.Layers[0]), []rec{
			{Path: "x", Kind: source.Dir},
			{Path: "x/y", Kind: source.Regular, Size: 1, Sum: sha("y")},
		})
	}
}
