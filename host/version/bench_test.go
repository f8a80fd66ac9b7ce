package version

import "testing"

// benchPairs are realistic neighbouring versions of each ecosystem.
var benchPairs = []struct{ eco, a, b string }{
	{"Debian", "2.36-9+deb12u4", "2.36-9+deb12u10"},
	{"Red Hat", "0:2.28-225.el8_8.6", "0:2.28-225.el8_8.11"},
	{"Alpine", "1.1.1t-r0", "1.1.1u-r2"},
	{"PyPI", "2.31.0", "2.32.0rc1"},
	{"Maven", "5.3.20.Final", "5.3.21.Final"},
	{"npm", "4.17.20", "4.17.21-beta.1"},
	{"crates.io", "1.0.188", "1.0.189"},
	{"Go", "v0.0.0-20220906165146-f3363e06e74c", "v0.17.0"},
	{"RubyGems", "7.0.4.3", "7.0.5.rc1"},
	{"NuGet", "13.0.1", "13.0.3-beta1"},
	{"Packagist", "v5.4.31", "5.4.32-RC1"},
}

// BenchmarkCompare measures Version.Compare on parsed versions, the matcher's inner loop.
func BenchmarkCompare(b *testing.B) {
	for _, p := range benchPairs {
		b.Run(p.eco, func(b *testing.B) {
			c, _ := For(p.eco)
			va, err := c.Parse(p.a)
			if err != nil {
				b.Fatal(err)
			}
			vb, err := c.Parse(p.b)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				va.Compare(vb)
			}
		})
	}
}

// BenchmarkParseAndCompare measures Compare from strings: two parses and a comparison.
func BenchmarkParseAndCompare(b *testing.B) {
	for _, p := range benchPairs {
		b.Run(p.eco, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Compare(p.eco, p.a, p.b); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
