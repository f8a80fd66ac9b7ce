//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package registry

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"time"
)

// lockFileName is the file flock(2) locks. It is not the lock file itself, which is
// replaced by rename on every write: a lock on a replaced inode would exclude nobody.
const lockFileName = ".trawl-plugins.lk"

// lockDir takes the directory's exclusive lock, waiting for it until ctx ends. flock locks
// belong to the open file, so two goroutines of one process exclude each other as two
// processes do, and the OS drops the lock of a process that dies.
func lockDir(ctx context.Context, dir string) (unlock func(), err error) {
	f, err := os.OpenFile(filepath.Join(dir, lockFileName), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, err
	}
	for wait := time.Millisecond; ; wait = min(2*wait, 50*time.Millisecond) {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return func() {
				syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
				f.Close()
			}, nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) && !errors.Is(err, syscall.EINTR) {
			f.Close()
			return nil, err
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, context.Cause(ctx)
		case <-time.After(wait):
		}
	}
}
