package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/spf13/cobra"
	"gopkg.in/yaml.v3"

	"github.com/trawlscan/trawl/host/fetch"
	"github.com/trawlscan/trawl/host/gate"
	"github.com/trawlscan/trawl/host/ignore"
	"github.com/trawlscan/trawl/host/policy"
	"github.com/trawlscan/trawl/host/vex"
	"github.com/trawlscan/trawl/sdk"
)

// Gate settings come from flags, TRAWL_* environment variables and the configuration file
// (trawl.yaml), in that order of precedence: a flag given wins over the environment, which
// wins over the file, which wins over the defaults.

const (
	// defaultConfigFile is read from the working directory when --config is not given.
	defaultConfigFile = "trawl.yaml"
	// defaultIgnoreFile is read from the working directory when no ignore file is named.
	defaultIgnoreFile = ".trawlignore.yaml"
	// maxConfigSize bounds trawl.yaml.
	maxConfigSize = 1 << 20
)

// gateFlags are the flags of the gate: mode, thresholds, policy, ignores, VEX.
type gateFlags struct {
	config       string
	mode         string
	maxCritical  int
	maxHigh      int
	maxMedium    int
	maxLow       int
	policy       string
	policyDigest string
	ignoreFile   string
	vex          []string
	nothingFound int
	insecure     bool
}

func (f *gateFlags) register(c *cobra.Command) {
	fl := c.Flags()
	fl.StringVar(&f.config, "config", "", "configuration file of the gate: mode, thresholds, policy, ignore file, VEX (default ./"+defaultConfigFile+" if present); env TRAWL_CONFIG")
	fl.StringVar(&f.mode, "mode", sdk.ModeGetReport, "get-report (scan and write reports), evaluate-policy (and fail on the policy and thresholds), scan-only (no reports; fail on thresholds), inventory-only (packages only, no database); env TRAWL_MODE")
	fl.IntVar(&f.maxCritical, "max-critical", -1, "most CRITICAL findings allowed (-1: no limit); env TRAWL_MAX_CRITICAL")
	fl.IntVar(&f.maxHigh, "max-high", -1, "most HIGH findings allowed (-1: no limit); env TRAWL_MAX_HIGH")
	fl.IntVar(&f.maxMedium, "max-medium", -1, "most MEDIUM findings allowed (-1: no limit); env TRAWL_MAX_MEDIUM")
	fl.IntVar(&f.maxLow, "max-low", -1, "most LOW findings allowed (-1: no limit); env TRAWL_MAX_LOW")
	fl.StringVar(&f.policy, "policy", "", "policy of ALLOW, DENY and AUDIT rules: a file, an https:// URL or an oci:// reference; env TRAWL_POLICY")
	fl.StringVar(&f.policyDigest, "policy-digest", "", "refuse the policy unless its sha256 is this (sha256:...); env TRAWL_POLICY_DIGEST")
	fl.StringVar(&f.ignoreFile, "ignore-file", "", "ignore entries with reasons and expiry dates (default ./"+defaultIgnoreFile+" if present); env TRAWL_IGNORE_FILE")
	fl.StringArrayVar(&f.vex, "vex", nil, "OpenVEX document whose not_affected and fixed statements suppress findings; repeatable; env TRAWL_VEX (comma-separated)")
	fl.IntVar(&f.nothingFound, "nothing-found-exit-code", exitNothingFound, "exit status when nothing scannable was found (0 to treat it as a pass); env TRAWL_NOTHING_FOUND_EXIT_CODE")
}

// fileConfig is trawl.yaml.
type fileConfig struct {
	Mode       string `yaml:"mode"`
	Thresholds struct {
		MaxCritical *int `yaml:"max_critical"`
		MaxHigh     *int `yaml:"max_high"`
		MaxMedium   *int `yaml:"max_medium"`
		MaxLow      *int `yaml:"max_low"`
	} `yaml:"thresholds"`
	Policy               string   `yaml:"policy"`
	PolicyDigest         string   `yaml:"policy_digest"`
	IgnoreFile           string   `yaml:"ignore_file"`
	VEX                  []string `yaml:"vex"`
	NothingFoundExitCode *int     `yaml:"nothing_found_exit_code"`
}

// gateSettings are the resolved settings.
type gateSettings struct {
	mode         string
	thresholds   sdk.Thresholds
	policy       string
	policyDigest string
	ignoreFile   string
	// ignoreOptional: the default ignore file, read only if present.
	ignoreOptional bool
	vex            []string
	nothingFound   int
}

// resolve merges flags, environment and configuration file.
func (e *env) resolveGate(c *cobra.Command, f *gateFlags) (*gateSettings, error) {
	changed := func(name string) bool { return c.Flags().Changed(name) }
	getenv := func(k string) string {
		if e.getenv == nil {
			return ""
		}
		return strings.TrimSpace(e.getenv(k))
	}

	var fc fileConfig
	cfgPath, cfgDir := f.config, ""
	if !changed("config") {
		cfgPath = getenv("TRAWL_CONFIG")
	}
	explicit := cfgPath != ""
	if !explicit {
		cfgPath = defaultConfigFile
	}
	data, err := readBounded(cfgPath, maxConfigSize)
	switch {
	case err == nil:
		dec := yaml.NewDecoder(bytes.NewReader(data))
		dec.KnownFields(true)
		if err := dec.Decode(&fc); err != nil && !errors.Is(err, io.EOF) { // empty: no settings
			return nil, usageErrorf("%s", configError(cfgPath, err))
		}
		cfgDir = filepath.Dir(cfgPath)
	case explicit || !errors.Is(err, os.ErrNotExist):
		return nil, usageErrorf("configuration: %v", err)
	}
	// Paths in the file are relative to the file.
	rel := func(p string) string {
		if p == "" || filepath.IsAbs(p) || strings.Contains(p, "://") {
			return p
		}
		return filepath.Join(cfgDir, p)
	}

	s := &gateSettings{mode: sdk.ModeGetReport, thresholds: sdk.NoLimits, nothingFound: exitNothingFound}
	pickString := func(flagName, flagVal, envName, fileVal string) string {
		switch {
		case changed(flagName):
			return flagVal
		case getenv(envName) != "":
			return getenv(envName)
		}
		return fileVal
	}
	pickInt := func(flagName string, flagVal int, envName string, fileVal *int, def int) (int, error) {
		switch {
		case changed(flagName):
			return flagVal, nil
		case getenv(envName) != "":
			n, err := strconv.Atoi(getenv(envName))
			if err != nil {
				return 0, usageErrorf("%s=%q: not an integer", envName, getenv(envName))
			}
			return n, nil
		case fileVal != nil:
			return *fileVal, nil
		}
		return def, nil
	}

	if m := pickString("mode", f.mode, "TRAWL_MODE", fc.Mode); m != "" {
		s.mode = m
	}
	switch s.mode {
	case sdk.ModeGetReport, sdk.ModeEvaluatePolicy, sdk.ModeScanOnly, sdk.ModeInventoryOnly:
	default:
		return nil, usageErrorf("mode %q: want get-report, evaluate-policy, scan-only or inventory-only", s.mode)
	}
	t := fc.Thresholds
	for _, th := range []struct {
		flag, env string
		val       int
		file      *int
		dst       *int
	}{
		{"max-critical", "TRAWL_MAX_CRITICAL", f.maxCritical, t.MaxCritical, &s.thresholds.MaxCritical},
		{"max-high", "TRAWL_MAX_HIGH", f.maxHigh, t.MaxHigh, &s.thresholds.MaxHigh},
		{"max-medium", "TRAWL_MAX_MEDIUM", f.maxMedium, t.MaxMedium, &s.thresholds.MaxMedium},
		{"max-low", "TRAWL_MAX_LOW", f.maxLow, t.MaxLow, &s.thresholds.MaxLow},
	} {
		n, err := pickInt(th.flag, th.val, th.env, th.file, -1)
		if err != nil {
			return nil, err
		}
		if n < -1 {
			return nil, usageErrorf("%s %d: want -1 (no limit) or a count", strings.ReplaceAll(th.flag, "-", "_"), n)
		}
		*th.dst = n
	}
	s.policy = pickString("policy", f.policy, "TRAWL_POLICY", rel(fc.Policy))
	s.policyDigest = pickString("policy-digest", f.policyDigest, "TRAWL_POLICY_DIGEST", fc.PolicyDigest)
	s.ignoreFile = pickString("ignore-file", f.ignoreFile, "TRAWL_IGNORE_FILE", rel(fc.IgnoreFile))
	if s.ignoreFile == "" {
		s.ignoreFile, s.ignoreOptional = defaultIgnoreFile, true
	}
	switch {
	case changed("vex"):
		s.vex = f.vex
	case getenv("TRAWL_VEX") != "":
		for _, v := range strings.Split(getenv("TRAWL_VEX"), ",") {
			if v = strings.TrimSpace(v); v != "" {
				s.vex = append(s.vex, v)
			}
		}
	default:
		for _, v := range fc.VEX {
			s.vex = append(s.vex, rel(v))
		}
	}
	if s.nothingFound, err = pickInt("nothing-found-exit-code", f.nothingFound, "TRAWL_NOTHING_FOUND_EXIT_CODE", fc.NothingFoundExitCode, exitNothingFound); err != nil {
		return nil, err
	}
	if s.nothingFound < 0 || s.nothingFound > 125 {
		return nil, usageErrorf("nothing_found_exit_code %d: want 0 to 125", s.nothingFound)
	}
	return s, nil
}

// configError words yaml's errors for the person editing the file: each with the file and
// line, and an unknown key called so rather than by the Go type it missed.
func configError(path string, err error) string {
	var te *yaml.TypeError
	if !errors.As(err, &te) {
		return path + ": " + strings.TrimPrefix(err.Error(), "yaml: ")
	}
	var b strings.Builder
	for i, e := range te.Errors {
		if i > 0 {
			b.WriteString("\n")
		}
		if line, rest, ok := strings.Cut(e, ": field "); ok {
			if key, _, ok := strings.Cut(rest, " not found in type"); ok {
				e = line + ": unknown key " + key
			}
		}
		b.WriteString(path + ": " + e)
	}
	return b.String()
}

func readBounded(path string, max int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var b bytes.Buffer
	if _, err := b.ReadFrom(io.LimitReader(f, max+1)); err != nil {
		return nil, err
	}
	if int64(b.Len()) > max {
		return nil, fmt.Errorf("%s: larger than %d bytes", path, max)
	}
	return b.Bytes(), nil
}

// loadGate loads what the settings name: the policy (fetched, digest checked), the ignore
// file and the VEX documents. Every failure is a configuration error.
func (e *env) loadGate(ctx context.Context, g *globalFlags, s *gateSettings) (gate.Config, error) {
	c := gate.Config{Mode: s.mode, Thresholds: s.thresholds, Now: e.now()}
	if s.mode == sdk.ModeInventoryOnly {
		return c, nil
	}
	if s.policy != "" {
		remoteSource := strings.HasPrefix(s.policy, "https://") || strings.HasPrefix(s.policy, "http://") || strings.HasPrefix(s.policy, "oci://")
		if remoteSource && g.offline {
			return c, usageErrorf("policy %s: --offline forbids the network", fetch.Redact(s.policy))
		}
		opts := []fetch.Option{fetch.WithRemoteOptions(remote.WithAuthFromKeychain(authn.DefaultKeychain))}
		if s.policyDigest != "" {
			opts = append(opts, fetch.WithDigest(s.policyDigest))
		}
		if e.policyHTTP != nil {
			opts = append(opts, fetch.WithHTTPClient(e.policyHTTP))
		}
		if e.insecurePolicy {
			opts = append(opts, fetch.WithInsecureHTTP(true))
		}
		doc, err := fetch.Get(ctx, s.policy, opts...)
		if err != nil {
			return c, usageErrorf("policy: %v", err)
		}
		p, err := policy.Parse(doc.Source, doc.Data)
		if err != nil {
			return c, usageErrorf("policy: %v", err)
		}
		c.Policy = p
		c.PolicyInfo = &sdk.PolicyInfo{Name: p.Name, Source: doc.Source, Digest: doc.Digest, Resolved: doc.Resolved}
	}
	if s.ignoreFile != "" {
		l, err := ignore.Load(s.ignoreFile)
		switch {
		case err == nil:
			c.Ignores = l
		case s.ignoreOptional && errors.Is(err, os.ErrNotExist):
		default:
			return c, usageErrorf("ignore file: %v", err)
		}
	}
	var docs []*vex.Document
	for _, path := range s.vex {
		d, err := vex.Load(path)
		if err != nil {
			return c, usageErrorf("--vex: %v", err)
		}
		docs = append(docs, d)
		c.VEXSources = append(c.VEXSources, path)
	}
	if len(docs) > 0 {
		c.VEX = vex.NewIndex(docs...)
	}
	return c, nil
}
