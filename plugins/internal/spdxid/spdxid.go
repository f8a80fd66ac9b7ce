// Package spdxid looks up SPDX license and exception identifiers of the SPDX License List,
// case-insensitively, for the plugins that turn what packages declare into SPDX (the OS
// package analyzers) and that write SPDX and CycloneDX documents (the formatters). The
// list is generated into spdx_ids.go from github.com/github/go-spdx/v2, which the plugins do
// not import: its maps and regexes would add to every module that carries them.
package spdxid

import (
	"strings"
	"sync"
)

//go:generate go run ../../../internal/tools/spdxlist

// ListVersion is the SPDX License List version of the identifiers.
const ListVersion = spdxListVersion

// idList is one of the generated '|'-separated constants, split once on first use. The
// pieces share the constant's memory; lookups are binary searches that fold ASCII case.
type idList struct {
	src  string
	once sync.Once
	ids  []string
}

var (
	licenses   = &idList{src: licenseIDs}
	exceptions = &idList{src: exceptionIDs}
	gnuRepl    = &idList{src: deprecatedGNU} // "old=new" pairs, sorted by old
)

// License returns the canonical spelling of an SPDX license identifier (active or
// deprecated), matched case-insensitively.
func License(s string) (string, bool) { return licenses.find(s) }

// Exception returns the canonical spelling of an SPDX exception identifier.
func Exception(s string) (string, bool) { return exceptions.find(s) }

// GNUReplacement returns the -only or -or-later identifier that replaced a deprecated GNU
// identifier ("GPL-2.0" → "GPL-2.0-only", "GPL-2.0+" → "GPL-2.0-or-later").
func GNUReplacement(s string) (string, bool) {
	e, ok := gnuRepl.find(s)
	if !ok {
		return "", false
	}
	return e[strings.IndexByte(e, '=')+1:], true
}

// find returns the entry whose key (the part before '=', or all of it) equals key but for
// ASCII case.
func (l *idList) find(key string) (string, bool) {
	l.once.Do(func() { l.ids = strings.Split(l.src, "|") })
	lo, hi := 0, len(l.ids)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if compareFold(entryKey(l.ids[m]), key) < 0 {
			lo = m + 1
		} else {
			hi = m
		}
	}
	if lo < len(l.ids) && compareFold(entryKey(l.ids[lo]), key) == 0 {
		return l.ids[lo], true
	}
	return "", false
}

func entryKey(e string) string {
	if i := strings.IndexByte(e, '='); i >= 0 {
		return e[:i]
	}
	return e
}

// compareFold compares a and b as if both were ASCII-lower-cased, the order the generator
// sorts by.
func compareFold(a, b string) int {
	n := min(len(a), len(b))
	for i := 0; i < n; i++ {
		ca, cb := lower(a[i]), lower(b[i])
		if ca != cb {
			if ca < cb {
				return -1
			}
			return 1
		}
	}
	switch {
	case len(a) < len(b):
		return -1
	case len(a) > len(b):
		return 1
	}
	return 0
}

func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}
