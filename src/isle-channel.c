/* isle-channel.c: a channel from any thread to a local task
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "isle-channel.h"
#include "isle-channel-private.h"
#include "isle-endpoint-private.h"
#include "isle-waker-private.h"

/**
 * IsleChannel:
 *
 * A multi-producer, single-consumer queue of items whose senders may live
 * on any thread and whose receiver is a task of one island: the
 * "dedicated owner task" pattern, where worker threads send and a task on
 * the UI thread owns the state they report to.
 *
 * |[<!-- language="C" -->
 * static gpointer
 * own_progress (gpointer user_data, GError **error)
 * {
 *   IsleChannel *updates = user_data;
 *   g_autoptr(GError) local_error = NULL;
 *   Progress *progress;
 *
 *   while ((progress = isle_channel_recv (updates, &local_error)) != NULL)
 *     {
 *       gtk_progress_bar_set_fraction (bar, progress->fraction);
 *       g_free (progress);
 *     }
 *
 *   // G_IO_ERROR_CLOSED: every worker is done
 *   return NULL;
 * }
 * ]|
 *
 * The `IsleChannel` itself is the receiving end. It belongs to the thread
 * that created it: receive, close and poll there, in tasks of an island of
 * that thread. Senders are [struct@Isle.ChannelSender]s, used on any thread:
 * [ctor@Isle.Channel.new] returns the first one with the channel, and
 * [method@Isle.ChannelSender.ref] makes more from it.
 *
 * A channel is **bounded** (made with a capacity above zero) or
 * **unbounded**. A send to a full bounded channel waits for room: inside
 * a fiber task it parks the task, on a plain thread it blocks the thread.
 * [method@Isle.ChannelSender.try_send] never waits.
 *
 * The channel **closes** when its last sender is released (every producer
 * is done; since the channel is born with its first sender and more are
 * made only from a sender, it cannot close before the program has made
 * the senders it needs), when the receiver calls [method@Isle.Channel.close], or when the
 * last reference to the receiving end goes. Once closed, sends fail with
 * %G_IO_ERROR_CLOSED; the receiver still gets the items already queued,
 * then %G_IO_ERROR_CLOSED. A failed send does not take the item: the
 * caller still owns it.
 *
 * Items still queued when the receiving end is released are destroyed
 * with the channel's item destroy notify, on the thread that releases it,
 * exactly once.
 *
 * Since: 0.1
 */

/**
 * IsleChannelSender:
 *
 * The sending end of an [struct@Isle.Channel]: reference counted, and
 * usable on any thread. The first sender comes with the channel from
 * [ctor@Isle.Channel.new]; every reference taken with
 * [method@Isle.ChannelSender.ref] is a sender too (Tokio's
 * `Sender::clone()`), and the channel closes when the last one goes.
 *
 * Since: 0.2
 */

struct _IsleChannel
{
  IsleEndpoint     endpoint;         /* first: the counts, the lock, the receiver */
  gsize            capacity;         /* (immutable) 0: unbounded */
  GDestroyNotify   item_destroy;     /* (immutable) */

  GCond            room;             /* signalled when a blocked thread may send */
  GQueue           items;            /* (owned) protected by lock */
  guint            n_blocked;        /* threads waiting on room; protected by lock */
  gboolean         closed;           /* protected by lock; never cleared */
  GQueue           send_wakers;      /* (owned) IsleWaker *s of fiber senders
                                      * waiting for room; protected by lock */
};

/* A poll task's place among the senders waiting for room
 * (isle_channel_sender_poll_send()), kept by the task's list of waits. */
typedef struct
{
  IslePollWait       base;
  IsleChannelSender *sender;         /* (owned) so the channel stays open, as
                                      * for a fiber waiting in a send */
  IsleWaker         *waker;          /* (unowned) its entry in send_wakers, if any */
} SendPollWaiter;

#define CHANNEL_FROM_SENDER(s) ((IsleChannel *) (s))

G_DEFINE_BOXED_TYPE (IsleChannel, isle_channel, isle_channel_ref, isle_channel_unref)
G_DEFINE_BOXED_TYPE (IsleChannelSender, isle_channel_sender,
                     isle_channel_sender_ref, isle_channel_sender_unref)

static void
channel_finalize (IsleEndpoint *endpoint)
{
  IsleChannel *self = (IsleChannel *) endpoint;

  /* The receiving end drained the queue when it went, and a send after
   * that fails, so nothing is left to destroy. */
  g_assert (g_queue_is_empty (&self->items));
  g_assert (g_queue_is_empty (&self->send_wakers));

  g_cond_clear (&self->room);
}

/* With the lock held: room has appeared for one sender. A fiber waiting
 * for it is handed the wake, to give after unlocking; otherwise one
 * blocked thread is signalled. Whoever is woken either takes the room or
 * finds it taken by a send that came in between; either way it is used. */
static IsleWaker *
take_room_waiter_locked (IsleChannel *self)
{
  IsleWaker *waker = g_queue_pop_head (&self->send_wakers);

  if (waker == NULL && self->n_blocked > 0)
    g_cond_signal (&self->room);

  return waker;
}

/* With the lock held: no item may enter from now on. Everyone waiting is
 * woken, the senders to fail and the receiver to drain what is left;
 * @wakers receives the wakes to give after unlocking. */
static void
close_locked (IsleChannel *self,
              GQueue      *wakers)
{
  self->closed = TRUE;
  *wakers = self->send_wakers;
  g_queue_init (&self->send_wakers);
  if (self->endpoint.recv_waker != NULL)
    g_queue_push_tail (wakers, g_steal_pointer (&self->endpoint.recv_waker));
  g_cond_broadcast (&self->room);
}

static void
wake_all (GQueue *wakers)
{
  IsleWaker *waker;

  while ((waker = g_queue_pop_head (wakers)) != NULL)
    _isle_waker_wake_and_unref (waker);
}

/* With the lock held: the next item, if any, and the wake its room is
 * owed to (see take_room_waiter_locked()). */
static gpointer
pop_locked (IsleChannel  *self,
            IsleWaker   **room_waker)
{
  gpointer item = g_queue_pop_head (&self->items);

  if (item != NULL && self->capacity > 0 && !self->closed)
    *room_waker = take_room_waiter_locked (self);

  return item;
}

static void
set_closed_error (GError **error)
{
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CLOSED,
                       "The channel is closed and has no items left");
}

/* The channel's part of a receive (IsleEndpointClass.take_locked): the
 * next item, or %G_IO_ERROR_CLOSED once it is closed and empty. */
static gboolean
channel_take_locked (IsleEndpoint  *endpoint,
                     gpointer      *item,
                     IsleWaker    **wake,
                     GError       **error)
{
  IsleChannel *self = (IsleChannel *) endpoint;

  if (item == NULL)
    return !g_queue_is_empty (&self->items) || self->closed;

  *item = pop_locked (self, wake);
  if (*item != NULL)
    return TRUE;
  if (self->closed)
    {
      set_closed_error (error);
      return TRUE;
    }
  return FALSE;
}

/* Every producer is done: the channel closes, and the receiver is woken
 * to drain what is left. */
static gboolean
channel_senders_gone_locked (IsleEndpoint *endpoint)
{
  IsleChannel *self = (IsleChannel *) endpoint;

  if (self->closed)
    return FALSE;

  /* No sender can be blocked: each holds a reference. */
  self->closed = TRUE;
  return TRUE;
}

/* The last reference to the receiving end went: the channel closes, and
 * the items nobody will receive are destroyed, on this thread. */
static void
channel_receiver_gone (IsleEndpoint *endpoint)
{
  IsleChannel *self = (IsleChannel *) endpoint;
  GQueue wakers;
  GQueue items;
  gpointer item;

  g_mutex_lock (&self->endpoint.lock);
  close_locked (self, &wakers);
  items = self->items;
  g_queue_init (&self->items);
  g_mutex_unlock (&self->endpoint.lock);

  wake_all (&wakers);
  while ((item = g_queue_pop_head (&items)) != NULL)
    if (self->item_destroy != NULL)
      self->item_destroy (item);
}

static const IsleEndpointClass channel_class = {
  .type_name = "IsleChannel",
  .a_noun = "a channel",
  .the_noun = "the channel",
  .wrong_thread_advice = "a channel has one receiving end, used on the thread that "
                         "created it. Create the channel on the thread of the island whose "
                         "task receives, and hand other threads an IsleChannelSender "
                         "(isle_channel_sender_ref()) instead",
  .one_receiver_advice = "Receive in one task and pass the items on from there "
                         "(through another channel, for instance)",
  .waiting_for = "a message on a channel",
  .would_block_message = "The channel is empty",
  .take_locked = channel_take_locked,
  .senders_gone_locked = channel_senders_gone_locked,
  .receiver_gone = channel_receiver_gone,
  .finalize = channel_finalize,
};

/**
 * isle_channel_new:
 * @capacity: how many items the channel holds before a send waits for
 *   room, or 0 for an unbounded channel
 * @item_destroy: (nullable): destroys an item that is never received
 * @sender: (out) (transfer full): return location for the
 *   channel's first sender (not %NULL: a channel without a sender
 *   would be closed from birth)
 *
 * Creates a channel and its first sender, as Tokio's `mpsc::channel()`
 * does. The calling thread is the receiver's thread: the receiving end may
 * be used only there, by the tasks of its islands (see
 * [struct@Isle.Channel]). Make more senders from @sender with
 * [method@Isle.ChannelSender.ref], one per producer; the channel closes
 * when the last of them goes, so a producer that finishes early cannot
 * close it while the others are still being made.
 *
 * A bounded channel is the way to keep fast producers from running ahead
 * of the receiver: their sends wait while it is full.
 *
 * Safe to call from any thread; that thread becomes the receiver's.
 *
 * Returns: (transfer full): the receiving end of a new channel; release it
 *   with [method@Isle.Channel.unref]
 *
 * Since: 0.2
 */
IsleChannel *
isle_channel_new (gsize               capacity,
                  GDestroyNotify      item_destroy,
                  IsleChannelSender **sender)
{
  IsleChannel *self;

  g_return_val_if_fail (sender != NULL, NULL);

  self = g_new0 (IsleChannel, 1);
  /* The receiving end and the first sender. */
  _isle_endpoint_init (&self->endpoint, &channel_class, 1);
  self->capacity = capacity;
  self->item_destroy = item_destroy;
  g_cond_init (&self->room);
  g_queue_init (&self->items);
  g_queue_init (&self->send_wakers);

  *sender = (IsleChannelSender *) self;
  return self;
}

gboolean
_isle_channel_holds_values (IsleChannel *self)
{
  return self->item_destroy == _isle_value_item_free;
}

/**
 * isle_channel_ref:
 * @self: a channel
 *
 * Takes another reference to the receiving end of the channel.
 *
 * Safe to call from any thread.
 *
 * Returns: (transfer full): @self
 *
 * Since: 0.1
 */
IsleChannel *
isle_channel_ref (IsleChannel *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (g_atomic_int_get (&self->endpoint.receiver_refs) > 0, NULL);

  _isle_endpoint_receiver_ref (&self->endpoint);
  return self;
}

/**
 * isle_channel_unref:
 * @self: (transfer full): a channel
 *
 * Drops a reference to the receiving end of the channel. When the last
 * one goes, the channel closes: sends fail with %G_IO_ERROR_CLOSED from
 * then on, and the items still queued are destroyed with the item destroy
 * notify, on the calling thread. A task waiting in a receive holds a
 * reference of its own, so the channel does not close under it.
 *
 * Safe to call from any thread, but the last reference should go on the
 * receiver's thread, so that items are destroyed there.
 *
 * Since: 0.1
 */
void
isle_channel_unref (IsleChannel *self)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (g_atomic_int_get (&self->endpoint.receiver_refs) > 0);

  _isle_endpoint_receiver_unref (&self->endpoint);
}

/**
 * isle_channel_sender_ref:
 * @self: a sender
 *
 * Takes another reference to the sender, for another producer: Tokio's
 * `Sender::clone()`. A sender has no state of its own beyond its channel,
 * so every reference counts as a sender, and the channel stays open while
 * any of them is held. Hand each producer its own reference, made while
 * you still hold yours; release yours when you have made them all.
 *
 * Safe to call from any thread.
 *
 * Returns: (transfer full): @self
 *
 * Since: 0.2
 */
IsleChannelSender *
isle_channel_sender_ref (IsleChannelSender *self)
{
  IsleChannel *channel = CHANNEL_FROM_SENDER (self);

  g_return_val_if_fail (self != NULL, NULL);

  _isle_endpoint_sender_ref (&channel->endpoint);
  return self;
}

/**
 * isle_channel_sender_unref:
 * @self: (transfer full): a sender
 *
 * Drops a reference to the sender. When the last reference to the last
 * sender goes, the channel closes, and the receiver gets
 * %G_IO_ERROR_CLOSED once it has received every item already sent.
 *
 * Safe to call from any thread.
 *
 * Since: 0.2
 */
void
isle_channel_sender_unref (IsleChannelSender *self)
{
  g_return_if_fail (self != NULL);

  _isle_endpoint_sender_unref (&CHANNEL_FROM_SENDER (self)->endpoint, G_STRFUNC);
}

/* Gives up a fiber sender's place among those waiting for room, with the
 * lock held. If a receive had already handed it room, the room goes to
 * the next in line instead. */
static IsleWaker *
withdraw_sender_locked (IsleChannel *self,
                        IsleWaker   *waker)
{
  if (g_queue_remove (&self->send_wakers, waker))
    {
      /* The task is alive, so this is not the last reference. */
      isle_waker_unref (waker);
      return NULL;
    }

  if (!self->closed && self->items.length < self->capacity)
    return take_room_waiter_locked (self);

  return NULL;
}

typedef enum
{
  PUSH_SENT,
  PUSH_CLOSED,
  PUSH_FULL,
} PushResult;

/* With the lock held: queues @item if the channel is open and has room;
 * the receiver's wake, if it waits, goes to *@recv_wake, to give after
 * unlocking. Every send starts here, whatever it does when the channel
 * is full. */
static PushResult
try_push_locked (IsleChannel  *self,
                 gpointer      item,
                 IsleWaker   **recv_wake)
{
  if (self->closed)
    return PUSH_CLOSED;

  if (self->capacity > 0 && self->items.length >= self->capacity)
    return PUSH_FULL;

  g_queue_push_tail (&self->items, item);
  *recv_wake = g_steal_pointer (&self->endpoint.recv_waker);
  return PUSH_SENT;
}

/* A plain thread waits for a receive to make room: called with the lock
 * held, and returns TRUE with it held (g_cond_wait() releases it
 * meanwhile), to try again. On the receiver's own thread the receive
 * would never come: the misuse is reported, and it returns FALSE
 * unlocked. */
static gboolean
block_thread_locked (IsleChannel  *self,
                     const char   *function,
                     GError      **error)
{
  if (G_UNLIKELY (_isle_owner_is_current (&self->endpoint.owner)))
    {
      g_mutex_unlock (&self->endpoint.lock);
      g_critical ("%s() on a full IsleChannel %p from plain code on "
                  "its receiving thread %s would block forever: the "
                  "receiver drains the channel only when this thread "
                  "returns to its main loop. Send from a task on this "
                  "thread (it parks instead of blocking), or use "
                  "isle_channel_sender_try_send()",
                  function, (gpointer) self, self->endpoint.owner.description);
      g_set_error (error, ISLE_ERROR, ISLE_ERROR_WOULD_DEADLOCK,
                   "The channel is full and its receiver is on this thread");
      return FALSE;
    }

  self->n_blocked++;
  g_cond_wait (&self->room, &self->endpoint.lock);
  self->n_blocked--;
  return TRUE;
}

/* A fiber task parks until a receive hands it room: called with the lock
 * held, and returns TRUE with it held once the task is woken, to try
 * again. Aborted meanwhile, the task gives up its place in line and it
 * returns FALSE unlocked, with %G_IO_ERROR_CANCELLED. A poll function
 * must not park: that misuse is reported, and it returns FALSE unlocked
 * too. */
static gboolean
park_fiber_locked (IsleChannel    *self,
                   IsleTask       *task,
                   const char     *function,
                   gconstpointer   caller,
                   GError        **error)
{
  IsleWaker *own_waker;
  IsleWaker *wake;

  if (G_UNLIKELY (task->kind != ISLE_TASK_KIND_FIBER))
    {
      g_mutex_unlock (&self->endpoint.lock);
      g_critical ("%s() on a full IsleChannel %p in a poll function "
                  "(task %" G_GUINT64_FORMAT "), which must not block. Use "
                  "isle_channel_sender_poll_send(), which parks the poll task "
                  "until there is room, or isle_channel_sender_try_send()",
                  function, (gpointer) self, task->id);
      g_set_error (error, ISLE_ERROR, ISLE_ERROR_WOULD_DEADLOCK,
                   "The channel is full");
      return FALSE;
    }

  /* The queue holds a reference to the waker; this pointer only
   * identifies it. */
  own_waker = isle_task_ref_waker (task);
  g_queue_push_tail (&self->send_wakers, own_waker);
  g_mutex_unlock (&self->endpoint.lock);

  _isle_task_check_borrows (task, function, caller);
  if (!_isle_task_park (task, "room in a channel", error))
    {
      g_mutex_lock (&self->endpoint.lock);
      wake = withdraw_sender_locked (self, own_waker);
      g_mutex_unlock (&self->endpoint.lock);
      _isle_waker_wake_and_unref (wake);
      return FALSE;
    }

  /* Woken by something else than a receive, the task is still in line:
   * it takes a new place there if the channel is still full. */
  g_mutex_lock (&self->endpoint.lock);
  if (g_queue_remove (&self->send_wakers, own_waker))
    isle_waker_unref (own_waker);
  return TRUE;
}

static void
set_push_error (IsleChannel  *self,
                PushResult    result,
                GError      **error)
{
  if (result == PUSH_CLOSED)
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CLOSED,
                         "The channel is closed");
  else if (result == PUSH_FULL)
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK,
                 "The channel is full (%" G_GSIZE_FORMAT " items)",
                 self->capacity);
}

/* Every gpointer and GValue send: @may_wait says whether a full channel
 * makes it wait, by the means the calling code has (a plain thread
 * blocks, a fiber task parks), or fail at once. */
gboolean
_isle_channel_send_item (IsleChannel    *self,
                         gpointer        item,
                         gboolean        may_wait,
                         const char     *function,
                         gconstpointer   caller,
                         GError        **error)
{
  IsleTask *task = _isle_thread_state_get ()->current_task;
  IsleWaker *recv_wake = NULL;
  PushResult result;

  g_mutex_lock (&self->endpoint.lock);
  while ((result = try_push_locked (self, item, &recv_wake)) == PUSH_FULL && may_wait)
    {
      gboolean may_retry;

      if (task == NULL)
        may_retry = block_thread_locked (self, function, error);
      else
        may_retry = park_fiber_locked (self, task, function, caller, error);
      if (!may_retry)
        return FALSE;
    }
  g_mutex_unlock (&self->endpoint.lock);

  _isle_waker_wake_and_unref (recv_wake);
  set_push_error (self, result, error);
  return result == PUSH_SENT;
}

/**
 * isle_channel_sender_send:
 * @self: a sender
 * @item: (transfer full) (not nullable): the item to send
 * @error: return location for a #GError
 *
 * Sends @item to the channel's receiver, waking it if it waits.
 *
 * An unbounded channel takes the item at once. A full bounded channel
 * waits until the receiver makes room:
 *
 * - inside a fiber task, the task parks (other tasks of its island run
 *   meanwhile); if it is aborted, the send fails with
 *   %G_IO_ERROR_CANCELLED;
 * - on a plain thread, such as a worker thread, the thread blocks;
 * - in a poll function, or in plain code on the receiver's own thread
 *   (where blocking would wait forever), it is a misuse, reported with a
 *   critical; the send fails with %ISLE_ERROR_WOULD_DEADLOCK. Poll functions
 *   use [method@Isle.ChannelSender.poll_send].
 *
 * On success the channel owns @item. On failure it does not: the caller
 * still owns @item and must release it.
 *
 * Safe to call from any thread.
 *
 * Returns: %TRUE if @item was queued; %FALSE with %G_IO_ERROR_CLOSED if
 *   the channel is closed, or another error as above
 *
 * Since: 0.2
 */
gboolean
isle_channel_sender_send (IsleChannelSender  *self,
                          gpointer            item,
                          GError            **error)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (item != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return _isle_channel_send_item (CHANNEL_FROM_SENDER (self), item, TRUE,
                                  G_STRFUNC, __builtin_return_address (0),
                                  error);
}

/**
 * isle_channel_sender_try_send:
 * @self: a sender
 * @item: (transfer full) (not nullable): the item to send
 * @error: return location for a #GError
 *
 * Sends @item if the channel has room, without ever waiting.
 *
 * On success the channel owns @item; on failure the caller still does.
 *
 * Safe to call from any thread.
 *
 * Returns: %TRUE if @item was queued; %FALSE with %G_IO_ERROR_WOULD_BLOCK
 *   if the channel is full, or %G_IO_ERROR_CLOSED if it is closed
 *
 * Since: 0.2
 */
gboolean
isle_channel_sender_try_send (IsleChannelSender  *self,
                              gpointer            item,
                              GError            **error)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (item != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return _isle_channel_send_item (CHANNEL_FROM_SENDER (self), item, FALSE,
                                  G_STRFUNC, NULL, error);
}

static void
send_poll_waiter_free (SendPollWaiter *poll_waiter)
{
  isle_channel_sender_unref (poll_waiter->sender);
  g_free (poll_waiter);
}

/* The poll task finished while it waited for room: it leaves the line,
 * and room that a receive had already handed it goes to the next sender,
 * as when an aborted fiber gives up its send. */
static void
send_poll_waiter_withdraw (IslePollWait *wait,
                           IsleTask     *task)
{
  SendPollWaiter *poll_waiter = (SendPollWaiter *) wait;
  IsleChannel *self = CHANNEL_FROM_SENDER (poll_waiter->sender);
  IsleWaker *wake;

  g_mutex_lock (&self->endpoint.lock);
  wake = withdraw_sender_locked (self, poll_waiter->waker);
  g_mutex_unlock (&self->endpoint.lock);

  _isle_waker_wake_and_unref (wake);
  send_poll_waiter_free (poll_waiter);
}

/**
 * isle_channel_sender_poll_send:
 * @self: a sender
 * @waker: (transfer none): the polling task's waker
 * @item: (transfer full) (not nullable): the item to send; the channel
 *   takes it only when the send succeeds
 * @error: return location for a #GError
 *
 * The form of [method@Isle.ChannelSender.send] for poll functions: queues
 * @item if the channel has room (an unbounded channel always has);
 * otherwise the task takes its place in the line of senders waiting for
 * room, and the call arranges for @waker to be woken when a receive makes
 * room for it or the channel closes, and returns %ISLE_POLL_PENDING. Call
 * it again with the same waker, and the same item or another, when woken;
 * the task keeps its place in line until it has sent.
 *
 * The channel takes @item only when this returns %ISLE_POLL_READY without
 * an error. After %ISLE_POLL_PENDING, or a failure, the caller still owns
 * it.
 *
 * While the task waits it holds a sender of its own, so the channel stays
 * open. If it finishes while it waits (it is aborted, say), it leaves the
 * line, and room that a receive had already handed it passes on to the
 * next sender in line, as for an aborted fiber.
 *
 * Call it on the polling task's island thread (any island's), with the
 * waker its poll function was given.
 *
 * Returns: %ISLE_POLL_READY when @item was queued, or with
 *   %G_IO_ERROR_CLOSED if the channel is closed; otherwise
 *   %ISLE_POLL_PENDING
 *
 * Since: 0.2
 */
IslePoll
isle_channel_sender_poll_send (IsleChannelSender  *self,
                               IsleWaker          *waker,
                               gpointer            item,
                               GError            **error)
{
  g_return_val_if_fail (self != NULL, ISLE_POLL_READY);
  g_return_val_if_fail (waker != NULL, ISLE_POLL_READY);
  g_return_val_if_fail (item != NULL, ISLE_POLL_READY);
  g_return_val_if_fail (error == NULL || *error == NULL, ISLE_POLL_READY);

  return _isle_channel_sender_poll_send (self, waker, item,
                                         G_STRFUNC, error);
}

IslePoll
_isle_channel_sender_poll_send (IsleChannelSender  *self,
                                IsleWaker          *waker,
                                gpointer            item,
                                const char         *function,
                                GError            **error)
{
  IsleChannel *channel = CHANNEL_FROM_SENDER (self);
  SendPollWaiter *poll_waiter;
  IsleWaker *recv_wake = NULL;
  IsleWaker *queued = NULL;
  IsleTask *task;
  PushResult result;

  task = _isle_task_require_poll_waker (waker, function);
  if (task == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                           "The waker is not the polling task's");
      return ISLE_POLL_READY;
    }

  poll_waiter = (SendPollWaiter *) _isle_task_find_poll_wait (task, send_poll_waiter_withdraw,
                                                              channel);

  g_mutex_lock (&channel->endpoint.lock);
  result = try_push_locked (channel, item, &recv_wake);
  if (result == PUSH_FULL)
    {
      /* Full: in line, or back in line if room it was handed went to a
       * send that came in between (as a fiber goes back in line). */
      if (poll_waiter == NULL)
        {
          poll_waiter = g_new0 (SendPollWaiter, 1);
          poll_waiter->base.withdraw = send_poll_waiter_withdraw;
          poll_waiter->base.object = channel;
          poll_waiter->base.wait.klass = &_isle_wait_text;
          poll_waiter->base.wait.object = "room in a channel";
          _isle_endpoint_sender_ref_locked (&channel->endpoint);
          poll_waiter->sender = self;
          poll_waiter->waker = waker;
          _isle_task_add_poll_wait (task, &poll_waiter->base);
        }
      if (g_queue_find (&channel->send_wakers, waker) == NULL)
        g_queue_push_tail (&channel->send_wakers, isle_waker_ref (waker));
      g_mutex_unlock (&channel->endpoint.lock);
      return ISLE_POLL_PENDING;
    }

  /* Done: sent or closed. A place still held in line goes. */
  if (poll_waiter != NULL && g_queue_remove (&channel->send_wakers, waker))
    queued = waker;
  g_mutex_unlock (&channel->endpoint.lock);

  if (queued != NULL)
    isle_waker_unref (queued);
  if (poll_waiter != NULL)
    {
      _isle_task_remove_poll_wait (task, &poll_waiter->base);
      send_poll_waiter_free (poll_waiter);
    }
  _isle_waker_wake_and_unref (recv_wake);

  set_push_error (channel, result, error);
  return ISLE_POLL_READY;
}

/**
 * isle_channel_sender_is_closed:
 * @self: a sender
 *
 * Whether the channel is closed, so that sends fail. A producer can check
 * it to stop early once nobody listens.
 *
 * Safe to call from any thread.
 *
 * Returns: %TRUE if the channel is closed
 *
 * Since: 0.2
 */
gboolean
isle_channel_sender_is_closed (IsleChannelSender *self)
{
  g_return_val_if_fail (self != NULL, TRUE);

  return isle_channel_is_closed (CHANNEL_FROM_SENDER (self));
}

/**
 * isle_channel_recv:
 * @self: a channel
 * @error: return location for a #GError
 *
 * Receives the next item, in the order they were sent (per sender). If
 * the channel is empty, the running fiber task parks until an item
 * arrives or the channel closes.
 *
 * While the task waits it holds a reference to the receiving end, so
 * another task may drop the last reference of its own meanwhile: the
 * channel stays open for the receive, which ends as it would have.
 *
 * Call it on the channel's thread, inside a fiber task; one task at a
 * time may receive.
 *
 * Returns: (transfer full) (nullable): the item; or %NULL with
 *   %G_IO_ERROR_CLOSED once the channel is closed and empty, or
 *   %G_IO_ERROR_CANCELLED if the task has been aborted (the items stay
 *   queued)
 *
 * Since: 0.1
 */
gpointer
isle_channel_recv (IsleChannel  *self,
                   GError      **error)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return _isle_endpoint_recv (&self->endpoint, G_STRFUNC,
                              __builtin_return_address (0), error);
}

/**
 * isle_channel_try_recv:
 * @self: a channel
 * @error: return location for a #GError
 *
 * Receives the next item if there is one, without waiting.
 *
 * Call it on the channel's thread, in a task or in plain code.
 *
 * Returns: (transfer full) (nullable): the item; or %NULL with
 *   %G_IO_ERROR_WOULD_BLOCK if the channel is empty, or
 *   %G_IO_ERROR_CLOSED if it is closed and empty
 *
 * Since: 0.1
 */
gpointer
isle_channel_try_recv (IsleChannel  *self,
                       GError      **error)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return _isle_channel_try_recv (self, G_STRFUNC, error);
}

gpointer
_isle_channel_try_recv (IsleChannel  *self,
                        const char   *function,
                        GError      **error)
{
  return _isle_endpoint_try_recv (&self->endpoint, function, error);
}

/**
 * isle_channel_poll_recv:
 * @self: a channel
 * @waker: (transfer none): the waker of the polling task
 * @item: (out) (transfer full) (nullable): the item received
 * @error: return location for a #GError
 *
 * The form of [method@Isle.Channel.recv] for poll functions: takes the next
 * item if there is one; otherwise arranges for @waker to be woken when an item
 * arrives or the channel closes, and returns %ISLE_POLL_PENDING. Only the
 * waker of the latest call is woken.
 *
 * While the task waits it holds a reference to the receiving end; if it
 * finishes while it waits (it is aborted, say), its waker leaves the
 * channel.
 *
 * Call it on the channel's thread, with the waker the polling task's poll
 * function was given.
 *
 * Returns: %ISLE_POLL_READY with @item set, or with %NULL and
 *   %G_IO_ERROR_CLOSED once the channel is closed and empty; otherwise
 *   %ISLE_POLL_PENDING
 *
 * Since: 0.1
 */
IslePoll
isle_channel_poll_recv (IsleChannel  *self,
                        IsleWaker    *waker,
                        gpointer     *item,
                        GError      **error)
{
  g_return_val_if_fail (self != NULL, ISLE_POLL_READY);
  g_return_val_if_fail (waker != NULL, ISLE_POLL_READY);
  g_return_val_if_fail (item != NULL, ISLE_POLL_READY);
  g_return_val_if_fail (error == NULL || *error == NULL, ISLE_POLL_READY);

  return _isle_endpoint_poll_recv (&self->endpoint, waker, item, G_STRFUNC, error);
}

/**
 * isle_channel_poll_recv_ready:
 * @self: a channel
 * @waker: (transfer none): the waker of the polling task
 * @error: return location for a #GError
 *
 * Waits, in a poll function, until a receive is ready: until an item is
 * queued or the channel is closed. Then [method@Isle.Channel.try_recv] (or
 * [method@Isle.Channel.try_recv_value]) takes the item, or reports
 * %G_IO_ERROR_CLOSED, without %G_IO_ERROR_WOULD_BLOCK: the channel has one
 * receiver, so nobody else takes the item in between.
 *
 * [method@Isle.Channel.poll_recv] in two steps, for a binding that cannot
 * take an out value from a call that may return %ISLE_POLL_PENDING
 * (PyGObject and GJS convert every out value, and an unset #GValue has no
 * value to convert). The wait is [method@Isle.Channel.poll_recv]'s: only
 * the latest waker is woken, the task holds a reference to the receiving
 * end while it waits, and its waker leaves the channel if it finishes
 * first.
 *
 * Call it on the channel's thread, with the waker the polling task's poll
 * function was given.
 *
 * Returns: %ISLE_POLL_READY when a receive is ready (or with @error set
 *   on a misuse); otherwise %ISLE_POLL_PENDING
 *
 * Since: 0.2
 */
IslePoll
isle_channel_poll_recv_ready (IsleChannel  *self,
                              IsleWaker    *waker,
                              GError      **error)
{
  g_return_val_if_fail (self != NULL, ISLE_POLL_READY);
  g_return_val_if_fail (waker != NULL, ISLE_POLL_READY);
  g_return_val_if_fail (error == NULL || *error == NULL, ISLE_POLL_READY);

  return _isle_endpoint_poll_recv (&self->endpoint, waker, NULL, G_STRFUNC, error);
}

/**
 * isle_channel_close:
 * @self: a channel
 *
 * Closes the channel from the receiving side: from now on sends fail with
 * %G_IO_ERROR_CLOSED, and senders waiting for room are woken to fail. The
 * items already queued can still be received; after them the receiver
 * gets %G_IO_ERROR_CLOSED. Closing a closed channel does nothing.
 *
 * Call it on the channel's thread.
 *
 * Since: 0.1
 */
void
isle_channel_close (IsleChannel *self)
{
  GQueue wakers = G_QUEUE_INIT;

  g_return_if_fail (self != NULL);

  _isle_endpoint_check_thread (&self->endpoint, G_STRFUNC);

  g_mutex_lock (&self->endpoint.lock);
  if (!self->closed)
    close_locked (self, &wakers);
  g_mutex_unlock (&self->endpoint.lock);

  wake_all (&wakers);
}

/**
 * isle_channel_is_closed:
 * @self: a channel
 *
 * Whether the channel is closed: no item can be sent any more. Items sent
 * before may still be queued.
 *
 * Safe to call from any thread.
 *
 * Returns: %TRUE if the channel is closed
 *
 * Since: 0.1
 */
gboolean
isle_channel_is_closed (IsleChannel *self)
{
  gboolean closed;

  g_return_val_if_fail (self != NULL, TRUE);

  g_mutex_lock (&self->endpoint.lock);
  closed = self->closed;
  g_mutex_unlock (&self->endpoint.lock);

  return closed;
}

/**
 * isle_channel_get_capacity:
 * @self: a channel
 *
 * Gets the capacity the channel was made with.
 *
 * Safe to call from any thread.
 *
 * Returns: the number of items the channel holds before a send waits, or
 *   0 for an unbounded channel
 *
 * Since: 0.1
 */
gsize
isle_channel_get_capacity (IsleChannel *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->capacity;
}

/**
 * isle_channel_get_length:
 * @self: a channel
 *
 * Gets the number of items queued. Other threads may change it at any
 * moment; use it for diagnostics, not decisions.
 *
 * Safe to call from any thread.
 *
 * Returns: the number of items waiting to be received
 *
 * Since: 0.1
 */
gsize
isle_channel_get_length (IsleChannel *self)
{
  gsize length;

  g_return_val_if_fail (self != NULL, 0);

  g_mutex_lock (&self->endpoint.lock);
  length = self->items.length;
  g_mutex_unlock (&self->endpoint.lock);

  return length;
}
