//go:build !race

package severity

const raceEnabled = false
