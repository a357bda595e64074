/* test-blocking.c: isle_spawn_blocking() and the blocking pool
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>
#if HAVE_SYS_PRCTL_H
# include <sys/prctl.h>
#endif

#include <isle.h>
#ifdef G_OS_UNIX
# include <sys/wait.h>
# include <unistd.h>
#endif

#include "isle-blocking-private.h"
#include "isle-test-util.h"

#define TEST_ERROR (test_error_quark ())
GQuark test_error_quark (void);
G_DEFINE_QUARK (isle-test-blocking-error-quark, test_error)

/* What the jobs and the test thread share. Jobs that wait, wait on the
 * gate's condition until the test opens it; the test waits on the same
 * condition for the counters, never with a sleep. */
typedef struct
{
  GMutex   lock;
  GCond    cond;
  gboolean open;
  int      started;
  int      ran;
  int      user_data_destroyed;
  int      result_destroyed;
  gboolean saw_cancel;
  GThread *home_thread;      /* (nullable) where every result must be destroyed */
  int      result_wrong_thread;
} Gate;

static Gate gate;

static void
gate_reset (void)
{
  g_mutex_lock (&gate.lock);
  gate.open = FALSE;
  gate.started = 0;
  gate.ran = 0;
  gate.user_data_destroyed = 0;
  gate.result_destroyed = 0;
  gate.saw_cancel = FALSE;
  gate.home_thread = NULL;
  gate.result_wrong_thread = 0;
  g_mutex_unlock (&gate.lock);
}

static void
gate_open (void)
{
  g_mutex_lock (&gate.lock);
  gate.open = TRUE;
  g_cond_broadcast (&gate.cond);
  g_mutex_unlock (&gate.lock);
}

/* Blocks the calling thread until *@counter reaches @value; fails the test
 * at the deadline. */
static void
gate_wait_for (const int *counter,
               int        value)
{
  gint64 deadline = isle_test_deadline ();

  g_mutex_lock (&gate.lock);
  while (*counter < value)
    g_assert_true (g_cond_wait_until (&gate.cond, &gate.lock, deadline) ||
                   *counter >= value);
  g_mutex_unlock (&gate.lock);
}

static int
gate_get (const int *counter)
{
  int value;

  g_mutex_lock (&gate.lock);
  value = *counter;
  g_mutex_unlock (&gate.lock);
  return value;
}

static gboolean
tick (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

/* Waits for a job's result to be released. A future made on an island
 * gives its value back to the island's thread, so this iterates the
 * thread's context (a ticking source keeps the iteration from sleeping
 * past the deadline) instead of blocking it. */
static void
wait_result_destroyed (int value)
{
  gint64 deadline = isle_test_deadline ();
  GSource *ticker = g_timeout_source_new (10);

  g_source_set_callback (ticker, tick, NULL, NULL);
  g_source_attach (ticker, NULL);
  while (gate_get (&gate.result_destroyed) < value)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (NULL, TRUE);
    }
  g_source_destroy (ticker);
  g_source_unref (ticker);
}

static void
gate_count (int *counter)
{
  g_mutex_lock (&gate.lock);
  (*counter)++;
  g_cond_broadcast (&gate.cond);
  g_mutex_unlock (&gate.lock);
}

static void
counted_user_data_destroy (gpointer data)
{
  gate_count (&gate.user_data_destroyed);
}

static void
counted_result_free (gpointer data)
{
  g_mutex_lock (&gate.lock);
  if (gate.home_thread != NULL && g_thread_self () != gate.home_thread)
    gate.result_wrong_thread++;
  g_mutex_unlock (&gate.lock);
  gate_count (&gate.result_destroyed);
  g_free (data);
}

static void
gate_set_home_thread (void)
{
  g_mutex_lock (&gate.lock);
  gate.home_thread = g_thread_self ();
  g_mutex_unlock (&gate.lock);
}

typedef struct
{
  GThread *thread;
  guint64  sum;
} SumResult;

static gpointer
sum_job (gpointer       user_data,
         GCancellable  *cancellable,
         GError       **error)
{
  guint n = GPOINTER_TO_UINT (user_data);
  SumResult *result = g_new0 (SumResult, 1);
  guint i;

  g_assert_true (G_IS_CANCELLABLE (cancellable));
  g_assert_false (g_cancellable_is_cancelled (cancellable));

  result->thread = g_thread_self ();
  for (i = 1; i <= n; i++)
    result->sum += i;
  return result;
}

/* The job sums on a worker; the awaiting fiber gets the result back on
 * the island's thread, and never blocks the island meanwhile. */
static gpointer
await_sum (gpointer   user_data,
           GError   **error)
{
  GThread *island_thread = g_thread_self ();
  g_autoptr(IsleFuture) future = NULL;
  SumResult *result;

  future = isle_spawn_blocking (sum_job, GUINT_TO_POINTER (1000),
                                counted_user_data_destroy, counted_result_free);
  result = isle_await (future, error);
  g_assert_nonnull (result);
  g_assert_true (g_thread_self () == island_thread);
  g_assert_true (result->thread != island_thread);
  g_assert_cmpuint (result->sum, ==, 500500);
  g_assert_cmpint (gate_get (&gate.user_data_destroyed), ==, 1);
  g_assert_cmpint (gate_get (&gate.result_destroyed), ==, 0);

  return GINT_TO_POINTER (1);
}

static void
test_blocking_result (void)
{
  g_autoptr(IsleLocalSet) island = isle_local_set_new ();

  gate_reset ();
  g_assert_cmpint (GPOINTER_TO_INT (isle_test_run_root (island, await_sum, NULL)), ==, 1);

  /* The worker may hold the future a moment longer than the task did. */
  wait_result_destroyed (1);
  g_assert_cmpint (gate_get (&gate.result_destroyed), ==, 1);
  g_assert_cmpint (gate_get (&gate.user_data_destroyed), ==, 1);
}

static gpointer
fail_job (gpointer       user_data,
          GCancellable  *cancellable,
          GError       **error)
{
  g_set_error (error, TEST_ERROR, 7, "the job failed on purpose");
  return NULL;
}

static gpointer
await_failure (gpointer   user_data,
               GError   **error)
{
  g_autoptr(IsleFuture) future = NULL;
  g_autoptr(GError) local_error = NULL;

  future = isle_spawn_blocking (fail_job, NULL, counted_user_data_destroy, g_free);
  g_assert_null (isle_await (future, &local_error));
  g_assert_error (local_error, TEST_ERROR, 7);
  g_assert_cmpstr (local_error->message, ==, "the job failed on purpose");

  return GINT_TO_POINTER (1);
}

static void
test_blocking_error (void)
{
  g_autoptr(IsleLocalSet) island = isle_local_set_new ();

  gate_reset ();
  isle_test_run_root (island, await_failure, NULL);
  g_assert_cmpint (gate_get (&gate.user_data_destroyed), ==, 1);
}

#define N_BOUND_JOBS 1000
#define BOUND        3

static int running;       /* (atomic) */
static int most_running;  /* (atomic) */

static gpointer
bound_job (gpointer       user_data,
           GCancellable  *cancellable,
           GError       **error)
{
  int now = g_atomic_int_add (&running, 1) + 1;
  int most = g_atomic_int_get (&most_running);
  guint64 sum = 0;
  guint i;

  while (now > most && !g_atomic_int_compare_and_exchange (&most_running, most, now))
    most = g_atomic_int_get (&most_running);

  /* Long enough for the jobs to overlap. */
  for (i = 0; i < 10000; i++)
    sum += i;
  g_thread_yield ();

  g_atomic_int_add (&running, -1);
  return GSIZE_TO_POINTER ((gsize) sum);
}

static gpointer
await_many (gpointer   user_data,
            GError   **error)
{
  IsleFuture **futures = g_new (IsleFuture *, N_BOUND_JOBS);
  guint i;

  for (i = 0; i < N_BOUND_JOBS; i++)
    futures[i] = isle_spawn_blocking (bound_job, NULL, NULL, NULL);
  for (i = 0; i < N_BOUND_JOBS; i++)
    {
      g_assert_cmpuint (GPOINTER_TO_SIZE (isle_await (futures[i], error)), ==, 49995000);
      isle_future_unref (futures[i]);
    }
  g_free (futures);

  return GINT_TO_POINTER (1);
}

/* However many jobs wait, no more than the bound run at once, and the pool
 * has no more threads than that. */
static void
test_blocking_bound (void)
{
  g_autoptr(IsleLocalSet) island = isle_local_set_new ();
  guint saved = isle_blocking_pool_get_max_threads ();

  g_assert_cmpuint (saved, >=, 4);

  isle_blocking_pool_set_max_threads (BOUND);
  g_assert_cmpuint (isle_blocking_pool_get_max_threads (), ==, BOUND);
  g_atomic_int_set (&running, 0);
  g_atomic_int_set (&most_running, 0);

  isle_test_run_root (island, await_many, NULL);
  g_assert_cmpint (g_atomic_int_get (&most_running), >=, 1);
  g_assert_cmpint (g_atomic_int_get (&most_running), <=, BOUND);
  g_assert_cmpuint (_isle_blocking_pool_get_n_threads (), <=, BOUND);

  isle_blocking_pool_set_max_threads (saved);
}

static gpointer
gated_job (gpointer       user_data,
           GCancellable  *cancellable,
           GError       **error)
{
  gint64 deadline = isle_test_deadline ();

  g_mutex_lock (&gate.lock);
  /* Atomic: isle_test_iterate_until() reads it without the lock. */
  g_atomic_int_inc (&gate.started);
  gate.ran++;
  g_cond_broadcast (&gate.cond);
  while (!gate.open)
    g_assert_true (g_cond_wait_until (&gate.cond, &gate.lock, deadline) || gate.open);
  g_mutex_unlock (&gate.lock);

  return g_strdup ("gated");
}

/* A job cancelled while it waits in line never runs; its user data is
 * still released, once. The only worker is kept busy meanwhile. */
static void
test_blocking_cancel_before_start (void)
{
  guint saved = isle_blocking_pool_get_max_threads ();
  g_autoptr(IsleFuture) blocker = NULL;
  g_autoptr(IsleFuture) victim = NULL;
  g_autoptr(GError) error = NULL;

  gate_reset ();
  isle_blocking_pool_set_max_threads (1);

  blocker = isle_spawn_blocking (gated_job, NULL, counted_user_data_destroy, counted_result_free);
  gate_wait_for (&gate.started, 1);

  victim = isle_spawn_blocking (gated_job, NULL, counted_user_data_destroy, counted_result_free);
  isle_future_cancel (victim);
  g_assert_true (isle_future_is_finished (victim));
  g_assert_null (isle_future_get_value (victim, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);

  gate_open ();
  gate_wait_for (&gate.user_data_destroyed, 2);
  g_assert_cmpint (gate_get (&gate.ran), ==, 1);
  g_assert_true (isle_future_is_finished (blocker));
  g_assert_cmpstr (isle_future_get_value (blocker, NULL), ==, "gated");

  g_clear_pointer (&blocker, isle_future_unref);
  g_clear_pointer (&victim, isle_future_unref);
  wait_result_destroyed (1);
  g_assert_cmpint (gate_get (&gate.result_destroyed), ==, 1);
  g_assert_cmpint (gate_get (&gate.user_data_destroyed), ==, 2);

  isle_blocking_pool_set_max_threads (saved);
}

static void
wake_gate (GCancellable *cancellable,
           gpointer      user_data)
{
  g_mutex_lock (&gate.lock);
  g_cond_broadcast (&gate.cond);
  g_mutex_unlock (&gate.lock);
}

static gpointer
cancel_watch_job (gpointer       user_data,
                  GCancellable  *cancellable,
                  GError       **error)
{
  gint64 deadline = isle_test_deadline ();
  gulong handler;

  handler = g_cancellable_connect (cancellable, G_CALLBACK (wake_gate), NULL, NULL);

  g_mutex_lock (&gate.lock);
  gate.started++;
  g_cond_broadcast (&gate.cond);
  while (!g_cancellable_is_cancelled (cancellable) &&
         g_cond_wait_until (&gate.cond, &gate.lock, deadline))
    ;
  gate.saw_cancel = g_cancellable_is_cancelled (cancellable);
  g_mutex_unlock (&gate.lock);

  g_cancellable_disconnect (cancellable, handler);

  /* A result nobody will read: released by the cancelled future. */
  return g_strdup ("too late");
}

/* Cancelling the future of a running job cancels the job's cancellable;
 * the future is rejected at once, and the result the job still returns is
 * released. */
static void
test_blocking_cancel_while_running (void)
{
  g_autoptr(IsleFuture) future = NULL;
  g_autoptr(GError) error = NULL;

  gate_reset ();
  future = isle_spawn_blocking (cancel_watch_job, NULL, counted_user_data_destroy, counted_result_free);
  gate_wait_for (&gate.started, 1);

  isle_future_cancel (future);
  g_assert_null (isle_future_get_value (future, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);

  wait_result_destroyed (1);
  g_assert_true (gate.saw_cancel);
  g_assert_cmpint (gate_get (&gate.user_data_destroyed), ==, 1);
  g_clear_pointer (&future, isle_future_unref);
  g_assert_cmpint (gate_get (&gate.result_destroyed), ==, 1);
}

static gpointer
await_gated (gpointer   user_data,
             GError   **error)
{
  g_autoptr(IsleFuture) future = NULL;

  future = isle_spawn_blocking (gated_job, NULL, counted_user_data_destroy, counted_result_free);
  if (isle_await (future, error) == NULL)
    return NULL;

  g_assert_not_reached ();
  return NULL;
}

static gpointer
abort_awaiter (gpointer   user_data,
               GError   **error)
{
  g_autoptr(IsleJoinHandle) handle = isle_spawn_local (await_gated, NULL, NULL);
  g_autoptr(GError) join_error = NULL;

  /* Let the child start its job and suspend on it. */
  g_assert_true (isle_yield_now (error));
  gate_wait_for (&gate.started, 1);

  isle_join_handle_abort (handle);
  g_assert_null (isle_join_handle_join (handle, &join_error));
  g_assert_error (join_error, G_IO_ERROR, G_IO_ERROR_CANCELLED);

  return GINT_TO_POINTER (1);
}

/* Aborting the task that awaits a job leaves the job running; its result
 * is released with its destroy notify, once, when the job returns — on the
 * island's thread, once the island runs again, since the job's future was
 * made there. */
static void
test_blocking_abort_awaiter (void)
{
  g_autoptr(IsleLocalSet) island = isle_local_set_new ();
  gint64 deadline = isle_test_deadline ();

  gate_reset ();
  isle_test_run_root (island, abort_awaiter, NULL);
  g_assert_cmpint (gate_get (&gate.result_destroyed), ==, 0);

  gate_open ();
  while (gate_get (&gate.result_destroyed) < 1)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (isle_local_set_get_context (island), TRUE);
    }
  g_assert_cmpint (gate_get (&gate.user_data_destroyed), ==, 1);
  g_assert_cmpint (gate_get (&gate.result_destroyed), ==, 1);
  g_assert_cmpint (gate_get (&gate.ran), ==, 1);
}

/* Freeing an island whose task awaits a job aborts the task; the job
 * finishes later and its result and user data go exactly once. */
static void
test_blocking_island_teardown (void)
{
  IsleLocalSet *island = isle_local_set_new ();
  IsleJoinHandle *handle;

  gate_reset ();
  handle = isle_local_set_spawn_local (island, await_gated, NULL, NULL);
  isle_test_iterate_until (isle_local_set_get_context (island), &gate.started);

  isle_join_handle_unref (handle);
  isle_local_set_unref (island);
  g_assert_cmpint (gate_get (&gate.result_destroyed), ==, 0);

  /* The island is gone but its context is not: the result is released
   * where that context is iterated, on this thread. */
  gate_set_home_thread ();
  gate_open ();
  wait_result_destroyed (1);
  g_assert_cmpint (gate_get (&gate.user_data_destroyed), ==, 1);
  g_assert_cmpint (gate_get (&gate.result_destroyed), ==, 1);
  g_assert_cmpint (gate_get (&gate.result_wrong_thread), ==, 0);
}

static gpointer
await_gated_with_timeout (gpointer   user_data,
                          GError   **error)
{
  g_autoptr(IsleFuture) job = NULL;
  g_autoptr(IsleFuture) timed = NULL;
  GError *local_error = NULL;

  job = isle_spawn_blocking (gated_job, NULL, counted_user_data_destroy, counted_result_free);
  /* A job cancelled before it starts never runs: let it start first (it
   * needs nothing from this thread), or a worker slower than the timeout
   * would leave nothing to release. */
  gate_wait_for (&gate.started, 1);
  timed = isle_future_new_timeout_msec (job, 1);
  g_assert_null (isle_await (timed, &local_error));
  g_assert_error (local_error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  g_error_free (local_error);
  g_assert_true (isle_future_is_finished (job));

  return GINT_TO_POINTER (1);
}

/* isle_future_new_timeout_msec() over a blocking job times out and cancels the job's
 * future; the job returns later, and its result, which nobody will see,
 * is released on the island's thread (docs/blocking.md), not on the
 * worker; with @free_island, on the thread that iterates the context of
 * the island freed meanwhile. */
static void
blocking_timeout_releases_at_home (gboolean free_island)
{
  IsleLocalSet *island = isle_local_set_new ();

  gate_reset ();
  gate_set_home_thread ();
  g_assert_cmpint (GPOINTER_TO_INT (isle_test_run_root (island, await_gated_with_timeout, NULL)), ==, 1);
  if (free_island)
    g_clear_pointer (&island, isle_local_set_unref);

  gate_open ();
  gate_wait_for (&gate.user_data_destroyed, 1);
  wait_result_destroyed (1);
  g_assert_cmpint (gate_get (&gate.result_destroyed), ==, 1);
  g_assert_cmpint (gate_get (&gate.result_wrong_thread), ==, 0);
  g_clear_pointer (&island, isle_local_set_unref);
  g_assert_cmpint (gate_get (&gate.result_destroyed), ==, 1);
}

static void
test_blocking_timeout_releases_on_island (void)
{
  blocking_timeout_releases_at_home (FALSE);
}

static void
test_blocking_timeout_then_teardown (void)
{
  blocking_timeout_releases_at_home (TRUE);
}

static gpointer
done_job (gpointer       user_data,
          GCancellable  *cancellable,
          GError       **error)
{
  return g_strdup ("done");
}

static gpointer
await_done_job (gpointer   user_data,
                GError   **error)
{
  g_autoptr(IsleFuture) future = isle_spawn_blocking (done_job, NULL, NULL, g_free);
  const char *value = isle_await (future, error);

  return g_strdup (value);
}

/* fork() in a process with a live island and pool workers: the child has
 * none of the workers, and its first blocking job must still run (the
 * pool forgets them at the fork) rather than wait for a worker that does
 * not exist. The child awaits it with a deadline and says how it went
 * with its exit status. */
static void
test_blocking_after_fork (void)
{
#if !defined(G_OS_UNIX)
  g_test_skip ("fork() is a POSIX call");
#elif defined(__SANITIZE_THREAD__)
  g_test_skip ("ThreadSanitizer does not follow threads started after a fork");
#else
  if (g_test_subprocess ())
    {
      IsleLocalSet *island = isle_local_set_new ();
      char *value;
      pid_t pid;
      int status;

      value = isle_test_run_root (island, await_done_job, NULL);
      g_assert_cmpstr (value, ==, "done");
      g_free (value);
      g_assert_cmpuint (_isle_blocking_pool_get_n_threads (), >, 0);

      pid = fork ();
      g_assert_cmpint (pid, >=, 0);
      if (pid == 0)
        {
          GError *error = NULL;
          int code;

          value = isle_local_set_run_until_deadline (island, isle_test_deadline (),
                                                     await_done_job, NULL, NULL, NULL,
                                                     &error);
          if (g_strcmp0 (value, "done") == 0)
            code = 0;
          else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
            code = 3;
          else
            code = 4;
          g_free (value);
          g_clear_error (&error);
          isle_local_set_unref (island);
          _exit (code);
        }

      g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
      g_assert_true (WIFEXITED (status));
      g_assert_cmpint (WEXITSTATUS (status), ==, 0);

      /* The parent's pool is untouched. */
      value = isle_test_run_root (island, await_done_job, NULL);
      g_assert_cmpstr (value, ==, "done");
      g_free (value);
      isle_local_set_unref (island);
      g_print ("the child's job ran\n");
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stdout ("*the child's job ran*");
#endif
}

static gpointer
name_job (gpointer       user_data,
          GCancellable  *cancellable,
          GError       **error)
{
#if HAVE_SYS_PRCTL_H && defined(PR_GET_NAME)
  char name[17] = { 0, };

  g_assert_cmpint (prctl (PR_GET_NAME, name, 0, 0, 0), ==, 0);
  return g_strdup (name);
#else
  return NULL;
#endif
}

static gpointer
await_name (gpointer   user_data,
            GError   **error)
{
  g_autoptr(IsleFuture) future = isle_spawn_blocking (name_job, NULL, NULL, g_free);
  const char *name = isle_await (future, error);

  return g_strdup (name);
}

/* Workers are named, for `top -H`, gdb and perf. */
static void
test_blocking_thread_name (void)
{
#if HAVE_SYS_PRCTL_H && defined(PR_GET_NAME)
  g_autoptr(IsleLocalSet) island = isle_local_set_new ();
  g_autofree char *name = isle_test_run_root (island, await_name, NULL);

  g_assert_cmpstr (name, ==, "isle-blocking");
#else
  g_test_skip ("Thread names are read with prctl()");
#endif
}

static int then_called;

static void
then_cb (IsleFuture *future,
         gpointer    user_data)
{
  SumResult *result = isle_future_get_value (future, NULL);

  g_assert_true (g_thread_self () == user_data);
  g_assert_cmpuint (result->sum, ==, 55);
  g_atomic_int_set (&then_called, 1);
}

/* Plain code chains a callback; it runs on the chaining thread. */
static void
test_blocking_then (void)
{
  g_autoptr(IsleFuture) future = NULL;

  gate_reset ();
  then_called = 0;
  future = isle_spawn_blocking (sum_job, GUINT_TO_POINTER (10), NULL, counted_result_free);
  isle_future_then (future, then_cb, g_thread_self (), NULL);
  isle_test_iterate_until (g_main_context_default (), &then_called);
  g_clear_pointer (&future, isle_future_unref);
  wait_result_destroyed (1);
  g_assert_cmpint (gate_get (&gate.result_destroyed), ==, 1);
}

/* ISLE_BLOCKING_THREADS sets the bound at first use; the API changes it. */
static void
test_blocking_max_threads (void)
{
  if (g_test_subprocess ())
    {
      g_setenv ("ISLE_BLOCKING_THREADS", "3", TRUE);
      g_assert_cmpuint (isle_blocking_pool_get_max_threads (), ==, 3);
      isle_blocking_pool_set_max_threads (5);
      g_assert_cmpuint (isle_blocking_pool_get_max_threads (), ==, 5);
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
}

/* A bad value is reported and the default is kept. */
static void
test_blocking_max_threads_bad_env (void)
{
  if (g_test_subprocess ())
    {
      g_setenv ("ISLE_BLOCKING_THREADS", "lots", TRUE);
      g_log_set_always_fatal (G_LOG_FATAL_MASK);
      g_log_set_fatal_mask ("Isle", G_LOG_FATAL_MASK);
      g_assert_cmpuint (isle_blocking_pool_get_max_threads (), ==,
                        MAX (4, g_get_num_processors ()));
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stderr ("*ISLE_BLOCKING_THREADS=lots ignored*");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Isle/Blocking/result-to-awaiting-fiber", test_blocking_result);
  g_test_add_func ("/Isle/Blocking/error", test_blocking_error);
  g_test_add_func ("/Isle/Blocking/bound-never-exceeded", test_blocking_bound);
  g_test_add_func ("/Isle/Blocking/cancel-before-start", test_blocking_cancel_before_start);
  g_test_add_func ("/Isle/Blocking/cancel-while-running", test_blocking_cancel_while_running);
  g_test_add_func ("/Isle/Blocking/abort-awaiter-drops-result", test_blocking_abort_awaiter);
  g_test_add_func ("/Isle/Blocking/island-teardown", test_blocking_island_teardown);
  g_test_add_func ("/Isle/Blocking/timeout-releases-on-island", test_blocking_timeout_releases_on_island);
  g_test_add_func ("/Isle/Blocking/timeout-then-teardown", test_blocking_timeout_then_teardown);
  g_test_add_func ("/Isle/Blocking/thread-name", test_blocking_thread_name);
  g_test_add_func ("/Isle/Blocking/after-fork", test_blocking_after_fork);
  g_test_add_func ("/Isle/Blocking/then-callback", test_blocking_then);
  g_test_add_func ("/Isle/Blocking/max-threads", test_blocking_max_threads);
  g_test_add_func ("/Isle/Blocking/max-threads-bad-env", test_blocking_max_threads_bad_env);

  return g_test_run ();
}
