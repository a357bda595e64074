/* isle-remote-spawn.c: hand a task to an island from any thread
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "isle-remote-spawn-private.h"
#include "isle-join-handle.h"
#include "isle-local-set-private.h"

/* A spawn on its way to the island: queued with the island's remote wakes
 * (one g_main_context_wakeup() per batch), then the state of the task it
 * becomes. Everything it owns is released on the island's thread. */
typedef struct
{
  IsleRemote          *remote;            /* (owned) */
  char                *name;              /* (owned) (nullable) */
  int                  priority;
  IsleTaskFunc         func;
  gpointer             user_data;         /* (owned) */
  GDestroyNotify       user_data_destroy;
  GDestroyNotify       result_destroy;
  IslePromise         *promise;           /* (owned) */
  IsleRemoteSpawnDone  done;
  gpointer             done_data;
} RemoteSpawn;

/* The task's destroy notify, on the island's thread: the task returned,
 * or was aborted before it started. */
static void
remote_spawn_free (gpointer data)
{
  RemoteSpawn *spawn = data;

  if (spawn->user_data_destroy != NULL)
    spawn->user_data_destroy (spawn->user_data);
  if (!isle_future_is_finished (isle_promise_get_future (spawn->promise)))
    isle_promise_reject (spawn->promise,
                         g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                              "The task was aborted before it started"));
  isle_promise_unref (spawn->promise);
  if (spawn->done != NULL)
    spawn->done (spawn->done_data);
  _isle_remote_unref (spawn->remote);
  g_free (spawn->name);
  g_free (spawn);
}

static gpointer
remote_spawn_run (gpointer   data,
                  GError   **error)
{
  RemoteSpawn *spawn = data;
  GError *local_error = NULL;
  gpointer value;

  value = spawn->func (spawn->user_data, &local_error);

  /* Released before the future settles: whoever waits for the result may
   * rely on the data being gone. */
  if (spawn->user_data_destroy != NULL)
    spawn->user_data_destroy (g_steal_pointer (&spawn->user_data));
  spawn->user_data_destroy = NULL;

  if (local_error != NULL)
    isle_promise_reject (spawn->promise, local_error);
  else
    isle_promise_resolve (spawn->promise, value, spawn->result_destroy);

  /* The outcome went to the future, which reports nothing if dropped. */
  return NULL;
}

/* On the island's thread: the spawn becomes a task, unless the island is
 * being torn down; then the user data is released here all the same. */
static void
remote_spawn_start (gpointer data)
{
  RemoteSpawn *spawn = data;
  IsleLocalSet *island = spawn->remote->island;
  IsleJoinHandle *handle;

  if (island == NULL || island->closing)
    {
      isle_promise_reject (spawn->promise,
                           g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CLOSED,
                                                "The island was torn down before the task started"));
      remote_spawn_free (spawn);
      return;
    }

  handle = isle_local_set_spawn_local_full (island, spawn->name, spawn->priority, 0,
                                            remote_spawn_run, spawn,
                                            remote_spawn_free, NULL);
  isle_join_handle_unref (handle);
}

IsleFuture *
_isle_remote_spawn (IsleLocalSet        *island,
                    const char          *name,
                    int                  priority,
                    IsleTaskFunc         func,
                    gpointer             user_data,
                    GDestroyNotify       user_data_destroy,
                    GDestroyNotify       result_destroy,
                    IsleRemoteSpawnDone  done,
                    gpointer             done_data,
                    const char          *function)
{
  RemoteSpawn *spawn = g_new (RemoteSpawn, 1);
  IsleFuture *future;

  spawn->remote = _isle_remote_ref (island->remote);
  spawn->name = g_strdup (name);
  spawn->priority = priority;
  spawn->func = func;
  spawn->user_data = user_data;
  spawn->user_data_destroy = user_data_destroy;
  spawn->result_destroy = result_destroy;
  /* Made on the calling thread: if that is an island's, a result nobody
   * takes is released back there (see IslePromise). */
  spawn->promise = isle_promise_new ();
  spawn->done = done;
  spawn->done_data = done_data;
  future = isle_future_ref (isle_promise_get_future (spawn->promise));

  if (spawn->remote->owner == _isle_thread_peek_serial ())
    {
      remote_spawn_start (spawn);
      return future;
    }

  if (!_isle_remote_call (spawn->remote, remote_spawn_start, spawn))
    {
      /* Only an island already freed gets here: the caller held no
       * reference. Its thread cannot be reached any more. */
      g_critical ("%s() called on island %p, which has been freed: its "
                  "thread can no longer run the task, so the task's data is "
                  "released on this thread (%s) instead. Hold a reference to "
                  "the island (isle_local_set_ref(), from any thread) for as "
                  "long as you hand it work",
                  function, (gpointer) island, _isle_thread_describe_self ());
      isle_promise_reject (spawn->promise,
                           g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CLOSED,
                                                "The island is gone"));
      spawn->done = NULL;
      remote_spawn_free (spawn);
    }

  return future;
}

/**
 * isle_local_set_spawn_remote:
 * @self: an island, on any thread
 * @func: (scope notified) (closure user_data) (destroy user_data_destroy): the
 *   task's body
 * @user_data: data for @func
 * @user_data_destroy: (nullable): releases @user_data once the task is done
 *   with it
 *
 * Spawns a fiber task on @self from any thread: glib-rs'
 * `MainContext::invoke()` with a task that may await, or libdex's
 * `dex_scheduler_spawn()`. See [method@Isle.LocalSet.spawn_remote_full].
 *
 * Safe to call from any thread that holds a reference to @self.
 *
 * Returns: (transfer full): a future for the task's result
 *
 * Since: 0.2
 */
IsleFuture *
isle_local_set_spawn_remote (IsleLocalSet   *self,
                             IsleTaskFunc    func,
                             gpointer        user_data,
                             GDestroyNotify  user_data_destroy)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (func != NULL, NULL);

  return _isle_remote_spawn (self, NULL, G_PRIORITY_DEFAULT, func, user_data,
                             user_data_destroy, NULL, NULL, NULL, G_STRFUNC);
}

/**
 * isle_local_set_spawn_remote_full:
 * @self: an island, on any thread
 * @name: (nullable): the task's name, for dumps and messages
 * @priority: the task's priority, as for [method@Isle.LocalSet.spawn_local_full]
 * @func: (scope notified) (closure user_data) (destroy user_data_destroy): the
 *   task's body
 * @user_data: data for @func
 * @user_data_destroy: (nullable): releases @user_data once the task is done
 *   with it
 * @result_destroy: (nullable): releases the task's result with the future
 *
 * Spawns a fiber task on @self from any thread. The spawn is queued with
 * the island's other cross-thread work, which its thread picks up in
 * batches (one context wake-up per batch); there @func runs as a fiber task
 * like any other: it may await, and touch the island's thread-affine state.
 *
 * @user_data belongs to the island from this call on: @user_data_destroy
 * runs once, on the island's thread, after the task returns and before
 * the future settles — also when the
 * island is torn down before the task started (the future then fails with
 * %G_IO_ERROR_CLOSED, or %G_IO_ERROR_CANCELLED if the task was aborted
 * before its first turn). Keep a reference to @self while you call this,
 * and keep its thread iterating its context: a spawn on an island already
 * freed is a programming error, reported with a critical, and its data is
 * then released on the calling thread.
 *
 * The result comes back as a future, usable on the calling thread: await
 * it from a task of the caller's own island ([func@Isle.await]), chain a
 * callback on the caller's context ([method@Isle.Future.then]), or block a
 * plain thread on it ([method@Isle.Future.wait]). The task's error fails
 * the future. The value is released with @result_destroy when the last
 * reference to the future goes, on that thread; if nobody holds the future
 * any more by the time the task returns and the caller was on an island,
 * the value goes back to the caller's island's thread. Cancelling the
 * future settles it but does not abort the task.
 *
 * Safe to call from any thread that holds a reference to @self, including
 * the island's own (the task is then spawned at once).
 *
 * Returns: (transfer full): a future for the task's result
 *
 * Since: 0.2
 */
IsleFuture *
isle_local_set_spawn_remote_full (IsleLocalSet   *self,
                                  const char     *name,
                                  int             priority,
                                  IsleTaskFunc    func,
                                  gpointer        user_data,
                                  GDestroyNotify  user_data_destroy,
                                  GDestroyNotify  result_destroy)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (func != NULL, NULL);

  return _isle_remote_spawn (self, name, priority, func, user_data,
                             user_data_destroy, result_destroy, NULL, NULL,
                             G_STRFUNC);
}
