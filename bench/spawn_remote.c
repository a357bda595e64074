/* spawn_remote.c: a plain thread hands tasks to an island one at a time
 *
 * The main thread runs an island; a second, plain thread spawns
 * N = 100,000 tasks on it with isle_local_set_spawn_remote(), one at a
 * time: each task returns i·2, and the sending thread blocks on the result
 * (isle_future_wait()) before it sends the next. The clock runs on the
 * sending thread, from before the first spawn to after the last result;
 * the sum of the results is checked. Figure: ns per task, round trip.
 *
 * On a VM the figure depends on whether the two threads share a CPU; run
 * it also pinned (taskset -c 0), as bench/README.md says.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "bench-common.h"

#define SPAWN_REMOTE_N 100000

typedef struct
{
  IsleLocalSet *island;   /* (owned) the sender's reference */
  guint         n;
  guint64       sum;
  double        ns_per_task;
  int           done;     /* (atomic) */
} SpawnRemoteRun;

static gpointer
double_task (gpointer   user_data,
             GError   **error)
{
  return GSIZE_TO_POINTER (GPOINTER_TO_SIZE (user_data) * 2);
}

static gpointer
sender_thread (gpointer data)
{
  SpawnRemoteRun *run = data;
  gint64 start_ns = bench_now_ns ();

  for (guint i = 1; i <= run->n; i++)
    {
      IsleFuture *future;
      GError *error = NULL;
      gpointer value;

      future = isle_local_set_spawn_remote (run->island, double_task,
                                            GSIZE_TO_POINTER (i), NULL);
      value = isle_future_wait (future, NULL, &error);
      bench_check_error (error, "isle_future_wait");
      run->sum += GPOINTER_TO_SIZE (value);
      isle_future_unref (future);
    }

  run->ns_per_task = bench_ns_per (start_ns, bench_now_ns (), run->n);
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
  SpawnRemoteRun run = { NULL, };
  GThread *thread;

  bench_init ("spawn_remote");
  run.n = bench_scale_count (SPAWN_REMOTE_N);

  island = isle_local_set_new ();
  run.island = isle_local_set_ref (island);
  thread = g_thread_new ("sender", sender_thread, &run);
  while (!g_atomic_int_get (&run.done))
    g_main_context_iteration (NULL, TRUE);
  g_thread_join (thread);
  /* The sender's last reference may come back here as an idle. */
  while (g_main_context_pending (NULL))
    g_main_context_iteration (NULL, FALSE);
  isle_local_set_unref (island);

  if (run.sum != (guint64) run.n * (run.n + 1))
    bench_fail ("sum is %" G_GUINT64_FORMAT ", expected %" G_GUINT64_FORMAT,
                run.sum, (guint64) run.n * (run.n + 1));

  bench_print_result ("ns_per_task", run.ns_per_task, run.n, NULL);
  return 0;
}
