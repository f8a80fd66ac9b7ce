package source

import (
	"bytes"
	"context"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestDirectoryOpenFails: a file that cannot be opened is skipped, recorded and logged, even
// when running as root (where chmod 000 does not stop reads).
func TestDirectoryOpenFails(t *testing.T) {
	root := t.TempDir()
	for _, n := range []string{"a", "secret", "z"} {
		if err := os.WriteFile(filepath.Join(root, n), []byte(n), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	openFile = func(p string) (*os.File, error) {
		if filepath.Base(p) == "secret" {
			return nil, &fs.PathError{Op: "open", Path: p, Err: syscall.EACCES}
		}
		return openNoFollow(p)
	}
	t.Cleanup(func() { openFile = openNoFollow })

	var logs bytes.Buffer
	a, err := Directory(root, WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	if err != nil {
		t.Fatal(err)
	}
	got, err := entries(t, a.Layers[0])
	if err != nil {
		t.Fatal(err)
	}
	eq(t, got, []string{"reg a =a", "reg z =z"})
	l := a.Layers[0].(*DirLayer)
	if sk := l.Skipped(); len(sk) != 1 || sk[0].Path != "secret" || !strings.Contains(sk[0].Err.Error(), "permission denied") {
		t.Errorf("Skipped = %v", sk)
	}
	if st := l.Stats(); st != (WalkStats{Entries: 2, Unreadable: 1}) {
		t.Errorf("Stats = %+v", st)
	}
	if !strings.Contains(logs.String(), "skipping unreadable file") || !strings.Contains(logs.String(), "path=secret") {
		t.Errorf("log: %s", logs.String())
	}

	// The walk respects a cancelled context even before the first entry.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := l.Walk(ctx, func(*Entry) error { return nil }); err == nil {
		t.Error("walk with a cancelled context succeeded")
	}
}
