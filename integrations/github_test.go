package integrations

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// action is action.yml, the composite action.
type action struct {
	Name    string
	Inputs  map[string]struct{ Description, Default string }
	Outputs map[string]struct{ Description, Value string }
	Runs    struct {
		Using string
		Steps []actionStep
	}
}

type actionStep struct {
	ID, Name, If, Uses, Shell, Run string
	Env                            map[string]string
	With                           map[string]string
}

func loadAction(t testing.TB) *action {
	t.Helper()
	var a action
	if err := yaml.Unmarshal(readFile(t, actionPath), &a); err != nil {
		t.Fatalf("action.yml: %v", err)
	}
	return &a
}

var exprRE = regexp.MustCompile(`\$\{\{\s*(.*?)\s*\}\}`)

// ghContext is what the expressions of the action's steps see.
type ghContext struct {
	inputs  map[string]string
	steps   map[string]map[string]string // id → outputs
	github  map[string]string
	runner  map[string]string
	unknown []string
}

// eval evaluates the expressions of s: property references (inputs.x, steps.id.outputs.x,
// github.x, runner.x), 'literals' and ||, which is all the action's env and with use.
func (c *ghContext) eval(s string) string {
	return exprRE.ReplaceAllStringFunc(s, func(m string) string {
		expr := exprRE.FindStringSubmatch(m)[1]
		var v string
		for _, operand := range strings.Split(expr, "||") {
			v = c.value(strings.TrimSpace(operand))
			if v != "" {
				break
			}
		}
		return v
	})
}

func (c *ghContext) value(ref string) string {
	if strings.HasPrefix(ref, "'") && strings.HasSuffix(ref, "'") {
		return strings.Trim(ref, "'")
	}
	parts := strings.Split(ref, ".")
	switch {
	case len(parts) == 2 && parts[0] == "inputs":
		if v, ok := c.inputs[parts[1]]; ok {
			return v
		}
	case len(parts) == 4 && parts[0] == "steps" && parts[2] == "outputs":
		return c.steps[parts[1]][parts[3]] // an output never set is empty, as on GitHub
	case len(parts) == 2 && parts[0] == "github":
		if v, ok := c.github[parts[1]]; ok {
			return v
		}
	case len(parts) == 2 && parts[0] == "runner":
		if v, ok := c.runner[parts[1]]; ok {
			return v
		}
	}
	c.unknown = append(c.unknown, ref)
	return ""
}

// actionRun is one use of the action: its run steps executed as the runner would (sh -e,
// the step's env evaluated, GITHUB_OUTPUT and GITHUB_PATH read back), its uses steps'
// inputs evaluated, and the action's outputs.
type actionRun struct {
	ctx      *ghContext
	outputs  map[string]string
	failed   string // the id of the step that failed
	code     int
	logs     strings.Builder
	uses     map[string]map[string]string // step name → evaluated with
	finished []string
}

func runAction(t *testing.T, work string, with map[string]string, pathDirs ...string) *actionRun {
	t.Helper()
	a := loadAction(t)
	root := repoRoot(t)
	ctx := &ghContext{
		inputs: map[string]string{},
		steps:  map[string]map[string]string{},
		github: map[string]string{"action_path": root, "token": "ghs_test", "workspace": work},
		runner: map[string]string{"temp": t.TempDir(), "os": "Linux", "arch": "X64"},
	}
	for name, in := range a.Inputs {
		ctx.inputs[name] = ctx.eval(in.Default)
	}
	for name, v := range with {
		if _, ok := a.Inputs[name]; !ok {
			t.Fatalf("action.yml has no input %q", name)
		}
		ctx.inputs[name] = v
	}
	ar := &actionRun{ctx: ctx, outputs: map[string]string{}, uses: map[string]map[string]string{}}
	env := baseEnv(t, pathDirs...)
	env["GITHUB_ACTIONS"] = "true"
	env["GITHUB_WORKSPACE"] = work
	env["GITHUB_ACTION_PATH"] = root
	env["RUNNER_TEMP"] = ctx.runner["temp"]
	files := t.TempDir()
	for i, s := range a.Runs.Steps {
		if s.Uses != "" {
			w := map[string]string{}
			for k, v := range s.With {
				w[k] = ctx.eval(v)
			}
			ar.uses[s.Name] = w
			continue
		}
		if s.If != "" {
			t.Fatalf("run step %q has an if: the script decides what to do, so that these tests run every step", s.Name)
		}
		stepEnv := map[string]string{}
		for k, v := range env {
			stepEnv[k] = v
		}
		for k, v := range s.Env {
			stepEnv[k] = ctx.eval(v)
		}
		for _, f := range []string{"GITHUB_OUTPUT", "GITHUB_PATH", "GITHUB_ENV", "GITHUB_STEP_SUMMARY"} {
			stepEnv[f] = filepath.Join(files, f+"-"+strconv.Itoa(i))
			os.WriteFile(stepEnv[f], nil, 0o644)
		}
		file := filepath.Join(files, "step-"+strconv.Itoa(i)+".sh")
		if err := os.WriteFile(file, []byte(s.Run), 0o644); err != nil {
			t.Fatal(err)
		}
		if s.Shell != "sh" {
			t.Fatalf("step %q: shell %q, want sh (the action runs in any Linux or macOS job, containers with no bash too)", s.Name, s.Shell)
		}
		r := run(t, work, stepEnv, "sh", "-e", file)
		ar.logs.WriteString("== " + s.Name + "\n" + r.stdout + r.stderr)
		ctx.steps[s.ID] = parseKV(string(readFile(t, stepEnv["GITHUB_OUTPUT"])))
		for _, p := range strings.Fields(string(readFile(t, stepEnv["GITHUB_PATH"]))) {
			env["PATH"] = p + string(os.PathListSeparator) + env["PATH"]
		}
		ar.finished = append(ar.finished, s.ID)
		if r.code != 0 {
			ar.failed, ar.code = s.ID, r.code
			break // later steps have no if: always()
		}
	}
	for name, o := range a.Outputs {
		ar.outputs[name] = ctx.eval(o.Value)
	}
	if len(ctx.unknown) > 0 {
		t.Fatalf("expressions refer to what does not exist: %v", ctx.unknown)
	}
	return ar
}

// TestGitHubAction runs the action's steps on the demo image and a source tree.
func TestGitHubAction(t *testing.T) {
	f := getFixture(t)
	common := map[string]string{"install": "none", "db": f.db, "offline": "true", "cache-dir": f.cache}
	cases := []struct {
		name    string
		with    map[string]string
		tree    bool
		failed  string // the step that fails, with code
		code    int
		verdict string
		sarif   bool
		log     string
	}{
		{"evaluate-policy", map[string]string{"input": abs(t, demoImage), "mode": "evaluate-policy", "max-high": "0", "junit": "true"}, false, "gate", 1, "fail", true,
			"::error title=trawl::the verdict failed: evaluate-policy: FAIL"},
		{"warn", map[string]string{"input": abs(t, demoImage), "mode": "evaluate-policy", "max-high": "0", "on-policy-failure": "warn"}, false, "", 0, "fail", true,
			"::warning title=trawl::the verdict failed"},
		{"get-report", map[string]string{"path": ".", "mode": "get-report"}, true, "", 0, "pass", true, ""},
		{"scan-only", map[string]string{"input": abs(t, demoImage), "mode": "scan-only", "max-high": "0"}, false, "gate", 1, "fail", false, ""},
		{"bad flag", map[string]string{"input": abs(t, demoImage), "args": "--bogus"}, false, "gate", 2, "error", false, "::error title=trawl::trawl exited 2: usage or configuration error"},
		{"no target", map[string]string{}, false, "gate", 2, "error", false, "give exactly one target"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			work := t.TempDir()
			if c.tree {
				work = sourceTree(t, false)
			}
			with := map[string]string{}
			for k, v := range common {
				with[k] = v
			}
			for k, v := range c.with {
				with[k] = v
			}
			ar := runAction(t, work, with, f.dir)
			if ar.failed != c.failed || ar.code != c.code {
				t.Fatalf("step %q failed with %d, want %q with %d\n%s", ar.failed, ar.code, c.failed, c.code, ar.logs.String())
			}
			if want := []string{"setup", "db", "scan", "gate"}; strings.Join(ar.finished, ",") != strings.Join(want, ",") {
				t.Errorf("steps run: %v, want %v", ar.finished, want)
			}
			if !strings.Contains(ar.logs.String(), c.log) {
				t.Errorf("log lacks %q\n%s", c.log, ar.logs.String())
			}
			trawlCode := c.code
			if c.name == "warn" {
				trawlCode = 1
			}
			o := ar.outputs
			if o["exit-code"] != strconv.Itoa(trawlCode) || o["verdict"] != c.verdict || o["report-dir"] != "trawl-reports" || o["trawl-version"] == "" {
				t.Errorf("outputs %v", o)
			}
			upload := ar.uses["Upload SARIF to code scanning"]
			if c.sarif {
				if o["sarif"] != "trawl-reports/trawl.sarif" || !exists(filepath.Join(work, o["sarif"])) || !exists(filepath.Join(work, o["json"])) {
					t.Errorf("outputs %v: no SARIF or JSON report", o)
				}
				if upload["sarif_file"] != o["sarif"] || upload["category"] != o["category"] || o["category"] != sarifCategory(t, filepath.Join(work, o["sarif"])) || upload["token"] != "ghs_test" {
					t.Errorf("upload-sarif with %v", upload)
				}
			} else if o["sarif"] != "" {
				t.Errorf("a SARIF report %q, want none (so no upload)", o["sarif"])
			}
			if c.with["junit"] == "true" && !exists(filepath.Join(work, o["junit"])) {
				t.Errorf("no JUnit report: outputs %v", o)
			}
			// The compilation cache is always cached; the database is not, when given.
			if w := ar.uses["Cache compiled plugins"]; w["path"] != filepath.Join(f.cache, "wasm") || !strings.HasPrefix(w["key"], "trawl-wasm-") {
				t.Errorf("compiled plugins cache with %v", w)
			}
			if ar.ctx.steps["setup"]["db-cache"] != "false" {
				t.Errorf("db-cache %q with a database file given", ar.ctx.steps["setup"]["db-cache"])
			}
		})
	}
}

// TestGitHubActionCacheKeys: without a database file, the database is cached under a key
// of the day and of where it comes from, restored from the latest such key.
func TestGitHubActionCacheKeys(t *testing.T) {
	f := getFixture(t)
	work := t.TempDir()
	cache := filepath.Join(work, "cache")
	ar := runAction(t, work, map[string]string{"install": "none", "path": ".", "cache-dir": cache, "db-update": "never", "db-update-args": "--ecosystem Go"}, f.dir)
	// db-update never and no database: the db step fails, after setup gave the keys.
	if ar.failed != "db" || ar.code != 2 {
		t.Fatalf("step %q failed with %d, want db with 2\n%s", ar.failed, ar.code, ar.logs.String())
	}
	w := ar.uses["Cache the vulnerability database"]
	if w["path"] != filepath.Join(cache, "db") || !regexp.MustCompile(`^trawl-db-linux-[0-9a-f]{12}-\d{4}-\d{2}-\d{2}$`).MatchString(w["key"]) ||
		!strings.HasPrefix(w["key"], w["restore-keys"]) || ar.ctx.steps["setup"]["db-cache"] != "true" {
		t.Errorf("database cache with %v (setup outputs %v)", w, ar.ctx.steps["setup"])
	}
	other := runAction(t, work, map[string]string{"install": "none", "path": ".", "cache-dir": cache, "db-update": "never"}, f.dir)
	if o := other.uses["Cache the vulnerability database"]; o["restore-keys"] == w["restore-keys"] {
		t.Errorf("the same key for databases from different sources: %s", o["restore-keys"])
	}
}
