/* yield_storm.c: many fiber tasks yielding in a loop
 *
 * T = 1,000 fiber tasks each call isle_yield_now() Y = 1,000 times, then
 * finish. The clock starts when the last task has started (every stack is
 * mapped and touched by then) and stops when the last task finishes, so the
 * figure is the yield alone, not spawning.
 * Figure: ns per yield, the loop's time / (T Y).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "bench-common.h"

#define YIELD_STORM_T 1000
#define YIELD_STORM_Y 1000

typedef struct
{
  guint n_tasks;
  guint n_yields;
  guint n_started;
  guint n_finished;
  guint64 total_yields;
  gint64 start_ns;
  gint64 end_ns;
} YieldStormRun;

static gpointer
yield_storm_task (gpointer   user_data,
                  GError   **error)
{
  YieldStormRun *run = user_data;

  /* A start barrier: tasks that arrive early yield (uncounted) until the
   * last one has arrived, which starts the clock. */
  run->n_started++;
  if (run->n_started == run->n_tasks)
    run->start_ns = bench_now_ns ();
  while (run->n_started < run->n_tasks)
    {
      if (!isle_yield_now (error))
        return NULL;
    }

  for (guint i = 0; i < run->n_yields; i++)
    {
      if (!isle_yield_now (error))
        return NULL;
      run->total_yields++;
    }

  run->n_finished++;
  if (run->n_finished == run->n_tasks)
    run->end_ns = bench_now_ns ();

  return run;
}

static gpointer
yield_storm_root (gpointer   user_data,
                  GError   **error)
{
  YieldStormRun *run = user_data;
  IsleJoinHandle **handles;

  handles = g_new0 (IsleJoinHandle *, run->n_tasks);

  for (guint i = 0; i < run->n_tasks; i++)
    handles[i] = isle_spawn_local (yield_storm_task, run, NULL);

  for (guint i = 0; i < run->n_tasks; i++)
    {
      GError *join_error = NULL;
      gpointer result;

      result = isle_join_handle_join (handles[i], &join_error);
      bench_check_error (join_error, "isle_join_handle_join");
      if (result != run)
        bench_fail ("join of task %u returned %p, expected %p", i, result, (gpointer) run);
      isle_join_handle_unref (handles[i]);
    }

  g_free (handles);

  return run;
}

int
main (int   argc,
      char *argv[])
{
  YieldStormRun run = { 0, };
  guint64 expected;
  char *extra;

  bench_init ("yield_storm");

  run.n_tasks = bench_scale_count (YIELD_STORM_T);
  run.n_yields = bench_scale_count (YIELD_STORM_Y);
  expected = (guint64) run.n_tasks * run.n_yields;

  if (bench_run_root (yield_storm_root, &run) != &run)
    bench_fail ("the root task returned a wrong result");
  if (run.total_yields != expected || run.n_finished != run.n_tasks)
    bench_fail ("%" G_GUINT64_FORMAT " yields by %u finished tasks, expected %"
                G_GUINT64_FORMAT " by %u", run.total_yields, run.n_finished,
                expected, run.n_tasks);

  extra = g_strdup_printf ("tasks=%u yields=%u", run.n_tasks, run.n_yields);
  bench_print_result ("ns_per_yield", bench_ns_per (run.start_ns, run.end_ns, expected),
                      expected, extra);
  g_free (extra);

  return 0;
}
