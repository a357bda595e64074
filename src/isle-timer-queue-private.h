/* isle-timer-queue-private.h: an island's timers, one GSource for all
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "isle-future.h"
#include "isle-types.h"

G_BEGIN_DECLS

typedef struct _IsleTimerQueue IsleTimerQueue;

/* What a timer's future becomes at its deadline. */
typedef enum
{
  ISLE_TIMER_RESOLVE,     /* ready with no value (sleeps, ticks) */
  ISLE_TIMER_TIME_OUT,    /* G_IO_ERROR_TIMED_OUT (isle_future_new_timeout_msec()) */
} IsleTimerKind;

/* The island's queue, made with its first timer; NULL outside an island. */
IsleTimerQueue *_isle_timer_queue_get          (IsleLocalSet   *island);

/* A future settled at @deadline (monotonic µs). @timeout_msec only words
 * the ISLE_TIMER_TIME_OUT message. Owner thread only. */
IsleFuture     *_isle_timer_queue_add          (IsleTimerQueue *self,
                                                gint64          deadline,
                                                IsleTimerKind   kind,
                                                guint           timeout_msec);

/* Fires every timer due by @now (monotonic µs); the tasks they wake take
 * their run queue's due lane. The queue's source does this at each
 * iteration, and a run queue at the timers' priority or below does it
 * between tasks, so that a long dispatch does not hold timers back. Owner
 * thread only. */
void            _isle_timer_queue_fire_due     (IsleTimerQueue *self,
                                                gint64          now);

/* The earliest deadline queued, or G_MAXINT64 (also for a NULL queue). */
gint64          _isle_timer_queue_get_next_deadline (IsleTimerQueue *self);

/* Island teardown: every timer still pending is cancelled and leaves the
 * queue, and the queue's source is destroyed; timers made later are
 * cancelled at once. _free() releases it, last. Owner thread only. */
void            _isle_timer_queue_close        (IsleTimerQueue *self);
void            _isle_timer_queue_free         (IsleTimerQueue *self);

/* How many timers wait in the queue. Owner thread only. */
guint           _isle_timer_queue_get_n_pending (IsleTimerQueue *self);

/* The deadline (monotonic µs) of a timer future made by a timer queue,
 * or -1 for any other future. Cheap: one comparison and a load. Call it
 * on the island's thread. */
gint64          _isle_timer_future_get_deadline (IsleFuture    *future);

/* Timer futures alive in the process, whether queued or not: for tests
 * that check that memory is given back. */
guint           _isle_timer_get_n_alive        (void);

G_END_DECLS
