/* pool_scaling.c: CPU-bound local tasks on a pool of one and of two threads
 *
 * N = 2,000 fiber tasks, each a fixed piece of CPU work (about 50 µs: a
 * chain of multiply-xorshift rounds seeded by the task's index), are
 * spawned with isle_local_pool_spawn_pinned() from the main thread, which
 * then waits for every result (isle_future_wait()) and checks it against
 * the value computed beforehand. Timed from the first spawn to the last
 * result, once on a pool of 1 thread and once on a pool of 2 (starting
 * the pools is not timed). Figure: speedup = time(1) / time(2).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "bench-common.h"

#define POOL_SCALING_N 2000
#define POOL_SCALING_ROUNDS 20000   /* about 50 µs on an idle core; us_per_work says */

static guint64
work (guint64 seed)
{
  guint64 x = seed * 0x9E3779B97F4A7C15ull + 1;

  for (guint i = 0; i < POOL_SCALING_ROUNDS; i++)
    {
      x ^= x >> 31;
      x *= 0xBF58476D1CE4E5B9ull;
      x ^= x >> 27;
    }
  return x | 1;   /* never NULL as a pointer */
}

static gpointer
work_task (gpointer   user_data,
           GError   **error)
{
  return GSIZE_TO_POINTER ((gsize) work (GPOINTER_TO_SIZE (user_data)));
}

static double
run_on_pool (guint          n_threads,
             guint          n,
             const guint64 *expected)
{
  IsleLocalPool *pool = isle_local_pool_new (n_threads);
  IsleFuture **futures = g_new (IsleFuture *, n);
  gint64 start_ns;
  gint64 end_ns;

  start_ns = bench_now_ns ();
  for (guint i = 0; i < n; i++)
    futures[i] = isle_local_pool_spawn_pinned (pool, work_task, GSIZE_TO_POINTER (i), NULL);
  for (guint i = 0; i < n; i++)
    {
      GError *error = NULL;
      gpointer value = isle_future_wait (futures[i], NULL, &error);

      bench_check_error (error, "isle_future_wait");
      if ((guint64) GPOINTER_TO_SIZE (value) != expected[i])
        bench_fail ("task %u on a pool of %u returned a wrong result", i, n_threads);
    }
  end_ns = bench_now_ns ();

  for (guint i = 0; i < n; i++)
    isle_future_unref (futures[i]);
  g_free (futures);
  isle_local_pool_unref (pool);

  return (end_ns - start_ns) / 1e6;
}

int
main (int   argc,
      char *argv[])
{
  guint n;
  guint64 *expected;
  double ms_1;
  double ms_2;
  gint64 start_ns;
  double us_per_work;
  g_autofree char *extra = NULL;

  G_STATIC_ASSERT (sizeof (gsize) >= sizeof (guint64));

  bench_init ("pool_scaling");
  n = bench_scale_count (POOL_SCALING_N);

  expected = g_new (guint64, n);
  start_ns = bench_now_ns ();
  for (guint i = 0; i < n; i++)
    expected[i] = work (i);
  us_per_work = (bench_now_ns () - start_ns) / 1e3 / n;

  ms_1 = run_on_pool (1, n, expected);
  ms_2 = run_on_pool (2, n, expected);
  g_free (expected);

  extra = g_strdup_printf ("ms_1=%.1f ms_2=%.1f us_per_work=%.1f", ms_1, ms_2, us_per_work);
  bench_print_result ("speedup", ms_1 / ms_2, n, extra);
  return 0;
}
