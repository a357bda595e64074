/* isle-remote.c: wakes, spawns and calls that reach an island from other
 * threads
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "isle-nested-private.h"
#include "isle-remote-private.h"
#include "isle-run-queue-private.h"
#include "isle-task-private.h"
#include "isle-waker-private.h"

/* What links reads once the island is closed: pushes then fail. */
static IsleRemoteLink links_closed;

IsleRemote *
_isle_remote_ref (IsleRemote *remote)
{
  g_atomic_ref_count_inc (&remote->ref_count);
  return remote;
}

void
_isle_remote_unref (IsleRemote *remote)
{
  if (!g_atomic_ref_count_dec (&remote->ref_count))
    return;

  g_assert (remote->closed);
  g_assert (remote->queue->len == 0);
  g_assert (remote->calls->len == 0);
  g_assert (remote->links == NULL || remote->links == &links_closed);
  g_ptr_array_unref (remote->queue);
  g_array_unref (remote->calls);
  g_main_context_unref (remote->context);
  g_mutex_clear (&remote->lock);
  g_free (remote);
}

IsleRemote *
_isle_remote_new (IsleLocalSet *island)
{
  IsleRemote *remote = g_new0 (IsleRemote, 1);

  g_atomic_ref_count_init (&remote->ref_count);
  g_mutex_init (&remote->lock);
  remote->queue = g_ptr_array_new ();
  remote->calls = g_array_new (FALSE, FALSE, sizeof (IsleRemoteCall));
  remote->context = g_main_context_ref (island->context);
  remote->owner = island->owner.thread;
  remote->island = island;

  return remote;
}

/* A wake from a thread other than the island's: queue the task under the
 * lock and wake the context up, once per batch. With @take, the caller's
 * reference to @task goes with the wake (into the queue, or dropped here
 * when the task is queued already or the island is gone), so that the
 * waking thread is done with the task once the task may run. */
static void
remote_wake (IsleRemote *remote,
             IsleTask   *task,
             gboolean    take)
{
  gboolean wakeup = FALSE;
  gboolean queued = FALSE;

  g_mutex_lock (&remote->lock);
  if (!remote->closed && !task->remote_queued)
    {
      task->remote_queued = TRUE;
      g_ptr_array_add (remote->queue, take ? task : _isle_task_ref (task));
      queued = TRUE;
      if (!g_atomic_int_get (&remote->pending))
        {
          g_atomic_int_set (&remote->pending, 1);
          wakeup = TRUE;
          /* Once the lock is released, the island may run the task, drop
           * the reference handed to it (the last one, for a wake that
           * takes it), and go, taking the remote part with it: the
           * wake-up below needs one of its own. */
          _isle_remote_ref (remote);
        }
    }
  g_mutex_unlock (&remote->lock);

  if (take && !queued)
    _isle_task_unref (task);
  if (wakeup)
    {
      g_main_context_wakeup (remote->context);
      _isle_remote_unref (remote);
    }
}

void
_isle_remote_wake (IsleRemote *remote,
                   IsleTask   *task)
{
  remote_wake (remote, task, FALSE);
}

void
_isle_remote_wake_take (IsleRemote *remote,
                        IsleTask   *task)
{
  remote_wake (remote, task, TRUE);
}

/* Runs @func (@data) on the island's thread, in the same batch as remote
 * wakes. Returns FALSE, without taking @data, once the island is gone. */
gboolean
_isle_remote_call (IsleRemote     *remote,
                   IsleRemoteFunc  func,
                   gpointer        data)
{
  IsleRemoteCall call = { func, data };
  gboolean wakeup = FALSE;

  g_mutex_lock (&remote->lock);
  if (remote->closed)
    {
      g_mutex_unlock (&remote->lock);
      return FALSE;
    }
  g_array_append_val (remote->calls, call);
  if (!g_atomic_int_get (&remote->pending))
    {
      g_atomic_int_set (&remote->pending, 1);
      wakeup = TRUE;
    }
  g_mutex_unlock (&remote->lock);

  if (wakeup)
    g_main_context_wakeup (remote->context);
  return TRUE;
}

/* Queues @link for the island's thread, where its func runs; FALSE once
 * the island is closed. Any thread; takes no lock. The push comes before
 * the look at pending, and the island clears pending before it takes the
 * links (drain) or looks at them (remote_source_prepare()): one of the two
 * sees the other, so a link is never left behind an island that blocks. */
gboolean
_isle_remote_push (IsleRemote     *remote,
                   IsleRemoteLink *link)
{
  IsleRemoteLink *head;

  do
    {
      head = g_atomic_pointer_get (&remote->links);
      if (head == &links_closed)
        return FALSE;
      link->next = head;
    }
  while (!g_atomic_pointer_compare_and_exchange (&remote->links, head, link));

  if (!g_atomic_int_get (&remote->pending) &&
      g_atomic_int_compare_and_exchange (&remote->pending, 0, 1))
    g_main_context_wakeup (remote->context);
  return TRUE;
}

/* Takes every link pushed so far, oldest first; once the island is
 * closed, closes the links too. Island's thread. */
static IsleRemoteLink *
remote_take_links (IsleRemote *remote,
                   gboolean    closed)
{
  IsleRemoteLink *newest;
  IsleRemoteLink *oldest = NULL;

  if (g_atomic_pointer_get (&remote->links) == NULL && !closed)
    return NULL;
  newest = g_atomic_pointer_exchange (&remote->links, closed ? &links_closed : NULL);
  if (newest == &links_closed)
    return NULL;
  while (newest != NULL)
    {
      IsleRemoteLink *next = newest->next;

      newest->next = oldest;
      oldest = newest;
      newest = next;
    }
  return oldest;
}

static gboolean
release_now (gpointer data)
{
  return G_SOURCE_REMOVE;
}

/* Runs @func (@data) on the thread of the island @home was made on: in
 * the island's next batch of remote wakes while it lives; once it is gone,
 * from an idle source on its context, which outlives it as long as @home
 * holds it. The source's destroy notify does the work, so it runs either
 * where that context is next iterated (its owner thread) or, if the
 * context is freed first, wherever its last reference goes. On the home
 * thread itself, or without a home, it runs at once. */
void
_isle_remote_run_at_home (IsleRemote     *home,
                          GDestroyNotify  func,
                          gpointer        data)
{
  GSource *source;

  if (home == NULL || home->owner == _isle_thread_peek_serial ())
    {
      func (data);
      return;
    }

  if (_isle_remote_call (home, func, data))
    return;

  source = g_idle_source_new ();
  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_name (source, "[isle-release-at-home]");
  g_source_set_callback (source, release_now, data, func);
  g_source_attach (source, home->context);
  g_source_unref (source);
}

/* Moves what other threads queued onto the island. With @stay_awake the
 * senders go on leaving the context asleep: the caller promises to drain
 * again before the island's thread can block (see remote_source_prepare());
 * otherwise the next sender wakes it. */
void
_isle_local_set_drain_remote (IsleLocalSet *self,
                              gboolean      stay_awake)
{
  IsleRemote *remote = self->remote;
  GPtrArray *batch;
  GArray *calls;
  IsleRemoteLink *links;
  gboolean closed;
  guint i;

  if (G_LIKELY (!g_atomic_int_get (&remote->pending)))
    return;

  g_mutex_lock (&remote->lock);
  batch = remote->queue;
  remote->queue = self->draining;
  self->draining = batch;
  calls = remote->calls;
  remote->calls = self->draining_calls;
  self->draining_calls = calls;
  for (i = 0; i < batch->len; i++)
    ((IsleTask *) batch->pdata[i])->remote_queued = FALSE;
  if (!stay_awake)
    g_atomic_int_set (&remote->pending, 0);
  closed = remote->closed;
  g_mutex_unlock (&remote->lock);
  links = remote_take_links (remote, closed);

  self->counters.wakes_remote += batch->len;
  for (i = 0; i < batch->len; i++)
    {
      IsleTask *task = batch->pdata[i];

      _isle_task_wake_remote (task);
      _isle_task_unref (task);
    }
  g_ptr_array_set_size (batch, 0);

  for (i = 0; i < calls->len; i++)
    {
      IsleRemoteCall *call = &g_array_index (calls, IsleRemoteCall, i);

      call->func (call->data);
    }
  g_array_set_size (calls, 0);

  while (links != NULL)
    {
      IsleRemoteLink *link = links;

      links = link->next;
      link->func (link);
    }
}

/* Whether other threads have queued work that the island has not taken
 * yet. Any thread. */
gboolean
_isle_remote_has_work (IsleRemote *remote)
{
  gboolean has_work;

  g_mutex_lock (&remote->lock);
  has_work = remote->queue->len > 0 || remote->calls->len > 0;
  g_mutex_unlock (&remote->lock);
  if (!has_work)
    {
      IsleRemoteLink *links = g_atomic_pointer_get (&remote->links);

      has_work = links != NULL && links != &links_closed;
    }
  return has_work;
}

static gboolean
has_ready_tasks (IsleLocalSet *self)
{
  guint i;

  for (i = 0; i < self->n_queues; i++)
    if (!_isle_run_queue_is_empty (self->queues[i]))
      return TRUE;
  return FALSE;
}

typedef struct
{
  GSource       source;
  IsleLocalSet *island;   /* (unowned) */
} IsleRemoteSource;

/* The remote source never dispatches: it runs first in every iteration
 * (lowest priority value) and moves remotely woken tasks into the run
 * queues, which are prepared and checked after it. */
static gboolean
remote_source_prepare (GSource *source,
                       int     *timeout)
{
  IsleLocalSet *island = ((IsleRemoteSource *) source)->island;

  /* Each iteration starts here: one from inside a task is nested. */
  if (G_UNLIKELY (_isle_thread_state_get ()->current_task != NULL))
    _isle_nested_note_iteration (island);

  *timeout = -1;
  if (!g_atomic_int_get (&island->remote->pending))
    return FALSE;

  _isle_local_set_check_dispatch_thread (island);

  /* A context wake-up costs the sender a write() and the island a poll()
   * that returns: microseconds each, more than the spawn or wake it
   * carries. While the island has tasks ready, this iteration will not
   * block (their run queue's timeout is 0), and the next one starts here
   * again, so pending stays set and senders queue without waking the
   * context. Only an island that may block clears it, under the lock and
   * with nothing left queued; the next sender then wakes it. */
  for (;;)
    {
      IsleRemote *remote = island->remote;
      gboolean idle;

      _isle_local_set_drain_remote (island, TRUE);
      if (has_ready_tasks (island))
        break;

      g_mutex_lock (&remote->lock);
      idle = remote->queue->len == 0 && remote->calls->len == 0;
      if (idle)
        g_atomic_int_set (&remote->pending, 0);
      g_mutex_unlock (&remote->lock);
      /* Pending is clear: a link pushed from now on wakes the context, and
       * one pushed before is seen here. */
      if (idle && g_atomic_pointer_get (&remote->links) != NULL &&
          g_atomic_pointer_get (&remote->links) != &links_closed)
        {
          g_atomic_int_set (&remote->pending, 1);
          idle = FALSE;
        }
      if (idle)
        break;
    }
  return FALSE;
}

static gboolean
remote_source_check (GSource *source)
{
  int timeout;

  return remote_source_prepare (source, &timeout);
}

static GSourceFuncs remote_source_funcs = {
  .prepare = remote_source_prepare,
  .check = remote_source_check,
};

/* The source that moves what other threads queued onto the island, first
 * in every iteration of its context. */
GSource *
_isle_remote_source_new (IsleLocalSet *island)
{
  IsleRemoteSource *source;

  source = (IsleRemoteSource *) g_source_new (&remote_source_funcs, sizeof (IsleRemoteSource));
  source->island = island;
  g_source_set_name ((GSource *) source, "[isle-remote-wakes]");
  g_source_set_priority ((GSource *) source, G_MININT);
  g_source_attach ((GSource *) source, island->context);
  return (GSource *) source;
}
