package secrets

import (
	"regexp"
	"regexp/syntax"
	"sync"
)

// lazyRegexp is a regular expression compiled at its first use. Compiling the built-in
// rules' 800 regexes (each rule's, and its two anchored forms) took most of a scan's
// start-up, and a scan runs few of them: most rules never get past their keywords. expr is
// known to parse (syntax.Perl), and regexp.Compile fails only where parsing does, so the
// compilation deferred cannot fail.
type lazyRegexp struct {
	expr string
	once sync.Once
	re   *regexp.Regexp
}

func newLazyRegexp(expr string) *lazyRegexp { return &lazyRegexp{expr: expr} }

func (l *lazyRegexp) get() *regexp.Regexp {
	l.once.Do(func() { l.re = regexp.MustCompile(l.expr) })
	return l.re
}

// wrapsSafely reports whether re, parsed, stays far enough inside the parser's limits
// (nesting depth 1000, some 3.3 million instructions, 33 million runes) that wrapping it
// in a group with a few nodes around it cannot cross one: then the wrapped forms parse
// whenever re does, with no need to parse them to know. Each measure is an upper bound.
func wrapsSafely(re *syntax.Regexp) bool {
	height, size, runes := measure(re)
	return height < 900 && size < 1<<20 && runes < 1<<24
}

// measure returns re's height, a bound of its compiled size in instructions, and its
// rune count, each capped so that they cannot overflow.
func measure(re *syntax.Regexp) (height, size, runes int64) {
	const limit = 1 << 40
	for _, sub := range re.Sub {
		h, s, r := measure(sub)
		height = max(height, h)
		size = min(size+s+1, limit)
		runes = min(runes+r, limit)
	}
	height++
	runes = min(runes+int64(len(re.Rune)), limit)
	size += int64(len(re.Rune)) + 2
	if re.Op == syntax.OpRepeat {
		n := int64(max(re.Min, re.Max)) + 1
		size = min(size*n, limit)
	}
	return height, size, runes
}
