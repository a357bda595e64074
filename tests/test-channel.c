/* test-channel.c: channels, oneshots and notifies
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <isle.h>
#include <string.h>

#include "isle-test-util.h"

#define N_SENDER_THREADS 4
#define N_ITEMS_PER_THREAD 10000

static GThread *main_thread;

/* Items are boxed numbers; the destroy notify counts, so every test can
 * check that each item is destroyed exactly once. */
static int items_destroyed;  /* (atomic) */

static void
counted_item_destroy (gpointer item)
{
  g_atomic_int_inc (&items_destroyed);
  g_free (item);
}

static guint *
new_item (guint value)
{
  guint *item = g_new (guint, 1);

  *item = value;
  return item;
}

static guint
take_item (gpointer item)
{
  guint value;

  g_assert_nonnull (item);
  value = *(guint *) item;
  g_free (item);
  return value;
}

/* A root task that joins the handle it is given. */
static gpointer
join_root (gpointer   user_data,
           GError   **error)
{
  return isle_join_handle_join (user_data, error);
}

static void
test_channel_types (void)
{
  g_autoptr(IsleChannelSender) sender = NULL;
  g_autoptr(IsleChannel) channel = isle_channel_new (0, g_free, &sender);
  g_autoptr(IsleOneshot) oneshot = isle_oneshot_new ();
  g_autoptr(IsleOneshotSender) oneshot_sender = isle_oneshot_ref_sender (oneshot);
  g_autoptr(IsleNotify) notify = isle_notify_new ();
  IsleChannel *channel_copy;
  IsleChannelSender *sender_copy;

  g_assert_true (G_TYPE_IS_BOXED (ISLE_TYPE_CHANNEL));
  g_assert_true (G_TYPE_IS_BOXED (ISLE_TYPE_CHANNEL_SENDER));
  g_assert_true (G_TYPE_IS_BOXED (ISLE_TYPE_ONESHOT));
  g_assert_true (G_TYPE_IS_BOXED (ISLE_TYPE_ONESHOT_SENDER));
  g_assert_true (G_TYPE_IS_BOXED (ISLE_TYPE_NOTIFY));

  channel_copy = g_boxed_copy (ISLE_TYPE_CHANNEL, channel);
  sender_copy = g_boxed_copy (ISLE_TYPE_CHANNEL_SENDER, sender);
  g_assert_true (channel_copy == channel);
  g_boxed_free (ISLE_TYPE_CHANNEL, channel_copy);
  g_boxed_free (ISLE_TYPE_CHANNEL_SENDER, sender_copy);
  g_assert_false (isle_channel_is_closed (channel));
  g_assert_cmpuint (isle_channel_get_capacity (channel), ==, 0);
}

/* The owner-task pattern: worker threads send, one task sums. */

typedef struct
{
  IsleChannelSender *sender;   /* (owned) */
  guint       base;
} ProducerData;

static gpointer
producer_thread (gpointer user_data)
{
  ProducerData *data = user_data;

  for (guint i = 1; i <= N_ITEMS_PER_THREAD; i++)
    {
      g_autoptr(GError) error = NULL;

      gboolean sent = isle_channel_sender_send (data->sender, new_item (data->base + i), &error);

      g_assert_no_error (error);
      g_assert_true (sent);
    }

  isle_channel_sender_unref (data->sender);
  g_free (data);
  return NULL;
}

typedef struct
{
  IsleChannel *channel;
  guint64      sum;
  guint        count;
  guint        last_seen[N_SENDER_THREADS];  /* per producer, to check order */
  gboolean     all_on_owner;
} SumData;

static gpointer
sum_items_task (gpointer   user_data,
                GError   **error)
{
  SumData *data = user_data;
  g_autoptr(GError) local_error = NULL;
  gpointer item;

  data->all_on_owner = TRUE;
  while ((item = isle_channel_recv (data->channel, &local_error)) != NULL)
    {
      guint value = take_item (item);
      guint producer = value / 1000000;
      guint seq = value % 1000000;

      /* Items of one sender arrive in the order it sent them. */
      g_assert_cmpuint (producer, <, N_SENDER_THREADS);
      g_assert_cmpuint (seq, ==, data->last_seen[producer] + 1);
      data->last_seen[producer] = seq;
      data->sum += seq;
      data->count++;
      data->all_on_owner = data->all_on_owner && g_thread_self () == main_thread;
    }

  g_assert_error (local_error, G_IO_ERROR, G_IO_ERROR_CLOSED);
  return NULL;
}

static void
run_owner_task (gsize capacity)
{
  g_autoptr(IsleLocalSet) island = isle_local_set_new ();
  g_autoptr(IsleJoinHandle) handle = NULL;
  SumData data = { NULL, };
  IsleChannelSender *sender;
  GThread *threads[N_SENDER_THREADS];
  guint64 expected = (guint64) N_ITEMS_PER_THREAD * (N_ITEMS_PER_THREAD + 1) / 2;

  items_destroyed = 0;
  /* The channel is born with this sender, held while the producers get
   * theirs, so a producer that finishes early cannot close the channel
   * for the others. */
  data.channel = isle_channel_new (capacity, counted_item_destroy, &sender);
  for (guint i = 0; i < N_SENDER_THREADS; i++)
    {
      ProducerData *producer = g_new0 (ProducerData, 1);

      producer->sender = isle_channel_sender_ref (sender);
      producer->base = i * 1000000;
      threads[i] = g_thread_new ("producer", producer_thread, producer);
    }
  g_clear_pointer (&sender, isle_channel_sender_unref);

  handle = isle_local_set_spawn_local (island, sum_items_task, &data, NULL);
  isle_test_run_root (island, join_root, handle);
  for (guint i = 0; i < N_SENDER_THREADS; i++)
    g_thread_join (threads[i]);

  g_assert_cmpuint (data.count, ==, N_SENDER_THREADS * N_ITEMS_PER_THREAD);
  g_assert_cmpuint (data.sum, ==, N_SENDER_THREADS * expected);
  g_assert_true (data.all_on_owner);
  isle_channel_unref (data.channel);
  g_assert_cmpint (items_destroyed, ==, 0);
}

static void
test_channel_owner_task_unbounded (void)
{
  run_owner_task (0);
}

static void
test_channel_owner_task_bounded (void)
{
  run_owner_task (16);
}

/* Back-pressure: a thread sending to a full bounded channel blocks until
 * the island drains it. */

#define N_BLOCKING_ITEMS 200
#define BLOCKING_CAPACITY 2

typedef struct
{
  IsleChannel *channel;
  IsleChannelSender *sender;          /* (owned) by the thread */
  int          sent;           /* (atomic) sends that have returned */
  int          attempting;     /* (atomic) the thread is past the first fill */
} BlockingData;

static gpointer
blocking_sender_thread (gpointer user_data)
{
  BlockingData *data = user_data;

  for (guint i = 1; i <= N_BLOCKING_ITEMS; i++)
    {
      if (i == BLOCKING_CAPACITY + 1)
        g_atomic_int_set (&data->attempting, 1);
      g_assert_true (isle_channel_sender_send (data->sender, new_item (i), NULL));
      g_atomic_int_inc (&data->sent);
    }

  isle_channel_sender_unref (data->sender);
  return NULL;
}

static gpointer
drain_checking_task (gpointer   user_data,
                     GError   **error)
{
  BlockingData *data = user_data;
  g_autoptr(GError) local_error = NULL;
  guint received = 0;
  gpointer item;

  while ((item = isle_channel_recv (data->channel, &local_error)) != NULL)
    {
      g_assert_cmpuint (take_item (item), ==, ++received);
      /* A send returns only once its item is queued, and the queue never
       * holds more than the capacity. */
      g_assert_cmpint (g_atomic_int_get (&data->sent), <=,
                       (int) (received + BLOCKING_CAPACITY));
    }

  g_assert_error (local_error, G_IO_ERROR, G_IO_ERROR_CLOSED);
  g_assert_cmpuint (received, ==, N_BLOCKING_ITEMS);
  return NULL;
}

static void
test_channel_bounded_blocks_thread (void)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(IsleLocalSet) island = isle_local_set_new_for_context (context);
  g_autoptr(IsleJoinHandle) handle = NULL;
  BlockingData data = { NULL, };
  GThread *thread;

  data.channel = isle_channel_new (BLOCKING_CAPACITY, counted_item_destroy,
                                   &data.sender);
  thread = g_thread_new ("blocking-sender", blocking_sender_thread, &data);

  /* Nobody drains yet: the thread fills the channel and then cannot
   * finish its next send. */
  while (!g_atomic_int_get (&data.attempting))
    g_thread_yield ();
  g_assert_cmpint (g_atomic_int_get (&data.sent), ==, BLOCKING_CAPACITY);
  g_assert_cmpuint (isle_channel_get_length (data.channel), ==, BLOCKING_CAPACITY);

  /* The island drains, and the thread gets through. */
  handle = isle_local_set_spawn_local (island, drain_checking_task, &data, NULL);
  isle_test_run_root (island, join_root, handle);
  g_thread_join (thread);

  g_assert_cmpint (data.sent, ==, N_BLOCKING_ITEMS);
  isle_channel_unref (data.channel);
}

/* A fiber task sending to a full channel parks instead of blocking. */

typedef struct
{
  IsleChannelSender *sender;
  guint       sent;
  gboolean    ok;
} FiberSendData;

static gpointer
fiber_sender_task (gpointer   user_data,
                   GError   **error)
{
  FiberSendData *data = user_data;

  for (guint i = 1; i <= 10; i++)
    {
      if (!isle_channel_sender_send (data->sender, new_item (i), error))
        return NULL;
      data->sent = i;
    }
  g_clear_pointer (&data->sender, isle_channel_sender_unref);
  data->ok = TRUE;
  return NULL;
}

static void
fiber_send_body (gconstpointer test_data)
{
  IsleLocalSet *island = isle_local_set_get_current ();
  FiberSendData data = { NULL, };
  g_autoptr(IsleChannel) channel = isle_channel_new (3, counted_item_destroy,
                                                     &data.sender);
  g_autoptr(IsleJoinHandle) handle = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *dump = NULL;
  gpointer item;
  guint received = 0;

  isle_local_set_set_debug_flags (island, ISLE_DEBUG_TASKS);
  handle = isle_spawn_local_full ("fiber-sender", G_PRIORITY_DEFAULT, 0,
                                  fiber_sender_task, &data, NULL, NULL);
  for (guint i = 0; i < 5; i++)
    g_assert_true (isle_yield_now (NULL));

  /* The sender filled the channel and parked, and the dump says why. */
  g_assert_cmpuint (data.sent, ==, 3);
  g_assert_false (isle_join_handle_is_finished (handle));
  dump = isle_local_set_dump_tasks (island);
  g_assert_nonnull (strstr (dump, "room in a channel"));

  while ((item = isle_channel_recv (channel, &local_error)) != NULL)
    g_assert_cmpuint (take_item (item), ==, ++received);
  g_assert_error (local_error, G_IO_ERROR, G_IO_ERROR_CLOSED);
  g_assert_cmpuint (received, ==, 10);

  isle_join_handle_join (handle, NULL);
  g_assert_true (data.ok);
}

static void
test_channel_bounded_send_parks_fiber (void)
{
  items_destroyed = 0;
  isle_test_run (fiber_send_body, NULL);
  g_assert_cmpint (items_destroyed, ==, 0);
}

/* An aborted fiber sender fails with cancelled and keeps its item. */

static gpointer
send_until_aborted_task (gpointer   user_data,
                         GError   **error)
{
  IsleChannelSender *sender = user_data;
  guint *item = new_item (99);
  g_autoptr(GError) local_error = NULL;

  g_assert_true (isle_channel_sender_send (sender, new_item (1), NULL));
  g_assert_false (isle_channel_sender_send (sender, item, &local_error));
  g_assert_error (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_free (item);   /* not consumed */
  return NULL;
}

static void
abort_sender_body (gconstpointer test_data)
{
  g_autoptr(IsleChannelSender) sender = NULL;
  g_autoptr(IsleChannel) channel = isle_channel_new (1, counted_item_destroy, &sender);
  g_autoptr(IsleJoinHandle) handle = NULL;

  handle = isle_spawn_local (send_until_aborted_task, sender, NULL);
  for (guint i = 0; i < 3; i++)
    g_assert_true (isle_yield_now (NULL));
  g_assert_false (isle_join_handle_is_finished (handle));

  isle_join_handle_abort (handle);
  isle_join_handle_join (handle, NULL);
  g_assert_cmpuint (isle_channel_get_length (channel), ==, 1);
}

static void
test_channel_bounded_send_aborted (void)
{
  items_destroyed = 0;
  isle_test_run (abort_sender_body, NULL);
  g_assert_cmpint (items_destroyed, ==, 1);   /* the queued one, with the channel */
}

/* Closing. */

static gpointer
unref_sender_thread (gpointer user_data)
{
  isle_channel_sender_unref (user_data);
  return NULL;
}

static gpointer
recv_until_closed_task (gpointer   user_data,
                        GError   **error)
{
  IsleChannel *channel = user_data;
  g_autoptr(GError) local_error = NULL;
  guint n = 0;
  gpointer item;

  while ((item = isle_channel_recv (channel, &local_error)) != NULL)
    {
      take_item (item);
      n++;
    }
  g_assert_error (local_error, G_IO_ERROR, G_IO_ERROR_CLOSED);
  return GUINT_TO_POINTER (n);
}

static void
closed_when_senders_gone_body (gconstpointer test_data)
{
  IsleChannelSender *first;
  g_autoptr(IsleChannel) channel = isle_channel_new (0, counted_item_destroy, &first);
  IsleChannelSender *second = isle_channel_sender_ref (first);
  g_autoptr(IsleJoinHandle) handle = NULL;
  g_autoptr(GError) local_error = NULL;
  GThread *thread;

  g_assert_true (isle_channel_sender_send (first, new_item (1), NULL));
  g_assert_true (isle_channel_sender_send (second, new_item (2), NULL));
  isle_channel_sender_unref (first);
  g_assert_false (isle_channel_is_closed (channel));

  handle = isle_spawn_local (recv_until_closed_task, channel, NULL);
  for (guint i = 0; i < 3; i++)
    g_assert_true (isle_yield_now (NULL));
  /* Both items received; the receiver waits for the last sender. */
  g_assert_false (isle_join_handle_is_finished (handle));

  thread = g_thread_new ("unref", unref_sender_thread, second);
  g_assert_cmpuint (GPOINTER_TO_UINT (isle_join_handle_join (handle, NULL)), ==, 2);
  g_thread_join (thread);
  g_assert_true (isle_channel_is_closed (channel));
  /* No sender is left to send, and none can be made: senders come only
   * from senders, so a closed channel stays closed. */
  g_assert_null (isle_channel_try_recv (channel, &local_error));
  g_assert_error (local_error, G_IO_ERROR, G_IO_ERROR_CLOSED);
}

/* Issue 11 item 7: one sender per worker, each made only when its worker
 * starts and handed over to it. Every worker here finishes, and drops its
 * sender, before the next sender is made: with a channel that closed when
 * its sender count first fell to zero, 63 of these 64 sends failed. */
#define N_HANDED_OVER 64

static int handed_over_failures;  /* (atomic) */

static gpointer
send_one_thread (gpointer user_data)
{
  IsleChannelSender *sender = user_data;
  guint *item = new_item (1);

  if (!isle_channel_sender_send (sender, item, NULL))
    {
      g_atomic_int_inc (&handed_over_failures);
      g_free (item);
    }
  isle_channel_sender_unref (sender);
  return NULL;
}

static void
senders_handed_over_body (gconstpointer test_data)
{
  IsleChannelSender *first;
  g_autoptr(IsleChannel) channel = isle_channel_new (0, counted_item_destroy, &first);
  g_autoptr(IsleJoinHandle) handle = isle_spawn_local (recv_until_closed_task,
                                                       channel, NULL);

  for (guint i = 0; i < N_HANDED_OVER; i++)
    {
      /* The last worker is handed the channel's own first sender. */
      IsleChannelSender *sender = i + 1 < N_HANDED_OVER
                                  ? isle_channel_sender_ref (first) : first;

      g_thread_join (g_thread_new ("worker", send_one_thread, sender));
      g_assert_cmpint (g_atomic_int_get (&handed_over_failures), ==, 0);
      g_assert_cmpint (i + 1 < N_HANDED_OVER, ==, !isle_channel_is_closed (channel));
    }

  g_assert_cmpuint (GPOINTER_TO_UINT (isle_join_handle_join (handle, NULL)),
                    ==, N_HANDED_OVER);
}

static void
test_channel_senders_handed_over (void)
{
  items_destroyed = 0;
  handed_over_failures = 0;
  isle_test_run (senders_handed_over_body, NULL);
  g_assert_cmpint (handed_over_failures, ==, 0);
  g_assert_cmpint (items_destroyed, ==, 0);
}

static void
test_channel_closed_when_senders_gone (void)
{
  items_destroyed = 0;
  isle_test_run (closed_when_senders_gone_body, NULL);
  g_assert_cmpint (items_destroyed, ==, 0);
}

typedef struct
{
  IsleChannelSender *sender;
  int         blocked;   /* (atomic) */
  gboolean    ok;
  GError     *error;
} CloseWhileBlockedData;

static gpointer
send_into_full_thread (gpointer user_data)
{
  CloseWhileBlockedData *data = user_data;
  guint *item = new_item (42);

  g_atomic_int_set (&data->blocked, 1);
  data->ok = isle_channel_sender_send (data->sender, item, &data->error);
  if (!data->ok)
    g_free (item);   /* a failed send leaves the item with its caller */
  return NULL;
}

static void
close_body (gconstpointer test_data)
{
  g_autoptr(IsleChannelSender) sender = NULL;
  g_autoptr(IsleChannel) channel = isle_channel_new (2, counted_item_destroy, &sender);
  g_autoptr(GError) local_error = NULL;
  CloseWhileBlockedData data = { sender, };
  guint *item = new_item (9);
  GThread *thread;

  g_assert_true (isle_channel_sender_send (sender, new_item (1), NULL));
  g_assert_true (isle_channel_sender_send (sender, new_item (2), NULL));
  thread = g_thread_new ("blocked-sender", send_into_full_thread, &data);
  while (!g_atomic_int_get (&data.blocked))
    g_thread_yield ();

  /* The close wakes the blocked thread to fail; the queue stays. */
  isle_channel_close (channel);
  g_thread_join (thread);
  g_assert_false (data.ok);
  g_assert_error (data.error, G_IO_ERROR, G_IO_ERROR_CLOSED);
  g_clear_error (&data.error);

  g_assert_true (isle_channel_sender_is_closed (sender));
  g_assert_false (isle_channel_sender_try_send (sender, item, &local_error));
  g_assert_error (local_error, G_IO_ERROR, G_IO_ERROR_CLOSED);
  g_clear_error (&local_error);
  g_free (item);

  g_assert_cmpuint (take_item (isle_channel_recv (channel, NULL)), ==, 1);
  g_assert_cmpuint (take_item (isle_channel_try_recv (channel, NULL)), ==, 2);
  g_assert_null (isle_channel_recv (channel, &local_error));
  g_assert_error (local_error, G_IO_ERROR, G_IO_ERROR_CLOSED);
  isle_channel_close (channel);   /* again: nothing */
}

static void
test_channel_close_from_receiver (void)
{
  items_destroyed = 0;
  isle_test_run (close_body, NULL);
  g_assert_cmpint (items_destroyed, ==, 0);
}

static void
test_channel_try_send_try_recv (void)
{
  IsleChannelSender *sender;
  g_autoptr(IsleChannel) channel = isle_channel_new (1, counted_item_destroy, &sender);
  g_autoptr(GError) error = NULL;
  guint *item = new_item (2);

  g_assert_null (isle_channel_try_recv (channel, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK);
  g_clear_error (&error);

  g_assert_true (isle_channel_sender_try_send (sender, new_item (1), &error));
  g_assert_no_error (error);
  g_assert_false (isle_channel_sender_try_send (sender, item, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK);
  g_clear_error (&error);
  g_assert_cmpuint (isle_channel_get_length (channel), ==, 1);

  g_assert_cmpuint (take_item (isle_channel_try_recv (channel, &error)), ==, 1);
  g_assert_no_error (error);
  g_assert_true (isle_channel_sender_try_send (sender, item, &error));
  g_assert_no_error (error);

  isle_channel_sender_unref (sender);
  g_assert_true (isle_channel_is_closed (channel));
  g_assert_cmpuint (take_item (isle_channel_try_recv (channel, &error)), ==, 2);
  g_assert_null (isle_channel_try_recv (channel, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CLOSED);
}

static void
test_channel_items_destroyed_once (void)
{
  IsleChannelSender *sender;
  IsleChannel *channel = isle_channel_new (0, counted_item_destroy, &sender);
  g_autoptr(GError) error = NULL;
  guint *late = new_item (100);

  items_destroyed = 0;
  for (guint i = 1; i <= 5; i++)
    g_assert_true (isle_channel_sender_send (sender, new_item (i), NULL));
  g_assert_cmpuint (take_item (isle_channel_try_recv (channel, NULL)), ==, 1);
  g_assert_cmpuint (take_item (isle_channel_try_recv (channel, NULL)), ==, 2);

  /* The receiving end goes with three items queued: each destroyed once,
   * now. The sender lives on, and its sends fail without taking the
   * item. */
  isle_channel_unref (channel);
  g_assert_cmpint (items_destroyed, ==, 3);
  g_assert_true (isle_channel_sender_is_closed (sender));
  g_assert_false (isle_channel_sender_send (sender, late, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CLOSED);
  isle_channel_sender_unref (sender);
  g_assert_cmpint (items_destroyed, ==, 3);
  g_free (late);
}

/* A receiving task that is aborted gets cancelled, parked or not. */

typedef struct
{
  IsleChannel *channel;
  int          receiving;
} AbortRecvData;

static gpointer
recv_once_task (gpointer   user_data,
                GError   **error)
{
  AbortRecvData *data = user_data;

  data->receiving = 1;
  return isle_channel_recv (data->channel, error);
}

static void
recv_aborted_body (gconstpointer test_data)
{
  IsleChannelSender *sender;
  AbortRecvData data = { isle_channel_new (0, counted_item_destroy, &sender), 0 };
  g_autoptr(IsleJoinHandle) handle = NULL;
  g_autoptr(GError) local_error = NULL;

  handle = isle_spawn_local_full (NULL, G_PRIORITY_DEFAULT, 0, recv_once_task,
                                  &data, NULL, counted_item_destroy);
  while (!data.receiving)
    g_assert_true (isle_yield_now (NULL));

  isle_join_handle_abort (handle);
  g_assert_null (isle_join_handle_join (handle, &local_error));
  g_assert_error (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&local_error);

  /* The channel works on for another receiver, which is not woken by the
   * first one's stale registration. */
  g_assert_true (isle_channel_sender_send (sender, new_item (5), NULL));
  g_assert_cmpuint (take_item (isle_channel_recv (data.channel, NULL)), ==, 5);

  /* Aborted with an item queued, a receiver still stops. */
  g_assert_true (isle_channel_sender_send (sender, new_item (6), NULL));
  data.receiving = 0;
  g_clear_pointer (&handle, isle_join_handle_unref);
  handle = isle_spawn_local_full (NULL, G_PRIORITY_DEFAULT, 0, recv_once_task,
                                  &data, NULL, counted_item_destroy);
  isle_join_handle_abort (handle);
  g_assert_null (isle_join_handle_join (handle, &local_error));
  g_assert_error (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpuint (isle_channel_get_length (data.channel), ==, 1);

  isle_channel_sender_unref (sender);
  isle_channel_unref (data.channel);
}

static void
test_channel_recv_aborted (void)
{
  items_destroyed = 0;
  isle_test_run (recv_aborted_body, NULL);
  g_assert_cmpint (items_destroyed, ==, 1);
}

/* A poll task receives from worker threads. */

typedef struct
{
  IsleChannel *channel;
  guint64      sum;
  guint        polls;
} PollSumState;

static IslePoll
poll_sum (gpointer    state,
          IsleWaker  *waker,
          gpointer   *result,
          GError    **error)
{
  PollSumState *sum = state;
  g_autoptr(GError) local_error = NULL;

  sum->polls++;
  for (;;)
    {
      gpointer item = NULL;

      if (isle_channel_poll_recv (sum->channel, waker, &item, &local_error) == ISLE_POLL_PENDING)
        return ISLE_POLL_PENDING;
      if (item == NULL)
        break;
      sum->sum += take_item (item);
    }

  g_assert_error (local_error, G_IO_ERROR, G_IO_ERROR_CLOSED);
  *result = g_memdup2 (&sum->sum, sizeof sum->sum);
  return ISLE_POLL_READY;
}

static void
test_channel_poll_recv (void)
{
  g_autoptr(IsleLocalSet) island = isle_local_set_new ();
  g_autoptr(IsleJoinHandle) handle = NULL;
  IsleChannelSender *sender;
  PollSumState state = { isle_channel_new (8, counted_item_destroy, &sender), 0, 0 };
  GThread *threads[N_SENDER_THREADS];
  g_autofree guint64 *sum = NULL;
  guint64 expected = (guint64) N_ITEMS_PER_THREAD * (N_ITEMS_PER_THREAD + 1) / 2;

  items_destroyed = 0;
  for (guint i = 0; i < N_SENDER_THREADS; i++)
    {
      ProducerData *producer = g_new0 (ProducerData, 1);

      producer->sender = isle_channel_sender_ref (sender);
      threads[i] = g_thread_new ("producer", producer_thread, producer);
    }
  g_clear_pointer (&sender, isle_channel_sender_unref);

  handle = isle_local_set_spawn_local_poll (island, poll_sum, &state, NULL);
  sum = isle_test_run_root (island, join_root, handle);
  for (guint i = 0; i < N_SENDER_THREADS; i++)
    g_thread_join (threads[i]);

  g_assert_cmpuint (*sum, ==, N_SENDER_THREADS * expected);
  g_assert_cmpuint (state.polls, >=, 2);
  isle_channel_unref (state.channel);
  g_assert_cmpint (items_destroyed, ==, 0);
}

/* Sending from a poll task: it waits for room in line with fibers. */

typedef struct
{
  IsleChannelSender *sender;    /* (owned) (nullable) released when the task is done */
  guint              next;      /* the next value to send, from 1 */
  guint              last;      /* the last value to send */
  guint             *item;      /* (owned) (nullable) made, not yet taken */
  guint              pendings;
  GError            *error;     /* (owned) how the last send failed */
} PollSendState;

static void
poll_send_state_free (gpointer data)
{
  PollSendState *state = data;

  /* An item the channel never took is still the task's. */
  if (state->item != NULL)
    counted_item_destroy (state->item);
  g_clear_pointer (&state->sender, isle_channel_sender_unref);
  g_clear_error (&state->error);
  g_free (state);
}

static IslePoll
poll_send_task (gpointer    data,
                IsleWaker  *waker,
                gpointer   *result,
                GError    **error)
{
  PollSendState *state = data;

  while (state->next <= state->last)
    {
      if (state->item == NULL)
        state->item = new_item (state->next);
      switch (isle_channel_sender_poll_send (state->sender, waker, state->item, &state->error))
        {
        case ISLE_POLL_PENDING:
          state->pendings++;
          return ISLE_POLL_PENDING;
        case ISLE_POLL_READY:
        default:
          if (state->error != NULL)
            {
              g_clear_pointer (&state->sender, isle_channel_sender_unref);
              return ISLE_POLL_READY;
            }
          state->item = NULL;   /* the channel's now */
          state->next++;
        }
    }
  /* Done sending: this producer no longer keeps the channel open. */
  g_clear_pointer (&state->sender, isle_channel_sender_unref);
  return ISLE_POLL_READY;
}

static PollSendState *
poll_send_state_new (IsleChannelSender *sender,
                     guint              first,
                     guint              last)
{
  PollSendState *state = g_new0 (PollSendState, 1);

  state->sender = isle_channel_sender_ref (sender);
  state->next = first;
  state->last = last;
  return state;
}

static void
poll_send_body (gconstpointer test_data)
{
  IsleLocalSet *island = isle_local_set_get_current ();
  g_autoptr(IsleChannelSender) sender = NULL;
  g_autoptr(IsleChannel) channel = isle_channel_new (2, counted_item_destroy, &sender);
  g_autoptr(IsleJoinHandle) poll_sender = NULL;
  g_autoptr(IsleJoinHandle) fiber_sender = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *poll_says = NULL;
  g_autofree char *fiber_says = NULL;
  FiberSendData fiber_data = { NULL, 0, FALSE };
  PollSendState *state = poll_send_state_new (sender, 1, 200);
  guint64 sum = 0;
  guint received = 0;
  gpointer item;

  /* The state is freed here, to read it after the task is done. */
  poll_sender = isle_spawn_local_poll (poll_send_task, state, NULL);
  fiber_data.sender = isle_channel_sender_ref (sender);
  fiber_sender = isle_spawn_local (fiber_sender_task, &fiber_data, NULL);
  g_clear_pointer (&sender, isle_channel_sender_unref);
  for (guint i = 0; i < 5; i++)
    g_assert_true (isle_yield_now (NULL));

  /* Both wait for room, and the task list says so in the same words. */
  g_assert_false (isle_join_handle_is_finished (poll_sender));
  g_assert_false (isle_join_handle_is_finished (fiber_sender));
  poll_says = isle_test_describe_wait (island, isle_join_handle_get_id (poll_sender));
  fiber_says = isle_test_describe_wait (island, isle_join_handle_get_id (fiber_sender));
  g_assert_cmpstr (poll_says, ==, "other: room in a channel");
  g_assert_cmpstr (fiber_says, ==, poll_says);

  /* Every item arrives once; the channel closes when both are done. */
  while ((item = isle_channel_recv (channel, &local_error)) != NULL)
    {
      sum += take_item (item);
      received++;
      if (received % 7 == 0)
        g_assert_true (isle_yield_now (NULL));
    }
  g_assert_error (local_error, G_IO_ERROR, G_IO_ERROR_CLOSED);
  g_assert_cmpuint (received, ==, 200 + 10);
  g_assert_cmpuint (sum, ==, 200 * 201 / 2 + 10 * 11 / 2);
  isle_join_handle_join (poll_sender, NULL);
  isle_join_handle_join (fiber_sender, NULL);
  g_assert_true (fiber_data.ok);
  g_assert_cmpuint (state->pendings, >, 0);
  g_assert_no_error (state->error);
  poll_send_state_free (state);
}

static void
test_channel_poll_send (void)
{
  items_destroyed = 0;
  isle_test_run (poll_send_body, NULL);
  g_assert_cmpint (items_destroyed, ==, 0);
}

/* An unbounded channel never makes a poll sender wait. */
static void
poll_send_unbounded_body (gconstpointer test_data)
{
  g_autoptr(IsleChannelSender) sender = NULL;
  g_autoptr(IsleChannel) channel = isle_channel_new (0, counted_item_destroy, &sender);
  PollSendState *state = poll_send_state_new (sender, 1, 50);
  g_autoptr(IsleJoinHandle) handle = isle_spawn_local_poll (poll_send_task, state,
                                                            poll_send_state_free);

  isle_join_handle_join (handle, NULL);
  g_assert_cmpuint (isle_channel_get_length (channel), ==, 50);
}

static void
test_channel_poll_send_unbounded (void)
{
  items_destroyed = 0;
  isle_test_run (poll_send_unbounded_body, NULL);
  g_assert_cmpint (items_destroyed, ==, 50);   /* with the channel */
}

/* Aborted while it waits, a poll sender leaves the line and keeps its
 * item; room a receive had handed it goes on to the next sender. */
static void
poll_send_aborted_body (gconstpointer test_data)
{
  g_autoptr(IsleChannelSender) sender = NULL;
  g_autoptr(IsleChannel) channel = isle_channel_new (1, counted_item_destroy, &sender);
  g_autoptr(IsleJoinHandle) first = NULL;
  g_autoptr(IsleJoinHandle) second = NULL;
  g_autoptr(IsleJoinHandle) third = NULL;
  g_autoptr(GError) local_error = NULL;

  g_assert_true (isle_channel_sender_try_send (sender, new_item (1), NULL));
  first = isle_spawn_local_poll (poll_send_task, poll_send_state_new (sender, 10, 10),
                                 poll_send_state_free);
  second = isle_spawn_local_poll (poll_send_task, poll_send_state_new (sender, 20, 20),
                                  poll_send_state_free);
  for (guint i = 0; i < 3; i++)
    g_assert_true (isle_yield_now (NULL));

  /* The receive hands the room to the first in line; it is aborted
   * before it can use it, and the room passes to the second. */
  g_assert_cmpuint (take_item (isle_channel_try_recv (channel, NULL)), ==, 1);
  isle_join_handle_abort (first);
  isle_join_handle_join (first, &local_error);
  g_assert_error (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&local_error);
  isle_join_handle_join (second, NULL);
  g_assert_cmpint (items_destroyed, ==, 1);   /* the first one's item, by its state */

  /* Aborted while merely waiting: out of the line, so the room the next
   * receive makes goes to the sender behind it, not to a task that is
   * gone. */
  third = isle_spawn_local_poll (poll_send_task, poll_send_state_new (sender, 30, 30),
                                 poll_send_state_free);
  for (guint i = 0; i < 3; i++)
    g_assert_true (isle_yield_now (NULL));
  isle_join_handle_abort (third);
  isle_join_handle_join (third, &local_error);
  g_assert_error (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&local_error);
  g_assert_cmpint (items_destroyed, ==, 2);
  {
    g_autoptr(IsleJoinHandle) fourth = isle_spawn_local_poll (poll_send_task,
                                                              poll_send_state_new (sender, 40, 40),
                                                              poll_send_state_free);

    for (guint i = 0; i < 3; i++)
      g_assert_true (isle_yield_now (NULL));
    g_assert_false (isle_join_handle_is_finished (fourth));
    g_assert_cmpuint (take_item (isle_channel_try_recv (channel, NULL)), ==, 20);
    isle_join_handle_join (fourth, NULL);
  }
  g_assert_cmpuint (take_item (isle_channel_try_recv (channel, NULL)), ==, 40);
}

static void
test_channel_poll_send_aborted (void)
{
  items_destroyed = 0;
  isle_test_run (poll_send_aborted_body, NULL);
  g_assert_cmpint (items_destroyed, ==, 2);
}

/* A poll sender that waits holds a sender of its own; closing from the
 * receiving side wakes it to fail, and it keeps its item. */
static void
poll_send_closed_body (gconstpointer test_data)
{
  g_autoptr(IsleChannelSender) sender = NULL;
  g_autoptr(IsleChannel) channel = isle_channel_new (1, counted_item_destroy, &sender);
  PollSendState *state = poll_send_state_new (sender, 5, 6);
  g_autoptr(IsleJoinHandle) handle = isle_spawn_local_poll (poll_send_task, state, NULL);

  g_clear_pointer (&sender, isle_channel_sender_unref);
  for (guint i = 0; i < 3; i++)
    g_assert_true (isle_yield_now (NULL));
  g_assert_false (isle_join_handle_is_finished (handle));
  g_assert_cmpuint (state->pendings, ==, 1);
  /* The state's sender and the wait's keep the channel open. */
  g_assert_false (isle_channel_is_closed (channel));

  isle_channel_close (channel);
  isle_join_handle_join (handle, NULL);
  g_assert_error (state->error, G_IO_ERROR, G_IO_ERROR_CLOSED);
  g_assert_cmpuint (*state->item, ==, 6);
  poll_send_state_free (state);
  g_assert_cmpuint (take_item (isle_channel_try_recv (channel, NULL)), ==, 5);
}

static void
test_channel_poll_send_closed (void)
{
  items_destroyed = 0;
  isle_test_run (poll_send_closed_body, NULL);
  g_assert_cmpint (items_destroyed, ==, 1);
}

/* A poll receiver holds the receiving end while it waits, says so as a
 * fiber would, and lets go when it is aborted. */

static IslePoll
poll_recv_one (gpointer    data,
               IsleWaker  *waker,
               gpointer   *result,
               GError    **error)
{
  return isle_channel_poll_recv (data, waker, result, error);
}

static void
poll_recv_aborted_body (gconstpointer test_data)
{
  IsleLocalSet *island = isle_local_set_get_current ();
  g_autoptr(IsleChannelSender) sender = NULL;
  IsleChannel *channel = isle_channel_new (1, counted_item_destroy, &sender);
  g_autoptr(IsleJoinHandle) handle = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *says = NULL;
  guint *item = new_item (1);

  handle = isle_spawn_local_poll (poll_recv_one, channel, NULL);
  for (guint i = 0; i < 3; i++)
    g_assert_true (isle_yield_now (NULL));
  says = isle_test_describe_wait (island, isle_join_handle_get_id (handle));
  g_assert_cmpstr (says, ==, "other: a message on a channel");

  /* Our reference goes; the waiting task's keeps the channel open. */
  g_clear_pointer (&channel, isle_channel_unref);
  g_assert_false (isle_channel_sender_is_closed (sender));

  /* Aborted, the task lets go of it: the channel closes, and a send
   * fails rather than waking a task that is gone. */
  isle_join_handle_abort (handle);
  isle_join_handle_join (handle, &local_error);
  g_assert_error (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&local_error);
  g_assert_true (isle_channel_sender_is_closed (sender));
  g_assert_false (isle_channel_sender_try_send (sender, item, &local_error));
  g_assert_error (local_error, G_IO_ERROR, G_IO_ERROR_CLOSED);
  g_free (item);   /* a failed send leaves it the caller's */
}

static void
test_channel_poll_recv_aborted (void)
{
  items_destroyed = 0;
  isle_test_run (poll_recv_aborted_body, NULL);
  g_assert_cmpint (items_destroyed, ==, 0);
}

/* Misuse, in subprocesses. */

static void
test_channel_recv_outside_fiber (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(IsleChannelSender) sender = NULL;
      g_autoptr(IsleChannel) channel = isle_channel_new (0, g_free, &sender);

      isle_channel_recv (channel, NULL);
      g_print ("survived\n");
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  g_test_trap_assert_stdout_unmatched ("*survived*");
  g_test_trap_assert_stderr ("*isle_channel_recv() called outside a fiber task*");
}

static gpointer
try_recv_thread (gpointer user_data)
{
  isle_channel_try_recv (user_data, NULL);
  return NULL;
}

static void
test_channel_recv_wrong_thread (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(IsleChannelSender) sender = NULL;
      g_autoptr(IsleChannel) channel = isle_channel_new (0, g_free, &sender);

      g_thread_join (g_thread_new ("intruder", try_recv_thread, channel));
      g_print ("survived\n");
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  g_test_trap_assert_stdout_unmatched ("*survived*");
  g_test_trap_assert_stderr ("*isle_channel_try_recv() called on thread 'intruder'*"
                             "belongs to thread*isle_channel_sender_ref()*");
}

static gpointer
recv_task (gpointer   user_data,
           GError   **error)
{
  return isle_channel_recv (user_data, error);
}

static gpointer
two_receivers_root (gpointer   user_data,
                    GError   **error)
{
  g_autoptr(IsleChannelSender) sender = NULL;
  g_autoptr(IsleChannel) channel = isle_channel_new (0, g_free, &sender);
  g_autoptr(IsleJoinHandle) first = isle_spawn_local (recv_task, channel, NULL);
  g_autoptr(IsleJoinHandle) second = isle_spawn_local (recv_task, channel, NULL);

  for (guint i = 0; i < 3; i++)
    isle_yield_now (NULL);
  g_print ("survived\n");
  return NULL;
}

static void
test_channel_two_receivers (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(IsleLocalSet) island = isle_local_set_new ();

      isle_test_run_root (island, two_receivers_root, NULL);
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  g_test_trap_assert_stdout_unmatched ("*survived*");
  g_test_trap_assert_stderr ("*isle_channel_recv() on IsleChannel*while task*"
                             "is receiving from it: a channel has one receiver*");
}

static void
test_channel_blocking_send_on_receiver_thread (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(IsleChannelSender) sender = NULL;
      g_autoptr(IsleChannel) channel = isle_channel_new (1, g_free, &sender);

      g_assert_true (isle_channel_sender_send (sender, new_item (1), NULL));
      isle_channel_sender_send (sender, new_item (2), NULL);
      g_print ("survived\n");
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  g_test_trap_assert_stdout_unmatched ("*survived*");
  g_test_trap_assert_stderr ("*isle_channel_sender_send() on a full IsleChannel*from plain "
                             "code on its receiving thread*would block forever*");
}

/* Oneshot. */

static gpointer
oneshot_send_thread (gpointer user_data)
{
  IsleOneshotSender *sender = user_data;

  g_assert_true (isle_oneshot_sender_send (sender, g_strdup ("reply"), g_free, NULL));
  isle_oneshot_sender_unref (sender);
  return NULL;
}

static gpointer
oneshot_drop_thread (gpointer user_data)
{
  isle_oneshot_sender_unref (user_data);
  return NULL;
}

typedef struct
{
  IsleOneshot *oneshot;
  int          receiving;
} OneshotRecvData;

static gpointer
oneshot_recv_task (gpointer   user_data,
                   GError   **error)
{
  OneshotRecvData *data = user_data;

  data->receiving = 1;
  return isle_oneshot_recv (data->oneshot, error);
}

static gpointer
oneshot_across_threads_root (gpointer   user_data,
                             GError   **error)
{
  OneshotRecvData data = { isle_oneshot_new (), 0 };
  IsleOneshotSender *sender = isle_oneshot_ref_sender (data.oneshot);
  g_autoptr(IsleJoinHandle) handle = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *reply = NULL;
  GThread *thread;

  handle = isle_spawn_local (oneshot_recv_task, &data, NULL);
  while (!data.receiving)
    g_assert_true (isle_yield_now (NULL));

  /* The receiver is parked when the value comes from another thread. */
  thread = g_thread_new ("oneshot-sender", oneshot_send_thread, sender);
  reply = isle_join_handle_join (handle, &local_error);
  g_assert_no_error (local_error);
  g_assert_cmpstr (reply, ==, "reply");
  g_thread_join (thread);

  /* A second receive finds it taken. */
  g_assert_null (isle_oneshot_recv (data.oneshot, &local_error));
  g_assert_error (local_error, G_IO_ERROR, G_IO_ERROR_CLOSED);
  isle_oneshot_unref (data.oneshot);
  return NULL;
}

static void
test_oneshot_across_threads (void)
{
  g_autoptr(IsleLocalSet) island = isle_local_set_new ();

  isle_test_run_root (island, oneshot_across_threads_root, NULL);
}

static gpointer
oneshot_dropped_root (gpointer   user_data,
                      GError   **error)
{
  OneshotRecvData data = { isle_oneshot_new (), 0 };
  IsleOneshotSender *sender = isle_oneshot_ref_sender (data.oneshot);
  g_autoptr(IsleJoinHandle) handle = NULL;
  g_autoptr(GError) local_error = NULL;
  GThread *thread;

  handle = isle_spawn_local (oneshot_recv_task, &data, NULL);
  while (!data.receiving)
    g_assert_true (isle_yield_now (NULL));

  thread = g_thread_new ("oneshot-dropper", oneshot_drop_thread,
                         isle_oneshot_sender_ref (sender));
  isle_oneshot_sender_unref (sender);
  g_assert_null (isle_join_handle_join (handle, &local_error));
  g_assert_error (local_error, G_IO_ERROR, G_IO_ERROR_CLOSED);
  g_thread_join (thread);
  isle_oneshot_unref (data.oneshot);
  return NULL;
}

static void
test_oneshot_dropped_unsent (void)
{
  g_autoptr(IsleLocalSet) island = isle_local_set_new ();

  isle_test_run_root (island, oneshot_dropped_root, NULL);
}

static void
test_oneshot_double_send (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(IsleOneshot) oneshot = isle_oneshot_new ();
      g_autoptr(IsleOneshotSender) sender = isle_oneshot_ref_sender (oneshot);

      g_assert_true (isle_oneshot_sender_send (sender, g_strdup ("one"), g_free, NULL));
      isle_oneshot_sender_send (sender, g_strdup ("two"), g_free, NULL);
      g_print ("survived\n");
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  g_test_trap_assert_stdout_unmatched ("*survived*");
  g_test_trap_assert_stderr ("*isle_oneshot_sender_send() called a second time*"
                             "a oneshot carries one value*");
}

static void
test_oneshot_try_recv_and_destroy (void)
{
  IsleOneshot *oneshot = isle_oneshot_new ();
  IsleOneshotSender *sender = isle_oneshot_ref_sender (oneshot);
  g_autoptr(GError) error = NULL;

  items_destroyed = 0;
  g_assert_null (isle_oneshot_try_recv (oneshot, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK);
  g_clear_error (&error);

  /* Sent, never received: destroyed once, with the receiving end. */
  g_assert_true (isle_oneshot_sender_send (sender, new_item (1), counted_item_destroy, NULL));
  isle_oneshot_unref (oneshot);
  g_assert_cmpint (items_destroyed, ==, 1);
  isle_oneshot_sender_unref (sender);
  g_assert_cmpint (items_destroyed, ==, 1);

  /* Sent after the receiving end went: destroyed at once. */
  oneshot = isle_oneshot_new ();
  sender = isle_oneshot_ref_sender (oneshot);
  isle_oneshot_unref (oneshot);
  g_assert_false (isle_oneshot_sender_send (sender, new_item (2), counted_item_destroy, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CLOSED);
  g_clear_error (&error);
  g_assert_cmpint (items_destroyed, ==, 2);
  isle_oneshot_sender_unref (sender);

  /* Received: never destroyed by the oneshot. */
  oneshot = isle_oneshot_new ();
  sender = isle_oneshot_ref_sender (oneshot);
  g_assert_true (isle_oneshot_sender_send (sender, new_item (3), counted_item_destroy, NULL));
  isle_oneshot_sender_unref (sender);
  g_assert_cmpuint (take_item (isle_oneshot_try_recv (oneshot, &error)), ==, 3);
  g_assert_no_error (error);
  isle_oneshot_unref (oneshot);
  g_assert_cmpint (items_destroyed, ==, 2);
}

typedef struct
{
  IsleOneshot *oneshot;
  guint        polls;
} OneshotPollState;

static IslePoll
oneshot_poll (gpointer    state,
              IsleWaker  *waker,
              gpointer   *result,
              GError    **error)
{
  OneshotPollState *poll_state = state;

  poll_state->polls++;
  return isle_oneshot_poll_recv (poll_state->oneshot, waker, result, error);
}

static void
test_oneshot_poll_recv (void)
{
  g_autoptr(IsleLocalSet) island = isle_local_set_new ();
  g_autoptr(IsleJoinHandle) handle = NULL;
  OneshotPollState state = { isle_oneshot_new (), 0 };
  GThread *thread;
  g_autofree char *reply = NULL;

  handle = isle_local_set_spawn_local_poll (island, oneshot_poll, &state, NULL);
  thread = g_thread_new ("oneshot-sender", oneshot_send_thread,
                         isle_oneshot_ref_sender (state.oneshot));
  reply = isle_test_run_root (island, join_root, handle);
  g_thread_join (thread);

  g_assert_cmpstr (reply, ==, "reply");
  g_assert_cmpuint (state.polls, >=, 1);
  isle_oneshot_unref (state.oneshot);
}

static gpointer
oneshot_aborted_root (gpointer   user_data,
                      GError   **error)
{
  OneshotRecvData data = { isle_oneshot_new (), 0 };
  IsleOneshotSender *sender = isle_oneshot_ref_sender (data.oneshot);
  g_autoptr(IsleJoinHandle) handle = NULL;
  g_autoptr(GError) local_error = NULL;

  handle = isle_spawn_local (oneshot_recv_task, &data, NULL);
  while (!data.receiving)
    g_assert_true (isle_yield_now (NULL));
  isle_join_handle_abort (handle);
  g_assert_null (isle_join_handle_join (handle, &local_error));
  g_assert_error (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED);

  /* The value sent after the abort is destroyed with the oneshot. */
  g_assert_true (isle_oneshot_sender_send (sender, new_item (1), counted_item_destroy, NULL));
  isle_oneshot_sender_unref (sender);
  isle_oneshot_unref (data.oneshot);
  return NULL;
}

static void
test_oneshot_recv_aborted (void)
{
  g_autoptr(IsleLocalSet) island = isle_local_set_new ();

  items_destroyed = 0;
  isle_test_run_root (island, oneshot_aborted_root, NULL);
  g_assert_cmpint (items_destroyed, ==, 1);
}

/* A poll receiver of a oneshot says what it waits for as a fiber would,
 * holds the receiving end, and lets go of it when aborted: a value sent
 * afterwards is destroyed with the oneshot, not handed to a task that is
 * gone. */
static void
oneshot_poll_aborted_body (gconstpointer test_data)
{
  IsleLocalSet *island = isle_local_set_get_current ();
  IsleOneshot *oneshot = isle_oneshot_new ();
  g_autoptr(IsleOneshotSender) sender = isle_oneshot_ref_sender (oneshot);
  OneshotPollState state = { oneshot, 0 };
  g_autoptr(IsleJoinHandle) handle = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *says = NULL;

  handle = isle_spawn_local_poll (oneshot_poll, &state, NULL);
  for (guint i = 0; i < 3; i++)
    g_assert_true (isle_yield_now (NULL));
  says = isle_test_describe_wait (island, isle_join_handle_get_id (handle));
  g_assert_cmpstr (says, ==, "other: a oneshot");

  /* Our reference goes; the waiting task's keeps the receiving end. */
  g_clear_pointer (&oneshot, isle_oneshot_unref);
  isle_join_handle_abort (handle);
  isle_join_handle_join (handle, &local_error);
  g_assert_error (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&local_error);
  g_assert_cmpuint (state.polls, ==, 1);

  /* With the task gone, so is the receiving end. */
  g_assert_false (isle_oneshot_sender_send (sender, new_item (7), counted_item_destroy, &local_error));
  g_assert_error (local_error, G_IO_ERROR, G_IO_ERROR_CLOSED);
  g_clear_error (&local_error);
  g_assert_cmpint (items_destroyed, ==, 1);
}

static void
test_oneshot_poll_recv_aborted (void)
{
  items_destroyed = 0;
  isle_test_run (oneshot_poll_aborted_body, NULL);
}

/* Every receive holds the receiving end while it waits, as isle_await()
 * holds its future: another task may drop the last reference the program
 * has while a task waits in a receive, and the receive ends as it would
 * have, with what is sent afterwards, or with G_IO_ERROR_CLOSED once the
 * last sender goes unsent. Under Valgrind and AddressSanitizer these
 * also check that nothing is touched after it is freed: the receive's
 * reference is the last, and the receive drops it on its way out. */

typedef enum
{
  RECV_FIBER,                  /* isle_channel_recv(), isle_oneshot_recv() */
  RECV_POLL,                   /* their poll_recv forms */
} RecvForm;

typedef enum
{
  THEN_SEND,                   /* a worker thread sends, then lets go */
  THEN_RELEASE,                /* the dropping task lets go of the last sender unsent */
} AfterDrop;

typedef struct
{
  RecvForm   form;
  AfterDrop  after;
} DropCase;

static const DropCase drop_fiber_then_send = { RECV_FIBER, THEN_SEND };
static const DropCase drop_fiber_then_release = { RECV_FIBER, THEN_RELEASE };
static const DropCase drop_poll_then_send = { RECV_POLL, THEN_SEND };
static const DropCase drop_poll_then_release = { RECV_POLL, THEN_RELEASE };

typedef struct
{
  gpointer   receiving_end;    /* (unowned) once the dropper has run: the
                                * receive's reference keeps it */
  gpointer   sender;           /* (owned) until the dropper or the thread lets go */
  AfterDrop  after;
  GThread   *thread;           /* the sending thread, for THEN_SEND */
  int        receiving;
} DropData;

static gpointer
channel_send_then_release_thread (gpointer user_data)
{
  IsleChannelSender *sender = user_data;

  g_assert_true (isle_channel_sender_send (sender, new_item (7), NULL));
  isle_channel_sender_unref (sender);
  return NULL;
}

static gpointer
drop_channel_task (gpointer   user_data,
                   GError   **error)
{
  DropData *data = user_data;

  isle_channel_unref (data->receiving_end);
  if (data->after == THEN_SEND)
    data->thread = g_thread_new ("sender", channel_send_then_release_thread,
                                 g_steal_pointer (&data->sender));
  else
    isle_channel_sender_unref (g_steal_pointer (&data->sender));
  return NULL;
}

static gpointer
recv_from_dropped_channel_task (gpointer   user_data,
                                GError   **error)
{
  DropData *data = user_data;

  data->receiving = 1;
  return isle_channel_recv (data->receiving_end, error);
}

static IslePoll
poll_recv_from_dropped_channel (gpointer    state,
                                IsleWaker  *waker,
                                gpointer   *result,
                                GError    **error)
{
  DropData *data = state;

  data->receiving = 1;
  return isle_channel_poll_recv (data->receiving_end, waker, result, error);
}

/* Runs a receiver of @data's receiving end until it waits, drops the
 * last reference from another task, and returns the receiver's result. */
static gpointer
receive_across_drop (DropData        *data,
                     RecvForm         form,
                     IsleTaskFunc     fiber_recv,
                     IslePollFunc     poll_recv,
                     IsleTaskFunc     drop_task,
                     GError         **error)
{
  g_autoptr(IsleJoinHandle) receiver = NULL;
  g_autoptr(IsleJoinHandle) dropper = NULL;
  gpointer result;

  if (form == RECV_FIBER)
    receiver = isle_spawn_local (fiber_recv, data, NULL);
  else
    receiver = isle_spawn_local_poll (poll_recv, data, NULL);
  while (!data->receiving)
    g_assert_true (isle_yield_now (NULL));

  dropper = isle_spawn_local (drop_task, data, NULL);
  g_assert_null (isle_join_handle_join (dropper, NULL));
  result = isle_join_handle_join (receiver, error);
  g_clear_pointer (&data->thread, g_thread_join);
  return result;
}

static void
channel_unref_while_receiving_body (gconstpointer test_data)
{
  const DropCase *drop_case = test_data;
  IsleChannelSender *sender;
  DropData data = { NULL, NULL, drop_case->after, NULL, 0 };
  g_autoptr(GError) local_error = NULL;
  gpointer item;

  data.receiving_end = isle_channel_new (0, counted_item_destroy, &sender);
  data.sender = sender;
  item = receive_across_drop (&data, drop_case->form, recv_from_dropped_channel_task,
                              poll_recv_from_dropped_channel, drop_channel_task,
                              &local_error);

  if (drop_case->after == THEN_SEND)
    {
      g_assert_no_error (local_error);
      g_assert_cmpuint (take_item (item), ==, 7);
    }
  else
    {
      g_assert_null (item);
      g_assert_error (local_error, G_IO_ERROR, G_IO_ERROR_CLOSED);
    }
}

static void
test_channel_unref_while_receiving (gconstpointer test_data)
{
  items_destroyed = 0;
  isle_test_run (channel_unref_while_receiving_body, test_data);
  g_assert_cmpint (items_destroyed, ==, 0);
}

static gpointer
drop_oneshot_task (gpointer   user_data,
                   GError   **error)
{
  DropData *data = user_data;

  isle_oneshot_unref (data->receiving_end);
  if (data->after == THEN_SEND)
    data->thread = g_thread_new ("oneshot-sender", oneshot_send_thread,
                                 g_steal_pointer (&data->sender));
  else
    isle_oneshot_sender_unref (g_steal_pointer (&data->sender));
  return NULL;
}

static gpointer
recv_from_dropped_oneshot_task (gpointer   user_data,
                                GError   **error)
{
  DropData *data = user_data;

  data->receiving = 1;
  return isle_oneshot_recv (data->receiving_end, error);
}

static IslePoll
poll_recv_from_dropped_oneshot (gpointer    state,
                                IsleWaker  *waker,
                                gpointer   *result,
                                GError    **error)
{
  DropData *data = state;

  data->receiving = 1;
  return isle_oneshot_poll_recv (data->receiving_end, waker, result, error);
}

static void
oneshot_unref_while_receiving_body (gconstpointer test_data)
{
  const DropCase *drop_case = test_data;
  DropData data = { isle_oneshot_new (), NULL, drop_case->after, NULL, 0 };
  g_autoptr(GError) local_error = NULL;
  g_autofree char *reply = NULL;

  data.sender = isle_oneshot_ref_sender (data.receiving_end);
  reply = receive_across_drop (&data, drop_case->form, recv_from_dropped_oneshot_task,
                               poll_recv_from_dropped_oneshot, drop_oneshot_task,
                               &local_error);

  if (drop_case->after == THEN_SEND)
    {
      g_assert_no_error (local_error);
      g_assert_cmpstr (reply, ==, "reply");
    }
  else
    {
      g_assert_null (reply);
      g_assert_error (local_error, G_IO_ERROR, G_IO_ERROR_CLOSED);
    }
}

static void
test_oneshot_unref_while_receiving (gconstpointer test_data)
{
  isle_test_run (oneshot_unref_while_receiving_body, test_data);
}

/* Notify. */

typedef struct
{
  IsleNotify *notify;
  int         waiting;
  int         woken;
} NotifyData;

static gpointer
notify_wait_task (gpointer   user_data,
                  GError   **error)
{
  NotifyData *data = user_data;

  data->waiting++;
  if (!isle_notify_wait (data->notify, error))
    return NULL;
  data->woken++;
  return NULL;
}

static gpointer
notify_one_root (gpointer   user_data,
                 GError   **error)
{
  NotifyData data = { isle_notify_new (), 0, 0 };
  g_autoptr(IsleJoinHandle) first = NULL;
  g_autoptr(IsleJoinHandle) second = NULL;

  /* A permit stored with nobody waiting: the next wait returns at once,
   * without parking. Several notifications store one permit. */
  isle_notify_notify_one (data.notify);
  isle_notify_notify_one (data.notify);
  g_assert_true (isle_notify_wait (data.notify, NULL));

  first = isle_spawn_local (notify_wait_task, &data, NULL);
  second = isle_spawn_local (notify_wait_task, &data, NULL);
  while (data.waiting < 2)
    g_assert_true (isle_yield_now (NULL));
  for (guint i = 0; i < 3; i++)
    g_assert_true (isle_yield_now (NULL));
  g_assert_cmpint (data.woken, ==, 0);

  /* One notification wakes one waiter, the oldest. */
  isle_notify_notify_one (data.notify);
  isle_join_handle_join (first, NULL);
  g_assert_cmpint (data.woken, ==, 1);
  g_assert_false (isle_join_handle_is_finished (second));

  isle_notify_notify_one (data.notify);
  isle_join_handle_join (second, NULL);
  g_assert_cmpint (data.woken, ==, 2);

  isle_notify_unref (data.notify);
  return NULL;
}

static void
test_notify_one_permit (void)
{
  g_autoptr(IsleLocalSet) island = isle_local_set_new ();

  isle_test_run_root (island, notify_one_root, NULL);
}

static gpointer
notify_waiters_root (gpointer   user_data,
                     GError   **error)
{
  NotifyData data = { isle_notify_new (), 0, 0 };
  IsleJoinHandle *handles[5];
  g_autoptr(IsleJoinHandle) late = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (handles); i++)
    handles[i] = isle_spawn_local (notify_wait_task, &data, NULL);
  while (data.waiting < (int) G_N_ELEMENTS (handles))
    g_assert_true (isle_yield_now (NULL));

  isle_notify_notify_waiters (data.notify);
  for (guint i = 0; i < G_N_ELEMENTS (handles); i++)
    {
      isle_join_handle_join (handles[i], NULL);
      isle_join_handle_unref (handles[i]);
    }
  g_assert_cmpint (data.woken, ==, G_N_ELEMENTS (handles));

  /* No permit was stored: a later waiter waits. */
  late = isle_spawn_local (notify_wait_task, &data, NULL);
  for (guint i = 0; i < 3; i++)
    g_assert_true (isle_yield_now (NULL));
  g_assert_false (isle_join_handle_is_finished (late));
  isle_notify_notify_one (data.notify);
  isle_join_handle_join (late, NULL);
  g_assert_cmpint (data.woken, ==, G_N_ELEMENTS (handles) + 1);

  isle_notify_unref (data.notify);
  return NULL;
}

static void
test_notify_waiters_wakes_all (void)
{
  g_autoptr(IsleLocalSet) island = isle_local_set_new ();

  isle_test_run_root (island, notify_waiters_root, NULL);
}

static gpointer
notify_one_thread (gpointer user_data)
{
  isle_notify_notify_one (user_data);
  return NULL;
}

static gpointer
notify_from_thread_root (gpointer   user_data,
                         GError   **error)
{
  NotifyData data = { isle_notify_new (), 0, 0 };
  g_autoptr(IsleJoinHandle) handle = NULL;
  GThread *thread;

  handle = isle_spawn_local (notify_wait_task, &data, NULL);
  while (data.waiting < 1)
    g_assert_true (isle_yield_now (NULL));

  thread = g_thread_new ("notifier", notify_one_thread, data.notify);
  isle_join_handle_join (handle, NULL);
  g_thread_join (thread);
  g_assert_cmpint (data.woken, ==, 1);

  isle_notify_unref (data.notify);
  return NULL;
}

static void
test_notify_from_thread (void)
{
  g_autoptr(IsleLocalSet) island = isle_local_set_new ();

  isle_test_run_root (island, notify_from_thread_root, NULL);
}

static gpointer
notify_aborted_root (gpointer   user_data,
                     GError   **error)
{
  NotifyData data = { isle_notify_new (), 0, 0 };
  g_autoptr(IsleJoinHandle) first = NULL;
  g_autoptr(IsleJoinHandle) second = NULL;
  g_autoptr(GError) local_error = NULL;

  first = isle_spawn_local (notify_wait_task, &data, NULL);
  second = isle_spawn_local (notify_wait_task, &data, NULL);
  while (data.waiting < 2)
    g_assert_true (isle_yield_now (NULL));

  /* The first waiter is chosen, then aborted before it runs: it reports
   * cancellation, and the notification passes on to the second. */
  isle_notify_notify_one (data.notify);
  isle_join_handle_abort (first);
  isle_join_handle_join (first, &local_error);
  g_assert_error (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  isle_join_handle_join (second, NULL);
  g_assert_cmpint (data.woken, ==, 1);

  isle_notify_unref (data.notify);
  return NULL;
}

static void
test_notify_wait_aborted (void)
{
  g_autoptr(IsleLocalSet) island = isle_local_set_new ();

  isle_test_run_root (island, notify_aborted_root, NULL);
}

/* The poll form. A poll task waits as a fiber does: in the same line. */

typedef struct
{
  NotifyData *data;
  IsleNotify *notify;   /* kept alive by the wait's own reference */
  gboolean    started;
} NotifyPollState;

static IslePoll
notify_poll_task (gpointer    state,
                  IsleWaker  *waker,
                  gpointer   *result,
                  GError    **error)
{
  NotifyPollState *poll_state = state;

  if (!poll_state->started)
    {
      poll_state->started = TRUE;
      poll_state->data->waiting++;
    }
  if (isle_notify_poll_wait (poll_state->notify, waker) == ISLE_POLL_PENDING)
    return ISLE_POLL_PENDING;
  poll_state->data->woken++;
  return ISLE_POLL_READY;
}

static IsleJoinHandle *
spawn_notify_poll (NotifyData *data)
{
  NotifyPollState *state = g_new0 (NotifyPollState, 1);

  state->data = data;
  state->notify = data->notify;
  return isle_spawn_local_poll (notify_poll_task, state, g_free);
}

static void
yield_times (guint n)
{
  for (guint i = 0; i < n; i++)
    g_assert_true (isle_yield_now (NULL));
}

static gpointer
notify_poll_root (gpointer   user_data,
                  GError   **error)
{
  NotifyData data = { isle_notify_new (), 0, 0 };
  g_autoptr(IsleJoinHandle) poll_first = NULL;
  g_autoptr(IsleJoinHandle) fiber_second = NULL;
  g_autoptr(IsleJoinHandle) poll_third = NULL;
  g_autoptr(IsleJoinHandle) late = NULL;
  g_autoptr(IsleJoinHandle) permit_taker = NULL;
  g_autoptr(IsleJoinHandle) second_taker = NULL;
  IsleJoinHandle *all[4];

  /* Two notifications with nobody waiting store one permit: the first
   * poll task takes it without waiting, the second waits. */
  isle_notify_notify_one (data.notify);
  isle_notify_notify_one (data.notify);
  permit_taker = spawn_notify_poll (&data);
  isle_join_handle_join (permit_taker, NULL);
  g_assert_cmpint (data.woken, ==, 1);
  second_taker = spawn_notify_poll (&data);
  yield_times (3);
  g_assert_false (isle_join_handle_is_finished (second_taker));
  isle_notify_notify_one (data.notify);
  isle_join_handle_join (second_taker, NULL);
  g_assert_cmpint (data.woken, ==, 2);

  /* Poll and fiber waiters share one line, oldest first. */
  data.waiting = data.woken = 0;
  poll_first = spawn_notify_poll (&data);
  while (data.waiting < 1)
    yield_times (1);
  fiber_second = isle_spawn_local (notify_wait_task, &data, NULL);
  while (data.waiting < 2)
    yield_times (1);
  poll_third = spawn_notify_poll (&data);
  while (data.waiting < 3)
    yield_times (1);
  yield_times (3);
  g_assert_cmpint (data.woken, ==, 0);

  isle_notify_notify_one (data.notify);
  isle_join_handle_join (poll_first, NULL);
  yield_times (3);
  g_assert_cmpint (data.woken, ==, 1);
  g_assert_false (isle_join_handle_is_finished (fiber_second));
  g_assert_false (isle_join_handle_is_finished (poll_third));

  isle_notify_notify_one (data.notify);
  isle_join_handle_join (fiber_second, NULL);
  yield_times (3);
  g_assert_false (isle_join_handle_is_finished (poll_third));
  isle_notify_notify_one (data.notify);
  isle_join_handle_join (poll_third, NULL);
  g_assert_cmpint (data.woken, ==, 3);

  /* notify_waiters wakes every waiter of each kind and stores no permit. */
  data.waiting = data.woken = 0;
  for (guint i = 0; i < G_N_ELEMENTS (all); i++)
    all[i] = i % 2 == 0 ? spawn_notify_poll (&data)
                        : isle_spawn_local (notify_wait_task, &data, NULL);
  while (data.waiting < (int) G_N_ELEMENTS (all))
    yield_times (1);
  isle_notify_notify_waiters (data.notify);
  for (guint i = 0; i < G_N_ELEMENTS (all); i++)
    {
      isle_join_handle_join (all[i], NULL);
      isle_join_handle_unref (all[i]);
    }
  g_assert_cmpint (data.woken, ==, G_N_ELEMENTS (all));
  late = spawn_notify_poll (&data);
  yield_times (3);
  g_assert_false (isle_join_handle_is_finished (late));
  isle_notify_notify_one (data.notify);
  isle_join_handle_join (late, NULL);

  isle_notify_unref (data.notify);
  return NULL;
}

static void
test_notify_poll_wait (void)
{
  g_autoptr(IsleLocalSet) island = isle_local_set_new ();

  isle_test_run_root (island, notify_poll_root, NULL);
}

/* A notification that crosses threads reaches a parked poll task. */
static gpointer
notify_poll_from_thread_root (gpointer   user_data,
                              GError   **error)
{
  NotifyData data = { isle_notify_new (), 0, 0 };
  g_autoptr(IsleJoinHandle) handle = spawn_notify_poll (&data);
  GThread *thread;

  while (data.waiting < 1)
    yield_times (1);
  thread = g_thread_new ("notifier", notify_one_thread, data.notify);
  isle_join_handle_join (handle, NULL);
  g_thread_join (thread);
  g_assert_cmpint (data.woken, ==, 1);

  isle_notify_unref (data.notify);
  return NULL;
}

static void
test_notify_poll_wait_from_thread (void)
{
  g_autoptr(IsleLocalSet) island = isle_local_set_new ();

  isle_test_run_root (island, notify_poll_from_thread_root, NULL);
}

static gpointer
notify_poll_aborted_root (gpointer   user_data,
                          GError   **error)
{
  NotifyData data = { isle_notify_new (), 0, 0 };
  g_autoptr(IsleJoinHandle) chosen = NULL;
  g_autoptr(IsleJoinHandle) next = NULL;
  g_autoptr(IsleJoinHandle) waiting = NULL;
  g_autoptr(GError) local_error = NULL;

  /* Chosen by notify_one, then aborted before it is polled again: the
   * notification passes on to the next in line. */
  chosen = spawn_notify_poll (&data);
  while (data.waiting < 1)
    yield_times (1);
  next = spawn_notify_poll (&data);
  while (data.waiting < 2)
    yield_times (1);
  isle_notify_notify_one (data.notify);
  isle_join_handle_abort (chosen);
  isle_join_handle_join (chosen, &local_error);
  g_assert_error (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&local_error);
  isle_join_handle_join (next, NULL);
  g_assert_cmpint (data.woken, ==, 1);

  /* Aborted while it waits: it leaves the line, so the next notification
   * finds nobody and becomes the permit, which a fiber then takes
   * without waiting. */
  waiting = spawn_notify_poll (&data);
  while (data.waiting < 3)
    yield_times (1);
  isle_join_handle_abort (waiting);
  isle_join_handle_join (waiting, &local_error);
  g_assert_error (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  isle_notify_notify_one (data.notify);
  g_assert_true (isle_notify_wait (data.notify, NULL));
  g_assert_cmpint (data.woken, ==, 1);

  isle_notify_unref (data.notify);
  return NULL;
}

static void
test_notify_poll_wait_aborted (void)
{
  g_autoptr(IsleLocalSet) island = isle_local_set_new ();

  isle_test_run_root (island, notify_poll_aborted_root, NULL);
}

/* A parked poll task reads in the task list as a parked fiber does. */
static gpointer
notify_poll_dump_root (gpointer   user_data,
                       GError   **error)
{
  NotifyData data = { isle_notify_new (), 0, 0 };
  g_autoptr(IsleJoinHandle) poll_waiter = spawn_notify_poll (&data);
  g_autoptr(IsleJoinHandle) fiber_waiter = isle_spawn_local (notify_wait_task, &data, NULL);
  IsleLocalSet *island = isle_local_set_get_current ();
  g_autofree char *poll_says = NULL;
  g_autofree char *fiber_says = NULL;

  while (data.waiting < 2)
    yield_times (1);
  poll_says = isle_test_describe_wait (island, isle_join_handle_get_id (poll_waiter));
  fiber_says = isle_test_describe_wait (island, isle_join_handle_get_id (fiber_waiter));
  g_assert_cmpstr (poll_says, ==, "other: a notify");
  g_assert_cmpstr (fiber_says, ==, poll_says);

  isle_notify_notify_waiters (data.notify);
  isle_join_handle_join (poll_waiter, NULL);
  isle_join_handle_join (fiber_waiter, NULL);
  isle_notify_unref (data.notify);
  return NULL;
}

static void
test_notify_poll_wait_dump (void)
{
  g_autoptr(IsleLocalSet) island = isle_local_set_new ();

  isle_test_run_root (island, notify_poll_dump_root, NULL);
}

/* Each wait holds the notify: dropping your own reference while tasks
 * wait is safe, and whoever notifies later still reaches them. */
static gpointer
notify_later_thread (gpointer user_data)
{
  IsleNotify *notify = user_data;

  isle_notify_notify_waiters (notify);
  isle_notify_unref (notify);
  return NULL;
}

static gpointer
notify_unref_while_waiting_root (gpointer   user_data,
                                 GError   **error)
{
  NotifyData data = { isle_notify_new (), 0, 0 };
  g_autoptr(IsleJoinHandle) poll_waiter = spawn_notify_poll (&data);
  g_autoptr(IsleJoinHandle) fiber_waiter = isle_spawn_local (notify_wait_task, &data, NULL);
  IsleNotify *for_thread;
  GThread *thread;

  while (data.waiting < 2)
    yield_times (1);
  for_thread = isle_notify_ref (data.notify);
  g_clear_pointer (&data.notify, isle_notify_unref);
  /* The waiters' references keep it alive until the thread gets to it. */
  thread = g_thread_new ("notifier", notify_later_thread, for_thread);
  isle_join_handle_join (poll_waiter, NULL);
  isle_join_handle_join (fiber_waiter, NULL);
  g_thread_join (thread);
  g_assert_cmpint (data.woken, ==, 2);
  return NULL;
}

static void
test_notify_unref_while_waiting (void)
{
  g_autoptr(IsleLocalSet) island = isle_local_set_new ();

  isle_test_run_root (island, notify_unref_while_waiting_root, NULL);
}

static void
test_notify_wait_outside_fiber (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(IsleNotify) notify = isle_notify_new ();

      isle_notify_wait (notify, NULL);
      g_print ("survived\n");
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  g_test_trap_assert_stdout_unmatched ("*survived*");
  g_test_trap_assert_stderr ("*isle_notify_wait() called outside a fiber task*");
}

/* A sender unreffed once too often is the caller's mistake: a critical
 * that names the function, and the channel or oneshot left as it was. */
static void
test_sender_over_release (void)
{
  if (g_test_subprocess ())
    {
      IsleChannelSender *sender = NULL;
      g_autoptr(IsleChannel) channel = isle_channel_new (1, NULL, &sender);
      g_autoptr(IsleOneshot) oneshot = isle_oneshot_new ();
      IsleOneshotSender *oneshot_sender = isle_oneshot_ref_sender (oneshot);
      g_autoptr(GError) error = NULL;

      isle_test_make_criticals_non_fatal ();
      isle_channel_sender_unref (sender);
      g_assert_true (isle_channel_is_closed (channel));
      isle_channel_sender_unref (sender);
      g_assert_true (isle_channel_is_closed (channel));
      g_assert_null (isle_channel_try_recv (channel, &error));
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CLOSED);
      g_clear_error (&error);

      isle_oneshot_sender_unref (oneshot_sender);
      isle_oneshot_sender_unref (oneshot_sender);
      g_assert_null (isle_oneshot_try_recv (oneshot, &error));
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CLOSED);
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stderr ("*CRITICAL*isle_channel_sender_unref() called on a channel none of "
                             "whose senders is held*"
                             "*CRITICAL*isle_oneshot_sender_unref() called on a oneshot none of "
                             "whose senders is held*");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  main_thread = g_thread_self ();

  g_test_add_func ("/Isle/Channel/types", test_channel_types);
  g_test_add_func ("/Isle/Channel/owner-task-unbounded", test_channel_owner_task_unbounded);
  g_test_add_func ("/Isle/Channel/owner-task-bounded", test_channel_owner_task_bounded);
  g_test_add_func ("/Isle/Channel/bounded-blocks-thread", test_channel_bounded_blocks_thread);
  g_test_add_func ("/Isle/Channel/bounded-send-parks-fiber", test_channel_bounded_send_parks_fiber);
  g_test_add_func ("/Isle/Channel/bounded-send-aborted", test_channel_bounded_send_aborted);
  g_test_add_func ("/Isle/Channel/closed-when-senders-gone", test_channel_closed_when_senders_gone);
  g_test_add_func ("/Isle/Channel/senders-handed-over", test_channel_senders_handed_over);
  g_test_add_func ("/Isle/Channel/close-from-receiver", test_channel_close_from_receiver);
  g_test_add_func ("/Isle/Channel/try-send-try-recv", test_channel_try_send_try_recv);
  g_test_add_func ("/Isle/Channel/items-destroyed-once", test_channel_items_destroyed_once);
  g_test_add_func ("/Isle/Channel/recv-aborted", test_channel_recv_aborted);
  g_test_add_func ("/Isle/Channel/poll-recv", test_channel_poll_recv);
  g_test_add_func ("/Isle/Channel/poll-recv-aborted", test_channel_poll_recv_aborted);
  g_test_add_data_func ("/Isle/Channel/unref-while-receiving-then-send",
                        &drop_fiber_then_send, test_channel_unref_while_receiving);
  g_test_add_data_func ("/Isle/Channel/unref-while-receiving-then-release",
                        &drop_fiber_then_release, test_channel_unref_while_receiving);
  g_test_add_data_func ("/Isle/Channel/unref-while-poll-receiving-then-send",
                        &drop_poll_then_send, test_channel_unref_while_receiving);
  g_test_add_data_func ("/Isle/Channel/unref-while-poll-receiving-then-release",
                        &drop_poll_then_release, test_channel_unref_while_receiving);
  g_test_add_func ("/Isle/Channel/poll-send", test_channel_poll_send);
  g_test_add_func ("/Isle/Channel/poll-send-unbounded", test_channel_poll_send_unbounded);
  g_test_add_func ("/Isle/Channel/poll-send-aborted", test_channel_poll_send_aborted);
  g_test_add_func ("/Isle/Channel/poll-send-closed", test_channel_poll_send_closed);
  g_test_add_func ("/Isle/Channel/recv-outside-fiber", test_channel_recv_outside_fiber);
  g_test_add_func ("/Isle/Channel/recv-wrong-thread", test_channel_recv_wrong_thread);
  g_test_add_func ("/Isle/Channel/two-receivers", test_channel_two_receivers);
  g_test_add_func ("/Isle/Channel/sender-over-release", test_sender_over_release);
  g_test_add_func ("/Isle/Channel/blocking-send-on-receiver-thread", test_channel_blocking_send_on_receiver_thread);
  g_test_add_func ("/Isle/Oneshot/across-threads", test_oneshot_across_threads);
  g_test_add_func ("/Isle/Oneshot/dropped-unsent", test_oneshot_dropped_unsent);
  g_test_add_func ("/Isle/Oneshot/double-send", test_oneshot_double_send);
  g_test_add_func ("/Isle/Oneshot/try-recv-and-destroy", test_oneshot_try_recv_and_destroy);
  g_test_add_func ("/Isle/Oneshot/poll-recv", test_oneshot_poll_recv);
  g_test_add_func ("/Isle/Oneshot/recv-aborted", test_oneshot_recv_aborted);
  g_test_add_func ("/Isle/Oneshot/poll-recv-aborted", test_oneshot_poll_recv_aborted);
  g_test_add_data_func ("/Isle/Oneshot/unref-while-receiving-then-send",
                        &drop_fiber_then_send, test_oneshot_unref_while_receiving);
  g_test_add_data_func ("/Isle/Oneshot/unref-while-receiving-then-release",
                        &drop_fiber_then_release, test_oneshot_unref_while_receiving);
  g_test_add_data_func ("/Isle/Oneshot/unref-while-poll-receiving-then-send",
                        &drop_poll_then_send, test_oneshot_unref_while_receiving);
  g_test_add_data_func ("/Isle/Oneshot/unref-while-poll-receiving-then-release",
                        &drop_poll_then_release, test_oneshot_unref_while_receiving);
  g_test_add_func ("/Isle/Notify/notify-one-permit", test_notify_one_permit);
  g_test_add_func ("/Isle/Notify/notify-waiters-wakes-all", test_notify_waiters_wakes_all);
  g_test_add_func ("/Isle/Notify/notify-from-thread", test_notify_from_thread);
  g_test_add_func ("/Isle/Notify/wait-aborted", test_notify_wait_aborted);
  g_test_add_func ("/Isle/Notify/wait-outside-fiber", test_notify_wait_outside_fiber);
  g_test_add_func ("/Isle/Notify/poll-wait", test_notify_poll_wait);
  g_test_add_func ("/Isle/Notify/poll-wait-from-thread", test_notify_poll_wait_from_thread);
  g_test_add_func ("/Isle/Notify/poll-wait-aborted", test_notify_poll_wait_aborted);
  g_test_add_func ("/Isle/Notify/poll-wait-dump", test_notify_poll_wait_dump);
  g_test_add_func ("/Isle/Notify/unref-while-waiting", test_notify_unref_while_waiting);

  return g_test_run ();
}
