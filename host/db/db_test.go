package db

import (
	"archive/zip"
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/trawlscan/trawl/internal/corpustest"
)

func corpusDir(t testing.TB) string {
	t.Helper()
	return corpustest.Path(t, "advisories")
}

var fixedClock = WithClock(func() time.Time { return time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC) })

// TestImportCorpus imports every advisory source of the corpus, each as its own input, and
// asserts the exact summary: what each source gave, what it was refused and why.
func TestImportCorpus(t *testing.T) {
	if raceEnabled {
		t.Skip("8 s plainly, 70 s under the race detector, single-goroutine code: the plain run covers it")
	}
	root := corpusDir(t)
	type want struct {
		dir        string
		kinds      []string
		imported   int
		rejected   map[string]int
		gitRanges  int
		newest     string
		ecosystems int
	}
	sources := []want{
		{"osv/go", []string{KindOSV}, 4274, map[string]int{ReasonWithdrawn: 17}, 0, "2022-12-14", 1}, // the repository snapshot leaves most dates zero
		{"osv/crates.io", []string{KindOSV}, 1193, map[string]int{ReasonWithdrawn: 13}, 0, "2026-08-21", 1},
		{"osv-yaml/pypi", []string{KindOSVYAML}, 2644, map[string]int{ReasonSchema: 7, ReasonWithdrawn: 10}, 1384, "", 1},
		{"osv/osv-scanner-offline-dbs-sample", []string{KindOSV}, 23, map[string]int{ReasonDuplicate: 3, ReasonNoPackage: 2}, 5, "2026-07-08", 0},
		{"alpine-secdb-yaml", []string{KindAlpineSecdb}, 2575, map[string]int{ReasonNotAffected: 5}, 0, "", 9},
		{"distro-samples/debian-security-tracker-vunnel-fixture", []string{KindDebianTracker}, 5, map[string]int{ReasonParse: 1, ReasonNotAffected: 1}, 0, "", 6},
		{"distro-samples/ubuntu-osv-vunnel-fixture", []string{KindOSV}, 4, map[string]int{ReasonWithdrawn: 2}, 0, "2026-04-22", 0},
		{"distro-samples/ubuntu-osv-esm-vunnel-fixture", []string{KindOSV}, 2, map[string]int{ReasonWithdrawn: 1}, 0, "2026-06-08", 0},
	}
	var inputs []string
	for _, s := range sources {
		inputs = append(inputs, filepath.Join(root, s.dir))
	}
	path := filepath.Join(t.TempDir(), "corpus.db")
	sum, err := Import(context.Background(), path, inputs, fixedClock)
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.Meta.Sources) != len(sources) {
		t.Fatalf("%d sources", len(sum.Meta.Sources))
	}
	for i, w := range sources {
		got := sum.Meta.Sources[i]
		if !reflect.DeepEqual(got.Kinds, w.kinds) || got.Imported != w.imported || !reflect.DeepEqual(got.Rejected, w.rejected) || got.SkippedGitRanges != w.gitRanges {
			t.Errorf("%s: kinds %v, imported %d, rejected %v, GIT ranges %d; want %v, %d, %v, %d",
				w.dir, got.Kinds, got.Imported, got.Rejected, got.SkippedGitRanges, w.kinds, w.imported, w.rejected, w.gitRanges)
		}
		if w.newest != "" && got.Newest.Format("2006-01-02") != w.newest {
			t.Errorf("%s: newest %s, want %s", w.dir, got.Newest, w.newest)
		}
		if w.ecosystems > 0 && len(got.Ecosystems) != w.ecosystems {
			t.Errorf("%s: ecosystems %v, want %d of them", w.dir, got.Ecosystems, w.ecosystems)
		}
	}
	// Every schema rejection carries the validation error.
	for _, r := range sum.Rejections {
		if r.Reason == ReasonSchema && !strings.Contains(r.Detail, "at /affected/") {
			t.Errorf("%s: schema rejection without the validator's path: %q", r.ID, r.Detail)
		}
	}
	d, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if m := d.Meta(); m.Advisories != 10712 || m.SchemaVersion != SchemaVersion || !m.BuiltAt.Equal(time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)) {
		t.Errorf("meta: %d advisories, schema %d, built %s", m.Advisories, m.SchemaVersion, m.BuiltAt)
	}
	// Lookups: by ecosystem and name, PyPI names normalised.
	for _, tc := range []struct {
		eco, name string
		want      string
	}{
		{"PyPI", "Flask_Cors", "PYSEC-2020-43"},
		{"Go", "github.com/gin-gonic/gin", "GO-2020-0001"},
		{"crates.io", "smallvec", "RUSTSEC-2018-0003"},
		{"Alpine:v3.10", "musl", "ALPINE-CVE-2019-14697"},
		{"Debian:12", "sope", "DEBIAN-CVE-2025-53603"},
	} {
		advs, err := d.Advisories(tc.eco, tc.name)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, a := range advs {
			found = found || a.ID == tc.want
		}
		if !found {
			t.Errorf("%s %s: %d advisories, not %s", tc.eco, tc.name, len(advs), tc.want)
		}
	}
}

func TestAlpineSecdbConversion(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "v3.20/main.yaml", `distroversion: v3.20
reponame: main
packages:
  - pkg:
      name: openssl
      secfixes:
        3.3.2-r0:
          - CVE-2024-6119
        3.1.4-r1:
          - CVE-2023-5678 CVE-2023-5363 (partial fix)
        0:
          - CVE-2022-1473
`)
	write(t, dir, "v3.19/main.json", `{"distroversion":"v3.19","reponame":"main","packages":[{"pkg":{"name":"openssl","secfixes":{"3.1.7-r0":["CVE-2024-6119"]}}}]}`)
	path := filepath.Join(dir, "a.db")
	sum, err := Import(context.Background(), path, []string{dir}, fixedClock)
	if err != nil {
		t.Fatal(err)
	}
	if s := sum.Meta.Sources[0]; s.Imported != 3 || s.Rejected[ReasonNotAffected] != 1 {
		t.Errorf("imported %d, rejected %v", s.Imported, s.Rejected)
	}
	d, _ := Open(path)
	defer d.Close()
	adv, err := d.Advisory("ALPINE-CVE-2024-6119")
	if err != nil || adv == nil {
		t.Fatal(adv, err)
	}
	// Both branches joined into one advisory, as osv.dev publishes it.
	if len(adv.Affected) != 2 || adv.Upstream[0] != "CVE-2024-6119" {
		t.Fatalf("%+v", adv)
	}
	got := map[string]string{}
	for _, a := range adv.Affected {
		got[a.Package.Ecosystem] = a.Ranges[0].Events[1].Fixed
	}
	if !reflect.DeepEqual(got, map[string]string{"Alpine:v3.20": "3.3.2-r0", "Alpine:v3.19": "3.1.7-r0"}) {
		t.Errorf("fixes %v", got)
	}
	for _, id := range []string{"ALPINE-CVE-2023-5678", "ALPINE-CVE-2023-5363"} {
		if a, _ := d.Advisory(id); a == nil {
			t.Errorf("%s missing: both IDs of one secfixes line are kept", id)
		}
	}
	if a, _ := d.Advisory("ALPINE-CVE-2022-1473"); a != nil {
		t.Error("a fix version of 0 means not affected; nothing is stored")
	}
}

func TestDebianTrackerConversion(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "debian.json", `{
 "libxml2": {
  "CVE-2024-1": {"description": "d1", "releases": {
    "bookworm": {"status": "resolved", "fixed_version": "2.9.14+dfsg-1.3~deb12u1", "urgency": "medium"},
    "bullseye": {"status": "open", "urgency": "low", "nodsa": "Minor issue", "nodsa_reason": "ignored"},
    "buster": {"status": "open", "urgency": "end-of-life"},
    "trixie": {"status": "open", "urgency": "not yet assigned"},
    "sid": {"status": "resolved", "fixed_version": "2.9.14+dfsg-1.4"}}},
  "CVE-2024-2": {"releases": {"bookworm": {"status": "resolved", "fixed_version": "0", "urgency": "unimportant"}}},
  "TEMP-0001-0002": {"releases": {"bookworm": {"status": "open"}}}
 }
}`)
	path := filepath.Join(dir, "d.db")
	sum, err := Import(context.Background(), path, []string{filepath.Join(dir, "debian.json")}, fixedClock)
	if err != nil {
		t.Fatal(err)
	}
	s := sum.Meta.Sources[0]
	if !reflect.DeepEqual(s.Kinds, []string{KindDebianTracker}) || s.Imported != 1 || s.Rejected[ReasonNotAffected] != 1 || s.Rejected[ReasonTemporaryID] != 1 {
		t.Fatalf("%+v", s)
	}
	d, _ := Open(path)
	defer d.Close()
	adv, _ := d.Advisory("DEBIAN-CVE-2024-1")
	got := map[string]string{}
	for _, a := range adv.Affected {
		fixed := ""
		if ev := a.Ranges[0].Events; len(ev) > 1 {
			fixed = ev[1].Fixed
		}
		got[a.Package.Ecosystem] = a.DatabaseSpecific["status"].(string) + " " + fixed
	}
	want := map[string]string{
		"Debian:12": "fixed 2.9.14+dfsg-1.3~deb12u1",
		"Debian:11": "will_not_fix ",
		"Debian:10": "will_not_fix ",
		"Debian:13": "not_fixed ",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v\nwant %v", got, want)
	}
}

func TestZipAndDuplicates(t *testing.T) {
	dir := t.TempDir()
	older := `{"id":"GO-2099-0001","modified":"2024-01-01T00:00:00Z","affected":[{"package":{"ecosystem":"Go","name":"example.com/old"},"ranges":[{"type":"SEMVER","events":[{"introduced":"0"}]}]}]}`
	newer := `{"id":"GO-2099-0001","modified":"2025-01-01T00:00:00Z","affected":[{"package":{"ecosystem":"Go","name":"example.com/new"},"ranges":[{"type":"SEMVER","events":[{"introduced":"0"}]}]}]}`
	zpath := filepath.Join(dir, "all.zip")
	f, _ := os.Create(zpath)
	zw := zip.NewWriter(f)
	for name, body := range map[string]string{"GO-2099-0001.json": newer, "README.txt": "not an advisory", "bad.json": `{"id":"GO-2099-0002"}`} {
		w, _ := zw.Create(name)
		w.Write([]byte(body))
	}
	zw.Close()
	f.Close()
	write(t, dir, "old/GO-2099-0001.json", older)
	path := filepath.Join(dir, "z.db")
	sum, err := Import(context.Background(), path, []string{zpath, filepath.Join(dir, "old")}, fixedClock)
	if err != nil {
		t.Fatal(err)
	}
	if s := sum.Meta.Sources[0]; s.Imported != 1 || s.Rejected[ReasonSchema] != 1 || s.Kinds[0] != KindOSVZip {
		t.Errorf("zip: %+v", s)
	}
	if s := sum.Meta.Sources[1]; s.Imported != 0 || s.Rejected[ReasonDuplicate] != 1 {
		t.Errorf("older duplicate: %+v", s)
	}
	d, _ := Open(path)
	defer d.Close()
	if advs, _ := d.Advisories("Go", "example.com/new"); len(advs) != 1 {
		t.Error("the newer copy is indexed")
	}
	if advs, _ := d.Advisories("Go", "example.com/old"); len(advs) != 0 {
		t.Error("the older copy must not be indexed")
	}
}

func TestNewerDuplicateReplacesAndReindexes(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "a/x.json", `{"id":"PYSEC-2099-1","modified":"2024-01-01T00:00:00Z","affected":[{"package":{"ecosystem":"PyPI","name":"old-name"},"versions":["1.0"]}]}`)
	write(t, dir, "b/x.json", `{"id":"PYSEC-2099-1","modified":"2025-01-01T00:00:00Z","affected":[{"package":{"ecosystem":"PyPI","name":"new-name"},"versions":["1.0"]}]}`)
	path := filepath.Join(dir, "r.db")
	if _, err := Import(context.Background(), path, []string{filepath.Join(dir, "a"), filepath.Join(dir, "b")}); err != nil {
		t.Fatal(err)
	}
	d, _ := Open(path)
	defer d.Close()
	if advs, _ := d.Advisories("PyPI", "old_name"); len(advs) != 0 {
		t.Error("the replaced copy's package is still indexed")
	}
	if advs, _ := d.Advisories("PyPI", "New.Name"); len(advs) != 1 {
		t.Error("the newer copy is not indexed")
	}
}

func TestImportFailureKeepsOldDB(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "ok/x.json", `{"id":"GO-2099-1","modified":"2024-01-01T00:00:00Z","affected":[{"package":{"ecosystem":"Go","name":"m"}}]}`)
	path := filepath.Join(dir, "keep.db")
	if _, err := Import(context.Background(), path, []string{filepath.Join(dir, "ok")}); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(path)
	if _, err := Import(context.Background(), path, []string{filepath.Join(dir, "missing")}); err == nil {
		t.Fatal("importing a missing input succeeded")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Import(ctx, path, []string{filepath.Join(dir, "ok")}); err == nil {
		t.Fatal("a cancelled import succeeded")
	}
	after, _ := os.ReadFile(path)
	if string(before) != string(after) {
		t.Error("a failed import changed the database")
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.Contains(e.Name(), ".tmp") || strings.Contains(e.Name(), ".compact") {
			t.Errorf("left behind %s", e.Name())
		}
	}
}

func TestOpenRefuses(t *testing.T) {
	dir := t.TempDir()
	if _, err := Open(filepath.Join(dir, "none.db")); err == nil || !strings.Contains(err.Error(), "trawl db import") {
		t.Errorf("missing: %v", err)
	}
	junk := write(t, dir, "junk.db", "not a bolt file")
	if _, err := Open(junk); err == nil {
		t.Error("opened junk")
	}
}

func FuzzImportDocument(f *testing.F) {
	f.Add(".json", []byte(`{"id":"GO-1-1","modified":"2024-01-01T00:00:00Z","affected":[{"package":{"ecosystem":"Go","name":"m"}}]}`))
	f.Add(".yaml", []byte("distroversion: v3.20\npackages:\n - pkg:\n    name: a\n    secfixes:\n      1-r0: [CVE-1-1]\n"))
	f.Add(".json", []byte(`{"pkg":{"CVE-1-1":{"releases":{"bookworm":{"status":"open"}}}}}`))
	f.Add(".yaml", []byte("id: PYSEC-1\nmodified: 2024-01-01T00:00:00Z\n"))
	f.Add(".json", []byte(`{"apkurl":"x","distroversion":"v3.1","packages":[]}`))
	f.Fuzz(func(t *testing.T, ext string, body []byte) {
		if ext != ".json" && ext != ".yaml" {
			ext = ".json"
		}
		dir := t.TempDir()
		in := filepath.Join(dir, "doc"+ext)
		if err := os.WriteFile(in, body, 0o644); err != nil {
			t.Fatal(err)
		}
		// Bad documents are rejections, never import errors.
		if _, err := Import(context.Background(), filepath.Join(dir, "f.db"), []string{in}); err != nil {
			t.Fatalf("import failed on one document: %v", err)
		}
	})
}

func write(t *testing.T, dir, name, body string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}
