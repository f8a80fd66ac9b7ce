//go:build race

package severity

// raceEnabled makes the whole-space tests sample instead: the race detector slows scoring
// about tenfold and finds nothing more in single-goroutine code run 100,000 times than run
// 15,000 times. Without -race they run whole.
const raceEnabled = true
