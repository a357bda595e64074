/* isle-timer-queue.c: an island's timers, one GSource for all
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "isle-timer-queue-private.h"
#include "isle-future-private.h"
#include "isle-local-set-private.h"
#include "isle-run-queue-private.h"

/* GLib looks at every attached source on every iteration, so a timeout
 * source per sleep makes each trip through the main loop cost as much as
 * the sleepers (design decision 8). An island keeps its timers in one
 * heap instead, under one source whose ready time is the earliest
 * deadline: a trip costs the same with 0 or 100,000 sleepers, and a timer
 * joins and leaves in O(log n).
 *
 * The heap is 4-ary: half as deep as a binary one. Each entry holds its
 * timer's deadline, 16 bytes, and the array is laid out so that a node's
 * four children fill one cache line: a sift compares keys without
 * touching the timers, which with 100,000 of them are far out of the
 * cache. A timer that nobody awaits any more (cancelled, lost a race, or
 * its last reference dropped) leaves from the middle at once, so the
 * queue must know where each timer is; it keeps that in a dense array of
 * its own, indexed by a slot number each queued timer holds, rather than
 * in the timers: a sift then writes the positions of the entries it moves
 * to a few hundred KiB that stay in the cache, not to a timer record per
 * level (a cache miss each, which were most of the cost of firing a
 * timer). Equal deadlines keep the order they were added in (a sequence
 * number in the entry breaks ties), so overdue timers fire by deadline,
 * first come first served.
 *
 * A timer and its future are one record, from an arena of the island's
 * (isle-task-arena.c): no allocator call per timer, and the memory of a
 * burst of timers is reused by the next. A timer does not own its future:
 * the future owns the timer, through its hooks (isle-future-private.h).
 * The queue settles a future only after taking a reference with
 * _isle_future_try_ref(), which fails once the last one is gone.
 * Everything here runs on the island's thread; a future settled or
 * dropped on another thread sends its timer's part to the island's thread
 * through the island's remote queue.
 *
 * So every timer holds a reference to that remote queue, for as long as
 * its future lives: its last unref reads the remote to find the island's
 * thread, and a future may outlive its island (a binding's garbage
 * collector drops it at exit). A timer that has left the heap, because it
 * fired or was cancelled, is out of the queue's reach when the island
 * goes, so the reference cannot be handed out then. */

#define HEAP_ARITY 4
#define NO_SLOT G_MAXUINT32

/* The heap's first three slots are padding: with 16-byte entries and the
 * array aligned to a cache line, the children of node i (4i + 1 to
 * 4i + 4) then start on a line of their own. */
#define HEAP_PAD 3
#define CACHE_LINE 64

typedef struct _IsleTimer IsleTimer;

typedef struct
{
  gint64     deadline;            /* a copy of timer->deadline */
  guint32    slot;                /* the timer's, in the queue's slot arrays */
  guint32    seq;                 /* order of arrival, compared with wrap-around:
                                   * equal deadlines are never 2^31 timers apart */
} HeapEntry;

struct _IsleTimer
{
  IsleFuture      future;         /* first: the record is freed through it */
  gint64          deadline;       /* monotonic µs */
  guint32         slot;           /* in the queue while not NO_SLOT */
  IsleTimerKind   kind;
  guint           timeout_msec;   /* for the ISLE_TIMER_TIME_OUT message */
  IsleTimerQueue *queue;          /* (unowned) (nullable) NULL once the island is gone */
  IsleRemote     *remote;         /* (owned) immutable: other threads read it */
};

struct _IsleTimerQueue
{
  GSource        source;
  HeapEntry     *heap_alloc;      /* (owned) aligned; heap is heap_alloc + HEAP_PAD */
  HeapEntry     *heap;
  guint          n_heap;
  guint          heap_size;
  guint32        next_seq;
  /* By slot: where each queued timer's entry is, and the timer. A free
   * slot's position is the next free slot (a stack, most recent first). */
  guint32       *positions;       /* (owned) */
  IsleTimer    **timers;          /* (owned) */
  guint32        free_slot;       /* NO_SLOT when none is free */
  guint          n_free_slots;
  guint          n_slots;         /* slots handed out at least once */
  guint          slots_size;
  IsleRemote    *remote;          /* (owned) */
  IsleLocalSet  *island;          /* (unowned) the island owns its queue */
  IsleTaskArena *arena;           /* (owned) closed, not freed, with the queue */
  gboolean       closed;
  gboolean       skip;            /* the island sits out this iteration */
};

static int n_alive;   /* (atomic) */

static inline gboolean
entry_before (const HeapEntry *a,
              const HeapEntry *b)
{
  return a->deadline < b->deadline ||
         (a->deadline == b->deadline && (gint32) (a->seq - b->seq) < 0);
}

static inline void
heap_set (IsleTimerQueue  *self,
          guint            index,
          const HeapEntry *entry)
{
  self->heap[index] = *entry;
  self->positions[entry->slot] = index;
}

static void
heap_sift_up (IsleTimerQueue *self,
              guint           index,
              HeapEntry       entry)
{
  while (index > 0)
    {
      guint parent = (index - 1) / HEAP_ARITY;

      if (!entry_before (&entry, &self->heap[parent]))
        break;
      heap_set (self, index, &self->heap[parent]);
      index = parent;
    }
  heap_set (self, index, &entry);
}

static void
heap_sift_down (IsleTimerQueue *self,
                guint           index,
                HeapEntry       entry)
{
  for (;;)
    {
      guint first = index * HEAP_ARITY + 1;
      guint last = MIN (first + HEAP_ARITY, self->n_heap);
      guint best = index;
      const HeapEntry *best_entry = &entry;
      guint child;

      for (child = first; child < last; child++)
        if (entry_before (&self->heap[child], best_entry))
          {
            best = child;
            best_entry = &self->heap[child];
          }
      if (best == index)
        break;
      heap_set (self, index, best_entry);
      index = best;
    }
  heap_set (self, index, &entry);
}

/* The queue's arrays, aligned to a cache line. A queue of 100,000 timers
 * has a heap of 1.6 MiB and slot arrays of 1.2 MiB: from malloc() they
 * were ordinary pages, faulted in one by one as the queue grew (3 to
 * 15 µs each on the virtual machines Isle is measured on, 700 of them);
 * from ARRAY_HUGE_MIN on, an array is mapped on its own, in huge pages,
 * which the kernel faults in 2 MiB at a time. */
#define ARRAY_HUGE_MIN ((gsize) 512 * 1024)
#define HUGE_PAGE_SIZE ((gsize) 2 * 1024 * 1024)

static inline gsize
array_mapped_size (gsize bytes)
{
  return (bytes + HUGE_PAGE_SIZE - 1) & ~(HUGE_PAGE_SIZE - 1);
}

static gpointer
array_alloc (gsize bytes)
{
  guint8 *map;
  guint8 *aligned;
  gsize size;
  gsize head;

  if (bytes < ARRAY_HUGE_MIN)
    return g_aligned_alloc (1, bytes, CACHE_LINE);

  /* Map a huge page more than needed and trim, to align. */
  size = array_mapped_size (bytes);
  map = mmap (NULL, size + HUGE_PAGE_SIZE, PROT_READ | PROT_WRITE,
              MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (map == MAP_FAILED)
    g_error ("Could not map memory for an island's timers: %s", g_strerror (errno));
  aligned = (guint8 *) (((guintptr) map + HUGE_PAGE_SIZE - 1) & ~(guintptr) (HUGE_PAGE_SIZE - 1));
  head = (gsize) (aligned - map);
  if (head > 0)
    munmap (map, head);
  munmap (aligned + size, HUGE_PAGE_SIZE - head);
#ifdef MADV_HUGEPAGE
  madvise (aligned, size, MADV_HUGEPAGE);
#endif
  return aligned;
}

static void
array_free (gpointer array,
            gsize    bytes)
{
  if (array == NULL)
    return;
  if (bytes < ARRAY_HUGE_MIN)
    g_aligned_free (array);
  else
    munmap (array, array_mapped_size (bytes));
}

/* Keeps the first @keep bytes. */
static gpointer
array_resize (gpointer array,
              gsize    old_bytes,
              gsize    new_bytes,
              gsize    keep)
{
  gpointer resized = array_alloc (new_bytes);

  if (keep > 0)
    memcpy (resized, array, keep);
  array_free (array, old_bytes);
  return resized;
}

static void
heap_resize (IsleTimerQueue *self,
             guint           size)
{
  gsize old_bytes = self->heap_alloc != NULL ? (self->heap_size + HEAP_PAD) * sizeof (HeapEntry) : 0;
  HeapEntry *alloc = array_alloc ((size + HEAP_PAD) * sizeof (HeapEntry));

  if (self->n_heap > 0)
    memcpy (alloc + HEAP_PAD, self->heap, self->n_heap * sizeof (HeapEntry));
  array_free (self->heap_alloc, old_bytes);
  self->heap_alloc = alloc;
  self->heap = alloc + HEAP_PAD;
  self->heap_size = size;
}

static void
heap_clear (IsleTimerQueue *self)
{
  array_free (self->heap_alloc, (self->heap_size + HEAP_PAD) * sizeof (HeapEntry));
  self->heap_alloc = NULL;
  self->heap = NULL;
  self->n_heap = 0;
  self->heap_size = 0;
}

static void
slots_clear (IsleTimerQueue *self)
{
  array_free (self->positions, self->slots_size * sizeof (guint32));
  array_free (self->timers, self->slots_size * sizeof (IsleTimer *));
  self->positions = NULL;
  self->timers = NULL;
  self->free_slot = NO_SLOT;
  self->n_free_slots = self->n_slots = self->slots_size = 0;
}

static guint32
slot_take (IsleTimerQueue *self,
           IsleTimer      *timer)
{
  guint32 slot;

  if (self->n_free_slots > 0)
    {
      slot = self->free_slot;
      self->free_slot = self->positions[slot];
      self->n_free_slots--;
    }
  else
    {
      if (self->n_slots == self->slots_size)
        {
          guint size = MAX (64, self->slots_size * 2);

          self->positions = array_resize (self->positions,
                                          self->slots_size * sizeof (guint32),
                                          size * sizeof (guint32),
                                          self->n_slots * sizeof (guint32));
          self->timers = array_resize (self->timers,
                                       self->slots_size * sizeof (IsleTimer *),
                                       size * sizeof (IsleTimer *),
                                       self->n_slots * sizeof (IsleTimer *));
          self->slots_size = size;
        }
      slot = self->n_slots++;
    }
  self->timers[slot] = timer;
  timer->slot = slot;
  return slot;
}

static void
slot_give_back (IsleTimerQueue *self,
                IsleTimer      *timer)
{
  self->positions[timer->slot] = self->free_slot;
  self->free_slot = timer->slot;
  self->n_free_slots++;
  timer->slot = NO_SLOT;

  /* A queue that emptied after a burst gives its memory back. */
  if (self->n_free_slots == self->n_slots && self->slots_size > 1024)
    slots_clear (self);
}

static void
heap_push (IsleTimerQueue *self,
           IsleTimer      *timer)
{
  HeapEntry entry = { timer->deadline, slot_take (self, timer), self->next_seq++ };

  if (self->n_heap == self->heap_size)
    heap_resize (self, MAX (64, self->heap_size * 2));
  heap_sift_up (self, self->n_heap++, entry);
}

static void
heap_remove (IsleTimerQueue *self,
             IsleTimer      *timer)
{
  guint index = self->positions[timer->slot];
  HeapEntry moved;

  g_assert (index < self->n_heap && self->heap[index].slot == timer->slot);

  moved = self->heap[--self->n_heap];
  if (moved.slot != timer->slot)
    {
      /* The last timer fills the hole, then finds its place either way. */
      if (index > 0 && entry_before (&moved, &self->heap[(index - 1) / HEAP_ARITY]))
        heap_sift_up (self, index, moved);
      else
        heap_sift_down (self, index, moved);
    }
  slot_give_back (self, timer);

  /* A queue that emptied after a burst gives its memory back. */
  if (self->heap_size > 1024 && self->n_heap < self->heap_size / 8)
    heap_resize (self, self->heap_size / 2);
}

/* The earliest timer. The queue must not be empty. */
static inline IsleTimer *
heap_peek (IsleTimerQueue *self)
{
  return self->timers[self->heap[0].slot];
}

static inline gboolean
is_owner_thread (IsleRemote *remote)
{
  return remote->owner == _isle_thread_peek_serial ();
}

static inline void
timer_unqueue (IsleTimer *timer)
{
  if (timer->slot != NO_SLOT)
    heap_remove (timer->queue, timer);
}

/* The future's last reference is gone: owner thread, or no island left. */
static void
timer_destroy (gpointer data)
{
  IsleTimer *timer = data;

#ifndef G_DISABLE_ASSERT
  /* While the island lives, its timers are freed on its thread only. */
  if (!is_owner_thread (timer->remote))
    {
      g_mutex_lock (&timer->remote->lock);
      g_assert (timer->remote->closed);
      g_mutex_unlock (&timer->remote->lock);
    }
#endif

  timer_unqueue (timer);
  _isle_future_clear (&timer->future);
  _isle_remote_unref (timer->remote);
  _isle_task_arena_free (timer);
  g_atomic_int_add (&n_alive, -1);
}

/* Runs @func (@timer) on the island's thread; FALSE once the island is
 * gone, and then @timer is no longer queued anywhere. The temporary
 * reference keeps the remote alive until the call has returned, since
 * the island's thread may free the timer (and its reference) at once. */
static gboolean
timer_call_on_owner (IsleTimer      *timer,
                     IsleRemoteFunc  func)
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
  isle_future_unref (&timer->future);
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
  IsleFuture *future = &timer->future;

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

/* Fires every timer whose deadline @now has passed, earliest first; one
 * added meanwhile that is due already fires too. Passed, not reached: the
 * clock counts whole microseconds, and a timer made d after a reading of
 * it must not fire sooner than d after it was made. The tasks they wake go to the due lane of
 * their run queue (isle-local-set-private.h), so that a wake-up does not
 * wait behind every task made ready before it. */
void
_isle_timer_queue_fire_due (IsleTimerQueue *self,
                            gint64          now)
{
  IsleLocalSet *island = self->island;
  gboolean outer = island->timer_wakes;

  if (self->n_heap == 0 || self->heap[0].deadline >= now)
    return;

  island->timer_wakes = TRUE;
  while (self->n_heap > 0 && self->heap[0].deadline < now)
    {
      IsleTimer *timer = heap_peek (self);

      heap_remove (self, timer);
      /* The next one is most likely out of the cache: start loading it
       * while this one wakes its task. */
      if (self->n_heap > 0 && self->heap[0].deadline < now)
        __builtin_prefetch (heap_peek (self));
      timer_fire (timer);
    }
  island->timer_wakes = outer;
}

gint64
_isle_timer_queue_get_next_deadline (IsleTimerQueue *self)
{
  return self != NULL && self->n_heap > 0 ? self->heap[0].deadline : G_MAXINT64;
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
  wait = self->heap[0].deadline - now;
  if (wait < 0)
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
         self->heap[0].deadline < g_source_get_time (source);
}

static gboolean
timer_queue_dispatch (GSource     *source,
                      GSourceFunc  callback,
                      gpointer     user_data)
{
  IsleTimerQueue *self = (IsleTimerQueue *) source;
  IsleLocalSet *island = self->island;

  if (island != NULL)
    _isle_local_set_begin_dispatch (island);
  _isle_timer_queue_fire_due (self, g_get_monotonic_time ());
  if (island != NULL)
    _isle_local_set_end_dispatch (island);
  return G_SOURCE_CONTINUE;
}

static void
timer_queue_finalize (GSource *source)
{
  IsleTimerQueue *self = (IsleTimerQueue *) source;

  g_assert (self->n_heap == 0);
  heap_clear (self);
  slots_clear (self);
  _isle_task_arena_close (self->arena);
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
  self->free_slot = NO_SLOT;
  self->remote = _isle_remote_ref (island->remote);
  self->island = island;
  self->arena = _isle_task_arena_new (sizeof (IsleTimer),
                                      _isle_remote_ref (island->remote),
                                      (GDestroyNotify) _isle_remote_unref);
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
  IsleTimer *timer;

  g_assert (is_owner_thread (self->remote));

  /* A timer made while the island is freed (a destroy notify) has nobody
   * left to fire it. */
  if (G_UNLIKELY (self->closed))
    {
      IsleFuture *future = _isle_future_new ();

      _isle_future_settle (future, NULL, NULL,
                           g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                                "The future was cancelled"));
      return future;
    }

  timer = _isle_task_arena_alloc (self->arena);
  _isle_future_init (&timer->future);
  timer->deadline = deadline;
  timer->kind = kind;
  timer->timeout_msec = timeout_msec;
  timer->queue = self;
  timer->remote = _isle_remote_ref (self->remote);
  _isle_future_set_hooks (&timer->future, &timer_hooks, timer);
  g_atomic_int_inc (&n_alive);

  heap_push (self, timer);
  return &timer->future;
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
  n_pending = self->n_heap;
  pending = g_new (IsleTimer *, n_pending);
  for (i = 0; i < n_pending; i++)
    pending[i] = self->timers[self->heap[i].slot];
  heap_clear (self);
  slots_clear (self);

  for (i = 0; i < n_pending; i++)
    {
      IsleTimer *timer = pending[i];

      timer->slot = NO_SLOT;
      timer->queue = NULL;
      if (!_isle_future_try_ref (&timer->future))
        pending[i] = NULL;
    }

  for (i = 0; i < n_pending; i++)
    if (pending[i] != NULL)
      {
        IsleFuture *future = &pending[i]->future;

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
