package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"runtime/pprof"
	"runtime/trace"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/trawlscan/trawl/host/catalog"
	"github.com/trawlscan/trawl/host/wasm"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

// globalFlags are the flags every command shares.
type globalFlags struct {
	offline  bool
	cacheDir string
	// pluginDir holds the installed plugins (package registry); "" for none.
	pluginDir string
	quiet     bool
	debug     bool
	// cpuProfile names a file for a CPU profile of the command (hidden: for developers).
	cpuProfile string
	trace      string
}

// env is what a command runs with: its streams and the process facts it may consult. Tests
// replace it.
type env struct {
	stdout, stderr io.Writer
	// isTerminal reports whether a stream is a terminal (colour, progress).
	isTerminal func(io.Writer) bool
	now        func() time.Time
	// getenv reads the environment (nil: an empty one, as in tests).
	getenv func(string) string
	// policyHTTP and insecurePolicy let tests fetch policies from local servers.
	policyHTTP     *http.Client
	insecurePolicy bool
}

func defaultIsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

func run(args []string, stdout, stderr io.Writer) int {
	e := &env{stdout: stdout, stderr: stderr, isTerminal: defaultIsTerminal, now: time.Now, getenv: os.Getenv}
	return e.run(args)
}

func (e *env) run(args []string) int {
	root := e.rootCmd()
	root.SetArgs(args)
	root.SetOut(e.stdout)
	root.SetErr(e.stderr)
	err := root.Execute()
	return report(e.stderr, err)
}

func (e *env) rootCmd() *cobra.Command {
	g := &globalFlags{}
	root := &cobra.Command{
		Use:   "trawl",
		Short: "Scan container images and source trees for vulnerable packages and secrets",
		Long: `trawl scans container images and source trees in CI pipelines. Analyzers and report
formatters are WebAssembly plugins, sandboxed: no filesystem, network, clock or environment,
with a memory cap and a deadline on every call.

` + exitCodesHelp,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return &exitError{code: exitUsage, err: fmt.Errorf("%w\nSee '%s --help'.", err, c.CommandPath())}
	})
	pf := root.PersistentFlags()
	pf.StringVar(&g.cacheDir, "cache-dir", defaultCacheDir(), "directory for caches (compiled plugins)")
	pf.StringVar(&g.pluginDir, "plugin-dir", e.defaultPluginDir(), "directory of installed plugins and their lock file; env TRAWL_PLUGIN_DIR")
	pf.BoolVarP(&g.quiet, "quiet", "q", false, "print nothing but the report and errors")
	pf.BoolVarP(&g.debug, "debug", "d", false, "log what trawl and its plugins do")
	pf.BoolVar(&g.offline, "offline", os.Getenv("TRAWL_OFFLINE") != "", "never use the network (registry pulls, database updates); env TRAWL_OFFLINE")

	pf.StringVar(&g.cpuProfile, "cpuprofile", "", "write a CPU profile of the command to this file")
	_ = pf.MarkHidden("cpuprofile")
	pf.StringVar(&g.trace, "trace", "", "write a runtime execution trace of the command to this file")
	_ = pf.MarkHidden("trace")
	var stops []func()
	// record starts writing a profile or trace to path, when given, until the command ends.
	record := func(flag, path string, start func(io.Writer) error, stop func()) error {
		if path == "" {
			return nil
		}
		f, err := os.Create(path)
		if err == nil {
			if err = start(f); err != nil {
				f.Close()
			}
		}
		if err != nil {
			return usageErrorf("--%s: %v", flag, err)
		}
		stops = append(stops, func() { stop(); f.Close() })
		return nil
	}
	root.PersistentPreRunE = func(*cobra.Command, []string) error {
		if err := record("cpuprofile", g.cpuProfile, pprof.StartCPUProfile, pprof.StopCPUProfile); err != nil {
			return err
		}
		return record("trace", g.trace, trace.Start, trace.Stop)
	}
	root.PersistentPostRun = func(*cobra.Command, []string) {
		for _, stop := range stops {
			stop()
		}
	}

	root.AddCommand(e.imageCmd(g), e.fsCmd(g), e.sbomCmd(g), e.convertCmd(g), e.dbCmd(g), e.pluginCmd(g), e.policyCmd(g), e.versionCmd())
	return root
}

// Args errors from cobra are usage errors.
func exactArgs(n int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if err := cobra.ExactArgs(n)(cmd, args); err != nil {
			return usageErrorf("%v\nSee '%s --help'.", err, cmd.CommandPath())
		}
		return nil
	}
}

func defaultCacheDir() string {
	if d := os.Getenv("TRAWL_CACHE_DIR"); d != "" {
		return d
	}
	d, err := os.UserCacheDir()
	if err != nil {
		return filepath.Join(os.TempDir(), "trawl-cache")
	}
	return filepath.Join(d, "trawl")
}

func (e *env) logger(g *globalFlags) *slog.Logger {
	level := slog.LevelWarn
	switch {
	case g.debug:
		level = slog.LevelDebug
	case g.quiet:
		level = slog.LevelError
	}
	return slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: level}))
}

// openCatalog loads the built-in plugins, those installed in the plugin directory, and
// the modules in the files named, in that order (a later plugin of a taken name is
// refused), into a wasm host with a compilation cache.
func (e *env) openCatalog(g *globalFlags, log *slog.Logger, files ...string) (*wasm.Host, *catalog.Catalog, error) {
	modules, err := catalog.Builtin()
	if err != nil {
		return nil, nil, err
	}
	installed, err := e.installedModules(g)
	if err != nil {
		return nil, nil, err
	}
	modules = append(modules, installed...)
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, nil, fmt.Errorf("--plugin: %w", err)
		}
		modules = append(modules, catalog.Module{Origin: f, Wasm: b})
	}
	h, err := e.openHost(g, log)
	if err != nil {
		return nil, nil, err
	}
	return h, catalog.Load(h, modules), nil
}

func closeAll(h *wasm.Host, c *catalog.Catalog) {
	ctx := context.Background()
	c.Close(ctx)
	h.Close(ctx)
}

// isCanceled reports whether err comes from the user's --timeout or an interrupt.
func isCanceled(err error) bool {
	return errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled)
}

func shortDigest(d string) string {
	d = strings.TrimPrefix(d, "sha256:")
	if len(d) > 12 {
		return d[:12]
	}
	return d
}
