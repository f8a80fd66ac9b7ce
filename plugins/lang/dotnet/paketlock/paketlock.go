// Package paketlock reads paket.lock, the lock file of Paket, a dependency manager for
// .NET (https://fsprojects.github.io/Paket/lock-file.html). It pins every NuGet package
// of every dependency group, and the remote files (GitHub, HTTP, git) the project takes:
//
//	STORAGE: NONE
//	NUGET
//	  remote: https://api.nuget.org/v3/index.json
//	    Newtonsoft.Json (13.0.3) - restriction: >= netstandard2.0
//	    Serilog (3.1.1)
//	      System.Memory (>= 4.5.5)
//	GITHUB
//	  remote: fsharp/FAKE
//	    src/app/FAKE/Cli.fs (0912a4e9f0a2d2a5d9d4da3bb2a0ee4d03a70fac)
//	GROUP Build
//	NUGET
//	  remote: https://api.nuget.org/v3/index.json
//	    FAKE (5.20.4)
//
// Every 4-space line of a NUGET section is a package, at its line, with the version in
// parentheses (settings after " - " are not read). The 6-space lines under it are the
// ranges it depends on, not packages. Entries of GITHUB, HTTP and GIT sections are files
// and repositories at a commit, not NuGet packages, and are not reported. The file does not
// say which packages paket.dependencies names (direct) nor what a group is for, so neither
// Indirect nor Dev is set; a package pinned in several groups at one version is one
// package.
//
// An empty file is an empty result, as Paket reads it: nothing is installed. A file with
// none of Paket's section headers is not a paket.lock and fails. The file streams through
// a fixed line buffer.
package paketlock

import (
	"fmt"
	"io"
	"strings"

	"github.com/trawlscan/trawl/plugins/lang/dotnet/internal/nuget"
	"github.com/trawlscan/trawl/plugins/lang/internal/collect"
	"github.com/trawlscan/trawl/plugins/lang/internal/linereader"
	"github.com/trawlscan/trawl/sdk"
)

// MaxSize is the largest file the analyzer is given (manifest.json). The file streams, so
// the bound is on time: a paket.lock takes about 100 bytes a package.
const MaxSize = 8 << 20

// maxLine bounds a line: the longest are framework restrictions, rarely over a kilobyte.
const maxLine = 8 << 10

type section int

const (
	none section = iota
	nugetSection
	remoteFiles // GITHUB, HTTP, GIT
)

// Parse reads a paket.lock from r. path is the file's path, used in the packages'
// locations and in problems. The error is for a file that cannot be read or has none of
// Paket's sections.
func Parse(path string, r io.Reader) (*collect.Result, error) {
	b := nuget.NewBuilder(path)
	lines := linereader.New(path, r, maxLine, MaxSize)
	sec, known := none, 0
	first, nonBlank := "", false
	for {
		line, long, ok := lines.Next()
		if !ok {
			break
		}
		no := lines.No()
		if strings.TrimSpace(line) == "" {
			continue
		}
		if !nonBlank {
			nonBlank, first = true, line
		}
		if long {
			b.Problemf(no, "line longer than %d bytes, skipped", maxLine)
			continue
		}
		if m := conflict(line); m != "" {
			b.Problemf(no, "merge conflict marker %s: the conflict needs resolving", m)
			continue
		}
		if line[0] != ' ' {
			head := strings.TrimRight(line, " \t")
			switch {
			case head == "NUGET":
				sec = nugetSection
			case head == "GITHUB" || head == "HTTP" || head == "GIT":
				sec = remoteFiles
			case strings.HasPrefix(head, "GROUP "):
				sec = none
			case option(head):
				// A setting of the group ("STORAGE: NONE", "RESTRICTION: ...").
				continue
			default:
				b.Problemf(no, "not a section header nor an indented line, ignored: %s", collect.Quote(collect.Redact(line)))
				sec = none
				continue
			}
			known++
			continue
		}
		if sec != nugetSection {
			continue
		}
		indent := len(line) - len(strings.TrimLeft(line, " "))
		switch indent {
		case 2, 6: // "remote: ...", and the ranges a package depends on
		case 4:
			pkg(b, line[4:], no)
		default:
			b.Problemf(no, "unexpected indentation of %d spaces in a NUGET section, ignored: %s", indent, collect.Quote(collect.Redact(line[indent:])))
		}
	}
	if err := lines.Err(); err != nil {
		return nil, err
	}
	if nonBlank && known == 0 {
		return nil, fmt.Errorf("%s: not a paket.lock: no NUGET, GITHUB, HTTP, GIT or GROUP section; first line %s", path, collect.Quoted(collect.Redact(first)))
	}
	return b.Result(), nil
}

// pkg reads "Name (version)" with optional " - settings".
func pkg(b *collect.Builder, text string, no int) {
	spec, _, _ := strings.Cut(text, " - ")
	name, rest, ok := strings.Cut(strings.TrimSpace(spec), " (")
	if !ok || !strings.HasSuffix(rest, ")") || strings.Contains(name, " ") {
		b.Problemf(no, "package %s is not \"name (version)\", skipped", collect.Quote(text))
		return
	}
	version := strings.TrimSuffix(rest, ")")
	if !nuget.Valid(version) {
		b.Problemf(no, "package %s: %s is not a NuGet version, skipped", collect.Quote(name), collect.Quoted(version))
		return
	}
	b.Add(no, sdk.Package{Name: name, Version: version})
}

// option reports whether line is a group setting: a word in capitals (with '-' or '_')
// and a colon.
func option(line string) bool {
	key, _, ok := strings.Cut(line, ":")
	if !ok || key == "" {
		return false
	}
	for i := 0; i < len(key); i++ {
		if c := key[i]; !(c >= 'A' && c <= 'Z' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

func conflict(line string) string {
	for _, m := range []string{"<<<<<<<", "=======", ">>>>>>>", "|||||||"} {
		if strings.HasPrefix(line, m) {
			return m
		}
	}
	return ""
}
