/* isle-notify.c: wake waiting tasks, with a stored permit
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "isle-notify.h"
#include "isle-task-private.h"
#include "isle-waker-private.h"

/**
 * IsleNotify:
 *
 * Wakes tasks that wait for an event which carries no data: "the
 * configuration changed", "there is work". Tokio's `Notify`.
 *
 * A fiber task waits with [method@Isle.Notify.wait], a poll task with
 * [method@Isle.Notify.poll_wait]; any thread notifies:
 *
 * - [method@Isle.Notify.notify_one] wakes the task that has waited longest; if
 *   none waits, it stores a permit, and the next [method@Isle.Notify.wait]
 *   returns at once, consuming it. At most one permit is stored.
 * - [method@Isle.Notify.notify_waiters] wakes every task waiting at that
 *   moment, and stores no permit.
 *
 * A notify belongs to no thread: its waiters may be tasks of any islands.
 *
 * |[<!-- language="C" -->
 * // The owner task sleeps until a worker has queued some work.
 * while (isle_notify_wait (work_ready, error))
 *   drain_work_queue (queue);
 * ]|
 *
 * Since: 0.1
 */

typedef enum
{
  WAITER_WAITING,
  WAITER_NOTIFIED_ONE,   /* chosen by isle_notify_notify_one() */
  WAITER_NOTIFIED_ALL,   /* woken by isle_notify_notify_waiters() */
} WaiterState;

/* A task in isle_notify_wait(), on its fiber's stack: the stack outlives
 * the wait. */
typedef struct
{
  GList        link;    /* in IsleNotify.waiters; data points back here */
  IsleWaker   *waker;   /* (owned) (nullable) taken by whoever notifies it */
  WaiterState  state;
} NotifyWaiter;

/* A poll task's wait (isle_notify_poll_wait()): the waiter itself, kept
 * by the task's list of waits instead of a fiber's stack, and a
 * reference that keeps the notify alive while the task waits. */
typedef struct
{
  IslePollWait  base;
  NotifyWaiter  waiter;
  IsleNotify   *notify;  /* (owned) */
} NotifyPollWaiter;

struct _IsleNotify
{
  gatomicrefcount ref_count;
  GMutex    lock;
  gboolean  permit;     /* protected by lock */
  GQueue    waiters;    /* protected by lock; NotifyWaiter links, oldest first */
};

G_DEFINE_BOXED_TYPE (IsleNotify, isle_notify, isle_notify_ref, isle_notify_unref)

/**
 * isle_notify_new:
 *
 * Creates a notify with no permit stored.
 *
 * Safe to call from any thread.
 *
 * Returns: (transfer full): a new notify; release it with
 *   [method@Isle.Notify.unref]
 *
 * Since: 0.1
 */
IsleNotify *
isle_notify_new (void)
{
  IsleNotify *self = g_new0 (IsleNotify, 1);

  g_atomic_ref_count_init (&self->ref_count);
  g_mutex_init (&self->lock);
  g_queue_init (&self->waiters);

  return self;
}

/**
 * isle_notify_ref:
 * @self: a notify
 *
 * Takes another reference to the notify.
 *
 * Safe to call from any thread.
 *
 * Returns: (transfer full): @self
 *
 * Since: 0.1
 */
IsleNotify *
isle_notify_ref (IsleNotify *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

/**
 * isle_notify_unref:
 * @self: (transfer full): a notify
 *
 * Drops a reference to the notify. A waiting task holds one of its own,
 * so dropping yours while tasks wait is safe.
 *
 * Safe to call from any thread.
 *
 * Since: 0.1
 */
void
isle_notify_unref (IsleNotify *self)
{
  g_return_if_fail (self != NULL);

  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;

  /* Every waiter holds a reference. */
  g_assert (g_queue_is_empty (&self->waiters));
  g_mutex_clear (&self->lock);
  g_free (self);
}

/* With the lock held: hands one notification to the oldest waiter, or
 * stores the permit. Returns the wake to give after unlocking. */
static IsleWaker *
notify_one_locked (IsleNotify *self)
{
  GList *link = g_queue_pop_head_link (&self->waiters);
  NotifyWaiter *waiter;

  if (link == NULL)
    {
      self->permit = TRUE;
      return NULL;
    }

  waiter = link->data;
  waiter->state = WAITER_NOTIFIED_ONE;
  /* The waiter may return as soon as the lock is released, so its waker
   * leaves with this call. */
  return g_steal_pointer (&waiter->waker);
}

/**
 * isle_notify_notify_one:
 * @self: a notify
 *
 * Wakes the task that has waited longest in [method@Isle.Notify.wait]; if no
 * task waits, stores a permit for the next wait (several calls store one).
 *
 * Safe to call from any thread.
 *
 * Since: 0.1
 */
void
isle_notify_notify_one (IsleNotify *self)
{
  IsleWaker *waker;

  g_return_if_fail (self != NULL);

  g_mutex_lock (&self->lock);
  waker = notify_one_locked (self);
  g_mutex_unlock (&self->lock);

  _isle_waker_wake_and_unref (waker);
}

/**
 * isle_notify_notify_waiters:
 * @self: a notify
 *
 * Wakes every task waiting in [method@Isle.Notify.wait] at this moment. It
 * stores no permit: a task that starts to wait afterwards waits for the next
 * notification. A permit already stored stays.
 *
 * Safe to call from any thread.
 *
 * Since: 0.1
 */
void
isle_notify_notify_waiters (IsleNotify *self)
{
  GPtrArray *wakers;
  GList *link;

  g_return_if_fail (self != NULL);

  g_mutex_lock (&self->lock);
  wakers = g_ptr_array_sized_new (self->waiters.length);
  while ((link = g_queue_pop_head_link (&self->waiters)) != NULL)
    {
      NotifyWaiter *waiter = link->data;

      waiter->state = WAITER_NOTIFIED_ALL;
      g_ptr_array_add (wakers, g_steal_pointer (&waiter->waker));
    }
  g_mutex_unlock (&self->lock);

  for (guint i = 0; i < wakers->len; i++)
    _isle_waker_wake_and_unref (g_ptr_array_index (wakers, i));
  g_ptr_array_unref (wakers);
}

/**
 * isle_notify_wait:
 * @self: a notify
 * @error: return location for a #GError
 *
 * Waits for a notification: returns at once if a permit is stored
 * (consuming it); otherwise the running fiber task parks until
 * [method@Isle.Notify.notify_one] chooses it or
 * [method@Isle.Notify.notify_waiters] is called.
 *
 * If the task is aborted after [method@Isle.Notify.notify_one] chose it, the
 * notification passes on to the next waiter (or becomes the permit), so
 * it is not lost.
 *
 * Call it inside a fiber task, on any island's thread.
 *
 * Returns: %TRUE when notified; %FALSE with %G_IO_ERROR_CANCELLED if the
 *   task has been aborted
 *
 * Since: 0.1
 */
gboolean
isle_notify_wait (IsleNotify  *self,
                  GError     **error)
{
  gconstpointer caller = __builtin_return_address (0);
  NotifyWaiter waiter = { { NULL, }, NULL, WAITER_WAITING };
  IsleWaker *pass_on = NULL;
  IsleTask *task;
  gboolean woken;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  task = _isle_task_require_fiber (G_STRFUNC, error);
  if (task == NULL)
    return FALSE;

  _isle_task_check_borrows (task, G_STRFUNC, caller);

  /* An aborted task does not take a permit it could not act on. */
  if (G_UNLIKELY (task->flags & ISLE_TASK_FLAG_ABORTED))
    return _isle_task_park (task, "a notify", error);

  g_mutex_lock (&self->lock);
  if (self->permit)
    {
      self->permit = FALSE;
      g_mutex_unlock (&self->lock);
      return TRUE;
    }

  waiter.link.data = &waiter;
  waiter.waker = isle_task_ref_waker (task);
  g_queue_push_tail_link (&self->waiters, &waiter.link);
  /* Held while the task waits: whoever else owns the notify may drop it. */
  isle_notify_ref (self);

  for (;;)
    {
      g_mutex_unlock (&self->lock);
      woken = _isle_task_park (task, "a notify", error);
      g_mutex_lock (&self->lock);

      if (waiter.state != WAITER_WAITING || !woken)
        break;
      /* Woken by something else: still in line. */
    }

  if (waiter.state == WAITER_WAITING)
    g_queue_unlink (&self->waiters, &waiter.link);
  else if (!woken && waiter.state == WAITER_NOTIFIED_ONE)
    pass_on = notify_one_locked (self);
  g_mutex_unlock (&self->lock);

  g_clear_pointer (&waiter.waker, isle_waker_unref);
  _isle_waker_wake_and_unref (pass_on);
  isle_notify_unref (self);

  /* Aborted, the task reports cancellation even if it was notified. */
  return woken;
}

/* The poll task finished while it waited: out of the line, or, if
 * isle_notify_notify_one() had chosen it, the notification passes on, as
 * when an aborted fiber gives it up. */
static void
poll_waiter_withdraw (IslePollWait *wait,
                      IsleTask     *task)
{
  NotifyPollWaiter *poll_waiter = (NotifyPollWaiter *) wait;
  IsleNotify *self = poll_waiter->notify;
  IsleWaker *pass_on = NULL;

  g_mutex_lock (&self->lock);
  if (poll_waiter->waiter.state == WAITER_WAITING)
    g_queue_unlink (&self->waiters, &poll_waiter->waiter.link);
  else if (poll_waiter->waiter.state == WAITER_NOTIFIED_ONE)
    pass_on = notify_one_locked (self);
  g_mutex_unlock (&self->lock);

  g_clear_pointer (&poll_waiter->waiter.waker, isle_waker_unref);
  _isle_waker_wake_and_unref (pass_on);
  isle_notify_unref (self);
  g_free (poll_waiter);
}

/**
 * isle_notify_poll_wait:
 * @self: a notify
 * @waker: (transfer none): the polling task's waker
 *
 * The form of [method@Isle.Notify.wait] for poll functions. The first call
 * returns %ISLE_POLL_READY at once if a permit is stored (consuming it);
 * otherwise the task joins the line of waiters, and the call arranges for
 * @waker to be woken when [method@Isle.Notify.notify_one] chooses the task
 * or [method@Isle.Notify.notify_waiters] is called, and returns
 * %ISLE_POLL_PENDING. Later calls with the same waker return
 * %ISLE_POLL_READY once the task has been notified, and keep its place in
 * line until then.
 *
 * The task holds a reference to @self while it waits. If it finishes
 * while it waits (it is aborted, say), it leaves the line; a notification
 * that [method@Isle.Notify.notify_one] had already handed it passes on to
 * the next waiter (or becomes the permit), as for an aborted fiber.
 *
 * Call it on the polling task's island thread, with the waker its poll
 * function was given.
 *
 * Returns: %ISLE_POLL_READY when notified, otherwise %ISLE_POLL_PENDING
 *
 * Since: 0.2
 */
IslePoll
isle_notify_poll_wait (IsleNotify *self,
                       IsleWaker  *waker)
{
  NotifyPollWaiter *poll_waiter;
  IsleTask *task;

  g_return_val_if_fail (self != NULL, ISLE_POLL_READY);
  g_return_val_if_fail (waker != NULL, ISLE_POLL_READY);

  task = _isle_task_require_poll_waker (waker, G_STRFUNC);
  if (task == NULL)
    return ISLE_POLL_READY;

  poll_waiter = (NotifyPollWaiter *) _isle_task_find_poll_wait (task, poll_waiter_withdraw, self);
  if (poll_waiter != NULL)
    {
      WaiterState state;

      /* Whoever notified the waiter took it out of the line and its waker
       * with it; the state is all there is to read. */
      g_mutex_lock (&self->lock);
      state = poll_waiter->waiter.state;
      g_mutex_unlock (&self->lock);

      if (state == WAITER_WAITING)
        return ISLE_POLL_PENDING;

      _isle_task_remove_poll_wait (task, &poll_waiter->base);
      g_assert (poll_waiter->waiter.waker == NULL);
      isle_notify_unref (poll_waiter->notify);
      g_free (poll_waiter);
      return ISLE_POLL_READY;
    }

  g_mutex_lock (&self->lock);
  if (self->permit)
    {
      self->permit = FALSE;
      g_mutex_unlock (&self->lock);
      return ISLE_POLL_READY;
    }

  poll_waiter = g_new0 (NotifyPollWaiter, 1);
  poll_waiter->base.withdraw = poll_waiter_withdraw;
  poll_waiter->base.object = self;
  /* The fiber form's words, so that a dump reads the same for both. */
  poll_waiter->base.wait.klass = &_isle_wait_text;
  poll_waiter->base.wait.object = "a notify";
  poll_waiter->waiter.link.data = &poll_waiter->waiter;
  poll_waiter->waiter.waker = isle_waker_ref (waker);
  poll_waiter->waiter.state = WAITER_WAITING;
  poll_waiter->notify = isle_notify_ref (self);
  g_queue_push_tail_link (&self->waiters, &poll_waiter->waiter.link);
  g_mutex_unlock (&self->lock);

  _isle_task_add_poll_wait (task, &poll_waiter->base);
  return ISLE_POLL_PENDING;
}
