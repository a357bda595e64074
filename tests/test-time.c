/* test-time.c: sleeps, timeouts and intervals
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <isle.h>

#include "isle-test-util.h"

static guint other_turns;

static gpointer
count_turns (gpointer   user_data,
             GError   **error)
{
  gboolean *stop = user_data;

  while (!*stop)
    {
      other_turns++;
      if (!isle_yield_now (error))
        return NULL;
    }
  return NULL;
}

static gpointer
sleep_20_ms (gpointer   user_data,
             GError   **error)
{
  gboolean stop = FALSE;
  g_autoptr(IsleJoinHandle) other = isle_spawn_local (count_turns, &stop, NULL);
  gint64 start = g_get_monotonic_time ();

  g_assert_true (isle_sleep (20, error));
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 20 * 1000);
  stop = TRUE;
  isle_join_handle_join (other, error);
  return NULL;
}

/* A sleeping task leaves the thread to the others. */
static void
test_time_sleep (void)
{
  g_autoptr(IsleLocalSet) island = isle_local_set_new ();

  other_turns = 0;
  isle_test_run_root (island, sleep_20_ms, NULL);
  g_assert_cmpuint (other_turns, >, 1);
}

static gpointer
sleep_long (gpointer   user_data,
            GError   **error)
{
  g_autoptr(GError) local_error = NULL;

  g_assert_false (isle_sleep (60 * 1000, &local_error));
  g_assert_error (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  return NULL;
}

static void
test_time_sleep_aborted (void)
{
  g_autoptr(IsleLocalSet) island = isle_local_set_new ();
  g_autoptr(IsleJoinHandle) handle = isle_local_set_spawn_local (island, sleep_long, NULL, NULL);
  gint64 start = g_get_monotonic_time ();

  while (g_main_context_iteration (NULL, FALSE))
    ;
  isle_join_handle_abort (handle);
  isle_test_run_all (island);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 10 * G_USEC_PER_SEC);
}

static gpointer
sleep_a_second (gpointer   user_data,
                GError   **error)
{
  return GINT_TO_POINTER (isle_sleep_seconds (1, error));
}

static void
test_time_sleep_seconds (void)
{
  g_autoptr(IsleLocalSet) island = isle_local_set_new ();

  g_assert_true (GPOINTER_TO_INT (isle_test_run_root (island, sleep_a_second, NULL)));
}

static gpointer
time_out_pending (gpointer   user_data,
                  GError   **error)
{
  g_autoptr(IslePromise) promise = isle_promise_new ();
  g_autoptr(IsleFuture) limited = isle_timeout (isle_promise_get_future (promise), 20);
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GError) inner_error = NULL;

  g_assert_null (isle_await (limited, &local_error));
  g_assert_error (local_error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  /* The loser was cancelled. */
  g_assert_null (isle_future_get_value (isle_promise_get_future (promise), &inner_error));
  g_assert_error (inner_error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  return NULL;
}

static gpointer
resolve_soon (gpointer data)
{
  isle_promise_resolve (data, g_strdup ("in time"), g_free);
  isle_promise_unref (data);
  return NULL;
}

static gpointer
in_time (gpointer   user_data,
         GError   **error)
{
  g_autoptr(IslePromise) promise = isle_promise_new ();
  g_autoptr(IsleFuture) limited = isle_timeout (isle_promise_get_future (promise), 60 * 1000);
  GThread *thread = g_thread_new ("resolver", resolve_soon, isle_promise_ref (promise));
  const char *value = isle_await (limited, error);

  g_thread_join (thread);
  g_assert_cmpstr (value, ==, "in time");
  return NULL;
}

static void
test_time_timeout (void)
{
  g_autoptr(IsleLocalSet) island = isle_local_set_new ();

  isle_test_run_root (island, time_out_pending, NULL);
  isle_test_run_root (island, in_time, NULL);
}

static gpointer
tick_five_times (gpointer   user_data,
                 GError   **error)
{
  g_autoptr(IsleInterval) interval = isle_interval_new (10);
  gint64 start = g_get_monotonic_time ();
  gint64 late;
  guint i;

  for (i = 0; i < 5; i++)
    if (!isle_interval_tick (interval, error))
      return NULL;
  /* Ticks at 0, 10, 20, 30 and 40 ms. */
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 40 * 1000);

  /* Fall 35 ms behind (blocking on purpose): the missed ticks are skipped,
   * not run back to back, and the phase is kept. */
  late = g_get_monotonic_time () + 35 * 1000;
  while (g_get_monotonic_time () < late)
    ;
  start = g_get_monotonic_time ();
  if (!isle_interval_tick (interval, error) || !isle_interval_tick (interval, error))
    return NULL;
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 1000);
  return NULL;
}

static void
test_time_interval (void)
{
  g_autoptr(IsleLocalSet) island = isle_local_set_new ();

  isle_test_run_root (island, tick_five_times, NULL);
}

static void
test_time_sleep_future_then (void)
{
  g_autoptr(IsleFuture) future = isle_sleep_future_new (5);
  gint64 deadline = isle_test_deadline ();

  /* Outside any island: on the thread-default context. */
  while (!isle_future_is_ready (future))
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (NULL, TRUE);
    }
  g_assert_null (isle_future_get_value (future, NULL));
}

static void
test_time_outside_fiber (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(GError) error = NULL;

      isle_test_make_criticals_non_fatal ();
      g_assert_false (isle_sleep (1, &error));
      g_assert_nonnull (error);
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stderr ("*CRITICAL*isle_sleep*outside a fiber task*");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Isle/Time/sleep", test_time_sleep);
  g_test_add_func ("/Isle/Time/sleep-aborted", test_time_sleep_aborted);
  g_test_add_func ("/Isle/Time/sleep-seconds", test_time_sleep_seconds);
  g_test_add_func ("/Isle/Time/timeout", test_time_timeout);
  g_test_add_func ("/Isle/Time/interval", test_time_interval);
  g_test_add_func ("/Isle/Time/sleep-future", test_time_sleep_future_then);
  g_test_add_func ("/Isle/Time/outside-fiber", test_time_outside_fiber);

  return g_test_run ();
}
