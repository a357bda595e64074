/* test-remote.c: spawning onto an island from other threads, island
 * references across threads, and isle_future_wait()
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <dlfcn.h>
#include <isle.h>
#include <string.h>

#include "isle-test-util.h"

/* An island on a thread of its own, driven until told to stop. */
typedef struct
{
  GThread      *thread;
  GMainContext *context;   /* (owned) */
  IsleLocalSet *island;    /* (owned) by the thread until it stops */
  int           started;   /* (atomic) */
  int           stop;      /* (atomic) */
  int           release;   /* (atomic) drop the island's reference now */
  int           linger;    /* (atomic) keep iterating while non-zero */
} IslandThread;

static gpointer
island_thread_main (gpointer data)
{
  IslandThread *it = data;
  gboolean released = FALSE;

  g_main_context_push_thread_default (it->context);
  it->island = isle_local_set_new ();
  g_atomic_int_set (&it->started, 1);

  while (!g_atomic_int_get (&it->stop))
    {
      if (!released && g_atomic_int_get (&it->release))
        {
          isle_local_set_unref (it->island);
          released = TRUE;
        }
      g_main_context_iteration (it->context, TRUE);
    }
  if (!released)
    isle_local_set_unref (it->island);
  /* References handed back from other threads arrive as idle sources. */
  while (g_main_context_pending (it->context))
    g_main_context_iteration (it->context, FALSE);

  g_main_context_pop_thread_default (it->context);
  return NULL;
}

static void
island_thread_start (IslandThread *it)
{
  memset (it, 0, sizeof *it);
  it->context = g_main_context_new ();
  it->thread = g_thread_new ("island", island_thread_main, it);
  while (!g_atomic_int_get (&it->started))
    g_thread_yield ();
}

static void
island_thread_stop (IslandThread *it)
{
  g_atomic_int_set (&it->stop, 1);
  g_main_context_wakeup (it->context);
  g_thread_join (it->thread);
  g_main_context_unref (it->context);
}

/* Remote spawn from a plain thread, result waited for there. */

static GThread *island_owner;

static gpointer
on_island_task (gpointer   user_data,
                GError   **error)
{
  guint *value = user_data;

  g_assert_true (g_thread_self () == island_owner);
  g_assert_nonnull (isle_local_set_get_current ());
  if (!isle_yield_now (error))   /* a fiber task: it may suspend */
    return NULL;
  return GUINT_TO_POINTER (*value * 2);
}

static int data_destroyed;                 /* (atomic) */
static GThread *data_destroy_thread;

static void
counted_data_destroy (gpointer data)
{
  data_destroy_thread = g_thread_self ();
  g_atomic_int_inc (&data_destroyed);
  g_free (data);
}

typedef struct
{
  IsleLocalSet *island;   /* (owned) a reference for this thread */
  int           done;     /* (atomic) */
  guint         sum;
} PlainSender;

static gpointer
plain_sender_thread (gpointer data)
{
  PlainSender *sender = data;

  for (guint i = 1; i <= 50; i++)
    {
      guint *value = g_new (guint, 1);
      g_autoptr(IsleFuture) future = NULL;
      g_autoptr(GError) error = NULL;
      gpointer result;

      *value = i;
      future = isle_local_set_spawn_remote (sender->island, on_island_task,
                                            value, counted_data_destroy);
      result = isle_future_wait (future, NULL, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (GPOINTER_TO_UINT (result), ==, i * 2);
      sender->sum += GPOINTER_TO_UINT (result);
    }

  /* Dropped here, off the island's thread. */
  isle_local_set_unref (sender->island);
  g_atomic_int_set (&sender->done, 1);
  return NULL;
}

static void
test_remote_spawn_from_thread (void)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(IsleLocalSet) island = NULL;
  PlainSender sender = { NULL, };
  GThread *thread;

  g_main_context_push_thread_default (context);
  island = isle_local_set_new ();
  island_owner = g_thread_self ();
  data_destroyed = 0;
  data_destroy_thread = NULL;

  sender.island = isle_local_set_ref (island);
  thread = g_thread_new ("sender", plain_sender_thread, &sender);
  isle_test_iterate_until (context, &sender.done);
  g_thread_join (thread);

  g_assert_cmpuint (sender.sum, ==, 50 * 51);
  g_assert_cmpint (data_destroyed, ==, 50);
  g_assert_true (data_destroy_thread == island_owner);
  g_main_context_pop_thread_default (context);
}

/* Bursts of remote spawns onto an island that blocks between them. While
 * it has tasks ready, senders queue without waking its context; once it
 * may block, the next spawn must wake it. A lost wake-up leaves a wait
 * hanging: the island thread's own timeout then cancels it and the test
 * fails, instead of hanging. */

#define N_BURSTS 200

static gboolean
cancel_waits (gpointer data)
{
  g_cancellable_cancel (data);
  return G_SOURCE_REMOVE;
}

static gpointer
burst_task (gpointer   user_data,
            GError   **error)
{
  guint *value = user_data;

  g_assert_true (g_thread_self () == island_owner);
  /* Every other task suspends once: the burst meets a busy island. */
  if (*value % 2 == 0 && !isle_yield_now (error))
    return NULL;
  return GUINT_TO_POINTER (*value * 2);
}

static void
test_remote_spawn_bursts (void)
{
  g_autoptr(GCancellable) watchdog = g_cancellable_new ();
  IslandThread it;
  GSource *timeout;
  guint burst;

  island_thread_start (&it);
  island_owner = it.thread;
  timeout = g_timeout_source_new (isle_test_get_timeout_msec ());
  g_source_set_callback (timeout, cancel_waits, g_object_ref (watchdog), g_object_unref);
  g_source_attach (timeout, it.context);
  g_source_unref (timeout);

  for (burst = 0; burst < N_BURSTS; burst++)
    {
      guint n = burst % 17 + 1;
      IsleFuture **futures = g_new (IsleFuture *, n);
      guint i;

      for (i = 0; i < n; i++)
        {
          guint *value = g_new (guint, 1);

          *value = i;
          futures[i] = isle_local_set_spawn_remote (it.island, burst_task, value, g_free);
        }
      for (i = 0; i < n; i++)
        {
          g_autoptr(GError) error = NULL;
          gpointer result = isle_future_wait (futures[i], watchdog, &error);

          g_assert_no_error (error);
          g_assert_cmpuint (GPOINTER_TO_UINT (result), ==, i * 2);
          isle_future_unref (futures[i]);
        }
      g_free (futures);
    }

  island_thread_stop (&it);
}

/* A remote spawn on the island's own thread starts the task at once. */

static gpointer
answer_task (gpointer   user_data,
             GError   **error)
{
  return GUINT_TO_POINTER (42);
}

static void
spawn_on_own_thread_body (gconstpointer test_data)
{
  g_autoptr(IsleFuture) future = NULL;
  g_autoptr(GError) error = NULL;

  future = isle_local_set_spawn_remote_full (isle_local_set_get_current (), "own",
                                             G_PRIORITY_HIGH, answer_task, NULL,
                                             NULL, NULL);
  g_assert_cmpuint (GPOINTER_TO_UINT (isle_await (future, &error)), ==, 42);
  g_assert_no_error (error);
}

static void
test_remote_spawn_on_own_thread (void)
{
  isle_test_run (spawn_on_own_thread_body, NULL);
}

/* A result future awaited by a task of another island, on another
 * thread; the result is released where the future goes. */

static GThread *remote_thread;

static gpointer
remote_result_task (gpointer   user_data,
                    GError   **error)
{
  guint *value = g_new (guint, 1);

  g_assert_true (g_thread_self () == remote_thread);
  *value = GPOINTER_TO_UINT (user_data);
  return value;
}

static void
await_other_island_body (gconstpointer test_data)
{
  IslandThread it;

  island_thread_start (&it);
  remote_thread = it.thread;
  result_destroyed = 0;

  for (guint i = 1; i <= 20; i++)
    {
      g_autoptr(IsleFuture) future = NULL;
      g_autoptr(GError) error = NULL;
      guint *value;

      future = isle_local_set_spawn_remote_full (it.island, "remote result",
                                                 G_PRIORITY_DEFAULT,
                                                 remote_result_task,
                                                 GUINT_TO_POINTER (i), NULL,
                                                 counted_result_destroy);
      value = isle_await (future, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (*value, ==, i);
    }

  /* The remote task's last hold on each future (its promise) is handed
   * back to this island, where the value is released. */
  while (result_destroyed < 20)
    g_assert_true (isle_yield_now (NULL));
  g_assert_cmpint (result_destroyed, ==, 20);
  g_assert_true (result_destroy_thread == g_thread_self ());
  island_thread_stop (&it);
}

static void
test_remote_await_other_island (void)
{
  isle_test_run (await_other_island_body, NULL);
}

/* Eight threads spawn while the island is torn down: every user data is
 * destroyed once, on the island's thread, and every future settles. */

#define N_RACERS 8
#define N_RACE_SPAWNS 200

static GThread *race_island_thread;
static int race_destroyed;          /* (atomic) */
static int race_wrong_thread;       /* (atomic) */

static void
race_data_destroy (gpointer data)
{
  if (g_thread_self () != race_island_thread)
    g_atomic_int_inc (&race_wrong_thread);
  g_atomic_int_inc (&race_destroyed);
  g_free (data);
}

static gpointer
race_task (gpointer   user_data,
           GError   **error)
{
  if (!isle_yield_now (error))
    return NULL;
  return GUINT_TO_POINTER (1);
}

typedef struct
{
  IsleLocalSet *island;   /* (owned) */
  guint         resolved;
  guint         failed;
} Racer;

static gpointer
racer_thread (gpointer data)
{
  Racer *racer = data;
  IsleFuture *futures[N_RACE_SPAWNS];

  for (guint i = 0; i < N_RACE_SPAWNS; i++)
    futures[i] = isle_local_set_spawn_remote (racer->island, race_task,
                                              g_new0 (guint, 1), race_data_destroy);
  isle_local_set_unref (racer->island);

  for (guint i = 0; i < N_RACE_SPAWNS; i++)
    {
      g_autoptr(GError) error = NULL;

      if (isle_future_wait (futures[i], NULL, &error) != NULL)
        racer->resolved++;
      else
        {
          g_assert_true (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ||
                         g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CLOSED));
          racer->failed++;
        }
      isle_future_unref (futures[i]);
    }
  return NULL;
}

static void
test_remote_teardown_race (void)
{
  for (guint round = 0; round < 4; round++)
    {
      IslandThread it;
      Racer racers[N_RACERS];
      GThread *threads[N_RACERS];
      guint settled = 0;

      island_thread_start (&it);
      race_island_thread = it.thread;
      race_destroyed = 0;
      race_wrong_thread = 0;

      for (guint i = 0; i < N_RACERS; i++)
        {
          racers[i] = (Racer) { isle_local_set_ref (it.island), 0, 0 };
          threads[i] = g_thread_new ("racer", racer_thread, &racers[i]);
        }
      /* The island's own reference goes while the spawns pour in: early
       * in the first round, later in the next ones. */
      for (guint i = 0; i < round * 200; i++)
        g_thread_yield ();
      g_atomic_int_set (&it.release, 1);
      g_main_context_wakeup (it.context);

      for (guint i = 0; i < N_RACERS; i++)
        {
          g_thread_join (threads[i]);
          settled += racers[i].resolved + racers[i].failed;
        }
      island_thread_stop (&it);

      g_assert_cmpuint (settled, ==, N_RACERS * N_RACE_SPAWNS);
      g_assert_cmpint (race_destroyed, ==, N_RACERS * N_RACE_SPAWNS);
      g_assert_cmpint (race_wrong_thread, ==, 0);
    }
}

/* The last island reference dropped on another thread: the teardown runs
 * on the island's thread, with the task's destroy notify. */

static gpointer
park_forever_task (gpointer   user_data,
                   GError   **error)
{
  while (isle_park (error))
    ;
  return NULL;
}

static gpointer
unref_island_thread (gpointer data)
{
  isle_local_set_unref (data);
  return NULL;
}

static void
test_remote_last_unref_from_thread (void)
{
  IslandThread it;
  IsleLocalSet *island;
  g_autoptr(IsleFuture) future = NULL;
  g_autoptr(GError) error = NULL;

  data_destroyed = 0;
  data_destroy_thread = NULL;
  island_thread_start (&it);
  island = isle_local_set_ref (it.island);
  future = isle_local_set_spawn_remote (island, park_forever_task,
                                        g_new0 (guint, 1), counted_data_destroy);

  /* The island thread drops its reference; the one left goes on another
   * thread, and the teardown it starts aborts the parked task there. */
  g_atomic_int_set (&it.release, 1);
  g_main_context_wakeup (it.context);
  g_thread_join (g_thread_new ("unref", unref_island_thread, island));

  g_assert_null (isle_future_wait (future, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpint (g_atomic_int_get (&data_destroyed), ==, 1);
  g_assert_true (data_destroy_thread == it.thread);
  island_thread_stop (&it);
}

/* isle_future_wait() on plain threads. */

static gpointer
resolve_later_thread (gpointer data)
{
  isle_promise_resolve (data, g_strdup ("late"), g_free);
  isle_promise_unref (data);
  return NULL;
}

static void
test_future_wait_plain_thread (void)
{
  g_autoptr(IslePromise) promise = isle_promise_new ();
  g_autoptr(IsleFuture) future = isle_future_ref (isle_promise_get_future (promise));
  g_autoptr(GError) error = NULL;
  GThread *thread;

  thread = g_thread_new ("resolver", resolve_later_thread, isle_promise_ref (promise));
  g_assert_cmpstr (isle_future_wait (future, NULL, &error), ==, "late");
  g_assert_no_error (error);
  g_thread_join (thread);

  /* A ready future returns at once, a failed one with its error. */
  g_assert_cmpstr (isle_future_wait (future, NULL, &error), ==, "late");
  {
    g_autoptr(IsleFuture) failed = isle_future_new_for_error (
      g_error_new_literal (G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "gone"));

    g_assert_null (isle_future_wait (failed, NULL, &error));
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  }
}

static gpointer
cancel_later_thread (gpointer data)
{
  g_cancellable_cancel (data);
  return NULL;
}

static void
test_future_wait_cancelled (void)
{
  g_autoptr(IslePromise) promise = isle_promise_new ();
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  GThread *thread;

  thread = g_thread_new ("canceller", cancel_later_thread, cancellable);
  g_assert_null (isle_future_wait (isle_promise_get_future (promise), cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_thread_join (thread);
  /* The future itself is left alone. */
  g_assert_false (isle_future_is_finished (isle_promise_get_future (promise)));
}

static void
wait_in_task_body (gconstpointer test_data)
{
  g_autoptr(IslePromise) promise = isle_promise_new ();
  g_autoptr(GError) error = NULL;

  isle_test_make_criticals_non_fatal ();
  g_assert_null (isle_future_wait (isle_promise_get_future (promise), NULL, &error));
  g_assert_error (error, ISLE_ERROR, ISLE_ERROR_WOULD_DEADLOCK);
  g_print ("returned\n");
}

static void
test_future_wait_in_task (void)
{
  if (g_test_subprocess ())
    {
      isle_test_run (wait_in_task_body, NULL);
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stdout ("*returned*");
  g_test_trap_assert_stderr ("*CRITICAL*isle_future_wait() called on an island's "
                             "thread*in a task*Use isle_await() in a fiber task*");
}

/* A result chained with isle_future_then() on the caller's own context:
 * the callback runs on the calling thread, from that context, when it is
 * iterated, never on the island's thread. */

typedef struct
{
  int           calls;
  GThread      *thread;
  GMainContext *context;
  guint         value;
} ThenOutcome;

static void
on_remote_result (IsleFuture *future,
                  gpointer    user_data)
{
  ThenOutcome *outcome = user_data;
  g_autoptr(GError) error = NULL;

  outcome->calls++;
  outcome->thread = g_thread_self ();
  outcome->context = g_main_context_get_thread_default ();
  outcome->value = GPOINTER_TO_UINT (isle_future_get_value (future, &error));
  g_assert_no_error (error);
}

static void
test_remote_then_on_caller_context (void)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(IsleFuture) future = NULL;
  ThenOutcome outcome = { 0, };
  guint value = 21;
  IslandThread it;

  island_thread_start (&it);
  island_owner = it.thread;
  g_main_context_push_thread_default (context);

  future = isle_local_set_spawn_remote (it.island, on_island_task, &value, NULL);
  isle_future_then (future, on_remote_result, &outcome, NULL);
  g_assert_cmpint (outcome.calls, ==, 0);
  /* Settled on the island's thread, delivered here only when this
   * context is iterated. */
  isle_future_wait (future, NULL, NULL);
  g_assert_cmpint (outcome.calls, ==, 0);
  isle_test_iterate_until (context, &outcome.calls);
  for (int i = 0; i < 10; i++)
    g_main_context_iteration (context, FALSE);

  g_assert_cmpint (outcome.calls, ==, 1);
  g_assert_true (outcome.thread == g_thread_self ());
  g_assert_true (outcome.context == context);
  g_assert_cmpuint (outcome.value, ==, 42);

  g_main_context_pop_thread_default (context);
  island_thread_stop (&it);
}

/* Spawns from another thread share at most one wake-up of the island's
 * context per batch: g_main_context_wakeup() is counted here, in front of
 * GLib's. */

static GMainContext *counted_context;   /* (atomic) */
static int counted_wakeups;             /* (atomic) */

void
g_main_context_wakeup (GMainContext *context)
{
  static gsize real;

  if (g_once_init_enter (&real))
    g_once_init_leave (&real, (gsize) dlsym (RTLD_NEXT, "g_main_context_wakeup"));
  if (context != NULL && context == g_atomic_pointer_get (&counted_context))
    g_atomic_int_inc (&counted_wakeups);
  ((void (*) (GMainContext *)) real) (context);
}

static GMutex batch_lock;
static GCond batch_cond;
static gboolean batch_blocked;
static gboolean batch_release;

/* Holds the island's thread, as a long turn of a task would, while the
 * batch is sent. */
static gpointer
block_island (gpointer   user_data,
              GError   **error)
{
  g_mutex_lock (&batch_lock);
  batch_blocked = TRUE;
  g_cond_broadcast (&batch_cond);
  while (!batch_release)
    g_cond_wait (&batch_cond, &batch_lock);
  g_mutex_unlock (&batch_lock);
  return NULL;
}

#define BATCH_SIZE 100

static void
test_remote_one_wakeup_per_batch (void)
{
  g_autoptr(IsleFuture) blocker = NULL;
  IsleFuture *futures[BATCH_SIZE];
  guint values[BATCH_SIZE];
  IslandThread it;
  guint sum = 0;

  island_thread_start (&it);
  island_owner = it.thread;
  blocker = isle_local_set_spawn_remote (it.island, block_island, NULL, NULL);
  g_mutex_lock (&batch_lock);
  while (!batch_blocked)
    g_cond_wait (&batch_cond, &batch_lock);
  g_mutex_unlock (&batch_lock);

  g_atomic_pointer_set (&counted_context, it.context);
  for (guint i = 0; i < BATCH_SIZE; i++)
    {
      values[i] = i;
      futures[i] = isle_local_set_spawn_remote (it.island, on_island_task, &values[i], NULL);
    }
  /* One for the batch, or none: an island that is busy (this one runs
   * the blocker) needs no wake-up to find work it will look for anyway. */
  g_assert_cmpint (g_atomic_int_get (&counted_wakeups), <=, 1);
  g_atomic_pointer_set (&counted_context, NULL);

  g_mutex_lock (&batch_lock);
  batch_release = TRUE;
  g_cond_broadcast (&batch_cond);
  g_mutex_unlock (&batch_lock);
  for (guint i = 0; i < BATCH_SIZE; i++)
    {
      g_autoptr(GError) error = NULL;

      sum += GPOINTER_TO_UINT (isle_future_wait (futures[i], NULL, &error));
      g_assert_no_error (error);
      isle_future_unref (futures[i]);
    }
  g_assert_cmpuint (sum, ==, BATCH_SIZE * (BATCH_SIZE - 1));
  isle_future_wait (blocker, NULL, NULL);
  island_thread_stop (&it);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Isle/Remote/spawn-from-thread", test_remote_spawn_from_thread);
  g_test_add_func ("/Isle/Remote/spawn-on-own-thread", test_remote_spawn_on_own_thread);
  g_test_add_func ("/Isle/Remote/spawn-bursts", test_remote_spawn_bursts);
  g_test_add_func ("/Isle/Remote/await-other-island", test_remote_await_other_island);
  g_test_add_func ("/Isle/Remote/teardown-race", test_remote_teardown_race);
  g_test_add_func ("/Isle/Remote/last-unref-from-thread", test_remote_last_unref_from_thread);
  g_test_add_func ("/Isle/Remote/then-on-caller-context", test_remote_then_on_caller_context);
  g_test_add_func ("/Isle/Remote/one-wakeup-per-batch", test_remote_one_wakeup_per_batch);
  g_test_add_func ("/Isle/Future/wait-plain-thread", test_future_wait_plain_thread);
  g_test_add_func ("/Isle/Future/wait-cancelled", test_future_wait_cancelled);
  g_test_add_func ("/Isle/Future/wait-in-task", test_future_wait_in_task);

  return g_test_run ();
}
