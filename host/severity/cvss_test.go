package severity

import (
	"errors"
	"strings"
	"testing"
)

// Published scores: the examples of FIRST's specification documents and NVD's scores of
// well-known CVEs. Each expected value is the published one, not this package's output.
var knownScores = []struct {
	vector string
	score  float64
	level  Level
	source string
	what   string
}{
	// CVSS v2.0: the v2 guide's section 3.3 examples, and NVD.
	{"AV:N/AC:L/Au:N/C:N/I:N/A:C", 7.8, High, SourceCVSSv2, "v2 guide 3.3.1, CVE-2002-0392"},
	{"AV:N/AC:L/Au:N/C:C/I:C/A:C", 10.0, High, SourceCVSSv2, "v2 guide 3.3.2, CVE-2003-0818"},
	{"AV:L/AC:H/Au:N/C:C/I:C/A:C", 6.2, Medium, SourceCVSSv2, "v2 guide 3.3.3, CVE-2003-0062"},
	{"AV:N/AC:L/Au:N/C:N/I:N/A:C/E:F/RL:OF/RC:C", 7.8, High, SourceCVSSv2, "v2 guide 3.3.1 with its temporal metrics, which the base score ignores"},
	{"AV:N/AC:L/Au:N/C:P/I:N/A:N", 5.0, Medium, SourceCVSSv2, "NVD, Heartbleed CVE-2014-0160"},
	{"AV:N/AC:M/Au:N/C:C/I:C/A:C", 9.3, High, SourceCVSSv2, "NVD, Log4Shell CVE-2021-44228"},
	{"(AV:N/AC:L/Au:N/C:P/I:P/A:P)", 7.5, High, SourceCVSSv2, "NVD's old parenthesised form"},
	{"AV:N/AC:L/Au:N/C:N/I:N/A:N", 0.0, Low, SourceCVSSv2, "v2 has no None: 0.0 is Low"},

	// CVSS v3.1: NVD, and the examples document (first.org/cvss/v3.1/examples).
	{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H", 10.0, Critical, SourceCVSSv3, "NVD, Log4Shell CVE-2021-44228"},
	{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N", 7.5, High, SourceCVSSv3, "NVD and v3.1 examples, Heartbleed CVE-2014-0160"},
	{"CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N", 6.1, Medium, SourceCVSSv3, "v3.1 examples, phpMyAdmin XSS CVE-2013-1937"},
	{"CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:L/I:L/A:N", 6.4, Medium, SourceCVSSv3, "v3.1 examples, MySQL stored SQL injection CVE-2013-0375"},
	{"CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:L/I:N/A:N", 3.1, Low, SourceCVSSv3, "v3.1 examples, SSLv3 POODLE CVE-2014-3566"},
	{"CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:H/I:H/A:H", 9.9, Critical, SourceCVSSv3, "v3.1 examples, VMware guest to host escape CVE-2012-1516"},
	{"CVSS:3.1/AV:L/AC:L/PR:H/UI:N/S:U/C:L/I:L/A:L", 4.2, Medium, SourceCVSSv3, "v3.1 examples, Apache Tomcat XML parser CVE-2009-0783"},
	{"CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H", 8.8, High, SourceCVSSv3, "v3.1 examples, Cisco IOS command execution CVE-2012-0384"},
	{"CVSS:3.1/AV:L/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H", 7.8, High, SourceCVSSv3, "v3.1 examples, Apple iWork CVE-2015-1098"},
	{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8, Critical, SourceCVSSv3, "v3.1 examples, Shellshock CVE-2014-6271"},
	{"CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:C/C:N/I:H/A:N", 6.8, Medium, SourceCVSSv3, "v3.1 examples, DNS Kaminsky bug CVE-2008-1447"},
	{"CVSS:3.1/AV:P/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 6.8, Medium, SourceCVSSv3, "v3.1 examples, Sophos login screen bypass CVE-2014-2005"},
	{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:L/I:N/A:N", 5.8, Medium, SourceCVSSv3, "v3.1 examples, Joomla directory traversal CVE-2010-0467"},
	{"CVSS:3.1/AV:A/AC:L/PR:N/UI:N/S:C/C:H/I:N/A:H", 9.3, Critical, SourceCVSSv3, "v3.1 examples, Juniper proxy ARP CVE-2013-6014"},
	{"CVSS:3.1/AV:N/AC:L/PR:L/UI:R/S:C/C:L/I:L/A:N", 5.4, Medium, SourceCVSSv3, "v3.1 examples, DokuWiki XSS CVE-2014-9253"},
	{"CVSS:3.1/AV:A/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 8.8, High, SourceCVSSv3, "v3.1 examples, Windows Bluetooth CVE-2011-1265"},
	{"CVSS:3.1/AV:P/AC:L/PR:N/UI:N/S:U/C:N/I:H/A:N", 4.6, Medium, SourceCVSSv3, "v3.1 examples, Apple iOS security control bypass CVE-2014-2019"},
	{"CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:N", 7.4, High, SourceCVSSv3, "v3.1 examples, OpenSSL CCS injection CVE-2014-0224"},
	{"CVSS:3.1/AV:L/AC:L/PR:H/UI:N/S:C/C:H/I:H/A:H", 8.2, High, SourceCVSSv3, "v3.1 examples, Lenovo ThinkPwn CVE-2016-5729"},
	{"CVSS:3.1/AV:L/AC:L/PR:N/UI:R/S:U/C:L/I:N/A:N", 3.3, Low, SourceCVSSv3, "v3.1 specification's rating example"},
	{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N", 0.0, Negligible, SourceCVSSv3, "no impact: None"},

	// CVSS v3.0: the v3.0 user guide and specification examples.
	{"CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:N/A:N/RL:O/CR:L", 8.6, High, SourceCVSSv3, "v3.0 use and design example, base score"},
	{"CVSS:3.0/AV:P/AC:H/PR:L/UI:R/S:U/C:L/I:L/A:H/E:H/RL:U/RC:U", 5.0, Medium, SourceCVSSv3, "v3.1 user guide's v3.0 example, base score"},
	{"CVSS:3.0/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N", 6.1, Medium, SourceCVSSv3, "v3.0 examples, phpMyAdmin XSS CVE-2013-1937"},
	// By the formula: Impact 6.42 × 0.22 = 1.4124; Exploitability 8.22 × 0.55 × 0.44 ×
	// 0.27 × 0.62 = 0.33300; Roundup(1.74540) = 1.8 (not 1.6).
	{"CVSS:3.0/AV:L/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N", 1.8, Low, SourceCVSSv3, "computed by hand from the v3.0 formulas"},

	// CVSS v4.0: the examples of first.org/cvss/v4.0/examples and the specification.
	{"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", 9.3, Critical, SourceCVSSv4, "v4.0 examples"},
	{"CVSS:4.0/AV:L/AC:L/AT:N/PR:L/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", 8.5, High, SourceCVSSv4, "v4.0 examples"},
	{"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N", 0.0, Negligible, SourceCVSSv4, "v4.0: no impact scores 0.0, None"},
	{"CVSS:4.0/AV:L/AC:L/AT:N/PR:N/UI:A/VC:L/VI:N/VA:N/SC:N/SI:N/SA:N", 4.6, Medium, SourceCVSSv4, "v4.0 examples"},
	{"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:A/VC:N/VI:N/VA:N/SC:L/SI:L/SA:N", 5.1, Medium, SourceCVSSv4, "v4.0 examples"},
	{"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:L/SI:L/SA:N", 6.9, Medium, SourceCVSSv4, "v4.0 examples"},
	{"CVSS:4.0/AV:L/AC:L/AT:P/PR:L/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", 7.3, High, SourceCVSSv4, "v4.0 examples"},
	{"CVSS:4.0/AV:N/AC:L/AT:N/PR:L/UI:A/VC:H/VI:H/VA:H/SC:L/SI:L/SA:N", 8.5, High, SourceCVSSv4, "v4.0 examples"},
	{"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H", 10.0, Critical, SourceCVSSv4, "v4.0 examples"},
	{"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:H/SC:N/SI:N/SA:N", 8.7, High, SourceCVSSv4, "first.org calculator (FIRSTdotorg/cvss-resources issue 1)"},
	// Exactly 8.55: the reference calculator rounds it half up since its 2024 rounding fix
	// (Red Hat cvss-v4-calculator issue 66); go-cvss says 8.5.
	{"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:P/VC:H/VI:L/VA:N/SC:H/SI:H/SA:H", 8.6, High, SourceCVSSv4, "reference calculator, tie rounded half up"},
	// The base score ignores the threat metric (E:U would make the CVSS-BT score 8.1).
	{"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:U", 9.3, Critical, SourceCVSSv4, "base score of a vector with a threat metric"},
}

func TestFromCVSSKnown(t *testing.T) {
	for _, k := range knownScores {
		r, err := FromCVSS(k.vector)
		if err != nil {
			t.Errorf("%s (%s): %v", k.vector, k.what, err)
			continue
		}
		want := Rating{Level: k.level, Score: k.score, Vector: k.vector, Source: k.source}
		if r != want {
			t.Errorf("%s (%s):\n got %+v\nwant %+v", k.vector, k.what, r, want)
		}
	}
}

// TestFromCVSSForms checks the accepted spellings of a vector, and that Vector keeps what
// was given, less surrounding space.
func TestFromCVSSForms(t *testing.T) {
	for _, tc := range []struct{ in, vector string }{
		{"  CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N\n", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N"},
		{"AV:N/AC:L/Au:N/C:P/I:N/A:N", "AV:N/AC:L/Au:N/C:P/I:N/A:N"},
		{"(AV:N/AC:L/Au:N/C:P/I:N/A:N)", "(AV:N/AC:L/Au:N/C:P/I:N/A:N)"},
		{"CVSS:2.0/AV:N/AC:L/Au:N/C:P/I:N/A:N", "CVSS:2.0/AV:N/AC:L/Au:N/C:P/I:N/A:N"},
		// v3 metrics may come in any order.
		{"CVSS:3.1/A:N/I:N/C:H/S:U/UI:N/PR:N/AC:L/AV:N", "CVSS:3.1/A:N/I:N/C:H/S:U/UI:N/PR:N/AC:L/AV:N"},
	} {
		r, err := FromCVSS(tc.in)
		if err != nil {
			t.Errorf("%q: %v", tc.in, err)
			continue
		}
		if r.Vector != tc.vector {
			t.Errorf("%q: Vector %q, want %q", tc.in, r.Vector, tc.vector)
		}
	}
	// The v2 forms all score the same.
	a, _ := FromCVSS("AV:N/AC:L/Au:N/C:P/I:N/A:N")
	b, _ := FromCVSS("(AV:N/AC:L/Au:N/C:P/I:N/A:N)")
	if a.Score != 5.0 || b.Score != 5.0 || a.Source != SourceCVSSv2 || b.Source != SourceCVSSv2 {
		t.Errorf("v2 forms: %+v, %+v", a, b)
	}
}

// TestFromCVSSErrors checks that each kind of malformed vector is refused with an error
// that names the problem.
func TestFromCVSSErrors(t *testing.T) {
	const (
		v31 = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"
		v40 = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"
		v2  = "AV:N/AC:L/Au:N/C:P/I:P/A:P"
	)
	for _, tc := range []struct{ vector, version, problem string }{
		{"", "", "empty vector"},
		{"   ", "", "empty vector"},
		{"hello", "", "not a CVSS vector"},
		{"CVSS:5.0/AV:N", "", `unsupported CVSS version "5.0"`},
		{"CVSS:3.1", "3.1", "no metrics"},
		{"CVSS:3.1/", "3.1", "no metrics"},
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H", "3.1", "missing mandatory metric A"},
		{"CVSS:3.0/AV:N/AC:L/PR:N/UI:N/C:H", "3.0", "missing mandatory metrics S, I, A"},
		{v31 + "/AV:L", "3.1", `duplicate metric "AV"`},
		{"CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "3.1", `invalid value "X" for metric "AV"`},
		{"CVSS:3.1/AV:n/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "3.1", `invalid value "n" for metric "AV"`},
		{v31 + "/ZZ:1", "3.1", `unknown metric "ZZ"`},
		{v31 + "/E:Q", "3.1", `invalid value "Q" for metric "E"`},
		{v31 + "/", "3.1", `empty metric`},
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A", "3.1", `metric "A" has no value`},
		{"CVSS:3.0/AV:N/AC:L/AT:N/PR:N/UI:N/S:U/C:H/I:H/A:H", "3.0", `unknown metric "AT"`},
		{"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N", "4.0", "missing mandatory metric SA"},
		{"CVSS:4.0/AC:L/AV:N/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", "4.0", "not in the order"},
		{v40 + "/CR:H/E:A", "4.0", "not in the order"},
		{"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:S", "4.0", `invalid value "S" for metric "SA"`},
		{v40 + "/E:X/E:A", "4.0", `duplicate metric "E"`},
		{v40 + "/U:clear", "4.0", `invalid value "clear" for metric "U"`},
		{"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/C:H/I:H/A:H/SC:N/SI:N/SA:N", "4.0", `unknown metric "C"`},
		{"AV:N/AC:L/Au:N/C:P/I:P", "2.0", "missing mandatory metric A"},
		{"AV:N/AC:L/Au:N/C:P/I:P/A:Q", "2.0", `invalid value "Q" for metric "A"`},
		{"AV:N/AC:L/C:P/Au:N/I:P/A:P", "2.0", "not in the order"},
		{v2 + "/E:U", "2.0", "incomplete temporal or environmental metric group"},
		{v2 + "/AV:N", "2.0", `duplicate metric "AV"`},
		{"(" + v2, "", "not a CVSS vector"},
		{"(AV:N/AC:L/Au:N/C:P/I:P/A:P/PR:N)", "2.0", `unknown metric "PR"`},
		{"AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "2.0", `unknown metric "PR"`}, // a v3 vector without its prefix
	} {
		r, err := FromCVSS(tc.vector)
		var ve *VectorError
		if !errors.As(err, &ve) {
			t.Errorf("%q: got %+v, %v; want a *VectorError", tc.vector, r, err)
			continue
		}
		if ve.Version != tc.version || !strings.Contains(ve.Problem, tc.problem) || !strings.Contains(err.Error(), tc.problem) {
			t.Errorf("%q: version %q, problem %q; want %q, %q", tc.vector, ve.Version, ve.Problem, tc.version, tc.problem)
		}
		if r != (Rating{}) {
			t.Errorf("%q: rating %+v with an error", tc.vector, r)
		}
	}
}

// TestLevelBands checks the edges of each version's rating table.
func TestLevelBands(t *testing.T) {
	for _, tc := range []struct {
		score float64
		want  Level
	}{
		{0, Negligible}, {0.1, Low}, {3.9, Low}, {4.0, Medium}, {6.9, Medium},
		{7.0, High}, {8.9, High}, {9.0, Critical}, {10, Critical},
	} {
		if got := levelV3V4(tc.score); got != tc.want {
			t.Errorf("v3/v4 %.1f: %v, want %v", tc.score, got, tc.want)
		}
	}
	// v2.0 at its edges, from vectors that score exactly there.
	for _, tc := range []struct {
		vector string
		score  float64
		want   Level
	}{
		{"AV:L/AC:H/Au:M/C:P/I:N/A:N", 0.8, Low}, // the lowest non-zero v2 score
		{"AV:N/AC:H/Au:N/C:P/I:N/A:N", 2.6, Low},
		{"AV:N/AC:L/Au:N/C:P/I:N/A:N", 5.0, Medium},
		{"AV:N/AC:M/Au:N/C:P/I:P/A:P", 6.8, Medium},
		{"AV:N/AC:L/Au:N/C:P/I:P/A:P", 7.5, High},
	} {
		r, err := FromCVSS(tc.vector)
		if err != nil || r.Score != tc.score || r.Level != tc.want {
			t.Errorf("%s: %+v, %v; want %.1f %v", tc.vector, r, err, tc.score, tc.want)
		}
	}
}
