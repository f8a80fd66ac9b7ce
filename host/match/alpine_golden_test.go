package match_test

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/trawlscan/trawl/host/db"
	"github.com/trawlscan/trawl/host/ecosystem"
	"github.com/trawlscan/trawl/host/match"
	"github.com/trawlscan/trawl/host/osv"
	"github.com/trawlscan/trawl/plugins/os/apk"
	"github.com/trawlscan/trawl/plugins/os/osrelease"
	"github.com/trawlscan/trawl/sdk"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// TestAlpineAgainstSecdb matches the real package databases of the Alpine 3.10.9 and
// 3.12.12 minirootfs against Alpine's secdb in the corpus and compares, with a golden file,
// the findings and the trace of every decision: for each package, each advisory the DB holds
// for its origin in its release branch, the fix, and whether the installed version is
// affected. The goldens were checked by hand against apk's version ordering.
func TestAlpineAgainstSecdb(t *testing.T) {
	root := corpus(t)
	path := filepath.Join(t.TempDir(), "secdb.db")
	if _, err := db.Import(context.Background(), path, []string{filepath.Join(root, "advisories/alpine-secdb-yaml")}); err != nil {
		t.Fatal(err)
	}
	d, err := db.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	for _, version := range []string{"3.10.9", "3.12.12"} {
		t.Run(version, func(t *testing.T) {
			dir := filepath.Join(root, "os-pkgdb/apk/real-minirootfs-"+version)
			pkgs, osInfo := readAlpine(t, dir)
			ecosystem.Finalize(pkgs, osInfo)
			vulns, problems, err := match.NewMatcher(d).Match(pkgs)
			if err != nil {
				t.Fatal(err)
			}
			if len(problems) > 0 {
				t.Errorf("problems: %+v", problems)
			}
			var b strings.Builder
			fmt.Fprintf(&b, "Alpine %s (%s), %d packages, DB of the corpus's Alpine secdb (v3.3 to v3.11)\n\n", osInfo.Version, pkgs[0].Ecosystem, len(pkgs))
			fmt.Fprintf(&b, "Findings: %d\n", len(vulns))
			for _, v := range vulns {
				fmt.Fprintf(&b, "  %s %s %s: %s [%s] fixed in %s\n", v.Package.Name, v.Package.Version, v.Severity, v.ID, strings.Join(v.IDs, " "), strings.Join(v.FixedVersions, ", "))
			}
			b.WriteString("\nTrace (package -> origin: advisory, fix, verdict):\n")
			for _, p := range pkgs {
				name := p.SourceName
				if name == "" {
					name = p.Name
				}
				advs, err := d.Advisories(p.Ecosystem, name)
				if err != nil {
					t.Fatal(err)
				}
				fmt.Fprintf(&b, "%s %s -> %s: %d advisories\n", p.Name, p.Version, name, len(advs))
				for _, adv := range advs {
					for _, a := range adv.Affected {
						if a.Package.Ecosystem != p.Ecosystem || a.Package.Name != name {
							continue
						}
						affected, _, err := match.Affected(p.Ecosystem, a, p.Version)
						if err != nil {
							t.Fatal(err)
						}
						verdict := "not affected"
						if affected {
							verdict = "AFFECTED"
						}
						fmt.Fprintf(&b, "  %s fixed %s: %s\n", adv.ID, fixedOf(a), verdict)
					}
				}
			}
			golden := filepath.Join("testdata", "golden", "alpine-"+version+".txt")
			if *update {
				os.MkdirAll(filepath.Dir(golden), 0o755)
				if err := os.WriteFile(golden, []byte(b.String()), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to write it)", err)
			}
			if b.String() != string(want) {
				t.Errorf("%s differs; got:\n%s", golden, b.String())
			}
		})
	}
}

func fixedOf(a osv.Affected) string {
	var out []string
	for _, r := range a.Ranges {
		for _, e := range r.Events {
			if e.Fixed != "" {
				out = append(out, e.Fixed)
			}
		}
	}
	if len(out) == 0 {
		return "(none)"
	}
	return strings.Join(out, ",")
}

// readAlpine parses the installed database and os-release of an Alpine root filesystem with
// the analyzers' own parsers, natively.
func readAlpine(t *testing.T, dir string) ([]sdk.Package, *sdk.OS) {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, "installed"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	pkgs, problems, err := apk.Parse("lib/apk/db/installed", f)
	if err != nil || len(problems) > 0 {
		t.Fatalf("apk: %v %v", err, problems)
	}
	r, err := os.Open(filepath.Join(dir, "os-release"))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	osInfo, err := osrelease.Parse("etc/os-release", r)
	if err != nil {
		t.Fatal(err)
	}
	return pkgs, osInfo
}

// TestOlderAlpinePackagesAreFound is the other side of the goldens above: the same DB, with
// versions just below each fix, must report exactly the advisories fixed above them.
func TestOlderAlpinePackagesAreFound(t *testing.T) {
	root := corpus(t)
	path := filepath.Join(t.TempDir(), "secdb.db")
	if _, err := db.Import(context.Background(), path, []string{filepath.Join(root, "advisories/alpine-secdb-yaml/v3.10")}); err != nil {
		t.Fatal(err)
	}
	d, err := db.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	pkgs := []sdk.Package{
		{Name: "musl-utils", Version: "1.1.22-r2", Type: "apk", SourceName: "musl", SourceVersion: "1.1.22-r2", Ecosystem: "Alpine:v3.10"},
		{Name: "libssl1.1", Version: "1.1.1c-r0", Type: "apk", SourceName: "openssl", SourceVersion: "1.1.1c-r0", Ecosystem: "Alpine:v3.10"},
		{Name: "musl", Version: "1.1.22-r3", Type: "apk", SourceName: "musl", SourceVersion: "1.1.22-r3", Ecosystem: "Alpine:v3.10"},
	}
	vulns, _, err := match.NewMatcher(d).Match(pkgs)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, v := range vulns {
		got = append(got, fmt.Sprintf("%s %s %s [%s] %s %s", v.Package.Name, v.ID, v.Package.SourceName, strings.Join(v.IDs, " "), v.Status, strings.Join(v.FixedVersions, ",")))
	}
	want := []string{
		"libssl1.1 CVE-2019-1547 openssl [ALPINE-CVE-2019-1547 CVE-2019-1547] fixed 1.1.1d-r0",
		"libssl1.1 CVE-2019-1549 openssl [ALPINE-CVE-2019-1549 CVE-2019-1549] fixed 1.1.1d-r0",
		"libssl1.1 CVE-2019-1563 openssl [ALPINE-CVE-2019-1563 CVE-2019-1563] fixed 1.1.1d-r0",
		"musl-utils CVE-2019-14697 musl [ALPINE-CVE-2019-14697 CVE-2019-14697] fixed 1.1.22-r3",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
