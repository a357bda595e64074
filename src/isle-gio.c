/* isle-gio.c: awaiting GIO asynchronous operations
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "isle-gio.h"
#include "isle-diagnostics-private.h"
#include "isle-future-private.h"
#include "isle-task.h"

/* A GIO future is a bare pending future (no promise): the reference the
 * caller hands to isle_gio_callback() is what settles it, so a dropped
 * future costs nothing but that reference until the operation finishes. */

typedef struct
{
  GCancellable *task_cancellable;   /* (owned) */
  gulong        handler;
} Link;

static void
cancel_linked (GCancellable *task_cancellable,
               gpointer      data)
{
  g_cancellable_cancel (data);
}

static void
unlink_cancellables (IsleFuture *future,
                     gpointer    data)
{
  Link *link = data;
  gulong handler = link->handler;

  link->handler = 0;
  g_cancellable_disconnect (link->task_cancellable, handler);
}

static void
link_free (gpointer data)
{
  Link *link = data;

  if (link->handler != 0)
    g_cancellable_disconnect (link->task_cancellable, link->handler);
  g_object_unref (link->task_cancellable);
  g_free (link);
}

/**
 * isle_future_new_for_gio:
 *
 * Creates a pending future for one GIO asynchronous call, to be resolved
 * by [func@Isle.gio_callback] with the call's [iface@Gio.AsyncResult].
 * Awaiting a GIO `_async`/`_finish` pair takes three lines:
 *
 * |[<!-- language="C" -->
 * g_autoptr(IsleFuture) op = isle_future_new_for_gio ();
 * g_file_load_contents_async (file, isle_future_get_cancellable (op), isle_gio_callback, isle_future_ref (op));
 * if ((res = isle_await (op, error)) == NULL || !g_file_load_contents_finish (file, res, &data, &len, NULL, error))
 *   return NULL;
 * ]|
 *
 * The future's value is the `GAsyncResult` (a reference released with the
 * future), to pass to the `_finish` function. The future fails only if it
 * was cancelled with [method@Isle.Future.cancel] (or lost a race or a
 * timeout), or, through [func@Isle.await], when the awaiting task is aborted.
 * The operation's own error comes from its `_finish` function. Pass
 * [method@Isle.Future.get_cancellable] to the `_async` call so that
 * cancelling the future, or aborting the task, stops the operation.
 *
 * Aborting the task cancels its cancellable, so the operation finishes
 * early with %G_IO_ERROR_CANCELLED; its callback still runs once, later,
 * and releases the result and the future then. Keep iterating the
 * island's context until it does (freeing an island does not wait for GIO
 * callbacks).
 *
 * Safe to call from any thread.
 *
 * Returns: (transfer full): a new pending future
 *
 * Since: 0.2
 */
IsleFuture *
isle_future_new_for_gio (void)
{
  IsleFuture *future = _isle_future_new ();
  g_autoptr(GCancellable) own = g_cancellable_new ();
  GCancellable *task_cancellable = isle_current_cancellable ();

  /* Dumps name the operation by the function that started it. */
  _isle_future_set_origin (future, &_isle_origin_gio, __builtin_return_address (0), 0);

  /* The operation's own cancellable: isle_future_cancel() (a race or a
   * timeout it lost) cancels it, and so does aborting the task. */
  _isle_future_set_cancellable (future, own);
  if (task_cancellable != NULL)
    {
      Link *link = g_new0 (Link, 1);

      link->task_cancellable = g_object_ref (task_cancellable);
      link->handler = g_cancellable_connect (task_cancellable, G_CALLBACK (cancel_linked),
                                             g_object_ref (own), g_object_unref);
      _isle_future_add_settle_notify (future, unlink_cancellables, link, link_free);
    }

  return future;
}

/**
 * isle_future_get_cancellable:
 * @self: (transfer none): a future made by [ctor@Isle.Future.new_for_gio]
 *
 * Gets the cancellable to pass to the `_async` call: it is cancelled when
 * the future is cancelled ([method@Isle.Future.cancel], or losing an
 * [func@Isle.Future.race] or an [ctor@Isle.Future.new_timeout_msec]) and when the task that
 * made the future is aborted, so the operation stops in either case. Passing
 * [func@Isle.current_cancellable] instead stops it only when the task is
 * aborted.
 *
 * Safe to call from any thread.
 *
 * Returns: (transfer none): the future's cancellable
 *
 * Since: 0.2
 */
GCancellable *
isle_future_get_cancellable (IsleFuture *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return _isle_future_get_cancellable (self);
}

/**
 * isle_gio_callback:
 * @source_object: (nullable) (transfer none): the operation's source object
 * @result: (transfer none): the operation's result
 * @user_data: (transfer full): a reference to a future made by
 *   [ctor@Isle.Future.new_for_gio], as `isle_future_ref (op)`
 *
 * A [callback@Gio.AsyncReadyCallback] that resolves the future in
 * @user_data with @result (a new reference), waking the task awaiting it,
 * then drops that reference to the future. If the future was cancelled
 * meanwhile, @result is dropped quietly.
 *
 * Pass it to any `_async` function, with `isle_future_ref (op)` as its
 * data, and exactly once per future. GIO runs it on the thread-default
 * main context of the thread that started the operation: inside a task on
 * an island made with [ctor@Isle.LocalSet.new], the island's own context and
 * thread. An island running on a context that is not the thread-default
 * one must push it (g_main_context_push_thread_default()) around the
 * `_async` call, or the callback goes to a context nobody iterates.
 *
 * Since: 0.1
 */
void
isle_gio_callback (GObject      *source_object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  IsleFuture *future = user_data;

  g_return_if_fail (G_IS_ASYNC_RESULT (result));
  g_return_if_fail (future != NULL);

  if (!_isle_future_settle (future, g_object_ref (result), g_object_unref, NULL))
    g_object_unref (result);
  isle_future_unref (future);
}
