/* test-local-set.c: islands, driving them, and tearing them down
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <isle.h>

#include "isle-test-util.h"

/* What a test task records; the destroy notify counts how often and on
 * which thread it ran. */
typedef struct
{
  int      ran;
  int      finished;
  int      saw_cancelled;
  int      destroyed;
  GThread *destroy_thread;
} Probe;

static void
probe_destroy (gpointer data)
{
  Probe *probe = data;

  /* The data is destroyed after the body returned, or instead of ever
   * running it. */
  g_assert_cmpint (probe->finished, ==, probe->ran);
  probe->destroyed++;
  probe->destroy_thread = g_thread_self ();
}

static gpointer
mark_ran_task (gpointer   user_data,
               GError   **error)
{
  Probe *probe = user_data;

  probe->ran++;
  probe->finished++;
  return NULL;
}

/* Parks until aborted, then reports what its suspension calls returned. */
static gpointer
park_forever_task (gpointer   user_data,
                   GError   **error)
{
  Probe *probe = user_data;
  GError *local_error = NULL;

  probe->ran++;
  while (isle_park (&local_error))
    ;
  if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    probe->saw_cancelled++;
  g_clear_error (&local_error);
  probe->finished++;
  return NULL;
}

static void
test_local_set_new (void)
{
  IsleLocalSet *island;
  GMainContext *context;

  g_assert_cmpuint (isle_local_set_get_type (), !=, G_TYPE_INVALID);
  g_assert_nonnull (g_type_name (ISLE_TYPE_LOCAL_SET));

  island = isle_local_set_new ();
  g_assert_nonnull (island);
  g_assert_true (isle_local_set_get_context (island) == g_main_context_default ());
  g_assert_cmpuint (isle_local_set_get_n_tasks (island), ==, 0);
  isle_local_set_unref (island);

  /* The thread-default context is the one a new island binds to. */
  context = g_main_context_new ();
  g_main_context_push_thread_default (context);
  island = isle_local_set_new ();
  g_assert_true (isle_local_set_get_context (island) == context);
  isle_local_set_unref (island);
  g_main_context_pop_thread_default (context);
  g_main_context_unref (context);
}

static void
test_local_set_new_for_context (void)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  IsleLocalSet *island;
  Probe probe = { 0, };
  IsleJoinHandle *handle;

  island = isle_local_set_new_for_context (context);
  g_assert_true (isle_local_set_get_context (island) == context);

  /* The island's tasks run when its own context is iterated. */
  handle = isle_local_set_spawn_local (island, mark_ran_task, &probe, NULL);
  isle_test_iterate_until (context, &probe.ran);
  g_assert_true (isle_join_handle_is_finished (handle));
  isle_join_handle_unref (handle);
  isle_local_set_unref (island);

  island = isle_local_set_new_for_context (NULL);
  g_assert_true (isle_local_set_get_context (island) == g_main_context_default ());
  isle_local_set_unref (island);
}

static void
test_local_set_ref_unref (void)
{
  IsleLocalSet *island = isle_local_set_new ();
  Probe probe = { 0, };
  IsleJoinHandle *handle;

  handle = isle_local_set_spawn_local (island, park_forever_task, &probe,
                                       probe_destroy);
  isle_join_handle_unref (handle);

  g_assert_true (isle_local_set_ref (island) == island);
  isle_local_set_unref (island);
  /* Still alive: only the last reference tears the island down. */
  g_assert_cmpint (probe.destroyed, ==, 0);
  g_assert_cmpuint (isle_local_set_get_n_tasks (island), ==, 1);

  isle_local_set_unref (island);
  g_assert_cmpint (probe.destroyed, ==, 1);
  g_assert_cmpint (probe.ran, ==, 0);
}

/* The guide's example: state that is not thread-safe, shared by the root
 * task and a local task across a suspension point. */
static gpointer
counter_increment_task (gpointer   user_data,
                        GError   **error)
{
  guint *counter = user_data;

  *counter += 1;
  if (!isle_yield_now (error))
    return NULL;
  *counter += 1;
  return NULL;
}

static gpointer
counter_root (gpointer   user_data,
              GError   **error)
{
  guint counter = 0;
  g_autoptr(IsleJoinHandle) handle = NULL;
  g_autoptr(GError) local_error = NULL;
  gpointer result;

  handle = isle_spawn_local (counter_increment_task, &counter, NULL);
  result = isle_join_handle_join (handle, &local_error);
  g_assert_no_error (local_error);
  g_assert_null (result);
  g_assert_cmpuint (counter, ==, 2);

  return g_strdup ("counted");
}

static void
test_local_set_counter_example (void)
{
  g_autoptr(IsleLocalSet) island = isle_local_set_new ();
  g_autofree char *result = NULL;

  result = isle_test_run_root (island, counter_root, NULL);
  g_assert_cmpstr (result, ==, "counted");
}

static void
test_local_set_spawn_before_driven (void)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  IsleLocalSet *island = isle_local_set_new_for_context (context);
  Probe probe = { 0, };
  IsleJoinHandle *handle;

  handle = isle_local_set_spawn_local (island, mark_ran_task, &probe,
                                       probe_destroy);
  /* Spawning never runs the task synchronously. */
  g_assert_cmpint (probe.ran, ==, 0);
  g_assert_false (isle_join_handle_is_finished (handle));
  g_assert_cmpuint (isle_local_set_get_n_tasks (island), ==, 1);

  isle_test_iterate_until (context, &probe.ran);
  g_assert_cmpint (probe.ran, ==, 1);
  g_assert_true (isle_join_handle_is_finished (handle));
  g_assert_cmpuint (isle_local_set_get_n_tasks (island), ==, 0);
  g_assert_cmpint (probe.destroyed, ==, 1);

  isle_join_handle_unref (handle);
  isle_local_set_unref (island);
}

typedef struct
{
  GMainLoop *loop;
  int        ran;
} LoopProbe;

static gpointer
quit_loop_task (gpointer   user_data,
                GError   **error)
{
  LoopProbe *probe = user_data;

  /* Yield once so that the task needs the loop for more than one step. */
  if (!isle_yield_now (error))
    return NULL;
  probe->ran++;
  g_main_loop_quit (probe->loop);
  return NULL;
}

static gboolean
fail_on_timeout (gpointer user_data)
{
  g_assert_not_reached ();
  return G_SOURCE_REMOVE;
}

static void
test_local_set_driven_by_main_loop (void)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(GMainLoop) loop = g_main_loop_new (context, FALSE);
  g_autoptr(IsleLocalSet) island = isle_local_set_new_for_context (context);
  g_autoptr(IsleJoinHandle) handle = NULL;
  GSource *timeout;
  LoopProbe probe = { loop, 0 };

  handle = isle_local_set_spawn_local (island, quit_loop_task, &probe, NULL);
  g_assert_cmpint (probe.ran, ==, 0);

  timeout = g_timeout_source_new_seconds (10);
  g_source_set_callback (timeout, fail_on_timeout, NULL, NULL);
  g_source_attach (timeout, context);
  g_main_loop_run (loop);
  g_source_destroy (timeout);
  g_source_unref (timeout);

  g_assert_cmpint (probe.ran, ==, 1);
  g_assert_true (isle_join_handle_is_finished (handle));
}

static gpointer
string_root (gpointer   user_data,
             GError   **error)
{
  return g_strdup (user_data);
}

static gpointer
failing_root (gpointer   user_data,
              GError   **error)
{
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "no such thing: %s",
               (const char *) user_data);
  return NULL;
}

static void
test_local_set_run_until_result (void)
{
  g_autoptr(IsleLocalSet) island = isle_local_set_new ();
  g_autoptr(GError) error = NULL;
  char *result;

  result = isle_local_set_run_until (island, string_root, "forty-two", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (result, ==, "forty-two");
  g_free (result);
  g_assert_cmpuint (isle_local_set_get_n_tasks (island), ==, 0);
}

static void
test_local_set_run_until_error (void)
{
  g_autoptr(IsleLocalSet) island = isle_local_set_new ();
  g_autoptr(GError) error = NULL;
  gpointer result;

  result = isle_local_set_run_until (island, failing_root, "widget", &error);
  g_assert_null (result);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_assert_cmpstr (error->message, ==, "no such thing: widget");
}

/* A root that parks forever, and returns a value anyway once aborted. */
static gpointer
park_forever_root (gpointer   user_data,
                   GError   **error)
{
  park_forever_task (user_data, NULL);
  return g_strdup ("returned anyway");
}

static void
test_local_set_run_until_deadline_timeout (void)
{
  IsleLocalSet *island = isle_local_set_new ();
  g_autoptr(GError) error = NULL;
  Probe probe = { 0, };
  gpointer result;
  gint64 start = g_get_monotonic_time ();

  result_destroyed = 0;
  result = isle_local_set_run_until_deadline (island,
                                              start + 50 * G_TIME_SPAN_MILLISECOND,
                                              park_forever_root, &probe,
                                              probe_destroy,
                                              counted_result_destroy,
                                              &error);
  g_assert_null (result);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 50 * G_TIME_SPAN_MILLISECOND);
  g_assert_cmpint (probe.ran, ==, 1);

  isle_local_set_unref (island);

  /* The aborted root finished at the latest at teardown; what it returned
   * anyway was freed, and its data destroyed, once each. */
  g_assert_cmpint (probe.finished, ==, 1);
  g_assert_cmpint (probe.saw_cancelled, ==, 1);
  g_assert_cmpint (probe.destroyed, ==, 1);
  g_assert_cmpint (result_destroyed, ==, 1);
}

static gpointer
probe_string_root (gpointer   user_data,
                   GError   **error)
{
  Probe *probe = user_data;

  probe->ran++;
  probe->finished++;
  return g_strdup ("done");
}

static void
test_local_set_run_until_deadline_success (void)
{
  g_autoptr(IsleLocalSet) island = isle_local_set_new ();
  g_autoptr(GError) error = NULL;
  Probe probe = { 0, };
  char *result;

  result = isle_local_set_run_until_deadline (island, -1, probe_string_root,
                                              &probe, probe_destroy, g_free,
                                              &error);
  g_assert_no_error (error);
  g_assert_cmpstr (result, ==, "done");
  g_free (result);
  g_assert_cmpint (probe.ran, ==, 1);
  g_assert_cmpint (probe.destroyed, ==, 1);
  g_assert_true (probe.destroy_thread == g_thread_self ());
}

typedef struct
{
  IsleJoinHandle *parked;
  IsleJoinHandle *yielding;
  int             parked_finished;
  int             stop_yielding;
  guint           yields;
  IsleWaker      *waker;
} LeftoverProbe;

static gpointer
park_once_task (gpointer   user_data,
                GError   **error)
{
  LeftoverProbe *probe = user_data;

  probe->waker = isle_task_ref_waker (isle_task_get_current ());
  if (!isle_park (error))
    return NULL;
  probe->parked_finished++;
  return NULL;
}

static gpointer
yield_until_told_task (gpointer   user_data,
                       GError   **error)
{
  LeftoverProbe *probe = user_data;

  while (!probe->stop_yielding)
    {
      if (!isle_yield_now (error))
        return NULL;
      probe->yields++;
    }
  return NULL;
}

static gpointer
spawn_and_leave_root (gpointer   user_data,
                      GError   **error)
{
  LeftoverProbe *probe = user_data;

  probe->parked = isle_spawn_local (park_once_task, probe, NULL);
  probe->yielding = isle_spawn_local (yield_until_told_task, probe, NULL);
  while (probe->waker == NULL || probe->yields == 0)
    if (!isle_yield_now (error))
      return NULL;
  return NULL;
}

static gpointer
join_leftovers_root (gpointer   user_data,
                     GError   **error)
{
  LeftoverProbe *probe = user_data;

  probe->stop_yielding = 1;
  isle_waker_wake (probe->waker);
  isle_join_handle_join (probe->parked, error);
  isle_join_handle_join (probe->yielding, error);
  return NULL;
}

static void
test_local_set_run_until_leaves_other_tasks (void)
{
  g_autoptr(IsleLocalSet) island = isle_local_set_new ();
  LeftoverProbe probe = { NULL, };
  guint yields;

  isle_test_run_root (island, spawn_and_leave_root, &probe);

  /* run_until returned with the root: the others stay in the island, one
   * parked and one scheduled, and nothing runs them until the next drive. */
  g_assert_cmpuint (isle_local_set_get_n_tasks (island), ==, 2);
  g_assert_false (isle_join_handle_is_finished (probe.parked));
  g_assert_false (isle_join_handle_is_finished (probe.yielding));
  g_assert_cmpint (probe.parked_finished, ==, 0);
  yields = probe.yields;
  g_assert_cmpuint (yields, >, 0);
  g_assert_cmpuint (probe.yields, ==, yields);

  isle_test_run_root (island, join_leftovers_root, &probe);
  g_assert_cmpint (probe.parked_finished, ==, 1);
  g_assert_true (isle_join_handle_is_finished (probe.yielding));
  g_assert_cmpuint (isle_local_set_get_n_tasks (island), ==, 0);

  isle_join_handle_unref (probe.parked);
  isle_join_handle_unref (probe.yielding);
  isle_waker_unref (probe.waker);
}

static gpointer
yield_three_times_task (gpointer   user_data,
                        GError   **error)
{
  Probe *probe = user_data;

  probe->ran++;
  for (guint i = 0; i < 3; i++)
    if (!isle_yield_now (error))
      return NULL;
  probe->finished++;
  return NULL;
}

static void
test_local_set_run (void)
{
  g_autoptr(IsleLocalSet) island = isle_local_set_new ();
  g_autoptr(GError) error = NULL;
  Probe probes[3] = { { 0, }, };

  /* Nothing to run: returns at once. */
  g_assert_true (isle_local_set_run (island, &error));
  g_assert_no_error (error);

  for (guint i = 0; i < G_N_ELEMENTS (probes); i++)
    isle_join_handle_unref (isle_local_set_spawn_local (island,
                                                        yield_three_times_task,
                                                        &probes[i],
                                                        probe_destroy));
  g_assert_cmpuint (isle_local_set_get_n_tasks (island), ==, 3);

  g_assert_true (isle_local_set_run (island, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (isle_local_set_get_n_tasks (island), ==, 0);
  for (guint i = 0; i < G_N_ELEMENTS (probes); i++)
    {
      g_assert_cmpint (probes[i].finished, ==, 1);
      g_assert_cmpint (probes[i].destroyed, ==, 1);
    }
}

static void
test_local_set_run_deadline (void)
{
  IsleLocalSet *island = isle_local_set_new ();
  g_autoptr(GError) error = NULL;
  Probe quick = { 0, };
  Probe stuck = { 0, };
  gint64 start;

  isle_join_handle_unref (isle_local_set_spawn_local (island,
                                                      yield_three_times_task,
                                                      &quick, NULL));
  g_assert_true (isle_local_set_run_deadline (island, isle_test_deadline (),
                                              &error));
  g_assert_no_error (error);
  g_assert_cmpint (quick.finished, ==, 1);

  /* A task that never finishes: the deadline ends the run. */
  isle_join_handle_unref (isle_local_set_spawn_local (island,
                                                      park_forever_task,
                                                      &stuck, probe_destroy));
  start = g_get_monotonic_time ();
  g_assert_false (isle_local_set_run_deadline (island,
                                               start + 50 * G_TIME_SPAN_MILLISECOND,
                                               &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 50 * G_TIME_SPAN_MILLISECOND);
  g_assert_cmpint (stuck.ran, ==, 1);
  g_assert_cmpuint (isle_local_set_get_n_tasks (island), ==, 1);

  isle_local_set_unref (island);
  g_assert_cmpint (stuck.saw_cancelled, ==, 1);
  g_assert_cmpint (stuck.destroyed, ==, 1);
}

static gpointer
report_local_set_task (gpointer   user_data,
                       GError   **error)
{
  IsleLocalSet **seen = user_data;

  *seen = isle_local_set_get_current ();
  return NULL;
}

static void
test_local_set_enter_leave (void)
{
  g_autoptr(GMainContext) inner_context = g_main_context_new ();
  g_autoptr(IsleLocalSet) outer = isle_local_set_new ();
  /* One island per context: the second one has a context of its own. */
  g_autoptr(IsleLocalSet) inner = isle_local_set_new_for_context (inner_context);
  g_autoptr(IsleJoinHandle) handle = NULL;
  IsleLocalSet *seen = NULL;

  g_assert_null (isle_local_set_get_current ());

  isle_local_set_enter (outer);
  g_assert_true (isle_local_set_get_current () == outer);

  isle_local_set_enter (inner);
  g_assert_true (isle_local_set_get_current () == inner);
  /* isle_spawn_local() uses the innermost entered island. */
  handle = isle_spawn_local (report_local_set_task, &seen, NULL);
  g_assert_cmpuint (isle_local_set_get_n_tasks (inner), ==, 1);
  g_assert_cmpuint (isle_local_set_get_n_tasks (outer), ==, 0);
  isle_local_set_leave (inner);

  g_assert_true (isle_local_set_get_current () == outer);
  isle_local_set_leave (outer);
  g_assert_null (isle_local_set_get_current ());

  isle_test_run_all (inner);
  g_assert_true (seen == inner);
  g_assert_null (isle_local_set_get_current ());
}

static void
test_local_set_enter_scoped (void)
{
  g_autoptr(IsleLocalSet) island = isle_local_set_new ();

  g_assert_null (isle_local_set_get_current ());
  {
    g_autoptr(IsleLocalSetEnterGuard) guard = isle_local_set_enter_scoped (island);
    g_autoptr(IsleJoinHandle) handle = NULL;

    g_assert_true (isle_local_set_get_current () == island);
    handle = isle_spawn_local (mark_ran_task, &(Probe) { 0, }, NULL);
    g_assert_cmpuint (isle_local_set_get_n_tasks (island), ==, 1);
    isle_join_handle_abort (handle);
  }
  g_assert_null (isle_local_set_get_current ());
}

static void
test_local_set_leave_not_innermost (void)
{
  if (g_test_subprocess ())
    {
      IsleLocalSet *outer = isle_local_set_new ();
      IsleLocalSet *inner = isle_local_set_new_for_context (g_main_context_new ());

      isle_local_set_enter (outer);
      isle_local_set_enter (inner);
      isle_local_set_leave (outer);
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  g_test_trap_assert_stderr ("*CRITICAL*isle_local_set_leave*not*");
}

typedef struct
{
  IsleLocalSet *island;
  IsleLocalSet *seen_in_root;
  IsleLocalSet *seen_in_child;
  IsleLocalSet *seen_in_source;
  int           source_ran;
} CurrentProbe;

static gboolean
record_current_source (gpointer user_data)
{
  CurrentProbe *probe = user_data;

  probe->seen_in_source = isle_local_set_get_current ();
  probe->source_ran = 1;
  return G_SOURCE_REMOVE;
}

static gpointer
current_root (gpointer   user_data,
              GError   **error)
{
  CurrentProbe *probe = user_data;
  g_autoptr(IsleJoinHandle) handle = NULL;
  GSource *idle;

  probe->seen_in_root = isle_local_set_get_current ();

  handle = isle_spawn_local (report_local_set_task, &probe->seen_in_child, NULL);
  g_assert_null (isle_join_handle_join (handle, error));

  /* Plain main-loop code dispatched while run_until drives the island
   * also sees it as current. */
  idle = g_idle_source_new ();
  g_source_set_priority (idle, G_PRIORITY_DEFAULT);
  g_source_set_callback (idle, record_current_source, probe, NULL);
  g_source_attach (idle, isle_local_set_get_context (probe->island));
  g_source_unref (idle);
  while (!probe->source_ran)
    if (!isle_yield_now (error))
      return NULL;

  return NULL;
}

static void
test_local_set_get_current_in_task (void)
{
  g_autoptr(IsleLocalSet) island = isle_local_set_new ();
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(IsleLocalSet) driven = isle_local_set_new_for_context (context);
  g_autoptr(IsleJoinHandle) handle = NULL;
  CurrentProbe probe = { island, };
  IsleLocalSet *seen = NULL;
  gint64 deadline = isle_test_deadline ();

  isle_test_run_root (island, current_root, &probe);
  g_assert_true (probe.seen_in_root == island);
  g_assert_true (probe.seen_in_child == island);
  g_assert_true (probe.seen_in_source == island);
  g_assert_null (isle_local_set_get_current ());

  /* A task run by a plain iteration of the context, nothing entered. */
  handle = isle_local_set_spawn_local (driven, report_local_set_task, &seen,
                                       NULL);
  while (!isle_join_handle_is_finished (handle))
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (context, FALSE);
    }
  g_assert_true (seen == driven);
  g_assert_null (isle_local_set_get_current ());
}

/* Every destroy notify runs exactly once, on the owner thread, when an
 * island with parked tasks is freed. */
static void
test_local_set_teardown_parked_tasks (void)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  IsleLocalSet *island = isle_local_set_new_for_context (context);
  Probe probes[10] = { { 0, }, };
  IsleJoinHandle *held;
  int all_started = 0;
  gint64 deadline = isle_test_deadline ();

  for (guint i = 0; i < G_N_ELEMENTS (probes); i++)
    isle_join_handle_unref (isle_local_set_spawn_local (island,
                                                        park_forever_task,
                                                        &probes[i],
                                                        probe_destroy));
  held = isle_local_set_spawn_local (island, park_forever_task,
                                     &(Probe) { 0, }, NULL);

  while (!all_started)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (context, FALSE);
      all_started = 1;
      for (guint i = 0; i < G_N_ELEMENTS (probes); i++)
        all_started = all_started && probes[i].ran == 1;
    }
  g_assert_cmpuint (isle_local_set_get_n_tasks (island), ==, 11);

  isle_local_set_unref (island);

  for (guint i = 0; i < G_N_ELEMENTS (probes); i++)
    {
      g_assert_cmpint (probes[i].saw_cancelled, ==, 1);
      g_assert_cmpint (probes[i].finished, ==, 1);
      g_assert_cmpint (probes[i].destroyed, ==, 1);
      g_assert_true (probes[i].destroy_thread == g_thread_self ());
    }

  /* A handle held across teardown sees its task finished. */
  g_assert_true (isle_join_handle_is_finished (held));
  isle_join_handle_unref (held);
}

static void
test_local_set_teardown_never_driven (void)
{
  IsleLocalSet *island = isle_local_set_new ();
  Probe probes[5] = { { 0, }, };

  for (guint i = 0; i < G_N_ELEMENTS (probes); i++)
    isle_join_handle_unref (isle_local_set_spawn_local (island,
                                                        mark_ran_task,
                                                        &probes[i],
                                                        probe_destroy));
  g_assert_cmpuint (isle_local_set_get_n_tasks (island), ==, 5);
  isle_local_set_unref (island);

  for (guint i = 0; i < G_N_ELEMENTS (probes); i++)
    {
      g_assert_cmpint (probes[i].ran, ==, 0);
      g_assert_cmpint (probes[i].destroyed, ==, 1);
      g_assert_true (probes[i].destroy_thread == g_thread_self ());
    }
}

static gpointer
report_n_tasks_task (gpointer   user_data,
                     GError   **error)
{
  guint *n_tasks = user_data;

  *n_tasks = isle_local_set_get_n_tasks (isle_local_set_get_current ());
  return NULL;
}

static void
test_local_set_n_tasks (void)
{
  g_autoptr(IsleLocalSet) island = isle_local_set_new ();
  guint seen[3] = { 0, };

  g_assert_cmpuint (isle_local_set_get_n_tasks (island), ==, 0);
  for (guint i = 0; i < G_N_ELEMENTS (seen); i++)
    {
      isle_join_handle_unref (isle_local_set_spawn_local (island,
                                                          report_n_tasks_task,
                                                          &seen[i], NULL));
      g_assert_cmpuint (isle_local_set_get_n_tasks (island), ==, i + 1);
    }
  isle_test_run_all (island);

  /* Each task counts itself and those not yet finished. */
  g_assert_cmpuint (seen[0], ==, 3);
  g_assert_cmpuint (seen[1], ==, 2);
  g_assert_cmpuint (seen[2], ==, 1);
  g_assert_cmpuint (isle_local_set_get_n_tasks (island), ==, 0);
}

#define BIG_STACK (1024 * 1024)
#define BIG_ARRAY (512 * 1024)

G_GNUC_NO_INLINE static guint
sum_bytes (const volatile guint8 *bytes,
           gsize                  n_bytes)
{
  guint sum = 0;

  for (gsize i = 0; i < n_bytes; i += 4096)
    sum += bytes[i];
  return sum + bytes[n_bytes - 1];
}

static gpointer
big_frame_task (gpointer   user_data,
                GError   **error)
{
  volatile guint8 buffer[BIG_ARRAY];
  guint sum;

  for (gsize i = 0; i < sizeof buffer; i++)
    buffer[i] = 1;
  if (!isle_yield_now (error))
    return NULL;
  sum = sum_bytes (buffer, sizeof buffer);
  return GUINT_TO_POINTER (sum);
}

static void
test_local_set_default_stack_size (void)
{
  g_autoptr(IsleLocalSet) island = isle_local_set_new ();
  guint result;

  g_assert_cmpuint (isle_local_set_get_default_stack_size (island), ==,
                    ISLE_STACK_SIZE_DEFAULT);
  isle_local_set_set_default_stack_size (island, BIG_STACK);
  g_assert_cmpuint (isle_local_set_get_default_stack_size (island), ==,
                    BIG_STACK);

  /* A task spawned with stack size 0 gets the island's default. */
  result = GPOINTER_TO_UINT (isle_test_run_root (island, big_frame_task, NULL));
  g_assert_cmpuint (result, ==, BIG_ARRAY / 4096 + 1);
}

typedef struct
{
  GString *order;
  char     letter;
} OrderProbe;

static gpointer
record_priority_task (gpointer   user_data,
                      GError   **error)
{
  OrderProbe *probe = user_data;

  g_assert_cmpint (isle_task_get_priority (isle_task_get_current ()), ==,
                   probe->letter == 'H' ? G_PRIORITY_HIGH : G_PRIORITY_DEFAULT);
  g_string_append_c (probe->order, probe->letter);
  return NULL;
}

static void
test_local_set_priorities (void)
{
  g_autoptr(IsleLocalSet) island = isle_local_set_new ();
  g_autoptr(GString) order = g_string_new (NULL);
  OrderProbe low = { order, 'D' };
  OrderProbe high = { order, 'H' };

  /* The default-priority tasks are spawned first and still run last. */
  for (guint i = 0; i < 3; i++)
    isle_join_handle_unref (isle_local_set_spawn_local_full (island, "low",
                                                             G_PRIORITY_DEFAULT,
                                                             0,
                                                             record_priority_task,
                                                             &low, NULL, NULL));
  for (guint i = 0; i < 3; i++)
    isle_join_handle_unref (isle_local_set_spawn_local_full (island, "high",
                                                             G_PRIORITY_HIGH,
                                                             0,
                                                             record_priority_task,
                                                             &high, NULL, NULL));
  isle_test_run_all (island);
  g_assert_cmpstr (order->str, ==, "HHHDDD");
}

typedef struct
{
  GPtrArray *handles;
  int        default_idle_ran;
  int        high_idle_ran;
  guint64    yields;
  gint64     deadline;
} BusyProbe;

static void
abort_busy_when_idles_ran (BusyProbe *probe)
{
  if (!probe->default_idle_ran || !probe->high_idle_ran)
    return;
  for (guint i = 0; i < probe->handles->len; i++)
    isle_join_handle_abort (g_ptr_array_index (probe->handles, i));
}

static gboolean
default_idle_cb (gpointer user_data)
{
  BusyProbe *probe = user_data;

  probe->default_idle_ran = 1;
  abort_busy_when_idles_ran (probe);
  return G_SOURCE_REMOVE;
}

static gboolean
high_idle_cb (gpointer user_data)
{
  BusyProbe *probe = user_data;

  probe->high_idle_ran = 1;
  abort_busy_when_idles_ran (probe);
  return G_SOURCE_REMOVE;
}

static gpointer
yield_forever_task (gpointer   user_data,
                    GError   **error)
{
  BusyProbe *probe = user_data;

  /* Give up at the deadline, so that an island that never lets the idles
   * run fails the test instead of hanging it. */
  while (isle_yield_now (NULL) && g_get_monotonic_time () < probe->deadline)
    probe->yields++;
  return NULL;
}

static void
test_local_set_budget_lets_idle_run (void)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(IsleLocalSet) island = isle_local_set_new_for_context (context);
  g_autoptr(GPtrArray) handles = g_ptr_array_new_with_free_func ((GDestroyNotify) isle_join_handle_unref);
  BusyProbe probe = { handles, };
  GSource *idle;

  probe.deadline = isle_test_deadline ();
  for (guint i = 0; i < 4; i++)
    g_ptr_array_add (handles, isle_local_set_spawn_local (island,
                                                          yield_forever_task,
                                                          &probe, NULL));

  idle = g_idle_source_new ();
  g_source_set_priority (idle, G_PRIORITY_DEFAULT_IDLE);
  g_source_set_callback (idle, default_idle_cb, &probe, NULL);
  g_source_attach (idle, context);
  g_source_unref (idle);

  idle = g_idle_source_new ();
  g_source_set_priority (idle, G_PRIORITY_HIGH_IDLE + 20);
  g_source_set_callback (idle, high_idle_cb, &probe, NULL);
  g_source_attach (idle, context);
  g_source_unref (idle);

  /* The tasks never stop on their own: only the idles, if they get their
   * turn, abort them and let the run finish before the deadline. */
  isle_test_run_all (island);
  g_assert_true (probe.default_idle_ran);
  g_assert_true (probe.high_idle_ran);
  g_assert_cmpuint (probe.yields, >, 0);
}

#define N_POLL_TASKS 100000
#define N_FIBER_TASKS 2000

static IslePoll
yield_once_poll (gpointer    state,
                 IsleWaker  *waker,
                 gpointer   *result,
                 GError    **error)
{
  guint *polls = state;

  (*polls)++;
  if (*polls == 1)
    {
      isle_waker_wake (waker);
      return ISLE_POLL_PENDING;
    }
  *result = GUINT_TO_POINTER (*polls);
  return ISLE_POLL_READY;
}

static gpointer
many_poll_tasks_root (gpointer   user_data,
                      GError   **error)
{
  guint *polls = g_new0 (guint, N_POLL_TASKS);
  IsleJoinHandle **handles = g_new (IsleJoinHandle *, N_POLL_TASKS);
  guint64 total = 0;

  for (guint i = 0; i < N_POLL_TASKS; i++)
    handles[i] = isle_spawn_local_poll (yield_once_poll, &polls[i], NULL);
  g_assert_cmpuint (isle_local_set_get_n_tasks (isle_local_set_get_current ()),
                    ==, N_POLL_TASKS + 1);

  for (guint i = 0; i < N_POLL_TASKS; i++)
    {
      GError *local_error = NULL;

      total += GPOINTER_TO_UINT (isle_join_handle_join (handles[i], &local_error));
      g_assert_no_error (local_error);
      isle_join_handle_unref (handles[i]);
    }
  g_assert_cmpuint (total, ==, 2 * (guint64) N_POLL_TASKS);
  for (guint i = 0; i < N_POLL_TASKS; i++)
    g_assert_cmpuint (polls[i], ==, 2);

  g_free (handles);
  g_free (polls);
  return NULL;
}

static void
test_local_set_many_poll_tasks (void)
{
  g_autoptr(IsleLocalSet) island = isle_local_set_new ();

  isle_test_run_root (island, many_poll_tasks_root, NULL);
  g_assert_cmpuint (isle_local_set_get_n_tasks (island), ==, 0);
}

typedef struct
{
  guint started;
  guint alive;
  guint max_alive;
} CrowdProbe;

static gpointer
crowd_task (gpointer   user_data,
            GError   **error)
{
  CrowdProbe *probe = user_data;

  probe->started++;
  probe->alive++;
  probe->max_alive = MAX (probe->max_alive, probe->alive);
  /* Stay alive until every task has started. */
  while (probe->started < N_FIBER_TASKS)
    if (!isle_yield_now (error))
      return NULL;
  probe->alive--;
  return GUINT_TO_POINTER (1);
}

static gpointer
many_fiber_tasks_root (gpointer   user_data,
                       GError   **error)
{
  CrowdProbe *probe = user_data;
  IsleJoinHandle **handles = g_new (IsleJoinHandle *, N_FIBER_TASKS);
  guint total = 0;

  for (guint i = 0; i < N_FIBER_TASKS; i++)
    handles[i] = isle_spawn_local (crowd_task, probe, NULL);
  for (guint i = 0; i < N_FIBER_TASKS; i++)
    {
      GError *local_error = NULL;

      total += GPOINTER_TO_UINT (isle_join_handle_join (handles[i], &local_error));
      g_assert_no_error (local_error);
      isle_join_handle_unref (handles[i]);
    }
  g_free (handles);
  return GUINT_TO_POINTER (total);
}

static void
test_local_set_many_fiber_tasks (void)
{
  g_autoptr(IsleLocalSet) island = isle_local_set_new ();
  CrowdProbe probe = { 0, };
  guint total;

  total = GPOINTER_TO_UINT (isle_test_run_root (island, many_fiber_tasks_root,
                                                &probe));
  g_assert_cmpuint (total, ==, N_FIBER_TASKS);
  g_assert_cmpuint (probe.max_alive, ==, N_FIBER_TASKS);
  g_assert_cmpuint (probe.alive, ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Isle/LocalSet/new", test_local_set_new);
  g_test_add_func ("/Isle/LocalSet/new-for-context", test_local_set_new_for_context);
  g_test_add_func ("/Isle/LocalSet/ref-unref", test_local_set_ref_unref);
  g_test_add_func ("/Isle/LocalSet/counter-example", test_local_set_counter_example);
  g_test_add_func ("/Isle/LocalSet/spawn-before-driven", test_local_set_spawn_before_driven);
  g_test_add_func ("/Isle/LocalSet/driven-by-main-loop", test_local_set_driven_by_main_loop);
  g_test_add_func ("/Isle/LocalSet/run-until-result", test_local_set_run_until_result);
  g_test_add_func ("/Isle/LocalSet/run-until-error", test_local_set_run_until_error);
  g_test_add_func ("/Isle/LocalSet/run-until-deadline-timeout", test_local_set_run_until_deadline_timeout);
  g_test_add_func ("/Isle/LocalSet/run-until-deadline-success", test_local_set_run_until_deadline_success);
  g_test_add_func ("/Isle/LocalSet/run-until-leaves-other-tasks", test_local_set_run_until_leaves_other_tasks);
  g_test_add_func ("/Isle/LocalSet/run", test_local_set_run);
  g_test_add_func ("/Isle/LocalSet/run-deadline", test_local_set_run_deadline);
  g_test_add_func ("/Isle/LocalSet/enter-leave", test_local_set_enter_leave);
  g_test_add_func ("/Isle/LocalSet/enter-scoped", test_local_set_enter_scoped);
  g_test_add_func ("/Isle/LocalSet/leave-not-innermost", test_local_set_leave_not_innermost);
  g_test_add_func ("/Isle/LocalSet/get-current-in-task", test_local_set_get_current_in_task);
  g_test_add_func ("/Isle/LocalSet/teardown-parked-tasks", test_local_set_teardown_parked_tasks);
  g_test_add_func ("/Isle/LocalSet/teardown-never-driven", test_local_set_teardown_never_driven);
  g_test_add_func ("/Isle/LocalSet/n-tasks", test_local_set_n_tasks);
  g_test_add_func ("/Isle/LocalSet/default-stack-size", test_local_set_default_stack_size);
  g_test_add_func ("/Isle/LocalSet/priorities", test_local_set_priorities);
  g_test_add_func ("/Isle/LocalSet/budget-lets-idle-run", test_local_set_budget_lets_idle_run);
  g_test_add_func ("/Isle/LocalSet/many-poll-tasks", test_local_set_many_poll_tasks);
  g_test_add_func ("/Isle/LocalSet/many-fiber-tasks", test_local_set_many_fiber_tasks);

  return g_test_run ();
}
