// Command bench measures the figures `make bench` prints: whole-scan wall time and peak RSS
// of the trawl binary on a real Alpine image, cold and warm; and the walker's throughput on a
// generated gzip layer as a ratio to `gzip -dc | tar -t` of the same file, at two layer sizes
// so that peak RSS can be seen not to grow with the layer.
//
// Every figure is a median of several runs, and comparisons are ratios within one run: the
// machines are noisy.
package main

import (
	"archive/tar"
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/klauspost/compress/gzip"

	"github.com/trawlscan/trawl/host/db"
	"github.com/trawlscan/trawl/host/match"
	"github.com/trawlscan/trawl/sdk"
)

func main() {
	trawl := flag.String("trawl", "bin/trawl", "the trawl binary to measure")
	corpus := flag.String("corpus", "../shared/corpus", "the shared corpus")
	runs := flag.Int("runs", 3, "runs per figure (the median is printed)")
	big := flag.Int64("layer-mib", 1024, "uncompressed size of the large generated layer, MiB")
	only := flag.String("only", "", "comma-separated sections to run (scan, db, formats, walker); default all")
	flag.Parse()
	want := func(section string) bool { return *only == "" || slices.Contains(strings.Split(*only, ","), section) }
	work, err := os.MkdirTemp("", "trawl-bench")
	check(err)
	defer os.RemoveAll(work)
	bin, err := filepath.Abs(*trawl)
	check(err)

	if want("scan") {
		benchScan(bin, *corpus, work, *runs)
	}
	if want("db") {
		benchDB(bin, *corpus, work)
	}
	if want("formats") {
		benchFormats(bin, work, *runs)
	}
	if want("walker") {
		benchWalker(bin, work, *runs, *big)
	}
}

// benchScan measures the scan of the Alpine 3.20 image, cold and warm.
func benchScan(bin, corpus, work string, runs int) {
	fmt.Println("## Alpine 3.20 image scan (docker-archive, one layer)")
	alpine := filepath.Join(work, "alpine-3.20.tar")
	check(writeImage(alpine, filepath.Join(corpus, "rootfs/alpine/alpine-minirootfs-3.20.3-x86_64.tar.gz")))
	var cold, warm []measure
	for i := 0; i < runs; i++ {
		cache := filepath.Join(work, fmt.Sprintf("cache-%d", i))
		cold = append(cold, run(bin, "image", "--input", alpine, "-f", "json", "-o", os.DevNull, "--cache-dir", cache, "-q", "--skip-db"))
		warm = append(warm, run(bin, "image", "--input", alpine, "-f", "json", "-o", os.DevNull, "--cache-dir", cache, "-q", "--skip-db"))
	}
	report("cold (empty compilation cache)", cold)
	report("warm (compilation cache filled)", warm)
}

// benchWalker measures the walker on generated gzip layers against `gzip -dc | tar -t`.
func benchWalker(bin, work string, runs int, big int64) {
	fmt.Println()
	fmt.Println("## Walker throughput on a generated gzip layer, against `gzip -dc | tar -t`")
	for _, mib := range []int64{big / 4, big} {
		layer := filepath.Join(work, fmt.Sprintf("layer-%d.tar.gz", mib))
		size, err := writeLayer(layer, mib<<20)
		check(err)
		img := filepath.Join(work, fmt.Sprintf("big-%d.tar", mib))
		check(writeImage(img, layer))
		cache := filepath.Join(work, "cache-0")
		var ours, ref []measure
		for i := 0; i < runs; i++ {
			ref = append(ref, run("sh", "-c", "gzip -dc "+layer+" | tar -t >/dev/null"))
			ours = append(ours, run(bin, "image", "--input", img, "-f", "json", "-o", os.DevNull, "--cache-dir", cache, "-q", "--skip-db"))
		}
		o, r := median(ours), median(ref)
		fmt.Printf("layer %d MiB uncompressed (%.0f MiB gzip): trawl %.2fs (%.0f MiB/s, peak RSS %d MiB), gzip|tar %.2fs (%.0f MiB/s); ratio %.2f (target >= 0.65)\n",
			mib, float64(size)/(1<<20), o.wall.Seconds(), float64(mib)/o.wall.Seconds(), o.rssMiB,
			r.wall.Seconds(), float64(mib)/r.wall.Seconds(), r.wall.Seconds()/o.wall.Seconds())
		os.Remove(layer)
		os.Remove(img)
	}
}

// benchDB measures importing the whole advisory corpus (time, DB size, peak RSS) and
// matching a 5,000-package inventory drawn from the DB's own index.
func benchDB(bin, corpus, work string) {
	fmt.Println()
	fmt.Println("## Vulnerability DB: import of the whole advisory corpus")
	dbPath := filepath.Join(work, "corpus.db")
	m := run(bin, "db", "import", "--db", dbPath, filepath.Join(corpus, "advisories"))
	st, err := os.Stat(dbPath)
	check(err)
	fmt.Printf("import: %.2fs, DB %.1f MiB, peak RSS %d MiB\n", m.wall.Seconds(), float64(st.Size())/(1<<20), m.rssMiB)

	d, err := db.Open(dbPath)
	check(err)
	defer d.Close()
	var pkgs []sdk.Package
	types := map[string]string{"Go": "golang", "PyPI": "pypi", "crates.io": "cargo", "npm": "npm", "Maven": "maven", "Packagist": "composer"}
	// Every indexed package of these ecosystems, at two versions, up to 5,000 packages.
	for _, version := range []string{"1.0.0", "0.1.0"} {
		check(d.Packages(func(eco, name string) bool {
			if typ, ok := types[eco]; ok {
				pkgs = append(pkgs, sdk.Package{Name: name, Version: version, Type: typ, Ecosystem: eco})
			}
			return len(pkgs) < 5000
		}))
	}
	matcher := match.NewMatcher(d)
	var walls []time.Duration
	findings := 0
	for i := 0; i < 3; i++ {
		start := time.Now()
		vulns, _, err := matcher.Match(pkgs)
		check(err)
		walls = append(walls, time.Since(start))
		findings = len(vulns)
	}
	sort.Slice(walls, func(i, j int) bool { return walls[i] < walls[j] })
	w := walls[1]
	fmt.Printf("matching %d packages (each with advisories): %.2fs, %.0f packages/s, %d findings\n", len(pkgs), w.Seconds(), float64(len(pkgs))/w.Seconds(), findings)
}

type measure struct {
	wall   time.Duration
	rssMiB int64
}

func run(name string, args ...string) measure {
	cmd := exec.Command(name, args...)
	cmd.Stderr = os.Stderr
	start := time.Now()
	if err := cmd.Run(); err != nil {
		fmt.Fprintf(os.Stderr, "bench: %s %s: %v\n", name, strings.Join(args, " "), err)
		os.Exit(1)
	}
	m := measure{wall: time.Since(start)}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		m.rssMiB = ru.Maxrss / 1024
	}
	return m
}

func median(ms []measure) measure {
	sort.Slice(ms, func(i, j int) bool { return ms[i].wall < ms[j].wall })
	m := ms[len(ms)/2]
	rss := make([]int64, len(ms))
	for i := range ms {
		rss[i] = ms[i].rssMiB
	}
	sort.Slice(rss, func(i, j int) bool { return rss[i] < rss[j] })
	m.rssMiB = rss[len(rss)/2]
	return m
}

func report(what string, ms []measure) {
	m := median(ms)
	var all []string
	for _, x := range ms {
		all = append(all, fmt.Sprintf("%.2fs", x.wall.Seconds()))
	}
	fmt.Printf("%s: median %.2fs (runs: %s), peak RSS %d MiB\n", what, m.wall.Seconds(), strings.Join(all, " "), m.rssMiB)
}

// writeImage writes a one-layer docker-archive from a (gzip) layer tarball.
func writeImage(out, layerPath string) error {
	layer, err := tarball.LayerFromFile(layerPath)
	if err != nil {
		return err
	}
	img, err := mutate.Append(empty.Image, mutate.Addendum{Layer: layer, History: v1.History{CreatedBy: "ADD " + filepath.Base(layerPath)}})
	if err != nil {
		return err
	}
	tag, err := name.NewTag("bench/image:latest")
	if err != nil {
		return err
	}
	return tarball.WriteToFile(out, tag, img)
}

// writeLayer writes a gzip tar of about size bytes: source-like text files of varied sizes,
// some binary files, directories; it returns the compressed size.
func writeLayer(path string, size int64) (int64, error) {
	f, err := os.Create(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	bw := bufio.NewWriterSize(f, 1<<20)
	zw := gzip.NewWriter(bw)
	tw := tar.NewWriter(zw)
	rng := rand.New(rand.NewPCG(1, 2))
	words := strings.Fields("func return if else for range package import var const type struct interface map string int error nil true false the of to and a in is it you that he was for on are with as his they be at one have this from or had by hot word but what some we can out other were all there when up use your how said an each she which do their time")
	var written int64
	buf := make([]byte, 0, 1<<20)
	for i := 0; written < size; i++ {
		if i%50 == 0 {
			tw.WriteHeader(&tar.Header{Name: fmt.Sprintf("srv/d%05d/", i/50), Typeflag: tar.TypeDir, Mode: 0o755})
		}
		n := int64(rng.ExpFloat64() * 24 * 1024)
		n = min(max(n, 64), 4<<20, size-written)
		buf = buf[:0]
		if i%10 == 0 {
			for int64(len(buf)) < n {
				buf = append(buf, byte(rng.Uint32()))
			}
		} else {
			for int64(len(buf)) < n {
				buf = append(buf, words[rng.IntN(len(words))]...)
				if rng.IntN(12) == 0 {
					buf = append(buf, '\n')
				} else {
					buf = append(buf, ' ')
				}
			}
			buf = buf[:n]
		}
		if err := tw.WriteHeader(&tar.Header{Name: fmt.Sprintf("srv/d%05d/f%07d.txt", i/50, i), Typeflag: tar.TypeReg, Mode: 0o644, Size: n}); err != nil {
			return 0, err
		}
		if _, err := tw.Write(buf); err != nil {
			return 0, err
		}
		written += n
	}
	for _, c := range []io.Closer{tw, zw} {
		if err := c.Close(); err != nil {
			return 0, err
		}
	}
	if err := bw.Flush(); err != nil {
		return 0, err
	}
	st, err := f.Stat()
	if err != nil {
		return 0, err
	}
	return st.Size(), nil
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// benchFormats measures `trawl convert` of a generated report of 10,000 packages and 5,000
// findings into each format (compilation cache warm): the time and peak RSS that writing
// the reports adds to a scan. The table and JSON figures include what every format pays
// (reading and decoding the report, loading the formatter module).
func benchFormats(bin, work string, runs int) {
	fmt.Println()
	fmt.Println("## Formatting a report of 10,000 packages and 5,000 findings (trawl convert)")
	path := filepath.Join(work, "big-report.json")
	body, err := json.Marshal(bigReport(10_000, 5_000))
	check(err)
	check(os.WriteFile(path, body, 0o644))
	cache := filepath.Join(work, "cache-formats")
	for _, f := range []string{"json", "table", "sarif", "cyclonedx", "spdx", "gitlab-container-scanning", "gitlab-dependency-scanning"} {
		out := filepath.Join(work, "out-"+f)
		var ms []measure
		for i := 0; i < runs; i++ {
			ms = append(ms, run(bin, "convert", path, "-f", f+"="+out, "--cache-dir", cache, "-q"))
		}
		st, err := os.Stat(out)
		check(err)
		m := median(ms)
		fmt.Printf("%-27s %.2fs, peak RSS %d MiB, output %.1f MiB\n", f+":", m.wall.Seconds(), m.rssMiB, float64(st.Size())/(1<<20))
	}
}

// bigReport is an image report with n OS and language packages and v findings spread over
// them, shaped as real ones (locations, layers, CVSS, several fixed versions).
func bigReport(n, v int) *sdk.Report {
	layer := "sha256:" + strings.Repeat("ab", 32)
	r := &sdk.Report{
		SchemaVersion: sdk.SchemaVersion,
		Tool:          sdk.Tool{Name: "trawl", Version: "bench"},
		CreatedAt:     time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC),
		Artifact:      sdk.Artifact{Name: "registry.example.com/big/app:1.0", Type: sdk.ArtifactImage, Layers: []sdk.Layer{{DiffID: layer, CreatedBy: "ADD rootfs /"}}},
		OS:            &sdk.OS{Family: "debian", Name: "Debian GNU/Linux", Version: "12"},
		Database:      &sdk.DBInfo{SchemaVersion: 2},
	}
	for i := range n {
		p := sdk.Package{Name: fmt.Sprintf("pkg-%d", i), Version: fmt.Sprintf("1.%d.%d", i%50, i%7), Type: "deb", Ecosystem: "Debian:12",
			Licenses: []string{"MIT"}, Locations: []sdk.Location{{Path: "var/lib/dpkg/status", LayerDiffID: layer}}}
		if i%2 == 1 {
			p.Type, p.Ecosystem = "npm", "npm"
			p.Locations = []sdk.Location{{Path: fmt.Sprintf("srv/app%d/package-lock.json", i%40), Line: 10 + i%1000, LayerDiffID: layer}}
		}
		p.PURL = fmt.Sprintf("pkg:%s/%s@%s", p.Type, p.Name, p.Version)
		r.Packages = append(r.Packages, p)
	}
	sev := []string{sdk.SeverityCritical, sdk.SeverityHigh, sdk.SeverityMedium, sdk.SeverityLow}
	for i := range v {
		p := r.Packages[(i*7)%n]
		id := fmt.Sprintf("CVE-2026-%05d", i)
		ghsa := fmt.Sprintf("GHSA-%04x-%04x-%04x", i, i*3%65536, i*7%65536)
		r.Vulnerabilities = append(r.Vulnerabilities, sdk.Vulnerability{
			ID: id, IDs: []string{id, ghsa}, Advisories: []string{ghsa},
			Package:  sdk.PackageRef{Name: p.Name, Version: p.Version, Type: p.Type, Ecosystem: p.Ecosystem, PURL: p.PURL},
			Summary:  "A flaw in " + p.Name + " lets a remote attacker do harm",
			Details:  strings.Repeat("Details of the flaw and of what it allows. ", 8),
			Severity: sev[i%4], SeveritySource: "CVSS_V3", CVSSScore: 9.8 - float64(i%4)*2,
			CVSSVector:    "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
			Status:        "fixed",
			FixedVersions: []string{p.Version + "-fix1", "2.0.0"},
			References:    []string{"https://nvd.nist.gov/vuln/detail/" + id},
			Locations:     p.Locations,
		})
	}
	return r
}
