package main

import (
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/trawlscan/trawl/host/db"
	"github.com/trawlscan/trawl/host/dbdist"
)

// dbPath is where the vulnerability database lives unless --db says otherwise.
func dbPath(g *globalFlags, flag string) string {
	if flag != "" {
		return flag
	}
	return filepath.Join(g.cacheDir, "db", "trawl.db")
}

func (e *env) dbCmd(g *globalFlags) *cobra.Command {
	c := &cobra.Command{Use: "db", Short: "Build, inspect and update the vulnerability database"}
	var out string
	var verbose bool
	imp := &cobra.Command{
		Use:   "import PATH...",
		Short: "Build the database from OSV files, directories, osv.dev zips, Alpine secdb and the Debian tracker JSON",
		Long: `Build a new vulnerability database from local advisory data, replacing the current one only
when the import succeeds. Inputs may be OSV JSON or YAML files, directories of them (walked
recursively), zip archives as osv.dev publishes them (<ecosystem>/all.zip), Alpine secdb files
(YAML or JSON) and the Debian security tracker's JSON. OSV documents are validated against the
OSV schema; each rejected advisory is counted with its reason.`,
		Example: "  trawl db import ./osv/go ./osv/PyPI/all.zip ./secdb/v3.20/main.yaml\n  trawl db import --db ./my.db ./advisories",
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usageErrorf("give at least one file or directory to import\nSee '%s --help'.", cmd.CommandPath())
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			dst := dbPath(g, out)
			start := time.Now()
			sum, err := db.Import(cmd.Context(), dst, args, db.WithClock(e.now), db.WithImportLogger(e.logger(g)))
			if err != nil {
				return withCode(exitScanError, err)
			}
			fmt.Fprintf(e.stdout, "imported into %s in %s\n", dst, time.Since(start).Round(time.Millisecond))
			printMeta(e, sum.Meta)
			if verbose {
				for _, r := range sum.Rejections {
					fmt.Fprintf(e.stdout, "rejected %s (%s): %s %s\n", r.ID, r.File, r.Reason, r.Detail)
				}
			}
			return nil
		},
	}
	imp.Flags().StringVar(&out, "db", "", "database file to write (default: the cache's)")
	imp.Flags().BoolVarP(&verbose, "verbose", "v", false, "list every rejected advisory with its reason")

	var infoPath string
	info := &cobra.Command{
		Use:   "info",
		Short: "Print what the database holds: schema version, build time, each source with its counts",
		Args:  exactArgs(0),
		RunE: func(cmd *cobra.Command, args []string) error {
			d, err := db.Open(dbPath(g, infoPath))
			if err != nil {
				return withCode(exitUsage, err)
			}
			defer d.Close()
			fmt.Fprintf(e.stdout, "database: %s\n", d.Path())
			printMeta(e, d.Meta())
			return nil
		},
	}
	info.Flags().StringVar(&infoPath, "db", "", "database file (default: the cache's)")
	c.AddCommand(imp, info, e.dbUpdateCmd(g), e.dbPushCmd(g), e.dbPullCmd(g))
	return c
}

func (e *env) dbUpdateCmd(g *globalFlags) *cobra.Command {
	var path string
	var mirrors, ecosystems, extra []string
	var allowHTTP bool
	c := &cobra.Command{
		Use:   "update",
		Short: "Download advisories over HTTPS and rebuild the database; a failed update leaves the old one",
		Long: `Download the configured advisory sources (by default osv.dev's per-ecosystem zips) and
rebuild the database. Mirrors are tried in order, each download is retried with backoff,
checked (length, zip structure, published checksums) and only when every source has arrived is
the new database built and swapped in. Any failure leaves the old database as it was.`,
		Example: `  trawl db update
  trawl db update --mirror https://mirror.example.com/osv --mirror ` + dbdist.DefaultMirror + `
  trawl db update --ecosystem Go --ecosystem PyPI --extra https://secdb.alpinelinux.org/v3.20/main.json`,
		Args: exactArgs(0),
		RunE: func(cmd *cobra.Command, args []string) error {
			if g.offline {
				return withCode(exitUsage, fmt.Errorf("db update: %w (--offline)", dbdist.ErrOffline))
			}
			cfg := dbdist.UpdateConfig{Mirrors: mirrors, Extra: extra, AllowHTTP: allowHTTP, Logger: e.logger(g),
				ImportOptions: []db.ImportOption{db.WithClock(e.now)}}
			if len(ecosystems) > 0 {
				cfg.Ecosystems = ecosystems
			}
			dst := dbPath(g, path)
			res, err := dbdist.Update(cmd.Context(), dst, cfg)
			if err != nil {
				return withCode(exitScanError, err)
			}
			for _, s := range res.Sources {
				fmt.Fprintf(e.stdout, "%s: %s, %d bytes, %d attempt(s)\n", s.Name, dbdist.Redact(s.URL), s.Bytes, s.Attempts)
			}
			fmt.Fprintf(e.stdout, "updated %s\n", dst)
			printMeta(e, res.Summary.Meta)
			return nil
		},
	}
	c.Flags().StringVar(&path, "db", "", "database file (default: the cache's)")
	c.Flags().StringArrayVar(&mirrors, "mirror", nil, "base URL of an osv.dev mirror (<mirror>/<ecosystem>/all.zip); repeat to try several in order (default "+dbdist.DefaultMirror+")")
	c.Flags().StringArrayVar(&ecosystems, "ecosystem", nil, "ecosystem to download; repeatable (default: "+strings.Join(dbdist.DefaultEcosystems(), ", ")+")")
	c.Flags().StringArrayVar(&extra, "extra", nil, "URL of a further input (Alpine secdb, Debian tracker JSON, OSV zip); repeatable")
	c.Flags().BoolVar(&allowHTTP, "allow-http", false, "allow plain-HTTP mirrors (an internal mirror without TLS)")
	return c
}

func (e *env) dbPushCmd(g *globalFlags) *cobra.Command {
	var path string
	var insecure bool
	c := &cobra.Command{
		Use:     "push REF",
		Short:   "Publish the database to an OCI registry as an artifact (" + dbdist.ArtifactType + ")",
		Example: "  trawl db push registry.example.com/security/trawl-db:latest",
		Args:    exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if g.offline {
				return withCode(exitUsage, errors.New("db push needs the network, and --offline is set"))
			}
			var opts []dbdist.Option
			if insecure {
				opts = append(opts, dbdist.WithInsecure(true))
			}
			digest, err := dbdist.Push(cmd.Context(), dbPath(g, path), args[0], opts...)
			if err != nil {
				return withCode(exitScanError, err)
			}
			fmt.Fprintf(e.stdout, "pushed %s@%s\n", args[0], digest)
			return nil
		},
	}
	c.Flags().StringVar(&path, "db", "", "database file (default: the cache's)")
	c.Flags().BoolVar(&insecure, "insecure", false, "allow plain HTTP to the registry")
	return c
}

func (e *env) dbPullCmd(g *globalFlags) *cobra.Command {
	var path string
	var insecure bool
	c := &cobra.Command{
		Use:     "pull REF",
		Short:   "Fetch a database published with `trawl db push`, verified, and swap it in",
		Example: "  trawl db pull registry.example.com/security/trawl-db:latest\n  trawl db pull registry.example.com/security/trawl-db@sha256:...",
		Args:    exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if g.offline {
				return withCode(exitUsage, errors.New("db pull needs the network, and --offline is set"))
			}
			var opts []dbdist.Option
			if insecure {
				opts = append(opts, dbdist.WithInsecure(true))
			}
			dst := dbPath(g, path)
			if err := dbdist.Pull(cmd.Context(), args[0], dst, opts...); err != nil {
				return withCode(exitScanError, err)
			}
			d, err := db.Open(dst)
			if err != nil {
				return withCode(exitScanError, err)
			}
			defer d.Close()
			fmt.Fprintf(e.stdout, "pulled %s into %s\n", args[0], dst)
			printMeta(e, d.Meta())
			return nil
		},
	}
	c.Flags().StringVar(&path, "db", "", "database file (default: the cache's)")
	c.Flags().BoolVar(&insecure, "insecure", false, "allow plain HTTP to the registry")
	return c
}

func printMeta(e *env, m db.Meta) {
	fmt.Fprintf(e.stdout, "schema version: %d\nbuilt: %s\nadvisories: %d\n", m.SchemaVersion, m.BuiltAt.Format(time.RFC3339), m.Advisories)
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "SOURCE\tKINDS\tIMPORTED\tREJECTED\tNEWEST\tECOSYSTEMS")
	for _, s := range m.Sources {
		rejected := 0
		for _, n := range s.Rejected {
			rejected += n
		}
		newest := "-"
		if !s.Newest.IsZero() {
			newest = s.Newest.Format("2006-01-02")
		}
		ecos := make([]string, 0, len(s.Ecosystems))
		for eco := range s.Ecosystems {
			ecos = append(ecos, eco)
		}
		sort.Strings(ecos)
		if len(ecos) > 6 {
			ecos = append(ecos[:6], fmt.Sprintf("+%d", len(ecos)-6))
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%s\t%s\n", s.Name, strings.Join(s.Kinds, ","), s.Imported, rejected, newest, strings.Join(ecos, " "))
	}
	tw.Flush()
	for _, s := range m.Sources {
		reasons := make([]string, 0, len(s.Rejected))
		for r := range s.Rejected {
			reasons = append(reasons, r)
		}
		sort.Strings(reasons)
		for _, r := range reasons {
			fmt.Fprintf(e.stdout, "  %s: %d %s\n", s.Name, s.Rejected[r], r)
		}
		if s.SkippedGitRanges > 0 {
			fmt.Fprintf(e.stdout, "  %s: %d GIT ranges not matched (they name commits, not versions)\n", s.Name, s.SkippedGitRanges)
		}
	}
}
