// trawl's Azure Pipelines task: it maps the task's inputs to the TRAWL_CI_* variables of
// trawl-ci.sh (a copy of integrations/scripts/trawl-ci.sh, the script every integration of
// trawl runs; a test checks the copy) and runs `trawl-ci.sh run`, which installs trawl,
// updates the database, scans, publishes the reports with logging commands (SARIF to the
// CodeAnalysisLogs artifact) and exits with trawl's status. No dependencies: the agent
// gives each input as an INPUT_<NAME> environment variable.
'use strict';

const { spawnSync } = require('child_process');
const path = require('path');

// Task input name → trawl-ci.sh variable. Every input of task.json is here (tested).
const INPUTS = {
  image: 'TRAWL_CI_IMAGE',
  input: 'TRAWL_CI_INPUT',
  path: 'TRAWL_CI_PATH',
  sbom: 'TRAWL_CI_SBOM',
  imagePlatform: 'TRAWL_CI_IMAGE_PLATFORM',
  mode: 'TRAWL_CI_MODE',
  maxCritical: 'TRAWL_CI_MAX_CRITICAL',
  maxHigh: 'TRAWL_CI_MAX_HIGH',
  maxMedium: 'TRAWL_CI_MAX_MEDIUM',
  maxLow: 'TRAWL_CI_MAX_LOW',
  policy: 'TRAWL_CI_POLICY',
  policyDigest: 'TRAWL_CI_POLICY_DIGEST',
  ignoreFile: 'TRAWL_CI_IGNORE_FILE',
  vex: 'TRAWL_CI_VEX',
  config: 'TRAWL_CI_CONFIG',
  onPolicyFailure: 'TRAWL_CI_ON_POLICY_FAILURE',
  scanners: 'TRAWL_CI_SCANNERS',
  secretConfig: 'TRAWL_CI_SECRET_CONFIG',
  nothingFoundExitCode: 'TRAWL_CI_NOTHING_FOUND_EXIT_CODE',
  timeout: 'TRAWL_CI_TIMEOUT',
  args: 'TRAWL_CI_ARGS',
  formats: 'TRAWL_CI_FORMATS',
  outputDir: 'TRAWL_CI_OUTPUT_DIR',
  publishArtifacts: 'TRAWL_CI_AZURE_ARTIFACTS',
  reportsArtifact: 'TRAWL_CI_REPORTS_ARTIFACT',
  junit: 'TRAWL_CI_JUNIT',
  install: 'TRAWL_CI_INSTALL',
  version: 'TRAWL_CI_VERSION',
  sourceDir: 'TRAWL_CI_SOURCE_DIR',
  cacheDir: 'TRAWL_CI_CACHE_DIR',
  db: 'TRAWL_CI_DB',
  dbUpdate: 'TRAWL_CI_DB_UPDATE',
  dbUpdateArgs: 'TRAWL_CI_DB_UPDATE_ARGS',
  dbRepository: 'TRAWL_CI_DB_REPOSITORY',
  offline: 'TRAWL_CI_OFFLINE',
  registry: 'TRAWL_CI_REGISTRY',
  registryUsername: 'TRAWL_CI_REGISTRY_USERNAME',
  registryPassword: 'TRAWL_CI_REGISTRY_PASSWORD',
};

function fail(message, code) {
  console.log('##vso[task.logissue type=error]' + message);
  console.log('##vso[task.complete result=Failed;]' + message);
  process.exit(code);
}

function main() {
  if (process.platform === 'win32') {
    fail('trawl: the TrawlScan task runs on Linux and macOS agents', 2);
  }
  const env = Object.assign({}, process.env, { TRAWL_CI_PLATFORM: 'azure' });
  for (const [name, variable] of Object.entries(INPUTS)) {
    // The agent's convention (azure-pipelines-task-lib's getInput): INPUT_ and the name
    // upper-cased, spaces as underscores.
    const value = process.env['INPUT_' + name.replace(/ /g, '_').toUpperCase()];
    if (value !== undefined && value !== '') {
      env[variable] = value;
    }
  }
  const script = path.join(__dirname, 'trawl-ci.sh');
  const r = spawnSync('sh', [script, 'run'], { stdio: 'inherit', env });
  if (r.error) {
    fail('trawl: cannot run ' + script + ': ' + r.error.message, 2);
  }
  const code = r.status === null ? 2 : r.status;
  if (code !== 0) {
    // trawl-ci.sh annotated the cause; a warn-mode failed verdict exits 0 (succeeded
    // with issues), so a non-zero status here fails the task.
    console.log('##vso[task.complete result=Failed;]trawl exited ' + code);
  }
  process.exitCode = code;
}

main();
