package match_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/trawlscan/trawl/host/db"
	"github.com/trawlscan/trawl/host/match"
	"github.com/trawlscan/trawl/sdk"
)

// TestDebianStatuses checks that a Debian package is matched by its source package and
// release, and that the tracker's three outcomes stay distinct in the findings.
func TestDebianStatuses(t *testing.T) {
	dir := t.TempDir()
	tracker := filepath.Join(dir, "debian.json")
	if err := os.WriteFile(tracker, []byte(`{
 "glibc": {
  "CVE-2099-0001": {"description": "fixed in bookworm", "releases": {"bookworm": {"status": "resolved", "fixed_version": "2.36-9+deb12u4", "urgency": "high"}}},
  "CVE-2099-0002": {"releases": {"bookworm": {"status": "open", "urgency": "medium"}}},
  "CVE-2099-0003": {"releases": {"bookworm": {"status": "open", "urgency": "low", "nodsa": "Minor issue", "nodsa_reason": "ignored"}}},
  "CVE-2099-0004": {"releases": {"bookworm": {"status": "resolved", "fixed_version": "2.36-9+deb12u1", "urgency": "high"}}},
  "CVE-2099-0005": {"releases": {"bullseye": {"status": "open", "urgency": "high"}}}
 }
}`), 0o644); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "d.db")
	if _, err := db.Import(context.Background(), path, []string{tracker}); err != nil {
		t.Fatal(err)
	}
	d, err := db.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	// libc6 is built from glibc: the binary's own name has no advisories.
	pkgs := []sdk.Package{{Name: "libc6", Version: "2.36-9+deb12u3", Type: "deb", SourceName: "glibc", SourceVersion: "2.36-9+deb12u3", Ecosystem: "Debian:12"}}
	vulns, problems, err := match.NewMatcher(d).Match(pkgs)
	if err != nil || len(problems) > 0 {
		t.Fatal(err, problems)
	}
	var got []string
	for _, v := range vulns {
		got = append(got, v.ID+" "+v.Status+" "+v.Severity+" "+v.SeveritySource+" "+strings.Join(v.FixedVersions, ","))
	}
	want := []string{
		"CVE-2099-0001 fixed HIGH Debian 2.36-9+deb12u4",
		"CVE-2099-0002 not_fixed MEDIUM Debian ",
		"CVE-2099-0003 will_not_fix LOW Debian ",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
