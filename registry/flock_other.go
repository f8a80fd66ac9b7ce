//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package registry

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// lockFileName exists while a process holds the directory's lock.
const lockFileName = ".trawl-plugins.lk.held"

// staleLock is how old a lock file must be before it is taken for the leftover of a process
// that died holding it: no lock-file update takes more than milliseconds.
const staleLock = 10 * time.Minute

// lockDir takes the directory's exclusive lock by creating lockFileName exclusively,
// waiting for it until ctx ends. Without flock, a process that dies holding the lock
// leaves the file behind; it is removed once older than staleLock.
func lockDir(ctx context.Context, dir string) (unlock func(), err error) {
	p := filepath.Join(dir, lockFileName)
	for wait := time.Millisecond; ; wait = min(2*wait, 50*time.Millisecond) {
		f, err := os.OpenFile(p, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
		if err == nil {
			f.Close()
			return func() { os.Remove(p) }, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return nil, err
		}
		if fi, err := os.Stat(p); err == nil && time.Since(fi.ModTime()) > staleLock {
			os.Remove(p)
			continue
		}
		select {
		case <-ctx.Done():
			return nil, context.Cause(ctx)
		case <-time.After(wait):
		}
	}
}
