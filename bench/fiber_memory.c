/* fiber_memory.c: resident memory of suspended fiber tasks
 *
 * N = 30,000 fiber tasks are each suspended once (parked) with a live local
 * variable, all at the same time. The figure is what they cost in resident
 * memory: (peak RSS once all are suspended - RSS before spawning) / N.
 * The benchmark's own arrays are written before the "before" sample so
 * they do not count. Then every task is woken, checks its local variable
 * survived, and is joined.
 * Figure: KiB per suspended task.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "bench-common.h"

#define FIBER_MEMORY_N 30000

/* Mixed into each task's local so that a stack that was reused or
 * overwritten while suspended shows as a wrong value. */
#define FIBER_MEMORY_SEED G_GUINT64_CONSTANT (0x9e3779b97f4a7c15)

typedef struct
{
  guint n;
  IsleWaker **wakers;  /* (owned) (array length=n) */
  guint n_suspended;
  guint n_checked;
  gboolean released;
  double kib_per_task;
} FiberMemoryRun;

typedef struct
{
  FiberMemoryRun *run;  /* (unowned) */
  guint index;
} FiberMemorySlot;

static gpointer
fiber_memory_task (gpointer   user_data,
                   GError   **error)
{
  FiberMemorySlot *slot = user_data;
  FiberMemoryRun *run = slot->run;
  /* volatile keeps the value in the fiber's stack frame across the park
   * instead of being rematerialised from the slot afterwards. */
  volatile guint64 local = FIBER_MEMORY_SEED ^ slot->index;

  run->wakers[slot->index] = isle_task_ref_waker (isle_task_get_current ());
  run->n_suspended++;

  while (!run->released)
    {
      if (!isle_park (error))
        return NULL;
    }

  if (local != (FIBER_MEMORY_SEED ^ slot->index))
    bench_fail ("task %u: its local variable changed while it was parked", slot->index);
  run->n_checked++;

  return slot;
}

static gpointer
fiber_memory_root (gpointer   user_data,
                   GError   **error)
{
  FiberMemoryRun *run = user_data;
  IsleJoinHandle **handles;
  FiberMemorySlot *slots;
  gsize rss_before_kib;
  gsize peak_kib;

  handles = g_new (IsleJoinHandle *, run->n);
  slots = g_new (FiberMemorySlot, run->n);
  run->wakers = g_new (IsleWaker *, run->n);
  bench_touch_memory (handles, run->n * sizeof *handles);
  bench_touch_memory (slots, run->n * sizeof *slots);
  bench_touch_memory (run->wakers, run->n * sizeof *run->wakers);

  rss_before_kib = bench_get_rss_kib ();

  for (guint i = 0; i < run->n; i++)
    {
      slots[i].run = run;
      slots[i].index = i;
      handles[i] = isle_spawn_local (fiber_memory_task, &slots[i], NULL);
    }

  /* One yield lets every task run up to its park; the loop only guards
   * against a budget that splits the round. */
  while (run->n_suspended < run->n)
    {
      if (!isle_yield_now (error))
        return NULL;
    }

  peak_kib = bench_get_peak_rss_kib ();
  run->kib_per_task = ((double) peak_kib - (double) rss_before_kib) / run->n;

  run->released = TRUE;
  for (guint i = 0; i < run->n; i++)
    isle_waker_wake (run->wakers[i]);

  for (guint i = 0; i < run->n; i++)
    {
      GError *join_error = NULL;
      gpointer result;

      result = isle_join_handle_join (handles[i], &join_error);
      bench_check_error (join_error, "isle_join_handle_join");
      if (result != &slots[i])
        bench_fail ("join of task %u returned %p, expected %p", i, result, (gpointer) &slots[i]);
      isle_join_handle_unref (handles[i]);
      isle_waker_unref (run->wakers[i]);
    }

  g_free (run->wakers);
  g_free (slots);
  g_free (handles);

  return run;
}

int
main (int   argc,
      char *argv[])
{
  FiberMemoryRun run = { 0, };

  bench_init ("fiber_memory");

  run.n = bench_scale_count (FIBER_MEMORY_N);

  if (bench_run_root (fiber_memory_root, &run) != &run)
    bench_fail ("the root task returned a wrong result");
  if (run.n_checked != run.n)
    bench_fail ("%u tasks resumed, expected %u", run.n_checked, run.n);

  bench_print_result ("kib_per_task", run.kib_per_task, run.n, NULL);

  return 0;
}
