//go:build !unix

package source

import "os"

// openNoFollow opens a file found by a directory walk.
func openNoFollow(p string) (*os.File, error) { return os.Open(p) }
