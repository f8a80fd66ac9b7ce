// Package scan runs one scan: it walks the layers of an artifact through the analyzer
// plugins, merges what each layer yields, and assembles the report document.
package scan

import (
	"context"
	"fmt"
	"log/slog"
	"runtime"
	"sort"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/trawlscan/trawl/host/ecosystem"
	"github.com/trawlscan/trawl/host/match"
	"github.com/trawlscan/trawl/host/plugin"
	"github.com/trawlscan/trawl/host/source"
	"github.com/trawlscan/trawl/host/walk"
	"github.com/trawlscan/trawl/sdk"
)

// Progress receives scan events; the CLI draws them on a terminal. Methods may be called
// from several goroutines.
type Progress interface {
	LayerStart(index, total int, info sdk.Layer)
	LayerDone(index int)
}

// Scanner scans artifacts with a fixed set of analyzer plugins.
type Scanner struct {
	analyzers   []plugin.Analyzer
	toolVersion string
	parallel    int
	chunkSize   int
	progress    Progress
	now         func() time.Time
	matcher     *match.Matcher
	dbInfo      *sdk.DBInfo
	secrets     *SecretOptions
	log         *slog.Logger
}

// Option configures a Scanner.
type Option func(*Scanner)

// WithParallelism sets how many layers are walked at once. Default: GOMAXPROCS.
func WithParallelism(n int) Option { return func(s *Scanner) { s.parallel = max(n, 1) } }

// WithProgress reports progress to p. Default: none.
func WithProgress(p Progress) Option { return func(s *Scanner) { s.progress = p } }

// WithToolVersion sets the version recorded in reports. Default: "dev".
func WithToolVersion(v string) Option { return func(s *Scanner) { s.toolVersion = v } }

// WithClock sets the clock that stamps reports (tests fix it). Default: time.Now.
func WithClock(now func() time.Time) Option { return func(s *Scanner) { s.now = now } }

// WithChunkSize sets the size of the chunks file content is read and streamed in; it should
// match the wasm host's. Default: 256 KiB.
func WithChunkSize(n int) Option { return func(s *Scanner) { s.chunkSize = n } }

// WithMatcher matches the packages found against a vulnerability database, described in the
// report by info. Default: no matching, packages only.
func WithMatcher(m *match.Matcher, info sdk.DBInfo) Option {
	return func(s *Scanner) { s.matcher, s.dbInfo = m, &info }
}

// WithSecrets scans every regular file (and an image's config) for secrets with the rules of
// the analyzers that carry secret rules, set up by opt. Default: no secret scan; the
// analyzers with secret rules are then unused.
func WithSecrets(opt SecretOptions) Option { return func(s *Scanner) { s.secrets = &opt } }

// WithLogger logs what the scan does at debug level: layers walked, secrets found and
// candidates dropped (never a secret's value). Default: no log.
func WithLogger(l *slog.Logger) Option { return func(s *Scanner) { s.log = l } }

// New returns a Scanner over the given analyzer plugins (plugin.Wasm adapts a WebAssembly
// one; a native one is an Analyzer itself).
func New(analyzers []plugin.Analyzer, opts ...Option) *Scanner {
	s := &Scanner{
		analyzers:   analyzers,
		toolVersion: "dev",
		parallel:    runtime.GOMAXPROCS(0),
		chunkSize:   256 << 10,
		now:         time.Now,
		log:         slog.New(slog.DiscardHandler),
	}
	for _, o := range opts {
		o(s)
	}
	return s
}

// Scan walks every layer of art once and returns the report. Analyzer failures are recorded
// in the report, not returned; an error means the artifact itself could not be read.
func (s *Scanner) Scan(ctx context.Context, art *source.Artifact) (*sdk.Report, error) {
	manifests := make([]sdk.Manifest, len(s.analyzers))
	analyzers := make([]walk.Analyzer, len(s.analyzers))
	for i, p := range s.analyzers {
		manifests[i] = *p.Manifest()
		analyzers[i] = pluginAnalyzer{p}
	}
	w := walk.New(walk.NewMatcher(manifests), analyzers, s.chunkSize)
	var ss *secretScanner
	if s.secrets != nil {
		var err error
		if ss, err = newSecretScanner(ctx, s.analyzers, *s.secrets, s.log); err != nil {
			return nil, err
		}
		if ss != nil {
			w.ScanSecrets(ss)
			// No worker outlives the scan, even one that ends in an error.
			defer ss.wait()
		}
	}

	results := make([]*walk.LayerResult, len(art.Layers))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(s.parallel)
	for i, l := range art.Layers {
		g.Go(func() error {
			if s.progress != nil {
				s.progress.LayerStart(i, len(art.Layers), l.Info())
				defer s.progress.LayerDone(i)
			}
			r, err := w.Layer(gctx, i, l)
			if err != nil {
				return fmt.Errorf("layer %d (%s): %w", i+1, layerName(l.Info()), err)
			}
			results[i] = r
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}

	for _, r := range results {
		s.log.Debug("layer walked", "layer", r.Index+1, "diff_id", r.Info.DiffID, "entries", r.Entries, "bytes", r.Bytes, "files_analyzed", r.Dispatched)
	}
	m := merge(results, func(i int) string { return s.analyzers[i].Manifest().Name })
	// An SBOM's packages need no walk; they are matched as found ones are.
	m.packages = append(m.packages, art.Packages...)
	if m.os == nil {
		m.os = art.OS
	}
	var found []sdk.Secret
	if ss != nil {
		var errs []sdk.FileError
		found, errs = ss.merge(results)
		m.errors = append(m.errors, errs...)
		cfg, cerrs, raw := ss.imageConfig(ctx, art.Config)
		ss.redactHistory(art.Info.Layers, raw)
		found = append(found, cfg...)
		m.errors = append(m.errors, cerrs...)
		found = dropBaseline(found, s.secrets.Baseline)
		sortSecrets(found)
		for _, f := range found {
			s.log.Debug("secret", "rule", f.RuleID, "path", f.Location.Path, "line", f.Location.Line, "layer", f.Location.LayerDiffID, "deleted", f.Deleted, "fingerprint", f.Fingerprint)
		}
	}
	ecosystem.Finalize(m.packages, m.os)
	sort.SliceStable(m.packages, func(i, j int) bool { return packageLess(m.packages[i], m.packages[j]) })

	var vulns []sdk.Vulnerability
	if s.matcher != nil {
		var problems []match.Problem
		var err error
		vulns, problems, err = s.matcher.Match(m.packages)
		if err != nil {
			return nil, fmt.Errorf("matching against the vulnerability database: %w", err)
		}
		if vulns == nil {
			vulns = []sdk.Vulnerability{}
		}
		for _, p := range problems {
			m.errors = append(m.errors, sdk.FileError{Analyzer: "matcher", Path: p.Package.Name + "@" + p.Package.Version, Message: p.Reason})
		}
	}

	rep := &sdk.Report{
		SchemaVersion:   sdk.SchemaVersion,
		Tool:            sdk.Tool{Name: "trawl", Version: s.toolVersion},
		CreatedAt:       s.now().UTC().Truncate(time.Second),
		Artifact:        art.Info,
		OS:              m.os,
		Packages:        m.packages,
		Vulnerabilities: vulns,
		Database:        s.dbInfo,
		Secrets:         found,
		Errors:          m.errors,
		Plugins:         s.statuses(results, ss),
	}
	if art.Info.Type == sdk.ArtifactFilesystem {
		rep.Artifact.Layers = nil // a directory is walked as one layer, but has none
	}
	if rep.Packages == nil {
		rep.Packages = []sdk.Package{}
	}
	return rep, nil
}

func layerName(l sdk.Layer) string {
	if l.DiffID == "" {
		return "directory"
	}
	return l.DiffID
}

// statuses says how each analyzer fared: ok, failed (with its first error), or unused when
// no file selected it; a plugin's secret rules count the text files they ran over.
func (s *Scanner) statuses(results []*walk.LayerResult, ss *secretScanner) []sdk.PluginStatus {
	files := make([]int, len(s.analyzers))
	if ss != nil {
		for i := range files {
			if ss.owns(i) {
				files[i] = int(ss.scanned.Load())
			}
		}
	}
	for _, r := range results {
		for _, f := range r.Files {
			seen := map[int]bool{}
			for _, fr := range f.Results {
				if !seen[fr.Plugin] {
					seen[fr.Plugin] = true
					files[fr.Plugin]++
				}
			}
		}
	}
	out := make([]sdk.PluginStatus, len(s.analyzers))
	for i, p := range s.analyzers {
		m := p.Manifest()
		st := sdk.PluginStatus{Name: m.Name, Version: m.Version, Kind: m.Kind, Files: files[i], Status: sdk.PluginOK}
		if err, n := p.Failed(); err != nil {
			st.Status = sdk.PluginFailed
			st.Error = err.Error()
			if n > 1 {
				st.Error = fmt.Sprintf("%s (and %d more failed calls)", st.Error, n-1)
			}
		} else if files[i] == 0 {
			st.Status = sdk.PluginUnused
		}
		out[i] = st
	}
	return out
}

func packageLess(a, b sdk.Package) bool {
	if a.Type != b.Type {
		return a.Type < b.Type
	}
	if a.Name != b.Name {
		return a.Name < b.Name
	}
	if a.Version != b.Version {
		return a.Version < b.Version
	}
	return firstPath(a) < firstPath(b)
}

func firstPath(p sdk.Package) string {
	if len(p.Locations) == 0 {
		return ""
	}
	return p.Locations[0].Path
}

// pluginAnalyzer adapts a plugin to the walker.
type pluginAnalyzer struct{ p plugin.Analyzer }

func (a pluginAnalyzer) BeginFile(ctx context.Context, req sdk.FileRequest) (walk.Session, error) {
	s, err := a.p.BeginFile(ctx, req)
	if err != nil {
		return nil, err
	}
	return s, nil
}

func (a pluginAnalyzer) Usable() bool { return a.p.Usable() }
