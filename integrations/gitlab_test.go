package integrations

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/trawlscan/trawl/internal/schematest"
)

// gitlabCI is a GitLab CI file: its global variables and its jobs, as GitLab reads them
// (anchors resolved by the YAML decoder, extends merged here).
type gitlabCI struct {
	doc map[string]any
}

func loadGitLab(t testing.TB, path string) *gitlabCI {
	t.Helper()
	var doc map[string]any
	if err := yaml.Unmarshal(readFile(t, path), &doc); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return &gitlabCI{doc: doc}
}

// globalKeywords are the top-level keys of a GitLab CI file that are not jobs.
var globalKeywords = map[string]bool{"variables": true, "stages": true, "include": true, "default": true, "workflow": true, "image": true, "services": true, "cache": true, "before_script": true, "after_script": true}

// jobs are the visible jobs (not hidden, not keywords), sorted.
func (g *gitlabCI) jobs() []string {
	var names []string
	for k := range g.doc {
		if !globalKeywords[k] && !strings.HasPrefix(k, ".") {
			names = append(names, k)
		}
	}
	sort.Strings(names)
	return names
}

// job returns the job with its extends merged in (GitLab's deep merge of hashes).
func (g *gitlabCI) job(t testing.TB, name string) map[string]any {
	t.Helper()
	raw, ok := g.doc[name].(map[string]any)
	if !ok {
		t.Fatalf("no job %q", name)
	}
	merged := map[string]any{}
	var parents []string
	switch e := raw["extends"].(type) {
	case string:
		parents = []string{e}
	case []any:
		for _, p := range e {
			parents = append(parents, p.(string))
		}
	}
	for _, p := range parents {
		merged = deepMerge(merged, g.job(t, p))
	}
	return deepMerge(merged, raw)
}

func deepMerge(base, over map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range base {
		out[k] = v
	}
	for k, v := range over {
		if k == "extends" {
			continue
		}
		if bm, ok := out[k].(map[string]any); ok {
			if om, ok := v.(map[string]any); ok {
				out[k] = deepMerge(bm, om)
				continue
			}
		}
		out[k] = v
	}
	return out
}

func stringsOf(t testing.TB, v any) []string {
	t.Helper()
	var out []string
	switch v := v.(type) {
	case nil:
	case string:
		out = []string{v}
	case []any:
		for _, x := range v {
			s, ok := x.(string)
			if !ok {
				t.Fatalf("a script item is %T, not a string", x)
			}
			out = append(out, s)
		}
	default:
		t.Fatalf("a script is %T", v)
	}
	return out
}

func variablesOf(t testing.TB, v any) map[string]string {
	t.Helper()
	out := map[string]string{}
	m, _ := v.(map[string]any)
	for k, x := range m {
		switch x := x.(type) {
		case string:
			out[k] = x
		case map[string]any:
			out[k], _ = x["value"].(string)
		default:
			out[k] = fmt.Sprint(x)
		}
	}
	return out
}

// gitlabPredefined are the predefined variables of the tests' pipeline.
func gitlabPredefined(project string) map[string]string {
	return map[string]string{
		"CI": "true", "GITLAB_CI": "true",
		"CI_PROJECT_DIR":       project,
		"CI_REGISTRY":          "registry.example.com",
		"CI_REGISTRY_IMAGE":    "registry.example.com/group/project",
		"CI_REGISTRY_USER":     "gitlab-ci-token",
		"CI_REGISTRY_PASSWORD": "job-token",
		"CI_COMMIT_REF_SLUG":   "main",
		"CI_COMMIT_BRANCH":     "main",
		"CI_COMMIT_SHA":        "0123456789abcdef0123456789abcdef01234567",
	}
}

// jobEnv is the job's variables as GitLab resolves them: project variables (overrides)
// over the job's, over the global ones, over the predefined ones, each expanded.
func (g *gitlabCI) jobEnv(t testing.TB, job map[string]any, project string, overrides map[string]string) map[string]string {
	t.Helper()
	raw := gitlabPredefined(project)
	for _, level := range []map[string]string{variablesOf(t, g.doc["variables"]), variablesOf(t, job["variables"]), overrides} {
		for k, v := range level {
			raw[k] = v
		}
	}
	var expand func(string, int) string
	expand = func(s string, depth int) string {
		if depth > 10 {
			t.Fatalf("variables refer to each other in a loop: %s", s)
		}
		return os.Expand(s, func(name string) string { return expand(raw[name], depth+1) })
	}
	env := map[string]string{}
	for k, v := range raw {
		env[k] = expand(v, 0)
	}
	return env
}

// gitlabJob runs a job of the template as a runner would: the cache restored (here: the
// compiled plugins, linked to the tests' warm cache), before_script and script as one sh
// -e script in the project directory, with the job's variables.
func gitlabJob(t *testing.T, g *gitlabCI, name, project string, overrides map[string]string, pathDirs ...string) (result, map[string]any) {
	t.Helper()
	f := getFixture(t)
	job := g.job(t, name)
	env := baseEnv(t, pathDirs...)
	for k, v := range g.jobEnv(t, job, project, overrides) {
		env[k] = v
	}
	if caches, ok := job["cache"].([]any); ok {
		for _, c := range caches {
			for _, p := range stringsOf(t, c.(map[string]any)["paths"]) {
				if strings.TrimSuffix(p, "/") == ".trawl-cache/wasm" {
					os.MkdirAll(filepath.Join(project, ".trawl-cache"), 0o755)
					if err := os.Symlink(filepath.Join(f.cache, "wasm"), filepath.Join(project, ".trawl-cache", "wasm")); err != nil && !os.IsExist(err) {
						t.Fatal(err)
					}
				}
			}
		}
	}
	lines := append(stringsOf(t, job["before_script"]), stringsOf(t, job["script"])...)
	if len(lines) == 0 {
		t.Fatalf("job %s has no script", name)
	}
	file := filepath.Join(t.TempDir(), "job.sh")
	if err := os.WriteFile(file, []byte("set -e\n"+strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return run(t, project, env, "sh", file), job
}

// gitlabReportFormats maps artifacts:reports types to trawl's formats.
var gitlabReportFormats = map[string]string{
	"container_scanning":  "gitlab-container-scanning",
	"dependency_scanning": "gitlab-dependency-scanning",
	"secret_detection":    "gitlab-secret-detection",
	"cyclonedx":           "cyclonedx",
}

// checkReports validates every report the job publishes in artifacts:reports.
func checkReports(t *testing.T, job map[string]any, project string, want ...string) {
	t.Helper()
	arts, _ := job["artifacts"].(map[string]any)
	reports, _ := arts["reports"].(map[string]any)
	var got []string
	for typ, p := range reports {
		format, ok := gitlabReportFormats[typ]
		if !ok {
			t.Errorf("artifacts:reports:%s: not a report trawl writes", typ)
			continue
		}
		got = append(got, typ)
		file := filepath.Join(project, p.(string))
		if !exists(file) {
			t.Errorf("artifacts:reports:%s: %s was not written", typ, p)
			continue
		}
		schematest.Validate(t, format, readFile(t, file))
		// artifacts:paths holds it too, for people.
		paths := stringsOf(t, arts["paths"])
		if len(paths) != 1 || !strings.HasPrefix(p.(string), paths[0]) {
			t.Errorf("artifacts:paths %v does not hold %s", paths, p)
		}
	}
	sort.Strings(got)
	sort.Strings(want)
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("reports %v, want %v", got, want)
	}
}

// TestGitLabTemplate runs the template's jobs, as GitLab would, on the demo image (an
// archive from an earlier job's artifacts) and on a source tree.
func TestGitLabTemplate(t *testing.T) {
	f := getFixture(t)
	g := loadGitLab(t, gitlabTemplate)
	if got := strings.Join(g.jobs(), ","); got != "trawl-container-scanning,trawl-db,trawl-dependency-scanning,trawl-secret-detection" {
		t.Fatalf("jobs: %s", got)
	}
	// The runner's image holds trawl (install: none), and the database is the demo's.
	project := map[string]string{"TRAWL_CI_INSTALL": "none", "TRAWL_CI_DB": f.db, "TRAWL_CI_OFFLINE": "true"}
	with := func(m map[string]string) map[string]string {
		out := map[string]string{}
		for k, v := range project {
			out[k] = v
		}
		for k, v := range m {
			out[k] = v
		}
		return out
	}
	imageProject := func(t *testing.T) string {
		p := t.TempDir()
		if err := os.WriteFile(filepath.Join(p, "app.tar"), readFile(t, demoImage), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	cases := []struct {
		name, job string
		tree      func(*testing.T) string
		vars      map[string]string
		code      int
		reports   []string
		stderr    string
	}{
		{"container scanning", "trawl-container-scanning", imageProject, with(map[string]string{"TRAWL_CS_INPUT": "app.tar"}), 0,
			[]string{"container_scanning", "cyclonedx"}, "trawl image --input app.tar"},
		{"container scanning gate", "trawl-container-scanning", imageProject, with(map[string]string{"TRAWL_CS_INPUT": "app.tar", "TRAWL_CI_MODE": "evaluate-policy", "TRAWL_CI_MAX_HIGH": "0"}), 1,
			[]string{"container_scanning", "cyclonedx"}, "2 HIGH findings, more than max_high 0"},
		{"container scanning warn", "trawl-container-scanning", imageProject, with(map[string]string{"TRAWL_CS_INPUT": "app.tar", "TRAWL_CI_MODE": "evaluate-policy", "TRAWL_CI_MAX_HIGH": "0", "TRAWL_CI_ON_POLICY_FAILURE": "warn"}), 77,
			[]string{"container_scanning", "cyclonedx"}, "warning: the verdict failed"},
		{"container scanning scan-only", "trawl-container-scanning", imageProject, with(map[string]string{"TRAWL_CS_INPUT": "app.tar", "TRAWL_CI_MODE": "scan-only", "TRAWL_CI_MAX_HIGH": "0"}), 1,
			nil, "scan-only mode writes no reports"},
		// The registry image: its reference from the predefined variables, the registry's
		// credentials passed; offline, the pull fails (exit 3).
		{"container scanning registry", "trawl-container-scanning", imageProject, with(nil), 3,
			nil, "trawl image registry.example.com/group/project/main:0123456789abcdef0123456789abcdef01234567 "},
		{"dependency scanning", "trawl-dependency-scanning", func(t *testing.T) string { return sourceTree(t, true) }, with(nil), 0,
			[]string{"dependency_scanning", "cyclonedx"}, "trawl fs . "},
		{"dependency scanning bad flag", "trawl-dependency-scanning", func(t *testing.T) string { return sourceTree(t, false) }, with(map[string]string{"TRAWL_CI_ARGS": "--bogus"}), 2,
			nil, "unknown flag: --bogus"},
		{"secret detection", "trawl-secret-detection", func(t *testing.T) string { return sourceTree(t, true) }, with(nil), 0,
			[]string{"secret_detection"}, "--scanners secret"},
		{"secret detection gate", "trawl-secret-detection", func(t *testing.T) string { return sourceTree(t, true) }, with(map[string]string{"TRAWL_CI_MODE": "evaluate-policy", "TRAWL_CI_MAX_LOW": "0"}), 1,
			[]string{"secret_detection"}, "1 LOW findings"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			proj := c.tree(t)
			r, job := gitlabJob(t, g, c.job, proj, c.vars, f.dir)
			wantCode(t, r, c.code)
			if !strings.Contains(r.stderr, c.stderr) {
				t.Errorf("stderr lacks %q\n%s", c.stderr, r)
			}
			if c.code == 77 {
				af, _ := job["allow_failure"].(map[string]any)
				if codes := fmt.Sprint(af["exit_codes"]); codes != "[77]" {
					t.Errorf("allow_failure:exit_codes %s, want [77]", codes)
				}
			}
			if c.reports != nil {
				checkReports(t, job, proj, c.reports...)
			}
			if c.name == "container scanning registry" && !strings.Contains(r.stderr, "registry.example.com") {
				t.Errorf("no pull\n%s", r)
			}
			if c.name == "secret detection" {
				rep := string(readFile(t, filepath.Join(proj, "trawl-reports/secret-detection/gl-secret-detection-report.json")))
				if !strings.Contains(rep, "deploy.env") || strings.Contains(rep, "WCzAbbbWoQoEyJT8UPgzunzF2vSHHkJfLPUf") {
					t.Errorf("the secret detection report lacks the token, or shows it:\n%s", rep)
				}
			}
		})
	}
}

// TestGitLabDatabaseJob: the .pre job updates the database into the project's cache
// directory (what GitLab's cache keeps), and a scanning job then uses it, offline.
func TestGitLabDatabaseJob(t *testing.T) {
	f := getFixture(t)
	g := loadGitLab(t, gitlabTemplate)
	srv := mirror(t)
	proj := sourceTree(t, false)
	r, job := gitlabJob(t, g, "trawl-db", proj, map[string]string{
		"TRAWL_CI_INSTALL":        "none",
		"TRAWL_CI_DB_UPDATE_ARGS": "--mirror " + srv.URL + " --allow-http --ecosystem PyPI",
	}, f.dir)
	wantCode(t, r, 0)
	if job["stage"] != ".pre" || !exists(filepath.Join(proj, ".trawl-cache/db/trawl.db")) {
		t.Fatalf("stage %v; no database in .trawl-cache/db\n%s", job["stage"], r)
	}
	caches, _ := job["cache"].([]any)
	if len(caches) != 1 || caches[0].(map[string]any)["policy"] != "pull-push" {
		t.Errorf("the database job's cache: %v", caches)
	}
	r, _ = gitlabJob(t, g, "trawl-dependency-scanning", proj, map[string]string{"TRAWL_CI_INSTALL": "none", "TRAWL_CI_OFFLINE": "true"}, f.dir)
	wantCode(t, r, 0)
	if !strings.Contains(r.stderr, "--db "+filepath.Join(proj, ".trawl-cache/db/trawl.db")) {
		t.Errorf("the scan did not use the cached database\n%s", r)
	}
}

// TestGitLabExample: the example includes the template and sets its variables.
func TestGitLabExample(t *testing.T) {
	g := loadGitLab(t, "gitlab/examples/.gitlab-ci.yml")
	tmpl := loadGitLab(t, gitlabTemplate)
	inc := fmt.Sprint(g.doc["include"])
	if !strings.Contains(inc, "integrations/gitlab/trawl.gitlab-ci.yml") {
		t.Errorf("include: %s", inc)
	}
	for name := range g.doc {
		if strings.HasPrefix(name, "trawl-") {
			if _, ok := tmpl.doc[name]; !ok {
				t.Errorf("the example extends a job %s the template lacks", name)
			}
		}
	}
	stages := fmt.Sprint(g.doc["stages"])
	for _, job := range tmpl.jobs() {
		if s, _ := tmpl.job(t, job)["stage"].(string); s != ".pre" && !strings.Contains(stages, s) {
			t.Errorf("job %s's stage %s is not among the example's stages %s", job, s, stages)
		}
	}
}
