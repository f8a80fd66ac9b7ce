//go:build race

package match_test

// raceEnabled thins the corpus sweep under the race detector, which slows decoding tenfold
// and has nothing to find in single-goroutine code.
const raceEnabled = true
