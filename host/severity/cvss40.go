package severity

import (
	"strings"

	gocvss40 "github.com/pandatix/go-cvss/40"
)

// CVSS v4.0 base scoring.
//
// go-cvss parses and validates the vector; the score is computed here because the
// library's is not exact. A v4.0 score interpolates between MacroVector scores, and the
// specification says only that the result "is rounded to one decimal place". The
// reference implementation, Red Hat's cvss-v4-calculator (first.org's calculator is a copy
// of it), and Red Hat's Python cvss library, which computes in exact decimals, both round
// the true value half up since their 2024 rounding fixes: so
// CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:P/VC:H/VI:L/VA:N/SC:H/SI:H/SA:H, exactly 8.55, scores
// 8.6. (At the time of writing first.org's hosted copy had not taken that fix yet:
// FIRSTdotorg/cvss-v4-calculator pull request 4.) go-cvss v0.6.4 computes in binary
// floating point, lands a hair under 8.55, and says 8.5: of the 4,818 base vectors (of
// 104,976) whose exact score is such a tie, it rounds 450 down. Here every quantity is a
// whole number of tenths or of severity steps, so the score is an exact fraction and its
// rounding is never in doubt. TestCVSS40AgainstReference checks this against a float port
// of the reference calculator on every base vector, and TestCVSS40AgainstLibrary that
// go-cvss agrees everywhere but at the ties.

func fromCVSS40(vector string) (Rating, error) {
	c, err := gocvss40.ParseVector(vector)
	if err != nil {
		return Rating{}, diagnose(vector, "4.0", vector[len("CVSS:4.0/"):], err)
	}
	score := float64(roundHalfUp(score40(baseMetrics40(c)))) / 10
	return Rating{Level: levelV3V4(score), Score: score, Vector: vector, Source: SourceCVSSv4}, nil
}

// metrics40 holds the effective value of each metric that the v4.0 score depends on, as
// its one-letter abbreviation.
type metrics40 struct {
	AV, AC, AT, PR, UI, VC, VI, VA, SC, SI, SA, E, CR, IR, AR byte
}

// baseMetrics40 takes the base metrics only: the threat and environmental metrics, which
// would turn the CVSS-B score into a CVSS-BT, -BE or -BTE one, stay at their defaults, which
// the specification sets to the worst case (E:A, CR/IR/AR:H) so that they change nothing.
func baseMetrics40(c *gocvss40.CVSS40) metrics40 {
	get := func(metric string) byte {
		v, _ := c.Get(metric) // a parsed vector has every base metric, each one letter
		return v[0]
	}
	return metrics40{
		AV: get("AV"), AC: get("AC"), AT: get("AT"), PR: get("PR"), UI: get("UI"),
		VC: get("VC"), VI: get("VI"), VA: get("VA"), SC: get("SC"), SI: get("SI"), SA: get("SA"),
		E: 'A', CR: 'H', IR: 'H', AR: 'H',
	}
}

// steps gives a metric value's distance, in steps of the specification's 0.1, from the
// metric's most severe value: its index in the metric's values, most severe first. SC has
// no S value, but its steps count from S as SI's and SA's do, as in the reference
// calculator's table.
func steps(values string, v byte) int { return strings.IndexByte(values, v) }

const (
	valuesAV   = "NALP"
	valuesAC   = "LH"
	valuesAT   = "NP"
	valuesPR   = "NLH"
	valuesUI   = "NPA"
	valuesCIA  = "HLN"  // VC, VI, VA
	valuesSub  = "SHLN" // SC, SI, SA
	valuesReqs = "HML"  // CR, IR, AR
)

// The highest-severity vectors of each EQ level (the specification's tables 24 to 30), in
// the reference calculator's order, as the values of the EQ's metrics: EQ1 is AV PR UI,
// EQ2 AC AT, EQ3 with EQ6 VC VI VA CR IR AR, EQ4 SC SI SA.
var (
	maxEQ1    = [3][]string{{"NNN"}, {"ANN", "NLN", "NNP"}, {"PNN", "ALP"}}
	maxEQ2    = [2][]string{{"LN"}, {"HN", "LP"}}
	maxEQ3EQ6 = [3][2][]string{
		{{"HHHHHH"}, {"HHLMMH", "HHHMMM"}},
		{{"LHHHHH", "HLHHHH"}, {"LHLHMH", "LHHHMM", "HLHMHM", "HLLMHH", "LLHHHM"}},
		{nil, {"LLLHHH"}},
	}
	maxEQ4 = [3][]string{{"HSS"}, {"HHH"}, {"LLL"}}
)

// The depth of each EQ level plus one, in steps: the severity distance that takes a vector
// from the level's highest vector to the next lower level.
var (
	depthEQ1    = [3]int{1, 4, 5}
	depthEQ2    = [2]int{1, 2}
	depthEQ3EQ6 = [3][2]int{{7, 6}, {8, 8}, {0, 10}}
	depthEQ4    = [3]int{6, 5, 4}
)

// depthLCM is a multiple of every depth above, so that the mean distance is a fraction
// with a whole-number numerator over depthLCM times the number of EQs averaged.
const depthLCM = 840

// macroVector40 computes EQ1 to EQ6 (the specification's section 8.2).
func macroVector40(m metrics40) [6]int {
	var eq [6]int
	switch {
	case m.AV == 'N' && m.PR == 'N' && m.UI == 'N':
		eq[0] = 0
	case (m.AV == 'N' || m.PR == 'N' || m.UI == 'N') && m.AV != 'P':
		eq[0] = 1
	default:
		eq[0] = 2
	}
	if !(m.AC == 'L' && m.AT == 'N') {
		eq[1] = 1
	}
	switch {
	case m.VC == 'H' && m.VI == 'H':
		eq[2] = 0
	case m.VC == 'H' || m.VI == 'H' || m.VA == 'H':
		eq[2] = 1
	default:
		eq[2] = 2
	}
	switch {
	case m.SI == 'S' || m.SA == 'S':
		eq[3] = 0
	case m.SC == 'H' || m.SI == 'H' || m.SA == 'H':
		eq[3] = 1
	default:
		eq[3] = 2
	}
	eq[4] = steps("APU", m.E)
	if !(m.CR == 'H' && m.VC == 'H' || m.IR == 'H' && m.VI == 'H' || m.AR == 'H' && m.VA == 'H') {
		eq[5] = 1
	}
	return eq
}

// distance is the severity distance of the vector's values from a highest-severity
// vector's, over the metrics whose value sets are given; ok is false when the vector is
// more severe than that highest vector in some metric, which means it is the wrong one.
func distance(have, top string, values []string) (d int, ok bool) {
	ok = true
	for i := range values {
		s := steps(values[i], have[i]) - steps(values[i], top[i])
		if s < 0 {
			ok = false
		}
		d += s
	}
	return d, ok
}

// firstDistance returns the distance from the first highest-severity vector that the
// vector does not exceed. Such a vector always exists; if none did, the reference
// calculator would use the last one, and so does this.
func firstDistance(have string, maxes []string, values []string) int {
	var d int
	for _, mx := range maxes {
		var ok bool
		if d, ok = distance(have, mx, values); ok {
			break
		}
	}
	return d
}

// exact is a non-negative fraction num/den.
type exact struct{ num, den int }

// roundHalfUp rounds x to a whole number, halves up.
func roundHalfUp(x exact) int { return (2*x.num + x.den) / (2 * x.den) }

// score40 computes the v4.0 score of effective metric values, in tenths and before
// rounding (the specification's section 8.2, step by step as in the reference calculator).
func score40(m metrics40) exact {
	if m.VC == 'N' && m.VI == 'N' && m.VA == 'N' && m.SC == 'N' && m.SI == 'N' && m.SA == 'N' {
		return exact{0, 1}
	}
	eq := macroVector40(m)
	value := lookupMacro(eq)

	// The next lower MacroVector of each EQ; EQ3 and EQ6 move together, as some of their
	// combinations do not exist.
	lower := func(i int) [6]int { e := eq; e[i]++; return e }
	var lowerEQ3EQ6 int
	switch e3, e6 := eq[2], eq[5]; {
	case e3 == 1 && e6 == 1, e3 == 0 && e6 == 1:
		lowerEQ3EQ6 = lookupMacro(lower(2))
	case e3 == 1 && e6 == 0:
		lowerEQ3EQ6 = lookupMacro(lower(5))
	case e3 == 0 && e6 == 0:
		lowerEQ3EQ6 = max(lookupMacro(lower(2)), lookupMacro(lower(5)))
	default: // 2 and 1: nothing lower
		lowerEQ3EQ6 = -1
	}

	have1 := string([]byte{m.AV, m.PR, m.UI})
	have2 := string([]byte{m.AC, m.AT})
	have36 := string([]byte{m.VC, m.VI, m.VA, m.CR, m.IR, m.AR})
	have4 := string([]byte{m.SC, m.SI, m.SA})
	parts := []struct {
		lower, dist, depth int
	}{
		{lookupMacro(lower(0)), firstDistance(have1, maxEQ1[eq[0]], []string{valuesAV, valuesPR, valuesUI}), depthEQ1[eq[0]]},
		{lookupMacro(lower(1)), firstDistance(have2, maxEQ2[eq[1]], []string{valuesAC, valuesAT}), depthEQ2[eq[1]]},
		{lowerEQ3EQ6, firstDistance(have36, maxEQ3EQ6[eq[2]][eq[5]], []string{valuesCIA, valuesCIA, valuesCIA, valuesReqs, valuesReqs, valuesReqs}), depthEQ3EQ6[eq[2]][eq[5]]},
		{lookupMacro(lower(3)), firstDistance(have4, maxEQ4[eq[3]], []string{valuesSub, valuesSub, valuesSub}), depthEQ4[eq[3]]},
	}

	// The mean, over the EQs that have a lower MacroVector, of the score gap to it scaled by
	// how far the vector is into its level; EQ5 has a single value per level, so its share is
	// always 0, but it still counts in the mean.
	n, num := 0, 0
	for _, p := range parts {
		if p.lower < 0 {
			continue
		}
		n++
		num += (value - p.lower) * p.dist * (depthLCM / p.depth)
	}
	if lookupMacro(lower(4)) >= 0 {
		n++
	}
	den := depthLCM * max(n, 1)

	// score = value - num/den tenths, clamped to [0, 10].
	s := value*den - num
	return exact{min(max(s, 0), 100*den), den}
}
