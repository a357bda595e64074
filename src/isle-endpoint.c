/* isle-endpoint.c: the receiving end that channels and oneshots share
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * See isle-endpoint-private.h. The kinds (isle-channel.c, isle-oneshot.c)
 * hold the public entry points, with their g_return checks and doc
 * comments, and pass their own names in as @function, so that every
 * message names the function the caller called.
 */

#include "config.h"

#include "isle-endpoint-private.h"
#include "isle-waker-private.h"

void
_isle_endpoint_init (IsleEndpoint            *self,
                     const IsleEndpointClass *klass,
                     guint                    n_senders)
{
  self->klass = klass;
  g_atomic_ref_count_init (&self->ref_count);
  for (guint i = 0; i < n_senders; i++)
    g_atomic_ref_count_inc (&self->ref_count);
  self->n_senders = n_senders;
  g_atomic_ref_count_init (&self->receiver_refs);
  g_mutex_init (&self->lock);
  _isle_owner_init (&self->owner);
}

static void
endpoint_release (IsleEndpoint *self)
{
  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;

  g_assert (self->recv_polling == NULL);
  self->klass->finalize (self);
  g_clear_pointer (&self->recv_waker, isle_waker_unref);
  g_mutex_clear (&self->lock);
  _isle_owner_clear (&self->owner);
  g_free (self);
}

void
_isle_endpoint_receiver_ref (IsleEndpoint *self)
{
  g_atomic_ref_count_inc (&self->receiver_refs);
  g_atomic_ref_count_inc (&self->ref_count);
}

void
_isle_endpoint_receiver_unref (IsleEndpoint *self)
{
  if (g_atomic_ref_count_dec (&self->receiver_refs))
    self->klass->receiver_gone (self);

  endpoint_release (self);
}

void
_isle_endpoint_sender_ref_locked (IsleEndpoint *self)
{
  self->n_senders++;
  g_atomic_ref_count_inc (&self->ref_count);
}

void
_isle_endpoint_sender_ref (IsleEndpoint *self)
{
  g_mutex_lock (&self->lock);
  _isle_endpoint_sender_ref_locked (self);
  g_mutex_unlock (&self->lock);
}

void
_isle_endpoint_sender_unref (IsleEndpoint *self,
                             const char   *function)
{
  IsleWaker *waker = NULL;

  g_mutex_lock (&self->lock);
  if (self->n_senders == 0)
    {
      /* The caller's mistake, not Isle's: report it and keep the object
       * as it is rather than wrap the count (a channel that would never
       * close). */
      g_mutex_unlock (&self->lock);
      g_critical ("%s() called on %s none of whose senders is held: a "
                  "sender was unreffed more often than it was reffed",
                  function, self->klass->a_noun);
      return;
    }
  if (--self->n_senders == 0 && self->klass->senders_gone_locked (self))
    waker = g_steal_pointer (&self->recv_waker);
  g_mutex_unlock (&self->lock);

  _isle_waker_wake_and_unref (waker);
  endpoint_release (self);
}

/* One task receives at a time: a second one would take the first one's
 * wake. */
static gboolean
check_one_receiver (IsleEndpoint  *self,
                    IsleTask      *task,
                    const char    *function,
                    GError       **error)
{
  if (G_LIKELY (self->receiving == NULL || self->receiving == task))
    return TRUE;

  g_critical ("%s() on %s %p in task %" G_GUINT64_FORMAT " while "
              "task %" G_GUINT64_FORMAT " is receiving from it: %s "
              "has one receiver. %s",
              function, self->klass->type_name, (gpointer) self, task->id,
              self->receiving->id, self->klass->a_noun,
              self->klass->one_receiver_advice);
  g_set_error (error, ISLE_ERROR, ISLE_ERROR_BUSY,
               "Task %" G_GUINT64_FORMAT " is already receiving from %s",
               self->receiving->id, self->klass->the_noun);
  return FALSE;
}

/* With the lock held: asks the kind whether the receive is done, and
 * keeps the waker slot in step. Not done, @waker takes the slot, so that
 * a send after this point (it takes the lock) sees it; done, it leaves
 * the slot, so that a later send does not wake the task in whatever it
 * waits for next. The waker the slot gives up goes to *@replaced. */
static gboolean
take_or_register_locked (IsleEndpoint  *self,
                         IsleWaker     *waker,
                         gpointer      *value,
                         IsleWaker    **wake,
                         IsleWaker    **replaced,
                         GError       **error)
{
  gboolean done = self->klass->take_locked (self, value, wake, error);

  if (!done && self->recv_waker != waker)
    {
      *replaced = self->recv_waker;
      self->recv_waker = isle_waker_ref (waker);
    }
  else if (done && self->recv_waker == waker)
    *replaced = g_steal_pointer (&self->recv_waker);

  return done;
}

/* Takes @waker out of the slot if it is still there. */
static void
unregister_waker (IsleEndpoint *self,
                  IsleWaker    *waker)
{
  IsleWaker *replaced = NULL;

  g_mutex_lock (&self->lock);
  if (self->recv_waker == waker)
    replaced = g_steal_pointer (&self->recv_waker);
  g_mutex_unlock (&self->lock);

  g_clear_pointer (&replaced, isle_waker_unref);
}

gpointer
_isle_endpoint_recv (IsleEndpoint  *self,
                     const char    *function,
                     gconstpointer  caller,
                     GError       **error)
{
  const char *waiting_for = self->klass->waiting_for;
  gpointer value = NULL;
  IsleWaker *waker;
  IsleTask *task;

  _isle_endpoint_check_thread (self, function);
  task = _isle_task_require_fiber (function, error);
  if (task == NULL)
    return NULL;
  if (!check_one_receiver (self, task, function, error))
    return NULL;

  /* Held while the task receives: whoever else owns the receiving end
   * may drop it meanwhile, and the receive still ends as it would have. */
  _isle_endpoint_receiver_ref (self);
  self->receiving = task;
  waker = (IsleWaker *) task;

  for (;;)
    {
      IsleWaker *replaced = NULL;
      IsleWaker *wake = NULL;
      gboolean done;

      /* An aborted task stops receiving, even with items queued: a loop
       * over a busy channel must still see the abort. The park returns
       * the cancellation after a turn at the back of the queue. */
      if (G_UNLIKELY (task->flags & ISLE_TASK_FLAG_ABORTED))
        {
          _isle_task_check_borrows (task, function, caller);
          _isle_task_park (task, waiting_for, error);
          break;
        }

      /* Registered under the lock that senders take: a wake that comes
       * before the park is kept as the task's permit. */
      g_mutex_lock (&self->lock);
      done = take_or_register_locked (self, waker, &value, &wake, &replaced, error);
      g_mutex_unlock (&self->lock);

      g_clear_pointer (&replaced, isle_waker_unref);
      _isle_waker_wake_and_unref (wake);
      if (done)
        break;

      _isle_task_check_borrows (task, function, caller);
      if (!_isle_task_park (task, waiting_for, error))
        {
          unregister_waker (self, waker);
          break;
        }
    }

  self->receiving = NULL;
  /* Perhaps the last reference: the value is out already. */
  _isle_endpoint_receiver_unref (self);
  return value;
}

gpointer
_isle_endpoint_try_recv (IsleEndpoint  *self,
                         const char    *function,
                         GError       **error)
{
  IsleWaker *wake = NULL;
  gpointer value = NULL;
  gboolean done;

  _isle_endpoint_check_thread (self, function);

  g_mutex_lock (&self->lock);
  done = self->klass->take_locked (self, &value, &wake, error);
  g_mutex_unlock (&self->lock);

  _isle_waker_wake_and_unref (wake);

  if (!done)
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK,
                         self->klass->would_block_message);
  return value;
}

/* The poll task whose wait is registered in @self leaves it: from its
 * list of waits, with its receiver reference, which the caller drops. */
static void
recv_poll_unregister (IsleEndpoint *self)
{
  _isle_task_remove_poll_wait (self->recv_polling, &self->recv_poll);
  self->recv_polling = NULL;
}

/* The poll task finished while it waited: its waker leaves the endpoint,
 * so a later send wakes nobody it no longer concerns. */
static void
recv_poll_withdraw (IslePollWait *wait,
                    IsleTask     *task)
{
  IsleEndpoint *self = (IsleEndpoint *) wait->object;

  g_assert (self->recv_polling == task);
  self->recv_polling = NULL;

  unregister_waker (self, (IsleWaker *) task);
  _isle_endpoint_receiver_unref (self);
}

/* The poll task waits: its wait is registered with the task, so that a
 * dump shows it and it is withdrawn if the task finishes first, and holds
 * a receiver reference. */
static void
recv_poll_register (IsleEndpoint *self,
                    IsleTask     *task)
{
  if (self->recv_polling == task)
    return;

  /* A task that polled before and is no longer woken gives its place,
   * and the reference it holds, to this one. */
  if (self->recv_polling != NULL)
    recv_poll_unregister (self);
  else
    _isle_endpoint_receiver_ref (self);
  self->recv_poll.withdraw = recv_poll_withdraw;
  self->recv_poll.object = self;
  self->recv_poll.wait.klass = &_isle_wait_text;
  self->recv_poll.wait.object = self->klass->waiting_for;
  _isle_task_add_poll_wait (task, &self->recv_poll);
  self->recv_polling = task;
}

IslePoll
_isle_endpoint_poll_recv (IsleEndpoint  *self,
                          IsleWaker     *waker,
                          gpointer      *value,
                          const char    *function,
                          GError       **error)
{
  IsleWaker *replaced = NULL;
  IsleWaker *wake = NULL;
  IsleTask *task;
  gboolean done;

  _isle_endpoint_check_thread (self, function);
  if (value != NULL)
    *value = NULL;
  task = _isle_task_require_poll_waker (waker, function);
  if (task == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                           "The waker is not the polling task's");
      return ISLE_POLL_READY;
    }
  if (!check_one_receiver (self, task, function, error))
    return ISLE_POLL_READY;

  g_mutex_lock (&self->lock);
  done = take_or_register_locked (self, waker, value, &wake, &replaced, error);
  g_mutex_unlock (&self->lock);

  g_clear_pointer (&replaced, isle_waker_unref);
  _isle_waker_wake_and_unref (wake);

  if (!done)
    {
      recv_poll_register (self, task);
      return ISLE_POLL_PENDING;
    }

  if (self->recv_polling == task)
    {
      recv_poll_unregister (self);
      /* Perhaps the last reference, if the caller has dropped its own:
       * the value is out already. */
      _isle_endpoint_receiver_unref (self);
    }
  return ISLE_POLL_READY;
}
