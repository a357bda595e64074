/* isle-oneshot.c: one value, sent once from any thread to a local task
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "isle-oneshot.h"
#include "isle-oneshot-private.h"
#include "isle-endpoint-private.h"
#include "isle-waker-private.h"

/**
 * IsleOneshot:
 *
 * One value, sent once from any thread to one receiving task: the reply
 * to a request, the result of work done on another thread. Tokio's
 * `oneshot` channel.
 *
 * |[<!-- language="C" -->
 * g_autoptr(IsleOneshot) reply = isle_oneshot_new ();
 *
 * // The worker owns the sender and sends once; if it is released
 * // unsent, the receiver gets G_IO_ERROR_CLOSED.
 * g_thread_unref (g_thread_new ("worker", compute_in_thread,
 *                               isle_oneshot_ref_sender (reply)));
 *
 * g_autofree Answer *answer = isle_oneshot_recv (reply, error);
 * ]|
 *
 * The `IsleOneshot` itself is the receiving end: it belongs to the thread
 * that created it, where a fiber task receives with [method@Isle.Oneshot.recv]
 * (or a poll task with [method@Isle.Oneshot.poll_recv]). The sending end is an
 * [struct@Isle.OneshotSender], made with [method@Isle.Oneshot.ref_sender] and
 * used on any thread.
 *
 * Since: 0.1
 */

/**
 * IsleOneshotSender:
 *
 * The sending end of an [struct@Isle.Oneshot], usable on any thread. It
 * sends once, with [method@Isle.OneshotSender.send]; when its last reference
 * goes without a send, the receiver gets %G_IO_ERROR_CLOSED.
 *
 * Since: 0.1
 */

typedef enum
{
  ONESHOT_EMPTY,      /* nothing sent yet */
  ONESHOT_SENT,       /* the value waits for the receiver */
  ONESHOT_RECEIVED,   /* the receiver took it */
  ONESHOT_DROPPED,    /* every sender went without sending */
} OneshotState;

struct _IsleOneshot
{
  IsleEndpoint     endpoint;         /* first: the counts, the lock, the receiver */

  OneshotState     state;            /* protected by lock */
  gboolean         receiver_gone;    /* protected by lock */
  gpointer         value;            /* (owned) protected by lock, while SENT */
  GDestroyNotify   destroy;          /* protected by lock */

  gboolean         holds_value;      /* (immutable) made by
                                      * isle_oneshot_new_for_value(): the value
                                      * is a GValue *, sent by the _value forms */
};

#define ONESHOT_FROM_SENDER(s) ((IsleOneshot *) (s))

G_DEFINE_BOXED_TYPE (IsleOneshot, isle_oneshot, isle_oneshot_ref, isle_oneshot_unref)
G_DEFINE_BOXED_TYPE (IsleOneshotSender, isle_oneshot_sender,
                     isle_oneshot_sender_ref, isle_oneshot_sender_unref)

static void
oneshot_finalize (IsleEndpoint *endpoint)
{
  IsleOneshot *self = (IsleOneshot *) endpoint;

  /* The receiving end destroyed an unreceived value when it went, and a
   * send after that destroys its own. */
  g_assert (self->value == NULL);
}

/* With the lock held: the value if it is there (TRUE), or an error if it
 * never will be (TRUE), or FALSE if it is still to come; with @value
 * %NULL, only whether that is decided. */
static gboolean
oneshot_take_locked (IsleEndpoint  *endpoint,
                     gpointer      *value,
                     IsleWaker    **wake,
                     GError       **error)
{
  IsleOneshot *self = (IsleOneshot *) endpoint;

  if (value == NULL)
    return self->state != ONESHOT_EMPTY;

  switch (self->state)
    {
    case ONESHOT_SENT:
      *value = g_steal_pointer (&self->value);
      self->state = ONESHOT_RECEIVED;
      return TRUE;

    case ONESHOT_RECEIVED:
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CLOSED,
                           "The oneshot's value was received already");
      return TRUE;

    case ONESHOT_DROPPED:
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CLOSED,
                           "The oneshot's sender was released without sending");
      return TRUE;

    case ONESHOT_EMPTY:
    default:
      return FALSE;
    }
}

/* Every sender went unsent: the receiver is woken to fail. */
static gboolean
oneshot_senders_gone_locked (IsleEndpoint *endpoint)
{
  IsleOneshot *self = (IsleOneshot *) endpoint;

  if (self->state != ONESHOT_EMPTY)
    return FALSE;

  self->state = ONESHOT_DROPPED;
  return TRUE;
}

/* The last reference to the receiving end went: a value sent and not
 * received is destroyed, on this thread, and a later send destroys its
 * own. */
static void
oneshot_receiver_gone (IsleEndpoint *endpoint)
{
  IsleOneshot *self = (IsleOneshot *) endpoint;
  gpointer value = NULL;
  GDestroyNotify destroy = NULL;

  g_mutex_lock (&self->endpoint.lock);
  self->receiver_gone = TRUE;
  if (self->state == ONESHOT_SENT)
    {
      value = g_steal_pointer (&self->value);
      destroy = self->destroy;
    }
  g_mutex_unlock (&self->endpoint.lock);

  if (destroy != NULL && value != NULL)
    destroy (value);
}

static const IsleEndpointClass oneshot_class = {
  .type_name = "IsleOneshot",
  .a_noun = "a oneshot",
  .the_noun = "the oneshot",
  .wrong_thread_advice = "the receiving end is used on the thread that created it. "
                         "Create the oneshot on the thread of the island whose task "
                         "receives, and hand other threads an IsleOneshotSender "
                         "(isle_oneshot_ref_sender()) instead",
  .one_receiver_advice = "Receive in one task and pass the value on, or wake "
                         "several tasks with an IsleNotify",
  .waiting_for = "a oneshot",
  .would_block_message = "The oneshot's value has not been sent yet",
  .take_locked = oneshot_take_locked,
  .senders_gone_locked = oneshot_senders_gone_locked,
  .receiver_gone = oneshot_receiver_gone,
  .finalize = oneshot_finalize,
};

/**
 * isle_oneshot_new:
 *
 * Creates a oneshot. The calling thread is the receiver's thread. Make
 * its sender with [method@Isle.Oneshot.ref_sender].
 *
 * Returns: (transfer full): the receiving end of a new oneshot; release it
 *   with [method@Isle.Oneshot.unref]
 *
 * Since: 0.1
 */
IsleOneshot *
isle_oneshot_new (void)
{
  IsleOneshot *self = g_new0 (IsleOneshot, 1);

  _isle_endpoint_init (&self->endpoint, &oneshot_class, 0);
  self->state = ONESHOT_EMPTY;

  return self;
}

IsleOneshot *
_isle_oneshot_new_for_value (void)
{
  IsleOneshot *self = isle_oneshot_new ();

  self->holds_value = TRUE;
  return self;
}

gboolean
_isle_oneshot_holds_value (IsleOneshot *self)
{
  return self->holds_value;
}

/**
 * isle_oneshot_ref:
 * @self: a oneshot
 *
 * Takes another reference to the receiving end.
 *
 * Safe to call from any thread.
 *
 * Returns: (transfer full): @self
 *
 * Since: 0.1
 */
IsleOneshot *
isle_oneshot_ref (IsleOneshot *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (g_atomic_int_get (&self->endpoint.receiver_refs) > 0, NULL);

  _isle_endpoint_receiver_ref (&self->endpoint);
  return self;
}

/**
 * isle_oneshot_unref:
 * @self: (transfer full): a oneshot
 *
 * Drops a reference to the receiving end. When the last one goes, a value
 * sent and not received is destroyed, on the calling thread, and a later
 * send destroys its value at once and returns %FALSE. A task waiting in a
 * receive holds a reference of its own.
 *
 * Safe to call from any thread; the last reference should go on the
 * receiver's thread.
 *
 * Since: 0.1
 */
void
isle_oneshot_unref (IsleOneshot *self)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (g_atomic_int_get (&self->endpoint.receiver_refs) > 0);

  _isle_endpoint_receiver_unref (&self->endpoint);
}

/**
 * isle_oneshot_ref_sender:
 * @self: a oneshot
 *
 * Gets a reference to the sending end. Hand it to whoever will send; if
 * every reference to it goes without a send, the receiver gets
 * %G_IO_ERROR_CLOSED. Make it before that can happen: a sender made
 * afterwards cannot send.
 *
 * Safe to call from any thread.
 *
 * Returns: (transfer full): the sender; release it with
 *   [method@Isle.OneshotSender.unref]
 *
 * Since: 0.1
 */
IsleOneshotSender *
isle_oneshot_ref_sender (IsleOneshot *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  _isle_endpoint_sender_ref (&self->endpoint);
  return (IsleOneshotSender *) self;
}

/**
 * isle_oneshot_sender_ref:
 * @self: a sender
 *
 * Takes another reference to the sending end.
 *
 * Safe to call from any thread.
 *
 * Returns: (transfer full): @self
 *
 * Since: 0.1
 */
IsleOneshotSender *
isle_oneshot_sender_ref (IsleOneshotSender *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return isle_oneshot_ref_sender (ONESHOT_FROM_SENDER (self));
}

/**
 * isle_oneshot_sender_unref:
 * @self: (transfer full): a sender
 *
 * Drops a reference to the sending end. If it was the last one and
 * nothing was sent, the oneshot is closed: the receiver gets
 * %G_IO_ERROR_CLOSED.
 *
 * Safe to call from any thread.
 *
 * Since: 0.1
 */
void
isle_oneshot_sender_unref (IsleOneshotSender *self)
{
  g_return_if_fail (self != NULL);

  _isle_endpoint_sender_unref (&ONESHOT_FROM_SENDER (self)->endpoint, G_STRFUNC);
}

/**
 * isle_oneshot_sender_send:
 * @self: a sender
 * @value: (transfer full) (nullable): the value
 * @destroy: (nullable): destroys @value if it is never received
 * @error: return location for a #GError
 *
 * Sends the oneshot's value and wakes its receiver, without ever waiting.
 * A oneshot sends once: a second send is a misuse, reported with a
 * critical, and fails with %ISLE_ERROR_ALREADY_SENT.
 *
 * The oneshot takes @value in every case, unlike a channel's send: it
 * comes with its @destroy. If the receiving end is already gone, or this
 * is a second send, @value is destroyed at once, on the calling thread; if
 * it is sent but never received, it is destroyed when the receiving end
 * goes.
 *
 * Safe to call from any thread.
 *
 * Returns: %TRUE if the value is delivered to the receiving end; %FALSE
 *   with %G_IO_ERROR_CLOSED if the receiving end is gone, or with
 *   %ISLE_ERROR_ALREADY_SENT on a second send (the value was destroyed
 *   instead)
 *
 * Since: 0.2
 */
gboolean
isle_oneshot_sender_send (IsleOneshotSender  *self,
                          gpointer            value,
                          GDestroyNotify      destroy,
                          GError            **error)
{
  IsleOneshot *oneshot = ONESHOT_FROM_SENDER (self);
  IsleWaker *waker = NULL;
  OneshotState state;
  gboolean receiver_gone;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  g_mutex_lock (&oneshot->endpoint.lock);
  state = oneshot->state;
  receiver_gone = oneshot->receiver_gone;
  if (state == ONESHOT_EMPTY && !receiver_gone)
    {
      oneshot->state = ONESHOT_SENT;
      oneshot->value = value;
      oneshot->destroy = destroy;
      waker = g_steal_pointer (&oneshot->endpoint.recv_waker);
    }
  else if (state == ONESHOT_EMPTY)
    {
      /* Nobody will receive: sends after this one are misuses too. */
      oneshot->state = ONESHOT_RECEIVED;
    }
  g_mutex_unlock (&oneshot->endpoint.lock);

  if (state == ONESHOT_EMPTY && !receiver_gone)
    {
      _isle_waker_wake_and_unref (waker);
      return TRUE;
    }

  if (state == ONESHOT_SENT || state == ONESHOT_RECEIVED)
    {
      g_critical ("isle_oneshot_sender_send() called a second time on "
                  "IsleOneshot %p: a oneshot carries one value, and it was "
                  "sent already. Send once, or use an IsleChannel for a "
                  "stream of values",
                  (gpointer) oneshot);
      g_set_error_literal (error, ISLE_ERROR, ISLE_ERROR_ALREADY_SENT,
                           "The oneshot's value was sent already");
    }
  else
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CLOSED,
                         "The oneshot's receiving end is gone");

  if (destroy != NULL && value != NULL)
    destroy (value);
  return FALSE;
}

/**
 * isle_oneshot_recv:
 * @self: a oneshot
 * @error: return location for a #GError
 *
 * Receives the oneshot's value; if it has not been sent yet, the running
 * fiber task parks until it is, or until the sender is released unsent.
 *
 * While the task waits it holds a reference to the receiving end, so
 * another task may drop the last reference of its own meanwhile: a value
 * sent afterwards still reaches the task.
 *
 * Call it on the oneshot's thread, inside a fiber task.
 *
 * Returns: (transfer full) (nullable): the value (which may be %NULL, told
 *   apart from a failure by @error); or %NULL with %G_IO_ERROR_CLOSED if
 *   the sender was released without sending or the value was received
 *   already, or %G_IO_ERROR_CANCELLED if the task has been aborted (a value
 *   sent later is destroyed with the oneshot)
 *
 * Since: 0.1
 */
gpointer
isle_oneshot_recv (IsleOneshot  *self,
                   GError      **error)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return _isle_endpoint_recv (&self->endpoint, G_STRFUNC,
                              __builtin_return_address (0), error);
}

/**
 * isle_oneshot_try_recv:
 * @self: a oneshot
 * @error: return location for a #GError
 *
 * Receives the oneshot's value if it has been sent, without waiting.
 *
 * Call it on the oneshot's thread, in a task or in plain code.
 *
 * Returns: (transfer full) (nullable): the value; or %NULL with
 *   %G_IO_ERROR_WOULD_BLOCK if it has not been sent yet, or
 *   %G_IO_ERROR_CLOSED as [method@Isle.Oneshot.recv] says
 *
 * Since: 0.1
 */
gpointer
isle_oneshot_try_recv (IsleOneshot  *self,
                       GError      **error)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return _isle_oneshot_try_recv (self, G_STRFUNC, error);
}

gpointer
_isle_oneshot_try_recv (IsleOneshot  *self,
                        const char   *function,
                        GError      **error)
{
  return _isle_endpoint_try_recv (&self->endpoint, function, error);
}

/**
 * isle_oneshot_poll_recv:
 * @self: a oneshot
 * @waker: (transfer none): the waker of the polling task
 * @value: (out) (transfer full) (nullable): the value received
 * @error: return location for a #GError
 *
 * The form of [method@Isle.Oneshot.recv] for poll functions: takes the value
 * if it has been sent; otherwise arranges for @waker to be woken when it is
 * (or when the sender is released unsent) and returns %ISLE_POLL_PENDING.
 *
 * While the task waits it holds a reference to the receiving end; if it
 * finishes while it waits (it is aborted, say), its waker leaves the
 * oneshot, and a value sent later is destroyed with the oneshot.
 *
 * Call it on the oneshot's thread, with the waker the polling task's poll
 * function was given.
 *
 * Returns: %ISLE_POLL_READY with @value or @error set, or
 *   %ISLE_POLL_PENDING
 *
 * Since: 0.1
 */
IslePoll
isle_oneshot_poll_recv (IsleOneshot  *self,
                        IsleWaker    *waker,
                        gpointer     *value,
                        GError      **error)
{
  g_return_val_if_fail (self != NULL, ISLE_POLL_READY);
  g_return_val_if_fail (waker != NULL, ISLE_POLL_READY);
  g_return_val_if_fail (value != NULL, ISLE_POLL_READY);
  g_return_val_if_fail (error == NULL || *error == NULL, ISLE_POLL_READY);

  return _isle_endpoint_poll_recv (&self->endpoint, waker, value, G_STRFUNC, error);
}

/**
 * isle_oneshot_poll_recv_ready:
 * @self: a oneshot
 * @waker: (transfer none): the waker of the polling task
 * @error: return location for a #GError
 *
 * Waits, in a poll function, until a receive is ready: until the value
 * is sent, or the sender is released unsent. Then
 * [method@Isle.Oneshot.try_recv] (or [method@Isle.Oneshot.try_recv_value])
 * takes the value or reports %G_IO_ERROR_CLOSED, without
 * %G_IO_ERROR_WOULD_BLOCK.
 *
 * [method@Isle.Oneshot.poll_recv] in two steps, for a binding that cannot
 * take an out value from a call that may return %ISLE_POLL_PENDING (see
 * [method@Isle.Channel.poll_recv_ready]). The wait is
 * [method@Isle.Oneshot.poll_recv]'s: the task holds a reference to the
 * receiving end while it waits, and its waker leaves the oneshot if it
 * finishes first.
 *
 * Call it on the oneshot's thread, with the waker the polling task's poll
 * function was given.
 *
 * Returns: %ISLE_POLL_READY when a receive is ready (or with @error set
 *   on a misuse); otherwise %ISLE_POLL_PENDING
 *
 * Since: 0.2
 */
IslePoll
isle_oneshot_poll_recv_ready (IsleOneshot  *self,
                              IsleWaker    *waker,
                              GError      **error)
{
  g_return_val_if_fail (self != NULL, ISLE_POLL_READY);
  g_return_val_if_fail (waker != NULL, ISLE_POLL_READY);
  g_return_val_if_fail (error == NULL || *error == NULL, ISLE_POLL_READY);

  return _isle_endpoint_poll_recv (&self->endpoint, waker, NULL, G_STRFUNC, error);
}
