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

/* One per island and priority in use: ready tasks drained by a GSource at
 * that priority. Parked tasks are in no source at all, so GLib never
 * scans them (design decisions 1 and 2).
 *
 * Ready tasks wait in two FIFO lanes: the due lane holds tasks woken by a
 * timer that came due, the other every task made ready otherwise (spawns,
 * wakes, yields). The due lane goes first, but after ISLE_DUE_LANE_BURST
 * turns in a row it lets one task of the other lane run. A wake-up at a
 * deadline thus waits behind the other due wake-ups and a fifth as many
 * other tasks, not behind everything made ready before it (a burst of
 * 100,000 spawns used to make every timer among them late by the time it
 * took to poll them all, 0.3 s), and a storm of timers still leaves the
 * other tasks a fifth of the turns. */
#define ISLE_DUE_LANE_BURST 4

struct _IsleRunQueue
{
  GSource       source;
  IsleLocalSet *island;      /* (unowned) the island owns its queues */
  IsleTask     *head;        /* tasks hold no extra reference while queued */
  IsleTask     *tail;
  IsleTask     *due_head;    /* woken by timers */
  IsleTask     *due_tail;
  guint         length;      /* in both lanes */
  int           priority;
  guint         due_streak;  /* due-lane turns since the other lane's last */
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
  int              pending;     /* (atomic) set: senders need not wake the context,
                                 * for a wake-up is on its way or the island
                                 * drains again before it can block */
  GMainContext    *context;     /* (owned) */
  guint64          owner;       /* the island's thread (IsleOwner.thread) */
  IsleLocalSet    *island;      /* (unowned) owner thread only; NULL once the island is gone */
};

struct _IsleLocalSet
{
  gatomicrefcount   ref_count;       /* any thread; reaches zero only on the owner's */
  IsleOwner         owner;
  GMainContext     *context;         /* (owned) */

  IsleRunQueue    **queues;          /* (owned) sorted by priority, highest first */
  guint             n_queues;
  IsleRunQueue     *default_queue;   /* (unowned) the G_PRIORITY_DEFAULT one */
  int               dispatch_priority; /* of the queue being dispatched, or G_MAXINT */
  IsleRunQueue     *dispatch_queue;  /* (unowned) (nullable) the queue being dispatched */
  int               n_until_check;   /* task turns left before the budget is checked */
  gboolean          preempt;         /* a higher priority became ready meanwhile */
  gboolean          timer_wakes;     /* timers are firing: their wakes take the due lane */
  IsleFrameTurn     frame_turn;

  GSource          *remote_source;   /* (owned) */
  IsleRemote       *remote;          /* (owned) */
  GPtrArray        *draining;        /* (owned) scratch for the remote queue */
  GArray           *draining_calls;  /* (owned) scratch for the remote calls */

  IsleTask         *live_head;       /* each live task holds a reference here */
  IsleTask         *live_tail;
  guint             n_live;

  IsleTaskArena    *task_arena;      /* (owned) closed, not freed, with the island */
  IsleTaskArena    *spawn_arena;     /* (owned) shared: remote spawns, made on any thread;
                                      * closed, not freed, with the island */
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
gboolean      _isle_remote_has_work          (IsleRemote     *remote);
void          _isle_remote_run_at_home       (IsleRemote     *home,
                                              GDestroyNotify  func,
                                              gpointer        data);

static inline void
_isle_run_queue_push (IsleRunQueue *queue,
                      IsleTask     *task)
{
  IsleLocalSet *island = queue->island;

  task->run_next = NULL;
  if (G_UNLIKELY (island->timer_wakes))
    {
      if (queue->due_tail != NULL)
        queue->due_tail->run_next = task;
      else
        queue->due_head = task;
      queue->due_tail = task;
    }
  else
    {
      if (queue->tail != NULL)
        queue->tail->run_next = task;
      else
        queue->head = task;
      queue->tail = task;
    }

  if (G_UNLIKELY (++queue->length > island->counters.run_queue_high_water))
    island->counters.run_queue_high_water = queue->length;

  if (queue->priority < island->dispatch_priority)
    island->preempt = TRUE;
}

static inline gboolean
_isle_run_queue_is_empty (IsleRunQueue *queue)
{
  return queue->head == NULL && queue->due_head == NULL;
}

static inline gboolean
_isle_run_queue_due_next (IsleRunQueue *queue)
{
  return G_UNLIKELY (queue->due_head != NULL) &&
         (queue->head == NULL || queue->due_streak < ISLE_DUE_LANE_BURST);
}

/* The task _isle_run_queue_pop() returns next, left in the queue. */
static inline IsleTask *
_isle_run_queue_peek (IsleRunQueue *queue)
{
  return _isle_run_queue_due_next (queue) ? queue->due_head : queue->head;
}

static inline IsleTask *
_isle_run_queue_pop (IsleRunQueue *queue)
{
  IsleTask *task;

  if (_isle_run_queue_due_next (queue))
    {
      task = queue->due_head;
      queue->due_head = task->run_next;
      if (queue->due_head == NULL)
        queue->due_tail = NULL;
      queue->due_streak++;
    }
  else
    {
      task = queue->head;
      if (task == NULL)
        return NULL;
      queue->head = task->run_next;
      if (queue->head == NULL)
        queue->tail = NULL;
      queue->due_streak = 0;
    }

  task->run_next = NULL;
  queue->length--;
  return task;
}

/* Turns are timed only with a debug flag on: a clock read costs about
 * 20 ns on the virtual machines Isle is measured on, close to a yield. */
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
