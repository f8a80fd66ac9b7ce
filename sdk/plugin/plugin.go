// Package plugin turns an implementation of Analyzer or Formatter into a trawl plugin: a
// WebAssembly (wasip1) reactor module that speaks ABI v1 (see ../ABI.md).
//
// A plugin is a main package that registers its implementation from init, since a reactor
// module never runs main:
//
//	func init() { plugin.RegisterAnalyzer(myAnalyzer{}) }
//	func main() {}
//
// and is built with
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o my.wasm .
//
// then given its manifest with the sdk/cmd/trawl-pack tool.
package plugin

import (
	"io"

	"github.com/trawlscan/trawl/sdk"
)

// Analyzer reads the files its manifest selects.
type Analyzer interface {
	// Analyze reads one file. req.Analyzers says which of the module's analyzers selected
	// it. content streams the file; an analyzer may stop reading early. A returned error
	// fails only this file: the host records it and goes on.
	Analyze(req sdk.FileRequest, content io.Reader) (*sdk.AnalysisResult, error)
}

// Formatter writes a report.
type Formatter interface {
	// Format writes the report in req.Format to w.
	Format(req sdk.FormatRequest, report *sdk.Report, w io.Writer) error
}

// RawFormatter is a Formatter that can write some formats straight from the report
// document, the JSON bytes the host sent, without their being decoded first. In a plugin,
// decoding a large report and encoding it again take most of a format's time; a format
// whose output is the document itself need do neither. trawl sends the document indented
// by two spaces, HTML characters unescaped, ending with a newline, but a RawFormatter must
// not count on any of it: the document is any JSON encoding of the report.
type RawFormatter interface {
	Formatter
	// FormatRaw writes the report in req.Format from document, or returns false, having
	// written nothing, to have the report decoded and given to Format.
	FormatRaw(req sdk.FormatRequest, document []byte, w io.Writer) (bool, error)
}

// SecretConfirmer confirms the candidate matches of a secrets analyzer's rules (an analyzer
// whose manifest entry has secret_rules and confirm): the host runs the rules natively and
// hands over only their matches in one file. The candidates hold raw secrets: never write
// them to stdout, stderr or an error.
type SecretConfirmer interface {
	ConfirmSecrets(req sdk.SecretConfirmRequest) (sdk.SecretConfirmResult, error)
}

var (
	analyzer  Analyzer
	formatter Formatter
	confirmer SecretConfirmer
)

// RegisterSecretConfirmer makes c the module's secret confirmer. Call it from init.
func RegisterSecretConfirmer(c SecretConfirmer) { confirmer = c }

// RegisterAnalyzer makes a the module's analyzer. Call it from init.
func RegisterAnalyzer(a Analyzer) { analyzer = a }

// RegisterFormatter makes f the module's formatter. Call it from init.
func RegisterFormatter(f Formatter) { formatter = f }
