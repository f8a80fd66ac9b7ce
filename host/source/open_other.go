//go:build !unix

package source

import "os"

// openFile opens a file found by a directory walk.
func openFile(p string) (*os.File, error) { return os.Open(p) }
