/* test-misuse.c: the misuses of docs/misuse.md that no concept's test covers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Each test commits one misuse in a subprocess and checks the message Isle
 * prints: a critical (the call then fails or does nothing, and the
 * subprocess goes on) or a fatal error (the subprocess dies). The other
 * entries of docs/misuse.md are tested next to the concept they concern;
 * the catalogue names each test.
 */

#include "config.h"

#include <unistd.h>

#include <isle.h>

#include "isle-test-util.h"

/* Blocking jobs ------------------------------------------------------------ */

static gpointer
result_and_error_job (gpointer       user_data,
                      GCancellable  *cancellable,
                      GError       **error)
{
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, "both");
  return g_strdup ("and a result");
}

static gpointer
await_result_and_error (gpointer   user_data,
                        GError   **error)
{
  g_autoptr(IsleFuture) job = isle_spawn_blocking (result_and_error_job, NULL, NULL, g_free);
  GError *local_error = NULL;

  g_assert_null (isle_await (job, &local_error));
  g_assert_error (local_error, G_IO_ERROR, G_IO_ERROR_FAILED);
  g_error_free (local_error);
  return g_strdup ("survived");
}

static void
test_misuse_blocking_result_and_error (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(IsleLocalSet) island = isle_local_set_new ();
      g_autofree char *result = NULL;

      isle_test_make_criticals_non_fatal ();
      result = isle_test_run_root (island, await_result_and_error, NULL);
      g_print ("%s\n", result);
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stdout ("*survived*");
  g_test_trap_assert_stderr ("*CRITICAL*A blocking function returned a result and set "
                             "an error (both); it must do one or the other*");
}

/* Channels ----------------------------------------------------------------- */

static IslePoll
send_in_poll (gpointer    state,
              IsleWaker  *waker,
              gpointer   *result,
              GError    **error)
{
  IsleChannelSender *sender = state;
  char *item = g_strdup ("one too many");
  GError *local_error = NULL;

  g_assert_false (isle_channel_sender_send (sender, item, &local_error));
  g_assert_error (local_error, ISLE_ERROR, ISLE_ERROR_WOULD_DEADLOCK);
  g_error_free (local_error);
  g_free (item);
  *result = g_strdup ("survived");
  return ISLE_POLL_READY;
}

static void
test_misuse_channel_send_in_poll (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(IsleLocalSet) island = isle_local_set_new ();
      g_autoptr(IsleChannelSender) sender = NULL;
      g_autoptr(IsleChannel) channel = isle_channel_new (1, g_free, &sender);
      g_autoptr(IsleJoinHandle) handle = NULL;

      isle_test_make_criticals_non_fatal ();
      g_assert_true (isle_channel_sender_try_send (sender, g_strdup ("fills it"), NULL));
      handle = isle_local_set_spawn_local_poll_full (island, NULL, G_PRIORITY_DEFAULT,
                                                     send_in_poll, sender, NULL, g_free);
      isle_test_run_all (island);
      g_print ("ran\n");
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stdout ("*ran*");
  g_test_trap_assert_stderr ("*CRITICAL*isle_channel_sender_send() on a full IsleChannel * in a "
                             "poll function (task *), which must not block*");
}

static gpointer
try_recv_thread (gpointer data)
{
  return isle_oneshot_try_recv (data, NULL);
}

static void
test_misuse_oneshot_wrong_thread (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(IsleOneshot) oneshot = isle_oneshot_new ();

      g_thread_join (g_thread_new ("intruder", try_recv_thread, oneshot));
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  g_test_trap_assert_stderr ("*isle_oneshot_try_recv() called on thread 'intruder'*but "
                             "IsleOneshot * belongs to thread*isle_oneshot_ref_sender()*");
}

/* Poll forms ---------------------------------------------------------------- */

static IsleWaker *kept_waker;

static IslePoll
keep_waker_and_finish (gpointer    state,
                       IsleWaker  *waker,
                       gpointer   *result,
                       GError    **error)
{
  kept_waker = isle_waker_ref (waker);
  return ISLE_POLL_READY;
}

static IslePoll
keep_waker_and_wait (gpointer    state,
                     IsleWaker  *waker,
                     gpointer   *result,
                     GError    **error)
{
  if (kept_waker == NULL)
    kept_waker = isle_waker_ref (waker);
  return ISLE_POLL_PENDING;
}

static void
test_misuse_poll_form_finished_waker (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(IsleLocalSet) island = isle_local_set_new ();
      g_autoptr(IsleNotify) notify = isle_notify_new ();
      g_autoptr(IsleJoinHandle) handle = NULL;

      isle_test_make_criticals_non_fatal ();
      handle = isle_local_set_spawn_local_poll (island, keep_waker_and_finish, NULL, NULL);
      isle_test_run_all (island);
      /* Nothing would take a registration of a finished task back: the
       * call is refused and registers nothing. */
      g_assert_cmpint (isle_notify_poll_wait (notify, kept_waker), ==, ISLE_POLL_READY);
      g_clear_pointer (&kept_waker, isle_waker_unref);
      g_print ("survived\n");
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stdout ("*survived*");
  g_test_trap_assert_stderr ("*CRITICAL*isle_notify_poll_wait() was given the waker of "
                             "task *, which has finished*with the waker it was given*");
}

static gpointer
poll_wait_in_thread (gpointer data)
{
  return GINT_TO_POINTER (isle_notify_poll_wait (data, kept_waker));
}

static void
test_misuse_poll_form_foreign_waker (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(IsleLocalSet) island = isle_local_set_new ();
      g_autoptr(IsleNotify) notify = isle_notify_new ();
      g_autoptr(IsleJoinHandle) handle = NULL;
      GThread *thread;

      isle_test_make_criticals_non_fatal ();
      handle = isle_local_set_spawn_local_poll (island, keep_waker_and_wait, NULL, NULL);
      while (kept_waker == NULL)
        g_main_context_iteration (isle_local_set_get_context (island), TRUE);
      thread = g_thread_new ("intruder", poll_wait_in_thread, notify);
      g_assert_cmpint (GPOINTER_TO_INT (g_thread_join (thread)), ==, ISLE_POLL_READY);
      g_clear_pointer (&kept_waker, isle_waker_unref);
      isle_join_handle_abort (handle);
      isle_test_run_all (island);
      g_print ("survived\n");
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stdout ("*survived*");
  g_test_trap_assert_stderr ("*CRITICAL*isle_notify_poll_wait() was given the waker of "
                             "task *, which belongs to an island of another thread*");
}

/* Futures ------------------------------------------------------------------ */

static void
test_misuse_future_value_not_ready (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(IslePromise) promise = isle_promise_new ();
      GError *error = NULL;

      isle_test_make_criticals_non_fatal ();
      g_assert_null (isle_future_get_value (isle_promise_get_future (promise), &error));
      g_assert_error (error, ISLE_ERROR, ISLE_ERROR_PENDING);
      g_error_free (error);
      g_print ("survived\n");
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stdout ("*survived*");
  g_test_trap_assert_stderr ("*CRITICAL*isle_future_get_value() called on a future that is "
                             "not ready; wait for it with isle_await()*");
}

static gpointer
return_string (gpointer   user_data,
               GError   **error)
{
  return g_strdup ("the result");
}

/* Joins -------------------------------------------------------------------- */

static gpointer
park_until_aborted (gpointer   user_data,
                    GError   **error)
{
  while (isle_park (error))
    ;
  return NULL;
}

static gpointer
join_it (gpointer   user_data,
         GError   **error)
{
  return isle_join_handle_join (user_data, error);
}

static gpointer
second_joiner_root (gpointer   user_data,
                    GError   **error)
{
  g_autoptr(IsleJoinHandle) target = isle_spawn_local (park_until_aborted, NULL, NULL);
  g_autoptr(IsleJoinHandle) joiner = isle_spawn_local (join_it, isle_join_handle_ref (target),
                                                       (GDestroyNotify) isle_join_handle_unref);
  GError *local_error = NULL;

  /* Let the first joiner start waiting. */
  g_assert_true (isle_yield_now (NULL));
  g_assert_null (isle_join_handle_join (target, &local_error));
  g_assert_error (local_error, ISLE_ERROR, ISLE_ERROR_BUSY);
  g_error_free (local_error);

  isle_join_handle_abort (target);
  return g_strdup ("survived");
}

static void
test_misuse_second_joiner (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(IsleLocalSet) island = isle_local_set_new ();
      g_autofree char *result = NULL;

      isle_test_make_criticals_non_fatal ();
      result = isle_test_run_root (island, second_joiner_root, NULL);
      g_print ("%s\n", result);
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stdout ("*survived*");
  g_test_trap_assert_stderr ("*CRITICAL*isle_join_handle_join() called on the handle of "
                             "task *, which task * is already joining; a task has one "
                             "joiner*");
}

static gpointer
join_next_of (gpointer   user_data,
              GError   **error)
{
  IsleJoinHandle *done = isle_join_set_join_next (user_data, error);

  g_clear_pointer (&done, isle_join_handle_unref);
  return NULL;
}

/* The same, handing the finished task's handle over as the result. */
static gpointer
join_next_of_kept (gpointer   user_data,
                   GError   **error)
{
  return isle_join_set_join_next (user_data, error);
}

static gpointer
second_join_next_root (gpointer   user_data,
                       GError   **error)
{
  g_autoptr(IsleJoinSet) set = isle_join_set_new ();
  g_autoptr(IsleJoinHandle) collector = NULL;
  GError *local_error = NULL;

  isle_join_set_spawn (set, park_until_aborted, NULL, NULL);
  collector = isle_spawn_local (join_next_of, set, NULL);
  g_assert_true (isle_yield_now (NULL));

  g_assert_null (isle_join_set_join_next (set, &local_error));
  g_assert_error (local_error, ISLE_ERROR, ISLE_ERROR_BUSY);
  g_error_free (local_error);

  isle_join_handle_abort (collector);
  isle_join_handle_join (collector, NULL);
  return g_strdup ("survived");
}

static void
test_misuse_second_join_next (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(IsleLocalSet) island = isle_local_set_new ();
      g_autofree char *result = NULL;

      isle_test_make_criticals_non_fatal ();
      result = isle_test_run_root (island, second_join_next_root, NULL);
      g_print ("%s\n", result);
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stdout ("*survived*");
  g_test_trap_assert_stderr ("*CRITICAL*isle_join_set_join_next() called by task * while "
                             "task * already waits on the same join set*");
}

/* A join set has one owner and no references, so a wait on it cannot
 * hold it: freeing it while another task waits on it is refused with a
 * critical before anything is aborted or freed, and the waiting task goes
 * on with the set as it was. The collector is checked parked, and woken
 * by a finished task but not yet run again, when it has left the set's
 * waiter slot but will still read the set. */
static gpointer
free_set_under_collector (gpointer   user_data,
                          GError   **error)
{
  gboolean collector_woken = GPOINTER_TO_INT (user_data);
  IsleJoinSet *set = isle_join_set_new ();
  g_autoptr(IsleJoinHandle) collector = NULL;
  g_autoptr(IsleJoinHandle) done = NULL;
  g_autoptr(GError) local_error = NULL;

  isle_join_set_spawn (set, park_until_aborted, NULL, NULL);
  collector = isle_spawn_local (join_next_of_kept, set, NULL);
  g_assert_true (isle_yield_now (NULL));

  if (collector_woken)
    {
      /* The set's task finishes in this turn and wakes the collector,
       * which runs only after this task's next turn. */
      isle_join_set_abort_all (set);
      g_assert_true (isle_yield_now (NULL));
      g_assert_false (isle_join_handle_is_finished (collector));
    }

  isle_join_set_free (set);

  /* Left as it was: the collector gets the set's task. */
  isle_join_set_abort_all (set);
  done = isle_join_handle_join (collector, &local_error);
  g_assert_no_error (local_error);
  g_assert_nonnull (done);
  g_assert_null (isle_join_handle_join (done, &local_error));
  g_assert_error (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_true (isle_join_set_is_empty (set));
  isle_join_set_free (set);
  return g_strdup ("survived");
}

static void
join_set_free_while_collecting (gboolean collector_woken)
{
  if (g_test_subprocess ())
    {
      g_autoptr(IsleLocalSet) island = isle_local_set_new ();
      g_autofree char *result = NULL;

      isle_test_make_criticals_non_fatal ();
      result = isle_test_run_root (island, free_set_under_collector,
                                   GINT_TO_POINTER (collector_woken));
      g_print ("%s\n", result);
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stdout ("*survived*");
  g_test_trap_assert_stderr ("*CRITICAL*isle_join_set_free() called while task * waits "
                             "on the same set, which is left as it is. Free a join set "
                             "from the task that collects its results, or after it is "
                             "done*");
}

static void
test_misuse_join_set_free_while_collecting (void)
{
  join_set_free_while_collecting (FALSE);
}

static void
test_misuse_join_set_free_after_collector_woken (void)
{
  join_set_free_while_collecting (TRUE);
}

/* Tasks and islands -------------------------------------------------------- */

static IslePoll
pending_with_error (gpointer    state,
                    IsleWaker  *waker,
                    gpointer   *result,
                    GError    **error)
{
  int *polls = state;

  if ((*polls)++ > 0)
    {
      *result = g_strdup ("second poll");
      return ISLE_POLL_READY;
    }
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, "too early");
  isle_waker_wake (waker);
  return ISLE_POLL_PENDING;
}

static void
test_misuse_poll_pending_with_error (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(IsleLocalSet) island = isle_local_set_new ();
      g_autoptr(IsleJoinHandle) handle = NULL;
      int polls = 0;

      isle_test_make_criticals_non_fatal ();
      handle = isle_local_set_spawn_local_poll_full (island, NULL, G_PRIORITY_DEFAULT,
                                                     pending_with_error, &polls, NULL, g_free);
      isle_test_run_all (island);
      g_print ("polled %d times\n", polls);
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stdout ("*polled 2 times*");
  g_test_trap_assert_stderr ("*CRITICAL*A poll function of task * returned ISLE_POLL_PENDING "
                             "with an error set (too early); set an error only with "
                             "ISLE_POLL_READY*");
}

static gpointer
iterate_thread (gpointer data)
{
  g_main_context_iteration (data, FALSE);
  return NULL;
}

static void
test_misuse_context_iterated_elsewhere (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(GMainContext) context = g_main_context_new ();
      g_autoptr(IsleLocalSet) island = isle_local_set_new_for_context (context);
      g_autoptr(IsleJoinHandle) handle = NULL;

      handle = isle_local_set_spawn_local (island, return_string, NULL, NULL);
      g_thread_join (g_thread_new ("intruder", iterate_thread,
                                   isle_local_set_get_context (island)));
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  g_test_trap_assert_stderr ("*The GMainContext * of island * is being iterated on thread "
                             "'intruder'*but the island belongs to thread*");
}

static gpointer
park_for_object (gpointer   user_data,
                 GError   **error)
{
  while (isle_park (error))
    ;
  return NULL;
}

static gpointer
unref_thread (gpointer data)
{
  g_object_unref (data);
  return NULL;
}

static void
test_misuse_bound_object_disposed_elsewhere (void)
{
  if (g_test_subprocess ())
    {
      IsleLocalSet *island = isle_local_set_new ();
      GObject *object = g_object_new (G_TYPE_OBJECT, NULL);
      IsleJoinHandle *handle;

      isle_test_make_criticals_non_fatal ();
      isle_local_set_enter (island);
      handle = isle_spawn_local_for_object (object, park_for_object, NULL, NULL);
      isle_local_set_leave (island);
      g_main_context_iteration (isle_local_set_get_context (island), FALSE);

      g_thread_join (g_thread_new ("disposer", unref_thread, object));
      g_assert_false (isle_join_handle_is_finished (handle));
      isle_join_handle_unref (handle);
      /* The island's teardown aborts the task instead. */
      isle_local_set_unref (island);
      g_print ("torn down\n");
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stdout ("*torn down*");
  g_test_trap_assert_stderr ("*CRITICAL*An object bound to task * with "
                             "isle_spawn_local_for_object() was disposed on another thread "
                             "than the task's island*");
}

static gpointer
recv_oneshot (gpointer   user_data,
              GError   **error)
{
  return isle_oneshot_recv (user_data, error);
}

static gpointer
second_oneshot_receiver_root (gpointer   user_data,
                              GError   **error)
{
  g_autoptr(IsleOneshot) oneshot = isle_oneshot_new ();
  g_autoptr(IsleOneshotSender) sender = isle_oneshot_ref_sender (oneshot);
  g_autoptr(IsleJoinHandle) first = isle_spawn_local_full (NULL, G_PRIORITY_DEFAULT, 0, recv_oneshot,
                                                           oneshot, NULL, g_free);
  g_autofree char *value = NULL;
  GError *local_error = NULL;

  g_assert_true (isle_yield_now (NULL));
  g_assert_null (isle_oneshot_recv (oneshot, &local_error));
  g_assert_error (local_error, ISLE_ERROR, ISLE_ERROR_BUSY);
  g_error_free (local_error);

  g_assert_true (isle_oneshot_sender_send (sender, g_strdup ("for the first"), g_free, NULL));
  value = isle_join_handle_join (first, error);
  g_assert_cmpstr (value, ==, "for the first");
  return g_strdup ("survived");
}

static void
test_misuse_second_oneshot_receiver (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(IsleLocalSet) island = isle_local_set_new ();
      g_autofree char *result = NULL;

      isle_test_make_criticals_non_fatal ();
      result = isle_test_run_root (island, second_oneshot_receiver_root, NULL);
      g_print ("%s\n", result);
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stdout ("*survived*");
  g_test_trap_assert_stderr ("*CRITICAL*isle_oneshot_recv() on IsleOneshot * in task * while "
                             "task * is receiving from it: a oneshot has one receiver*");
}

/* Cells, environment, preconditions ---------------------------------------- */

static void
test_misuse_cell_release_mut_unborrowed (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(IsleCell) cell = isle_cell_new (g_strdup ("value"), g_free);

      isle_test_make_criticals_non_fatal ();
      isle_cell_release_mut (cell);
      g_print ("survived\n");
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stdout ("*survived*");
  g_test_trap_assert_stderr ("*CRITICAL*isle_cell_release_mut() on IsleCell *, which is not "
                             "borrowed exclusively*every release must match one "
                             "isle_cell_borrow_mut()*");
}

static void
test_misuse_slow_poll_env (void)
{
  if (g_test_subprocess ())
    {
      IsleLocalSet *island;

      /* Warnings stay logged but no longer abort. */
      g_log_set_always_fatal (G_LOG_FATAL_MASK);
      g_setenv ("ISLE_SLOW_POLL_MS", "soon", TRUE);
      island = isle_local_set_new ();
      isle_local_set_set_debug_flags (island, ISLE_DEBUG_SLOW_POLLS);
      g_print ("threshold %.0f ms\n", isle_local_set_get_slow_poll_threshold_msec (island) / 1000.0);
      isle_local_set_unref (island);
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stderr ("*WARNING*ISLE_SLOW_POLL_MS=soon is not a number of "
                             "milliseconds; using *");
}

static void
test_misuse_precondition (void)
{
  if (g_test_subprocess ())
    {
      isle_test_make_criticals_non_fatal ();
      g_assert_null (isle_local_set_ref (NULL));
      g_print ("survived\n");
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stdout ("*survived*");
  g_test_trap_assert_stderr ("*CRITICAL*isle_local_set_ref: assertion 'self != NULL' failed*");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Isle/Misuse/blocking-result-and-error", test_misuse_blocking_result_and_error);
  g_test_add_func ("/Isle/Misuse/channel-send-in-poll", test_misuse_channel_send_in_poll);
  g_test_add_func ("/Isle/Misuse/poll-form-finished-waker", test_misuse_poll_form_finished_waker);
  g_test_add_func ("/Isle/Misuse/poll-form-foreign-waker", test_misuse_poll_form_foreign_waker);
  g_test_add_func ("/Isle/Misuse/oneshot-wrong-thread", test_misuse_oneshot_wrong_thread);
  g_test_add_func ("/Isle/Misuse/future-value-not-ready", test_misuse_future_value_not_ready);
  g_test_add_func ("/Isle/Misuse/second-joiner", test_misuse_second_joiner);
  g_test_add_func ("/Isle/Misuse/second-join-next", test_misuse_second_join_next);
  g_test_add_func ("/Isle/Misuse/join-set-free-while-collecting", test_misuse_join_set_free_while_collecting);
  g_test_add_func ("/Isle/Misuse/join-set-free-after-collector-woken", test_misuse_join_set_free_after_collector_woken);
  g_test_add_func ("/Isle/Misuse/poll-pending-with-error", test_misuse_poll_pending_with_error);
  g_test_add_func ("/Isle/Misuse/context-iterated-elsewhere", test_misuse_context_iterated_elsewhere);
  g_test_add_func ("/Isle/Misuse/bound-object-disposed-elsewhere", test_misuse_bound_object_disposed_elsewhere);
  g_test_add_func ("/Isle/Misuse/second-oneshot-receiver", test_misuse_second_oneshot_receiver);
  g_test_add_func ("/Isle/Misuse/cell-release-mut-unborrowed", test_misuse_cell_release_mut_unborrowed);
  g_test_add_func ("/Isle/Misuse/slow-poll-env", test_misuse_slow_poll_env);
  g_test_add_func ("/Isle/Misuse/precondition", test_misuse_precondition);

  return g_test_run ();
}
