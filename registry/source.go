package registry

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"

	"github.com/trawlscan/trawl/host/fetch"
)

type sourceKind int

const (
	kindFile sourceKind = iota
	kindURL
	kindOCI
)

// source is a parsed install source.
type source struct {
	kind sourceKind
	// loc is what to fetch: a path, a URL, or an OCI reference without "oci://".
	loc string
	// shown is the source for the lock file and messages: without credentials, with
	// "oci://" on a registry reference.
	shown string
}

// parseSource tells what a source names. A string without a scheme is a local path when
// such a file exists, else a registry reference when it looks like one (its first element
// is a host name: it has a dot or a port, or is localhost), else a path that is missing.
func parseSource(s string) (source, error) {
	if s == "" {
		return source{}, errors.New("empty source")
	}
	scheme, rest, hasScheme := strings.Cut(s, "://")
	if !hasScheme {
		if _, err := os.Stat(s); err == nil || !looksLikeReference(s) {
			return source{kind: kindFile, loc: s, shown: s}, nil
		}
		return source{kind: kindOCI, loc: s, shown: "oci://" + fetch.Redact("oci://" + s)[len("oci://"):]}, nil
	}
	switch strings.ToLower(scheme) {
	case "oci":
		return source{kind: kindOCI, loc: rest, shown: fetch.Redact(s)}, nil
	case "https", "http":
		return source{kind: kindURL, loc: s, shown: fetch.Redact(s)}, nil
	case "file":
		u, err := url.Parse(s)
		if err != nil || u.Path == "" || (u.Host != "" && u.Host != "localhost") {
			return source{}, fmt.Errorf("%s: want file:///absolute/path", fetch.Redact(s))
		}
		p := filepath.FromSlash(u.Path)
		return source{kind: kindFile, loc: p, shown: p}, nil
	}
	return source{}, fmt.Errorf("%s: unsupported scheme %q: want a path, https://, oci:// or registry/repository:tag", fetch.Redact(s), scheme)
}

// looksLikeReference reports whether s reads as registry/repository[:tag|@digest] with an
// explicit registry host: without one, a mistyped path ("plugins/x.wasm") would become a
// Docker Hub lookup.
func looksLikeReference(s string) bool {
	host, repo, ok := strings.Cut(s, "/")
	if !ok || repo == "" || strings.HasPrefix(host, ".") {
		return false
	}
	if !strings.ContainsAny(host, ".:") && host != "localhost" {
		return false
	}
	_, err := name.ParseReference(s)
	return err == nil
}

// isDigestRef reports whether an OCI reference names a manifest digest rather than a tag.
func isDigestRef(ref string) bool {
	return strings.Contains(ref, "@sha256:")
}
