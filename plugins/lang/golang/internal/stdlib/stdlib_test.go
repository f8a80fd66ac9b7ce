package stdlib

import "testing"

func TestVersion(t *testing.T) {
	for in, want := range map[string]string{
		"go1.22.3":                 "1.22.3",
		"1.22.3":                   "1.22.3",
		"go1.22.3 X:boringcrypto":  "1.22.3",
		"go1.21rc2":                "1.21.0-rc.2",
		"go1.9beta1":               "1.9.0-beta.1",
		"go1.20":                   "1.20.0",
		"go1.20.14":                "1.20.14",
		"go1":                      "1.0.0",
		"go1.21.3-bigcorp":         "1.21.3",
		"go1.23.6-xyz":             "1.23.6",
		"go1.21.0":                 "1.21.0",
		"1.21rc1":                  "1.21.0-rc.1",
		"go1.21":                   "", // language version
		"1.23":                     "",
		"devel go1.23-abc Tue":     "",
		"devel +abcdef":            "",
		"go2.0.0":                  "",
		"go1.02":                   "",
		"go1.2.3.4":                "",
		"go1.21rc":                 "",
		"go1.21rc0":                "",
		"go1.21rc1x":               "",
		"":                         "",
		"go":                       "",
		"go1.":                     "",
		"go1.99999999999999999999": "",
		"1.2.":                     "",
	} {
		got, ok := Version(in)
		if got != want || ok != (want != "") {
			t.Errorf("Version(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
}
