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
 */

#include "config.h"

#include <isle.h>

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

  isle_sleep (3600 * 1000, &local_error);
  note (waiter, local_error);
  g_propagate_error (error, local_error);
  return NULL;
}

static gpointer
wait_interval (gpointer   user_data,
               GError   **error)
{
  Waiter *waiter = user_data;
  g_autoptr(IsleInterval) interval = isle_interval_new (3600 * 1000);
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
  g_autoptr(IsleFuture) op = isle_gio_future_new ();
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
  g_autoptr(IsleFuture) emitted = isle_signal_future_new (waiter->target, "notify");
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
  g_autoptr(IsleChannel) channel = isle_channel_new (0, g_free);
  g_autoptr(IsleSender) sender = isle_channel_ref_sender (channel);
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
  g_assert_true (isle_sender_send (sender, g_strdup ("late"), NULL));
  isle_oneshot_sender_send (oneshot_sender, g_strdup ("late"), g_free);
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

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Isle/Teardown/every-wait", test_teardown_every_wait);

  return g_test_run ();
}
