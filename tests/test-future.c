/* test-future.c: futures, promises, combinators, join handles as futures
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include <isle.h>

#include "isle-test-util.h"

#define TEST_ERROR (test_error_quark ())
GQuark test_error_quark (void);
G_DEFINE_QUARK (isle-test-future-error-quark, test_error)

/* Freed values are counted on whatever thread settles a promise: the
 * racing resolvers of resolve-race free theirs at once. */
static int n_freed;

static void
counted_free (gpointer data)
{
  g_atomic_int_inc (&n_freed);
  g_free (data);
}

static void
test_future_ready (void)
{
  g_autoptr(IsleFuture) value = isle_future_new_for_value (g_strdup ("x"), counted_free);
  g_autoptr(IsleFuture) failed = isle_future_new_for_error (g_error_new (TEST_ERROR, 1, "nope"));
  g_autoptr(GError) error = NULL;

  n_freed = 0;
  g_assert_true (isle_future_is_finished (value));
  g_assert_cmpstr (isle_future_get_value (value, NULL), ==, "x");
  g_assert_true (isle_future_is_finished (failed));
  g_assert_null (isle_future_get_value (failed, &error));
  g_assert_error (error, TEST_ERROR, 1);
  g_assert_true (g_boxed_copy (ISLE_TYPE_FUTURE, value) == value);
  isle_future_unref (value);

  g_clear_pointer (&value, isle_future_unref);
  g_assert_cmpint (n_freed, ==, 1);
}

static gpointer
await_future (gpointer   user_data,
              GError   **error)
{
  gpointer value = isle_await (user_data, error);

  return value ? g_strdup (value) : NULL;
}

static gpointer
resolve_later (gpointer data)
{
  IslePromise *promise = data;

  isle_promise_resolve (promise, g_strdup ("from a thread"), counted_free);
  isle_promise_unref (promise);
  return NULL;
}

/* A promise resolved on another thread wakes the task on its own. */
static void
test_future_promise_from_thread (void)
{
  g_autoptr(IsleLocalSet) island = isle_local_set_new ();
  g_autoptr(IslePromise) promise = isle_promise_new ();
  IsleFuture *future = isle_future_ref (isle_promise_get_future (promise));
  g_autofree char *result = NULL;
  GThread *thread;

  n_freed = 0;
  thread = g_thread_new ("resolver", resolve_later, isle_promise_ref (promise));
  result = isle_test_run_root (island, await_future, future);
  g_thread_join (thread);
  g_assert_cmpstr (result, ==, "from a thread");
  isle_future_unref (future);
  g_clear_pointer (&promise, isle_promise_unref);
  g_assert_cmpint (n_freed, ==, 1);
}

static gpointer
resolve_race (gpointer data)
{
  IslePromise *promise = data;

  isle_promise_resolve (promise, g_strdup ("racer"), counted_free);
  return NULL;
}

/* Four threads race to resolve one promise: one value wins, the other
 * three are reported and released. */
static void
test_future_resolve_race (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(IslePromise) promise = isle_promise_new ();
      GThread *threads[4];
      guint i;

      isle_test_make_criticals_non_fatal ();
      n_freed = 0;
      for (i = 0; i < G_N_ELEMENTS (threads); i++)
        threads[i] = g_thread_new ("racer", resolve_race, promise);
      for (i = 0; i < G_N_ELEMENTS (threads); i++)
        g_thread_join (threads[i]);
      g_assert_cmpint (n_freed, ==, 3);
      g_assert_cmpstr (isle_future_get_value (isle_promise_get_future (promise), NULL), ==, "racer");
      g_clear_pointer (&promise, isle_promise_unref);
      g_assert_cmpint (n_freed, ==, 4);
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stderr ("*CRITICAL*isle_promise_resolve*already ready*resolved once*");
}

static void
test_future_promise_dropped (void)
{
  g_autoptr(IslePromise) promise = isle_promise_new ();
  g_autoptr(IsleFuture) future = isle_future_ref (isle_promise_get_future (promise));
  g_autoptr(GError) error = NULL;

  g_assert_false (isle_future_is_finished (future));
  g_clear_pointer (&promise, isle_promise_unref);
  g_assert_true (isle_future_is_finished (future));
  g_assert_null (isle_future_get_value (future, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CLOSED);
}

static void
test_future_reject (void)
{
  g_autoptr(IsleLocalSet) island = isle_local_set_new ();
  g_autoptr(IslePromise) promise = isle_promise_new ();
  g_autoptr(GError) error = NULL;

  isle_promise_reject (promise, g_error_new (TEST_ERROR, 7, "rejected"));
  g_assert_null (isle_local_set_run_until (island, await_future,
                                           isle_promise_get_future (promise), &error));
  g_assert_error (error, TEST_ERROR, 7);
}

static void
record_callback (IsleFuture *future,
                 gpointer    user_data)
{
  GThread **thread = user_data;

  g_assert_true (isle_future_is_finished (future));
  *thread = g_thread_self ();
}

/* Plain code chains a callback; it runs later, on the caller's context. */
static void
test_future_then (void)
{
  g_autoptr(IslePromise) promise = isle_promise_new ();
  GThread *ran_on = NULL;
  GThread *resolver;
  gint64 deadline = isle_test_deadline ();

  isle_future_then (isle_promise_get_future (promise), record_callback, &ran_on, NULL);
  resolver = g_thread_new ("resolver", resolve_later, isle_promise_ref (promise));
  g_thread_join (resolver);
  /* Ready now, but the callback waits for this thread's context. */
  g_assert_null (ran_on);
  while (ran_on == NULL)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (NULL, TRUE);
    }
  g_assert_true (ran_on == g_thread_self ());
}

static IslePoll
poll_future (gpointer    state,
             IsleWaker  *waker,
             gpointer   *result,
             GError    **error)
{
  gpointer value;

  if (isle_future_poll (state, waker, &value, error) == ISLE_POLL_PENDING)
    return ISLE_POLL_PENDING;
  *result = g_strdup (value);
  return ISLE_POLL_READY;
}

static gpointer
join_poller (gpointer   user_data,
             GError   **error)
{
  return isle_join_handle_join (user_data, error);
}

static void
test_future_poll (void)
{
  g_autoptr(IsleLocalSet) island = isle_local_set_new ();
  g_autoptr(IslePromise) promise = isle_promise_new ();
  g_autoptr(IsleJoinHandle) poller = NULL;
  g_autofree char *result = NULL;
  GThread *thread;

  poller = isle_local_set_spawn_local_poll_full (island, NULL, G_PRIORITY_DEFAULT, poll_future,
                                                 isle_promise_get_future (promise), NULL, g_free);
  thread = g_thread_new ("resolver", resolve_later, isle_promise_ref (promise));
  result = isle_test_run_root (island, join_poller, poller);
  g_thread_join (thread);
  g_assert_cmpstr (result, ==, "from a thread");
}

static gpointer
await_pending (gpointer   user_data,
               GError   **error)
{
  g_autoptr(GError) local_error = NULL;

  g_assert_null (isle_await (user_data, &local_error));
  g_assert_error (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  return g_strdup ("aborted");
}

static gpointer
await_pending_held (gpointer   user_data,
                    GError   **error)
{
  g_autoptr(GError) local_error = NULL;

  g_assert_null (isle_await (user_data, &local_error));
  g_assert_error (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  /* Someone else holds the future: it is left alone. */
  g_assert_false (isle_future_is_finished (user_data));
  return g_strdup ("aborted");
}

static void
test_future_await_aborted (void)
{
  g_autoptr(IsleLocalSet) island = isle_local_set_new ();
  g_autoptr(IslePromise) promise = isle_promise_new ();
  g_autoptr(IsleJoinHandle) handle = NULL;

  handle = isle_local_set_spawn_local_full (island, NULL, G_PRIORITY_DEFAULT, 0, await_pending,
                                            isle_promise_get_future (promise), NULL, g_free);
  while (isle_local_set_get_n_tasks (island) > 0 && g_main_context_iteration (NULL, FALSE))
    ;
  isle_join_handle_abort (handle);
  isle_test_run_all (island);
  g_assert_true (isle_join_handle_is_finished (handle));
  /* Nobody but its promise held the future: it was cancelled too, so the
   * work behind it stops. */
  g_assert_true (isle_future_is_finished (isle_promise_get_future (promise)));
}

static void
test_future_await_aborted_held (void)
{
  g_autoptr(IsleLocalSet) island = isle_local_set_new ();
  g_autoptr(IslePromise) promise = isle_promise_new ();
  /* The awaiting task's reference, and someone else's. */
  g_autoptr(IsleFuture) kept = isle_future_ref (isle_promise_get_future (promise));
  g_autoptr(IsleFuture) other = isle_future_ref (kept);
  g_autoptr(IsleJoinHandle) handle = NULL;

  handle = isle_local_set_spawn_local_full (island, NULL, G_PRIORITY_DEFAULT, 0, await_pending_held,
                                            kept, NULL, g_free);
  while (isle_local_set_get_n_tasks (island) > 0 && g_main_context_iteration (NULL, FALSE))
    ;
  isle_join_handle_abort (handle);
  isle_test_run_all (island);
  g_assert_true (isle_join_handle_is_finished (handle));
  g_assert_false (isle_future_is_finished (kept));
}

static void
test_future_all (void)
{
  g_autoptr(IslePromise) a = isle_promise_new ();
  g_autoptr(IslePromise) b = isle_promise_new ();
  IsleFuture *futures[2] = { isle_promise_get_future (a), isle_promise_get_future (b) };
  g_autoptr(IsleFuture) all = isle_future_all (futures, 2);
  g_autoptr(IsleFuture) none = isle_future_all (NULL, 0);
  GPtrArray *values;

  isle_promise_resolve (b, g_strdup ("b"), g_free);
  g_assert_false (isle_future_is_finished (all));
  isle_promise_resolve (a, g_strdup ("a"), g_free);
  g_assert_true (isle_future_is_finished (all));
  values = isle_future_get_value (all, NULL);
  g_assert_cmpuint (values->len, ==, 2);
  g_assert_cmpstr (values->pdata[0], ==, "a");
  g_assert_cmpstr (values->pdata[1], ==, "b");
  g_assert_cmpuint (((GPtrArray *) isle_future_get_value (none, NULL))->len, ==, 0);
}

static void
test_future_all_fails_fast (void)
{
  g_autoptr(IslePromise) a = isle_promise_new ();
  g_autoptr(IslePromise) b = isle_promise_new ();
  IsleFuture *futures[2] = { isle_promise_get_future (a), isle_promise_get_future (b) };
  g_autoptr(IsleFuture) all = isle_future_all (futures, 2);
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) other_error = NULL;

  isle_promise_reject (b, g_error_new (TEST_ERROR, 2, "b failed"));
  g_assert_null (isle_future_get_value (all, &error));
  g_assert_error (error, TEST_ERROR, 2);
  /* The other was cancelled; resolving it now is no misuse. */
  g_assert_null (isle_future_get_value (isle_promise_get_future (a), &other_error));
  g_assert_error (other_error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  isle_promise_resolve (a, g_strdup ("late"), g_free);
}

static void
test_future_any (void)
{
  g_autoptr(IslePromise) a = isle_promise_new ();
  g_autoptr(IslePromise) b = isle_promise_new ();
  g_autoptr(IslePromise) c = isle_promise_new ();
  IsleFuture *futures[3] = { isle_promise_get_future (a), isle_promise_get_future (b),
                             isle_promise_get_future (c) };
  g_autoptr(IsleFuture) any = isle_future_any (futures, 3);
  g_autoptr(IsleFuture) all_fail = isle_future_any (futures, 2);
  g_autoptr(GError) error = NULL;

  isle_promise_reject (a, g_error_new (TEST_ERROR, 3, "a failed"));
  g_assert_false (isle_future_is_finished (any));
  isle_promise_resolve (c, g_strdup ("c"), g_free);
  g_assert_cmpstr (isle_future_get_value (any, NULL), ==, "c");
  /* b lost and was cancelled; the any of a and b has only failures. */
  g_assert_null (isle_future_get_value (all_fail, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

static void
test_future_race (void)
{
  g_autoptr(IslePromise) a = isle_promise_new ();
  g_autoptr(IslePromise) b = isle_promise_new ();
  IsleFuture *futures[2] = { isle_promise_get_future (a), isle_promise_get_future (b) };
  g_autoptr(IsleFuture) race = isle_future_race (futures, 2);
  g_autoptr(GError) error = NULL;

  isle_promise_reject (b, g_error_new (TEST_ERROR, 4, "b first"));
  g_assert_null (isle_future_get_value (race, &error));
  g_assert_error (error, TEST_ERROR, 4);
  g_assert_true (isle_future_is_finished (futures[0]));

  /* Cancelling a combined future cancels what it combines. */
  {
    g_autoptr(IslePromise) c = isle_promise_new ();
    IsleFuture *one[1] = { isle_promise_get_future (c) };
    g_autoptr(IsleFuture) race_c = isle_future_race (one, 1);

    isle_future_cancel (race_c);
    g_assert_true (isle_future_is_finished (one[0]));
  }
}

static gpointer
produce_value (gpointer   user_data,
               GError   **error)
{
  if (!isle_yield_now (error))
    return NULL;
  return g_strdup ("joined through a future");
}

static gpointer
await_join_future (gpointer   user_data,
                   GError   **error)
{
  g_autoptr(IsleJoinHandle) handle = isle_spawn_local_full (NULL, G_PRIORITY_DEFAULT, 0, produce_value,
                                                            NULL, NULL, counted_free);
  g_autoptr(IsleJoinHandle) failing = isle_spawn_local (await_pending, NULL, NULL);
  IsleFuture *future = isle_join_handle_get_future (handle);
  IsleFuture *aborted = isle_join_handle_get_future (failing);
  g_autoptr(GError) abort_error = NULL;
  IsleFuture *both[2] = { future, aborted };
  g_autoptr(IsleFuture) any = isle_future_any (both, 2);
  const char *value;

  isle_join_handle_abort (failing);
  value = isle_await (any, error);
  g_assert_cmpstr (value, ==, "joined through a future");
  g_assert_null (isle_await (aborted, &abort_error));
  g_assert_error (abort_error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  return g_strdup (value);
}

static void
test_future_join_handle (void)
{
  g_autoptr(IsleLocalSet) island = isle_local_set_new ();
  g_autofree char *result = NULL;

  n_freed = 0;
  result = isle_test_run_root (island, await_join_future, NULL);
  g_assert_cmpstr (result, ==, "joined through a future");
  /* The task's result went with its future, through its destroy notify. */
  g_assert_cmpint (n_freed, ==, 1);
}

static int n_destroyed;

static void
count_destroy (gpointer data)
{
  n_destroyed++;
}

/* Freeing an island whose tasks await pending futures: each task is
 * aborted, its await returns cancelled, and each destroy notify runs once. */
static void
test_future_teardown (void)
{
  IsleLocalSet *island = isle_local_set_new ();
  g_autoptr(IslePromise) promise = isle_promise_new ();
  gint64 deadline = isle_test_deadline ();
  IsleLocalSetCounters counters;
  guint i;

  n_destroyed = 0;
  for (i = 0; i < 5; i++)
    isle_join_handle_unref (isle_local_set_spawn_local_full (island, NULL, G_PRIORITY_DEFAULT, 0,
                                                             await_pending,
                                                             isle_promise_get_future (promise),
                                                             count_destroy, g_free));
  /* Until all five are parked in their await. */
  do
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (NULL, FALSE);
      isle_local_set_get_counters (island, &counters);
    }
  while (counters.polls < 5);

  isle_local_set_unref (island);
  g_assert_cmpint (n_destroyed, ==, 5);
  /* The last of the five to give up found nobody else holding the future
   * but its promise, and cancelled it. */
  g_assert_true (isle_future_is_finished (isle_promise_get_future (promise)));
}

static GThread *destroyed_on;

static void
record_destroy_thread (gpointer data)
{
  destroyed_on = g_thread_self ();
  g_free (data);
}

static gpointer
resolve_and_drop (gpointer data)
{
  IslePromise *promise = data;

  isle_promise_resolve (promise, g_strdup ("nobody reads me"), record_destroy_thread);
  isle_promise_unref (promise);
  return NULL;
}

static gpointer
hand_promise_to_thread (gpointer   user_data,
                        GError   **error)
{
  /* Made on the island; nobody here keeps its future. */
  IslePromise *promise = isle_promise_new ();

  g_thread_join (g_thread_new ("resolver", resolve_and_drop, promise));
  g_assert_null (destroyed_on);
  return NULL;
}

/* A promise made on an island and resolved and dropped on a worker gives
 * its future back to the island: the value is destroyed on the island's
 * thread, not the worker's. */
static void
test_future_value_released_at_home (void)
{
  g_autoptr(IsleLocalSet) island = isle_local_set_new ();
  gint64 deadline = isle_test_deadline ();

  destroyed_on = NULL;
  isle_test_run_root (island, hand_promise_to_thread, NULL);
  while (destroyed_on == NULL)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (NULL, TRUE);
    }
  g_assert_true (destroyed_on == g_thread_self ());
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Isle/Future/ready", test_future_ready);
  g_test_add_func ("/Isle/Future/promise-from-thread", test_future_promise_from_thread);
  g_test_add_func ("/Isle/Future/resolve-race", test_future_resolve_race);
  g_test_add_func ("/Isle/Future/promise-dropped", test_future_promise_dropped);
  g_test_add_func ("/Isle/Future/reject", test_future_reject);
  g_test_add_func ("/Isle/Future/then", test_future_then);
  g_test_add_func ("/Isle/Future/poll", test_future_poll);
  g_test_add_func ("/Isle/Future/await-aborted", test_future_await_aborted);
  g_test_add_func ("/Isle/Future/await-aborted-held", test_future_await_aborted_held);
  g_test_add_func ("/Isle/Future/all", test_future_all);
  g_test_add_func ("/Isle/Future/all-fails-fast", test_future_all_fails_fast);
  g_test_add_func ("/Isle/Future/any", test_future_any);
  g_test_add_func ("/Isle/Future/race", test_future_race);
  g_test_add_func ("/Isle/Future/join-handle", test_future_join_handle);
  g_test_add_func ("/Isle/Future/teardown", test_future_teardown);
  g_test_add_func ("/Isle/Future/value-released-at-home", test_future_value_released_at_home);

  return g_test_run ();
}
