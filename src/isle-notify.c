/* isle-notify.c: wake waiting tasks, with a stored permit
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "isle-notify.h"
#include "isle-task-private.h"

/**
 * IsleNotify:
 *
 * Wakes tasks that wait for an event which carries no data: "the
 * configuration changed", "there is work". Tokio's `Notify`.
 *
 * A fiber task waits with [method@Isle.Notify.wait]; any thread notifies:
 *
 * - [method@Isle.Notify.notify_one] wakes the task that has waited longest; if
 *   none waits, it stores a permit, and the next [method@Isle.Notify.wait]
 *   returns at once, consuming it. At most one permit is stored.
 * - [method@Isle.Notify.notify_waiters] wakes every task waiting at that
 * moment,
 *   and stores no permit.
 *
 * A notify belongs to no thread: its waiters may be tasks of any islands.
 *
 * |[<!-- language="C" -->
 * // The owner task sleeps until a worker has queued some work.
 * while (isle_notify_wait (work_ready, error))
 *   drain_work_queue (queue);
 * ]|
 *
 * Since: 1.0
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

struct _IsleNotify
{
  gatomicrefcount ref_count;
  GMutex    lock;
  gboolean  permit;     /* protected by lock */
  GQueue    waiters;    /* protected by lock; NotifyWaiter links, oldest first */
};

G_DEFINE_BOXED_TYPE (IsleNotify, isle_notify, isle_notify_ref, isle_notify_unref)

static void
wake_and_unref (IsleWaker *waker)
{
  if (waker != NULL)
    {
      isle_waker_wake (waker);
      isle_waker_unref (waker);
    }
}

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
 * Since: 1.0
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
 * Since: 1.0
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
 * Drops a reference to the notify. A waiting task holds none: keep the
 * notify alive while tasks wait on it.
 *
 * Safe to call from any thread.
 *
 * Since: 1.0
 */
void
isle_notify_unref (IsleNotify *self)
{
  g_return_if_fail (self != NULL);

  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;

  if (!g_queue_is_empty (&self->waiters))
    g_critical ("isle_notify_unref() released IsleNotify %p while %u tasks "
                "wait on it: they would never be woken. Keep a reference "
                "for as long as tasks may wait",
                (gpointer) self, self->waiters.length);
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
 * Since: 1.0
 */
void
isle_notify_notify_one (IsleNotify *self)
{
  IsleWaker *waker;

  g_return_if_fail (self != NULL);

  g_mutex_lock (&self->lock);
  waker = notify_one_locked (self);
  g_mutex_unlock (&self->lock);

  wake_and_unref (waker);
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
 * Since: 1.0
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
    wake_and_unref (g_ptr_array_index (wakers, i));
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
 * Since: 1.0
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

  task = _isle_task_require_fiber ("isle_notify_wait", error);
  if (task == NULL)
    return FALSE;

  _isle_task_check_borrows (task, "isle_notify_wait", caller);

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
  wake_and_unref (pass_on);

  /* Aborted, the task reports cancellation even if it was notified. */
  return woken;
}
