/* isle-local-set.c: an island of local tasks
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include "isle-debug-private.h"
#include "isle-local-set-private.h"
#include "isle-nested-private.h"
#include "isle-local-set-shared-private.h"
#include "isle-overflow-private.h"
#include "isle-remote-spawn-private.h"
#include "isle-run-queue-private.h"
#include "isle-spawn-private.h"
#include "isle-task-private.h"

/**
 * IsleLocalSet:
 *
 * An island: a set of tasks bound to one thread and one #GMainContext, the
 * C counterpart of Tokio's `LocalSet`.
 *
 * Its tasks run only on the thread that created it, inside the dispatch of
 * GSources attached to its context, so they may hold state that is not
 * thread-safe (widgets, plain structs, non-thread-safe handles) across
 * every suspension. Any iteration of the context by that thread drives the
 * island: [method@Isle.LocalSet.run_until], a #GMainLoop, g_application_run().
 *
 * Every function of an island must be called on its thread, unless its
 * documentation says otherwise; a call from another thread aborts with a
 * message that names both threads.
 *
 * Since: 0.1
 */

G_DEFINE_BOXED_TYPE (IsleLocalSet, isle_local_set, isle_local_set_ref, isle_local_set_unref)



void
_isle_local_set_check_thread (IsleLocalSet *self,
                              const char   *function)
{
  ISLE_OWNER_CHECK (&self->owner, function, "the island", self,
                    "an island and its tasks may be touched only on the thread "
                    "that created it. Send the work to that thread instead (wake a "
                    "task's IsleWaker, or attach an idle "
                    "source to the island's context)");
}

/* Construction and teardown ---------------------------------------------- */

/**
 * isle_local_set_new:
 *
 * Creates an island bound to the calling thread and its thread-default
 * main context (g_main_context_ref_thread_default()).
 *
 * Tasks can be spawned on it at once; they start when the context is next
 * iterated on this thread.
 *
 * Returns: (transfer full): a new island
 *
 * Since: 0.1
 */
IsleLocalSet *
isle_local_set_new (void)
{
  g_autoptr(GMainContext) context = g_main_context_ref_thread_default ();

  return isle_local_set_new_for_context (context);
}

/**
 * isle_local_set_new_for_context:
 * @context: (nullable) (transfer none): the context to run tasks on, or
 *   %NULL for the global default context
 *
 * Creates an island bound to the calling thread and @context. Only this
 * thread may iterate @context while the island lives.
 *
 * Returns: (transfer full): a new island
 *
 * Since: 0.1
 */
IsleLocalSet *
isle_local_set_new_for_context (GMainContext *context)
{
  IsleLocalSet *self;

  if (context == NULL)
    context = g_main_context_default ();

  self = g_new0 (IsleLocalSet, 1);
  g_atomic_ref_count_init (&self->ref_count);
  _isle_owner_init (&self->owner);
  self->context = g_main_context_ref (context);
  self->dispatch_priority = G_MAXINT;
  self->default_stack_size = ISLE_STACK_SIZE_DEFAULT;
  self->remote = _isle_remote_new (self);
  self->draining = g_ptr_array_new ();
  self->draining_calls = g_array_new (FALSE, FALSE, sizeof (IsleRemoteCall));
  self->task_arena = _isle_task_arena_new (sizeof (IsleTask),
                                          _isle_remote_ref (self->remote),
                                          (GDestroyNotify) _isle_remote_unref);
  self->spawn_arena = _isle_task_arena_new_shared (_isle_remote_spawn_get_record_size (),
                                                  _isle_remote_ref (self->remote),
                                                  (GDestroyNotify) _isle_remote_unref);
  _isle_stack_pool_init (&self->stack_pool);
  _isle_overflow_handler_install ();
  self->slow_poll_threshold = (gint64) _isle_debug_get_env_slow_poll_ms () * 1000;
  isle_local_set_set_debug_flags (self, _isle_debug_get_env_flags ());

  self->remote_source = _isle_remote_source_new (self);

  /* The default queue exists from the start: most tasks use it. */
  _isle_local_set_get_queue (self, G_PRIORITY_DEFAULT);

  _isle_shared_register (self);

  return self;
}

/**
 * isle_local_set_ref:
 * @self: an island
 *
 * Takes a reference to the island.
 *
 * Safe to call from any thread that already holds a reference, for
 * instance to keep the island while handing it work with
 * [method@Isle.LocalSet.spawn_remote].
 *
 * Returns: (transfer full): @self
 *
 * Since: 0.1
 */
IsleLocalSet *
isle_local_set_ref (IsleLocalSet *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (g_atomic_int_get (&self->ref_count) > 0, NULL);

  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

/* Runs the ready tasks, highest priority first: the teardown's own loop,
 * which does not iterate the context (that would dispatch the
 * application's sources from inside an unref). It returns once no task is
 * ready, or once a queue has spent its budget: a task that keeps yielding
 * must not keep the teardown from checking how long it has waited. */
static gboolean
run_ready_tasks (IsleLocalSet *self)
{
  gboolean ran = FALSE;
  guint i;

  _isle_local_set_drain_remote (self, FALSE);

  for (i = 0; i < self->n_queues; i++)
    {
      IsleRunQueue *queue = self->queues[i];

      if (!_isle_run_queue_is_empty (queue))
        {
          _isle_run_queue_run_in_context (queue, TRUE);
          ran = TRUE;
          if (queue->spent)
            break;
          /* A task may have woken one of higher priority. */
          i = (guint) -1;
          _isle_local_set_drain_remote (self, FALSE);
        }
    }

  return ran;
}

/* How long the teardown waits for aborted tasks to return before it names
 * those that do not; see ISLE_TEARDOWN_REPORT_AFTER in docs/islands.md.
 * Tests shorten it. */
static gint64 teardown_report_after = ISLE_TEARDOWN_REPORT_AFTER;

void
_isle_local_set_set_teardown_report_after (gint64 usec)
{
  teardown_report_after = usec > 0 ? usec : ISLE_TEARDOWN_REPORT_AFTER;
}

/* Names the tasks a teardown has waited for too long: aborted, they keep
 * suspending and being resumed instead of returning. */
static void
report_stubborn_tasks (IsleLocalSet *self,
                       gint64        waited)
{
  GString *names = g_string_new (NULL);
  IsleTask *task;

  for (task = self->live_head; task != NULL; task = task->live_next)
    {
      g_autofree char *what = _isle_task_describe (task);
      g_autofree char *site = _isle_debug_describe_site (task->spawn_site);

      g_string_append_printf (names, "%s %s spawned at %s",
                              names->len > 0 ? ";" : "", what, site);
    }

  g_critical ("Island %p has waited %.1f s for %u aborted task%s to return "
              "while it is freed; they ignore cancellation:%s. The island "
              "keeps waiting (its thread is blocked here) and says so again "
              "each time the wait doubles. Return from the task once a "
              "suspension point fails with G_IO_ERROR_CANCELLED or "
              "isle_task_is_aborted() is true",
              (gpointer) self, waited / (double) G_USEC_PER_SEC,
              self->n_live, self->n_live == 1 ? "" : "s", names->str);
  g_string_free (names, TRUE);
}

/* Aborts every task and runs them until they return, so each one's
 * destroy notify runs exactly once, here, on the island's thread. A task
 * spawned meanwhile is aborted as it is spawned.
 *
 * A task that ignores the cancellation (loops on yields or parks that
 * fail) would keep this loop, and the thread, busy forever. It cannot be
 * dropped: its stack holds frames of the application's, and its destroy
 * notify must still run once. So the wait goes on, but not silently:
 * after ISLE_TEARDOWN_REPORT_AFTER the stubborn tasks are named, and
 * again each time the wait doubles. */
static void
abort_and_run_tasks (IsleLocalSet *self)
{
  gint64 started = g_get_monotonic_time ();
  gint64 report_at = started + teardown_report_after;
  guint64 spawned_at_abort = G_MAXUINT64;
  IsleTask *task;

  while (self->n_live > 0)
    {
      gint64 now;

      /* Walk the live tasks again only if some were spawned since: each
       * pass runs one budget's worth of tasks, so walking 100,000 tasks on
       * every pass made the teardown quadratic (seconds for 100,000
       * sleeping fibers). */
      if (self->counters.tasks_spawned != spawned_at_abort)
        {
          spawned_at_abort = self->counters.tasks_spawned;
          for (task = self->live_head; task != NULL; task = task->live_next)
            _isle_task_abort (task);
        }

      if (!run_ready_tasks (self) && self->n_live > 0)
        g_error ("Island %p is being freed with %u tasks left that cannot "
                 "run; this is a bug in Isle", (gpointer) self, self->n_live);

      if (self->n_live > 0 && (now = g_get_monotonic_time ()) >= report_at)
        {
          report_stubborn_tasks (self, now - started);
          report_at = now + (now - started);
        }
    }
}

/* A destroy notify run by the teardown kept a reference: the island
 * cannot go while code holds it, and an assertion would take the process
 * down. It stays closed (every task spawned on it is aborted at once) and
 * is finalized when that reference is dropped, which runs the teardown
 * again. Returns TRUE, having dropped the teardown's own reference, if
 * so. */
static gboolean
kept_by_teardown (IsleLocalSet *self)
{
  int kept = g_atomic_int_get (&self->ref_count) - 1;

  if (G_LIKELY (kept <= 0))
    return FALSE;

  g_critical ("Island %p is being freed, but code that its teardown ran "
              "(a destroy notify) took %d reference%s to it and kept "
              "%s. The island stays closed, aborting every task spawned "
              "on it, and is finalized when the last reference goes. Do "
              "not keep a reference to an island from code that runs "
              "while it is freed; drop it before returning",
              (gpointer) self, kept,
              kept == 1 ? "" : "s",
              kept == 1 ? "it" : "them");
  g_atomic_int_add (&self->ref_count, -1);
  return TRUE;
}

/* Every task has returned: closes the island to other threads, and frees
 * what it holds. */
static void
release_island (IsleLocalSet *self)
{
  guint i;

  if (self->timers != NULL)
    _isle_timer_queue_close (self->timers);

  /* Wakes from other threads may still arrive; they find the queue closed. */
  g_mutex_lock (&self->remote->lock);
  self->remote->closed = TRUE;
  g_mutex_unlock (&self->remote->lock);
  _isle_local_set_drain_remote (self, FALSE);
  g_atomic_int_set (&self->remote->pending, 0);

  g_source_destroy (self->remote_source);
  g_source_unref (self->remote_source);
  for (i = 0; i < self->n_queues; i++)
    {
      g_assert (_isle_run_queue_is_empty (self->queues[i]));
      g_source_destroy ((GSource *) self->queues[i]);
      g_source_unref ((GSource *) self->queues[i]);
    }
  g_free (self->queues);

  _isle_stack_pool_clear (&self->stack_pool);
  self->remote->island = NULL;
  if (self->dump_source != NULL)
    {
      g_source_destroy (self->dump_source);
      g_clear_pointer (&self->dump_source, g_source_unref);
    }
  _isle_task_arena_close (self->task_arena);
  _isle_task_arena_close (self->spawn_arena);
  g_clear_pointer (&self->timers, _isle_timer_queue_free);
  g_clear_error (&self->shutdown_error);
  _isle_remote_unref (self->remote);
  g_ptr_array_unref (self->draining);
  g_array_unref (self->draining_calls);
  g_main_context_unref (self->context);
  _isle_owner_clear (&self->owner);
  g_free (self);
}

static void
isle_local_set_finalize (IsleLocalSet *self)
{
  _isle_shared_unregister (self);
  self->closing = TRUE;
  self->finalizing = TRUE;
  g_atomic_int_set (&self->ref_count, 1);   /* tasks may take and drop references meanwhile */
  abort_and_run_tasks (self);
  self->finalizing = FALSE;

  if (G_UNLIKELY (kept_by_teardown (self)))
    return;
  release_island (self);
}

static gboolean
unref_on_owner_thread (gpointer data)
{
  isle_local_set_unref (data);
  return G_SOURCE_REMOVE;
}

/**
 * isle_local_set_unref:
 * @self: (transfer full): an island
 *
 * Drops a reference to the island. The last one aborts every task left,
 * runs them until they have returned (so every destroy notify runs exactly
 * once, on the island's thread), and detaches the island from its context.
 *
 * Handles to its tasks stay valid: a finished task's result can still be
 * taken or dropped through them.
 *
 * A destroy notify run by the teardown that takes a reference to the
 * island and keeps it gets a critical warning; the island then stays
 * closed (tasks spawned on it are aborted at once) and is finalized when
 * that reference is dropped.
 *
 *
 * Safe to call from any thread. The teardown always runs on the island's
 * thread: what would be the last reference, dropped on another thread, is
 * handed to the island's context and dropped there the next time that
 * context is iterated (a context nobody iterates any more keeps the island,
 * and its tasks, for good).
 *
 * Since: 0.1
 */
void
isle_local_set_unref (IsleLocalSet *self)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (g_atomic_int_get (&self->ref_count) > 0);

  if (_isle_local_set_is_owner_thread (self))
    {
      if (G_UNLIKELY (self->finalizing &&
                      g_atomic_int_get (&self->ref_count) == 1))
        {
          g_critical ("%s() called on island %p while it is being freed, for a "
                      "reference nobody took: the island is already going. "
                      "Drop only references you took with isle_local_set_ref()",
                      G_STRFUNC, (gpointer) self);
          return;
        }
      if (g_atomic_ref_count_dec (&self->ref_count))
        isle_local_set_finalize (self);
      return;
    }

  /* Another thread never drops the last reference itself: the count does
   * not reach zero (where a task could not take a new one) until the
   * owner thread has it. */
  if (!_isle_ref_count_dec_unless_last (&self->ref_count))
    {
      GSource *source = g_idle_source_new ();

      g_source_set_priority (source, G_PRIORITY_HIGH);
      g_source_set_name (source, "[isle-island-unref]");
      g_source_set_callback (source, unref_on_owner_thread, self, NULL);
      g_source_attach (source, self->context);
      g_source_unref (source);
    }
}

/**
 * isle_local_set_get_context:
 * @self: an island
 *
 * Gets the main context the island's tasks run on. It never changes, so
 * this is safe to call from any thread, for instance to attach a source
 * that sends work to the island.
 *
 * Returns: (transfer none): the context
 *
 * Since: 0.1
 */
GMainContext *
isle_local_set_get_context (IsleLocalSet *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->context;
}

/**
 * isle_local_set_get_n_tasks:
 * @self: an island
 *
 * Counts the island's live tasks: spawned and not yet finished, whether
 * ready, running or parked.
 *
 * Call it on the island's thread.
 *
 * Returns: the number of live tasks
 *
 * Since: 0.1
 */
guint
isle_local_set_get_n_tasks (IsleLocalSet *self)
{
  g_return_val_if_fail (self != NULL, 0);

  _isle_local_set_check_thread (self, G_STRFUNC);
  return self->n_live;
}

/**
 * isle_local_set_get_default_stack_size:
 * @self: an island
 *
 * Gets the stack size of fiber tasks spawned without one.
 *
 * Call it on the island's thread.
 *
 * Returns: the size in bytes
 *
 * Since: 0.1
 */
gsize
isle_local_set_get_default_stack_size (IsleLocalSet *self)
{
  g_return_val_if_fail (self != NULL, 0);

  _isle_local_set_check_thread (self, G_STRFUNC);

  return self->default_stack_size;
}

/**
 * isle_local_set_set_default_stack_size:
 * @self: an island
 * @stack_size: a size in bytes, or 0 for %ISLE_STACK_SIZE_DEFAULT
 *
 * Sets the stack size of fiber tasks spawned on the island without one
 * from now on. The size is rounded up to whole pages. Only the pages a
 * task touches take memory; the rest is address space.
 *
 * Call it on the island's thread.
 *
 * Since: 0.1
 */
void
isle_local_set_set_default_stack_size (IsleLocalSet *self,
                                       gsize         stack_size)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (stack_size <= G_MAXUINT32);

  _isle_local_set_check_thread (self, G_STRFUNC);
  self->default_stack_size = stack_size ? stack_size : ISLE_STACK_SIZE_DEFAULT;
}

/* Failures nobody sees --------------------------------------------------- */

/* Called on the island's thread when a failed task's error is dropped
 * unread. @self is NULL when the island is already gone; then the default
 * report is all there is. */
void
_isle_local_set_report_unobserved (IsleLocalSet *self,
                                   IsleTask     *task,
                                   const GError *error)
{
  IsleUnhandledFailure policy = self ? self->unhandled_failure : ISLE_UNHANDLED_FAILURE_REPORT;
  g_autofree char *what = NULL;

  if (policy == ISLE_UNHANDLED_FAILURE_IGNORE)
    return;

  what = _isle_task_describe (task);

  g_warning ("Unobserved failure: %s failed and nobody will see its error "
             "(%s %d: %s): its join handle was dropped without joining it. "
             "Join the task with isle_join_handle_join(), or handle the error "
             "inside it; isle_local_set_set_unhandled_failure() chooses what "
             "an island does with such failures",
             what, g_quark_to_string (error->domain), error->code,
             error->message);

  if (policy == ISLE_UNHANDLED_FAILURE_SHUTDOWN && self != NULL && self->shutdown_error == NULL)
    {
      IsleTask *live;

      self->shutdown_error = g_error_new (ISLE_ERROR, ISLE_ERROR_UNHANDLED_FAILURE,
                                          "The island was shut down: %s failed "
                                          "and nobody observed it: %s",
                                          what, error->message);
      for (live = self->live_head; live != NULL; live = live->live_next)
        _isle_task_abort (live);
    }
}

/**
 * isle_local_set_get_unhandled_failure:
 * @self: an island
 *
 * Gets what the island does with failures nobody observes.
 *
 * Call it on the island's thread.
 *
 * Returns: the policy
 *
 * Since: 0.1
 */
IsleUnhandledFailure
isle_local_set_get_unhandled_failure (IsleLocalSet *self)
{
  g_return_val_if_fail (self != NULL, ISLE_UNHANDLED_FAILURE_REPORT);

  _isle_local_set_check_thread (self, G_STRFUNC);

  return self->unhandled_failure;
}

/**
 * isle_local_set_set_unhandled_failure:
 * @self: an island
 * @policy: what to do
 *
 * Chooses what the island does when a task fails and nobody will see its
 * error, because its join handle was dropped before it was joined. By
 * default the failure is reported with a warning; with
 * %ISLE_UNHANDLED_FAILURE_SHUTDOWN the island also stops: every task is
 * aborted, tasks spawned later never run, and [method@Isle.LocalSet.run_until]
 * and [method@Isle.LocalSet.run] return the failure, as
 * %ISLE_ERROR_UNHANDLED_FAILURE with the task's error in its message.
 *
 * Call it on the island's thread.
 *
 * Since: 0.1
 */
void
isle_local_set_set_unhandled_failure (IsleLocalSet         *self,
                                      IsleUnhandledFailure  policy)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (policy <= ISLE_UNHANDLED_FAILURE_SHUTDOWN);

  _isle_local_set_check_thread (self, G_STRFUNC);
  self->unhandled_failure = policy;
}

/**
 * isle_local_set_get_counters:
 * @self: an island
 * @counters: (out caller-allocates): where to store the counters
 *
 * Reads the island's counters: tasks spawned, finished, aborted and live,
 * turns given to tasks, wakes from this thread and from others, and the
 * longest its run queue has been.
 *
 * Call it on the island's thread.
 *
 * Since: 0.1
 */
void
isle_local_set_get_counters (IsleLocalSet         *self,
                             IsleLocalSetCounters *counters)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (counters != NULL);

  _isle_local_set_check_thread (self, G_STRFUNC);
  *counters = self->counters;
  counters->tasks_live = self->n_live;
}

/* The current island ---------------------------------------------------- */

/**
 * isle_local_set_get_current:
 *
 * Gets the island current on this thread: the island of the running task;
 * else the island most recently entered with [method@Isle.LocalSet.enter]
 * (which [method@Isle.LocalSet.run_until] and [method@Isle.LocalSet.run] do
 * for their duration); else none.
 *
 * Returns: (transfer none) (nullable): the current island
 *
 * Since: 0.1
 */
IsleLocalSet *
isle_local_set_get_current (void)
{
  IsleThreadState *thread = _isle_thread_state_get ();

  if (thread->current_task != NULL)
    return thread->current_task->queue->island;

  if (thread->entered != NULL)
    return thread->entered->island;

  return NULL;
}

/**
 * isle_local_set_enter:
 * @self: an island
 *
 * Makes @self the current island of this thread for code that does not run
 * inside a task, such as a GTK signal handler, so that [func@Isle.spawn_local]
 * spawns on it. Entering nests; each call is undone by one
 * [method@Isle.LocalSet.leave], innermost first. See also
 * isle_local_set_enter_scoped().
 *
 * The island is kept alive while entered.
 *
 * Call it on the island's thread.
 *
 * Since: 0.1
 */
void
isle_local_set_enter (IsleLocalSet *self)
{
  IsleThreadState *thread = _isle_thread_state_get ();
  IsleEntered *entered;

  g_return_if_fail (self != NULL);

  _isle_local_set_check_thread (self, G_STRFUNC);

  entered = g_new (IsleEntered, 1);
  entered->island = isle_local_set_ref (self);
  entered->outer = thread->entered;
  thread->entered = entered;
}

/**
 * isle_local_set_leave:
 * @self: the island entered last
 *
 * Undoes the innermost [method@Isle.LocalSet.enter], which must have been for
 * @self.
 *
 * Call it on the island's thread, where it was entered.
 *
 * Since: 0.1
 */
void
isle_local_set_leave (IsleLocalSet *self)
{
  IsleThreadState *thread = _isle_thread_state_get ();
  IsleEntered *entered = thread->entered;

  g_return_if_fail (self != NULL);

  _isle_local_set_check_thread (self, G_STRFUNC);

  if (entered == NULL || entered->island != self)
    {
      g_critical ("isle_local_set_leave() called for island %p, which is not "
                  "the island entered last on this thread (%p); leave islands "
                  "in the reverse order of isle_local_set_enter()",
                  (gpointer) self, entered ? (gpointer) entered->island : NULL);
      return;
    }

  thread->entered = entered->outer;
  g_free (entered);
  isle_local_set_unref (self);
}

/* Driving ---------------------------------------------------------------- */

static gboolean
deadline_reached (gpointer user_data)
{
  gboolean *reached = user_data;

  *reached = TRUE;
  return G_SOURCE_REMOVE;
}

static gboolean
ready_time_dispatch (GSource     *source,
                     GSourceFunc  callback,
                     gpointer     user_data)
{
  return callback (user_data);
}

static GSourceFuncs ready_time_funcs = {
  .dispatch = ready_time_dispatch,
};

/* A source that dispatches once the monotonic clock reaches @ready_time
 * (microseconds), for deadlines and timers that know their moment rather
 * than an interval. */
GSource *
_isle_ready_time_source_new (gint64 ready_time)
{
  GSource *source = g_source_new (&ready_time_funcs, sizeof (GSource));

  g_source_set_ready_time (source, ready_time);
  return source;
}

static GSource *
deadline_source_new (IsleLocalSet *self,
                     gint64        deadline,
                     gboolean     *reached)
{
  GSource *source;

  if (deadline < 0)
    return NULL;

  source = _isle_ready_time_source_new (deadline);
  g_source_set_priority (source, G_PRIORITY_HIGH);
  g_source_set_name (source, "[isle-deadline]");
  g_source_set_callback (source, deadline_reached, reached, NULL);
  g_source_attach (source, self->context);
  return source;
}

static void
deadline_source_free (GSource *source)
{
  if (source != NULL)
    {
      g_source_destroy (source);
      g_source_unref (source);
    }
}

/* Iterates the island's context until @root has finished, @deadline (of
 * the monotonic clock; -1 for none) has passed, or the island has shut
 * down; the caller tells which from the root and self->shutdown_error.
 * Shared by run_until and the test helper, which report differently. */
void
_isle_local_set_drive_root (IsleLocalSet *self,
                            IsleTask     *root,
                            gint64        deadline)
{
  gboolean reached = FALSE;
  GSource *deadline_source = deadline_source_new (self, deadline, &reached);
  IsleNestedWatch *watch = _isle_nested_watch_new (self);

  while (!_isle_task_is_finished (root) && !reached && self->shutdown_error == NULL)
    g_main_context_iteration (self->context, TRUE);

  _isle_nested_watch_free (watch);
  deadline_source_free (deadline_source);
}

static gboolean
check_not_inside (IsleLocalSet  *self,
                  const char    *function,
                  GError       **error)
{
  IsleTask *current = _isle_thread_state_get ()->current_task;

  if (current == NULL || current->queue->island != self)
    return TRUE;

  g_critical ("%s() called from inside task %" G_GUINT64_FORMAT " of the same "
              "island: the island is already being driven. Await the work "
              "with isle_join_handle_join() inside the task instead",
              function, current->id);
  g_set_error (error, ISLE_ERROR, ISLE_ERROR_BUSY,
               "%s() called from inside a task of the same island", function);
  return FALSE;
}

static void
set_timed_out (GError     **error,
               const char  *what)
{
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
               "The deadline passed before %s", what);
}

/* The work of isle_local_set_run_until() and _run_until_deadline(), once
 * each has checked its own arguments and thread: a check here would name
 * the wrong function in its message. @spawn_site is their caller. */
static gpointer
run_until_deadline (IsleLocalSet   *self,
                    gint64          deadline,
                    IsleTaskFunc    func,
                    gpointer        user_data,
                    GDestroyNotify  user_data_destroy,
                    GDestroyNotify  result_destroy,
                    gconstpointer   spawn_site,
                    GError        **error)
{
  IsleTask *root;
  gpointer result = NULL;

  isle_local_set_enter (self);
  root = _isle_spawn (&(IsleSpawnArgs) {
    .island = self,
    .kind = ISLE_TASK_KIND_FIBER,
    .name = "run_until root",
    .priority = G_PRIORITY_DEFAULT,
    .func = func,
    .user_data = user_data,
    .user_data_destroy = user_data_destroy,
    .result_destroy = result_destroy,
    .site = spawn_site,
  });
  _isle_local_set_drive_root (self, root, deadline);

  if (self->shutdown_error != NULL)
    {
      _isle_task_abort (root);
      g_propagate_error (error, g_error_copy (self->shutdown_error));
    }
  else if (_isle_task_is_finished (root))
    result = _isle_task_consume_result (root, ISLE_RESULT_TAKE, error);
  else
    {
      _isle_task_abort (root);
      set_timed_out (error, "the root task finished");
    }

  isle_join_handle_unref ((IsleJoinHandle *) root);
  isle_local_set_leave (self);

  return result;
}

/* The work of isle_local_set_run() and _run_deadline(), once each has
 * checked its own arguments and thread. */
static gboolean
run_deadline (IsleLocalSet  *self,
              gint64         deadline,
              GError       **error)
{
  GSource *deadline_source;
  IsleNestedWatch *watch;
  gboolean reached = FALSE;

  isle_local_set_enter (self);
  deadline_source = deadline_source_new (self, deadline, &reached);
  watch = _isle_nested_watch_new (self);

  while (self->n_live > 0 && !reached && self->shutdown_error == NULL)
    g_main_context_iteration (self->context, TRUE);

  _isle_nested_watch_free (watch);
  deadline_source_free (deadline_source);
  isle_local_set_leave (self);

  if (self->shutdown_error != NULL)
    {
      g_propagate_error (error, g_error_copy (self->shutdown_error));
      return FALSE;
    }

  if (self->n_live > 0)
    {
      set_timed_out (error, "every task finished");
      return FALSE;
    }

  return TRUE;
}

/**
 * isle_local_set_run_until:
 * @self: an island
 * @func: (scope call) (not nullable): the root task's body
 * @user_data: (closure func): data for @func
 * @error: return location for a #GError
 *
 * Spawns @func as a fiber task (the root) and iterates the island's context
 * on this thread until it finishes; the island is entered meanwhile, so
 * [func@Isle.spawn_local] works in plain callbacks too. Other tasks and
 * sources of the context run as usual; tasks still alive when the root
 * finishes stay in the island.
 *
 * Call it on the island's thread, not from inside one of its tasks.
 *
 * Returns: (transfer full) (nullable): the root's result, or %NULL with
 *   @error set to its error
 *
 * Since: 0.1
 */
gpointer
isle_local_set_run_until (IsleLocalSet  *self,
                          IsleTaskFunc   func,
                          gpointer       user_data,
                          GError       **error)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (func != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  _isle_local_set_check_thread (self, G_STRFUNC);
  if (!check_not_inside (self, G_STRFUNC, error))
    return NULL;

  return run_until_deadline (self, -1, func, user_data, NULL, NULL,
                             __builtin_return_address (0), error);
}

/**
 * isle_local_set_run_until_deadline:
 * @self: an island
 * @deadline: a time of the monotonic clock (g_get_monotonic_time()), or -1
 *   for none
 * @func: (scope notified) (not nullable): the root task's body
 * @user_data: (closure func): data for @func
 * @user_data_destroy: (nullable) (destroy user_data): releases @user_data
 *   when the root has finished
 * @result_destroy: (nullable): releases a result the root returns after
 *   the deadline
 * @error: return location for a #GError
 *
 * Like [method@Isle.LocalSet.run_until], but gives up at @deadline: the root
 * is aborted and this returns %G_IO_ERROR_TIMED_OUT at once (the root
 * finishes when the island next runs). For tests that must fail rather
 * than hang.
 *
 * Call it on the island's thread, not from inside one of its tasks.
 *
 * Returns: (transfer full) (nullable): the root's result, or %NULL with
 *   @error set
 *
 * Since: 0.1
 */
gpointer
isle_local_set_run_until_deadline (IsleLocalSet   *self,
                                   gint64          deadline,
                                   IsleTaskFunc    func,
                                   gpointer        user_data,
                                   GDestroyNotify  user_data_destroy,
                                   GDestroyNotify  result_destroy,
                                   GError        **error)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (func != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  _isle_local_set_check_thread (self, G_STRFUNC);
  if (!check_not_inside (self, G_STRFUNC, error))
    return NULL;

  return run_until_deadline (self, deadline, func, user_data, user_data_destroy,
                             result_destroy, __builtin_return_address (0), error);
}

/**
 * isle_local_set_run:
 * @self: an island
 * @error: return location for a #GError
 *
 * Iterates the island's context on this thread until the island has no
 * live task left: Tokio's awaiting the `LocalSet` itself. A task parked
 * forever keeps this from returning; see [method@Isle.LocalSet.run_deadline].
 *
 * Call it on the island's thread, not from inside one of its tasks.
 *
 * Returns: %TRUE when every task has finished
 *
 * Since: 0.1
 */
gboolean
isle_local_set_run (IsleLocalSet  *self,
                    GError       **error)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  _isle_local_set_check_thread (self, G_STRFUNC);
  if (!check_not_inside (self, G_STRFUNC, error))
    return FALSE;

  return run_deadline (self, -1, error);
}

/**
 * isle_local_set_run_deadline:
 * @self: an island
 * @deadline: a time of the monotonic clock (g_get_monotonic_time()), or -1
 *   for none
 * @error: return location for a #GError
 *
 * Like [method@Isle.LocalSet.run], but gives up at @deadline with
 * %G_IO_ERROR_TIMED_OUT, leaving the tasks as they are.
 *
 * Call it on the island's thread, not from inside one of its tasks.
 *
 * Returns: %TRUE when every task has finished
 *
 * Since: 0.1
 */
gboolean
isle_local_set_run_deadline (IsleLocalSet  *self,
                             gint64         deadline,
                             GError       **error)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  _isle_local_set_check_thread (self, G_STRFUNC);
  if (!check_not_inside (self, G_STRFUNC, error))
    return FALSE;

  return run_deadline (self, deadline, error);
}
