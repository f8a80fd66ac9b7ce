package jsonreport

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/trawlscan/trawl/sdk"
)

func TestRoundTrip(t *testing.T) {
	r := &sdk.Report{
		SchemaVersion: sdk.SchemaVersion,
		Tool:          sdk.Tool{Name: "trawl", Version: "0.1.0"},
		CreatedAt:     time.Date(2024, 11, 20, 9, 14, 3, 0, time.UTC),
		Artifact:      sdk.Artifact{Name: "alpine:3.20", Type: sdk.ArtifactImage},
		OS:            &sdk.OS{Family: "alpine", Version: "3.20.3"},
		Packages: []sdk.Package{{Name: "musl", Version: "1.2.5-r0", Type: "apk",
			PURL: "pkg:apk/alpine/musl@1.2.5-r0?arch=x86_64&distro=alpine-3.20.3", Licenses: []string{"MIT"}}},
		Secrets: []sdk.Secret{{RuleID: "generic", Match: "<token>&****", Location: sdk.Location{Path: "a", Line: 1}}},
		Plugins: []sdk.PluginStatus{{Name: "os", Version: "0.1.0", Kind: sdk.KindAnalyzer, Status: sdk.PluginOK, Files: 2}},
		Errors:  []sdk.FileError{{Analyzer: "apk", Path: "lib/apk/db/installed", Message: "line 3: no P:"}},
	}
	var b bytes.Buffer
	if err := Write(&b, r); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	if !strings.HasPrefix(out, "{\n  \"schema_version\": \""+sdk.SchemaVersion+"\",\n") || !strings.HasSuffix(out, "}\n") {
		t.Errorf("not indented by two spaces or not ending in a newline:\n%s", out)
	}
	if !strings.Contains(out, "?arch=x86_64&distro=") || !strings.Contains(out, `"<token>&****"`) {
		t.Errorf("HTML characters escaped:\n%s", out)
	}
	var back sdk.Report
	if err := json.Unmarshal(b.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(&back, r) {
		t.Errorf("round trip changed the report:\n got %+v\nwant %+v", back, *r)
	}
}

func TestNilListsWrittenEmpty(t *testing.T) {
	r := &sdk.Report{SchemaVersion: sdk.SchemaVersion}
	var b bytes.Buffer
	if err := Write(&b, r); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), `"packages": []`) || !strings.Contains(b.String(), `"plugins": []`) {
		t.Errorf("nil lists not written as []:\n%s", b.String())
	}
	if r.Packages != nil || r.Plugins != nil {
		t.Error("Write changed its input")
	}
}

func TestNilReport(t *testing.T) {
	if err := Write(&bytes.Buffer{}, nil); err == nil {
		t.Error("no error for a nil report")
	}
}
