/* test-join-set.c: tasks joined in the order they finish
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <isle.h>

#include "isle-test-util.h"

#define TEST_ERROR (test_error_quark ())
GQuark test_error_quark (void);
G_DEFINE_QUARK (isle-test-join-set-error-quark, test_error)

static int n_destroyed;

static void
count_destroy (gpointer data)
{
  n_destroyed++;
}

/* Finishes after yielding as many times as its number says. */
static gpointer
yield_n_times (gpointer   user_data,
               GError   **error)
{
  guint n = GPOINTER_TO_UINT (user_data);

  for (guint i = 0; i < n; i++)
    if (!isle_yield_now (error))
      return NULL;

  return g_strdup_printf ("after %u", n);
}

static gpointer
fail_after_yield (gpointer   user_data,
                  GError   **error)
{
  if (!isle_yield_now (error))
    return NULL;
  g_set_error (error, TEST_ERROR, 9, "no luck");
  return NULL;
}

/* Ignores an abort (each yield fails, and goes to the back of the queue
 * all the same) until the test says stop: a task that takes its time to
 * finish after an abort. */
static gboolean stop_yielding;

static gpointer
yield_until_stopped (gpointer   user_data,
                     GError   **error)
{
  while (!stop_yielding)
    isle_yield_now (NULL);
  return NULL;
}

static gpointer
park_forever (gpointer   user_data,
              GError   **error)
{
  while (isle_park (error))
    ;
  return NULL;
}

static gpointer
completion_order_root (gpointer   user_data,
                       GError   **error)
{
  g_autoptr(IsleJoinSet) set = isle_join_set_new ();
  g_autoptr(GString) order = g_string_new (NULL);
  guint64 ids[4];
  IsleJoinHandle *done;
  guint i = 0;

  g_assert_true (isle_join_set_is_empty (set));
  ids[0] = isle_join_set_spawn_full (set, "slow", G_PRIORITY_DEFAULT, 0, yield_n_times,
                                     GUINT_TO_POINTER (5), NULL, g_free);
  ids[1] = isle_join_set_spawn (set, yield_n_times, GUINT_TO_POINTER (1), NULL);
  ids[2] = isle_join_set_spawn (set, fail_after_yield, NULL, NULL);
  ids[3] = isle_join_set_spawn (set, yield_n_times, GUINT_TO_POINTER (3), NULL);
  g_assert_cmpuint (isle_join_set_get_n_tasks (set), ==, 4);
  g_assert_false (isle_join_set_is_empty (set));

  while ((done = isle_join_set_join_next (set, error)) != NULL)
    {
      g_autoptr(IsleJoinHandle) handle = done;
      g_autoptr(GError) task_error = NULL;
      g_autofree char *result = isle_join_handle_join (handle, &task_error);
      guint64 id = isle_join_handle_get_id (handle);

      g_assert_true (isle_join_handle_is_finished (handle));
      if (id == ids[2])
        {
          g_assert_error (task_error, TEST_ERROR, 9);
          g_string_append (order, "fail ");
        }
      else
        {
          g_assert_no_error (task_error);
          g_string_append_printf (order, "%s ", result);
        }
      i++;
      g_assert_cmpuint (isle_join_set_get_n_tasks (set), ==, 4 - i);
    }

  /* In the order they finished, not the order they were spawned. */
  g_assert_cmpstr (order->str, ==, "after 1 fail after 3 after 5 ");
  g_assert_true (isle_join_set_is_empty (set));
  return NULL;
}

static void
test_join_set_completion_order (void)
{
  g_autoptr(IsleLocalSet) island = isle_local_set_new ();

  isle_test_run_root (island, completion_order_root, NULL);
}

static gpointer
empty_root (gpointer   user_data,
            GError   **error)
{
  g_autoptr(IsleJoinSet) set = isle_join_set_new ();
  g_autoptr(GError) local_error = NULL;

  g_assert_null (isle_join_set_join_next (set, &local_error));
  g_assert_no_error (local_error);
  return NULL;
}

static void
test_join_set_empty (void)
{
  g_autoptr(IsleLocalSet) island = isle_local_set_new ();

  isle_test_run_root (island, empty_root, NULL);
}

static gpointer
abort_all_root (gpointer   user_data,
                GError   **error)
{
  g_autoptr(IsleJoinSet) set = isle_join_set_new ();
  IsleJoinHandle *done;
  guint n_cancelled = 0;

  for (guint i = 0; i < 3; i++)
    isle_join_set_spawn (set, park_forever, NULL, count_destroy);

  if (!isle_yield_now (error))
    return NULL;
  isle_join_set_abort_all (set);
  g_assert_cmpuint (isle_join_set_get_n_tasks (set), ==, 3);

  while ((done = isle_join_set_join_next (set, error)) != NULL)
    {
      g_autoptr(IsleJoinHandle) handle = done;
      g_autoptr(GError) task_error = NULL;

      g_assert_null (isle_join_handle_join (handle, &task_error));
      g_assert_error (task_error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
      n_cancelled++;
    }
  g_assert_cmpuint (n_cancelled, ==, 3);
  g_assert_cmpint (n_destroyed, ==, 3);
  return NULL;
}

static IslePoll
pending_forever (gpointer    state,
                 IsleWaker  *waker,
                 gpointer   *result,
                 GError    **error)
{
  return ISLE_POLL_PENDING;
}

static IslePoll
ready_with_state (gpointer    state,
                  IsleWaker  *waker,
                  gpointer   *result,
                  GError    **error)
{
  *result = g_strdup (state);
  return ISLE_POLL_READY;
}

/* One task aborted by the id its spawn returned; the others run on. A
 * finished task, one taken out, and an id never given are left alone. */
static gpointer
abort_one_root (gpointer   user_data,
                GError   **error)
{
  g_autoptr(IsleJoinSet) set = isle_join_set_new ();
  guint64 parked = isle_join_set_spawn (set, park_forever, NULL, NULL);
  guint64 polled = isle_join_set_spawn_poll_full (set, "pending", G_PRIORITY_DEFAULT,
                                                  pending_forever, NULL, NULL, NULL);
  guint64 quick = isle_join_set_spawn_poll_full (set, "quick", G_PRIORITY_HIGH,
                                                 ready_with_state, "done", NULL, g_free);
  IsleJoinHandle *done;
  g_autoptr(GError) task_error = NULL;
  g_autofree char *value = NULL;

  g_assert_cmpuint (quick, >, polled);
  g_assert_cmpuint (polled, >, parked);

  /* The quick one finishes first and is taken out. */
  done = isle_join_set_join_next (set, error);
  g_assert_nonnull (done);
  g_assert_cmpuint (isle_join_handle_get_id (done), ==, quick);
  g_assert_cmpstr (isle_task_get_name ((IsleTask *) done), ==, "quick");
  value = isle_join_handle_join (done, error);
  g_assert_cmpstr (value, ==, "done");
  isle_join_handle_unref (done);
  g_assert_false (isle_join_set_abort (set, quick));
  g_assert_false (isle_join_set_abort (set, quick + 1000));

  /* The poll task goes; the fiber stays parked. */
  g_assert_true (isle_join_set_abort (set, polled));
  done = isle_join_set_join_next (set, error);
  g_assert_nonnull (done);
  g_assert_cmpuint (isle_join_handle_get_id (done), ==, polled);
  g_assert_null (isle_join_handle_join (done, &task_error));
  g_assert_error (task_error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  isle_join_handle_unref (done);
  g_assert_cmpuint (isle_join_set_get_n_tasks (set), ==, 1);

  g_assert_true (isle_join_set_abort (set, parked));
  done = isle_join_set_join_next (set, error);
  g_assert_cmpuint (isle_join_handle_get_id (done), ==, parked);
  isle_join_handle_unref (done);
  g_assert_true (isle_join_set_is_empty (set));
  return NULL;
}

static void
test_join_set_abort_one (void)
{
  g_autoptr(IsleLocalSet) island = isle_local_set_new ();

  isle_test_run_root (island, abort_one_root, NULL);
}

static void
test_join_set_abort_all (void)
{
  g_autoptr(IsleLocalSet) island = isle_local_set_new ();

  n_destroyed = 0;
  isle_test_run_root (island, abort_all_root, NULL);
}

static gpointer
shutdown_root (gpointer   user_data,
               GError   **error)
{
  g_autoptr(IsleJoinSet) set = isle_join_set_new ();

  isle_join_set_spawn (set, park_forever, NULL, count_destroy);
  isle_join_set_spawn (set, fail_after_yield, NULL, count_destroy);
  isle_join_set_spawn_full (set, NULL, G_PRIORITY_DEFAULT, 0, yield_n_times,
                            GUINT_TO_POINTER (0), count_destroy, g_free);

  /* Everything stops and every result and error is dropped, silently
   * (warnings are fatal here). */
  g_assert_true (isle_join_set_shutdown (set, error));
  g_assert_true (isle_join_set_is_empty (set));
  g_assert_cmpint (n_destroyed, ==, 3);
  return NULL;
}

static void
test_join_set_shutdown (void)
{
  g_autoptr(IsleLocalSet) island = isle_local_set_new ();

  n_destroyed = 0;
  isle_test_run_root (island, shutdown_root, NULL);
}

static gpointer
free_aborts_root (gpointer   user_data,
                  GError   **error)
{
  IsleJoinSet *set = isle_join_set_new ();

  isle_join_set_spawn (set, park_forever, NULL, count_destroy);
  isle_join_set_spawn (set, park_forever, NULL, count_destroy);
  isle_join_set_spawn_full (set, NULL, G_PRIORITY_DEFAULT, 0, yield_n_times,
                            GUINT_TO_POINTER (0), count_destroy, g_free);
  if (!isle_yield_now (error) || !isle_yield_now (error))
    return NULL;

  /* One has finished (its result is dropped with g_free), two are parked. */
  g_assert_cmpint (n_destroyed, ==, 1);
  isle_join_set_free (set);
  g_assert_cmpint (n_destroyed, ==, 1);
  return NULL;
}

/* Freeing a set aborts the rest: they finish, and release their data,
 * when the island next runs them. */
static void
test_join_set_free_aborts (void)
{
  g_autoptr(IsleLocalSet) island = isle_local_set_new ();

  n_destroyed = 0;
  isle_test_run_root (island, free_aborts_root, NULL);
  isle_test_run_all (island);
  g_assert_cmpint (n_destroyed, ==, 3);
}

/* The collecting poll task may free its own set from its poll function
 * while its wait is registered: the wait goes with the set (only another
 * task freeing it under the wait is a misuse, tests/test-misuse.c). */

typedef struct
{
  IsleJoinSet *set;       /* (owned) (nullable) until the poll task frees it */
  IsleWaker   *waker;     /* (owned) (nullable) the task's, for the test to wake it */
  guint        polls;
} FreeFromPollState;

static IslePoll
free_from_poll (gpointer    state,
                IsleWaker  *waker,
                gpointer   *result,
                GError    **error)
{
  FreeFromPollState *poll_state = state;
  IsleJoinHandle *done = NULL;

  if (poll_state->polls++ == 0)
    {
      poll_state->waker = isle_waker_ref (waker);
      return isle_join_set_poll_join_next (poll_state->set, waker, &done);
    }

  /* Woken by the test, not by the set: it still waits there. */
  g_clear_pointer (&poll_state->set, isle_join_set_free);
  return ISLE_POLL_READY;
}

static gpointer
free_from_poll_root (gpointer   user_data,
                     GError   **error)
{
  FreeFromPollState state = { isle_join_set_new (), NULL, 0 };
  g_autoptr(IsleJoinHandle) collector = NULL;

  isle_join_set_spawn (state.set, park_forever, NULL, count_destroy);
  collector = isle_spawn_local_poll (free_from_poll, &state, NULL);
  while (state.polls == 0)
    g_assert_true (isle_yield_now (NULL));

  isle_waker_wake (state.waker);
  g_clear_pointer (&state.waker, isle_waker_unref);
  isle_join_handle_join (collector, NULL);
  g_assert_null (state.set);
  g_assert_cmpuint (state.polls, ==, 2);
  return NULL;
}

static void
test_join_set_free_from_poll (void)
{
  g_autoptr(IsleLocalSet) island = isle_local_set_new ();

  n_destroyed = 0;
  isle_test_run_root (island, free_from_poll_root, NULL);
  isle_test_run_all (island);
  g_assert_cmpint (n_destroyed, ==, 1);
}

typedef struct
{
  IsleJoinSet *set;
  guint        n_joined;
  guint        n_polls;
} Collector;

static IslePoll
count_down_poll (gpointer    state,
                 IsleWaker  *waker,
                 gpointer   *result,
                 GError    **error)
{
  guint *left = state;

  if (*left == 0)
    return ISLE_POLL_READY;
  (*left)--;
  isle_waker_wake (waker);
  return ISLE_POLL_PENDING;
}

static IslePoll
collect_poll (gpointer    state,
              IsleWaker  *waker,
              gpointer   *result,
              GError    **error)
{
  Collector *collector = state;
  IsleJoinHandle *handle;

  collector->n_polls++;
  while (isle_join_set_poll_join_next (collector->set, waker, &handle) == ISLE_POLL_READY)
    {
      if (handle == NULL)
        return ISLE_POLL_READY;
      collector->n_joined++;
      isle_join_handle_unref (handle);
    }
  return ISLE_POLL_PENDING;
}

/* A poll task collects a set of poll tasks, woken as each finishes. */
static void
test_join_set_poll (void)
{
  g_autoptr(IsleLocalSet) island = isle_local_set_new ();
  g_autoptr(IsleJoinSet) set = isle_join_set_new ();
  g_autoptr(IsleJoinHandle) collector_handle = NULL;
  g_autoptr(IsleLocalSetEnterGuard) guard = isle_local_set_enter_scoped (island);
  guint lefts[3] = { 2, 0, 5 };
  Collector collector = { set, 0, 0 };

  for (guint i = 0; i < G_N_ELEMENTS (lefts); i++)
    isle_join_set_spawn_poll (set, count_down_poll, &lefts[i], NULL);
  collector_handle = isle_local_set_spawn_local_poll (island, collect_poll, &collector, NULL);
  isle_test_run_all (island);

  g_assert_cmpuint (collector.n_joined, ==, 3);
  /* Woken when a task finished, not polled in a loop. */
  g_assert_cmpuint (collector.n_polls, <=, 4);
  g_assert_true (isle_join_set_is_empty (set));
}

/* Shutting down from a poll task, as the fiber form does. */

typedef struct
{
  IsleJoinSet *set;         /* (owned) with free_set, freed with the state */
  gboolean     free_set;
  gboolean     spawned;
  guint        n_polls;
  GError      *error;       /* (owned) */
} ShutdownState;

static void
shutdown_state_free (gpointer data)
{
  ShutdownState *state = data;

  /* Its own set may go with it even while it waits on it. */
  if (state->free_set)
    g_clear_pointer (&state->set, isle_join_set_free);
  g_clear_error (&state->error);
  g_free (state);
}

static IslePoll
shutdown_poll (gpointer    data,
               IsleWaker  *waker,
               gpointer   *result,
               GError    **error)
{
  ShutdownState *state = data;

  state->n_polls++;
  if (!state->spawned)
    {
      state->spawned = TRUE;
      isle_join_set_spawn (state->set, park_forever, NULL, count_destroy);
      isle_join_set_spawn (state->set, fail_after_yield, NULL, count_destroy);
      isle_join_set_spawn_full (state->set, NULL, G_PRIORITY_DEFAULT, 0, yield_n_times,
                                GUINT_TO_POINTER (0), count_destroy, g_free);
      isle_join_set_spawn_poll (state->set, count_down_poll, g_new0 (guint, 1), g_free);
    }
  return isle_join_set_poll_shutdown (state->set, waker, &state->error);
}

static void
test_join_set_poll_shutdown (void)
{
  g_autoptr(IsleLocalSet) island = isle_local_set_new ();
  g_autoptr(IsleJoinSet) set = isle_join_set_new ();
  ShutdownState state = { set, FALSE, FALSE, 0, NULL };
  g_autoptr(IsleJoinHandle) handle = NULL;

  n_destroyed = 0;
  handle = isle_local_set_spawn_local_poll (island, shutdown_poll, &state, NULL);
  isle_test_run_all (island);

  /* Everything stopped and every result and error was dropped, silently
   * (warnings are fatal here). */
  g_assert_true (isle_join_handle_is_finished (handle));
  g_assert_no_error (state.error);
  g_assert_true (isle_join_set_is_empty (set));
  g_assert_cmpint (n_destroyed, ==, 3);
  /* Woken as the tasks finished, not polled in a loop. */
  g_assert_cmpuint (state.n_polls, <=, 6);
}

/* While it waits, a poll task's shutdown reads as the fiber form's; an
 * aborted poll task leaves nothing in the set, which its state may then
 * free. */

static gpointer
fiber_shutdown (gpointer   user_data,
                GError   **error)
{
  IsleJoinSet *set = user_data;

  isle_join_set_shutdown (set, error);
  return NULL;
}

static gpointer
poll_shutdown_aborted_root (gpointer   user_data,
                            GError   **error)
{
  IsleLocalSet *island = isle_local_set_get_current ();
  g_autoptr(IsleJoinSet) fiber_set = isle_join_set_new ();
  ShutdownState *state = g_new0 (ShutdownState, 1);
  g_autoptr(IsleJoinHandle) poller = NULL;
  g_autoptr(IsleJoinHandle) fiber = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *poll_says = NULL;
  g_autofree char *fiber_says = NULL;

  /* Each set holds a task that ignores its abort for a while: it
   * yields (aborted, each yield fails) until told to stop. */
  state->set = isle_join_set_new ();
  state->free_set = TRUE;
  state->spawned = TRUE;
  isle_join_set_spawn (state->set, yield_until_stopped, NULL, count_destroy);
  isle_join_set_spawn (fiber_set, yield_until_stopped, NULL, count_destroy);
  poller = isle_spawn_local_poll (shutdown_poll, state, shutdown_state_free);
  fiber = isle_spawn_local (fiber_shutdown, fiber_set, NULL);
  for (guint i = 0; i < 5; i++)
    g_assert_true (isle_yield_now (error));

  g_assert_false (isle_join_handle_is_finished (poller));
  g_assert_false (isle_join_handle_is_finished (fiber));
  poll_says = isle_test_describe_wait (island, isle_join_handle_get_id (poller));
  fiber_says = isle_test_describe_wait (island, isle_join_handle_get_id (fiber));
  g_assert_cmpstr (poll_says, ==, "other: the next task of a join set");
  g_assert_cmpstr (fiber_says, ==, poll_says);

  isle_join_handle_abort (poller);
  isle_join_handle_join (poller, &local_error);
  g_assert_error (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED);

  stop_yielding = TRUE;
  isle_join_handle_join (fiber, NULL);
  g_assert_true (isle_join_set_is_empty (fiber_set));
  return NULL;
}

static void
test_join_set_poll_shutdown_aborted (void)
{
  g_autoptr(IsleLocalSet) island = isle_local_set_new ();

  n_destroyed = 0;
  stop_yielding = FALSE;
  isle_test_run_root (island, poll_shutdown_aborted_root, NULL);
  /* The poll task's set, freed with its state, detached its task, which
   * finishes when the island next runs it. */
  isle_test_run_all (island);
  g_assert_cmpint (n_destroyed, ==, 2);
}

static IslePoll
collect_until_error (gpointer    data,
                     IsleWaker  *waker,
                     gpointer   *result,
                     GError    **error)
{
  ShutdownState *state = data;
  IsleJoinHandle *handle = NULL;

  if (isle_join_set_poll_join_next (state->set, waker, &handle) == ISLE_POLL_READY)
    {
      g_clear_pointer (&handle, isle_join_handle_unref);
      return ISLE_POLL_READY;
    }
  return ISLE_POLL_PENDING;
}

static void
test_join_set_poll_shutdown_second_waiter (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(IsleLocalSet) island = isle_local_set_new ();
      g_autoptr(IsleJoinSet) set = isle_join_set_new ();
      g_autoptr(IsleLocalSetEnterGuard) guard = isle_local_set_enter_scoped (island);
      ShutdownState collector = { set, FALSE, TRUE, 0, NULL };
      ShutdownState shutdown = { set, FALSE, TRUE, 0, NULL };
      g_autoptr(IsleJoinHandle) first = NULL;
      g_autoptr(IsleJoinHandle) second = NULL;

      isle_test_make_criticals_non_fatal ();
      isle_join_set_spawn (set, park_forever, NULL, count_destroy);
      first = isle_local_set_spawn_local_poll (island, collect_until_error, &collector, NULL);
      second = isle_local_set_spawn_local_poll (island, shutdown_poll, &shutdown, NULL);
      while (!isle_join_handle_is_finished (second))
        g_main_context_iteration (isle_local_set_get_context (island), TRUE);
      g_assert_error (shutdown.error, ISLE_ERROR, ISLE_ERROR_BUSY);
      g_clear_error (&shutdown.error);
      /* It aborted the set's tasks first, as the fiber form does: the
       * collector gets the aborted one and finishes. */
      isle_test_run_all (island);
      g_assert_true (isle_join_handle_is_finished (first));
      g_print ("survived\n");
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stdout ("*survived*");
  g_test_trap_assert_stderr ("*CRITICAL*isle_join_set_poll_shutdown() called by task * while "
                             "task * already waits on the same join set*");
}

static gpointer
join_next_from_other_thread (gpointer data)
{
  isle_join_set_get_n_tasks (data);
  return NULL;
}

static void
test_join_set_wrong_thread (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(IsleJoinSet) set = isle_join_set_new ();

      g_thread_join (g_thread_new ("intruder", join_next_from_other_thread, set));
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  g_test_trap_assert_stderr ("*isle_join_set_get_n_tasks*thread*intruder*IsleJoinSet * belongs to thread*");
}

static void
test_join_set_join_next_outside_fiber (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(IsleJoinSet) set = isle_join_set_new ();
      g_autoptr(GError) error = NULL;

      isle_test_make_criticals_non_fatal ();
      g_assert_null (isle_join_set_join_next (set, &error));
      g_assert_nonnull (error);
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stderr ("*CRITICAL*isle_join_set_join_next*outside a fiber task*");
}

/* A spawn's precondition names the function that was called, not the
 * form that it shares its work with. */
static void
test_join_set_spawn_checks_its_arguments (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(IsleJoinSet) set = isle_join_set_new ();

      isle_test_make_criticals_non_fatal ();
      g_assert_cmpuint (isle_join_set_spawn (set, NULL, NULL, NULL), ==, 0);
      g_assert_cmpuint (isle_join_set_get_n_tasks (set), ==, 0);
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stderr ("*CRITICAL*isle_join_set_spawn: assertion 'func != NULL' failed*");
  g_test_trap_assert_stderr_unmatched ("*isle_join_set_spawn_full*");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Isle/JoinSet/completion-order", test_join_set_completion_order);
  g_test_add_func ("/Isle/JoinSet/empty", test_join_set_empty);
  g_test_add_func ("/Isle/JoinSet/abort-all", test_join_set_abort_all);
  g_test_add_func ("/Isle/JoinSet/abort-one", test_join_set_abort_one);
  g_test_add_func ("/Isle/JoinSet/shutdown", test_join_set_shutdown);
  g_test_add_func ("/Isle/JoinSet/free-aborts", test_join_set_free_aborts);
  g_test_add_func ("/Isle/JoinSet/free-from-poll", test_join_set_free_from_poll);
  g_test_add_func ("/Isle/JoinSet/poll", test_join_set_poll);
  g_test_add_func ("/Isle/JoinSet/poll-shutdown", test_join_set_poll_shutdown);
  g_test_add_func ("/Isle/JoinSet/poll-shutdown-aborted", test_join_set_poll_shutdown_aborted);
  g_test_add_func ("/Isle/JoinSet/poll-shutdown-second-waiter", test_join_set_poll_shutdown_second_waiter);
  g_test_add_func ("/Isle/JoinSet/wrong-thread", test_join_set_wrong_thread);
  g_test_add_func ("/Isle/JoinSet/join-next-outside-fiber", test_join_set_join_next_outside_fiber);
  g_test_add_func ("/Isle/JoinSet/spawn-checks-its-arguments", test_join_set_spawn_checks_its_arguments);

  return g_test_run ();
}
