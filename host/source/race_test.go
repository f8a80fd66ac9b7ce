//go:build race

package source

// raceEnabled trims the slowest corpus tests under -race, which runs the decompressors about
// ten times slower; they run whole without it.
const raceEnabled = true
