/* test-waker.c: waking tasks, from the island's thread and from others
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <isle.h>

#include "isle-test-util.h"

#define N_WAKER_THREADS 4
#define N_WAKES_PER_THREAD 2000

static GThread *main_thread;

static void
test_waker_type (void)
{
  g_assert_cmpuint (isle_waker_get_type (), !=, G_TYPE_INVALID);
  g_assert_nonnull (g_type_name (ISLE_TYPE_WAKER));
}

static gpointer
wake_and_unref_thread (gpointer data)
{
  IsleWaker *waker = data;

  isle_waker_wake (waker);
  isle_waker_unref (waker);
  return NULL;
}

typedef struct
{
  IsleWaker *waker;
  int        parked;
  gboolean   park_ok;
  GThread   *resumed_on;
} ParkProbe;

static gpointer
park_once_task (gpointer   user_data,
                GError   **error)
{
  ParkProbe *probe = user_data;

  probe->waker = isle_task_ref_waker (isle_task_get_current ());
  probe->parked = 1;
  probe->park_ok = isle_park (error);
  probe->resumed_on = g_thread_self ();
  return NULL;
}

typedef struct
{
  ParkProbe probe;
  GThread  *thread;
} WakeFromThreadData;

static gpointer
wake_from_thread_root (gpointer   user_data,
                       GError   **error)
{
  WakeFromThreadData *data = user_data;
  g_autoptr(IsleJoinHandle) handle = NULL;
  g_autoptr(GError) local_error = NULL;

  handle = isle_spawn_local (park_once_task, &data->probe, NULL);
  /* Once the flag is seen here, the task has suspended in isle_park(). */
  while (!data->probe.parked)
    g_assert_true (isle_yield_now (NULL));

  data->thread = g_thread_new ("waker", wake_and_unref_thread,
                               isle_waker_ref (data->probe.waker));
  isle_join_handle_join (handle, &local_error);
  g_assert_no_error (local_error);
  return NULL;
}

static void
test_waker_wake_from_thread (void)
{
  g_autoptr(IsleLocalSet) island = isle_local_set_new ();
  WakeFromThreadData data = { { 0, }, };

  isle_test_run_root (island, wake_from_thread_root, &data);
  g_thread_join (data.thread);

  g_assert_true (data.probe.park_ok);
  /* The task resumed on the island's thread, not the waking one. */
  g_assert_true (data.probe.resumed_on == main_thread);
  isle_waker_unref (data.probe.waker);
}

typedef struct
{
  IsleWaker *waker;
  int        total_wakes;  /* (atomic) */
  guint      rounds;
  gboolean   all_on_owner;
  GThread   *threads[N_WAKER_THREADS];
} ManyWakersData;

static gpointer
many_wakes_thread (gpointer user_data)
{
  ManyWakersData *data = user_data;
  IsleWaker *waker = data->waker;

  for (guint i = 0; i < N_WAKES_PER_THREAD; i++)
    {
      IsleWaker *extra = isle_waker_ref (waker);

      /* Count first, then wake: a wake is never owed for a count the task
       * has not been able to see. */
      g_atomic_int_inc (&data->total_wakes);
      isle_waker_wake (extra);
      isle_waker_unref (extra);
    }
  return NULL;
}

static gpointer
wait_for_all_wakes_task (gpointer   user_data,
                         GError   **error)
{
  ManyWakersData *data = user_data;

  data->all_on_owner = TRUE;
  data->waker = isle_task_ref_waker (isle_task_get_current ());
  /* A lost wake leaves this loop parked forever and the test times out. */
  while (g_atomic_int_get (&data->total_wakes) <
         N_WAKER_THREADS * N_WAKES_PER_THREAD)
    {
      if (!isle_park (error))
        return NULL;
      data->rounds++;
      data->all_on_owner = data->all_on_owner && g_thread_self () == main_thread;
    }
  return NULL;
}

static gpointer
many_wakers_root (gpointer   user_data,
                  GError   **error)
{
  ManyWakersData *data = user_data;
  g_autoptr(IsleJoinHandle) handle = NULL;
  g_autoptr(GError) local_error = NULL;

  handle = isle_spawn_local (wait_for_all_wakes_task, data, NULL);
  while (data->waker == NULL)
    g_assert_true (isle_yield_now (NULL));

  for (guint i = 0; i < N_WAKER_THREADS; i++)
    data->threads[i] = g_thread_new ("waker", many_wakes_thread, data);
  isle_join_handle_join (handle, &local_error);
  g_assert_no_error (local_error);
  return NULL;
}

static void
test_waker_wake_from_many_threads (void)
{
  g_autoptr(IsleLocalSet) island = isle_local_set_new ();
  ManyWakersData data = { NULL, };

  isle_test_run_root (island, many_wakers_root, &data);
  for (guint i = 0; i < N_WAKER_THREADS; i++)
    g_thread_join (data.threads[i]);

  g_assert_cmpint (g_atomic_int_get (&data.total_wakes), ==,
                   N_WAKER_THREADS * N_WAKES_PER_THREAD);
  g_assert_cmpuint (data.rounds, >=, 1);
  /* Wakes coalesce: never more rounds than wakes. */
  g_assert_cmpuint (data.rounds, <=, N_WAKER_THREADS * N_WAKES_PER_THREAD);
  g_assert_true (data.all_on_owner);
  isle_waker_unref (data.waker);
}

static gpointer
take_waker_and_finish_task (gpointer   user_data,
                            GError   **error)
{
  IsleWaker **waker = user_data;

  *waker = isle_task_ref_waker (isle_task_get_current ());
  return g_strdup ("finished");
}

static gpointer
wake_finished_root (gpointer   user_data,
                    GError   **error)
{
  IsleWaker **waker = user_data;
  g_autoptr(IsleJoinHandle) handle = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *result = NULL;

  handle = isle_spawn_local (take_waker_and_finish_task, waker, NULL);
  result = isle_join_handle_join (handle, &local_error);
  g_assert_no_error (local_error);
  g_assert_cmpstr (result, ==, "finished");

  isle_waker_wake (*waker);
  isle_waker_wake (*waker);
  for (guint i = 0; i < 3; i++)
    g_assert_true (isle_yield_now (NULL));
  g_assert_true (isle_join_handle_is_finished (handle));
  g_assert_cmpuint (isle_local_set_get_n_tasks (isle_local_set_get_current ()),
                    ==, 1);
  return NULL;
}

static void
test_waker_wake_finished_task (void)
{
  IsleLocalSet *island = isle_local_set_new ();
  IsleWaker *waker = NULL;
  GThread *thread;

  isle_test_run_root (island, wake_finished_root, &waker);
  g_assert_nonnull (waker);

  /* From another thread while the island lives... */
  thread = g_thread_new ("waker", wake_and_unref_thread, isle_waker_ref (waker));
  g_thread_join (thread);
  g_main_context_iteration (isle_local_set_get_context (island), FALSE);
  g_assert_cmpuint (isle_local_set_get_n_tasks (island), ==, 0);

  /* ...and after it is gone, from this thread and from another, which
   * also drops the last reference. */
  isle_local_set_unref (island);
  isle_waker_wake (waker);
  thread = g_thread_new ("waker", wake_and_unref_thread, waker);
  g_thread_join (thread);
}

static void
test_waker_wake_after_teardown (void)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  IsleLocalSet *island = isle_local_set_new_for_context (context);
  ParkProbe probe = { 0, };
  GThread *thread;

  /* A task still parked when its island is freed: aborted, finished. */
  isle_join_handle_unref (isle_local_set_spawn_local (island, park_once_task,
                                                      &probe, NULL));
  isle_test_iterate_until (context, &probe.parked);
  isle_local_set_unref (island);
  g_assert_false (probe.park_ok);

  isle_waker_wake (probe.waker);
  thread = g_thread_new ("waker", wake_and_unref_thread, probe.waker);
  g_thread_join (thread);
}

typedef struct
{
  IsleWaker *waker;
  int        parked;
  gboolean   park_ok;
  int        done;  /* (atomic) */
} RefChurnData;

static gpointer
ref_churn_thread (gpointer user_data)
{
  RefChurnData *data = user_data;
  IsleWaker *refs[100];

  for (guint round = 0; round < 20; round++)
    {
      for (guint i = 0; i < G_N_ELEMENTS (refs); i++)
        refs[i] = isle_waker_ref (data->waker);
      for (guint i = 0; i < G_N_ELEMENTS (refs); i++)
        isle_waker_unref (refs[i]);
    }
  g_atomic_int_inc (&data->done);
  return NULL;
}

static gpointer
park_until_churned_task (gpointer   user_data,
                         GError   **error)
{
  RefChurnData *data = user_data;

  data->waker = isle_task_ref_waker (isle_task_get_current ());
  data->parked = 1;
  data->park_ok = isle_park (error);
  return NULL;
}

static gpointer
unref_thread (gpointer data)
{
  isle_waker_unref (data);
  return NULL;
}

static void
test_waker_ref_unref_on_other_threads (void)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(IsleLocalSet) island = isle_local_set_new_for_context (context);
  g_autoptr(IsleJoinHandle) handle = NULL;
  RefChurnData data = { NULL, };
  GThread *threads[N_WAKER_THREADS];
  GThread *last;
  gint64 deadline = isle_test_deadline ();

  handle = isle_local_set_spawn_local (island, park_until_churned_task, &data,
                                       NULL);
  isle_test_iterate_until (context, &data.parked);

  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    threads[i] = g_thread_new ("ref-churn", ref_churn_thread, &data);
  /* The island keeps running its context while the threads churn. */
  while (g_atomic_int_get (&data.done) < (int) G_N_ELEMENTS (threads))
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (context, FALSE);
    }
  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    g_thread_join (threads[i]);

  /* The waker survived the churn and still wakes its task. */
  g_assert_false (isle_join_handle_is_finished (handle));
  isle_waker_wake (data.waker);
  isle_test_run_all (island);
  g_assert_true (isle_join_handle_is_finished (handle));
  g_assert_true (data.park_ok);

  /* The last reference may go on another thread. */
  last = g_thread_new ("unref", unref_thread, data.waker);
  g_thread_join (last);
}

typedef struct
{
  GMutex     lock;
  GCond      cond;
  IsleWaker *waker;  /* protected by lock */
  guint      polls;
  gboolean   all_on_owner;
} PollWakeData;

static IslePoll
woken_by_thread_poll (gpointer    state,
                      IsleWaker  *waker,
                      gpointer   *result,
                      GError    **error)
{
  PollWakeData *data = state;

  data->polls++;
  data->all_on_owner = data->all_on_owner && g_thread_self () == main_thread;
  if (data->polls == 1)
    {
      g_mutex_lock (&data->lock);
      data->waker = isle_waker_ref (waker);
      g_cond_signal (&data->cond);
      g_mutex_unlock (&data->lock);
      return ISLE_POLL_PENDING;
    }
  *result = GUINT_TO_POINTER (data->polls);
  return ISLE_POLL_READY;
}

static gpointer
wake_poll_task_thread (gpointer user_data)
{
  PollWakeData *data = user_data;
  IsleWaker *waker;

  g_mutex_lock (&data->lock);
  while (data->waker == NULL)
    g_cond_wait (&data->cond, &data->lock);
  waker = g_steal_pointer (&data->waker);
  g_mutex_unlock (&data->lock);

  isle_waker_wake (waker);
  isle_waker_unref (waker);
  return NULL;
}

static gpointer
join_poll_task_root (gpointer   user_data,
                     GError   **error)
{
  return isle_join_handle_join (user_data, error);
}

static void
test_waker_poll_task_woken_from_thread (void)
{
  g_autoptr(IsleLocalSet) island = isle_local_set_new ();
  g_autoptr(IsleJoinHandle) handle = NULL;
  PollWakeData data = { .all_on_owner = TRUE };
  GThread *thread;
  guint result;

  g_mutex_init (&data.lock);
  g_cond_init (&data.cond);

  handle = isle_local_set_spawn_local_poll (island, woken_by_thread_poll, &data,
                                            NULL);
  thread = g_thread_new ("waker", wake_poll_task_thread, &data);
  result = GPOINTER_TO_UINT (isle_test_run_root (island, join_poll_task_root,
                                                 handle));
  g_thread_join (thread);

  g_assert_cmpuint (result, ==, 2);
  g_assert_cmpuint (data.polls, ==, 2);
  g_assert_true (data.all_on_owner);
  g_assert_null (data.waker);

  g_mutex_clear (&data.lock);
  g_cond_clear (&data.cond);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  main_thread = g_thread_self ();

  g_test_add_func ("/Isle/Waker/type", test_waker_type);
  g_test_add_func ("/Isle/Waker/wake-from-thread", test_waker_wake_from_thread);
  g_test_add_func ("/Isle/Waker/wake-from-many-threads", test_waker_wake_from_many_threads);
  g_test_add_func ("/Isle/Waker/wake-finished-task", test_waker_wake_finished_task);
  g_test_add_func ("/Isle/Waker/wake-after-teardown", test_waker_wake_after_teardown);
  g_test_add_func ("/Isle/Waker/ref-unref-on-other-threads", test_waker_ref_unref_on_other_threads);
  g_test_add_func ("/Isle/Waker/poll-task-woken-from-thread", test_waker_poll_task_woken_from_thread);

  return g_test_run ();
}
