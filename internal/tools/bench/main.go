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
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
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
	flag.Parse()
	work, err := os.MkdirTemp("", "trawl-bench")
	check(err)
	defer os.RemoveAll(work)
	bin, err := filepath.Abs(*trawl)
	check(err)

	fmt.Println("## Alpine 3.20 image scan (docker-archive, one layer)")
	alpine := filepath.Join(work, "alpine-3.20.tar")
	check(writeImage(alpine, filepath.Join(*corpus, "rootfs/alpine/alpine-minirootfs-3.20.3-x86_64.tar.gz")))
	var cold, warm []measure
	for i := 0; i < *runs; i++ {
		cache := filepath.Join(work, fmt.Sprintf("cache-%d", i))
		cold = append(cold, run(bin, "image", "--input", alpine, "-f", "json", "-o", os.DevNull, "--cache-dir", cache, "-q", "--skip-db"))
		warm = append(warm, run(bin, "image", "--input", alpine, "-f", "json", "-o", os.DevNull, "--cache-dir", cache, "-q", "--skip-db"))
	}
	report("cold (empty compilation cache)", cold)
	report("warm (compilation cache filled)", warm)

	benchDB(bin, *corpus, work)

	fmt.Println()
	fmt.Println("## Walker throughput on a generated gzip layer, against `gzip -dc | tar -t`")
	for _, mib := range []int64{*big / 4, *big} {
		layer := filepath.Join(work, fmt.Sprintf("layer-%d.tar.gz", mib))
		size, err := writeLayer(layer, mib<<20)
		check(err)
		img := filepath.Join(work, fmt.Sprintf("big-%d.tar", mib))
		check(writeImage(img, layer))
		cache := filepath.Join(work, "cache-0")
		var ours, ref []measure
		for i := 0; i < *runs; i++ {
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
