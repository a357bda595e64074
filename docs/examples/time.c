/* time.c: sleeping, a timeout around a future, and an interval
 * (docs/futures.md, "Time")
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <stdlib.h>

#include <isle.h>

#define CHECK(cond) \
  G_STMT_START { \
    if (!(cond)) \
      { \
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, \
                     "line %d: expected %s", __LINE__, #cond); \
        return NULL; \
      } \
  } G_STMT_END

/* Milliseconds since @start. */
static gint64
elapsed_ms (gint64 start)
{
  return (g_get_monotonic_time () - start) / 1000;
}

static gpointer
root (gpointer   user_data,
      GError   **error)
{
  g_autoptr(IslePromise) never = isle_promise_new ();
  g_autoptr(IsleFuture) too_slow = NULL, short_sleep = NULL, in_time = NULL;
  g_autoptr(IsleInterval) every_20ms = NULL;
  g_autoptr(GError) local_error = NULL;
  gint64 start = g_get_monotonic_time ();
  guint ticks = 0;

  /* Only this task sleeps; the island's other tasks would run meanwhile. */
  if (!isle_sleep_msec (20, error))
    return NULL;
  CHECK (elapsed_ms (start) >= 20);
  g_print ("slept 20 ms\n");

  /* A promise nobody resolves: the timeout wins and cancels it. */
  too_slow = isle_future_new_timeout_msec (isle_promise_get_future (never), 30);
  CHECK (isle_await (too_slow, &local_error) == NULL);
  CHECK (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT));
  g_print ("timeout: %s\n", local_error->message);
  g_clear_error (&local_error);

  /* A 5 ms sleep comes in time; a sleep's value is NULL, so success is
   * told apart by the error. */
  short_sleep = isle_future_new_sleep_msec (5);
  in_time = isle_future_new_timeout_msec (short_sleep, 40);
  isle_await (in_time, &local_error);
  CHECK (local_error == NULL);
  g_print ("a 5 ms sleep beat its 40 ms timeout\n");

  /* The first tick is now; the next come every 20 ms. */
  start = g_get_monotonic_time ();
  every_20ms = isle_interval_new_msec (20);
  while (ticks < 3 && isle_interval_tick (every_20ms, error))
    g_print ("tick %u at %" G_GINT64_FORMAT " ms\n", ++ticks, elapsed_ms (start));
  CHECK (ticks == 3 && elapsed_ms (start) >= 40);
  return NULL;
}

int
main (void)
{
  g_autoptr(IsleLocalSet) island = isle_local_set_new ();
  g_autoptr(GError) error = NULL;

  isle_local_set_run_until (island, root, NULL, &error);
  if (error != NULL)
    {
      g_printerr ("time: %s\n", error->message);
      return EXIT_FAILURE;
    }
  g_print ("ok\n");
  return EXIT_SUCCESS;
}
