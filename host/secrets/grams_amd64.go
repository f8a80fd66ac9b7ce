package secrets

import "golang.org/x/sys/cpu"

// wideGrams tells whether nextGramsAVX2 can run here. Tests turn it off to check the
// portable loop against it.
var wideGrams = cpu.X86.HasAVX2

// nextGramsAVX2 is nextGrams eight positions a step (grams_amd64.s): it returns the first
// block of eight positions from i on with a gram in the set, as its start and the
// positions' bits, or m == 0 and the first position it did not look at, which is past
// len(buf)-16 (each step loads 16 bytes).
//
//go:noescape
func nextGramsAVX2(begin *[1 << gramBits / 64]uint64, buf []byte, i int) (at int, m uint64)
