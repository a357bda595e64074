/* test-diagnostics.c: unobserved failures, the shutdown policy, counters
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <dlfcn.h>
#include <link.h>
#include <signal.h>
#include <string.h>

#include <isle.h>

#include "isle-debug-private.h"
#include "isle-task-private.h"
#include "isle-test-util.h"

#define TEST_ERROR (test_error_quark ())
GQuark test_error_quark (void);
G_DEFINE_QUARK (isle-test-diagnostics-error-quark, test_error)

static gpointer
fail_task (gpointer   user_data,
           GError   **error)
{
  g_set_error (error, TEST_ERROR, 3, "the disk is full");
  return NULL;
}

static gpointer
detach_failing_task (gpointer   user_data,
                     GError   **error)
{
  IsleJoinHandle *handle;

  handle = isle_spawn_local_full ("saver", G_PRIORITY_DEFAULT, 0, fail_task,
                                  NULL, NULL, NULL);
  /* Detached before it runs: nobody will ever read its error. */
  isle_join_handle_unref (handle);
  return NULL;
}

/* A detached task that fails is reported with its name and error. */
static void
test_diagnostics_unobserved_detached (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(IsleLocalSet) island = isle_local_set_new ();

      isle_test_run_root (island, detach_failing_task, NULL);
      isle_test_run_all (island);
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  g_test_trap_assert_stderr ("*WARNING*Unobserved failure: task *saver* failed*"
                             "the disk is full*isle_join_handle_join*");
}

/* A handle dropped after its task failed, without a join, is reported too. */
static void
test_diagnostics_unobserved_dropped_after_failure (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(IsleLocalSet) island = isle_local_set_new ();
      IsleJoinHandle *handle = isle_local_set_spawn_local (island, fail_task, NULL, NULL);

      isle_test_run_all (island);
      g_assert_true (isle_join_handle_is_finished (handle));
      isle_join_handle_unref (handle);
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  g_test_trap_assert_stderr ("*Unobserved failure*the disk is full*");
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
join_failure (gpointer   user_data,
              GError   **error)
{
  g_autoptr(IsleJoinHandle) handle = isle_spawn_local (fail_task, NULL, NULL);
  g_autoptr(GError) local_error = NULL;

  g_assert_null (isle_join_handle_join (handle, &local_error));
  g_assert_error (local_error, TEST_ERROR, 3);
  return NULL;
}

/* The same code without the mistake stays silent: a joined failure, a
 * detached task that is aborted (cancellation is no failure), and a
 * failure on an island that ignores them. This runs with warnings fatal. */
static void
test_diagnostics_observed_is_silent (void)
{
  g_autoptr(IsleLocalSet) island = isle_local_set_new ();
  IsleJoinHandle *handle;

  isle_test_run_root (island, join_failure, NULL);

  handle = isle_local_set_spawn_local (island, park_forever, NULL, NULL);
  isle_join_handle_abort (handle);
  isle_join_handle_unref (handle);
  isle_test_run_all (island);

  isle_local_set_set_unhandled_failure (island, ISLE_UNHANDLED_FAILURE_IGNORE);
  g_assert_cmpint (isle_local_set_get_unhandled_failure (island), ==,
                   ISLE_UNHANDLED_FAILURE_IGNORE);
  handle = isle_local_set_spawn_local (island, fail_task, NULL, NULL);
  isle_join_handle_unref (handle);
  isle_test_run_all (island);
}

static int n_destroyed;

static void
count_destroy (gpointer data)
{
  n_destroyed++;
}

static gpointer
fail_detached_then_wait (gpointer   user_data,
                         GError   **error)
{
  IsleJoinHandle *failing;
  g_autoptr(IsleJoinHandle) parked = NULL;
  g_autoptr(GError) park_error = NULL;

  parked = isle_spawn_local (park_forever, NULL, count_destroy);
  failing = isle_spawn_local (fail_task, NULL, NULL);
  isle_join_handle_unref (failing);

  /* The failure stops the island: this park is aborted too. */
  while (isle_park (&park_error))
    ;
  g_assert_error (park_error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  return NULL;
}

/* Tokio's unhandled-panic shutdown: the failure is reported, every task is
 * aborted, and run_until() returns the failure. */
static void
test_diagnostics_shutdown_policy (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(IsleLocalSet) island = isle_local_set_new ();
      g_autoptr(GError) error = NULL;
      g_autoptr(IsleJoinHandle) late = NULL;

      g_log_set_always_fatal (G_LOG_FATAL_MASK);
      isle_local_set_set_unhandled_failure (island, ISLE_UNHANDLED_FAILURE_SHUTDOWN);
      n_destroyed = 0;

      g_assert_null (isle_local_set_run_until_deadline (island, isle_test_deadline (),
                                                        fail_detached_then_wait,
                                                        NULL, NULL, NULL, &error));
      g_assert_error (error, ISLE_ERROR, ISLE_ERROR_UNHANDLED_FAILURE);
      g_assert_nonnull (strstr (error->message, "shut down"));
      g_assert_nonnull (strstr (error->message, "the disk is full"));
      g_clear_error (&error);

      /* A task spawned after the shutdown never runs. */
      late = isle_local_set_spawn_local (island, fail_task, NULL, count_destroy);
      g_assert_false (isle_local_set_run (island, &error));
      g_assert_error (error, ISLE_ERROR, ISLE_ERROR_UNHANDLED_FAILURE);
      g_clear_error (&error);

      isle_local_set_unref (g_steal_pointer (&island));
      g_assert_true (isle_join_handle_is_finished (late));
      g_assert_cmpint (n_destroyed, ==, 2);
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stderr ("*Unobserved failure*the disk is full*");
}

static IslePoll
yield_twice_poll (gpointer    state,
                  IsleWaker  *waker,
                  gpointer   *result,
                  GError    **error)
{
  guint *polls = state;

  if (++*polls == 3)
    return ISLE_POLL_READY;
  isle_waker_wake (waker);
  return ISLE_POLL_PENDING;
}

static gpointer
wake_from_thread (gpointer data)
{
  isle_waker_wake (data);
  return NULL;
}

static gpointer
park_once (gpointer   user_data,
           GError   **error)
{
  IsleWaker *waker = isle_task_ref_waker (isle_task_get_current ());
  GThread *thread = g_thread_new ("waker", wake_from_thread, waker);

  isle_park (error);
  g_thread_join (thread);
  isle_waker_unref (waker);
  return NULL;
}

static void
test_diagnostics_counters (void)
{
  g_autoptr(IsleLocalSet) island = isle_local_set_new ();
  IsleLocalSetCounters counters;
  IsleJoinHandle *handles[4];
  guint polls[3] = { 0, };
  guint i;

  isle_local_set_get_counters (island, &counters);
  g_assert_cmpuint (counters.tasks_spawned, ==, 0);
  g_assert_cmpuint (counters.polls, ==, 0);

  for (i = 0; i < 3; i++)
    handles[i] = isle_local_set_spawn_local_poll (island, yield_twice_poll, &polls[i], NULL);
  handles[3] = isle_local_set_spawn_local (island, park_once, NULL, NULL);

  isle_local_set_get_counters (island, &counters);
  g_assert_cmpuint (counters.tasks_spawned, ==, 4);
  g_assert_cmpuint (counters.tasks_live, ==, 4);
  g_assert_cmpuint (counters.run_queue_high_water, ==, 4);

  isle_test_run_all (island);
  isle_join_handle_abort (handles[0]);

  isle_local_set_get_counters (island, &counters);
  g_assert_cmpuint (counters.tasks_finished, ==, 4);
  g_assert_cmpuint (counters.tasks_aborted, ==, 0);
  g_assert_cmpuint (counters.tasks_live, ==, 0);
  /* Three polls for each poll task; two turns for the fiber (before and
   * after its park). */
  g_assert_cmpuint (counters.polls, ==, 3 * 3 + 2);
  /* Each poll task woke itself twice; the fiber was woken from a thread. */
  g_assert_cmpuint (counters.wakes_remote, ==, 1);
  g_assert_cmpuint (counters.wakes_local, ==, 3 * 2);

  for (i = 0; i < G_N_ELEMENTS (handles); i++)
    isle_join_handle_unref (handles[i]);
}

static gpointer
wake_parked_then_abort (gpointer   user_data,
                        GError   **error)
{
  g_autoptr(IsleJoinHandle) parked = isle_spawn_local (park_forever, NULL, NULL);
  g_autoptr(IsleJoinHandle) aborted = isle_spawn_local (park_forever, NULL, NULL);

  /* Both run and park; the abort wakes one of them locally. */
  if (!isle_yield_now (error))
    return NULL;
  isle_join_handle_abort (aborted);
  isle_join_handle_abort (parked);
  isle_join_handle_join (aborted, NULL);
  isle_join_handle_join (parked, NULL);
  return NULL;
}

static void
test_diagnostics_counters_aborts (void)
{
  g_autoptr(IsleLocalSet) island = isle_local_set_new ();
  IsleLocalSetCounters counters;

  isle_test_run_root (island, wake_parked_then_abort, NULL);
  isle_local_set_get_counters (island, &counters);
  g_assert_cmpuint (counters.tasks_spawned, ==, 3);
  g_assert_cmpuint (counters.tasks_finished, ==, 3);
  g_assert_cmpuint (counters.tasks_aborted, ==, 2);
  /* Aborts schedule without a wake; the first aborted task to finish woke
   * the root joining it, and the second had finished by its join. */
  g_assert_cmpuint (counters.wakes_local, ==, 1);
}

static gpointer
busy_for_30_ms (gpointer   user_data,
                GError   **error)
{
  gint64 end = g_get_monotonic_time () + 30 * 1000;

  /* Blocking the thread is the behaviour under test. */
  while (g_get_monotonic_time () < end)
    ;
  return NULL;
}

static gpointer
spawn_busy_twice (gpointer   user_data,
                  GError   **error)
{
  g_autoptr(IsleJoinHandle) handle = NULL;

  handle = isle_spawn_local_full ("number-cruncher", G_PRIORITY_DEFAULT, 0,
                                  busy_for_30_ms, NULL, NULL, NULL);
  return isle_join_handle_join (handle, error);
}

/* A turn over the threshold is reported once, with the task's name, where
 * it was spawned and how long it took. */
static void
test_diagnostics_slow_poll (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(IsleLocalSet) island = isle_local_set_new ();

      isle_local_set_set_debug_flags (island, ISLE_DEBUG_SLOW_POLLS);
      isle_local_set_set_slow_poll_threshold_msec (island, 5);
      g_assert_cmpuint (isle_local_set_get_slow_poll_threshold_msec (island), ==, 5);
      g_assert_cmpint (isle_local_set_get_debug_flags (island), ==, ISLE_DEBUG_SLOW_POLLS);
      isle_test_run_root (island, spawn_busy_twice, NULL);
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stderr ("*Slow poll: task *number-cruncher*, spawned at *+0x*"
                             "ran for *ms without suspending (the threshold is 5.0 ms)*");
}

static gpointer
yield_for_30_ms (gpointer   user_data,
                 GError   **error)
{
  gint64 end = g_get_monotonic_time () + 30 * 1000;

  while (g_get_monotonic_time () < end)
    if (!isle_yield_now (error))
      return NULL;
  return NULL;
}

/* The same amount of work, yielding as it goes, is not reported. Each
 * turn takes microseconds; the threshold leaves room for the scheduler of
 * a loaded machine taking the thread away for a while. */
static void
test_diagnostics_no_slow_poll_when_yielding (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(IsleLocalSet) island = isle_local_set_new ();

      isle_local_set_set_debug_flags (island, ISLE_DEBUG_SLOW_POLLS);
      isle_local_set_set_slow_poll_threshold_msec (island, 250);
      isle_test_run_root (island, yield_for_30_ms, NULL);
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stderr_unmatched ("*Slow poll*");
}

static gpointer
join_target (gpointer   user_data,
             GError   **error)
{
  return isle_join_handle_join (user_data, error);
}

static void
test_diagnostics_dump (void)
{
  g_autoptr(IsleLocalSet) island = isle_local_set_new ();
  g_autoptr(IsleJoinHandle) parked = NULL;
  g_autoptr(IsleJoinHandle) joiner = NULL;
  g_autoptr(IsleJoinHandle) fresh = NULL;
  g_autofree char *dump = NULL;
  g_autofree char *expected_join = NULL;
  gint64 deadline = isle_test_deadline ();
  guint polls = 0;
  guint64 parked_id;

  isle_local_set_set_debug_flags (island, ISLE_DEBUG_TASKS);

  parked = isle_local_set_spawn_local_full (island, "sleeper", G_PRIORITY_DEFAULT, 0,
                                            park_forever, NULL, NULL, NULL);
  parked_id = isle_join_handle_get_id (parked);
  joiner = isle_local_set_spawn_local (island, join_target, parked, NULL);
  /* Until both have had their first turn and parked. */
  for (;;)
    {
      IsleLocalSetCounters counters;

      isle_local_set_get_counters (island, &counters);
      if (counters.polls >= 2)
        break;
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (NULL, TRUE);
    }
  fresh = isle_local_set_spawn_local_poll (island, yield_twice_poll, &polls, NULL);

  dump = isle_local_set_dump_tasks (island);
  g_test_message ("%s", dump);

  g_assert_true (g_str_has_prefix (dump, "Island "));
  g_assert_nonnull (strstr (dump, ": 3 live tasks\n"));
  g_assert_nonnull (strstr (dump, "[fiber, parked] “sleeper” spawned at test_diagnostics_dump+0x"));
  g_assert_nonnull (strstr (dump, "waiting for a wake (isle_park)"));
  expected_join = g_strdup_printf ("waiting for join of task %" G_GUINT64_FORMAT, parked_id);
  g_assert_nonnull (strstr (dump, expected_join));
  g_assert_nonnull (strstr (dump, "[poll, scheduled]"));
  g_assert_nonnull (strstr (dump, "waiting for its first turn, age "));
  g_assert_nonnull (strstr (dump, ", 1 turn, "));
  g_assert_null (strstr (dump, "ISLE_DEBUG=tasks adds"));

  isle_join_handle_abort (parked);
  isle_join_handle_abort (joiner);
  isle_test_run_all (island);

  /* Without tracking, the dump says how to get the rest. */
  isle_local_set_set_debug_flags (island, 0);
  g_clear_pointer (&dump, g_free);
  dump = isle_local_set_dump_tasks (island);
  g_assert_nonnull (strstr (dump, ": 0 live tasks\n"));
  g_assert_nonnull (strstr (dump, "ISLE_DEBUG=tasks adds"));
}

/* What the primitives built on parking say they wait for shows in dumps. */
static gpointer
park_described (gpointer   user_data,
                GError   **error)
{
  return GINT_TO_POINTER (_isle_task_park (isle_task_get_current (), "a test signal", error));
}

static void
test_diagnostics_dump_waiting_for (void)
{
  g_autoptr(IsleLocalSet) island = isle_local_set_new ();
  g_autoptr(IsleJoinHandle) handle = NULL;
  g_autofree char *dump = NULL;
  gint64 deadline = isle_test_deadline ();

  isle_local_set_set_debug_flags (island, ISLE_DEBUG_TASKS);
  handle = isle_local_set_spawn_local (island, park_described, NULL, NULL);
  for (;;)
    {
      IsleLocalSetCounters counters;

      isle_local_set_get_counters (island, &counters);
      if (counters.polls >= 1)
        break;
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (NULL, TRUE);
    }

  dump = isle_local_set_dump_tasks (island);
  g_assert_nonnull (strstr (dump, "[fiber, parked] spawned at "));
  g_assert_nonnull (strstr (dump, "waiting for a test signal, age "));
  isle_join_handle_abort (handle);
  isle_test_run_all (island);
}

/* Every primitive says what a parked fiber waits for, without
 * ISLE_DEBUG_TASKS, and the task list says the same as the dump. */
static GMutex blocking_lock;
static GCond blocking_cond;
static gboolean blocking_release;

static gpointer
blocking_until_released (gpointer       user_data,
                         GCancellable  *cancellable,
                         GError       **error)
{
  g_mutex_lock (&blocking_lock);
  while (!blocking_release)
    g_cond_wait (&blocking_cond, &blocking_lock);
  g_mutex_unlock (&blocking_lock);
  return NULL;
}

static gpointer
wait_sleep (gpointer user_data, GError **error)
{
  return GINT_TO_POINTER (isle_sleep_msec (60000, error));
}

static gpointer
wait_race (gpointer user_data, GError **error)
{
  g_autoptr(IsleFuture) nap = isle_future_new_sleep_msec (60000);
  g_autoptr(IsleFuture) notified = isle_future_new_for_signal (user_data, "notify");
  IsleFuture *both[] = { nap, notified };
  g_autoptr(IsleFuture) first = isle_future_race (both, G_N_ELEMENTS (both));

  return isle_await (first, error);
}

static gpointer
wait_timeout (gpointer user_data, GError **error)
{
  g_autoptr(IsleFuture) limited = isle_future_new_timeout_msec (isle_promise_get_future (user_data), 60000);

  return isle_await (limited, error);
}

static gpointer
wait_all (gpointer user_data, GError **error)
{
  IsleFuture *three[] = {
    isle_promise_get_future (user_data),
    isle_promise_get_future (user_data),
    isle_promise_get_future (user_data),
  };
  g_autoptr(IsleFuture) all = isle_future_all (three, G_N_ELEMENTS (three));

  return isle_await (all, error);
}

static gpointer
wait_blocking (gpointer user_data, GError **error)
{
  g_autoptr(IsleFuture) job = isle_spawn_blocking (blocking_until_released, NULL, NULL, NULL);

  return isle_await (job, error);
}

static gpointer
wait_gio (gpointer user_data, GError **error)
{
  g_autoptr(IsleFuture) op = isle_future_new_for_gio ();

  return isle_await (op, error);
}

static gpointer
wait_notify (gpointer user_data, GError **error)
{
  return GINT_TO_POINTER (isle_notify_wait (user_data, error));
}

static gpointer
wait_join_set (gpointer user_data, GError **error)
{
  g_autoptr(IsleJoinSet) set = isle_join_set_new ();
  g_autoptr(IsleJoinHandle) done = NULL;

  isle_join_set_spawn (set, park_forever, NULL, NULL);
  done = isle_join_set_join_next (set, error);
  return NULL;
}

static gpointer
wait_channel (gpointer user_data, GError **error)
{
  return isle_channel_recv (user_data, error);
}

static gpointer
wait_oneshot (gpointer user_data, GError **error)
{
  return isle_oneshot_recv (user_data, error);
}

static gpointer
wait_any (gpointer user_data, GError **error)
{
  IsleFuture *two[] = {
    isle_promise_get_future (user_data),
    isle_promise_get_future (user_data),
  };
  g_autoptr(IsleFuture) any = isle_future_any (two, G_N_ELEMENTS (two));

  return isle_await (any, error);
}

static gpointer
wait_join (gpointer user_data, GError **error)
{
  return isle_join_handle_join (user_data, error);
}

typedef struct
{
  const char *name;
  IsleTaskFunc func;
  const char *expected;   /* a glob of "waiting for …" */
  const char *wait_kind;
} PreciseWait;

static gpointer
precise_waits_root (gpointer   user_data,
                    GError   **error)
{
  g_autoptr(GObject) object = g_object_new (G_TYPE_OBJECT, NULL);
  g_autoptr(IslePromise) promise = isle_promise_new ();
  g_autoptr(IsleNotify) notify = isle_notify_new ();
  g_autoptr(GListModel) infos = NULL;
  g_autofree char *dump = NULL;
  const PreciseWait waits[] = {
    { "sleeper", wait_sleep, "*“sleeper” spawned at *, waiting for a sleep, * ms left\n*", "sleep" },
    { "racer", wait_race, "*“racer” spawned at *, waiting for a race of 2 (a sleep, * ms left; "
      "the signal GObject::notify)\n*", "race" },
    { "limited", wait_timeout, "*“limited” spawned at *, waiting for a timeout (* ms left) over a promise\n*", "timeout" },
    { "gatherer", wait_all, "*“gatherer” spawned at *, waiting for all of 3 (a promise; a promise; a promise)\n*", "all" },
    { "offloader", wait_blocking, "*“offloader” spawned at *, waiting for a blocking job, blocking_until_released+0x0 (*)\n*", "blocking" },
    { "reader", wait_gio, "*“reader” spawned at *, waiting for a GIO call started in wait_gio+0x*\n*", "gio" },
    { "listener", wait_notify, "*“listener” spawned at *, waiting for a notify\n*", "other" },
    { "collector", wait_join_set, "*“collector” spawned at *, waiting for the next task of a join set\n*", "other" },
    { "parker", park_forever, "*“parker” spawned at *, waiting for a wake (isle_park) in park_forever+0x*\n*", "wake" },
    { "receiver", wait_channel, "*“receiver” spawned at *, waiting for a message on a channel\n*", "other" },
    { "oneshot", wait_oneshot, "*“oneshot” spawned at *, waiting for a oneshot\n*", "other" },
    { "anyone", wait_any, "*“anyone” spawned at *, waiting for any of 2 (a promise; a promise)\n*", "any" },
    { "joiner", wait_join, NULL /* "join of task <the parker>", below */, "join" },
  };
  IsleJoinHandle *handles[G_N_ELEMENTS (waits)];
  gpointer data[G_N_ELEMENTS (waits)] = { 0, };
  IsleLocalSet *island = isle_local_set_get_current ();
  g_autoptr(IsleChannelSender) sender = NULL;
  g_autoptr(IsleChannel) channel = isle_channel_new (1, NULL, &sender);
  g_autoptr(IsleOneshot) oneshot = isle_oneshot_new ();
  g_autofree char *join_expected = NULL;
  guint found = 0;

  data[1] = object;
  data[2] = promise;
  data[3] = promise;
  data[6] = notify;
  data[9] = channel;
  data[10] = oneshot;
  data[11] = promise;
  for (guint i = 0; i < G_N_ELEMENTS (waits); i++)
    {
      if (waits[i].func == wait_join)
        data[i] = handles[8];   /* the parker */
      handles[i] = isle_spawn_local_full (waits[i].name, G_PRIORITY_DEFAULT, 0,
                                          waits[i].func, data[i], NULL, NULL);
    }
  join_expected = g_strdup_printf ("*“joiner” spawned at *, waiting for join of task %" G_GUINT64_FORMAT "\n*",
                                   isle_join_handle_get_id (handles[8]));

  /* A yield runs every task spawned before it: all of them have parked. */
  for (guint i = 0; i < 3; i++)
    g_assert_true (isle_yield_now (NULL));

  /* From inside a task, which shows as running. */
  dump = isle_local_set_dump_tasks (island);
  g_test_message ("%s", dump);
  for (guint i = 0; i < G_N_ELEMENTS (waits); i++)
    {
      const char *expected = waits[i].expected != NULL ? waits[i].expected : join_expected;

      if (!g_pattern_match_simple (expected, dump))
        g_error ("The dump does not match %s:\n%s", expected, dump);
    }
  g_assert_true (g_pattern_match_simple ("*“precise” spawned at *, waiting for -\n*", dump));

  infos = isle_local_set_list_tasks (island);
  g_assert_true (g_list_model_get_item_type (infos) == ISLE_TYPE_TASK_INFO);
  for (guint n = 0; n < g_list_model_get_n_items (infos); n++)
    {
      g_autoptr(IsleTaskInfo) info = g_list_model_get_item (infos, n);
      const char *name = isle_task_info_get_name (info);
      g_autofree char *waiting_for = NULL;
      g_autofree char *line = NULL;

      g_object_get (info, "waiting-for", &waiting_for, NULL);
      g_assert_cmpstr (waiting_for, ==, isle_task_info_get_waiting_for (info));
      /* Time goes on between the two: the dump's line up to the wait,
       * and the wait itself where it does not count down. */
      line = g_strdup_printf ("*task %" G_GUINT64_FORMAT " [%s, %s]%s%s%s spawned at %s, waiting for %s\n*",
                              isle_task_info_get_id (info),
                              isle_task_info_get_kind (info),
                              isle_task_info_get_state (info),
                              name ? " “" : "", name ? name : "", name ? "”" : "",
                              isle_task_info_get_spawn_site (info),
                              strstr (waiting_for, " ms left") ? "*" : waiting_for);
      g_assert_true (g_pattern_match_simple (line, dump));
      /* Without ISLE_DEBUG_TASKS there are no figures. */
      g_assert_cmpint (isle_task_info_get_age_usec (info), ==, -1);
      g_assert_cmpint (isle_task_info_get_run_time_usec (info), ==, -1);
      g_assert_cmpuint (isle_task_info_get_n_turns (info), ==, 0);

      if (g_strcmp0 (name, "precise") == 0)
        {
          g_assert_cmpstr (isle_task_info_get_state (info), ==, "running");
          g_assert_cmpstr (isle_task_info_get_wait_kind (info), ==, "none");
          found++;
        }
      for (guint i = 0; i < G_N_ELEMENTS (waits); i++)
        if (g_strcmp0 (name, waits[i].name) == 0)
          {
            g_assert_cmpuint (isle_task_info_get_id (info), ==, isle_join_handle_get_id (handles[i]));
            g_assert_cmpstr (isle_task_info_get_state (info), ==, "parked");
            g_assert_cmpstr (isle_task_info_get_kind (info), ==, "fiber");
            g_assert_cmpstr (isle_task_info_get_wait_kind (info), ==, waits[i].wait_kind);
            found++;
          }
    }
  g_assert_cmpuint (found, ==, G_N_ELEMENTS (waits) + 1);

  /* A snapshot: it does not follow the tasks. */
  for (guint i = 0; i < G_N_ELEMENTS (waits); i++)
    isle_join_handle_abort (handles[i]);
  for (guint i = 0; i < G_N_ELEMENTS (waits); i++)
    {
      g_autoptr(GError) join_error = NULL;

      isle_join_handle_join (handles[i], &join_error);
      isle_join_handle_unref (handles[i]);
    }
  g_assert_cmpuint (g_list_model_get_n_items (infos), ==, G_N_ELEMENTS (waits) + 1 + 1);

  g_mutex_lock (&blocking_lock);
  blocking_release = TRUE;
  g_cond_broadcast (&blocking_cond);
  g_mutex_unlock (&blocking_lock);
  return NULL;
}

static void
test_diagnostics_precise_waits (void)
{
  g_autoptr(IsleLocalSet) island = isle_local_set_new ();
  g_autoptr(IsleJoinHandle) root = NULL;

  root = isle_local_set_spawn_local_full (island, "precise", G_PRIORITY_DEFAULT, 0,
                                          precise_waits_root, NULL, NULL, NULL);
  isle_test_run_all (island);
  g_assert_true (isle_join_handle_is_finished (root));
}

/* A poll task that joins another is named as a join too. */
static IslePoll
poll_join (gpointer    state,
           IsleWaker  *waker,
           gpointer   *result,
           GError    **error)
{
  return isle_join_handle_poll (state, waker, result, error);
}

static gpointer
poll_join_root (gpointer   user_data,
                GError   **error)
{
  IsleLocalSet *island = isle_local_set_get_current ();
  g_autoptr(IsleJoinHandle) target = isle_spawn_local (park_forever, NULL, NULL);
  g_autoptr(IsleJoinHandle) joiner = isle_spawn_local_poll (poll_join, target, NULL);
  g_autofree char *dump = NULL;
  g_autofree char *expected = NULL;

  g_assert_true (isle_yield_now (NULL));
  dump = isle_local_set_dump_tasks (island);
  expected = g_strdup_printf ("*[poll, parked] spawned at *, waiting for join of task %" G_GUINT64_FORMAT "\n*",
                              isle_join_handle_get_id (target));
  g_assert_true (g_pattern_match_simple (expected, dump));
  isle_join_handle_abort (target);
  isle_join_handle_abort (joiner);
  return NULL;
}

static void
test_diagnostics_poll_join (void)
{
  g_autoptr(IsleLocalSet) island = isle_local_set_new ();

  isle_test_run_root (island, poll_join_root, NULL);
  isle_test_run_all (island);
}

static GString *printed;

static void
catch_printerr (const char *text)
{
  g_string_append (printed, text);
}

/* ISLE_DEBUG=tasks,slow-polls turns both on for every island, and SIGUSR1
 * then writes the task dump to standard error. */
static void
test_diagnostics_env_and_signal (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(IsleLocalSet) island = NULL;
      g_autoptr(IsleJoinHandle) parked = NULL;
      gint64 deadline = isle_test_deadline ();

      g_setenv ("ISLE_DEBUG", "tasks,slow-polls", TRUE);
      g_setenv ("ISLE_SLOW_POLL_MS", "7", TRUE);
      island = isle_local_set_new ();
      g_assert_cmpint (isle_local_set_get_debug_flags (island), ==,
                       ISLE_DEBUG_TASKS | ISLE_DEBUG_SLOW_POLLS);
      g_assert_cmpuint (isle_local_set_get_slow_poll_threshold_msec (island), ==, 7);

      parked = isle_local_set_spawn_local_full (island, "waiting-room", G_PRIORITY_DEFAULT, 0,
                                                park_forever, NULL, NULL, NULL);
      printed = g_string_new (NULL);
      g_set_printerr_handler (catch_printerr);
      raise (SIGUSR1);
      while (strstr (printed->str, "waiting-room") == NULL)
        {
          g_assert_cmpint (g_get_monotonic_time (), <, deadline);
          g_main_context_iteration (NULL, TRUE);
        }
      g_set_printerr_handler (NULL);
      g_printerr ("%s", printed->str);
      g_string_free (printed, TRUE);
      isle_join_handle_abort (parked);
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stderr ("*Island *1 live task*waiting-room*age *");
}

/* Spawn sites in static functions are named from the program's own symbol
 * table, and a damaged file never makes the reader go out of bounds: every
 * prefix of the test program, and the program with bytes flipped, gives a
 * name or NULL. (AddressSanitizer and Valgrind watch the reads.) */
static void
test_diagnostics_symtab_reader (void)
{
  g_autofree char *self = g_file_read_link ("/proc/self/exe", NULL);
  g_autofree char *contents = NULL;
  g_autofree char *site = NULL;
  g_autofree char *name = NULL;
  g_autofree guint8 *copy = NULL;
  gsize length = 0;
  guintptr offset = 0;
  Dl_info info = { 0, };
  GRand *rand = g_rand_new_with_seed (4711);

  g_assert_nonnull (self);
  g_assert_true (g_file_get_contents (self, &contents, &length, NULL));
  g_assert_cmpint (dladdr ((gpointer) test_diagnostics_symtab_reader, &info), !=, 0);

  /* The whole file: this very function, by name. */
  name = _isle_debug_symtab_lookup ((const guint8 *) contents, length, info.dli_fbase,
                                    (const char *) test_diagnostics_symtab_reader + 4,
                                    &offset);
  g_assert_cmpstr (name, ==, "test_diagnostics_symtab_reader");
  g_assert_cmpuint (offset, ==, 4);
  site = _isle_debug_describe_site ((const char *) test_diagnostics_symtab_reader + 4);
  g_assert_cmpstr (site, ==, "test_diagnostics_symtab_reader+0x4 (test-diagnostics)");

  /* Prefixes: cut anywhere, the reader must stay inside what it is given
   * (a copy of exactly that size, so a read past it is caught). The last
   * 64 KiB, where the linker puts the symbol and section tables, are cut
   * finely. */
  for (gsize cut = 0; cut < length;
       cut += cut + 65536 < length ? 1 + cut / 8 : 251)
    {
      char *found;

      copy = g_memdup2 (contents, cut);
      found = _isle_debug_symtab_lookup (copy, cut, info.dli_fbase,
                                         (gconstpointer) test_diagnostics_symtab_reader,
                                         &offset);
      g_free (found);
      g_clear_pointer (&copy, g_free);
    }

  /* Flipped bytes in the file header and the section header table, which
   * say where everything else is. */
  copy = g_memdup2 (contents, length);
  {
    const ElfW(Ehdr) *ehdr = (const ElfW(Ehdr) *) contents;
    gsize table = ehdr->e_shoff;
    gsize table_end = MIN (length, table + (gsize) ehdr->e_shnum * sizeof (ElfW(Shdr)));

    g_assert_cmpuint (table, <, table_end);
    for (guint round = 0; round < 4000; round++)
      {
        gsize at = round % 4 == 0 ? (gsize) g_rand_int_range (rand, 0, sizeof (ElfW(Ehdr)))
                                  : (gsize) g_rand_int_range (rand, (gint) table, (gint) table_end);
        guint8 saved = copy[at];
        char *found;

        copy[at] = (guint8) g_rand_int (rand);
        found = _isle_debug_symtab_lookup (copy, length, info.dli_fbase,
                                           (gconstpointer) test_diagnostics_symtab_reader,
                                           &offset);
        g_free (found);
        /* An address in no function, so that the whole table is read. */
        found = _isle_debug_symtab_lookup (copy, length, info.dli_fbase,
                                           (const char *) info.dli_fbase + 16 * length,
                                           &offset);
        g_assert_null (found);
        copy[at] = saved;
      }
  }

  g_rand_free (rand);
}

static IslePoll
ready_poll (gpointer    state,
            IsleWaker  *waker,
            gpointer   *result,
            GError    **error)
{
  return ISLE_POLL_READY;
}

/* Two spawn sites. They differ, or the compiler could fold them into one
 * function, and the spawn is not their last call, which could be compiled
 * as a jump and leave the site in the caller. */
static G_NO_INLINE void
spawn_at_first_site (IsleLocalSet *island,
                     GPtrArray    *handles)
{
  g_ptr_array_add (handles, isle_local_set_spawn_local_poll (island, ready_poll, NULL, NULL));
}

static G_NO_INLINE void
spawn_at_second_site (IsleLocalSet *island,
                      GPtrArray    *handles)
{
  g_ptr_array_add (handles, isle_local_set_spawn_local_poll_full (island, "second", G_PRIORITY_DEFAULT,
                                                                  ready_poll, NULL, NULL, NULL));
}

/* A dump names every task's spawn site, and reads an object's symbol
 * table once per distinct site, not once per task: the names are kept for
 * the life of the process. The tasks alternate between two sites, so the
 * dump's shortcut for a run of tasks from one site does not hide a
 * lookup per task. */
static void
test_diagnostics_sites_described_once (void)
{
  g_autoptr(IsleLocalSet) island = isle_local_set_new ();
  g_autoptr(GPtrArray) handles = g_ptr_array_new_with_free_func ((GDestroyNotify) isle_join_handle_unref);
  g_autoptr(GListModel) tasks = NULL;
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;
  guint before;

  for (guint i = 0; i < 200; i++)
    if (i % 2 == 0)
      spawn_at_first_site (island, handles);
    else
      spawn_at_second_site (island, handles);

  /* No other test spawns there: both sites are new to the table. */
  before = _isle_debug_get_n_sites_described ();
  first = isle_local_set_dump_tasks (island);
  g_assert_cmpuint (_isle_debug_get_n_sites_described () - before, ==, 2);
  g_assert_true (g_pattern_match_simple ("*spawned at spawn_at_first_site+0x*"
                                         "spawned at spawn_at_second_site+0x*", first));

  /* Later dumps and task lists describe nothing again. */
  before = _isle_debug_get_n_sites_described ();
  second = isle_local_set_dump_tasks (island);
  tasks = isle_local_set_list_tasks (island);
  g_assert_cmpuint (g_list_model_get_n_items (tasks), ==, 200);
  g_assert_cmpuint (_isle_debug_get_n_sites_described (), ==, before);

  g_ptr_array_set_size (handles, 0);
  isle_test_run_all (island);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Isle/Diagnostics/unobserved-detached", test_diagnostics_unobserved_detached);
  g_test_add_func ("/Isle/Diagnostics/unobserved-dropped-after-failure", test_diagnostics_unobserved_dropped_after_failure);
  g_test_add_func ("/Isle/Diagnostics/observed-is-silent", test_diagnostics_observed_is_silent);
  g_test_add_func ("/Isle/Diagnostics/shutdown-policy", test_diagnostics_shutdown_policy);
  g_test_add_func ("/Isle/Diagnostics/counters", test_diagnostics_counters);
  g_test_add_func ("/Isle/Diagnostics/counters-aborts", test_diagnostics_counters_aborts);
  g_test_add_func ("/Isle/Diagnostics/slow-poll", test_diagnostics_slow_poll);
  g_test_add_func ("/Isle/Diagnostics/no-slow-poll-when-yielding", test_diagnostics_no_slow_poll_when_yielding);
  g_test_add_func ("/Isle/Diagnostics/dump", test_diagnostics_dump);
  g_test_add_func ("/Isle/Diagnostics/dump-waiting-for", test_diagnostics_dump_waiting_for);
  g_test_add_func ("/Isle/Diagnostics/precise-waits", test_diagnostics_precise_waits);
  g_test_add_func ("/Isle/Diagnostics/poll-join", test_diagnostics_poll_join);
  g_test_add_func ("/Isle/Diagnostics/env-and-signal", test_diagnostics_env_and_signal);
  g_test_add_func ("/Isle/Diagnostics/symtab-reader", test_diagnostics_symtab_reader);
  g_test_add_func ("/Isle/Diagnostics/sites-described-once", test_diagnostics_sites_described_once);

  return g_test_run ();
}
