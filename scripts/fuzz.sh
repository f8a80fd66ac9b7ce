#!/usr/bin/env bash
# Runs every fuzz target in the repository for the given time each (default 10s): in the root
# module and in the nested ones (sdk/, each example under sdk/examples/), each run from the
# directory of the module that holds it.
#
# A target fails only on a real finding: one for which the fuzzer writes a failing input.
# On a loaded machine Go's fuzzing engine sometimes ends a run with "context deadline
# exceeded" and no input (golang/go#75804, while it minimises); such a run is tried once
# more and, if it ends the same way, reported as an engine time-out rather than a finding.
set -uo pipefail
fuzztime=${1:-10s}
go=${GO:-go}
status=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT

run() { # module-dir pkg target
  (cd "$1" && $go test -run='^$' -fuzz="^$3\$" -fuzztime="$fuzztime" -fuzzminimizetime=2s "$2") 2>&1 | tee "$log"
  return "${PIPESTATUS[0]}"
}

# moduleOf prints the directory of the nearest go.mod above a file's directory.
moduleOf() {
  local d
  d=$(dirname "$1")
  while [ "$d" != "." ] && [ ! -f "$d/go.mod" ]; do
    d=$(dirname "$d")
  done
  echo "$d"
}

while IFS= read -r file; do
  mod=$(moduleOf "$file")
  pkg=./${file#"$mod"/}
  pkg=$(dirname "$pkg")
  for target in $(grep -oE '^func (Fuzz[A-Za-z0-9_]+)\(' "$file" | sed -E 's/^func (Fuzz[A-Za-z0-9_]+)\(/\1/'); do
    echo "fuzz: $mod: $pkg $target ($fuzztime)"
    for attempt in 1 2; do
      if run "$mod" "$pkg" "$target"; then
        break
      fi
      if grep -q "Failing input written to" "$log" || ! grep -q "context deadline exceeded" "$log"; then
        status=1
        break
      fi
      if [ "$attempt" = 2 ]; then
        echo "fuzz: $pkg $target: the fuzzing engine timed out twice without a finding (golang/go#75804)"
      else
        echo "fuzz: $pkg $target: the fuzzing engine timed out without a finding; once more"
      fi
    done
  done
done < <(git ls-files '*_test.go' | xargs grep -l '^func Fuzz' | sort)
exit $status
