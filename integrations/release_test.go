package integrations

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// workflow is the part of a GitHub workflow the release test reads.
type workflow struct {
	Jobs map[string]struct {
		Strategy struct {
			Matrix struct {
				Include []map[string]string
			}
		}
		Steps []struct {
			Name, Uses, Run string
			Env             map[string]string
		}
	}
}

// TestReleaseContract: the release workflow publishes what `install: release` downloads.
// Its build step (with make standing in for make build) and its publish step (with gh
// standing in for the upload) run here; trawl-ci.sh then installs from what they made.
func TestReleaseContract(t *testing.T) {
	var wf workflow
	if err := yaml.Unmarshal(readFile(t, "../.github/workflows/release.yml"), &wf); err != nil {
		t.Fatal(err)
	}
	build, publish := wf.Jobs["build"], wf.Jobs["publish"]
	platforms := map[string]bool{}
	for _, m := range build.Strategy.Matrix.Include {
		platforms[m["os"]+"_"+m["arch"]] = true
	}
	// The platforms trawl-ci.sh maps uname to.
	for _, p := range []string{"linux_amd64", "linux_arm64", "darwin_amd64", "darwin_arm64"} {
		if !platforms[p] {
			t.Errorf("the release builds no trawl_%s.tar.gz", p)
		}
	}
	if len(platforms) != 4 {
		t.Errorf("the release builds %v", platforms)
	}
	here := runtime.GOOS + "_" + runtime.GOARCH
	if !platforms[here] {
		t.Skipf("no release for %s to install here", here)
	}

	const tag = "v1.2.3"
	work := t.TempDir()
	stubs := t.TempDir()
	write := func(name, body string) {
		if err := os.WriteFile(filepath.Join(stubs, name), []byte(body), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	write("make", "#!/bin/sh\nmkdir -p bin\nprintf '#!/bin/sh\\necho \"trawl %s\"\\n' \"$VERSION\" >bin/trawl\nchmod +x bin/trawl\n")
	releases := t.TempDir()
	write("gh", "#!/bin/sh\nmkdir -p \""+releases+"/$TAG\"\nfor a; do if [ -f \"$a\" ]; then cp \"$a\" \""+releases+"/$TAG/\"; fi; done\n")

	// The build job, for this platform: matrix values as the runner would expand them.
	goos, arch, _ := strings.Cut(here, "_")
	expand := func(s string) string {
		return strings.NewReplacer("${{ matrix.os }}", goos, "${{ matrix.arch }}", arch, "${{ github.ref_name }}", tag, "${{ github.token }}", "token", "${{ github.repository }}", "trawlscan/trawl").Replace(s)
	}
	dist := filepath.Join(work, "dist")
	os.MkdirAll(dist, 0o755)
	ran := 0
	for _, job := range []struct {
		steps []struct {
			Name, Uses, Run string
			Env             map[string]string
		}
		dir string
	}{{build.Steps, work}, {publish.Steps, work}} {
		for _, s := range job.steps {
			if s.Run == "" {
				continue
			}
			env := baseEnv(t, stubs)
			for k, v := range s.Env {
				env[k] = expand(v)
			}
			file := filepath.Join(t.TempDir(), "step.sh")
			os.WriteFile(file, []byte(s.Run), 0o644)
			r := run(t, job.dir, env, "bash", "--noprofile", "--norc", "-eo", "pipefail", file)
			wantCode(t, r, 0)
			ran++
			// upload-artifact then download-artifact: the archive goes to dist/.
			if job.dir == work && strings.Contains(s.Run, "tar -czf") {
				asset := "trawl_" + here + ".tar.gz"
				if err := os.Rename(filepath.Join(work, asset), filepath.Join(dist, asset)); err != nil {
					t.Fatalf("the build step made no %s: %v", asset, err)
				}
			}
		}
	}
	if ran != 2 {
		t.Fatalf("%d run steps, want the build's and the publish's", ran)
	}
	published, _ := filepath.Glob(filepath.Join(releases, tag, "*"))
	if len(published) != 2 {
		t.Fatalf("published %v, want the archive and checksums.txt", published)
	}

	srv := httptest.NewServer(http.StripPrefix("/download/", http.FileServer(http.Dir(releases))))
	defer srv.Close()
	env := baseEnv(t)
	env["TRAWL_CI_PLATFORM"] = "local"
	env["TRAWL_CI_INSTALL"] = "release"
	env["TRAWL_CI_VERSION"] = tag
	env["TRAWL_CI_RELEASE_URL"] = srv.URL
	env["TRAWL_CI_CACHE_DIR"] = filepath.Join(work, "cache")
	r := script(t, work, env, "setup")
	wantCode(t, r, 0)
	if !strings.Contains(r.stderr, "using "+filepath.Join(env["TMPDIR"], "trawl-ci", "bin", tag, here, "trawl")+" (trawl "+tag+")") {
		t.Errorf("not installed from the release\n%s", r)
	}
	// The script's default address is the repository's releases.
	if !strings.Contains(string(readFile(t, scriptPath)), "${TRAWL_CI_RELEASE_URL:-https://github.com/trawlscan/trawl/releases}") {
		t.Error("trawl-ci.sh does not download from github.com/trawlscan/trawl/releases")
	}
}
