/* test-join-handle.c: joining, detaching and aborting tasks
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <isle.h>

#include "isle-test-util.h"

#define TEST_ERROR (test_error_quark ())
GQuark test_error_quark (void);
G_DEFINE_QUARK (isle-test-error-quark, test_error)

typedef struct
{
  int        ran;
  int        started;
  int        finished;
  int        destroyed;
  GThread   *destroy_thread;
  IsleWaker *waker;
} Probe;

static void
probe_destroy (gpointer data)
{
  Probe *probe = data;

  probe->destroyed++;
  probe->destroy_thread = g_thread_self ();
}

static void
reset_result_counter (void)
{
  result_destroyed = 0;
  result_destroy_thread = NULL;
}

static gpointer
return_string_task (gpointer   user_data,
                    GError   **error)
{
  Probe *probe = user_data;

  probe->ran++;
  probe->finished++;
  return g_strdup ("the result");
}

static gpointer
fail_task (gpointer   user_data,
           GError   **error)
{
  g_set_error (error, TEST_ERROR, 17, "task failed on %s", "purpose");
  return NULL;
}

/* Parks until woken once, then returns a string. */
static gpointer
park_then_return_task (gpointer   user_data,
                       GError   **error)
{
  Probe *probe = user_data;

  probe->ran++;
  probe->waker = isle_task_ref_waker (isle_task_get_current ());
  probe->started = 1;
  if (!isle_park (error))
    return NULL;
  probe->finished++;
  return g_strdup ("woken result");
}

static void
test_join_handle_type (void)
{
  g_assert_cmpuint (isle_join_handle_get_type (), !=, G_TYPE_INVALID);
  g_assert_nonnull (g_type_name (ISLE_TYPE_JOIN_HANDLE));
}

static gpointer
join_takes_result_root (gpointer   user_data,
                        GError   **error)
{
  Probe *probe = user_data;
  g_autoptr(IsleJoinHandle) handle = NULL;
  g_autoptr(GError) local_error = NULL;
  char *result;

  handle = isle_spawn_local_full ("producer", G_PRIORITY_DEFAULT, 0,
                                  return_string_task, probe, probe_destroy,
                                  counted_result_destroy);
  result = isle_join_handle_join (handle, &local_error);
  g_assert_no_error (local_error);
  g_assert_cmpstr (result, ==, "the result");
  return result;
}

static void
test_join_handle_join_takes_result (void)
{
  IsleLocalSet *island = isle_local_set_new ();
  Probe probe = { 0, };
  char *result;

  reset_result_counter ();
  result = isle_test_run_root (island, join_takes_result_root, &probe);
  isle_local_set_unref (island);

  /* The joiner owns the result: result_destroy never ran for it. */
  g_assert_cmpstr (result, ==, "the result");
  g_assert_cmpint (result_destroyed, ==, 0);
  g_assert_cmpint (probe.destroyed, ==, 1);
  g_free (result);
}

static gpointer
join_error_root (gpointer   user_data,
                 GError   **error)
{
  g_autoptr(IsleJoinHandle) handle = NULL;
  g_autoptr(GError) local_error = NULL;

  handle = isle_spawn_local (fail_task, NULL, NULL);
  g_assert_null (isle_join_handle_join (handle, &local_error));
  g_assert_error (local_error, TEST_ERROR, 17);
  g_assert_cmpstr (local_error->message, ==, "task failed on purpose");
  g_assert_true (isle_join_handle_is_finished (handle));

  /* Hand it on, as a joiner would. */
  g_propagate_error (error, g_steal_pointer (&local_error));
  return NULL;
}

static void
test_join_handle_join_error (void)
{
  g_autoptr(IsleLocalSet) island = isle_local_set_new ();
  g_autoptr(GError) error = NULL;

  g_assert_null (isle_local_set_run_until (island, join_error_root, NULL, &error));
  g_assert_error (error, TEST_ERROR, 17);
  g_assert_cmpstr (error->message, ==, "task failed on purpose");
}

static void
test_join_handle_detach_on_unref (void)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(IsleLocalSet) island = isle_local_set_new_for_context (context);
  Probe probe = { 0, };

  reset_result_counter ();
  isle_join_handle_unref (isle_local_set_spawn_local_full (island, "detached",
                                                           G_PRIORITY_DEFAULT, 0,
                                                           park_then_return_task,
                                                           &probe, probe_destroy,
                                                           counted_result_destroy));
  isle_test_iterate_until (context, &probe.started);

  /* Nobody holds its handle, and it runs on. */
  g_assert_cmpuint (isle_local_set_get_n_tasks (island), ==, 1);
  isle_waker_wake (probe.waker);
  isle_test_run_all (island);

  g_assert_cmpint (probe.finished, ==, 1);
  g_assert_cmpint (probe.destroyed, ==, 1);
  g_assert_cmpint (result_destroyed, ==, 1);
  g_assert_true (result_destroy_thread == g_thread_self ());
  isle_waker_unref (probe.waker);
}

static void
test_join_handle_detach_after_finish (void)
{
  g_autoptr(IsleLocalSet) island = isle_local_set_new ();
  Probe probe = { 0, };
  IsleJoinHandle *handle;

  reset_result_counter ();
  handle = isle_local_set_spawn_local_full (island, NULL, G_PRIORITY_DEFAULT, 0,
                                            return_string_task, &probe, NULL,
                                            counted_result_destroy);
  isle_test_run_all (island);
  g_assert_true (isle_join_handle_is_finished (handle));

  /* The result waits in the handle until the last reference goes. */
  g_assert_true (isle_join_handle_ref (handle) == handle);
  isle_join_handle_unref (handle);
  g_assert_cmpint (result_destroyed, ==, 0);
  isle_join_handle_unref (handle);
  g_assert_cmpint (result_destroyed, ==, 1);
}

static gpointer
join_cancelled_root (gpointer   user_data,
                     GError   **error)
{
  IsleJoinHandle *handle = user_data;
  g_autoptr(GError) local_error = NULL;

  g_assert_null (isle_join_handle_join (handle, &local_error));
  g_assert_error (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  return NULL;
}

static void
test_join_handle_abort_before_start (void)
{
  g_autoptr(IsleLocalSet) island = isle_local_set_new ();
  g_autoptr(IsleJoinHandle) handle = NULL;
  Probe probe = { 0, };

  handle = isle_local_set_spawn_local (island, return_string_task, &probe,
                                       probe_destroy);
  isle_join_handle_abort (handle);
  isle_test_run_root (island, join_cancelled_root, handle);

  g_assert_cmpint (probe.ran, ==, 0);
  g_assert_cmpint (probe.destroyed, ==, 1);
  g_assert_true (probe.destroy_thread == g_thread_self ());
  g_assert_true (isle_join_handle_is_finished (handle));
  g_assert_cmpuint (isle_local_set_get_n_tasks (island), ==, 0);
}

/* Where an aborted task was suspended, and what each suspension call
 * returned from then on. */
typedef enum
{
  SUSPEND_IN_PARK,
  SUSPEND_IN_YIELD,
  SUSPEND_IN_JOIN,
} SuspendKind;

typedef struct
{
  SuspendKind     kind;
  IsleJoinHandle *other;
  int             suspended;
  guint           yields;
  gboolean        first_cancelled;
  gboolean        park_cancelled;
  gboolean        yield_cancelled;
  gboolean        join_cancelled;
  gboolean        is_cancelled;
} AbortProbe;

static gboolean
take_cancelled (GError **error)
{
  gboolean cancelled = g_error_matches (*error, G_IO_ERROR, G_IO_ERROR_CANCELLED);

  g_clear_error (error);
  return cancelled;
}

static gpointer
abortable_task (gpointer   user_data,
                GError   **error)
{
  AbortProbe *probe = user_data;
  GError *local_error = NULL;
  gpointer joined;

  switch (probe->kind)
    {
    case SUSPEND_IN_PARK:
      probe->suspended = 1;
      g_assert_false (isle_park (&local_error));
      break;

    case SUSPEND_IN_YIELD:
      probe->suspended = 1;
      while (isle_yield_now (&local_error))
        probe->yields++;
      break;

    case SUSPEND_IN_JOIN:
      probe->suspended = 1;
      joined = isle_join_handle_join (probe->other, &local_error);
      g_assert_null (joined);
      break;

    default:
      g_assert_not_reached ();
    }
  probe->first_cancelled = take_cancelled (&local_error);
  probe->is_cancelled = isle_task_is_aborted (isle_task_get_current ());

  /* Once aborted, every later suspension returns at once, cancelled. */
  g_assert_false (isle_park (&local_error));
  probe->park_cancelled = take_cancelled (&local_error);
  g_assert_false (isle_yield_now (&local_error));
  probe->yield_cancelled = take_cancelled (&local_error);
  g_assert_null (isle_join_handle_join (probe->other, &local_error));
  probe->join_cancelled = take_cancelled (&local_error);

  /* A value returned anyway is freed with result_destroy. */
  return g_strdup ("returned anyway");
}

typedef struct
{
  AbortProbe *abort_probe;
  Probe      *other_probe;
} AbortRootData;

static gpointer
abort_suspended_root (gpointer   user_data,
                      GError   **error)
{
  AbortRootData *data = user_data;
  AbortProbe *probe = data->abort_probe;
  g_autoptr(IsleJoinHandle) other = NULL;
  g_autoptr(IsleJoinHandle) handle = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *other_result = NULL;

  other = isle_spawn_local (park_then_return_task, data->other_probe, NULL);
  probe->other = other;
  handle = isle_spawn_local_full ("abortable", G_PRIORITY_DEFAULT, 0,
                                  abortable_task, probe, NULL,
                                  counted_result_destroy);
  while (!probe->suspended || !data->other_probe->started)
    g_assert_true (isle_yield_now (NULL));
  for (guint i = 0; i < 3; i++)
    g_assert_true (isle_yield_now (NULL));
  g_assert_false (isle_join_handle_is_finished (handle));

  isle_join_handle_abort (handle);
  g_assert_null (isle_join_handle_join (handle, &local_error));
  g_assert_error (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_true (isle_join_handle_is_finished (handle));

  /* The other task, even one the aborted task was joining, runs on. */
  g_assert_false (isle_join_handle_is_finished (other));
  isle_waker_wake (data->other_probe->waker);
  g_clear_error (&local_error);
  other_result = isle_join_handle_join (other, &local_error);
  g_assert_no_error (local_error);
  g_assert_cmpstr (other_result, ==, "woken result");
  return NULL;
}

static void
check_abort_suspended (SuspendKind kind)
{
  g_autoptr(IsleLocalSet) island = isle_local_set_new ();
  AbortProbe probe = { kind, };
  Probe other_probe = { 0, };
  AbortRootData data = { &probe, &other_probe };

  reset_result_counter ();
  isle_test_run_root (island, abort_suspended_root, &data);

  g_assert_true (probe.first_cancelled);
  g_assert_true (probe.is_cancelled);
  g_assert_true (probe.park_cancelled);
  g_assert_true (probe.yield_cancelled);
  g_assert_true (probe.join_cancelled);
  g_assert_cmpint (result_destroyed, ==, 1);
  if (kind == SUSPEND_IN_YIELD)
    g_assert_cmpuint (probe.yields, >, 0);
  isle_waker_unref (other_probe.waker);
}

static void
test_join_handle_abort_while_parked (void)
{
  check_abort_suspended (SUSPEND_IN_PARK);
}

static void
test_join_handle_abort_while_yielding (void)
{
  check_abort_suspended (SUSPEND_IN_YIELD);
}

static void
test_join_handle_abort_while_joining (void)
{
  check_abort_suspended (SUSPEND_IN_JOIN);
}

/* A task that aborts itself finds out at its next suspension. */
typedef struct
{
  IsleJoinHandle *handle;
  gboolean        cancelled_after;
} SelfAbortProbe;

static gpointer
abort_self_task (gpointer   user_data,
                 GError   **error)
{
  SelfAbortProbe *probe = user_data;
  g_autoptr(GError) local_error = NULL;

  isle_join_handle_abort (probe->handle);
  g_assert_true (isle_task_is_aborted (isle_task_get_current ()));
  g_assert_false (isle_yield_now (&local_error));
  probe->cancelled_after = g_error_matches (local_error, G_IO_ERROR,
                                            G_IO_ERROR_CANCELLED);
  return NULL;
}

static gpointer
abort_self_root (gpointer   user_data,
                 GError   **error)
{
  SelfAbortProbe probe = { NULL, FALSE };
  g_autoptr(GError) local_error = NULL;

  probe.handle = isle_spawn_local (abort_self_task, &probe, NULL);
  g_assert_null (isle_join_handle_join (probe.handle, &local_error));
  g_assert_error (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_true (probe.cancelled_after);
  isle_join_handle_unref (probe.handle);
  return NULL;
}

static void
test_join_handle_abort_running (void)
{
  g_autoptr(IsleLocalSet) island = isle_local_set_new ();

  isle_test_run_root (island, abort_self_root, NULL);
}

static gpointer
abort_after_finish_root (gpointer   user_data,
                         GError   **error)
{
  Probe *probe = user_data;
  g_autoptr(IsleJoinHandle) handle = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *result = NULL;

  handle = isle_spawn_local_full (NULL, G_PRIORITY_DEFAULT, 0,
                                  return_string_task, probe, probe_destroy,
                                  counted_result_destroy);
  while (!isle_join_handle_is_finished (handle))
    g_assert_true (isle_yield_now (NULL));
  g_assert_cmpint (probe->finished, ==, 1);

  isle_join_handle_abort (handle);
  g_assert_true (isle_join_handle_is_finished (handle));
  result = isle_join_handle_join (handle, &local_error);
  g_assert_no_error (local_error);
  g_assert_cmpstr (result, ==, "the result");
  return NULL;
}

static void
test_join_handle_abort_after_finish (void)
{
  g_autoptr(IsleLocalSet) island = isle_local_set_new ();
  Probe probe = { 0, };

  reset_result_counter ();
  isle_test_run_root (island, abort_after_finish_root, &probe);
  g_assert_cmpint (result_destroyed, ==, 0);
  g_assert_cmpint (probe.destroyed, ==, 1);
}

static void
test_join_handle_is_finished (void)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(IsleLocalSet) island = isle_local_set_new_for_context (context);
  g_autoptr(IsleJoinHandle) parked = NULL;
  g_autoptr(IsleJoinHandle) failing = NULL;
  Probe probe = { 0, };
  gint64 deadline = isle_test_deadline ();

  /* The failing task's handle is dropped unjoined on purpose. */
  isle_local_set_set_unhandled_failure (island, ISLE_UNHANDLED_FAILURE_IGNORE);
  parked = isle_local_set_spawn_local_full (island, NULL, G_PRIORITY_DEFAULT, 0,
                                            park_then_return_task, &probe, NULL,
                                            g_free);
  failing = isle_local_set_spawn_local (island, fail_task, NULL, NULL);
  g_assert_false (isle_join_handle_is_finished (parked));
  g_assert_false (isle_join_handle_is_finished (failing));

  isle_test_iterate_until (context, &probe.started);
  while (!isle_join_handle_is_finished (failing))
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (context, FALSE);
    }
  g_assert_false (isle_join_handle_is_finished (parked));

  isle_waker_wake (probe.waker);
  isle_test_run_all (island);
  g_assert_true (isle_join_handle_is_finished (parked));
  g_assert_true (isle_join_handle_is_finished (failing));
  isle_waker_unref (probe.waker);
}

static gpointer
yield_five_times_task (gpointer   user_data,
                       GError   **error)
{
  guint *yields = user_data;

  for (guint i = 0; i < 5; i++)
    {
      if (!isle_yield_now (error))
        return NULL;
      (*yields)++;
    }
  return GUINT_TO_POINTER (*yields);
}

static gpointer
join_waits_root (gpointer   user_data,
                 GError   **error)
{
  guint yields = 0;
  g_autoptr(IsleJoinHandle) handle = NULL;
  g_autoptr(GError) local_error = NULL;
  guint result;

  handle = isle_spawn_local (yield_five_times_task, &yields, NULL);
  g_assert_false (isle_join_handle_is_finished (handle));
  result = GPOINTER_TO_UINT (isle_join_handle_join (handle, &local_error));
  g_assert_no_error (local_error);
  g_assert_cmpuint (result, ==, 5);
  g_assert_cmpuint (yields, ==, 5);
  return NULL;
}

static void
test_join_handle_join_waits (void)
{
  g_autoptr(IsleLocalSet) island = isle_local_set_new ();

  isle_test_run_root (island, join_waits_root, NULL);
}

static gpointer
double_join_root (gpointer   user_data,
                  GError   **error)
{
  g_autoptr(IsleJoinHandle) handle = NULL;
  g_autoptr(GError) local_error = NULL;
  char *result;
  Probe probe = { 0, };

  handle = isle_spawn_local (return_string_task, &probe, NULL);
  result = isle_join_handle_join (handle, &local_error);
  g_assert_no_error (local_error);
  g_assert_cmpstr (result, ==, "the result");
  g_free (result);

  g_assert_null (isle_join_handle_join (handle, &local_error));
  g_assert_nonnull (local_error);
  return g_strdup ("survived");
}

static void
test_join_handle_double_join (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(IsleLocalSet) island = isle_local_set_new ();
      g_autofree char *result = NULL;

      isle_test_make_criticals_non_fatal ();
      result = isle_test_run_root (island, double_join_root, NULL);
      g_assert_cmpstr (result, ==, "survived");
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stderr ("*CRITICAL*isle_join_handle_join*already*joined*");
}

static gpointer
join_given_handle (gpointer   user_data,
                   GError   **error)
{
  GError *local_error = NULL;
  char *result = isle_join_handle_join (user_data, &local_error);

  if (result != NULL)
    return result;
  g_assert_nonnull (local_error);
  g_error_free (local_error);
  return g_strdup ("refused");
}

typedef struct
{
  IsleJoinHandle *target;
} JoinSlot;

static gpointer
join_slot (gpointer   user_data,
           GError   **error)
{
  JoinSlot *slot = user_data;

  return join_given_handle (slot->target, error);
}

/* The first joiner parks; the task finishes and wakes it; before its turn
 * a second joiner, finding nobody waiting, takes the result. The first
 * must get the misuse report and an error, not an assertion failure. */
static gpointer
late_second_joiner_root (gpointer   user_data,
                         GError   **error)
{
  g_autoptr(IsleJoinHandle) target = NULL;
  g_autoptr(IsleJoinHandle) first = NULL;
  g_autoptr(IsleJoinHandle) second = NULL;
  g_autofree char *first_result = NULL;
  g_autofree char *second_result = NULL;
  JoinSlot slot = { NULL };
  Probe probe = { 0, };

  /* They run in this order: first (parks on target), target, second. */
  first = isle_spawn_local (join_slot, &slot, NULL);
  target = isle_spawn_local (return_string_task, &probe, NULL);
  slot.target = target;
  second = isle_spawn_local (join_given_handle, target, NULL);

  first_result = isle_join_handle_join (first, error);
  second_result = isle_join_handle_join (second, error);
  g_print ("first: %s\nsecond: %s\n", first_result, second_result);
  return NULL;
}

static void
test_join_handle_late_second_joiner (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(IsleLocalSet) island = isle_local_set_new ();

      isle_test_make_criticals_non_fatal ();
      isle_test_run_root (island, late_second_joiner_root, NULL);
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stdout ("*first: refused*second: the result*");
  g_test_trap_assert_stderr ("*CRITICAL*isle_join_handle_join*already*joined*");
}

static gpointer
join_self_task (gpointer   user_data,
                GError   **error)
{
  IsleJoinHandle **self_handle = user_data;
  g_autoptr(GError) local_error = NULL;

  while (*self_handle == NULL)
    if (!isle_yield_now (error))
      return NULL;
  g_assert_null (isle_join_handle_join (*self_handle, &local_error));
  g_assert_nonnull (local_error);
  return g_strdup ("survived");
}

static gpointer
join_self_root (gpointer   user_data,
                GError   **error)
{
  IsleJoinHandle *handle = NULL;
  char *result;

  handle = isle_spawn_local (join_self_task, &handle, NULL);
  result = isle_join_handle_join (handle, error);
  isle_join_handle_unref (handle);
  return result;
}

static void
test_join_handle_join_self (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(IsleLocalSet) island = isle_local_set_new ();
      g_autofree char *result = NULL;

      isle_test_make_criticals_non_fatal ();
      result = isle_test_run_root (island, join_self_root, NULL);
      g_assert_cmpstr (result, ==, "survived");
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stderr ("*CRITICAL*isle_join_handle_join*itself*");
}

static void
test_join_handle_join_outside_fiber (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(IsleLocalSet) island = isle_local_set_new ();
      g_autoptr(IsleJoinHandle) handle = NULL;
      g_autoptr(GError) error = NULL;
      Probe probe = { 0, };

      isle_test_make_criticals_non_fatal ();
      handle = isle_local_set_spawn_local (island, return_string_task, &probe,
                                           NULL);
      g_assert_null (isle_join_handle_join (handle, &error));
      g_assert_nonnull (error);
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stderr ("*CRITICAL*isle_join_handle_join*outside*");
}

static void
test_join_handle_unref_after_teardown (void)
{
  IsleLocalSet *island = isle_local_set_new ();
  IsleJoinHandle *finished;
  IsleJoinHandle *parked;
  Probe finished_probe = { 0, };
  Probe parked_probe = { 0, };
  gint64 deadline = isle_test_deadline ();

  reset_result_counter ();
  finished = isle_local_set_spawn_local_full (island, NULL, G_PRIORITY_DEFAULT, 0,
                                              return_string_task, &finished_probe,
                                              probe_destroy, counted_result_destroy);
  parked = isle_local_set_spawn_local_full (island, NULL, G_PRIORITY_DEFAULT, 0,
                                            park_then_return_task, &parked_probe,
                                            probe_destroy, counted_result_destroy);
  while (!finished_probe.finished || !parked_probe.started)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (isle_local_set_get_context (island), FALSE);
    }

  isle_local_set_unref (island);
  g_assert_cmpint (finished_probe.destroyed, ==, 1);
  g_assert_cmpint (parked_probe.destroyed, ==, 1);
  g_assert_true (parked_probe.destroy_thread == g_thread_self ());

  /* The finished task's result outlives the island, in its handle. */
  g_assert_cmpint (result_destroyed, ==, 0);
  g_assert_true (isle_join_handle_is_finished (finished));
  g_assert_true (isle_join_handle_is_finished (parked));
  isle_join_handle_unref (finished);
  g_assert_cmpint (result_destroyed, ==, 1);
  g_assert_true (result_destroy_thread == g_thread_self ());
  isle_join_handle_unref (parked);
  g_assert_cmpint (result_destroyed, ==, 1);
  isle_waker_unref (parked_probe.waker);
}

/* Futures of tasks --------------------------------------------------------- */

static gpointer
yield_then_return_task (gpointer   user_data,
                        GError   **error)
{
  if (!isle_yield_now (error))
    return NULL;
  return g_strdup ("from the future");
}

/* The future is the task's own, settles when it finishes, lends its value
 * to awaits, and gives it up to a join. */
static gpointer
future_is_the_tasks_root (gpointer   user_data,
                          GError   **error)
{
  g_autoptr(IsleJoinHandle) handle = NULL;
  g_autoptr(GError) local_error = NULL;
  IsleFuture *future;
  const char *borrowed;
  char *taken;

  handle = isle_spawn_local_full (NULL, G_PRIORITY_DEFAULT, 0, yield_then_return_task,
                                  NULL, NULL, counted_result_destroy);
  future = isle_join_handle_get_future (handle);
  g_assert_true (isle_join_handle_get_future (handle) == future);
  g_assert_false (isle_future_is_finished (future));

  borrowed = isle_await (future, &local_error);
  g_assert_no_error (local_error);
  g_assert_cmpstr (borrowed, ==, "from the future");
  g_assert_true (isle_join_handle_is_finished (handle));
  /* Awaiting again reads the same value: it is lent, not given. */
  g_assert_true (isle_await (future, NULL) == borrowed);

  taken = isle_join_handle_join (handle, &local_error);
  g_assert_no_error (local_error);
  g_assert_true (taken == borrowed);
  /* The join took the value: the future reads NULL, without an error. */
  g_assert_true (isle_future_is_finished (future));
  g_assert_null (isle_future_get_value (future, &local_error));
  g_assert_no_error (local_error);
  return taken;
}

static void
test_join_handle_future_is_the_tasks (void)
{
  g_autoptr(IsleLocalSet) island = isle_local_set_new ();
  g_autofree char *result = NULL;

  reset_result_counter ();
  result = isle_test_run_root (island, future_is_the_tasks_root, NULL);
  g_assert_cmpstr (result, ==, "from the future");
  g_assert_cmpint (result_destroyed, ==, 0);
}

/* A future asked for after the join reads what a future that existed
 * before it reads: NULL for a value, the task's error for a failure. */
static gpointer
future_after_join_root (gpointer   user_data,
                        GError   **error)
{
  g_autoptr(IsleJoinHandle) fine = isle_spawn_local (yield_then_return_task, NULL, NULL);
  g_autoptr(IsleJoinHandle) failing = isle_spawn_local (fail_task, NULL, NULL);
  g_autoptr(GError) local_error = NULL;
  g_autofree char *taken = NULL;

  taken = isle_join_handle_join (fine, &local_error);
  g_assert_no_error (local_error);
  g_assert_cmpstr (taken, ==, "from the future");
  g_assert_null (isle_await (isle_join_handle_get_future (fine), &local_error));
  g_assert_no_error (local_error);

  g_assert_null (isle_join_handle_join (failing, &local_error));
  g_assert_error (local_error, TEST_ERROR, 17);
  g_clear_error (&local_error);
  g_assert_null (isle_await (isle_join_handle_get_future (failing), &local_error));
  g_assert_error (local_error, TEST_ERROR, 17);
  return NULL;
}

static void
test_join_handle_future_after_join (void)
{
  g_autoptr(IsleLocalSet) island = isle_local_set_new ();

  isle_test_run_root (island, future_after_join_root, NULL);
}

/* A task's future that loses a race, or is cancelled, neither settles nor
 * stops the task: it settles with the task's result when the task ends. */
static gpointer
future_cancel_leaves_task_root (gpointer   user_data,
                                GError   **error)
{
  Probe *probe = user_data;
  g_autoptr(IsleJoinHandle) handle = NULL;
  g_autoptr(IsleFuture) limited = NULL;
  g_autoptr(GError) local_error = NULL;
  IsleFuture *future;
  g_autofree char *result = NULL;

  handle = isle_spawn_local (park_then_return_task, probe, NULL);
  future = isle_join_handle_get_future (handle);
  limited = isle_future_new_timeout_msec (future, 1);
  g_assert_null (isle_await (limited, &local_error));
  g_assert_error (local_error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  g_clear_error (&local_error);

  isle_future_cancel (future);
  g_assert_false (isle_future_is_finished (future));
  g_assert_false (isle_join_handle_is_finished (handle));
  g_assert_cmpint (probe->ran, ==, 1);

  isle_waker_wake (probe->waker);
  g_assert_cmpstr (isle_await (future, &local_error), ==, "woken result");
  g_assert_no_error (local_error);
  g_assert_cmpint (probe->finished, ==, 1);
  result = isle_join_handle_join (handle, &local_error);
  g_assert_no_error (local_error);
  g_assert_cmpstr (result, ==, "woken result");
  return NULL;
}

static void
test_join_handle_future_cancel_leaves_task (void)
{
  g_autoptr(IsleLocalSet) island = isle_local_set_new ();
  Probe probe = { 0, };

  isle_test_run_root (island, future_cancel_leaves_task_root, &probe);
  isle_waker_unref (probe.waker);
}

/* Tasks combine with other futures directly: all of two tasks. */
static gpointer
future_all_root (gpointer   user_data,
                 GError   **error)
{
  g_autoptr(IsleJoinHandle) a = isle_spawn_local_full (NULL, G_PRIORITY_DEFAULT, 0, yield_then_return_task,
                                                       NULL, NULL, g_free);
  g_autoptr(IsleJoinHandle) b = isle_spawn_local_full (NULL, G_PRIORITY_DEFAULT, 0, yield_then_return_task,
                                                       NULL, NULL, g_free);
  IsleFuture *futures[] = { isle_join_handle_get_future (a), isle_join_handle_get_future (b) };
  g_autoptr(IsleFuture) all = isle_future_all (futures, G_N_ELEMENTS (futures));
  g_autoptr(GError) local_error = NULL;
  GPtrArray *values;

  values = isle_await (all, &local_error);
  g_assert_no_error (local_error);
  g_assert_cmpuint (values->len, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (values, 0), ==, "from the future");
  g_assert_cmpstr (g_ptr_array_index (values, 1), ==, "from the future");
  return NULL;
}

static void
test_join_handle_future_all (void)
{
  g_autoptr(IsleLocalSet) island = isle_local_set_new ();

  isle_test_run_root (island, future_all_root, NULL);
}

static void
note_then (IsleFuture *future,
           gpointer    user_data)
{
  char **seen = user_data;

  *seen = g_strdup (isle_future_get_value (future, NULL));
}

/* Plain code chains a callback on a task; the task, detached meanwhile,
 * runs on, and its result goes with the future, once, on the island's
 * thread. */
static void
test_join_handle_future_then_detached (void)
{
  g_autoptr(IsleLocalSet) island = isle_local_set_new ();
  g_autofree char *seen = NULL;
  IsleJoinHandle *handle;
  IsleFuture *future;
  gint64 deadline = isle_test_deadline ();

  reset_result_counter ();
  handle = isle_local_set_spawn_local_full (island, NULL, G_PRIORITY_DEFAULT, 0,
                                            yield_then_return_task, NULL, NULL,
                                            counted_result_destroy);
  future = isle_future_ref (isle_join_handle_get_future (handle));
  isle_future_then (future, note_then, &seen, NULL);
  isle_join_handle_unref (handle);

  while (seen == NULL)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (isle_local_set_get_context (island), FALSE);
    }
  g_assert_cmpstr (seen, ==, "from the future");
  g_assert_cmpint (result_destroyed, ==, 0);
  isle_future_unref (future);
  g_assert_cmpint (result_destroyed, ==, 1);
  g_assert_true (result_destroy_thread == g_thread_self ());
}

/* Handles and futures of tasks on other threads ---------------------------- */

typedef struct
{
  IsleJoinHandle *handle;   /* (owned) dropped on the thread */
  IsleFuture     *future;   /* (owned) (nullable) dropped on the thread */
  GValue          value;    /* a copy made and released on the thread */
  int             done;     /* (atomic) */
} HandleTrip;

static gpointer
drop_on_thread (gpointer data)
{
  HandleTrip *trip = data;
  GValue copy = G_VALUE_INIT;

  /* A binding's GValue copy, and a marshaller's release, off the island. */
  g_value_init (&copy, ISLE_TYPE_JOIN_HANDLE);
  g_value_copy (&trip->value, &copy);
  g_assert_true (g_value_get_boxed (&copy) == trip->handle);
  isle_join_handle_ref (trip->handle);
  isle_join_handle_unref (trip->handle);
  g_value_unset (&copy);
  g_value_unset (&trip->value);

  g_clear_pointer (&trip->future, isle_future_unref);
  isle_join_handle_unref (g_steal_pointer (&trip->handle));
  g_atomic_int_set (&trip->done, 1);
  return NULL;
}

/* The last handle, dropped on another thread, detaches the task on the
 * island's thread: the result of the finished task is destroyed there. */
static void
test_join_handle_unref_any_thread (void)
{
  g_autoptr(IsleLocalSet) island = isle_local_set_new ();
  HandleTrip trip = { NULL, NULL, G_VALUE_INIT, 0 };
  IsleJoinHandle *handle;
  gint64 deadline = isle_test_deadline ();

  reset_result_counter ();
  handle = isle_local_set_spawn_local_full (island, NULL, G_PRIORITY_DEFAULT, 0,
                                            yield_then_return_task, NULL, NULL,
                                            counted_result_destroy);
  isle_test_run_all (island);
  g_assert_true (isle_join_handle_is_finished (handle));

  trip.handle = handle;
  g_value_init (&trip.value, ISLE_TYPE_JOIN_HANDLE);
  g_value_set_boxed (&trip.value, handle);
  g_thread_join (g_thread_new ("handle-dropper", drop_on_thread, &trip));
  g_assert_true (g_atomic_int_get (&trip.done));
  /* Nothing was destroyed on the other thread... */
  g_assert_cmpint (result_destroyed, ==, 0);

  /* ...but here, once the island's thread has its turn. */
  while (result_destroyed == 0)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (isle_local_set_get_context (island), FALSE);
    }
  g_assert_cmpint (result_destroyed, ==, 1);
  g_assert_true (result_destroy_thread == g_thread_self ());
}

/* A running task's handle and its future, both dropped on another thread
 * while the task runs: the task runs on detached, and its result goes
 * with the future's last reference, on the island's thread. */
static void
test_join_handle_future_unref_any_thread (void)
{
  g_autoptr(IsleLocalSet) island = isle_local_set_new ();
  HandleTrip trip = { NULL, NULL, G_VALUE_INIT, 0 };
  Probe probe = { 0, };
  IsleJoinHandle *handle;
  gint64 deadline = isle_test_deadline ();

  reset_result_counter ();
  handle = isle_local_set_spawn_local_full (island, NULL, G_PRIORITY_DEFAULT, 0,
                                            park_then_return_task, &probe, NULL,
                                            counted_result_destroy);
  while (!probe.started)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (isle_local_set_get_context (island), FALSE);
    }

  trip.handle = handle;
  trip.future = isle_future_ref (isle_join_handle_get_future (handle));
  g_value_init (&trip.value, ISLE_TYPE_JOIN_HANDLE);
  g_value_set_boxed (&trip.value, handle);
  g_thread_join (g_thread_new ("handle-dropper", drop_on_thread, &trip));

  isle_waker_wake (probe.waker);
  while (result_destroyed == 0)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (isle_local_set_get_context (island), FALSE);
    }
  g_assert_cmpint (probe.finished, ==, 1);
  g_assert_cmpint (result_destroyed, ==, 1);
  g_assert_true (result_destroy_thread == g_thread_self ());
  isle_waker_unref (probe.waker);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Isle/JoinHandle/type", test_join_handle_type);
  g_test_add_func ("/Isle/JoinHandle/join-takes-result", test_join_handle_join_takes_result);
  g_test_add_func ("/Isle/JoinHandle/join-error", test_join_handle_join_error);
  g_test_add_func ("/Isle/JoinHandle/detach-on-unref", test_join_handle_detach_on_unref);
  g_test_add_func ("/Isle/JoinHandle/detach-after-finish", test_join_handle_detach_after_finish);
  g_test_add_func ("/Isle/JoinHandle/abort-before-start", test_join_handle_abort_before_start);
  g_test_add_func ("/Isle/JoinHandle/abort-while-parked", test_join_handle_abort_while_parked);
  g_test_add_func ("/Isle/JoinHandle/abort-while-yielding", test_join_handle_abort_while_yielding);
  g_test_add_func ("/Isle/JoinHandle/abort-while-joining", test_join_handle_abort_while_joining);
  g_test_add_func ("/Isle/JoinHandle/abort-running", test_join_handle_abort_running);
  g_test_add_func ("/Isle/JoinHandle/abort-after-finish", test_join_handle_abort_after_finish);
  g_test_add_func ("/Isle/JoinHandle/is-finished", test_join_handle_is_finished);
  g_test_add_func ("/Isle/JoinHandle/join-waits", test_join_handle_join_waits);
  g_test_add_func ("/Isle/JoinHandle/double-join", test_join_handle_double_join);
  g_test_add_func ("/Isle/JoinHandle/late-second-joiner", test_join_handle_late_second_joiner);
  g_test_add_func ("/Isle/JoinHandle/join-self", test_join_handle_join_self);
  g_test_add_func ("/Isle/JoinHandle/join-outside-fiber", test_join_handle_join_outside_fiber);
  g_test_add_func ("/Isle/JoinHandle/unref-after-teardown", test_join_handle_unref_after_teardown);
  g_test_add_func ("/Isle/JoinHandle/future-is-the-tasks", test_join_handle_future_is_the_tasks);
  g_test_add_func ("/Isle/JoinHandle/future-after-join", test_join_handle_future_after_join);
  g_test_add_func ("/Isle/JoinHandle/future-cancel-leaves-task", test_join_handle_future_cancel_leaves_task);
  g_test_add_func ("/Isle/JoinHandle/future-all", test_join_handle_future_all);
  g_test_add_func ("/Isle/JoinHandle/future-then-detached", test_join_handle_future_then_detached);
  g_test_add_func ("/Isle/JoinHandle/unref-any-thread", test_join_handle_unref_any_thread);
  g_test_add_func ("/Isle/JoinHandle/future-unref-any-thread", test_join_handle_future_unref_any_thread);

  return g_test_run ();
}
