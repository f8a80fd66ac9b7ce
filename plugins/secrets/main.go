// Command secrets is trawl's first-party secrets plugin. Its one analyzer, "secrets", carries
// the rules of package rules in its manifest (manifest.json, generated from the YAML files
// by `go test ./plugins/secrets -update`): the host compiles them and runs them natively over
// every text file of a scan (a keyword prefilter, then RE2), since scanning bytes in wasm
// would cost tens of times more. The module sees only the candidate matches of one file at
// a time, and confirms or classifies each (package confirm). The host redacts.
//
// Build it with
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o secrets.wasm ./plugins/secrets
//	go run github.com/trawlscan/trawl/sdk/cmd/trawl-pack -manifest plugins/secrets/manifest.json secrets.wasm
package main

import (
	"github.com/trawlscan/trawl/plugins/secrets/confirm"
	"github.com/trawlscan/trawl/sdk"
	"github.com/trawlscan/trawl/sdk/plugin"
)

func init() { plugin.RegisterSecretConfirmer(confirmer{}) }

// main is never run: the module is a reactor, driven through its exports.
func main() {}

type confirmer struct{}

func (confirmer) ConfirmSecrets(req sdk.SecretConfirmRequest) (sdk.SecretConfirmResult, error) {
	out := sdk.SecretConfirmResult{Verdicts: make([]sdk.SecretVerdict, len(req.Candidates))}
	for i, c := range req.Candidates {
		out.Verdicts[i] = confirm.Candidate(c)
	}
	return out, nil
}
