package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/trawlscan/trawl/host/catalog"
	"github.com/trawlscan/trawl/host/db"
	"github.com/trawlscan/trawl/host/gate"
	"github.com/trawlscan/trawl/host/match"
	"github.com/trawlscan/trawl/host/native"
	hostplugin "github.com/trawlscan/trawl/host/plugin"
	"github.com/trawlscan/trawl/host/scan"
	"github.com/trawlscan/trawl/host/secrets"
	"github.com/trawlscan/trawl/host/source"
	"github.com/trawlscan/trawl/plugins/formatters/jsonreport"
	"github.com/trawlscan/trawl/sdk"
)

// scanFlags are the flags of the scanning commands.
type scanFlags struct {
	db         string
	skipDB     bool
	dbMaxAge   time.Duration
	plugins    []string
	formats    []string
	output     string
	noProgress bool
	timeout    time.Duration
	// scanners lists what to look for: "vuln" (packages and their vulnerabilities) and
	// "secret".
	scanners     []string
	secretConfig string
	showSecrets  bool
	gate         gateFlags
	// nativePlugins are executables to run as native plugins (host/native), which only
	// allowNative permits: they are not sandboxed.
	nativePlugins []string
	allowNative   bool
	// cmd is the command the flags belong to, to tell flags given from defaults.
	cmd *cobra.Command
}

func (f *scanFlags) register(c *cobra.Command) {
	f.cmd = c
	f.gate.register(c)
	fl := c.Flags()
	fl.StringArrayVarP(&f.formats, "format", "f", []string{"table"}, "report format, FORMAT or FORMAT=FILE; repeat for several reports (formats: table, json, sarif, gitlab-container-scanning, gitlab-dependency-scanning, gitlab-secret-detection, cyclonedx, spdx, and those of installed plugins)")
	fl.StringVarP(&f.output, "output", "o", "", "write the report to this file instead of stdout (for a --format without =FILE)")
	fl.BoolVar(&f.noProgress, "no-progress", false, "do not draw progress (it is drawn only on a terminal)")
	fl.DurationVar(&f.timeout, "timeout", 10*time.Minute, "give up the whole scan after this long")
	fl.StringVar(&f.db, "db", "", "vulnerability database file (default: <cache-dir>/db/trawl.db)")
	fl.BoolVar(&f.skipDB, "skip-db", false, "do not match against a vulnerability database: list packages only")
	fl.DurationVar(&f.dbMaxAge, "db-max-age", 7*24*time.Hour, "warn when the vulnerability database was built longer ago than this")
	fl.StringArrayVar(&f.plugins, "plugin", nil, "also use the plugin module in this .wasm file, for this run; repeatable")
	fl.StringArrayVar(&f.nativePlugins, "native-plugin", nil, "also use the native plugin executable at this path, for this run (needs --allow-native-plugins); repeatable")
	fl.BoolVar(&f.allowNative, "allow-native-plugins", false, "allow --native-plugin: native plugins run unsandboxed, with your rights")
	fl.StringSliceVar(&f.scanners, "scanners", []string{scannerVuln, scannerSecret}, "what to look for: vuln (packages and their vulnerabilities), secret; comma-separated")
	fl.StringVar(&f.secretConfig, "secret-config", "", "secret scanning configuration: custom rules, disabled rules, allowlists, size limit, baseline (YAML; see README)")
	fl.BoolVar(&f.showSecrets, "show-secrets", false, "print secrets in reports as found, unredacted (never in logs)")
}

const (
	scannerVuln   = "vuln"
	scannerSecret = "secret"
)

// scanning reports whether a scanner is on, having checked the list.
func (f *scanFlags) scanning() (vuln, secret bool, err error) {
	for _, s := range f.scanners {
		switch strings.TrimSpace(s) {
		case scannerVuln:
			vuln = true
		case scannerSecret:
			secret = true
		default:
			return false, false, usageErrorf("--scanners: unknown scanner %q (want vuln, secret)", s)
		}
	}
	if !vuln && !secret {
		return false, false, usageErrorf("--scanners: nothing to scan for")
	}
	return vuln, secret, nil
}

// secretOptions loads the secret configuration and its baseline.
func (f *scanFlags) secretOptions() (scan.SecretOptions, error) {
	opt := scan.SecretOptions{Show: f.showSecrets}
	if f.secretConfig == "" {
		return opt, nil
	}
	c, err := secrets.LoadConfig(f.secretConfig)
	if err != nil {
		return opt, usageErrorf("--secret-config: %v", err)
	}
	opt.Config = c
	if c.Baseline != "" {
		path := c.Baseline
		if !filepath.IsAbs(path) {
			// Relative to the configuration, as the file that names it is read from there.
			path = filepath.Join(filepath.Dir(f.secretConfig), path)
		}
		if opt.Baseline, err = secrets.LoadBaseline(path); err != nil {
			return opt, usageErrorf("--secret-config: baseline: %v", err)
		}
	}
	return opt, nil
}

// output is one report to write.
type output struct {
	format string
	path   string // "" for stdout
}

func (f *scanFlags) outputs() ([]output, error) {
	var outs []output
	stdout := 0
	for _, spec := range f.formats {
		name, path, hasPath := strings.Cut(spec, "=")
		if name == "" || (hasPath && path == "") {
			return nil, usageErrorf("--format %q: want FORMAT or FORMAT=FILE", spec)
		}
		if !hasPath {
			path = f.output
		}
		if path == "" || path == "-" {
			path = ""
			stdout++
		}
		outs = append(outs, output{format: name, path: path})
	}
	if stdout > 1 {
		return nil, usageErrorf("%d reports would go to stdout: give all but one a file (--format FORMAT=FILE)", stdout)
	}
	return outs, nil
}

func (e *env) imageCmd(g *globalFlags) *cobra.Command {
	sf := &scanFlags{}
	var input, platform string
	var insecure bool
	c := &cobra.Command{
		Use:   "image [REF]",
		Short: "Scan a container image from a registry, a docker-archive or OCI tar, or an OCI layout",
		Example: `  trawl image alpine:3.20
  trawl image --input image.tar
  trawl image --input ./oci-layout --format json --output report.json
  trawl image --platform linux/arm64 ghcr.io/org/app:1.2`,
		Args: func(cmd *cobra.Command, args []string) error {
			switch {
			case input == "" && len(args) != 1:
				return usageErrorf("give an image reference, or --input PATH\nSee '%s --help'.", cmd.CommandPath())
			case input != "" && len(args) != 0:
				return usageErrorf("give either an image reference or --input, not both")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			return e.scan(cmd.Context(), g, sf, func(ctx context.Context, p *progress) (*source.Artifact, error) {
				var opts []source.Option
				if platform != "" {
					opts = append(opts, source.WithPlatform(platform))
				}
				if p != nil {
					opts = append(opts, source.WithProgress(p.pulled))
				}
				if input != "" {
					return source.Open(ctx, input, opts...)
				}
				if g.offline {
					return nil, fmt.Errorf("%s is a registry reference and --offline forbids the network: scan a saved image with --input", args[0])
				}
				if insecure {
					opts = append(opts, source.WithInsecure())
				}
				return source.Remote(ctx, args[0], opts...)
			})
		},
	}
	sf.register(c)
	c.Flags().StringVar(&input, "input", "", "read the image from a docker-archive tar, an OCI tar or an OCI layout directory")
	c.Flags().StringVar(&platform, "platform", "", "platform to pick from a multi-platform image, os/arch[/variant] (default linux/amd64)")
	c.Flags().BoolVar(&insecure, "insecure", false, "allow plain HTTP and unverified TLS to the registry")
	return c
}

func (e *env) fsCmd(g *globalFlags) *cobra.Command {
	sf := &scanFlags{}
	c := &cobra.Command{
		Use:     "fs DIR",
		Short:   "Scan a directory: a source tree or an unpacked root filesystem",
		Example: "  trawl fs .\n  trawl fs --format json --output report.json ./rootfs",
		Args:    exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return e.scan(cmd.Context(), g, sf, func(ctx context.Context, _ *progress) (*source.Artifact, error) {
				info, err := os.Stat(args[0])
				if err != nil {
					return nil, err
				}
				if !info.IsDir() {
					return nil, fmt.Errorf("%s is not a directory (for an image archive use `trawl image --input`)", args[0])
				}
				return source.Directory(args[0])
			})
		},
	}
	sf.register(c)
	return c
}

type opener func(ctx context.Context, p *progress) (*source.Artifact, error)

// scan runs a whole scan: open the input, walk it through the analyzers, write every
// report, and turn the outcome into an exit status.
func (e *env) scan(parent context.Context, g *globalFlags, sf *scanFlags, open opener) error {
	gs, err := e.resolveGate(sf.cmd, &sf.gate)
	if err != nil {
		return err
	}
	formatGiven := sf.cmd.Flags().Changed("format") || sf.output != ""
	switch gs.mode {
	case sdk.ModeScanOnly:
		if formatGiven {
			return usageErrorf("scan-only mode writes no reports: drop --format and --output, or use --mode get-report")
		}
		sf.formats = nil
	case sdk.ModeInventoryOnly:
		if !sf.cmd.Flags().Changed("format") {
			sf.formats = []string{"cyclonedx"}
		}
		if sf.cmd.Flags().Changed("scanners") && !slices.Equal(sf.scanners, []string{scannerVuln}) {
			return usageErrorf("inventory-only mode lists packages: it takes no --scanners but vuln")
		}
		sf.scanners, sf.skipDB = []string{scannerVuln}, true
	}
	outs, err := sf.outputs()
	if err != nil {
		return err
	}
	if parent == nil {
		parent = context.Background()
	}
	ctx, stop := signal.NotifyContext(parent, os.Interrupt)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, sf.timeout)
	defer cancel()

	log := e.logger(g)
	vulnOn, secretOn, err := sf.scanning()
	if err != nil {
		return err
	}
	gateConfig, err := e.loadGate(ctx, g, gs)
	if err != nil {
		return err
	}
	var scanOpts []scan.Option
	if secretOn {
		opt, err := sf.secretOptions()
		if err != nil {
			return err
		}
		scanOpts = append(scanOpts, scan.WithSecrets(opt))
	}
	if !sf.skipDB && vulnOn {
		d, err := db.Open(dbPath(g, sf.db))
		if err != nil {
			if errors.Is(err, db.ErrNotFound) {
				return withCode(exitUsage, fmt.Errorf("%w\n(point --db at a database, or pass --skip-db to list packages without matching)", err))
			}
			return withCode(exitUsage, err)
		}
		defer d.Close()
		meta := d.Meta()
		if age := e.now().Sub(meta.BuiltAt); sf.dbMaxAge > 0 && age > sf.dbMaxAge {
			log.Warn("the vulnerability database is old: findings published since are missing; run `trawl db update`",
				"db", d.Path(), "built", meta.BuiltAt.Format(time.RFC3339), "age", age.Round(time.Hour).String())
		}
		info := sdk.DBInfo{SchemaVersion: meta.SchemaVersion, BuiltAt: meta.BuiltAt, Advisories: meta.Advisories}
		for _, src := range meta.Sources {
			if src.Newest.After(info.NewestAdvisory) {
				info.NewestAdvisory = src.Newest
			}
		}
		scanOpts = append(scanOpts, scan.WithMatcher(match.NewMatcher(d), info))
	}
	if len(sf.nativePlugins) > 0 && !sf.allowNative {
		return usageErrorf("--native-plugin: native plugins are not sandboxed (they run with your rights, unlike WebAssembly plugins): add --allow-native-plugins to run them")
	}
	host, cat, err := e.openCatalog(g, log, sf.plugins...)
	if err != nil {
		return withCode(exitUsage, err)
	}
	defer closeAll(host, cat)
	cat.LaunchNative(ctx, sf.nativePlugins, native.WithLogger(log))
	for _, st := range cat.Refused {
		log.Warn("plugin refused", "plugin", st.Name, "error", st.Error)
	}
	for _, o := range outs {
		if _, err := cat.Formatter(o.format); err != nil {
			return withCode(exitUsage, err)
		}
	}
	// Formatters are needed at the end of every scan: prepare them while the layers are read.
	for _, o := range outs {
		f, _ := cat.Formatter(o.format)
		go f.Prepare(ctx)
	}

	var prog *progress
	if !sf.noProgress && !g.quiet && e.isTerminal(e.stderr) {
		prog = newProgress(e.stderr)
		defer prog.finish()
	}
	art, err := open(ctx, prog)
	if err != nil {
		if isCanceled(ctx.Err()) {
			return withCode(exitScanError, fmt.Errorf("scan stopped: %w", context.Cause(ctx)))
		}
		return withCode(exitScanError, err)
	}
	defer art.Close()

	opts := append(scanOpts, scan.WithToolVersion(version), scan.WithClock(e.now), scan.WithLogger(log))
	if prog != nil {
		opts = append(opts, scan.WithProgress(prog))
	}
	rep, err := scan.New(analyzersFor(cat.AnalyzerPlugins(), vulnOn, secretOn), opts...).Scan(ctx, art)
	if err != nil {
		if isCanceled(ctx.Err()) {
			return withCode(exitScanError, fmt.Errorf("scan stopped after %s (--timeout): %w", sf.timeout, err))
		}
		return withCode(exitScanError, err)
	}
	rep.Plugins = append(rep.Plugins, cat.Refused...)
	if prog != nil {
		prog.finish()
	}
	var verdict *sdk.Verdict
	if gs.mode != sdk.ModeInventoryOnly {
		verdict = gate.Apply(rep, gateConfig)
	}

	body, err := reportDocument(rep)
	if err != nil {
		return err
	}
	var failedFormats []string
	for _, o := range outs {
		if err := e.write(ctx, cat, o, body); err != nil {
			fmt.Fprintf(e.stderr, "trawl: %v\n", err)
			failedFormats = append(failedFormats, o.format)
		}
	}

	// A file an analyzer could not read is in the report; say so where a person looks too,
	// since a damaged package database means packages missing from the verdict.
	const maxShown = 10
	for i, fe := range rep.Errors {
		if i == maxShown {
			fmt.Fprintf(e.stderr, "trawl: warning: %d more files could not be analyzed (see the report's errors)\n", len(rep.Errors)-maxShown)
			break
		}
		fmt.Fprintf(e.stderr, "trawl: warning: %s: %s\n", fe.Analyzer, fe.Message)
	}

	var failed []string
	for _, p := range rep.Plugins {
		if p.Status == sdk.PluginFailed || p.Status == sdk.PluginRefused {
			failed = append(failed, p.Name)
			fmt.Fprintf(e.stderr, "trawl: plugin %s %s: %s\n", p.Name, p.Status, p.Error)
		}
	}
	if verdict != nil {
		e.describeVerdict(rep, verdict)
		if verdict.Enforced && verdict.Result == sdk.VerdictFail {
			return &exitError{code: exitPolicy, err: errIncompleteQuiet}
		}
	}
	switch {
	case len(failedFormats) > 0:
		return withCode(exitIncomplete, fmt.Errorf("could not write the %s report", strings.Join(failedFormats, ", ")))
	case len(failed) > 0:
		return withCode(exitIncomplete, fmt.Errorf("incomplete scan: %s did not finish its work; the report lacks what it would have found", strings.Join(failed, ", ")))
	case gs.nothingFound != exitOK && nothingScannable(rep):
		return withCode(gs.nothingFound, errors.New("nothing scannable was found: no operating system, no package database, lockfile or binary, and no text file"))
	}
	return nil
}

// nothingScannable reports whether the scan found nothing to analyze: no OS, no package,
// and no analyzer handed a file (the secret rules' owners count the text files scanned).
func nothingScannable(rep *sdk.Report) bool {
	if rep.OS != nil || len(rep.Packages) > 0 {
		return false
	}
	for _, p := range rep.Plugins {
		if p.Kind == sdk.KindAnalyzer && p.Status != sdk.PluginUnused && p.Status != sdk.PluginRefused {
			return false
		}
	}
	return true
}

// describeVerdict tells the person at the terminal what the gate decided, and what needs
// their attention: expired ignore entries and rules that failed to evaluate.
func (e *env) describeVerdict(rep *sdk.Report, v *sdk.Verdict) {
	for _, x := range v.ExpiredIgnores {
		what := x.ID
		if what == "" {
			what = x.PURL + x.Path
		}
		fmt.Fprintf(e.stderr, "trawl: warning: ignore entry for %s expired on %s (%s): it no longer applies\n", what, x.Expires.Format("2006-01-02"), x.Source)
	}
	evalErrors := 0
	for _, f := range rep.Vulnerabilities {
		if f.Policy != nil && f.Policy.Error != "" {
			evalErrors++
		}
	}
	for _, f := range rep.Secrets {
		if f.Policy != nil && f.Policy.Error != "" {
			evalErrors++
		}
	}
	if evalErrors > 0 {
		fmt.Fprintf(e.stderr, "trawl: warning: policy rules failed to evaluate on %d findings (see each finding's policy.error)\n", evalErrors)
	}
	if !v.Enforced {
		return
	}
	c := v.Counted
	fmt.Fprintf(e.stderr, "trawl: %s: %s (counted: %d critical, %d high, %d medium, %d low", v.Mode, strings.ToUpper(v.Result), c.Critical, c.High, c.Medium, c.Low)
	if v.Suppressed > 0 {
		fmt.Fprintf(e.stderr, "; %d suppressed", v.Suppressed)
	}
	if n := v.Actions[sdk.ActionAllow]; n > 0 {
		fmt.Fprintf(e.stderr, "; %d allowed", n)
	}
	fmt.Fprintln(e.stderr, ")")
	for _, r := range v.Reasons {
		fmt.Fprintf(e.stderr, "trawl:   %s\n", r)
	}
}

// analyzersFor keeps the analyzer plugins the scanners need: those that select files for
// vuln, those that carry secret rules for secret.
func analyzersFor(all []hostplugin.Analyzer, vuln, secret bool) []hostplugin.Analyzer {
	var out []hostplugin.Analyzer
	for _, p := range all {
		files, rules := false, false
		for _, a := range p.Manifest().Analyzers {
			files = files || len(a.Files) > 0
			rules = rules || len(a.SecretRules) > 0
		}
		if files && vuln || rules && secret {
			out = append(out, p)
		}
	}
	return out
}

// write renders one report through its formatter plugin. A file is written whole or not
// at all, so a pipeline never picks up half a report.
func (e *env) write(ctx context.Context, cat *catalog.Catalog, o output, body []byte) error {
	f, err := cat.Formatter(o.format)
	if err != nil {
		return err
	}
	color := o.path == "" && e.isTerminal(e.stdout) && os.Getenv("NO_COLOR") == ""
	out, err := f.Format(ctx, sdk.FormatRequest{Format: o.format, Color: color}, body)
	if err != nil {
		return fmt.Errorf("%s report: %w", o.format, err)
	}
	if o.path == "" {
		_, err := e.stdout.Write(out)
		return err
	}
	return writeFileAtomic(o.path, out)
}

// reportDocument encodes the report document the formatters get, as the JSON report
// writes it (jsonreport): the built-in json formatter then writes it unchanged, with no
// decoding and encoding in the plugin (sdk/plugin.RawFormatter).
func reportDocument(rep *sdk.Report) ([]byte, error) {
	var b bytes.Buffer
	if err := jsonreport.Write(&b, rep); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func writeFileAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
