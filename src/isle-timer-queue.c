/* isle-timer-queue.c: an island's timers, one GSource for all
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "isle-timer-queue-private.h"
#include "isle-future-private.h"
#include "isle-local-set-private.h"

/* GLib looks at every attached source on every iteration, so a timeout
 * source per sleep makes each trip through the main loop cost as much as
 * the sleepers (DESIGN.md, decision 8). An island keeps its timers in one
 * heap instead, under one source whose ready time is the earliest
 * deadline: a trip costs the same with 0 or 100,000 sleepers, and a timer
 * joins and leaves in O(log n).
 *
 * The heap is 4-ary: half as deep as a binary one, and a node's four
 * children share a cache line of the array. Each timer knows its index,
 * so one that nobody awaits any more (cancelled, lost a race, or its last
 * reference dropped) leaves from the middle at once. Equal deadlines keep
 * the order they were added in (a sequence number breaks the tie), so
 * overdue timers fire by deadline, first come first served.
 *
 * A timer does not own its future: the future owns the timer, through its
 * hooks (isle-future-private.h). The queue settles a future only after
 * taking a reference with _isle_future_try_ref(), which fails once the
 * last one is gone. Everything here runs on the island's thread; a future
 * settled or dropped on another thread sends its timer's part to the
 * island's thread through the island's remote queue. */

#define HEAP_ARITY 4
#define NOT_QUEUED G_MAXUINT

typedef struct
{
  gint64          deadline;       /* monotonic µs */
  guint64         seq;            /* order of arrival, for equal deadlines */
  guint           index;          /* in the heap, or NOT_QUEUED */
  IsleTimerKind   kind;
  guint           timeout_msec;   /* for the ISLE_TIMER_TIME_OUT message */
  gboolean        owns_remote;    /* holds a reference to remote: the island is gone */
  IsleTimerQueue *queue;          /* (unowned) (nullable) NULL once the island is gone */
  IsleRemote     *remote;         /* borrowed from the queue while it lives */
  IsleFuture     *future;         /* (unowned) the future owns the timer */
} IsleTimer;

struct _IsleTimerQueue
{
  GSource      source;
  IsleTimer  **heap;              /* (owned) */
  guint        n_heap;
  guint        heap_size;
  guint64      next_seq;
  IsleRemote  *remote;            /* (owned) */
  gboolean     closed;
  gboolean     skip;              /* the island sits out this iteration */
};

static int n_alive;   /* (atomic) */

static inline gboolean
timer_before (const IsleTimer *a,
              const IsleTimer *b)
{
  return a->deadline < b->deadline ||
         (a->deadline == b->deadline && a->seq < b->seq);
}

static inline void
heap_set (IsleTimerQueue *self,
          guint           index,
          IsleTimer      *timer)
{
  self->heap[index] = timer;
  timer->index = index;
}

static void
heap_sift_up (IsleTimerQueue *self,
              guint           index,
              IsleTimer      *timer)
{
  while (index > 0)
    {
      guint parent = (index - 1) / HEAP_ARITY;

      if (!timer_before (timer, self->heap[parent]))
        break;
      heap_set (self, index, self->heap[parent]);
      index = parent;
    }
  heap_set (self, index, timer);
}

static void
heap_sift_down (IsleTimerQueue *self,
                guint           index,
                IsleTimer      *timer)
{
  for (;;)
    {
      guint first = index * HEAP_ARITY + 1;
      guint last = MIN (first + HEAP_ARITY, self->n_heap);
      guint best = index;
      IsleTimer *best_timer = timer;
      guint child;

      for (child = first; child < last; child++)
        if (timer_before (self->heap[child], best_timer))
          {
            best = child;
            best_timer = self->heap[child];
          }
      if (best == index)
        break;
      heap_set (self, index, best_timer);
      index = best;
    }
  heap_set (self, index, timer);
}

static void
heap_push (IsleTimerQueue *self,
           IsleTimer      *timer)
{
  if (self->n_heap == self->heap_size)
    {
      self->heap_size = MAX (64, self->heap_size * 2);
      self->heap = g_renew (IsleTimer *, self->heap, self->heap_size);
    }
  heap_sift_up (self, self->n_heap++, timer);
}

static void
heap_remove (IsleTimerQueue *self,
             IsleTimer      *timer)
{
  guint index = timer->index;
  IsleTimer *moved;

  g_assert (index < self->n_heap && self->heap[index] == timer);

  timer->index = NOT_QUEUED;
  moved = self->heap[--self->n_heap];
  if (moved == timer)
    return;

  /* The last timer fills the hole, then finds its place either way. */
  if (index > 0 && timer_before (moved, self->heap[(index - 1) / HEAP_ARITY]))
    heap_sift_up (self, index, moved);
  else
    heap_sift_down (self, index, moved);

  /* A queue that emptied after a burst gives its memory back. */
  if (self->heap_size > 1024 && self->n_heap < self->heap_size / 8)
    {
      self->heap_size /= 2;
      self->heap = g_renew (IsleTimer *, self->heap, self->heap_size);
    }
}

static inline gboolean
is_owner_thread (IsleRemote *remote)
{
  return remote->owner == _isle_thread_peek_serial ();
}

static inline void
timer_unqueue (IsleTimer *timer)
{
  if (timer->index != NOT_QUEUED)
    heap_remove (timer->queue, timer);
}

/* The future's last reference is gone: owner thread, or no island left. */
static void
timer_destroy (gpointer data)
{
  IsleTimer *timer = data;

  timer_unqueue (timer);
  _isle_future_free (timer->future);
  if (timer->owns_remote)
    _isle_remote_unref (timer->remote);
  g_free (timer);
  g_atomic_int_add (&n_alive, -1);
}

/* Runs @func (@timer) on the island's thread; FALSE once the island is
 * gone, and then @timer is no longer queued anywhere. The temporary
 * reference keeps the remote alive until the call has returned, since
 * the island's thread may free the timer (and its reference) at once. */
static gboolean
timer_call_on_owner (IsleTimer      *timer,
                     GDestroyNotify  func)
{
  IsleRemote *remote = _isle_remote_ref (timer->remote);
  gboolean sent = _isle_remote_call (remote, func, timer);

  _isle_remote_unref (remote);
  return sent;
}

static void
timer_last_unref (IsleFuture *future,
                  gpointer    data)
{
  IsleTimer *timer = data;

  if (is_owner_thread (timer->remote) || !timer_call_on_owner (timer, timer_destroy))
    timer_destroy (timer);
}

/* Holds a reference to the future while it travels. */
static void
timer_unqueue_call (gpointer data)
{
  IsleTimer *timer = data;

  timer_unqueue (timer);
  isle_future_unref (timer->future);
}

/* Settled by anyone (cancelled, a race lost): leave the queue now, not at
 * the deadline. When the queue itself fires the timer, it is out already. */
static void
timer_settled (IsleFuture *future,
               gpointer    data)
{
  IsleTimer *timer = data;

  if (is_owner_thread (timer->remote))
    {
      timer_unqueue (timer);
      return;
    }

  isle_future_ref (future);
  if (!timer_call_on_owner (timer, timer_unqueue_call))
    isle_future_unref (future);
}

static const IsleFutureHooks timer_hooks = {
  .settled = timer_settled,
  .last_unref = timer_last_unref,
};

static void
timer_fire (IsleTimer *timer)
{
  IsleFuture *future = timer->future;

  /* The last reference is gone: its timer_destroy() is on the way. */
  if (!_isle_future_try_ref (future))
    return;

  if (!isle_future_is_finished (future))
    {
      GError *error = NULL;

      if (timer->kind == ISLE_TIMER_TIME_OUT)
        error = g_error_new (G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                             "Timed out after %u ms", timer->timeout_msec);
      _isle_future_settle (future, NULL, NULL, error);
    }
  isle_future_unref (future);
}

/* The source ---------------------------------------------------------------- */

static gboolean
timer_queue_prepare (GSource *source,
                     gint    *timeout)
{
  IsleTimerQueue *self = (IsleTimerQueue *) source;
  IsleLocalSet *island = self->remote->island;
  gint64 now;
  gint64 wait;

  /* Overdue timers sit out with the island's run queues when it has
   * spent its budget: a stream of them must not keep GTK's frame from
   * its turn any more than yielding tasks may. */
  self->skip = island != NULL && _isle_local_set_sits_out (island, source);

  /* Timers are added on this thread only, so the next prepare always sees
   * a new earliest deadline: no ready time to keep up to date, and no
   * wake-up of the context for each timer. */
  if (self->n_heap == 0)
    {
      *timeout = -1;
      return FALSE;
    }

  now = g_source_get_time (source);
  wait = self->heap[0]->deadline - now;
  if (wait <= 0)
    {
      *timeout = 0;
      return !self->skip;
    }

  /* Rounded up, so the poll does not return just short of the deadline. */
  *timeout = (gint) MIN ((wait + 999) / 1000, G_MAXINT);
  return FALSE;
}

static gboolean
timer_queue_check (GSource *source)
{
  IsleTimerQueue *self = (IsleTimerQueue *) source;

  return self->n_heap > 0 && !self->skip &&
         self->heap[0]->deadline <= g_source_get_time (source);
}

static gboolean
timer_queue_dispatch (GSource     *source,
                      GSourceFunc  callback,
                      gpointer     user_data)
{
  IsleTimerQueue *self = (IsleTimerQueue *) source;
  IsleLocalSet *island = self->remote->island;
  gint64 now = g_get_monotonic_time ();

  if (island != NULL)
    _isle_local_set_begin_dispatch (island);

  /* Every timer due by now, earliest first; one added meanwhile that is
   * due already fires in this same dispatch. */
  while (self->n_heap > 0 && self->heap[0]->deadline <= now)
    {
      IsleTimer *timer = self->heap[0];

      heap_remove (self, timer);
      timer_fire (timer);
    }

  if (island != NULL)
    _isle_local_set_end_dispatch (island);

  return G_SOURCE_CONTINUE;
}

static void
timer_queue_finalize (GSource *source)
{
  IsleTimerQueue *self = (IsleTimerQueue *) source;

  g_assert (self->n_heap == 0);
  g_free (self->heap);
  _isle_remote_unref (self->remote);
}

static GSourceFuncs timer_queue_funcs = {
  .prepare = timer_queue_prepare,
  .check = timer_queue_check,
  .dispatch = timer_queue_dispatch,
  .finalize = timer_queue_finalize,
};

IsleTimerQueue *
_isle_timer_queue_get (IsleLocalSet *island)
{
  IsleTimerQueue *self;

  if (island == NULL)
    return NULL;
  if (G_LIKELY (island->timers != NULL))
    return island->timers;

  self = (IsleTimerQueue *) g_source_new (&timer_queue_funcs, sizeof (IsleTimerQueue));
  self->remote = _isle_remote_ref (island->remote);
  g_source_set_name ((GSource *) self, "[isle-timers]");
  g_source_set_priority ((GSource *) self, G_PRIORITY_DEFAULT);
  g_source_attach ((GSource *) self, island->context);
  island->timers = self;
  return self;
}

IsleFuture *
_isle_timer_queue_add (IsleTimerQueue *self,
                       gint64          deadline,
                       IsleTimerKind   kind,
                       guint           timeout_msec)
{
  IsleFuture *future = _isle_future_new ();
  IsleTimer *timer;

  g_assert (is_owner_thread (self->remote));

  /* A timer made while the island is freed (a destroy notify) has nobody
   * left to fire it. */
  if (G_UNLIKELY (self->closed))
    {
      _isle_future_settle (future, NULL, NULL,
                           g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                                "The future was cancelled"));
      return future;
    }

  timer = g_new (IsleTimer, 1);
  timer->deadline = deadline;
  timer->seq = self->next_seq++;
  timer->kind = kind;
  timer->timeout_msec = timeout_msec;
  timer->owns_remote = FALSE;
  timer->queue = self;
  timer->remote = self->remote;
  timer->future = future;
  _isle_future_set_hooks (future, &timer_hooks, timer);
  g_atomic_int_inc (&n_alive);

  heap_push (self, timer);
  return future;
}

void
_isle_timer_queue_close (IsleTimerQueue *self)
{
  IsleTimer **pending;
  guint n_pending;
  guint i;

  g_assert (is_owner_thread (self->remote));

  /* Detach every timer first, so that settling and dropping the futures
   * below (which may run code that drops others) finds no queue; then
   * cancel those that someone still holds. A timer whose last reference
   * went on another thread has its timer_destroy() queued on the island's
   * remote queue, which the island drains after this. */
  self->closed = TRUE;
  pending = g_steal_pointer (&self->heap);
  n_pending = self->n_heap;
  self->n_heap = 0;
  self->heap_size = 0;

  for (i = 0; i < n_pending; i++)
    {
      IsleTimer *timer = pending[i];

      timer->index = NOT_QUEUED;
      timer->queue = NULL;
      /* remote itself stays as it is: other threads read it. */
      _isle_remote_ref (self->remote);
      timer->owns_remote = TRUE;
      if (!_isle_future_try_ref (timer->future))
        pending[i] = NULL;
    }

  for (i = 0; i < n_pending; i++)
    if (pending[i] != NULL)
      {
        IsleFuture *future = pending[i]->future;

        isle_future_cancel (future);
        isle_future_unref (future);
      }
  g_free (pending);

  g_source_destroy ((GSource *) self);
}

void
_isle_timer_queue_free (IsleTimerQueue *self)
{
  g_assert (self->closed);
  g_source_unref ((GSource *) self);
}

guint
_isle_timer_queue_get_n_pending (IsleTimerQueue *self)
{
  return self != NULL ? self->n_heap : 0;
}

gint64
_isle_timer_future_get_deadline (IsleFuture *future)
{
  IsleTimer *timer = _isle_future_get_hooks_data (future, &timer_hooks);

  return timer != NULL ? timer->deadline : -1;
}

guint
_isle_timer_get_n_alive (void)
{
  return (guint) g_atomic_int_get (&n_alive);
}
