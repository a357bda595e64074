/* bindings-test.c: a C library that hands Isle futures to GJS and Python
 * tests, as an application's own C code would
 *
 * JavaScript cannot run a function on Isle's blocking pool (GJS refuses
 * calls into JavaScript from other threads), so a script awaits blocking
 * work that C code started; this is that C code.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "bindings-test.h"

/* On a worker thread of the blocking pool: 1 + 2 + ... + n, slowly enough
 * to be cancelled, checking the job's cancellable as GIO work does. */
static gpointer
sum_job (gpointer       data,
         GCancellable  *cancellable,
         GError       **error)
{
  guint n = GPOINTER_TO_UINT (data);
  guint sum = 0;

  for (guint i = 1; i <= n; i++)
    {
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return NULL;
      sum += i;
      if (i % 1000 == 0)
        g_usleep (1000);
    }
  return GUINT_TO_POINTER (sum);
}

/**
 * bindings_test_sum_on_pool:
 * @n: how far to count
 *
 * Sums 1 to @n on Isle's blocking pool (about 1 ms per 1,000).
 *
 * Returns: (transfer full): a future for the sum, as a pointer-sized
 *   integer
 */
IsleFuture *
bindings_test_sum_on_pool (guint n)
{
  return isle_spawn_blocking (sum_job, GUINT_TO_POINTER (n), NULL, NULL);
}

/**
 * bindings_test_get_sum:
 * @future: a settled future from bindings_test_sum_on_pool()
 *
 * Reads the sum: a future's value is a pointer, which a script cannot
 * read itself, so the library that made the future reads it, as a C
 * library hands out typed results.
 *
 * Returns: the sum, or 0 if the job failed
 */
guint
bindings_test_get_sum (IsleFuture *future)
{
  return GPOINTER_TO_UINT (isle_future_get_value (future, NULL));
}
