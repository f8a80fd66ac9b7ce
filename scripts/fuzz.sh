#!/usr/bin/env bash
# Runs every fuzz target in the module for the given time each (default 10s).
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

run() { # pkg target
  $go test -run='^$' -fuzz="^$2\$" -fuzztime="$fuzztime" -fuzzminimizetime=2s "$1" 2>&1 | tee "$log"
  return "${PIPESTATUS[0]}"
}

while IFS= read -r file; do
  pkg=./$(dirname "$file")
  for target in $(grep -oE '^func (Fuzz[A-Za-z0-9_]+)\(' "$file" | sed -E 's/^func (Fuzz[A-Za-z0-9_]+)\(/\1/'); do
    echo "fuzz: $pkg $target ($fuzztime)"
    for attempt in 1 2; do
      if run "$pkg" "$target"; then
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
