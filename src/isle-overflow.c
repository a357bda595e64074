/* isle-overflow.c: naming the task whose stack overflowed
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A fiber that runs off its stack hits the guard page below it and the
 * kernel sends SIGSEGV. A bare "Segmentation fault" tells nobody which of
 * thousands of tasks it was, so Isle catches the signal on an alternate
 * stack (the fiber's own is exhausted), checks that the faulting address is
 * the running fiber's guard page, and writes the task's id, name and stack
 * size before letting the signal kill the process as it would have. Only
 * a fault inside the running fiber's guard is Isle's; every other SIGSEGV
 * (a bad pointer, or one sent with kill() or raise()) goes to whatever
 * handler was there before, or, with none, kills the process with the
 * default action, as it would have without Isle.
 *
 * Under AddressSanitizer nothing is installed: it reports stack overflows
 * itself and owns the SIGSEGV handler.
 */

#include "config.h"

#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "isle-overflow-private.h"
#include "isle-sanitizers-private.h"
#include "isle-stack-private.h"
#include "isle-task-private.h"

#ifndef ISLE_ASAN

/* Room for the handler and what it calls; well above MINSIGSTKSZ. */
#define ALTSTACK_SIZE (64 * 1024)
/* The overflow report: a line of text, built on the alternate stack. */
#define OVERFLOW_MESSAGE_BYTES 512

static void altstack_free (gpointer data);

static struct sigaction previous_segv;
static GPrivate thread_altstack = G_PRIVATE_INIT (altstack_free);

/* Marks a thread whose alternate stack is someone else's. */
static char foreign_altstack;

/* Appends @text to the buffer without overflowing it; everything here must
 * be safe in a signal handler, so no printf. */
static void
append (char       *buffer,
        gsize      *len,
        gsize       size,
        const char *text)
{
  while (*text != '\0' && *len + 1 < size)
    buffer[(*len)++] = *text++;
  buffer[*len] = '\0';
}

static void
append_number (char    *buffer,
               gsize   *len,
               gsize    size,
               guint64  number)
{
  char digits[24];
  int n = 0;

  do
    {
      digits[n++] = (char) ('0' + number % 10);
      number /= 10;
    }
  while (number > 0);

  while (n > 0 && *len + 1 < size)
    buffer[(*len)++] = digits[--n];
  buffer[*len] = '\0';
}

/* A fault the kernel raised for an instruction, as opposed to a signal
 * sent with kill(), raise() or sigqueue(): returning from the handler runs
 * the instruction again, so it cannot be ignored. */
static gboolean
is_real_fault (const siginfo_t *info)
{
  return info != NULL && info->si_code > 0;
}

/* Dies of @signal_number with its default action, as the process would
 * have without Isle: for a real fault, returning re-runs the instruction
 * with SIG_DFL in place; a sent signal is sent again, to this thread, and
 * arrives once the handler returns (it is blocked until then). */
static void
die_by_default (int              signal_number,
                const siginfo_t *info)
{
  signal (signal_number, SIG_DFL);
  if (!is_real_fault (info))
    raise (signal_number);
}

/* Hands a SIGSEGV that is not an overflow of a fiber's stack to whatever
 * handled it before Isle, as the kernel would have: with that handler's
 * mask blocked (and the signal itself unless SA_NODEFER), SA_RESETHAND
 * resetting it after one call, SIG_IGN ignoring a sent signal (a real
 * fault cannot be ignored, the kernel kills the process for it) and
 * SIG_DFL killing the process. */
static void
pass_on (int        signal_number,
         siginfo_t *info,
         void      *context)
{
  struct sigaction previous = previous_segv;
  sigset_t mask, saved_mask;

  if (!(previous.sa_flags & SA_SIGINFO) && previous.sa_handler == SIG_IGN)
    {
      if (is_real_fault (info))
        die_by_default (signal_number, info);
      return;
    }
  if (!(previous.sa_flags & SA_SIGINFO) ?
      previous.sa_handler == SIG_DFL : previous.sa_sigaction == NULL)
    {
      die_by_default (signal_number, info);
      return;
    }

  if (previous.sa_flags & SA_RESETHAND)
    {
      memset (&previous_segv, 0, sizeof previous_segv);
      previous_segv.sa_handler = SIG_DFL;
    }

  mask = previous.sa_mask;
  if (!(previous.sa_flags & SA_NODEFER))
    sigaddset (&mask, signal_number);
  pthread_sigmask (SIG_BLOCK, &mask, &saved_mask);

  if (previous.sa_flags & SA_SIGINFO)
    previous.sa_sigaction (signal_number, info, context);
  else
    previous.sa_handler (signal_number);

  pthread_sigmask (SIG_SETMASK, &saved_mask, NULL);
}

static void
overflow_handler (int        signal_number,
                  siginfo_t *info,
                  void      *context)
{
  IsleTask *task = _isle_thread_state_get ()->current_task;

  if (is_real_fault (info) && task != NULL && task->fiber != NULL &&
      _isle_stack_guard_contains (task->fiber, info->si_addr))
    {
      const char *name = task->extra != NULL ? task->extra->name : NULL;
      /* Room for the fixed text, a task name cut to fit and two sizes;
       * on the alternate stack, so no allocation. */
      char message[OVERFLOW_MESSAGE_BYTES];
      gsize len = 0;

      append (message, &len, sizeof message, "Isle: fiber task ");
      append_number (message, &len, sizeof message, task->id);
      if (name != NULL)
        {
          append (message, &len, sizeof message, " “");
          append (message, &len, sizeof message, name);
          append (message, &len, sizeof message, "”");
        }
      append (message, &len, sizeof message, " overflowed its stack of ");
      append_number (message, &len, sizeof message,
                     _isle_fiber_get_stack_size (task->fiber) / 1024);
      append (message, &len, sizeof message,
              " KiB: it ran into the guard page below it. Give it a larger "
              "stack (the stack_size argument of isle_spawn_local_full(), or "
              "isle_local_set_set_default_stack_size()), or move deep "
              "recursion and large local arrays off the task's stack.\n");
      if (write (STDERR_FILENO, message, len) < 0)
        {
          /* Nothing better to do in a signal handler. */
        }

      /* Die of the signal, as the program would have without Isle. */
      signal (signal_number, SIG_DFL);
      return;
    }

  pass_on (signal_number, info, context);
}

static void
altstack_free (gpointer data)
{
  stack_t disable = { .ss_flags = SS_DISABLE };

  if (data == &foreign_altstack)
    return;

  sigaltstack (&disable, NULL);
  g_free (data);
}

#endif /* !ISLE_ASAN */

/* Called for every island created; cheap after the first time on a thread. */
void
_isle_overflow_handler_install (void)
{
#ifndef ISLE_ASAN
  static gsize installed;

  if (g_private_get (&thread_altstack) == NULL)
    {
      stack_t current;

      /* A thread that has an alternate stack already (GLib programs rarely
       * do) keeps it. */
      if (sigaltstack (NULL, &current) == 0 && !(current.ss_flags & SS_DISABLE))
        g_private_set (&thread_altstack, &foreign_altstack);
      else
        {
          stack_t altstack = { 0, };

          altstack.ss_sp = g_malloc (ALTSTACK_SIZE);
          altstack.ss_size = ALTSTACK_SIZE;
          if (sigaltstack (&altstack, NULL) == 0)
            g_private_replace (&thread_altstack, altstack.ss_sp);
          else
            g_free (altstack.ss_sp);
        }
    }

  if (g_once_init_enter (&installed))
    {
      struct sigaction action;

      memset (&action, 0, sizeof action);
      action.sa_sigaction = overflow_handler;
      action.sa_flags = SA_SIGINFO | SA_ONSTACK;
      sigemptyset (&action.sa_mask);
      sigaction (SIGSEGV, &action, &previous_segv);

      g_once_init_leave (&installed, 1);
    }
#endif
}
