/* isle-run-queue-private.h: an island's run queues
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The scheduler proper: the ready tasks of an island at one priority, the
 * GSource that runs them within the island's budget, and the frame's turn
 * (isle-run-queue.c). Parked tasks are in no queue and no source.
 */

#pragma once

#include "isle-local-set-private.h"
#include "isle-task-private.h"

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

gboolean      _isle_local_set_sits_out       (IsleLocalSet   *self,
                                              GSource        *source);
void          _isle_local_set_begin_dispatch (IsleLocalSet   *self);
void          _isle_local_set_end_dispatch   (IsleLocalSet   *self);
IsleRunQueue *_isle_local_set_get_queue      (IsleLocalSet   *self,
                                              int             priority);
void          _isle_run_queue_run_in_context (IsleRunQueue   *queue,
                                              gboolean        with_budget);

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

/* Makes @task ready: it joins the back of its queue. */
static inline void
_isle_task_schedule (IsleTask *task)
{
  task->state = ISLE_TASK_STATE_SCHEDULED;
  _isle_run_queue_push (task->queue, task);
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

G_END_DECLS
