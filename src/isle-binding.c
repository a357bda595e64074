/* isle-binding.c: what language bindings need beyond the C API
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * PyGObject and GJS write poll tasks (fiber tasks are closed to them, see
 * isle-binding-guard.c), and two things of the poll API do not reach them
 * through the GIR: g-ir-scanner pairs a callback with the last
 * GDestroyNotify after it, so the _full spawns pair @poll with
 * @result_destroy (and isle_spawn_blocking() its @func with its
 * @result_destroy), and a binding's callback cannot set a GError.
 */

#include "config.h"

#include "isle-binding.h"
#include "isle-local-set-private.h"
#include "isle-task-private.h"

/**
 * isle_local_set_spawn_local_poll_named:
 * @self: an island
 * @name: (nullable): a name for the task, shown in messages and the dump
 * @priority: the task's GLib priority, such as %G_PRIORITY_DEFAULT
 * @poll: (scope notified) (closure state) (destroy state_destroy) (not nullable):
 *   the task's poll function
 * @state: (nullable): the task's state
 * @state_destroy: (nullable): releases @state when the task has finished
 *
 * Like [method@Isle.LocalSet.spawn_local_poll_full] without a result
 * destroy notify: the form of it that language bindings can call (the
 * Python override spawns its coroutines with it). A poll function of a
 * binding leaves its result %NULL and keeps its value on its own side.
 *
 * Call it on the island's thread.
 *
 * Returns: (transfer full): a handle to the task
 *
 * Since: 0.2
 */
IsleJoinHandle *
isle_local_set_spawn_local_poll_named (IsleLocalSet   *self,
                                       const char     *name,
                                       int             priority,
                                       IslePollFunc    poll,
                                       gpointer        state,
                                       GDestroyNotify  state_destroy)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (poll != NULL, NULL);

  _isle_local_set_check_thread (self, G_STRFUNC);

  return (IsleJoinHandle *) _isle_task_new (self, ISLE_TASK_KIND_POLL, name,
                                            priority, 0, poll, state,
                                            state_destroy, NULL,
                                            __builtin_return_address (0));
}

/**
 * isle_task_set_poll_error:
 * @self: the running poll task
 * @error: (transfer full): the task's error
 *
 * Sets the error that the poll task @self finishes with when its poll
 * function next returns %ISLE_POLL_READY without setting one: the way for
 * a language binding's poll function, which cannot set a #GError, to
 * fail. Join handles, futures and the unobserved-failure report see it
 * as if the poll function had set it. A second call replaces the first
 * error.
 *
 * Call it on the island's thread, from @self's poll function.
 *
 * Since: 0.2
 */
void
isle_task_set_poll_error (IsleTask *self,
                          GError   *error)
{
  IsleTaskExtra *extra;

  g_return_if_fail (self != NULL);
  g_return_if_fail (error != NULL);

  if (self->state != ISLE_TASK_STATE_RUNNING || self->kind != ISLE_TASK_KIND_POLL)
    {
      g_critical ("%s() called on task %" G_GUINT64_FORMAT ", which is not "
                  "a poll task in its poll function; call it from the poll "
                  "function of the task that fails",
                  G_STRFUNC, self->id);
      g_error_free (error);
      return;
    }
  _isle_local_set_check_thread (_isle_task_get_island (self), G_STRFUNC);

  extra = _isle_task_get_extra (self);
  g_clear_error (&extra->poll_error);
  extra->poll_error = error;
}

/**
 * isle_binding_spawn_blocking:
 * @func: (scope notified) (closure user_data) (destroy user_data_destroy) (not nullable):
 *   the blocking function, run on a worker thread
 * @user_data: (nullable): data for @func
 * @user_data_destroy: (nullable): releases @user_data
 *
 * [func@Isle.spawn_blocking] without a result destroy notify: the form of
 * it that language bindings can call (PyGObject runs a Python @func on the
 * worker thread holding the GIL; GJS cannot run JavaScript on another
 * thread at all). A binding's @func returns %NULL and keeps its value on
 * its own side.
 *
 * Call it on an island's thread.
 *
 * Returns: (transfer full): a future for the function's result
 *
 * Since: 0.2
 */
IsleFuture *
isle_binding_spawn_blocking (IsleBlockingFunc  func,
                             gpointer          user_data,
                             GDestroyNotify    user_data_destroy)
{
  g_return_val_if_fail (func != NULL, NULL);

  return isle_spawn_blocking (func, user_data, user_data_destroy, NULL);
}
