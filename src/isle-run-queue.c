/* isle-run-queue.c: an island's run queues, the scheduler proper
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * One GSource per island and priority in use runs the ready tasks of that
 * priority in order, within a budget, then lets the main loop's lower
 * priorities (GTK's layout and paint) have their turn; parked tasks are in
 * no queue and no source (design decisions 1, 2 and 4).
 */

#include "config.h"

#include <string.h>

#include "isle-nested-private.h"
#include "isle-run-queue-private.h"
#include "isle-task-private.h"

/* How long one dispatch may run tasks before the main loop gets a turn:
 * well under a frame at 60 Hz or 120 Hz, so layout and paint keep their
 * pace while tasks yield in a loop, and input waits at most this long. */
#define ISLE_BUDGET_USEC 1000

/* Reading the clock costs about 20 ns; reading it every few polls keeps
 * that out of a 30 ns yield while overrunning the budget by little. */
#define ISLE_BUDGET_CHECK_INTERVAL 32

static void run_queue_run (IsleRunQueue *queue,
                           gboolean      with_budget);

void
_isle_local_set_check_dispatch_thread (IsleLocalSet *self)
{
  if (G_LIKELY (_isle_local_set_is_owner_thread (self)))
    return;

  g_error ("The GMainContext %p of island %p is being iterated on thread %s, "
           "but the island belongs to thread %s: its tasks would run on the "
           "wrong thread. Iterate an island's context only on the thread "
           "that created the island",
           (gpointer) self->context, (gpointer) self,
           _isle_thread_describe_self (), self->owner.description);
}

/* Called by the prepare of every source of the island, once per source
 * and iteration: whether the source sits out this iteration. The first
 * call of an iteration (a new g_source_get_time(), which GLib reads once
 * for all the prepares of an iteration) closes the last one: a streak
 * ends with an iteration in which no source of the island dispatched. */
gboolean
_isle_local_set_sits_out (IsleLocalSet *self,
                          GSource      *source)
{
  IsleFrameTurn *turn = &self->frame_turn;
  gint64 now = g_source_get_time (source);

  if (now != turn->iteration_time)
    {
      turn->iteration_time = now;
      if (!turn->dispatched)
        turn->busy_since = 0;
      turn->dispatched = FALSE;
      turn->sitting_out = turn->sit_out_next;
      turn->sit_out_next = FALSE;
      if (turn->sitting_out)
        turn->busy_since = 0;
    }

  return turn->sitting_out;
}

void
_isle_local_set_begin_dispatch (IsleLocalSet *self)
{
  IsleFrameTurn *turn = &self->frame_turn;

  turn->dispatched = TRUE;
  if (turn->busy_since == 0)
    turn->busy_since = g_get_monotonic_time ();
}

void
_isle_local_set_end_dispatch (IsleLocalSet *self)
{
  IsleFrameTurn *turn = &self->frame_turn;

  if (turn->busy_since != 0 &&
      g_get_monotonic_time () - turn->busy_since >= ISLE_BUDGET_USEC)
    turn->sit_out_next = TRUE;
}

static gboolean
run_queue_prepare (GSource *source,
                   int     *timeout)
{
  IsleRunQueue *queue = (IsleRunQueue *) source;

  /* When the island has spent its budget (this queue in one dispatch, or
   * all its sources over a streak of iterations), it sits out one
   * iteration so the lower priorities (GTK's layout and paint) get
   * dispatched. */
  queue->skip = _isle_local_set_sits_out (queue->island, source);
  queue->spent = FALSE;

  if (_isle_run_queue_is_empty (queue))
    {
      *timeout = -1;
      return FALSE;
    }

  *timeout = 0;
  return !queue->skip;
}

static gboolean
run_queue_check (GSource *source)
{
  IsleRunQueue *queue = (IsleRunQueue *) source;

  return !_isle_run_queue_is_empty (queue) && !queue->skip;
}

static gboolean
run_queue_dispatch (GSource     *source,
                    GSourceFunc  callback,
                    gpointer     user_data)
{
  IsleRunQueue *queue = (IsleRunQueue *) source;
  IsleLocalSet *island = queue->island;

  _isle_local_set_check_dispatch_thread (island);

  /* A task may drop the last reference to its own island; the teardown
   * then waits until this dispatch is over. */
  isle_local_set_ref (island);
  _isle_local_set_begin_dispatch (island);
  _isle_run_queue_run_in_context (queue, TRUE);
  _isle_local_set_end_dispatch (island);
  isle_local_set_unref (island);

  return G_SOURCE_CONTINUE;
}

static GSourceFuncs run_queue_funcs = {
  .prepare = run_queue_prepare,
  .check = run_queue_check,
  .dispatch = run_queue_dispatch,
};

/* Runs the queue's tasks in order; with a budget, until it is spent. A
 * task that becomes ready at a higher priority ends the round so that GLib
 * can dispatch it first.
 *
 * Timers that come due meanwhile fire here, at each look at the clock,
 * when this queue's priority is not above the timers' own: GLib would
 * dispatch the timer source first if it could, and a dispatch of many
 * tasks must not make every deadline within it late by its length. */
static void
run_queue_run (IsleRunQueue *queue,
               gboolean      with_budget)
{
  IsleLocalSet *island = queue->island;
  int outer_priority = island->dispatch_priority;
  IsleRunQueue *outer_queue = island->dispatch_queue;
  int outer_until_check = island->n_until_check;
  gboolean fire_timers = queue->priority >= G_PRIORITY_DEFAULT;
  gint64 deadline = with_budget ? g_get_monotonic_time () + ISLE_BUDGET_USEC : G_MAXINT64;
  IsleTask *task;

  island->dispatch_priority = queue->priority;
  island->dispatch_queue = queue;
  island->n_until_check = ISLE_BUDGET_CHECK_INTERVAL;
  island->preempt = FALSE;

  while ((task = _isle_run_queue_pop (queue)) != NULL)
    {
      IsleTask *next = _isle_run_queue_peek (queue);

      /* The next task's record and stack are most likely out of the L1
       * cache by the time its turn comes; start loading them now. */
      if (next != NULL)
        {
          __builtin_prefetch (next->run_next);
          if (next->fiber != NULL)
            __builtin_prefetch (_isle_fiber_get_saved_sp (next->fiber));
        }

      /* Fibers may hand the thread to each other directly (see suspend()
       * in isle-task.c); each such turn counts down n_until_check too. */
      _isle_task_run (task);
      island->counters.polls++;

      if (G_UNLIKELY (island->preempt))
        break;

      if (--island->n_until_check <= 0)
        {
          gint64 now;

          island->n_until_check = ISLE_BUDGET_CHECK_INTERVAL;
          if (!with_budget)
            continue;
          now = g_get_monotonic_time ();
          if (fire_timers && island->timers != NULL)
            {
              _isle_timer_queue_fire_due (island->timers, now);
              if (G_UNLIKELY (island->preempt))
                break;
            }
          if (now >= deadline)
            {
              queue->spent = !_isle_run_queue_is_empty (queue);
              if (queue->spent)
                island->frame_turn.sit_out_next = TRUE;
              break;
            }
        }
    }

  island->preempt = FALSE;
  island->dispatch_priority = outer_priority;
  island->dispatch_queue = outer_queue;
  island->n_until_check = outer_until_check;
}

/* Tasks run with the island's context as the thread-default one, as GLib
 * code expects of a callback dispatched there: GIO calls made by a task
 * deliver their callbacks to the context that drives the island, even when
 * that is not the thread's default. */
void
_isle_run_queue_run_in_context (IsleRunQueue *queue,
                                gboolean      with_budget)
{
  GMainContext *context = queue->island->context;
  GMainContext *thread_default = g_main_context_get_thread_default ();
  gboolean push;

  if (thread_default == NULL)
    thread_default = g_main_context_default ();
  push = thread_default != context;

  if (push)
    g_main_context_push_thread_default (context);
  run_queue_run (queue, with_budget);
  if (push)
    g_main_context_pop_thread_default (context);
}

IsleRunQueue *
_isle_local_set_get_queue (IsleLocalSet *self,
                           int           priority)
{
  IsleRunQueue *queue;
  g_autofree char *name = NULL;
  guint i;

  if (G_LIKELY (priority == G_PRIORITY_DEFAULT && self->default_queue != NULL))
    return self->default_queue;

  for (i = 0; i < self->n_queues && self->queues[i]->priority <= priority; i++)
    if (self->queues[i]->priority == priority)
      return self->queues[i];

  queue = (IsleRunQueue *) g_source_new (&run_queue_funcs, sizeof (IsleRunQueue));
  queue->island = self;
  queue->priority = priority;
  name = g_strdup_printf ("[isle-run-queue %p priority %d]", (gpointer) self, priority);
  g_source_set_name ((GSource *) queue, name);
  g_source_set_priority ((GSource *) queue, priority);
  /* A task may run a nested main loop (isle-nested.c): the island's
   * other tasks run in it too. */
  g_source_set_can_recurse ((GSource *) queue, TRUE);
  g_source_attach ((GSource *) queue, self->context);

  self->queues = g_renew (IsleRunQueue *, self->queues, self->n_queues + 1);
  memmove (&self->queues[i + 1], &self->queues[i],
           (self->n_queues - i) * sizeof (IsleRunQueue *));
  self->queues[i] = queue;
  self->n_queues++;

  if (priority == G_PRIORITY_DEFAULT)
    self->default_queue = queue;

  return queue;
}
