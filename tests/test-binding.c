/* test-binding.c: the C entry points for language bindings
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The Python and GJS sides are tested by the "bindings" suite
 * (bindings/tests); these are the C functions they rely on.
 */

#include "config.h"

#include <isle.h>

#include "isle-test-util.h"

typedef struct
{
  guint polls;
  int   destroyed;
  char *seen_name;
  int   seen_priority;
} NamedState;

static void
named_state_destroy (gpointer data)
{
  ((NamedState *) data)->destroyed++;
}

/* Yields once, then fails through isle_task_set_poll_error(). */
static IslePoll
failing_poll (gpointer    data,
              IsleWaker  *waker,
              gpointer   *result,
              GError    **error)
{
  NamedState *state = data;
  IsleTask *task = isle_task_get_current ();

  state->polls++;
  g_free (state->seen_name);
  state->seen_name = g_strdup (isle_task_get_name (task));
  state->seen_priority = isle_task_get_priority (task);
  if (state->polls == 1)
    {
      /* Replaced by the second call, freed then: nothing leaks. */
      isle_task_set_poll_error (task, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_FAILED, "first"));
      isle_waker_wake (waker);
      return ISLE_POLL_PENDING;
    }
  isle_task_set_poll_error (task, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                                                       "set by a binding"));
  return ISLE_POLL_READY;
}

typedef struct
{
  IsleJoinHandle *handle;
  GError         *error;
} Joiner;

static gpointer
join_root (gpointer   user_data,
           GError   **error)
{
  Joiner *joiner = user_data;

  g_assert_null (isle_join_handle_join (joiner->handle, &joiner->error));
  return NULL;
}

static void
test_poll_named_fails (void)
{
  g_autoptr(IsleLocalSet) island = isle_local_set_new ();
  NamedState state = { 0 };
  Joiner joiner = { 0 };

  joiner.handle = isle_local_set_spawn_local_poll_named (island, "py:coro.qualname",
                                                         G_PRIORITY_HIGH, failing_poll,
                                                         &state, named_state_destroy);
  isle_test_run_root (island, join_root, &joiner);

  g_assert_cmpuint (state.polls, ==, 2);
  g_assert_cmpstr (state.seen_name, ==, "py:coro.qualname");
  g_assert_cmpint (state.seen_priority, ==, G_PRIORITY_HIGH);
  g_assert_cmpint (state.destroyed, ==, 1);
  g_assert_error (joiner.error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
  g_assert_cmpstr (joiner.error->message, ==, "set by a binding");

  g_clear_error (&joiner.error);
  isle_join_handle_unref (joiner.handle);
  g_free (state.seen_name);
}

/* An error the poll function sets itself wins over the stored one. */
static IslePoll
both_errors_poll (gpointer    data,
                  IsleWaker  *waker,
                  gpointer   *result,
                  GError    **error)
{
  isle_task_set_poll_error (isle_task_get_current (),
                            g_error_new_literal (G_IO_ERROR, G_IO_ERROR_FAILED, "stored"));
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_EXISTS, "own");
  return ISLE_POLL_READY;
}

static void
test_own_error_wins (void)
{
  g_autoptr(IsleLocalSet) island = isle_local_set_new ();
  Joiner joiner = { 0 };

  joiner.handle = isle_local_set_spawn_local_poll_named (island, NULL, G_PRIORITY_DEFAULT,
                                                         both_errors_poll, NULL, NULL);
  isle_test_run_root (island, join_root, &joiner);
  g_assert_error (joiner.error, G_IO_ERROR, G_IO_ERROR_EXISTS);
  g_clear_error (&joiner.error);
  isle_join_handle_unref (joiner.handle);
}

static gpointer
set_error_in_fiber (gpointer   user_data,
                    GError   **error)
{
  isle_task_set_poll_error (isle_task_get_current (),
                            g_error_new_literal (G_IO_ERROR, G_IO_ERROR_FAILED, "x"));
  g_print ("survived\n");
  return NULL;
}

static void
test_poll_error_outside_poll (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(IsleLocalSet) island = isle_local_set_new ();

      isle_test_make_criticals_non_fatal ();
      isle_test_run_root (island, set_error_in_fiber, NULL);
      return;
    }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stdout ("*survived*");
  g_test_trap_assert_stderr ("*CRITICAL*isle_task_set_poll_error() called on task *, which "
                             "is not a poll task in its poll function*");
}

static gpointer
blocking_job (gpointer       user_data,
              GCancellable  *cancellable,
              GError       **error)
{
  g_atomic_int_inc ((int *) user_data);
  return NULL;
}

static void
count_destroy (gpointer data)
{
  g_atomic_int_add ((int *) data, 10);
}

static gpointer
blocking_root (gpointer   user_data,
               GError   **error)
{
  g_autoptr(IsleFuture) future = isle_binding_spawn_blocking (blocking_job, user_data,
                                                              count_destroy);
  GError *local_error = NULL;

  g_assert_null (isle_await (future, &local_error));
  g_assert_no_error (local_error);
  return NULL;
}

static void
test_spawn_blocking (void)
{
  g_autoptr(IsleLocalSet) island = isle_local_set_new ();
  int count = 0;

  isle_test_run_root (island, blocking_root, &count);
  /* Ran once; its user data released once. */
  g_assert_cmpint (g_atomic_int_get (&count), ==, 11);
}

/* The GValue forms of channels and oneshots. Items are counted objects:
 * each is finalized exactly once, whichever thread lets go of it last. */

static int objects_finalized;

static void
object_finalized (gpointer  data,
                  GObject  *where_the_object_was)
{
  g_atomic_int_inc (&objects_finalized);
}

/* An object value, with the only reference in the value. */
static void
init_object_value (GValue *value)
{
  GObject *object = g_object_new (G_TYPE_OBJECT, NULL);

  g_object_weak_ref (object, object_finalized, NULL);
  g_value_init (value, G_TYPE_OBJECT);
  g_value_take_object (value, object);
}

static void
channel_values_round_trip_body (gconstpointer test_data)
{
  g_autoptr(IsleChannelSender) sender = NULL;
  g_autoptr(IsleChannel) channel = isle_channel_new_for_values (2, &sender);
  g_auto(GValue) number = G_VALUE_INIT;
  g_auto(GValue) text = G_VALUE_INIT;
  g_auto(GValue) received = G_VALUE_INIT;
  g_autoptr(GError) local_error = NULL;

  g_value_init (&number, G_TYPE_INT);
  g_value_set_int (&number, 7);
  g_value_init (&text, G_TYPE_STRING);
  g_value_set_string (&text, "seven");

  g_assert_true (isle_channel_sender_try_send_value (sender, &number, &local_error));
  g_assert_no_error (local_error);
  g_assert_true (isle_channel_sender_send_value (sender, &text, &local_error));
  g_assert_no_error (local_error);
  g_assert_false (isle_channel_sender_try_send_value (sender, &number, &local_error));
  g_assert_error (local_error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK);
  g_clear_error (&local_error);
  g_assert_cmpuint (isle_channel_get_length (channel), ==, 2);

  /* Copies went in: the values sent are still the caller's. */
  g_value_set_string (&text, "changed");

  g_assert_true (isle_channel_try_recv_value (channel, &received, &local_error));
  g_assert_no_error (local_error);
  g_assert_true (G_VALUE_HOLDS_INT (&received));
  g_assert_cmpint (g_value_get_int (&received), ==, 7);
  g_value_unset (&received);
  g_assert_true (isle_channel_try_recv_value (channel, &received, &local_error));
  g_assert_cmpstr (g_value_get_string (&received), ==, "seven");
  g_value_unset (&received);

  g_assert_false (isle_channel_try_recv_value (channel, &received, &local_error));
  g_assert_error (local_error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK);
  g_clear_error (&local_error);
  g_assert_false (G_IS_VALUE (&received));

  g_clear_pointer (&sender, isle_channel_sender_unref);
  g_assert_false (isle_channel_try_recv_value (channel, &received, &local_error));
  g_assert_error (local_error, G_IO_ERROR, G_IO_ERROR_CLOSED);
  g_assert_false (G_IS_VALUE (&received));
}

static void
test_channel_values_round_trip (void)
{
  isle_test_run (channel_values_round_trip_body, NULL);
}

static void
test_channel_values_released_once (void)
{
  IsleChannelSender *sender = NULL;
  IsleChannel *channel = isle_channel_new_for_values (0, &sender);
  g_autoptr(GError) local_error = NULL;
  GValue value = G_VALUE_INIT;

  objects_finalized = 0;
  for (guint i = 0; i < 3; i++)
    {
      init_object_value (&value);
      g_assert_true (isle_channel_sender_try_send_value (sender, &value, &local_error));
      g_value_unset (&value);
    }
  g_assert_cmpint (objects_finalized, ==, 0);

  /* Closed with three items in it: each is released once, when the
   * receiving end goes. */
  isle_channel_close (channel);
  init_object_value (&value);
  g_assert_false (isle_channel_sender_send_value (sender, &value, &local_error));
  g_assert_error (local_error, G_IO_ERROR, G_IO_ERROR_CLOSED);
  g_clear_error (&local_error);
  /* The failed send's copy is gone already; the value is still ours. */
  g_assert_cmpint (objects_finalized, ==, 0);
  g_value_unset (&value);
  g_assert_cmpint (objects_finalized, ==, 1);

  isle_channel_unref (channel);
  g_assert_cmpint (objects_finalized, ==, 4);
  isle_channel_sender_unref (sender);
  g_assert_cmpint (objects_finalized, ==, 4);
}

/* Worker threads send with the blocking form into a small bounded
 * channel; a poll task receives with poll_recv_ready and try_recv_value. */

#define N_PRODUCERS 4
#define N_PER_PRODUCER 300

typedef struct
{
  IsleChannel *channel;
  gint64       total;
  guint        n_ints;
  guint        n_objects;
  GError      *error;
} ValueSum;

static IslePoll
sum_values_poll (gpointer    data,
                 IsleWaker  *waker,
                 gpointer   *result,
                 GError    **error)
{
  ValueSum *sum = data;

  for (;;)
    {
      g_auto(GValue) value = G_VALUE_INIT;

      if (isle_channel_poll_recv_ready (sum->channel, waker, error) == ISLE_POLL_PENDING)
        return ISLE_POLL_PENDING;
      if (!isle_channel_try_recv_value (sum->channel, &value, &sum->error))
        return ISLE_POLL_READY;   /* closed: every producer is done */
      if (G_VALUE_HOLDS_INT (&value))
        {
          sum->total += g_value_get_int (&value);
          sum->n_ints++;
        }
      else
        sum->n_objects++;
    }
}

static gpointer
produce_values (gpointer data)
{
  IsleChannelSender *sender = data;
  GValue value = G_VALUE_INIT;
  GError *error = NULL;

  g_value_init (&value, G_TYPE_INT);
  for (int i = 1; i <= N_PER_PRODUCER; i++)
    {
      g_value_set_int (&value, i);
      g_assert_true (isle_channel_sender_send_value (sender, &value, &error));
    }
  g_value_unset (&value);

  init_object_value (&value);
  g_assert_true (isle_channel_sender_send_value (sender, &value, &error));
  g_value_unset (&value);

  isle_channel_sender_unref (sender);
  return NULL;
}

static void
test_channel_values_from_threads (void)
{
  g_autoptr(IsleLocalSet) island = isle_local_set_new ();
  g_autoptr(IsleJoinHandle) handle = NULL;
  IsleChannelSender *sender = NULL;
  GThread *threads[N_PRODUCERS];
  ValueSum sum = { 0 };

  objects_finalized = 0;
  sum.channel = isle_channel_new_for_values (3, &sender);
  handle = isle_local_set_spawn_local_poll (island, sum_values_poll, &sum, NULL);
  for (guint i = 0; i < N_PRODUCERS; i++)
    threads[i] = g_thread_new ("producer", produce_values, isle_channel_sender_ref (sender));
  isle_channel_sender_unref (sender);

  isle_test_run_all (island);
  for (guint i = 0; i < N_PRODUCERS; i++)
    g_thread_join (threads[i]);

  g_assert_error (sum.error, G_IO_ERROR, G_IO_ERROR_CLOSED);
  g_clear_error (&sum.error);
  g_assert_cmpuint (sum.n_ints, ==, N_PRODUCERS * N_PER_PRODUCER);
  g_assert_cmpint (sum.total, ==, N_PRODUCERS * (N_PER_PRODUCER * (N_PER_PRODUCER + 1) / 2));
  g_assert_cmpuint (sum.n_objects, ==, N_PRODUCERS);
  g_assert_cmpint (g_atomic_int_get (&objects_finalized), ==, N_PRODUCERS);
  isle_channel_unref (sum.channel);
}

/* A poll task sends values into a full channel: it waits for room, and
 * aborted while it waits it leaves nothing behind. */

typedef struct
{
  IsleChannelSender *sender;
  GValue             value;
  guint              pending;
} ValueSend;

static IslePoll
send_value_poll (gpointer    data,
                 IsleWaker  *waker,
                 gpointer   *result,
                 GError    **error)
{
  ValueSend *send = data;
  IslePoll poll = isle_channel_sender_poll_send_value (send->sender, waker, &send->value, error);

  if (poll == ISLE_POLL_PENDING)
    send->pending++;
  return poll;
}

static void
poll_send_value_body (gconstpointer test_data)
{
  IsleLocalSet *island = isle_local_set_get_current ();
  IsleChannelSender *sender = NULL;
  g_autoptr(IsleChannel) channel = isle_channel_new_for_values (1, &sender);
  g_autoptr(IsleJoinHandle) first = NULL;
  g_autoptr(IsleJoinHandle) second = NULL;
  g_autoptr(GError) local_error = NULL;
  g_auto(GValue) received = G_VALUE_INIT;
  g_autofree char *says = NULL;
  ValueSend a = { sender, G_VALUE_INIT, 0 };
  ValueSend b = { sender, G_VALUE_INIT, 0 };

  g_value_init (&a.value, G_TYPE_INT);
  g_value_set_int (&a.value, 1);
  init_object_value (&b.value);

  first = isle_spawn_local_poll (send_value_poll, &a, NULL);
  g_assert_null (isle_join_handle_join (first, &local_error));
  g_assert_no_error (local_error);
  g_assert_cmpuint (a.pending, ==, 0);

  /* Full: the second waits, and its copies do not pile up. */
  second = isle_spawn_local_poll (send_value_poll, &b, NULL);
  for (guint i = 0; i < 3; i++)
    g_assert_true (isle_yield_now (NULL));
  g_assert_cmpuint (b.pending, ==, 1);
  says = isle_test_describe_wait (island, isle_join_handle_get_id (second));
  g_assert_cmpstr (says, ==, "other: room in a channel");
  g_assert_cmpint (objects_finalized, ==, 0);

  /* Room: it is woken and sends. */
  g_assert_true (isle_channel_try_recv_value (channel, &received, &local_error));
  g_assert_cmpint (g_value_get_int (&received), ==, 1);
  g_value_unset (&received);
  g_assert_null (isle_join_handle_join (second, &local_error));
  g_assert_no_error (local_error);
  g_clear_pointer (&second, isle_join_handle_unref);

  /* Full again; this time the waiting sender is aborted. */
  second = isle_spawn_local_poll (send_value_poll, &b, NULL);
  for (guint i = 0; i < 3; i++)
    g_assert_true (isle_yield_now (NULL));
  isle_join_handle_abort (second);
  isle_join_handle_join (second, &local_error);
  g_assert_error (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&local_error);
  g_assert_cmpuint (isle_channel_get_length (channel), ==, 1);

  /* It held no sender any more: ours was the last, so the channel
   * closes. The queued copy is still received, then released once. */
  isle_channel_sender_unref (sender);
  g_assert_true (isle_channel_is_closed (channel));
  g_assert_true (isle_channel_try_recv_value (channel, &received, &local_error));
  g_assert_true (G_VALUE_HOLDS_OBJECT (&received));
  g_value_unset (&received);
  g_value_unset (&b.value);
  g_assert_cmpint (objects_finalized, ==, 1);
  g_value_unset (&a.value);
}

static void
test_channel_poll_send_value (void)
{
  objects_finalized = 0;
  isle_test_run (poll_send_value_body, NULL);
  g_assert_cmpint (objects_finalized, ==, 1);
}

static IslePoll
recv_ready_poll (gpointer    data,
                 IsleWaker  *waker,
                 gpointer   *result,
                 GError    **error)
{
  return isle_channel_poll_recv_ready (data, waker, error);
}

/* poll_recv_ready takes nothing; aborted while it waits, the task lets go
 * of the channel. */
static void
poll_recv_ready_body (gconstpointer test_data)
{
  IsleLocalSet *island = isle_local_set_get_current ();
  g_autoptr(IsleChannelSender) sender = NULL;
  IsleChannel *channel = isle_channel_new_for_values (0, &sender);
  g_autoptr(IsleJoinHandle) handle = NULL;
  g_autoptr(GError) local_error = NULL;
  g_auto(GValue) value = G_VALUE_INIT;
  g_autofree char *says = NULL;

  handle = isle_spawn_local_poll (recv_ready_poll, channel, NULL);
  for (guint i = 0; i < 3; i++)
    g_assert_true (isle_yield_now (NULL));
  g_assert_false (isle_join_handle_is_finished (handle));
  says = isle_test_describe_wait (island, isle_join_handle_get_id (handle));
  g_assert_cmpstr (says, ==, "other: a message on a channel");

  g_value_init (&value, G_TYPE_INT);
  g_value_set_int (&value, 5);
  g_assert_true (isle_channel_sender_send_value (sender, &value, &local_error));
  g_assert_null (isle_join_handle_join (handle, &local_error));
  g_assert_no_error (local_error);
  /* Ready, and the item is still there. */
  g_assert_cmpuint (isle_channel_get_length (channel), ==, 1);
  g_value_unset (&value);
  g_assert_true (isle_channel_try_recv_value (channel, &value, &local_error));
  g_assert_cmpint (g_value_get_int (&value), ==, 5);
  g_clear_pointer (&handle, isle_join_handle_unref);

  handle = isle_spawn_local_poll (recv_ready_poll, channel, NULL);
  for (guint i = 0; i < 3; i++)
    g_assert_true (isle_yield_now (NULL));
  g_clear_pointer (&channel, isle_channel_unref);
  g_assert_false (isle_channel_sender_is_closed (sender));
  isle_join_handle_abort (handle);
  isle_join_handle_join (handle, &local_error);
  g_assert_error (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_true (isle_channel_sender_is_closed (sender));
}

static void
test_channel_poll_recv_ready (void)
{
  isle_test_run (poll_recv_ready_body, NULL);
}

/* Oneshots: a value sent from another thread, awaited by a poll task;
 * one dropped with its value in it; one whose sender goes unsent. */

typedef struct
{
  IsleOneshot *oneshot;
  GValue       value;
  GError      *error;
} OneshotWait;

static IslePoll
oneshot_value_poll (gpointer    data,
                    IsleWaker  *waker,
                    gpointer   *result,
                    GError    **error)
{
  OneshotWait *wait = data;

  if (isle_oneshot_poll_recv_ready (wait->oneshot, waker, error) == ISLE_POLL_PENDING)
    return ISLE_POLL_PENDING;
  isle_oneshot_try_recv_value (wait->oneshot, &wait->value, &wait->error);
  return ISLE_POLL_READY;
}

static gpointer
send_object_value (gpointer data)
{
  IsleOneshotSender *sender = data;
  GValue value = G_VALUE_INIT;

  init_object_value (&value);
  g_assert_true (isle_oneshot_sender_send_value (sender, &value, NULL));
  g_value_unset (&value);
  isle_oneshot_sender_unref (sender);
  return NULL;
}

static gpointer
drop_oneshot_sender (gpointer data)
{
  isle_oneshot_sender_unref (data);
  return NULL;
}

static void
test_oneshot_values (void)
{
  g_autoptr(IsleLocalSet) island = isle_local_set_new ();
  g_autoptr(IsleJoinHandle) handle = NULL;
  g_autoptr(GError) local_error = NULL;
  OneshotWait wait = { NULL, G_VALUE_INIT, NULL };
  GValue value = G_VALUE_INIT;
  IsleOneshotSender *sender;
  GThread *thread;

  objects_finalized = 0;
  wait.oneshot = isle_oneshot_new_for_value ();
  g_assert_false (isle_oneshot_try_recv_value (wait.oneshot, &value, &local_error));
  g_assert_error (local_error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK);
  g_clear_error (&local_error);

  handle = isle_local_set_spawn_local_poll (island, oneshot_value_poll, &wait, NULL);
  thread = g_thread_new ("sender", send_object_value, isle_oneshot_ref_sender (wait.oneshot));
  isle_test_run_all (island);
  g_thread_join (thread);
  g_assert_no_error (wait.error);
  g_assert_true (G_VALUE_HOLDS_OBJECT (&wait.value));
  g_assert_cmpint (g_atomic_int_get (&objects_finalized), ==, 0);
  g_value_unset (&wait.value);
  g_assert_cmpint (objects_finalized, ==, 1);
  /* Received already. */
  g_assert_false (isle_oneshot_try_recv_value (wait.oneshot, &value, &local_error));
  g_assert_error (local_error, G_IO_ERROR, G_IO_ERROR_CLOSED);
  g_clear_error (&local_error);
  g_clear_pointer (&wait.oneshot, isle_oneshot_unref);

  /* Sent, never received: released once, with the receiving end. */
  wait.oneshot = isle_oneshot_new_for_value ();
  thread = g_thread_new ("sender", send_object_value, isle_oneshot_ref_sender (wait.oneshot));
  g_thread_join (thread);
  g_assert_cmpint (objects_finalized, ==, 1);
  g_clear_pointer (&wait.oneshot, isle_oneshot_unref);
  g_assert_cmpint (objects_finalized, ==, 2);

  /* Sent after the receiving end went: the copy goes at once. */
  wait.oneshot = isle_oneshot_new_for_value ();
  sender = isle_oneshot_ref_sender (wait.oneshot);
  g_clear_pointer (&wait.oneshot, isle_oneshot_unref);
  init_object_value (&value);
  g_assert_false (isle_oneshot_sender_send_value (sender, &value, &local_error));
  g_assert_error (local_error, G_IO_ERROR, G_IO_ERROR_CLOSED);
  g_clear_error (&local_error);
  g_assert_cmpint (objects_finalized, ==, 2);
  g_value_unset (&value);
  g_assert_cmpint (objects_finalized, ==, 3);
  isle_oneshot_sender_unref (sender);

  /* The sender goes unsent: ready, and the receive says closed. */
  wait.oneshot = isle_oneshot_new_for_value ();
  sender = isle_oneshot_ref_sender (wait.oneshot);
  g_clear_pointer (&handle, isle_join_handle_unref);
  handle = isle_local_set_spawn_local_poll (island, oneshot_value_poll, &wait, NULL);
  thread = g_thread_new ("dropper", drop_oneshot_sender, sender);
  isle_test_run_all (island);
  g_thread_join (thread);
  g_assert_error (wait.error, G_IO_ERROR, G_IO_ERROR_CLOSED);
  g_clear_error (&wait.error);
  g_assert_false (G_IS_VALUE (&wait.value));
  g_clear_pointer (&wait.oneshot, isle_oneshot_unref);
}

static IslePoll
oneshot_ready_poll (gpointer    data,
                    IsleWaker  *waker,
                    gpointer   *result,
                    GError    **error)
{
  return isle_oneshot_poll_recv_ready (data, waker, error);
}

/* Aborted while it waits, a poll_recv_ready task lets go of the oneshot:
 * a value sent afterwards is released with the receiving end, once. */
static void
oneshot_ready_aborted_body (gconstpointer test_data)
{
  IsleLocalSet *island = isle_local_set_get_current ();
  IsleOneshot *oneshot = isle_oneshot_new_for_value ();
  g_autoptr(IsleOneshotSender) sender = isle_oneshot_ref_sender (oneshot);
  g_autoptr(IsleJoinHandle) handle = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *says = NULL;
  GValue value = G_VALUE_INIT;

  handle = isle_spawn_local_poll (oneshot_ready_poll, oneshot, NULL);
  for (guint i = 0; i < 3; i++)
    g_assert_true (isle_yield_now (NULL));
  says = isle_test_describe_wait (island, isle_join_handle_get_id (handle));
  g_assert_cmpstr (says, ==, "other: a oneshot");
  g_clear_pointer (&oneshot, isle_oneshot_unref);

  isle_join_handle_abort (handle);
  isle_join_handle_join (handle, &local_error);
  g_assert_error (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&local_error);

  /* The receiving end is gone with the task: the send is refused. */
  init_object_value (&value);
  g_assert_false (isle_oneshot_sender_send_value (sender, &value, &local_error));
  g_assert_error (local_error, G_IO_ERROR, G_IO_ERROR_CLOSED);
  g_clear_error (&local_error);
  g_value_unset (&value);
}

static void
test_oneshot_poll_recv_ready_aborted (void)
{
  objects_finalized = 0;
  isle_test_run (oneshot_ready_aborted_body, NULL);
  g_assert_cmpint (objects_finalized, ==, 1);
}

static void
test_values_on_plain_channel (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(IsleChannelSender) sender = NULL;
      g_autoptr(IsleChannel) channel = isle_channel_new (0, g_free, &sender);
      g_auto(GValue) value = G_VALUE_INIT;
      g_autoptr(GError) local_error = NULL;

      isle_test_make_criticals_non_fatal ();
      g_value_init (&value, G_TYPE_INT);
      g_assert_false (isle_channel_sender_try_send_value (sender, &value, &local_error));
      g_assert_error (local_error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
      g_assert_cmpuint (isle_channel_get_length (channel), ==, 0);
      g_print ("refused\n");
      return;
    }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stdout ("*refused*");
  g_test_trap_assert_stderr ("*CRITICAL*isle_channel_sender_try_send_value() on IsleChannel *, "
                             "whose items are not GValues: the _value forms need a channel "
                             "made by isle_channel_new_for_values()*");
}

static void
test_value_on_plain_oneshot (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(IsleOneshot) oneshot = isle_oneshot_new ();
      g_autoptr(IsleOneshotSender) sender = isle_oneshot_ref_sender (oneshot);
      g_auto(GValue) value = G_VALUE_INIT;
      g_autoptr(GError) local_error = NULL;

      isle_test_make_criticals_non_fatal ();
      g_assert_false (isle_oneshot_try_recv_value (oneshot, &value, &local_error));
      g_assert_error (local_error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
      g_clear_error (&local_error);

      g_value_init (&value, G_TYPE_INT);
      g_assert_false (isle_oneshot_sender_send_value (sender, &value, &local_error));
      g_assert_error (local_error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
      g_print ("refused\n");
      return;
    }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stdout ("*refused*");
  g_test_trap_assert_stderr ("*CRITICAL*isle_oneshot_try_recv_value() on IsleOneshot *, "
                             "whose value is not a GValue: the _value forms need a oneshot "
                             "made by isle_oneshot_new_for_value()*"
                             "*CRITICAL*isle_oneshot_sender_send_value() on IsleOneshot *, "
                             "whose value is not a GValue*");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Isle/Binding/poll-named-fails", test_poll_named_fails);
  g_test_add_func ("/Isle/Binding/own-error-wins", test_own_error_wins);
  g_test_add_func ("/Isle/Binding/poll-error-outside-poll", test_poll_error_outside_poll);
  g_test_add_func ("/Isle/Binding/spawn-blocking", test_spawn_blocking);
  g_test_add_func ("/Isle/Binding/channel-values-round-trip", test_channel_values_round_trip);
  g_test_add_func ("/Isle/Binding/channel-values-released-once", test_channel_values_released_once);
  g_test_add_func ("/Isle/Binding/channel-values-from-threads", test_channel_values_from_threads);
  g_test_add_func ("/Isle/Binding/channel-poll-send-value", test_channel_poll_send_value);
  g_test_add_func ("/Isle/Binding/channel-poll-recv-ready", test_channel_poll_recv_ready);
  g_test_add_func ("/Isle/Binding/oneshot-values", test_oneshot_values);
  g_test_add_func ("/Isle/Binding/oneshot-poll-recv-ready-aborted",
                   test_oneshot_poll_recv_ready_aborted);
  g_test_add_func ("/Isle/Binding/values-on-plain-channel", test_values_on_plain_channel);
  g_test_add_func ("/Isle/Binding/value-on-plain-oneshot", test_value_on_plain_oneshot);

  return g_test_run ();
}
