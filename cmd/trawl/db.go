package main

import (
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/trawlscan/trawl/host/db"
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
	c.AddCommand(imp, info)
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
