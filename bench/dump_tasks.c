/* dump_tasks.c: the cost of a task dump, per task
 *
 * For each N in {1,000, 10,000, 100,000}: N poll tasks park on wakers
 * nobody wakes, spawned from four different functions (so the dump meets
 * four distinct spawn sites), one in four of them joined by another task
 * (so the dump names joins), on an island with ISLE_DEBUG_TASKS (the
 * longest line: age, turns and run time). The root task then dumps the
 * island five times, from inside a task as a tool would; the first dump,
 * which resolves the spawn sites, is not counted, and the figure is the
 * median of the other four. A dump that walks the live tasks once per
 * task, or reads an object's symbol table per task, grows faster than N;
 * this figure should be flat.
 * Figure: µs per task, one RESULT line per N (parked=N n=N).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench-common.h"

#define DUMP_TASKS_ROUNDS 5

static const guint task_counts[] = { 1000, 10000, 100000 };

typedef struct
{
  guint      n_tasks;
  IsleWaker **wakers;      /* (owned) (array length=n_tasks) one per parked task */
  guint      n_parked;
  double     us_per_task;
} DumpRun;

static IslePoll
parked_poll (gpointer    state,
             IsleWaker  *waker,
             gpointer   *result,
             GError    **error)
{
  IsleWaker **slot = state;

  if (*slot == NULL)
    *slot = isle_waker_ref (waker);
  return ISLE_POLL_PENDING;
}

/* A poll task that joins another: the dump says "join of task N". */
static IslePoll
joiner_poll (gpointer    state,
             IsleWaker  *waker,
             gpointer   *result,
             GError    **error)
{
  IsleJoinHandle *target = state;

  return isle_join_handle_poll (target, waker, result, error);
}

/* Four spawn sites, so the dump resolves more than one. */
static G_GNUC_NO_INLINE IsleJoinHandle *
spawn_a (IsleWaker **slot)
{
  return isle_spawn_local_poll (parked_poll, slot, NULL);
}

static G_GNUC_NO_INLINE IsleJoinHandle *
spawn_b (IsleWaker **slot)
{
  return isle_spawn_local_poll (parked_poll, slot, NULL);
}

static G_GNUC_NO_INLINE IsleJoinHandle *
spawn_c (IsleWaker **slot)
{
  return isle_spawn_local_poll (parked_poll, slot, NULL);
}

static G_GNUC_NO_INLINE IsleJoinHandle *
spawn_joiner (IsleJoinHandle *target)
{
  return isle_spawn_local_poll (joiner_poll, isle_join_handle_ref (target),
                                (GDestroyNotify) isle_join_handle_unref);
}

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *) a;
  double y = *(const double *) b;

  return x < y ? -1 : x > y;
}

static gpointer
dump_tasks_root (gpointer   user_data,
                 GError   **error)
{
  DumpRun *run = user_data;
  IsleJoinHandle **handles = g_new0 (IsleJoinHandle *, run->n_tasks);
  double per_task[DUMP_TASKS_ROUNDS - 1];
  IsleLocalSet *island = isle_local_set_get_current ();
  IsleLocalSetCounters counters;
  guint n_live;

  /* Three parked tasks, then a task joining the first of them, and so on:
   * N tasks in all, a quarter of them joins. */
  for (guint i = 0; i < run->n_tasks; i++)
    {
      switch (i % 4)
        {
        case 0:
          handles[i] = spawn_a (&run->wakers[i]);
          break;
        case 1:
          handles[i] = spawn_b (&run->wakers[i]);
          break;
        case 2:
          handles[i] = spawn_c (&run->wakers[i]);
          break;
        default:
          handles[i] = spawn_joiner (handles[i - 3]);
          break;
        }
    }

  /* Every task has had its first turn and parked. */
  do
    {
      if (!isle_yield_now (error))
        return NULL;
      isle_local_set_get_counters (island, &counters);
    }
  while (counters.polls < run->n_tasks);

  n_live = counters.tasks_live;
  for (guint round = 0; round < DUMP_TASKS_ROUNDS; round++)
    {
      gint64 start_ns = bench_now_ns ();
      char *dump = isle_local_set_dump_tasks (island);
      gint64 end_ns = bench_now_ns ();

      if (strstr (dump, "join of task ") == NULL)
        bench_fail ("the dump does not name the joins:\n%.2000s", dump);
      g_free (dump);
      if (round > 0)
        per_task[round - 1] = bench_ns_per (start_ns, end_ns, n_live) / 1000.0;
    }

  qsort (per_task, G_N_ELEMENTS (per_task), sizeof per_task[0], compare_doubles);
  run->us_per_task = (per_task[1] + per_task[2]) / 2;

  /* Wake the parked tasks' wakers never: the island's teardown aborts
   * every task. Only the handles and wakers are ours to drop. */
  for (guint i = 0; i < run->n_tasks; i++)
    isle_join_handle_unref (handles[i]);
  g_free (handles);

  return run;
}

int
main (int    argc,
      char **argv)
{
  bench_init ("dump_tasks");

  for (guint c = 0; c < G_N_ELEMENTS (task_counts); c++)
    {
      DumpRun run = { 0, };
      IsleLocalSet *island = isle_local_set_new ();
      GError *error = NULL;

      run.n_tasks = MAX (bench_scale_count (task_counts[c]), 8);
      run.wakers = g_new0 (IsleWaker *, run.n_tasks);

      isle_local_set_set_debug_flags (island, ISLE_DEBUG_TASKS);
      if (isle_local_set_run_until (island, dump_tasks_root, &run, &error) != &run)
        bench_check_error (error, "isle_local_set_run_until");
      isle_local_set_unref (island);

      for (guint i = 0; i < run.n_tasks; i++)
        g_clear_pointer (&run.wakers[i], isle_waker_unref);
      g_free (run.wakers);

      /* Three decimals: the figure is well under a microsecond. The
       * parked=N key gives each N its own row in run-all.sh. */
      printf ("RESULT dump_tasks us_per_task=%.3f parked=%u n=%u peak_rss_kib=%" G_GSIZE_FORMAT "\n",
              run.us_per_task, run.n_tasks, run.n_tasks, bench_get_peak_rss_kib ());
      fflush (stdout);
    }

  return 0;
}
