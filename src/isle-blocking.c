/* isle-blocking.c: blocking work on Isle's worker pool
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "isle-blocking.h"
#include "isle-blocking-private.h"
#include "isle-diagnostics-private.h"
#include "isle-future-private.h"

#ifdef G_OS_UNIX
# include <pthread.h>
#endif

/* The pool's bound when neither ISLE_BLOCKING_THREADS nor
 * isle_blocking_pool_set_max_threads() says otherwise: libuv's 4, or one
 * thread per processor where there are more. Blocking jobs mostly wait
 * (files, DNS, a database, a C library without an async API), so fewer
 * threads than that would leave a processor idle behind one slow call; many
 * more would only make a burst of CPU-bound jobs fight over the
 * processors, and every thread costs a stack. Threads are started on
 * demand, so a program that never offloads work never pays for them. */
#define BLOCKING_THREADS_DEFAULT_MIN 4

/* The largest bound accepted, from the environment or the API: far more
 * threads than any machine runs usefully, but still a bound. */
#define BLOCKING_THREADS_LIMIT 1024

/* The name worker threads carry (15 bytes at most on Linux): what `top -H`,
 * gdb and perf show for them. */
#define BLOCKING_THREAD_NAME "isle-blocking"

typedef struct _BlockingJob BlockingJob;
typedef struct _Worker      Worker;

struct _BlockingJob
{
  BlockingJob      *next;               /* protected by pool.lock while queued */
  IsleBlockingFunc  func;
  gpointer          user_data;          /* (owned) */
  GDestroyNotify    user_data_destroy;
  GDestroyNotify    result_destroy;
  IslePromise      *promise;            /* (owned) */
  GCancellable     *cancellable;        /* (owned) the future cancels it */
};

/* One worker thread's record. A submitter wakes exactly the worker it took
 * off the idle list, with that worker's own condition, so a burst of jobs
 * costs one wake-up per sleeping worker, never one per job. Records are
 * never freed: a submitter may still signal one after its thread exited,
 * which is harmless because records are only reused by new workers, which
 * wait for their own flag. */
struct _Worker
{
  Worker   *next;     /* protected by pool.lock: in the idle or spare list */
  GCond     cond;
  gboolean  woken;    /* protected by pool.lock */
  gboolean  counted;  /* protected by pool.lock: woken for a job, in n_waking */
};

typedef struct
{
  GMutex       lock;
  BlockingJob *head;          /* protected by lock: jobs not started, oldest first */
  BlockingJob *tail;          /* protected by lock */
  guint        max_threads;   /* protected by lock; 0 until first used */
  guint        n_threads;     /* protected by lock: threads alive or starting */
  Worker      *idle;          /* protected by lock: waiting for work, last idle first */
  guint        n_queued;      /* protected by lock: jobs not started */
  guint        n_waking;      /* protected by lock: workers woken or starting that
                               * have not looked at the queue yet */
  Worker      *spare;         /* protected by lock: records of threads that left */
} BlockingPool;

/* Process-wide; a static GMutex needs no initialisation. */
static BlockingPool pool;

#ifdef G_OS_UNIX
/* fork(): the child has only the forking thread, but a copy of the pool
 * that believes in the parent's workers; a job pushed there would wake an
 * idle worker that does not exist and wait forever. So the pool's lock is
 * held across the fork, which makes the copy consistent, and the child
 * forgets every worker: its first job starts a thread of its own. Jobs
 * that were queued or running in the parent stay the parent's: the child
 * drops them from its queue (running them there would do their work
 * twice), so their futures never settle in the child. The records of
 * idle workers become spare ones for the child's threads (a GCond needs
 * no waiter to be reused); a worker busy with a job at the fork leaves
 * its record behind, once per fork. */
static void
pool_atfork_prepare (void)
{
  g_mutex_lock (&pool.lock);
}

static void
pool_atfork_parent (void)
{
  g_mutex_unlock (&pool.lock);
}

static void
pool_atfork_child (void)
{
  pool.head = pool.tail = NULL;
  pool.n_queued = 0;
  pool.n_threads = 0;
  pool.n_waking = 0;
  while (pool.idle != NULL)
    {
      Worker *worker = pool.idle;

      pool.idle = worker->next;
      worker->next = pool.spare;
      pool.spare = worker;
    }
  g_mutex_unlock (&pool.lock);
}
#endif

/* Called with pool.lock held. */
static void
pool_ensure_initialized (void)
{
  const char *env;
  guint64 value;
  GError *error = NULL;

  if (pool.max_threads != 0)
    return;

#ifdef G_OS_UNIX
  /* Once: the bound is never 0 again. */
  pthread_atfork (pool_atfork_prepare, pool_atfork_parent, pool_atfork_child);
#endif

  pool.max_threads = MAX (BLOCKING_THREADS_DEFAULT_MIN, g_get_num_processors ());
  env = g_getenv ("ISLE_BLOCKING_THREADS");
  if (env == NULL || *env == '\0')
    return;

  if (g_ascii_string_to_unsigned (env, 10, 1, BLOCKING_THREADS_LIMIT, &value, &error))
    pool.max_threads = (guint) value;
  else
    {
      g_warning ("ISLE_BLOCKING_THREADS=%s ignored: %s; using %u threads",
                 env, error->message, pool.max_threads);
      g_error_free (error);
    }
}

/* Called with pool.lock held. */
static BlockingJob *
pool_pop_job (void)
{
  BlockingJob *job = pool.head;

  if (job != NULL)
    {
      pool.head = job->next;
      if (pool.head == NULL)
        pool.tail = NULL;
      pool.n_queued--;
    }
  return job;
}

static void
job_run (BlockingJob *job)
{
  IsleFuture *future = isle_promise_get_future (job->promise);
  GError *error = NULL;
  gpointer result = NULL;
  gboolean ran = FALSE;

  /* Only a cancel can make the future ready before the job runs: then the
   * job does not run at all. */
  if (!isle_future_is_finished (future))
    {
      result = job->func (job->user_data, job->cancellable, &error);
      ran = TRUE;
    }

  if (job->user_data_destroy != NULL)
    job->user_data_destroy (job->user_data);

  if (ran && error != NULL)
    {
      if (result != NULL)
        {
          g_critical ("A blocking function returned a result and set an error "
                      "(%s); it must do one or the other. The result is released",
                      error->message);
          if (job->result_destroy != NULL)
            job->result_destroy (result);
        }
      isle_promise_reject (job->promise, error);
    }
  else if (ran)
    {
      /* If the future was cancelled meanwhile, this releases the result at
       * once; if nobody holds the future any more, releasing the promise
       * below does. */
      isle_promise_resolve (job->promise, result, job->result_destroy);
    }

  isle_promise_unref (job->promise);
  g_object_unref (job->cancellable);
  g_free (job);
}

static gpointer
worker_main (gpointer data)
{
  Worker *worker = data;
  gboolean waking;

  g_mutex_lock (&pool.lock);
  waking = worker->counted;
  for (;;)
    {
      BlockingJob *job;

      if (waking)
        {
          pool.n_waking--;
          waking = FALSE;
        }

      /* The bound was lowered: leave rather than take another job. */
      if (pool.n_threads > pool.max_threads)
        break;

      job = pool_pop_job ();
      if (job != NULL)
        {
          g_mutex_unlock (&pool.lock);
          job_run (job);
          g_mutex_lock (&pool.lock);
          continue;
        }

      worker->woken = FALSE;
      worker->next = pool.idle;
      pool.idle = worker;
      while (!worker->woken)
        g_cond_wait (&worker->cond, &pool.lock);
      waking = worker->counted;
    }

  pool.n_threads--;
  worker->next = pool.spare;
  pool.spare = worker;
  g_mutex_unlock (&pool.lock);

  return NULL;
}

/* Called with pool.lock held: takes an idle worker and marks it woken;
 * signal its condition after unlocking. */
static Worker *
pool_take_idle (void)
{
  Worker *worker = pool.idle;

  if (worker != NULL)
    {
      pool.idle = worker->next;
      worker->next = NULL;
      worker->woken = TRUE;
      worker->counted = TRUE;
      pool.n_waking++;
    }
  return worker;
}

/* Called with pool.lock held: counts a thread that is about to start and
 * gives it a record; start it with pool_start_thread() after unlocking. */
static Worker *
pool_reserve_thread (void)
{
  Worker *worker = pool.spare;

  if (worker != NULL)
    pool.spare = worker->next;
  else
    {
      worker = g_new0 (Worker, 1);
      g_cond_init (&worker->cond);
    }
  worker->next = NULL;
  worker->woken = FALSE;
  worker->counted = TRUE;
  pool.n_threads++;
  pool.n_waking++;

  return worker;
}

static void
pool_start_thread (Worker *worker)
{
  GError *error = NULL;
  GThread *thread;

  thread = g_thread_try_new (BLOCKING_THREAD_NAME, worker_main, worker, &error);
  if (thread != NULL)
    {
      g_thread_unref (thread);
      return;
    }

  g_mutex_lock (&pool.lock);
  pool.n_threads--;
  pool.n_waking--;
  worker->next = pool.spare;
  pool.spare = worker;
  if (pool.n_threads == 0)
    g_critical ("Isle could not start a blocking worker thread (%s); blocking "
                "jobs wait until one can be started", error->message);
  else
    g_warning ("Isle could not start a blocking worker thread (%s); the %u "
               "running ones take the jobs", error->message, pool.n_threads);
  g_mutex_unlock (&pool.lock);
  g_error_free (error);
}

static void
pool_push (BlockingJob *job)
{
  Worker *worker;
  gboolean start = FALSE;

  g_mutex_lock (&pool.lock);
  pool_ensure_initialized ();

  job->next = NULL;
  if (pool.tail != NULL)
    pool.tail->next = job;
  else
    pool.head = job;
  pool.tail = job;
  pool.n_queued++;

  /* Wake a worker only for jobs no woken worker will get to: a burst of
   * small jobs is then taken by the workers already awake instead of
   * waking every sleeping one (each wake is a futex call and a context
   * switch, most of the cost of a small job). */
  if (pool.n_waking < pool.n_queued)
    {
      worker = pool_take_idle ();
      if (worker == NULL && pool.n_threads < pool.max_threads)
        {
          worker = pool_reserve_thread ();
          start = TRUE;
        }
    }
  else
    worker = NULL;
  g_mutex_unlock (&pool.lock);

  if (start)
    pool_start_thread (worker);
  else if (worker != NULL)
    g_cond_signal (&worker->cond);
}

/**
 * isle_spawn_blocking:
 * @func: (scope async) (not nullable): the function that may block
 * @user_data: (closure func): data for @func
 * @user_data_destroy: (nullable) (destroy user_data): releases @user_data
 *   once the job is over, on the worker thread
 * @result_destroy: (nullable): releases @func's result with the future
 *
 * Runs @func on a worker thread of Isle's blocking pool and returns a
 * future for its outcome: the result it returns, or the error it sets. It
 * is Tokio's `spawn_blocking`: a fiber task offloads a blocking call with
 *
 * |[<!-- language="C" -->
 * g_autoptr(IsleFuture) future = isle_spawn_blocking (hash_file, g_strdup (path), g_free, g_free);
 * const char *digest = isle_await (future, error);
 * ]|
 *
 * and the island keeps running its other tasks meanwhile. The future
 * resolves on the worker thread; a task awaiting it is woken on its own
 * island's thread, and [method@Isle.Future.then] callbacks run on their own
 * context, so the result is used where the state it updates lives.
 *
 * The pool is shared by the whole process and bounded (see
 * [func@Isle.blocking_pool_set_max_threads]): jobs beyond the bound wait in
 * line, first in, first out. Its threads are named `isle-blocking`.
 *
 * **Cancellation.** [method@Isle.Future.cancel] on the returned future rejects
 * it with %G_IO_ERROR_CANCELLED at once. A job that has not started then
 * never runs; a running one sees the #GCancellable it was given cancelled,
 * and its result, when it returns, is released. Aborting a task that
 * awaits the future does the same when nobody else holds the future (see
 * [func@Isle.await]); otherwise the job keeps running (a thread cannot be
 * stopped from outside), and its result is released with
 * @result_destroy on the island's thread the next time the island runs:
 * a future made on an island is given back to it when its promise goes.
 * The same holds for a result that comes back after the future was
 * cancelled or timed out, and, once the island is freed, for one that
 * comes back later: it is released from its context, on the thread that
 * next iterates it. A job spawned where no island is current releases its
 * result on the worker thread (docs/blocking.md says exactly when).
 *
 * @user_data_destroy runs exactly once on the worker thread: after @func
 * returns and before the future resolves, or instead of @func for a job
 * cancelled before it started. @user_data is blocking data; it must not
 * need the island's thread to be released.
 *
 * Safe to call from any thread; it never blocks.
 *
 * Returns: (transfer full): a future for the job's result
 *
 * Since: 0.1
 */
IsleFuture *
isle_spawn_blocking (IsleBlockingFunc func,
                     gpointer         user_data,
                     GDestroyNotify   user_data_destroy,
                     GDestroyNotify   result_destroy)
{
  BlockingJob *job;
  IsleFuture *future;

  g_return_val_if_fail (func != NULL, NULL);

  job = g_new (BlockingJob, 1);
  job->func = func;
  job->user_data = user_data;
  job->user_data_destroy = user_data_destroy;
  job->result_destroy = result_destroy;
  job->promise = isle_promise_new ();
  job->cancellable = g_cancellable_new ();

  future = isle_future_ref (isle_promise_get_future (job->promise));
  _isle_future_set_cancellable (future, job->cancellable);
  _isle_future_set_origin (future, &_isle_origin_blocking, (gconstpointer) func, 0);

  pool_push (job);

  return future;
}

/**
 * isle_blocking_pool_get_max_threads:
 *
 * Gets the bound of the blocking pool: at most this many blocking jobs run
 * at once, each on its own worker thread.
 *
 * Unless [func@Isle.blocking_pool_set_max_threads] changed it, it is the
 * `ISLE_BLOCKING_THREADS` environment variable (1 to 1024) read at the
 * first use of the pool, or else the number of processors, and at least 4.
 *
 * Safe to call from any thread.
 *
 * Returns: the most worker threads the pool runs
 *
 * Since: 0.1
 */
guint
isle_blocking_pool_get_max_threads (void)
{
  guint max_threads;

  g_mutex_lock (&pool.lock);
  pool_ensure_initialized ();
  max_threads = pool.max_threads;
  g_mutex_unlock (&pool.lock);

  return max_threads;
}

/**
 * isle_blocking_pool_set_max_threads:
 * @max_threads: the most worker threads, from 1 to 1024
 *
 * Sets the bound of the process-wide blocking pool. Threads are started
 * when jobs wait and fewer threads than the bound are alive; they stay
 * until the bound is lowered below them. Lowering the bound does not stop
 * jobs that are running: the threads beyond it leave as soon as their job
 * returns, and until then no waiting job starts.
 *
 * Safe to call from any thread.
 *
 * Since: 0.1
 */
void
isle_blocking_pool_set_max_threads (guint max_threads)
{
  GSList *wake = NULL;
  GSList *start = NULL;
  Worker *worker;

  g_return_if_fail (max_threads >= 1 && max_threads <= BLOCKING_THREADS_LIMIT);

  g_mutex_lock (&pool.lock);
  pool_ensure_initialized ();
  pool.max_threads = max_threads;

  if (pool.n_threads > pool.max_threads)
    {
      /* Idle threads beyond the bound leave once woken. */
      guint excess = pool.n_threads - pool.max_threads;

      while (excess-- > 0 && (worker = pool_take_idle ()) != NULL)
        {
          /* Woken to leave, not to take a job. */
          worker->counted = FALSE;
          pool.n_waking--;
          wake = g_slist_prepend (wake, worker);
        }
    }
  else
    {
      /* Jobs that waited behind the old bound get threads now. */
      BlockingJob *job;

      for (job = pool.head;
           job != NULL && pool.n_threads < pool.max_threads;
           job = job->next)
        start = g_slist_prepend (start, pool_reserve_thread ());
    }
  g_mutex_unlock (&pool.lock);

  for (; wake != NULL; wake = g_slist_delete_link (wake, wake))
    g_cond_signal (&((Worker *) wake->data)->cond);
  for (; start != NULL; start = g_slist_delete_link (start, start))
    pool_start_thread (start->data);
}

guint
_isle_blocking_pool_get_n_threads (void)
{
  guint n_threads;

  g_mutex_lock (&pool.lock);
  n_threads = pool.n_threads;
  g_mutex_unlock (&pool.lock);

  return n_threads;
}
