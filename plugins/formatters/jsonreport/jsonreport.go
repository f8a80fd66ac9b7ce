// Package jsonreport writes the trawl report document as JSON: the machine-readable output,
// valid against sdk/schema/report.schema.json, that other tools and trawl itself read back.
//
// The output is indented by two spaces and ends with a newline, for people and for diffs.
// It keeps the order the report comes in (the host sorts it once, for every format), so the
// same scan gives the same bytes, and it decodes back to the report it was written from.
package jsonreport

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"

	"github.com/trawlscan/trawl/plugins/formatters/internal/jsonindent"
	"github.com/trawlscan/trawl/sdk"
)

// packagesSlot is where the packages go in the document written with none. Nested values
// are indented deeper and strings cannot hold a raw newline, so it occurs once.
const packagesSlot = "\n  \"packages\": []"

// Write writes r to w as indented JSON.
//
// The packages, most of a report, are encoded one at a time into the document written
// without them, rather than the whole document at once: encoding/json builds its whole
// output in memory, twice when indenting, which for 10,000 packages is some 35 MB, and a
// plugin's memory is capped and never shrinks. The bytes are the same either way.
func Write(w io.Writer, r *sdk.Report) error {
	if r == nil {
		return errors.New("jsonreport: no report")
	}
	doc := *r
	// packages and plugins are always lists in the document, never null (the schema
	// requires it), though a report built in Go may hold nil slices.
	doc.Packages = []sdk.Package{}
	if doc.Plugins == nil {
		doc.Plugins = []sdk.PluginStatus{}
	}
	var buf bytes.Buffer
	enc := newEncoder(&buf, "")
	if err := enc.Encode(&doc); err != nil {
		return err
	}
	skeleton := buf.Bytes()
	slot := bytes.Index(skeleton, []byte(packagesSlot))
	if slot < 0 {
		return errors.New("jsonreport: no packages in the encoded report") // sdk.Report changed
	}
	open := slot + len(packagesSlot) - 1 // the "]" of "[]"

	bw := bufio.NewWriterSize(w, 64<<10)
	bw.Write(skeleton[:open])
	if len(r.Packages) > 0 {
		var pkg bytes.Buffer
		penc := newEncoder(&pkg, "    ")
		for i := range r.Packages {
			pkg.Reset()
			if err := penc.Encode(&r.Packages[i]); err != nil {
				return err
			}
			bw.WriteString("\n    ")
			bw.Write(bytes.TrimSuffix(pkg.Bytes(), []byte("\n")))
			if i < len(r.Packages)-1 {
				bw.WriteByte(',')
			}
		}
		bw.WriteString("\n  ")
	}
	bw.Write(skeleton[open:]) // ends with the "\n" Encode adds
	return bw.Flush()
}

// Indented reports whether doc, a report document, is indented as Write indents it: then
// it is its own JSON report. trawl sends formatters the document as Write writes it, so
// that the json format is a copy (sdk/plugin.RawFormatter); a document from elsewhere is
// decoded and written anew.
func Indented(doc []byte) bool {
	return bytes.HasPrefix(doc, []byte("{\n  \"")) && bytes.HasSuffix(doc, []byte("\n}\n"))
}

// newEncoder returns an encoder of the output's style: two-space indent, after prefix for
// values nested in the document, and "&", "<", ">" as they are, since package URLs
// ("?arch=x86_64&distro=...") and secret matches should read as written, and no HTML page
// embeds this output unescaped.
func newEncoder(w io.Writer, prefix string) *json.Encoder {
	// Indented as it streams (jsonindent): SetIndent would rescan every byte.
	enc := json.NewEncoder(jsonindent.NewWriter(w, prefix, "  "))
	enc.SetEscapeHTML(false)
	return enc
}
