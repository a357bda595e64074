/* isle-local-set-private.h: the island's scheduler
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "isle-local-set.h"
#include "isle-task-private.h"
#include "isle-task-arena-private.h"
#include "isle-owner-private.h"
#include "isle-timer-queue-private.h"

G_BEGIN_DECLS

/* One per island and priority in use: a FIFO of ready tasks drained by a
 * GSource at that priority. Parked tasks are in no source at all, so GLib
 * never scans them (DESIGN.md, decisions 1 and 2). */
struct _IsleRunQueue
{
  GSource       source;
  IsleLocalSet *island;      /* (unowned) the island owns its queues */
  IsleTask     *head;        /* tasks hold no extra reference while queued */
  IsleTask     *tail;
  guint         length;
  int           priority;
  gboolean      spent;       /* the last dispatch used up its budget */
  gboolean      skip;        /* sit out this main-loop iteration */
};

/* The frame's turn (DESIGN.md, decision 4): GLib dispatches only the
 * highest priority that is ready, so an island whose sources are ready in
 * every main-loop iteration (tasks that yield, or timers that are always
 * overdue) would keep GTK's layout and paint, below them, from ever
 * running. The island times its streak of iterations in which one of its
 * sources dispatched; once the streak reaches the budget, every source of
 * the island sits out the next iteration. Owner thread only. */
typedef struct
{
  gint64   iteration_time;  /* g_source_get_time() of the iteration prepared last */
  gint64   busy_since;      /* start of the island's streak, or 0 */
  gboolean dispatched;      /* an island source dispatched in that iteration */
  gboolean sitting_out;     /* the island's sources sit out that iteration */
  gboolean sit_out_next;    /* the streak has spent the budget */
} IsleFrameTurn;

/* The part of an island that other threads reach: wakes from them queue
 * here. It outlives the island for as long as a waker references it. */
typedef struct
{
  GDestroyNotify func;
  gpointer       data;
} IsleRemoteCall;

struct _IsleRemote
{
  gatomicrefcount  ref_count;
  GMutex           lock;
  GPtrArray       *queue;       /* (owned) protected by lock; each entry holds a task reference */
  GArray          *calls;       /* (owned) protected by lock; IsleRemoteCall, run on the island's thread */
  gboolean         closed;      /* protected by lock */
  int              pending;     /* (atomic) queue is not empty */
  GMainContext    *context;     /* (owned) */
  guint64          owner;       /* the island's thread (IsleOwner.thread) */
  IsleLocalSet    *island;      /* (unowned) owner thread only; NULL once the island is gone */
};

struct _IsleLocalSet
{
  int               ref_count;       /* (atomic) any thread; finalized on the owner's */
  IsleOwner         owner;
  GMainContext     *context;         /* (owned) */

  IsleRunQueue    **queues;          /* (owned) sorted by priority, highest first */
  guint             n_queues;
  IsleRunQueue     *default_queue;   /* (unowned) the G_PRIORITY_DEFAULT one */
  int               dispatch_priority; /* of the queue being dispatched, or G_MAXINT */
  IsleRunQueue     *dispatch_queue;  /* (unowned) (nullable) the queue being dispatched */
  int               n_until_check;   /* task turns left before the budget is checked */
  gboolean          preempt;         /* a higher priority became ready meanwhile */
  IsleFrameTurn     frame_turn;

  GSource          *remote_source;   /* (owned) */
  IsleRemote       *remote;          /* (owned) */
  GPtrArray        *draining;        /* (owned) scratch for the remote queue */
  GArray           *draining_calls;  /* (owned) scratch for the remote calls */

  IsleTask         *live_head;       /* each live task holds a reference here */
  IsleTask         *live_tail;
  guint             n_live;

  IsleTaskArena    *task_arena;      /* (owned) closed, not freed, with the island */
  IsleTimerQueue   *timers;          /* (owned) (nullable) made with the first timer */
  IsleUnhandledFailure unhandled_failure;
  GError           *shutdown_error;  /* (owned) (nullable) why the island stopped */
  IsleLocalSetCounters counters;     /* tasks_live is n_live, filled in on demand */

  IsleDebugFlags    debug_flags;
  gboolean          timing;          /* turns are timed: some debug flag is on */
  gint64            slow_poll_threshold; /* µs */
  gint64            turn_started;    /* when the running turn began, if timing */
  GSource          *dump_source;     /* (owned) (nullable) SIGUSR1, with ISLE_DEBUG_TASKS */
  IsleFiberPool     fiber_pool;
  gsize             default_stack_size;
  gboolean          closing;
  gboolean          finalizing;      /* isle_local_set_finalize() is on the stack */
};

/* How long freeing an island waits for its aborted tasks to return before
 * it names, with a critical warning, those that ignore the cancellation.
 * It keeps waiting afterwards, and names them again each time the wait
 * doubles (docs/islands.md, "Teardown"). */
#define ISLE_TEARDOWN_REPORT_AFTER (2 * G_TIME_SPAN_SECOND)

/* Test hook: shortens that wait (0 restores it). */
void          _isle_local_set_set_teardown_report_after (gint64 usec);

gboolean      _isle_local_set_sits_out       (IsleLocalSet   *self,
                                              GSource        *source);
void          _isle_local_set_begin_dispatch (IsleLocalSet   *self);
void          _isle_local_set_end_dispatch   (IsleLocalSet   *self);
IsleRunQueue *_isle_local_set_get_queue      (IsleLocalSet   *self,
                                              int             priority);
void          _isle_local_set_check_thread   (IsleLocalSet   *self,
                                              const char     *function);
void          _isle_local_set_report_unobserved (IsleLocalSet *self,
                                                 IsleTask     *task,
                                                 const GError *error);
GSource      *_isle_ready_time_source_new    (gint64          ready_time);
void          _isle_local_set_drive_root     (IsleLocalSet   *self,
                                              IsleTask       *root,
                                              gint64          deadline);
void          _isle_local_set_turn_end       (IsleLocalSet   *self,
                                              IsleTask       *task);
IsleRemote   *_isle_remote_ref               (IsleRemote     *remote);
void          _isle_remote_unref             (IsleRemote     *remote);
void          _isle_remote_wake              (IsleRemote     *remote,
                                              IsleTask       *task);
gboolean      _isle_remote_call              (IsleRemote     *remote,
                                              GDestroyNotify  func,
                                              gpointer        data);

static inline void
_isle_run_queue_push (IsleRunQueue *queue,
                      IsleTask     *task)
{
  IsleLocalSet *island = queue->island;

  task->run_next = NULL;
  if (queue->tail != NULL)
    queue->tail->run_next = task;
  else
    queue->head = task;
  queue->tail = task;

  if (G_UNLIKELY (++queue->length > island->counters.run_queue_high_water))
    island->counters.run_queue_high_water = queue->length;

  if (queue->priority < island->dispatch_priority)
    island->preempt = TRUE;
}

static inline IsleTask *
_isle_run_queue_pop (IsleRunQueue *queue)
{
  IsleTask *task = queue->head;

  if (task != NULL)
    {
      queue->head = task->run_next;
      if (queue->head == NULL)
        queue->tail = NULL;
      task->run_next = NULL;
      queue->length--;
    }

  return task;
}

/* Turns are timed only with a debug flag on: a clock read costs about
 * 30 ns on the virtual machines Isle is measured on, as much as a yield. */
static inline void
_isle_local_set_turn_begin (IsleLocalSet *self)
{
  if (G_UNLIKELY (self->timing))
    self->turn_started = g_get_monotonic_time ();
}

static inline void
_isle_local_set_turn_done (IsleLocalSet *self,
                           IsleTask     *task)
{
  if (G_UNLIKELY (self->timing))
    _isle_local_set_turn_end (self, task);
}

static inline gboolean
_isle_local_set_is_owner_thread (IsleLocalSet *self)
{
  return _isle_owner_is_current (&self->owner);
}

G_END_DECLS
