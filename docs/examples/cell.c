/* cell.c: an IsleCell shared by two tasks, each borrow ended before the
 * task suspends (docs/cell.md)
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

typedef struct { guint counter; } State;

static gpointer
count_twice (gpointer   user_data,
             GError   **error)
{
  IsleCell *state = user_data;

  {
    g_autoptr(IsleCellRefMut) guard = isle_cell_borrow_mut_scoped (state);
    State *s = isle_cell_ref_mut_get (guard);

    s->counter++;
  }   /* the borrow ends here, before the task suspends */

  /* While this task waits, the other one borrows the cell. */
  if (!isle_yield_now (error))
    return NULL;

  ((State *) isle_cell_borrow_mut (state))->counter++;
  isle_cell_release_mut (state);
  g_print ("task %" G_GUINT64_FORMAT ": counted twice\n",
           isle_task_get_id (isle_task_get_current ()));
  return NULL;
}

static gpointer
root (gpointer   user_data,
      GError   **error)
{
  /* Each task gets a reference of its own, like a cloned Rc. */
  g_autoptr(IsleCell) state = isle_cell_new (g_new0 (State, 1), g_free);
  g_autoptr(IsleJoinHandle) a =
    isle_spawn_local (count_twice, isle_cell_ref (state),
                      (GDestroyNotify) isle_cell_unref);
  g_autoptr(IsleJoinHandle) b =
    isle_spawn_local (count_twice, isle_cell_ref (state),
                      (GDestroyNotify) isle_cell_unref);
  g_autoptr(GError) borrow_error = NULL;
  guint counter;

  isle_join_handle_join (a, error);
  if (*error == NULL)
    isle_join_handle_join (b, error);
  if (*error != NULL)
    return NULL;

  {
    g_autoptr(IsleCellRef) guard = isle_cell_borrow_scoped (state);

    counter = ((const State *) isle_cell_ref_get (guard))->counter;
  }
  CHECK (counter == 4);
  CHECK (isle_cell_get_borrow_state (state) == ISLE_CELL_UNBORROWED);
  g_print ("root: counter = %u\n", counter);

  /* An expected conflict is handled with the try forms instead of the
   * abort a plain borrow would cause. */
  isle_cell_borrow_mut (state);
  CHECK (isle_cell_try_borrow (state, &borrow_error) == NULL);
  isle_cell_release_mut (state);
  CHECK (g_error_matches (borrow_error, ISLE_CELL_ERROR, ISLE_CELL_ERROR_BORROWED_MUT));
  g_print ("root: try_borrow while borrowed: %s\n", borrow_error->message);
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
      g_printerr ("cell: %s\n", error->message);
      return EXIT_FAILURE;
    }
  g_print ("ok\n");
  return EXIT_SUCCESS;
}
