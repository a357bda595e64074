/* test-nested.c: main loops run from inside a task
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A task that runs a nested main loop of its island's context (a modal
 * dialog, old GTK style) must let the island's other tasks run meanwhile
 * (those of its own priority, timers, wakes from other threads), and the
 * island must survive it; only suspending the looping task from inside
 * the loop is refused. Driving another island from a task, while that
 * island waits for the first one, must be reported rather than hang.
 */

#include "config.h"

#include <string.h>

#include <isle.h>

#include "isle-local-set-private.h"
#include "isle-nested-private.h"
#include "isle-test-util.h"

typedef struct
{
  GMainLoop   *loop;
  int          yields;
  int          stop;
  int          done;
  IslePromise *promise;
} Shared;

/* Yields until told to stop: runs only if the nested loop runs tasks of
 * the looping task's own priority. */
static gpointer
yielder (gpointer   user_data,
         GError   **error)
{
  Shared *shared = user_data;

  while (!shared->stop)
    {
      if (!isle_yield_now (error))
        return NULL;
      shared->yields++;
    }
  return GINT_TO_POINTER (1);
}

/* Sleeps (a timer of the island's context), then waits for a value a
 * thread resolves (a remote wake), then ends the nested loop. */
static gpointer
quitter (gpointer   user_data,
         GError   **error)
{
  Shared *shared = user_data;
  g_autoptr(IsleFuture) future = isle_future_ref (isle_promise_get_future (shared->promise));

  if (!isle_sleep_msec (5, error))
    return NULL;
  if (isle_await (future, error) == NULL)
    return NULL;
  while (shared->yields < 10)
    if (!isle_yield_now (error))
      return NULL;

  shared->stop = TRUE;
  shared->done = TRUE;
  if (shared->loop != NULL)
    g_main_loop_quit (shared->loop);
  return GINT_TO_POINTER (1);
}

static gpointer
resolve_from_thread (gpointer data)
{
  IslePromise *promise = data;

  isle_promise_resolve (promise, g_strdup ("from a thread"), g_free);
  isle_promise_unref (promise);
  return NULL;
}

static gboolean
quit_loop (gpointer data)
{
  g_main_loop_quit (data);
  return G_SOURCE_REMOVE;
}

static gpointer
modal_root (gpointer   user_data,
            GError   **error)
{
  gboolean use_loop = GPOINTER_TO_INT (user_data);
  GMainContext *context = isle_local_set_get_context (isle_local_set_get_current ());
  Shared shared = { NULL, };
  g_autoptr(IsleJoinHandle) yielding = NULL;
  g_autoptr(IsleJoinHandle) quitting = NULL;
  GThread *thread;
  gint64 deadline = isle_test_deadline ();

  shared.promise = isle_promise_new ();
  yielding = isle_spawn_local (yielder, &shared, NULL);
  quitting = isle_spawn_local (quitter, &shared, NULL);
  thread = g_thread_new ("resolver", resolve_from_thread, isle_promise_ref (shared.promise));

  /* The modal dialog's loop, on this task's own stack. */
  if (use_loop)
    {
      /* The test's deadline ends the loop too, so that starved tasks fail
       * the test instead of hanging it. */
      GSource *guard = _isle_ready_time_source_new (deadline);

      shared.loop = g_main_loop_new (context, FALSE);
      g_source_set_callback (guard, quit_loop, shared.loop, NULL);
      g_source_attach (guard, context);
      g_main_loop_run (shared.loop);
      g_source_destroy (guard);
      g_source_unref (guard);
      g_main_loop_unref (shared.loop);
      shared.loop = NULL;
    }
  else
    while (!shared.done)
      {
        g_assert_cmpint (g_get_monotonic_time (), <, deadline);
        g_main_context_iteration (context, TRUE);
      }

  g_assert_true (shared.done);
  g_assert_cmpint (shared.yields, >=, 10);

  /* Once the loop has returned, the task suspends as usual. */
  g_assert_true (isle_yield_now (error));
  g_assert_cmpint (GPOINTER_TO_INT (isle_join_handle_join (yielding, error)), ==, 1);
  g_assert_cmpint (GPOINTER_TO_INT (isle_join_handle_join (quitting, error)), ==, 1);

  g_thread_join (thread);
  isle_promise_unref (shared.promise);
  return GINT_TO_POINTER (1);
}

static void
test_nested_main_loop (void)
{
  g_autoptr(IsleLocalSet) island = isle_local_set_new ();

  g_assert_cmpint (GPOINTER_TO_INT (isle_test_run_root (island, modal_root, GINT_TO_POINTER (TRUE))), ==, 1);
  g_assert_cmpuint (isle_local_set_get_n_tasks (island), ==, 0);
}

static void
test_nested_context_iteration (void)
{
  g_autoptr(IsleLocalSet) island = isle_local_set_new ();

  g_assert_cmpint (GPOINTER_TO_INT (isle_test_run_root (island, modal_root, GINT_TO_POINTER (FALSE))), ==, 1);
  g_assert_cmpuint (isle_local_set_get_n_tasks (island), ==, 0);
}

/* A plain callback dispatched by the nested loop sees the looping task as
 * the current task; suspending it from there is refused. */
static gboolean suspend_refused;

static gboolean
try_to_yield (gpointer user_data)
{
  GMainLoop *loop = user_data;
  GError *error = NULL;

  g_assert_false (isle_yield_now (&error));
  g_assert_error (error, ISLE_ERROR, ISLE_ERROR_NESTED_LOOP);
  g_error_free (error);
  suspend_refused = TRUE;
  g_main_loop_quit (loop);
  return G_SOURCE_REMOVE;
}

static gpointer
yield_inside_loop (gpointer   user_data,
                   GError   **error)
{
  GMainContext *context = isle_local_set_get_context (isle_local_set_get_current ());
  GMainLoop *loop = g_main_loop_new (context, FALSE);
  GSource *idle = g_idle_source_new ();

  g_source_set_callback (idle, try_to_yield, loop, NULL);
  g_source_attach (idle, context);
  g_source_unref (idle);
  g_main_loop_run (loop);
  g_main_loop_unref (loop);

  g_assert_true (suspend_refused);
  g_assert_true (isle_yield_now (error));
  return GINT_TO_POINTER (1);
}

static void
test_nested_suspend_inside_loop (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(IsleLocalSet) island = isle_local_set_new ();

      isle_test_make_criticals_non_fatal ();
      g_assert_cmpint (GPOINTER_TO_INT (isle_test_run_root (island, yield_inside_loop, NULL)), ==, 1);
      g_print ("refused and went on\n");
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stdout ("*refused and went on*");
  g_test_trap_assert_stderr ("*task * tried to suspend (in isle_yield_now()) while it "
                             "runs a main loop nested inside itself*await the "
                             "dialog's answer*");
}

/* Island B, with a context of its own, is driven from a task of island A;
 * B's root waits for a task of A, which cannot run meanwhile. */
static IslePromise *a_to_b;

static gpointer
resolve_for_b (gpointer   user_data,
               GError   **error)
{
  isle_promise_resolve (a_to_b, g_strdup ("from A"), g_free);
  return GINT_TO_POINTER (1);
}

static gpointer
b_root (gpointer   user_data,
        GError   **error)
{
  g_autoptr(IsleFuture) future = isle_future_ref (isle_promise_get_future (a_to_b));

  return g_strdup (isle_await (future, error));
}

static gpointer
drive_b_from_a (gpointer   user_data,
                GError   **error)
{
  IsleLocalSet *b = user_data;
  g_autoptr(IsleJoinHandle) helper = NULL;
  GError *local_error = NULL;
  char *value;

  a_to_b = isle_promise_new ();
  helper = isle_spawn_local (resolve_for_b, NULL, NULL);

  value = isle_local_set_run_until_deadline (b, g_get_monotonic_time () + 400 * G_TIME_SPAN_MILLISECOND,
                                             b_root, NULL, NULL, g_free, &local_error);
  g_assert_null (value);
  g_assert_error (local_error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  g_error_free (local_error);

  /* Back in A: its task runs now. */
  g_assert_cmpint (GPOINTER_TO_INT (isle_join_handle_join (helper, error)), ==, 1);
  isle_promise_unref (a_to_b);
  return GINT_TO_POINTER (1);
}

static void
test_nested_run_until_other_island_stalls (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(IsleLocalSet) a = isle_local_set_new ();
      GMainContext *b_context = g_main_context_new ();
      IsleLocalSet *b = isle_local_set_new_for_context (b_context);

      isle_test_make_criticals_non_fatal ();
      _isle_nested_set_report_after (50 * G_TIME_SPAN_MILLISECOND);
      g_assert_cmpint (GPOINTER_TO_INT (isle_test_run_root (a, drive_b_from_a, b)), ==, 1);
      isle_local_set_unref (b);
      g_main_context_unref (b_context);
      g_print ("reported, then timed out\n");
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stdout ("*reported, then timed out*");
  g_test_trap_assert_stderr ("*isle_local_set_run_until() of island *, called from "
                             "task * of island *, has made no progress for * s, and "
                             "island * has 1 ready task that cannot run until it "
                             "returns*this is a deadlock*");
}

/* The same drive from a task, with B's tasks never waiting for A, is not
 * reported: B moves. */
static gpointer
b_busy_root (gpointer   user_data,
             GError   **error)
{
  if (!isle_sleep_msec (120, error))
    return NULL;
  return g_strdup ("slept");
}

static gpointer
drive_busy_b (gpointer   user_data,
              GError   **error)
{
  IsleLocalSet *b = user_data;
  char *value;

  value = isle_local_set_run_until (b, b_busy_root, NULL, error);
  g_assert_cmpstr (value, ==, "slept");
  g_free (value);
  return GINT_TO_POINTER (1);
}

static void
test_nested_run_until_other_island_idle_a (void)
{
  g_autoptr(IsleLocalSet) a = isle_local_set_new ();
  GMainContext *b_context = g_main_context_new ();
  IsleLocalSet *b = isle_local_set_new_for_context (b_context);

  /* A has no ready task, so B's sleep is not a stall worth a critical
   * (which would be fatal here). */
  _isle_nested_set_report_after (20 * G_TIME_SPAN_MILLISECOND);
  g_assert_cmpint (GPOINTER_TO_INT (isle_test_run_root (a, drive_busy_b, b)), ==, 1);
  _isle_nested_set_report_after (0);
  isle_local_set_unref (b);
  g_main_context_unref (b_context);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Isle/Nested/main-loop", test_nested_main_loop);
  g_test_add_func ("/Isle/Nested/context-iteration", test_nested_context_iteration);
  g_test_add_func ("/Isle/Nested/suspend-inside-loop", test_nested_suspend_inside_loop);
  g_test_add_func ("/Isle/Nested/run-until-other-island-stalls", test_nested_run_until_other_island_stalls);
  g_test_add_func ("/Isle/Nested/run-until-other-island-idle", test_nested_run_until_other_island_idle_a);

  return g_test_run ();
}
