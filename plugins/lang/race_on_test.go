//go:build race

package main

// raceEnabled skips the WebAssembly test under the race detector, which makes compiling a
// module ten times slower and has nothing to find in the guest.
const raceEnabled = true
