/* futures.c: a promise resolved from another thread, the all/any/race
 * combinators, and a join handle as a future (docs/futures.md)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <stdlib.h>
#include <string.h>

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

/* Runs on its own thread: promises may be resolved from any thread. */
static gpointer
hash_thread (gpointer data)
{
  IslePromise *promise = data;

  isle_promise_resolve (promise,
                        g_compute_checksum_for_string (G_CHECKSUM_SHA256, "isle", -1),
                        g_free);
  isle_promise_unref (promise);
  return NULL;
}

static gpointer
greet (gpointer   user_data,
       GError   **error)
{
  return g_strdup ("hello from a task");
}

static gpointer
root (gpointer   user_data,
      GError   **error)
{
  g_autoptr(IslePromise) promise = isle_promise_new ();
  g_autoptr(IslePromise) never = isle_promise_new ();
  g_autoptr(IsleFuture) hashed = isle_future_ref (isle_promise_get_future (promise));
  g_autoptr(IsleFuture) pending = isle_future_ref (isle_promise_get_future (never));
  g_autoptr(IsleFuture) ready = isle_future_new_for_value (g_strdup ("ready"), g_free);
  g_autoptr(IsleFuture) failed = isle_future_new_for_error (
    g_error_new_literal (G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "no such thing"));
  g_autoptr(IsleFuture) all = NULL, any = NULL, race = NULL, limited = NULL;
  g_autoptr(IsleJoinHandle) handle = NULL;
  IsleFuture *joined;
  g_autoptr(GError) local_error = NULL;
  const char *digest, *value;
  GPtrArray *values;

  /* The task suspends; the thread's resolve wakes it on this thread. */
  g_thread_unref (g_thread_new ("hasher", hash_thread, isle_promise_ref (promise)));
  digest = isle_await (hashed, error);   /* owned by the future */
  CHECK (digest != NULL && strlen (digest) == 64);
  g_print ("digest from the hasher thread: %.16s...\n", digest);

  /* all: every value, in order, borrowed from the futures. */
  all = isle_future_all ((IsleFuture *[]) { hashed, ready }, 2);
  values = isle_await (all, error);
  CHECK (values != NULL && values->len == 2);
  CHECK (g_str_equal (g_ptr_array_index (values, 1), "ready"));

  /* any: the first success; failures are skipped. */
  any = isle_future_any ((IsleFuture *[]) { failed, ready }, 2);
  value = isle_await (any, error);
  CHECK (g_strcmp0 (value, "ready") == 0);

  /* race: the first ready, whatever it holds; the loser is cancelled. */
  race = isle_future_race ((IsleFuture *[]) { pending, failed }, 2);
  CHECK (isle_await (race, &local_error) == NULL);
  CHECK (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND));
  g_clear_error (&local_error);
  CHECK (isle_future_get_value (pending, &local_error) == NULL);
  CHECK (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED));
  g_print ("all: %u values; any: \"%s\"; race: the error won, the rest was cancelled\n",
           values->len, value);

  /* A task is a future: its handle gives it (borrowed, valid while the
   * handle is held), to await, combine or time out like any other. */
  handle = isle_spawn_local_full ("greet", G_PRIORITY_DEFAULT, 0, greet,
                                  NULL, NULL, g_free);
  joined = isle_join_handle_get_future (handle);
  limited = isle_future_new_timeout_msec (joined, 10000);
  value = isle_await (limited, error);
  CHECK (g_strcmp0 (value, "hello from a task") == 0);
  g_print ("join handle future: \"%s\"\n", value);
  return NULL;
}

int
main (void)
{
  g_autoptr(IsleLocalSet) island = isle_local_set_new ();
  g_autoptr(GError) error = NULL;

  isle_local_set_run_until (island, root, NULL, &error);
  if (error != NULL)
    {
      g_printerr ("futures: %s\n", error->message);
      return EXIT_FAILURE;
    }
  g_print ("ok\n");
  return EXIT_SUCCESS;
}
