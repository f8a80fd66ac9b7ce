//go:build !amd64

package secrets

const wideGrams = false

func nextGramsAVX2(*[1 << gramBits / 64]uint64, []byte, int) (int, uint64) {
	panic("unreachable")
}
