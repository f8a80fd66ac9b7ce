#!/bin/sh
# trawl-ci.sh: the one script every CI/CD integration of trawl runs (GitHub Actions,
# GitLab CI, Azure DevOps, Jenkins), so that they all build the same trawl invocations and
# read its exit status the same way. POSIX sh; needs only the usual utilities (sed, grep,
# cut, tr, tee, find, mktemp, tar and curl or wget to install a release; python3 for JUnit).
#
#   trawl-ci.sh setup   install trawl (TRAWL_CI_INSTALL), output its path and cache keys
#   trawl-ci.sh db      make sure the vulnerability database is there and fresh
#   trawl-ci.sh scan    run the scan, write the reports, record the exit status and the
#                       verdict; exits 0 whatever trawl said (gate decides)
#   trawl-ci.sh gate    exit with the recorded status, mapped to the platform's ways
#   trawl-ci.sh run     setup, db, scan, gate (setup uses TRAWL_CI_TRAWL when given)
#   trawl-ci.sh junit REPORT.json OUT.xml   JUnit XML from a JSON report (python3)
#
# Several commands run in one process, in order: `trawl-ci.sh setup db`.
#
# Settings come from TRAWL_CI_* environment variables, listed in docs/integrations/ (and
# trawl reads its own TRAWL_* variables and trawl.yaml as usual: a TRAWL_CI_* setting
# becomes a flag, so it wins over them). The canonical copy of this file is
# integrations/scripts/trawl-ci.sh; the Jenkins library, the Azure task and the GitLab and
# Azure templates carry exact copies, which the tests compare with it.
#
# Exit status of `gate` and `run`: trawl's (0 pass, 1 verdict failed, 2 usage or
# configuration, 3 scan error, 4 incomplete, 5 nothing found), except that with
# TRAWL_CI_ON_POLICY_FAILURE=warn a failed verdict (1) exits TRAWL_CI_WARN_EXIT_CODE
# (default 0) after a warning. The script's own failures (no target, trawl could not be
# installed, no database) exit 2.

set -u

TRAWL_CI_SCRIPT_VERSION=1

# ---- settings and helpers -----------------------------------------------------------------
#
# (No command substitution here is a single word, a dollar and a name in parentheses:
# Azure Pipelines would read it as a macro and replace it when a variable of that name
# exists. A test checks.)

NL='
'
TAB=$(printf '\t')

log() {
  printf 'trawl-ci: %s\n' "$*" >&2
}

is_true() {
  case ${1:-} in
    1 | true | True | TRUE | yes | Yes | YES | on | On | ON) return 0 ;;
  esac
  return 1
}

trim() {
  printf '%s' "$1" | sed 's/^[[:space:]]*//;s/[[:space:]]*$//'
}

upper() {
  printf '%s' "$1" | tr 'abcdefghijklmnopqrstuvwxyz-' 'ABCDEFGHIJKLMNOPQRSTUVWXYZ_'
}

lower() {
  printf '%s' "$1" | tr 'ABCDEFGHIJKLMNOPQRSTUVWXYZ' 'abcdefghijklmnopqrstuvwxyz'
}

if [ -n "${TRAWL_CI_PLATFORM:-}" ]; then
  PLATFORM=$TRAWL_CI_PLATFORM
elif [ "${GITHUB_ACTIONS:-}" = true ]; then
  PLATFORM=github
elif [ -n "${GITLAB_CI:-}" ]; then
  PLATFORM=gitlab
elif [ -n "${TF_BUILD:-}" ]; then
  PLATFORM=azure
elif [ -n "${JENKINS_URL:-}" ]; then
  PLATFORM=jenkins
else
  PLATFORM=local
fi

OUT=${TRAWL_CI_OUTPUT_DIR:-trawl-reports}
CACHE=${TRAWL_CI_CACHE_DIR:-${TRAWL_CACHE_DIR:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/trawl}}
DB=${TRAWL_CI_DB:-$CACHE/db/trawl.db}
TEMP_BASE=${RUNNER_TEMP:-${AGENT_TEMPDIRECTORY:-${TMPDIR:-/tmp}}}

# MODE: the mode trawl will run in, as far as the script can tell: the setting, trawl's
# own variable, or the top-level `mode:` of trawl.yaml; trawl's default otherwise.
MODE=${TRAWL_CI_MODE:-${TRAWL_MODE:-}}
if [ -z "$MODE" ]; then
  cfg=${TRAWL_CI_CONFIG:-${TRAWL_CONFIG:-trawl.yaml}}
  if [ -f "$cfg" ]; then
    MODE=$(sed -n "s/^mode:[[:space:]]*[\"']\{0,1\}\([a-z-]*\).*/\1/p" "$cfg" | head -n 1)
  fi
fi
MODE=${MODE:-get-report}

# annotate LEVEL MESSAGE: an error or warning where the platform shows them.
annotate() {
  case $PLATFORM in
    github)
      printf '::%s title=trawl::%s\n' "$1" "$(printf '%s' "$2" | sed 's/%/%25/g')"
      ;;
    azure)
      printf '##vso[task.logissue type=%s]%s\n' "$1" "$2"
      ;;
    *)
      printf 'trawl-ci: %s: %s\n' "$1" "$2" >&2
      ;;
  esac
}

# die STATUS MESSAGE
die() {
  annotate error "$2"
  exit "$1"
}

# ENV_FILE, when set, is the scan's record: KEY=value lines (a GitLab dotenv report can be one).
ENV_FILE=

# set_output NAME VALUE: a step output (GitHub), a variable (Azure), a line of the record.
set_output() {
  key=TRAWL_$(upper "$1")
  if [ -n "$ENV_FILE" ]; then
    printf '%s=%s\n' "$key" "$2" >>"$ENV_FILE"
  fi
  case $PLATFORM in
    github)
      if [ -n "${GITHUB_OUTPUT:-}" ]; then
        printf '%s=%s\n' "$1" "$2" >>"$GITHUB_OUTPUT"
      fi
      ;;
    azure)
      printf '##vso[task.setvariable variable=%s]%s\n' "$key" "$2"
      printf '##vso[task.setvariable variable=%s;isoutput=true]%s\n' "$key" "$2"
      ;;
  esac
}

# needs_db: whether the scan matches against a vulnerability database.
needs_db() {
  if is_true "${TRAWL_CI_SKIP_DB:-}" || [ "$MODE" = inventory-only ]; then
    return 1
  fi
  if [ -n "${TRAWL_CI_SBOM:-}" ]; then
    return 0
  fi
  case ,$(printf '%s' "${TRAWL_CI_SCANNERS:-vuln}" | tr -d ' '), in
    *,vuln,*) return 0 ;;
  esac
  return 1
}

# sha256_of FILE (- for stdin)
sha256_of() {
  if command -v sha256sum >/dev/null 2>&1; then
    sha256sum "$1" | cut -d ' ' -f 1
  elif command -v shasum >/dev/null 2>&1; then
    shasum -a 256 "$1" | cut -d ' ' -f 1
  elif command -v openssl >/dev/null 2>&1; then
    openssl dgst -sha256 -r "$1" | cut -d ' ' -f 1
  else
    return 1
  fi
}

fetch() {
  if command -v curl >/dev/null 2>&1; then
    curl -fsSL --retry 3 --connect-timeout 30 -o "$2" "$1"
  elif command -v wget >/dev/null 2>&1; then
    wget -q -T 30 -t 3 -O "$2" "$1"
  else
    log "neither curl nor wget is installed"
    return 1
  fi
}

# ---- setup: install trawl -----------------------------------------------------------------

# release_install: download trawl_<os>_<arch>.tar.gz of the release and its checksums.txt,
# check the archive's sha256 against it, and unpack the trawl binary; sets TRAWL_CI_TRAWL.
release_install() {
  version=${TRAWL_CI_VERSION:-latest}
  case $(uname -s) in
    Linux) os=linux ;;
    Darwin) os=darwin ;;
    *) die 2 "install: release: no trawl release for $(uname -s); use install: source" ;;
  esac
  case $(uname -m) in
    x86_64 | amd64) arch=amd64 ;;
    aarch64 | arm64) arch=arm64 ;;
    *) die 2 "install: release: no trawl release for $(uname -m); use install: source" ;;
  esac
  asset=trawl_${os}_${arch}.tar.gz
  base=${TRAWL_CI_RELEASE_URL:-https://github.com/trawlscan/trawl/releases}
  if [ "$version" = latest ]; then
    url=$base/latest/download
  else
    url=$base/download/$version
  fi
  dest=${TRAWL_CI_BIN_DIR:-$TEMP_BASE/trawl-ci/bin}/$version/${os}_$arch
  if [ "$version" != latest ] && [ -x "$dest/trawl" ]; then
    log "trawl $version is installed in $dest"
    TRAWL_CI_TRAWL=$dest/trawl
    return 0
  fi
  tmp=$(mktemp -d "$TEMP_BASE/trawl-ci.XXXXXX")
  log "downloading $url/$asset"
  fetch "$url/$asset" "$tmp/$asset" || die 2 "install: could not download $url/$asset"
  fetch "$url/checksums.txt" "$tmp/checksums.txt" || die 2 "install: could not download $url/checksums.txt"
  want=
  while read -r sum name; do
    if [ "${name#\*}" = "$asset" ]; then
      want=$sum
    fi
  done <"$tmp/checksums.txt"
  [ -n "$want" ] || die 2 "install: $url/checksums.txt lists no $asset"
  got=$(sha256_of "$tmp/$asset") || die 2 "install: no sha256sum, shasum or openssl to check the download"
  want=$(lower "$want")
  if [ "$got" != "$want" ]; then
    die 2 "install: checksum mismatch for $asset: sha256 $got, but checksums.txt says $want"
  fi
  mkdir -p "$tmp/x" "$dest"
  tar -xzf "$tmp/$asset" -C "$tmp/x" trawl || die 2 "install: $asset holds no trawl at its root"
  chmod 755 "$tmp/x/trawl"
  mv -f "$tmp/x/trawl" "$dest/trawl"
  rm -rf "$tmp"
  log "installed trawl $version ($asset, sha256 $got) in $dest"
  TRAWL_CI_TRAWL=$dest/trawl
}

# source_install: make build in a trawl checkout; sets TRAWL_CI_TRAWL.
source_install() {
  src=${TRAWL_CI_SOURCE_DIR:-.}
  [ -f "$src/Makefile" ] || die 2 "install: source: $src is not a trawl checkout (no Makefile)"
  command -v go >/dev/null 2>&1 || die 2 "install: source needs Go (and make) on the PATH"
  log "building trawl in $src (make build)"
  (cd "$src" && make build >&2) || die 2 "install: source: make build failed in $src"
  TRAWL_CI_TRAWL=$(cd "$src" && pwd)/bin/trawl
}

# find_trawl NAME: the trawl to run, NAME being TRAWL_CI_TRAWL (a path or a command name)
# or trawl.
find_trawl() {
  command -v "$1" 2>/dev/null
}

cmd_setup() {
  how=${TRAWL_CI_INSTALL:-release}
  if [ -n "${TRAWL_CI_TRAWL:-}" ] && [ -z "${TRAWL_CI_INSTALL:-}" ]; then
    how=none
  fi
  case $how in
    release) release_install ;;
    source) source_install ;;
    none) TRAWL_CI_TRAWL=$(find_trawl "${TRAWL_CI_TRAWL:-trawl}") || die 2 "trawl not found (${TRAWL_CI_TRAWL:-trawl}): install it, or set TRAWL_CI_TRAWL" ;;
    *) die 2 "unknown install method '$how' (release, source or none)" ;;
  esac
  t=$TRAWL_CI_TRAWL
  "$t" version >/dev/null 2>&1 || die 2 "$t does not run"
  version=$("$t" version 2>/dev/null | sed -n '1s/^trawl //p')
  log "using $t (trawl ${version:-unknown})"
  bindir=$(dirname "$t")
  case $PLATFORM in
    github) if [ -n "${GITHUB_PATH:-}" ]; then printf '%s\n' "$bindir" >>"$GITHUB_PATH"; fi ;;
    azure) printf '##vso[task.prependpath]%s\n' "$bindir" ;;
  esac
  os=$(uname -s)
  os=$(lower "$os")
  arch=$(uname -m)
  mkdir -p "$CACHE"
  cache=$(cd "$CACHE" && pwd)
  # The database's cache key: what it is built from, and the day (a new key each day, so
  # that a cache saved once is replaced daily; the restore key finds the latest one).
  dbsrc=$(printf '%s|%s' "${TRAWL_CI_DB_REPOSITORY:-}" "${TRAWL_CI_DB_UPDATE_ARGS:-}" | sha256_of - | cut -c 1-12)
  day=$(date -u +%Y-%m-%d)
  set_output trawl "$t"
  set_output trawl-version "${version:-unknown}"
  set_output cache-dir "$cache"
  set_output db-dir "$cache/db"
  set_output db-key "trawl-db-$os-$dbsrc-$day"
  set_output db-restore-key "trawl-db-$os-$dbsrc-"
  set_output db-key-source "$dbsrc"
  set_output db-key-day "$day"
  if needs_db && [ -z "${TRAWL_CI_DB:-}" ]; then
    set_output db-cache true
  else
    set_output db-cache false
  fi
  set_output wasm-dir "$cache/wasm"
  set_output wasm-key "trawl-wasm-$os-$arch-${version:-unknown}"
}

# ---- db: the vulnerability database -------------------------------------------------------

db_usable() {
  [ -f "$DB" ] && "$1" db info --db "$DB" >/dev/null 2>&1
}

db_fresh() {
  hours=${TRAWL_CI_DB_MAX_AGE_HOURS:-24}
  [ -n "$(find "$DB" -mmin "-$((hours * 60))" 2>/dev/null)" ]
}

# cmd_db: with db-update auto (the default), the database is updated when it is missing,
# unreadable or older than TRAWL_CI_DB_MAX_AGE_HOURS, unless a database file was given
# (TRAWL_CI_DB) or the scan is offline. A failed update keeps a usable old database.
cmd_db() {
  if ! needs_db; then
    log "no vulnerability database needed (mode $MODE, scanners ${TRAWL_CI_SCANNERS:-vuln,secret})"
    return 0
  fi
  t=$(find_trawl "${TRAWL_CI_TRAWL:-trawl}") || die 2 "trawl not found (${TRAWL_CI_TRAWL:-trawl}): run setup first, or set TRAWL_CI_TRAWL"
  policy=${TRAWL_CI_DB_UPDATE:-auto}
  case $policy in
    auto)
      if [ -n "${TRAWL_CI_DB:-}" ] || is_true "${TRAWL_CI_OFFLINE:-}"; then
        update=false
      elif db_usable "$t" && db_fresh; then
        update=false
      else
        update=true
      fi
      ;;
    always) update=true ;;
    never) update=false ;;
    *) die 2 "unknown db-update '$policy' (auto, always or never)" ;;
  esac
  if [ "$update" = true ]; then
    if is_true "${TRAWL_CI_OFFLINE:-}"; then
      die 2 "db-update: always needs the network, but offline is set"
    fi
    mkdir -p "$(dirname "$DB")"
    if [ -n "${TRAWL_CI_DB_REPOSITORY:-}" ]; then
      log "pulling the vulnerability database from $TRAWL_CI_DB_REPOSITORY"
      "$t" db pull --cache-dir "$CACHE" --db "$DB" "$TRAWL_CI_DB_REPOSITORY" >&2
    else
      log "updating the vulnerability database $DB"
      set -f
      # shellcheck disable=SC2086 # TRAWL_CI_DB_UPDATE_ARGS is a list of words
      "$t" db update --cache-dir "$CACHE" --db "$DB" ${TRAWL_CI_DB_UPDATE_ARGS:-} >&2
      st=$?
      set +f
      [ "$st" -eq 0 ]
    fi || {
      if db_usable "$t"; then
        annotate warning "the vulnerability database could not be updated: scanning with the one from the cache"
        return 0
      fi
      die 2 "no vulnerability database: the update failed"
    }
  fi
  db_usable "$t" || die 2 "no usable vulnerability database at $DB (offline, or db-update: never)"
  "$t" db info --db "$DB" 2>/dev/null | sed -n '1,3p' >&2
}

# ---- scan -----------------------------------------------------------------------------------

# report_file FORMAT: where a format goes when no file is given.
report_file() {
  case $1 in
    json) f=trawl.json ;;
    sarif) f=trawl.sarif ;;
    cyclonedx) f=trawl.cdx.json ;;
    spdx) f=trawl.spdx.json ;;
    gitlab-container-scanning) f=gl-container-scanning-report.json ;;
    gitlab-dependency-scanning) f=gl-dependency-scanning-report.json ;;
    gitlab-secret-detection) f=gl-secret-detection-report.json ;;
    table) f=trawl.txt ;;
    *) f=trawl.$1 ;;
  esac
  printf '%s/%s\n' "$OUT" "$f"
}

# sarif_category FILE: the SARIF report's automationDetails.id, "trawl/<type>/<artifact>/",
# which code scanning takes as the analysis' category (an upload's category does not
# replace one the SARIF carries).
sarif_category() {
  sed -n '/"automationDetails": {/,/}/s/^ *"id": "\([^"]*\)".*/\1/p' "$1" | head -n 1
}

# json_verdict FILE: the verdict's result in a JSON report ("pass" or "fail"). The report
# is indented by two spaces (plugins/formatters/jsonreport), so the verdict's own members
# are the lines indented by four between "verdict" and its closing brace.
json_verdict() {
  sed -n '/^  "verdict": {/,/^  }/s/^    "result": "\([a-z]*\)".*/\1/p' "$1" | head -n 1
}

status_meaning() {
  case $1 in
    0) echo "pass" ;;
    1) echo "the verdict failed" ;;
    2) echo "usage or configuration error" ;;
    3) echo "scan error: the input could not be read" ;;
    4) echo "incomplete scan: a plugin failed, results may be missing" ;;
    5) echo "nothing scannable was found" ;;
    *) echo "trawl failed" ;;
  esac
}

# abs FILE: FILE as an absolute path (its directory must exist).
abs() {
  printf '%s/%s\n' "$(cd "$(dirname "$1")" && pwd)" "$(basename "$1")"
}

# record STATUS: the outputs of a scan, whatever its outcome.
record() {
  code=$1
  set_output exit-code "$code"
  case $code in
    0)
      v=
      if [ -n "$json" ] && [ -f "$json" ]; then
        v=$(json_verdict "$json")
      fi
      if [ -z "$v" ]; then
        if [ "$MODE" = inventory-only ]; then v=none; else v=pass; fi
      fi
      ;;
    1) v=fail ;;
    4) v=incomplete ;;
    5) v=nothing-found ;;
    *) v=error ;;
  esac
  set_output verdict "$v"
  set_output mode "$MODE"
  category=
  oldifs=$IFS
  IFS=$NL
  for r in $reports; do
    case $r in
      sarif:*) if [ -z "$category" ] && [ -f "${r#sarif:}" ]; then category=$(sarif_category "${r#sarif:}"); fi ;;
    esac
  done
  IFS=$oldifs
  set_output category "$category"
  set_output report-dir "$OUT"
  all=
  oldifs=$IFS
  IFS=$NL
  for r in $reports; do
    name=${r%%:*}
    file=${r#*:}
    if [ -f "$file" ]; then
      set_output "report-$name" "$file"
      all=${all:+$all,}$file
    fi
  done
  IFS=$oldifs
  if [ -n "$junit" ] && [ -f "$junit" ]; then
    set_output report-junit "$junit"
    all=${all:+$all,}$junit
  fi
  set_output reports "$all"
  log "exit status $code ($(status_meaning "$code")), verdict $v"

  if [ "$PLATFORM" = github ] && [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
    {
      printf '### trawl: %s\n\n' "$target"
      printf '| verdict | exit status | mode |\n|---|---|---|\n| **%s** | %s (%s) | %s |\n\n' "$v" "$code" "$(status_meaning "$code")" "$MODE"
      if [ -f "$OUT/trawl.log" ]; then
        grep '^trawl: ' "$OUT/trawl.log" | sed 's/^trawl: */- /' | head -n 20
      fi
      printf '\nReports: %s\n\n' "${all:-none}"
    } >>"$GITHUB_STEP_SUMMARY"
  fi

  # Azure Pipelines: SARIF to the CodeAnalysisLogs artifact (the SARIF SAST Scans Tab
  # reads it), every report to trawl-reports, JUnit to the Tests tab.
  if [ "$PLATFORM" = azure ] && is_true "${TRAWL_CI_AZURE_ARTIFACTS:-true}"; then
    a=${TRAWL_CI_SARIF_ARTIFACT:-CodeAnalysisLogs}
    IFS=$NL
    for r in $reports; do
      file=${r#*:}
      case $r in
        sarif:*)
          if [ -f "$file" ]; then
            printf '##vso[artifact.upload containerfolder=%s;artifactname=%s]%s\n' "$a" "$a" "$(abs "$file")"
          fi
          ;;
      esac
    done
    IFS=$oldifs
    a=${TRAWL_CI_REPORTS_ARTIFACT:-trawl-reports}
    printf '##vso[artifact.upload containerfolder=%s;artifactname=%s]%s\n' "$a" "$a" "$(cd "$OUT" && pwd)"
    if [ -n "$junit" ] && [ -f "$junit" ]; then
      printf '##vso[results.publish type=JUnit;runTitle=trawl %s;]%s\n' "$target" "$(abs "$junit")"
    fi
  fi
}

# cmd_scan: build the trawl command from the settings, run it, record the outcome. Exits
# 0 whatever trawl said, so that reports can be published before gate fails the job.
cmd_scan() {
  mkdir -p "$OUT" || die 2 "cannot create the report directory $OUT"
  ENV_FILE=$OUT/trawl-ci.env
  : >"$ENV_FILE"
  rm -f "$OUT/trawl.log"
  json=
  junit=
  reports=

  n=0
  kind=
  target=
  if [ -n "${TRAWL_CI_IMAGE:-}" ]; then n=$((n + 1)); kind=image; target=$TRAWL_CI_IMAGE; fi
  if [ -n "${TRAWL_CI_INPUT:-}" ]; then n=$((n + 1)); kind=input; target=$TRAWL_CI_INPUT; fi
  if [ -n "${TRAWL_CI_PATH:-}" ]; then n=$((n + 1)); kind=fs; target=$TRAWL_CI_PATH; fi
  if [ -n "${TRAWL_CI_SBOM:-}" ]; then n=$((n + 1)); kind=sbom; target=$TRAWL_CI_SBOM; fi
  if [ "$n" -ne 1 ]; then
    annotate error "give exactly one target: an image reference (image), an image archive or OCI layout (input), a directory (path) or an SBOM (sbom)"
    record 2
    return 0
  fi
  if ! t=$(find_trawl "${TRAWL_CI_TRAWL:-trawl}"); then
    annotate error "trawl not found (${TRAWL_CI_TRAWL:-trawl}): run setup first, or set TRAWL_CI_TRAWL"
    record 2
    return 0
  fi

  case $kind in
    image) set -- image "$TRAWL_CI_IMAGE" ;;
    input) set -- image --input "$TRAWL_CI_INPUT" ;;
    fs) set -- fs "$TRAWL_CI_PATH" ;;
    sbom) set -- sbom "$TRAWL_CI_SBOM" ;;
  esac
  set -- "$@" --no-progress --cache-dir "$CACHE"
  if is_true "${TRAWL_CI_OFFLINE:-}"; then set -- "$@" --offline; fi
  if is_true "${TRAWL_CI_SKIP_DB:-}"; then
    set -- "$@" --skip-db
  elif needs_db; then
    set -- "$@" --db "$DB"
  fi
  if [ -n "${TRAWL_CI_MODE:-}" ]; then set -- "$@" --mode "$TRAWL_CI_MODE"; fi
  if [ -n "${TRAWL_CI_MAX_CRITICAL:-}" ]; then set -- "$@" --max-critical "$TRAWL_CI_MAX_CRITICAL"; fi
  if [ -n "${TRAWL_CI_MAX_HIGH:-}" ]; then set -- "$@" --max-high "$TRAWL_CI_MAX_HIGH"; fi
  if [ -n "${TRAWL_CI_MAX_MEDIUM:-}" ]; then set -- "$@" --max-medium "$TRAWL_CI_MAX_MEDIUM"; fi
  if [ -n "${TRAWL_CI_MAX_LOW:-}" ]; then set -- "$@" --max-low "$TRAWL_CI_MAX_LOW"; fi
  if [ -n "${TRAWL_CI_POLICY:-}" ]; then set -- "$@" --policy "$TRAWL_CI_POLICY"; fi
  if [ -n "${TRAWL_CI_POLICY_DIGEST:-}" ]; then set -- "$@" --policy-digest "$TRAWL_CI_POLICY_DIGEST"; fi
  if [ -n "${TRAWL_CI_IGNORE_FILE:-}" ]; then set -- "$@" --ignore-file "$TRAWL_CI_IGNORE_FILE"; fi
  if [ -n "${TRAWL_CI_CONFIG:-}" ]; then set -- "$@" --config "$TRAWL_CI_CONFIG"; fi
  if [ -n "${TRAWL_CI_NOTHING_FOUND_EXIT_CODE:-}" ]; then set -- "$@" --nothing-found-exit-code "$TRAWL_CI_NOTHING_FOUND_EXIT_CODE"; fi
  if [ -n "${TRAWL_CI_TIMEOUT:-}" ]; then set -- "$@" --timeout "$TRAWL_CI_TIMEOUT"; fi
  if [ -n "${TRAWL_CI_SECRET_CONFIG:-}" ]; then set -- "$@" --secret-config "$TRAWL_CI_SECRET_CONFIG"; fi
  if [ -n "${TRAWL_CI_SCANNERS:-}" ] && [ "$kind" != sbom ]; then set -- "$@" --scanners "$TRAWL_CI_SCANNERS"; fi
  if [ -n "${TRAWL_CI_IMAGE_PLATFORM:-}" ] && [ "$kind" = image ]; then set -- "$@" --platform "$TRAWL_CI_IMAGE_PLATFORM"; fi
  oldifs=$IFS
  set -f
  IFS=",$NL"
  for v in ${TRAWL_CI_VEX:-}; do
    v=$(trim "$v")
    if [ -n "$v" ]; then set -- "$@" --vex "$v"; fi
  done

  # Reports: each FORMAT or FORMAT=FILE; a bare format goes to the report directory, but
  # table, without a file, to the log. The JSON report is always written (the verdict
  # and the JUnit report are read from it). scan-only mode writes none.
  if [ "$MODE" = scan-only ]; then
    if [ -n "${TRAWL_CI_FORMATS:-}" ]; then
      log "scan-only mode writes no reports: formats ignored"
    fi
  else
    IFS=", $TAB$NL"
    for f in ${TRAWL_CI_FORMATS:-table,json,sarif} json; do
      name=${f%%=*}
      if [ "$name" = json ] && [ -n "$json" ]; then continue; fi
      case $f in
        *=*) file=${f#*=} ;;
        table)
          set -- "$@" --format table
          continue
          ;;
        *) file=$(report_file "$name") ;;
      esac
      mkdir -p "$(dirname "$file")"
      rm -f "$file"
      set -- "$@" --format "$name=$file"
      reports=$reports$NL$name:$file
      if [ "$name" = json ]; then json=$file; fi
    done
  fi
  IFS=$oldifs

  # Extra arguments, split on white space (no quoting): flags the settings above lack.
  # shellcheck disable=SC2086 # TRAWL_CI_ARGS is a list of words
  set -- "$@" ${TRAWL_CI_ARGS:-}
  set +f

  # Registry credentials, when given, go to a Docker config of this run only.
  docker_config=
  if [ -n "${TRAWL_CI_REGISTRY_USERNAME:-}" ]; then
    registry=${TRAWL_CI_REGISTRY:-}
    if [ -z "$registry" ]; then
      case $target in
        */*) registry=${target%%/*} ;;
      esac
      case $registry in
        *.* | *:* | localhost) ;;
        *) registry=https://index.docker.io/v1/ ;;
      esac
    fi
    docker_config=$(mktemp -d "$TEMP_BASE/trawl-ci.XXXXXX")
    auth=$(printf '%s:%s' "$TRAWL_CI_REGISTRY_USERNAME" "${TRAWL_CI_REGISTRY_PASSWORD:-}" | base64 | tr -d '\n')
    (umask 077 && printf '{"auths":{"%s":{"auth":"%s"}}}\n' "$registry" "$auth" >"$docker_config/config.json")
  fi

  log "trawl $*"
  # trawl's stdout (the table) goes to the log as it is; its stderr to the log and to
  # trawl.log in the report directory; its exit status through a file, past the pipe.
  status_file=$(mktemp "$TEMP_BASE/trawl-ci.XXXXXX")
  exec 3>&1
  {
    if [ -n "$docker_config" ]; then
      DOCKER_CONFIG=$docker_config "$t" "$@" 2>&1 1>&3 3>&-
    else
      "$t" "$@" 2>&1 1>&3 3>&-
    fi
    echo "$?" >"$status_file"
  } | tee "$OUT/trawl.log" >&2
  exec 3>&-
  code=$(cat "$status_file")
  rm -f "$status_file"
  if [ -n "$docker_config" ]; then rm -rf "$docker_config"; fi

  if is_true "${TRAWL_CI_JUNIT:-}" && [ -n "$json" ] && [ -f "$json" ]; then
    junit=$OUT/trawl-junit.xml
    cmd_junit "$json" "$junit" || junit=
  fi
  record "$code"
  return 0
}

# ---- gate ---------------------------------------------------------------------------------

# cmd_gate: exit with the scan's status (TRAWL_CI_EXIT_CODE, else the record in the
# report directory), after an error or warning annotation.
cmd_gate() {
  code=${TRAWL_CI_EXIT_CODE:-}
  if [ -z "$code" ]; then
    [ -f "$OUT/trawl-ci.env" ] || die 2 "no scan recorded in $OUT/trawl-ci.env: run scan first"
    code=$(sed -n 's/^TRAWL_EXIT_CODE=//p' "$OUT/trawl-ci.env" | tail -n 1)
  fi
  case $code in
    '' | *[!0-9]*) die 2 "no exit status recorded by the scan ('$code')" ;;
  esac
  reasons=
  if [ -f "$OUT/trawl.log" ]; then
    reasons=$(grep -E '^trawl: (evaluate-policy|scan-only|get-report): FAIL|^trawl:   ' "$OUT/trawl.log" | sed 's/^trawl: *//' | head -n 20 | tr '\n' ';' | sed 's/;$//;s/;/; /g')
  fi
  case $code in
    0) return 0 ;;
    1)
      msg="the verdict failed${reasons:+: $reasons}"
      if [ "${TRAWL_CI_ON_POLICY_FAILURE:-fail}" = warn ]; then
        annotate warning "$msg (on-policy-failure: warn)"
        if [ "$PLATFORM" = azure ]; then
          echo '##vso[task.complete result=SucceededWithIssues;]the trawl verdict failed'
        fi
        exit "${TRAWL_CI_WARN_EXIT_CODE:-0}"
      fi
      annotate error "$msg"
      exit 1
      ;;
    *)
      annotate error "trawl exited $code: $(status_meaning "$code")"
      exit "$code"
      ;;
  esac
}

# ---- junit --------------------------------------------------------------------------------

# cmd_junit REPORT.json OUT.xml: one test case per finding (a failure, or skipped when an
# ignore entry, a VEX statement or an ALLOW rule takes it out of the count), one per
# plugin that failed, and one for the verdict. Needs python3 (TRAWL_CI_PYTHON); without it
# no JUnit report is written, and the scan goes on.
cmd_junit() {
  py=${TRAWL_CI_PYTHON:-python3}
  if ! command -v "$py" >/dev/null 2>&1; then
    annotate warning "no JUnit report: $py is not installed (it converts the JSON report)"
    return 1
  fi
  "$py" - "$1" "$2" <<'PYTHON'
import json
import os
import re
import sys
from xml.sax.saxutils import escape, quoteattr

src, dst = sys.argv[1], sys.argv[2]
with open(src, encoding="utf-8") as f:
    rep = json.load(f)

bad = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def text(s):
    return bad.sub("?", "" if s is None else str(s))


cases = []  # (classname, name, kind, type, message, body)


def vuln_case(v):
    pkg = v.get("package") or {}
    name = "%s in %s %s (%s)" % (v.get("id"), pkg.get("name"), pkg.get("version"), v.get("severity") or "UNKNOWN")
    lines = []
    if v.get("fixed_versions"):
        lines.append("fixed in: " + ", ".join(v["fixed_versions"]))
    for loc in v.get("locations") or []:
        lines.append("location: %s%s" % (loc.get("path"), ":%d" % loc["line"] if loc.get("line") else ""))
    if v.get("details"):
        lines.append(v["details"])
    lines.extend(v.get("references") or [])
    return name, lines


def secret_case(s):
    loc = s.get("location") or {}
    name = "%s at %s:%s (%s)" % (s.get("rule_id"), loc.get("path"), loc.get("line"), s.get("severity") or "UNKNOWN")
    lines = [s.get("title") or "", "match: %s" % (s.get("match") or "")]
    if s.get("deleted"):
        lines.append("deleted by a later layer, still in the image")
    return name, lines


def add(classname, name, lines, finding, suppression=None):
    pol = finding.get("policy") or {}
    if suppression:
        msg = "suppressed (%s, %s): %s" % (suppression.get("kind"), suppression.get("source"), suppression.get("reason") or "")
        cases.append((classname, name, "skipped", "", msg, ""))
    elif pol.get("action") == "ALLOW":
        msg = "allowed by policy rule %s" % (pol.get("rule") or "(default)")
        cases.append((classname, name, "skipped", "", msg, ""))
    else:
        sev = finding.get("severity") or "UNKNOWN"
        msg = name
        if pol.get("action"):
            msg += "; policy: %s%s" % (pol["action"], " (rule %s)" % pol["rule"] if pol.get("rule") else "")
        cases.append((classname, name, "failure", sev, msg, "\n".join(lines)))


for v in rep.get("vulnerabilities") or []:
    n, l = vuln_case(v)
    add("trawl.vulnerabilities", n, l, v)
for s in rep.get("secrets") or []:
    n, l = secret_case(s)
    add("trawl.secrets", n, l, s)
sup = rep.get("suppressed") or {}
for v in sup.get("vulnerabilities") or []:
    n, l = vuln_case(v)
    add("trawl.vulnerabilities", n, l, v, v.get("suppression") or {"kind": "ignore"})
for s in sup.get("secrets") or []:
    n, l = secret_case(s)
    add("trawl.secrets", n, l, s, s.get("suppression") or {"kind": "ignore"})
for p in rep.get("plugins") or []:
    if p.get("status") in ("failed", "refused"):
        cases.append(("trawl.plugins", "plugin %s" % p.get("name"), "failure", "plugin-" + p["status"],
                      "plugin %s %s: %s" % (p.get("name"), p["status"], p.get("error") or ""), ""))
verdict = rep.get("verdict")
if verdict:
    reasons = "; ".join(verdict.get("reasons") or [])
    name = "verdict (%s%s)" % (verdict.get("mode"), "" if verdict.get("enforced") else ", not enforced")
    if verdict.get("result") == "fail":
        cases.append(("trawl.gate", name, "failure", "verdict", "the verdict failed: " + reasons, reasons))
    else:
        cases.append(("trawl.gate", name, "pass", "", "", ""))

failures = sum(1 for c in cases if c[2] == "failure")
skipped = sum(1 for c in cases if c[2] == "skipped")
art = rep.get("artifact") or {}
suite = "trawl: %s" % (art.get("name") or "scan")
out = ['<?xml version="1.0" encoding="UTF-8"?>',
       '<testsuites name="trawl" tests="%d" failures="%d" errors="0" skipped="%d">' % (len(cases), failures, skipped),
       '  <testsuite name=%s tests="%d" failures="%d" errors="0" skipped="%d" timestamp=%s>' % (
           quoteattr(text(suite)), len(cases), failures, skipped, quoteattr(text(rep.get("created_at") or "")))]
for classname, name, kind, typ, msg, body in cases:
    head = '    <testcase classname=%s name=%s time="0"' % (quoteattr(classname), quoteattr(text(name)))
    if kind == "pass":
        out.append(head + "/>")
    elif kind == "skipped":
        out.append(head + ">")
        out.append("      <skipped message=%s/>" % quoteattr(text(msg)))
        out.append("    </testcase>")
    else:
        out.append(head + ">")
        out.append("      <failure type=%s message=%s>%s</failure>" % (quoteattr(text(typ)), quoteattr(text(msg)), escape(text(body))))
        out.append("    </testcase>")
out.append("  </testsuite>")
out.append("</testsuites>")
tmp = dst + ".tmp"
with open(tmp, "w", encoding="utf-8") as f:
    f.write("\n".join(out) + "\n")
os.replace(tmp, dst)
print("trawl-ci: JUnit report %s: %d tests, %d failures, %d skipped" % (dst, len(cases), failures, skipped), file=sys.stderr)
PYTHON
}

# ---- main ---------------------------------------------------------------------------------

usage() {
  echo "usage: trawl-ci.sh COMMAND... (setup, db, scan, gate, run), or trawl-ci.sh junit REPORT.json OUT.xml" >&2
  exit 2
}

[ $# -gt 0 ] || usage
if [ "$1" = junit ]; then
  [ $# -eq 3 ] || usage
  cmd_junit "$2" "$3"
  exit $?
fi
for cmd in "$@"; do
  case $cmd in
    setup | db | scan | gate) ;;
    run) ;;
    version)
      echo "trawl-ci.sh $TRAWL_CI_SCRIPT_VERSION"
      exit 0
      ;;
    *) usage ;;
  esac
done
for cmd in "$@"; do
  case $cmd in
    setup) cmd_setup ;;
    db) cmd_db ;;
    scan) cmd_scan ;;
    gate) cmd_gate ;;
    run)
      cmd_setup
      cmd_db
      cmd_scan
      cmd_gate
      ;;
  esac
done
