//go:build !race

package integrations

const raceEnabled = false
