/* test-overflow.c: the SIGSEGV handler claims stack overflows only
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Creating an island installs a process-wide SIGSEGV handler that names
 * the task whose fiber ran into its guard. Everything else must happen as
 * without Isle: a SIGSEGV sent with raise() or kill(), or a fault outside
 * a guard, goes to the program's own handler or kills the process by the
 * signal.
 */

#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <isle.h>

#include "isle-stack-private.h"
#include "isle-test-util.h"

/* Runs @body in a child process that dumps no core; returns its status. */
static int
run_in_child (void (*body) (void))
{
  int status = 0;
  pid_t pid;

  fflush (stdout);
  fflush (stderr);
  pid = fork ();
  g_assert_cmpint (pid, >=, 0);
  if (pid == 0)
    {
      struct rlimit no_core = { 0, 0 };

      setrlimit (RLIMIT_CORE, &no_core);
      body ();
      _exit (0);
    }

  g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
  return status;
}

/* Killed by SIGSEGV, as without Isle. AddressSanitizer owns the signal in
 * its builds (Isle installs nothing there): it reports and aborts. */
static void
assert_killed_by_segv (int status)
{
  g_assert_true (WIFSIGNALED (status));
#if defined(__SANITIZE_ADDRESS__)
  g_assert_true (WTERMSIG (status) == SIGSEGV || WTERMSIG (status) == SIGABRT);
#else
  g_assert_cmpint (WTERMSIG (status), ==, SIGSEGV);
#endif
}

static IsleLocalSet *island;

static void
raise_segv (void)
{
  island = isle_local_set_new ();
  raise (SIGSEGV);
}

static void
kill_segv (void)
{
  island = isle_local_set_new ();
  kill (getpid (), SIGSEGV);
}

/* Not a guard: address 16 is nobody's. */
static void
fault (void)
{
  int *volatile bad = (int *) (gsize) 16;

  *bad = 1;
}

static void
fault_in_plain_code (void)
{
  island = isle_local_set_new ();
  fault ();
}

static gpointer
fault_task (gpointer   user_data,
            GError   **error)
{
  fault ();
  return NULL;
}

static void
fault_in_fiber (void)
{
  island = isle_local_set_new ();
  isle_test_run_root (island, fault_task, NULL);
}

static void
test_overflow_raise_kills (void)
{
  assert_killed_by_segv (run_in_child (raise_segv));
}

static void
test_overflow_kill_kills (void)
{
  assert_killed_by_segv (run_in_child (kill_segv));
}

static void
test_overflow_fault_kills (void)
{
  assert_killed_by_segv (run_in_child (fault_in_plain_code));
}

/* A fault on a fiber's stack that is not in its guard is not an overflow:
 * no report, and the process dies of it. */
static void
test_overflow_fault_in_fiber_is_not_overflow (void)
{
  if (g_test_subprocess ())
    {
      fault_in_fiber ();
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  g_test_trap_assert_stderr_unmatched ("*overflowed its stack*");
  assert_killed_by_segv (run_in_child (fault_in_fiber));
}

static volatile sig_atomic_t n_handled;
static volatile sig_atomic_t last_code;

static void
app_handler (int signal_number)
{
  n_handled++;
}

static void
app_siginfo_handler (int        signal_number,
                     siginfo_t *info,
                     void      *context)
{
  n_handled++;
  last_code = info->si_code;
}

/* The program's own handler, installed before the island, still gets the
 * signals that are not Isle's, in either form. */
static void
test_overflow_previous_handler (void)
{
  if (g_test_subprocess ())
    {
      struct sigaction action;

      memset (&action, 0, sizeof action);
      action.sa_handler = app_handler;
      sigemptyset (&action.sa_mask);
      sigaction (SIGSEGV, &action, NULL);

      island = isle_local_set_new ();
      raise (SIGSEGV);
      kill (getpid (), SIGSEGV);
      g_assert_cmpint (n_handled, ==, 2);
      g_print ("handled twice\n");
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stdout ("*handled twice*");
}

/* SA_SIGINFO gets its siginfo; SA_RESETHAND means once, then the default. */
static void
siginfo_resethand (void)
{
  struct sigaction action;

  memset (&action, 0, sizeof action);
  action.sa_sigaction = app_siginfo_handler;
  action.sa_flags = SA_SIGINFO | SA_RESETHAND;
  sigemptyset (&action.sa_mask);
  sigaction (SIGSEGV, &action, NULL);

  island = isle_local_set_new ();
  raise (SIGSEGV);
  if (n_handled != 1 || last_code != SI_TKILL)
    _exit (3);
  /* Reset by now: this one kills. */
  raise (SIGSEGV);
  _exit (4);
}

static void
test_overflow_previous_siginfo_resethand (void)
{
  assert_killed_by_segv (run_in_child (siginfo_resethand));
}

/* SIG_IGN: a sent SIGSEGV is ignored, as it would be without Isle; a real
 * fault cannot be, and kills. */
static void
ignored_then_fault (void)
{
  signal (SIGSEGV, SIG_IGN);
  island = isle_local_set_new ();
  raise (SIGSEGV);
  kill (getpid (), SIGSEGV);
  g_print ("ignored\n");
  fault ();
}

static void
test_overflow_previous_ignore (void)
{
  if (g_test_subprocess ())
    {
      ignored_then_fault ();
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  g_test_trap_assert_stdout ("*ignored*");
  assert_killed_by_segv (run_in_child (ignored_then_fault));
}

/* A frame far larger than a page, written from its low end as snprintf()
 * into a local buffer would: without -fstack-clash-protection (which the
 * tests are built with) nothing touches the pages in between, so the
 * first access lands 44 KB or more below the stack. It must hit the guard
 * and be reported, not write into a neighbour fiber's stack or header
 * (with one-page guards it did, silently). */
#if defined(__GNUC__) && !defined(__clang__)
__attribute__ ((optimize ("no-stack-clash-protection")))
#endif
static G_GNUC_NO_INLINE int
big_frame (void)
{
  volatile char buffer[300 * 1000];
  gsize i;

  /* A short string at the start, as a formatted message would be. */
  for (i = 0; i < 100; i++)
    buffer[i] = 'x';
  return buffer[0];
}

static gboolean big_frame_done;

static gpointer
parked (gpointer   user_data,
        GError   **error)
{
  while (!big_frame_done)
    if (!isle_yield_now (error))
      return NULL;
  return NULL;
}

static gpointer
big_frame_task (gpointer   user_data,
                GError   **error)
{
  int result = big_frame ();

  big_frame_done = TRUE;
  return GINT_TO_POINTER (result);
}

static void
big_frame_in_subprocess (void)
{
  g_autoptr(IsleLocalSet) big_island = isle_local_set_new ();
  IsleJoinHandle *handles[4];
  guint i;

  /* Neighbours on both sides of the big one's stack, parked. */
  for (i = 0; i < 2; i++)
    handles[i] = isle_local_set_spawn_local (big_island, parked, NULL, NULL);
  handles[2] = isle_local_set_spawn_local_full (big_island, "big-frame", G_PRIORITY_DEFAULT,
                                                0, big_frame_task, NULL, NULL, NULL);
  handles[3] = isle_local_set_spawn_local (big_island, parked, NULL, NULL);
  isle_test_run_all (big_island);
  g_print ("survived\n");
  for (i = 0; i < G_N_ELEMENTS (handles); i++)
    isle_join_handle_unref (handles[i]);
}

static void
test_overflow_big_frame (void)
{
  if (g_test_subprocess ())
    {
      big_frame_in_subprocess ();
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  g_test_trap_assert_stdout_unmatched ("*survived*");
#if defined(__SANITIZE_ADDRESS__)
  g_test_trap_assert_stderr ("*AddressSanitizer*");
#else
  g_test_trap_assert_stderr ("*fiber task * “big-frame” overflowed its stack of 256 KiB*stack_size*");
#endif
}

static void
test_overflow_big_frame_mprotect (void)
{
  if (g_test_subprocess ())
    {
      _isle_stack_force_mprotect_guards ();
      big_frame_in_subprocess ();
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  g_test_trap_assert_stdout_unmatched ("*survived*");
#if defined(__SANITIZE_ADDRESS__)
  g_test_trap_assert_stderr ("*AddressSanitizer*");
#else
  g_test_trap_assert_stderr ("*fiber task * “big-frame” overflowed its stack of 256 KiB*stack_size*");
#endif
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Isle/Overflow/raise-kills", test_overflow_raise_kills);
  g_test_add_func ("/Isle/Overflow/kill-kills", test_overflow_kill_kills);
  g_test_add_func ("/Isle/Overflow/fault-kills", test_overflow_fault_kills);
  g_test_add_func ("/Isle/Overflow/fault-in-fiber-is-not-overflow",
                   test_overflow_fault_in_fiber_is_not_overflow);
  g_test_add_func ("/Isle/Overflow/previous-handler", test_overflow_previous_handler);
  g_test_add_func ("/Isle/Overflow/previous-siginfo-resethand",
                   test_overflow_previous_siginfo_resethand);
  g_test_add_func ("/Isle/Overflow/previous-ignore", test_overflow_previous_ignore);
  g_test_add_func ("/Isle/Overflow/big-frame", test_overflow_big_frame);
  g_test_add_func ("/Isle/Overflow/big-frame-mprotect", test_overflow_big_frame_mprotect);

  return g_test_run ();
}
