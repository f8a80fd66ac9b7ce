//go:build race

package secrets_test

// raceEnabled shortens the differential tests under the race detector, which makes the
// reference scans of whole windows many times slower and has little to find in them.
const raceEnabled = true
