/* test-teardown.c: freeing an island while its tasks wait on everything
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * One task per kind of wait — a promise, a sleep, an interval, a blocking
 * job, a channel, a oneshot, a notify, a join, a join set, a GIO call, a
 * signal — all parked when the island is freed. Each must be aborted, see
 * G_IO_ERROR_CANCELLED, return, and have its user data destroyed exactly
 * once, on the island's thread; what they waited on may settle afterwards
 * without harm.
 *
 * Then the same with other threads waking, cancelling, resolving, sending
 * and dropping what the tasks wait on while the island is being freed; and
 * a task that ignores its cancellation, which the teardown must name.
 */

#include "config.h"

#include <string.h>

#include <isle.h>

#include "isle-local-set-private.h"
#include "isle-test-util.h"

typedef struct
{
  const char *kind;
  int         destroyed;
  GThread    *destroy_thread;
  gboolean    saw_cancelled;
  gpointer    target;         /* (unowned) what it waits on */
} Waiter;

static GMutex gate_lock;
static GCond gate_cond;
static gboolean gate_open;

static void
waiter_destroy (gpointer data)
{
  Waiter *waiter = data;

  waiter->destroyed++;
  waiter->destroy_thread = g_thread_self ();
}

static void
note (Waiter *waiter,
      GError *error)
{
  waiter->saw_cancelled = g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

static gpointer
wait_promise (gpointer   user_data,
              GError   **error)
{
  Waiter *waiter = user_data;
  GError *local_error = NULL;

  isle_await (waiter->target, &local_error);
  note (waiter, local_error);
  g_propagate_error (error, local_error);
  return NULL;
}

static gpointer
wait_sleep (gpointer   user_data,
            GError   **error)
{
  Waiter *waiter = user_data;
  GError *local_error = NULL;

  isle_sleep_msec (3600 * 1000, &local_error);
  note (waiter, local_error);
  g_propagate_error (error, local_error);
  return NULL;
}

static gpointer
wait_interval (gpointer   user_data,
               GError   **error)
{
  Waiter *waiter = user_data;
  g_autoptr(IsleInterval) interval = isle_interval_new_msec (3600 * 1000);
  GError *local_error = NULL;

  /* The first tick is now; the second an hour away. */
  if (isle_interval_tick (interval, &local_error))
    isle_interval_tick (interval, &local_error);
  note (waiter, local_error);
  g_propagate_error (error, local_error);
  return NULL;
}

static gpointer
gated_job (gpointer       user_data,
           GCancellable  *cancellable,
           GError       **error)
{
  g_mutex_lock (&gate_lock);
  while (!gate_open)
    g_cond_wait (&gate_cond, &gate_lock);
  g_mutex_unlock (&gate_lock);
  return g_strdup ("late");
}

static gpointer
wait_blocking (gpointer   user_data,
               GError   **error)
{
  Waiter *waiter = user_data;
  g_autoptr(IsleFuture) job = isle_spawn_blocking (gated_job, NULL, NULL, g_free);
  GError *local_error = NULL;

  isle_await (job, &local_error);
  note (waiter, local_error);
  g_propagate_error (error, local_error);
  return NULL;
}

static gpointer
wait_channel (gpointer   user_data,
              GError   **error)
{
  Waiter *waiter = user_data;
  GError *local_error = NULL;

  isle_channel_recv (waiter->target, &local_error);
  note (waiter, local_error);
  g_propagate_error (error, local_error);
  return NULL;
}

static gpointer
wait_oneshot (gpointer   user_data,
              GError   **error)
{
  Waiter *waiter = user_data;
  GError *local_error = NULL;

  isle_oneshot_recv (waiter->target, &local_error);
  note (waiter, local_error);
  g_propagate_error (error, local_error);
  return NULL;
}

static gpointer
wait_notify (gpointer   user_data,
             GError   **error)
{
  Waiter *waiter = user_data;
  GError *local_error = NULL;

  isle_notify_wait (waiter->target, &local_error);
  note (waiter, local_error);
  g_propagate_error (error, local_error);
  return NULL;
}

static gpointer
park_forever (gpointer   user_data,
              GError   **error)
{
  while (isle_park (error))
    ;
  return NULL;
}

static gpointer
wait_join (gpointer   user_data,
           GError   **error)
{
  Waiter *waiter = user_data;
  g_autoptr(IsleJoinHandle) other = isle_spawn_local (park_forever, NULL, NULL);
  GError *local_error = NULL;

  isle_join_handle_join (other, &local_error);
  note (waiter, local_error);
  g_propagate_error (error, local_error);
  return NULL;
}

static gpointer
wait_join_set (gpointer   user_data,
               GError   **error)
{
  Waiter *waiter = user_data;
  g_autoptr(IsleJoinSet) set = isle_join_set_new ();
  g_autoptr(IsleJoinHandle) done = NULL;
  GError *local_error = NULL;

  isle_join_set_spawn (set, park_forever, NULL, NULL);
  done = isle_join_set_join_next (set, &local_error);
  note (waiter, local_error);
  g_propagate_error (error, local_error);
  return NULL;
}

static gpointer
wait_gio (gpointer   user_data,
          GError   **error)
{
  Waiter *waiter = user_data;
  g_autoptr(IsleFuture) op = isle_future_new_for_gio ();
  GError *local_error = NULL;

  /* Nobody ever connects. */
  g_socket_listener_accept_async (waiter->target, isle_current_cancellable (),
                                  isle_gio_callback, isle_future_ref (op));
  isle_await (op, &local_error);
  note (waiter, local_error);
  g_propagate_error (error, local_error);
  return NULL;
}

static gpointer
wait_signal (gpointer   user_data,
             GError   **error)
{
  Waiter *waiter = user_data;
  g_autoptr(IsleFuture) emitted = isle_future_new_for_signal (waiter->target, "notify");
  GError *local_error = NULL;

  isle_await (emitted, &local_error);
  note (waiter, local_error);
  g_propagate_error (error, local_error);
  return NULL;
}

static void
test_teardown_every_wait (void)
{
  IsleLocalSet *island = isle_local_set_new ();
  g_autoptr(IslePromise) promise = isle_promise_new ();
  g_autoptr(IsleChannelSender) sender = NULL;
  g_autoptr(IsleChannel) channel = isle_channel_new (0, g_free, &sender);
  g_autoptr(IsleOneshot) oneshot = isle_oneshot_new ();
  g_autoptr(IsleOneshotSender) oneshot_sender = isle_oneshot_ref_sender (oneshot);
  g_autoptr(IsleNotify) notify = isle_notify_new ();
  g_autoptr(GSocketListener) listener = g_socket_listener_new ();
  g_autoptr(GObject) object = g_object_new (G_TYPE_OBJECT, NULL);
  g_autoptr(GError) error = NULL;
  Waiter waiters[] = {
    { "promise", 0, NULL, FALSE, isle_promise_get_future (promise) },
    { "sleep", 0, NULL, FALSE, NULL },
    { "interval", 0, NULL, FALSE, NULL },
    { "blocking", 0, NULL, FALSE, NULL },
    { "channel", 0, NULL, FALSE, channel },
    { "oneshot", 0, NULL, FALSE, oneshot },
    { "notify", 0, NULL, FALSE, notify },
    { "join", 0, NULL, FALSE, NULL },
    { "join set", 0, NULL, FALSE, NULL },
    { "gio", 0, NULL, FALSE, listener },
    { "signal", 0, NULL, FALSE, object },
  };
  IsleTaskFunc bodies[] = {
    wait_promise, wait_sleep, wait_interval, wait_blocking, wait_channel,
    wait_oneshot, wait_notify, wait_join, wait_join_set, wait_gio,
    wait_signal,
  };
  gint64 deadline = isle_test_deadline ();
  IsleLocalSetCounters counters;
  guint16 port;
  guint i;

  G_STATIC_ASSERT (G_N_ELEMENTS (waiters) == G_N_ELEMENTS (bodies));

  port = g_socket_listener_add_any_inet_port (listener, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (port, >, 0);
  gate_open = FALSE;

  isle_local_set_set_unhandled_failure (island, ISLE_UNHANDLED_FAILURE_IGNORE);
  for (i = 0; i < G_N_ELEMENTS (waiters); i++)
    isle_join_handle_unref (isle_local_set_spawn_local_full (island, waiters[i].kind,
                                                             G_PRIORITY_DEFAULT, 0,
                                                             bodies[i], &waiters[i],
                                                             waiter_destroy, NULL));

  /* Until every task has had its first turn and parked (the join and join
   * set tasks each have a parked child too). */
  do
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (NULL, FALSE);
      isle_local_set_get_counters (island, &counters);
    }
  while (counters.polls < G_N_ELEMENTS (waiters) + 2 ||
         counters.run_queue_high_water == 0);
  while (g_main_context_iteration (NULL, FALSE))
    ;

  isle_local_set_unref (island);

  for (i = 0; i < G_N_ELEMENTS (waiters); i++)
    {
      g_test_message ("%s: destroyed %d, cancelled %d", waiters[i].kind,
                      waiters[i].destroyed, waiters[i].saw_cancelled);
      g_assert_cmpint (waiters[i].destroyed, ==, 1);
      g_assert_true (waiters[i].destroy_thread == g_thread_self ());
      g_assert_true (waiters[i].saw_cancelled);
    }

  /* What they waited on settles now, harmlessly. */
  isle_promise_resolve (promise, g_strdup ("late"), g_free);
  g_assert_true (isle_channel_sender_send (sender, g_strdup ("late"), NULL));
  isle_oneshot_sender_send (oneshot_sender, g_strdup ("late"), g_free, NULL);
  isle_notify_notify_one (notify);
  /* The signal future went with its task: no handler is left behind. */
  g_assert_false (g_signal_has_handler_pending (object, g_signal_lookup ("notify", G_TYPE_OBJECT),
                                                0, FALSE));
  g_mutex_lock (&gate_lock);
  gate_open = TRUE;
  g_cond_broadcast (&gate_cond);
  g_mutex_unlock (&gate_lock);
  g_socket_listener_close (listener);

  /* Let the cancelled GIO call and the blocking job deliver their ends. */
  for (i = 0; i < 100 && g_main_context_iteration (NULL, FALSE); i++)
    ;
}

/* Threads acting on an island's tasks while it is freed ------------------ */

#define N_RACERS 2
#define N_RACE_ROUNDS 30
#define N_RACE_TASKS 6   /* of each kind */

typedef struct
{
  int           destroyed;      /* (atomic) */
  GThread      *destroy_thread;
  IsleFuture   *future;         /* (owned) (nullable) what it awaits */
  IsleChannel  *channel;        /* (owned) (nullable) what it receives on */
  int          *n_waiting;      /* (unowned) counted as it first suspends */
} RaceItem;

typedef struct
{
  GPtrArray *wakers;    /* (owned) IsleWaker * */
  GPtrArray *promises;  /* (owned) IslePromise * */
  GPtrArray *futures;   /* (owned) IsleFuture *: the awaited ones, to cancel */
  GPtrArray *senders;   /* (owned) IsleChannelSender * */
  int        go;        /* (atomic) */
  guint      index;
} RacerShare;

static void
race_item_destroy (gpointer data)
{
  RaceItem *item = data;

  g_atomic_int_inc (&item->destroyed);
  item->destroy_thread = g_thread_self ();
  g_clear_pointer (&item->future, isle_future_unref);
  g_clear_pointer (&item->channel, isle_channel_unref);
}

static gpointer
race_park (gpointer   user_data,
           GError   **error)
{
  RaceItem *item = user_data;

  (*item->n_waiting)++;
  while (isle_park (error))
    ;
  return NULL;
}

static gpointer
race_await (gpointer   user_data,
            GError   **error)
{
  RaceItem *item = user_data;

  (*item->n_waiting)++;
  /* Resolved, rejected, cancelled or abandoned: whichever comes first. */
  return isle_await (item->future, error) != NULL ? g_strdup ("value") : NULL;
}

static gpointer
race_recv (gpointer   user_data,
           GError   **error)
{
  RaceItem *item = user_data;
  gpointer received;

  (*item->n_waiting)++;
  while ((received = isle_channel_recv (item->channel, error)) != NULL)
    g_free (received);
  return NULL;
}

static gpointer
racer_thread (gpointer data)
{
  RacerShare *share = data;
  guint i;
  int j;

  while (!g_atomic_int_get (&share->go))
    g_thread_yield ();

  for (i = 0; i < share->wakers->len; i++)
    for (j = 0; j < 3; j++)
      isle_waker_wake (g_ptr_array_index (share->wakers, i));
  g_ptr_array_set_size (share->wakers, 0);

  for (i = 0; i < share->futures->len; i++)
    isle_future_cancel (g_ptr_array_index (share->futures, i));
  g_ptr_array_set_size (share->futures, 0);

  for (i = 0; i < share->promises->len; i++)
    {
      IslePromise *promise = g_ptr_array_index (share->promises, i);

      switch ((i + share->index) % 3)
        {
        case 0:
          isle_promise_resolve (promise, g_strdup ("late"), g_free);
          break;
        case 1:
          isle_promise_reject (promise, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_FAILED, "late"));
          break;
        default:
          break;   /* dropped unresolved */
        }
    }
  g_ptr_array_set_size (share->promises, 0);

  for (i = 0; i < share->senders->len; i++)
    {
      char *item = g_strdup ("late");

      if (!isle_channel_sender_try_send (g_ptr_array_index (share->senders, i), item, NULL))
        g_free (item);
    }
  g_ptr_array_set_size (share->senders, 0);

  return NULL;
}

static void
race_round (void)
{
  IsleLocalSet *island = isle_local_set_new ();
  RacerShare shares[N_RACERS];
  GThread *threads[N_RACERS];
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func (g_free);
  int n_waiting = 0;
  int n_tasks = 0;
  gint64 deadline = isle_test_deadline ();
  guint i;

  for (i = 0; i < N_RACERS; i++)
    {
      shares[i].wakers = g_ptr_array_new_with_free_func ((GDestroyNotify) isle_waker_unref);
      shares[i].promises = g_ptr_array_new_with_free_func ((GDestroyNotify) isle_promise_unref);
      shares[i].futures = g_ptr_array_new_with_free_func ((GDestroyNotify) isle_future_unref);
      shares[i].senders = g_ptr_array_new_with_free_func ((GDestroyNotify) isle_channel_sender_unref);
      shares[i].go = 0;
      shares[i].index = i;
    }

  for (i = 0; i < 3 * N_RACE_TASKS; i++)
    {
      RaceItem *item = g_new0 (RaceItem, 1);
      RacerShare *share = &shares[i % N_RACERS];
      IsleTaskFunc func;
      IsleJoinHandle *handle;

      item->n_waiting = &n_waiting;
      g_ptr_array_add (items, item);
      switch (i % 3)
        {
        case 0:
          func = race_park;
          break;
        case 1:
          {
            IslePromise *promise = isle_promise_new ();

            item->future = isle_future_ref (isle_promise_get_future (promise));
            /* A third of the futures are cancelled, the others settled or
             * dropped through their promise. */
            if (i % 9 == 1)
              g_ptr_array_add (share->futures, isle_future_ref (item->future));
            g_ptr_array_add (share->promises, promise);
            func = race_await;
          }
          break;
        default:
          {
            IsleChannelSender *sender;

            item->channel = isle_channel_new (0, g_free, &sender);
            g_ptr_array_add (share->senders, sender);
          }
          func = race_recv;
          break;
        }

      handle = isle_local_set_spawn_local (island, func, item, race_item_destroy);
      isle_join_handle_unref (handle);
      n_tasks++;
    }

  /* Every task reaches its wait; the parking ones hand their wakers out. */
  while (n_waiting < n_tasks)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (isle_local_set_get_context (island), FALSE);
    }
  g_assert_cmpint (isle_local_set_get_n_tasks (island), ==, n_tasks);

  for (i = 0; i < N_RACERS; i++)
    threads[i] = g_thread_new ("racer", racer_thread, &shares[i]);
  for (i = 0; i < N_RACERS; i++)
    g_atomic_int_set (&shares[i].go, 1);

  isle_local_set_unref (island);

  for (i = 0; i < N_RACERS; i++)
    {
      g_thread_join (threads[i]);
      g_ptr_array_unref (shares[i].wakers);
      g_ptr_array_unref (shares[i].promises);
      g_ptr_array_unref (shares[i].futures);
      g_ptr_array_unref (shares[i].senders);
    }

  for (i = 0; i < items->len; i++)
    {
      RaceItem *item = g_ptr_array_index (items, i);

      g_assert_cmpint (g_atomic_int_get (&item->destroyed), ==, 1);
      g_assert_true (item->destroy_thread == g_thread_self ());
    }
}

/* Wakers woken and dropped, futures cancelled, promises resolved, rejected
 * and dropped, channel items sent and senders dropped on two other threads
 * while the island is freed: every task returns once, its user data goes
 * once on the island's thread, nothing crashes and nothing leaks (the
 * Valgrind and sanitizer runs check that part). */
static void
test_teardown_remote_race (void)
{
  guint round;

  for (round = 0; round < N_RACE_ROUNDS; round++)
    race_round ();
}

/* A task that ignores its cancellation at teardown ----------------------- */

static int stubborn_reported;   /* set by the log writer below */

/* Notes the teardown's report, then writes it as usual. */
static GLogWriterOutput
note_stubborn_report (GLogLevelFlags   log_level,
                      const GLogField *fields,
                      gsize            n_fields,
                      gpointer         user_data)
{
  gsize i;

  for (i = 0; i < n_fields; i++)
    if (g_strcmp0 (fields[i].key, "MESSAGE") == 0 && fields[i].length < 0 &&
        strstr (fields[i].value, "stubborn") != NULL)
      stubborn_reported++;

  return g_log_writer_default (log_level, fields, n_fields, user_data);
}

static int stubborn_destroyed;

static void
stubborn_destroy (gpointer data)
{
  stubborn_destroyed++;
}

static gpointer
ignore_cancellation (gpointer   user_data,
                     GError   **error)
{
  /* Each yield fails once the task is aborted; it goes on regardless until
   * the teardown has named it. */
  while (stubborn_reported == 0)
    {
      GError *local_error = NULL;

      if (!isle_yield_now (&local_error))
        g_clear_error (&local_error);
    }
  return NULL;
}

static void
test_teardown_stubborn_task (void)
{
  if (g_test_subprocess ())
    {
      IsleLocalSet *island = isle_local_set_new ();
      IsleJoinHandle *handle;

      /* The report is the behaviour under test: logged, not fatal. */
      _isle_local_set_set_teardown_report_after (50 * G_TIME_SPAN_MILLISECOND);
      isle_test_make_criticals_non_fatal ();
      g_log_set_writer_func (note_stubborn_report, NULL, NULL);

      handle = isle_local_set_spawn_local_full (island, "stubborn", G_PRIORITY_DEFAULT, 0,
                                                ignore_cancellation, NULL,
                                                stubborn_destroy, NULL);
      isle_join_handle_unref (handle);
      /* One turn, so that it is a running fiber with frames to unwind. */
      g_main_context_iteration (isle_local_set_get_context (island), FALSE);

      isle_local_set_unref (island);
      g_assert_cmpint (stubborn_reported, >=, 1);
      g_assert_cmpint (stubborn_destroyed, ==, 1);
      g_print ("teardown finished\n");
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stdout ("*teardown finished*");
  g_test_trap_assert_stderr ("*Island * has waited * s for 1 aborted task to return "
                             "while it is freed; they ignore cancellation: "
                             "task 1 *stubborn* spawned at *test-teardown*"
                             "keeps waiting*isle_task_is_aborted()*");
}

/* A destroy notify that the teardown runs takes a reference to the island
 * and keeps it: a critical says so, the island stays closed (what is
 * spawned on it is aborted at once) and goes when that reference does. */
static IsleLocalSet *teardown_island;
static IsleLocalSet *kept_island;
static int keeper_destroyed;
static int late_destroyed;

static void
keeper_destroy (gpointer data)
{
  keeper_destroyed++;
  kept_island = isle_local_set_ref (teardown_island);
}

static void
late_destroy (gpointer data)
{
  late_destroyed++;
}

static gpointer
never_runs (gpointer   user_data,
            GError   **error)
{
  g_assert_not_reached ();
  return NULL;
}

static void
test_teardown_kept_reference (void)
{
  if (g_test_subprocess ())
    {
      IsleLocalSet *island = isle_local_set_new ();
      IsleJoinHandle *handle;
      GError *error = NULL;

      teardown_island = island;
      isle_test_make_criticals_non_fatal ();
      isle_local_set_enter (island);
      handle = isle_local_set_spawn_local (island, park_forever, NULL, keeper_destroy);
      isle_join_handle_unref (handle);
      g_main_context_iteration (isle_local_set_get_context (island), FALSE);
      isle_local_set_leave (island);

      isle_local_set_unref (island);
      g_assert_cmpint (keeper_destroyed, ==, 1);
      g_assert_true (kept_island == island);
      g_assert_cmpuint (isle_local_set_get_n_tasks (kept_island), ==, 0);

      /* Closed: a spawn is aborted at once, a run_until fails. */
      handle = isle_local_set_spawn_local (kept_island, never_runs, NULL, late_destroy);
      g_assert_null (isle_local_set_run_until (kept_island, never_runs, NULL, &error));
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
      g_clear_error (&error);
      isle_join_handle_unref (handle);

      /* The last reference finalizes it, running what is left. */
      isle_local_set_unref (g_steal_pointer (&kept_island));
      g_assert_cmpint (late_destroyed, ==, 1);
      g_assert_cmpint (keeper_destroyed, ==, 1);
      g_print ("finalized\n");
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stdout ("*finalized*");
  g_test_trap_assert_stderr ("*Island * is being freed, but code that its "
                             "teardown ran (a destroy notify) took 1 reference "
                             "to it and kept it*finalized when the last "
                             "reference goes*");
}

/* One unref too many from code the teardown runs must not free the island
 * a second time from inside its own teardown. */
static void
extra_unref_destroy (gpointer data)
{
  isle_local_set_unref (teardown_island);
  keeper_destroyed++;
}

static void
test_teardown_extra_unref (void)
{
  if (g_test_subprocess ())
    {
      IsleLocalSet *island = isle_local_set_new ();
      IsleJoinHandle *handle;

      teardown_island = island;
      isle_test_make_criticals_non_fatal ();
      isle_local_set_enter (island);
      handle = isle_local_set_spawn_local (island, park_forever, NULL, extra_unref_destroy);
      isle_join_handle_unref (handle);
      isle_local_set_leave (island);

      isle_local_set_unref (island);
      g_assert_cmpint (keeper_destroyed, ==, 1);
      g_print ("freed once\n");
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stdout ("*freed once*");
  g_test_trap_assert_stderr ("*isle_local_set_unref() called on island * while "
                             "it is being freed, for a reference nobody took*");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Isle/Teardown/every-wait", test_teardown_every_wait);
  g_test_add_func ("/Isle/Teardown/remote-race", test_teardown_remote_race);
  g_test_add_func ("/Isle/Teardown/stubborn-task", test_teardown_stubborn_task);
  g_test_add_func ("/Isle/Teardown/kept-reference", test_teardown_kept_reference);
  g_test_add_func ("/Isle/Teardown/extra-unref", test_teardown_extra_unref);

  return g_test_run ();
}
