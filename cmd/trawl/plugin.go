package main

import (
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"
)

func (e *env) pluginCmd(g *globalFlags) *cobra.Command {
	c := &cobra.Command{Use: "plugin", Short: "List and manage analyzer and formatter plugins"}
	c.AddCommand(&cobra.Command{
		Use:   "list",
		Short: "List the plugins this trawl can use: name, version, kind, origin, digest",
		Args:  exactArgs(0),
		RunE: func(cmd *cobra.Command, args []string) error {
			host, cat, err := e.openCatalog(g, e.logger(g))
			if err != nil {
				return withCode(exitUsage, err)
			}
			defer closeAll(host, cat)
			tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "NAME\tVERSION\tKIND\tORIGIN\tDIGEST\tHANDLES")
			for _, p := range cat.All() {
				m := p.Manifest
				var handles []string
				for _, a := range m.Analyzers {
					handles = append(handles, a.Name)
				}
				handles = append(handles, m.Formats...)
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", m.Name, m.Version, m.Kind, p.Origin, p.Digest, strings.Join(handles, ","))
			}
			for _, r := range cat.Refused {
				fmt.Fprintf(tw, "%s\t%s\t%s\trefused\t-\t%s\n", r.Name, r.Version, r.Kind, r.Error)
			}
			return tw.Flush()
		},
	})
	return c
}
