// Package integrations holds trawl's CI/CD integrations and their tests: the GitHub
// Action (action.yml at the repository root), the GitLab CI template, the Azure DevOps
// template and task, and the Jenkins shared library. They all run one POSIX shell script,
// scripts/trawl-ci.sh, so the tests here run it (and each integration's own lines around
// it, read from its YAML or Groovy) the way each platform would: against the demo image
// and a source tree, offline, checking the reports, their formats and the exit statuses.
// See docs/integrations/.
//
// The package has no Go code of its own; `go test -update ./integrations/` rewrites the
// copies of the script the integrations carry (the Jenkins resource, the Azure task's, and
// the ones embedded in the GitLab and Azure templates) from scripts/trawl-ci.sh.
package integrations
