package version

import (
	"strconv"
	"strings"

	mvnversion "github.com/masahiro331/go-mvn-version"
)

// maven orders Maven versions by the POM reference's "Version Order Specification", as
// Maven's ComparableVersion (3.8) implements it. The items and their comparison come from
// github.com/masahiro331/go-mvn-version; its parser, though, departs from the
// specification, so the item tree is built here:
//   - ".qualifier" equals "-qualifier" ("1.foo" = "1-foo", "1.0.0.RC1" = "1.0.0-RC1"): the
//     library kept ".foo" in the enclosing list and ordered it below "-foo";
//   - trailing null items are trimmed at each hyphen from the end, after the sub-list that
//     follows has been trimmed, so "2.0.a" is "2-a" and sorts before "2-1" (the library
//     trimmed each list before attaching its child and got 2.0.a > 2-1);
//   - it indexes bytes by character position, so non-ASCII input is refused here.
//
// Numbers longer than 18 digits are refused: the library holds them in an int.
type maven struct{}

func (maven) Name() string { return "maven" }

type mavenVer struct{ items mvnversion.ListItem }

// mavenList is a list being built: its items are IntItem, StringItem or *mavenList.
type mavenList struct{ items []any }

func (maven) Parse(s string) (Version, error) {
	if s == "" {
		return nil, invalid("maven", s, "empty")
	}
	if !printableASCII(s) {
		return nil, invalid("maven", s, "only printable ASCII without spaces is allowed")
	}
	if longestDigitRun(strings.TrimLeft(s, "0")) > maxDigits {
		return nil, invalid("maven", s, "number longer than %d digits", maxDigits)
	}
	return mavenVer{mavenParse(strings.ToLower(s)).normalize()}, nil
}

// mavenParse splits v into items at '.', '-' and digit/letter transitions, opening a
// sub-list at each '-', each transition, and before a qualifier that follows '.'
// (ComparableVersion.parseVersion).
func mavenParse(v string) *mavenList {
	root := &mavenList{}
	list := root
	open := func() {
		sub := &mavenList{}
		list.items = append(list.items, sub)
		list = sub
	}
	isDigitRun, start := false, 0
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case c == '.' || c == '-':
			if i == start {
				list.items = append(list.items, mvnversion.IntItem(0))
			} else {
				list.items = append(list.items, mavenItem(isDigitRun, v[start:i], false))
			}
			start = i + 1
			if c == '-' {
				open()
			}
		case isDigit(c):
			if !isDigitRun && i > start {
				// A qualifier directly followed by a number: ".X1" is "-X1".
				if len(list.items) > 0 {
					open()
				}
				list.items = append(list.items, mavenItem(false, v[start:i], true))
				start = i
				open()
			}
			isDigitRun = true
		default:
			if isDigitRun && i > start {
				list.items = append(list.items, mavenItem(true, v[start:i], false))
				start = i
				open()
			}
			isDigitRun = false
		}
	}
	if len(v) > start {
		// A trailing ".X" qualifier is "-X".
		if !isDigitRun && len(list.items) > 0 {
			open()
		}
		list.items = append(list.items, mavenItem(isDigitRun, v[start:], false))
	}
	return root
}

// mavenItem is a number, or a qualifier with its aliases resolved ("ga", "final" and
// "release" are the release, "cr" is "rc", and "a", "b", "m" followed by a number are
// alpha, beta, milestone).
func mavenItem(isNum bool, s string, followedByDigit bool) any {
	if isNum {
		n, _ := strconv.ParseInt(strings.TrimLeft(s, "0"), 10, 64) // length checked in Parse
		return mvnversion.IntItem(n)
	}
	if followedByDigit {
		switch s {
		case "a":
			s = "alpha"
		case "b":
			s = "beta"
		case "m":
			s = "milestone"
		}
	}
	switch s {
	case "ga", "final", "release":
		s = ""
	case "cr":
		s = "rc"
	}
	return mvnversion.StringItem(s)
}

// normalize converts the list, trimming trailing null items (0, "", empty lists) from the
// end, skipping over non-null sub-lists, once each sub-list is itself trimmed.
func (l *mavenList) normalize() mvnversion.ListItem {
	out := make(mvnversion.ListItem, 0, len(l.items))
	for _, it := range l.items {
		if sub, ok := it.(*mavenList); ok {
			out = append(out, sub.normalize())
		} else {
			out = append(out, it.(mvnversion.Item))
		}
	}
	for i := len(out) - 1; i >= 0; i-- {
		switch it := out[i].(type) {
		case mvnversion.ListItem:
			if len(it) == 0 {
				out = append(out[:i], out[i+1:]...)
			}
			continue
		case mvnversion.IntItem:
			if it == 0 {
				out = append(out[:i], out[i+1:]...)
				continue
			}
		case mvnversion.StringItem:
			if it == "" {
				out = append(out[:i], out[i+1:]...)
				continue
			}
		}
		break
	}
	return out
}

func (a mavenVer) Compare(o Version) int {
	b, ok := o.(mavenVer)
	if !ok {
		mismatch("maven", o)
	}
	return sign(a.items.Compare(b.items))
}
