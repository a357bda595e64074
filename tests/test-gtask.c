/* test-gtask.c: the shared island of a context and the GTask bridge
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include <gio/gio.h>

#include <isle.h>

#include "isle-local-set-shared-private.h"
#include "isle-test-util.h"

/* Iterates @context until it has no island left: the island of a finished
 * operation lingers until the context is idle. */
static void
drain_island (GMainContext *context)
{
  gint64 deadline = isle_test_deadline ();

  if (context == NULL)
    context = g_main_context_default ();
  while (_isle_shared_lookup (context) != NULL)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (context, FALSE);
    }
}

/* ----- The shared island ----- */

static void
test_shared_same_island (void)
{
  IsleLocalSet *app = isle_local_set_new ();
  IsleLocalSet *library = isle_local_set_ref_thread_default ();
  IsleLocalSet *other = isle_local_set_ref_for_context (NULL);
  g_autoptr(GMainContext) context = g_main_context_new ();
  IsleLocalSet *elsewhere = isle_local_set_ref_for_context (context);

  /* The app made it; every library on the context finds that one. */
  g_assert_true (library == app);
  g_assert_true (other == app);
  g_assert_true (elsewhere != app);
  g_assert_true (isle_local_set_get_context (elsewhere) == context);

  isle_local_set_unref (library);
  isle_local_set_unref (other);
  isle_local_set_unref (app);
  /* The last reference frees it; the next call makes a new one. */
  g_assert_null (_isle_shared_lookup (g_main_context_default ()));
  isle_local_set_unref (elsewhere);
  g_assert_null (_isle_shared_lookup (context));

  app = isle_local_set_ref_thread_default ();
  g_assert_true (_isle_shared_entry_get_island (_isle_shared_lookup (g_main_context_default ())) == app);
  isle_local_set_unref (app);
}

static void
test_shared_second_new (void)
{
  if (g_test_subprocess ())
    {
      IsleLocalSet *first = isle_local_set_new ();
      IsleLocalSet *second;
      IsleLocalSet *shared;

      isle_test_make_criticals_non_fatal ();
      second = isle_local_set_new ();
      /* The second works on its own; the shared one stays the first. */
      shared = isle_local_set_ref_thread_default ();
      g_assert_true (shared == first);
      g_assert_true (second != first);
      isle_local_set_unref (shared);
      isle_local_set_unref (second);
      isle_local_set_unref (first);
      g_print ("survived\n");
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stdout ("*survived*");
  g_test_trap_assert_stderr ("*CRITICAL*isle_local_set_new_for_context(): context * "
                             "already has island *; a second island on one context "
                             "is not shared*isle_local_set_ref_for_context()*");
}

static gpointer
ref_elsewhere_thread (gpointer data)
{
  return isle_local_set_ref_for_context (data);
}

static void
test_shared_other_thread (void)
{
  if (g_test_subprocess ())
    {
      IsleLocalSet *island = isle_local_set_new ();
      GThread *thread = g_thread_new ("intruder", ref_elsewhere_thread,
                                      isle_local_set_get_context (island));

      g_thread_join (thread);
      isle_local_set_unref (island);
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  g_test_trap_assert_stderr ("*isle_local_set_ref_for_context() called on thread "
                             "'intruder'*whose island * belongs to thread*");
}

/* ----- The bridge: a plain GIO caller ----- */

typedef struct
{
  int           calls;          /* callback runs */
  int           user_data_freed;
  int           result_freed;
  gboolean      in_async;       /* inside the _async call */
  gboolean      bad_callback;   /* the callback ran in a task or inside _async */
  GThread      *callback_thread;
  GMainContext *callback_context;
  GThread      *body_thread;
  gboolean      body_ran;
  gboolean      saw_cancelled;  /* the body's own cancellable was cancelled */
  GThread      *cancelled_thread; /* where the body's cancellable was cancelled */
  int           priority;
  char         *name;
  char         *site;           /* the body's spawn site in the task list */
  GAsyncResult *result;         /* (owned) */
  GMainLoop    *loop;
} Call;

static void
call_clear (Call *call)
{
  g_clear_object (&call->result);
  g_clear_pointer (&call->name, g_free);
  g_clear_pointer (&call->site, g_free);
  g_clear_pointer (&call->loop, g_main_loop_unref);
}

typedef struct
{
  Call   *call;
  guint   sleep_ms;           /* 0: return at once */
  int     outcome;            /* 0 value, 1 error */
} Job;

static void
job_free (gpointer data)
{
  Job *job = data;

  job->call->user_data_freed++;
  g_free (job);
}

static void
result_free (gpointer data)
{
  Call *call = *(Call **) data;

  call->result_freed++;
  g_free (data);
}

static void
note_cancelled (GCancellable *cancellable,
                gpointer      data)
{
  Call *call = data;

  call->cancelled_thread = g_thread_self ();
}

/* Where the island's task list says @task was spawned. */
static char *
spawn_site_of (IsleTask *task)
{
  g_autoptr(GListModel) tasks = isle_local_set_list_tasks (isle_task_get_local_set (task));

  for (guint i = 0; i < g_list_model_get_n_items (tasks); i++)
    {
      g_autoptr(IsleTaskInfo) info = g_list_model_get_item (tasks, i);

      if (isle_task_info_get_id (info) == isle_task_get_id (task))
        return g_strdup (isle_task_info_get_spawn_site (info));
    }
  return NULL;
}

static gpointer
job_body (gpointer   data,
          GError   **error)
{
  Job *job = data;
  Call *call = job->call;
  IsleTask *self = isle_task_get_current ();
  Call **value;

  g_assert_nonnull (self);
  g_atomic_int_set (&call->body_ran, TRUE);
  call->body_thread = g_thread_self ();
  call->priority = isle_task_get_priority (self);
  call->name = g_strdup (isle_task_get_name (self));
  call->site = spawn_site_of (self);
  g_signal_connect (isle_current_cancellable (), "cancelled", G_CALLBACK (note_cancelled), call);

  if (job->sleep_ms > 0 && !isle_sleep_msec (job->sleep_ms, error))
    {
      call->saw_cancelled = g_cancellable_is_cancelled (isle_current_cancellable ());
      return NULL;
    }

  if (job->outcome == 1)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "no such thing");
      return NULL;
    }

  value = g_new (Call *, 1);
  *value = call;
  return value;
}

static void
job_done (GObject      *source,
          GAsyncResult *result,
          gpointer      data)
{
  Call *call = data;

  call->calls++;
  if (isle_task_get_current () != NULL || call->in_async)
    call->bad_callback = TRUE;
  call->callback_thread = g_thread_self ();
  call->callback_context = g_main_context_ref_thread_default ();
  g_main_context_unref (call->callback_context);
  g_set_object (&call->result, result);
  if (call->loop != NULL)
    g_main_loop_quit (call->loop);
}

/* What a library's _async function looks like. */
static void
job_run_async (Job                 *job,
               int                  priority,
               const char          *name,
               GCancellable        *cancellable,
               GAsyncReadyCallback  callback,
               gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);

  g_task_set_source_tag (task, job_run_async);
  g_task_set_priority (task, priority);
  if (name != NULL)
    g_task_set_name (task, name);

  job->call->in_async = TRUE;
  isle_task_run_for_gtask (task, job_body, job, job_free, result_free);
  job->call->in_async = FALSE;
}

static Job *
job_new (Call  *call,
         guint  sleep_ms,
         int    outcome)
{
  Job *job = g_new0 (Job, 1);

  job->call = call;
  job->sleep_ms = sleep_ms;
  job->outcome = outcome;
  return job;
}

static void
test_gtask_pointer (void)
{
  Call call = { 0, };
  gpointer value;
  GError *error = NULL;

  /* No island yet: the caller knows nothing of Isle. */
  g_assert_null (_isle_shared_lookup (g_main_context_default ()));
  job_run_async (job_new (&call, 0, 0), G_PRIORITY_HIGH, "the job", NULL, job_done, &call);
  g_assert_cmpint (call.calls, ==, 0);
  g_assert_false (call.body_ran);

  isle_test_iterate_until (NULL, &call.calls);
  g_assert_false (call.bad_callback);
  g_assert_true (call.callback_thread == g_thread_self ());
  g_assert_true (call.callback_context == g_main_context_default ());
  g_assert_true (call.body_thread == g_thread_self ());
  g_assert_cmpint (call.priority, ==, G_PRIORITY_HIGH);
  g_assert_cmpstr (call.name, ==, "the job");
  g_assert_cmpint (call.user_data_freed, ==, 1);

  value = g_task_propagate_pointer (G_TASK (call.result), &error);
  g_assert_no_error (error);
  g_assert_true (*(Call **) value == &call);
  result_free (value);
  g_assert_cmpint (call.result_freed, ==, 1);

  /* The island of the operation lingered, then went. */
  drain_island (NULL);
  g_assert_cmpint (call.calls, ==, 1);
  call_clear (&call);
}

/* A GTask without a name: the task is listed at the GTask's source tag, the
 * library's _async function, not at the bridge. */
static void
test_gtask_unnamed_site (void)
{
  Call call = { 0, };
  gpointer value;

  job_run_async (job_new (&call, 0, 0), G_PRIORITY_DEFAULT, NULL, NULL, job_done, &call);
  isle_test_iterate_until (NULL, &call.calls);
  g_assert_nonnull (call.site);
  g_assert_nonnull (strstr (call.site, "job_run_async"));
  g_assert_null (strstr (call.site, "isle_task_run_for_gtask"));
  value = g_task_propagate_pointer (G_TASK (call.result), NULL);
  g_assert_nonnull (value);
  result_free (value);
  drain_island (NULL);
  call_clear (&call);
}

static void
test_gtask_result_dropped (void)
{
  Call call = { 0, };

  job_run_async (job_new (&call, 0, 0), G_PRIORITY_DEFAULT, NULL, NULL, job_done, &call);
  isle_test_iterate_until (NULL, &call.calls);
  g_assert_cmpint (call.result_freed, ==, 0);
  /* Nobody propagated it: the GTask releases it with result_destroy. */
  g_clear_object (&call.result);
  g_assert_cmpint (call.result_freed, ==, 1);
  drain_island (NULL);
  call_clear (&call);
}

static void
test_gtask_error (void)
{
  Call call = { 0, };
  GError *error = NULL;

  /* Under G_DEBUG=fatal-warnings an unobserved-failure report would
   * abort here: the error that completes the GTask counts as observed. */
  job_run_async (job_new (&call, 0, 1), G_PRIORITY_DEFAULT, NULL, NULL, job_done, &call);
  isle_test_iterate_until (NULL, &call.calls);
  g_assert_null (g_task_propagate_pointer (G_TASK (call.result), &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_cmpint (call.user_data_freed, ==, 1);
  g_assert_cmpint (call.result_freed, ==, 0);
  drain_island (NULL);
  call_clear (&call);
}

static gboolean
bool_body (gpointer   data,
           GError   **error)
{
  return GPOINTER_TO_INT (data) == 1;
}

static gssize
int_body (gpointer   data,
          GError   **error)
{
  if (GPOINTER_TO_INT (data) < 0)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "negative");
      return -1;
    }
  return GPOINTER_TO_INT (data) * 1000;
}

static void
test_gtask_boolean_int (void)
{
  Call calls[4] = { { 0, }, };
  GError *error = NULL;
  GTask *task;

  task = g_task_new (NULL, NULL, job_done, &calls[0]);
  isle_task_run_for_gtask_boolean (task, bool_body, GINT_TO_POINTER (1), NULL);
  g_object_unref (task);
  task = g_task_new (NULL, NULL, job_done, &calls[1]);
  isle_task_run_for_gtask_boolean (task, bool_body, GINT_TO_POINTER (0), NULL);
  g_object_unref (task);
  task = g_task_new (NULL, NULL, job_done, &calls[2]);
  isle_task_run_for_gtask_int (task, int_body, GINT_TO_POINTER (42), NULL);
  g_object_unref (task);
  task = g_task_new (NULL, NULL, job_done, &calls[3]);
  isle_task_run_for_gtask_int (task, int_body, GINT_TO_POINTER (-1), NULL);
  g_object_unref (task);

  isle_test_iterate_until (NULL, &calls[3].calls);
  g_assert_true (g_task_propagate_boolean (G_TASK (calls[0].result), &error));
  g_assert_no_error (error);
  g_assert_false (g_task_propagate_boolean (G_TASK (calls[1].result), &error));
  g_assert_no_error (error);
  g_assert_cmpint (g_task_propagate_int (G_TASK (calls[2].result), &error), ==, 42000);
  g_assert_no_error (error);
  g_assert_cmpint (g_task_propagate_int (G_TASK (calls[3].result), &error), ==, -1);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
  g_clear_error (&error);
  for (guint i = 0; i < G_N_ELEMENTS (calls); i++)
    {
      g_assert_cmpint (calls[i].calls, ==, 1);
      g_assert_false (calls[i].bad_callback);
      call_clear (&calls[i]);
    }
  drain_island (NULL);
}

static gboolean
cancel_soon (gpointer data)
{
  Call *call = g_object_get_data (data, "call");

  /* Only once the body is parked in its sleep. */
  if (!call->body_ran)
    return G_SOURCE_CONTINUE;
  g_cancellable_cancel (data);
  return G_SOURCE_REMOVE;
}

static void
check_cancelled (Call *call)
{
  GError *error = NULL;

  g_assert_cmpint (call->calls, ==, 1);
  g_assert_false (call->bad_callback);
  g_assert_null (g_task_propagate_pointer (G_TASK (call->result), &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  g_assert_cmpint (call->user_data_freed, ==, 1);
  g_assert_cmpint (call->result_freed, ==, 0);
}

static void
test_gtask_cancel_main_loop (void)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  Call call = { 0, };

  job_run_async (job_new (&call, 60 * 1000, 0), G_PRIORITY_DEFAULT, NULL, cancellable, job_done, &call);
  g_object_set_data (G_OBJECT (cancellable), "call", &call);
  g_idle_add (cancel_soon, cancellable);
  isle_test_iterate_until (NULL, &call.calls);

  check_cancelled (&call);
  /* The body's own cancellable was cancelled, on the island's thread. */
  g_assert_true (call.saw_cancelled);
  g_assert_true (call.cancelled_thread == g_thread_self ());
  drain_island (NULL);
  call_clear (&call);
}

static gpointer
cancel_thread (gpointer data)
{
  GCancellable *cancellable = data;
  Call *call = g_object_get_data (data, "call");

  while (!g_atomic_int_get (&call->body_ran))
    g_usleep (1000);
  g_cancellable_cancel (cancellable);
  return NULL;
}

static void
test_gtask_cancel_other_thread (void)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  Call call = { 0, };
  GThread *thread;

  job_run_async (job_new (&call, 60 * 1000, 0), G_PRIORITY_DEFAULT, NULL, cancellable, job_done, &call);
  g_object_set_data (G_OBJECT (cancellable), "call", &call);
  thread = g_thread_new ("canceller", cancel_thread, cancellable);
  isle_test_iterate_until (NULL, &call.calls);
  g_thread_join (thread);

  check_cancelled (&call);
  g_assert_true (call.saw_cancelled);
  /* Aborted on the island's thread, not on the canceller's. */
  g_assert_true (call.cancelled_thread == g_thread_self ());
  drain_island (NULL);
  call_clear (&call);
}

static void
test_gtask_already_cancelled (void)
{
  for (guint check = 0; check < 2; check++)
    {
      g_autoptr(GCancellable) cancellable = g_cancellable_new ();
      g_autoptr(GTask) task = NULL;
      Call call = { 0, };

      g_cancellable_cancel (cancellable);
      task = g_task_new (NULL, cancellable, job_done, &call);
      /* The cancellation error comes even with check-cancellable off. */
      g_task_set_check_cancellable (task, check == 0);
      call.in_async = TRUE;
      isle_task_run_for_gtask (task, job_body, job_new (&call, 0, 0), job_free, result_free);
      call.in_async = FALSE;
      g_clear_object (&task);
      /* Released at once, as the body will never run. */
      g_assert_cmpint (call.user_data_freed, ==, 1);
      g_assert_cmpint (call.calls, ==, 0);

      isle_test_iterate_until (NULL, &call.calls);
      g_assert_false (call.body_ran);
      check_cancelled (&call);
      drain_island (NULL);
      g_assert_cmpint (call.calls, ==, 1);
      call_clear (&call);
    }
}

static void
test_gtask_return_on_cancel (void)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GTask) task = NULL;
  Call call = { 0, };

  task = g_task_new (NULL, cancellable, job_done, &call);
  g_assert_true (g_task_set_return_on_cancel (task, TRUE));
  isle_task_run_for_gtask (task, job_body, job_new (&call, 60 * 1000, 0), job_free, result_free);
  g_clear_object (&task);
  g_object_set_data (G_OBJECT (cancellable), "call", &call);
  g_idle_add (cancel_soon, cancellable);
  isle_test_iterate_until (NULL, &call.calls);
  drain_island (NULL);
  check_cancelled (&call);
  call_clear (&call);
}

/* ----- Threads ----- */

typedef struct
{
  Call         *call;
  GTask        *task;     /* (owned) */
} Handoff;

static gpointer
bridge_from_thread (gpointer data)
{
  Handoff *handoff = data;

  isle_task_run_for_gtask (handoff->task, job_body, job_new (handoff->call, 0, 0),
                           job_free, result_free);
  g_clear_object (&handoff->task);
  return NULL;
}

static void
test_gtask_marshalled (void)
{
  IsleLocalSet *island = isle_local_set_ref_thread_default ();
  Call call = { 0, };
  Handoff handoff = { &call, NULL };
  GThread *thread;

  handoff.task = g_task_new (NULL, NULL, job_done, &call);
  thread = g_thread_new ("library-worker", bridge_from_thread, &handoff);
  isle_test_iterate_until (NULL, &call.calls);
  g_thread_join (thread);

  /* The body ran on the island's thread, not on the worker. */
  g_assert_true (call.body_thread == g_thread_self ());
  g_assert_true (call.callback_thread == g_thread_self ());
  g_assert_false (call.bad_callback);
  g_assert_cmpint (call.user_data_freed, ==, 1);
  call_clear (&call);
  g_assert_cmpint (call.result_freed, ==, 1);
  isle_local_set_unref (island);
  drain_island (NULL);
}

static gpointer
caller_thread (gpointer data)
{
  Call *call = data;
  g_autoptr(GMainContext) context = g_main_context_new ();
  int i;

  g_main_context_push_thread_default (context);
  for (i = 0; i < 3; i++)
    {
      call[i].loop = g_main_loop_new (context, FALSE);
      job_run_async (job_new (&call[i], 0, 0), G_PRIORITY_DEFAULT, NULL, NULL, job_done, &call[i]);
      g_main_loop_run (call[i].loop);
      g_assert_true (call[i].callback_context == context);
    }
  drain_island (context);
  g_main_context_pop_thread_default (context);
  return NULL;
}

static void
test_gtask_worker_context (void)
{
  Call call[3] = { { 0, }, };
  GThread *thread = g_thread_new ("caller", caller_thread, call);

  g_thread_join (thread);
  for (int i = 0; i < 3; i++)
    {
      g_assert_cmpint (call[i].calls, ==, 1);
      g_assert_true (call[i].body_thread == thread);
      g_assert_true (call[i].callback_thread == thread);
      g_assert_false (call[i].bad_callback);
      call_clear (&call[i]);
      g_assert_cmpint (call[i].result_freed, ==, 1);
    }
  g_assert_null (_isle_shared_lookup (g_main_context_default ()));
}

static void
test_gtask_concurrent (void)
{
  Call call[10] = { { 0, }, };
  int done;

  for (int i = 0; i < 10; i++)
    job_run_async (job_new (&call[i], 1 + i % 3, i % 2), G_PRIORITY_DEFAULT, NULL, NULL, job_done, &call[i]);
  do
    {
      done = 0;
      for (int i = 0; i < 10; i++)
        done += call[i].calls;
      if (done < 10)
        g_main_context_iteration (NULL, TRUE);
    }
  while (done < 10);
  for (int i = 0; i < 10; i++)
    {
      g_assert_cmpint (call[i].calls, ==, 1);
      g_assert_false (call[i].bad_callback);
      g_assert_cmpint (call[i].user_data_freed, ==, 1);
      call_clear (&call[i]);
      g_assert_cmpint (call[i].result_freed, ==, i % 2 == 0 ? 1 : 0);
    }
  drain_island (NULL);
}

/* The operation keeps its island: the app drops its own reference while
 * the operation runs. */
static void
test_gtask_keeps_island (void)
{
  IsleLocalSet *app = isle_local_set_ref_thread_default ();
  Call call = { 0, };

  job_run_async (job_new (&call, 5, 0), G_PRIORITY_DEFAULT, NULL, NULL, job_done, &call);
  isle_local_set_unref (app);
  g_assert_nonnull (_isle_shared_lookup (g_main_context_default ()));
  isle_test_iterate_until (NULL, &call.calls);
  g_assert_cmpint (call.user_data_freed, ==, 1);
  drain_island (NULL);
  call_clear (&call);
}

/* ----- Freeing everything from any destroy notify ----- */

typedef struct
{
  GObject *source;    /* (owned) */
  GTask   *task;      /* (owned) the caller's own reference */
  int     *freed;
} Owner;

static void
owner_free (gpointer data)
{
  Owner *owner = data;

  /* Drops the source object and the GTask from inside the destroy. */
  g_clear_object (&owner->task);
  g_clear_object (&owner->source);
  (*owner->freed)++;
  g_free (owner);
}

static gpointer
owner_body (gpointer   data,
            GError   **error)
{
  if (!isle_yield_now (error))
    return NULL;
  return g_strdup ("done");
}

static void
owner_done (GObject      *source,
            GAsyncResult *result,
            gpointer      data)
{
  int *calls = data;
  GError *error = NULL;
  char *value;

  g_assert_true (G_IS_OBJECT (source));
  value = g_task_propagate_pointer (G_TASK (result), &error);
  if (value != NULL)
    {
      g_assert_cmpstr (value, ==, "done");
      g_free (value);
    }
  else
    g_clear_error (&error);
  (*calls)++;
}

static void
test_gtask_free_from_destroy (void)
{
  for (guint variant = 0; variant < 2; variant++)
    {
      g_autoptr(GCancellable) cancellable = g_cancellable_new ();
      int freed = 0;
      int calls = 0;
      Owner *owner = g_new0 (Owner, 1);
      GObject *source = g_object_new (G_TYPE_OBJECT, NULL);

      owner->source = source;
      owner->freed = &freed;
      owner->task = g_task_new (source, variant == 1 ? cancellable : NULL, owner_done, &calls);
      g_task_set_task_data (owner->task, g_strdup ("task data"), g_free);
      isle_task_run_for_gtask (owner->task, owner_body, owner, owner_free, g_free);
      if (variant == 1)
        g_cancellable_cancel (cancellable);
      isle_test_iterate_until (NULL, &calls);
      g_assert_cmpint (freed, ==, 1);
      drain_island (NULL);
      g_assert_cmpint (calls, ==, 1);
    }
}

/* The glue the bridge replaces, as first written: a per-call struct owns
 * the task's join handle and the task's destroy notify frees it. It must
 * not crash whichever way the task ends (fixed on branch harden-b). */
typedef struct
{
  IsleJoinHandle *handle;   /* (owned) */
  int            *freed;
  int            *parked;
  int             outcome;  /* 0 value, 1 error, 2 aborted while parked */
} PerCall;

static void
per_call_free (gpointer data)
{
  PerCall *per_call = data;

  g_clear_pointer (&per_call->handle, isle_join_handle_unref);
  (*per_call->freed)++;
  g_free (per_call);
}

static gpointer
per_call_body (gpointer   data,
               GError   **error)
{
  PerCall *per_call = data;

  if (per_call->outcome == 2)
    {
      *per_call->parked = 1;
      isle_sleep_msec (60 * 1000, error);
      return NULL;
    }
  if (per_call->outcome == 1)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, "failed, and seen by nobody");
      return NULL;
    }
  return g_strdup ("value");
}

static void
test_gtask_handle_owned_by_data (void)
{
  for (int outcome = 0; outcome < 3; outcome++)
    {
      IsleLocalSet *island = isle_local_set_ref_thread_default ();
      PerCall *per_call = g_new0 (PerCall, 1);
      int freed = 0;
      int parked = 0;

      /* A failure nobody joins is reported; this one is expected. */
      isle_local_set_set_unhandled_failure (island, ISLE_UNHANDLED_FAILURE_IGNORE);
      per_call->freed = &freed;
      per_call->parked = &parked;
      per_call->outcome = outcome;
      per_call->handle = isle_local_set_spawn_local_full (island, "per-call", G_PRIORITY_DEFAULT, 0,
                                                          per_call_body, per_call, per_call_free, g_free);
      if (outcome == 2)
        {
          IsleJoinHandle *handle = per_call->handle;

          isle_test_iterate_until (NULL, &parked);
          isle_join_handle_abort (handle);
        }
      while (freed == 0)
        g_main_context_iteration (NULL, TRUE);
      g_assert_cmpint (freed, ==, 1);
      isle_local_set_unref (island);
      drain_island (NULL);
    }
}

/* ----- Cancellation reaching awaited work ----- */

static gpointer
spin_until_cancelled (gpointer       data,
                      GCancellable  *cancellable,
                      GError       **error)
{
  int *seen = data;
  gint64 deadline = isle_test_deadline ();

  g_atomic_int_set (&seen[0], 1);
  while (!g_cancellable_is_cancelled (cancellable) && g_get_monotonic_time () < deadline)
    g_usleep (1000);
  g_atomic_int_set (&seen[1], g_cancellable_is_cancelled (cancellable) ? 1 : -1);
  return NULL;
}

static gpointer
await_blocking (gpointer   data,
                GError   **error)
{
  g_autoptr(IsleFuture) job = isle_spawn_blocking (spin_until_cancelled, data, NULL, NULL);

  return isle_await (job, error);
}

static void
test_await_abort_cancels_job (void)
{
  IsleLocalSet *island = isle_local_set_ref_thread_default ();
  g_autoptr(IsleJoinHandle) handle = NULL;
  int seen[2] = { 0, 0 };

  handle = isle_local_set_spawn_local (island, await_blocking, seen, NULL);
  isle_test_iterate_until (NULL, &seen[0]);
  isle_join_handle_abort (handle);
  /* Nobody else held the job's future: the job's GCancellable is
   * cancelled and its thread stops. */
  isle_test_iterate_until (NULL, &seen[1]);
  g_assert_cmpint (g_atomic_int_get (&seen[1]), ==, 1);
  while (!isle_join_handle_is_finished (handle))
    g_main_context_iteration (NULL, TRUE);
  g_clear_pointer (&handle, isle_join_handle_unref);
  isle_local_set_unref (island);
  drain_island (NULL);
}

typedef struct
{
  int      released;
  int      returned;
  guint    sleep_ms;
} Sub;

static void
sub_release (gpointer data)
{
  ((Sub *) data)->released++;
}

static gpointer
sub_body (gpointer   data,
          GError   **error)
{
  Sub *sub = data;

  if (!isle_sleep_msec (sub->sleep_ms, error))
    {
      sub->returned = 1;
      return NULL;
    }
  sub->returned = 2;
  return g_strdup ("in time");
}

static gpointer
join_with_deadline (gpointer   data,
                    GError   **error)
{
  Sub *subs = data;
  g_autoptr(IsleJoinHandle) slow = isle_spawn_local_full ("slow", G_PRIORITY_DEFAULT, 0, sub_body,
                                                          &subs[0], sub_release, g_free);
  g_autoptr(IsleJoinHandle) quick = isle_spawn_local_full ("quick", G_PRIORITY_DEFAULT, 0, sub_body,
                                                           &subs[1], sub_release, g_free);
  g_autoptr(GError) local_error = NULL;
  char *value;

  g_assert_null (isle_join_handle_join_timeout_msec (slow, 20, &local_error));
  g_assert_error (local_error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  /* Aborted and returned: its data is released before the call returns. */
  g_assert_cmpint (subs[0].returned, ==, 1);
  g_assert_cmpint (subs[0].released, ==, 1);
  g_assert_true (isle_join_handle_is_finished (slow));

  value = isle_join_handle_join_timeout_msec (quick, 60 * 1000, error);
  g_assert_cmpstr (value, ==, "in time");
  g_free (value);
  return NULL;
}

static void
test_join_timeout_aborts (void)
{
  IsleLocalSet *island = isle_local_set_ref_thread_default ();
  Sub subs[2] = { { 0, 0, 60 * 1000 }, { 0, 0, 1 } };

  isle_test_run_root (island, join_with_deadline, subs);
  g_assert_cmpint (subs[1].released, ==, 1);
  isle_local_set_unref (island);
  drain_island (NULL);
}

/* ----- Misuse ----- */

static gpointer
never_body (gpointer   data,
            GError   **error)
{
  g_assert_not_reached ();
}

static void
count_free (gpointer data)
{
  (*(int *) data)++;
}

static void
test_gtask_misuse_null (void)
{
  if (g_test_subprocess ())
    {
      int freed = 0;

      isle_test_make_criticals_non_fatal ();
      isle_task_run_for_gtask (NULL, never_body, &freed, count_free, NULL);
      g_assert_cmpint (freed, ==, 1);
      g_print ("survived\n");
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stdout ("*survived*");
  g_test_trap_assert_stderr ("*CRITICAL*isle_task_run_for_gtask() called with NULL "
                             "instead of a GTask: pass the GTask that the _async "
                             "function made with g_task_new()*");
}

static void
ignore_done (GObject      *source,
             GAsyncResult *result,
             gpointer      data)
{
  (*(int *) data)++;
}

static void
test_gtask_misuse_completed (void)
{
  if (g_test_subprocess ())
    {
      int freed = 0;
      int calls = 0;
      GTask *task = g_task_new (NULL, NULL, ignore_done, &calls);

      isle_test_make_criticals_non_fatal ();
      g_task_return_boolean (task, TRUE);
      isle_test_iterate_until (NULL, &calls);
      isle_task_run_for_gtask (task, never_body, &freed, count_free, NULL);
      g_assert_cmpint (freed, ==, 1);
      g_object_unref (task);
      g_print ("survived\n");
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stdout ("*survived*");
  g_test_trap_assert_stderr ("*CRITICAL*isle_task_run_for_gtask() called for GTask *, "
                             "which has already completed: a GTask is one operation; "
                             "make a new one with g_task_new() for each call*");
}

static void
test_gtask_misuse_twice (void)
{
  if (g_test_subprocess ())
    {
      int freed = 0;
      Call call = { 0, };
      GTask *task = g_task_new (NULL, NULL, job_done, &call);

      isle_test_make_criticals_non_fatal ();
      isle_task_run_for_gtask_boolean (task, bool_body, GINT_TO_POINTER (1), NULL);
      isle_task_run_for_gtask (task, never_body, &freed, count_free, NULL);
      g_assert_cmpint (freed, ==, 1);
      g_object_unref (task);
      /* The first still completes the GTask, once. */
      isle_test_iterate_until (NULL, &call.calls);
      g_assert_true (g_task_propagate_boolean (G_TASK (call.result), NULL));
      drain_island (NULL);
      g_assert_cmpint (call.calls, ==, 1);
      call_clear (&call);
      g_print ("survived\n");
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stdout ("*survived*");
  g_test_trap_assert_stderr ("*CRITICAL*isle_task_run_for_gtask() called twice for GTask *: "
                             "one GTask is completed by one task, once*");
}

static gpointer
bridge_no_owner (gpointer data)
{
  int *freed = data;
  g_autoptr(GMainContext) context = g_main_context_new ();
  GTask *task;

  /* A GTask on a context that no thread pushed and no island serves. */
  g_main_context_push_thread_default (context);
  task = g_task_new (NULL, NULL, ignore_done, freed + 1);
  g_main_context_pop_thread_default (context);
  isle_task_run_for_gtask (task, never_body, freed, count_free, NULL);
  g_assert_cmpint (freed[0], ==, 1);
  /* It is completed with an error instead. */
  while (freed[1] == 0)
    g_main_context_iteration (context, TRUE);
  g_assert_true (g_task_had_error (task));
  g_object_unref (task);
  return NULL;
}

static void
test_gtask_misuse_no_owner (void)
{
  if (g_test_subprocess ())
    {
      int freed[2] = { 0, 0 };

      isle_test_make_criticals_non_fatal ();
      g_thread_join (g_thread_new ("library", bridge_no_owner, freed));
      g_print ("survived\n");
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stdout ("*survived*");
  g_test_trap_assert_stderr ("*CRITICAL*isle_task_run_for_gtask() called on thread "
                             "'library'* for GTask *, whose context * has no island and "
                             "is not this thread's thread-default context*"
                             "isle_local_set_ref_for_context()*");
}

/* ----- Linking an outside cancellable ----- */

static gpointer
park_body (gpointer   data,
           GError   **error)
{
  gboolean *saw = data;

  saw[1] = TRUE;
  if (!isle_sleep_msec (60 * 1000, error))
    *saw = g_cancellable_is_cancelled (isle_current_cancellable ());
  return NULL;
}

static gpointer
cancel_when_ready (gpointer data)
{
  g_cancellable_cancel (data);
  return NULL;
}

static void
test_link_cancellable (void)
{
  IsleLocalSet *island = isle_local_set_new ();
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GCancellable) unused = g_cancellable_new ();
  g_autoptr(IsleJoinHandle) handle = NULL;
  g_autoptr(IsleJoinHandle) other = NULL;
  gboolean saw[2] = { FALSE, FALSE };
  gboolean other_saw[2] = { FALSE, FALSE };
  GThread *thread;

  handle = isle_local_set_spawn_local (island, park_body, saw, NULL);
  isle_join_handle_link_cancellable (handle, cancellable);
  other = isle_local_set_spawn_local (island, park_body, other_saw, NULL);
  isle_join_handle_link_cancellable (other, unused);
  g_assert_true (g_signal_has_handler_pending (unused, g_signal_lookup ("cancelled", G_TYPE_CANCELLABLE), 0, FALSE));

  /* Cancelled on another thread once the task sleeps: aborted on the
   * island's. */
  while (!saw[1])
    g_main_context_iteration (NULL, TRUE);
  thread = g_thread_new ("canceller", cancel_when_ready, cancellable);
  while (!isle_join_handle_is_finished (handle))
    g_main_context_iteration (NULL, TRUE);
  g_thread_join (thread);
  g_assert_true (saw[0]);

  /* Finished otherwise, a task is unlinked. */
  isle_join_handle_abort (other);
  while (!isle_join_handle_is_finished (other))
    g_main_context_iteration (NULL, TRUE);
  g_assert_false (g_signal_has_handler_pending (unused, g_signal_lookup ("cancelled", G_TYPE_CANCELLABLE), 0, FALSE));
  g_cancellable_cancel (unused);

  /* An already-cancelled one aborts at once; a finished task is left be. */
  g_clear_pointer (&handle, isle_join_handle_unref);
  handle = isle_local_set_spawn_local (island, park_body, saw, NULL);
  isle_join_handle_link_cancellable (handle, cancellable);
  while (!isle_join_handle_is_finished (handle))
    g_main_context_iteration (NULL, TRUE);
  isle_join_handle_link_cancellable (handle, unused);
  isle_local_set_unref (island);
}

/* ----- A future as a GAsyncResult ----- */

static void
future_done (GObject      *source,
             GAsyncResult *result,
             gpointer      data)
{
  Call *call = data;

  call->calls++;
  if (isle_task_get_current () != NULL || call->in_async)
    call->bad_callback = TRUE;
  g_assert_true (g_task_is_valid (result, source));
  g_assert_true (g_task_get_source_tag (G_TASK (result)) == isle_future_to_gtask);
  g_set_object (&call->result, result);
}

static void
test_future_to_gtask (void)
{
  g_autoptr(IslePromise) promise = isle_promise_new ();
  g_autoptr(IslePromise) never = isle_promise_new ();
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GObject) source = g_object_new (G_TYPE_OBJECT, NULL);
  GError *error = NULL;
  Call call = { 0, };
  Call cancelled = { 0, };

  call.in_async = TRUE;
  isle_future_to_gtask (isle_promise_get_future (promise), source, NULL, future_done, &call);
  isle_promise_resolve (promise, g_strdup ("value"), g_free);
  call.in_async = FALSE;
  isle_test_iterate_until (NULL, &call.calls);
  g_assert_false (call.bad_callback);
  g_assert_cmpstr (g_task_propagate_pointer (G_TASK (call.result), &error), ==, "value");
  g_assert_no_error (error);

  isle_future_to_gtask (isle_promise_get_future (never), source, cancellable, future_done, &cancelled);
  g_thread_join (g_thread_new ("canceller", cancel_when_ready, cancellable));
  isle_test_iterate_until (NULL, &cancelled.calls);
  g_assert_null (g_task_propagate_pointer (G_TASK (cancelled.result), &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  g_assert_true (isle_future_is_finished (isle_promise_get_future (never)));
  call_clear (&call);
  call_clear (&cancelled);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Isle/Shared/same-island", test_shared_same_island);
  g_test_add_func ("/Isle/Shared/second-new", test_shared_second_new);
  g_test_add_func ("/Isle/Shared/other-thread", test_shared_other_thread);
  g_test_add_func ("/Isle/GTask/pointer", test_gtask_pointer);
  g_test_add_func ("/Isle/GTask/result-dropped", test_gtask_result_dropped);
  g_test_add_func ("/Isle/GTask/unnamed-site", test_gtask_unnamed_site);
  g_test_add_func ("/Isle/GTask/error-observed", test_gtask_error);
  g_test_add_func ("/Isle/GTask/boolean-int", test_gtask_boolean_int);
  g_test_add_func ("/Isle/GTask/cancel-main-loop", test_gtask_cancel_main_loop);
  g_test_add_func ("/Isle/GTask/cancel-other-thread", test_gtask_cancel_other_thread);
  g_test_add_func ("/Isle/GTask/already-cancelled", test_gtask_already_cancelled);
  g_test_add_func ("/Isle/GTask/return-on-cancel", test_gtask_return_on_cancel);
  g_test_add_func ("/Isle/GTask/marshalled", test_gtask_marshalled);
  g_test_add_func ("/Isle/GTask/worker-context", test_gtask_worker_context);
  g_test_add_func ("/Isle/GTask/concurrent", test_gtask_concurrent);
  g_test_add_func ("/Isle/GTask/keeps-island", test_gtask_keeps_island);
  g_test_add_func ("/Isle/GTask/free-from-destroy", test_gtask_free_from_destroy);
  g_test_add_func ("/Isle/GTask/handle-owned-by-data", test_gtask_handle_owned_by_data);
  g_test_add_func ("/Isle/GTask/await-abort-cancels-job", test_await_abort_cancels_job);
  g_test_add_func ("/Isle/GTask/join-timeout-aborts", test_join_timeout_aborts);
  g_test_add_func ("/Isle/GTask/misuse-null", test_gtask_misuse_null);
  g_test_add_func ("/Isle/GTask/misuse-completed", test_gtask_misuse_completed);
  g_test_add_func ("/Isle/GTask/misuse-twice", test_gtask_misuse_twice);
  g_test_add_func ("/Isle/GTask/misuse-no-owner", test_gtask_misuse_no_owner);
  g_test_add_func ("/Isle/GTask/link-cancellable", test_link_cancellable);
  g_test_add_func ("/Isle/GTask/future-to-gtask", test_future_to_gtask);

  return g_test_run ();
}
