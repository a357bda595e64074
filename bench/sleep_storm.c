/* sleep_storm.c: 100,000 poll tasks on sleep futures of 0-100 ms
 *
 * The root spawns N = 100,000 poll tasks; each, on its first poll, makes
 * a sleep future of a random 0-100 ms (GRand with a fixed seed, so every
 * run draws the same), and is ready when it is. Wall time runs from
 * before the first spawn to after the last join; a task's lateness is
 * from its deadline (first poll + its duration) to the poll that finds
 * the future ready.
 * Figures: wall_ms, lateness_p50_us, lateness_p99_us, lateness_max_us
 * (one line each).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "bench-common.h"

#define SLEEP_STORM_N 100000
#define SLEEP_STORM_MAX_MS 100
#define SLEEP_STORM_SEED 20261204

typedef struct
{
  guint msec;
  gint64 deadline_ns;
  gint64 lateness_ns;
  IsleFuture *sleep;   /* (owned) (nullable) */
} StormTask;

static IslePoll
storm_poll (gpointer    state,
            IsleWaker  *waker,
            gpointer   *result,
            GError    **error)
{
  StormTask *task = state;
  gpointer value;

  if (task->sleep == NULL)
    {
      task->deadline_ns = bench_now_ns () + (gint64) task->msec * 1000000;
      task->sleep = isle_future_new_sleep_msec (task->msec);
    }
  if (isle_future_poll (task->sleep, waker, &value, error) == ISLE_POLL_PENDING)
    return ISLE_POLL_PENDING;

  task->lateness_ns = bench_now_ns () - task->deadline_ns;
  g_clear_pointer (&task->sleep, isle_future_unref);
  *result = task;
  return ISLE_POLL_READY;
}

typedef struct
{
  guint n;
  StormTask *tasks;
  double wall_ms;
} StormRun;

static gpointer
storm_root (gpointer   user_data,
            GError   **error)
{
  StormRun *run = user_data;
  IsleJoinHandle **handles = g_new0 (IsleJoinHandle *, run->n);
  gint64 start_ns = bench_now_ns ();

  for (guint i = 0; i < run->n; i++)
    handles[i] = isle_spawn_local_poll (storm_poll, &run->tasks[i], NULL);
  for (guint i = 0; i < run->n; i++)
    {
      GError *join_error = NULL;

      if (isle_join_handle_join (handles[i], &join_error) != &run->tasks[i])
        bench_fail ("join of task %u returned a wrong result", i);
      bench_check_error (join_error, "isle_join_handle_join");
      isle_join_handle_unref (handles[i]);
    }
  run->wall_ms = (bench_now_ns () - start_ns) / 1e6;
  g_free (handles);
  return run;
}

static int
compare_lateness (gconstpointer a,
                  gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;

  return (x > y) - (x < y);
}

int
main (int   argc,
      char *argv[])
{
  StormRun run = { 0, };
  GRand *rand;
  gint64 *lateness;

  bench_init ("sleep_storm");
  run.n = bench_scale_count (SLEEP_STORM_N);
  run.tasks = g_new0 (StormTask, run.n);
  rand = g_rand_new_with_seed (SLEEP_STORM_SEED);
  for (guint i = 0; i < run.n; i++)
    run.tasks[i].msec = g_rand_int_range (rand, 0, SLEEP_STORM_MAX_MS + 1);
  g_rand_free (rand);

  if (bench_run_root (storm_root, &run) != &run)
    bench_fail ("the root task returned a wrong result");

  lateness = g_new (gint64, run.n);
  for (guint i = 0; i < run.n; i++)
    {
      if (run.tasks[i].lateness_ns < 0)
        bench_fail ("task %u woke %" G_GINT64_FORMAT " ns before its deadline",
                    i, -run.tasks[i].lateness_ns);
      lateness[i] = run.tasks[i].lateness_ns;
    }
  qsort (lateness, run.n, sizeof lateness[0], compare_lateness);

  bench_print_result ("wall_ms", run.wall_ms, run.n, NULL);
  bench_print_result ("lateness_p50_us", lateness[run.n / 2] / 1000.0, run.n, NULL);
  bench_print_result ("lateness_p99_us", lateness[(guint64) run.n * 99 / 100] / 1000.0, run.n, NULL);
  bench_print_result ("lateness_max_us", lateness[run.n - 1] / 1000.0, run.n, NULL);

  g_free (lateness);
  g_free (run.tasks);
  return 0;
}
