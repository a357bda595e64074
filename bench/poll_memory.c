/* poll_memory.c: resident memory of parked poll tasks
 *
 * The poll-task form of fiber_memory: N = 100,000 poll tasks are each
 * parked once, keeping a live value and their waker in their state, all at
 * the same time. The figure is (peak RSS once all are parked - RSS before
 * spawning) / N. The task states are allocated after the "before" sample
 * and count, as a Tokio future's state counts inside its task; the
 * benchmark's handle array is written beforehand and does not. Then every
 * task is woken, checks its value, and is joined.
 * Figure: bytes per parked task.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "bench-common.h"

#define POLL_MEMORY_N 100000

#define POLL_MEMORY_SEED G_GUINT64_CONSTANT (0x9e3779b97f4a7c15)

typedef struct
{
  guint n;
  guint n_parked;
  guint n_checked;
  gboolean released;
  double bytes_per_task;
} PollMemoryRun;

/* The task's whole state: the run it reports to, a live value and its
 * waker, registered with the "event" the root fires later. */
typedef struct
{
  PollMemoryRun *run;  /* (unowned) */
  guint64 value;
  IsleWaker *waker;    /* (owned) (nullable) */
} PollMemoryTask;

static IslePoll
poll_memory_poll (gpointer    state,
                  IsleWaker  *waker,
                  gpointer   *result,
                  GError    **error)
{
  PollMemoryTask *task = state;
  PollMemoryRun *run = task->run;

  if (task->waker == NULL)
    {
      task->waker = isle_waker_ref (waker);
      run->n_parked++;
    }

  if (!run->released)
    return ISLE_POLL_PENDING;

  if (task->value != (POLL_MEMORY_SEED ^ (guint64) (gsize) task))
    bench_fail ("a parked task's state changed while it was parked");
  run->n_checked++;

  g_clear_pointer (&task->waker, isle_waker_unref);
  *result = task;
  return ISLE_POLL_READY;
}

static gpointer
poll_memory_root (gpointer   user_data,
                  GError   **error)
{
  PollMemoryRun *run = user_data;
  IsleJoinHandle **handles;
  PollMemoryTask *tasks;
  gsize rss_before_kib;
  gsize peak_kib;

  handles = g_new (IsleJoinHandle *, run->n);
  bench_touch_memory (handles, run->n * sizeof *handles);

  rss_before_kib = bench_get_rss_kib ();

  tasks = g_new (PollMemoryTask, run->n);

  for (guint i = 0; i < run->n; i++)
    {
      tasks[i].run = run;
      tasks[i].value = POLL_MEMORY_SEED ^ (guint64) (gsize) &tasks[i];
      tasks[i].waker = NULL;
      handles[i] = isle_spawn_local_poll (poll_memory_poll, &tasks[i], NULL);
    }

  while (run->n_parked < run->n)
    {
      if (!isle_yield_now (error))
        return NULL;
    }

  peak_kib = bench_get_peak_rss_kib ();
  run->bytes_per_task = ((double) peak_kib - (double) rss_before_kib) * 1024.0 / run->n;

  run->released = TRUE;
  for (guint i = 0; i < run->n; i++)
    isle_waker_wake (tasks[i].waker);

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

  g_free (tasks);
  g_free (handles);

  return run;
}

int
main (int   argc,
      char *argv[])
{
  PollMemoryRun run = { 0, };

  bench_init ("poll_memory");

  run.n = bench_scale_count (POLL_MEMORY_N);

  if (bench_run_root (poll_memory_root, &run) != &run)
    bench_fail ("the root task returned a wrong result");
  if (run.n_checked != run.n)
    bench_fail ("%u tasks finished, expected %u", run.n_checked, run.n);

  bench_print_result ("bytes_per_task", run.bytes_per_task, run.n, NULL);

  return 0;
}
