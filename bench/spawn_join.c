/* spawn_join.c: N poll tasks spawned, each yielding once, joined in order
 *
 * The root fiber task spawns N = 100,000 poll tasks (the cheapest kind of
 * task Isle has). Each adds 1 to a counter shared without atomics or locks,
 * yields once by waking its own waker, adds 1 again and returns. The root
 * then joins every handle in spawn order and checks the counter is 2N.
 * Figure: ns per task, from the first spawn to the last join.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "bench-common.h"

#define SPAWN_JOIN_N 100000

typedef struct
{
  guint64 *counter;  /* (unowned) shared by every task of the run */
  gboolean yielded;
} SpawnJoinTask;

typedef struct
{
  guint n;
  guint64 counter;
  double ns_per_task;
} SpawnJoinRun;

static IslePoll
spawn_join_poll (gpointer    state,
                 IsleWaker  *waker,
                 gpointer   *result,
                 GError    **error)
{
  SpawnJoinTask *task = state;

  *task->counter += 1;

  if (!task->yielded)
    {
      /* Waking itself from inside poll is how a poll task yields: it is
       * polled again after every other ready task. */
      task->yielded = TRUE;
      isle_waker_wake (waker);
      return ISLE_POLL_PENDING;
    }

  /* The state pointer as result lets the root check that each join
   * returns its own task's result. */
  *result = task;
  return ISLE_POLL_READY;
}

static gpointer
spawn_join_root (gpointer   user_data,
                 GError   **error)
{
  SpawnJoinRun *run = user_data;
  IsleJoinHandle **handles;
  SpawnJoinTask *tasks;
  gint64 start_ns;
  gint64 end_ns;

  handles = g_new0 (IsleJoinHandle *, run->n);
  tasks = g_new0 (SpawnJoinTask, run->n);

  start_ns = bench_now_ns ();

  for (guint i = 0; i < run->n; i++)
    {
      tasks[i].counter = &run->counter;
      handles[i] = isle_spawn_local_poll (spawn_join_poll, &tasks[i], NULL);
    }

  for (guint i = 0; i < run->n; i++)
    {
      GError *join_error = NULL;
      gpointer result;

      result = isle_join_handle_join (handles[i], &join_error);
      bench_check_error (join_error, "isle_join_handle_join");
      if (result != &tasks[i])
        bench_fail ("join of task %u returned %p, expected %p", i, result, (gpointer) &tasks[i]);
      isle_join_handle_unref (handles[i]);
    }

  end_ns = bench_now_ns ();

  run->ns_per_task = bench_ns_per (start_ns, end_ns, run->n);

  g_free (tasks);
  g_free (handles);

  return run;
}

int
main (int   argc,
      char *argv[])
{
  SpawnJoinRun run = { 0, };

  bench_init ("spawn_join");

  run.n = bench_scale_count (SPAWN_JOIN_N);

  if (bench_run_root (spawn_join_root, &run) != &run)
    bench_fail ("the root task returned a wrong result");
  if (run.counter != 2 * (guint64) run.n)
    bench_fail ("counter is %" G_GUINT64_FORMAT ", expected %" G_GUINT64_FORMAT,
                run.counter, 2 * (guint64) run.n);

  bench_print_result ("ns_per_task", run.ns_per_task, run.n, NULL);

  return 0;
}
