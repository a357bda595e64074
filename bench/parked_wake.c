/* parked_wake.c: the cost of a yield beside many parked tasks
 *
 * For each P in {0, 1,000, 10,000, 100,000}: P poll tasks park forever on
 * something that is never signalled (each keeps a reference to its waker,
 * which nobody wakes), and fiber tasks yield 100,000 times in all. Only the
 * yield loop is timed. Two ways for each P: a lone yielder (yielders=1),
 * which finds itself at the head of the run queue and never switches, and
 * two yielders of 50,000 yields each (yielders=2), so that every yield
 * hands the thread to the other: a real switch, as the peers measure. A scheduler that looks at its parked tasks on every
 * iteration (as GLib looks at every attached GSource) slows down as P
 * grows; this curve should be flat.
 * Each P runs on a fresh island, whose teardown aborts the parked tasks
 * before the next P starts.
 * Figure: ns per yield, one RESULT line per P and yielder count, with
 * parked=P yielders=1|2.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "bench-common.h"

#define PARKED_WAKE_YIELDS 100000

static const guint parked_counts[] = { 0, 1000, 10000, 100000 };

typedef struct _ParkedWakeRun ParkedWakeRun;

typedef struct
{
  ParkedWakeRun *run;  /* (unowned) */
  IsleWaker *waker;    /* (owned) (nullable): registered with an event that never fires */
} ParkedTask;

struct _ParkedWakeRun
{
  guint n_parked;
  guint n_yields;      /* per yielder */
  guint n_yielders;
  ParkedTask *parked;  /* (owned) (array length=n_parked) */
  guint n_polls;
  guint64 total_yields;
  double ns_per_yield;
};

static IslePoll
parked_poll (gpointer    state,
             IsleWaker  *waker,
             gpointer   *result,
             GError    **error)
{
  ParkedTask *task = state;

  /* Counting every poll catches a scheduler that polls a task nobody
   * woke: each task must be polled exactly once. */
  task->run->n_polls++;

  if (task->waker == NULL)
    task->waker = isle_waker_ref (waker);

  return ISLE_POLL_PENDING;
}

static gpointer
yielder_task (gpointer   user_data,
              GError   **error)
{
  ParkedWakeRun *run = user_data;

  for (guint i = 0; i < run->n_yields; i++)
    {
      if (!isle_yield_now (error))
        return NULL;
      run->total_yields++;
    }

  return run;
}

static gpointer
parked_wake_root (gpointer   user_data,
                  GError   **error)
{
  ParkedWakeRun *run = user_data;
  IsleJoinHandle **handles;
  IsleJoinHandle *yielders[2];
  gint64 start_ns;

  handles = g_new0 (IsleJoinHandle *, MAX (run->n_parked, 1));

  for (guint i = 0; i < run->n_parked; i++)
    {
      run->parked[i].run = run;
      handles[i] = isle_spawn_local_poll (parked_poll, &run->parked[i], NULL);
    }

  /* A yield puts the root behind every task spawned so far, so the parked
   * tasks have all had their one poll before the yielder starts; the loop
   * only guards against a budget that splits the first round. */
  while (run->n_polls < run->n_parked)
    {
      if (!isle_yield_now (error))
        return NULL;
    }

  /* The clock runs from the spawns (the yielders start once the root
   * parks in its join) to the last join: a spawn and a join or two beside
   * 100,000 yields. */
  start_ns = bench_now_ns ();
  for (guint y = 0; y < run->n_yielders; y++)
    yielders[y] = isle_spawn_local (yielder_task, run, NULL);
  for (guint y = 0; y < run->n_yielders; y++)
    {
      GError *join_error = NULL;
      gpointer result = isle_join_handle_join (yielders[y], &join_error);

      bench_check_error (join_error, "isle_join_handle_join");
      if (result != run)
        bench_fail ("a yielding task returned a wrong result");
      isle_join_handle_unref (yielders[y]);
    }
  run->ns_per_yield = bench_ns_per (start_ns, bench_now_ns (),
                                    (guint64) run->n_yields * run->n_yielders);

  if (run->n_polls != run->n_parked)
    bench_fail ("%u parked tasks were polled %u times, expected once each",
                run->n_parked, run->n_polls);

  for (guint i = 0; i < run->n_parked; i++)
    {
      if (isle_join_handle_is_finished (handles[i]))
        bench_fail ("parked task %u finished although nobody woke it", i);
      isle_join_handle_abort (handles[i]);
      isle_join_handle_unref (handles[i]);
    }

  g_free (handles);

  return run;
}

int
main (int   argc,
      char *argv[])
{
  bench_init ("parked_wake");

  for (gsize p = 0; p < 2 * G_N_ELEMENTS (parked_counts); p++)
    {
      ParkedWakeRun run = { 0, };
      char *extra;

      run.n_parked = bench_scale_count (parked_counts[p / 2]);
      run.n_yielders = 1 + p % 2;
      run.n_yields = bench_scale_count (PARKED_WAKE_YIELDS) / run.n_yielders;
      run.parked = g_new0 (ParkedTask, MAX (run.n_parked, 1));

      /* The island is freed inside bench_run_root(), which finishes the
       * aborted parked tasks; their wakers are released after that, when
       * waking them could no longer matter. */
      if (bench_run_root (parked_wake_root, &run) != &run)
        bench_fail ("the root task returned a wrong result at parked=%u", run.n_parked);
      if (run.total_yields != (guint64) run.n_yields * run.n_yielders)
        bench_fail ("%" G_GUINT64_FORMAT " yields at parked=%u, expected %u",
                    run.total_yields, run.n_parked, run.n_yields * run.n_yielders);

      for (guint i = 0; i < run.n_parked; i++)
        g_clear_pointer (&run.parked[i].waker, isle_waker_unref);
      g_free (run.parked);

      extra = g_strdup_printf ("parked=%u yielders=%u", run.n_parked, run.n_yielders);
      bench_print_result ("ns_per_yield", run.ns_per_yield,
                          (guint64) run.n_yields * run.n_yielders, extra);
      g_free (extra);
    }

  return 0;
}
