/* isle-remote-spawn.c: hand a task to an island from any thread
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "isle-promise-private.h"
#include "isle-remote-spawn-private.h"
#include "isle-diagnostics-private.h"
#include "isle-future-private.h"
#include "isle-join-handle.h"
#include "isle-local-set-private.h"
#include "isle-task-arena-private.h"

/* A spawn on its way to the island: queued with the island's remote wakes
 * (one g_main_context_wakeup() per batch), then the state of the task it
 * becomes. Everything it owns is released on the island's thread.
 *
 * The record is also the future the caller gets, and comes from the
 * island's shared arena (isle-task-arena.c): a spawn costs one record
 * taken under a lock, not three allocations (a record, a promise and its
 * future), which in a burst of spawns from a plain thread were most of
 * the sender's time, its allocator growing the thread's heap page by
 * page. The record settles its future as an IslePromise made on the
 * calling thread would, and goes with the future's last reference. */
typedef struct
{
  IsleFuture           future;            /* first: the record goes with its last reference */
  IsleRemoteLink       link;              /* queued on the island's remote part */
  IsleRemote          *home;              /* (owned) (nullable) the caller's island, as a promise's */
  char                *name;              /* (owned) (nullable) */
  int                  priority;
  IsleTaskFunc         func;
  gpointer             user_data;         /* (owned) */
  GDestroyNotify       user_data_destroy;
  GDestroyNotify       result_destroy;
  gconstpointer        site;              /* where the caller spawned it: IsleSpawnArgs.site */
  IsleRemoteSpawnDone  done;
  gpointer             done_data;
} RemoteSpawn;

/* The island's remote part: the arena the record comes from holds a
 * reference to it for as long as any of its records lives, so a spawn
 * takes none of its own (a reference count that the sending thread and
 * the island's thread would both write, a cache line bounced between them
 * twice a spawn). */
static inline IsleRemote *
remote_of (RemoteSpawn *spawn)
{
  return _isle_task_arena_get_data (spawn);
}

gsize
_isle_remote_spawn_get_record_size (void)
{
  return sizeof (RemoteSpawn);
}

static void
remote_spawn_last_unref (IsleFuture *future,
                         gpointer    data)
{
  RemoteSpawn *spawn = data;

  _isle_future_clear (&spawn->future);
  _isle_task_arena_free (spawn);
}

static const IsleFutureHooks remote_spawn_hooks = {
  .last_unref = remote_spawn_last_unref,
};

static void
remote_spawn_settle (RemoteSpawn *spawn,
                     gpointer     value,
                     GError      *error)
{
  _isle_future_settle_as_promise (&spawn->future, spawn->home, value,
                                  error == NULL ? spawn->result_destroy : NULL,
                                  error,
                                  error == NULL ? "isle_promise_resolve" : "isle_promise_reject");
}

/* The task's destroy notify, on the island's thread: the task returned,
 * or was aborted before it started. */
static void
remote_spawn_free (gpointer data)
{
  RemoteSpawn *spawn = data;
  IsleRemote *home = g_steal_pointer (&spawn->home);

  if (spawn->user_data_destroy != NULL)
    spawn->user_data_destroy (spawn->user_data);
  if (!isle_future_is_finished (&spawn->future))
    remote_spawn_settle (spawn, NULL,
                         g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                              "The task was aborted before it started"));
  if (spawn->done != NULL)
    spawn->done (spawn->done_data);
  g_clear_pointer (&spawn->name, g_free);

  /* The producer's reference, the promise's part: last, since it may free
   * the record. */
  _isle_future_unref_at_home (&spawn->future, home);
  if (home != NULL)
    _isle_remote_unref (home);
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

  remote_spawn_settle (spawn, local_error != NULL ? NULL : value, local_error);

  /* The outcome went to the future, which reports nothing if dropped. */
  return NULL;
}

/* On the island's thread: the spawn becomes a task, unless the island is
 * being torn down; then the user data is released here all the same. */
static void
remote_spawn_start (gpointer data)
{
  RemoteSpawn *spawn = data;
  IsleLocalSet *island = remote_of (spawn)->island;
  IsleTask *task;

  if (island == NULL || island->closing)
    {
      remote_spawn_settle (spawn, NULL,
                           g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CLOSED,
                                                "The island was torn down before the task started"));
      remote_spawn_free (spawn);
      return;
    }

  task = _isle_spawn (&(IsleSpawnArgs) {
    .island = island,
    .kind = ISLE_TASK_KIND_FIBER,
    .name = spawn->name,
    .priority = spawn->priority,
    .func = remote_spawn_run,
    .user_data = spawn,
    .user_data_destroy = remote_spawn_free,
    .site = spawn->site,
  });
  isle_join_handle_unref ((IsleJoinHandle *) task);
}

static void
remote_spawn_start_link (IsleRemoteLink *link)
{
  remote_spawn_start ((guint8 *) link - G_STRUCT_OFFSET (RemoteSpawn, link));
}

IsleFuture *
_isle_remote_spawn (const IsleSpawnArgs *args,
                    IsleRemoteSpawnDone  done,
                    gpointer             done_data,
                    const char          *function)
{
  IsleLocalSet *island = args->island;
  RemoteSpawn *spawn = _isle_task_arena_alloc_shared (island->spawn_arena);
  IsleLocalSet *current = isle_local_set_get_current ();
  IsleFuture *future = &spawn->future;

  _isle_future_init (future);
  _isle_future_set_hooks (future, &remote_spawn_hooks, spawn);
  _isle_future_set_origin (future, &_isle_origin_promise, NULL, 0);
  /* The calling thread's island, if any: a result nobody takes is
   * released back there (see IslePromise). */
  spawn->home = current != NULL ? _isle_remote_ref (current->remote) : NULL;
  spawn->name = g_strdup (args->name);
  spawn->priority = args->priority;
  spawn->func = args->func;
  spawn->user_data = args->user_data;
  spawn->user_data_destroy = args->user_data_destroy;
  spawn->result_destroy = args->result_destroy;
  spawn->site = args->site;
  spawn->done = done;
  spawn->done_data = done_data;
  /* One reference for the caller, one for the spawn until it is done. */
  isle_future_ref (future);

  if (island->remote->owner == _isle_thread_peek_serial ())
    {
      remote_spawn_start (spawn);
      return future;
    }

  spawn->link.func = remote_spawn_start_link;
  if (!_isle_remote_push (island->remote, &spawn->link))
    {
      /* Only an island already freed gets here: the caller held no
       * reference. Its thread cannot be reached any more. */
      g_critical ("%s() called on island %p, which has been freed: its "
                  "thread can no longer run the task, so the task's data is "
                  "released on this thread (%s) instead. Hold a reference to "
                  "the island (isle_local_set_ref(), from any thread) for as "
                  "long as you hand it work",
                  function, (gpointer) island, _isle_thread_describe_self ());
      remote_spawn_settle (spawn, NULL,
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

  return _isle_remote_spawn (&(IsleSpawnArgs) {
    .island = self,
    .kind = ISLE_TASK_KIND_FIBER,
    .priority = G_PRIORITY_DEFAULT,
    .func = func,
    .user_data = user_data,
    .user_data_destroy = user_data_destroy,
    .site = __builtin_return_address (0),
  }, NULL, NULL, G_STRFUNC);
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

  return _isle_remote_spawn (&(IsleSpawnArgs) {
    .island = self,
    .kind = ISLE_TASK_KIND_FIBER,
    .name = name,
    .priority = priority,
    .func = func,
    .user_data = user_data,
    .user_data_destroy = user_data_destroy,
    .result_destroy = result_destroy,
    .site = __builtin_return_address (0),
  }, NULL, NULL, G_STRFUNC);
}
