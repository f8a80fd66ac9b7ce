//go:build unix

package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/trawlscan/trawl/host/native/nativetest"
	"github.com/trawlscan/trawl/sdk"
)

func TestNativePluginNeedsAllow(t *testing.T) {
	code, out, errOut := trawl(t, "fs", t.TempDir(), "--native-plugin", "/nonexistent/acme", "-f", "json")
	if code != exitUsage || out != "" || !strings.Contains(errOut, "native plugins are not sandboxed") || !strings.Contains(errOut, "--allow-native-plugins") {
		t.Fatalf("exit %d\nstdout: %s\nstderr: %s", code, out, errOut)
	}
}

// A native analyzer and formatter take part in a scan as modules do: the analyzer's
// packages and confirmed secrets are in the report, which lists it, and the formatter writes
// its format.
func TestNativePluginScan(t *testing.T) {
	bin := nativetest.Build(t)
	tree := t.TempDir()
	write := func(name, content string) {
		t.Helper()
		p := filepath.Join(tree, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("srv/acme.lock", "left-pad 1.3.0\nwidget 2.0.1\n")
	write("srv/.env", "ACME=acme_0123456789abcdef\nTEST=acme_abcdefabcdef0000\n")
	acmeOut := filepath.Join(t.TempDir(), "report.acme")
	code, out, errOut := trawl(t, "fs", tree, "--allow-native-plugins",
		"--native-plugin", filepath.Join(bin, "acme"), "--native-plugin", filepath.Join(bin, "acme-format"),
		"-f", "json", "-f", "acme="+acmeOut)
	if code != exitOK {
		t.Fatalf("exit %d\nstderr: %s", code, errOut)
	}
	rep := reportOf(t, out)
	var names []string
	for _, p := range rep.Packages {
		if p.Analyzer == "acme/acme" {
			names = append(names, p.Name+"@"+p.Version)
		}
	}
	if strings.Join(names, ",") != "left-pad@1.3.0,widget@2.0.1" {
		t.Errorf("packages of the native analyzer: %v", names)
	}
	var st *sdk.PluginStatus
	for i := range rep.Plugins {
		if rep.Plugins[i].Name == "acme" {
			st = &rep.Plugins[i]
		}
	}
	if st == nil || st.Status != sdk.PluginOK || st.Kind != sdk.KindAnalyzer || st.Version != "0.1.0" || st.Files == 0 {
		t.Errorf("plugin status: %+v", st)
	}
	var secrets []string
	for _, s := range rep.Secrets {
		if s.RuleID == "acme-token" {
			secrets = append(secrets, s.Location.Path+":"+s.Title)
		}
	}
	if strings.Join(secrets, ",") != "srv/.env:Acme API token (checksum valid)" {
		t.Errorf("confirmed secrets: %v", secrets)
	}
	got, err := os.ReadFile(acmeOut)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(got), "acme report of "+tree+": ") || !strings.Contains(string(got), "generic left-pad 1.3.0\n") || !strings.Contains(string(got), "secret acme-token srv/.env:1 ") {
		t.Errorf("acme report:\n%s", got)
	}
}

// A native plugin that crashes, or cannot be launched, is reported as a failed module is:
// in the report's plugins, and exit status 4.
func TestNativePluginFailures(t *testing.T) {
	bin := nativetest.Build(t)
	tree := t.TempDir()
	if err := os.WriteFile(filepath.Join(tree, "acme.lock"), []byte("CRASH\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(t.TempDir(), "missing")
	code, out, errOut := trawl(t, "fs", tree, "--scanners", "vuln", "--allow-native-plugins",
		"--native-plugin", filepath.Join(bin, "acme"), "--native-plugin", missing, "-f", "json")
	if code != exitIncomplete {
		t.Fatalf("exit %d\nstderr: %s", code, errOut)
	}
	rep := reportOf(t, out)
	statuses := map[string]sdk.PluginStatus{}
	for _, p := range rep.Plugins {
		statuses[p.Name] = p
	}
	if st := statuses["acme"]; st.Status != sdk.PluginFailed || !strings.Contains(st.Error, "the plugin process exited (plugin said: panic: acme exploded") {
		t.Errorf("crashed plugin: %+v", st)
	}
	if st := statuses[missing]; st.Status != sdk.PluginRefused || !strings.Contains(st.Error, "no such file") {
		t.Errorf("missing plugin: %+v", st)
	}
	if !strings.Contains(errOut, "trawl: plugin acme failed") {
		t.Errorf("stderr: %s", errOut)
	}
}
