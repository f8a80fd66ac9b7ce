package severity

import "testing"

func mustCVSS(t *testing.T, vector string) Rating {
	t.Helper()
	r, err := FromCVSS(vector)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestBest(t *testing.T) {
	v4 := mustCVSS(t, "CVSS:4.0/AV:L/AC:L/AT:P/PR:L/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N")    // 7.3
	v4low := mustCVSS(t, "CVSS:4.0/AV:L/AC:L/AT:N/PR:N/UI:A/VC:L/VI:N/VA:N/SC:N/SI:N/SA:N") // 4.6
	v31 := mustCVSS(t, "CVSS:3.1/AV:L/AC:L/PR:N/UI:R/S:U/C:L/I:N/A:N")                      // 3.3
	v31high := mustCVSS(t, "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H")                  // 9.8
	v30 := mustCVSS(t, "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H")                      // 10.0
	v2 := mustCVSS(t, "AV:N/AC:L/Au:N/C:C/I:C/A:C")                                         // 10.0
	ubuntu := Rating{Level: Critical, Source: "Ubuntu"}
	ghsa := Rating{Level: Medium, Source: "GHSA"}
	alpine := Rating{Level: Unknown, Source: "Alpine"}

	for _, tc := range []struct {
		name string
		in   []Rating
		want Rating
	}{
		{"none", nil, Rating{}},
		{"v4 over a higher v3.1", []Rating{v31high, v4}, v4},
		{"v4 over everything", []Rating{ubuntu, v2, v30, v31high, v4low}, v4low},
		{"highest v4", []Rating{v4low, v4}, v4},
		{"v3.1 over a higher v3.0", []Rating{v30, v31}, v31},
		{"highest v3.1", []Rating{v31, v31high, v31}, v31high},
		{"v3.0 over v2", []Rating{v2, v30}, v30},
		{"v2 over a source's critical", []Rating{ubuntu, v2}, v2},
		{"most severe source rating", []Rating{ghsa, ubuntu, alpine}, ubuntu},
		{"a rated source over an unrated one", []Rating{alpine, ghsa}, ghsa},
		{"only unrated", []Rating{alpine}, alpine},
		{"first of equals", []Rating{{Level: High, Source: "A"}, {Level: High, Source: "B"}}, Rating{Level: High, Source: "A"}},
		// A CVSS_V3 rating made by hand without a vector counts as v3.0.
		{"v3 without vector", []Rating{{Level: Critical, Score: 9.8, Source: SourceCVSSv3}, v31}, v31},
	} {
		if got := Best(tc.in); got != tc.want {
			t.Errorf("%s: got %+v, want %+v", tc.name, got, tc.want)
		}
	}
}

func TestFromSourceAndOSV(t *testing.T) {
	r, err := FromSource("GHSA", "MODERATE")
	if err != nil || r != (Rating{Level: Medium, Source: "GHSA"}) {
		t.Errorf("FromSource: %+v, %v", r, err)
	}
	r, err = FromSource("Ubuntu", "whatever")
	if err == nil || r != (Rating{Level: Unknown, Source: "Ubuntu"}) {
		t.Errorf("FromSource of an unknown word: %+v, %v", r, err)
	}
	r, err = FromOSV("Ubuntu", "negligible")
	if err != nil || r != (Rating{Level: Negligible, Source: "Ubuntu"}) {
		t.Errorf("FromOSV Ubuntu: %+v, %v", r, err)
	}
	r, err = FromOSV("CVSS_V3", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N")
	if err != nil || r.Score != 7.5 || r.Source != SourceCVSSv3 {
		t.Errorf("FromOSV CVSS_V3: %+v, %v", r, err)
	}
	// An entry filed under the wrong type is scored by its vector's own version.
	r, err = FromOSV("CVSS_V3", "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N")
	if err != nil || r.Score != 9.3 || r.Source != SourceCVSSv4 {
		t.Errorf("FromOSV mistyped: %+v, %v", r, err)
	}
	if _, err = FromOSV("CVSS_V2", "garbage"); err == nil {
		t.Error("FromOSV of a bad vector: no error")
	}
}
