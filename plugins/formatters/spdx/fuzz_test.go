package spdx

import (
	"testing"

	"github.com/trawlscan/trawl/plugins/formatters/internal/sbomtest"
)

var codec = sbomtest.Codec{Write: Write, Read: Read, Detect: Detect}

// FuzzRead: Read never panics on any input, seeded with the goldens and third-party files.
//
//	go test -run '^$' -fuzz FuzzRead -fuzztime 60s ./plugins/formatters/spdx
func FuzzRead(f *testing.F) {
	sbomtest.FuzzRead(f, codec, "testdata/golden/*.spdx.json", "testdata/third-party/*.json")
}

// FuzzWrite: whatever a report holds, Write gives JSON that Read accepts.
//
//	go test -run '^$' -fuzz FuzzWrite -fuzztime 60s ./plugins/formatters/spdx
func FuzzWrite(f *testing.F) {
	var reports []string
	for _, in := range inputs {
		reports = append(reports, inputPath(in))
	}
	sbomtest.FuzzWrite(f, codec, reports...)
}
