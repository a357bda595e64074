/* islands.c: an island driven by run_until, spawning before it is driven,
 * and entering it from plain code (docs/islands.md)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <stdlib.h>

#include <isle.h>

/* Fail the running task with a message unless @cond holds. */
#define CHECK(cond) \
  G_STMT_START { \
    if (!(cond)) \
      { \
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, \
                     "line %d: expected %s", __LINE__, #cond); \
        return NULL; \
      } \
  } G_STMT_END

typedef struct
{
  gboolean early_ran;     /* spawned before the island was driven */
  gboolean entered_ran;   /* spawned from plain code that entered it */
} State;

static gpointer
early_task (gpointer   user_data,
            GError   **error)
{
  State *state = user_data;

  state->early_ran = TRUE;
  g_print ("early task: runs once the island is driven\n");
  return NULL;
}

static gpointer
entered_task (gpointer   user_data,
              GError   **error)
{
  State *state = user_data;

  state->entered_ran = TRUE;
  g_print ("entered task: spawned with isle_spawn_local() outside any task\n");
  return NULL;
}

/* The root task of run_until: a fiber, so it may suspend anywhere. */
static gpointer
root (gpointer   user_data,
      GError   **error)
{
  State *state = user_data;

  /* Inside a task, the current island is the task's own. */
  CHECK (isle_local_set_get_current () != NULL);

  /* The early task became ready before the root did; after one yield it
   * has had its turn. */
  if (!isle_yield_now (error))
    return NULL;
  CHECK (state->early_ran);

  return g_strdup ("done");
}

int
main (void)
{
  g_autoptr(IsleLocalSet) island = isle_local_set_new ();
  g_autoptr(IsleJoinHandle) early = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *result = NULL;
  State state = { FALSE, FALSE };

  /* Spawning never runs a task synchronously: nothing has run yet. */
  early = isle_local_set_spawn_local (island, early_task, &state, NULL);
  if (state.early_ran || isle_local_set_get_n_tasks (island) != 1)
    {
      g_printerr ("islands: the early task ran before the island was driven\n");
      return EXIT_FAILURE;
    }

  result = isle_local_set_run_until (island, root, &state, &error);
  if (result == NULL)
    {
      g_printerr ("islands: %s\n", error->message);
      return EXIT_FAILURE;
    }
  g_print ("main: run_until returned \"%s\"\n", result);

  /* Plain code (a signal handler, say) enters the island to spawn on it;
   * the guard leaves it at the end of the block, and dropping the handle
   * detaches the task. */
  {
    g_autoptr(IsleLocalSetEnterGuard) guard = isle_local_set_enter_scoped (island);
    g_autoptr(IsleJoinHandle) handle = isle_spawn_local (entered_task, &state, NULL);

    if (isle_local_set_get_current () != island)
      {
        g_printerr ("islands: the entered island is not current\n");
        return EXIT_FAILURE;
      }
  }

  /* Left again, and the detached task still waits for the island to be
   * driven: run() drives it until no task is left. */
  if (isle_local_set_get_current () != NULL || state.entered_ran ||
      !isle_local_set_run (island, &error))
    {
      g_printerr ("islands: %s\n", error != NULL ? error->message : "enter/leave");
      return EXIT_FAILURE;
    }
  if (!state.entered_ran || isle_local_set_get_n_tasks (island) != 0)
    {
      g_printerr ("islands: the entered task did not run\n");
      return EXIT_FAILURE;
    }

  g_print ("main: every task ran: ok\n");
  return EXIT_SUCCESS;
}
