#!/bin/bash
# run.sh: build the Rust peers of Isle's cross-thread benchmarks and run them
#
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Usage: bench/peers/run.sh [PROGRAM...]
#
#   PROGRAM   only these (default: all of them, in this order):
#             tokio_spawn_remote tokio_spawn_remote_pinned
#             tokio_spawn_remote_batch glib_spawn_remote
#             glib_spawn_remote_pinned glib_spawn_remote_batch
#             (a *_pinned name runs the program with both threads on CPU 0,
#             `taskset -c 0`, as run-all.sh does for Isle's spawn_remote)
#
# Environment:
#   BENCH_RUNS      runs of each program (default 5)
#   BENCH_SCALE     passed through to the programs (e.g. 0.1 for a smoke run)
#   BENCH_RAW       if set, a file that receives every RESULT line
#   ISLE_BUILD_DIR  if set, a meson build directory of Isle (best a release
#                   one, see bench/README.md): its spawn_remote (also pinned)
#                   and spawn_remote_batch run first, in the same table, as
#                   isle_spawn_remote, isle_spawn_remote_pinned and
#                   isle_spawn_remote_batch
#   CARGO, RUSTC    the toolchain (default Debian's: /usr/bin/cargo and
#                   /usr/bin/rustc, not a rustup one earlier in PATH)
#
# Installs what is missing from Debian's archive (scripts/install-deps.sh
# peers), builds with `cargo build --release --offline` against the crates
# Debian ships (.cargo/config.toml), then runs each program BENCH_RUNS
# times and prints one row per program with the median, minimum and
# maximum, like bench/run-all.sh. The programs print Isle's RESULT lines
# (RESULT spawn_remote ...); the collected lines and the rows name the
# program instead of the workload. Exits non-zero if any run fails or
# prints no RESULT line.

set -u

all_programs=(
  tokio_spawn_remote
  tokio_spawn_remote_pinned
  tokio_spawn_remote_batch
  glib_spawn_remote
  glib_spawn_remote_pinned
  glib_spawn_remote_batch
)
isle_programs=(
  isle_spawn_remote
  isle_spawn_remote_pinned
  isle_spawn_remote_batch
)

peers_dir=$(cd "$(dirname "$0")" && pwd)
repo_dir=$(cd "$peers_dir/../.." && pwd)

if [ $# -gt 0 ]; then
  programs=("$@")
else
  programs=("${all_programs[@]}")
  if [ -n "${ISLE_BUILD_DIR:-}" ]; then
    programs=("${isle_programs[@]}" "${programs[@]}")
  fi
fi

runs=${BENCH_RUNS:-5}
case $runs in
  '' | *[!0-9]* | 0)
    echo "run.sh: BENCH_RUNS must be a positive integer, not '$runs'" >&2
    exit 2
    ;;
esac

"$repo_dir/scripts/install-deps.sh" peers || exit 1

cargo=${CARGO:-/usr/bin/cargo}
export RUSTC=${RUSTC:-/usr/bin/rustc}
# From bench/peers/, where cargo finds .cargo/config.toml; into its own
# target/ whatever CARGO_TARGET_DIR says, since the programs are run there.
(cd "$peers_dir" && "$cargo" build --release --offline --target-dir "$peers_dir/target") || {
  echo "run.sh: cargo build failed" >&2
  exit 1
}

# Which versions the build used: Debian's registry holds one of each.
crate_version ()
{
  awk -v name="$1" '$1 == "name" && $3 == "\"" name "\"" { found = 1; next }
                    found && $1 == "version" { gsub (/"/, "", $3); print $3; exit }' \
    "$peers_dir/Cargo.lock"
}
echo "run.sh: $("$RUSTC" --version), tokio $(crate_version tokio), glib-rs $(crate_version glib)" >&2

raw=$(mktemp)
trap 'rm -f "$raw"' EXIT

failed=0
for name in "${programs[@]}"; do
  base=${name%_pinned}
  wrapper=()
  if [ "$base" != "$name" ]; then
    wrapper=(taskset -c 0)
  fi
  case $base in
    isle_*)
      if [ -z "${ISLE_BUILD_DIR:-}" ]; then
        echo "run.sh: $name needs ISLE_BUILD_DIR (an Isle meson build directory)" >&2
        failed=1
        continue
      fi
      program=$ISLE_BUILD_DIR/bench/${base#isle_}
      ;;
    *)
      program=$peers_dir/target/release/$base
      ;;
  esac
  if [ ! -x "$program" ]; then
    echo "run.sh: $program is missing (not built, or not a program of bench/peers?)" >&2
    failed=1
    continue
  fi

  for run in $(seq 1 "$runs"); do
    out=$("${wrapper[@]}" "$program")
    status=$?
    lines=$(printf '%s\n' "$out" | grep '^RESULT ' | sed -e "s/^RESULT [^ ]* /RESULT $name /")
    if [ $status -ne 0 ] || [ -z "$lines" ]; then
      echo "run.sh: $name run $run failed (exit status $status)" >&2
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

# Each RESULT line: RESULT <program> <figure>=<value> [key=value ...]. One
# row per program and figure, in the order the programs were given; the
# median of an even number of runs is the mean of the two middle values.
# peak_rss_kib is the largest over the runs.
printf '%-26s %-12s %12s %12s %12s %5s %13s\n' \
  program figure median min max runs peak_rss_kib
awk -v order="${programs[*]}" '
  BEGIN {
    n_order = split (order, names, " ")
    for (i = 1; i <= n_order; i++)
      rank[names[i]] = i
  }
  $1 == "RESULT" {
    split ($3, fv, "=")
    rss = 0
    for (i = 4; i <= NF; i++) {
      split ($i, kv, "=")
      if (kv[1] == "peak_rss_kib")
        rss = kv[2]
    }
    printf "%d\t%s\t%s\t%s\t%s\n", ($2 in rank ? rank[$2] : 999), $2, fv[1], fv[2], rss
  }
' "$raw" | sort -t "$(printf '\t')" -k1,1n -k3,3 -k4,4g | awk -F '\t' '
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
    printf "%-26s %-12s %12.2f %12.2f %12.2f %5d %13d\n", w, f, median, v[1], v[n], n, maxrss
    n = 0
  }
  {
    key = $2 SUBSEP $3
    if (key != last)
      flush()
    last = key
    w = $2; f = $3
    n++
    v[n] = $4
    r[n] = $5
  }
  END {
    flush()
  }
'

exit $failed
