/* test-stress.c: a seeded random mix of everything, checked for exactly-once
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Tasks run random scripts: yield, park (woken later by this thread or by
 * one of two helper threads), spawn fiber and poll children, join them,
 * detach them, abort random tasks, use join sets, sleep for 0 or 1 ms,
 * await promises that the two helper threads resolve or reject, await
 * blocking jobs (some under a timeout that drops their result), and spawn
 * children whose user data owns their only handle; islands are torn down
 * in the middle of it all. Every blocking result must come back to the
 * island's thread. Every
 * task's user data must be destroyed exactly once, on the island's thread,
 * every blocking job's exactly once, and every join must report a result,
 * the task's error or a cancellation.
 *
 * ISLE_STRESS_SEED replays a run; ISLE_STRESS_OPS sets its length (100,000
 * by default). A failing run prints its seed.
 */

#include "config.h"

#include <isle.h>

#include "isle-local-set-private.h"
#include "isle-test-util.h"

typedef struct
{
  guint     id;
  int       destroyed;      /* (atomic) */
  GThread  *destroy_thread;
  IsleJoinHandle *own_handle; /* (owned) (nullable) its task's handle, dropped with it */
} Record;

typedef struct
{
  GRand        *rand;
  guint         ops_left;
  GPtrArray    *records;     /* (owned) Record *, all of the run */
  GPtrArray    *handles;     /* (owned) IsleJoinHandle *, any task may abort these */
  GThread      *island_thread;

  GMutex        lock;
  GCond         cond;
  GQueue        remote_wakers; /* protected by lock; IsleWaker * (owned) */
  GQueue        promises;      /* protected by lock; IslePromise * (owned) */
  int           jobs_started;  /* protected by lock */
  int           jobs_released; /* protected by lock: user data destroyed */
  gboolean      stop;          /* protected by lock */
  GPtrArray    *local_wakers;  /* (owned) IsleWaker *, woken by this thread */
  guint         n_joined;
  guint         n_cancelled;
  guint         n_failed;
  int           job_results_wrong_thread; /* (atomic) */
} Stress;

static Stress *stress;

#define STRESS_ERROR (stress_error_quark ())
GQuark stress_error_quark (void);
G_DEFINE_QUARK (isle-stress-error-quark, stress_error)

static void
record_destroy (gpointer data)
{
  Record *record = data;

  g_assert_cmpint (g_atomic_int_add (&record->destroyed, 1), ==, 0);
  record->destroy_thread = g_thread_self ();
  /* A per-call struct owning its task's handle drops it here, while the
   * task finishes (the order that once released a result twice). */
  g_clear_pointer (&record->own_handle, isle_join_handle_unref);
}

static Record *
record_new (void)
{
  Record *record = g_new0 (Record, 1);

  record->id = stress->records->len;
  g_ptr_array_add (stress->records, record);
  return record;
}

static gboolean
take_op (void)
{
  if (stress->ops_left == 0)
    return FALSE;
  stress->ops_left--;
  return TRUE;
}

static gpointer fiber_script (gpointer user_data, GError **error);

/* A blocking job's user data: released once, on the worker thread. */
typedef struct
{
  int released;   /* (atomic) */
} JobData;

static void
job_data_free (gpointer data)
{
  JobData *job = data;

  g_assert_cmpint (g_atomic_int_add (&job->released, 1), ==, 0);
  g_free (job);
  g_mutex_lock (&stress->lock);
  stress->jobs_released++;
  g_cond_broadcast (&stress->cond);
  g_mutex_unlock (&stress->lock);
}

/* A blocking job's result goes back to the island's thread, even when
 * its future timed out or its island was freed meanwhile. */
static void
job_result_free (gpointer data)
{
  if (g_thread_self () != stress->island_thread)
    g_atomic_int_inc (&stress->job_results_wrong_thread);
  g_free (data);
}

static gpointer
stress_job (gpointer       user_data,
            GCancellable  *cancellable,
            GError       **error)
{
  return g_strdup ("job done");
}

/* Awaits a promise that a helper thread settles. */
static gboolean
await_remote_promise (GError **error)
{
  IslePromise *promise = isle_promise_new ();
  g_autoptr(IsleFuture) future = isle_future_ref (isle_promise_get_future (promise));
  GError *local_error = NULL;

  g_mutex_lock (&stress->lock);
  g_queue_push_tail (&stress->promises, promise);
  g_cond_signal (&stress->cond);
  g_mutex_unlock (&stress->lock);

  isle_await (future, &local_error);
  if (local_error != NULL && isle_task_is_aborted (isle_task_get_current ()))
    {
      g_propagate_error (error, local_error);
      return FALSE;
    }
  /* Resolved, or rejected by the helper: both fine. */
  g_clear_error (&local_error);
  return TRUE;
}

static gboolean
await_blocking_job (GError **error)
{
  g_autoptr(IsleFuture) job = NULL;
  GError *local_error = NULL;

  g_mutex_lock (&stress->lock);
  stress->jobs_started++;
  g_mutex_unlock (&stress->lock);
  job = isle_spawn_blocking (stress_job, g_new0 (JobData, 1), job_data_free, job_result_free);
  if (g_rand_boolean (stress->rand))
    {
      /* Often times out: the result comes back to nobody. */
      g_autoptr(IsleFuture) timed = isle_future_new_timeout_msec (job, g_rand_int_range (stress->rand, 0, 2));

      isle_await (timed, &local_error);
      if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
        g_clear_error (&local_error);
    }
  else
    isle_await (job, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return FALSE;
    }
  return TRUE;
}

static IslePoll
poll_script (gpointer    state,
             IsleWaker  *waker,
             gpointer   *result,
             GError    **error)
{
  Record *record = state;
  guint choice = g_rand_int_range (stress->rand, 0, 4);

  if (!take_op () || choice == 0)
    {
      *result = g_strdup ("poll done");
      return ISLE_POLL_READY;
    }

  if (choice == 1)
    {
      g_set_error (error, STRESS_ERROR, (int) record->id, "poll task %u failed", record->id);
      return ISLE_POLL_READY;
    }

  if (choice == 2)
    isle_waker_wake (waker);
  else
    g_ptr_array_add (stress->local_wakers, isle_waker_ref (waker));
  return ISLE_POLL_PENDING;
}

static void
spawn_child (GPtrArray *children)
{
  Record *record = record_new ();
  IsleJoinHandle *handle;

  if (g_rand_boolean (stress->rand))
    handle = isle_spawn_local_full (NULL, g_rand_boolean (stress->rand) ? G_PRIORITY_DEFAULT : G_PRIORITY_HIGH,
                                    0, fiber_script, record, record_destroy, g_free);
  else
    handle = isle_spawn_local_poll_full (NULL, G_PRIORITY_DEFAULT, poll_script,
                                         record, record_destroy, g_free);

  g_ptr_array_add (children, handle);
  g_ptr_array_add (stress->handles, isle_join_handle_ref (handle));
}

static void
count_join (gpointer  result,
            GError   *error)
{
  stress->n_joined++;
  if (error == NULL)
    g_free (result);
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    stress->n_cancelled++;
  else
    {
      g_assert_true (error->domain == STRESS_ERROR || error->domain == G_IO_ERROR);
      stress->n_failed++;
    }
}

static gpointer
fiber_script (gpointer   user_data,
              GError   **error)
{
  Record *record = user_data;
  g_autoptr(GPtrArray) children = g_ptr_array_new_with_free_func ((GDestroyNotify) isle_join_handle_unref);
  g_autoptr(IsleJoinSet) set = isle_join_set_new ();
  GError *local_error = NULL;

  while (take_op ())
    {
      switch (g_rand_int_range (stress->rand, 0, 14))
        {
        case 0:
        case 1:
          if (!isle_yield_now (&local_error))
            goto cancelled;
          break;

        case 2:
          {
            IsleWaker *waker = isle_task_ref_waker (isle_task_get_current ());

            if (g_rand_boolean (stress->rand))
              {
                g_mutex_lock (&stress->lock);
                g_queue_push_tail (&stress->remote_wakers, waker);
                g_cond_signal (&stress->cond);
                g_mutex_unlock (&stress->lock);
              }
            else
              g_ptr_array_add (stress->local_wakers, waker);

            if (!isle_park (&local_error))
              goto cancelled;
          }
          break;

        case 3:
        case 4:
          if (children->len < 8)
            spawn_child (children);
          break;

        case 5:
          if (children->len > 0)
            {
              guint i = g_rand_int_range (stress->rand, 0, children->len);
              IsleJoinHandle *handle = g_ptr_array_steal_index_fast (children, i);
              gpointer result;

              result = isle_join_handle_join (handle, &local_error);
              if (local_error != NULL && isle_task_is_aborted (isle_task_get_current ()) &&
                  !isle_join_handle_is_finished (handle))
                {
                  isle_join_handle_unref (handle);
                  goto cancelled;
                }
              count_join (result, local_error);
              g_clear_error (&local_error);
              isle_join_handle_unref (handle);
            }
          break;

        case 6:
          /* Detach. */
          if (children->len > 0)
            g_ptr_array_remove_index_fast (children,
                                           g_rand_int_range (stress->rand, 0, children->len));
          break;

        case 7:
          if (stress->handles->len > 0)
            isle_join_handle_abort (g_ptr_array_index (stress->handles,
                                                       g_rand_int_range (stress->rand, 0, stress->handles->len)));
          break;

        case 8:
          {
            Record *child = record_new ();

            isle_join_set_spawn_full (set, NULL, G_PRIORITY_DEFAULT, 0, fiber_script,
                                      child, record_destroy, g_free);
          }
          break;

        case 9:
          if (!isle_join_set_is_empty (set))
            {
              IsleJoinHandle *done = isle_join_set_join_next (set, &local_error);

              if (done == NULL)
                goto cancelled;
              count_join (isle_join_handle_join (done, &local_error), local_error);
              g_clear_error (&local_error);
              isle_join_handle_unref (done);
            }
          break;

        case 10:
          if (!isle_sleep_msec (g_rand_int_range (stress->rand, 0, 2), &local_error))
            goto cancelled;
          break;

        case 11:
          if (!await_remote_promise (&local_error))
            goto cancelled;
          break;

        case 12:
          if (!await_blocking_job (&local_error))
            goto cancelled;
          break;

        case 13:
          {
            /* A child whose user data owns its only handle; others may
             * abort it through the shared list. */
            Record *child = record_new ();
            IsleJoinHandle *handle;

            if (g_rand_boolean (stress->rand))
              handle = isle_spawn_local_full (NULL, G_PRIORITY_DEFAULT, 0, fiber_script,
                                              child, record_destroy, g_free);
            else
              handle = isle_spawn_local_poll_full (NULL, G_PRIORITY_DEFAULT, poll_script,
                                                   child, record_destroy, g_free);
            g_ptr_array_add (stress->handles, isle_join_handle_ref (handle));
            if (g_rand_boolean (stress->rand))
              isle_join_handle_abort (handle);
            child->own_handle = handle;
          }
          break;

        default:
          g_assert_not_reached ();
        }

      if (g_rand_int_range (stress->rand, 0, 50) == 0)
        break;
    }

  if (g_rand_int_range (stress->rand, 0, 5) == 0)
    {
      g_set_error (error, STRESS_ERROR, (int) record->id, "fiber %u failed", record->id);
      return NULL;
    }
  return g_strdup ("fiber done");

cancelled:
  g_propagate_error (error, local_error);
  return NULL;
}

/* Wakes the wakers and settles the promises tasks hand over, in the order
 * they come: two of these run. */
static gpointer
helper_thread (gpointer data)
{
  guint n = 0;

  for (;;)
    {
      IsleWaker *waker;
      IslePromise *promise;

      g_mutex_lock (&stress->lock);
      while (g_queue_is_empty (&stress->remote_wakers) && g_queue_is_empty (&stress->promises) &&
             !stress->stop)
        g_cond_wait (&stress->cond, &stress->lock);
      waker = g_queue_pop_head (&stress->remote_wakers);
      promise = g_queue_pop_head (&stress->promises);
      g_mutex_unlock (&stress->lock);

      if (waker == NULL && promise == NULL)
        return NULL;
      if (waker != NULL)
        {
          isle_waker_wake (waker);
          isle_waker_unref (waker);
        }
      if (promise != NULL)
        {
          /* Settling a future that its aborted task cancelled meanwhile
           * is silently ignored. */
          if (n++ % 4 == 3)
            isle_promise_reject (promise, g_error_new_literal (STRESS_ERROR, 0, "rejected"));
          else
            isle_promise_resolve (promise, g_strdup ("resolved"), g_free);
          isle_promise_unref (promise);
        }
    }
}

static void
wake_some_local (void)
{
  while (stress->local_wakers->len > 0 && g_rand_boolean (stress->rand))
    {
      IsleWaker *waker = g_ptr_array_steal_index_fast (stress->local_wakers,
                                                       g_rand_int_range (stress->rand, 0, stress->local_wakers->len));

      isle_waker_wake (waker);
      isle_waker_unref (waker);
    }
}

static void
run_island (void)
{
  IsleLocalSet *island = isle_local_set_new ();
  guint roots = g_rand_int_range (stress->rand, 1, 6);
  guint iterations = g_rand_int_range (stress->rand, 1, 2000);
  guint i;

  isle_local_set_set_unhandled_failure (island, ISLE_UNHANDLED_FAILURE_IGNORE);
  for (i = 0; i < roots; i++)
    {
      Record *record = record_new ();
      IsleJoinHandle *handle = isle_local_set_spawn_local_full (island, NULL, G_PRIORITY_DEFAULT, 0,
                                                                fiber_script, record,
                                                                record_destroy, g_free);

      g_ptr_array_add (stress->handles, handle);
    }

  /* Drive it a while, then tear it down with whatever is still in flight. */
  for (i = 0; i < iterations && isle_local_set_get_n_tasks (island) > 0; i++)
    {
      wake_some_local ();
      g_main_context_iteration (NULL, FALSE);
    }

  /* Handles go first, while the island's failure policy still applies to
   * the results they drop. */
  g_ptr_array_set_size (stress->handles, 0);
  isle_local_set_unref (island);

  /* Every task has finished: its wakers may go. */
  g_ptr_array_set_size (stress->local_wakers, 0);
}

static void
test_stress (void)
{
  const char *seed_env = g_getenv ("ISLE_STRESS_SEED");
  const char *ops_env = g_getenv ("ISLE_STRESS_OPS");
  guint32 seed = seed_env ? (guint32) g_ascii_strtoull (seed_env, NULL, 10) : g_random_int ();
  guint ops = ops_env ? (guint) g_ascii_strtoull (ops_env, NULL, 10) : 100000;
  GThread *threads[2];
  guint i;

  g_test_message ("stress seed %u, %u operations (ISLE_STRESS_SEED=%u replays it)",
                  seed, ops, seed);
  g_printerr ("# ISLE_STRESS_SEED=%u\n", seed);

  /* A teardown of a thousand tasks in flight can take seconds under
   * Valgrind on a loaded machine: that is not a task ignoring its
   * cancellation, which this test does not look for. */
  _isle_local_set_set_teardown_report_after (120 * G_TIME_SPAN_SECOND);

  stress = g_new0 (Stress, 1);
  stress->rand = g_rand_new_with_seed (seed);
  stress->ops_left = ops;
  stress->records = g_ptr_array_new_with_free_func (g_free);
  stress->handles = g_ptr_array_new_with_free_func ((GDestroyNotify) isle_join_handle_unref);
  stress->local_wakers = g_ptr_array_new_with_free_func ((GDestroyNotify) isle_waker_unref);
  stress->island_thread = g_thread_self ();
  g_mutex_init (&stress->lock);
  g_cond_init (&stress->cond);
  for (i = 0; i < G_N_ELEMENTS (threads); i++)
    threads[i] = g_thread_new ("stress-helper", helper_thread, NULL);

  while (stress->ops_left > 0)
    run_island ();

  /* Every blocking job has released its user data, once. */
  g_mutex_lock (&stress->lock);
  {
    gint64 deadline = isle_test_deadline ();

    while (stress->jobs_released < stress->jobs_started)
      if (!g_cond_wait_until (&stress->cond, &stress->lock, deadline))
        g_error ("stress seed %u: %d of %d blocking jobs never released their data",
                 seed, stress->jobs_started - stress->jobs_released, stress->jobs_started);
  }
  stress->stop = TRUE;
  g_cond_broadcast (&stress->cond);
  g_mutex_unlock (&stress->lock);
  for (i = 0; i < G_N_ELEMENTS (threads); i++)
    g_thread_join (threads[i]);
  /* Wakers queued after their islands were gone: waking them is harmless. */
  while (!g_queue_is_empty (&stress->remote_wakers))
    {
      IsleWaker *waker = g_queue_pop_head (&stress->remote_wakers);

      isle_waker_wake (waker);
      isle_waker_unref (waker);
    }
  g_assert_true (g_queue_is_empty (&stress->promises));
  /* Results still on their way back are released as the context runs. */
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_assert_cmpint (g_atomic_int_get (&stress->job_results_wrong_thread), ==, 0);

  for (i = 0; i < stress->records->len; i++)
    {
      Record *record = g_ptr_array_index (stress->records, i);

      if (record->destroyed != 1 || record->destroy_thread != stress->island_thread)
        g_error ("stress seed %u: task record %u destroyed %d times, on %s thread",
                 seed, record->id, record->destroyed,
                 record->destroy_thread == stress->island_thread ? "the island's" : "another");
    }

  g_test_message ("%u tasks, %u joins (%u cancelled, %u failed), %d blocking jobs",
                  stress->records->len, stress->n_joined, stress->n_cancelled,
                  stress->n_failed, stress->jobs_started);
  g_assert_cmpuint (stress->records->len, >, 100);

  g_ptr_array_unref (stress->local_wakers);
  g_ptr_array_unref (stress->handles);
  g_ptr_array_unref (stress->records);
  g_rand_free (stress->rand);
  g_mutex_clear (&stress->lock);
  g_cond_clear (&stress->cond);
  g_clear_pointer (&stress, g_free);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Isle/Stress/random-mix", test_stress);

  return g_test_run ();
}
