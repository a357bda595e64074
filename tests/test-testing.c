/* test-testing.c: isle_test_run(), the helper applications test with
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <isle.h>

#include "isle-test-util.h"

static gpointer
add_one (gpointer   user_data,
         GError   **error)
{
  int *value = user_data;

  if (!isle_yield_now (error))
    return NULL;
  *value += 1;
  return NULL;
}

/* A body that suspends several ways and finds its island and context in
 * place. */
static void
test_passing_body (gconstpointer test_data)
{
  IsleLocalSet *island = isle_local_set_get_current ();
  g_autoptr(IsleJoinHandle) handle = NULL;
  g_autoptr(GError) error = NULL;
  int value = 0;

  g_assert_nonnull (island);
  g_assert_nonnull (isle_task_get_current ());
  g_assert_true (isle_task_get_local_set (isle_task_get_current ()) == island);
  g_assert_true (isle_local_set_get_context (island) == g_main_context_get_thread_default ());
  g_assert_false (isle_local_set_get_context (island) == g_main_context_default ());
  g_assert_cmpstr (isle_task_get_name (isle_task_get_current ()), ==, g_test_get_path ());
  g_assert_null (test_data);

  handle = isle_spawn_local (add_one, &value, NULL);
  isle_join_handle_join (handle, &error);
  g_assert_no_error (error);
  g_assert_cmpint (value, ==, 1);

  g_assert_true (isle_sleep_msec (1, &error));
  g_assert_no_error (error);
}

static void
test_data_body (gconstpointer test_data)
{
  g_assert_cmpstr (test_data, ==, "test data");
  g_assert_true (isle_yield_now (NULL));
}

/* Each test gets an island of its own: the one before is gone. */
static IsleLocalSet *previous_island;

static void
test_fresh_island_body (gconstpointer test_data)
{
  IsleLocalSet *island = isle_local_set_get_current ();

  g_assert_true (island != previous_island);
  previous_island = island;
}

static void
test_fresh_island (void)
{
  isle_test_run (test_fresh_island_body, NULL);
  isle_test_run (test_fresh_island_body, NULL);
  g_assert_null (isle_local_set_get_current ());
  g_assert_true (g_main_context_get_thread_default () == NULL);
}

/* A body that never finishes: the test fails at the timeout with the task
 * dump, which says what the body waits for. */
static void
hang_body (gconstpointer test_data)
{
  isle_park (NULL);
}

static void
test_hang (void)
{
  if (g_test_subprocess ())
    {
      isle_test_set_timeout_msec (200);
      isle_test_run (hang_body, NULL);
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  g_test_trap_assert_stderr ("*The body of test /Isle/Test/hang did not finish within 200 ms. "
                             "The tasks of its island:\n"
                             "Island * 1 live task\n"
                             "  task * [fiber, parked] */Isle/Test/hang* spawned at *"
                             "waiting for a wake (isle_park)*");
}

/* A body that returns and leaves a task parked on its island. */
static gpointer
park_forever (gpointer   user_data,
              GError   **error)
{
  isle_park (error);
  return NULL;
}

static void
leave_task_body (gconstpointer test_data)
{
  IsleJoinHandle *handle;

  handle = isle_spawn_local_full ("left behind", G_PRIORITY_DEFAULT, 0,
                                  park_forever, NULL, NULL, NULL);
  isle_join_handle_unref (handle);
  g_assert_true (isle_yield_now (NULL));
}

static void
test_task_left_behind (void)
{
  if (g_test_subprocess ())
    {
      isle_test_run (leave_task_body, NULL);
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  g_test_trap_assert_stderr ("*The body of test /Isle/Test/task-left-behind returned "
                             "and left 1 task behind on its island; join or abort "
                             "every task a test spawns:\n"
                             "*task * [fiber, parked] *left behind* spawned at *");
}

/* A body that keeps a reference to its island. */
static void
keep_island_body (gconstpointer test_data)
{
  isle_local_set_ref (isle_local_set_get_current ());
}

static void
test_island_kept (void)
{
  if (g_test_subprocess ())
    {
      isle_test_run (keep_island_body, NULL);
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  g_test_trap_assert_stderr ("*The body of test /Isle/Test/island-kept returned and "
                             "kept 1 reference to its island; the island cannot be freed*");
}

/* With non-fatal assertions the test is marked failed, and the island's
 * teardown still aborts the hung body and runs its destroy notifies. */
static int hung_data_destroyed;

static void
count_destroy (gpointer data)
{
  hung_data_destroyed++;
}

static void
hang_with_task_body (gconstpointer test_data)
{
  IsleJoinHandle *handle;

  handle = isle_spawn_local (park_forever, &hung_data_destroyed, count_destroy);
  isle_join_handle_unref (handle);
  isle_park (NULL);
}

static void
test_nonfatal_cleanup (void)
{
  if (g_test_subprocess ())
    {
      g_test_set_nonfatal_assertions ();
      isle_test_set_timeout_msec (100);
      isle_test_run (hang_with_task_body, NULL);
      g_assert_true (g_test_failed ());
      g_assert_cmpint (hung_data_destroyed, ==, 1);
      g_assert_true (g_main_context_get_thread_default () == NULL);
      g_printerr ("cleaned up\n");
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  g_test_trap_assert_stderr ("*did not finish within 100 ms*cleaned up*");
}

/* A test body cannot run inside another island's task. */
static gpointer
nested_root (gpointer   user_data,
             GError   **error)
{
  isle_test_run (test_data_body, "test data");
  return NULL;
}

static void
test_inside_task (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(IsleLocalSet) island = isle_local_set_new ();

      isle_test_run_root (island, nested_root, NULL);
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  g_test_trap_assert_stderr ("*isle_test_run() called from inside a task: a test body "
                             "gets an island of its own*");
}

/* The timeout: the setter, else ISLE_TEST_TIMEOUT in seconds, else 10 s. */
static void
test_timeout (void)
{
  if (g_test_subprocess ())
    {
      g_unsetenv ("ISLE_TEST_TIMEOUT");
      g_assert_cmpuint (isle_test_get_timeout_msec (), ==, 10000);
      g_setenv ("ISLE_TEST_TIMEOUT", "2.5", TRUE);
      g_assert_cmpuint (isle_test_get_timeout_msec (), ==, 2500);
      isle_test_set_timeout_msec (300);
      g_assert_cmpuint (isle_test_get_timeout_msec (), ==, 300);
      isle_test_set_timeout_msec (0);
      g_assert_cmpuint (isle_test_get_timeout_msec (), ==, 2500);
      g_setenv ("ISLE_TEST_TIMEOUT", "soon", TRUE);
      isle_test_make_criticals_non_fatal ();
      g_assert_cmpuint (isle_test_get_timeout_msec (), ==, 10000);
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stderr ("*ISLE_TEST_TIMEOUT=soon is not a number of seconds above 0; "
                             "using 10000 ms*");
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  isle_test_add_func ("/Isle/Test/passing-body", test_passing_body);
  isle_test_add_data_func ("/Isle/Test/data", "test data", test_data_body);
  g_test_add_func ("/Isle/Test/fresh-island", test_fresh_island);
  g_test_add_func ("/Isle/Test/hang", test_hang);
  g_test_add_func ("/Isle/Test/task-left-behind", test_task_left_behind);
  g_test_add_func ("/Isle/Test/island-kept", test_island_kept);
  g_test_add_func ("/Isle/Test/nonfatal-cleanup", test_nonfatal_cleanup);
  g_test_add_func ("/Isle/Test/inside-task", test_inside_task);
  g_test_add_func ("/Isle/Test/timeout", test_timeout);

  return g_test_run ();
}
