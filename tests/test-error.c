/* test-error.c: each ISLE_ERROR code comes from the situation it names
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * One test per IsleError code, named after it: it brings about the
 * situation the code's documentation names and checks the domain and the
 * code of the error the calling code gets. Most of them are misuses, which
 * also print a critical; those run in a subprocess (as in test-misuse.c),
 * which checks the critical too and that the program went on. The
 * messages themselves are the business of the concepts' tests and of
 * docs/misuse.md.
 */

#include "config.h"

#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <isle.h>

#include "isle-stack-private.h"
#include "isle-test-util.h"

/* Runs the calling test in a subprocess whose criticals do not abort, and
 * checks that it went on to print "survived" after printing @stderr_glob. */
static void
assert_subprocess_survived (const char *stderr_glob)
{
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stdout ("*survived*");
  g_test_trap_assert_stderr (stderr_glob);
}

static gpointer
return_string (gpointer   user_data,
               GError   **error)
{
  return g_strdup ("the result");
}

static gpointer
park_until_aborted (gpointer   user_data,
                    GError   **error)
{
  while (isle_park (error))
    ;
  return NULL;
}

/* ISLE_ERROR_NOT_IN_FIBER ------------------------------------------------- */

static IslePoll
yield_in_poll_function (gpointer    state,
                        IsleWaker  *waker,
                        gpointer   *result,
                        GError    **error)
{
  GError *local_error = NULL;

  g_assert_false (isle_yield_now (&local_error));
  g_assert_error (local_error, ISLE_ERROR, ISLE_ERROR_NOT_IN_FIBER);
  g_error_free (local_error);
  return ISLE_POLL_READY;
}

static void
test_error_not_in_fiber (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(IsleLocalSet) island = isle_local_set_new ();
      g_autoptr(IsleJoinHandle) poll_task = NULL;
      GError *error = NULL;

      isle_test_make_criticals_non_fatal ();

      /* Plain code, */
      g_assert_false (isle_yield_now (&error));
      g_assert_error (error, ISLE_ERROR, ISLE_ERROR_NOT_IN_FIBER);
      g_clear_error (&error);

      /* and a poll task's poll function. */
      poll_task = isle_local_set_spawn_local_poll (island, yield_in_poll_function, NULL, NULL);
      isle_test_run_all (island);
      g_print ("survived\n");
      return;
    }

  assert_subprocess_survived ("*CRITICAL*isle_yield_now() called outside a fiber task;"
                              "*CRITICAL*isle_yield_now() called outside a fiber task "
                              "(the running task is a poll task)*");
}

/* ISLE_ERROR_FIBER_REFUSED ------------------------------------------------ */

G_STATIC_ASSERT (sizeof (IsleTaskFunc) == sizeof (gpointer));

/* A binding's task function is a trampoline that libffi made at run time,
 * in memory that belongs to no loaded object. An address in an anonymous
 * mapping is one too; Isle refuses it before calling it, so it is never
 * run (the page is not even executable). */
static void
test_error_fiber_refused (void)
{
  g_autoptr(IsleLocalSet) island = isle_local_set_new ();
  g_autoptr(GError) error = NULL;
  gsize page_size = (gsize) sysconf (_SC_PAGESIZE);
  gpointer page;
  IsleTaskFunc outside_every_object;

  page = mmap (NULL, page_size, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  g_assert_true (page != MAP_FAILED);
  memcpy (&outside_every_object, &page, sizeof page);

  g_assert_null (isle_local_set_run_until_deadline (island, isle_test_deadline (),
                                                    outside_every_object, NULL, NULL,
                                                    NULL, &error));
  g_assert_error (error, ISLE_ERROR, ISLE_ERROR_FIBER_REFUSED);

  munmap (page, page_size);
}

/* ISLE_ERROR_NO_FIBER_STACK ----------------------------------------------- */

static gpointer
join_task_without_stack (gpointer   user_data,
                         GError   **error)
{
  g_autoptr(IsleJoinHandle) handle = NULL;
  g_autoptr(GError) local_error = NULL;

  _isle_stack_fail_next_allocations (1);
  handle = isle_spawn_local (return_string, NULL, NULL);
  g_assert_null (isle_join_handle_join (handle, &local_error));
  g_assert_error (local_error, ISLE_ERROR, ISLE_ERROR_NO_FIBER_STACK);
  return GINT_TO_POINTER (1);
}

static void
test_error_no_fiber_stack (void)
{
  g_autoptr(IsleLocalSet) island = isle_local_set_new ();

  g_assert_cmpint (GPOINTER_TO_INT (isle_test_run_root (island, join_task_without_stack, NULL)), ==, 1);
}

/* ISLE_ERROR_NESTED_LOOP -------------------------------------------------- */

static gboolean
yield_from_nested_loop (gpointer user_data)
{
  GMainLoop *loop = user_data;
  GError *error = NULL;

  /* A plain callback of the loop, which sees the looping task as the
   * current one. */
  g_assert_false (isle_yield_now (&error));
  g_assert_error (error, ISLE_ERROR, ISLE_ERROR_NESTED_LOOP);
  g_error_free (error);
  g_main_loop_quit (loop);
  return G_SOURCE_REMOVE;
}

static gpointer
run_nested_loop (gpointer   user_data,
                 GError   **error)
{
  GMainContext *context = isle_local_set_get_context (isle_local_set_get_current ());
  g_autoptr(GMainLoop) loop = g_main_loop_new (context, FALSE);
  GSource *idle = g_idle_source_new ();

  g_source_set_callback (idle, yield_from_nested_loop, loop, NULL);
  g_source_attach (idle, context);
  g_source_unref (idle);
  g_main_loop_run (loop);
  return g_strdup ("survived");
}

static void
test_error_nested_loop (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(IsleLocalSet) island = isle_local_set_new ();
      g_autofree char *result = NULL;

      isle_test_make_criticals_non_fatal ();
      result = isle_test_run_root (island, run_nested_loop, NULL);
      g_print ("%s\n", result);
      return;
    }

  assert_subprocess_survived ("*CRITICAL*tried to suspend (in isle_yield_now()) while it "
                              "runs a main loop nested inside itself*");
}

/* ISLE_ERROR_WOULD_DEADLOCK ----------------------------------------------- */

static gpointer
join_own_handle (gpointer   user_data,
                 GError   **error)
{
  IsleJoinHandle **own_handle = user_data;
  GError *local_error = NULL;

  while (*own_handle == NULL)
    if (!isle_yield_now (error))
      return NULL;
  g_assert_null (isle_join_handle_join (*own_handle, &local_error));
  g_assert_error (local_error, ISLE_ERROR, ISLE_ERROR_WOULD_DEADLOCK);
  g_error_free (local_error);
  return g_strdup ("survived");
}

static gpointer
join_itself_and_wait_in_task (gpointer   user_data,
                              GError   **error)
{
  IsleJoinHandle *handle = NULL;
  g_autoptr(IslePromise) promise = isle_promise_new ();
  GError *local_error = NULL;
  char *result;

  /* A task joining itself, */
  handle = isle_spawn_local (join_own_handle, &handle, NULL);
  result = isle_join_handle_join (handle, error);
  isle_join_handle_unref (handle);

  /* and a blocking wait on the island's thread. */
  g_assert_null (isle_future_wait (isle_promise_get_future (promise), NULL, &local_error));
  g_assert_error (local_error, ISLE_ERROR, ISLE_ERROR_WOULD_DEADLOCK);
  g_error_free (local_error);
  return result;
}

static void
test_error_would_deadlock (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(IsleLocalSet) island = isle_local_set_new ();
      g_autofree char *result = NULL;

      isle_test_make_criticals_non_fatal ();
      result = isle_test_run_root (island, join_itself_and_wait_in_task, NULL);
      g_print ("%s\n", result);
      return;
    }

  assert_subprocess_survived ("*CRITICAL*isle_join_handle_join() called by task * on its own "
                              "handle: it would wait for itself forever*"
                              "*CRITICAL*isle_future_wait() called on an island's thread*");
}

/* ISLE_ERROR_BUSY --------------------------------------------------------- */

static gpointer
join_it (gpointer   user_data,
         GError   **error)
{
  return isle_join_handle_join (user_data, error);
}

static gpointer
second_joiner_and_nested_run (gpointer   user_data,
                              GError   **error)
{
  IsleLocalSet *island = user_data;
  g_autoptr(IsleJoinHandle) target = isle_spawn_local (park_until_aborted, NULL, NULL);
  g_autoptr(IsleJoinHandle) joiner = isle_spawn_local (join_it, isle_join_handle_ref (target),
                                                       (GDestroyNotify) isle_join_handle_unref);
  GError *local_error = NULL;

  /* A second joiner while the first waits, */
  g_assert_true (isle_yield_now (NULL));
  g_assert_null (isle_join_handle_join (target, &local_error));
  g_assert_error (local_error, ISLE_ERROR, ISLE_ERROR_BUSY);
  g_clear_error (&local_error);
  isle_join_handle_abort (target);

  /* and the island run from inside one of its own tasks. */
  g_assert_null (isle_local_set_run_until (island, return_string, NULL, &local_error));
  g_assert_error (local_error, ISLE_ERROR, ISLE_ERROR_BUSY);
  g_clear_error (&local_error);
  return g_strdup ("survived");
}

static void
test_error_busy (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(IsleLocalSet) island = isle_local_set_new ();
      g_autofree char *result = NULL;

      isle_test_make_criticals_non_fatal ();
      result = isle_test_run_root (island, second_joiner_and_nested_run, island);
      g_print ("%s\n", result);
      return;
    }

  assert_subprocess_survived ("*CRITICAL*isle_join_handle_join() called on the handle of "
                              "task *, which task * is already joining*"
                              "*CRITICAL*isle_local_set_run_until() called from inside task "
                              "* of the same island*");
}

/* ISLE_ERROR_ALREADY_JOINED ----------------------------------------------- */

static gpointer
join_twice (gpointer   user_data,
            GError   **error)
{
  g_autoptr(IsleJoinHandle) handle = isle_spawn_local (return_string, NULL, g_free);
  g_autofree char *first = NULL;
  GError *local_error = NULL;

  first = isle_join_handle_join (handle, error);
  g_assert_cmpstr (first, ==, "the result");
  g_assert_null (isle_join_handle_join (handle, &local_error));
  g_assert_error (local_error, ISLE_ERROR, ISLE_ERROR_ALREADY_JOINED);
  g_error_free (local_error);
  return g_strdup ("survived");
}

static void
test_error_already_joined (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(IsleLocalSet) island = isle_local_set_new ();
      g_autofree char *result = NULL;

      isle_test_make_criticals_non_fatal ();
      result = isle_test_run_root (island, join_twice, NULL);
      g_print ("%s\n", result);
      return;
    }

  assert_subprocess_survived ("*CRITICAL*isle_join_handle_join() called on the handle of "
                              "task *, which was already joined*");
}

/* ISLE_ERROR_ALREADY_SENT ------------------------------------------------- */

static int n_values_destroyed;

static void
count_value_destroy (gpointer value)
{
  n_values_destroyed++;
  g_free (value);
}

static void
test_error_already_sent (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(IsleOneshot) oneshot = isle_oneshot_new ();
      g_autoptr(IsleOneshotSender) sender = isle_oneshot_ref_sender (oneshot);
      GError *error = NULL;

      isle_test_make_criticals_non_fatal ();
      g_assert_true (isle_oneshot_sender_send (sender, g_strdup ("one"), count_value_destroy,
                                               &error));
      g_assert_no_error (error);
      g_assert_false (isle_oneshot_sender_send (sender, g_strdup ("two"), count_value_destroy,
                                                &error));
      g_assert_error (error, ISLE_ERROR, ISLE_ERROR_ALREADY_SENT);
      g_error_free (error);
      /* The second value was released at once; the first waits for its
       * receiver. */
      g_assert_cmpint (n_values_destroyed, ==, 1);
      g_print ("survived\n");
      return;
    }

  assert_subprocess_survived ("*CRITICAL*isle_oneshot_sender_send() called a second time on "
                              "IsleOneshot *: a oneshot carries one value*");
}

/* ISLE_ERROR_PENDING ------------------------------------------------------ */

static void
test_error_pending (void)
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

  assert_subprocess_survived ("*CRITICAL*isle_future_get_value() called on a future that "
                              "is not ready*");
}

/* ISLE_ERROR_NO_ISLAND ---------------------------------------------------- */

static gpointer
never_run (gpointer   user_data,
           GError   **error)
{
  g_assert_not_reached ();
}

static void
gtask_done (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  GError **error = user_data;

  g_assert_null (g_task_propagate_pointer (G_TASK (result), error));
}

/* On a thread of its own, with a GTask on a context that no island serves
 * and that is not the thread's thread-default context. */
static gpointer
bridge_gtask_nobody_serves (gpointer data)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GTask) task = NULL;

  g_main_context_push_thread_default (context);
  task = g_task_new (NULL, NULL, gtask_done, &error);
  g_main_context_pop_thread_default (context);

  isle_task_run_for_gtask (task, never_run, NULL, NULL, NULL);
  while (error == NULL)
    g_main_context_iteration (context, TRUE);
  g_assert_error (error, ISLE_ERROR, ISLE_ERROR_NO_ISLAND);
  return NULL;
}

static void
test_error_no_island (void)
{
  if (g_test_subprocess ())
    {
      isle_test_make_criticals_non_fatal ();
      g_thread_join (g_thread_new ("library", bridge_gtask_nobody_serves, NULL));
      g_print ("survived\n");
      return;
    }

  assert_subprocess_survived ("*CRITICAL*isle_task_run_for_gtask() called on thread "
                              "'library'* for GTask *, whose context * has no island*");
}

/* ISLE_ERROR_UNHANDLED_FAILURE -------------------------------------------- */

static gpointer
fail (gpointer   user_data,
      GError   **error)
{
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "the file is gone");
  return NULL;
}

static gpointer
fail_detached_then_park (gpointer   user_data,
                         GError   **error)
{
  isle_join_handle_unref (isle_spawn_local (fail, NULL, NULL));
  return park_until_aborted (NULL, error);
}

static void
test_error_unhandled_failure (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(IsleLocalSet) island = isle_local_set_new ();
      g_autoptr(GError) error = NULL;

      isle_test_make_criticals_non_fatal ();
      isle_local_set_set_unhandled_failure (island, ISLE_UNHANDLED_FAILURE_SHUTDOWN);
      g_assert_null (isle_local_set_run_until_deadline (island, isle_test_deadline (),
                                                        fail_detached_then_park,
                                                        NULL, NULL, NULL, &error));
      /* Isle's own error, quoting the task's. */
      g_assert_error (error, ISLE_ERROR, ISLE_ERROR_UNHANDLED_FAILURE);
      g_assert_nonnull (strstr (error->message, "the file is gone"));
      g_print ("survived\n");
      return;
    }

  assert_subprocess_survived ("*Unobserved failure: *failed and nobody will see its error*");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Isle/Error/not-in-fiber", test_error_not_in_fiber);
  g_test_add_func ("/Isle/Error/fiber-refused", test_error_fiber_refused);
  g_test_add_func ("/Isle/Error/no-fiber-stack", test_error_no_fiber_stack);
  g_test_add_func ("/Isle/Error/nested-loop", test_error_nested_loop);
  g_test_add_func ("/Isle/Error/would-deadlock", test_error_would_deadlock);
  g_test_add_func ("/Isle/Error/busy", test_error_busy);
  g_test_add_func ("/Isle/Error/already-joined", test_error_already_joined);
  g_test_add_func ("/Isle/Error/already-sent", test_error_already_sent);
  g_test_add_func ("/Isle/Error/pending", test_error_pending);
  g_test_add_func ("/Isle/Error/no-island", test_error_no_island);
  g_test_add_func ("/Isle/Error/unhandled-failure", test_error_unhandled_failure);

  return g_test_run ();
}
