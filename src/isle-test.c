/* isle-test.c: running GTest test bodies as tasks on a fresh island
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "isle-local-set-private.h"
#include "isle-spawn-private.h"
#include "isle-task-private.h"
#include "isle-test.h"

/* Long enough for a loaded CI machine under Valgrind or AddressSanitizer,
 * short enough that a lost wake fails the test instead of hanging the
 * suite until meson's own timeout kills it without a word. */
#define ISLE_TEST_TIMEOUT_DEFAULT_MS 10000

/* Set with isle_test_set_timeout_msec(); 0 when it was not. (atomic) */
static guint timeout_set_msec;

typedef struct
{
  IsleTestFunc  func;
  gconstpointer data;
} IsleTestCase;

/* Every case added, for the life of the program. (protected by test_cases) */
static GPtrArray *test_cases;
G_LOCK_DEFINE_STATIC (test_cases);

/**
 * isle_test_get_timeout_msec:
 *
 * Gets how long isle_test_run() lets a test body run: the value given to
 * isle_test_set_timeout_msec(); else the `ISLE_TEST_TIMEOUT` environment
 * variable, in seconds (fractions allowed, such as `2.5`); else 10 seconds.
 *
 * Safe to call from any thread.
 *
 * Returns: the timeout, in milliseconds
 *
 * Since: 0.2
 */
guint
isle_test_get_timeout_msec (void)
{
  guint set = g_atomic_int_get (&timeout_set_msec);
  const char *env;
  char *end = NULL;
  double seconds;

  if (set != 0)
    return set;

  env = g_getenv ("ISLE_TEST_TIMEOUT");
  if (env == NULL || *env == '\0')
    return ISLE_TEST_TIMEOUT_DEFAULT_MS;

  seconds = g_ascii_strtod (env, &end);
  if (end == env || *end != '\0' || !(seconds > 0) || seconds > G_MAXUINT / 1000)
    {
      g_warning ("ISLE_TEST_TIMEOUT=%s is not a number of seconds above 0; "
                 "using %u ms", env, ISLE_TEST_TIMEOUT_DEFAULT_MS);
      return ISLE_TEST_TIMEOUT_DEFAULT_MS;
    }

  return MAX ((guint) (seconds * 1000), 1);
}

/**
 * isle_test_set_timeout_msec:
 * @timeout_msec: how long a test body may run, in milliseconds, or 0 to go
 *   back to `ISLE_TEST_TIMEOUT` or the default
 *
 * Sets the timeout of isle_test_run() for the rest of the program; it
 * takes precedence over the `ISLE_TEST_TIMEOUT` environment variable.
 *
 * Safe to call from any thread; a test that is already running keeps the
 * timeout it started with.
 *
 * Since: 0.2
 */
void
isle_test_set_timeout_msec (guint timeout_msec)
{
  g_atomic_int_set (&timeout_set_msec, timeout_msec);
}

static void
test_case_run (gconstpointer data)
{
  const IsleTestCase *test_case = data;

  isle_test_run (test_case->func, test_case->data);
}

/**
 * isle_test_add_data_func:
 * @testpath: the test's path, as for g_test_add_data_func()
 * @test_data: (nullable): data for @test_func; it must outlive the test run
 * @test_func: (scope forever): the test body
 *
 * Like isle_test_add_func(), with data for the body, as
 * g_test_add_data_func() does for plain test functions.
 *
 * Call it on the thread that called g_test_init(), before g_test_run().
 *
 * Since: 0.1
 */
void
isle_test_add_data_func (const char    *testpath,
                         gconstpointer  test_data,
                         IsleTestFunc   test_func)
{
  IsleTestCase *test_case;

  g_return_if_fail (testpath != NULL);
  g_return_if_fail (test_func != NULL);

  test_case = g_new0 (IsleTestCase, 1);
  test_case->func = test_func;
  test_case->data = test_data;

  /* GTest frees a case's data only when the case runs; kept here, the
   * cases a run skips (-p, -s, subprocesses) stay reachable, as GTest's own
   * suites do, rather than leak. */
  G_LOCK (test_cases);
  if (test_cases == NULL)
    test_cases = g_ptr_array_new ();
  g_ptr_array_add (test_cases, test_case);
  G_UNLOCK (test_cases);

  g_test_add_data_func (testpath, test_case, test_case_run);
}

/**
 * isle_test_add_func:
 * @testpath: the test's path, as for g_test_add_func()
 * @test_func: (scope forever): the test body
 *
 * Adds a test to the GTest suite, like g_test_add_func(), whose body runs
 * through isle_test_run(): as a fiber task on a fresh island, with a
 * timeout, failing if it leaves tasks behind. @test_func is called with
 * %NULL as its data.
 *
 * Call it on the thread that called g_test_init(), before g_test_run().
 *
 * Since: 0.1
 */
void
isle_test_add_func (const char   *testpath,
                    IsleTestFunc  test_func)
{
  g_return_if_fail (testpath != NULL);
  g_return_if_fail (test_func != NULL);

  isle_test_add_data_func (testpath, NULL, test_func);
}

static gpointer
test_body_run (gpointer   user_data,
               GError   **error)
{
  const IsleTestCase *test_case = user_data;

  test_case->func (test_case->data);
  return NULL;
}

/* Fails the test the way a GTest assertion does, so that the message
 * reaches standard error and the TAP output, and the program aborts unless
 * assertions were made non-fatal. */
G_GNUC_PRINTF (1, 2)
static void
fail_test (const char *format,
           ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  g_assertion_message (G_LOG_DOMAIN, __FILE__, __LINE__, "isle_test_run", message);
}

/* Fails the test if its island stopped, its body did not finish in
 * time, failed, or left tasks behind; each message ends with the island's
 * task dump where that shows what happened. */
static void
check_outcome (IsleLocalSet *island,
               IsleTask     *root,
               const char   *path,
               guint         timeout_msec)
{
  GError *error = NULL;

  if (island->shutdown_error != NULL)
    {
      g_autofree char *dump = isle_local_set_dump_tasks (island);

      fail_test ("The island of test %s stopped: %s\n%s",
                 path, island->shutdown_error->message, dump);
      return;
    }

  if (!_isle_task_is_finished (root))
    {
      g_autofree char *dump = isle_local_set_dump_tasks (island);

      fail_test ("The body of test %s did not finish within %u ms. "
                 "The tasks of its island:\n%s",
                 path, timeout_msec, dump);
      return;
    }

  _isle_task_consume_result (root, ISLE_RESULT_TAKE, &error);
  if (error != NULL)
    {
      fail_test ("The body of test %s did not complete: %s",
                 path, error->message);
      g_error_free (error);
    }
  else if (island->n_live > 0)
    {
      g_autofree char *dump = isle_local_set_dump_tasks (island);

      fail_test ("The body of test %s returned and left %u task%s behind "
                 "on its island; join or abort every task a test spawns:\n%s",
                 path, island->n_live, island->n_live == 1 ? "" : "s", dump);
    }
}

/**
 * isle_test_run:
 * @test_func: (scope call): the test body
 * @test_data: (nullable): data for @test_func
 *
 * Runs @test_func as a fiber task on a fresh island, on a fresh
 * #GMainContext pushed as this thread's default for the duration, and
 * fails the current test (as a failed assertion does) when:
 *
 * - the body has not returned when the timeout passes
 *   (isle_test_get_timeout_msec()); the message includes the island's task
 *   dump (isle_local_set_dump_tasks()), so it shows what each task was
 *   waiting for;
 * - the body returns while tasks it spawned are still alive on the island:
 *   a test must join or abort what it spawns; the message lists them;
 * - the island stops because a task failed with
 *   %ISLE_UNHANDLED_FAILURE_SHUTDOWN as its policy;
 * - a reference to the island is still held after the body returned.
 *
 * The island is then freed, which aborts whatever is left and lets it
 * return, so one test cannot leak tasks, sources or wake-ups into the next.
 * Inside the body, isle_local_set_get_current() returns the island and
 * g_main_context_get_thread_default() its context; isle_spawn_local()
 * spawns next to the body.
 *
 * With g_test_set_nonfatal_assertions() the test is marked failed and the
 * cleanup still runs; otherwise the first failure aborts the test program,
 * as g_assert_true() would.
 *
 * Call it on the thread that runs the test, outside any task (a plain
 * GTest function or main()).
 *
 * Since: 0.1
 */
void
isle_test_run (IsleTestFunc  test_func,
               gconstpointer test_data)
{
  IsleTestCase test_case = { test_func, test_data };
  GMainContext *context;
  IsleLocalSet *island;
  IsleTask *root;
  guint timeout_msec;
  const char *path;

  g_return_if_fail (test_func != NULL);

  if (isle_task_get_current () != NULL)
    {
      g_critical ("isle_test_run() called from inside a task: a test body "
                  "gets an island of its own. Call it from the test function "
                  "itself, or use isle_test_add_func()");
      return;
    }

  timeout_msec = isle_test_get_timeout_msec ();
  path = g_test_get_path ();
  if (path == NULL || *path == '\0')
    path = "isle_test_run() body";

  context = g_main_context_new ();
  g_main_context_push_thread_default (context);
  island = isle_local_set_new_for_context (context);
  isle_local_set_enter (island);

  /* The body's own address as the spawn site, so that the task dump names
   * the test function rather than this one. */
  root = _isle_spawn (&(IsleSpawnArgs) {
    .island = island,
    .kind = ISLE_TASK_KIND_FIBER,
    .name = path,
    .priority = G_PRIORITY_DEFAULT,
    .func = test_body_run,
    .user_data = &test_case,
    .site = (gconstpointer) test_func,
  });

  _isle_local_set_drive_root (island, root,
                              g_get_monotonic_time () + (gint64) timeout_msec * 1000);
  check_outcome (island, root, path, timeout_msec);

  /* Whatever is left (after a non-fatal failure) is aborted and run to its
   * end by the island's teardown. */
  isle_join_handle_unref ((IsleJoinHandle *) root);
  isle_local_set_leave (island);

  if (g_atomic_int_get (&island->ref_count) != 1)
    fail_test ("The body of test %s returned and kept %d reference%s to its "
               "island; the island cannot be freed",
               path, island->ref_count - 1, island->ref_count == 2 ? "" : "s");

  isle_local_set_unref (island);
  g_main_context_pop_thread_default (context);
  g_main_context_unref (context);
}
