package severity

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzFromCVSS feeds FromCVSS arbitrary strings, seeded with the published examples, the
// malformed vectors of the tests and every distinct vector of the advisory corpus: it must
// never panic, and whatever it returns must be consistent (checkConsistent: a score in
// [0, 10] of one decimal, its version's level and source; or a *VectorError).
func FuzzFromCVSS(f *testing.F) {
	for _, k := range knownScores {
		f.Add(k.vector)
	}
	for _, s := range []string{
		"", "(", "()", "CVSS:", "CVSS:4.0", "CVSS:3.1/", "AV:N",
		"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/AV:L",
		"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:P/CR:L/IR:M/AR:H/MAV:A/MAC:H/MAT:P/MPR:L/MUI:P/MVC:L/MVI:N/MVA:H/MSC:L/MSI:S/MSA:S/S:P/AU:Y/R:I/V:C/RE:H/U:Red",
		"AV:N/AC:L/Au:N/C:P/I:P/A:P/E:POC/RL:OF/RC:C/CDP:H/TD:H/CR:M/IR:M/AR:H",
	} {
		f.Add(s)
	}
	// The corpus is outside the repository: seed from it when it is there.
	if dir, err := os.Getwd(); err == nil {
		if _, err := os.Stat(filepath.Join(dir, "..", "..", "..", "shared", "corpus", "advisories")); err == nil {
			vectors, _ := corpusVectors(f)
			seen := map[string]bool{}
			for _, v := range vectors {
				if !seen[v.vector] {
					seen[v.vector] = true
					f.Add(v.vector)
				}
			}
		}
	}
	f.Fuzz(func(t *testing.T, vector string) {
		r, err := FromCVSS(vector)
		checkConsistent(t, vector, r, err)
		if r2, err2 := FromCVSS(vector); r2 != r || (err2 == nil) != (err == nil) {
			t.Errorf("%q: not deterministic: %+v, %v then %+v, %v", vector, r, err, r2, err2)
		}
	})
}
