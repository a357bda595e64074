/* isle-task-future.c: a task's outcome as a future
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A task is a future, as a libdex fiber is one: its future settles when
 * the task finishes, with the task's result or error, and everything that
 * takes a future (isle_await(), the combinators, timeouts, callbacks)
 * takes a task through isle_join_handle_get_future().
 *
 * The future is made the first time somebody asks for it, not with the
 * task: most tasks are only ever joined, and a join needs no future (it
 * waits in the task's join_waker slot and takes the result from the
 * record). Once the future exists, the outcome moves into it when the task
 * finishes (or at once, for a task that has finished already), and stays
 * there: awaits read it, a join takes the value out of it
 * (_isle_task_consume_result()).
 *
 * The record holds its future while the task runs, so that the task can
 * settle it, and while a handle exists, so that
 * isle_join_handle_get_future() can hand the same one out again. Both end
 * on the island's thread; other references may go anywhere, and the last
 * one hands the future back to the island's thread, where the result's
 * destroy notify runs.
 */

#include "config.h"

#include "isle-diagnostics-private.h"
#include "isle-local-set-private.h"
#include "isle-task-future-private.h"

static void task_future_free (gpointer data);

static void
task_future_last_unref (IsleFuture *future,
                        gpointer    data)
{
  IsleRemote *home = data;

  _isle_remote_run_at_home (home, task_future_free, future);
}

/* Cancelling a future is what a waiter does when it stops caring (a lost
 * race, a timeout, an aborted await). A task's future may have other
 * waiters, and the task its handle: one of them giving up neither stops
 * the task nor settles its future for the others, as dropping a Tokio
 * JoinHandle leaves the task running. Aborting is the handle's
 * (isle_join_handle_abort(), isle_join_handle_join_timeout_msec()). */
static void
task_future_cancel (IsleFuture *future,
                    gpointer    data)
{
}

static const IsleFutureHooks task_future_hooks = {
  .last_unref = task_future_last_unref,
  .cancel = task_future_cancel,
};

static void
task_future_free (gpointer data)
{
  IsleFuture *future = data;
  IsleRemote *home = _isle_future_get_hooks_data (future, &task_future_hooks);

  _isle_future_free (future);
  _isle_remote_unref (home);
}

/* Moves a finished task's outcome from its record into its future. A
 * result a join took already leaves the future resolved with %NULL, as a
 * join from the future does; an error stays in the record after a join
 * (see _isle_task_consume_result()), so the future reports it too. */
static void
settle_from_record (IsleTask   *task,
                    IsleFuture *future)
{
  gpointer result;

  g_assert (_isle_task_is_finished (task));

  if (task->flags & ISLE_TASK_FLAG_RESULT_TAKEN)
    {
      if ((task->flags & ISLE_TASK_FLAG_FAILED) && task->result != NULL)
        _isle_future_settle (future, NULL, NULL, g_error_copy (task->result));
      else
        _isle_future_settle (future, NULL, NULL, NULL);
      return;
    }

  result = g_steal_pointer (&task->result);
  task->flags |= ISLE_TASK_FLAG_OUTCOME_IN_FUTURE;
  if (task->flags & ISLE_TASK_FLAG_FAILED)
    {
      task->flags &= ~ISLE_TASK_FLAG_FAILED;
      _isle_future_settle (future, NULL, NULL, result);
    }
  else
    _isle_future_settle (future, result, task->result_destroy, NULL);
}

/* The task's future, made on first use; borrowed from the record. Call it
 * on the island's thread, with a handle held. */
IsleFuture *
_isle_task_get_future (IsleTask *task)
{
  IsleTaskExtra *extra = _isle_task_get_extra (task);
  IsleFuture *future;

  if (extra->future != NULL)
    return extra->future;

  future = _isle_future_new ();
  _isle_future_set_hooks (future, &task_future_hooks,
                          _isle_remote_ref (_isle_task_get_remote (task)));
  _isle_future_set_origin (future, &_isle_origin_join, NULL, (gint64) task->id);
  extra->future = future;

  if (_isle_task_is_finished (task))
    settle_from_record (task, future);

  return future;
}

/* Called by the task's end, after its user data was released: settles its
 * future, if anybody asked for one. */
void
_isle_task_settle_future (IsleTask *task)
{
  if (task->extra != NULL && task->extra->future != NULL)
    settle_from_record (task, task->extra->future);
}

/* The record's reference to its future goes once the task has finished
 * and its last handle has gone, whichever comes last; both happen on the
 * island's thread. */
void
_isle_task_release_future (IsleTask *task)
{
  if (task->extra != NULL && task->extra->future != NULL)
    g_clear_pointer (&task->extra->future, isle_future_unref);
}
