// Package gate turns a scan's findings into a verdict, as a pipeline's security gate must:
// it takes out the findings that ignore entries and VEX statements suppress, records the
// policy's decision on each of the rest, counts what is neither suppressed nor allowed
// against the thresholds, and says whether the scan passes in its mode.
//
// The order is fixed and documented in README.md: ignore entries first (a team's own
// decision, with an expiry), then VEX statements (a supplier's), then the policy's rules;
// thresholds count what is left, less what the policy allows. A suppressed finding is not
// evaluated by the policy, so that a DENY rule cannot overrule an accepted exception.
package gate

import (
	"fmt"
	"strings"
	"time"

	"github.com/trawlscan/trawl/host/ignore"
	"github.com/trawlscan/trawl/host/policy"
	"github.com/trawlscan/trawl/host/vex"
	"github.com/trawlscan/trawl/sdk"
)

// Config is what the gate applies. The zero value of each part applies nothing: no
// ignores, no VEX, no policy, and (with NoLimits) no thresholds.
type Config struct {
	// Mode is one of the sdk.Mode* constants; it decides which failures are enforced.
	Mode       string
	Thresholds sdk.Thresholds
	Policy     *policy.Policy
	// PolicyInfo is recorded in the verdict: where the policy came from, its digest.
	PolicyInfo *sdk.PolicyInfo
	Ignores    *ignore.List
	VEX        *vex.Index
	// VEXSources name the VEX documents, for the verdict.
	VEXSources []string
	// Now is the time ignore expiries and advisory ages are measured against.
	Now time.Time
}

// maxReasons bounds the reasons listed in a verdict: a gate that fails on thousands of
// findings says so in a count.
const maxReasons = 20

// Apply applies c to rep: suppressed findings move to rep.Suppressed, the others carry the
// policy's decision, and the verdict is returned (and set in rep.Verdict).
func Apply(rep *sdk.Report, c Config) *sdk.Verdict {
	v := &sdk.Verdict{Mode: c.Mode, Thresholds: c.Thresholds, Policy: c.PolicyInfo, VEX: c.VEXSources}
	if c.Ignores != nil {
		v.IgnoreFile = c.Ignores.Source
		for _, e := range c.Ignores.Expired(c.Now) {
			v.ExpiredIgnores = append(v.ExpiredIgnores, sdk.ExpiredIgnore{
				ID: e.ID, PURL: e.PURL, Path: e.Path, Reason: e.Reason, Expires: e.Expires,
				Source: fmt.Sprintf("%s:%d", c.Ignores.Source, e.Line),
			})
		}
	}
	var denied []string
	// decide evaluates the policy (set) on a finding; what names it, only for a reason.
	decide := func(f policy.Finding, what func() string) *sdk.Decision {
		d := c.Policy.Evaluate(f, c.Now)
		if v.Actions == nil {
			v.Actions = map[string]int{}
		}
		v.Actions[string(d.Action)]++
		if d.Action == policy.Deny {
			by := "the policy's default"
			if d.Rule != "" {
				by = "rule " + d.Rule
			}
			denied = append(denied, fmt.Sprintf("DENY by %s: %s", by, what()))
		}
		return &sdk.Decision{Action: string(d.Action), Rule: d.Rule, Description: d.Description, Error: d.Err}
	}

	// Only a policy reads what the findings do not carry (licenses, dependency kind).
	var pkgs packageIndex
	if c.Policy != nil {
		pkgs = indexPackages(rep.Packages)
	}
	var sup sdk.Suppressed
	keptVulns := rep.Vulnerabilities[:0:0]
	for _, f := range rep.Vulnerabilities {
		if s := c.suppressVulnerability(f); s != nil {
			f.Suppression = s
			sup.Vulnerabilities = append(sup.Vulnerabilities, f)
			continue
		}
		if c.Policy != nil {
			f.Policy = decide(policy.FromVulnerability(f, pkgs.find(f.Package)), func() string {
				return fmt.Sprintf("%s in %s %s", f.ID, f.Package.Name, f.Package.Version)
			})
		}
		if f.Policy == nil || f.Policy.Action != sdk.ActionAllow {
			count(&v.Counted, f.Severity)
		}
		keptVulns = append(keptVulns, f)
	}
	keptSecrets := rep.Secrets[:0:0]
	for _, f := range rep.Secrets {
		if e := c.Ignores.MatchSecret(f, c.Now); e != nil {
			f.Suppression = c.ignored(e)
			sup.Secrets = append(sup.Secrets, f)
			continue
		}
		if c.Policy != nil {
			f.Policy = decide(policy.FromSecret(f), func() string {
				return fmt.Sprintf("secret %s in %s:%d", f.RuleID, f.Location.Path, f.Location.Line)
			})
		}
		if f.Policy == nil || f.Policy.Action != sdk.ActionAllow {
			count(&v.Counted, f.Severity)
		}
		keptSecrets = append(keptSecrets, f)
	}
	rep.Vulnerabilities, rep.Secrets = keptVulns, keptSecrets
	if n := len(sup.Vulnerabilities) + len(sup.Secrets); n > 0 {
		v.Suppressed = n
		rep.Suppressed = &sup
	}

	exceeded := exceeded(c.Thresholds, v.Counted)
	var failures []string
	switch c.Mode {
	case sdk.ModeScanOnly:
		failures = exceeded
	case sdk.ModeInventoryOnly:
	default:
		failures = append(exceeded, denied...)
	}
	v.Enforced = c.Mode == sdk.ModeEvaluatePolicy || c.Mode == sdk.ModeScanOnly
	v.Result = sdk.VerdictPass
	if len(failures) > 0 {
		v.Result = sdk.VerdictFail
		if len(failures) > maxReasons {
			failures = append(failures[:maxReasons:maxReasons], fmt.Sprintf("and %d more", len(failures)-maxReasons))
		}
		v.Reasons = failures
	}
	rep.Verdict = v
	return v
}

func (c Config) suppressVulnerability(f sdk.Vulnerability) *sdk.Suppression {
	if e := c.Ignores.MatchVulnerability(f, c.Now); e != nil {
		return c.ignored(e)
	}
	if c.VEX == nil {
		return nil
	}
	st := c.VEX.Match(f)
	if st == nil || !st.Suppresses() {
		return nil
	}
	reason := string(st.Justification)
	if st.ImpactStatement != "" {
		reason = strings.TrimSpace(reason + ": " + st.ImpactStatement)
		reason = strings.TrimPrefix(reason, ": ")
	}
	return &sdk.Suppression{Kind: sdk.SuppressedByVEX, Source: st.Source, Status: string(st.Status), Reason: reason}
}

func (c Config) ignored(e *ignore.Entry) *sdk.Suppression {
	s := &sdk.Suppression{Kind: sdk.SuppressedByIgnore, Source: fmt.Sprintf("%s:%d", c.Ignores.Source, e.Line), Reason: e.Reason}
	if !e.Expires.IsZero() {
		t := e.Expires
		s.Expires = &t
	}
	return s
}

// exceeded describes each threshold that counts exceed.
func exceeded(t sdk.Thresholds, c sdk.SeverityCounts) []string {
	var out []string
	for _, l := range []struct {
		name     string
		max, got int
	}{
		{"critical", t.MaxCritical, c.Critical},
		{"high", t.MaxHigh, c.High},
		{"medium", t.MaxMedium, c.Medium},
		{"low", t.MaxLow, c.Low},
	} {
		if l.max >= 0 && l.got > l.max {
			out = append(out, fmt.Sprintf("%d %s findings, more than max_%s %d", l.got, strings.ToUpper(l.name), l.name, l.max))
		}
	}
	return out
}

// count adds a finding of severity sev to c.
func count(c *sdk.SeverityCounts, sev string) {
	switch sev {
	case sdk.SeverityCritical:
		c.Critical++
	case sdk.SeverityHigh:
		c.High++
	case sdk.SeverityMedium:
		c.Medium++
	case sdk.SeverityLow:
		c.Low++
	case sdk.SeverityNegligible:
		c.Negligible++
	default:
		c.Unknown++
	}
}

// packageIndex finds the package a finding is about, for what the finding does not carry
// (licenses, whether it is a direct or a development dependency).
type packageIndex struct {
	byPURL map[string]*sdk.Package
	byName map[[3]string]*sdk.Package
}

func indexPackages(pkgs []sdk.Package) packageIndex {
	ix := packageIndex{byPURL: map[string]*sdk.Package{}, byName: map[[3]string]*sdk.Package{}}
	for i := range pkgs {
		p := &pkgs[i]
		if p.PURL != "" {
			if _, ok := ix.byPURL[p.PURL]; !ok {
				ix.byPURL[p.PURL] = p
			}
		}
		k := [3]string{p.Type, p.Name, p.Version}
		if _, ok := ix.byName[k]; !ok {
			ix.byName[k] = p
		}
	}
	return ix
}

func (ix packageIndex) find(ref sdk.PackageRef) *sdk.Package {
	if p := ix.byPURL[ref.PURL]; p != nil && ref.PURL != "" {
		return p
	}
	return ix.byName[[3]string{ref.Type, ref.Name, ref.Version}]
}
