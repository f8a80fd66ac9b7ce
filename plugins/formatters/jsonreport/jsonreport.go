// Package jsonreport writes the trawl report document as JSON: the machine-readable output,
// valid against sdk/schema/report.schema.json, that other tools and trawl itself read back.
//
// The output is indented by two spaces and ends with a newline, for people and for diffs.
// It keeps the order the report comes in (the host sorts it once, for every format), so the
// same scan gives the same bytes, and it decodes back to the report it was written from.
package jsonreport

import (
	"bufio"
	"encoding/json"
	"errors"
	"io"

	"github.com/trawlscan/trawl/sdk"
)

// Write writes r to w as indented JSON.
func Write(w io.Writer, r *sdk.Report) error {
	if r == nil {
		return errors.New("jsonreport: no report")
	}
	// packages and plugins are always lists in the document, never null (the schema
	// requires it); a report built in Go may hold nil slices, so fill them in a copy.
	doc := *r
	if doc.Packages == nil {
		doc.Packages = []sdk.Package{}
	}
	if doc.Plugins == nil {
		doc.Plugins = []sdk.PluginStatus{}
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	enc := json.NewEncoder(bw)
	enc.SetIndent("", "  ")
	// "&", "<" and ">" stay as they are: package URLs ("?arch=x86_64&distro=...") and
	// secret matches read as written, and no HTML page embeds this output unescaped.
	enc.SetEscapeHTML(false)
	if err := enc.Encode(&doc); err != nil { // Encode ends the document with "\n"
		return err
	}
	return bw.Flush()
}
