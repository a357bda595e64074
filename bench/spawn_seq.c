/* spawn_seq.c: spawn one fiber task, join it, repeat
 *
 * N = 100,000 times: the root spawns a fiber task that yields once and
 * returns, and joins it before spawning the next. Only one task stack is
 * live at a time, so this measures spawning onto a reused (warm) stack.
 * Figure: ns per task, spawn to joined.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "bench-common.h"

#define SPAWN_SEQ_N 100000

typedef struct
{
  guint n;
  guint64 counter;
  double ns_per_task;
} SpawnSeqRun;

static gpointer
spawn_seq_task (gpointer   user_data,
                GError   **error)
{
  SpawnSeqRun *run = user_data;

  if (!isle_yield_now (error))
    return NULL;
  run->counter += 1;

  return run;
}

static gpointer
spawn_seq_root (gpointer   user_data,
                GError   **error)
{
  SpawnSeqRun *run = user_data;
  gint64 start_ns;
  gint64 end_ns;

  start_ns = bench_now_ns ();

  for (guint i = 0; i < run->n; i++)
    {
      IsleJoinHandle *handle;
      GError *join_error = NULL;
      gpointer result;

      handle = isle_spawn_local (spawn_seq_task, run, NULL);
      result = isle_join_handle_join (handle, &join_error);
      bench_check_error (join_error, "isle_join_handle_join");
      if (result != run)
        bench_fail ("join of task %u returned %p, expected %p", i, result, (gpointer) run);
      if (run->counter != (guint64) i + 1)
        bench_fail ("task %u joined before it finished (counter %" G_GUINT64_FORMAT ")",
                    i, run->counter);
      isle_join_handle_unref (handle);
    }

  end_ns = bench_now_ns ();

  run->ns_per_task = bench_ns_per (start_ns, end_ns, run->n);

  return run;
}

int
main (int   argc,
      char *argv[])
{
  SpawnSeqRun run = { 0, };

  bench_init ("spawn_seq");

  run.n = bench_scale_count (SPAWN_SEQ_N);

  if (bench_run_root (spawn_seq_root, &run) != &run)
    bench_fail ("the root task returned a wrong result");
  if (run.counter != run.n)
    bench_fail ("counter is %" G_GUINT64_FORMAT ", expected %u", run.counter, run.n);

  bench_print_result ("ns_per_task", run.ns_per_task, run.n, NULL);

  return 0;
}
