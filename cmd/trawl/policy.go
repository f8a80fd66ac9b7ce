package main

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"strings"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/spf13/cobra"

	"github.com/trawlscan/trawl/host/fetch"
	"github.com/trawlscan/trawl/host/policy"
)

// policyCmd helps the people who write policies: check one before it gates pipelines, and
// publish it where pipelines fetch it.
func (e *env) policyCmd(g *globalFlags) *cobra.Command {
	c := &cobra.Command{Use: "policy", Short: "Check and publish ALLOW / DENY / AUDIT policies"}
	var digest string
	check := &cobra.Command{
		Use:   "check SOURCE",
		Short: "Load a policy (file, https:// URL or oci:// reference) and report its rules or its errors",
		Args:  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			gs := &gateSettings{mode: "get-report", policy: args[0], policyDigest: digest}
			cfg, err := e.loadGate(cmd.Context(), g, gs)
			if err != nil {
				return err
			}
			p, info := cfg.Policy, cfg.PolicyInfo
			fmt.Fprintf(e.stdout, "policy %q: %d rules, default %s\nsource: %s\ndigest: %s\n", p.Name, len(p.Rules), p.Default, info.Source, info.Digest)
			for _, r := range p.Rules {
				fmt.Fprintf(e.stdout, "  line %d\t%-5s\t%s\n", r.Line, r.Action, r.ID)
			}
			return nil
		},
	}
	check.Flags().StringVar(&digest, "digest", "", "refuse the policy unless its sha256 is this (sha256:...)")
	push := &cobra.Command{
		Use:   "push FILE REF",
		Short: "Publish a policy as an OCI artifact (media type " + fetch.DefaultMediaType + ")",
		Args:  exactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			data, err := os.ReadFile(args[0])
			if err != nil {
				return usageErrorf("%v", err)
			}
			// A policy that does not load is not published.
			if _, err := policy.Parse(args[0], data); err != nil {
				return usageErrorf("%v", err)
			}
			if g.offline {
				return usageErrorf("--offline forbids the network")
			}
			manifest, err := fetch.Push(cmd.Context(), args[1], data, fetch.DefaultMediaType, remote.WithAuthFromKeychain(authn.DefaultKeychain), remote.WithContext(cmd.Context()))
			if err != nil {
				return withCode(exitScanError, err)
			}
			ref := strings.TrimPrefix(fetch.Redact(args[1]), "oci://")
			sum := sha256.Sum256(data)
			d := "sha256:" + hex.EncodeToString(sum[:])
			fmt.Fprintf(e.stdout, "pushed %s (manifest %s)\nuse it with --policy oci://%s --policy-digest %s\n", ref, manifest, ref, d)
			return nil
		},
	}
	c.AddCommand(check, push)
	return c
}
