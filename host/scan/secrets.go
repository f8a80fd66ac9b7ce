package scan

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"regexp"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/trawlscan/trawl/host/plugin"
	"github.com/trawlscan/trawl/host/secrets"
	"github.com/trawlscan/trawl/host/walk"
	"github.com/trawlscan/trawl/sdk"
)

// SecretOptions configure secret scanning (WithSecrets).
type SecretOptions struct {
	// Config is the user's configuration (custom rules, allowlists, size limit); nil for
	// none.
	Config *secrets.Config
	// Baseline holds fingerprints of findings to leave out.
	Baseline map[string]bool
	// Show reports secrets unredacted.
	Show bool
}

// secretRule is what the scanner knows of a rule beyond the engine: who owns it and how it
// is described.
type secretRule struct {
	plugin   int // index in the scanner's analyzers; -1 for a rule of the user's config
	analyzer string
	confirm  bool
	title    string
	category string
	severity string
}

// secretScanner implements walk.SecretScanner over the native engine, the owners' confirm
// calls, the user's allowlists and redaction.
type secretScanner struct {
	engine      *secrets.Engine
	rules       map[string]secretRule
	plugins     []plugin.Analyzer
	maxSize     int64
	allowPaths  []*regexp.Regexp
	allowValues []*regexp.Regexp
	show        bool
	// scanned counts the text files the rules ran over, for the rule owners' status.
	scanned atomic.Int64
	log     *slog.Logger

	// workers bounds the scans running at once (and so the copies of files held); wg waits
	// for them; bufs recycles the copies.
	workers chan struct{}
	wg      sync.WaitGroup
	bufs    sync.Pool
	// found holds what each file gave, by layer index and path.
	mu    sync.Mutex
	found map[int]map[string]fileSecrets
	// ctx is the scan's: workers outlive the walk of their layer, whose context ends
	// with it.
	ctx context.Context
}

// owns reports whether any rule run is plugin i's.
func (s *secretScanner) owns(i int) bool {
	for _, r := range s.rules {
		if r.plugin == i {
			return true
		}
	}
	return false
}

// newSecretScanner compiles the rules of the analyzers that carry secret rules and of the
// configuration. It returns nil when no rule is left.
func newSecretScanner(ctx context.Context, plugins []plugin.Analyzer, opt SecretOptions, log *slog.Logger) (*secretScanner, error) {
	s := &secretScanner{rules: map[string]secretRule{}, plugins: plugins, maxSize: secrets.DefaultMaxFileSize, show: opt.Show, log: log,
		workers: make(chan struct{}, runtime.GOMAXPROCS(0)), found: map[int]map[string]fileSecrets{}, ctx: ctx}
	var base []sdk.SecretRule
	for i, p := range plugins {
		for _, a := range p.Manifest().Analyzers {
			// An analyzer that flags no rule confirms them all (ABI 1.1).
			all := a.Confirm && !slices.ContainsFunc(a.SecretRules, func(r sdk.SecretRule) bool { return r.Confirm })
			for _, r := range a.SecretRules {
				if prev, ok := s.rules[r.ID]; ok {
					return nil, fmt.Errorf("secret rule %s is declared by both %s and %s", r.ID, plugins[prev.plugin].Manifest().Name, p.Manifest().Name)
				}
				s.rules[r.ID] = secretRule{plugin: i, analyzer: a.Name, confirm: a.Confirm && (r.Confirm || all), title: r.Title, category: r.Category, severity: r.Severity}
				base = append(base, r)
			}
		}
	}
	rules := base
	if c := opt.Config; c != nil {
		var err error
		if rules, err = c.Apply(base); err != nil {
			return nil, fmt.Errorf("secret configuration: %w", err)
		}
		for _, r := range c.Rules {
			// A user's rule is the user's, even with a built-in id: no plugin confirms it.
			s.rules[r.ID] = secretRule{plugin: -1, title: r.Title, category: r.Category, severity: r.Severity}
		}
		if c.MaxSize > 0 {
			s.maxSize = c.MaxSize
		}
		for _, p := range c.Allow.Paths {
			s.allowPaths = append(s.allowPaths, regexp.MustCompile(p))
		}
		for _, v := range c.Allow.Values {
			s.allowValues = append(s.allowValues, regexp.MustCompile(v))
		}
	}
	if len(rules) == 0 {
		return nil, nil
	}
	for i := range rules {
		if len(rules[i].Examples.Match) == 0 {
			rules[i].Examples.Match = []string{"-"} // a user's rule; see secrets.Config
		}
	}
	e, err := secrets.Compile(rules)
	if err != nil {
		return nil, err
	}
	s.engine = e
	return s, nil
}

// asyncMax is the largest file copied and scanned by a worker: scanning then runs on every
// core while the walker reads on. Larger files are scanned as they stream, in the walker's
// goroutine, in bounded memory.
const asyncMax = 1 << 20

// fileSecrets is what the scan of one file gave.
type fileSecrets struct {
	secrets []sdk.Secret
	err     error
}

func (s *secretScanner) Stream(layer int, path string, size int64) walk.SecretStream {
	if size > s.maxSize || size == 0 {
		return nil
	}
	for _, re := range s.allowPaths {
		if re.MatchString(path) {
			return nil
		}
	}
	if size <= asyncMax {
		bp, _ := s.bufs.Get().(*[]byte)
		if bp == nil {
			b := make([]byte, 0, asyncMax)
			bp = &b
		}
		return &bufferedStream{s: s, layer: layer, path: path, size: size, buf: bp}
	}
	return &secretStream{s: s, layer: layer, path: path, st: s.engine.NewStream(path, s.maxSize)}
}

// record keeps what the scan of a file gave.
func (s *secretScanner) record(layer int, path string, found []sdk.Secret, err error) {
	if len(found) == 0 && err == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.found[layer] == nil {
		s.found[layer] = map[string]fileSecrets{}
	}
	s.found[layer][path] = fileSecrets{found, err}
}

// wait waits for the workers' scans.
func (s *secretScanner) wait() { s.wg.Wait() }

// secretStream scans a large file as it streams past.
type secretStream struct {
	s     *secretScanner
	layer int
	path  string
	st    *secrets.Stream
}

func (f *secretStream) Wants() bool        { return f.st.Wants() }
func (f *secretStream) Write(chunk []byte) { f.st.Write(chunk) }

func (f *secretStream) End(ctx context.Context) {
	found, err := f.st.Close()
	if !f.st.Binary() {
		f.s.scanned.Add(1)
	}
	var out []sdk.Secret
	if err == nil {
		out, err = f.s.report(ctx, f.path, found)
	}
	f.s.record(f.layer, f.path, out, err)
}

// bufferedStream copies a small file, to be scanned by a worker.
type bufferedStream struct {
	s      *secretScanner
	layer  int
	path   string
	size   int64
	buf    *[]byte
	binary bool
}

func (f *bufferedStream) Wants() bool { return !f.binary }

func (f *bufferedStream) Write(chunk []byte) {
	if f.binary {
		return
	}
	b := *f.buf
	if len(b) == 0 && sniffBinary(chunk) {
		// Binary: the engine would skip it; the copy is saved too.
		f.binary = true
		return
	}
	*f.buf = append(b, chunk[:min(int64(len(chunk)), f.size-int64(len(b)))]...)
}

// Room implements walk.SecretBuffer: the file is read into the buffer up to its size.
func (f *bufferedStream) Room(n int) []byte {
	b := *f.buf
	if f.binary {
		return nil
	}
	return b[len(b):min(len(b)+n, int(f.size), cap(b))]
}

// Filled implements walk.SecretBuffer.
func (f *bufferedStream) Filled(n int) {
	b := *f.buf
	if len(b) == 0 && sniffBinary(b[:n]) {
		f.binary = true // kept until End, since the walker hands it to the file's plugins
		return
	}
	*f.buf = b[:len(b)+n]
}

// sniffBinary reports whether the first chunk of a file marks it binary, as the engine
// would.
func sniffBinary(chunk []byte) bool {
	return bytes.IndexByte(chunk[:min(len(chunk), secrets.SniffSize)], 0) >= 0
}

func (f *bufferedStream) End(context.Context) {
	s := f.s
	ctx := s.ctx
	if f.binary || len(*f.buf) == 0 {
		f.release()
		return
	}
	s.scanned.Add(1)
	s.workers <- struct{}{}
	s.wg.Add(1)
	go func() {
		defer func() {
			f.release()
			<-s.workers
			s.wg.Done()
		}()
		found, err := s.engine.ScanBytes(f.path, *f.buf, s.maxSize)
		var out []sdk.Secret
		if err == nil {
			out, err = s.report(ctx, f.path, found)
		}
		s.record(f.layer, f.path, out, err)
	}()
}

func (f *bufferedStream) release() {
	*f.buf = (*f.buf)[:0]
	f.s.bufs.Put(f.buf)
}

// report turns the engine's findings in one file into report entries: values allowed by
// the configuration are dropped, the rest go to the plugins that own their rules to be
// confirmed, and what is confirmed is redacted (unless secrets are to be shown).
func (s *secretScanner) report(ctx context.Context, path string, found []secrets.Finding) ([]sdk.Secret, error) {
	kept := found[:0]
	for _, f := range found {
		if !s.allowedValue(f.Secret) {
			kept = append(kept, f)
		}
	}
	if len(kept) == 0 {
		return nil, nil
	}
	verdicts := make([]*sdk.SecretVerdict, len(kept))
	var problems []string
	// One confirm call per owning analyzer, with its candidates in file order.
	type owner struct {
		plugin   int
		analyzer string
	}
	groups := map[owner][]int{}
	for i, f := range kept {
		r := s.rules[f.RuleID]
		if r.plugin >= 0 && r.confirm {
			o := owner{r.plugin, r.analyzer}
			groups[o] = append(groups[o], i)
		}
	}
	owners := make([]owner, 0, len(groups))
	for o := range groups {
		owners = append(owners, o)
	}
	sort.Slice(owners, func(i, j int) bool {
		return owners[i].plugin < owners[j].plugin || owners[i].plugin == owners[j].plugin && owners[i].analyzer < owners[j].analyzer
	})
	for _, o := range owners {
		idx := groups[o]
		req := sdk.SecretConfirmRequest{Path: path, Analyzer: o.analyzer}
		for _, i := range idx {
			f := kept[i]
			req.Candidates = append(req.Candidates, sdk.SecretCandidate{RuleID: f.RuleID, Secret: f.Secret, Match: f.Match, Line: f.Line, Column: f.Column, EndLine: f.EndLine})
		}
		p := s.plugins[o.plugin]
		res, err := p.ConfirmSecrets(ctx, req)
		if err != nil {
			// Unconfirmed is still reported: a failing plugin must not hide a leak.
			problems = append(problems, err.Error())
			continue
		}
		for k, i := range idx {
			verdicts[i] = &res.Verdicts[k]
		}
	}
	var out []sdk.Secret
	for i, f := range kept {
		v := verdicts[i]
		if v != nil && !v.Confirmed {
			s.log.Debug("secret candidate not confirmed", "rule", f.RuleID, "path", path, "line", f.Line, "reason", v.Reason)
			continue
		}
		if s.shadowed(i, kept) {
			continue
		}
		r := s.rules[f.RuleID]
		sec := sdk.Secret{
			RuleID:      f.RuleID,
			Fingerprint: secrets.Fingerprint(f.RuleID, path, f.Secret),
			Category:    r.category,
			Title:       r.title,
			Severity:    r.severity,
			Match:       s.display(f),
			Location:    sdk.Location{Path: path, Line: f.Line},
			EndLine:     f.EndLine,
		}
		if r.plugin >= 0 {
			sec.Analyzer = s.plugins[r.plugin].Manifest().Name + "/" + r.analyzer
		}
		if v != nil {
			if v.Title != "" {
				sec.Title = v.Title
			}
			if v.Note != "" {
				sec.Title += " (" + v.Note + ")"
			}
			if v.Severity != "" {
				sec.Severity = v.Severity
			}
		}
		out = append(out, sec)
	}
	if len(problems) > 0 {
		return out, fmt.Errorf("secrets reported unconfirmed: %s", strings.Join(problems, "; "))
	}
	return out, nil
}

// shadowed reports whether another finding covers the same secret with a more specific
// rule ("TOKEN=ghp_..." is a GitHub token, not also a generic token assignment, and
// "https://user:ghp_...@host" is one too, not also a URL with a password): the specific
// one says more, and one secret is one finding.
func (s *secretScanner) shadowed(i int, all []secrets.Finding) bool {
	f := all[i]
	rank := specificity(s.rules[f.RuleID].category)
	if rank == maxSpecificity {
		return false
	}
	covers := func(g secrets.Finding) bool {
		return specificity(s.rules[g.RuleID].category) > rank && g.EndLine >= f.Line &&
			(strings.Contains(f.Secret, g.Secret) || strings.Contains(g.Secret, f.Secret))
	}
	// Findings come in file order, so only neighbours can share f's lines: those after it
	// that start by its last line, and those before it, back over the longest span a
	// multi-line secret (a PEM block) has. A file of thousands of findings stays linear.
	for j := i + 1; j < len(all) && all[j].Line <= f.EndLine; j++ {
		if covers(all[j]) {
			return true
		}
	}
	for j := i - 1; j >= 0 && all[j].Line >= f.Line-maxSecretLines; j-- {
		if covers(all[j]) {
			return true
		}
	}
	return false
}

// maxSecretLines bounds how many lines before a finding another one that covers it may
// start: the longest secrets the rules match, private keys, span a few dozen lines.
const maxSecretLines = 200

// specificity ranks categories: a provider's token format says most, then a JWT, then a
// connection string's password, then a generic assignment.
func specificity(category string) int {
	switch category {
	case sdk.SecretCategoryGeneric:
		return 0
	case sdk.SecretCategoryConnectionString:
		return 1
	case sdk.SecretCategoryJWT:
		return 2
	}
	return maxSpecificity
}

// maxSpecificity is a provider's rule: nothing shadows it.
const maxSpecificity = 3

func (s *secretScanner) allowedValue(secret string) bool {
	for _, re := range s.allowValues {
		if re.MatchString(secret) {
			return true
		}
	}
	return false
}

// maxMatch bounds the text of a match in a report.
const maxMatch = 240

// display is the match as reports show it: the secret redacted (unless secrets are to be
// shown), one line, bounded.
func (s *secretScanner) display(f secrets.Finding) string {
	m := strings.TrimRight(f.Match, "\r\n")
	if !s.show {
		m = strings.ReplaceAll(m, f.Secret, secrets.Redact(f.Secret))
	}
	if i := strings.IndexAny(m, "\r\n"); i >= 0 {
		m = m[:i] + " …"
	}
	if len(m) > maxMatch {
		m = strings.ToValidUTF8(m[:maxMatch], "") + "…"
	}
	return m
}

// Paths under which secrets of an image's config are reported: they are not files.
const (
	ConfigEnvPath     = "image-config:env"
	ConfigLabelsPath  = "image-config:labels"
	ConfigHistoryPath = "image-config:history"
)

// imageConfig scans the parts of an image's config that hold text a user wrote: the
// environment (ENV), the labels (LABEL) and the commands of the history (RUN, with their
// arguments and build args), one per line. It returns as well the raw secrets of the
// history, which the report repeats as the layers' created_by and must redact there too.
func (s *secretScanner) imageConfig(ctx context.Context, cfg *v1.ConfigFile) ([]sdk.Secret, []sdk.FileError, []string) {
	if cfg == nil {
		return nil, nil, nil
	}
	var raw []string
	var labels []string
	for k, v := range cfg.Config.Labels {
		labels = append(labels, k+"="+v)
	}
	sort.Strings(labels)
	var history []string
	for _, h := range cfg.History {
		history = append(history, h.CreatedBy)
	}
	var out []sdk.Secret
	var errs []sdk.FileError
	for _, part := range []struct {
		path  string
		lines []string
	}{{ConfigEnvPath, cfg.Config.Env}, {ConfigLabelsPath, labels}, {ConfigHistoryPath, history}} {
		if len(part.lines) == 0 {
			continue
		}
		found, err := s.engine.Scan(part.path, strings.NewReader(strings.Join(part.lines, "\n")+"\n"), s.maxSize)
		if part.path == ConfigHistoryPath {
			// Every candidate, confirmed or not: what looked like a secret is not repeated.
			for _, f := range found {
				raw = append(raw, f.Secret)
			}
		}
		if err == nil {
			var got []sdk.Secret
			got, err = s.report(ctx, part.path, found)
			out = append(out, got...)
		}
		if err != nil {
			errs = append(errs, sdk.FileError{Analyzer: "secrets", Path: part.path, Message: err.Error()})
		}
	}
	return out, errs, raw
}

// redactHistory hides the secrets found in the history where the report repeats it.
func (s *secretScanner) redactHistory(layers []sdk.Layer, raw []string) {
	if s.show {
		return
	}
	for i := range layers {
		for _, r := range raw {
			layers[i].CreatedBy = strings.ReplaceAll(layers[i].CreatedBy, r, secrets.Redact(r))
		}
	}
}

// merge gathers the secrets of every layer, once the workers are done: a file's secrets stay
// in the image even when a later layer deletes or replaces the file, so each is reported
// once, with the layer that first had it, and marked deleted when the file as the image
// shows it no longer holds it.
func (s *secretScanner) merge(layers []*walk.LayerResult) ([]sdk.Secret, []sdk.FileError) {
	s.wait()
	type version struct {
		layer *walk.LayerResult
		found fileSecrets
	}
	byPath := map[string][]version{}
	var errs []sdk.FileError
	for _, l := range layers {
		for p, f := range s.found[l.Index] {
			if len(f.secrets) > 0 {
				byPath[p] = append(byPath[p], version{l, f})
			}
			if f.err != nil {
				errs = append(errs, sdk.FileError{Analyzer: "secrets", Path: p, Message: f.err.Error()})
			}
		}
	}
	sort.Slice(errs, func(i, j int) bool { return errs[i].Path < errs[j].Path })
	var out []sdk.Secret
	for p, vs := range byPath {
		sort.Slice(vs, func(i, j int) bool { return vs[i].layer.Index < vs[j].layer.Index })
		// The version the image shows: the file of the highest layer that has it, unless a
		// layer above that one deletes it.
		top := -1
		for _, l := range layers {
			if l.Regular[p] && l.Index > top {
				top = l.Index
			}
		}
		visible := map[string]bool{}
		if top >= 0 && !deletedAbove(layers, p, top) {
			for _, v := range vs {
				if v.layer.Index == top {
					for _, sec := range v.found.secrets {
						visible[sec.Fingerprint] = true
					}
				}
			}
		}
		seen := map[string]bool{}
		for _, v := range vs {
			for _, sec := range v.found.secrets {
				if seen[sec.Fingerprint] {
					continue
				}
				seen[sec.Fingerprint] = true
				sec.Location.LayerDiffID = v.layer.Info.DiffID
				sec.Deleted = !visible[sec.Fingerprint]
				out = append(out, sec)
			}
		}
	}
	return out, errs
}

func dropBaseline(found []sdk.Secret, baseline map[string]bool) []sdk.Secret {
	if len(baseline) == 0 {
		return found
	}
	kept := found[:0]
	for _, s := range found {
		if !baseline[s.Fingerprint] {
			kept = append(kept, s)
		}
	}
	return kept
}

// sortSecrets orders secrets by path, line and rule.
func sortSecrets(ss []sdk.Secret) {
	sort.SliceStable(ss, func(i, j int) bool {
		a, b := ss[i], ss[j]
		if a.Location.Path != b.Location.Path {
			return a.Location.Path < b.Location.Path
		}
		if a.Location.Line != b.Location.Line {
			return a.Location.Line < b.Location.Line
		}
		return a.RuleID < b.RuleID
	})
}
