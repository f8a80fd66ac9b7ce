package integrations

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// azureTemplateDoc is the steps template.
type azureTemplateDoc struct {
	Parameters []struct {
		Name    string
		Type    string
		Default any
		Values  []string
	}
	Steps []map[string]any
}

func loadAzureTemplate(t testing.TB) *azureTemplateDoc {
	t.Helper()
	var doc azureTemplateDoc
	if err := yaml.Unmarshal(readFile(t, azureTemplate), &doc); err != nil {
		t.Fatalf("%s: %v", azureTemplate, err)
	}
	return &doc
}

var (
	paramRE   = regexp.MustCompile(`\$\{\{\s*parameters\.(\w+)\s*\}\}`)
	macroRE   = regexp.MustCompile(`\$\(([A-Za-z0-9_.-]+)\)`)
	setVarRE  = regexp.MustCompile(`(?m)^##vso\[task\.setvariable variable=([^;\]]+)(;[^\]]*)?\](.*)$`)
	prependRE = regexp.MustCompile(`(?m)^##vso\[task\.prependpath\](.*)$`)
)

// azureRender renders the template expressions ${{ parameters.x }} as Azure does at
// compile time: a boolean as True or False, other values as they are.
func azureRender(t testing.TB, s string, params map[string]any) string {
	t.Helper()
	return paramRE.ReplaceAllStringFunc(s, func(m string) string {
		name := paramRE.FindStringSubmatch(m)[1]
		v, ok := params[name]
		if !ok {
			t.Fatalf("no parameter %q", name)
		}
		switch v := v.(type) {
		case bool:
			if v {
				return "True"
			}
			return "False"
		case nil:
			return ""
		default:
			return fmt.Sprint(v)
		}
	})
}

// azureMacros expands $(name) macros at run time: a variable's value, the macro left as
// it is when there is none.
func azureMacros(s string, vars map[string]string) string {
	return macroRE.ReplaceAllStringFunc(s, func(m string) string {
		name := macroRE.FindStringSubmatch(m)[1]
		for k, v := range vars {
			if strings.EqualFold(k, name) {
				return v
			}
		}
		return m
	})
}

// azureVarEnv is how the agent gives variables to scripts: upper-cased, dots as
// underscores.
func azureVarEnv(name string) string {
	return strings.ToUpper(strings.ReplaceAll(name, ".", "_"))
}

type azureRun struct {
	vars   map[string]string
	code   int
	failed int // index of the failing step, -1 if none
	stdout string
	logs   strings.Builder
	tasks  []map[string]string // the task steps' inputs, rendered and expanded
}

// runAzureTemplate runs the template's bash steps as the agent would (parameters
// rendered, macros expanded, variables set by ##vso commands carried to later steps,
// bash --noprofile --norc), and renders its task steps' inputs.
func runAzureTemplate(t *testing.T, work string, given map[string]any, pathDirs ...string) *azureRun {
	t.Helper()
	doc := loadAzureTemplate(t)
	params := map[string]any{}
	for _, p := range doc.Parameters {
		params[p.Name] = p.Default
	}
	for k, v := range given {
		if _, ok := params[k]; !ok {
			t.Fatalf("the template has no parameter %q", k)
		}
		params[k] = v
	}
	sources := filepath.Join(work, "s")
	if err := os.MkdirAll(sources, 0o755); err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(filepath.Join(work, "_temp", "empty"), 0o755)
	if err := os.WriteFile(filepath.Join(sources, "requirements.txt"), readFile(t, filepath.Join(demoApp, "requirements.txt")), 0o644); err != nil {
		t.Fatal(err)
	}
	ar := &azureRun{failed: -1, vars: map[string]string{
		"Build.ArtifactStagingDirectory": filepath.Join(work, "a"),
		"Build.SourcesDirectory":         sources,
		"System.DefaultWorkingDirectory": sources,
		"Pipeline.Workspace":             work,
		"Agent.TempDirectory":            filepath.Join(work, "_temp"),
		"Agent.OS":                       "Linux",
		"TF_BUILD":                       "True",
	}}
	os.MkdirAll(ar.vars["Agent.TempDirectory"], 0o755)
	path := baseEnv(t, pathDirs...)["PATH"]
	for i, step := range doc.Steps {
		if task, ok := step["task"].(string); ok {
			inputs := map[string]string{"task": task}
			if in, ok := step["inputs"].(map[string]any); ok {
				for k, v := range in {
					inputs[k] = azureMacros(azureRender(t, fmt.Sprint(v), params), ar.vars)
				}
			}
			inputs["condition"] = azureRender(t, fmt.Sprint(step["condition"]), params)
			ar.tasks = append(ar.tasks, inputs)
			continue
		}
		script, ok := step["bash"].(string)
		if !ok {
			t.Fatalf("step %d is neither bash nor task: %v", i, step)
		}
		env := baseEnv(t)
		env["PATH"] = path
		for k, v := range ar.vars {
			env[azureVarEnv(k)] = v
		}
		if e, ok := step["env"].(map[string]any); ok {
			for k, v := range e {
				env[k] = azureMacros(azureRender(t, fmt.Sprint(v), params), ar.vars)
			}
		}
		file := filepath.Join(ar.vars["Agent.TempDirectory"], fmt.Sprintf("step%d.sh", i))
		if err := os.WriteFile(file, []byte(azureMacros(azureRender(t, script, params), ar.vars)), 0o644); err != nil {
			t.Fatal(err)
		}
		r := run(t, sources, env, "bash", "--noprofile", "--norc", file)
		ar.logs.WriteString(fmt.Sprintf("== step %d (%v)\n%s%s", i, step["displayName"], r.stdout, r.stderr))
		ar.stdout += r.stdout
		for _, m := range setVarRE.FindAllStringSubmatch(r.stdout, -1) {
			if !strings.Contains(m[2], "isoutput=true") {
				ar.vars[m[1]] = m[3]
			}
		}
		for _, m := range prependRE.FindAllStringSubmatch(r.stdout, -1) {
			path = m[1] + string(os.PathListSeparator) + path
		}
		if r.code != 0 {
			ar.code, ar.failed = r.code, i
			break
		}
	}
	return ar
}

// TestAzureTemplate runs the steps template on the demo image and a source tree.
func TestAzureTemplate(t *testing.T) {
	f := getFixture(t)
	common := map[string]any{"install": "none", "db": f.db, "offline": true, "cacheDir": f.cache}
	cases := []struct {
		name   string
		params map[string]any
		code   int
		sarif  bool
		stdout string
	}{
		{"evaluate-policy", map[string]any{"input": abs(t, demoImage), "mode": "evaluate-policy", "maxHigh": "0", "junit": true}, 1, true, "##vso[task.logissue type=error]the verdict failed"},
		{"warn", map[string]any{"input": abs(t, demoImage), "mode": "evaluate-policy", "maxHigh": "0", "onPolicyFailure": "warn"}, 0, true, "##vso[task.complete result=SucceededWithIssues;]"},
		{"get-report", map[string]any{"path": "$(Build.SourcesDirectory)"}, 0, true, ""},
		{"nothing found", map[string]any{"path": "$(Agent.TempDirectory)/empty"}, 5, true, "##vso[task.logissue type=error]trawl exited 5: nothing scannable was found"},
		{"bad flag", map[string]any{"input": abs(t, demoImage), "args": "--bogus"}, 2, false, "##vso[task.logissue type=error]trawl exited 2"},
		{"no artifacts", map[string]any{"input": abs(t, demoImage), "publishArtifacts": false}, 0, false, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			work := t.TempDir()
			params := map[string]any{}
			for k, v := range common {
				params[k] = v
			}
			for k, v := range c.params {
				params[k] = v
			}
			ar := runAzureTemplate(t, work, params, f.dir)
			if ar.code != c.code {
				t.Fatalf("exit status %d, want %d\n%s", ar.code, c.code, ar.logs.String())
			}
			if ar.code != 0 && ar.failed != 3 {
				t.Errorf("step %d failed, want the scan (3)", ar.failed)
			}
			if !strings.Contains(ar.stdout, c.stdout) {
				t.Errorf("stdout lacks %q\n%s", c.stdout, ar.logs.String())
			}
			sarif := filepath.Join(work, "a", "trawl", "trawl.sarif")
			upload := "##vso[artifact.upload containerfolder=CodeAnalysisLogs;artifactname=CodeAnalysisLogs]" + sarif + "\n"
			if got := strings.Contains(ar.stdout, upload); got != c.sarif || (c.sarif && !exists(sarif)) {
				t.Errorf("SARIF published to CodeAnalysisLogs: %v, want %v\n%s", got, c.sarif, ar.logs.String())
			}
			if ar.vars["TRAWL_REPORT_JSON"] != filepath.Join(work, "a", "trawl", "trawl.json") && c.code != 2 {
				t.Errorf("TRAWL_REPORT_JSON %q", ar.vars["TRAWL_REPORT_JSON"])
			}
			if c.params["junit"] == true && !strings.Contains(ar.stdout, "##vso[results.publish type=JUnit;") {
				t.Error("no JUnit published")
			}
			// The caches: the compiled plugins' always (the database is given here).
			if len(ar.tasks) != 2 {
				t.Fatalf("%d task steps, want the 2 caches", len(ar.tasks))
			}
			wasm := ar.tasks[1]
			if wasm["task"] != "Cache@2" || wasm["path"] != filepath.Join(f.cache, "wasm") || strings.Contains(wasm["key"], "$(") || !strings.Contains(wasm["condition"], "eq('True', 'true')") {
				t.Errorf("compiled plugins cache: %v", wasm)
			}
		})
	}
	t.Run("database cache", func(t *testing.T) {
		t.Parallel()
		work := t.TempDir()
		ar := runAzureTemplate(t, work, map[string]any{"install": "none", "path": ".", "dbUpdate": "never"}, f.dir)
		// No database and db-update never: the scan step fails, after setup gave the keys.
		if ar.code != 2 || ar.failed != 3 {
			t.Fatalf("exit status %d at step %d\n%s", ar.code, ar.failed, ar.logs.String())
		}
		db := ar.tasks[0]
		if db["path"] != filepath.Join(work, ".trawl-cache", "db") || strings.Contains(db["key"]+db["restoreKeys"], "$(") ||
			!strings.HasPrefix(db["key"], strings.TrimSpace(db["restoreKeys"])) || ar.vars["TRAWL_DB_CACHE"] != "true" {
			t.Errorf("database cache: %v", db)
		}
	})
}

// TestAzureTask runs the task (index.js under node) as the agent would: every input as
// INPUT_<NAME>, with its default when the pipeline gives none.
func TestAzureTask(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not installed: the Azure task's wrapper (index.js) is not run; its script is, by the other tests")
	}
	f := getFixture(t)
	var task struct {
		Inputs []struct {
			Name         string
			DefaultValue string
		}
	}
	if err := json.Unmarshal(readFile(t, filepath.Join(azureTaskDir, "task.json")), &task); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name   string
		inputs map[string]string
		code   int
		stdout string
	}{
		{"evaluate-policy", map[string]string{"input": abs(t, demoImage), "mode": "evaluate-policy", "maxHigh": "0"}, 1, "##vso[task.complete result=Failed;]trawl exited 1"},
		{"warn", map[string]string{"input": abs(t, demoImage), "mode": "evaluate-policy", "maxHigh": "0", "onPolicyFailure": "warn"}, 0, "##vso[task.complete result=SucceededWithIssues;]"},
		{"get-report", map[string]string{"input": abs(t, demoImage)}, 0, "##vso[artifact.upload containerfolder=CodeAnalysisLogs;artifactname=CodeAnalysisLogs]"},
		{"bad flag", map[string]string{"input": abs(t, demoImage), "args": "--bogus"}, 2, "##vso[task.complete result=Failed;]trawl exited 2"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			work := t.TempDir()
			vars := map[string]string{"Build.ArtifactStagingDirectory": filepath.Join(work, "a"), "Pipeline.Workspace": work}
			env := baseEnv(t, f.dir)
			env["TF_BUILD"] = "True"
			given := map[string]string{"install": "none", "db": f.db, "offline": "true", "cacheDir": f.cache}
			for k, v := range c.inputs {
				given[k] = v
			}
			for _, in := range task.Inputs {
				v, ok := given[in.Name]
				if !ok {
					v = in.DefaultValue
				}
				env["INPUT_"+strings.ToUpper(in.Name)] = azureMacros(v, vars)
				delete(given, in.Name)
			}
			if len(given) > 0 {
				t.Fatalf("task.json lacks inputs %v", given)
			}
			r := run(t, work, env, node, abs(t, filepath.Join(azureTaskDir, "index.js")))
			wantCode(t, r, c.code)
			if !strings.Contains(r.stdout, c.stdout) {
				t.Errorf("stdout lacks %q\n%s", c.stdout, r)
			}
		})
	}
}
