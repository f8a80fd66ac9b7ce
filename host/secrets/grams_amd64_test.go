package secrets

import (
	"math/bits"
	"math/rand/v2"
	"testing"
)

// TestGramsAVX2 checks the AVX2 gram loop against the portable one, block by block, over
// random texts and random gram sets dense enough to set bits in most blocks.
func TestGramsAVX2(t *testing.T) {
	if !wideGrams {
		t.Skip("no AVX2 here")
	}
	rng := rand.New(rand.NewPCG(5, 6))
	var begin [1 << gramBits / 64]uint64
	for _, density := range []int{1, 8, 64} {
		for k := range begin {
			begin[k] = 0
			for range density {
				begin[k] |= 1 << rng.IntN(64)
			}
		}
		for range 200 {
			buf := make([]byte, rng.IntN(300))
			for i := range buf {
				buf[i] = byte(rng.Uint32())
			}
			i := rng.IntN(8)
			for {
				at, m := nextGramsAVX2(&begin, buf, i)
				// The positions it skipped hold no gram of the set, and m holds the
				// block's.
				for j := i; j < at+8 && j+4 <= len(buf); j++ {
					g := uint32(buf[j]|0x20) | uint32(buf[j+1]|0x20)<<8 | uint32(buf[j+2]|0x20)<<16 | uint32(buf[j+3]|0x20)<<24
					h := gramHash(g)
					in := begin[h/64]&(1<<(h%64)) != 0
					switch {
					case j < at && in:
						t.Fatalf("density %d: position %d skipped, its gram is in the set", density, j)
					case j >= at && m != 0 && in != (m&(1<<(j-at)) != 0):
						t.Fatalf("density %d: position %d: in the set %v, mask %08b from %d", density, j, in, m, at)
					}
				}
				if m == 0 {
					if at+16 <= len(buf) || at < i {
						t.Fatalf("stopped at %d of %d", at, len(buf))
					}
					break
				}
				if bits.Len64(m) > 8 {
					t.Fatalf("mask %b", m)
				}
				i = at + 8
			}
		}
	}
}

// TestPrefilterPaths checks that the prefilter reports the same hits with the AVX2 loop as
// without it.
func TestPrefilterPaths(t *testing.T) {
	if !wideGrams {
		t.Skip("no AVX2 here")
	}
	e := mustCompile(t)
	rng := rand.New(rand.NewPCG(7, 8))
	type hit struct{ start, n int }
	collect := func(buf []byte) []hit {
		var hs []hit
		e.pf.each(buf, func(start int, _ []int32, kws []kwHit) bool {
			hs = append(hs, hit{start, len(kws)})
			return true
		})
		return hs
	}
	defer func() { wideGrams = true }()
	found := 0
	for range 300 {
		buf := []byte(randomText(rng, rng.IntN(2000), 0.05))
		wideGrams = true
		wide := collect(buf)
		wideGrams = false
		narrow := collect(buf)
		if len(wide) != len(narrow) {
			t.Fatalf("%d hits with AVX2, %d without, in %q", len(wide), len(narrow), buf)
		}
		for k := range wide {
			if wide[k] != narrow[k] {
				t.Fatalf("hit %d: %v with AVX2, %v without", k, wide[k], narrow[k])
			}
		}
		found += len(wide)
	}
	if found == 0 {
		t.Fatal("no hits: the texts test nothing")
	}
}
