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
 *
 * Channels and oneshots carry gpointers, which PyGObject and GJS pass
 * only as integers. Their _value forms carry GValues instead, which every
 * binding makes from any value of its language (PyGObject boxes a Python
 * object as a PyObject GValue): a channel made by
 * isle_channel_new_for_values() holds heap GValues, copied in on the
 * sender's thread and moved out to the receiver.
 */

#include "config.h"

#include "isle-binding.h"
#include "isle-channel-private.h"
#include "isle-local-set-private.h"
#include "isle-oneshot-private.h"
#include "isle-spawn-private.h"
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

  return (IsleJoinHandle *) _isle_spawn (&(IsleSpawnArgs) {
    .island = self,
    .kind = ISLE_TASK_KIND_POLL,
    .name = name,
    .priority = priority,
    .poll = poll,
    .user_data = state,
    .user_data_destroy = state_destroy,
    .site = __builtin_return_address (0),
  });
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

void
_isle_value_item_free (gpointer item)
{
  GValue *value = item;

  g_value_unset (value);
  g_free (value);
}

/* A heap copy of @value, made on the calling thread. */
static GValue *
value_item_new (const GValue *value)
{
  GValue *item = g_new0 (GValue, 1);

  g_value_init (item, G_VALUE_TYPE (value));
  g_value_copy (value, item);
  return item;
}

/* Moves a heap item into the caller's unset @value: a GValue holds no
 * pointer to itself, so its bytes may move (GValueArray moves them too). */
static void
value_item_move_to (GValue *item,
                    GValue *value)
{
  *value = *item;
  g_free (item);
}

static gboolean
check_channel_holds_values (IsleChannel  *channel,
                            const char   *function,
                            GError      **error)
{
  if (G_LIKELY (_isle_channel_holds_values (channel)))
    return TRUE;

  g_critical ("%s() on IsleChannel %p, whose items are not GValues: the "
              "_value forms need a channel made by isle_channel_new_for_values(). "
              "Use the gpointer forms on this one",
              function, (gpointer) channel);
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                       "The channel does not hold GValues");
  return FALSE;
}

static gboolean
check_oneshot_holds_value (IsleOneshot  *oneshot,
                           const char   *function,
                           GError      **error)
{
  if (G_LIKELY (_isle_oneshot_holds_value (oneshot)))
    return TRUE;

  g_critical ("%s() on IsleOneshot %p, whose value is not a GValue: the "
              "_value forms need a oneshot made by isle_oneshot_new_for_value(). "
              "Use the gpointer forms on this one",
              function, (gpointer) oneshot);
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                       "The oneshot does not hold a GValue");
  return FALSE;
}

/**
 * isle_channel_new_for_values:
 * @capacity: how many items the channel holds before a send waits for
 *   room, or 0 for an unbounded channel
 * @sender: (out) (transfer full): return location for the channel's first
 *   sender
 *
 * Creates a channel whose items are #GValues, and its first sender: the
 * form of [ctor@Isle.Channel.new] for language bindings, which send any
 * value of their language as a #GValue (a Python object, boxed by
 * PyGObject). Send with [method@Isle.ChannelSender.send_value] and its
 * try and poll forms, which copy the value; receive with
 * [method@Isle.Channel.try_recv_value], which moves it out, once
 * [method@Isle.Channel.poll_recv_ready] says an item is there.
 *
 * Everything else is as for [ctor@Isle.Channel.new]: the calling thread is
 * the receiver's, the channel closes when the last sender goes, and items
 * never received are unset and freed, once, when the receiving end goes.
 * The gpointer forms work too (C code receiving from such a channel gets
 * a `GValue *` to unset and free); send them only heap GValues.
 *
 * Safe to call from any thread; that thread becomes the receiver's.
 *
 * Returns: (transfer full): the receiving end of a new channel
 *
 * Since: 0.2
 */
IsleChannel *
isle_channel_new_for_values (gsize               capacity,
                             IsleChannelSender **sender)
{
  g_return_val_if_fail (sender != NULL, NULL);

  return isle_channel_new (capacity, _isle_value_item_free, sender);
}

/* Both sends of a copy of @value: @may_wait says whether a full channel
 * makes the caller wait (send) or fail (try_send). The copy is freed here
 * when the send fails. */
static gboolean
send_value (IsleChannel   *channel,
            const GValue  *value,
            gboolean       may_wait,
            const char    *function,
            gconstpointer  caller,
            GError       **error)
{
  GValue *item;

  if (!check_channel_holds_values (channel, function, error))
    return FALSE;

  item = value_item_new (value);
  if (_isle_channel_send_item (channel, item, may_wait, function, caller, error))
    return TRUE;

  _isle_value_item_free (item);
  return FALSE;
}

/**
 * isle_channel_sender_send_value:
 * @self: a sender of a channel made by [ctor@Isle.Channel.new_for_values]
 * @value: (transfer none): the value to send; the channel gets a copy
 * @error: return location for a #GError
 *
 * Sends a copy of @value, as [method@Isle.ChannelSender.send] sends an
 * item: at once if the channel has room; otherwise a fiber task parks and
 * a plain thread (a binding's worker thread) blocks until the receiver
 * makes room. A binding releases its interpreter lock around the call
 * (PyGObject does), so the receiver's thread runs meanwhile.
 *
 * The copy is made on the calling thread before the send and freed there
 * if the send fails; a value whose copy needs a lock of the binding (a
 * PyObject takes the GIL) takes it there.
 *
 * Safe to call from any thread; from a poll task, use
 * [method@Isle.ChannelSender.poll_send_value].
 *
 * Returns: %TRUE if the copy was queued; %FALSE with %G_IO_ERROR_CLOSED if
 *   the channel is closed, or another error as
 *   [method@Isle.ChannelSender.send] says
 *
 * Since: 0.2
 */
gboolean
isle_channel_sender_send_value (IsleChannelSender  *self,
                                const GValue       *value,
                                GError            **error)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (G_IS_VALUE (value), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return send_value ((IsleChannel *) self, value, TRUE, G_STRFUNC,
                     __builtin_return_address (0), error);
}

/**
 * isle_channel_sender_try_send_value:
 * @self: a sender of a channel made by [ctor@Isle.Channel.new_for_values]
 * @value: (transfer none): the value to send; the channel gets a copy
 * @error: return location for a #GError
 *
 * Sends a copy of @value if the channel has room, without ever waiting,
 * as [method@Isle.ChannelSender.try_send] does.
 *
 * Safe to call from any thread.
 *
 * Returns: %TRUE if the copy was queued; %FALSE with
 *   %G_IO_ERROR_WOULD_BLOCK if the channel is full, or %G_IO_ERROR_CLOSED
 *   if it is closed
 *
 * Since: 0.2
 */
gboolean
isle_channel_sender_try_send_value (IsleChannelSender  *self,
                                    const GValue       *value,
                                    GError            **error)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (G_IS_VALUE (value), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return send_value ((IsleChannel *) self, value, FALSE, G_STRFUNC, NULL, error);
}

/**
 * isle_channel_sender_poll_send_value:
 * @self: a sender of a channel made by [ctor@Isle.Channel.new_for_values]
 * @waker: (transfer none): the polling task's waker
 * @value: (transfer none): the value to send; the channel gets a copy
 *   when the send succeeds
 * @error: return location for a #GError
 *
 * The form of [method@Isle.ChannelSender.send_value] for poll functions,
 * as [method@Isle.ChannelSender.poll_send] is of
 * [method@Isle.ChannelSender.send]: queues a copy of @value if the
 * channel has room; otherwise the task takes its place in line for room
 * and %ISLE_POLL_PENDING is returned. Call it again, with the same waker
 * and the value to send, when woken. A task that finishes while it waits
 * (it is aborted, say) leaves the line, and room handed to it passes on.
 *
 * Call it on the polling task's island thread, with the waker its poll
 * function was given.
 *
 * Returns: %ISLE_POLL_READY when the copy was queued, or with
 *   %G_IO_ERROR_CLOSED if the channel is closed; otherwise
 *   %ISLE_POLL_PENDING
 *
 * Since: 0.2
 */
IslePoll
isle_channel_sender_poll_send_value (IsleChannelSender  *self,
                                     IsleWaker          *waker,
                                     const GValue       *value,
                                     GError            **error)
{
  GError *local_error = NULL;
  GValue *item;
  IslePoll poll;

  g_return_val_if_fail (self != NULL, ISLE_POLL_READY);
  g_return_val_if_fail (waker != NULL, ISLE_POLL_READY);
  g_return_val_if_fail (G_IS_VALUE (value), ISLE_POLL_READY);
  g_return_val_if_fail (error == NULL || *error == NULL, ISLE_POLL_READY);

  if (!check_channel_holds_values ((IsleChannel *) self, G_STRFUNC, error))
    return ISLE_POLL_READY;

  /* Copied for each poll, and freed unless it was queued: a pending send
   * leaves the value with the caller, who may send another next time. */
  item = value_item_new (value);
  poll = _isle_channel_sender_poll_send (self, waker, item, G_STRFUNC, &local_error);
  if (poll == ISLE_POLL_PENDING || local_error != NULL)
    _isle_value_item_free (item);
  if (local_error != NULL)
    g_propagate_error (error, local_error);
  return poll;
}

/**
 * isle_channel_try_recv_value:
 * @self: a channel made by [ctor@Isle.Channel.new_for_values]
 * @value: (out caller-allocates): an unset #GValue (%G_VALUE_INIT) that
 *   receives the item; unset it when done
 * @error: return location for a #GError
 *
 * Receives the next item into @value if there is one, without waiting,
 * as [method@Isle.Channel.try_recv] does.
 *
 * Call it on the channel's thread, in a task or in plain code.
 *
 * Returns: %TRUE with @value set; or %FALSE with %G_IO_ERROR_WOULD_BLOCK
 *   if the channel is empty, or %G_IO_ERROR_CLOSED if it is closed and
 *   empty (@value is left unset)
 *
 * Since: 0.2
 */
gboolean
isle_channel_try_recv_value (IsleChannel  *self,
                             GValue       *value,
                             GError      **error)
{
  GValue *item;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (value != NULL && G_VALUE_TYPE (value) == G_TYPE_INVALID, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!check_channel_holds_values (self, G_STRFUNC, error))
    return FALSE;

  item = _isle_channel_try_recv (self, G_STRFUNC, error);
  if (item == NULL)
    return FALSE;

  value_item_move_to (item, value);
  return TRUE;
}


/**
 * isle_oneshot_new_for_value:
 *
 * Creates a oneshot whose value is a #GValue: the form of
 * [ctor@Isle.Oneshot.new] for language bindings. Send with
 * [method@Isle.OneshotSender.send_value], which copies the value; receive
 * with [method@Isle.Oneshot.try_recv_value], which moves it out, once
 * [method@Isle.Oneshot.poll_recv_ready] says it is there. A value sent
 * and never received is unset and freed, once, when the receiving end
 * goes.
 *
 * The calling thread is the receiver's thread.
 *
 * Returns: (transfer full): the receiving end of a new oneshot
 *
 * Since: 0.2
 */
IsleOneshot *
isle_oneshot_new_for_value (void)
{
  return _isle_oneshot_new_for_value ();
}

/**
 * isle_oneshot_sender_send_value:
 * @self: a sender of a oneshot made by [ctor@Isle.Oneshot.new_for_value]
 * @value: (transfer none): the value; the oneshot gets a copy
 * @error: return location for a #GError
 *
 * Sends a copy of @value and wakes the receiver, as
 * [method@Isle.OneshotSender.send] does. The copy is made on the calling
 * thread; if it is not delivered (the receiving end is gone, or this is a
 * second send, which is a misuse), it is freed there at once.
 *
 * Safe to call from any thread.
 *
 * Returns: %TRUE if the copy was delivered to the receiving end; %FALSE
 *   with an error as [method@Isle.OneshotSender.send] says
 *
 * Since: 0.2
 */
gboolean
isle_oneshot_sender_send_value (IsleOneshotSender  *self,
                                const GValue       *value,
                                GError            **error)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (G_IS_VALUE (value), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!check_oneshot_holds_value ((IsleOneshot *) self, G_STRFUNC, error))
    return FALSE;

  return isle_oneshot_sender_send (self, value_item_new (value), _isle_value_item_free,
                                   error);
}

/**
 * isle_oneshot_try_recv_value:
 * @self: a oneshot made by [ctor@Isle.Oneshot.new_for_value]
 * @value: (out caller-allocates): an unset #GValue (%G_VALUE_INIT) that
 *   receives the value; unset it when done
 * @error: return location for a #GError
 *
 * Receives the oneshot's value into @value if it has been sent, without
 * waiting, as [method@Isle.Oneshot.try_recv] does.
 *
 * Call it on the oneshot's thread, in a task or in plain code.
 *
 * Returns: %TRUE with @value set; or %FALSE with %G_IO_ERROR_WOULD_BLOCK
 *   if it has not been sent yet, or %G_IO_ERROR_CLOSED if the sender was
 *   released without sending or the value was received already
 *
 * Since: 0.2
 */
gboolean
isle_oneshot_try_recv_value (IsleOneshot  *self,
                             GValue       *value,
                             GError      **error)
{
  GError *local_error = NULL;
  GValue *item;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (value != NULL && G_VALUE_TYPE (value) == G_TYPE_INVALID, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!check_oneshot_holds_value (self, G_STRFUNC, error))
    return FALSE;

  item = _isle_oneshot_try_recv (self, G_STRFUNC, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return FALSE;
    }

  /* NULL only if C code sent it with the gpointer form: @value stays unset. */
  if (item != NULL)
    value_item_move_to (item, value);
  return TRUE;
}
