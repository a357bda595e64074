#!/bin/bash
# test-summary.sh: total the results of meson test logs
#
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Usage: scripts/test-summary.sh BUILD_DIR_OR_LOG...
#
# Reads BUILD_DIR/meson-logs/testlog.json of every directory given, or the
# log file itself when a file is given (a test setup's log, such as
# testlog-valgrind.json), one JSON object per line, one line per test, and
# prints one line to stdout:
#
#   N passed, N failed[, N skipped]
#
# OK and EXPECTEDFAIL count as passed, SKIP as skipped and every other result
# (FAIL, TIMEOUT, ERROR, UNEXPECTEDPASS, INTERRUPT, ...) as failed.  A build
# directory without a test log counts as one failure: its tests never ran.
# Notes go to stderr, so the summary line can be captured on its own.
#
# Exit status: 0 when nothing failed and at least one test passed (a run
# where every test was skipped tested nothing), 1 otherwise.

set -euo pipefail

if [ $# -eq 0 ]; then
  echo "usage: $0 BUILD_DIR_OR_LOG..." >&2
  exit 2
fi

passed=0
failed=0
skipped=0

# count_results LOG: print "PASSED FAILED SKIPPED" for one test log.
count_results ()
{
  if command -v python3 >/dev/null 2>&1; then
    python3 - "$1" <<'PY'
import json
import sys

passed = failed = skipped = 0
with open(sys.argv[1], encoding="utf-8", errors="replace") as log:
    for line in log:
        line = line.strip()
        if not line:
            continue
        try:
            result = json.loads(line).get("result")
        except ValueError:
            # A truncated last line (meson test killed): an unknown outcome.
            failed += 1
            continue
        if result in ("OK", "EXPECTEDFAIL"):
            passed += 1
        elif result == "SKIP":
            skipped += 1
        else:
            failed += 1
print(passed, failed, skipped)
PY
  else
    # Without python3: one "result" key per line, at the top level of each
    # test's object.  Quotes inside captured output are escaped, so they do
    # not match.
    local p=0 f=0 s=0 result
    while read -r result; do
      case "$result" in
        OK|EXPECTEDFAIL) p=$((p + 1)) ;;
        SKIP)            s=$((s + 1)) ;;
        *)               f=$((f + 1)) ;;
      esac
    done < <(grep -o '"result": *"[A-Z]*"' "$1" | sed 's/.*"\([A-Z]*\)"$/\1/')
    echo "$p $f $s"
  fi
}

for dir in "$@"; do
  case "$dir" in
    *.json) log="$dir" ;;
    *)      log="$dir/meson-logs/testlog.json" ;;
  esac
  if [ ! -f "$log" ]; then
    echo "test-summary: no test log $log: its tests did not run; counted as 1 failure" >&2
    failed=$((failed + 1))
    continue
  fi
  read -r p f s < <(count_results "$log")
  echo "test-summary: $dir: $p passed, $f failed, $s skipped" >&2
  passed=$((passed + p))
  failed=$((failed + f))
  skipped=$((skipped + s))
done

line="$passed passed, $failed failed"
if [ "$skipped" -gt 0 ]; then
  line="$line, $skipped skipped"
fi
echo "$line"

if [ "$failed" -gt 0 ]; then
  exit 1
fi
if [ "$passed" -eq 0 ]; then
  echo "test-summary: no test passed: nothing was tested" >&2
  exit 1
fi
exit 0
