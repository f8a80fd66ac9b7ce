package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"

	"github.com/trawlscan/trawl/host/source/sourcetest"
	"github.com/trawlscan/trawl/host/wasm/wasmtest"
	"github.com/trawlscan/trawl/sdk"
)

// Planted secrets of the tests: shapes the built-in rules report, values made up here.
const (
	plantedAWS    = "AKIAZ7XQ3MLKPR5TWY2N"
	plantedGitHub = "ghp_WCzAbbbWoQoEyJT8UPgzunzF2vSHHkJfLPUf"
	plantedSlack  = "xoxb-5631365329-5631365329047-Sx2vSHHkJfLPUfWCzAbbbWoQ"
	plantedEnvAWS = "AKIAQ3MLKPR5TWY2NZ7X"
	plantedHist   = "ghp_7LTeIEv7AD8gnYMytIiJwNwPOKlSJZnO8IZ4"
)

var planted = []string{plantedAWS, plantedGitHub, plantedSlack, plantedEnvAWS, plantedHist}

// secretsImage is an image whose first layer adds two files with secrets; the second
// deletes one of them and replaces the other with the same content plus a new secret; its
// config has a secret in ENV and one in the history.
func secretsImage(t *testing.T) string {
	t.Helper()
	keep := "[default]\naws_access_key_id = " + plantedAWS + "\n"
	img := sourcetest.Image(t,
		sourcetest.AlpineLayer(t, "3.20.3"),
		sourcetest.Layer(t,
			sourcetest.File("srv/app/.env", "GITHUB_TOKEN="+plantedGitHub+"\n"),
			sourcetest.File("root/.aws/credentials", keep),
		),
		sourcetest.Layer(t,
			sourcetest.Whiteout("srv/app/.env"),
			sourcetest.File("root/.aws/credentials", keep+"slack = "+plantedSlack+"\n"),
		),
	)
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	cf = cf.DeepCopy()
	cf.Config.Env = append(cf.Config.Env, "PATH=/usr/bin", "AWS_ACCESS_KEY_ID="+plantedEnvAWS)
	cf.Config.Labels = map[string]string{"org.opencontainers.image.title": "secrets test"}
	cf.History = []v1.History{
		{CreatedBy: "/bin/sh -c #(nop) ADD file:alpine in /"},
		{CreatedBy: "/bin/sh -c git clone https://x-access-token:" + plantedHist + "@github.com/o/r.git"},
		{CreatedBy: "/bin/sh -c rm srv/app/.env"},
	}
	if img, err = mutate.ConfigFile(img, cf); err != nil {
		t.Fatal(err)
	}
	return sourcetest.WriteDockerArchive(t, img)
}

// secretRows renders secrets as "rule path:line", then for images the layer ("layer N", or
// "config" for the image config) and "deleted".
func secretRows(rep *sdk.Report) []string {
	var out []string
	for _, s := range rep.Secrets {
		row := fmt.Sprintf("%s %s:%d", s.RuleID, s.Location.Path, s.Location.Line)
		if len(rep.Artifact.Layers) > 0 {
			layer := "config"
			for i, l := range rep.Artifact.Layers {
				if l.DiffID == s.Location.LayerDiffID {
					layer = fmt.Sprintf("layer %d", i+1)
				}
			}
			row += " " + layer
		}
		if s.Deleted {
			row += " deleted"
		}
		out = append(out, row)
	}
	sort.Strings(out)
	return out
}

// TestSecretsLayers: a secret added in one layer and deleted in the next is reported with
// the layer that added it and marked deleted; one that later layers keep is reported once,
// with its first layer; the image config's ENV and history are scanned.
func TestSecretsLayers(t *testing.T) {
	rep := scanJSON(t, exitOK, "image", "--input", secretsImage(t), "--skip-db")
	want := []string{
		"aws-access-key-id image-config:env:2 config",
		"aws-access-key-id root/.aws/credentials:2 layer 2",
		"github-pat image-config:history:2 config",
		"github-pat srv/app/.env:1 layer 2 deleted",
		"slack-bot-token root/.aws/credentials:3 layer 3",
	}
	if got := secretRows(rep); !reflect.DeepEqual(got, want) {
		t.Errorf("secrets:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for _, s := range rep.Secrets {
		if len(s.Fingerprint) != 32 || s.Analyzer != "secrets/secrets" || s.Title == "" || s.Category == "" {
			t.Errorf("secret %+v lacks a field", s)
		}
	}
}

// TestSecretsNeverPrinted: the planted secrets appear in no report format (table, JSON,
// SARIF, the GitLab reports, the SBOMs), no log line and no warning, by default; --show-secrets shows
// them in the reports, still never in the log.
func TestSecretsNeverPrinted(t *testing.T) {
	img := secretsImage(t)
	dir := t.TempDir()
	formats := []string{"json", "sarif", "gitlab-container-scanning", "gitlab-dependency-scanning", "gitlab-secret-detection", "cyclonedx", "spdx"}
	for _, show := range []bool{false, true} {
		args := []string{"image", "--input", img, "--skip-db", "--debug", "-f", "table"}
		for _, f := range formats {
			args = append(args, "-f", f+"="+filepath.Join(dir, f))
		}
		if show {
			args = append(args, "--show-secrets")
		}
		code, out, errOut := trawl(t, args...)
		if code != exitOK {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		var report []byte
		for _, f := range formats {
			b, err := os.ReadFile(filepath.Join(dir, f))
			if err != nil {
				t.Fatal(err)
			}
			report = append(report, b...)
		}
		if !strings.Contains(errOut, "level=") {
			t.Fatalf("no debug log on stderr: %q", errOut)
		}
		for _, s := range planted {
			if strings.Contains(errOut, s) {
				t.Errorf("show %v: the log holds %s", show, s)
			}
			inReports := strings.Contains(out, s) || strings.Contains(string(report), s)
			if !show && inReports {
				t.Errorf("a report holds %s", s)
			}
		}
		if show && !strings.Contains(string(report), plantedSlack) {
			t.Error("--show-secrets: the JSON report does not show the secret")
		}
	}
}

// TestSecretsConfig: a configuration adds a rule, disables one, allows a path and a value,
// and a baseline drops a finding by its fingerprint.
func TestSecretsConfig(t *testing.T) {
	tree := t.TempDir()
	files := map[string]string{
		"app/settings.py":      "ACME = 'acme_0123456789abcdef0123456789abcdef'\nAWS = '" + plantedAWS + "'\n",
		"app/.env":             "GITHUB_TOKEN=" + plantedGitHub + "\nSLACK=" + plantedSlack + "\n",
		"fixtures/tokens.txt":  "ghp_7LTeIEv7AD8gnYMytIiJwNwPOKlSJZnO8IZ4\n",
		"app/allowed-value.sh": "export T=ghp_AAAAbbbbCCCCddddEEEEffffGGGGhhhhIIII\n",
	}
	for name, body := range files {
		p := filepath.Join(tree, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	all := scanJSON(t, exitOK, "fs", tree, "--skip-db")
	var slackFP string
	for _, s := range all.Secrets {
		if s.RuleID == "slack-bot-token" {
			slackFP = s.Fingerprint
		}
	}
	if slackFP == "" {
		t.Fatalf("no slack finding without a configuration: %v", secretRows(all))
	}
	cfgDir := t.TempDir()
	os.WriteFile(filepath.Join(cfgDir, "baseline.txt"), []byte("# accepted: rotated on 2026-11-01\n"+slackFP+"\n"), 0o644)
	cfg := filepath.Join(cfgDir, "secrets.yaml")
	os.WriteFile(cfg, []byte(`rules:
  - id: acme-token
    title: ACME API token
    category: saas
    severity: HIGH
    keywords: [acme_]
    regex: '\b(acme_[0-9a-f]{32})\b'
    secret_group: 1
disable: [aws-access-key-id]
allow:
  paths: ['^fixtures/']
  values: ['^ghp_AAAA']
baseline: baseline.txt
`), 0o644)
	rep := scanJSON(t, exitOK, "fs", tree, "--skip-db", "--secret-config", cfg)
	want := []string{"acme-token app/settings.py:1", "github-pat app/.env:1"}
	if got := secretRows(rep); !reflect.DeepEqual(got, want) {
		t.Errorf("with the configuration:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	// A bad configuration is a usage error that points at the file and line.
	bad := filepath.Join(cfgDir, "bad.yaml")
	os.WriteFile(bad, []byte("rules:\n  - id: x\n    regex: '('\ndisable: []\n"), 0o644)
	if code, _, errOut := trawl(t, "fs", tree, "--skip-db", "--secret-config", bad); code != exitUsage || !strings.Contains(errOut, "bad.yaml") {
		t.Errorf("bad config: exit %d, %s", code, errOut)
	}
	os.WriteFile(bad, []byte("rules: []\ndisabled: [aws]\n"), 0o644)
	if code, _, errOut := trawl(t, "fs", tree, "--skip-db", "--secret-config", bad); code != exitUsage || !strings.Contains(errOut, "line 2") {
		t.Errorf("unknown key: exit %d, %s", code, errOut)
	}
	if code, _, errOut := trawl(t, "fs", tree, "--scanners", "vuln,secrets"); code != exitUsage || !strings.Contains(errOut, `unknown scanner "secrets"`) {
		t.Errorf("bad scanner: exit %d, %s", code, errOut)
	}
}

// TestSecretsNoFalsePositives: the corpus's Alpine root filesystems and its Debian image
// hold no secret.
func TestSecretsNoFalsePositives(t *testing.T) {
	var layers []v1.Layer
	for _, v := range []string{"3.10.9", "3.12.12", "3.18.9", "3.20.3"} {
		layers = append(layers, sourcetest.AlpineLayer(t, v))
	}
	for i, l := range layers {
		rep := scanJSON(t, exitOK, "image", "--input", sourcetest.WriteDockerArchive(t, sourcetest.Image(t, l)), "--skip-db", "--scanners", "secret")
		if len(rep.Secrets) != 0 {
			t.Errorf("alpine %d: %v", i, secretRows(rep))
		}
	}
	rep := scanJSON(t, exitOK, "image", "--input", filepath.Join(sourcetest.Corpus(t), "images/debian-bookworm-minbase.tar"), "--skip-db", "--scanners", "secret")
	if len(rep.Secrets) != 0 {
		t.Errorf("debian minbase: %v", secretRows(rep))
	}
}

// TestSecretsRulePack: a third-party plugin that carries secret rules (the hostile test
// plugin, with an ACME rule) is used as the built-in one is: the host runs its rules and
// the plugin confirms their matches; one that fails to confirm leaves its findings
// reported, unconfirmed, and the scan incomplete.
func TestSecretsRulePack(t *testing.T) {
	m := hostileManifest("1.1", 2000)
	m.Name = "acme-rules"
	m.Analyzers = []sdk.AnalyzerSpec{{Name: "acme", Confirm: true, SecretRules: []sdk.SecretRule{{
		ID: "acme-token", Title: "ACME token", Category: sdk.SecretCategorySaaS, Severity: sdk.SeverityHigh,
		Keywords: []string{"acme_"}, Regex: `\b(acme_[0-9a-f]{32})\b`, SecretGroup: 1,
		Examples: sdk.SecretExamples{Match: []string{"acme_0123456789abcdef0123456789abcdef"}},
	}}}}
	plugin := filepath.Join(t.TempDir(), "acme.wasm")
	if err := os.WriteFile(plugin, wasmtest.Build(t, "../../host/wasm/testdata/hostile", m), 0o644); err != nil {
		t.Fatal(err)
	}
	tree := t.TempDir()
	os.WriteFile(filepath.Join(tree, "fine"), []byte("token = acme_0123456789abcdef0123456789abcdef\n"), 0o644)
	rep := scanJSON(t, exitOK, "fs", tree, "--plugin", plugin, "--scanners", "secret")
	if len(rep.Secrets) != 1 || rep.Secrets[0].Title != "ACME token (checked)" || rep.Secrets[0].Analyzer != "acme-rules/acme" {
		t.Fatalf("secrets %+v", rep.Secrets)
	}

	// ABI 1.2: only the rules flagged confirm go to the confirmer.
	m.ABI = "1.2"
	m.Analyzers[0].SecretRules[0].Confirm = true
	m.Analyzers[0].SecretRules = append(m.Analyzers[0].SecretRules, sdk.SecretRule{
		ID: "acme-key", Title: "ACME key", Category: sdk.SecretCategorySaaS, Severity: sdk.SeverityHigh,
		Keywords: []string{"acmek_"}, Regex: `\b(acmek_[0-9a-f]{32})\b`, SecretGroup: 1,
		Examples: sdk.SecretExamples{Match: []string{"acmek_0123456789abcdef0123456789abcdef"}},
	})
	flagged := filepath.Join(t.TempDir(), "acme-1.2.wasm")
	if err := os.WriteFile(flagged, wasmtest.Build(t, "../../host/wasm/testdata/hostile", m), 0o644); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(tree, "key"), []byte("key = acmek_0123456789abcdef0123456789abcdef\n"), 0o644)
	rep = scanJSON(t, exitOK, "fs", tree, "--plugin", flagged, "--scanners", "secret")
	var titles []string
	for _, s := range rep.Secrets {
		titles = append(titles, s.Title)
	}
	slices.Sort(titles)
	if want := []string{"ACME key", "ACME token (checked)"}; !slices.Equal(titles, want) {
		t.Fatalf("titles %q, want %q", titles, want)
	}
	os.Remove(filepath.Join(tree, "key"))

	// The hostile confirmer fails on a file named "leak": reported unconfirmed, exit 4.
	os.Rename(filepath.Join(tree, "fine"), filepath.Join(tree, "leak"))
	code, out, errOut := trawl(t, "fs", tree, "--plugin", plugin, "--scanners", "secret", "-f", "json")
	if code != exitIncomplete {
		t.Fatalf("exit %d, want %d: %s", code, exitIncomplete, errOut)
	}
	if strings.Contains(out+errOut, "acme_0123456789abcdef") {
		t.Error("the secret was printed")
	}
	var unconfirmed sdk.Report
	if err := json.Unmarshal([]byte(out), &unconfirmed); err != nil {
		t.Fatal(err)
	}
	if len(unconfirmed.Secrets) != 1 || unconfirmed.Secrets[0].Title != "ACME token" || !strings.Contains(errOut, "secrets reported unconfirmed") {
		t.Errorf("unconfirmed finding not reported: %+v\n%s", unconfirmed.Secrets, errOut)
	}
}

// TestSecretsBinaryFiles: a file with a NUL byte in its first 8 KiB is binary and not
// scanned, small or large (the small ones are read straight into the scan's buffer, the
// large ones stream); a NUL byte further on does not make it binary.
func TestSecretsBinaryFiles(t *testing.T) {
	tree := t.TempDir()
	line := "GITHUB_TOKEN=" + plantedGitHub + "\n"
	pad := strings.Repeat("x", 9<<10) + "\n"
	big := strings.Repeat("filler line of a large file\n", 50_000) // 1.4 MB: streamed
	for name, content := range map[string]string{
		"text.env":          line,
		"binary.bin":        "\x00" + line,
		"late-nul.dat":      pad + "\x00\n" + line,
		"large-text.log":    big + line,
		"large-binary.pack": "\x00" + big + line,
	} {
		if err := os.WriteFile(filepath.Join(tree, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	rep := scanJSON(t, exitOK, "fs", tree, "--skip-db", "--scanners", "secret")
	want := []string{"github-pat large-text.log:50001", "github-pat late-nul.dat:3", "github-pat text.env:1"}
	if got := secretRows(rep); !reflect.DeepEqual(got, want) {
		t.Errorf("secrets:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
