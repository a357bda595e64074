/* test-binding.c: the C entry points for language bindings
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The Python and GJS sides are tested by the "bindings" suite
 * (bindings/tests); these are the C functions they rely on.
 */

#include "config.h"

#include <isle.h>

#include "isle-test-util.h"

typedef struct
{
  guint polls;
  int   destroyed;
  char *seen_name;
  int   seen_priority;
} NamedState;

static void
named_state_destroy (gpointer data)
{
  ((NamedState *) data)->destroyed++;
}

/* Yields once, then fails through isle_task_set_poll_error(). */
static IslePoll
failing_poll (gpointer    data,
              IsleWaker  *waker,
              gpointer   *result,
              GError    **error)
{
  NamedState *state = data;
  IsleTask *task = isle_task_get_current ();

  state->polls++;
  g_free (state->seen_name);
  state->seen_name = g_strdup (isle_task_get_name (task));
  state->seen_priority = isle_task_get_priority (task);
  if (state->polls == 1)
    {
      /* Replaced by the second call, freed then: nothing leaks. */
      isle_task_set_poll_error (task, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_FAILED, "first"));
      isle_waker_wake (waker);
      return ISLE_POLL_PENDING;
    }
  isle_task_set_poll_error (task, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                                                       "set by a binding"));
  return ISLE_POLL_READY;
}

typedef struct
{
  IsleJoinHandle *handle;
  GError         *error;
} Joiner;

static gpointer
join_root (gpointer   user_data,
           GError   **error)
{
  Joiner *joiner = user_data;

  g_assert_null (isle_join_handle_join (joiner->handle, &joiner->error));
  return NULL;
}

static void
test_poll_named_fails (void)
{
  g_autoptr(IsleLocalSet) island = isle_local_set_new ();
  NamedState state = { 0 };
  Joiner joiner = { 0 };

  joiner.handle = isle_local_set_spawn_local_poll_named (island, "py:coro.qualname",
                                                         G_PRIORITY_HIGH, failing_poll,
                                                         &state, named_state_destroy);
  isle_test_run_root (island, join_root, &joiner);

  g_assert_cmpuint (state.polls, ==, 2);
  g_assert_cmpstr (state.seen_name, ==, "py:coro.qualname");
  g_assert_cmpint (state.seen_priority, ==, G_PRIORITY_HIGH);
  g_assert_cmpint (state.destroyed, ==, 1);
  g_assert_error (joiner.error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
  g_assert_cmpstr (joiner.error->message, ==, "set by a binding");

  g_clear_error (&joiner.error);
  isle_join_handle_unref (joiner.handle);
  g_free (state.seen_name);
}

/* An error the poll function sets itself wins over the stored one. */
static IslePoll
both_errors_poll (gpointer    data,
                  IsleWaker  *waker,
                  gpointer   *result,
                  GError    **error)
{
  isle_task_set_poll_error (isle_task_get_current (),
                            g_error_new_literal (G_IO_ERROR, G_IO_ERROR_FAILED, "stored"));
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_EXISTS, "own");
  return ISLE_POLL_READY;
}

static void
test_own_error_wins (void)
{
  g_autoptr(IsleLocalSet) island = isle_local_set_new ();
  Joiner joiner = { 0 };

  joiner.handle = isle_local_set_spawn_local_poll_named (island, NULL, G_PRIORITY_DEFAULT,
                                                         both_errors_poll, NULL, NULL);
  isle_test_run_root (island, join_root, &joiner);
  g_assert_error (joiner.error, G_IO_ERROR, G_IO_ERROR_EXISTS);
  g_clear_error (&joiner.error);
  isle_join_handle_unref (joiner.handle);
}

static gpointer
set_error_in_fiber (gpointer   user_data,
                    GError   **error)
{
  isle_task_set_poll_error (isle_task_get_current (),
                            g_error_new_literal (G_IO_ERROR, G_IO_ERROR_FAILED, "x"));
  g_print ("survived\n");
  return NULL;
}

static void
test_poll_error_outside_poll (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(IsleLocalSet) island = isle_local_set_new ();

      isle_test_make_criticals_non_fatal ();
      isle_test_run_root (island, set_error_in_fiber, NULL);
      return;
    }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stdout ("*survived*");
  g_test_trap_assert_stderr ("*CRITICAL*isle_task_set_poll_error() called on task *, which "
                             "is not a poll task in its poll function*");
}

static gpointer
blocking_job (gpointer       user_data,
              GCancellable  *cancellable,
              GError       **error)
{
  g_atomic_int_inc ((int *) user_data);
  return NULL;
}

static void
count_destroy (gpointer data)
{
  g_atomic_int_add ((int *) data, 10);
}

static gpointer
blocking_root (gpointer   user_data,
               GError   **error)
{
  g_autoptr(IsleFuture) future = isle_binding_spawn_blocking (blocking_job, user_data,
                                                              count_destroy);
  GError *local_error = NULL;

  g_assert_null (isle_await (future, &local_error));
  g_assert_no_error (local_error);
  return NULL;
}

static void
test_spawn_blocking (void)
{
  g_autoptr(IsleLocalSet) island = isle_local_set_new ();
  int count = 0;

  isle_test_run_root (island, blocking_root, &count);
  /* Ran once; its user data released once. */
  g_assert_cmpint (g_atomic_int_get (&count), ==, 11);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Isle/Binding/poll-named-fails", test_poll_named_fails);
  g_test_add_func ("/Isle/Binding/own-error-wins", test_own_error_wins);
  g_test_add_func ("/Isle/Binding/poll-error-outside-poll", test_poll_error_outside_poll);
  g_test_add_func ("/Isle/Binding/spawn-blocking", test_spawn_blocking);

  return g_test_run ();
}
