/* timer_trip.c: a trip through the timer beside many sleeping tasks
 *
 * For each P in {0, 1,000, 10,000, 100,000}, on a fresh island: P fiber
 * tasks each isle_sleep_msec() for an hour, all started (each has registered
 * its timer) before the clock starts; then one fiber task does M = 2,000
 * zero-length sleeps one after another, each a trip through the main
 * loop and the timer. Only that loop is timed. A timer that is a GSource
 * of its own makes GLib look at every sleeper on every iteration; with one
 * timer queue per island the curve should be flat.
 * Each sleep is made as a sleep future and checked to be pending before
 * it is awaited (pending_trips=): one that were ready at once never
 * reached the timer. A phase stops after 10 s (checked every 16 sleeps)
 * and says how many it did (trips=).
 * Figures: us_per_trip and cpu_us_per_trip (process CPU time), one line
 * each per P, with parked_sleepers=P.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <time.h>

#include "bench-common.h"

#define TIMER_TRIP_M 2000
#define TIMER_TRIP_LIMIT_NS (G_GINT64_CONSTANT (10) * 1000000000)

static const guint sleeper_counts[] = { 0, 1000, 10000, 100000 };

typedef struct
{
  guint n_sleepers;
  guint n_started;
  guint n_trips;
  guint trips_done;
  guint pending_trips;
  double us_per_trip;
  double cpu_us_per_trip;
} TimerTripRun;

static gint64
cpu_now_ns (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (gint64) ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static gpointer
sleep_an_hour (gpointer   user_data,
               GError   **error)
{
  TimerTripRun *run = user_data;

  run->n_started++;
  isle_sleep_msec (3600 * 1000, NULL);   /* aborted after the phase */
  return NULL;
}

static gpointer
trip_task (gpointer   user_data,
           GError   **error)
{
  TimerTripRun *run = user_data;
  gint64 start_ns = bench_now_ns ();
  gint64 start_cpu = cpu_now_ns ();
  gint64 end_ns;
  guint i;

  for (i = 0; i < run->n_trips; i++)
    {
      IsleFuture *sleep = isle_future_new_sleep_msec (0);
      GError *await_error = NULL;

      if (!isle_future_is_finished (sleep))
        run->pending_trips++;
      isle_await (sleep, &await_error);
      bench_check_error (await_error, "isle_await");
      isle_future_unref (sleep);

      if (i % 16 == 15 && bench_now_ns () - start_ns > TIMER_TRIP_LIMIT_NS)
        {
          i++;
          break;
        }
    }
  end_ns = bench_now_ns ();

  run->trips_done = i;
  run->us_per_trip = bench_ns_per (start_ns, end_ns, i) / 1000.0;
  run->cpu_us_per_trip = bench_ns_per (start_cpu, cpu_now_ns (), i) / 1000.0;
  return run;
}

static gpointer
timer_trip_root (gpointer   user_data,
                 GError   **error)
{
  TimerTripRun *run = user_data;
  IsleJoinHandle **sleepers = g_new0 (IsleJoinHandle *, MAX (run->n_sleepers, 1));
  IsleJoinHandle *tripper;
  GError *join_error = NULL;
  guint i;

  for (i = 0; i < run->n_sleepers; i++)
    sleepers[i] = isle_spawn_local (sleep_an_hour, run, NULL);
  /* Each sleeper registers its timer before the root runs again. */
  while (run->n_started < run->n_sleepers)
    if (!isle_yield_now (error))
      return NULL;

  tripper = isle_spawn_local (trip_task, run, NULL);
  if (isle_join_handle_join (tripper, &join_error) != run)
    bench_fail ("the sleeping task returned a wrong result");
  bench_check_error (join_error, "isle_join_handle_join");
  isle_join_handle_unref (tripper);

  for (i = 0; i < run->n_sleepers; i++)
    {
      if (isle_join_handle_is_finished (sleepers[i]))
        bench_fail ("sleeper %u woke up before its hour", i);
      isle_join_handle_abort (sleepers[i]);
      isle_join_handle_unref (sleepers[i]);
    }
  g_free (sleepers);
  return run;
}

int
main (int   argc,
      char *argv[])
{
  bench_init ("timer_trip");

  for (gsize p = 0; p < G_N_ELEMENTS (sleeper_counts); p++)
    {
      TimerTripRun run = { 0, };
      char *extra;

      run.n_sleepers = bench_scale_count (sleeper_counts[p]);
      run.n_trips = bench_scale_count (TIMER_TRIP_M);

      if (bench_run_root (timer_trip_root, &run) != &run)
        bench_fail ("the root task returned a wrong result at parked_sleepers=%u", run.n_sleepers);

      extra = g_strdup_printf ("parked_sleepers=%u pending_trips=%u trips=%u",
                               run.n_sleepers, run.pending_trips, run.trips_done);
      bench_print_result ("us_per_trip", run.us_per_trip, run.trips_done, extra);
      g_free (extra);
      extra = g_strdup_printf ("parked_sleepers=%u", run.n_sleepers);
      bench_print_result ("cpu_us_per_trip", run.cpu_us_per_trip, run.trips_done, extra);
      g_free (extra);
    }

  return 0;
}
