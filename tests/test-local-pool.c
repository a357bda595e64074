/* test-local-pool.c: IsleLocalPool
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <isle.h>
#include <pthread.h>
#include <string.h>

#include "isle-test-util.h"

/* The index of the pool thread the calling task runs on, checked against
 * the thread's name and its thread-default context. */
static guint
current_pool_index (IsleLocalPool *pool)
{
  IsleLocalSet *island = isle_local_set_get_current ();
  char name[16] = "";
  char expected[16];

  g_assert_nonnull (island);
  g_assert_true (g_main_context_get_thread_default () == isle_local_set_get_context (island));
  pthread_getname_np (pthread_self (), name, sizeof name);
  for (guint i = 0; i < isle_local_pool_get_n_threads (pool); i++)
    if (isle_local_pool_get_island (pool, i) == island)
      {
        g_snprintf (expected, sizeof expected, "isle-pool-%u", i);
        g_assert_cmpstr (name, ==, expected);
        return i;
      }
  g_assert_not_reached ();
}

static gpointer
where_task (gpointer   user_data,
            GError   **error)
{
  if (!isle_yield_now (error))
    return NULL;
  return GUINT_TO_POINTER (current_pool_index (user_data) + 1);
}

static void
test_local_pool_basic (void)
{
  g_autoptr(IsleLocalPool) pool = isle_local_pool_new (2);
  g_autoptr(IsleLocalPool) default_pool = isle_local_pool_new (0);

  g_assert_true (G_TYPE_IS_BOXED (ISLE_TYPE_LOCAL_POOL));
  g_assert_cmpuint (isle_local_pool_get_n_threads (pool), ==, 2);
  g_assert_cmpuint (isle_local_pool_get_n_threads (default_pool), ==, g_get_num_processors ());
  g_assert_true (isle_local_pool_get_island (pool, 0) != isle_local_pool_get_island (pool, 1));

  for (guint i = 0; i < 2; i++)
    {
      g_autoptr(IsleFuture) future = NULL;
      g_autoptr(GError) error = NULL;

      future = isle_local_pool_spawn_pinned_by_index (pool, i, where_task, pool, NULL);
      g_assert_cmpuint (GPOINTER_TO_UINT (isle_future_wait (future, NULL, &error)), ==, i + 1);
      g_assert_no_error (error);
    }

  {
    /* A spawn through the island, from this thread, also works. */
    g_autoptr(IsleFuture) future = NULL;

    future = isle_local_set_spawn_remote (isle_local_pool_get_island (pool, 1),
                                          where_task, pool, NULL);
    g_assert_cmpuint (GPOINTER_TO_UINT (isle_future_wait (future, NULL, NULL)), ==, 2);
  }
}

/* Each pool thread's own thread-affine state, touched by tasks pinned
 * there; a task on another thread would abort the test. */

#define N_GUARD_THREADS 3
#define N_GUARD_TASKS 30

static IsleThreadGuard *guards[N_GUARD_THREADS];

static gpointer
make_guard_task (gpointer   user_data,
                 GError   **error)
{
  guint index = GPOINTER_TO_UINT (user_data);

  guards[index] = isle_thread_guard_new (g_strdup_printf ("state of %u", index), g_free);
  return GUINT_TO_POINTER (1);
}

static gpointer
touch_guard_task (gpointer   user_data,
                  GError   **error)
{
  guint index = GPOINTER_TO_UINT (user_data);
  g_autofree char *expected = g_strdup_printf ("state of %u", index);

  g_assert_true (isle_thread_guard_is_owner (guards[index]));
  g_assert_cmpstr (isle_thread_guard_get (guards[index]), ==, expected);
  if (!isle_yield_now (error))
    return NULL;
  g_assert_cmpstr (isle_thread_guard_get (guards[index]), ==, expected);
  return GUINT_TO_POINTER (1);
}

static gpointer
drop_guard_task (gpointer   user_data,
                 GError   **error)
{
  g_clear_pointer (&guards[GPOINTER_TO_UINT (user_data)], isle_thread_guard_unref);
  return GUINT_TO_POINTER (1);
}

static void
wait_all (GPtrArray *futures)
{
  for (guint i = 0; i < futures->len; i++)
    {
      g_autoptr(GError) error = NULL;

      g_assert_nonnull (isle_future_wait (futures->pdata[i], NULL, &error));
      g_assert_no_error (error);
    }
  g_ptr_array_set_size (futures, 0);
}

static void
test_local_pool_thread_guards (void)
{
  g_autoptr(IsleLocalPool) pool = isle_local_pool_new (N_GUARD_THREADS);
  g_autoptr(GPtrArray) futures = g_ptr_array_new_with_free_func ((GDestroyNotify) isle_future_unref);

  for (guint i = 0; i < N_GUARD_THREADS; i++)
    g_ptr_array_add (futures, isle_local_pool_spawn_pinned_by_index (pool, i, make_guard_task,
                                                                     GUINT_TO_POINTER (i), NULL));
  wait_all (futures);
  for (guint n = 0; n < N_GUARD_TASKS; n++)
    for (guint i = 0; i < N_GUARD_THREADS; i++)
      g_ptr_array_add (futures, isle_local_pool_spawn_pinned_by_index (pool, i, touch_guard_task,
                                                                       GUINT_TO_POINTER (i), NULL));
  wait_all (futures);
  for (guint i = 0; i < N_GUARD_THREADS; i++)
    g_ptr_array_add (futures, isle_local_pool_spawn_pinned_by_index (pool, i, drop_guard_task,
                                                                     GUINT_TO_POINTER (i), NULL));
  wait_all (futures);
}

/* Least-loaded placement: the pinned tasks not yet done count. */

typedef struct
{
  IsleLocalPool *pool;
  IsleNotify    *go;      /* (owned) */
  guint          where;   /* set by the task */
} Parked;

static void
parked_free (gpointer data)
{
  Parked *parked = data;

  isle_notify_unref (parked->go);
  g_free (parked);
}

static gpointer
parked_task (gpointer   user_data,
             GError   **error)
{
  Parked *parked = user_data;
  guint where = current_pool_index (parked->pool);

  if (!isle_notify_wait (parked->go, error))
    return NULL;
  return GUINT_TO_POINTER (where + 1);
}

static IsleFuture *
spawn_parked (IsleLocalPool *pool,
              IsleNotify    *go,
              gint           index)
{
  Parked *parked = g_new0 (Parked, 1);

  parked->pool = pool;
  parked->go = isle_notify_ref (go);
  if (index < 0)
    return isle_local_pool_spawn_pinned (pool, parked_task, parked, parked_free);
  return isle_local_pool_spawn_pinned_by_index (pool, index, parked_task, parked, parked_free);
}

static void
test_local_pool_least_loaded (void)
{
  g_autoptr(IsleLocalPool) pool = isle_local_pool_new (3);
  g_autoptr(IsleNotify) go = isle_notify_new ();
  IsleFuture *futures[6];
  /* Two on 0 and one on 1 by index; then the least loaded: 2, then 1 and
   * 2 tie with one each and the lower index wins, then 2 again. */
  static const gint placement[] = { 0, 0, 1, -1, -1, -1 };
  static const guint expected[] = { 0, 0, 1, 2, 1, 2 };

  for (guint i = 0; i < G_N_ELEMENTS (futures); i++)
    futures[i] = spawn_parked (pool, go, placement[i]);

  for (guint i = 0; i < G_N_ELEMENTS (futures); i++)
    {
      g_autoptr(GError) error = NULL;

      /* Released one at a time: each notify_one wakes one waiter, and the
       * waiter count across islands is not ordered, so wake until done. */
      while (!isle_future_is_finished (futures[i]))
        {
          isle_notify_notify_waiters (go);
          g_thread_yield ();
        }
      g_assert_cmpuint (GPOINTER_TO_UINT (isle_future_wait (futures[i], NULL, &error)),
                        ==, expected[i] + 1);
      g_assert_no_error (error);
      isle_future_unref (futures[i]);
    }
}

/* Shutdown with parked, sleeping and blocking-awaiting tasks: each is
 * aborted, its data released on its own pool thread, its future failed. */

static int shutdown_destroyed;    /* (atomic) */
static int shutdown_wrong_thread; /* (atomic) */
static int shutdown_started;      /* (atomic) */

static void
on_pool_thread_destroy (gpointer data)
{
  char name[16] = "";

  pthread_getname_np (pthread_self (), name, sizeof name);
  if (!g_str_has_prefix (name, "isle-pool-"))
    g_atomic_int_inc (&shutdown_wrong_thread);
  g_atomic_int_inc (&shutdown_destroyed);
  g_free (data);
}

static GMutex job_lock;
static GCond job_cond;
static gboolean job_release;

static gpointer
stuck_job (gpointer       user_data,
           GCancellable  *cancellable,
           GError       **error)
{
  g_mutex_lock (&job_lock);
  while (!job_release)
    g_cond_wait (&job_cond, &job_lock);
  g_mutex_unlock (&job_lock);
  return NULL;
}

static gpointer
busy_task (gpointer   user_data,
           GError   **error)
{
  guint kind = *(guint *) user_data;
  g_autoptr(IsleNotify) never = NULL;
  g_autoptr(IsleFuture) job = NULL;

  g_atomic_int_inc (&shutdown_started);
  switch (kind % 3)
    {
    case 0:
      never = isle_notify_new ();
      isle_notify_wait (never, error);
      break;
    case 1:
      isle_sleep_seconds (3600, error);
      break;
    default:
      job = isle_spawn_blocking (stuck_job, NULL, NULL, NULL);
      isle_await (job, error);
      break;
    }
  return NULL;
}

static void
test_local_pool_shutdown (void)
{
  g_autoptr(IsleLocalPool) pool = isle_local_pool_new (2);
  g_autoptr(GError) error = NULL;
  IsleFuture *futures[12];

  shutdown_destroyed = 0;
  shutdown_wrong_thread = 0;
  shutdown_started = 0;
  job_release = FALSE;
  for (guint i = 0; i < G_N_ELEMENTS (futures); i++)
    {
      guint *kind = g_new (guint, 1);

      *kind = i;
      futures[i] = isle_local_pool_spawn_pinned (pool, busy_task, kind, on_pool_thread_destroy);
    }
  while (g_atomic_int_get (&shutdown_started) < (int) G_N_ELEMENTS (futures))
    g_thread_yield ();

  g_assert_true (isle_local_pool_shutdown (pool, 10000, &error));
  g_assert_no_error (error);
  g_assert_cmpint (shutdown_destroyed, ==, G_N_ELEMENTS (futures));
  g_assert_cmpint (shutdown_wrong_thread, ==, 0);

  for (guint i = 0; i < G_N_ELEMENTS (futures); i++)
    {
      g_autoptr(GError) task_error = NULL;

      g_assert_true (isle_future_is_finished (futures[i]));
      g_assert_null (isle_future_get_value (futures[i], &task_error));
      g_assert_error (task_error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
      isle_future_unref (futures[i]);
    }

  /* A second shutdown has nothing left to wait for. */
  g_assert_true (isle_local_pool_shutdown (pool, 0, NULL));

  g_mutex_lock (&job_lock);
  job_release = TRUE;
  g_cond_broadcast (&job_cond);
  g_mutex_unlock (&job_lock);
}

/* A task that ignores its cancellation: the shutdown times out. */

static int stubborn_stop;   /* (atomic) */

static gpointer
stubborn_task (gpointer   user_data,
               GError   **error)
{
  g_atomic_int_inc (&shutdown_started);
  while (!g_atomic_int_get (&stubborn_stop))
    isle_yield_now (NULL);
  return NULL;
}

static void
test_local_pool_shutdown_timeout (void)
{
  g_autoptr(IsleLocalPool) pool = isle_local_pool_new (1);
  g_autoptr(IsleFuture) future = NULL;
  g_autoptr(GError) error = NULL;

  shutdown_started = 0;
  future = isle_local_pool_spawn_pinned (pool, stubborn_task, NULL, NULL);
  while (!g_atomic_int_get (&shutdown_started))
    g_thread_yield ();

  g_assert_false (isle_local_pool_shutdown (pool, 50, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  g_atomic_int_set (&stubborn_stop, 1);
  /* The last reference waits for the thread. */
}

/* Misuse. */

static void
test_local_pool_spawn_after_shutdown (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(IsleLocalPool) pool = isle_local_pool_new (1);
      g_autoptr(IsleFuture) future = NULL;
      g_autoptr(GError) error = NULL;

      isle_test_make_criticals_non_fatal ();
      g_assert_true (isle_local_pool_shutdown (pool, -1, NULL));
      shutdown_destroyed = 0;
      future = isle_local_pool_spawn_pinned (pool, where_task, g_strdup ("data"),
                                             on_pool_thread_destroy);
      g_assert_null (isle_future_wait (future, NULL, &error));
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CLOSED);
      g_assert_cmpint (shutdown_destroyed, ==, 1);
      g_print ("returned\n");
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stdout ("*returned*");
  g_test_trap_assert_stderr ("*CRITICAL*isle_local_pool_spawn_pinned() called on "
                             "IsleLocalPool *, which is shut down*Spawn before "
                             "isle_local_pool_shutdown()*");
}

static gpointer
unref_pool_task (gpointer   user_data,
                 GError   **error)
{
  isle_local_pool_unref (user_data);
  return GUINT_TO_POINTER (1);
}

static gpointer
shutdown_pool_task (gpointer   user_data,
                    GError   **error)
{
  g_autoptr(GError) local_error = NULL;

  g_assert_false (isle_local_pool_shutdown (user_data, -1, &local_error));
  g_assert_error (local_error, ISLE_ERROR, ISLE_ERROR_WOULD_DEADLOCK);
  return GUINT_TO_POINTER (1);
}

static void
test_local_pool_freed_from_own_thread (void)
{
  if (g_test_subprocess ())
    {
      IsleLocalPool *pool = isle_local_pool_new (1);
      g_autoptr(IsleFuture) future = NULL;

      isle_test_make_criticals_non_fatal ();
      future = isle_local_pool_spawn_pinned (pool, shutdown_pool_task, pool, NULL);
      g_assert_nonnull (isle_future_wait (future, NULL, NULL));
      g_clear_pointer (&future, isle_future_unref);

      /* The task holds the last reference: the pool is left running. */
      future = isle_local_pool_spawn_pinned (pool, unref_pool_task, pool, NULL);
      g_assert_nonnull (isle_future_wait (future, NULL, NULL));
      g_print ("returned\n");
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stdout ("*returned*");
  g_test_trap_assert_stderr ("*CRITICAL*isle_local_pool_shutdown() called on thread "
                             "isle-pool-0 of IsleLocalPool * itself*"
                             "*CRITICAL*isle_local_pool_unref() called on thread "
                             "isle-pool-0*from the thread that owns it*");
}

/* Whether the running task's spawn site is in the function named
 * @user_data, as its island's task list gives it. */
static gpointer
spawned_in (gpointer   user_data,
            GError   **error)
{
  const char *function = user_data;
  g_autoptr(GListModel) tasks = isle_local_set_list_tasks (isle_local_set_get_current ());
  guint64 id = isle_task_get_id (isle_task_get_current ());

  for (guint i = 0; i < g_list_model_get_n_items (tasks); i++)
    {
      g_autoptr(IsleTaskInfo) info = g_list_model_get_item (tasks, i);

      if (isle_task_info_get_id (info) != id)
        continue;
      return GINT_TO_POINTER (g_str_has_prefix (isle_task_info_get_spawn_site (info), function));
    }
  g_assert_not_reached ();
}

/* Spawns from another thread are listed where the program made them, not
 * where the island's thread picked them up. */
static void
test_local_pool_spawn_sites (void)
{
  g_autoptr(IsleLocalPool) pool = isle_local_pool_new (1);
  IsleFuture *futures[3];

  futures[0] = isle_local_pool_spawn_pinned (pool, spawned_in, (gpointer) G_STRFUNC, NULL);
  futures[1] = isle_local_pool_spawn_pinned_by_index (pool, 0, spawned_in, (gpointer) G_STRFUNC, NULL);
  futures[2] = isle_local_set_spawn_remote (isle_local_pool_get_island (pool, 0), spawned_in,
                                            (gpointer) G_STRFUNC, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (futures); i++)
    {
      g_autoptr(GError) error = NULL;

      g_assert_true (isle_future_wait (futures[i], NULL, &error));
      g_assert_no_error (error);
      isle_future_unref (futures[i]);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  /* GType publishes a class made on first use with GLib's own atomics,
   * which ThreadSanitizer does not see: made here, before two pool threads
   * can race to make it. */
  g_type_class_unref (g_type_class_ref (G_TYPE_CANCELLABLE));

  g_test_add_func ("/Isle/LocalPool/basic", test_local_pool_basic);
  g_test_add_func ("/Isle/LocalPool/thread-guards", test_local_pool_thread_guards);
  g_test_add_func ("/Isle/LocalPool/least-loaded", test_local_pool_least_loaded);
  g_test_add_func ("/Isle/LocalPool/shutdown", test_local_pool_shutdown);
  g_test_add_func ("/Isle/LocalPool/shutdown-timeout", test_local_pool_shutdown_timeout);
  g_test_add_func ("/Isle/LocalPool/spawn-after-shutdown", test_local_pool_spawn_after_shutdown);
  g_test_add_func ("/Isle/LocalPool/freed-from-own-thread", test_local_pool_freed_from_own_thread);
  g_test_add_func ("/Isle/LocalPool/spawn-sites", test_local_pool_spawn_sites);

  return g_test_run ();
}
