/* isle-join-handle.c: the handle to a spawned task
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "isle-join-handle.h"
#include "isle-local-set-private.h"
#include "isle-task-private.h"
#include "isle-task-future-private.h"

/**
 * IsleJoinHandle:
 *
 * The handle that spawning a task returns, Tokio's `JoinHandle`: it joins
 * the task (waits for its result), aborts it, and tells whether it has
 * finished.
 *
 * A task is a future: [method@Isle.JoinHandle.get_future] gives the
 * task's own [struct@Isle.Future], settled when the task finishes, to
 * await, combine ([func@Isle.Future.race], [ctor@Isle.Future.new_timeout_msec])
 * or chain a callback on ([method@Isle.Future.then]). A join is an await of
 * that future that then takes the value out of it.
 *
 * Dropping the last reference **detaches** the task: it runs on, and its
 * result is released with the result destroy notify when it finishes.
 *
 * A handle is used on its island's thread; it may be referenced and
 * released on any thread (a binding's #GValue copy, a closure run by a
 * worker), and a last reference released on another thread is handed to
 * the island's thread, where the detach happens.
 *
 * Since: 0.1
 */

G_DEFINE_BOXED_TYPE (IsleJoinHandle, isle_join_handle, isle_join_handle_ref, isle_join_handle_unref)

static IsleTask *
handle_task (IsleJoinHandle *self,
             const char     *function)
{
  IsleTask *task = ISLE_TASK_FROM_HANDLE (self);

  /* A finished task may outlive its island, so only a live one can be
   * checked against its thread. */
  if (task->state != ISLE_TASK_STATE_FINISHED)
    _isle_local_set_check_thread (_isle_task_get_island (task), function);

  return task;
}

/**
 * isle_join_handle_ref:
 * @self: a handle
 *
 * Takes another reference to the handle.
 *
 * Safe to call from any thread.
 *
 * Returns: (transfer full): @self
 *
 * Since: 0.1
 */
IsleJoinHandle *
isle_join_handle_ref (IsleJoinHandle *self)
{
  IsleTask *task;

  g_return_val_if_fail (self != NULL, NULL);

  task = ISLE_TASK_FROM_HANDLE (self);
  g_return_val_if_fail (g_atomic_int_get (&task->handle_refs) > 0, NULL);

  _isle_ref_count_inc (&task->handle_refs);
  return self;
}

/* The last handle went, on the island's thread: the task is detached. */
static void
handles_released (IsleTask *task)
{
  if (_isle_task_is_finished (task))
    {
      _isle_task_consume_result (task, ISLE_RESULT_DROP, NULL);
      if (G_UNLIKELY (task->extra != NULL && task->extra->future != NULL))
        _isle_task_release_future (task);
    }

  _isle_task_unref (task);
}

/* A handle's last reference, released on another thread, arrives here
 * on the island's thread. */
static void
release_at_home (gpointer data)
{
  isle_join_handle_unref (data);
}

/**
 * isle_join_handle_unref:
 * @self: (transfer full): a handle
 *
 * Drops a reference to the handle. Dropping the last one detaches the
 * task: it keeps running, and its result is released with its result
 * destroy notify (at once, if it has finished and nobody took it).
 *
 * Safe to call from any thread. The detach always happens on the task's
 * island's thread: what would be the last reference, dropped on another
 * thread, is handed to that thread (in the island's next batch of wakes,
 * or from an idle source on its context once the island is gone) and
 * dropped there, so the result destroy notify runs there.
 *
 * Since: 0.1
 */
void
isle_join_handle_unref (IsleJoinHandle *self)
{
  IsleTask *task;
  IsleRemote *home;

  g_return_if_fail (self != NULL);

  task = ISLE_TASK_FROM_HANDLE (self);
  g_return_if_fail (g_atomic_int_get (&task->handle_refs) > 0);

  home = _isle_task_get_remote (task);
  if (G_LIKELY (home->owner == _isle_thread_peek_serial ()))
    {
      if (_isle_ref_count_dec (&task->handle_refs))
        handles_released (task);
      return;
    }

  /* Another thread never drops the last reference itself: the count does
   * not reach zero until the island's thread has it, so a task finishing
   * meanwhile sees the handle still there, and the detach runs once. */
  if (!_isle_ref_count_dec_unless_last (&task->handle_refs))
    _isle_remote_run_at_home (home, release_at_home, self);
}

static gboolean
check_joinable (IsleTask    *task,
                IsleTask    *joiner,
                const char  *function,
                GError     **error)
{
  if (G_UNLIKELY (task == joiner))
    {
      g_critical ("%s() called by task %" G_GUINT64_FORMAT " on its own "
                  "handle: it would wait for itself forever. Return the "
                  "value from the task instead",
                  function, task->id);
      g_set_error (error, ISLE_ERROR, ISLE_ERROR_WOULD_DEADLOCK,
                   "A task cannot join itself");
      return FALSE;
    }

  if (G_UNLIKELY (task->flags & ISLE_TASK_FLAG_RESULT_TAKEN))
    {
      g_critical ("%s() called on the handle of task %" G_GUINT64_FORMAT
                  ", which was already joined: its result belongs to the "
                  "first caller. Join a task once",
                  function, task->id);
      g_set_error (error, ISLE_ERROR, ISLE_ERROR_ALREADY_JOINED,
                   "Task %" G_GUINT64_FORMAT " was already joined", task->id);
      return FALSE;
    }

  if (G_UNLIKELY (task->join_waker != NULL && task->join_waker != joiner))
    {
      g_critical ("%s() called on the handle of task %" G_GUINT64_FORMAT
                  ", which task %" G_GUINT64_FORMAT " is already joining; "
                  "a task has one joiner. Pass the result on from there",
                  function, task->id, task->join_waker->id);
      g_set_error (error, ISLE_ERROR, ISLE_ERROR_BUSY,
                   "Task %" G_GUINT64_FORMAT " is already being joined", task->id);
      return FALSE;
    }

  return TRUE;
}

static void
clear_join_waker (IsleTask *task,
                  IsleTask *joiner)
{
  if (task->join_waker == joiner)
    {
      task->join_waker = NULL;
      _isle_task_unref (joiner);
    }
}

/**
 * isle_join_handle_join:
 * @self: a handle
 * @error: return location for a #GError
 *
 * Waits, inside a fiber task, until the handle's task has finished, and
 * takes its result: an await of the task's future
 * ([method@Isle.JoinHandle.get_future]) that takes the value out of it,
 * where an await would borrow it. A task is joined once.
 *
 * If the joined task was aborted, this fails with %G_IO_ERROR_CANCELLED;
 * if it failed, with its error. If the *calling* task is aborted while it
 * waits, this returns %G_IO_ERROR_CANCELLED and the joined task runs on.
 * A second join fails with %ISLE_ERROR_ALREADY_JOINED, a join while
 * another task joins with %ISLE_ERROR_BUSY, and a task joining itself with
 * %ISLE_ERROR_WOULD_DEADLOCK: misuses, each reported with a critical too.
 *
 * Call it on the island's thread, inside a fiber task; poll tasks use
 * [method@Isle.JoinHandle.poll].
 *
 * Returns: (transfer full) (nullable): the task's result, which the caller
 *   now owns (the result destroy notify is not called for it; the task's
 *   future, if anybody asked for it, reads %NULL from now on), or %NULL
 *   with @error set
 *
 * Since: 0.1
 */
gpointer
isle_join_handle_join (IsleJoinHandle  *self,
                       GError         **error)
{
  IsleTask *task;
  IsleTask *joiner;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  task = handle_task (self, G_STRFUNC);
  joiner = _isle_task_require_fiber (G_STRFUNC, error);
  if (joiner == NULL)
    return NULL;

  if (!check_joinable (task, joiner, G_STRFUNC, error))
    return NULL;

  _isle_task_check_borrows (joiner, G_STRFUNC, __builtin_return_address (0));
  while (!_isle_task_is_finished (task))
    {
      if (task->join_waker == NULL)
        task->join_waker = _isle_task_ref (joiner);

      if (!_isle_task_park_on (joiner, &_isle_wait_join, task, error))
        {
          clear_join_waker (task, joiner);
          return NULL;
        }
    }

  /* Between the task's end and this joiner's turn, a second joiner may
   * have come and taken the result: the same misuse, caught late. */
  if (!check_joinable (task, joiner, G_STRFUNC, error))
    return NULL;

  return _isle_task_consume_result (task, ISLE_RESULT_TAKE, error);
}

/**
 * isle_join_handle_poll:
 * @self: a handle
 * @waker: (transfer none): the polling task's waker
 * @result: (out) (transfer full) (nullable): the task's result, when ready
 * @error: return location for a #GError
 *
 * The form of [method@Isle.JoinHandle.join] for poll functions: if the task
 * has finished, takes its result (out of its future, if anybody asked for
 * it) and returns %ISLE_POLL_READY; otherwise
 * arranges for @waker to be woken when it finishes and returns
 * %ISLE_POLL_PENDING.
 *
 * Call it on the island's thread.
 *
 * Returns: %ISLE_POLL_READY with @result or @error set, or
 *   %ISLE_POLL_PENDING
 *
 * Since: 0.1
 */
IslePoll
isle_join_handle_poll (IsleJoinHandle  *self,
                       IsleWaker       *waker,
                       gpointer        *result,
                       GError         **error)
{
  IsleTask *task;
  IsleTask *joiner;

  g_return_val_if_fail (self != NULL, ISLE_POLL_READY);
  g_return_val_if_fail (waker != NULL, ISLE_POLL_READY);
  g_return_val_if_fail (result != NULL, ISLE_POLL_READY);
  g_return_val_if_fail (error == NULL || *error == NULL, ISLE_POLL_READY);

  task = handle_task (self, G_STRFUNC);
  joiner = ISLE_TASK_FROM_WAKER (waker);
  *result = NULL;

  /* A poll task polled again re-registers the same waker, which is fine;
   * another joiner is the misuse. */
  if (!check_joinable (task, joiner, G_STRFUNC, error))
    return ISLE_POLL_READY;

  if (!_isle_task_is_finished (task))
    {
      if (task->join_waker == NULL)
        task->join_waker = _isle_task_ref (joiner);
      return ISLE_POLL_PENDING;
    }

  *result = _isle_task_consume_result (task, ISLE_RESULT_TAKE, error);
  return ISLE_POLL_READY;
}

/**
 * isle_join_handle_abort:
 * @self: a handle
 *
 * Aborts the task. If it has not started, it never runs and its user data
 * is released. If it is suspended (parked, yielding or joining), it is
 * woken and that call returns %G_IO_ERROR_CANCELLED, as does every later
 * one; its #GCancellable is cancelled, which stops GIO calls in flight. A
 * task aborting itself sees the error at its next suspension. Aborting a
 * finished task does nothing.
 *
 * The abort completes when the island next runs the task; joining it then
 * gives %G_IO_ERROR_CANCELLED.
 *
 * Call it on the island's thread.
 *
 * Since: 0.1
 */
void
isle_join_handle_abort (IsleJoinHandle *self)
{
  g_return_if_fail (self != NULL);

  _isle_task_abort (handle_task (self, G_STRFUNC));
}

/**
 * isle_join_handle_is_finished:
 * @self: a handle
 *
 * Whether the task has finished: returned, failed, or was aborted and the
 * island has since processed it.
 *
 * Call it on the island's thread.
 *
 * Returns: %TRUE if the task has finished
 *
 * Since: 0.1
 */
gboolean
isle_join_handle_is_finished (IsleJoinHandle *self)
{
  g_return_val_if_fail (self != NULL, FALSE);

  return _isle_task_is_finished (handle_task (self, G_STRFUNC));
}

/**
 * isle_join_handle_get_future:
 * @self: a handle
 *
 * Gets the task's future: the [struct@Isle.Future] that settles when the
 * task finishes, with the task's result (released with the result destroy
 * notify given at spawn) or its error, %G_IO_ERROR_CANCELLED if it was
 * aborted. It is the task's own, the same each time: await it with
 * [func@Isle.await], combine it with [func@Isle.Future.all] and its kin,
 * wrap it in [ctor@Isle.Future.new_timeout_msec], or chain a callback with
 * [method@Isle.Future.then].
 *
 * Like every future, it lends its value to everyone who waits for it
 * (`transfer none`, valid while they hold a reference to the future). A
 * join takes the value out of it: after [method@Isle.JoinHandle.join], the
 * future still reports that the task succeeded, but with %NULL, so join
 * once you no longer use the value through the future.
 *
 * Cancelling the future ([method@Isle.Future.cancel], or a race or a
 * timeout it loses) does nothing to it or to the task: a future that
 * several may wait for does not settle, and its task does not stop,
 * because one of them gave up. The task runs on, as when its handle is
 * dropped, and its future settles when it finishes. To stop the task,
 * abort it with [method@Isle.JoinHandle.abort], or join it with
 * [method@Isle.JoinHandle.join_timeout_msec].
 *
 * The future is made the first time it is asked for, so tasks that are
 * only joined never pay for one.
 *
 * Call it on the task's island's thread.
 *
 * Returns: (transfer none): the task's future, valid while you hold the
 *   handle; take a reference to keep it longer
 *
 * Since: 0.2
 */
IsleFuture *
isle_join_handle_get_future (IsleJoinHandle *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return _isle_task_get_future (handle_task (self, G_STRFUNC));
}

/**
 * isle_join_handle_get_id:
 * @self: a handle
 *
 * Gets the id of the handle's task (see [method@Isle.Task.get_id]).
 *
 * Safe to call from any thread: a task's id never changes.
 *
 * Returns: the task's id
 *
 * Since: 0.1
 */
guint64
isle_join_handle_get_id (IsleJoinHandle *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return ISLE_TASK_FROM_HANDLE (self)->id;
}
