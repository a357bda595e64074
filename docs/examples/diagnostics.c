/* diagnostics.c: a dump of an island's tasks, and its counters
 * (docs/diagnostics.md)
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

static gpointer
wait_forever (gpointer   user_data,
              GError   **error)
{
  while (isle_park (error))
    ;   /* only an abort ends it */
  return NULL;
}

static gpointer
quick (gpointer   user_data,
       GError   **error)
{
  return NULL;
}

static gpointer
root (gpointer   user_data,
      GError   **error)
{
  IsleLocalSet *island = isle_local_set_get_current ();
  g_autoptr(IsleJoinHandle) waiter = NULL, later = NULL;
  g_autoptr(GError) waiter_error = NULL;
  g_autofree char *dump = NULL;

  waiter = isle_spawn_local_full ("waiter", G_PRIORITY_DEFAULT, 0,
                                  wait_forever, NULL, NULL, NULL);
  if (!isle_yield_now (error))   /* let the waiter park */
    return NULL;
  later = isle_spawn_local_full ("later", G_PRIORITY_LOW, 0,
                                 quick, NULL, NULL, NULL);

  /* One line per live task: the root (running), the waiter (parked) and
   * "later" (not started yet), with where each was spawned. */
  dump = isle_local_set_dump_tasks (island);
  g_print ("%s", dump);
  CHECK (strstr (dump, "3 live tasks") != NULL);
  CHECK (strstr (dump, "“waiter”") != NULL && strstr (dump, "“later”") != NULL);

  /* Aborting is no failure, so nothing is reported for it. */
  isle_join_handle_abort (waiter);
  CHECK (isle_join_handle_join (waiter, &waiter_error) == NULL);
  CHECK (g_error_matches (waiter_error, G_IO_ERROR, G_IO_ERROR_CANCELLED));
  isle_join_handle_join (later, error);
  return NULL;
}

int
main (void)
{
  g_autoptr(IsleLocalSet) island = isle_local_set_new ();
  g_autoptr(GError) error = NULL;
  IsleLocalSetCounters counters;

  /* Turn counts and run times in the dump; ISLE_DEBUG=tasks does the same
   * for every island without recompiling. */
  isle_local_set_set_debug_flags (island, ISLE_DEBUG_TASKS);

  isle_local_set_run_until (island, root, NULL, &error);
  if (error != NULL)
    {
      g_printerr ("diagnostics: %s\n", error->message);
      return EXIT_FAILURE;
    }

  /* Always kept, at no measurable cost. */
  isle_local_set_get_counters (island, &counters);
  g_print ("spawned %" G_GUINT64_FORMAT ", finished %" G_GUINT64_FORMAT
           ", aborted %" G_GUINT64_FORMAT ", live %" G_GUINT64_FORMAT
           ", turns %" G_GUINT64_FORMAT "\n",
           counters.tasks_spawned, counters.tasks_finished,
           counters.tasks_aborted, counters.tasks_live, counters.polls);
  if (counters.tasks_spawned != 3 || counters.tasks_finished != 3 ||
      counters.tasks_aborted != 1 || counters.tasks_live != 0)
    {
      g_printerr ("diagnostics: unexpected counters\n");
      return EXIT_FAILURE;
    }
  g_print ("ok\n");
  return EXIT_SUCCESS;
}
