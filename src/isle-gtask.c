/* isle-gtask.c: tasks that are GIO asynchronous operations
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "isle-gtask.h"
#include "isle-local-set-private.h"
#include "isle-run-queue-private.h"
#include "isle-local-set-shared-private.h"
#include "isle-spawn-private.h"
#include "isle-task-private.h"

/* The bridge (design decision 9). One operation runs one fiber task
 * on the island of the GTask's context and completes the GTask once.
 *
 * Where the GTask is completed matters. g_task_return_*() invokes the
 * caller's callback at once when it is called from a source of the task's
 * own context in a later iteration than the one that made the GTask
 * (GLib 2.74, gio/gtask.c, g_task_return()), and the island's run queue is
 * such a source: returning from the task would run the callback on the
 * fiber's stack, inside the task. So a finished operation goes to a
 * completion queue, one GSource per island, whose dispatch returns the
 * GTasks: the callbacks run there, on the thread's own stack, outside any
 * task, and never inside the `_async` call that started the operation. */

typedef enum
{
  RESULT_POINTER,
  RESULT_BOOLEAN,
  RESULT_INT,
} ResultKind;

typedef struct _Op Op;

/* One operation. The island's side holds the first reference from the
 * start to the end; a connected cancelled handler and the completion
 * queue hold one each. */
struct _Op
{
  gatomicrefcount  ref_count;
  GTask           *gtask;              /* (owned) */
  ResultKind       kind;
  gpointer         func;
  gpointer         user_data;          /* (owned) released by user_data_destroy */
  GDestroyNotify   user_data_destroy;
  GDestroyNotify   result_destroy;
  gconstpointer    site;               /* the GTask's source tag, or the caller */
  GMainContext    *context;            /* (owned) the GTask's */
  GCancellable    *cancellable;        /* (owned) (nullable) the GTask's */
  IsleRemote      *remote;             /* (owned) (nullable) where cancels go; set before connecting */

  /* The rest is touched on the island's thread only. */
  gulong           cancel_handler;
  IsleLocalSet    *island;             /* (owned) until the GTask is completed */
  IsleSharedEntry *entry;              /* (unowned) the island's, alive with it */
  IsleTask        *task;               /* (owned) a handle reference */
  gboolean         task_done;          /* the task finished, or never ran */
  gboolean         returned;           /* the GTask has been returned */
  gboolean         queued;             /* in the completion queue */
  gboolean         return_cancelled;   /* return G_IO_ERROR_CANCELLED, whatever the task made */
  gpointer         value;              /* (owned) (nullable) released by result_destroy */
  gssize           int_value;          /* the boolean, too */
  GError          *error;              /* (owned) (nullable) */
  Op              *next;               /* completion queue link */
};

static Op *
op_ref (Op *op)
{
  g_atomic_ref_count_inc (&op->ref_count);
  return op;
}

/* The last reference may go on any thread (a cancelled handler's whose
 * call found the island gone); by then only thread-safe parts are left. */
static void
op_unref (gpointer data)
{
  Op *op = data;

  if (!g_atomic_ref_count_dec (&op->ref_count))
    return;

  g_assert (op->island == NULL && op->task == NULL);
  g_assert (op->user_data_destroy == NULL && op->value == NULL && op->error == NULL);
  g_clear_object (&op->gtask);
  g_clear_object (&op->cancellable);
  g_clear_pointer (&op->remote, _isle_remote_unref);
  g_main_context_unref (op->context);
  g_free (op);
}

static void
op_release_user_data (Op *op)
{
  GDestroyNotify destroy = g_steal_pointer (&op->user_data_destroy);
  gpointer user_data = g_steal_pointer (&op->user_data);

  if (destroy != NULL)
    destroy (user_data);
}

/* Completion queue ------------------------------------------------------- */

typedef struct
{
  GSource       source;
  IsleLocalSet *island;      /* (unowned) the island destroys this source first */
  Op           *head;        /* each entry holds an op reference */
  Op           *tail;
  guint         n_running;   /* operations whose task has not finished */
} CompletionSource;

static void
op_return_gtask (Op *op)
{
  GTask *gtask = op->gtask;

  op->returned = TRUE;

  if (op->return_cancelled)
    {
      /* Sets the error even when check-cancellable is off. */
      if (!g_task_return_error_if_cancelled (gtask))
        g_task_return_new_error (gtask, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                 "The operation was cancelled");
    }
  else if (op->error != NULL)
    g_task_return_error (gtask, g_steal_pointer (&op->error));
  else if (op->kind == RESULT_POINTER)
    g_task_return_pointer (gtask, g_steal_pointer (&op->value), op->result_destroy);
  else if (op->kind == RESULT_BOOLEAN)
    g_task_return_boolean (gtask, op->int_value != 0);
  else
    g_task_return_int (gtask, op->int_value);
}

/* The operation is over: the GTask was returned and the task is done. */
static void
op_release (Op *op)
{
  gpointer value = g_steal_pointer (&op->value);

  if (op->task != NULL)
    isle_join_handle_unref ((IsleJoinHandle *) g_steal_pointer (&op->task));
  if (value != NULL && op->result_destroy != NULL)
    op->result_destroy (value);
  g_clear_error (&op->error);
  op->entry = NULL;
  _isle_shared_release (g_steal_pointer (&op->island));
  op_unref (op);
}

static gboolean
completion_dispatch (GSource     *source,
                     GSourceFunc  callback,
                     gpointer     user_data)
{
  CompletionSource *self = (CompletionSource *) source;
  Op *batch = self->head;

  /* A callback may start operations, or iterate the context again: what
   * it queues goes to the next dispatch. */
  self->head = self->tail = NULL;

  while (batch != NULL)
    {
      Op *op = batch;

      batch = op->next;
      op->next = NULL;
      op->queued = FALSE;

      if (!op->returned)
        op_return_gtask (op);
      if (op->task_done)
        op_release (op);
      op_unref (op);
    }

  return G_SOURCE_CONTINUE;
}

/* Ready while the queue is not empty. Operations are queued on the
 * island's thread, before the context's next prepare, so no wakeup is
 * needed: g_source_set_ready_time() would write to the context's wakeup
 * descriptor every time (GLib 2.74), which cost 3 µs a completion here.
 *
 * Also ready while operations run and the island has tasks ready: the
 * island's run queues were attached first, so in such an iteration they
 * dispatch first, and an operation whose task finishes there completes in
 * the same iteration instead of the next. At worst the dispatch finds
 * nothing to do, and only in iterations that run tasks anyway. */
static gboolean
completion_is_ready (CompletionSource *self)
{
  IsleLocalSet *island = self->island;

  if (self->head != NULL)
    return TRUE;
  if (self->n_running == 0)
    return FALSE;
  for (guint i = 0; i < island->n_queues; i++)
    if (island->queues[i]->head != NULL)
      return TRUE;
  return FALSE;
}

static gboolean
completion_prepare (GSource *source,
                    gint    *timeout)
{
  *timeout = -1;
  return completion_is_ready ((CompletionSource *) source);
}

static gboolean
completion_check (GSource *source)
{
  return completion_is_ready ((CompletionSource *) source);
}

static void
completion_finalize (GSource *source)
{
  g_assert (((CompletionSource *) source)->head == NULL);
}

static GSourceFuncs completion_funcs = {
  .prepare = completion_prepare,
  .check = completion_check,
  .dispatch = completion_dispatch,
  .finalize = completion_finalize,
};

static CompletionSource *
op_get_completions (Op *op)
{
  GSource **slot = _isle_shared_entry_get_completions (op->entry);

  if (*slot == NULL)
    {
      *slot = g_source_new (&completion_funcs, sizeof (CompletionSource));
      ((CompletionSource *) *slot)->island = op->island;
      g_source_set_name (*slot, "[isle-gtask-completions]");
      /* A callback that runs a nested main loop still sees other
       * operations complete. */
      g_source_set_can_recurse (*slot, TRUE);
      g_source_attach (*slot, op->island->context);
    }

  return (CompletionSource *) *slot;
}

static void
op_queue (Op *op)
{
  CompletionSource *queue;

  if (op->queued)
    return;

  queue = op_get_completions (op);
  op->queued = TRUE;
  op_ref (op);
  if (queue->tail != NULL)
    queue->tail->next = op;
  else
    queue->head = op;
  queue->tail = op;
}

/* The task ---------------------------------------------------------------- */

static gpointer
op_body (gpointer   data,
         GError   **error)
{
  Op *op = data;

  switch (op->kind)
    {
    case RESULT_POINTER:
      return ((IsleTaskFunc) op->func) (op->user_data, error);
    case RESULT_BOOLEAN:
      op->int_value = ((IsleTaskBooleanFunc) op->func) (op->user_data, error);
      return NULL;
    case RESULT_INT:
      op->int_value = ((IsleTaskIntFunc) op->func) (op->user_data, error);
      return NULL;
    default:
      g_assert_not_reached ();
    }
}

/* The task's user data is the op; the caller's data goes with it. */
static void
op_body_done (gpointer data)
{
  op_release_user_data (data);
}

static void
op_disconnect (Op *op)
{
  gulong handler = op->cancel_handler;

  op->cancel_handler = 0;
  if (handler != 0)
    g_cancellable_disconnect (op->cancellable, handler);
}

/* Runs inside the task's finish, on the scheduler's stack. The result is
 * taken here, so an error that completes the GTask counts as observed. */
static void
op_task_finished (IsleTask *task,
                  gpointer  data)
{
  Op *op = data;
  GError *error = NULL;
  gpointer value;

  value = _isle_task_consume_result (task, ISLE_RESULT_TAKE, &error);
  op_get_completions (op)->n_running--;
  op_disconnect (op);
  op->task_done = TRUE;
  op->value = value;
  op->error = error;
  op_queue (op);
}

/* On the island's thread, whichever thread cancelled. */
static void
op_cancel_on_island (gpointer data)
{
  Op *op = data;

  if (!op->task_done)
    {
      _isle_task_abort (op->task);

      /* g_task_set_return_on_cancel(): the caller hears at once; the task
       * winds down meanwhile and its outcome is dropped. */
      if (!op->returned && g_task_get_return_on_cancel (op->gtask))
        {
          op->return_cancelled = TRUE;
          op_queue (op);
        }
    }

  op_unref (op);
}

/* On the cancelling thread, any thread. */
static void
op_cancelled (GCancellable *cancellable,
              gpointer      data)
{
  Op *op = data;

  if (!_isle_remote_call (op->remote, op_cancel_on_island, op_ref (op)))
    op_unref (op);
}

/* On the island's thread: takes the first reference to @data. */
static void
op_start (gpointer data)
{
  Op *op = data;
  IsleTaskExtra *extra;

  op->island = isle_local_set_ref_for_context (op->context);
  op->entry = _isle_shared_lookup (op->context);
  g_assert (op->entry != NULL && _isle_shared_entry_get_island (op->entry) == op->island);

  if (g_cancellable_is_cancelled (op->cancellable))
    {
      op_release_user_data (op);
      op->task_done = TRUE;
      op->return_cancelled = TRUE;
      op_queue (op);
      return;
    }

  op->task = _isle_spawn (&(IsleSpawnArgs) {
    .island = op->island,
    .kind = ISLE_TASK_KIND_FIBER,
    .name = g_task_get_name (op->gtask),
    .priority = g_task_get_priority (op->gtask),
    .func = op_body,
    .user_data = op,
    .user_data_destroy = op_body_done,
    .result_destroy = op->kind == RESULT_POINTER ? op->result_destroy : NULL,
    .site = op->site,
  });
  extra = _isle_task_get_extra (op->task);
  extra->finish_notify = op_task_finished;
  extra->finish_data = op;
  op_get_completions (op)->n_running++;

  if (op->cancellable != NULL)
    {
      op->remote = _isle_remote_ref (op->island->remote);
      op->cancel_handler = g_cancellable_connect (op->cancellable, G_CALLBACK (op_cancelled),
                                                  op_ref (op), op_unref);
    }
}

static void
release_data (GDestroyNotify destroy,
              gpointer       user_data)
{
  if (destroy != NULL)
    destroy (user_data);
}

static void
run_for_gtask (const char     *function,
               GTask          *gtask,
               ResultKind      kind,
               gpointer        func,
               gpointer        user_data,
               GDestroyNotify  user_data_destroy,
               GDestroyNotify  result_destroy,
               gconstpointer   caller)
{
  static GQuark bridged_quark;
  g_autoptr(GMainContext) thread_default = NULL;
  GMainContext *context;
  IsleRemote *remote;
  gboolean on_island_thread;
  Op *op;

  if (G_UNLIKELY (!G_IS_TASK (gtask)))
    {
      g_critical ("%s() called with %s instead of a GTask: pass the GTask "
                  "that the _async function made with g_task_new()",
                  function, gtask == NULL ? "NULL" : "an object that is not a GTask");
      release_data (user_data_destroy, user_data);
      return;
    }

  if (G_UNLIKELY (func == NULL))
    {
      g_critical ("%s() called without a task function for GTask %p: pass "
                  "the body of the operation", function, (gpointer) gtask);
      release_data (user_data_destroy, user_data);
      return;
    }

  if (G_UNLIKELY (g_task_get_completed (gtask)))
    {
      g_critical ("%s() called for GTask %p, which has already completed: a "
                  "GTask is one operation; make a new one with g_task_new() "
                  "for each call", function, (gpointer) gtask);
      release_data (user_data_destroy, user_data);
      return;
    }

  if (G_UNLIKELY (bridged_quark == 0))
    bridged_quark = g_quark_from_static_string ("isle-task-run-for-gtask");
  if (G_UNLIKELY (g_object_get_qdata (G_OBJECT (gtask), bridged_quark) != NULL))
    {
      g_critical ("%s() called twice for GTask %p: one GTask is completed by "
                  "one task, once. Make a new GTask with g_task_new() for "
                  "each operation", function, (gpointer) gtask);
      release_data (user_data_destroy, user_data);
      return;
    }
  g_object_set_qdata (G_OBJECT (gtask), bridged_quark, GINT_TO_POINTER (1));

  op = g_new0 (Op, 1);
  g_atomic_ref_count_init (&op->ref_count);
  op->gtask = g_object_ref (gtask);
  op->kind = kind;
  op->func = func;
  op->user_data = user_data;
  op->user_data_destroy = user_data_destroy;
  op->result_destroy = result_destroy;
  op->site = g_task_get_source_tag (gtask) != NULL ? g_task_get_source_tag (gtask) : caller;
  context = g_task_get_context (gtask);
  op->context = g_main_context_ref (context);
  if (g_task_get_cancellable (gtask) != NULL)
    op->cancellable = g_object_ref (g_task_get_cancellable (gtask));

  remote = _isle_shared_ref_remote (context, &on_island_thread);
  if (remote != NULL)
    {
      gboolean sent = on_island_thread || _isle_remote_call (remote, op_start, op);

      _isle_remote_unref (remote);
      if (on_island_thread)
        op_start (op);
      if (sent)
        return;
    }
  else
    {
      /* No island yet: this thread may make one if the context is its
       * thread-default one, as GLib would iterate it here. */
      thread_default = g_main_context_ref_thread_default ();
      if (thread_default == context)
        {
          op_start (op);
          return;
        }
    }

  g_critical ("%s() called on thread %s for GTask %p, whose context %p has "
              "no island and is not this thread's thread-default context: "
              "nobody is known to iterate it. Call it on the thread that "
              "iterates the GTask's context, or make that context's island "
              "first there with isle_local_set_ref_for_context()",
              function, _isle_thread_describe_self (), (gpointer) gtask,
              (gpointer) context);
  op_release_user_data (op);
  g_task_return_new_error (gtask, ISLE_ERROR, ISLE_ERROR_NO_ISLAND,
                           "%s: the GTask's context has no island", function);
  op_unref (op);
}

/**
 * isle_task_run_for_gtask:
 * @task: (transfer none): the GTask of a GIO `_async` function, made with
 *   g_task_new() and not yet returned
 * @func: (scope notified) (not nullable): the operation's body, a fiber task
 * @user_data: (closure func): data for @func
 * @user_data_destroy: (nullable) (destroy user_data): releases @user_data
 *   once the body has returned, or at once if it never runs
 * @result_destroy: (nullable): releases the body's result if the caller
 *   never takes it with g_task_propagate_pointer()
 *
 * Runs @func as a fiber task that *is* the GIO operation of @task: the
 * one-call way to write an `_async`/`_finish` pair with Isle. The body
 * returns the result that g_task_propagate_pointer() hands to the caller's
 * `_finish`, or fails with an error that g_task_propagate_pointer() gives
 * it (and that therefore counts as observed, not as a failure nobody saw).
 *
 * |[<!-- language="C" -->
 * void
 * summary_compute_async (GFile *folder, GCancellable *cancellable,
 *                        GAsyncReadyCallback callback, gpointer user_data)
 * {
 *   g_autoptr(GTask) task = g_task_new (folder, cancellable, callback, user_data);
 *
 *   g_task_set_source_tag (task, summary_compute_async);
 *   isle_task_run_for_gtask (task, compute, g_object_ref (folder), g_object_unref, summary_free);
 * }
 * ]|
 *
 * The guarantees, each tested:
 *
 * - The task runs on the island of the GTask's context
 *   (g_task_get_context()), found or made with
 *   [func@Isle.LocalSet.ref_for_context], on that island's thread. Called
 *   on another thread, the start is sent there. The island is kept until
 *   the GTask has completed.
 * - The GTask is completed exactly once: with the body's result and
 *   @result_destroy, its error, or %G_IO_ERROR_CANCELLED.
 * - The GTask's cancellable, cancelled on any thread, aborts the task on
 *   its island's thread; the task's own cancellable
 *   ([func@Isle.current_cancellable]) is cancelled with it, so GIO calls
 *   in flight stop. With g_task_set_return_on_cancel() the GTask returns
 *   %G_IO_ERROR_CANCELLED at once and the task's outcome is dropped when it
 *   has wound down; without it the GTask returns when the task has
 *   returned (with check-cancellable on, the default, as
 *   %G_IO_ERROR_CANCELLED). If the cancellable is already cancelled, the
 *   body never runs, @user_data is released and the GTask returns
 *   %G_IO_ERROR_CANCELLED.
 * - The caller's callback never runs on a fiber stack, inside a task, or
 *   inside this call: it runs from the GTask's context in a later
 *   iteration, from a completion source outside every task
 *   ([func@Isle.Task.get_current] is %NULL there).
 * - The task takes the GTask's priority and its name (g_task_set_name()),
 *   and it is listed at the GTask's source tag as its spawn site in dumps
 *   and reports.
 * - Every destroy notify may free anything (the GTask, the source object,
 *   the caller's data) in any order.
 *
 * Misuse (a %NULL or completed GTask, a second call for one GTask, a
 * GTask whose context has no island on another thread) gets a critical
 * warning that names the fix; @user_data is released.
 *
 * Safe to call from any thread; the task runs on the thread of the
 * GTask's context's island, or on the calling thread when that context is
 * its thread-default one and has no island yet.
 *
 * Since: 0.2
 */
void
isle_task_run_for_gtask (GTask          *task,
                         IsleTaskFunc    func,
                         gpointer        user_data,
                         GDestroyNotify  user_data_destroy,
                         GDestroyNotify  result_destroy)
{
  run_for_gtask (G_STRFUNC, task, RESULT_POINTER, func, user_data,
                 user_data_destroy, result_destroy, __builtin_return_address (0));
}

/**
 * isle_task_run_for_gtask_boolean:
 * @task: (transfer none): the GTask of a GIO `_async` function, made with
 *   g_task_new() and not yet returned
 * @func: (scope notified) (not nullable): the operation's body, a fiber task
 * @user_data: (closure func): data for @func
 * @user_data_destroy: (nullable) (destroy user_data): releases @user_data
 *   once the body has returned, or at once if it never runs
 *
 * Runs @func as the fiber task that is the operation of @task, as
 * `isle_task_run_for_gtask()` does, for a `_finish` function that calls
 * g_task_propagate_boolean(): @func's boolean completes the GTask with
 * g_task_return_boolean(), its error with g_task_return_error().
 *
 * Safe to call from any thread, as `isle_task_run_for_gtask()` is.
 *
 * Since: 0.2
 */
void
isle_task_run_for_gtask_boolean (GTask               *task,
                                 IsleTaskBooleanFunc  func,
                                 gpointer             user_data,
                                 GDestroyNotify       user_data_destroy)
{
  run_for_gtask (G_STRFUNC, task, RESULT_BOOLEAN, func, user_data,
                 user_data_destroy, NULL, __builtin_return_address (0));
}

/**
 * isle_task_run_for_gtask_int:
 * @task: (transfer none): the GTask of a GIO `_async` function, made with
 *   g_task_new() and not yet returned
 * @func: (scope notified) (not nullable): the operation's body, a fiber task
 * @user_data: (closure func): data for @func
 * @user_data_destroy: (nullable) (destroy user_data): releases @user_data
 *   once the body has returned, or at once if it never runs
 *
 * Runs @func as the fiber task that is the operation of @task, as
 * `isle_task_run_for_gtask()` does, for a `_finish` function that calls
 * g_task_propagate_int(): @func's number completes the GTask with
 * g_task_return_int(), its error with g_task_return_error().
 *
 * Safe to call from any thread, as `isle_task_run_for_gtask()` is.
 *
 * Since: 0.2
 */
void
isle_task_run_for_gtask_int (GTask           *task,
                             IsleTaskIntFunc  func,
                             gpointer         user_data,
                             GDestroyNotify   user_data_destroy)
{
  run_for_gtask (G_STRFUNC, task, RESULT_INT, func, user_data,
                 user_data_destroy, NULL, __builtin_return_address (0));
}

/* Linking an outside cancellable ----------------------------------------- */

typedef struct
{
  gatomicrefcount       ref_count;
  IsleRemote           *remote;        /* (owned) */
  GCancellable         *cancellable;   /* (owned) */
  IsleTask             *task;          /* (owned) (nullable) island thread only; NULL once finished */
  gulong                handler;       /* island thread only */
  IsleTaskFinishNotify  chained;       /* (nullable) the notify this one replaced */
  gpointer              chained_data;
} Link;

static Link *
link_ref (Link *link)
{
  g_atomic_ref_count_inc (&link->ref_count);
  return link;
}

static void
link_unref (gpointer data)
{
  Link *link = data;

  if (!g_atomic_ref_count_dec (&link->ref_count))
    return;

  g_assert (link->task == NULL);
  _isle_remote_unref (link->remote);
  g_object_unref (link->cancellable);
  g_free (link);
}

static void
link_abort_on_island (gpointer data)
{
  Link *link = data;

  if (link->task != NULL)
    _isle_task_abort (link->task);
  link_unref (link);
}

static void
link_cancelled (GCancellable *cancellable,
                gpointer      data)
{
  Link *link = data;

  if (!_isle_remote_call (link->remote, link_abort_on_island, link_ref (link)))
    link_unref (link);
}

static void
link_task_finished (IsleTask *task,
                    gpointer  data)
{
  Link *link = data;
  gulong handler = link->handler;

  if (link->chained != NULL)
    link->chained (task, link->chained_data);

  link->handler = 0;
  if (handler != 0)
    g_cancellable_disconnect (link->cancellable, handler);
  _isle_task_unref (g_steal_pointer (&link->task));
  link_unref (link);
}

/**
 * isle_join_handle_link_cancellable:
 * @self: a join handle
 * @cancellable: (transfer none): any cancellable
 *
 * Aborts the task when @cancellable is cancelled, on whichever thread
 * that happens: the abort itself is sent to the task's island and done on
 * its thread, as [method@Isle.JoinHandle.abort] requires. The link is
 * undone when the task finishes. A cancellable that is already cancelled
 * aborts the task when the island next runs; a finished task is left
 * alone.
 *
 * This is what connecting @cancellable to [method@Isle.JoinHandle.abort]
 * by hand cannot do safely: a cancelled handler runs on the cancelling
 * thread.
 *
 * Call it on the task's island's thread.
 *
 * Since: 0.2
 */
void
isle_join_handle_link_cancellable (IsleJoinHandle *self,
                                   GCancellable   *cancellable)
{
  IsleTask *task;
  IsleTaskExtra *extra;
  Link *link;

  g_return_if_fail (self != NULL);
  g_return_if_fail (G_IS_CANCELLABLE (cancellable));

  task = ISLE_TASK_FROM_HANDLE (self);
  if (_isle_task_is_finished (task))
    return;

  _isle_local_set_check_thread (_isle_task_get_island (task), G_STRFUNC);

  link = g_new0 (Link, 1);
  g_atomic_ref_count_init (&link->ref_count);
  link->remote = _isle_remote_ref (_isle_task_get_remote (task));
  link->cancellable = g_object_ref (cancellable);
  link->task = _isle_task_ref (task);

  extra = _isle_task_get_extra (task);
  link->chained = extra->finish_notify;
  link->chained_data = extra->finish_data;
  extra->finish_notify = link_task_finished;
  extra->finish_data = link;

  link->handler = g_cancellable_connect (cancellable, G_CALLBACK (link_cancelled),
                                         link_ref (link), link_unref);
}

/* A future as a GAsyncResult ---------------------------------------------- */

typedef struct
{
  GCancellable *cancellable;   /* (owned) (nullable) */
  gulong        handler;
} FutureLink;

static void
future_cancelled (GCancellable *cancellable,
                  gpointer      data)
{
  isle_future_cancel (data);
}

static void
future_ready (IsleFuture *future,
              gpointer    data)
{
  GTask *gtask = data;
  FutureLink *link = g_object_get_data (G_OBJECT (gtask), "isle-future-link");
  GError *error = NULL;
  gpointer value;

  if (link != NULL && link->handler != 0)
    {
      g_cancellable_disconnect (link->cancellable, link->handler);
      link->handler = 0;
    }

  value = isle_future_get_value (future, &error);
  if (error != NULL)
    g_task_return_error (gtask, error);
  else
    g_task_return_pointer (gtask, value, NULL);
}

static void
future_link_free (gpointer data)
{
  FutureLink *link = data;

  if (link->handler != 0)
    g_cancellable_disconnect (link->cancellable, link->handler);
  g_clear_object (&link->cancellable);
  g_free (link);
}

/**
 * isle_future_to_gtask:
 * @self: (transfer none): a future
 * @source_object: (type GObject) (nullable) (transfer none): the
 *   [iface@Gio.AsyncResult]'s source object
 * @cancellable: (nullable) (transfer none): cancels @self when cancelled
 * @callback: (scope async) (nullable): called once @self is ready
 * @user_data: (closure callback): data for @callback
 *
 * Hands @self to a GIO caller as an `_async` operation: @callback gets a
 * [class@Gio.Task] from the calling thread's thread-default main context,
 * in a later iteration, once the future is ready. Its `_finish` calls
 * g_task_propagate_pointer(), which gives the future's value (owned by the
 * future, which the GTask keeps: valid as long as the result is) or its
 * error.
 *
 * |[<!-- language="C" -->
 * void
 * thing_load_async (Thing *self, GCancellable *cancellable,
 *                   GAsyncReadyCallback callback, gpointer user_data)
 * {
 *   g_autoptr(IsleFuture) loaded = thing_start_loading (self);
 *
 *   isle_future_to_gtask (loaded, self, cancellable, callback, user_data);
 * }
 * ]|
 *
 * Cancelling @cancellable, on any thread, cancels @self
 * ([method@Isle.Future.cancel]): pass a future that this operation alone
 * awaits. The GTask's source tag is isle_future_to_gtask().
 *
 * Safe to call from any thread that iterates its thread-default context.
 *
 * Since: 0.2
 */
void
isle_future_to_gtask (IsleFuture          *self,
                      gpointer             source_object,
                      GCancellable        *cancellable,
                      GAsyncReadyCallback  callback,
                      gpointer             user_data)
{
  GTask *gtask;

  g_return_if_fail (self != NULL);
  g_return_if_fail (source_object == NULL || G_IS_OBJECT (source_object));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  gtask = g_task_new (source_object, cancellable, callback, user_data);
  g_task_set_source_tag (gtask, isle_future_to_gtask);
  g_task_set_task_data (gtask, isle_future_ref (self), (GDestroyNotify) isle_future_unref);

  if (cancellable != NULL)
    {
      FutureLink *link = g_new0 (FutureLink, 1);

      link->cancellable = g_object_ref (cancellable);
      g_object_set_data_full (G_OBJECT (gtask), "isle-future-link", link, future_link_free);
      link->handler = g_cancellable_connect (cancellable, G_CALLBACK (future_cancelled),
                                             isle_future_ref (self),
                                             (GDestroyNotify) isle_future_unref);
    }

  /* The callback runs from an idle, never inside this call. */
  isle_future_then (self, future_ready, gtask, g_object_unref);
}
