/* isle-waker.c: waking a parked task, from any thread
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The wake itself is here: the thread a wake comes from chooses its path,
 * and the task's state decides what it does. A wake on the island's thread
 * acts at once. One from another thread is queued on the island's
 * IsleRemote (isle-remote.c, which owns that queue and its lock) and acts
 * here when the island drains the queue, through _isle_task_wake_remote().
 */

#include "config.h"

#include "isle-waker.h"
#include "isle-waker-private.h"
#include "isle-local-set-private.h"
#include "isle-remote-private.h"
#include "isle-run-queue-private.h"
#include "isle-task-private.h"

/**
 * IsleWaker:
 *
 * What wakes a task: a suspended fiber task's [func@Isle.park] returns, a poll
 * task is polled again. Wakers are reference counted and may be woken,
 * referenced and released on any thread. Waking a task that has finished,
 * even one whose island is gone, does nothing.
 *
 * A wake on the island's thread takes no lock, no atomic operation and no
 * system call; one from another thread goes through a locked queue and
 * g_main_context_wakeup(), once per batch.
 *
 * Since: 0.1
 */

G_DEFINE_BOXED_TYPE (IsleWaker, isle_waker, isle_waker_ref, isle_waker_unref)

/* A wake on the island's thread: no lock, no atomic, no file descriptor. */
static inline void
wake (IsleTask *task)
{
  switch (task->state)
    {
    case ISLE_TASK_STATE_IDLE:
      _isle_task_schedule (task);
      break;

    case ISLE_TASK_STATE_SCHEDULED:
      /* A poll task will be polled anyway; a fiber in isle_yield_now()
       * keeps the wake as a permit for its next park. */
      if (task->kind == ISLE_TASK_KIND_FIBER)
        task->flags |= ISLE_TASK_FLAG_NOTIFIED;
      break;

    case ISLE_TASK_STATE_RUNNING:
      task->flags |= ISLE_TASK_FLAG_NOTIFIED;
      break;

    case ISLE_TASK_STATE_RETURNED:
    case ISLE_TASK_STATE_FINISHED:
    default:
      break;
    }
}

/* A wake that starts on the island's thread, counted here; a wake from
 * another thread is counted by the drain, a batch at a time, so that no
 * counter needs an atomic. */
void
_isle_task_wake_local (IsleTask *task)
{
  if (task->state != ISLE_TASK_STATE_FINISHED)
    task->queue->island->counters.wakes_local++;
  wake (task);
}

/* A wake that came from another thread, once the island has drained it
 * from the remote queue. */
void
_isle_task_wake_remote (IsleTask *task)
{
  wake (task);
}

/**
 * isle_waker_ref:
 * @self: a waker
 *
 * Takes a reference to the waker, for instance to keep the waker a poll
 * function is given.
 *
 * Safe to call from any thread.
 *
 * Returns: (transfer full): @self
 *
 * Since: 0.1
 */
IsleWaker *
isle_waker_ref (IsleWaker *self)
{
  IsleTask *task = ISLE_TASK_FROM_WAKER (self);

  g_return_val_if_fail (self != NULL, NULL);

  return (IsleWaker *) _isle_task_ref (task);
}

/**
 * isle_waker_unref:
 * @self: (transfer full): a waker
 *
 * Drops a reference to the waker.
 *
 * Safe to call from any thread.
 *
 * Since: 0.1
 */
void
isle_waker_unref (IsleWaker *self)
{
  g_return_if_fail (self != NULL);

  _isle_task_unref (ISLE_TASK_FROM_WAKER (self));
}

/**
 * isle_waker_wake:
 * @self: a waker
 *
 * Wakes the waker's task: a parked fiber task resumes, a poll task is
 * polled again, on the island's thread. A wake that reaches a task that is
 * not parked is kept for its next [func@Isle.park]; waking a finished task
 * does nothing.
 *
 * Safe to call from any thread.
 *
 * Since: 0.1
 */
void
isle_waker_wake (IsleWaker *self)
{
  IsleTask *task = ISLE_TASK_FROM_WAKER (self);
  IsleRemote *remote;

  g_return_if_fail (self != NULL);

  remote = _isle_task_get_remote (task);
  if (remote->owner == _isle_thread_peek_serial ())
    _isle_task_wake_local (task);
  else
    _isle_remote_wake (remote, task);
}

/* Wakes the task and drops the caller's reference to its waker, in that
 * order but as one step: from another thread the reference travels with
 * the wake, so the caller is done with the task before the task can run
 * (a settled future hands its waiting task over this way; a worker that
 * kept the task past the wake could outlive the island it belongs to).
 * %NULL does nothing, as for g_clear_pointer(): the wakers that channels,
 * oneshots and notifies take out of a slot under their lock are often
 * none. */
void
_isle_waker_wake_and_unref (IsleWaker *self)
{
  IsleTask *task = ISLE_TASK_FROM_WAKER (self);
  IsleRemote *remote;

  if (self == NULL)
    return;

  remote = _isle_task_get_remote (task);

  if (remote->owner == _isle_thread_peek_serial ())
    {
      _isle_task_wake_local (task);
      _isle_task_unref (task);
    }
  else
    _isle_remote_wake_take (remote, task);
}
