/* main.c: a program built against Isle from outside its source tree
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The root task spawns a local task, joins it and checks that the counter
 * they share (not thread-safe, and it need not be) went up on both sides of
 * a yield.  The line it prints is what tests/packaging checks.
 */

#include <isle.h>

static gpointer
count_twice (gpointer   user_data,
             GError   **error)
{
  guint *counter = user_data;

  *counter += 1;
  if (!isle_yield_now (error))
    return NULL;
  *counter += 1;

  return NULL;
}

static gpointer
root (gpointer   user_data,
      GError   **error)
{
  g_autoptr(IsleJoinHandle) handle = NULL;
  guint *counter = user_data;

  handle = isle_spawn_local (count_twice, counter, NULL);
  isle_join_handle_join (handle, error);

  return NULL;
}

int
main (void)
{
  g_autoptr(IsleLocalSet) island = isle_local_set_new ();
  g_autoptr(GError) error = NULL;
  guint counter = 0;

  isle_local_set_run_until (island, root, &counter, &error);
  if (error != NULL)
    {
      g_printerr ("isle-consumer: %s\n", error->message);
      return 1;
    }

  g_print ("isle-consumer: Isle %d.%d.%d counted to %u\n",
           ISLE_MAJOR_VERSION, ISLE_MINOR_VERSION, ISLE_MICRO_VERSION,
           counter);

  return counter == 2 ? 0 : 1;
}
