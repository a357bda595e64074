/* blocking_offload.c: local tasks hand small jobs to the blocking pool
 *
 * J = 10,000 jobs, each summing 1..1000 on a worker thread of Isle's
 * blocking pool (isle_spawn_blocking()), with at most W = 64 in flight:
 * W fiber tasks each take the next job number, spawn the job, await its
 * future back on the island's thread, check the sum, and go on until the
 * jobs are used up. The sum is opaque to the optimiser (the accumulator
 * goes through an empty asm statement each step), so it is 1,000 real
 * additions, not a vectorised loop or a closed form: what a peer's job
 * costs. The program times the bare job on the main thread and prints it
 * (job_ns=). The pool keeps its default bound, which must hold.
 * Figure: µs per job, from the first spawn to the last join / J.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "bench-common.h"

#define BLOCKING_OFFLOAD_JOBS      10000
#define BLOCKING_OFFLOAD_IN_FLIGHT 64
#define BLOCKING_OFFLOAD_SUM_TO    1000

typedef struct
{
  guint n_jobs;
  guint next_job;       /* local to the island: no lock */
  guint n_done;
  int running;          /* (atomic) jobs on a worker right now */
  int most_running;     /* (atomic) */
  double us_per_job;
} BlockingOffloadRun;

static BlockingOffloadRun run;

/* Sums 1..@n one addition at a time: the asm statement tells the compiler
 * the accumulator may have changed, so it can neither vectorise the loop
 * nor replace it with n (n + 1) / 2. */
static gsize
opaque_sum (guint n)
{
  gsize sum = 0;

  for (guint i = 1; i <= n; i++)
    {
      sum += i;
      __asm__ volatile ("" : "+r" (sum));
    }
  return sum;
}

static gpointer
sum_job (gpointer       user_data,
         GCancellable  *cancellable,
         GError       **error)
{
  guint n = GPOINTER_TO_UINT (user_data);
  int now = g_atomic_int_add (&run.running, 1) + 1;
  int most = g_atomic_int_get (&run.most_running);
  gsize sum;

  while (now > most && !g_atomic_int_compare_and_exchange (&run.most_running, most, now))
    most = g_atomic_int_get (&run.most_running);

  sum = opaque_sum (n);

  g_atomic_int_add (&run.running, -1);

  /* A small integer result needs no allocation and no destroy notify. */
  return GSIZE_TO_POINTER (sum);
}

static gpointer
offload_loop (gpointer   user_data,
              GError   **error)
{
  while (run.next_job < run.n_jobs)
    {
      IsleFuture *future;
      GError *await_error = NULL;
      gpointer sum;

      run.next_job++;
      future = isle_spawn_blocking (sum_job, GUINT_TO_POINTER (BLOCKING_OFFLOAD_SUM_TO), NULL, NULL);
      sum = isle_await (future, &await_error);
      bench_check_error (await_error, "isle_await");
      if (GPOINTER_TO_SIZE (sum) != (gsize) BLOCKING_OFFLOAD_SUM_TO * (BLOCKING_OFFLOAD_SUM_TO + 1) / 2)
        bench_fail ("a job returned %" G_GSIZE_FORMAT, GPOINTER_TO_SIZE (sum));
      isle_future_unref (future);
      run.n_done++;
    }

  return NULL;
}

static gpointer
blocking_offload_root (gpointer   user_data,
                       GError   **error)
{
  IsleJoinHandle *handles[BLOCKING_OFFLOAD_IN_FLIGHT];
  guint n_tasks = MIN (BLOCKING_OFFLOAD_IN_FLIGHT, run.n_jobs);
  gint64 start_ns;
  gint64 end_ns;

  start_ns = bench_now_ns ();

  for (guint i = 0; i < n_tasks; i++)
    handles[i] = isle_spawn_local (offload_loop, NULL, NULL);

  for (guint i = 0; i < n_tasks; i++)
    {
      GError *join_error = NULL;

      isle_join_handle_join (handles[i], &join_error);
      bench_check_error (join_error, "isle_join_handle_join");
      isle_join_handle_unref (handles[i]);
    }

  end_ns = bench_now_ns ();

  run.us_per_job = bench_ns_per (start_ns, end_ns, run.n_jobs) / 1000.0;

  return &run;
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *extra = NULL;
  guint bound;
  gint64 job_start_ns;
  double job_ns;

  bench_init ("blocking_offload");

  run.n_jobs = bench_scale_count (BLOCKING_OFFLOAD_JOBS);
  bound = isle_blocking_pool_get_max_threads ();

  /* What one job costs on its own. */
  job_start_ns = bench_now_ns ();
  for (guint i = 0; i < run.n_jobs; i++)
    if (opaque_sum (BLOCKING_OFFLOAD_SUM_TO) != (gsize) BLOCKING_OFFLOAD_SUM_TO * (BLOCKING_OFFLOAD_SUM_TO + 1) / 2)
      bench_fail ("the bare job summed wrongly");
  job_ns = bench_ns_per (job_start_ns, bench_now_ns (), run.n_jobs);

  if (bench_run_root (blocking_offload_root, NULL) != &run)
    bench_fail ("the root task returned a wrong result");
  if (run.n_done != run.n_jobs)
    bench_fail ("%u jobs done, expected %u", run.n_done, run.n_jobs);
  if ((guint) g_atomic_int_get (&run.most_running) > bound)
    bench_fail ("%d jobs ran at once, above the pool's bound of %u",
                g_atomic_int_get (&run.most_running), bound);

  extra = g_strdup_printf ("threads=%u most_running=%d job_ns=%.0f", bound,
                           g_atomic_int_get (&run.most_running), job_ns);
  bench_print_result ("us_per_job", run.us_per_job, run.n_jobs, extra);

  return 0;
}
