/* isle-join-timeout.c: join a subtask with a deadline, and stop it
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "isle-join-handle.h"
#include "isle-task-private.h"
#include "isle-time.h"

/**
 * isle_join_handle_join_timeout_msec:
 * @self: a handle to a task of the current island
 * @timeout_msec: how long to wait at most, in milliseconds
 * @error: return location for a #GError
 *
 * Joins the task as [method@Isle.JoinHandle.join] does, but for at most
 * @timeout_msec milliseconds. If the task has not finished by then, it is
 * aborted, this waits until it has returned (so its user data has been released and
 * nothing it was given is in use any more), and the call fails with
 * %G_IO_ERROR_TIMED_OUT. Its result, should it have made one meanwhile,
 * is released.
 *
 * This is the one call for "time out a subtask and stop it":
 * [ctor@Isle.Future.new_timeout_msec] over the task's future
 * ([method@Isle.JoinHandle.get_future]) gives up waiting but leaves the
 * task running.
 *
 * If the calling task is aborted while it waits, this returns
 * %G_IO_ERROR_CANCELLED at once; the joined task is aborted then too if
 * the deadline had passed, and left running otherwise.
 *
 * Call it on the island's thread, inside a fiber task.
 *
 * Returns: (transfer full) (nullable): the task's result; or %NULL with
 *   @error set
 *
 * Since: 0.2
 */
gpointer
isle_join_handle_join_timeout_msec (IsleJoinHandle  *self,
                                    guint            timeout_msec,
                                    GError         **error)
{
  g_autoptr(IsleFuture) timer = NULL;
  IsleTask *task;
  IsleTask *me;
  GError *late_error = NULL;
  gpointer value = NULL;
  gpointer ignored = NULL;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  me = _isle_task_require_fiber (G_STRFUNC, error);
  if (me == NULL)
    return NULL;
  task = ISLE_TASK_FROM_HANDLE (self);

  timer = isle_future_new_sleep_msec (timeout_msec);
  for (;;)
    {
      if (isle_join_handle_poll (self, (IsleWaker *) me, &value, error) == ISLE_POLL_READY)
        return value;
      if (isle_future_poll (timer, (IsleWaker *) me, &ignored, NULL) == ISLE_POLL_READY)
        break;
      if (!isle_park (error))
        return NULL;
    }

  /* The deadline passed: stop the task and wait until it has returned. */
  isle_join_handle_abort (self);
  while (isle_join_handle_poll (self, (IsleWaker *) me, &value, &late_error) == ISLE_POLL_PENDING)
    {
      if (!isle_park (error))
        return NULL;
    }

  if (value != NULL && task->result_destroy != NULL)
    task->result_destroy (value);
  g_clear_error (&late_error);
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
               "Task %" G_GUINT64_FORMAT " did not finish within %u ms and was aborted",
               task->id, timeout_msec);
  return NULL;
}
