package version

// apk orders Alpine-style versions (Alpine, Wolfi, Chainguard, ...) as apk-tools does
// (version.c, and apk-package(5): number{.number}...{letter}{_suffix{number}}...{-r#}, with
// suffixes ordered alpha, beta, pre, rc, <none>, cvs, svn, git, hg, p).
//
// github.com/knqyf263/go-apk-version, a port of apk-tools 2's version.c, was used first and
// is not any more: after a component of zeros (the "0" of "1.0") it reads an empty number
// token before the next one, so "1.0_rc1" compared greater than "1.0", against the
// documented rule that a pre-release suffix sorts before no suffix ("1.2_rc1" < "1.2" came
// out right); it also took any character after '-' for the 'r' of a revision ("1.0-x5" was
// "1.0-r5"), let numbers overflow an int, and allocated two 4 KiB buffers per comparison.
// Its token stream is not exposed, so the tokenizer is written here, from version.c's
// rules, with that case fixed: after a run of zeros the next token is read as after any
// number. Numbers are limited to 18 digits (int64).
type apk struct{}

func (apk) Name() string { return "apk" }

type apkVer string

func (apk) Parse(s string) (Version, error) {
	if s == "" {
		return nil, invalid("apk", s, "empty")
	}
	if !printableASCII(s) {
		return nil, invalid("apk", s, "only printable ASCII without spaces is allowed")
	}
	if longestDigitRun(s) > maxDigits {
		return nil, invalid("apk", s, "number longer than %d digits", maxDigits)
	}
	t := apkTokenizer{s: s, typ: apkDigit}
	for t.typ != apkEnd && t.typ != apkInvalid {
		t.next()
	}
	if t.typ == apkInvalid {
		return nil, invalid("apk", s, "not number{.number}{letter}{_suffix{number}}{-r#}")
	}
	return apkVer(s), nil
}

// Token types, in apk-tools' order: the order matters where two versions agree up to the
// point where one continues with a token of one type and the other with another.
const (
	apkInvalid = iota - 1
	apkDigitOrZero
	apkDigit
	apkLetter
	apkSuffix
	apkSuffixNo
	apkRevisionNo
	apkEnd
)

var (
	apkPreSuffixes  = []string{"alpha", "beta", "pre", "rc"}
	apkPostSuffixes = []string{"cvs", "svn", "git", "hg", "p"}
)

// apkTokenizer walks a version: typ is the type of the token at s[i:].
type apkTokenizer struct {
	s   string
	i   int
	typ int
}

// next reads the token at the position, returns its value and moves to the next one.
func (t *apkTokenizer) next() int64 {
	if t.i >= len(t.s) {
		t.typ = apkEnd
		return 0
	}
	var v int64
	switch t.typ {
	case apkDigitOrZero:
		if t.s[t.i] == '0' {
			// A component with leading zeros: its zeros count negatively, so that 1.01
			// sorts before 1.1, and the digits after them are a token of their own.
			for t.i < len(t.s) && t.s[t.i] == '0' {
				t.i++
				v--
			}
			if t.i < len(t.s) && isDigit(t.s[t.i]) {
				t.typ = apkDigit
			} else {
				t.advance(apkDigit)
			}
			return v
		}
		fallthrough
	case apkDigit, apkSuffixNo, apkRevisionNo:
		for t.i < len(t.s) && isDigit(t.s[t.i]) {
			v = v*10 + int64(t.s[t.i]-'0')
			t.i++
		}
	case apkLetter:
		v = int64(t.s[t.i])
		t.i++
	case apkSuffix:
		if n, ok := t.suffix(apkPreSuffixes); ok {
			v = int64(n - len(apkPreSuffixes))
		} else if n, ok := t.suffix(apkPostSuffixes); ok {
			v = int64(n)
		} else {
			t.typ = apkInvalid
			return -1
		}
	default:
		t.typ = apkInvalid
		return -1
	}
	t.advance(t.typ)
	return v
}

func (t *apkTokenizer) suffix(names []string) (int, bool) {
	for n, name := range names {
		if len(t.s)-t.i >= len(name) && t.s[t.i:t.i+len(name)] == name {
			t.i += len(name)
			return n, true
		}
	}
	return 0, false
}

// advance sets the type of the next token from the character at the position, given the
// type of the token just read (apk-tools' next_token).
func (t *apkTokenizer) advance(cur int) {
	if t.i >= len(t.s) {
		t.typ = apkEnd
		return
	}
	c := t.s[t.i]
	n := apkInvalid
	switch {
	case (cur == apkDigit || cur == apkDigitOrZero) && 'a' <= c && c <= 'z':
		n = apkLetter
	case cur == apkLetter && isDigit(c):
		n = apkDigit
	case cur == apkSuffix && isDigit(c):
		n = apkSuffixNo
	default:
		switch c {
		case '.':
			n = apkDigitOrZero
		case '_':
			n = apkSuffix
		case '-':
			if t.i+1 < len(t.s) && t.s[t.i+1] == 'r' {
				n = apkRevisionNo
				t.i++
			}
		}
		t.i++
	}
	if n < cur {
		ok := n == apkDigitOrZero && cur == apkDigit ||
			n == apkSuffix && cur == apkSuffixNo ||
			n == apkDigit && cur == apkLetter
		if !ok {
			n = apkInvalid
		}
	}
	t.typ = n
}

func (a apkVer) Compare(o Version) int {
	b, ok := o.(apkVer)
	if !ok {
		mismatch("apk", o)
	}
	ta := apkTokenizer{s: string(a), typ: apkDigit}
	tb := apkTokenizer{s: string(b), typ: apkDigit}
	var av, bv int64
	for ta.typ == tb.typ && ta.typ != apkEnd && ta.typ != apkInvalid && av == bv {
		av = ta.next()
		bv = tb.next()
	}
	switch {
	case av < bv:
		return -1
	case av > bv:
		return 1
	case ta.typ == tb.typ:
		return 0
	}
	// Equal so far and one goes on: the longer one is greater, unless what follows is a
	// pre-release suffix.
	if ta.typ == apkSuffix {
		if t := ta; t.next() < 0 {
			return -1
		}
	}
	if tb.typ == apkSuffix {
		if t := tb; t.next() < 0 {
			return 1
		}
	}
	switch {
	case ta.typ > tb.typ:
		return -1
	case ta.typ < tb.typ:
		return 1
	}
	return 0
}
