/* isle-task.c: fiber and poll tasks, and the running task
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "isle-debug-private.h"
#include "isle-local-set-private.h"
#include "isle-run-queue-private.h"
#include "isle-nested-private.h"
#include "isle-task-private.h"
#include "isle-task-future-private.h"
#include "isle-waker-private.h"

/**
 * IsleTask:
 *
 * A task of an island: a fiber task (a function on a stack of its own) or a
 * poll task (a step function over a state struct).
 *
 * Code reaches its own task with [func@Isle.Task.get_current]; others hold an
 * [struct@Isle.JoinHandle] or an [struct@Isle.Waker] for it. An `IsleTask`
 * pointer is borrowed and valid while the task has not finished.
 *
 * Since: 0.1
 */

/* Made on the island's thread and published with a release store, after
 * the name is in place: other threads read the name without a lock
 * (isle_task_get_name()), and may find no extra part, or a whole one. */
IsleTaskExtra *
_isle_task_new_extra (IsleTask   *task,
                      const char *name)
{
  IsleTaskExtra *extra = g_new0 (IsleTaskExtra, 1);

  g_assert (task->extra == NULL);
  extra->name = g_strdup (name);
  g_atomic_pointer_set (&task->extra, extra);
  return extra;
}

IsleTask *
_isle_task_ref (IsleTask *task)
{
  _isle_ref_count_inc (&task->ref_count);
  return task;
}

void
_isle_task_unref (IsleTask *task)
{
  if (!_isle_ref_count_dec (&task->ref_count))
    return;

  /* The last reference may be a waker dropped on any thread, so nothing
   * here calls back into the application: user data and results were
   * released on the island's thread when the task finished or its last
   * handle went. */
  g_assert (task->state == ISLE_TASK_STATE_FINISHED);
  g_assert (task->join_waker == NULL);
  g_assert (task->fiber == NULL);

  /* A joined task's error stays for a future asked for later. */
  if ((task->flags & ISLE_TASK_FLAG_FAILED) && task->result != NULL)
    g_error_free (task->result);

  if (task->extra != NULL)
    {
      g_assert (task->extra->poll_waits == NULL);
      g_assert (task->extra->future == NULL);
      g_clear_object (&task->extra->cancellable);
      g_clear_error (&task->extra->poll_error);
      g_free (task->extra->name);
      g_free (task->extra);
    }
  _isle_task_arena_free (task);
}

IsleLocalSet *
_isle_task_get_island (IsleTask *task)
{
  g_assert (task->state != ISLE_TASK_STATE_FINISHED);
  return task->queue->island;
}

void
_isle_task_abort (IsleTask *task)
{
  if (task->state == ISLE_TASK_STATE_FINISHED ||
      (task->flags & ISLE_TASK_FLAG_ABORTED) != 0)
    return;

  task->flags |= ISLE_TASK_FLAG_ABORTED;

  /* Schedule before cancelling: a cancelled handler may run arbitrary
   * code, which must find the task already on its way out. */
  if (task->state == ISLE_TASK_STATE_IDLE)
    _isle_task_schedule (task);

  if (task->extra != NULL && task->extra->cancellable != NULL)
    g_cancellable_cancel (task->extra->cancellable);
}

static void
set_cancelled_error (IsleTask  *task,
                     GError   **error)
{
  const char *name = _isle_task_get_name (task);

  if (name != NULL)
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                 "Task “%s” (id %" G_GUINT64_FORMAT ") was aborted",
                 name, task->id);
  else
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                 "Task %" G_GUINT64_FORMAT " was aborted", task->id);
}

static void
destroy_value (IsleTask *task,
               gpointer  value)
{
  if (value != NULL && task->result_destroy != NULL)
    task->result_destroy (value);
}

/* The one place a finished task's result leaves it, whatever the order
 * in which its handles, its user data and its result are released:
 * dropping a handle, a join, a join set and the end of a detached task
 * all come here, and ISLE_TASK_FLAG_RESULT_TAKEN makes every call after
 * the first do nothing. The flag is set before any notify runs, so a
 * destroy notify that drops the task's last handle (a per-call struct
 * that owns the handle, as GIO glue is written) finds the result gone.
 *
 * With ISLE_RESULT_TAKE the caller gets the value, or a copy of the error
 * through @error (the error stays, for a future asked for later); the
 * others return NULL. Once the outcome lives in the task's future
 * (isle-task-future.c), a take takes the value from there, and the other
 * fates leave it to the future, whose holders read it. */
gpointer
_isle_task_consume_result (IsleTask        *task,
                           IsleResultFate   fate,
                           GError         **error)
{
  gpointer result;

  g_assert (task->state == ISLE_TASK_STATE_FINISHED);

  if (task->flags & ISLE_TASK_FLAG_RESULT_TAKEN)
    {
      /* Joining twice is refused by the callers (check_joinable()). */
      g_assert (fate != ISLE_RESULT_TAKE);
      return NULL;
    }

  if (task->flags & ISLE_TASK_FLAG_OUTCOME_IN_FUTURE)
    {
      if (fate != ISLE_RESULT_TAKE)
        return NULL;
      task->flags |= ISLE_TASK_FLAG_RESULT_TAKEN;
      return _isle_future_take_value (task->extra->future, error);
    }

  task->flags |= ISLE_TASK_FLAG_RESULT_TAKEN;

  if (task->flags & ISLE_TASK_FLAG_FAILED)
    {
      GError *task_error = task->result;

      switch (fate)
        {
        case ISLE_RESULT_TAKE:
          g_propagate_error (error, g_error_copy (task_error));
          return NULL;

        case ISLE_RESULT_DROP:
          /* A failure nobody can see is reported; a cancellation is not. */
          if (!g_error_matches (task_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
            _isle_local_set_report_unobserved (_isle_task_get_remote (task)->island,
                                               task, task_error);
          G_GNUC_FALLTHROUGH;

        case ISLE_RESULT_DISCARD:
        default:
          g_clear_error ((GError **) &task->result);
          return NULL;
        }
    }

  result = g_steal_pointer (&task->result);
  if (fate == ISLE_RESULT_TAKE)
    return result;

  destroy_value (task, result);
  return NULL;
}

static void
withdraw_poll_waits (IsleTask *task)
{
  IslePollWait *wait;

  while ((wait = task->extra->poll_waits) != NULL)
    {
      task->extra->poll_waits = wait->next;
      wait->next = NULL;
      wait->withdraw (wait, task);
    }
}

/* The task whose waker a poll form was given, if the form may register a
 * wait for it: a task of this thread (its registration is kept and
 * withdrawn there) that has not finished (nothing would withdraw it).
 * Otherwise reports the misuse and returns NULL. */
IsleTask *
_isle_task_require_poll_waker (IsleWaker  *waker,
                               const char *function)
{
  IsleTask *task = ISLE_TASK_FROM_WAKER (waker);

  if (G_UNLIKELY (_isle_task_get_remote (task)->owner != _isle_thread_peek_serial ()))
    {
      g_critical ("%s() was given the waker of task %" G_GUINT64_FORMAT
                  ", which belongs to an island of another thread: a poll "
                  "form registers the polling task's own waker. Call it from "
                  "the task's poll function, with the waker it was given",
                  function, task->id);
      return NULL;
    }

  if (G_UNLIKELY (task->state == ISLE_TASK_STATE_FINISHED))
    {
      g_critical ("%s() was given the waker of task %" G_GUINT64_FORMAT
                  ", which has finished: nothing would ever take the waker "
                  "back. Call it from the task's poll function, with the "
                  "waker it was given",
                  function, task->id);
      return NULL;
    }

  return task;
}

void
_isle_task_add_poll_wait (IsleTask     *task,
                          IslePollWait *wait)
{
  IsleTaskExtra *extra = _isle_task_get_extra (task);

  g_assert (task->state != ISLE_TASK_STATE_FINISHED);
  g_assert (wait->next == NULL);

  wait->next = extra->poll_waits;
  extra->poll_waits = wait;
}

/* A poll form's wait has ended (READY), or its object is going: the
 * record leaves the task's list; the caller releases it. */
void
_isle_task_remove_poll_wait (IsleTask     *task,
                             IslePollWait *wait)
{
  IslePollWait **link;

  for (link = &task->extra->poll_waits; *link != NULL; link = &(*link)->next)
    if (*link == wait)
      {
        *link = wait->next;
        wait->next = NULL;
        return;
      }

  g_assert_not_reached ();
}

/* Runs on the island's thread, on the scheduler's stack, after the body
 * has returned (or never ran). Takes ownership of @result and @error and
 * drops the island's reference, so @task may be gone afterwards. */
/* The task's result, or its error: an aborted task reports cancellation
 * whatever its body made of it, so joiners see one answer. */
static inline void
set_outcome (IsleTask *task,
             gpointer  result,
             GError   *error)
{
  if (task->flags & ISLE_TASK_FLAG_ABORTED)
    {
      destroy_value (task, g_steal_pointer (&result));
      g_clear_error (&error);
      set_cancelled_error (task, &error);
    }
  else if (error != NULL)
    {
      destroy_value (task, g_steal_pointer (&result));
    }

  if (error != NULL)
    {
      task->flags |= ISLE_TASK_FLAG_FAILED;
      task->result = error;
    }
  else
    task->result = result;
}

static inline void
leave_live_list (IsleLocalSet *island,
                 IsleTask     *task)
{
  if (task->live_prev != NULL)
    task->live_prev->live_next = task->live_next;
  else
    island->live_head = task->live_next;
  if (task->live_next != NULL)
    task->live_next->live_prev = task->live_prev;
  else
    island->live_tail = task->live_prev;
  task->live_prev = task->live_next = NULL;
  island->n_live--;
}

/* The task's future, the task that joins it, and its join set learn that
 * it has finished, in that order. */
static inline void
tell_waiters (IsleTask *task)
{
  if (G_UNLIKELY (task->extra != NULL && task->extra->future != NULL))
    _isle_task_settle_future (task);

  if (task->join_waker != NULL)
    {
      IsleTask *joiner = g_steal_pointer (&task->join_waker);

      _isle_task_wake_local (joiner);
      _isle_task_unref (joiner);
    }

  if (task->extra != NULL && task->extra->finish_notify != NULL)
    {
      IsleTaskFinishNotify notify = g_steal_pointer (&task->extra->finish_notify);

      notify (task, task->extra->finish_data);
    }
}

static void
task_finish (IsleTask *task,
             gpointer  result,
             GError   *error)
{
  IsleLocalSet *island = task->queue->island;
  GDestroyNotify user_data_destroy;
  gpointer user_data;

  /* Before the user data goes: a poll task's state may own the object
   * it waited on (a join set, an interval), and the object must not keep
   * a waker, or a notification meant for nobody, of a task that is gone. */
  if (G_UNLIKELY (task->extra != NULL && task->extra->poll_waits != NULL))
    withdraw_poll_waits (task);

  set_outcome (task, result, error);

  task->state = ISLE_TASK_STATE_FINISHED;
  island->counters.tasks_finished++;
  if (task->flags & ISLE_TASK_FLAG_ABORTED)
    island->counters.tasks_aborted++;
  leave_live_list (island, task);

  user_data = g_steal_pointer (&task->user_data);
  user_data_destroy = g_steal_pointer (&task->user_data_destroy);
  if (user_data_destroy != NULL)
    user_data_destroy (user_data);

  tell_waiters (task);

  /* Detached, maybe by one of the notifies above: nobody can take the
   * result any more (a no-op if a notify already released it, or if it
   * went to the task's future). Handles dropped on other threads leave
   * the last one to this thread, so zero is final. */
  if (g_atomic_int_get (&task->handle_refs) == 0)
    {
      _isle_task_consume_result (task, ISLE_RESULT_DROP, NULL);
      if (G_UNLIKELY (task->extra != NULL && task->extra->future != NULL))
        _isle_task_release_future (task);
    }

  _isle_task_unref (task);
}

static void
task_fiber_main (gpointer data)
{
  IsleTask *task = data;
  IsleTaskFunc func = (IsleTaskFunc) task->func;
  GError *error = NULL;
  gpointer result;

  result = func (task->user_data, &error);
  _isle_local_set_turn_done (task->queue->island, task);
  _isle_task_check_borrows (task, "the end of its body", NULL);

  /* Handed to task_finish() on the scheduler's side, which may free the
   * task; this stack must not touch it after switching away. */
  if (error != NULL)
    {
      destroy_value (task, result);
      task->flags |= ISLE_TASK_FLAG_FAILED;
      task->result = error;
    }
  else
    task->result = result;

  task->state = ISLE_TASK_STATE_RETURNED;
}

static void
run_fiber (IsleTask *task)
{
  IsleLocalSet *island = task->queue->island;
  IsleFiber *fiber;

  if (task->fiber == NULL)
    {
      GError *error = NULL;
      gsize stack_size = task->stack_size ? task->stack_size : island->default_stack_size;

      task->fiber = _isle_stack_pool_acquire (&island->stack_pool, stack_size, &error);
      if (task->fiber == NULL)
        {
          const char *name = _isle_task_get_name (task);

          g_prefix_error (&error, "Task %" G_GUINT64_FORMAT "%s%s%s could not start: ",
                          task->id,
                          name ? " “" : "",
                          name ? name : "",
                          name ? "”" : "");
          task_finish (task, NULL, error);
          return;
        }
      _isle_fiber_start (task->fiber, task_fiber_main, task);
    }

  _isle_fiber_resume (task->fiber);

  /* The fiber that switched back may be another one: fibers hand the
   * thread to each other directly. */
  task = _isle_thread_state.current_task;
  fiber = task->fiber;

  if (_isle_fiber_is_done (fiber))
    {
      gpointer result = g_steal_pointer (&task->result);
      GError *error = NULL;

      if (task->flags & ISLE_TASK_FLAG_FAILED)
        {
          task->flags &= ~ISLE_TASK_FLAG_FAILED;
          error = result;
          result = NULL;
        }
      task->fiber = NULL;
      _isle_stack_pool_release (&island->stack_pool, fiber);
      task_finish (task, result, error);
    }
}

static void
run_poll (IsleTask *task)
{
  IslePollFunc poll = (IslePollFunc) task->func;
  gpointer result = NULL;
  GError *error = NULL;
  gboolean ready;

  task->flags &= ~ISLE_TASK_FLAG_NOTIFIED;

  ready = poll (task->user_data, (IsleWaker *) task, &result, &error) == ISLE_POLL_READY;
  _isle_local_set_turn_done (task->queue->island, task);

  if (ready)
    {
      /* A binding's poll function fails through isle_task_set_poll_error(). */
      if (G_UNLIKELY (task->extra != NULL && task->extra->poll_error != NULL))
        {
          if (error == NULL)
            error = g_steal_pointer (&task->extra->poll_error);
          g_clear_error (&task->extra->poll_error);
        }
      task_finish (task, result, error);
      return;
    }

  _isle_task_check_borrows (task, "a poll function returning ISLE_POLL_PENDING", NULL);

  if (error != NULL)
    {
      g_critical ("A poll function of task %" G_GUINT64_FORMAT " returned "
                  "ISLE_POLL_PENDING with an error set (%s); set an error only "
                  "with ISLE_POLL_READY", task->id, error->message);
      g_clear_error (&error);
    }

  /* Aborted from inside its own poll: finish now rather than wait for a
   * wake that may never come. */
  if (task->flags & ISLE_TASK_FLAG_ABORTED)
    {
      destroy_value (task, result);
      task_finish (task, NULL, NULL);
      return;
    }

  if (task->flags & ISLE_TASK_FLAG_NOTIFIED)
    {
      task->flags &= ~ISLE_TASK_FLAG_NOTIFIED;
      _isle_task_schedule (task);
    }
  else
    task->state = ISLE_TASK_STATE_IDLE;
}

/* Runs one scheduled task until it suspends or finishes. */
void
_isle_task_run (IsleTask *task)
{
  /* The thread state is read and written as the variable itself, not
   * through a pointer: with suspend() inlined, UBSan (GCC 12) takes a
   * pointer to the TLS block kept across the fiber switch for NULL (as
   * _isle_thread_peek_serial() explains). */
  IsleTask *outer = _isle_thread_state.current_task;

  g_assert (task->state == ISLE_TASK_STATE_SCHEDULED);

  /* Aborted before it ever ran, it never will; an aborted poll task is
   * not polled again (its state destroy notify cleans up, as dropping a
   * future does in Tokio). A fiber must run on to return from its body. */
  if ((task->flags & ISLE_TASK_FLAG_ABORTED) &&
      (task->kind == ISLE_TASK_KIND_POLL || !(task->flags & ISLE_TASK_FLAG_STARTED)))
    {
      task->state = ISLE_TASK_STATE_RUNNING;
      task_finish (task, NULL, NULL);
      return;
    }

  task->state = ISLE_TASK_STATE_RUNNING;
  task->flags |= ISLE_TASK_FLAG_STARTED;
  _isle_thread_state.current_task = task;
  _isle_local_set_turn_begin (task->queue->island);

  if (task->kind == ISLE_TASK_KIND_FIBER)
    run_fiber (task);
  else
    run_poll (task);

  _isle_thread_state.current_task = outer;
}

/* Suspends the running fiber task; with @reschedule it goes to the back of
 * its queue, otherwise it waits for a wake.
 *
 * When the next task of the queue being dispatched is a fiber that has
 * already run, the thread goes straight to it, one switch instead of two
 * through the scheduler's stack; the turn counts against the dispatch's
 * budget like any other. If that next task is this one (nobody else is
 * ready), there is nothing to switch. */
/* Inlined into its two callers, as it was before the task's future came:
 * a yield is a few dozen instructions, and the call was a tenth of them. */
G_ALWAYS_INLINE static inline void
suspend (IsleTask *task,
         gboolean  reschedule)
{
  IsleLocalSet *island = task->queue->island;
  IsleRunQueue *queue = island->dispatch_queue;
  IsleTask *next;

  _isle_local_set_turn_done (island, task);

  if (reschedule)
    _isle_task_schedule (task);
  else
    task->state = ISLE_TASK_STATE_IDLE;

  if (queue != NULL &&
      island->n_until_check > 1 &&
      !island->preempt &&
      (next = _isle_run_queue_peek (queue)) != NULL &&
      next->fiber != NULL &&
      _isle_fiber_can_hand_off ())
    {
      _isle_run_queue_pop (queue);
      island->n_until_check--;
      island->counters.polls++;
      next->state = ISLE_TASK_STATE_RUNNING;
      _isle_thread_state.current_task = next;
      if (next != task)
        _isle_fiber_hand_off (task->fiber, next->fiber);
    }
  else
    _isle_fiber_suspend (task->fiber);

  g_assert (task->state == ISLE_TASK_STATE_RUNNING);
}

IsleTask *
_isle_task_require_fiber (const char  *function,
                          GError     **error)
{
  IsleTask *task = _isle_thread_state_get ()->current_task;

  if (G_LIKELY (task != NULL && task->kind == ISLE_TASK_KIND_FIBER))
    return task;

  g_critical ("%s() called outside a fiber task%s; it can only suspend a "
              "task spawned with isle_spawn_local() or "
              "isle_local_set_spawn_local(). From plain code, spawn a task "
              "(or use isle_local_set_run_until()); from a poll function, "
              "return ISLE_POLL_PENDING and wake its IsleWaker instead",
              function, task != NULL ? " (the running task is a poll task)" : "");
  g_set_error (error, ISLE_ERROR, ISLE_ERROR_NOT_IN_FIBER,
               "%s() called outside a fiber task", function);
  return NULL;
}

void
_isle_task_borrow_taken (IsleTask   *task,
                         const char *site)
{
  IsleTaskExtra *extra = _isle_task_get_extra (task);

  extra->n_borrows++;
  extra->borrow_site = site;
}

void
_isle_task_borrow_released (IsleTask *task)
{
  g_assert (task->extra != NULL && task->extra->n_borrows > 0);

  task->extra->n_borrows--;
}

/* Names the code that suspends by its symbol and offset (the suspension
 * point has no file and line of its own to give), or, without @caller,
 * the point the task reached still holding a borrow. */
void
_isle_task_report_borrows (IsleTask      *task,
                           const char    *function,
                           gconstpointer  caller)
{
  const char *name = _isle_task_get_name (task);
  g_autofree char *what = NULL;

  if (caller != NULL)
    {
      g_autofree char *site = _isle_debug_describe_site (caller);

      what = g_strdup_printf ("suspends in %s() (called from %s)", function, site);
    }
  else
    what = g_strdup_printf ("reaches %s", function);

  g_critical ("Task %" G_GUINT64_FORMAT "%s%s%s %s while it holds %u IsleCell "
              "borrow%s, the latest taken at %s: other tasks that run meanwhile "
              "will find the cell borrowed. End the borrow before the "
              "suspension, in a block of its own",
              task->id,
              name ? " “" : "", name ? name : "", name ? "”" : "",
              what, task->extra->n_borrows,
              task->extra->n_borrows == 1 ? "" : "s",
              task->extra->borrow_site ? task->extra->borrow_site : "an unknown site");
}

/* Every suspension point of an aborted task returns cancelled, but still
 * goes to the back of the queue first: a loop that ignores the error must
 * not keep the thread from everything else. */
static gboolean
check_aborted (IsleTask  *task,
               GError   **error)
{
  if (G_LIKELY (!(task->flags & ISLE_TASK_FLAG_ABORTED)))
    return TRUE;

  set_cancelled_error (task, error);
  return FALSE;
}

/* Parks the running fiber, waiting on @object as @klass describes it for
 * task dumps (a future, a join, a channel). The description costs the
 * wait two words on the fiber's stack and one in the task; the words are
 * made only when a dump asks. */
gboolean
_isle_task_park_on (IsleTask            *task,
                    const IsleWaitClass *klass,
                    gconstpointer        object,
                    GError             **error)
{
  IsleWait wait = { klass, object };

  if (!_isle_nested_may_suspend (task, NULL, __builtin_return_address (0), error))
    return FALSE;

  if (G_UNLIKELY (task->flags & ISLE_TASK_FLAG_ABORTED))
    {
      suspend (task, TRUE);
      return check_aborted (task, error);
    }

  if (task->flags & ISLE_TASK_FLAG_NOTIFIED)
    {
      task->flags &= ~ISLE_TASK_FLAG_NOTIFIED;
      return TRUE;
    }

  /* Not cleared on the way out: the only way a fiber becomes parked is
   * this call, so dumps read the pointer only while its frame is live,
   * and the body's return overwrites the word with the result. */
  task->wait = &wait;
  suspend (task, FALSE);
  return check_aborted (task, error);
}

/**
 * isle_yield_now:
 * @error: return location for a #GError
 *
 * Sends the running fiber task to the back of its priority's run queue:
 * every other ready task of that priority (and any of a higher one) runs
 * before it continues, and when the island has spent its budget the main
 * loop gets its turn too.
 *
 * Call it on the island's thread, inside a fiber task.
 *
 * Returns: %TRUE once the task runs again; %FALSE with
 *   %G_IO_ERROR_CANCELLED if the task has been aborted
 *
 * Since: 0.1
 */
gboolean
isle_yield_now (GError **error)
{
  IsleTask *task = _isle_task_require_fiber (G_STRFUNC, error);

  if (task == NULL)
    return FALSE;

  _isle_task_check_borrows (task, G_STRFUNC, __builtin_return_address (0));
  if (!_isle_nested_may_suspend (task, G_STRFUNC, NULL, error))
    return FALSE;
  suspend (task, TRUE);
  return check_aborted (task, error);
}

/**
 * isle_park:
 * @error: return location for a #GError
 *
 * Suspends the running fiber task until its [struct@Isle.Waker] is woken
 * (see [method@Isle.Task.ref_waker]). A wake that came while the task was not
 * parked is kept: the next call returns at once, and several such wakes
 * count as one. Callers check what they wait for in a loop, as with a
 * condition variable.
 *
 * This is the primitive that channels, futures and joins are built on.
 *
 * Call it on the island's thread, inside a fiber task.
 *
 * Returns: %TRUE when woken; %FALSE with %G_IO_ERROR_CANCELLED if the task
 *   has been aborted (then, and on every later call)
 *
 * Since: 0.1
 */
gboolean
isle_park (GError **error)
{
  IsleTask *task = _isle_task_require_fiber (G_STRFUNC, error);

  if (task == NULL)
    return FALSE;

  _isle_task_check_borrows (task, G_STRFUNC, __builtin_return_address (0));
  return _isle_task_park_on (task, &_isle_wait_park, __builtin_return_address (0), error);
}

/**
 * isle_task_get_current:
 *
 * Gets the task running on this thread: inside a fiber task's body or a
 * poll task's poll function.
 *
 * Returns: (transfer none) (nullable): the running task, or %NULL outside
 *   any task
 *
 * Since: 0.1
 */
IsleTask *
isle_task_get_current (void)
{
  return _isle_thread_state_get ()->current_task;
}

static IsleTask *
check_task (IsleTask   *task,
            const char *function)
{
  if (task->state != ISLE_TASK_STATE_FINISHED)
    _isle_local_set_check_thread (_isle_task_get_island (task), function);
  return task;
}

/**
 * isle_task_get_id:
 * @self: a task
 *
 * Gets the task's id: a number above zero, unique in the process, the same
 * as [method@Isle.JoinHandle.get_id] of its handle. It never changes, so this
 * is safe to call from any thread.
 *
 * Returns: the id
 *
 * Since: 0.1
 */
guint64
isle_task_get_id (IsleTask *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->id;
}

/**
 * isle_task_get_name:
 * @self: a task
 *
 * Gets the name the task was spawned with. It never changes, so this is
 * safe to call from any thread while the task exists.
 *
 * Returns: (transfer none) (nullable): the name, or %NULL
 *
 * Since: 0.1
 */
const char *
isle_task_get_name (IsleTask *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return _isle_task_get_name (self);
}

/**
 * isle_task_get_priority:
 * @self: a live task
 *
 * Gets the GLib priority the task runs at.
 *
 * Call it on the island's thread.
 *
 * Returns: the priority
 *
 * Since: 0.1
 */
int
isle_task_get_priority (IsleTask *self)
{
  g_return_val_if_fail (self != NULL, G_PRIORITY_DEFAULT);
  g_return_val_if_fail (self->state != ISLE_TASK_STATE_FINISHED, G_PRIORITY_DEFAULT);

  return check_task (self, G_STRFUNC)->queue->priority;
}

/**
 * isle_task_get_local_set:
 * @self: a live task
 *
 * Gets the island the task belongs to.
 *
 * Call it on the task's island's thread.
 *
 * Returns: (transfer none): the island
 *
 * Since: 0.1
 */
IsleLocalSet *
isle_task_get_local_set (IsleTask *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (self->state != ISLE_TASK_STATE_FINISHED, NULL);

  return _isle_task_get_island (self);
}

/**
 * isle_task_get_cancellable:
 * @self: a live task
 *
 * Gets a #GCancellable that is cancelled when the task is aborted. Pass it
 * to GIO calls the task makes, so that aborting the task stops them.
 *
 * Call it on the island's thread.
 *
 * Returns: (transfer none): the task's cancellable
 *
 * Since: 0.1
 */
GCancellable *
isle_task_get_cancellable (IsleTask *self)
{
  IsleTaskExtra *extra;

  g_return_val_if_fail (self != NULL, NULL);

  check_task (self, G_STRFUNC);

  extra = _isle_task_get_extra (self);
  if (extra->cancellable == NULL)
    {
      extra->cancellable = g_cancellable_new ();
      if (self->flags & ISLE_TASK_FLAG_ABORTED)
        g_cancellable_cancel (extra->cancellable);
    }

  return extra->cancellable;
}

/**
 * isle_current_cancellable:
 *
 * Gets the cancellable of the running task, cancelled when the task is
 * aborted: the one to pass to GIO calls made inside a task. Short for
 * `isle_task_get_cancellable (isle_task_get_current ())`, except that
 * outside any task it returns %NULL (no cancellable) instead of
 * complaining.
 *
 * Call it on the island's thread.
 *
 * Returns: (transfer none) (nullable): the running task's cancellable,
 *   valid while the task runs; or %NULL outside any task
 *
 * Since: 0.1
 */
GCancellable *
isle_current_cancellable (void)
{
  IsleTask *task = isle_task_get_current ();

  return task != NULL ? isle_task_get_cancellable (task) : NULL;
}

/**
 * isle_task_is_aborted:
 * @self: a task
 *
 * Whether the task has been aborted. Its suspension points return
 * %G_IO_ERROR_CANCELLED from then on; a long computation can check this
 * between steps.
 *
 * Call it on the island's thread.
 *
 * Returns: %TRUE if the task has been aborted
 *
 * Since: 0.2
 */
gboolean
isle_task_is_aborted (IsleTask *self)
{
  g_return_val_if_fail (self != NULL, FALSE);

  return (check_task (self, G_STRFUNC)->flags & ISLE_TASK_FLAG_ABORTED) != 0;
}

/**
 * isle_task_ref_waker:
 * @self: a live task
 *
 * Gets a new reference to the task's waker. Hand it to whatever the task
 * waits for: waking it (from any thread) resumes the task's [func@Isle.park],
 * or polls a poll task again.
 *
 * Call it on the island's thread; the waker itself may then travel to any
 * thread.
 *
 * Returns: (transfer full): the waker; release it with
 *   [method@Isle.Waker.unref]
 *
 * Since: 0.1
 */
IsleWaker *
isle_task_ref_waker (IsleTask *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (self->state != ISLE_TASK_STATE_FINISHED, NULL);

  check_task (self, G_STRFUNC);

  return (IsleWaker *) _isle_task_ref (self);
}

/* A task as messages name it: "task 3 “fetch”", "task 3" without a name,
 * or "plain code" for NULL (code outside any task). */
char *
_isle_task_describe (IsleTask *task)
{
  const char *name;

  if (task == NULL)
    return g_strdup ("plain code");

  name = _isle_task_get_name (task);
  if (name != NULL)
    return g_strdup_printf ("task %" G_GUINT64_FORMAT " “%s”", task->id, name);
  return g_strdup_printf ("task %" G_GUINT64_FORMAT, task->id);
}
