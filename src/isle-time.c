/* isle-time.c: sleeps, timeouts and intervals on the island's context
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "isle-time.h"
#include "isle-diagnostics-private.h"
#include "isle-local-set-private.h"
#include "isle-task-private.h"

/* Timers are GLib timeout sources on the context of the current island
 * (or the thread-default context outside one), so they fire on the
 * island's thread and any iteration of that context serves them. */
static GMainContext *
current_context (void)
{
  IsleLocalSet *island = isle_local_set_get_current ();

  if (island != NULL)
    return g_main_context_ref (isle_local_set_get_context (island));

  return g_main_context_ref_thread_default ();
}

typedef struct
{
  IslePromise *promise;   /* (owned) */
  GError      *error;     /* (owned) (nullable) reject with this instead */
} Timer;

static gboolean
timer_fired (gpointer data)
{
  Timer *timer = data;

  /* The future may have been cancelled meanwhile (a timeout whose inner
   * future won); settling it again is then a quiet no-op. */
  if (!isle_future_is_ready (isle_promise_get_future (timer->promise)))
    {
      if (timer->error != NULL)
        isle_promise_reject (timer->promise, g_steal_pointer (&timer->error));
      else
        isle_promise_resolve (timer->promise, NULL, NULL);
    }
  return G_SOURCE_REMOVE;
}

static void
timer_free (gpointer data)
{
  Timer *timer = data;

  isle_promise_unref (timer->promise);
  g_clear_error (&timer->error);
  g_free (timer);
}

static IsleFuture *
timer_future_new (GSource *source,
                  GError  *error)
{
  g_autoptr(GMainContext) context = current_context ();
  Timer *timer = g_new0 (Timer, 1);
  IsleFuture *future;

  timer->promise = isle_promise_new ();
  timer->error = error;
  future = isle_future_ref (isle_promise_get_future (timer->promise));
  _isle_future_set_origin (future, error != NULL ? &_isle_origin_timer : &_isle_origin_sleep,
                           NULL, g_source_get_ready_time (source));

  g_source_set_name (source, "[isle-timer]");
  g_source_set_callback (source, timer_fired, timer, timer_free);
  g_source_attach (source, context);
  g_source_unref (source);

  return future;
}

/**
 * isle_sleep_future_new:
 * @milliseconds: how long
 *
 * Creates a future that becomes ready, with no value, after
 * @milliseconds, from a timeout source on the current island's context
 * (or, outside an island, the thread-default context).
 *
 * Call it on the thread that iterates that context.
 *
 * Returns: (transfer full): the future
 *
 * Since: 1.0
 */
IsleFuture *
isle_sleep_future_new (guint milliseconds)
{
  return timer_future_new (g_timeout_source_new (milliseconds), NULL);
}

/**
 * isle_sleep_future_new_seconds:
 * @seconds: how long
 *
 * Like [func@Isle.sleep_future_new], with a timer of whole seconds that GLib
 * may fire together with other such timers (g_timeout_source_new_seconds()),
 * to save wake-ups where the exact moment does not matter.
 *
 * Call it on the thread that iterates that context, as for
 * [func@Isle.sleep_future_new].
 *
 * Returns: (transfer full): the future
 *
 * Since: 1.0
 */
IsleFuture *
isle_sleep_future_new_seconds (guint seconds)
{
  return timer_future_new (g_timeout_source_new_seconds (seconds), NULL);
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
 * isle_sleep:
 * @milliseconds: how long
 * @error: return location for a #GError
 *
 * Suspends the running fiber task for @milliseconds; the island's other
 * tasks and the rest of the main loop run meanwhile.
 *
 * Call it on the island's thread, inside a fiber task.
 *
 * Returns: %TRUE after the time; %FALSE with %G_IO_ERROR_CANCELLED if the
 *   task is aborted first
 *
 * Since: 1.0
 */
gboolean
isle_sleep (guint    milliseconds,
            GError **error)
{
  if (_isle_task_require_fiber ("isle_sleep", error) == NULL)
    return FALSE;

  return await_timer (isle_sleep_future_new (milliseconds), error);
}

/**
 * isle_sleep_seconds:
 * @seconds: how long
 * @error: return location for a #GError
 *
 * Like [func@Isle.sleep], with a coalescing timer of whole seconds (see
 * [func@Isle.sleep_future_new_seconds]).
 *
 * Call it on the island's thread, inside a fiber task.
 *
 * Returns: %TRUE after the time; %FALSE with %G_IO_ERROR_CANCELLED if the
 *   task is aborted first
 *
 * Since: 1.0
 */
gboolean
isle_sleep_seconds (guint    seconds,
                    GError **error)
{
  if (_isle_task_require_fiber ("isle_sleep_seconds", error) == NULL)
    return FALSE;

  return await_timer (isle_sleep_future_new_seconds (seconds), error);
}

/**
 * isle_timeout:
 * @future: (transfer none): the future to wait for
 * @milliseconds: how long to wait at most
 *
 * Wraps @future in one that is ready with its outcome if it comes within
 * @milliseconds, or else with %G_IO_ERROR_TIMED_OUT, in which case @future
 * is cancelled (see [method@Isle.Future.cancel]).
 *
 * Call it on the thread that iterates the current island's context.
 *
 * Returns: (transfer full): the future with a deadline
 *
 * Since: 1.0
 */
IsleFuture *
isle_timeout (IsleFuture *future,
              guint       milliseconds)
{
  g_autoptr(IsleFuture) timer = NULL;
  IsleFuture *racers[2];
  IsleFuture *race;

  g_return_val_if_fail (future != NULL, NULL);

  timer = timer_future_new (g_timeout_source_new (milliseconds),
                            g_error_new (G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                                         "Timed out after %u ms", milliseconds));
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
 * next tick. A task that falls behind skips the ticks it missed rather than
 * running them in a burst, so a slow iteration does not make the next ones
 * run back to back.
 *
 * Since: 1.0
 */
struct _IsleInterval
{
  gint64 period;      /* µs */
  gint64 next_tick;   /* monotonic µs */
};

/**
 * isle_interval_new:
 * @milliseconds: the period, at least 1
 *
 * Creates an interval whose first tick is now, so the first
 * [method@Isle.Interval.tick] returns at once.
 *
 * Safe to call from any thread. An interval has no lock: one task at a time
 * ticks it.
 *
 * Returns: (transfer full): the interval
 *
 * Since: 1.0
 */
IsleInterval *
isle_interval_new (guint milliseconds)
{
  IsleInterval *self;

  g_return_val_if_fail (milliseconds > 0, NULL);

  self = g_new0 (IsleInterval, 1);
  self->period = (gint64) milliseconds * 1000;
  self->next_tick = g_get_monotonic_time ();
  return self;
}

/**
 * isle_interval_free:
 * @self: (transfer full): an interval
 *
 * Frees the interval.
 *
 * Call it on the thread of the task that ticks the interval, when no
 * [method@Isle.Interval.tick] is waiting on it.
 *
 * Since: 1.0
 */
void
isle_interval_free (IsleInterval *self)
{
  g_free (self);
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
 * Since: 1.0
 */
gboolean
isle_interval_tick (IsleInterval  *self,
                    GError       **error)
{
  gint64 now;
  GSource *source;

  g_return_val_if_fail (self != NULL, FALSE);

  if (_isle_task_require_fiber ("isle_interval_tick", error) == NULL)
    return FALSE;

  now = g_get_monotonic_time ();
  if (self->next_tick < now)
    /* Skip the ticks already missed; keep to the original phase. */
    self->next_tick += ((now - self->next_tick) / self->period) * self->period;

  source = _isle_ready_time_source_new (self->next_tick);
  self->next_tick += self->period;

  return await_timer (timer_future_new (source, NULL), error);
}
