/* timer_churn.c: a million timeouts over futures that are ready already
 *
 * N = 1,000,000 times in one fiber task: wrap a ready future in a
 * one-hour isle_future_new_timeout_msec(), await it (ready at once, not timed out), drop
 * it. Like Tokio's timeout, isle_future_new_timeout_msec() does not arm a timer over a
 * future that is ready already: armed=no. A second loop, armed=yes, wraps
 * a pending promise's future instead and resolves the promise before the
 * await, so each timer really joins the island's timer queue and leaves
 * it when the inner future wins.
 * RSS: VmHWM is reset (clear_refs) and VmRSS read just before the loop,
 * VmHWM just after; growth = VmHWM - that VmRSS. An isle_sleep_msec(1) is
 * timed before and after the loop (median of 5 each): timers left behind
 * would slow down every later trip through the main loop.
 * Figures: ns_per_timeout and rss_growth_kib, one line each per loop,
 * with armed=no / armed=yes.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <stdio.h>
#include <string.h>

#include "bench-common.h"

#define TIMER_CHURN_N 1000000
#define TIMER_CHURN_SLEEPS 5

typedef struct
{
  guint n;
  gboolean armed;
  double ns_per_timeout;
  gint64 rss_growth_kib;
  double sleep_before_us;
  double sleep_after_us;
} TimerChurnRun;

static gint64
status_kib (const char *key)
{
  g_autofree char *status = NULL;
  const char *line;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL))
    bench_fail ("cannot read /proc/self/status");
  line = strstr (status, key);
  if (line == NULL)
    bench_fail ("no %s in /proc/self/status", key);
  return g_ascii_strtoll (line + strlen (key), NULL, 10);
}

static void
reset_peak_rss (void)
{
  FILE *f = fopen ("/proc/self/clear_refs", "w");

  if (f == NULL || fputs ("5", f) < 0 || fclose (f) != 0)
    bench_fail ("cannot reset VmHWM through /proc/self/clear_refs");
}

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

static double
time_sleep_1_ms (void)
{
  double us[TIMER_CHURN_SLEEPS];

  for (guint i = 0; i < TIMER_CHURN_SLEEPS; i++)
    {
      gint64 start = bench_now_ns ();
      GError *error = NULL;

      isle_sleep_msec (1, &error);
      bench_check_error (error, "isle_sleep_msec");
      us[i] = (bench_now_ns () - start) / 1000.0;
    }
  qsort (us, TIMER_CHURN_SLEEPS, sizeof us[0], compare_doubles);
  return us[TIMER_CHURN_SLEEPS / 2];
}

static gpointer
timer_churn_root (gpointer   user_data,
                  GError   **error)
{
  TimerChurnRun *run = user_data;
  IsleFuture *ready = isle_future_new_for_value (GINT_TO_POINTER (1), NULL);
  gint64 rss_before;
  gint64 start_ns;
  gint64 end_ns;

  run->sleep_before_us = time_sleep_1_ms ();

  reset_peak_rss ();
  rss_before = status_kib ("VmRSS:");
  start_ns = bench_now_ns ();
  for (guint i = 0; i < run->n; i++)
    {
      IslePromise *promise = run->armed ? isle_promise_new () : NULL;
      IsleFuture *limited = isle_future_new_timeout_msec (promise != NULL ? isle_promise_get_future (promise) : ready,
                                                          3600 * 1000);
      GError *await_error = NULL;

      if (promise != NULL)
        {
          isle_promise_resolve (promise, GINT_TO_POINTER (1), NULL);
          isle_promise_unref (promise);
        }

      if (isle_await (limited, &await_error) != GINT_TO_POINTER (1))
        bench_fail ("timeout %u did not give the inner value", i);
      bench_check_error (await_error, "isle_await");
      isle_future_unref (limited);
    }
  end_ns = bench_now_ns ();
  run->rss_growth_kib = status_kib ("VmHWM:") - rss_before;
  run->ns_per_timeout = bench_ns_per (start_ns, end_ns, run->n);

  run->sleep_after_us = time_sleep_1_ms ();
  isle_future_unref (ready);
  return run;
}

int
main (int   argc,
      char *argv[])
{
  bench_init ("timer_churn");

  for (int armed = 0; armed <= 1; armed++)
    {
      TimerChurnRun run = { 0, };
      char *extra;

      run.n = bench_scale_count (TIMER_CHURN_N);
      run.armed = armed;
      if (bench_run_root (timer_churn_root, &run) != &run)
        bench_fail ("the root task returned a wrong result");

      extra = g_strdup_printf ("armed=%s sleep_1ms_before_us=%.0f sleep_1ms_after_us=%.0f",
                               armed ? "yes" : "no", run.sleep_before_us, run.sleep_after_us);
      bench_print_result ("ns_per_timeout", run.ns_per_timeout, run.n, extra);
      g_free (extra);
      bench_print_result ("rss_growth_kib", (double) run.rss_growth_kib, run.n,
                          armed ? "armed=yes" : "armed=no");
    }

  return 0;
}
