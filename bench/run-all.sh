#!/usr/bin/env bash
# run-all.sh: run every workload of bench/ several times and print medians
#
# Usage: bench/run-all.sh [BUILD_DIR] [WORKLOAD...]
#
#   BUILD_DIR   a meson build directory (default: _build-bench), best
#               configured with --buildtype=release -Db_ndebug=true
#   WORKLOAD    only these workloads (default: all of them)
#
# Environment:
#   BENCH_RUNS   runs of each program (default 5)
#   BENCH_SCALE  passed through to the programs (e.g. 0.1 for a smoke run)
#   BENCH_RAW    if set, a file that receives every RESULT line
#
# ui_frames opens a GTK window: without $DISPLAY or $WAYLAND_DISPLAY it
# runs under `xvfb-run -a`. It is built only when GTK 4 and XTEST were
# found; when it was not built it is skipped, not failed.
#
# Prints one row per workload and figure (and per parked=P for
# parked_wake, parked_sleepers=P for timer_trip, and per yielders= or
# armed= where a program prints them, in the parked column as P/y2 or
# P/armed=yes) with the median, minimum and maximum over the runs. Exits
# non-zero if any run of any program fails or prints no RESULT line.
#
# SPDX-License-Identifier: LGPL-2.1-or-later

set -u

all_workloads=(
  spawn_join
  fiber_spawn_join
  spawn_seq
  ping_pong
  yield_storm
  parked_wake
  fiber_memory
  poll_memory
  blocking_offload
  timer_trip
  timer_churn
  sleep_storm
  dump_tasks
  ui_frames
  spawn_remote
  spawn_remote_pinned
  spawn_remote_batch
  pool_scaling
  gio_export
  python_yield_storm
)

build_dir=${1:-_build-bench}
if [ $# -gt 0 ]; then
  shift
fi
if [ $# -gt 0 ]; then
  workloads=("$@")
else
  workloads=("${all_workloads[@]}")
fi

runs=${BENCH_RUNS:-5}
case $runs in
  '' | *[!0-9]* | 0)
    echo "run-all.sh: BENCH_RUNS must be a positive integer, not '$runs'" >&2
    exit 2
    ;;
esac

if [ ! -d "$build_dir/bench" ]; then
  echo "run-all.sh: no bench/ in build directory '$build_dir'" >&2
  echo "  configure one with: meson setup $build_dir --buildtype=release -Db_ndebug=true" >&2
  exit 2
fi

raw=$(mktemp)
trap 'rm -f "$raw"' EXIT

failed=0
for workload in "${workloads[@]}"; do
  program=$build_dir/bench/$workload
  wrapper=()
  rename=()
  # spawn_remote once more with both threads on one CPU (WORKLOADS.md):
  # on a VM, waking an idle CPU costs more than the hand-over itself.
  if [ "$workload" = spawn_remote_pinned ]; then
    program=$build_dir/bench/spawn_remote
    wrapper=(taskset -c 0)
    rename=(-e 's/^RESULT spawn_remote /RESULT spawn_remote_pinned /')
  fi
  # The Python workload is a script run against the build's typelib with
  # Debian's python3-gi (bindings/); without the typelib it is skipped.
  if [ "$workload" = python_yield_storm ]; then
    if [ ! -f "$build_dir/src/Isle-1.typelib" ] || ! /usr/bin/python3 -c 'import gi' 2>/dev/null; then
      echo "run-all.sh: skipping python_yield_storm: no typelib in $build_dir or no python3-gi" >&2
      continue
    fi
    program=$(dirname "$0")/python_yield_storm.py
    wrapper=(env GI_TYPELIB_PATH="$build_dir/src" LD_LIBRARY_PATH="$build_dir/src"
             PYTHONPATH="$(dirname "$0")/../bindings/python" /usr/bin/python3)
  fi
  if [ ! -x "$program" ]; then
    if [ "$workload" = ui_frames ]; then
      echo "run-all.sh: skipping ui_frames: not built (it needs GTK 4 and libxtst-dev)" >&2
      continue
    fi
    echo "run-all.sh: $program is missing (not built?)" >&2
    failed=1
    continue
  fi
  if [ "$workload" = ui_frames ] && [ -z "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
    wrapper=(env GTK_A11Y=none GSETTINGS_BACKEND=memory
             xvfb-run -a -s '-screen 0 1280x1024x24 -nolisten tcp')
  fi

  for run in $(seq 1 "$runs"); do
    out=$("${wrapper[@]}" "$program")
    status=$?
    lines=$(printf '%s\n' "$out" | grep '^RESULT ' | sed "${rename[@]}" -e '')
    if [ $status -ne 0 ] || [ -z "$lines" ]; then
      echo "run-all.sh: $workload run $run failed (exit status $status)" >&2
      failed=1
    fi
    if [ -n "$lines" ]; then
      printf '%s\n' "$lines" >> "$raw"
      printf '%s\n' "$lines" | sed "s/^/  [$run\/$runs] /" >&2
    fi
  done
done

if [ -n "${BENCH_RAW:-}" ]; then
  cp "$raw" "$BENCH_RAW"
fi

# Each RESULT line: RESULT <workload> <figure>=<value> [key=value ...].
# One row per workload, figure and parked=P, in the order the workloads
# were given and P ascending; the median of an even number of runs is the
# mean of the two middle values. peak_rss_kib is the largest over the runs.
printf '%-18s %-16s %-8s %12s %12s %12s %5s %13s\n' \
  workload figure parked median min max runs peak_rss_kib
awk -v order="${workloads[*]}" '
  BEGIN {
    n_order = split (order, names, " ")
    for (i = 1; i <= n_order; i++)
      rank[names[i]] = i
  }
  $1 == "RESULT" {
    workload = $2
    split ($3, fv, "=")
    parked = "-"
    rss = 0
    variant = ""
    for (i = 4; i <= NF; i++) {
      split ($i, kv, "=")
      if (kv[1] == "parked" || kv[1] == "parked_sleepers")
        parked = kv[2]
      else if (kv[1] == "yielders")
        variant = variant "/y" kv[2]
      else if (kv[1] == "armed")
        variant = variant "/armed=" kv[2]
      else if (kv[1] == "peak_rss_kib")
        rss = kv[2]
    }
    printf "%d\t%s\t%s\t%d\t%s\t%s\t%s\n", (workload in rank ? rank[workload] : 999), workload,
      fv[1], (parked == "-" ? -1 : parked), parked variant, fv[2], rss
  }
' "$raw" | sort -t "$(printf '\t')" -k1,1n -k3,3 -k4,4n -k5,5 -k6,6g | awk -F '\t' '
  function flush (  median, maxrss, i) {
    if (n == 0)
      return
    if (n % 2 == 1)
      median = v[(n + 1) / 2]
    else
      median = (v[n / 2] + v[n / 2 + 1]) / 2
    maxrss = 0
    for (i = 1; i <= n; i++)
      if (r[i] + 0 > maxrss)
        maxrss = r[i] + 0
    printf "%-18s %-16s %-8s %12.2f %12.2f %12.2f %5d %13d\n", w, f, p, median, v[1], v[n], n, maxrss
    # parked_wake and timer_trip should be flat: keep P = 0 and the
    # largest P of each variant for the ratio.
    if ((w == "parked_wake" || (w == "timer_trip" && f == "us_per_trip")) && p != "-") {
      fk = w
      if (index (p, "/") > 0)
        fk = w " (" substr (p, index (p, "/") + 1) ")"
      if (!(fk in flat_seen)) {
        flat_seen[fk] = 1
        flat_order[++n_flat] = fk
      }
      if (p + 0 == 0)
        flat_base[fk] = median
      else if (p + 0 >= flat_p[fk]) {
        flat_p[fk] = p + 0
        flat_top[fk] = median
      }
    }
    n = 0
  }
  {
    key = $2 SUBSEP $3 SUBSEP $5
    if (key != last)
      flush()
    last = key
    w = $2; f = $3; p = $5
    n++
    v[n] = $6
    r[n] = $7
  }
  END {
    flush()
    for (i = 1; i <= n_flat; i++) {
      fk = flat_order[i]
      if (flat_base[fk] > 0 && flat_p[fk] > 0)
        printf "%s: P = %d / P = 0 = %.2fx (target <= 1.2x)\n", fk, flat_p[fk], flat_top[fk] / flat_base[fk]
    }
  }
'

exit $failed
