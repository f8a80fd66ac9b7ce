package integrations

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// jenkinsStepDoc is what trawlScan.groovy says it runs, read from its source: the
// parameter → variable table, the step's own defaults, the library resource and the sh
// script.
type jenkinsStepDoc struct {
	settings map[string]string // parameter → TRAWL_CI_ variable
	defaults map[string]string // TRAWL_CI_ variable → value
	resource string
	sh       string
	record   []string // the record's keys the step reads
}

func loadJenkinsStep(t testing.TB) *jenkinsStepDoc {
	t.Helper()
	src := string(readFile(t, jenkinsStep))
	d := &jenkinsStepDoc{settings: map[string]string{}, defaults: map[string]string{}}
	for _, m := range regexp.MustCompile(`\['(\w+)', '(TRAWL_CI_\w+)'\]`).FindAllStringSubmatch(src, -1) {
		d.settings[m[1]] = m[2]
	}
	block := regexp.MustCompile(`(?s)Map settings = \[(.*?)\n    \]`).FindStringSubmatch(src)
	if block == nil {
		t.Fatal("trawlScan.groovy: no `Map settings = [...]` of defaults")
	}
	for _, m := range regexp.MustCompile(`(TRAWL_CI_\w+)\s*:\s*'([^']*)'`).FindAllStringSubmatch(block[1], -1) {
		d.defaults[m[1]] = m[2]
	}
	res := regexp.MustCompile(`libraryResource\('([^']+)'\)`).FindAllStringSubmatch(src, -1)
	shs := regexp.MustCompile(`sh\(script: '([^']+)', returnStatus: true\)`).FindAllStringSubmatch(src, -1)
	if len(res) != 1 || len(shs) == 0 {
		t.Fatalf("trawlScan.groovy: %d libraryResource, %d sh(script:..., returnStatus: true)", len(res), len(shs))
	}
	for _, m := range shs {
		if m[1] != shs[0][1] {
			t.Fatalf("trawlScan.groovy runs two scripts: %q and %q", shs[0][1], m[1])
		}
	}
	d.resource, d.sh = res[0][1], shs[0][1]
	for _, m := range regexp.MustCompile(`record\.(TRAWL_\w+)`).FindAllStringSubmatch(src, -1) {
		d.record = append(d.record, m[1])
	}
	return d
}

// jenkinsScan does what trawlScan(config) does up to the sh step: the script from the
// library's resources written to the workspace@tmp directory, the variables of the
// defaults and the parameters, and sh -xe (Jenkins' sh step) of the step's script.
func jenkinsScan(t *testing.T, d *jenkinsStepDoc, workspace string, config map[string]any, pathDirs ...string) result {
	t.Helper()
	env := baseEnv(t, pathDirs...)
	env["JENKINS_URL"] = "https://jenkins.example.com/"
	env["WORKSPACE"] = workspace
	for k, v := range d.defaults {
		env[k] = v
	}
	if _, ok := config["outputDir"]; !ok {
		config["outputDir"] = "trawl-reports"
	}
	for k, v := range config {
		variable, ok := d.settings[k]
		if !ok {
			t.Fatalf("trawlScan has no parameter %q", k)
		}
		env[variable] = fmt.Sprint(v)
	}
	tmp := t.TempDir()
	env["TRAWL_CI_SH"] = filepath.Join(tmp, "trawl-ci.sh")
	if err := os.WriteFile(env["TRAWL_CI_SH"], readFile(t, filepath.Join("jenkins", "resources", d.resource)), 0o644); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(tmp, "script.sh")
	if err := os.WriteFile(file, []byte(d.sh), 0o644); err != nil {
		t.Fatal(err)
	}
	return run(t, workspace, env, "sh", "-xe", file)
}

// TestJenkinsStep runs the shared library step's script on the demo image and a source
// tree, and checks what the step then reads: the record, the SARIF and JUnit reports.
func TestJenkinsStep(t *testing.T) {
	f := getFixture(t)
	d := loadJenkinsStep(t)
	if d.defaults["TRAWL_CI_PLATFORM"] != "jenkins" || d.defaults["TRAWL_CI_ON_POLICY_FAILURE"] != "fail" {
		t.Fatalf("step defaults %v: the step maps the exit status itself", d.defaults)
	}
	common := map[string]any{"install": "none", "db": f.db, "offline": true, "cacheDir": f.cache}
	cases := []struct {
		name    string
		config  map[string]any
		tree    bool
		code    int
		verdict string
		junit   int // failures, -1: no JUnit
	}{
		{"evaluate-policy", map[string]any{"input": abs(t, demoImage), "mode": "evaluate-policy", "maxHigh": 0}, false, 1, "fail", 10},
		{"get-report", map[string]any{"input": abs(t, demoImage), "formats": []string{"table", "json", "sarif"}}, false, 0, "pass", 10},
		{"source tree", map[string]any{"path": ".", "mode": "evaluate-policy", "maxCritical": 0, "outputDir": "reports/source"}, true, 0, "pass", 11},
		{"bad flag", map[string]any{"input": abs(t, demoImage), "args": "--bogus"}, false, 2, "error", -1},
		{"no JUnit", map[string]any{"input": abs(t, demoImage), "junit": false}, false, 0, "pass", -1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			ws := t.TempDir()
			if c.tree {
				ws = sourceTree(t, true)
			}
			config := map[string]any{}
			for k, v := range common {
				config[k] = v
			}
			for k, v := range c.config {
				if l, ok := v.([]string); ok {
					v = strings.Join(l, ",") // as the step joins a list
				}
				config[k] = v
			}
			r := jenkinsScan(t, d, ws, config, f.dir)
			wantCode(t, r, c.code)
			out := fmt.Sprint(config["outputDir"])
			rec := record(t, filepath.Join(ws, out, "trawl-ci.env"))
			if rec["TRAWL_VERDICT"] != c.verdict {
				t.Errorf("verdict %q, want %q", rec["TRAWL_VERDICT"], c.verdict)
			}
			if c.code == 2 {
				return
			}
			for _, k := range d.record {
				if k == "TRAWL_REPORT_JUNIT" && c.junit < 0 {
					continue
				}
				if rec[k] == "" {
					t.Errorf("the step reads %s, which the record lacks: %v", k, rec)
				}
			}
			if !exists(filepath.Join(ws, rec["TRAWL_REPORT_SARIF"])) || !strings.HasPrefix(rec["TRAWL_REPORT_SARIF"], out+"/") {
				t.Errorf("SARIF %q: not in %s (archiveArtifacts %s/**)", rec["TRAWL_REPORT_SARIF"], out, out)
			}
			if c.junit < 0 {
				if rec["TRAWL_REPORT_JUNIT"] != "" {
					t.Errorf("a JUnit report: %s", rec["TRAWL_REPORT_JUNIT"])
				}
				return
			}
			var doc junitDoc
			if err := xml.Unmarshal(readFile(t, filepath.Join(ws, rec["TRAWL_REPORT_JUNIT"])), &doc); err != nil {
				t.Fatal(err)
			}
			if doc.Failures < c.junit || doc.Failures > c.junit+1 { // +1: the verdict, when the report has it
				t.Errorf("JUnit: %d failures, want %d", doc.Failures, c.junit)
			}
		})
	}
}

// groovyEnv finds groovy (Jenkins runs Pipeline scripts in Groovy 2.4) and a JAVA_HOME for
// it; the test skips without them.
func groovyEnv(t *testing.T) (string, map[string]string) {
	t.Helper()
	groovy, err := exec.LookPath("groovy")
	if err != nil {
		t.Skip("groovy is not installed: trawlScan.groovy itself is not run (apt-get install groovy runs it); its script is, by TestJenkinsStep")
	}
	env := baseEnv(t)
	if home := os.Getenv("JAVA_HOME"); home != "" {
		env["JAVA_HOME"] = home
	} else if java, err := exec.LookPath("java"); err == nil {
		if real, err := filepath.EvalSymlinks(java); err == nil {
			env["JAVA_HOME"] = filepath.Dir(filepath.Dir(real))
		}
	}
	return groovy, env
}

// TestJenkinsStepGroovy runs trawlScan.groovy itself, in Groovy, with the Pipeline steps
// it calls standing in (testdata/jenkins-step.groovy; sh runs for real), and parses the
// example Jenkinsfile.
func TestJenkinsStepGroovy(t *testing.T) {
	groovy, genv := groovyEnv(t)
	f := getFixture(t)
	common := map[string]any{"install": "none", "trawl": f.trawl, "db": f.db, "offline": true, "cacheDir": f.cache}
	type call struct {
		Step, Message, Pattern, TestResults string
		Tools                               []struct{ Tool, Pattern, ID string }
		SkipMarkingBuildUnstable            bool
	}
	cases := []struct {
		name     string
		config   map[string]any
		result   string
		exitCode int
		errorMsg string
		steps    []string
	}{
		{"unstable", map[string]any{"input": abs(t, demoImage), "mode": "evaluate-policy", "maxHigh": 0, "onPolicyFailure": "unstable"}, "UNSTABLE", 1, "",
			[]string{"archiveArtifacts", "recordIssues", "junit", "unstable"}},
		{"failure", map[string]any{"input": abs(t, demoImage), "mode": "evaluate-policy", "maxHigh": 0}, "FAILURE", -1, "trawl: the verdict failed (exit status 1)",
			[]string{"archiveArtifacts", "recordIssues", "junit"}},
		{"pass", map[string]any{"input": abs(t, demoImage), "vex": []string{}, "formats": []string{"json", "sarif"}, "issuesId": "trawl-demo"}, "SUCCESS", 0, "",
			[]string{"archiveArtifacts", "recordIssues", "junit"}},
		{"bad flag", map[string]any{"input": abs(t, demoImage), "args": "--bogus"}, "FAILURE", -1, "trawl exited 2: usage or configuration error",
			[]string{"archiveArtifacts"}},
		{"unknown parameter", map[string]any{"input": abs(t, demoImage), "maxhigh": 0}, "FAILURE", -1, "trawlScan: unknown parameter 'maxhigh'", nil},
		{"registry credentials", map[string]any{"image": "registry.example.com/app:1", "registryCredentialsId": "registry", "recordIssues": false, "junit": false}, "FAILURE", -1,
			"trawl exited 3: scan error", []string{"archiveArtifacts"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			config := map[string]any{}
			for k, v := range common {
				config[k] = v
			}
			for k, v := range c.config {
				config[k] = v
			}
			cj, _ := json.Marshal(config)
			env := map[string]string{}
			for k, v := range genv {
				env[k] = v
			}
			ws := t.TempDir()
			r := run(t, ws, env, groovy, abs(t, "testdata/jenkins-step.groovy"), abs(t, "jenkins"), ws, string(cj))
			wantCode(t, r, 0)
			var out struct {
				Calls    []call
				Returned *struct {
					ExitCode  int
					Verdict   string
					ReportDir string
					Reports   []string
				}
				Error, Result string
			}
			lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
			if err := json.Unmarshal([]byte(lines[len(lines)-1]), &out); err != nil {
				t.Fatalf("%v\n%s", err, r)
			}
			if out.Result != c.result || !strings.HasPrefix(out.Error, c.errorMsg) || (out.Error == "") != (c.errorMsg == "") || (out.Returned == nil) != (c.exitCode < 0) {
				t.Fatalf("result %s, error %q, returned %+v; want %s, %q\n%s", out.Result, out.Error, out.Returned, c.result, c.errorMsg, r)
			}
			if out.Returned != nil && out.Returned.ExitCode != c.exitCode {
				t.Errorf("returned exit code %d, want %d", out.Returned.ExitCode, c.exitCode)
			}
			var steps []string
			for _, s := range out.Calls {
				steps = append(steps, s.Step)
				switch s.Step {
				case "recordIssues":
					if len(s.Tools) != 1 || s.Tools[0].Tool != "sarif" || s.Tools[0].Pattern != "trawl-reports/trawl.sarif" || !exists(filepath.Join(ws, s.Tools[0].Pattern)) {
						t.Errorf("recordIssues %+v", s.Tools)
					}
					if c.config["issuesId"] != nil && s.Tools[0].ID != c.config["issuesId"] {
						t.Errorf("recordIssues id %q", s.Tools[0].ID)
					}
				case "junit":
					if s.TestResults != "trawl-reports/trawl-junit.xml" || !s.SkipMarkingBuildUnstable || !exists(filepath.Join(ws, s.TestResults)) {
						t.Errorf("junit %+v", s)
					}
				}
			}
			if strings.Join(steps, ",") != strings.Join(c.steps, ",") {
				t.Errorf("steps %v, want %v", steps, c.steps)
			}
		})
	}
	t.Run("Jenkinsfile", func(t *testing.T) {
		t.Parallel()
		// The example parses as Groovy (@Library stands in as an annotation).
		file := filepath.Join(t.TempDir(), "Jenkinsfile.groovy")
		os.WriteFile(file, append([]byte("@interface Library { String[] value() }\n"), readFile(t, "jenkins/examples/Jenkinsfile")...), 0o644)
		r := run(t, ".", genv, groovy, "-e", "new GroovyShell().parse(new File(args[0])); println 'parsed'", file)
		if r.code != 0 || !strings.Contains(r.stdout, "parsed") {
			t.Errorf("the example Jenkinsfile does not parse:\n%s", r)
		}
	})
}
