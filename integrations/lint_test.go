package integrations

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// The linters (`make lint-integrations` installs actionlint into bin/ and needs
// shellcheck, which .ci/run installs) run when they are there; with
// TRAWL_REQUIRE_LINTERS set (make lint-integrations sets it) a missing one fails.
func linter(t *testing.T, name string) string {
	t.Helper()
	if p := filepath.Join(repoRoot(t), "bin", name); exists(p) {
		return p
	}
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	if os.Getenv("TRAWL_REQUIRE_LINTERS") != "" {
		t.Fatalf("%s is not installed (make lint-integrations installs actionlint in bin/; apt-get install -y shellcheck)", name)
	}
	t.Skipf("%s is not installed: not run (make lint-integrations runs it)", name)
	return ""
}

// shellScripts are every shell script the integrations run, with their dialect: the
// shared script (and its copies), the action's run steps, the GitLab jobs' scripts, the
// Azure template's bash steps and the Jenkins step's sh.
func shellScripts(t *testing.T) map[string][2]string {
	t.Helper()
	scripts := map[string][2]string{scriptPath: {"sh", string(readFile(t, scriptPath))}}
	for _, p := range scriptCopies {
		scripts[p] = [2]string{"sh", string(readFile(t, p))}
	}
	for _, s := range loadAction(t).Runs.Steps {
		if s.Run != "" {
			scripts["action.yml step "+s.Name] = [2]string{"sh", s.Run}
		}
	}
	g := loadGitLab(t, gitlabTemplate)
	for _, name := range g.jobs() {
		job := g.job(t, name)
		lines := append(stringsOf(t, job["before_script"]), stringsOf(t, job["script"])...)
		scripts["GitLab job "+name] = [2]string{"sh", "set -e\n" + strings.Join(lines, "\n") + "\n"}
	}
	doc := loadAzureTemplate(t)
	params := map[string]any{}
	for _, p := range doc.Parameters {
		params[p.Name] = p.Default
	}
	for i, step := range doc.Steps {
		if b, ok := step["bash"].(string); ok {
			scripts["Azure step "+strings.Repeat("I", i+1)] = [2]string{"bash", azureRender(t, b, params)}
		}
	}
	scripts["Jenkins step sh"] = [2]string{"sh", loadJenkinsStep(t).sh}
	return scripts
}

// TestLintShellcheck: shellcheck passes on every script the integrations run.
func TestLintShellcheck(t *testing.T) {
	sc := linter(t, "shellcheck")
	dir := t.TempDir()
	for name, s := range shellScripts(t) {
		file := filepath.Join(dir, regexp.MustCompile(`[^A-Za-z0-9.-]+`).ReplaceAllString(name, "_"))
		if err := os.WriteFile(file, []byte(s[1]), 0o644); err != nil {
			t.Fatal(err)
		}
		r := run(t, dir, baseEnv(t), sc, "--shell="+s[0], "--external-sources", file)
		if r.code != 0 {
			t.Errorf("shellcheck %s:\n%s%s\n--- the script:\n%s", name, r.stdout, r.stderr, s[1])
		}
	}
}

// TestLintActionlint: actionlint passes on the workflows, and on the composite action's
// steps (actionlint reads action.yml's inputs through `uses: ./` but not its steps, so
// they are checked as the steps of a reusable workflow with the same inputs).
func TestLintActionlint(t *testing.T) {
	al := linter(t, "actionlint")
	root := repoRoot(t)
	a := loadAction(t)
	var raw struct {
		Runs struct {
			Steps []any
		}
	}
	if err := yaml.Unmarshal(readFile(t, actionPath), &raw); err != nil {
		t.Fatal(err)
	}
	inputs := map[string]any{}
	for name := range a.Inputs {
		inputs[name] = map[string]any{"type": "string", "required": false}
	}
	wf := map[string]any{
		"name": "action.yml steps",
		"on":   map[string]any{"workflow_call": map[string]any{"inputs": inputs}},
		"jobs": map[string]any{"action": map[string]any{"runs-on": "ubuntu-latest", "steps": raw.Runs.Steps}},
	}
	b, err := yaml.Marshal(wf)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), ".github", "workflows")
	os.MkdirAll(dir, 0o755)
	steps := filepath.Join(dir, "action-steps.yml")
	if err := os.WriteFile(steps, b, 0o644); err != nil {
		t.Fatal(err)
	}
	env := baseEnv(t)
	files, _ := filepath.Glob(filepath.Join(root, ".github", "workflows", "*.yml"))
	examples, _ := filepath.Glob(filepath.Join(root, "integrations", "github", "examples", "*.yml"))
	if len(files) == 0 || len(examples) == 0 {
		t.Fatal("no workflows or examples")
	}
	r := run(t, root, env, al, append(append(files, examples...), steps)...)
	if r.code != 0 {
		t.Errorf("actionlint:\n%s%s", r.stdout, r.stderr)
	}
}

// TestLintAction: the action's metadata and steps hold together.
func TestLintAction(t *testing.T) {
	a := loadAction(t)
	text := string(readFile(t, actionPath))
	if a.Runs.Using != "composite" || a.Name == "" {
		t.Fatalf("runs.using %q, name %q", a.Runs.Using, a.Name)
	}
	ids := map[string]bool{}
	shared := map[string]string{} // TRAWL_CI_ variable → expression, the same in every step
	for _, s := range a.Runs.Steps {
		if s.ID != "" {
			ids[s.ID] = true
		}
		if s.Run != "" {
			if strings.Contains(s.Run, "${{") {
				t.Errorf("step %q: an expression in run (inputs go through env, never into the script)", s.Name)
			}
			if !strings.Contains(s.Run, `"$GITHUB_ACTION_PATH/integrations/scripts/trawl-ci.sh"`) {
				t.Errorf("step %q does not run trawl-ci.sh", s.Name)
			}
		}
		for k, v := range s.Env {
			if prev, ok := shared[k]; ok && prev != v {
				t.Errorf("%s is %s in one step, %s in another", k, prev, v)
			}
			shared[k] = v
		}
	}
	for _, m := range regexp.MustCompile(`steps\.([\w-]+)\.outputs`).FindAllStringSubmatch(text, -1) {
		if !ids[m[1]] {
			t.Errorf("a reference to step %q, which does not exist", m[1])
		}
	}
	for name := range a.Inputs {
		if !strings.Contains(text, "inputs."+name+" ") && !strings.Contains(text, "inputs."+name+"\n") && !strings.Contains(text, "inputs."+name+" }}") {
			t.Errorf("input %q is never used", name)
		}
	}
	// The outputs are outputs the script sets.
	set := scriptOutputs(t)
	for name, o := range a.Outputs {
		m := regexp.MustCompile(`^\$\{\{ steps\.(\w+)\.outputs\.([\w-]+) \}\}$`).FindStringSubmatch(o.Value)
		if m == nil {
			t.Errorf("output %s: %q", name, o.Value)
			continue
		}
		if !set[m[2]] && !strings.HasPrefix(m[2], "report-") {
			t.Errorf("output %s: trawl-ci.sh sets no %s", name, m[2])
		}
	}
}

// scriptOutputs are the names trawl-ci.sh gives set_output.
func scriptOutputs(t testing.TB) map[string]bool {
	t.Helper()
	set := map[string]bool{}
	for _, m := range regexp.MustCompile(`set_output "?([a-z-]+)"? `).FindAllStringSubmatch(string(readFile(t, scriptPath)), -1) {
		set[m[1]] = true
	}
	return set
}

// TestLintGitLab: the template's and the example's structure.
func TestLintGitLab(t *testing.T) {
	for _, p := range []string{gitlabTemplate, "gitlab/examples/.gitlab-ci.yml"} {
		g := loadGitLab(t, p)
		for name, v := range g.doc {
			if strings.HasPrefix(name, ".") || globalKeywords[name] {
				continue
			}
			if _, ok := v.(map[string]any); !ok {
				t.Errorf("%s: job %s is %T", p, name, v)
			}
		}
	}
	g := loadGitLab(t, gitlabTemplate)
	for _, name := range g.jobs() {
		job := g.job(t, name)
		if job["image"] != "$TRAWL_CI_JOB_IMAGE" || job["stage"] == nil || len(stringsOf(t, job["script"])) < 2 || job["rules"] == nil {
			t.Errorf("job %s: image %v, stage %v, script %v, rules %v", name, job["image"], job["stage"], job["script"], job["rules"])
		}
		if scripts := stringsOf(t, job["script"]); !strings.Contains(scripts[0], "<<'"+heredocEnd+"'") {
			t.Errorf("job %s: the first script item does not write trawl-ci.sh", name)
		}
		if caches, ok := job["cache"].([]any); !ok || len(caches) == 0 {
			t.Errorf("job %s: no cache", name)
		} else {
			for _, c := range caches {
				cm := c.(map[string]any)
				if cm["key"] == nil || len(stringsOf(t, cm["paths"])) == 0 {
					t.Errorf("job %s: cache %v", name, cm)
				}
				for _, path := range stringsOf(t, cm["paths"]) {
					if !strings.HasPrefix(path, ".trawl-cache/") {
						t.Errorf("job %s caches %s, outside TRAWL_CI_CACHE_DIR", name, path)
					}
				}
			}
		}
		if name == "trawl-db" {
			continue
		}
		arts, _ := job["artifacts"].(map[string]any)
		if arts["when"] != "always" {
			t.Errorf("job %s: artifacts are kept only on success", name)
		}
		reports, _ := arts["reports"].(map[string]any)
		vars := variablesOf(t, job["variables"])
		for typ, path := range reports {
			format := gitlabReportFormats[typ]
			if format == "" || !strings.Contains(vars["TRAWL_CI_FORMATS"], format) {
				t.Errorf("job %s: artifacts:reports:%s, but formats %s", name, typ, vars["TRAWL_CI_FORMATS"])
			}
			if !strings.HasPrefix(path.(string), vars["TRAWL_CI_OUTPUT_DIR"]+"/") {
				t.Errorf("job %s: report %s outside TRAWL_CI_OUTPUT_DIR %s", name, path, vars["TRAWL_CI_OUTPUT_DIR"])
			}
		}
	}
	global := variablesOf(t, g.doc["variables"])
	if !strings.HasPrefix(global["TRAWL_CI_CACHE_DIR"], "$CI_PROJECT_DIR/.trawl-cache") {
		t.Errorf("TRAWL_CI_CACHE_DIR %q: GitLab caches only paths in the project", global["TRAWL_CI_CACHE_DIR"])
	}
}

// TestLintAzure: the template's parameters and steps, the example, the task.
func TestLintAzure(t *testing.T) {
	doc := loadAzureTemplate(t)
	text := string(readFile(t, azureTemplate))
	declared := map[string]bool{}
	for _, p := range doc.Parameters {
		if p.Name == "" || declared[p.Name] {
			t.Errorf("parameter %q: no name, or twice", p.Name)
		}
		declared[p.Name] = true
		switch p.Type {
		case "string":
			if _, ok := p.Default.(string); !ok {
				t.Errorf("parameter %s: default %v is not a string", p.Name, p.Default)
			}
		case "boolean":
			if _, ok := p.Default.(bool); !ok {
				t.Errorf("parameter %s: default %v is not a boolean", p.Name, p.Default)
			}
		default:
			t.Errorf("parameter %s: type %q", p.Name, p.Type)
		}
		if len(p.Values) > 0 && !strings.Contains(" "+strings.Join(p.Values, " ")+" ", " "+p.Default.(string)+" ") {
			t.Errorf("parameter %s: default %v not among %v", p.Name, p.Default, p.Values)
		}
	}
	used := map[string]bool{}
	for _, m := range paramRE.FindAllStringSubmatch(text, -1) {
		if !declared[m[1]] {
			t.Errorf("${{ parameters.%s }}: no such parameter", m[1])
		}
		used[m[1]] = true
	}
	for name := range declared {
		if !used[name] {
			t.Errorf("parameter %s is never used", name)
		}
	}
	shared := map[string]string{}
	for i, s := range doc.Steps {
		if s["displayName"] == nil {
			t.Errorf("step %d has no displayName", i)
		}
		if _, ok := s["bash"]; !ok {
			if task, _ := s["task"].(string); task != "Cache@2" {
				t.Errorf("step %d: %v", i, s)
			}
		}
		env, _ := s["env"].(map[string]any)
		for k, v := range env {
			if prev, ok := shared[k]; ok && prev != v {
				t.Errorf("%s is %s in one step, %s in another", k, prev, v)
			}
			shared[k] = v.(string)
		}
	}
	// The example uses the template with its parameters.
	var ex struct {
		Steps []map[string]any
	}
	if err := yaml.Unmarshal(readFile(t, "azure/examples/azure-pipelines.yml"), &ex); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, s := range ex.Steps {
		if s["template"] != "integrations/azure/templates/trawl-scan.yml@trawl" {
			continue
		}
		n++
		params, _ := s["parameters"].(map[string]any)
		for k := range params {
			if !declared[k] {
				t.Errorf("the example gives parameter %s, which the template lacks", k)
			}
		}
	}
	if n == 0 {
		t.Error("the example does not use the template")
	}
}

// TestLintAzureTask: task.json has what an Azure task needs, and index.js maps every
// input to a variable of trawl-ci.sh.
func TestLintAzureTask(t *testing.T) {
	var task struct {
		ID, Name, FriendlyName, Description, Author, InstanceNameFormat, Category string
		Version                                                                   map[string]any
		Groups                                                                    []struct{ Name string }
		Inputs                                                                    []struct {
			Name, Type, Label, DefaultValue, GroupName string
			Options                                    map[string]string
		}
		Execution map[string]struct{ Target string }
	}
	raw := readFile(t, filepath.Join(azureTaskDir, "task.json"))
	if err := json.Unmarshal(raw, &task); err != nil {
		t.Fatalf("task.json: %v", err)
	}
	if !regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`).MatchString(task.ID) {
		t.Errorf("id %q is not a GUID", task.ID)
	}
	if !regexp.MustCompile(`^[A-Za-z0-9-]+$`).MatchString(task.Name) || task.FriendlyName == "" || task.Description == "" || task.Author == "" || task.Category == "" {
		t.Errorf("name %q, friendlyName %q, description %q, author %q, category %q", task.Name, task.FriendlyName, task.Description, task.Author, task.Category)
	}
	for _, k := range []string{"Major", "Minor", "Patch"} {
		if v, ok := task.Version[k].(float64); !ok || v < 0 || v != float64(int(v)) {
			t.Errorf("version.%s = %v", k, task.Version[k])
		}
	}
	if task.InstanceNameFormat == "" {
		t.Error("no instanceNameFormat")
	}
	if len(task.Execution) == 0 {
		t.Error("no execution handler")
	}
	for handler, e := range task.Execution {
		if !strings.HasPrefix(handler, "Node") || e.Target == "" || !exists(filepath.Join(azureTaskDir, e.Target)) {
			t.Errorf("execution %s: target %q", handler, e.Target)
		}
	}
	groups := map[string]bool{}
	for _, g := range task.Groups {
		groups[g.Name] = true
	}
	js := string(readFile(t, filepath.Join(azureTaskDir, "index.js")))
	mapped := map[string]string{}
	for _, m := range regexp.MustCompile(`(?m)^  (\w+): '(TRAWL_CI_\w+)',$`).FindAllStringSubmatch(js, -1) {
		mapped[m[1]] = m[2]
	}
	names := map[string]bool{}
	script := string(readFile(t, scriptPath))
	for _, in := range task.Inputs {
		if names[in.Name] || in.Label == "" {
			t.Errorf("input %q: twice, or no label", in.Name)
		}
		names[in.Name] = true
		switch in.Type {
		case "string", "multiLine", "boolean":
		case "pickList":
			if _, ok := in.Options[in.DefaultValue]; !ok {
				t.Errorf("input %s: default %q not among its options", in.Name, in.DefaultValue)
			}
		default:
			t.Errorf("input %s: type %q", in.Name, in.Type)
		}
		if in.GroupName != "" && !groups[in.GroupName] {
			t.Errorf("input %s: no group %s", in.Name, in.GroupName)
		}
		v, ok := mapped[in.Name]
		if !ok {
			t.Errorf("index.js does not map input %s", in.Name)
		} else if !strings.Contains(script, v) {
			t.Errorf("input %s → %s, which trawl-ci.sh does not read", in.Name, v)
		}
	}
	for name := range mapped {
		if !names[name] {
			t.Errorf("index.js maps %s, which task.json lacks", name)
		}
	}
	if node, err := exec.LookPath("node"); err == nil {
		if r := run(t, ".", baseEnv(t), node, "--check", filepath.Join(azureTaskDir, "index.js")); r.code != 0 {
			t.Errorf("node --check index.js:\n%s", r)
		}
	}
}

// TestLintSettings: every TRAWL_CI_ variable an integration sets is one trawl-ci.sh
// reads, every one it reads is documented, and the script has no Azure macro syntax.
func TestLintSettings(t *testing.T) {
	script := string(readFile(t, scriptPath))
	varRE := regexp.MustCompile(`TRAWL_CI_[A-Z0-9_]*[A-Z0-9]`)
	reads := map[string]bool{}
	for _, v := range varRE.FindAllString(script, -1) {
		reads[v] = true
	}
	internal := map[string]bool{"TRAWL_CI_SH": true, "TRAWL_CI_SCRIPT_VERSION": true, "TRAWL_CI_SH_EOF": true}
	for _, p := range []string{actionPath, gitlabTemplate, "gitlab/examples/.gitlab-ci.yml", azureTemplate, filepath.Join(azureTaskDir, "index.js"),
		jenkinsStep, "jenkins/examples/Jenkinsfile", "../.github/workflows/ci.yml", "github/examples/trawl.yml", "azure/examples/azure-pipelines.yml"} {
		text := string(readFile(t, p))
		if p == gitlabTemplate || p == azureTemplate {
			_, start, end, _ := embedded(t, text)
			text = text[:start] + text[end:]
		}
		for _, v := range varRE.FindAllString(text, -1) {
			if !reads[v] && !internal[v] && v != "TRAWL_CI_JOB_IMAGE" {
				t.Errorf("%s sets %s, which trawl-ci.sh does not read", p, v)
			}
		}
	}
	docs := ""
	files, _ := filepath.Glob("../docs/integrations/*.md")
	for _, f := range files {
		docs += string(readFile(t, f))
	}
	var missing []string
	for v := range reads {
		if !internal[v] && !strings.Contains(docs, v) {
			missing = append(missing, v)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("docs/integrations/ does not document %v", missing)
	}
	// Azure Pipelines replaces $(name) in a script with the variable name's value.
	if m := regexp.MustCompile(`\$\([A-Za-z0-9_.-]+\)`).FindAllString(script, -1); len(m) > 0 {
		t.Errorf("trawl-ci.sh holds %v, which Azure Pipelines would read as macros: add a space or an argument", m)
	}
	if strings.Contains(script, "${{") || strings.Contains(script, "$[") {
		t.Error("trawl-ci.sh holds ${{ or $[, which Azure Pipelines would read as expressions")
	}
}

// TestLintYAML: every YAML file of the integrations parses, with no key twice.
func TestLintYAML(t *testing.T) {
	files := []string{actionPath, gitlabTemplate, "gitlab/examples/.gitlab-ci.yml", azureTemplate, "azure/examples/azure-pipelines.yml", "github/examples/trawl.yml", "../.github/trawl-secrets.yaml"}
	wfs, _ := filepath.Glob("../.github/workflows/*.yml")
	for _, p := range append(files, wfs...) {
		var n yaml.Node
		if err := yaml.Unmarshal(readFile(t, p), &n); err != nil {
			t.Errorf("%s: %v", p, err)
		}
	}
}
