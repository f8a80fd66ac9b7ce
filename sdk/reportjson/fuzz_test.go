package reportjson

import (
	"encoding/json"
	"math/rand/v2"
	"os"
	"testing"
)

// FuzzDecode checks that for any input Decode fails if and only if json.Unmarshal does,
// and that when they succeed they give the same report. There is no intentional
// difference. The seeds are the repository's report documents, the edge cases of
// TestEdgeCases and rewritten random reports (a failing input the fuzzer finds goes to
// testdata/fuzz/FuzzDecode, and then runs with the seeds).
func FuzzDecode(f *testing.F) {
	for _, path := range reportFiles(f) {
		data, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, c := range edgeCases() {
		if len(c.in) <= 1<<10 {
			f.Add([]byte(c.in))
		}
	}
	rng := rand.New(rand.NewPCG(7, 8))
	for i := 0; i < 10; i++ {
		data, err := json.Marshal(randomReport(f, rng, i%2 == 0))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(rewrite(f, rng, data, 0.1))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		differ(t, data)
	})
}
