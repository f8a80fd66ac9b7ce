package severity

import (
	"errors"
	"fmt"
	"strings"

	gocvss20 "github.com/pandatix/go-cvss/20"
	gocvss30 "github.com/pandatix/go-cvss/30"
	gocvss31 "github.com/pandatix/go-cvss/31"
	gocvss40 "github.com/pandatix/go-cvss/40"
)

// Sources of a rating computed from a CVSS vector: the names of OSV's severity types.
const (
	SourceCVSSv4 = "CVSS_V4"
	SourceCVSSv3 = "CVSS_V3"
	SourceCVSSv2 = "CVSS_V2"
)

// Rating is one severity of an advisory and where it came from.
type Rating struct {
	Level Level
	// Score is the CVSS base score, 0 when the rating is not from CVSS.
	Score float64
	// Vector is the CVSS vector the score was computed from, if any, as given (less any
	// surrounding space).
	Vector string
	// Source is "CVSS_V4", "CVSS_V3" or "CVSS_V2" for a computed rating, or the name of the
	// source whose own rating this is, such as "Ubuntu", "Alpine" or "GHSA".
	Source string
}

// VectorError reports a CVSS vector that cannot be scored, and why.
type VectorError struct {
	Vector  string // the vector as given
	Version string // "2.0", "3.0", "3.1" or "4.0"; empty when no version was recognised
	Problem string // what is wrong, e.g. `duplicate metric "AV"`
	Err     error  // the CVSS library's own error, when it found the problem
}

func (e *VectorError) Error() string {
	v := e.Vector
	// Vectors come from downloaded advisories: keep a hostile one from flooding a log.
	if len(v) > 120 {
		v = v[:120] + "..."
	}
	if e.Version == "" {
		return fmt.Sprintf("severity: CVSS vector %q: %s", v, e.Problem)
	}
	return fmt.Sprintf("severity: CVSS v%s vector %q: %s", e.Version, v, e.Problem)
}

func (e *VectorError) Unwrap() error { return e.Err }

// FromCVSS scores a CVSS vector. The version is told by the prefix: "CVSS:4.0/", "CVSS:3.1/"
// or "CVSS:3.0/"; a vector without one, such as "AV:N/AC:L/Au:N/C:P/I:P/A:P", is CVSS v2.0,
// which defined no prefix. NVD's old form of v2 vectors, in parentheses, and the
// "CVSS:2.0/" prefix that some tools write are accepted too; space around the vector is
// ignored.
//
// The Rating has the base score, its level per that version's table, the vector, and
// Source "CVSS_V4", "CVSS_V3" or "CVSS_V2". CVSS v2.0 has no Critical and no None: Low is
// 0.0–3.9, Medium 4.0–6.9, High 7.0–10.0. CVSS v3.x and v4.0 rate 0.0 None (which is
// Negligible here), 0.1–3.9 Low, 4.0–6.9 Medium, 7.0–8.9 High and 9.0–10.0 Critical.
//
// A vector that breaks its specification — a mandatory metric missing, a metric or value
// the version does not define, a metric given twice, v2.0 and v4.0 metrics out of their
// fixed order — is a *VectorError that names the problem.
func FromCVSS(vector string) (Rating, error) {
	v := strings.TrimSpace(vector)
	switch {
	case strings.HasPrefix(v, "CVSS:4.0/"):
		return fromCVSS40(v)
	case strings.HasPrefix(v, "CVSS:3.1/"):
		c, err := gocvss31.ParseVector(v)
		if err != nil {
			return Rating{}, diagnose(v, "3.1", v[len("CVSS:3.1/"):], err)
		}
		return v3Rating(v, c.BaseScore()), nil
	case strings.HasPrefix(v, "CVSS:3.0/"):
		c, err := gocvss30.ParseVector(v)
		if err != nil {
			return Rating{}, diagnose(v, "3.0", v[len("CVSS:3.0/"):], err)
		}
		return v3Rating(v, c.BaseScore()), nil
	case strings.HasPrefix(v, "CVSS:2.0/"):
		return fromCVSS20(v, v[len("CVSS:2.0/"):])
	case strings.HasPrefix(v, "CVSS:"):
		version, _, _ := strings.Cut(v[len("CVSS:"):], "/")
		if _, known := mandatory[version]; known {
			return Rating{}, &VectorError{Vector: v, Version: version, Problem: "no metrics"}
		}
		return Rating{}, &VectorError{Vector: v, Problem: fmt.Sprintf("unsupported CVSS version %q", version)}
	case strings.HasPrefix(v, "(") && strings.HasSuffix(v, ")"):
		return fromCVSS20(v, v[1:len(v)-1])
	case strings.HasPrefix(v, "AV:"):
		return fromCVSS20(v, v)
	case v == "":
		return Rating{}, &VectorError{Vector: vector, Problem: "empty vector"}
	default:
		return Rating{}, &VectorError{Vector: vector, Problem: "not a CVSS vector: no CVSS: prefix, and not a v2.0 vector starting with AV:"}
	}
}

func fromCVSS20(vector, body string) (Rating, error) {
	c, err := gocvss20.ParseVector(body)
	if err != nil {
		return Rating{}, diagnose(vector, "2.0", body, err)
	}
	score := c.BaseScore()
	// CVSS v2.0's table (NVD's, as the v2.0 guide defines none) starts Low at 0.0.
	level := Low
	switch {
	case score >= 7:
		level = High
	case score >= 4:
		level = Medium
	}
	return Rating{Level: level, Score: score, Vector: vector, Source: SourceCVSSv2}, nil
}

func v3Rating(vector string, score float64) Rating {
	return Rating{Level: levelV3V4(score), Score: score, Vector: vector, Source: SourceCVSSv3}
}

// levelV3V4 is the qualitative rating scale of CVSS v3.0, v3.1 and v4.0 (all three
// specifications share it), with None as Negligible.
func levelV3V4(score float64) Level {
	switch {
	case score >= 9:
		return Critical
	case score >= 7:
		return High
	case score >= 4:
		return Medium
	case score > 0:
		return Low
	default:
		return Negligible
	}
}

// Each version's base metrics: a vector must have them all.
var mandatory = map[string][]string{
	"2.0": {"AV", "AC", "Au", "C", "I", "A"},
	"3.0": {"AV", "AC", "PR", "UI", "S", "C", "I", "A"},
	"3.1": {"AV", "AC", "PR", "UI", "S", "C", "I", "A"},
	"4.0": {"AV", "AC", "AT", "PR", "UI", "VC", "VI", "VA", "SC", "SI", "SA"},
}

// setMetric checks one metric and value against the library's definition of the version,
// so that the metric tables live in one place: the library.
func setMetric(version, metric, value string) error {
	switch version {
	case "2.0":
		return new(gocvss20.CVSS20).Set(metric, value)
	case "3.0":
		return new(gocvss30.CVSS30).Set(metric, value)
	case "3.1":
		return new(gocvss31.CVSS31).Set(metric, value)
	default:
		return new(gocvss40.CVSS40).Set(metric, value)
	}
}

// diagnose turns the library's rejection of a vector into an error that names the
// problem. The library's own errors say what kind of thing is wrong ("invalid metric
// value") but not where; a person fixing an advisory, or reading why a finding has no
// score, needs the metric.
func diagnose(vector, version, body string, libErr error) error {
	e := &VectorError{Vector: vector, Version: version, Err: libErr}
	if body == "" {
		e.Problem = "no metrics"
		return e
	}
	seen := map[string]bool{}
	for _, part := range strings.Split(body, "/") {
		metric, value, ok := strings.Cut(part, ":")
		switch {
		case part == "":
			e.Problem = `empty metric (a stray "/")`
		case !ok:
			e.Problem = fmt.Sprintf("metric %q has no value", part)
		case seen[metric]:
			e.Problem = fmt.Sprintf("duplicate metric %q", metric)
		}
		if e.Problem != "" {
			return e
		}
		seen[metric] = true
		if err := setMetric(version, metric, value); err != nil {
			if isUnknownMetric(err) {
				e.Problem = fmt.Sprintf("unknown metric %q", metric)
			} else {
				e.Problem = fmt.Sprintf("invalid value %q for metric %q", value, metric)
			}
			return e
		}
	}
	var missing []string
	for _, m := range mandatory[version] {
		if !seen[m] {
			missing = append(missing, m)
		}
	}
	switch {
	case len(missing) == 1:
		e.Problem = "missing mandatory metric " + missing[0]
	case len(missing) > 1:
		e.Problem = "missing mandatory metrics " + strings.Join(missing, ", ")
	case version == "2.0" && errors.Is(libErr, gocvss20.ErrTooShortVector):
		// v2.0 writes a temporal or environmental group whole, with ND for "not defined".
		e.Problem = "incomplete temporal or environmental metric group (v2.0 writes a group whole, with ND for not defined)"
	case errors.Is(libErr, gocvss20.ErrInvalidMetricOrder) || errors.Is(libErr, gocvss40.ErrInvalidMetricOrder):
		// Every metric is known and valid, none repeated, all mandatory ones there: what is
		// left is the order, which v2.0 and v4.0 fix.
		e.Problem = "metrics are not in the order the specification fixes: " + strings.Join(mandatory[version], "/") + ", then the others"
	default:
		e.Problem = libErr.Error()
	}
	return e
}

func isUnknownMetric(err error) bool {
	var e20 *gocvss20.ErrInvalidMetric
	var e30 *gocvss30.ErrInvalidMetric
	var e31 *gocvss31.ErrInvalidMetric
	var e40 *gocvss40.ErrInvalidMetric
	return errors.As(err, &e20) || errors.As(err, &e30) || errors.As(err, &e31) || errors.As(err, &e40)
}
