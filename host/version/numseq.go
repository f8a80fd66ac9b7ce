package version

import "strings"

// numSeq orders versions that are sequences of non-negative integers, compared one by one,
// a sequence that is a prefix of another sorting first ("1.0" < "1.0.0"): Haskell's
// Data.Version as Hackage and GHC use it (PVP, '.'-separated), and R's package_version for
// CRAN and Bioconductor ('.' or '-' separated, at least two numbers).
type numSeq struct {
	name     string
	seps     string
	minParts int
}

var (
	pvp      = numSeq{name: "pvp", seps: ".", minParts: 1}
	rVersion = numSeq{name: "r", seps: ".-", minParts: 2}
)

func (c numSeq) Name() string { return c.name }

type numSeqVer []string

func (c numSeq) Parse(s string) (Version, error) {
	parts := strings.FieldsFunc(s, func(r rune) bool { return strings.ContainsRune(c.seps, r) })
	if len(parts) < c.minParts {
		return nil, invalid(c.name, s, "want at least %d numbers", c.minParts)
	}
	// FieldsFunc drops empty fields; count separators to reject "1..2" and "1.".
	n := 1
	for i := 0; i < len(s); i++ {
		if strings.IndexByte(c.seps, s[i]) >= 0 {
			n++
		}
	}
	if n != len(parts) {
		return nil, invalid(c.name, s, "empty number")
	}
	v := make(numSeqVer, len(parts))
	for i, p := range parts {
		if !allDigits(p) {
			return nil, invalid(c.name, s, "%q is not a number", p)
		}
		v[i] = strings.TrimLeft(p, "0")
	}
	return v, nil
}

func (a numSeqVer) Compare(o Version) int {
	b, ok := o.(numSeqVer)
	if !ok {
		mismatch("numeric sequence", o)
	}
	for i := 0; i < len(a) && i < len(b); i++ {
		if c := cmpDigits(a[i], b[i]); c != 0 {
			return c
		}
	}
	return sign(len(a) - len(b))
}
