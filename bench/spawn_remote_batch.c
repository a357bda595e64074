/* spawn_remote_batch.c: a plain thread hands many tasks to an island at once
 *
 * As spawn_remote, but the sending thread spawns all N = 100,000 tasks
 * without waiting, then waits for every result in spawn order. Spawns that
 * arrive while the island is busy share one context wake-up. The clock
 * runs on the sending thread, from before the first spawn to after the
 * last result; the sum is checked. Figure: ns per task.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "bench-common.h"

#define SPAWN_REMOTE_BATCH_N 100000

typedef struct
{
  IsleLocalSet *island;   /* (owned) the sender's reference */
  guint         n;
  guint64       sum;
  double        ns_per_task;
  int           done;     /* (atomic) */
} BatchRun;

static gpointer
double_task (gpointer   user_data,
             GError   **error)
{
  return GSIZE_TO_POINTER (GPOINTER_TO_SIZE (user_data) * 2);
}

static gpointer
sender_thread (gpointer data)
{
  BatchRun *run = data;
  IsleFuture **futures = g_new (IsleFuture *, run->n);
  gint64 start_ns = bench_now_ns ();

  for (guint i = 0; i < run->n; i++)
    futures[i] = isle_local_set_spawn_remote (run->island, double_task,
                                              GSIZE_TO_POINTER (i + 1), NULL);
  for (guint i = 0; i < run->n; i++)
    {
      GError *error = NULL;
      gpointer value = isle_future_wait (futures[i], NULL, &error);

      bench_check_error (error, "isle_future_wait");
      run->sum += GPOINTER_TO_SIZE (value);
    }
  run->ns_per_task = bench_ns_per (start_ns, bench_now_ns (), run->n);

  for (guint i = 0; i < run->n; i++)
    isle_future_unref (futures[i]);
  g_free (futures);
  isle_local_set_unref (run->island);
  g_atomic_int_set (&run->done, 1);
  g_main_context_wakeup (NULL);
  return NULL;
}

int
main (int   argc,
      char *argv[])
{
  IsleLocalSet *island;
  BatchRun run = { NULL, };
  GThread *thread;

  bench_init ("spawn_remote_batch");
  run.n = bench_scale_count (SPAWN_REMOTE_BATCH_N);

  island = isle_local_set_new ();
  run.island = isle_local_set_ref (island);
  thread = g_thread_new ("sender", sender_thread, &run);
  while (!g_atomic_int_get (&run.done))
    g_main_context_iteration (NULL, TRUE);
  g_thread_join (thread);
  while (g_main_context_pending (NULL))
    g_main_context_iteration (NULL, FALSE);
  isle_local_set_unref (island);

  if (run.sum != (guint64) run.n * (run.n + 1))
    bench_fail ("sum is %" G_GUINT64_FORMAT ", expected %" G_GUINT64_FORMAT,
                run.sum, (guint64) run.n * (run.n + 1));

  bench_print_result ("ns_per_task", run.ns_per_task, run.n, NULL);
  return 0;
}
