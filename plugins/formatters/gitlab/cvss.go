package gitlab

import "strings"

// cvssVectorOf returns the vector as schema 15.2.4's cvss_vectors accepts it, or false: a
// vector the schema would refuse is left out rather than cost the whole report, since
// GitLab refuses a report with one invalid field. CVSS 2 loses its "CVSS:2.0/" prefix,
// which the schema's pattern does not allow.
//
// The checks are the schema's patterns, written out rather than compiled with regexp,
// which would add half a megabyte to the formatter module.
func cvssVectorOf(v string) (string, bool) {
	if v, ok := checkCVSS(v); ok {
		return v, true
	}
	return "", false
}

func checkCVSS(v string) (string, bool) {
	switch {
	case strings.HasPrefix(v, "CVSS:3.0/"), strings.HasPrefix(v, "CVSS:3.1/"):
		return v, len(v) >= 32 && len(v) <= 128 && anyOrder(v[len("CVSS:3.x/"):], cvss3)
	case strings.HasPrefix(v, "CVSS:4.0/"):
		return v, len(v) >= 32 && len(v) <= 256 && inOrder(v[len("CVSS:4.0/"):], cvss4)
	}
	v = strings.TrimPrefix(v, "CVSS:2.0/")
	return v, len(v) >= 16 && len(v) <= 128 && anyOrder(v, cvss2)
}

// metric is a metric and the values the schema allows it; required metrics of CVSS 4 must
// be present, the others may be.
type metric struct {
	name     string
	values   []string
	required bool
}

// anyOrder checks a vector whose metrics the schema allows in any order (and repeated).
func anyOrder(v string, metrics []metric) bool {
	for _, part := range strings.Split(v, "/") {
		name, value, ok := strings.Cut(part, ":")
		if !ok || !allowed(metrics, name, value) {
			return false
		}
	}
	return true
}

// inOrder checks a vector whose metrics must come in the schema's order.
func inOrder(v string, metrics []metric) bool {
	parts := strings.Split(v, "/")
	i := 0
	for _, m := range metrics {
		if i < len(parts) {
			if name, value, _ := strings.Cut(parts[i], ":"); name == m.name {
				if !allowed([]metric{m}, name, value) {
					return false
				}
				i++
				continue
			}
		}
		if m.required {
			return false
		}
	}
	return i == len(parts)
}

func allowed(metrics []metric, name, value string) bool {
	for _, m := range metrics {
		if m.name == name {
			for _, a := range m.values {
				if a == value {
					return true
				}
			}
		}
	}
	return false
}

func values(s string) []string { return strings.Split(s, " ") }

var cvss2 = []metric{
	{name: "AV", values: values("N A L")}, {name: "AC", values: values("L M H")}, {name: "Au", values: values("M S N")},
	{name: "C", values: values("N P C")}, {name: "I", values: values("N P C")}, {name: "A", values: values("N P C")},
	{name: "E", values: values("U POC F H ND")}, {name: "RL", values: values("OF TF W U ND")}, {name: "RC", values: values("UC UR C ND")},
	{name: "CDP", values: values("N L LM MH H ND")}, {name: "TD", values: values("N L M H ND")},
	{name: "CR", values: values("L M H ND")}, {name: "IR", values: values("L M H ND")}, {name: "AR", values: values("L M H ND")},
}

var cvss3 = []metric{
	{name: "AV", values: values("N A L P")}, {name: "AC", values: values("L H")}, {name: "PR", values: values("N L H")},
	{name: "UI", values: values("N R")}, {name: "S", values: values("U C")},
	{name: "C", values: values("N L H")}, {name: "I", values: values("N L H")}, {name: "A", values: values("N L H")},
	{name: "E", values: values("X U P F H")}, {name: "RL", values: values("X O T W U")}, {name: "RC", values: values("X U R C")},
	{name: "CR", values: values("X L M H")}, {name: "IR", values: values("X L M H")}, {name: "AR", values: values("X L M H")},
	{name: "MAV", values: values("X N A L P")}, {name: "MAC", values: values("X L H")}, {name: "MPR", values: values("X N L H")},
	{name: "MUI", values: values("X N R")}, {name: "MS", values: values("X U C")},
	{name: "MC", values: values("X N L H")}, {name: "MI", values: values("X N L H")}, {name: "MA", values: values("X N L H")},
}

var cvss4 = []metric{
	{"AV", values("N A L P"), true}, {"AC", values("L H"), true}, {"AT", values("N P"), true},
	{"PR", values("N L H"), true}, {"UI", values("N P A"), true},
	{"VC", values("H L N"), true}, {"VI", values("H L N"), true}, {"VA", values("H L N"), true},
	{"SC", values("H L N"), true}, {"SI", values("H L N"), true}, {"SA", values("H L N"), true},
	{"E", values("X A P U"), false}, {"CR", values("X H M L"), false}, {"IR", values("X H M L"), false},
	{"AR", values("X H M L"), false}, {"MAV", values("X N A L P"), false}, {"MAC", values("X L H"), false},
	{"MAT", values("X N P"), false}, {"MPR", values("X N L H"), false}, {"MUI", values("X N P A"), false},
	{"MVC", values("X N L H"), false}, {"MVI", values("X N L H"), false}, {"MVA", values("X N L H"), false},
	{"MSC", values("X N L H"), false}, {"MSI", values("X N L H S"), false}, {"MSA", values("X N L H S"), false},
	{"S", values("X N P"), false}, {"AU", values("X N Y"), false}, {"R", values("X A U I"), false},
	{"V", values("X D C"), false}, {"RE", values("X L M H"), false}, {"U", values("X Clear Green Amber Red"), false},
}
