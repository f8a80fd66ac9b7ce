//go:build race

package integrations

// raceEnabled thins the tests under the race detector, which slows them severalfold and
// has nothing more to find in what they repeat: the same scans in other shapes, the shell
// scripts and the binary they run, which it does not watch.
const raceEnabled = true
