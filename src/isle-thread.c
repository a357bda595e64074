/* isle-thread.c: what Isle knows about the calling thread
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <unistd.h>
#if HAVE_SYS_PRCTL_H
# include <sys/prctl.h>
#endif
#include <sys/syscall.h>

#include "isle-thread-private.h"

ISLE_TLS IsleThreadState _isle_thread_state;

/* prctl (PR_GET_NAME) gives at most 16 bytes, the kernel's TASK_COMM_LEN
 * with its terminator; the description adds " (thread <tid>)". */
#define THREAD_NAME_BYTES 16
#define THREAD_DESCRIPTION_BYTES 64

static __thread char thread_description[THREAD_DESCRIPTION_BYTES];

static guint64 last_serial;   /* (atomic) */

guint64
_isle_thread_assign_serial (void)
{
  _isle_thread_state.serial = __atomic_add_fetch (&last_serial, 1, __ATOMIC_RELAXED);
  return _isle_thread_state.serial;
}

const char *
_isle_thread_describe_self (void)
{
  char name[THREAD_NAME_BYTES + 1] = "unnamed";
  long tid = 0;

#if HAVE_SYS_PRCTL_H && defined(PR_GET_NAME)
  if (prctl (PR_GET_NAME, name, 0, 0, 0) != 0)
    g_strlcpy (name, "unnamed", sizeof name);
  name[THREAD_NAME_BYTES] = '\0';
#endif
#ifdef SYS_gettid
  tid = syscall (SYS_gettid);
#endif

  g_snprintf (thread_description, sizeof thread_description,
              "'%s' (tid %ld)", name, tid);
  return thread_description;
}
