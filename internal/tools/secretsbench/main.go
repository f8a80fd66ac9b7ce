// Command secretsbench measures trawl's secret scanning, for `make bench`: throughput and
// peak RSS of `trawl fs --scanners secret` over a generated source tree of about 500 MB, and
// its recall of about 2,000 secrets planted in that tree.
//
// The tree is generated from a fixed seed: code, configuration and prose full of the words
// secret rules key on (apiKey, password_hash, tokenizer, AWS_REGION...) but holding no
// credentials except the planted ones, each a matching example of a built-in rule. Recall is
// counted by location (path and lines), since a more specific rule may report a plant in
// place of the rule it was taken from; findings away from every plant are listed as false
// positives of the rules on ordinary text.
//
// Throughput is printed as a ratio to `cat` reading the same files: cat and trawl run in
// turns after a warm-up, and the median of the pairs' ratios is printed. The machines are
// noisy and their disks differ, and a ratio measured within one run is what stays
// comparable from one run, or machine, to the next.
package main

import (
	"bufio"
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/trawlscan/trawl/plugins/secrets/rules"
	"github.com/trawlscan/trawl/sdk"
)

func main() {
	trawl := flag.String("trawl", "", "the trawl binary to measure (required)")
	sizeFlag := flag.String("size", "500MB", "total size of the generated tree: bytes, or with a unit (KB, MB, GB, KiB, MiB, GiB)")
	dir := flag.String("dir", "", "generate the tree in this directory, which must be empty or absent (default: a new temporary directory)")
	keep := flag.Bool("keep", false, "keep the generated tree, the plant list and the report")
	seed := flag.Uint64("seed", 1, "seed of the generator")
	runs := flag.Int("runs", 5, "measured runs of cat and of trawl, in turns (medians are printed)")
	nPlants := flag.Int("plants", 2000, "secrets to plant")
	flag.Parse()
	if *trawl == "" || flag.NArg() > 0 || *runs < 1 || *nPlants < 0 {
		flag.Usage()
		os.Exit(2)
	}
	size, err := parseSize(*sizeFlag)
	check(err)
	bin, err := filepath.Abs(*trawl)
	check(err)
	all, err := rules.Load()
	check(err)

	work, err := os.MkdirTemp("", "trawl-secretsbench-")
	check(err)
	root, cleanup, err := treeDir(*dir, work)
	check(err)
	if *keep {
		defer fmt.Printf("kept: tree %s, plants and report in %s\n", root, work)
	} else {
		defer os.RemoveAll(work)
		defer cleanup()
	}

	t, err := plan(*seed, size, all, *nPlants)
	check(err)
	check(t.write(root))
	if *keep {
		check(t.writePlants(filepath.Join(work, "plants.tsv")))
	}
	fmt.Printf("secrets bench: %.1f MB in %s files, %s secrets planted (%d rules)\n",
		float64(t.bytes)/1e6, commas(len(t.files)), commas(len(t.plants)), len(all))

	// cat and trawl run in turns, and the ratio is taken within each pair: these machines'
	// speed drifts by tens of percent within minutes, which two series run one after the
	// other would read as a difference between them.
	report := filepath.Join(work, "report.json")
	var peakKiB int64
	scan := func() time.Duration {
		wall, rss := runTrawl(bin, root, report)
		peakKiB = max(peakKiB, rss)
		return wall
	}
	catFiles(root, t.files) // fills the page cache
	scan()                  // and trawl's compilation cache
	var catWalls, trawlWalls []time.Duration
	var ratios []float64
	for range *runs {
		c, w := catFiles(root, t.files), scan()
		catWalls, trawlWalls = append(catWalls, c), append(trawlWalls, w)
		ratios = append(ratios, c.Seconds()/w.Seconds())
	}
	rate := func(d time.Duration) float64 { return float64(t.bytes) / 1e6 / d.Seconds() }
	slices.Sort(ratios)
	fmt.Printf("cat:   %.1f MB/s (median of %d)\n", rate(median(catWalls)), *runs)
	fmt.Printf("trawl: %.1f MB/s (median of %d), ratio to cat %.2f (median of the %d pairs' ratios; %.2f to %.2f), peak RSS %d MiB\n",
		rate(median(trawlWalls)), *runs, ratios[len(ratios)/2], *runs, ratios[0], ratios[len(ratios)-1], peakKiB/1024)

	secrets, err := readSecrets(report)
	check(err)
	if !score(os.Stdout, t, secrets) {
		if !*keep {
			os.RemoveAll(work)
			cleanup()
		}
		os.Exit(1)
	}
}

// treeDir returns the directory to generate into and how to remove what was generated: a
// directory the user named is emptied, not removed, when it existed before.
func treeDir(dir, work string) (string, func(), error) {
	if dir == "" {
		root := filepath.Join(work, "tree")
		return root, func() { os.RemoveAll(root) }, os.Mkdir(root, 0o755)
	}
	entries, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return dir, func() { os.RemoveAll(dir) }, os.MkdirAll(dir, 0o755)
	case err != nil:
		return "", nil, err
	case len(entries) > 0:
		// Files of the user's would be scanned too and spoil both the rate and the recall.
		return "", nil, fmt.Errorf("%s is not empty", dir)
	}
	return dir, func() {
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			os.RemoveAll(filepath.Join(dir, e.Name()))
		}
	}, nil
}

// parseSize reads a byte count with an optional decimal (KB, MB, GB) or binary (KiB, MiB,
// GiB) unit.
func parseSize(s string) (int64, error) {
	units := []struct {
		suffix string
		mult   float64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"B", 1}}
	t := strings.TrimSpace(s)
	mult := 1.0
	for _, u := range units {
		if len(t) > len(u.suffix) && strings.EqualFold(t[len(t)-len(u.suffix):], u.suffix) {
			t, mult = strings.TrimSpace(t[:len(t)-len(u.suffix)]), u.mult
			break
		}
	}
	f, err := strconv.ParseFloat(t, 64)
	if err != nil || f <= 0 || math.IsInf(f, 0) {
		return 0, fmt.Errorf("size %q: want a positive number of bytes, optionally with a unit such as MB", s)
	}
	return int64(f * mult), nil
}

// A tree is the plan of the generated files and of the secrets planted in them. Its files
// are written concurrently, each from its own generator seeded by its index, so that the
// bytes depend on the seed alone.
type tree struct {
	seed   uint64
	files  []file
	plants []plant
	bytes  int64 // set by write
}

type file struct {
	path   string // slash-separated, relative to the root, as trawl reports it
	kind   string // the extension, which decides the content
	size   int    // bytes of generated text, before the plants
	plants []int  // indices into tree.plants
}

type plant struct {
	rule string
	text string
	file int
	// line is where the text starts in the written file (1-based) and lines how many it has.
	line, lines int
}

// Smallest and largest generated file.
const (
	minFile = 2 << 10
	maxFile = 200 << 10
)

// plan lays out files until their sizes reach total and assigns the plants: rule after rule,
// so that every rule is planted as evenly as the count allows, each time with the next of its
// examples, in a random file.
func plan(seed uint64, total int64, all []sdk.SecretRule, nPlants int) (*tree, error) {
	r := rand.New(rand.NewPCG(seed, 0x5ec2e75))
	t := &tree{seed: seed}
	var dirs []dir
	// About 25 files a directory, as in a real repository.
	for range max(8, int(total/(1<<20))) {
		dirs = append(dirs, newDir(r, len(dirs)))
	}
	taken := map[string]bool{}
	for sum := int64(0); sum < total; {
		d := dirs[r.IntN(len(dirs))]
		kind := pickWeighted(r, d.kinds)
		// Log-uniform: most files are small, a few large ones hold much of the bytes.
		size := int(math.Exp(math.Log(minFile) + r.Float64()*(math.Log(maxFile)-math.Log(minFile))))
		if kind == ".env" || kind == ".yaml" {
			size = min(size, 24<<10) // nobody writes a 200 KB .env
		}
		name := fileName(r, kind)
		p := d.path + "/" + name
		for i := 2; taken[p]; i++ {
			p = fmt.Sprintf("%s/%s_%d%s", d.path, strings.TrimSuffix(name, kind), i, kind)
		}
		taken[p] = true
		t.files = append(t.files, file{path: p, kind: kind, size: size})
		sum += int64(size)
	}
	for i := range nPlants {
		rule := all[i%len(all)]
		ex := rule.Examples.Match[(i/len(all))%len(rule.Examples.Match)]
		ex = strings.TrimRight(ex, "\n")
		// A file takes about one plant per 400 lines of its own, so that plants can keep their
		// distance from one another.
		// A file never holds the same example twice: trawl reports a secret once per file.
		var f int
		for try := 0; ; try++ {
			if try == 1e6 {
				return nil, fmt.Errorf("%d plants do not fit in %d files: plant fewer or generate more", nPlants, len(t.files))
			}
			f = r.IntN(len(t.files))
			if len(t.files[f].plants) < 1+t.files[f].size/(400*40) &&
				!slices.ContainsFunc(t.files[f].plants, func(j int) bool { return t.plants[j].text == ex }) {
				break
			}
		}
		t.plants = append(t.plants, plant{rule: rule.ID, text: ex, file: f, lines: strings.Count(ex, "\n") + 1})
		t.files[f].plants = append(t.files[f].plants, i)
	}
	return t, nil
}

// write generates every file under root.
func (t *tree) write(root string) error {
	made := map[string]bool{}
	for _, f := range t.files {
		d := filepath.Dir(filepath.Join(root, filepath.FromSlash(f.path)))
		if !made[d] {
			if err := os.MkdirAll(d, 0o755); err != nil {
				return err
			}
			made[d] = true
		}
	}
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
		next  = make(chan int)
	)
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				n, err := t.writeFile(root, i)
				mu.Lock()
				t.bytes += n
				if first == nil {
					first = err
				}
				mu.Unlock()
			}
		}()
	}
	for i := range t.files {
		next <- i
	}
	close(next)
	wg.Wait()
	return first
}

// writeFile writes file i with its plants, recording the lines where they start.
func (t *tree) writeFile(root string, i int) (int64, error) {
	f := &t.files[i]
	g := newGen(t.seed, uint64(i))
	lines := g.content(f.kind, f.size)
	// A plant goes before line at[k] (0-based), at least 5 lines from any other, and not
	// after a line that ends like an assignment missing its value ("password:"): rules allow
	// a few whitespace characters, newlines among them, between a key and its value, and the
	// two would read as one longer secret.
	at := make([]int, len(f.plants))
	for k := range f.plants {
		for try := 0; ; try++ {
			p := 1 + g.r.IntN(len(lines))
			last := strings.TrimRight(lines[p-1], " \t")
			ok := try > 1000 || !strings.HasSuffix(last, ":") && !strings.HasSuffix(last, "=")
			for _, q := range at[:k] {
				ok = ok && (p-q >= 5 || q-p >= 5)
			}
			if ok {
				at[k] = p
				break
			}
		}
	}
	order := make([]int, len(at))
	for k := range order {
		order[k] = k
	}
	slices.SortFunc(order, func(a, b int) int { return at[a] - at[b] })

	out, err := os.Create(filepath.Join(root, filepath.FromSlash(f.path)))
	if err != nil {
		return 0, err
	}
	w := bufio.NewWriterSize(out, 64<<10)
	var n int64
	put := func(s string) {
		m, _ := w.WriteString(s)
		n += int64(m)
		w.WriteByte('\n')
		n++
	}
	line, k := 0, 0
	for j := 0; j <= len(lines); j++ {
		for k < len(order) && at[order[k]] == j {
			// Blank lines keep the planted text from running into the generated lines.
			p := &t.plants[f.plants[order[k]]]
			put("")
			p.line = line + 2
			put(p.text)
			put("")
			line += p.lines + 2
			k++
		}
		if j < len(lines) {
			put(lines[j])
			line++
		}
	}
	if err := w.Flush(); err != nil {
		out.Close()
		return n, err
	}
	return n, out.Close()
}

// writePlants lists the plants (path, line, rule), for a look at a kept tree.
func (t *tree) writePlants(path string) error {
	var b bytes.Buffer
	for _, p := range t.plants {
		fmt.Fprintf(&b, "%s\t%d\t%s\n", t.files[p.file].path, p.line, p.rule)
	}
	return os.WriteFile(path, b.Bytes(), 0o644)
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

// catFiles runs cat over the files in batches, as xargs would, and reads what it writes: on
// Linux, cat writing to /dev/null itself may skip copying the bytes altogether.
func catFiles(root string, files []file) time.Duration {
	buf := make([]byte, 1<<20)
	start := time.Now()
	for i := 0; i < len(files); {
		args, n := []string{"--"}, 0
		for ; i < len(files) && n < 100<<10; i++ {
			args = append(args, files[i].path)
			n += len(files[i].path) + 1
		}
		cmd := exec.Command("cat", args...)
		cmd.Dir = root
		cmd.Stderr = os.Stderr
		out, err := cmd.StdoutPipe()
		check(err)
		check(cmd.Start())
		_, err = io.CopyBuffer(io.Discard, out, buf)
		check(err)
		check(cmd.Wait())
	}
	return time.Since(start)
}

// runTrawl scans root for secrets and returns the wall time and the peak RSS in KiB.
func runTrawl(bin, root, report string) (time.Duration, int64) {
	var stderr bytes.Buffer
	cmd := exec.Command(bin, "fs", root, "--scanners", "secret", "--skip-db", "--no-progress",
		"--timeout", "2h", "-f", "json", "-o", report)
	cmd.Stderr = &stderr
	start := time.Now()
	if err := cmd.Run(); err != nil {
		fmt.Fprintf(os.Stderr, "secretsbench: %s: %v\n%s", strings.Join(cmd.Args, " "), err, stderr.Bytes())
		os.Exit(1)
	}
	wall := time.Since(start)
	var rss int64
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		rss = ru.Maxrss // KiB on Linux
	}
	return wall, rss
}

func readSecrets(path string) ([]sdk.Secret, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var rep struct {
		Secrets []sdk.Secret `json:"secrets"`
	}
	if err := json.Unmarshal(data, &rep); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return rep.Secrets, nil
}

// score prints recall and the findings away from every plant, and reports whether every
// plant was found.
func score(w io.Writer, t *tree, secrets []sdk.Secret) bool {
	byPath := map[string][]int{}
	for i, s := range secrets {
		byPath[s.Location.Path] = append(byPath[s.Location.Path], i)
	}
	atPlant := make([]bool, len(secrets))
	ownFound := map[string]bool{}
	others := map[string]map[string]bool{} // rule -> the rules that reported its plants instead
	var missed []plant
	found, own := 0, 0
	for _, p := range t.plants {
		hit, hitOwn := false, false
		for _, i := range byPath[t.files[p.file].path] {
			s := secrets[i]
			end := max(s.EndLine, s.Location.Line)
			if s.Location.Line <= p.line+p.lines-1 && end >= p.line {
				atPlant[i] = true
				hit = true
				if s.RuleID == p.rule {
					hitOwn = true
				} else {
					if others[p.rule] == nil {
						others[p.rule] = map[string]bool{}
					}
					others[p.rule][s.RuleID] = true
				}
			}
		}
		switch {
		case !hit:
			missed = append(missed, p)
		case hitOwn:
			found++
			own++
			ownFound[p.rule] = true
		default:
			found++
		}
	}
	var extra []sdk.Secret
	for i, s := range secrets {
		if !atPlant[i] {
			extra = append(extra, s)
		}
	}
	pct := 100.0
	if len(t.plants) > 0 {
		pct = 100 * float64(found) / float64(len(t.plants))
	}
	fmt.Fprintf(w, "recall: %d/%d planted found (%.1f%%); by their own rule: %d; extra findings: %d\n",
		found, len(t.plants), pct, own, len(extra))

	var never []string
	seen := map[string]bool{}
	for _, p := range t.plants {
		if !ownFound[p.rule] && !seen[p.rule] {
			seen[p.rule] = true
			by := slices.Sorted(maps.Keys(others[p.rule]))
			if len(by) == 0 {
				never = append(never, p.rule)
			} else {
				never = append(never, p.rule+" (found as "+strings.Join(by, ", ")+")")
			}
		}
	}
	if len(never) > 0 {
		fmt.Fprintf(w, "rules never found by their own id (%d):\n", len(never))
		for _, s := range never {
			fmt.Fprintf(w, "  %s\n", s)
		}
	}
	if len(missed) > 0 {
		fmt.Fprintf(w, "missed plants (%d):\n", len(missed))
		for _, p := range missed {
			fmt.Fprintf(w, "  %s:%d %s\n", t.files[p.file].path, p.line, p.rule)
		}
	}
	if len(extra) > 0 {
		counts := map[string]int{}
		for _, s := range extra {
			counts[s.RuleID]++
		}
		var parts []string
		for _, id := range slices.Sorted(maps.Keys(counts)) {
			parts = append(parts, fmt.Sprintf("%s %d", id, counts[id]))
		}
		fmt.Fprintf(w, "extra findings by rule: %s\n", strings.Join(parts, ", "))
		slices.SortFunc(extra, func(a, b sdk.Secret) int {
			return cmp.Or(strings.Compare(a.Location.Path, b.Location.Path), a.Location.Line-b.Location.Line)
		})
		for _, s := range extra[:min(20, len(extra))] {
			fmt.Fprintf(w, "  %s:%d %s %q\n", s.Location.Path, s.Location.Line, s.RuleID, s.Match)
		}
		if len(extra) > 20 {
			fmt.Fprintf(w, "  ... and %d more\n", len(extra)-20)
		}
	}
	return len(missed) == 0
}

// commas writes n with thousands separators.
func commas(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "secretsbench:", err)
		os.Exit(1)
	}
}

// The generator. Lines come from templates whose ⟨name⟩ placeholders are filled at random
// (see gen.fill); the words are those of ordinary code and configuration, including the ones
// secret rules use as keywords, so that the rules' prefilters pass often and their regexes
// run over plenty of text that looks like, but is not, an assignment of a credential.

type weighted struct {
	v string
	w int
}

func pickWeighted(r *rand.Rand, ws []weighted) string {
	total := 0
	for _, x := range ws {
		total += x.w
	}
	n := r.IntN(total)
	for _, x := range ws {
		if n -= x.w; n < 0 {
			return x.v
		}
	}
	panic("unreachable")
}

func pick(r *rand.Rand, list []string) string { return list[r.IntN(len(list))] }

// A dir is a directory of the tree and the mix of files it holds.
type dir struct {
	path  string
	kinds []weighted
}

func newDir(r *rand.Rand, i int) dir {
	w, w2 := pick(r, nouns), pick(r, nouns)
	switch pickWeighted(r, []weighted{{"go", 30}, {"py", 25}, {"js", 25}, {"config", 10}, {"docs", 10}}) {
	case "go":
		p := fmt.Sprintf("src/pkg%02d/%s", i%100, w)
		if r.IntN(3) == 0 {
			p = fmt.Sprintf("services/%s-%s/internal/%s", w, w2, pick(r, nouns))
		}
		return dir{p, []weighted{{".go", 80}, {".md", 5}, {".yaml", 5}, {".json", 4}, {".txt", 6}}}
	case "py":
		return dir{fmt.Sprintf("python/%s_%s/%s", w, w2, pick(r, nouns)), []weighted{{".py", 80}, {".txt", 5}, {".md", 5}, {".yaml", 4}, {".json", 3}, {".env", 3}}}
	case "js":
		return dir{fmt.Sprintf("web/packages/%s-%s/src/%s", w, w2, pick(r, nouns)), []weighted{{".js", 78}, {".json", 10}, {".md", 5}, {".env", 3}, {".yaml", 4}}}
	case "config":
		return dir{fmt.Sprintf("deploy/%s/%s-%s", pick(r, envs), w, w2), []weighted{{".yaml", 55}, {".json", 20}, {".env", 15}, {".md", 5}, {".txt", 5}}}
	default:
		return dir{fmt.Sprintf("docs/%s/%s", w, w2), []weighted{{".md", 70}, {".txt", 30}}}
	}
}

func fileName(r *rand.Rand, kind string) string {
	a, b := pick(r, nouns), pick(r, append(nouns, kwHeads...))
	switch kind {
	case ".js":
		return a + upper(b) + kind
	case ".md":
		return strings.ToUpper(a[:1]) + a[1:] + "-" + b + kind
	case ".env":
		return pick(r, envs) + kind
	}
	return a + "_" + b + kind
}

var (
	nouns = strings.Fields(`user account order invoice payment cart item product cache config client
		server request response handler session event message queue worker job task schedule
		record report metric counter buffer stream file path node cluster bucket region zone
		tenant project team member role policy rule scope permission header cookie route
		endpoint service provider registry image layer manifest index entry batch chunk page
		cursor filter query result error retry timeout limit quota plugin module package
		version release build deploy webhook notification email template store backend
		frontend gateway proxy router middleware session profile avatar upload download
		export import parser lexer scanner writer reader encoder decoder`)
	verbs = strings.Fields(`get set load save parse build fetch create update delete list find
		validate check verify refresh rotate encode decode sign render handle process sync
		resolve merge apply init close open read write send receive register lookup store
		format split join compute normalize`)
	adjs = strings.Fields(`default current next previous max min new old raw local remote cached
		pending active valid expired primary internal public shared`)
	kwHeads = strings.Fields(`api auth token secret password session oauth aws github gitlab
		signing encryption access refresh credential master private jwt login key bearer`)
	kwTails = strings.Fields(`Key Token Header Name Path File URL Hash Policy Provider Client
		Count TTL Expiry Store Ref Manager Region Scope ID Config Version Prefix Length Rotation
		Cache Endpoint Timeout Env Format Type Source`)
	kwFixed = strings.Fields(`tokenizer tokens passwordHash hashedPassword keyring secretsManager
		authMiddleware awsRegion githubOrg githubRepo apiClient authHeader tokenSource
		credentialsFile keyID sessionStore bearerFormat signingMethod`)
	envs    = strings.Fields(`production staging development test local qa`)
	regions = strings.Fields(`us-east-1 us-west-2 eu-west-1 eu-central-1 ap-southeast-1 ap-northeast-1`)
	levels  = strings.Fields(`INFO INFO INFO DEBUG WARN ERROR`)
)

func upper(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// toSnake turns a camelCase identifier into snake_case, keeping acronyms whole (tokenTTL:
// token_ttl).
func toSnake(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' {
			if i > 0 && s[i-1] >= 'a' && s[i-1] <= 'z' {
				b.WriteByte('_')
			}
			c += 'a' - 'A'
		}
		b.WriteByte(c)
	}
	return b.String()
}

type gen struct {
	r    *rand.Rand
	b    []byte
	last map[string]string // the last value of each placeholder, for ⟨name^⟩
}

func newGen(seed, i uint64) *gen {
	return &gen{r: rand.New(rand.NewPCG(seed, i)), last: map[string]string{}}
}

func (g *gen) pick(list []string) string { return pick(g.r, list) }

// kid is an identifier that often has a keyword in it (apiKey, tokenTTL, passwordHash):
// with the fixed lines that name keywords, they occur 1 to 6 times a kilobyte, a few times
// as often as in trawl's own source (which is about secrets), so the prefilter is no help.
func (g *gen) kid() string {
	switch g.r.IntN(8) {
	case 0:
		return g.pick(kwFixed)
	case 1:
		return g.pick(kwHeads) + g.pick(kwTails)
	}
	return g.id()
}

func (g *gen) id() string {
	switch g.r.IntN(3) {
	case 0:
		return g.pick(nouns)
	case 1:
		return g.pick(adjs) + upper(g.pick(nouns))
	}
	return g.pick(verbs) + upper(g.pick(nouns))
}

func (g *gen) hex(n int) string {
	const digits = "0123456789abcdef"
	b := make([]byte, n)
	for i := range b {
		b[i] = digits[g.r.IntN(16)]
	}
	return string(b)
}

func (g *gen) sentence() string {
	n := 6 + g.r.IntN(10)
	words := make([]string, 0, n+1)
	for i := range n {
		switch {
		case i%3 == 1 && g.r.IntN(2) == 0:
			words = append(words, g.pick([]string{"the", "a", "each", "its", "this", "every", "no"}))
		case g.r.IntN(40) == 0:
			words = append(words, g.pick([]string{"token", "key", "secret", "password", "auth",
				"API", "AWS", "GitHub", "credentials", "bearer token", "API key", "session"}))
		case g.r.IntN(3) == 0:
			words = append(words, g.pick(verbs)+"s")
		case g.r.IntN(4) == 0:
			words = append(words, g.pick([]string{"before", "after", "when", "if", "and", "or", "with", "from", "to", "for", "in"}))
		default:
			words = append(words, g.pick(nouns))
		}
	}
	return upper(strings.Join(words, " ")) + "."
}

// fill expands the placeholders of a template.
func (g *gen) fill(t string) string {
	g.b = g.b[:0]
	for {
		i := strings.Index(t, "⟨")
		if i < 0 {
			break
		}
		j := strings.Index(t[i:], "⟩")
		g.b = append(g.b, t[:i]...)
		name := t[i+len("⟨") : i+j]
		var v string
		if base, ok := strings.CutSuffix(name, "^"); ok {
			// Code passes a value on under its own name (api_key=api_key), and a template
			// that did not would write unlikely code: an identifier assigned to a keyword.
			v = g.last[base]
		} else {
			v = g.value(name)
			g.last[name] = v
		}
		g.b = append(g.b, v...)
		t = t[i+j+len("⟩"):]
	}
	g.b = append(g.b, t...)
	return string(g.b)
}

func (g *gen) value(name string) string {
	switch name {
	case "id":
		return g.id()
	case "Id":
		return upper(g.id())
	case "snake":
		return toSnake(g.id())
	case "SNAKE":
		return strings.ToUpper(toSnake(g.id()))
	case "kebab":
		return g.pick(nouns) + "-" + g.pick(nouns)
	case "kid":
		return g.kid()
	case "Kid":
		return upper(g.kid())
	case "ksnake":
		return toSnake(g.kid())
	case "KSNAKE":
		return strings.ToUpper(toSnake(g.kid()))
	case "noun":
		return g.pick(nouns)
	case "Noun":
		return upper(g.pick(nouns))
	case "verb":
		return g.pick(verbs)
	case "Verb":
		return upper(g.pick(verbs))
	case "adj":
		return g.pick(adjs)
	case "sentence":
		return g.sentence()
	case "n":
		return strconv.Itoa(1 + g.r.IntN(999))
	case "port":
		return strconv.Itoa(g.pickInt([]int{80, 443, 3000, 5432, 6379, 8080, 8443, 9090}))
	case "version":
		return fmt.Sprintf("%d.%d.%d", g.r.IntN(5), g.r.IntN(30), g.r.IntN(20))
	case "region":
		return g.pick(regions)
	case "env":
		return g.pick(envs)
	case "level":
		return g.pick(levels)
	case "uuid":
		return g.hex(8) + "-" + g.hex(4) + "-4" + g.hex(3) + "-a" + g.hex(3) + "-" + g.hex(12)
	case "hex8":
		return g.hex(8)
	case "sha":
		return g.hex(40)
	case "sha256":
		return g.hex(64)
	case "time":
		return fmt.Sprintf("2024-%02d-%02dT%02d:%02d:%02d.%03dZ", 1+g.r.IntN(12), 1+g.r.IntN(28),
			g.r.IntN(24), g.r.IntN(60), g.r.IntN(60), g.r.IntN(1000))
	case "integrity":
		b := make([]byte, 86)
		const b64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
		for i := range b {
			b[i] = b64[g.r.IntN(64)]
		}
		return "sha512-" + string(b) + "=="
	}
	panic("unknown placeholder " + name)
}

// pickInt is pick for ints.
func (g *gen) pickInt(list []int) int { return list[g.r.IntN(len(list))] }

// content returns the lines of a file of the kind, about size bytes long.
func (g *gen) content(kind string, size int) []string {
	var lines []string
	n := 0
	add := func(ls ...string) {
		for _, l := range ls {
			lines = append(lines, l)
			n += len(l) + 1
		}
	}
	lang := langs[kind]
	for _, t := range lang.head {
		add(g.fill(t))
	}
	for n < size {
		b := lang.blocks[g.r.IntN(len(lang.blocks))]
		for _, t := range b.open {
			add(g.fill(t))
		}
		for range b.min + g.r.IntN(b.max-b.min+1) {
			// A template may hold several lines (an if and its body).
			add(strings.Split(g.fill(pick(g.r, b.body)), "\n")...)
		}
		for _, t := range b.close {
			add(g.fill(t))
		}
	}
	return lines
}

// A lang is how files of one kind are written: a head, then blocks (a function, a section)
// until the file is long enough.
type lang struct {
	head   []string
	blocks []block
}

// A block is its open lines, min to max lines drawn from body, and its close lines.
type block struct {
	open, body, close []string
	min, max          int
}

var langs = map[string]lang{
	".go": {
		head: []string{"// Package ⟨noun⟩ ⟨sentence⟩", "package ⟨noun⟩", "", "import (", "\t\"context\"",
			"\t\"errors\"", "\t\"fmt\"", "\t\"os\"", "", "\t\"github.com/acme/⟨kebab⟩/internal/⟨noun⟩\"", ")", ""},
		blocks: []block{{
			open: []string{"// ⟨Verb⟩⟨Noun⟩ ⟨sentence⟩",
				"func (s *⟨Noun⟩Service) ⟨Verb⟩⟨Noun⟩(ctx context.Context, ⟨id⟩ string) (*⟨Noun⟩, error) {"},
			body: []string{
				"\t⟨kid⟩ := cfg.Get(\"⟨ksnake⟩\")",
				"\t⟨kid⟩, err := s.⟨verb⟩⟨Noun⟩(ctx, ⟨id⟩)\n\tif err != nil {\n\t\treturn nil, fmt.Errorf(\"⟨verb⟩ ⟨noun⟩ %s: %w\", ⟨id⟩, err)\n\t}",
				"\t// ⟨sentence⟩",
				"\t// ⟨sentence⟩\n\t// ⟨sentence⟩",
				"\treq.Header.Set(\"Authorization\", \"Bearer \"+⟨kid⟩)",
				"\ts.⟨kid⟩ = os.Getenv(\"⟨KSNAKE⟩\")",
				"\tlog.Printf(\"⟨verb⟩ ⟨noun⟩ %s (⟨kid⟩ %s)\", ⟨id⟩, redact(⟨kid⟩))",
				"\tfor _, tok := range tokenizer.Split(⟨id⟩) {\n\t\t⟨id⟩ = append(⟨id⟩, tok)\n\t}",
				"\tsum := sha256.Sum256([]byte(⟨kid⟩))",
				"\tconst query = \"SELECT id, email, password_hash FROM users WHERE ⟨snake⟩ = $1\"",
				"\tctx, cancel := context.WithTimeout(ctx, ⟨n⟩*time.Second)\n\tdefer cancel()",
				"\t⟨id⟩ := &⟨Noun⟩{Name: ⟨id⟩, ⟨Kid⟩: cfg.⟨Kid^⟩, Region: \"⟨region⟩\"}",
				"\tif ⟨kid⟩ == \"\" {\n\t\treturn nil, errors.New(\"⟨ksnake⟩ is not set\")\n\t}",
				"\ts.metrics.Inc(\"⟨snake⟩_total\", ⟨n⟩)",
				"\tkey := fmt.Sprintf(\"%s/%s\", s.prefix, ⟨id⟩)",
				"\tclient := github.NewClient(httpClient).WithAuthToken(⟨kid⟩)",
				"\tsess := session.Must(session.NewSession(&aws.Config{Region: aws.String(\"⟨region⟩\")}))",
				"\tif ok := hmac.Equal(sig, expected); !ok {\n\t\treturn nil, ErrBad⟨Noun⟩\n\t}",
			},
			close: []string{"\treturn ⟨id⟩, nil", "}", ""}, min: 3, max: 14,
		}, {
			open: []string{"// ⟨Noun⟩Config ⟨sentence⟩", "type ⟨Noun⟩Config struct {"},
			body: []string{
				"\t⟨Kid⟩ string `json:\"⟨ksnake⟩,omitempty\" yaml:\"⟨ksnake⟩\"`",
				"\t⟨Id⟩ int `json:\"⟨snake⟩\"`",
				"\t// ⟨sentence⟩",
				"\t⟨Id⟩ time.Duration `json:\"⟨snake⟩\"`",
			},
			close: []string{"}", ""}, min: 2, max: 10,
		}, {
			open: []string{"const ("},
			body: []string{
				"\t⟨kid⟩Env = \"⟨KSNAKE⟩\"",
				"\tdefault⟨Noun⟩Timeout = ⟨n⟩ * time.Millisecond",
				"\t⟨id⟩Prefix = \"⟨noun⟩/\"",
			},
			close: []string{")", ""}, min: 2, max: 6,
		}},
	},
	".py": {
		head: []string{"\"\"\"⟨sentence⟩\"\"\"", "", "import os", "import logging", "from typing import Optional", "",
			"from ⟨snake⟩.⟨noun⟩ import ⟨Noun⟩Client", "", "logger = logging.getLogger(__name__)", ""},
		blocks: []block{{
			open: []string{"", "def ⟨verb⟩_⟨snake⟩(⟨snake⟩, ⟨ksnake⟩: Optional[str] = None):", "    \"\"\"⟨sentence⟩\"\"\""},
			body: []string{
				"    ⟨ksnake⟩ = os.environ.get(\"⟨KSNAKE⟩\")",
				"    password_hash = bcrypt.hashpw(password.encode(\"utf-8\"), bcrypt.gensalt())",
				"    # ⟨sentence⟩",
				"    headers = {\"Authorization\": f\"Bearer {⟨ksnake⟩}\", \"Accept\": \"application/json\"}",
				"    logger.info(\"⟨verb⟩ %s for %s\", ⟨snake⟩, ⟨snake⟩)",
				"    if not ⟨ksnake⟩:\n        raise ValueError(\"missing ⟨ksnake⟩\")",
				"    result = ⟨snake⟩.⟨verb⟩(⟨snake⟩, timeout=⟨n⟩)",
				"    tokens = tokenizer.tokenize(⟨snake⟩)",
				"    s3 = boto3.client(\"s3\", region_name=\"⟨region⟩\")",
				"    return {\"⟨snake⟩\": ⟨snake^⟩, \"⟨ksnake⟩\": ⟨snake⟩.⟨ksnake^⟩}",
				"    for ⟨snake⟩ in ⟨snake⟩s:\n        ⟨snake⟩.append(⟨snake⟩)",
				"    ⟨snake⟩ = ⟨snake⟩.get(\"⟨snake⟩\", ⟨n⟩)",
				"    if ⟨snake⟩ is None:\n        return None",
				"    ⟨snake⟩ = [x for x in ⟨snake⟩ if x.⟨snake⟩]",
				"    ⟨snake⟩ += 1",
				"    with open(⟨snake⟩, \"r\") as fh:\n        data = fh.read()",
				"    ⟨snake⟩ = ⟨Noun⟩⟨Noun⟩(⟨snake⟩, max_⟨noun⟩=⟨n⟩)",
				"    return ⟨snake⟩",
			},
			min: 3, max: 12,
		}, {
			open: []string{"", "class ⟨Noun⟩⟨Noun⟩:", "    \"\"\"⟨sentence⟩\"\"\"", "",
				"    def __init__(self, ⟨snake⟩, ⟨ksnake⟩=None):"},
			body: []string{
				"        self.⟨ksnake⟩ = ⟨ksnake^⟩ or settings.⟨KSNAKE⟩",
				"        self.⟨snake⟩ = ⟨snake⟩",
				"        # ⟨sentence⟩",
				"        self._client = ⟨Noun⟩Client(api_key=api_key, region=\"⟨region⟩\")",
				"        self._client = ⟨Noun⟩Client(api_key=self.⟨ksnake⟩, timeout=⟨n⟩)",
				"        self.⟨snake⟩ = ⟨snake^⟩",
				"        self._⟨snake⟩ = {}",
				"        self.⟨snake⟩ = ⟨n⟩",
				"        self.⟨snake⟩ = ⟨snake⟩ or []",
			},
			min: 2, max: 8,
		}},
	},
	".js": {
		head: []string{"'use strict';", "", "const ⟨id⟩ = require('./⟨noun⟩');", "const { ⟨id⟩ } = require('../⟨noun⟩/⟨noun⟩');", ""},
		blocks: []block{{
			open: []string{"", "/**", " * ⟨sentence⟩", " */", "async function ⟨verb⟩⟨Noun⟩(⟨id⟩, ⟨kid⟩) {"},
			body: []string{
				"  const ⟨kid⟩ = process.env.⟨KSNAKE⟩;",
				"  const ⟨id⟩ = await ⟨id⟩.⟨verb⟩⟨Noun⟩(⟨id⟩);",
				"  // ⟨sentence⟩",
				"  if (!⟨kid⟩) throw new Error('⟨kid⟩ is required');",
				"  const res = await fetch(`${baseUrl}/⟨noun⟩/${⟨id⟩}`, { headers: { 'X-Api-Key': config.⟨kid⟩ } });",
				"  const tokens = tokenizer.tokenize(⟨id⟩);",
				"  headers.Authorization = `Bearer ${⟨kid⟩}`;",
				"  logger.debug('⟨verb⟩ ⟨noun⟩', { ⟨id⟩, ⟨kid⟩: redact(⟨kid⟩) });",
				"  for (const ⟨id⟩ of ⟨id⟩s) {\n    ⟨id⟩.push(⟨id⟩);\n  }",
				"  const ⟨id⟩ = ⟨id⟩.map((x) => x.⟨id⟩);",
				"  if (⟨id⟩.length > ⟨n⟩) {\n    return null;\n  }",
				"  let ⟨id⟩ = 0;",
				"  ⟨id⟩ += ⟨n⟩;",
				"  const { ⟨id⟩, ⟨id⟩ } = ⟨id⟩;",
				"  await ⟨id⟩.⟨verb⟩(⟨id⟩, { ⟨id⟩: true });",
			},
			close: []string{"  return ⟨id⟩;", "}"}, min: 3, max: 12,
		}, {
			open: []string{"", "const ⟨id⟩Config = {"},
			body: []string{
				"  ⟨kid⟩: process.env.⟨KSNAKE⟩ || '',",
				"  ⟨id⟩: ⟨n⟩,",
				"  region: '⟨region⟩',",
				"  ⟨kid⟩Header: 'X-⟨Noun⟩-Id',",
			},
			close: []string{"};", "module.exports.⟨id⟩ = ⟨id⟩;"}, min: 2, max: 8,
		}},
	},
	".yaml": {
		head: []string{"# ⟨sentence⟩", "apiVersion: apps/v1", "kind: Deployment", "metadata:", "  name: ⟨kebab⟩", "spec:"},
		blocks: []block{{
			open: []string{"  - name: ⟨kebab⟩", "    image: ghcr.io/acme/⟨kebab⟩:⟨version⟩", "    env:"},
			body: []string{
				"    - name: ⟨KSNAKE⟩\n      valueFrom:\n        secretKeyRef:\n          name: ⟨kebab⟩-credentials\n          key: ⟨ksnake⟩",
				"    - name: AWS_REGION\n      value: ⟨region⟩",
				"    - name: ⟨SNAKE⟩\n      value: \"⟨n⟩\"",
				"    - name: ⟨SNAKE⟩\n      value: ⟨noun⟩",
				"    - name: ⟨SNAKE⟩_URL\n      value: http://⟨noun⟩.⟨env⟩.svc:⟨port⟩",
				"    resources:\n      limits:\n        cpu: ⟨n⟩m\n        memory: ⟨n⟩Mi",
				"    # ⟨sentence⟩",
			},
			min: 2, max: 8,
		}, {
			open: []string{"⟨snake⟩:"},
			body: []string{
				"  ⟨snake⟩: ⟨noun⟩",
				"  ⟨kid⟩: ${⟨KSNAKE⟩}",
				"  passwordFile: /run/secrets/⟨ksnake⟩",
				"  tokenTTL: ⟨n⟩m",
				"  secretName: ⟨kebab⟩-tls",
				"  region: ⟨region⟩",
				"  endpoint: https://⟨noun⟩.⟨env⟩.internal:⟨port⟩/⟨noun⟩",
				"  digest: sha256:⟨sha256⟩",
				"  ⟨snake⟩: ⟨n⟩",
				"  ⟨snake⟩: true",
				"  ⟨snake⟩: \"⟨noun⟩\"",
				"  replicas: ⟨n⟩",
				"  ⟨snake⟩:\n    - ⟨noun⟩\n    - ⟨noun⟩",
				"  # ⟨sentence⟩",
			},
			min: 2, max: 10,
		}},
	},
	".json": {
		head: []string{"{", "  \"name\": \"@acme/⟨kebab⟩\",", "  \"version\": \"⟨version⟩\","},
		blocks: []block{{
			open: []string{"  \"⟨id⟩\": {"},
			body: []string{
				"    \"⟨id⟩\": \"⟨noun⟩\",",
				"    \"⟨kid⟩Header\": \"X-Api-Key\",",
				"    \"⟨kid⟩\": \"${⟨KSNAKE⟩}\",",
				"    \"⟨id⟩\": ⟨n⟩,",
				"    \"region\": \"⟨region⟩\",",
				"    \"description\": \"⟨sentence⟩\",",
			},
			close: []string{"    \"enabled\": true", "  },"}, min: 2, max: 8,
		}, {
			open: []string{"  \"node_modules/⟨kebab⟩\": {"},
			body: []string{
				"    \"resolved\": \"https://registry.npmjs.org/⟨kebab⟩/-/⟨kebab⟩-⟨version⟩.tgz\",",
				"    \"integrity\": \"⟨integrity⟩\",",
				"    \"license\": \"MIT\",",
			},
			close: []string{"    \"version\": \"⟨version⟩\"", "  },"}, min: 2, max: 3,
		}},
	},
	".env": {
		head: []string{"# ⟨sentence⟩", "APP_ENV=⟨env⟩", "PORT=⟨port⟩"},
		blocks: []block{{
			open: []string{"", "# ⟨sentence⟩"},
			body: []string{
				"⟨SNAKE⟩=⟨noun⟩",
				"⟨KSNAKE⟩=",
				"⟨KSNAKE⟩=${⟨KSNAKE⟩}",
				"⟨KSNAKE⟩=<your-⟨kebab⟩>",
				"AWS_REGION=⟨region⟩",
				"DATABASE_URL=postgres://localhost:5432/⟨snake⟩",
				"⟨SNAKE⟩_TIMEOUT=⟨n⟩s",
				"LOG_LEVEL=info",
			},
			min: 2, max: 8,
		}},
	},
	".md": {
		head: []string{"# ⟨Noun⟩ ⟨noun⟩", "", "⟨sentence⟩ ⟨sentence⟩", ""},
		blocks: []block{{
			open: []string{"## ⟨Verb⟩ the ⟨noun⟩", ""},
			body: []string{
				"⟨sentence⟩ ⟨sentence⟩ ⟨sentence⟩",
				"Set `⟨KSNAKE⟩` to the ⟨noun⟩ ⟨kid⟩ before you run `⟨verb⟩`; ⟨sentence⟩",
				"- ⟨sentence⟩",
				"",
				"Fixed in commit ⟨sha⟩ (see #⟨n⟩).",
				"```sh\nexport GITHUB_TOKEN=<your token>\naws s3 cp ./dist s3://⟨kebab⟩/ --recursive --region ⟨region⟩\n```",
			},
			close: []string{""}, min: 3, max: 10,
		}},
	},
	".txt": {
		head: []string{"⟨sentence⟩"},
		blocks: []block{{
			body: []string{
				"⟨time⟩ ⟨level⟩ ⟨noun⟩: ⟨verb⟩ ⟨noun⟩ id=⟨uuid⟩ duration=⟨n⟩ms",
				"⟨time⟩ WARN auth: token expired for user=⟨n⟩ session=⟨hex8⟩",
				"⟨time⟩ INFO ⟨noun⟩: refreshed ⟨kid⟩ for tenant=⟨kebab⟩ request_id=⟨uuid⟩",
				"⟨time⟩ ERROR ⟨noun⟩: ⟨verb⟩ failed: ⟨sentence⟩",
				"⟨sentence⟩ ⟨sentence⟩",
			},
			min: 5, max: 30,
		}},
	},
}
