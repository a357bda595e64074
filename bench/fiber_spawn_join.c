/* fiber_spawn_join.c: N fiber tasks alive at once, each yielding once
 *
 * The same as spawn_join with N = 30,000 fiber tasks: the root spawns them
 * all before joining any, so every one holds its own stack across its
 * yield. 30,000 stacks with a guard page each sit close to Linux's default
 * vm.max_map_count of 65,530, on purpose.
 * Figure: ns per task, from the first spawn to the last join.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "bench-common.h"

#define FIBER_SPAWN_JOIN_N 30000

typedef struct
{
  guint n;
  guint64 counter;
  double ns_per_task;
} FiberSpawnJoinRun;

static gpointer
fiber_spawn_join_task (gpointer   user_data,
                       GError   **error)
{
  FiberSpawnJoinRun *run = user_data;

  run->counter += 1;
  if (!isle_yield_now (error))
    return NULL;
  run->counter += 1;

  return run;
}

static gpointer
fiber_spawn_join_root (gpointer   user_data,
                       GError   **error)
{
  FiberSpawnJoinRun *run = user_data;
  IsleJoinHandle **handles;
  gint64 start_ns;
  gint64 end_ns;

  handles = g_new0 (IsleJoinHandle *, run->n);

  start_ns = bench_now_ns ();

  for (guint i = 0; i < run->n; i++)
    handles[i] = isle_spawn_local (fiber_spawn_join_task, run, NULL);

  for (guint i = 0; i < run->n; i++)
    {
      GError *join_error = NULL;
      gpointer result;

      /* A stack that could not be mapped shows here as the task's
       * ISLE_ERROR_NO_FIBER_STACK, and fails the run with its message. */
      result = isle_join_handle_join (handles[i], &join_error);
      bench_check_error (join_error, "isle_join_handle_join");
      if (result != run)
        bench_fail ("join of task %u returned %p, expected %p", i, result, (gpointer) run);
      isle_join_handle_unref (handles[i]);
    }

  end_ns = bench_now_ns ();

  run->ns_per_task = bench_ns_per (start_ns, end_ns, run->n);

  g_free (handles);

  return run;
}

int
main (int   argc,
      char *argv[])
{
  FiberSpawnJoinRun run = { 0, };

  bench_init ("fiber_spawn_join");

  run.n = bench_scale_count (FIBER_SPAWN_JOIN_N);

  if (bench_run_root (fiber_spawn_join_root, &run) != &run)
    bench_fail ("the root task returned a wrong result");
  if (run.counter != 2 * (guint64) run.n)
    bench_fail ("counter is %" G_GUINT64_FORMAT ", expected %" G_GUINT64_FORMAT,
                run.counter, 2 * (guint64) run.n);

  bench_print_result ("ns_per_task", run.ns_per_task, run.n, NULL);

  return 0;
}
