/* test-fiber.c: stacks, guard pages, hand-offs and task records
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <isle.h>

#include "isle-local-set-private.h"
#include "isle-stack-private.h"
#include "isle-test-util.h"

static int n_destroyed;

static void
count_destroy (gpointer data)
{
  n_destroyed++;
}

static gpointer
return_42 (gpointer   user_data,
           GError   **error)
{
  return GINT_TO_POINTER (42);
}

static gpointer
join_after_failed_allocation (gpointer   user_data,
                              GError   **error)
{
  g_autoptr(IsleJoinHandle) failing = NULL;
  g_autoptr(IsleJoinHandle) working = NULL;
  g_autoptr(GError) local_error = NULL;
  gpointer result;

  _isle_stack_fail_next_allocations (1);
  failing = isle_spawn_local_full ("doomed", G_PRIORITY_DEFAULT, 0,
                                   return_42, NULL, count_destroy, NULL);
  result = isle_join_handle_join (failing, &local_error);
  g_assert_null (result);
  g_assert_error (local_error, ISLE_ERROR, ISLE_ERROR_NO_FIBER_STACK);
  g_assert_nonnull (strstr (local_error->message, "doomed"));
  g_assert_nonnull (strstr (local_error->message, "vm.max_map_count"));
  g_assert_nonnull (strstr (local_error->message, "poll tasks"));
  g_assert_cmpint (n_destroyed, ==, 1);
  g_clear_error (&local_error);

  /* The island goes on. */
  working = isle_spawn_local (return_42, NULL, NULL);
  result = isle_join_handle_join (working, &local_error);
  g_assert_no_error (local_error);
  g_assert_cmpint (GPOINTER_TO_INT (result), ==, 42);

  return NULL;
}

static void
test_fiber_allocation_failure (void)
{
  g_autoptr(IsleLocalSet) island = isle_local_set_new ();

  n_destroyed = 0;
  isle_test_run_root (island, join_after_failed_allocation, NULL);
}

/* Recursion the compiler cannot turn into a loop: each frame keeps a
 * kilobyte alive across the call. */
static G_GNUC_NO_INLINE int
recurse (int depth)
{
  volatile char frame[1024];

  frame[0] = (char) depth;
  frame[sizeof frame - 1] = (char) depth;
  if (depth == 0)
    return frame[0];
  return recurse (depth - 1) + frame[sizeof frame - 1];
}

static gpointer
overflow_stack (gpointer   user_data,
                GError   **error)
{
  /* 1,000 frames of 1 KiB on a 64 KiB stack. */
  return GINT_TO_POINTER (recurse (1000));
}

static void
overflow_in_subprocess (void)
{
  g_autoptr(IsleLocalSet) island = isle_local_set_new ();
  g_autoptr(IsleJoinHandle) handle = NULL;

  handle = isle_local_set_spawn_local_full (island, "deep", G_PRIORITY_DEFAULT,
                                            64 * 1024, overflow_stack,
                                            NULL, NULL, NULL);
  isle_test_run_all (island);
  /* Not reached: the guard page stops the task. */
  g_print ("survived\n");
}

/* The task is named, not left to a bare SIGSEGV. AddressSanitizer owns the
 * signal in its builds and reports the overflow itself. */
static void
assert_overflow_reported (void)
{
#if defined(__SANITIZE_ADDRESS__)
  g_test_trap_assert_stderr ("*stack-overflow*");
#else
  g_test_trap_assert_stderr ("*fiber task * “deep” overflowed its stack of 64 KiB*stack_size*");
#endif
}

static void
test_fiber_guard_page (void)
{
  if (g_test_subprocess ())
    {
      overflow_in_subprocess ();
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  g_test_trap_assert_stdout_unmatched ("*survived*");
  assert_overflow_reported ();
}

static void
test_fiber_guard_page_mprotect (void)
{
  if (g_test_subprocess ())
    {
      _isle_stack_force_mprotect_guards ();
      overflow_in_subprocess ();
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  g_test_trap_assert_stdout_unmatched ("*survived*");
  assert_overflow_reported ();
}

static int n_alive;

static gpointer
park_until_all_alive (gpointer   user_data,
                      GError   **error)
{
  int expected = GPOINTER_TO_INT (user_data);
  volatile char local[2048];

  local[0] = 1;
  n_alive++;
  while (n_alive < expected)
    if (!isle_yield_now (error))
      return NULL;
  return GINT_TO_POINTER (local[0]);
}

/* More live fibers than one slab holds, with mprotect() guards as older
 * kernels need them; in a subprocess, since the choice is process-wide. */
static void
test_fiber_mprotect_guards (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(IsleLocalSet) island = isle_local_set_new ();
      IsleJoinHandle *handles[200];
      guint i;

      _isle_stack_force_mprotect_guards ();
      n_alive = 0;
      for (i = 0; i < G_N_ELEMENTS (handles); i++)
        handles[i] = isle_local_set_spawn_local (island, park_until_all_alive,
                                                 GINT_TO_POINTER (G_N_ELEMENTS (handles)),
                                                 NULL);
      isle_test_run_all (island);
      for (i = 0; i < G_N_ELEMENTS (handles); i++)
        {
          g_assert_true (isle_join_handle_is_finished (handles[i]));
          isle_join_handle_unref (handles[i]);
        }
      g_assert_cmpstr (_isle_stack_get_guard_kind (), ==, "mprotect");
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
}

static gboolean released;

static gpointer
park_until_released (gpointer   user_data,
                     GError   **error)
{
  n_alive++;
  while (!released)
    if (!isle_yield_now (error))
      return NULL;
  return NULL;
}

static guint
count_finished (IsleJoinHandle **handles,
                guint            n)
{
  guint n_finished = 0;
  guint i;

  for (i = 0; i < n; i++)
    n_finished += isle_join_handle_is_finished (handles[i]);
  return n_finished;
}

/* With mprotect() guards, fibers stop short of the mapping limit: the
 * spawn past it fails with a clear error through its handle, and the
 * others run on. The limit is lowered to 100 mappings (50 stacks). */
static void
test_fiber_mapping_limit (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(IsleLocalSet) island = isle_local_set_new ();
      IsleJoinHandle *handles[60];
      guint n_ok = 0, n_no_space = 0;
      gint64 deadline = isle_test_deadline ();
      guint i;

      /* The failures are read below, straight from the task records. */
      isle_local_set_set_unhandled_failure (island, ISLE_UNHANDLED_FAILURE_IGNORE);
      _isle_stack_force_mprotect_guards ();
      _isle_stack_set_guard_mappings_limit (100);
      n_alive = 0;
      released = FALSE;
      for (i = 0; i < G_N_ELEMENTS (handles); i++)
        handles[i] = isle_local_set_spawn_local (island, park_until_released,
                                                 NULL, NULL);

      /* All 60 at once: 50 hold a stack, 10 could not get one. */
      while (n_alive + (int) count_finished (handles, G_N_ELEMENTS (handles)) < 60)
        {
          g_assert_cmpint (g_get_monotonic_time (), <, deadline);
          g_main_context_iteration (NULL, TRUE);
        }
      released = TRUE;
      isle_test_run_all (island);

      for (i = 0; i < G_N_ELEMENTS (handles); i++)
        {
          IsleJoinHandle *handle = handles[i];

          g_assert_true (isle_join_handle_is_finished (handle));
          /* Only a task can join; the error is read at teardown instead. */
          if (ISLE_TASK_FROM_HANDLE (handle)->flags & ISLE_TASK_FLAG_FAILED)
            {
              GError *task_error = ISLE_TASK_FROM_HANDLE (handle)->result;

              g_assert_error (task_error, ISLE_ERROR, ISLE_ERROR_NO_FIBER_STACK);
              g_assert_nonnull (strstr (task_error->message, "vm.max_map_count"));
              n_no_space++;
            }
          else
            n_ok++;
          isle_join_handle_unref (handle);
        }
      g_assert_cmpuint (n_ok, ==, 50);
      g_assert_cmpuint (n_no_space, ==, 10);
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
}

/* The process's mappings, a line of /proc/self/maps each. */
static guint
count_mappings (void)
{
  g_autofree char *contents = NULL;
  guint n = 0;
  const char *p;

  g_assert_true (g_file_get_contents ("/proc/self/maps", &contents, NULL, NULL));
  for (p = contents; (p = strchr (p, '\n')) != NULL; p++)
    n++;
  return n;
}

/* Many small mappings of the program's own: every other page of one
 * region made inaccessible splits it, two mappings a page. */
static void
hold_mappings (guint n_pages)
{
  gsize page = (gsize) sysconf (_SC_PAGESIZE);
  guint8 *region = mmap (NULL, 2 * n_pages * page, PROT_READ | PROT_WRITE,
                         MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  guint i;

  g_assert_true (region != MAP_FAILED);
  for (i = 0; i < n_pages; i++)
    g_assert_cmpint (mprotect (region + (2 * i + 1) * page, page, PROT_NONE), ==, 0);
}

/* With mprotect() guards, the reserve counts the process's mappings, not
 * only Isle's: a program that already holds thousands gets
 * ISLE_ERROR_NO_FIBER_STACK through the join handle while the 2,048 mappings of
 * the reserve are still free for it, instead of a GLib error wherever the
 * next mmap() fails. vm.max_map_count is lowered to what the process holds
 * plus the reserve plus room for about 100 stacks; before, Isle would
 * have taken all of it but the reserve, its own guards alone counted. */
#define N_HOLD_PAGES 3000
#define N_SPAWNS 300

static void
test_fiber_mapping_reserve_counts_process (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(IsleLocalSet) island = isle_local_set_new ();
      IsleJoinHandle *handles[N_SPAWNS];
      guint n_ok = 0, n_no_space = 0;
      gint64 deadline = isle_test_deadline ();
      guint before, limit, at_peak;
      guint i;

      isle_local_set_set_unhandled_failure (island, ISLE_UNHANDLED_FAILURE_IGNORE);
      _isle_stack_force_mprotect_guards ();
      hold_mappings (N_HOLD_PAGES);
      before = count_mappings ();
      g_assert_cmpuint (before, >, 2 * N_HOLD_PAGES);
      limit = before + 2048 + 200;
      _isle_stack_set_map_count_limit (limit);

      n_alive = 0;
      released = FALSE;
      for (i = 0; i < N_SPAWNS; i++)
        handles[i] = isle_local_set_spawn_local (island, park_until_released, NULL, NULL);
      while (n_alive + (int) count_finished (handles, N_SPAWNS) < N_SPAWNS)
        {
          g_assert_cmpint (g_get_monotonic_time (), <, deadline);
          g_main_context_iteration (NULL, TRUE);
        }

      /* The reserve is still free (a few mappings of slack for what was
       * mapped after the last count: task records, GLib). */
      at_peak = count_mappings ();
      g_test_message ("%u mappings before, %u at the peak, limit %u", before, at_peak, limit);
      g_assert_cmpuint (at_peak, <=, limit - 2048 + 64);

      released = TRUE;
      isle_test_run_all (island);
      for (i = 0; i < N_SPAWNS; i++)
        {
          IsleJoinHandle *handle = handles[i];

          g_assert_true (isle_join_handle_is_finished (handle));
          if (ISLE_TASK_FROM_HANDLE (handle)->flags & ISLE_TASK_FLAG_FAILED)
            {
              GError *task_error = ISLE_TASK_FROM_HANDLE (handle)->result;

              g_assert_error (task_error, ISLE_ERROR, ISLE_ERROR_NO_FIBER_STACK);
              g_assert_nonnull (strstr (task_error->message, "vm.max_map_count"));
              n_no_space++;
            }
          else
            n_ok++;
          isle_join_handle_unref (handle);
        }
      g_test_message ("%u stacks, %u spawns refused", n_ok, n_no_space);
      /* Room for 100 stacks at most, less what the island itself mapped. */
      g_assert_cmpuint (n_ok, >, 0);
      g_assert_cmpuint (n_ok, <=, 100);
      g_assert_cmpuint (n_no_space, ==, N_SPAWNS - n_ok);
      _isle_stack_set_map_count_limit (0);
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
}

static gpointer
yield_once (gpointer   user_data,
            GError   **error)
{
  isle_yield_now (error);
  return NULL;
}

/* A finished fiber's stack waits, warm, for the next task. */
static void
test_fiber_stack_reuse (void)
{
  g_autoptr(IsleLocalSet) island = isle_local_set_new ();
  guint i;

  g_assert_cmpuint (island->stack_pool.n_warm, ==, 0);
  for (i = 0; i < 3; i++)
    {
      g_autoptr(IsleJoinHandle) handle = isle_local_set_spawn_local (island, yield_once, NULL, NULL);

      isle_test_run_all (island);
      g_assert_true (isle_join_handle_is_finished (handle));
      g_assert_cmpuint (island->stack_pool.n_warm, ==, 1);
      g_assert_cmpuint (island->stack_pool.n_slabs, ==, 1);
    }
}

/* Many more fibers than a slab holds, then all gone: every slab is
 * unmapped when the island goes (the sanitizers and Valgrind see the rest). */
static void
test_fiber_many_slabs (void)
{
  g_autoptr(IsleLocalSet) island = isle_local_set_new ();
  guint n = 500;
  guint i;

  n_alive = 0;
  for (i = 0; i < n; i++)
    {
      IsleJoinHandle *handle = isle_local_set_spawn_local (island, park_until_all_alive,
                                                           GINT_TO_POINTER (n), NULL);
      isle_join_handle_unref (handle);
    }
  isle_test_run_all (island);
  g_assert_cmpint (n_alive, ==, (int) n);
  /* 64 stacks a slab at the default size. */
  g_assert_cmpuint (island->stack_pool.n_slabs, >=, 1);
  g_assert_cmpuint (island->stack_pool.n_warm, <=, 32);
}

typedef struct
{
  GString *log;
  char     name;
  guint    rounds;
} Turns;

static gpointer
fiber_turns (gpointer   user_data,
             GError   **error)
{
  Turns *turns = user_data;
  guint i;

  for (i = 0; i < turns->rounds; i++)
    {
      g_string_append_c (turns->log, turns->name);
      if (!isle_yield_now (error))
        return NULL;
    }
  return NULL;
}

static IslePoll
poll_turns (gpointer    state,
            IsleWaker  *waker,
            gpointer   *result,
            GError    **error)
{
  Turns *turns = state;

  if (turns->rounds == 0)
    return ISLE_POLL_READY;

  g_string_append_c (turns->log, turns->name);
  turns->rounds--;
  isle_waker_wake (waker);
  return ISLE_POLL_PENDING;
}

/* Fibers hand the thread to each other directly, but never past a poll
 * task that is ahead in the queue: the order stays FIFO. */
static void
test_fiber_hand_off_keeps_fifo (void)
{
  g_autoptr(IsleLocalSet) island = isle_local_set_new ();
  g_autoptr(GString) log = g_string_new (NULL);
  Turns a = { log, 'A', 3 };
  Turns p = { log, 'p', 3 };
  Turns b = { log, 'B', 3 };
  Turns c = { log, 'C', 3 };
  IsleJoinHandle *handles[4];
  guint i;

  handles[0] = isle_local_set_spawn_local (island, fiber_turns, &a, NULL);
  handles[1] = isle_local_set_spawn_local_poll (island, poll_turns, &p, NULL);
  handles[2] = isle_local_set_spawn_local (island, fiber_turns, &b, NULL);
  handles[3] = isle_local_set_spawn_local (island, fiber_turns, &c, NULL);
  isle_test_run_all (island);

  g_assert_cmpstr (log->str, ==, "ApBCApBCApBC");
  for (i = 0; i < G_N_ELEMENTS (handles); i++)
    isle_join_handle_unref (handles[i]);
}

static gpointer
inner_root (gpointer   user_data,
            GError   **error)
{
  g_autoptr(IsleJoinHandle) child = isle_spawn_local (yield_once, NULL, NULL);

  if (!isle_yield_now (error))
    return NULL;
  isle_join_handle_join (child, error);
  return GINT_TO_POINTER (7);
}

static gpointer
outer_root (gpointer   user_data,
            GError   **error)
{
  g_autoptr(GMainContext) inner_context = g_main_context_new ();
  /* One island per context: the inner one has a context of its own. */
  g_autoptr(IsleLocalSet) inner = isle_local_set_new_for_context (inner_context);
  g_autoptr(IsleJoinHandle) sibling = isle_spawn_local (yield_once, NULL, NULL);
  IsleLocalSet *outer = isle_local_set_get_current ();
  gpointer result;

  /* An island driven from inside another island's fiber: its fibers
   * switch back to this fiber's stack. */
  result = isle_local_set_run_until (inner, inner_root, NULL, error);
  g_assert_cmpint (GPOINTER_TO_INT (result), ==, 7);
  g_assert_true (isle_local_set_get_current () == outer);

  isle_join_handle_join (sibling, error);
  return GINT_TO_POINTER (8);
}

static void
test_fiber_nested_islands (void)
{
  g_autoptr(IsleLocalSet) island = isle_local_set_new ();

  g_assert_cmpint (GPOINTER_TO_INT (isle_test_run_root (island, outer_root, NULL)), ==, 8);
}

static IsleWaker *escaped_waker;

static IslePoll
keep_waker (gpointer    state,
            IsleWaker  *waker,
            gpointer   *result,
            GError    **error)
{
  escaped_waker = isle_waker_ref (waker);
  return ISLE_POLL_READY;
}

static gpointer
release_waker_thread (gpointer data)
{
  IsleWaker *waker = data;

  isle_waker_wake (waker);
  isle_waker_unref (waker);
  return NULL;
}

/* A task record outlives its island through a waker, and its last
 * reference goes on another thread: the record and the island's arena are
 * freed there, with nothing left behind. */
static void
test_fiber_record_outlives_island (void)
{
  IsleLocalSet *island = isle_local_set_new ();
  IsleJoinHandle *handle;
  GThread *thread;

  handle = isle_local_set_spawn_local_poll (island, keep_waker, NULL, NULL);
  isle_test_run_all (island);
  g_assert_true (isle_join_handle_is_finished (handle));
  isle_join_handle_unref (handle);
  isle_local_set_unref (island);

  thread = g_thread_new ("waker-release", release_waker_thread,
                         g_steal_pointer (&escaped_waker));
  g_thread_join (thread);
}

static gpointer
use_deep_stack (gpointer   user_data,
                GError   **error)
{
  /* 128 KiB of frames, well inside the 256 KiB default. */
  return GINT_TO_POINTER (recurse (128));
}

static void
test_fiber_default_stack_depth (void)
{
  g_autoptr(IsleLocalSet) island = isle_local_set_new ();
  g_autoptr(IsleJoinHandle) handle = isle_local_set_spawn_local (island, use_deep_stack, NULL, NULL);

  isle_test_run_all (island);
  g_assert_true (isle_join_handle_is_finished (handle));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Isle/Fiber/allocation-failure", test_fiber_allocation_failure);
  g_test_add_func ("/Isle/Fiber/guard-page", test_fiber_guard_page);
  g_test_add_func ("/Isle/Fiber/guard-page-mprotect", test_fiber_guard_page_mprotect);
  g_test_add_func ("/Isle/Fiber/mprotect-guards", test_fiber_mprotect_guards);
  g_test_add_func ("/Isle/Fiber/mapping-limit", test_fiber_mapping_limit);
  g_test_add_func ("/Isle/Fiber/mapping-reserve-counts-process",
                   test_fiber_mapping_reserve_counts_process);
  g_test_add_func ("/Isle/Fiber/stack-reuse", test_fiber_stack_reuse);
  g_test_add_func ("/Isle/Fiber/many-slabs", test_fiber_many_slabs);
  g_test_add_func ("/Isle/Fiber/hand-off-keeps-fifo", test_fiber_hand_off_keeps_fifo);
  g_test_add_func ("/Isle/Fiber/nested-islands", test_fiber_nested_islands);
  g_test_add_func ("/Isle/Fiber/record-outlives-island", test_fiber_record_outlives_island);
  g_test_add_func ("/Isle/Fiber/default-stack-depth", test_fiber_default_stack_depth);

  return g_test_run ();
}
