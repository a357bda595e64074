/* test-task-arena.c: task records, and the chunks faulted in ahead of them
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <isle.h>

#include "isle-task-arena-private.h"
#include "isle-test-util.h"

#define RECORD_SIZE 256
#define PREFAULT_DEADLINE_USEC (30 * G_USEC_PER_SEC)

static gboolean
is_resident (gpointer addr,
             gsize    size)
{
  gsize page = (gsize) sysconf (_SC_PAGESIZE);
  gsize n_pages = size / page;
  g_autofree unsigned char *vec = g_malloc (n_pages);

  g_assert_cmpint (mincore (addr, size, vec), ==, 0);
  for (gsize i = 0; i < n_pages; i++)
    if (!(vec[i] & 1))
      return FALSE;
  return TRUE;
}

/* Allocates until the arena has mapped its next chunk, and returns the
 * records (a GPtrArray) so the caller can free them. */
static GPtrArray *
fill_half_chunk (IsleTaskArena *arena,
                 gpointer      *spare,
                 gsize         *chunk_size)
{
  GPtrArray *records = g_ptr_array_new ();

  while ((*spare = _isle_task_arena_get_spare (arena, chunk_size)) == NULL)
    {
      g_assert_cmpuint (records->len, <, 2 * 1024 * 1024 / RECORD_SIZE);
      g_ptr_array_add (records, _isle_task_arena_alloc (arena));
    }
  return records;
}

/* Waits for the prefault thread, with a deadline; FALSE if the kernel or
 * the tool under which the test runs does not fault memory in ahead. */
static gboolean
wait_resident (gpointer addr,
               gsize    size)
{
  gint64 deadline = g_get_monotonic_time () + PREFAULT_DEADLINE_USEC;

  while (!is_resident (addr, size))
    {
      if (g_get_monotonic_time () > deadline)
        return FALSE;
      g_thread_yield ();
    }
  return TRUE;
}

static void
free_all (GPtrArray *records)
{
  for (guint i = 0; i < records->len; i++)
    _isle_task_arena_free (records->pdata[i]);
  g_ptr_array_unref (records);
}

static long
thread_minor_faults (void)
{
  struct rusage usage;

  g_assert_cmpint (getrusage (RUSAGE_THREAD, &usage), ==, 0);
  return usage.ru_minflt;
}

/* Half-way through its first chunk an arena maps the next one, and the
 * prefault thread faults it in: the records that come from it cost the
 * island's thread no page fault. */
static void
test_arena_prefaults_next_chunk (void)
{
  IsleTaskArena *arena = _isle_task_arena_new (RECORD_SIZE, NULL, NULL);
  GPtrArray *records;
  gpointer spare;
  gsize chunk_size;
  long faults;
  gboolean from_spare = FALSE;

  records = fill_half_chunk (arena, &spare, &chunk_size);
  g_assert_nonnull (spare);
  g_assert_cmpuint ((guintptr) spare % chunk_size, ==, 0);

  if (!wait_resident (spare, chunk_size))
    {
      free_all (records);
      _isle_task_arena_close (arena);
      g_test_skip ("memory is not faulted in ahead here (MADV_POPULATE_WRITE)");
      return;
    }

  /* The rest of the first chunk, then a good part of the spare. */
  faults = thread_minor_faults ();
  for (guint i = 0; i < chunk_size / RECORD_SIZE; i++)
    {
      guint8 *record = _isle_task_arena_alloc (arena);

      g_ptr_array_add (records, record);
      if (record >= (guint8 *) spare && record < (guint8 *) spare + chunk_size)
        {
          from_spare = TRUE;
          /* Fresh records are zero without being cleared. */
          for (guint j = 0; j < RECORD_SIZE; j++)
            g_assert_cmpuint (record[j], ==, 0);
          memset (record, 0x5a, RECORD_SIZE);
        }
    }
  g_assert_true (from_spare);
#if !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
  /* The second half of the first chunk was not faulted in ahead (it is
   * ordinary pages, touched as used); the spare costs nothing. Allow a
   * few for the test's own array. */
  g_assert_cmpint (thread_minor_faults () - faults, <=,
                   (long) (chunk_size / 2 / (gsize) sysconf (_SC_PAGESIZE)) + 16);
#else
  /* The sanitizers' shadow memory is faulted in as records are handed out. */
  (void) faults;
#endif

  free_all (records);
  _isle_task_arena_close (arena);
}

/* A record that comes back from the free list is cleared again. */
static void
test_arena_reused_records_are_zero (void)
{
  IsleTaskArena *arena = _isle_task_arena_new (RECORD_SIZE, NULL, NULL);
  guint8 *record = _isle_task_arena_alloc (arena);
  guint8 *again;

  memset (record, 0xa5, RECORD_SIZE);
  _isle_task_arena_free (record);
  again = _isle_task_arena_alloc (arena);
  g_assert_true (again == record);
  for (guint i = 0; i < RECORD_SIZE; i++)
    g_assert_cmpuint (again[i], ==, 0);
  _isle_task_arena_free (again);
  _isle_task_arena_close (arena);
}

/* Arenas that go while their spare is queued or being faulted in: the
 * thread is done with the memory before it is unmapped (ASan, valgrind). */
static void
test_arena_teardown_while_prefaulting (void)
{
  for (guint round = 0; round < 20; round++)
    {
      IsleTaskArena *arena = _isle_task_arena_new (RECORD_SIZE, NULL, NULL);
      gpointer spare;
      gsize chunk_size;
      GPtrArray *records = fill_half_chunk (arena, &spare, &chunk_size);

      g_assert_nonnull (spare);
      if (round % 2 == 1)
        _isle_task_arena_close (arena);   /* the last free destroys it */
      free_all (records);
      if (round % 2 == 0)
        _isle_task_arena_close (arena);
    }
}

/* A forked child has no prefault thread: its arenas still grow, and get
 * a thread of their own. */
static void
test_arena_prefault_after_fork (void)
{
  IsleTaskArena *arena = _isle_task_arena_new (RECORD_SIZE, NULL, NULL);
  gpointer spare;
  gsize chunk_size;
  GPtrArray *records = fill_half_chunk (arena, &spare, &chunk_size);
  gboolean served = wait_resident (spare, chunk_size);
  pid_t pid;
  int status;

  if (!served)
    {
      free_all (records);
      _isle_task_arena_close (arena);
      g_test_skip ("memory is not faulted in ahead here (MADV_POPULATE_WRITE)");
      return;
    }

  pid = fork ();
  g_assert_cmpint (pid, >=, 0);
  if (pid == 0)
    {
      IsleTaskArena *child_arena = _isle_task_arena_new (RECORD_SIZE, NULL, NULL);
      gpointer child_spare;
      GPtrArray *child_records = fill_half_chunk (child_arena, &child_spare, &chunk_size);

      if (!wait_resident (child_spare, chunk_size))
        _exit (3);
      free_all (child_records);
      _isle_task_arena_close (child_arena);
      free_all (records);
      _isle_task_arena_close (arena);
      _exit (0);
    }

  g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
  g_assert_true (WIFEXITED (status));
  g_assert_cmpint (WEXITSTATUS (status), ==, 0);

  free_all (records);
  _isle_task_arena_close (arena);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Isle/TaskArena/prefaults-next-chunk", test_arena_prefaults_next_chunk);
  g_test_add_func ("/Isle/TaskArena/reused-records-are-zero", test_arena_reused_records_are_zero);
  g_test_add_func ("/Isle/TaskArena/teardown-while-prefaulting", test_arena_teardown_while_prefaulting);
  g_test_add_func ("/Isle/TaskArena/prefault-after-fork", test_arena_prefault_after_fork);

  return g_test_run ();
}
