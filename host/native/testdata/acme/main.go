// Command acme is a native trawl plugin for the tests: an analyzer of a made-up lock file,
// acme.lock ("name version" per line), with a secret rule it confirms, and a formatter. What
// it is depends on the name it runs under (tests link one build under several names):
//
//	acme            the analyzer
//	acme-format     the formatter, format "acme"
//	acme-abi2       an analyzer that speaks ABI 2.0
//	acme-bad        an analyzer with an invalid manifest
//
// The analyzer obeys the first line of a file: HANG blocks, CRASH crashes the process,
// FAIL returns an error, BIG n returns n packages, ENOUGH stops reading.
package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/trawlscan/trawl/host/native/nativeplugin"
	"github.com/trawlscan/trawl/sdk"
)

type analyzer struct{}

func (analyzer) Analyze(req sdk.FileRequest, r io.Reader) (*sdk.AnalysisResult, error) {
	sc := bufio.NewScanner(r)
	res := &sdk.AnalysisResult{}
	line := 0
	for sc.Scan() {
		line++
		f := strings.Fields(sc.Text())
		if len(f) == 0 {
			continue
		}
		if line == 1 {
			switch f[0] {
			case "HANG":
				select {}
			case "CRASH":
				go panic("acme exploded")
				time.Sleep(time.Minute)
			case "FAIL":
				return nil, errors.New("acme cannot read this")
			case "BIG":
				n, _ := strconv.Atoi(f[1])
				for i := range n {
					res.Packages = append(res.Packages, sdk.Package{Name: fmt.Sprintf("pkg%07d", i), Version: "1.0.0", Type: "generic"})
				}
				return res, nil
			case "ENOUGH":
				res.Packages = append(res.Packages, sdk.Package{Name: "enough", Version: "1", Type: "generic", Locations: []sdk.Location{{Path: req.Path, Line: 1}}})
				return res, nil
			}
		}
		if len(f) != 2 {
			res.Errors = append(res.Errors, sdk.FileError{Analyzer: "acme", Path: req.Path, Message: fmt.Sprintf("line %d: want name and version", line)})
			continue
		}
		res.Packages = append(res.Packages, sdk.Package{Name: f[0], Version: f[1], Type: "generic", Locations: []sdk.Location{{Path: req.Path, Line: line}}})
	}
	return res, sc.Err()
}

type confirmer struct{}

func (confirmer) ConfirmSecrets(req sdk.SecretConfirmRequest) (sdk.SecretConfirmResult, error) {
	var res sdk.SecretConfirmResult
	for _, c := range req.Candidates {
		// A careless plugin: the host must keep this out of its log.
		fmt.Fprintf(os.Stderr, "checking %s\n", c.Secret)
		if strings.HasSuffix(c.Secret, "0000") {
			res.Verdicts = append(res.Verdicts, sdk.SecretVerdict{Confirmed: false, Reason: "test token"})
			continue
		}
		res.Verdicts = append(res.Verdicts, sdk.SecretVerdict{Confirmed: true, Note: "checksum valid"})
	}
	return res, nil
}

type formatter struct{}

func (formatter) Format(req sdk.FormatRequest, rep *sdk.Report, w io.Writer) error {
	fmt.Fprintf(w, "acme report of %s: %d packages\n", rep.Artifact.Name, len(rep.Packages))
	for _, p := range rep.Packages {
		fmt.Fprintf(w, "%s %s %s\n", p.Type, p.Name, p.Version)
	}
	for _, s := range rep.Secrets {
		fmt.Fprintf(w, "secret %s %s:%d %s\n", s.RuleID, s.Location.Path, s.Location.Line, s.Title)
	}
	return nil
}

func analyzerManifest() sdk.Manifest {
	return sdk.Manifest{
		Name:        "acme",
		Version:     "0.1.0",
		Kind:        sdk.KindAnalyzer,
		Description: "acme.lock, natively",
		Analyzers: []sdk.AnalyzerSpec{
			{Name: "acme", Files: []sdk.Selector{{Base: "acme.lock"}}},
			{Name: "acme-secrets", Confirm: true, SecretRules: []sdk.SecretRule{{
				ID: "acme-token", Title: "Acme API token", Category: sdk.SecretCategorySaaS, Severity: sdk.SeverityHigh,
				Keywords: []string{"acme_"}, Regex: `\b(acme_[a-z0-9]{16})\b`, SecretGroup: 1, Confirm: true,
				Examples: sdk.SecretExamples{Match: []string{"acme_0123456789abcdef"}},
			}}},
		},
	}
}

func main() {
	name := strings.TrimSuffix(filepath.Base(os.Args[0]), ".exe")
	switch name {
	case "acme-format":
		nativeplugin.Serve(nativeplugin.Plugin{
			Manifest:  sdk.Manifest{Name: "acme-format", Version: "0.1.0", Kind: sdk.KindFormatter, Formats: []string{"acme"}},
			Formatter: formatter{},
		})
	case "acme-abi2":
		m := analyzerManifest()
		m.ABI = "2.0"
		nativeplugin.Serve(nativeplugin.Plugin{Manifest: m, Analyzer: analyzer{}, Confirmer: confirmer{}})
	case "acme-bad":
		m := analyzerManifest()
		m.Name = "Acme!"
		nativeplugin.Serve(nativeplugin.Plugin{Manifest: m, Analyzer: analyzer{}, Confirmer: confirmer{}})
	default:
		nativeplugin.Serve(nativeplugin.Plugin{Manifest: analyzerManifest(), Analyzer: analyzer{}, Confirmer: confirmer{}})
	}
}
