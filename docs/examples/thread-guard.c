/* thread-guard.c: a value created on the island's thread, carried and
 * dropped by a worker thread, and destroyed back on its owner
 * (docs/thread-guard.md)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <stdlib.h>

#include <isle.h>

typedef struct
{
  GString     *text;        /* not thread-safe: the owner thread only */
  GThread     *owner;
  IslePromise *destroyed;   /* (owned) resolved by log_free() */
} Log;

/* The destroy notify: the guard runs it on the owner thread, whichever
 * thread dropped the last reference. */
static void
log_free (gpointer data)
{
  Log *log = data;

  isle_promise_resolve (log->destroyed,
                        GINT_TO_POINTER (g_thread_self () == log->owner), NULL);
  isle_promise_unref (log->destroyed);
  g_string_free (log->text, TRUE);
  g_free (log);
}

/* Runs on a worker thread, which holds the only reference. */
static gpointer
worker_thread (gpointer data)
{
  g_autoptr(IsleThreadGuard) guard = data;

  /* isle_thread_guard_get() here would abort, naming both threads. */
  g_print ("worker: may touch the log? %s\n",
           isle_thread_guard_is_owner (guard) ? "yes" : "no");
  return GINT_TO_POINTER (!isle_thread_guard_is_owner (guard));
}   /* the last reference goes here: log_free() is sent to the owner */

static gpointer
root (gpointer   user_data,
      GError   **error)
{
  GThread **worker = user_data;
  g_autoptr(IsleFuture) destroyed = NULL;
  IsleThreadGuard *guard;
  Log *log = g_new0 (Log, 1);

  log->text = g_string_new ("started\n");
  log->owner = g_thread_self ();
  log->destroyed = isle_promise_new ();
  destroyed = isle_future_ref (isle_promise_get_future (log->destroyed));

  /* The island's thread owns the guard; its context gets the destroy. */
  guard = isle_thread_guard_new (log, log_free);
  g_string_append (((Log *) isle_thread_guard_get (guard))->text, "handed over\n");
  *worker = g_thread_new ("worker", worker_thread, guard);

  /* The island keeps iterating its context while this task waits, which
   * is what lets the destroy notify run here. */
  if (isle_await (destroyed, error) == NULL)
    {
      if (*error != NULL)
        return NULL;   /* aborted */
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                           "the log was destroyed on another thread");
      return NULL;
    }
  g_print ("root: the log was destroyed on its owner thread\n");
  return GINT_TO_POINTER (TRUE);
}

int
main (void)
{
  g_autoptr(IsleLocalSet) island = isle_local_set_new ();
  g_autoptr(GError) error = NULL;
  GThread *worker = NULL;
  gboolean ok;

  ok = isle_local_set_run_until (island, root, &worker, &error) != NULL;
  if (worker != NULL && g_thread_join (worker) == NULL)
    ok = FALSE;   /* the worker was told it owned the log */

  if (!ok)
    {
      g_printerr ("thread-guard: %s\n", error != NULL ? error->message : "the worker owned the log");
      return EXIT_FAILURE;
    }
  g_print ("ok\n");
  return EXIT_SUCCESS;
}
