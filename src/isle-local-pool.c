/* isle-local-pool.c: a pool of threads, each with its own island
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "isle-local-pool.h"
#include "isle-local-set-private.h"
#include "isle-remote-spawn-private.h"

/**
 * IsleLocalPool:
 *
 * N threads, each with its own `GMainContext` (pushed as its thread-default
 * context) and its own island driven by that thread: tokio-util's
 * `LocalPoolHandle`. A task spawned on the pool is pinned to one thread for
 * life, so it may keep that thread's non-thread-safe state; its result
 * comes back as a future, usable on any thread.
 *
 * |[<!-- language="C" -->
 * g_autoptr(IsleLocalPool) pool = isle_local_pool_new (0);   // one per CPU
 * g_autoptr(IsleFuture) sum = isle_local_pool_spawn_pinned (pool, sum_file,
 *                                                           g_strdup (path),
 *                                                           g_free);
 * guint64 *value = isle_future_wait (sum, NULL, &error);   // a plain thread
 * ]|
 *
 * The pool is reference counted from any thread; the last reference shuts
 * it down, waiting for its tasks, and frees it. Its functions are safe to
 * call from any thread, except that it must not be shut down or freed from
 * one of its own threads.
 *
 * Since: 0.2
 */

typedef struct
{
  IsleLocalPool *pool;        /* (unowned) */
  guint          index;
  GThread       *thread;      /* (owned) (nullable) until joined */
  GMainContext  *context;     /* (owned) */
  IsleLocalSet  *island;      /* (owned) by the worker's thread; set once started */
  int            load;        /* (atomic) pinned tasks not yet done */
  int            quit;        /* (atomic) */
} PoolWorker;

struct _IsleLocalPool
{
  gatomicrefcount ref_count;
  GMutex      lock;
  GCond       cond;
  guint       n_threads;
  PoolWorker *workers;        /* (owned) n_threads of them */
  guint       n_started;      /* protected by lock */
  guint       n_finished;     /* protected by lock */
  gboolean    shut_down;      /* protected by lock: no more spawns */
};

G_DEFINE_BOXED_TYPE (IsleLocalPool, isle_local_pool, isle_local_pool_ref, isle_local_pool_unref)

static gpointer
pool_worker_main (gpointer data)
{
  PoolWorker *worker = data;
  IsleLocalPool *pool = worker->pool;
  IsleLocalSet *island;
  IsleRemote *remote;

  g_main_context_push_thread_default (worker->context);
  island = isle_local_set_new_for_context (worker->context);
  remote = _isle_remote_ref (island->remote);

  g_mutex_lock (&pool->lock);
  worker->island = island;
  pool->n_started++;
  g_cond_broadcast (&pool->cond);
  g_mutex_unlock (&pool->lock);

  while (!g_atomic_int_get (&worker->quit))
    g_main_context_iteration (worker->context, TRUE);

  /* The pool's reference: the teardown aborts every task and runs them to
   * the end here, so their destroy notifies run on this thread. A spawn
   * that holds the island a little longer hands its reference back to
   * this context, which is iterated until the island is gone. */
  isle_local_set_unref (island);
  while (remote->island != NULL)
    g_main_context_iteration (worker->context, TRUE);
  _isle_remote_unref (remote);

  g_main_context_pop_thread_default (worker->context);

  g_mutex_lock (&pool->lock);
  pool->n_finished++;
  g_cond_broadcast (&pool->cond);
  g_mutex_unlock (&pool->lock);

  return NULL;
}

/**
 * isle_local_pool_new:
 * @n_threads: how many threads, or 0 for one per processor
 *   (g_get_num_processors())
 *
 * Starts a pool of @n_threads threads, named `isle-pool-N`, each with its
 * own context and island, and returns once every one of them runs.
 *
 * Safe to call from any thread.
 *
 * Returns: (transfer full): a new pool; release it with
 *   [method@Isle.LocalPool.unref]
 *
 * Since: 0.2
 */
IsleLocalPool *
isle_local_pool_new (guint n_threads)
{
  IsleLocalPool *self = g_new0 (IsleLocalPool, 1);
  guint i;

  g_atomic_ref_count_init (&self->ref_count);
  if (n_threads == 0)
    n_threads = g_get_num_processors ();

  g_mutex_init (&self->lock);
  g_cond_init (&self->cond);
  self->n_threads = n_threads;
  self->workers = g_new0 (PoolWorker, n_threads);

  for (i = 0; i < n_threads; i++)
    {
      PoolWorker *worker = &self->workers[i];
      g_autofree char *name = g_strdup_printf ("isle-pool-%u", i);

      worker->pool = self;
      worker->index = i;
      worker->context = g_main_context_new ();
      worker->thread = g_thread_new (name, pool_worker_main, worker);
    }

  g_mutex_lock (&self->lock);
  while (self->n_started < n_threads)
    g_cond_wait (&self->cond, &self->lock);
  g_mutex_unlock (&self->lock);

  return self;
}

/**
 * isle_local_pool_get_n_threads:
 * @self: a pool
 *
 * Gets the number of threads (and islands) of the pool.
 *
 * Safe to call from any thread.
 *
 * Returns: the number of threads
 *
 * Since: 0.2
 */
guint
isle_local_pool_get_n_threads (IsleLocalPool *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->n_threads;
}

/**
 * isle_local_pool_get_island:
 * @self: a pool
 * @index: a thread's index, below [method@Isle.LocalPool.get_n_threads]
 *
 * Gets the island of the pool's thread @index, for code that must reach
 * that thread: hand it work with [method@Isle.LocalSet.spawn_remote], or
 * read its context. From other threads only the functions whose
 * documentation says so may be used on it.
 *
 * Safe to call from any thread.
 *
 * Returns: (transfer none): the island, valid until the pool is shut down;
 *   take a reference ([method@Isle.LocalSet.ref]) only for as long as you
 *   hand it work, and drop it before the shutdown
 *
 * Since: 0.2
 */
IsleLocalSet *
isle_local_pool_get_island (IsleLocalPool *self,
                            guint          index)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (index < self->n_threads, NULL);

  return self->workers[index].island;
}

static void
pool_task_done (gpointer data)
{
  PoolWorker *worker = data;

  g_atomic_int_add (&worker->load, -1);
}

static IsleFuture *
pool_spawn (IsleLocalPool  *self,
            gint            index,
            IsleTaskFunc    func,
            gpointer        user_data,
            GDestroyNotify  user_data_destroy,
            gconstpointer   site,
            const char     *function)
{
  PoolWorker *worker = NULL;
  IsleLocalSet *island = NULL;
  IsleFuture *future;
  guint i;

  g_mutex_lock (&self->lock);
  if (!self->shut_down)
    {
      if (index >= 0)
        worker = &self->workers[index];
      else
        {
          /* The least loaded: fewest pinned tasks not yet done. */
          worker = &self->workers[0];
          for (i = 1; i < self->n_threads; i++)
            if (g_atomic_int_get (&self->workers[i].load) < g_atomic_int_get (&worker->load))
              worker = &self->workers[i];
        }
      g_atomic_int_inc (&worker->load);
      /* Taken under the lock: the shutdown cannot free the island under
       * this spawn. */
      island = isle_local_set_ref (worker->island);
    }
  g_mutex_unlock (&self->lock);

  if (island == NULL)
    {
      g_critical ("%s() called on IsleLocalPool %p, which is shut down: its "
                  "threads are gone, so the task's data is released on this "
                  "thread and the future fails with G_IO_ERROR_CLOSED. Spawn "
                  "before isle_local_pool_shutdown(), or on a pool that is "
                  "still running",
                  function, (gpointer) self);
      if (user_data_destroy != NULL)
        user_data_destroy (user_data);
      return isle_future_new_for_error (g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CLOSED,
                                                             "The pool is shut down"));
    }

  future = _isle_remote_spawn (&(IsleSpawnArgs) {
    .island = island,
    .kind = ISLE_TASK_KIND_FIBER,
    .priority = G_PRIORITY_DEFAULT,
    .func = func,
    .user_data = user_data,
    .user_data_destroy = user_data_destroy,
    .site = site,
  }, pool_task_done, worker, function);
  isle_local_set_unref (island);
  return future;
}

/**
 * isle_local_pool_spawn_pinned:
 * @self: a pool
 * @func: (scope notified) (closure user_data) (destroy user_data_destroy): the
 *   task's body
 * @user_data: data for @func
 * @user_data_destroy: (nullable): releases @user_data once the task is done
 *   with it, on the task's thread
 *
 * Spawns a fiber task on the least loaded of the pool's islands (the one
 * with the fewest tasks spawned through the pool and not yet finished),
 * where it stays for life. It may keep that thread's thread-affine state,
 * and spawn local tasks of its own there; blocking jobs it hands to
 * [func@Isle.spawn_blocking] run on the shared blocking pool.
 *
 * Otherwise as [method@Isle.LocalSet.spawn_remote]. Spawning on a pool
 * that is shut down is a programming error, reported with a critical; the
 * future then fails with %G_IO_ERROR_CLOSED and @user_data is released on
 * the calling thread.
 *
 * Safe to call from any thread.
 *
 * Returns: (transfer full): a future for the task's result
 *
 * Since: 0.2
 */
IsleFuture *
isle_local_pool_spawn_pinned (IsleLocalPool  *self,
                              IsleTaskFunc    func,
                              gpointer        user_data,
                              GDestroyNotify  user_data_destroy)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (func != NULL, NULL);

  return pool_spawn (self, -1, func, user_data, user_data_destroy,
                     __builtin_return_address (0), G_STRFUNC);
}

/**
 * isle_local_pool_spawn_pinned_by_index:
 * @self: a pool
 * @index: a thread's index, below [method@Isle.LocalPool.get_n_threads]
 * @func: (scope notified) (closure user_data) (destroy user_data_destroy): the
 *   task's body
 * @user_data: data for @func
 * @user_data_destroy: (nullable): releases @user_data once the task is done
 *   with it, on the task's thread
 *
 * Spawns a fiber task on the island of the pool's thread @index, for work
 * that needs the state of that particular thread. Otherwise as
 * [method@Isle.LocalPool.spawn_pinned].
 *
 * Safe to call from any thread.
 *
 * Returns: (transfer full): a future for the task's result
 *
 * Since: 0.2
 */
IsleFuture *
isle_local_pool_spawn_pinned_by_index (IsleLocalPool  *self,
                                       guint           index,
                                       IsleTaskFunc    func,
                                       gpointer        user_data,
                                       GDestroyNotify  user_data_destroy)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (index < self->n_threads, NULL);
  g_return_val_if_fail (func != NULL, NULL);

  return pool_spawn (self, (gint) index, func, user_data, user_data_destroy,
                     __builtin_return_address (0), G_STRFUNC);
}

static gboolean
check_not_pool_thread (IsleLocalPool *self,
                       const char    *function)
{
  GThread *current = g_thread_self ();
  guint i;

  for (i = 0; i < self->n_threads; i++)
    if (self->workers[i].thread == current)
      {
        g_critical ("%s() called on thread isle-pool-%u of IsleLocalPool %p "
                    "itself: the pool would wait for its own thread to "
                    "finish. Shut the pool down or free it from the thread "
                    "that owns it (outside its tasks); the pool is left "
                    "running",
                    function, i, (gpointer) self);
        return FALSE;
      }

  return TRUE;
}

/**
 * isle_local_pool_shutdown:
 * @self: a pool
 * @timeout_msec: how long to wait for the threads, in milliseconds, or -1
 *   to wait for as long as it takes
 * @error: return location for a #GError
 *
 * Stops the pool: spawning on it fails from now on; every island aborts
 * its tasks and runs them until they return, so that each task's destroy
 * notify runs once on its own thread (tasks parked, sleeping, or awaiting
 * a blocking job see %G_IO_ERROR_CANCELLED); then the threads are joined.
 *
 * A task that ignores its cancellation keeps its thread busy (its island
 * names it, see docs/islands.md). If the threads have not finished within
 * @timeout_msec, this returns %FALSE with %G_IO_ERROR_TIMED_OUT; they go on
 * finishing, and a later call, or the last [method@Isle.LocalPool.unref], waits for
 * them again. Shutting down a pool that is shut down waits likewise.
 *
 * Call it from any thread but the pool's own (that is reported with a
 * critical, and the pool is left running).
 *
 * Returns: %TRUE once every thread has finished and been joined
 *
 * Since: 0.2
 */
gboolean
isle_local_pool_shutdown (IsleLocalPool  *self,
                          int             timeout_msec,
                          GError        **error)
{
  gint64 end_time = 0;
  gboolean finished;
  guint i;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!check_not_pool_thread (self, G_STRFUNC))
    {
      g_set_error (error, ISLE_ERROR, ISLE_ERROR_WOULD_DEADLOCK,
                   "%s() would wait for its own thread", G_STRFUNC);
      return FALSE;
    }

  g_mutex_lock (&self->lock);
  self->shut_down = TRUE;
  g_mutex_unlock (&self->lock);

  for (i = 0; i < self->n_threads; i++)
    {
      g_atomic_int_set (&self->workers[i].quit, 1);
      g_main_context_wakeup (self->workers[i].context);
    }

  if (timeout_msec >= 0)
    end_time = g_get_monotonic_time () + (gint64) timeout_msec * G_TIME_SPAN_MILLISECOND;

  g_mutex_lock (&self->lock);
  while (self->n_finished < self->n_threads)
    {
      if (timeout_msec < 0)
        g_cond_wait (&self->cond, &self->lock);
      else if (!g_cond_wait_until (&self->cond, &self->lock, end_time))
        break;
    }
  finished = self->n_finished == self->n_threads;
  g_mutex_unlock (&self->lock);

  if (!finished)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                   "The pool's threads did not finish their tasks within %d ms",
                   timeout_msec);
      return FALSE;
    }

  for (i = 0; i < self->n_threads; i++)
    if (self->workers[i].thread != NULL)
      g_thread_join (g_steal_pointer (&self->workers[i].thread));

  return TRUE;
}

/**
 * isle_local_pool_ref:
 * @self: a pool
 *
 * Takes a reference to the pool.
 *
 * Safe to call from any thread.
 *
 * Returns: (transfer full): @self
 *
 * Since: 0.2
 */
IsleLocalPool *
isle_local_pool_ref (IsleLocalPool *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

/**
 * isle_local_pool_unref:
 * @self: (transfer full): a pool
 *
 * Drops a reference to the pool. The last one frees it: it shuts the pool
 * down, waiting for as long as its tasks take to return (see
 * [method@Isle.LocalPool.shutdown]), then frees it.
 *
 * Safe to call from any thread, but the last reference must not go on one
 * of the pool's own threads: that is reported with a critical, and the
 * pool is left running (leaked) rather than waiting for itself.
 *
 * Since: 0.2
 */
void
isle_local_pool_unref (IsleLocalPool *self)
{
  guint i;

  g_return_if_fail (self != NULL);

  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;

  if (!check_not_pool_thread (self, G_STRFUNC))
    return;

  isle_local_pool_shutdown (self, -1, NULL);

  for (i = 0; i < self->n_threads; i++)
    g_main_context_unref (self->workers[i].context);
  g_free (self->workers);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->cond);
  g_free (self);
}
