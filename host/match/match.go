// Package match decides whether a package version is affected by an OSV advisory's
// affected entry, by the evaluation rules of the OSV schema
// (https://ossf.github.io/osv-schema/#evaluation): explicit versions, and SEMVER and
// ECOSYSTEM ranges whose events open ([introduced, fixed), [introduced, last_affected])
// and bound (limit) the affected intervals. Finding the entries of a package is the
// database's job, not this package's.
package match

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/trawlscan/trawl/host/osv"
	"github.com/trawlscan/trawl/host/version"
)

// ErrUnknownRangeType is returned for a range type the schema does not define.
var ErrUnknownRangeType = errors.New("unknown OSV range type")

// Affected reports whether version v of a package is affected by a (one osv.Affected
// entry), and which fixed versions apply (for the report): the fixed events above v of the
// ranges that affect it, ascending within each range, ranges in order, without repeats. GIT
// ranges are skipped (and counted by the caller).
//
// SEMVER ranges compare by SemVer 2.0.0 whatever the ecosystem (a leading "v" tolerated),
// ECOSYSTEM ranges by the ecosystem's ordering (package version). An event whose version
// does not parse is skipped, the rest of its range still applying. A package version that
// does not parse where a range needs it, an ECOSYSTEM range of an ecosystem without an
// ordering and a range type the schema does not define are errors, unless a's versions list
// already names v.
func Affected(ecosystem string, a osv.Affected, v string) (affected bool, fixed []string, err error) {
	affected = listedVersion(ecosystem, a.Versions, v)
	fail := func(err error) (bool, []string, error) {
		if affected {
			// The versions list has answered; only the fixed versions are lost.
			return true, nil, nil
		}
		return false, nil, err
	}
	var ecoCmp version.Comparator
	var semverV, ecoV version.Version // v parsed, once per ordering
	for i, r := range a.Ranges {
		var c version.Comparator
		var pv *version.Version
		switch r.Type {
		case osv.RangeGit:
			continue
		case osv.RangeSemver:
			c, pv = version.Semver, &semverV
		case osv.RangeEcosystem:
			if ecoCmp == nil {
				if ecoCmp, err = version.For(ecosystem); err != nil {
					return fail(err)
				}
			}
			c, pv = ecoCmp, &ecoV
		default:
			return fail(fmt.Errorf("range %d: %w %q", i, ErrUnknownRangeType, r.Type))
		}
		if *pv == nil {
			if *pv, err = c.Parse(v); err != nil {
				return fail(fmt.Errorf("%s %s range: %w", ecosystem, r.Type, err))
			}
		}
		if in, fx := inRange(c, r.Events, *pv); in {
			affected = true
			fixed = append(fixed, fx...)
		}
	}
	return affected, uniqueStrings(fixed), nil
}

// listedVersion reports whether the explicit versions list names v. The match is exact,
// except that a Go version matches with or without its "v" (OSV writes Go versions
// without it).
func listedVersion(ecosystem string, versions []string, v string) bool {
	goEco := ecosystem == "Go" || strings.HasPrefix(ecosystem, "Go:")
	for _, l := range versions {
		if l == v || goEco && strings.TrimPrefix(l, "v") == strings.TrimPrefix(v, "v") {
			return true
		}
	}
	return false
}

// eventKind is the field an event sets.
type eventKind int

const (
	evIntroduced eventKind = iota
	evFixed
	evLastAffected
	evLimit
)

// rangeEvent is a parsed event. A nil ver with first set is introduced "0", which sorts
// before every version; a nil ver otherwise is a limit of "*", after every version.
type rangeEvent struct {
	kind  eventKind
	raw   string
	ver   version.Version
	first bool
}

// inRange evaluates one range's events for the parsed version pv, returning whether pv is
// affected and the fixed versions above it.
func inRange(c version.Comparator, events []osv.Event, pv version.Version) (bool, []string) {
	evs := parseEvents(c, events)
	if !beforeLimits(evs, pv) {
		return false, nil
	}
	// Stable, so that events of equal versions keep the advisory's order: "introduced X,
	// fixed X" stays an empty interval and "fixed X, introduced X" reopens one at X.
	slices.SortStableFunc(evs, compareEvents)
	vulnerable := false
	var fixed []string
	for _, e := range evs {
		switch e.kind {
		case evIntroduced:
			if e.first || pv.Compare(e.ver) >= 0 {
				vulnerable = true
			}
		case evFixed:
			if pv.Compare(e.ver) >= 0 {
				vulnerable = false
			} else {
				fixed = append(fixed, e.raw)
			}
		case evLastAffected:
			if pv.Compare(e.ver) > 0 {
				vulnerable = false
			}
		}
	}
	if !vulnerable {
		return false, nil
	}
	return true, fixed
}

// parseEvents parses the events, skipping those whose version c does not accept: the rest
// of the range still applies, so a bad fixed event leaves its interval open rather than
// hiding it. (osv-scanner instead drops the parse error and takes the comparison as
// "equal", so a bad introduced opens the range for every version and a bad fixed closes it
// for every version.) An event that, against the schema, sets several fields counts once
// per field.
func parseEvents(c version.Comparator, events []osv.Event) []rangeEvent {
	out := make([]rangeEvent, 0, len(events))
	add := func(k eventKind, s string) {
		switch {
		case s == "":
			return
		case k == evIntroduced && s == "0":
			out = append(out, rangeEvent{kind: k, raw: s, first: true})
			return
		case k == evLimit && strings.Contains(s, "*"):
			out = append(out, rangeEvent{kind: k, raw: s})
			return
		}
		if ver, err := c.Parse(s); err == nil {
			out = append(out, rangeEvent{kind: k, raw: s, ver: ver})
		}
	}
	for _, e := range events {
		add(evIntroduced, e.Introduced)
		add(evFixed, e.Fixed)
		add(evLastAffected, e.LastAffected)
		add(evLimit, e.Limit)
	}
	return out
}

// beforeLimits is the schema's BeforeLimits: with no limit events the range is unbounded,
// otherwise pv must sort before one of them.
func beforeLimits(evs []rangeEvent, pv version.Version) bool {
	hasLimit := false
	for _, e := range evs {
		if e.kind != evLimit {
			continue
		}
		hasLimit = true
		if e.ver == nil || pv.Compare(e.ver) < 0 {
			return true
		}
	}
	return !hasLimit
}

// compareEvents orders events by version: introduced "0" first, limit "*" last.
func compareEvents(x, y rangeEvent) int {
	if x.ver == nil || y.ver == nil {
		return cmp.Compare(eventRank(x), eventRank(y))
	}
	return x.ver.Compare(y.ver)
}

// eventRank places the version-less events: -1 before all versions, 1 after, 0 a version.
func eventRank(e rangeEvent) int {
	switch {
	case e.ver != nil:
		return 0
	case e.first:
		return -1
	}
	return 1
}

func uniqueStrings(s []string) []string {
	if len(s) < 2 {
		return s
	}
	seen := make(map[string]bool, len(s))
	out := s[:0]
	for _, x := range s {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}
