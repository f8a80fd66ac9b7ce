package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/trawlscan/trawl/host/source"
	"github.com/trawlscan/trawl/sdk"
)

// sbomCmd scans the packages an existing SBOM lists, as a scan of the artifact it describes
// would have found them: matched against the database, written in any format.
func (e *env) sbomCmd(g *globalFlags) *cobra.Command {
	sf := &scanFlags{}
	c := &cobra.Command{
		Use:   "sbom FILE",
		Short: "Scan the packages of a CycloneDX or SPDX SBOM (JSON) for vulnerabilities",
		Example: "  trawl sbom bom.cdx.json\n" +
			"  trawl sbom --format sarif=results.sarif app.spdx.json",
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			// An SBOM holds no files: there is nothing to look for secrets in.
			sf.scanners = []string{scannerVuln}
			return e.scan(cmd.Context(), g, sf, func(context.Context, *progress) (*source.Artifact, error) {
				return source.SBOM(args[0])
			})
		},
	}
	sf.register(c)
	c.Flags().MarkHidden("scanners")
	return c
}

// convertCmd renders a saved JSON report in other formats, without scanning again.
func (e *env) convertCmd(g *globalFlags) *cobra.Command {
	var formats []string
	var output string
	c := &cobra.Command{
		Use:   "convert REPORT.json",
		Short: "Write a saved JSON report in other formats, without scanning again",
		Example: "  trawl image --input app.tar -f json -o report.json\n" +
			"  trawl convert report.json -f sarif=results.sarif -f cyclonedx=bom.cdx.json",
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return e.convert(cmd.Context(), g, args[0], formats, output)
		},
	}
	c.Flags().StringArrayVarP(&formats, "format", "f", []string{"table"}, "report format, FORMAT or FORMAT=FILE; repeat for several reports")
	c.Flags().StringVarP(&output, "output", "o", "", "write the report to this file instead of stdout (for a --format without =FILE)")
	return c
}

func (e *env) convert(ctx context.Context, g *globalFlags, path string, formats []string, output string) error {
	if ctx == nil {
		ctx = context.Background()
	}
	sf := &scanFlags{formats: formats, output: output}
	outs, err := sf.outputs()
	if err != nil {
		return err
	}
	f, err := os.Open(path)
	if err != nil {
		return withCode(exitUsage, err)
	}
	defer f.Close()
	body, err := io.ReadAll(io.LimitReader(f, 1<<30))
	if err != nil {
		return withCode(exitUsage, err)
	}
	var rep sdk.Report
	dec := json.NewDecoder(strings.NewReader(string(body)))
	if err := dec.Decode(&rep); err != nil {
		return withCode(exitUsage, fmt.Errorf("%s: not a trawl JSON report: %w", path, err))
	}
	if rep.SchemaVersion == "" || rep.Tool.Name == "" {
		return withCode(exitUsage, fmt.Errorf("%s: not a trawl JSON report (no schema_version or tool)", path))
	}
	if major, _, _ := strings.Cut(rep.SchemaVersion, "."); major != strings.Split(sdk.SchemaVersion, ".")[0] {
		return withCode(exitUsage, fmt.Errorf("%s: report schema %s, this trawl reads %s", path, rep.SchemaVersion, sdk.SchemaVersion))
	}
	log := e.logger(g)
	host, cat, err := e.openCatalog(g, log)
	if err != nil {
		return withCode(exitUsage, err)
	}
	defer closeAll(host, cat)
	for _, o := range outs {
		if _, err := cat.Formatter(o.format); err != nil {
			return withCode(exitUsage, err)
		}
	}
	// Re-encoded, so that the formatters get exactly the document they get after a scan.
	canonical, err := reportDocument(&rep)
	if err != nil {
		return err
	}
	for _, o := range outs {
		if err := e.write(ctx, cat, o, canonical); err != nil {
			return withCode(exitIncomplete, err)
		}
	}
	return nil
}
