package nodetest

import (
	"os"
	"testing"

	"github.com/trawlscan/trawl/internal/corpustest"
)

// corpusDirs says, for every directory of the corpus's lockfiles/npm, which parser of
// plugins/lang/node reads its fixtures (their golden tests) or why none of these does.
var corpusDirs = map[string]string{
	"osv-scanner-v1-npm":      "packagelock",
	"scalibr-packagelockjson": "packagelock",
	"scalibr-bunlock":         "bunlock",
	"scalibr-packagejson":     "installed",
	"osv-scanner-v1-pnpm":     "pnpmlock",
	"scalibr-pnpmlock":        "pnpmlock",
	"osv-scanner-v1-yarn":     "yarnlock",
	"scalibr-yarnlock":        "yarnlock",

	// deno.json declares import-map specifiers and ranges, resolved by deno.lock: no
	// installed versions.
	"scalibr-denojson": "skipped: deno.json declares ranges, not resolved versions",
}

func TestCorpusDirs(t *testing.T) {
	entries, err := os.ReadDir(corpustest.Path(t, "lockfiles", "npm"))
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, e := range entries {
		seen[e.Name()] = true
		if _, ok := corpusDirs[e.Name()]; !ok {
			t.Errorf("corpus directory lockfiles/npm/%s is neither read nor skipped", e.Name())
		}
	}
	for d := range corpusDirs {
		if !seen[d] {
			t.Errorf("corpus directory lockfiles/npm/%s is missing", d)
		}
	}
}
