/* channels.c: the owner-task pattern: worker threads send, one task of the
 * island owns the state and sums what they send (docs/channels.md)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <stdlib.h>

#include <isle.h>

#define N_WORKERS 3
#define N_STEPS   100

typedef struct
{
  IsleChannelSender *sender;   /* (owned) this worker's sender */
  guint              worker;
} Worker;

/* Runs on a worker thread: it never touches the sum, it sends. */
static gpointer
worker_thread (gpointer user_data)
{
  Worker *worker = user_data;

  for (guint step = 1; step <= N_STEPS; step++)
    {
      guint *item = g_memdup2 (&step, sizeof step);

      /* A bounded channel: if the owner falls behind, this thread blocks
       * here until it has caught up. */
      if (!isle_channel_sender_send (worker->sender, item, NULL))
        {
          g_free (item);   /* closed: a failed send leaves it with us */
          break;
        }
    }

  isle_channel_sender_unref (worker->sender);   /* the last one closes the channel */
  g_free (worker);
  return NULL;
}

/* The owner task: the only code that touches the sum, on the island's
 * thread, so the sum needs no lock. */
static gpointer
own_sum (gpointer   user_data,
         GError   **error)
{
  IsleChannel *items = user_data;
  g_autoptr(GError) local_error = NULL;
  guint64 *sum = g_new0 (guint64, 1);
  guint *item;

  while ((item = isle_channel_recv (items, &local_error)) != NULL)
    {
      *sum += *item;
      g_free (item);
    }

  /* G_IO_ERROR_CLOSED: every worker is done. Anything else (an abort)
   * is a failure. */
  if (!g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CLOSED))
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      g_free (sum);
      return NULL;
    }
  return sum;
}

static gpointer
root (gpointer   user_data,
      GError   **error)
{
  GThread **threads = user_data;
  IsleChannelSender *sender;
  /* The channel is born with its first sender... */
  g_autoptr(IsleChannel) items = isle_channel_new (8, g_free, &sender);
  g_autoptr(IsleJoinHandle) owner = NULL;

  for (guint i = 0; i < N_WORKERS; i++)
    {
      Worker *worker = g_new0 (Worker, 1);

      worker->sender = isle_channel_sender_ref (sender);
      worker->worker = i;
      threads[i] = g_thread_new ("worker", worker_thread, worker);
    }
  /* ...released only now: while it is held, a worker that finished early
   * cannot close the channel for the others still being started. */
  isle_channel_sender_unref (sender);

  owner = isle_spawn_local_full ("owner", G_PRIORITY_DEFAULT, 0, own_sum,
                                 isle_channel_ref (items),
                                 (GDestroyNotify) isle_channel_unref, g_free);
  return isle_join_handle_join (owner, error);
}

int
main (void)
{
  g_autoptr(IsleLocalSet) island = isle_local_set_new ();
  g_autoptr(GError) error = NULL;
  g_autofree guint64 *sum = NULL;
  GThread *threads[N_WORKERS] = { NULL, };
  guint64 expected = N_WORKERS * (N_STEPS * (N_STEPS + 1) / 2);

  sum = isle_local_set_run_until (island, root, threads, &error);
  for (guint i = 0; i < N_WORKERS; i++)
    if (threads[i] != NULL)
      g_thread_join (threads[i]);

  if (sum == NULL || *sum != expected)
    {
      g_printerr ("channels: %s\n", error != NULL ? error->message : "wrong sum");
      return EXIT_FAILURE;
    }
  g_print ("%d workers sent %d numbers each; the owner task summed %" G_GUINT64_FORMAT "\n",
           N_WORKERS, N_STEPS, *sum);
  g_print ("ok\n");
  return EXIT_SUCCESS;
}
