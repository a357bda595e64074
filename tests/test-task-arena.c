/* test-task-arena.c: task records come out of an arena zeroed
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include <isle.h>

#include "isle-task-arena-private.h"
#include "isle-test-util.h"

#define RECORD_SIZE 256
/* More records than one 2 MiB chunk holds: the last ones come from a
 * second chunk. */
#define N_RECORDS (3 * 1024 * 1024 / RECORD_SIZE)

static void
assert_zero (const guint8 *record)
{
  for (guint i = 0; i < RECORD_SIZE; i++)
    g_assert_cmpuint (record[i], ==, 0);
}

/* Records from fresh memory (the bump pointer, through two chunks) are
 * zero without being cleared. */
static void
test_arena_fresh_records_are_zero (void)
{
  IsleTaskArena *arena = _isle_task_arena_new (RECORD_SIZE, NULL, NULL);
  g_autofree guint8 **records = g_new (guint8 *, N_RECORDS);

  for (guint i = 0; i < N_RECORDS; i++)
    {
      records[i] = _isle_task_arena_alloc (arena);
      assert_zero (records[i]);
      memset (records[i], 0x5a, RECORD_SIZE);
    }
  for (guint i = 0; i < N_RECORDS; i++)
    _isle_task_arena_free (records[i]);
  _isle_task_arena_close (arena);
}

/* A record that comes back from the free list is cleared again, from an
 * owner's arena and from a shared one. */
static void
test_arena_reused_records_are_zero (void)
{
  IsleTaskArena *arenas[2] = {
    _isle_task_arena_new (RECORD_SIZE, NULL, NULL),
    _isle_task_arena_new_shared (RECORD_SIZE, NULL, NULL),
  };

  for (guint a = 0; a < G_N_ELEMENTS (arenas); a++)
    {
      gboolean shared = a == 1;
      guint8 *record = shared ? _isle_task_arena_alloc_shared (arenas[a])
                              : _isle_task_arena_alloc (arenas[a]);
      guint8 *again;

      memset (record, 0xa5, RECORD_SIZE);
      _isle_task_arena_free (record);
      again = shared ? _isle_task_arena_alloc_shared (arenas[a])
                     : _isle_task_arena_alloc (arenas[a]);
      g_assert_true (again == record);
      assert_zero (again);
      _isle_task_arena_free (again);
      _isle_task_arena_close (arenas[a]);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Isle/TaskArena/fresh-records-are-zero", test_arena_fresh_records_are_zero);
  g_test_add_func ("/Isle/TaskArena/reused-records-are-zero", test_arena_reused_records_are_zero);

  return g_test_run ();
}
