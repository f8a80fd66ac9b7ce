// Command os is trawl's first-party OS analyzer plugin. It identifies the operating system
// of a root filesystem and lists the packages its package manager installed.
//
// Analyzers (manifest.json says which files each one selects):
//   - os-release: etc/os-release, usr/lib/os-release and etc/alpine-release (package
//     osrelease). The host decides which file wins when an image has several: os-release
//     first, then the release files below.
//   - debian-version: etc/debian_version, Debian's point release ("12.9").
//   - redhat-release: etc/redhat-release, etc/centos-release, etc/system-release and the
//     files of the same form that Rocky, AlmaLinux, Oracle Linux and Fedora name after
//     themselves (etc/rocky-release, ...). Those keep the release line in their own file and
//     make etc/system-release (and, but on Oracle Linux, etc/redhat-release) a symlink to
//     it; the walker does not follow symlinks, so the file is selected under its own name.
//   - apk: Alpine's lib/apk/db/installed (package apk).
//   - dpkg: var/lib/dpkg/status of Debian and Ubuntu, and the var/lib/dpkg/status.d/* files
//     of distroless images (package dpkg), whose *.md5sums neighbours are ignored.
//   - rpm: the rpm database, in var/lib/rpm and in usr/lib/sysimage/rpm where Fedora and
//     openSUSE moved it (var/lib/rpm is then a symlink, which the walker does not follow),
//     under the names of its three formats: rpmdb.sqlite, Packages (Berkeley DB) and
//     Packages.db (NDB) (package rpm).
//
// Size limits (manifest.json): os-release files are refused above 64 KiB (real ones are a
// few hundred bytes), the one-line release files above 4 KiB. The apk and dpkg databases
// stream through a fixed 8 KiB line buffer keeping five short fields per package, so their
// limit bounds work, not memory: 64 MiB is far above real databases (14 KB for an Alpine
// minirootfs, 77 KB for Debian's minbase, a few MiB for images with thousands of packages)
// and, at the 10-12 MB/s measured through the plugin host (dpkg and apk alike), 6-7 s of
// parsing spread over 256 chunk calls, each far inside the host's per-call deadline. A
// status.d file holds one package's stanza (a few KiB): 1 MiB is far above that. The rpm
// formats need random access, so an rpm database is read into memory whole: its limit,
// 256 MiB (a full Fedora workstation's is about 150 MiB, a container's 5-20 MiB), bounds
// memory, and the module asks the host for 512 MiB of memory to hold it and its packages.
//
// The parsers are plain Go packages; this file only routes a file to them. Build it with
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o os.wasm ./plugins/os
//	go run github.com/trawlscan/trawl/sdk/cmd/trawl-pack -manifest plugins/os/manifest.json os.wasm
package main

import (
	"fmt"
	"io"
	"path"

	"github.com/trawlscan/trawl/plugins/os/apk"
	"github.com/trawlscan/trawl/plugins/os/dpkg"
	"github.com/trawlscan/trawl/plugins/os/osrelease"
	"github.com/trawlscan/trawl/plugins/os/rpm"
	"github.com/trawlscan/trawl/sdk"
	"github.com/trawlscan/trawl/sdk/plugin"
)

// Analyzer names, as in manifest.json.
const (
	analyzerOSRelease     = "os-release"
	analyzerDebianVersion = "debian-version"
	analyzerRedHatRelease = "redhat-release"
	analyzerApk           = "apk"
	analyzerDpkg          = "dpkg"
	analyzerRPM           = "rpm"
)

func init() { plugin.RegisterAnalyzer(analyzer{}) }

// main is never run: the module is a reactor, driven through its exports.
func main() {}

type analyzer struct{}

// Analyze parses one file with the analyzer that selected it. A parse error fails the file
// (the SDK records it for the host); problems with single apk or dpkg stanzas come back as
// errors in the result next to the packages that could be read.
func (analyzer) Analyze(req sdk.FileRequest, content io.Reader) (*sdk.AnalysisResult, error) {
	// The manifest's selectors do not overlap, so each file has exactly one analyzer; the
	// content can be read only once, so two would need buffering that nothing needs.
	if len(req.Analyzers) != 1 {
		return nil, fmt.Errorf("%s: want exactly one analyzer, got %q", req.Path, req.Analyzers)
	}
	switch name := req.Analyzers[0]; name {
	case analyzerOSRelease:
		parse := osrelease.Parse
		if path.Base(req.Path) == "alpine-release" {
			parse = osrelease.ParseAlpineRelease
		}
		return osResult(parse(req.Path, content))
	case analyzerDebianVersion:
		return osResult(osrelease.ParseDebianVersion(req.Path, content))
	case analyzerRedHatRelease:
		return osResult(osrelease.ParseRedHatRelease(req.Path, content))
	case analyzerApk:
		pkgs, problems, err := apk.Parse(req.Path, content)
		return packagesResult(name, req.Path, pkgs, problems, err)
	case analyzerDpkg:
		if dpkg.Ignored(req.Path) {
			// Returning without reading tells the host to send no more of the file.
			return &sdk.AnalysisResult{}, nil
		}
		pkgs, problems, err := dpkg.Parse(req.Path, content)
		return packagesResult(name, req.Path, pkgs, problems, err)
	case analyzerRPM:
		pkgs, problems, err := rpm.Parse(req.Path, content, req.Size)
		return packagesResult(name, req.Path, pkgs, problems, err)
	default:
		return nil, fmt.Errorf("%s: unknown analyzer %q", req.Path, name)
	}
}

// osResult wraps what an OS parser returned. A nil OS without an error (a debian_version
// that names no Debian release) is an empty result.
func osResult(o *sdk.OS, err error) (*sdk.AnalysisResult, error) {
	if err != nil {
		return nil, err
	}
	return &sdk.AnalysisResult{OS: o}, nil
}

// packagesResult wraps what a package database parser returned: the packages, and the
// problems with single stanzas as the file's errors.
func packagesResult[E error](analyzer, path string, pkgs []sdk.Package, problems []E, err error) (*sdk.AnalysisResult, error) {
	if err != nil {
		return nil, err
	}
	res := &sdk.AnalysisResult{Packages: pkgs}
	for _, p := range problems {
		res.Errors = append(res.Errors, sdk.FileError{Analyzer: analyzer, Path: path, Message: p.Error()})
	}
	return res, nil
}
