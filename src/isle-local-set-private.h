/* isle-local-set-private.h: the island, as the rest of Isle sees it
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "isle-local-set.h"
#include "isle-task-private.h"
#include "isle-task-arena-private.h"
#include "isle-owner-private.h"
#include "isle-timer-queue-private.h"
#include "isle-remote-private.h"
#include "isle-stack-private.h"

G_BEGIN_DECLS

/* The frame's turn (design decision 4): GLib dispatches only the
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

/* An island. Every field belongs to the island's thread, except
 * ref_count (atomic: references are taken and dropped on any thread; the
 * last is handed back to the island's thread), and owner, context and
 * remote, which are set at creation and read-only after, so other threads
 * that hold a reference may read them. */
struct _IsleLocalSet
{
  gatomicrefcount   ref_count;       /* (atomic) any thread; reaches zero only on the owner's */
  IsleOwner         owner;           /* read-only after creation */
  GMainContext     *context;         /* (owned) read-only after creation */

  /* The scheduler (isle-run-queue.c). */
  IsleRunQueue    **queues;          /* (owned) sorted by priority, highest first */
  guint             n_queues;
  IsleRunQueue     *default_queue;   /* (unowned) the G_PRIORITY_DEFAULT one */
  int               dispatch_priority; /* of the queue being dispatched, or G_MAXINT */
  IsleRunQueue     *dispatch_queue;  /* (unowned) (nullable) the queue being dispatched */
  int               n_until_check;   /* task turns left before the budget is checked */
  gboolean          preempt;         /* a higher priority became ready meanwhile */
  gboolean          timer_wakes;     /* timers are firing: their wakes take the due lane */
  IsleFrameTurn     frame_turn;

  /* What other threads send (isle-remote.c). */
  GSource          *remote_source;   /* (owned) */
  IsleRemote       *remote;          /* (owned) read-only after creation; other threads
                                      * reach the island through it */
  GPtrArray        *draining;        /* (owned) scratch for the remote queue */
  GArray           *draining_calls;  /* (owned) scratch for the remote calls */

  /* The tasks. */
  IsleTask         *live_head;       /* each live task holds a reference here */
  IsleTask         *live_tail;
  guint             n_live;
  IsleTaskArena    *task_arena;      /* (owned) closed, not freed, with the island */
  IsleTaskArena    *spawn_arena;     /* (owned) shared: remote spawns, made on any thread;
                                      * closed, not freed, with the island */
  IsleTimerQueue   *timers;          /* (owned) (nullable) made with the first timer */
  IsleStackPool     stack_pool;
  gsize             default_stack_size;

  /* Failures and diagnostics (isle-diagnostics.c). */
  IsleUnhandledFailure unhandled_failure;
  GError           *shutdown_error;  /* (owned) (nullable) why the island stopped */
  IsleLocalSetCounters counters;     /* tasks_live is n_live, filled in on demand */
  IsleDebugFlags    debug_flags;
  gboolean          timing;          /* turns are timed: some debug flag is on */
  gint64            slow_poll_threshold; /* µs */
  gint64            turn_started;    /* when the running turn began, if timing */
  GSource          *dump_source;     /* (owned) (nullable) SIGUSR1, with ISLE_DEBUG_TASKS */

  /* Teardown. */
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

void          _isle_local_set_check_dispatch_thread (IsleLocalSet *self);
void          _isle_local_set_drain_remote   (IsleLocalSet   *self,
                                              gboolean        stay_awake);
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
