/* isle-time.c: sleeps, timeouts and intervals on the island's context
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "isle-time.h"
#include "isle-diagnostics-private.h"
#include "isle-local-set-private.h"
#include "isle-task-private.h"
#include "isle-timer-queue-private.h"

/* Inside an island, every timer is an entry of the island's timer queue
 * (isle-timer-queue.c): one GSource for all of them. Outside one (a sleep
 * future chained with isle_future_then() from plain code) there is no
 * island to keep the queue, and the timer is a source of its own on the
 * thread-default context, as GLib's timeouts are. */

typedef struct
{
  IslePromise   *promise;       /* (owned) */
  IsleTimerKind  kind;
  guint          timeout_msec;
} SourceTimer;

static gboolean
source_timer_fired (gpointer data)
{
  SourceTimer *timer = data;

  /* The future may have been cancelled meanwhile (a timeout whose inner
   * future won); settling it again is then a quiet no-op. */
  if (!isle_future_is_finished (isle_promise_get_future (timer->promise)))
    {
      if (timer->kind == ISLE_TIMER_TIME_OUT)
        isle_promise_reject (timer->promise,
                             g_error_new (G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                                          "Timed out after %u ms",
                                          timer->timeout_msec));
      else
        isle_promise_resolve (timer->promise, NULL, NULL);
    }
  return G_SOURCE_REMOVE;
}

static void
source_timer_free (gpointer data)
{
  SourceTimer *timer = data;

  isle_promise_unref (timer->promise);
  g_free (timer);
}

static IsleFuture *
source_timer_future_new (gint64        deadline,
                         IsleTimerKind kind,
                         guint         timeout_msec)
{
  g_autoptr(GMainContext) context = g_main_context_ref_thread_default ();
  GSource *source = _isle_ready_time_source_new (deadline);
  SourceTimer *timer = g_new0 (SourceTimer, 1);
  IsleFuture *future;

  timer->promise = isle_promise_new ();
  timer->kind = kind;
  timer->timeout_msec = timeout_msec;
  future = isle_future_ref (isle_promise_get_future (timer->promise));

  g_source_set_name (source, "[isle-timer]");
  g_source_set_callback (source, source_timer_fired, timer, source_timer_free);
  g_source_attach (source, context);
  g_source_unref (source);

  return future;
}

/* Every Isle timer is made here: sleeps, sleep futures, timeouts and
 * interval ticks. @deadline is monotonic µs. */
static IsleFuture *
timer_future_new (gint64        deadline,
                  IsleTimerKind kind,
                  guint         timeout_msec)
{
  IsleTimerQueue *queue = _isle_timer_queue_get (isle_local_set_get_current ());
  IsleFuture *future;

  if (queue == NULL)
    future = source_timer_future_new (deadline, kind, timeout_msec);
  else
    future = _isle_timer_queue_add (queue, deadline, kind, timeout_msec);

  _isle_future_set_origin (future,
                           kind == ISLE_TIMER_TIME_OUT ? &_isle_origin_timer : &_isle_origin_sleep,
                           NULL, deadline);
  return future;
}

static gint64
deadline_after_msec (guint msec)
{
  return g_get_monotonic_time () + (gint64) msec * 1000;
}

/* Where in each second this process's whole-second timers fire, in µs.
 * It is GLib's rule for g_timeout_add_seconds() (gmain.c, 2.74), so that
 * Isle's and GLib's whole-second timers of a session wake the machine
 * together: a hash of the session bus address, or else of the host name,
 * modulo one second; the same for every process of the session. */
static gint64
whole_second_offset (void)
{
  /* The offset plus one, or 0 before the first call. Threads that race
   * compute the same value, so a plain atomic is enough (and, unlike
   * g_once_init_leave(), which runs inside GLib, ThreadSanitizer sees
   * it). */
  static gsize cached;   /* (atomic) */
  gsize value = (gsize) g_atomic_pointer_get (&cached);

  if (G_UNLIKELY (value == 0))
    {
      const char *seed = g_getenv ("DBUS_SESSION_BUS_ADDRESS");

      if (seed == NULL)
        seed = g_getenv ("HOSTNAME");
      /* GLib takes the absolute value of the hash as a signed int. */
      value = 1 + (gsize) (seed != NULL ? ABS ((gint64) (gint) g_str_hash (seed)) % G_USEC_PER_SEC : 0);
      g_atomic_pointer_set (&cached, value);
    }

  return (gint64) value - 1;
}

/* @seconds from now, moved to this process's mark in the second: back by
 * up to a quarter of a second, or else forward to the next mark, as GLib
 * moves its whole-second timeouts. */
static gint64
deadline_after_seconds (guint seconds)
{
  gint64 offset = whole_second_offset ();
  gint64 deadline = g_get_monotonic_time () + (gint64) seconds * G_USEC_PER_SEC;
  gint64 past_mark = (deadline - offset) % G_USEC_PER_SEC;

  deadline -= past_mark;
  if (past_mark >= G_USEC_PER_SEC / 4)
    deadline += G_USEC_PER_SEC;
  return deadline;
}

/**
 * isle_future_new_sleep_msec:
 * @msec: how long
 *
 * Creates a future that becomes ready, with no value, after
 * @msec. Inside an island it is an entry of the island's timer
 * queue, which costs the main loop nothing while it waits, and it leaves
 * the queue as soon as it is cancelled or its last reference is dropped.
 * Outside an island it is a timeout source on the thread-default context.
 *
 * Call it on the thread that iterates that context.
 *
 * Returns: (transfer full): the future
 *
 * Since: 0.2
 */
IsleFuture *
isle_future_new_sleep_msec (guint msec)
{
  return timer_future_new (deadline_after_msec (msec), ISLE_TIMER_RESOLVE, 0);
}

/**
 * isle_future_new_sleep_seconds:
 * @seconds: how long
 *
 * Like [ctor@Isle.Future.new_sleep_msec], with a timer of whole seconds that
 * fires together with the process's other such timers, to save wake-ups
 * where the exact moment does not matter: like
 * g_timeout_source_new_seconds(), it fires at the same mark within a
 * second as GLib's whole-second timers of the session, up to a quarter of
 * a second early or three quarters late.
 *
 * Call it on the thread that iterates that context, as for
 * [ctor@Isle.Future.new_sleep_msec].
 *
 * Returns: (transfer full): the future
 *
 * Since: 0.2
 */
IsleFuture *
isle_future_new_sleep_seconds (guint seconds)
{
  return timer_future_new (deadline_after_seconds (seconds), ISLE_TIMER_RESOLVE, 0);
}

static gboolean
await_timer (IsleFuture  *future,
             GError     **error)
{
  GError *local_error = NULL;
  gboolean ok;

  isle_await (future, &local_error);
  ok = local_error == NULL;
  if (!ok)
    g_propagate_error (error, local_error);
  isle_future_unref (future);
  return ok;
}

/**
 * isle_sleep_msec:
 * @msec: how long
 * @error: return location for a #GError
 *
 * Suspends the running fiber task for @msec; the island's other
 * tasks and the rest of the main loop run meanwhile.
 *
 * Call it on the island's thread, inside a fiber task.
 *
 * Returns: %TRUE after the time; %FALSE with %G_IO_ERROR_CANCELLED if the
 *   task is aborted first
 *
 * Since: 0.2
 */
gboolean
isle_sleep_msec (guint    msec,
                 GError **error)
{
  if (_isle_task_require_fiber (G_STRFUNC, error) == NULL)
    return FALSE;

  return await_timer (isle_future_new_sleep_msec (msec), error);
}

/**
 * isle_sleep_seconds:
 * @seconds: how long
 * @error: return location for a #GError
 *
 * Like [func@Isle.sleep_msec], with a coalescing timer of whole seconds (see
 * [ctor@Isle.Future.new_sleep_seconds]).
 *
 * Call it on the island's thread, inside a fiber task.
 *
 * Returns: %TRUE after the time; %FALSE with %G_IO_ERROR_CANCELLED if the
 *   task is aborted first
 *
 * Since: 0.1
 */
gboolean
isle_sleep_seconds (guint    seconds,
                    GError **error)
{
  if (_isle_task_require_fiber (G_STRFUNC, error) == NULL)
    return FALSE;

  return await_timer (isle_future_new_sleep_seconds (seconds), error);
}

/**
 * isle_future_new_timeout_msec: (constructor)
 * @future: (transfer none): the future to wait for
 * @msec: how long to wait at most
 *
 * Wraps @future in one that is ready with its outcome if it comes within
 * @msec, or else with %G_IO_ERROR_TIMED_OUT, in which case @future
 * is cancelled (see [method@Isle.Future.cancel]). A @future that is ready
 * already is returned itself, with a new reference, and no timer is armed.
 *
 * Call it on the thread that iterates the current island's context.
 *
 * Returns: (transfer full): the future with a deadline
 *
 * Since: 0.2
 */
IsleFuture *
isle_future_new_timeout_msec (IsleFuture *future,
                              guint       msec)
{
  g_autoptr(IsleFuture) timer = NULL;
  IsleFuture *racers[2];
  IsleFuture *race;

  g_return_val_if_fail (future != NULL, NULL);

  /* Already settled, it cannot time out: no timer to arm (as Tokio's
   * timeout does not arm its timer when the first poll is ready). */
  if (isle_future_is_finished (future))
    return isle_future_ref (future);

  timer = timer_future_new (deadline_after_msec (msec),
                            ISLE_TIMER_TIME_OUT, msec);
  racers[0] = future;
  racers[1] = timer;
  race = isle_future_race (racers, G_N_ELEMENTS (racers));
  _isle_future_set_origin (race, &_isle_origin_timeout, NULL, 0);
  return race;
}

/* Intervals ---------------------------------------------------------------- */

/* Marked (foreign): an interval has one owner and cannot be copied, so it
 * cannot be a boxed type; bindings would need code of their own. */
/**
 * IsleInterval: (foreign)
 *
 * A clock that ticks every period: [method@Isle.Interval.tick] waits for the
 * next tick, [method@Isle.Interval.poll_tick] is its form for poll tasks. A task that falls behind skips the ticks it missed rather than
 * running them in a burst, so a slow iteration does not make the next ones
 * run back to back.
 *
 * Since: 0.1
 */
struct _IsleInterval
{
  gint64        period;      /* µs */
  gint64        next_tick;   /* monotonic µs */
  IsleFuture   *poll_timer;  /* (owned) (nullable) the tick a poll task waits for */
  IslePollWait  poll_wait;   /* in the list of that task, while poll_timer is set */
  IsleTask     *polling;     /* (unowned) (nullable) that task */
};

/**
 * isle_interval_new_msec:
 * @msec: the period, at least 1
 *
 * Creates an interval whose first tick is now, so the first
 * [method@Isle.Interval.tick] returns at once.
 *
 * Safe to call from any thread. An interval has no lock: one task at a time
 * ticks it.
 *
 * Returns: (transfer full): the interval
 *
 * Since: 0.2
 */
IsleInterval *
isle_interval_new_msec (guint msec)
{
  IsleInterval *self;

  g_return_val_if_fail (msec > 0, NULL);

  self = g_new0 (IsleInterval, 1);
  self->period = (gint64) msec * 1000;
  self->next_tick = g_get_monotonic_time ();
  return self;
}

/* The poll task no longer waits for the tick: its waker leaves the timer,
 * and the timer, which nobody else holds, leaves the island's queue. */
static void
interval_poll_clear (IsleInterval *self,
                     IsleTask     *task)
{
  _isle_future_remove_waker (self->poll_timer, (IsleWaker *) task);
  g_clear_pointer (&self->poll_timer, isle_future_unref);
  self->polling = NULL;
}

/* The poll task finished while it waited for a tick: the tick is spent,
 * as a fiber's is when it is aborted in isle_interval_tick(). */
static void
interval_poll_withdraw (IslePollWait *wait,
                        IsleTask     *task)
{
  interval_poll_clear ((IsleInterval *) wait->object, task);
}

/**
 * isle_interval_free:
 * @self: (transfer full): an interval
 *
 * Frees the interval.
 *
 * Call it on the thread of the task that ticks the interval, when no
 * [method@Isle.Interval.tick] is waiting on it. A poll task that waits in
 * [method@Isle.Interval.poll_tick] may free it (or its state may, when it
 * finishes): the wait goes with it.
 *
 * Since: 0.1
 */
void
isle_interval_free (IsleInterval *self)
{
  if (self == NULL)
    return;

  /* A poll task that waits for a tick and frees the interval (its state
   * going with the task, or its poll function done with it) takes its
   * wait back first. */
  if (self->polling != NULL)
    {
      _isle_task_remove_poll_wait (self->polling, &self->poll_wait);
      interval_poll_clear (self, self->polling);
    }
  g_free (self);
}

/* The timer of the next tick, made when a wait for it starts; the ticks
 * already missed are skipped. */
static IsleFuture *
interval_next_timer (IsleInterval *self)
{
  gint64 now = g_get_monotonic_time ();
  IsleFuture *tick;

  if (self->next_tick < now)
    /* Skip the ticks already missed; keep to the original phase. */
    self->next_tick += ((now - self->next_tick) / self->period) * self->period;

  tick = timer_future_new (self->next_tick, ISLE_TIMER_RESOLVE, 0);
  self->next_tick += self->period;
  return tick;
}

/**
 * isle_interval_tick:
 * @self: an interval
 * @error: return location for a #GError
 *
 * Suspends the running fiber task until the interval's next tick.
 *
 * Call it on the island's thread, inside a fiber task.
 *
 * Returns: %TRUE at the tick; %FALSE with %G_IO_ERROR_CANCELLED if the task
 *   is aborted first
 *
 * Since: 0.1
 */
gboolean
isle_interval_tick (IsleInterval  *self,
                    GError       **error)
{
  g_return_val_if_fail (self != NULL, FALSE);

  if (_isle_task_require_fiber (G_STRFUNC, error) == NULL)
    return FALSE;

  return await_timer (interval_next_timer (self), error);
}

/**
 * isle_interval_poll_tick:
 * @self: an interval
 * @waker: (transfer none): the polling task's waker
 * @error: return location for a #GError
 *
 * The form of [method@Isle.Interval.tick] for poll functions. The first
 * call starts the wait for the next tick (skipping the ticks already
 * missed, as [method@Isle.Interval.tick] does) and, unless that tick is
 * due already, arranges for @waker to be woken at it and returns
 * %ISLE_POLL_PENDING; later calls with the same waker return
 * %ISLE_POLL_READY once the tick has come. The next call after that waits
 * for the tick after.
 *
 * If the task finishes while it waits (it is aborted, say), that tick is
 * spent, as when a fiber is aborted in [method@Isle.Interval.tick]. One task
 * at a time ticks an interval; a second one is a misuse, reported with a
 * critical, and fails with %ISLE_ERROR_BUSY.
 *
 * Call it on the island's thread, with the waker the polling task's poll
 * function was given.
 *
 * Returns: %ISLE_POLL_READY at the tick, or with an error; otherwise
 *   %ISLE_POLL_PENDING
 *
 * Since: 0.2
 */
IslePoll
isle_interval_poll_tick (IsleInterval  *self,
                         IsleWaker     *waker,
                         GError       **error)
{
  IsleTask *task;
  gpointer ignored;
  IslePoll poll;

  g_return_val_if_fail (self != NULL, ISLE_POLL_READY);
  g_return_val_if_fail (waker != NULL, ISLE_POLL_READY);
  g_return_val_if_fail (error == NULL || *error == NULL, ISLE_POLL_READY);

  task = _isle_task_require_poll_waker (waker, G_STRFUNC);
  if (task == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                           "The waker is not the polling task's");
      return ISLE_POLL_READY;
    }

  if (G_UNLIKELY (self->polling != NULL && self->polling != task))
    {
      g_critical ("isle_interval_poll_tick() on IsleInterval %p by task %"
                  G_GUINT64_FORMAT " while task %" G_GUINT64_FORMAT " waits "
                  "for its tick: one task at a time ticks an interval. Give "
                  "each task an interval of its own",
                  (gpointer) self, task->id, self->polling->id);
      g_set_error (error, ISLE_ERROR, ISLE_ERROR_BUSY,
                   "Task %" G_GUINT64_FORMAT " is already waiting for the interval's tick",
                   self->polling->id);
      return ISLE_POLL_READY;
    }

  if (self->poll_timer == NULL)
    {
      self->poll_timer = interval_next_timer (self);
      self->poll_wait.withdraw = interval_poll_withdraw;
      self->poll_wait.object = self;
      /* What a fiber in isle_interval_tick() awaits, so that the dump
       * says the same: "a sleep, N ms left". */
      self->poll_wait.wait.klass = &_isle_wait_future;
      self->poll_wait.wait.object = self->poll_timer;
      _isle_task_add_poll_wait (task, &self->poll_wait);
      self->polling = task;
    }

  poll = isle_future_poll (self->poll_timer, waker, &ignored, error);
  if (poll == ISLE_POLL_READY)
    {
      _isle_task_remove_poll_wait (task, &self->poll_wait);
      self->polling = NULL;
      g_clear_pointer (&self->poll_timer, isle_future_unref);
    }
  return poll;
}
