package source

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
)

// Open opens a local target by what it is: a directory holding an "oci-layout" file is an OCI
// image layout (Layout), any other directory a file tree (Directory), a file an image archive
// (Archive). Registry references are Remote's: a name like "alpine:3.20" could also be a file.
func Open(ctx context.Context, target string, opts ...Option) (*Artifact, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	fi, err := os.Stat(target)
	if err != nil {
		return nil, fmt.Errorf("opening scan target: %w", err)
	}
	switch {
	case fi.IsDir():
		if st, err := os.Stat(filepath.Join(target, "oci-layout")); err == nil && st.Mode().IsRegular() {
			return Layout(target, opts...)
		}
		return Directory(target, opts...)
	case fi.Mode().IsRegular():
		return Archive(target, opts...)
	}
	return nil, fmt.Errorf("%s: neither a directory nor a regular file (%s)", target, fi.Mode().Type())
}
