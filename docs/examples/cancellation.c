/* cancellation.c: every way a task is cancelled, and what it sees
 * (docs/cancellation.md)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The fragments quoted in docs/cancellation.md are cut from this file
 * (scripts/check-doc-snippets.py checks that they still are).
 */

#include <isle.h>

/* How many of the tasks below ran their cleanup. */
static guint cleaned_up;

static void
count_cleanup (gpointer data)
{
  cleaned_up++;
  g_free (data);
}

/* ----- 1. Abort: the suspension point fails ----- */

typedef struct
{
  gboolean      cancellable_was_cancelled;
  GCancellable *cancellable;   /* (owned) the task's, kept to look at later */
} Watched;

static gpointer
download (gpointer   user_data,
          GError   **error)
{
  Watched *watched = user_data;
  g_autoptr(GString) partial = g_string_new (NULL);

  watched->cancellable = g_object_ref (isle_current_cancellable ());

  for (guint chunk = 0; ; chunk++)
    {
      g_string_append_printf (partial, "chunk %u\n", chunk);

      /* Each suspension may fail: return at once, and let g_autoptr
       * release what the task holds. */
      if (!isle_sleep_msec (10, error))
        return NULL;
    }
}

static gboolean
abort_a_task (void)
{
  Watched watched = { FALSE, NULL };
  g_autoptr(IsleJoinHandle) handle = NULL;
  g_autoptr(GError) error = NULL;

  handle = isle_spawn_local (download, &watched, NULL);
  if (!isle_yield_now (&error))         /* let it start and park in a sleep */
    return FALSE;

  isle_join_handle_abort (handle);
  isle_join_handle_join (handle, &error);

  watched.cancellable_was_cancelled = g_cancellable_is_cancelled (watched.cancellable);
  g_clear_object (&watched.cancellable);
  return g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) &&
         watched.cancellable_was_cancelled;
}

/* ----- 2. Timeouts cancel what they wrap ----- */

static gboolean
time_out (void)
{
  g_autoptr(IsleFuture) slow = isle_future_new_sleep_seconds (60);
  g_autoptr(IsleFuture) limited = isle_future_new_timeout_msec (slow, 20);
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) inner_error = NULL;

  isle_await (limited, &error);
  /* The sleep lost the race: it was cancelled, not left running, so
   * awaiting it now returns at once. */
  isle_await (slow, &inner_error);

  return g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT) &&
         g_error_matches (inner_error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

/* ----- 3. A join set stops its children ----- */

static gpointer
wait_forever (gpointer   user_data,
              GError   **error)
{
  while (isle_park (error))
    ;
  return NULL;
}

static gboolean
shut_down_a_set (void)
{
  g_autoptr(IsleJoinSet) set = isle_join_set_new ();
  g_autoptr(GError) error = NULL;

  cleaned_up = 0;
  for (guint i = 0; i < 3; i++)
    isle_join_set_spawn (set, wait_forever, g_strdup ("child"), count_cleanup);

  if (!isle_yield_now (&error))
    return FALSE;

  /* Aborts all three and waits until each has returned. */
  if (!isle_join_set_shutdown (set, &error))
    return FALSE;

  return cleaned_up == 3 && isle_join_set_is_empty (set);
}

/* ----- 4. Freeing an island stops everything on it ----- */

static gboolean
free_an_island (void)
{
  /* A second island needs a context of its own: one context has one
   * island, shared (isle_local_set_ref_for_context()). */
  g_autoptr(GMainContext) context = g_main_context_new ();
  IsleLocalSet *island = isle_local_set_new_for_context (context);
  IsleJoinHandle *handle;

  cleaned_up = 0;
  for (guint i = 0; i < 3; i++)
    {
      handle = isle_local_set_spawn_local (island, wait_forever,
                                           g_strdup ("parked"), count_cleanup);
      isle_join_handle_unref (handle);   /* detached: the island owns them */
    }

  /* The last unref aborts the three tasks, runs them until they return
   * and runs each destroy notify once, here on the owner thread. */
  isle_local_set_unref (island);
  return cleaned_up == 3;
}

static gpointer
root (gpointer   user_data,
      GError   **error)
{
  g_assert_true (abort_a_task ());
  g_print ("1. an aborted task's sleep failed with G_IO_ERROR_CANCELLED, "
           "and its cancellable was cancelled\n");

  g_assert_true (time_out ());
  g_print ("2. the timeout fired and cancelled the sleep it wrapped\n");

  g_assert_true (shut_down_a_set ());
  g_print ("3. isle_join_set_shutdown() stopped all three children\n");

  return NULL;
}

int
main (void)
{
  g_autoptr(IsleLocalSet) island = isle_local_set_new ();
  g_autoptr(GError) error = NULL;

  isle_local_set_run_until (island, root, NULL, &error);
  g_assert_no_error (error);

  g_assert_true (free_an_island ());
  g_print ("4. freeing an island aborted its three parked tasks, "
           "each cleaned up once\n");

  return 0;
}
