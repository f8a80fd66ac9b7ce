//go:build unix

package source

import (
	"os"
	"syscall"
)

// openNoFollow opens a file found by a directory walk. O_NOFOLLOW: if the file was replaced by a
// symbolic link since it was listed, fail rather than read what it points to. O_NONBLOCK: if
// it was replaced by a fifo, do not hang waiting for a writer.
func openNoFollow(p string) (*os.File, error) {
	return os.OpenFile(p, os.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0)
}
