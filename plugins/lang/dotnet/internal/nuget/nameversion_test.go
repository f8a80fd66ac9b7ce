package nuget

import (
	"fmt"
	"testing"
)

func TestNameVersion(t *testing.T) {
	for in, want := range map[string]string{
		"A/1.0":   "A 1.0 true",
		"A":       "A  false",
		"/1.0":    " 1.0 false",
		"A/":      "A  false",
		"A/1/2":   "A 1/2 true",
		" A / 1 ": "A 1 true",
	} {
		n, v, ok := NameVersion(in)
		if got := fmt.Sprintf("%s %s %v", n, v, ok); got != want {
			t.Errorf("NameVersion(%q) = %s, want %s", in, got, want)
		}
	}
}
