/* blocking.c: blocking work on Isle's worker pool, awaited by a task while
 * the island runs its other tasks (docs/blocking.md)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <stdlib.h>

#include <isle.h>

#define CHECK(cond) \
  G_STMT_START { \
    if (!(cond)) \
      { \
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, \
                     "line %d: expected %s", __LINE__, #cond); \
        return NULL; \
      } \
  } G_STMT_END

/* Set by a task of the island, read by the blocking job: an atomic, since
 * they run on different threads. */
static int ticker_ran;

/* Runs on an isle-blocking worker thread, so it may block; it must not
 * touch the island's state. */
static gpointer
checksum_job (gpointer       user_data,
              GCancellable  *cancellable,
              GError       **error)
{
  const char *text = user_data;

  /* Block until the island has run another task, to show that awaiting
   * this job suspends only the awaiting task, not the island's thread. */
  for (guint waited = 0; !g_atomic_int_get (&ticker_ran); waited++)
    {
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return NULL;
      if (waited == 5000)
        {
          g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                               "the island ran nothing while the job blocked");
          return NULL;
        }
      g_usleep (1000);
    }

  return g_compute_checksum_for_string (G_CHECKSUM_SHA256, text, -1);
}

static gpointer
ticker (gpointer   user_data,
        GError   **error)
{
  g_print ("ticker: the island runs while the job blocks\n");
  g_atomic_int_set (&ticker_ran, TRUE);
  return NULL;
}

static gpointer
root (gpointer   user_data,
      GError   **error)
{
  g_autoptr(IsleJoinHandle) other = isle_spawn_local (ticker, NULL, NULL);
  g_autoptr(IsleFuture) future = NULL;
  GThread *island_thread = g_thread_self ();
  const char *digest;

  future = isle_spawn_blocking (checksum_job, g_strdup ("isle"), g_free, g_free);
  g_print ("root: awaiting the blocking job\n");
  digest = isle_await (future, error);
  if (digest == NULL)
    return NULL;

  /* Back on the island's thread, where island state may be touched. */
  CHECK (g_thread_self () == island_thread);
  g_print ("root: checksum %.16s... from a pool of at most %u threads\n",
           digest, isle_blocking_pool_get_max_threads ());
  return g_strdup (digest);
}

int
main (void)
{
  g_autoptr(IsleLocalSet) island = isle_local_set_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *digest = NULL;
  g_autofree char *expected = g_compute_checksum_for_string (G_CHECKSUM_SHA256, "isle", -1);

  digest = isle_local_set_run_until (island, root, NULL, &error);
  if (digest == NULL || !g_str_equal (digest, expected))
    {
      g_printerr ("blocking: %s\n", error != NULL ? error->message : "wrong checksum");
      return EXIT_FAILURE;
    }
  g_print ("ok\n");
  return EXIT_SUCCESS;
}
